// Phone pages: every word lives in src/mobile/i18n/zh-CN.ts (ready for a Mongolian catalogue),
// components carry no text of their own, and every key they use exists.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import zhCN from '../src/mobile/i18n/zh-CN'
import { addCatalogue, apiValue, has, list, locale, lookup, removeCatalogue, secondLine, setLocale, tr } from '../src/mobile/i18n'
import { MATERIAL_KINDS, PROGRAMMES, REPORT_CHANGES, STATES, VOTE_CHOICES } from '../src/mobile/types'
import { OPTION_GROUPS, options } from '../src/mobile/lib/options'
import TitleBlock from '../src/mobile/components/TitleBlock.vue'

const SRC = join(__dirname, '..', 'src', 'mobile')
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : /\.(vue|ts|css)$/.test(f) ? [p] : []
  })
}
const sources = files(SRC).filter((f) => !relative(SRC, f).startsWith('i18n'))

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/<!--[\s\S]*?-->/g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
}

function leaves(tree: object, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[prefix + k, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  )
}
const group = (path: string) => path.split('.').reduce<any>((n, k) => n?.[k], zhCN)

afterEach(() => {
  removeCatalogue('mn-Mong')
  setLocale('zh-CN')
})

describe('phone pages: message catalogue', () => {
  it('has no empty strings and balanced placeholders', () => {
    const all = leaves(zhCN)
    expect(all.length).toBeGreaterThan(300)
    for (const [k, v] of all) {
      expect(v.trim(), k).not.toBe('')
      expect((v.match(/\{/g) ?? []).length, k).toBe((v.match(/\}/g) ?? []).length)
    }
  })

  it('components contain no language text (only neutral symbols)', () => {
    const offenders: string[] = []
    for (const f of sources) {
      stripComments(readFileSync(f, 'utf8')).split('\n').forEach((line, i) => {
        if (/[^\x00-\x7F·×→…]/.test(line)) offenders.push(`${relative(SRC, f)}:${i + 1}: ${line.trim()}`)
      })
    }
    expect(offenders).toEqual([])
  })

  it('every literal key passed to tr(), apiValue(), has() or title-key exists', () => {
    const missing: string[] = []
    let seen = 0
    for (const f of sources) {
      const s = readFileSync(f, 'utf8')
      for (const m of s.matchAll(/\b(?:tr|apiValue|has)\(\s*'([a-zA-Z0-9_.]+)'/g)) {
        seen++
        if (lookup(m[1], 'zh-CN') === undefined) missing.push(`${relative(SRC, f)}: ${m[1]}`)
      }
      for (const m of s.matchAll(/title-key="([a-zA-Z0-9_.]+)"/g)) {
        if (lookup(m[1], 'zh-CN') === undefined) missing.push(`${relative(SRC, f)}: ${m[1]}`)
      }
      // Keys built from a prefix, tr(`status.next.${state}`): the prefix must be a group.
      for (const m of s.matchAll(/\b(?:tr|apiValue|has)\(\s*`([a-zA-Z0-9_.]+)\.\$\{/g)) {
        const g = group(m[1])
        if (!g || typeof g !== 'object') missing.push(`${relative(SRC, f)}: ${m[1]}.*`)
      }
    }
    expect(seen).toBeGreaterThan(200)
    expect(missing).toEqual([])
  })

  it('names every state, programme, material kind, choice and report item', () => {
    for (const s of STATES) expect(lookup(`status.next.${s}`), s).toBeDefined()
    for (const p of PROGRAMMES) {
      expect(lookup(`programmes.${p}.name`), p).toBeDefined()
      expect(lookup(`programmes.${p}.hint`), p).toBeDefined()
    }
    for (const k of MATERIAL_KINDS) {
      expect(lookup(`materials.kinds.${k}.name`), k).toBeDefined()
      expect(lookup(`materials.kinds.${k}.hint`), k).toBeDefined()
      if (k !== 'other') expect(lookup(`materials.match.${k}`), k).toBeDefined()
    }
    for (const v of VOTE_CHOICES) expect(lookup(`vote.choices.${v}`), v).toBeDefined()
    for (const c of REPORT_CHANGES) expect(lookup(`report.changes.${c}`), c).toBeDefined()
    // The form's choices come from the shared vocabulary: every group has some.
    for (const g of OPTION_GROUPS) expect(options(g).length, g).toBeGreaterThan(1)
    expect(lookup('values.relation.self')).toBe('本人')
    for (const s of ['draft', 'needs_supplement']) expect(lookup(`cases.todo.${s}`)).toBeDefined()
    for (const d of ['promise', 'consent']) {
      expect(lookup(`documents.${d}.title`)).toBeDefined()
      expect(tr(`documents.${d}.text`).split('\n').length).toBeGreaterThanOrEqual(4)
    }
  })

  it('the documents cite the regulations', () => {
    expect(tr('documents.consent.text')).toContain('《社会救助暂行办法》')
    expect(tr('documents.consent.text')).toContain('《最低生活保障审核确认办法》')
    expect(tr('documents.promise.text')).toContain('真实、完整')
    expect(tr('documents.promise.text')).toContain('报告')
  })

  it('tr() fills placeholders; a second language falls back to Chinese key by key', () => {
    expect(tr('app.step', { n: 2, total: 7 })).toBe('第 2 步，共 7 步')
    expect(tr('no.such.key')).toBe('no.such.key')
    expect(has('home.apply')).toBe(true)
    expect(list(['a', 'b'])).toBe('a、b')
    addCatalogue('mn-Mong', { home: { apply: 'ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠬᠦᠰᠡᠬᠦ' } })
    setLocale('mn-Mong')
    expect(locale()).toBe('mn-Mong')
    expect(tr('home.apply')).toBe('ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠬᠦᠰᠡᠬᠦ')
    expect(tr('home.cases')).toBe('查看我的申请')
    // Values sent to the API stay Chinese whatever the page shows.
    expect(apiValue('values.relation.self')).toBe('本人')
  })

  it('the title block shows a Mongolian line only when the catalogue has one', () => {
    const plain = mount(TitleBlock, { props: { titleKey: 'publicity.title', params: { township: '树林召镇' } } })
    expect(plain.find('[data-test="title-zh"]').text()).toBe('树林召镇社会救助公示')
    expect(plain.find('[lang="mn-Mong"]').exists()).toBe(false)
    addCatalogue('mn-Mong', { publicity: { title: '{township} ᠨᠡᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ' } })
    expect(secondLine('publicity.title', { township: 'X' })).toBe('X ᠨᠡᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ')
    const both = mount(TitleBlock, { props: { titleKey: 'publicity.title', params: { township: '树林召镇' } } })
    const mn = both.find('[data-test="title-mn"]')
    expect(mn.attributes('lang')).toBe('mn-Mong')
    expect(mn.text()).toContain('ᠨᠡᠢᠭᠡᠮ')
    expect(both.find('[data-test="title-zh"]').text()).toBe('树林召镇社会救助公示')
  })

  it('m/index.html keeps the pages out of search engines', () => {
    const html = readFileSync(join(__dirname, '..', 'm', 'index.html'), 'utf8')
    expect(html).toMatch(/<meta name="robots" content="noindex"/)
    expect(html).toContain('/src/mobile/main.ts')
  })
})
