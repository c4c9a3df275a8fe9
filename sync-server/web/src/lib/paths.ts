// Human-readable names for dotted document paths (review notes, conflicts, history).
import { t, lookup } from '../i18n'
import type { CaseDoc } from '../types'

const SECTION_FIELD_GROUPS: Record<string, string> = {
  members: 'fields',
  income: 'income',
  property: 'property',
  expenditures: 'expenditure',
  living: 'living',
  auxiliary: 'auxiliary',
  interviews: 'interview',
  observations: 'observation',
}

const INCOME_FIELDS: Record<string, string> = {
  category: 'income.category', item: 'income.item', member_id: 'income.member', amount_fen: 'income.amount',
  cost_fen: 'income.cost', period_months: 'income.period', exempt: 'income.exempt', evidence: 'income.evidence',
  note: 'income.note',
}
const PROPERTY_FIELDS: Record<string, string> = {
  kind: 'property.kind', description: 'property.description', quantity: 'property.quantity',
  value_fen: 'property.value', owner_member_id: 'property.owner', exempt_reason: 'property.exemptReason',
  note: 'property.note',
}
const EXPENDITURE_FIELDS: Record<string, string> = {
  kind: 'expenditure.kind', member_id: 'expenditure.member', amount_fen: 'expenditure.amount',
  period_months: 'expenditure.period', evidence: 'expenditure.evidence', note: 'expenditure.note',
}

function fieldLabel(section: string, field: string): string {
  const specific =
    section === 'income' ? INCOME_FIELDS[field] :
    section === 'property' ? PROPERTY_FIELDS[field] :
    section === 'expenditures' ? EXPENDITURE_FIELDS[field] : undefined
  if (specific) return t(specific)
  const group = SECTION_FIELD_GROUPS[section]
  return (group && lookup(`${group}.${field}`)) || field
}


/**
 * `visits.0.members.1.id_number.verified` → visit 1 · members · the member's name · the field's label.
 * Unknown shapes come back as the raw path so nothing is ever hidden.
 */
export function describePath(path: string | null | undefined, doc?: CaseDoc): string {
  if (!path) return t('detail.noteGeneral')
  const parts = path.split('.')
  if (parts[0] !== 'visits' || parts.length < 3) return path
  const vi = Number(parts[1])
  const out = [t('detail.visit', { n: vi + 1 })]
  const section = parts[2]
  const sectionKey = `sections.${section}`
  if (!lookup(sectionKey)) return path
  const visit = doc?.visits?.[vi]
  if (section === 'living' || section === 'auxiliary') {
    out.push(t(sectionKey))
    if (parts[3]) out.push(fieldLabel(section, parts[3]))
    return out.join(' · ')
  }
  out.push(t(sectionKey))
  const ri = parts[3] !== undefined ? Number(parts[3]) : NaN
  if (Number.isInteger(ri)) {
    if (section === 'members') {
      const m = visit?.members?.[ri]
      const name = m?.name?.verified || m?.name?.declared
      out.push(name || `#${ri + 1}`)
    } else {
      out.push(`#${ri + 1}`)
    }
  }
  if (parts[4]) out.push(fieldLabel(section, parts[4]))
  return out.join(' · ')
}

const CHANGE_MESSAGES: Record<string, string> = {
  'create case': 'history.messages.create',
  'assign team': 'history.messages.assign',
  'add finding': 'history.messages.finding',
  'add photo': 'history.messages.photo',
  'return for correction': 'history.messages.return',
  'accept investigation': 'history.messages.accept',
}

/** A change's commit message (`set visits.0.living.housing`, `assign team`…) for people. */
export function describeChange(message: string | null | undefined, doc?: CaseDoc): string {
  if (!message) return ''
  const known = CHANGE_MESSAGES[message]
  if (known) return t(known)
  const m = /^(set|resolve) (\S+)$/.exec(message)
  if (m) return t(m[1] === 'set' ? 'history.messages.set' : 'history.messages.resolve', { field: describePath(m[2], doc) })
  return message
}

/**
 * The server's `by` or audit `actor` (`device 平板-03 (王建国)`, `console 张海燕`, `server`, `admin`,
 * `admin (command line)`) in the catalogue's words; anything else (a bare user name) as it is.
 */
export function describeActor(by: string | null | undefined): string {
  if (!by) return ''
  const owned = /^device (.+) \((.+)\)$/.exec(by)
  if (owned) return t('history.byDeviceOf', { device: owned[1], user: owned[2] })
  const device = /^device (.+)$/.exec(by)
  if (device) return t('history.byDevice', { device: device[1] })
  const console = /^console (.+)$/.exec(by)
  if (console) return t('history.byConsole', { name: console[1] })
  if (by === 'server') return t('history.byServer')
  if (by === 'admin' || by === 'admin (command line)') return t('history.byAdmin')
  return by
}

export interface PathGroup { label: string; options: { value: string; label: string }[] }

const ROW_FIELDS: Record<'income' | 'property' | 'expenditures', readonly string[]> = {
  income: Object.keys(INCOME_FIELDS),
  property: Object.keys(PROPERTY_FIELDS),
  expenditures: Object.keys(EXPENDITURE_FIELDS),
}
const LIVING_FIELDS = ['food', 'clothing', 'housing', 'daily_goods', 'housing_type', 'housing_area_m2', 'notes'] as const
const AUX_FIELDS = ['water_fen_month', 'electricity_fen_month', 'gas_fen_month', 'telecom_fen_month', 'property_fee_fen_month',
  'high_fee_schooling', 'foreign_travel', 'non_essential_goods', 'notes'] as const

/**
 * The fields of the latest visit a 退回补正 note can be pinned to, grouped by section (each
 * member, each income, property and expenditure row, 吃穿住用, 辅助指标), labelled like the 批注
 * buttons' paths. Members' paths point at the verified value, as the member table's buttons do.
 */
export function notePathOptions(doc: CaseDoc | null | undefined, memberFields: readonly string[]): PathGroup[] {
  const visits = doc?.visits ?? []
  if (!visits.length) return []
  const vi = visits.length - 1
  const v = visits[vi]
  const groups: PathGroup[] = []
  const opt = (path: string) => ({ value: path, label: describePath(path, doc ?? undefined) })
  ;(v.members ?? []).forEach((m, mi) => {
    const name = m.name?.verified || m.name?.declared || `#${mi + 1}`
    groups.push({
      label: `${t('sections.members')} · ${name}`,
      options: memberFields.map((f) => opt(`visits.${vi}.members.${mi}.${f}.verified`)),
    })
  })
  for (const section of ['income', 'property', 'expenditures'] as const) {
    ;(v[section] ?? []).forEach((_, ri) => {
      groups.push({
        label: `${t(`sections.${section}`)} · #${ri + 1}`,
        options: ROW_FIELDS[section].map((f) => opt(`visits.${vi}.${section}.${ri}.${f}`)),
      })
    })
  }
  groups.push({ label: t('sections.living'), options: LIVING_FIELDS.map((f) => opt(`visits.${vi}.living.${f}`)) })
  groups.push({ label: t('sections.auxiliary'), options: AUX_FIELDS.map((f) => opt(`visits.${vi}.auxiliary.${f}`)) })
  return groups
}
