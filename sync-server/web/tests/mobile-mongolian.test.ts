// Phone pages in Mongolian: the catalogue (same keys as Chinese, traditional script, review list),
// the remembered language switch and the vertical bilingual text.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import zhCN from '../src/mobile/i18n/zh-CN'
import mnMong, { REVIEW } from '../src/mobile/i18n/mn-Mong'
import { lookup, tr } from '../src/mobile/i18n'
import { language, restoreLanguage, setLanguage, STORAGE_KEY } from '../src/mobile/i18n/language'
import LanguageSwitch from '../src/mobile/components/LanguageSwitch.vue'
import Bi from '../src/mobile/components/Bi.vue'
import TitleBlock from '../src/mobile/components/TitleBlock.vue'

function leaves(tree: object, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[prefix + k, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  )
}
const placeholders = (s: string) => new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))

const SRC = join(__dirname, '..', 'src', 'mobile')
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : /\.vue$/.test(f) ? [p] : []
  })
}

afterEach(() => {
  localStorage.clear()
  language.value = 'zh-CN'
})

describe('Mongolian catalogue', () => {
  const mn = leaves(mnMong)

  it('has only keys of the Chinese catalogue, with no placeholder Chinese lacks', () => {
    expect(mn.length).toBeGreaterThan(60)
    for (const [k, v] of mn) {
      const zh = lookup(k, 'zh-CN')
      expect(zh, `${k} missing from zh-CN.ts`).toBeDefined()
      for (const p of placeholders(v)) expect(placeholders(zh!).has(p), `${k}: {${p}}`).toBe(true)
    }
    expect(zhCN.lang.mn).toBe('蒙古文')
  })

  it('is traditional script: Mongolian letters, no Chinese, no Cyrillic', () => {
    for (const [k, v] of mn) {
      expect(/[\u1820-\u18AA]/.test(v), k).toBe(true)
      expect(/[\u3400-\u9FFF\u0400-\u04FF]/.test(v), `${k}: ${v}`).toBe(false)
    }
  })

  it('covers the public pages, the roll and the applicant main pages', () => {
    const has = (k: string) => lookup(k, 'mn-Mong') !== undefined
    for (const k of ['publicity.title', 'publicity.intro', 'publicity.village', 'publicity.household', 'publicity.programme',
      'publicity.amount', 'publicity.period', 'publicity.object', 'roll.title', 'roll.intro', 'roll.amount', 'roll.period',
      'home.apply', 'home.cases', 'login.intro', 'login.submit', 'status.title', 'status.next.accepted', 'apply.steps.members',
      'sign.submit', 'lang.mn']) {
      expect(has(k), k).toBe(true)
    }
  })

  it('lists the terms for review, each a key it translates', () => {
    expect(Object.keys(REVIEW).length).toBeGreaterThan(5)
    for (const k of Object.keys(REVIEW)) expect(lookup(k, 'mn-Mong'), k).toBeDefined()
  })

  it('every k="…" a page gives a bilingual text exists in Chinese', () => {
    const missing: string[] = []
    let seen = 0
    for (const f of files(SRC)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?<![:\w-])k="([a-zA-Z0-9_.]+)"/g)) {
        seen++
        if (lookup(m[1], 'zh-CN') === undefined) missing.push(`${relative(SRC, f)}: ${m[1]}`)
      }
    }
    expect(seen).toBeGreaterThan(20)
    expect(missing).toEqual([])
  })
})

describe('language switch', () => {
  it('is remembered across a reload and turns the Mongolian columns on and off', async () => {
    const sw = mount(LanguageSwitch)
    const text = mount(Bi, { props: { k: 'home.apply' } })
    expect(text.find('[data-test="mn-text"]').exists()).toBe(false)
    expect(text.text()).toBe(tr('home.apply'))

    await sw.find('[data-test="lang-mn"]').trigger('click')
    expect(localStorage.getItem(STORAGE_KEY)).toBe('mn-Mong')
    expect(sw.find('[data-test="lang-mn"]').attributes('aria-pressed')).toBe('true')
    expect(sw.find('[data-test="lang-mn"]').text()).toBe('ᠮᠣᠩᠭᠣᠯ')
    const col = text.find('[data-test="mn-text"]')
    expect(col.attributes('lang')).toBe('mn-Mong')
    expect(col.classes()).toContain('mn-v')
    expect(col.text()).toBe(lookup('home.apply', 'mn-Mong'))
    // The Chinese stays beside it; tr() keeps answering in Chinese (placeholders, toasts).
    expect(text.find('.bi-zh').text()).toBe('申请救助')
    expect(tr('home.apply')).toBe('申请救助')

    // A reload reads the stored choice.
    language.value = 'zh-CN'
    restoreLanguage()
    expect(language.value).toBe('mn-Mong')

    await sw.find('[data-test="lang-zh"]').trigger('click')
    expect(localStorage.getItem(STORAGE_KEY)).toBe('zh-CN')
    expect(text.find('[data-test="mn-text"]').exists()).toBe(false)
  })

  it('a key without Mongolian shows Chinese only; public titles are bilingual in either language', () => {
    setLanguage('mn-Mong')
    const plain = mount(Bi, { props: { k: 'app.colon' } })
    expect(plain.find('[data-test="mn-text"]').exists()).toBe(false)
    setLanguage('zh-CN')
    const title = mount(TitleBlock, { props: { titleKey: 'publicity.title', params: { township: '树林召镇' } } })
    expect(title.find('[data-test="title-mn"]').classes()).toContain('mn-v')
    expect(title.find('[data-test="title-zh"]').text()).toBe('树林召镇社会救助公示')
  })
})
