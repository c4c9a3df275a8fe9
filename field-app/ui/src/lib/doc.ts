// Reading the case document JSON in the shape the UI needs.
import type { Doc } from './api'
import { t, has } from '../i18n'
import { label as vocabLabel } from './vocab'

export interface MemberOption { id: string; name: string }

export function memberName(m: Doc): string {
  return m?.name?.verified || m?.name?.declared || ''
}

export function memberOptions(visit: Doc): MemberOption[] {
  return (visit?.members ?? [])
    .filter((m: Doc) => m.status !== 'removed')
    .map((m: Doc) => ({ id: m.id, name: memberName(m) }))
}

/** Review notes pointing into `prefix` (a field path or a section path). */
export function notesAt(doc: Doc, prefix: string): Doc[] {
  return (doc?.review_notes ?? []).filter((n: Doc) => !n.resolved && n.path && (n.path === prefix || n.path.startsWith(prefix + '.')))
}

/** The section of the visit form a document path belongs to (for jumping to a review note). */
export function sectionOf(path: string | null | undefined): string {
  const seg = (path ?? '').split('.')
  if (seg[0] !== 'visits') return 'basic'
  const s = seg[2]
  if (['household', 'members', 'needs', 'supporters', 'income', 'property', 'expenditures', 'living', 'auxiliary', 'interviews', 'observations', 'photos'].includes(s)) return s
  if (s === 'signatures') return 'sign'
  return 'basic'
}

export function sumFen(rows: Doc[]): number {
  return (rows ?? []).reduce((a: number, r: Doc) => a + (r.amount_fen ?? 0) - (r.cost_fen ?? 0), 0)
}

/** The form's label group of each visit section, and field names whose label key differs. */
const LABELS: Record<string, string> = {
  members: 'visit.memberFields', supporters: 'visit.supporter', income: 'visit.income', property: 'visit.property',
  expenditures: 'visit.expenditure', living: 'visit.living', auxiliary: 'visit.auxiliary', household: 'visit.household',
  interviews: 'visit.interview', detail: 'visit.income', needs: 'visit.needs',
}
const RENAMED: Record<string, string> = {
  amount_fen: 'amount', cost_fen: 'cost', value_fen: 'value', period_months: 'period', member_id: 'member',
  owner_member_id: 'owner', exempt_reason: 'exemptReason', income_fen_month: 'income', support_paid_fen_month: 'support_paid',
  price_fen_per_kg: 'price', housing_area_m2: 'housing_area', non_essential_goods: 'non_essential',
  current_benefit_fen: 'current_benefit', single_person_member_id: 'single_person_member',
  method: 'method', visited_at: 'visitedAt', opinion: 'opinion', village_assistant: 'villageAssistant',
}
const ROWS = ['members', 'needs', 'supporters', 'income', 'property', 'expenditures', 'interviews', 'photos', 'observations']

function fieldName(group: string, field: string): string | null {
  const name = RENAMED[field] ?? field.replace(/_fen_month$/, '')
  const key = `${group}.${name}`
  return has(key) ? t(key) : null
}

/**
 * A document path as people read it: "家庭成员 · 巴特尔 · 民族", "收入 · 第 2 行 · 金额（元）", with the
 * visit's number when the case has more than one. Never the path itself.
 */
export function fieldLabel(doc: Doc, path: string): string {
  const seg = path.split('.')
  if (seg[0] !== 'visits') return t('visit.sections.basic')
  const vi = Number(seg[1])
  const visit = doc?.visits?.[vi]
  const parts: string[] = []
  if ((doc?.visits?.length ?? 0) > 1) parts.push(t('notes.visitNo', { n: vi + 1 }))
  const section = seg[2]
  parts.push(t(`visit.sections.${sectionOf(path)}`))
  let rest = seg.slice(3)
  if (ROWS.includes(section) && rest.length) {
    const i = Number(rest[0])
    const row = visit?.[section]?.[i]
    parts.push(
      section === 'members' && memberName(row) ? memberName(row)
        : section === 'needs' && row?.area ? vocabLabel('visit_area', row.area)
          : t('visit.row', { n: i + 1 }),
    )
    rest = rest.slice(1)
  }
  // A checked field's `declared` / `verified` / `matches` / `reason` is the field itself.
  const field = rest.filter((f) => !['declared', 'verified', 'matches', 'reason'].includes(f))
  if (field[0] === 'self_care' && field[1]) parts.push(vocabLabel('self_care_item', field[1]))
  else if (field[0] === 'detail' && field[1]) parts.push(fieldName('visit.income', field[1]) ?? t('visit.income.details'))
  else if (field.length) {
    const group = LABELS[section] ?? 'visit'
    const name = fieldName(group, field[field.length - 1]) ?? fieldName('visit', field[field.length - 1])
    if (name) parts.push(name)
  } else if (!ROWS.includes(section) && section && !LABELS[section]) {
    const name = fieldName('visit', section)
    if (name) parts.push(name)
  }
  return parts.join(' · ')
}
