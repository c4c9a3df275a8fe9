import { describe, it, expect } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { t, has } from '../src/i18n'
import { zhCN } from '../src/i18n/zh-CN'

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : /\.(ts|vue)$/.test(p) ? [p] : []
  })
}
const src = join(__dirname, '..', 'src')
const sources = files(src).filter((f) => !f.includes('i18n'))

describe('message catalogue', () => {
  it('has every literal key the sources use', () => {
    const missing: string[] = []
    for (const f of sources) {
      const text = readFileSync(f, 'utf8')
      for (const m of text.matchAll(/\bt\(\s*'([\w.]+)'/g)) if (!has(m[1])) missing.push(`${f}: ${m[1]}`)
    }
    expect(missing).toEqual([])
  })
  it('has every key built from a prefix and a code the app knows', () => {
    const groups: Record<string, readonly string[]> = {
      'cases.groups': ['todo', 'doing', 'toSync', 'returned', 'done'],
      'cases.sync': ['local', 'photos', 'synced', 'conflict'],
      'sync.results': ['synced', 'assigned', 'withdrawn', 'refused', 'pending'],
      problem: ['no_visit', 'method_missing', 'too_few_investigators', 'member_change_reason', 'member_presence',
        'differs_without_reason', 'exclusion_reason', 'income_category', 'income_amount', 'needs_missing', 'need_area', 'unsigned',
        'signature_stale'],
      error: ['no_network', 'certificate_changed', 'device_revoked', 'bad_url', 'bad_code', 'server', 'tls', 'not_enrolled',
        'already_enrolled', 'locked', 'pin_format', 'pin_not_set', 'pin_wrong', 'pin_locked', 'incomplete', 'sealed',
        'not_editable', 'reason_required', 'not_found', 'no_open_visit', 'photo', 'storage', 'protocol', 'invalid', 'sync_running'],
      'visit.memberFields': ['name', 'id_number', 'sex', 'birth_date', 'relation', 'health', 'disability_grade', 'work_capacity', 'employment',
        'ethnicity', 'hukou_type', 'marital_status', 'education', 'school_stage', 'disease', 'disability_type', 'disability_cert_no', 'employer'],
      'visit.memberGroups': ['identity', 'health', 'work'],
    }
    const missing = Object.entries(groups).flatMap(([g, codes]) => codes.filter((c) => !has(`${g}.${c}`)).map((c) => `${g}.${c}`))
    expect(missing).toEqual([])
    for (const s of Object.keys(zhCN.visit.sections)) expect(has(`visit.sections.${s}`)).toBe(true)
  })
  it('covers every error code the shell can send', () => {
    const shell = readFileSync(join(__dirname, '..', '..', 'src-tauri', 'src', 'lib.rs'), 'utf8')
    const codes = new Set<string>()
    for (const m of shell.matchAll(/=> "([a-z_]+)"/g)) codes.add(m[1])
    for (const m of shell.matchAll(/CmdError::new\("([a-z_]+)"/g)) codes.add(m[1])
    expect(codes.size).toBeGreaterThan(10)
    expect([...codes].filter((c) => !has(`error.${c}`))).toEqual([])
  })
  it('covers every problem code the core raises', () => {
    const core = readFileSync(join(__dirname, '..', '..', 'core', 'src', 'visit.rs'), 'utf8')
    const codes = new Set<string>()
    for (const m of core.matchAll(/problem\(\s*"([a-z_]+)"/g)) codes.add(m[1])
    expect(codes.has('needs_missing') && codes.has('need_area')).toBe(true)
    expect([...codes].filter((c) => !has(`problem.${c}`))).toEqual([])
  })
  it('holds only Chinese text, with no untranslated English sentences', () => {
    const walk = (o: object): string[] => Object.values(o).flatMap((v) => (typeof v === 'string' ? [v] : walk(v)))
    const english = walk(zhCN).filter((s) => /^[A-Za-z ,.'!?]{12,}$/.test(s))
    expect(english).toEqual([])
  })
  it('fills parameters', () => {
    expect(t('cases.deadline', { date: '2026-12-31' })).toBe('截止 2026-12-31')
    expect(t('no.such.key')).toBe('no.such.key')
  })
})
