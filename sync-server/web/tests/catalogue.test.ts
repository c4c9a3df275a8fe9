// Every string people see lives in src/i18n/zh-CN.ts: components carry no text of their own and
// every key they use exists.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import zhCN from '../src/i18n/zh-CN'
import { label, list, lookup, t } from '../src/i18n'
import { STATES } from '../src/lib/states'
import {
  AUDIT_ACTIONS, CHECK_OUTCOMES, MATERIAL_KINDS, MEMBER_FIELDS, OBJECTION_CHANNELS, PROPOSAL_SECTIONS, ROSTER_KINDS, WORKFLOW_ACTIONS,
} from '../src/types'
import { ACTION_SPECS, CHECK_ITEMS, CHECKLIST_KEYS } from '../src/lib/workflow'
import { HOUSEHOLD_FIELDS, SUPPORTER_FIELDS } from '../src/lib/paths'
import { INCOME_DETAIL_FIELDS } from '../src/types'

const SRC = join(__dirname, '..', 'src')
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : /\.(vue|ts)$/.test(f) ? [p] : []
  })
}
// The applicants' phone pages (src/mobile) carry their own catalogue and tests.
const sources = files(SRC).filter((f) => !/^(i18n|mobile)\b/.test(relative(SRC, f)))

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/<!--[\s\S]*?-->/g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

function leaves(tree: object, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[prefix + k, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  )
}

describe('message catalogue', () => {
  it('components contain no language text (only neutral symbols)', () => {
    const offenders: string[] = []
    for (const f of sources) {
      stripComments(readFileSync(f, 'utf8')).split('\n').forEach((line, i) => {
        if (/[^\x00-\x7F·×→…]/.test(line)) offenders.push(`${relative(SRC, f)}:${i + 1}: ${line.trim()}`)
      })
    }
    expect(offenders).toEqual([])
  })

  it('every literal key passed to t() exists', () => {
    const missing: string[] = []
    for (const f of sources) {
      const s = readFileSync(f, 'utf8')
      for (const m of s.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) {
        if (lookup(m[1]) === undefined) missing.push(`${relative(SRC, f)}: ${m[1]}`)
      }
      // Template keys built from a prefix: t(`fields.${f}`) and the like must name a group.
      for (const m of s.matchAll(/\bt\(`([a-zA-Z0-9_.]+)\.\$\{/g)) {
        const group = m[1].split('.').reduce<any>((n, k) => n?.[k], zhCN)
        if (!group || typeof group !== 'object') missing.push(`${relative(SRC, f)}: ${m[1]}.*`)
      }
      for (const m of s.matchAll(/\blabel\(\s*'([a-zA-Z0-9_.]+)'/g)) {
        const group = m[1].split('.').reduce<any>((n, k) => n?.[k], zhCN)
        if (!group || typeof group !== 'object') missing.push(`${relative(SRC, f)}: label ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('has no empty strings and balanced placeholders', () => {
    for (const [k, v] of leaves(zhCN)) {
      expect(v.trim(), k).not.toBe('')
      expect((v.match(/\{/g) ?? []).length, k).toBe((v.match(/\}/g) ?? []).length)
    }
  })

  it('names every workflow state, member field and enumerated value the schema has', () => {
    for (const s of STATES) expect(lookup(`states.${s}`), s).toBeDefined()
    for (const f of MEMBER_FIELDS) expect(lookup(`fields.${f}`), f).toBeDefined()
    for (const k of ['urban_dibao', 'rural_dibao', 'tekun', 'temporary', 'edge', 'rigid_expense']) expect(lookup(`caseTypes.${k}`)).toBeDefined()
    // Income categories, property kinds, photo tags … come from the shared vocabulary, not from here.
    for (const g of ['income', 'property', 'expenditure', 'living', 'photo']) {
      const group = (zhCN as any)[g]
      for (const copy of ['categories', 'kinds', 'housingTypes', 'tags', 'evidenceKinds']) expect(group[copy], `${g}.${copy}`).toBeUndefined()
    }
    for (const f of HOUSEHOLD_FIELDS) expect(lookup(`household.${f}`), f).toBeDefined()
    for (const f of SUPPORTER_FIELDS) expect(lookup(`supporter.${f}`), f).toBeDefined()
    for (const f of INCOME_DETAIL_FIELDS) expect(lookup(`incomeDetail.${f}`), f).toBeDefined()
    // Header codes are the engine's states only: the console's old sub-states are gone.
    expect(lookup('states.returned')).toBeUndefined()
    expect(lookup('states.investigation_accepted')).toBeUndefined()
    for (const a of WORKFLOW_ACTIONS) expect(lookup(`workflow.actionNames.${a}`), a).toBeDefined()
    for (const a of WORKFLOW_ACTIONS) expect(ACTION_SPECS[a], a).toBeDefined()
    for (const r of CHECK_OUTCOMES) expect(lookup(`workflow.check.results.${r}`), r).toBeDefined()
    for (const k of CHECK_ITEMS) expect(lookup(`workflow.check.items.${k}`), k).toBeDefined()
    for (const s of ['recorded', 'unchanged', 'error']) expect(lookup(`checkImport.statuses.${s}`), s).toBeDefined()
    // The steps that keep the state say what they did.
    for (const a of ['accept_visit', 'return_visit', 'change_team', 'resolve_conflict', 'record_situation', 'record_check_result',
      'register_complaint', 'record_decider_visit']) expect(lookup(`workflow.doneMessages.${a}`), a).toBeDefined()
    for (const k of ['caseworker', 'lead', 'bureau', 'admin']) expect(lookup(`roles.${k}`)).toBeDefined()
    for (const a of AUDIT_ACTIONS) expect(lookup(`audit.actions.${a}`), a).toBeDefined()
    for (const s of PROPOSAL_SECTIONS) expect(lookup(`proposal.sections.${s}`), s).toBeDefined()
    for (const a of ['urban', 'rural']) expect(lookup(`proposal.areas.${a}`), a).toBeDefined()
    for (const k of CHECKLIST_KEYS) expect(lookup(`workflow.checklist.items.${k}`), k).toBeDefined()
    for (const k of MATERIAL_KINDS) expect(lookup(`workflow.materialKinds.${k}`), k).toBeDefined()
    for (const k of OBJECTION_CHANNELS) expect(lookup(`workflow.objection.channels.${k}`), k).toBeDefined()
    for (const k of ROSTER_KINDS) expect(lookup(`meetings.kinds.${k}`), k).toBeDefined()
    for (const k of ['applicant', 'representative', 'investigator']) expect(lookup(`roles.${k}`), k).toBeDefined()
    // Every action that asks for a reason names it (or falls back to the generic label).
    for (const [a, spec] of Object.entries(ACTION_SPECS))
      if (spec.reasonRequired) expect(lookup(`workflow.reasonLabels.${a}`), a).toBeDefined()
  })

  it('t() fills placeholders, label() falls back to the raw value, list() uses the language separator', () => {
    expect(t('queue.count', { n: 3 })).toBe('共 3 件')
    expect(label('states', 'investigating')).toBe('调查中')
    expect(label('states', 'some_future_state')).toBe('some_future_state')
    expect(label('states', '')).toBe('—')
    expect(list(['王建国', '李明'])).toBe('王建国、李明')
  })
})
