// Phone pages' reading aids (issue 14): read-aloud over a stubbed Web Speech API (jsdom has none),
// hidden where the browser cannot speak; the elder-mode switch and what it remembers; the agent
// (代办) checks shared with the township window.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import vant from '../src/mobile/vant'
import ReadAloud from '../src/mobile/components/ReadAloud.vue'
import ElderToggle from '../src/mobile/components/ElderToggle.vue'
import { pieces, readAloud, readableText, speaking, stopReading } from '../src/mobile/lib/readAloud'
import { ELDER_CLASS, ELDER_KEY, elder, setElder } from '../src/mobile/lib/elder'
import { agentBody, checkAgent, emptyAgent } from '../src/mobile/lib/agent'

/** A speech synthesis that records what it is asked to say and ends each utterance on demand. */
class FakeUtterance {
  lang = ''
  voice: unknown = null
  onend: (() => void) | null = null
  onerror: (() => void) | null = null
  constructor(public text: string) {}
}
function stubSpeech() {
  const spoken: FakeUtterance[] = []
  const synth = {
    speak: vi.fn((u: FakeUtterance) => spoken.push(u)),
    cancel: vi.fn(() => spoken.splice(0)),
    getVoices: () => [{ lang: 'en-US', name: 'en' }, { lang: 'zh-CN', name: 'zh' }],
  }
  vi.stubGlobal('speechSynthesis', synth)
  vi.stubGlobal('SpeechSynthesisUtterance', FakeUtterance)
  return { spoken, synth }
}

function router() {
  const r = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { template: '<div/>' } }, { path: '/other', component: { template: '<div/>' } }] })
  return r
}

afterEach(() => {
  vi.unstubAllGlobals()
  speaking.value = false
  document.body.innerHTML = ''
})

describe('read-aloud: the text', () => {
  it('reads the marked regions in order, without controls or Mongolian script', () => {
    document.body.innerHTML = `
      <div class="m-page">
        <h1>不读的标题</h1>
        <section data-read><h2>申请进度</h2><p>乡镇正在审核。<button>修改</button></p></section>
        <p>没有标记的段落</p>
        <section data-read><p lang="mn-Mong">ᠮᠣᠩᠭᠣᠯ</p><ol><li>户口本</li><li>收入证明</li></ol><input value="x"></section>
      </div>`
    expect(readableText()).toBe('申请进度\n乡镇正在审核。\n户口本\n收入证明')
  })

  it('reads the whole page when nothing is marked', () => {
    document.body.innerHTML = '<div class="m-page"><h1>救助名单</h1><p>共 3 户。</p><button>返回</button></div>'
    expect(readableText()).toBe('救助名单\n共 3 户。')
  })

  it('cuts a long line after a sentence end', () => {
    const long = `${'一'.repeat(100)}。${'二'.repeat(50)}`
    expect(pieces(long)).toEqual([`${'一'.repeat(100)}。`, '二'.repeat(50)])
    expect(pieces('三'.repeat(130)).map((p) => p.length)).toEqual([120, 10])
  })
})

describe('read-aloud: speaking', () => {
  it('speaks each piece in Chinese with a Chinese voice, and stops', () => {
    const { spoken, synth } = stubSpeech()
    expect(readAloud('第一段\n第二段')).toBe(true)
    expect(spoken.map((u) => [u.text, u.lang, (u.voice as { name: string }).name])).toEqual([
      ['第一段', 'zh-CN', 'zh'],
      ['第二段', 'zh-CN', 'zh'],
    ])
    expect(speaking.value).toBe(true)
    spoken[1].onend?.()
    expect(speaking.value).toBe(false)
    readAloud('再读一遍')
    stopReading()
    expect(synth.cancel).toHaveBeenCalled()
    expect(speaking.value).toBe(false)
    expect(readAloud('   ')).toBe(false)
  })

  it('the button reads the page, turns into a stop button, and stops when the page changes', async () => {
    const { spoken, synth } = stubSpeech()
    document.body.innerHTML = '<div class="m-page"><p data-read>您的申请已受理。</p></div>'
    const r = router()
    r.push('/')
    await r.isReady()
    const w = mount(ReadAloud, { global: { plugins: [vant, r] }, attachTo: document.body })
    const read = w.get('[data-test=read-aloud]')
    expect(read.attributes('aria-label')).toContain('朗读')
    await read.trigger('click')
    expect(spoken.map((u) => u.text)).toEqual(['您的申请已受理。'])
    const stop = w.get('[data-test=read-stop]')
    expect(stop.attributes('aria-label')).toBe('停止朗读')
    await r.push('/other')
    await flushPromises()
    expect(synth.cancel).toHaveBeenCalled()
    expect(w.find('[data-test=read-aloud]').exists()).toBe(true)
    w.unmount()
  })

  it('is not offered where the browser cannot speak', async () => {
    expect('speechSynthesis' in window).toBe(false)
    const r = router()
    r.push('/')
    await r.isReady()
    const w = mount(ReadAloud, { global: { plugins: [vant, r] } })
    expect(w.find('button').exists()).toBe(false)
    expect(readAloud('有字')).toBe(false)
  })
})

describe('elder mode', () => {
  beforeEach(() => {
    localStorage.clear()
    setElder(false)
  })

  it('one tap switches the class on <html> and remembers it', async () => {
    const w = mount(ElderToggle)
    const b = w.get('[data-test=elder-toggle]')
    expect(b.attributes('role')).toBe('switch')
    expect(b.attributes('aria-checked')).toBe('false')
    expect(b.text()).toContain('长辈模式')
    await b.trigger('click')
    expect(b.attributes('aria-checked')).toBe('true')
    expect(document.documentElement.classList.contains(ELDER_CLASS)).toBe(true)
    expect(localStorage.getItem(ELDER_KEY)).toBe('1')
    await b.trigger('click')
    expect(elder.value).toBe(false)
    expect(document.documentElement.classList.contains(ELDER_CLASS)).toBe(false)
    expect(localStorage.getItem(ELDER_KEY)).toBeNull()
  })

  it('the boot script that runs before the first paint reads the same key', async () => {
    const boot = readFileSync(join(__dirname, '..', 'public', 'm', 'elder-boot.js'), 'utf8')
    localStorage.setItem(ELDER_KEY, '1')
    document.documentElement.classList.remove(ELDER_CLASS)
    new Function(boot)()
    expect(document.documentElement.classList.contains(ELDER_CLASS)).toBe(true)
  })
})

describe('agent (代办)', () => {
  it('names each missing or wrong field with a catalogue key', () => {
    expect(checkAgent(emptyAgent())).toEqual({ name: 'agentName', id_number: 'id.required', relation: 'agentRelation' })
    expect(checkAgent({ name: '刘强', id_number: '150621198201050011', relation: '儿子', phone: '1390000' })).toEqual({
      id_number: 'id.checksum',
      phone: 'phone',
    })
    const ok = { name: ' 刘强 ', id_number: '15062119820105013x', relation: '儿子', phone: '' }
    expect(checkAgent(ok)).toEqual({})
    expect(agentBody(ok)).toEqual({ name: '刘强', id_number: '15062119820105013X', relation: '儿子', phone: '' })
  })
})
