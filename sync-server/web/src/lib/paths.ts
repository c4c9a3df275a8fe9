// Human-readable names for dotted document paths (review notes, conflicts, history).
import { t, lookup } from '../i18n'
import type { CaseDoc } from '../types'
import { vocabLabel } from './vocab'
import { fmtTime, fmtValue, fmtYuan } from './format'

// One function for every place the console names a field (review notes, conflicts, history, the
// audit trail, the note picker): a dotted document path in the catalogue's words. Row lists are
// named by their row (a member's name, a supporter's name, `#2`), fields by their label; a code
// stored as a value is never shown here, only field names.

/** Catalogue group holding the labels of each row list's fields. */
const ROW_FIELD_GROUPS: Record<string, string> = {
  members: 'fields',
  income: 'income',
  property: 'property',
  expenditures: 'expenditure',
  supporters: 'supporter',
  interviews: 'interview',
  observations: 'observation',
  photos: 'photo',
  signatures: 'signature',
}
/** Catalogue group of each object section's fields. */
const OBJECT_FIELD_GROUPS: Record<string, string> = {
  living: 'living',
  auxiliary: 'auxiliary',
  household: 'household',
}

const INCOME_FIELDS: Record<string, string> = {
  category: 'income.category', item: 'income.item', member_id: 'income.member', amount_fen: 'income.amount',
  cost_fen: 'income.cost', period_months: 'income.period', exempt: 'income.exempt', exempt_code: 'income.exemptCode',
  evidence: 'income.evidence', note: 'income.note',
}
const PROPERTY_FIELDS: Record<string, string> = {
  kind: 'property.kind', description: 'property.description', quantity: 'property.quantity', unit: 'property.unit',
  value_fen: 'property.value', owner_member_id: 'property.owner', exempt_reason: 'property.exemptReason',
  area_m2: 'property.area_m2', location: 'property.location', vehicle_type: 'property.vehicle_type',
  plate: 'property.plate', usage: 'property.usage', note: 'property.note',
}
const EXPENDITURE_FIELDS: Record<string, string> = {
  kind: 'expenditure.kind', member_id: 'expenditure.member', amount_fen: 'expenditure.amount',
  period_months: 'expenditure.period', evidence: 'expenditure.evidence', note: 'expenditure.note',
}
const SUPPORTER_FIELDS = ['name', 'relation', 'id_number', 'household_size', 'income_fen_month', 'property_note', 'able',
  'unable_reason', 'support_paid_fen_month', 'note'] as const

/** A member row's own fields beside the compared ones (`name.verified` …). */
const MEMBER_EXTRA: Record<string, string> = {
  present: 'memberExtra.present', counted: 'memberExtra.counted', exclusion_reason: 'memberExtra.exclusion_reason',
  change_reason: 'memberExtra.change_reason', status: 'memberExtra.status', caregiver: 'memberExtra.caregiver',
  guardian: 'memberExtra.guardian', self_care: 'memberExtra.self_care', declared_id: 'memberExtra.declared_id',
}
/** The parts of a compared member field (`id_number.verified`). */
const CHECKED_PARTS: Record<string, string> = { matches: 'detail.matchesCol', reason: 'detail.reasonCol', declared: 'detail.declaredCol' }

function rowFieldLabel(section: string, field: string): string | undefined {
  const specific =
    section === 'income' ? INCOME_FIELDS[field] :
    section === 'property' ? PROPERTY_FIELDS[field] :
    section === 'expenditures' ? EXPENDITURE_FIELDS[field] :
    section === 'members' ? MEMBER_EXTRA[field] : undefined
  if (specific) return t(specific)
  const group = ROW_FIELD_GROUPS[section] ?? OBJECT_FIELD_GROUPS[section]
  return group ? lookup(`${group}.${field}`) : undefined
}

/** A row's name: a member's or supporter's name, otherwise its number. */
function rowName(section: string, row: Record<string, any> | undefined, ri: number): string {
  if (section === 'members') {
    const name = row?.name?.verified || row?.name?.declared
    if (name) return name
  }
  if (section === 'supporters' || section === 'interviews') {
    if (row?.name) return row.name
  }
  return `#${ri + 1}`
}

/** `members.1.self_care.eating` and the like below a section: the labels of the remaining parts. */
function restOf(section: string, rest: string[]): string[] {
  if (!rest.length) return []
  const [field, ...sub] = rest
  const out = [rowFieldLabel(section, field) ?? field]
  if (!sub.length) return out
  if (section === 'members' && field === 'self_care') out.push(vocabLabel('self_care_item', sub[0]))
  else if (section === 'income' && field === 'detail') out.splice(0, 1, lookup(`incomeDetail.${sub[0]}`) ?? sub[0])
  else if (section === 'members' && sub[0] !== 'verified' && CHECKED_PARTS[sub[0]]) out.push(t(CHECKED_PARTS[sub[0]]))
  else if (sub[0] !== 'verified') out.push(...sub)
  return out
}

/** The label of a list or object section (`sections.income`, `sections.household` …). */
function sectionLabel(section: string): string | undefined {
  return lookup(`sections.${section}`)
}

/** Below `visits.N`, `declared` or a document root: section, row and field. */
function describeWithin(parts: string[], rows: Record<string, any> | undefined): string[] | null {
  const [section, ...rest] = parts
  const sl = sectionLabel(section)
  if (!sl) return null
  const out = [sl]
  if (OBJECT_FIELD_GROUPS[section]) {
    if (rest[0]) out.push(lookup(`${OBJECT_FIELD_GROUPS[section]}.${rest[0]}`) ?? rest[0])
    return out
  }
  const ri = rest[0] !== undefined ? Number(rest[0]) : NaN
  if (!Number.isInteger(ri)) return out
  out.push(rowName(section, rows?.[section]?.[ri], ri))
  out.push(...restOf(section, rest.slice(1)))
  return out
}

/**
 * `visits.0.members.1.id_number.verified` → 第 1 次调查 · 家庭成员 · 巴特尔 · 身份证号;
 * `visits.0.household.agent_name` → 第 1 次调查 · 家庭情况 · 委托代理人姓名;
 * `declared.income.0.amount_fen` → 申报 · 收入 · #1 · 金额（元）; `header.village` → 基本信息 · 嘎查村/社区.
 * A part the catalogue does not name stays as it is, so nothing is ever hidden.
 */
export function describePath(path: string | null | undefined, doc?: CaseDoc): string {
  if (!path) return t('detail.noteGeneral')
  const parts = path.split('.')
  const [root, ...rest] = parts
  if (root === 'visits') {
    const vi = Number(rest[0])
    if (!Number.isInteger(vi)) return path
    const out = [t('detail.visit', { n: vi + 1 })]
    if (rest.length < 2) return out.join(' · ')
    const visitField = lookup(`visitFields.${rest[1]}`)
    if (visitField) return [...out, visitField].join(' · ')
    const within = describeWithin(rest.slice(1), doc?.visits?.[vi] as Record<string, any> | undefined)
    return within ? [...out, ...within].join(' · ') : path
  }
  if (root === 'declared') {
    const out = [t('detail.declaredRows')]
    if (rest[0] === 'application_date') return [...out, t('detail.applicationDate')].join(' · ')
    const within = rest.length ? describeWithin(rest, doc?.declared as Record<string, any> | undefined) : []
    return within ? [...out, ...within].join(' · ') : path
  }
  if (root === 'header') {
    const f = rest[0] ? lookup(`headerFields.${rest[0]}`) : undefined
    return rest[0] && !f ? path : [t('detail.header'), ...(f ? [f] : [])].join(' · ')
  }
  if (root === 'review_notes' || root === 'findings') {
    const n = Number(rest[0])
    return [t(root === 'findings' ? 'detail.findings' : 'detail.reviewNotes'), ...(Number.isInteger(n) ? [`#${n + 1}`] : [])].join(' · ')
  }
  return path
}

/** Fields whose value is a vocabulary code, by field name (a section-specific one first). */
const VALUE_GROUPS: Record<string, string> = {
  'income.category': 'income_category', 'income.item': 'income_item', 'income.evidence': 'evidence',
  'income.exempt_code': 'exempt_code', 'property.kind': 'property_kind', 'property.vehicle_type': 'vehicle_type',
  'property.usage': 'vehicle_use', 'expenditures.kind': 'expenditure_kind', 'expenditures.evidence': 'evidence',
  'supporters.relation': 'supporter_relation', 'supporters.unable_reason': 'supporter_unable',
  'photos.tag': 'photo_tag', housing_type: 'housing_type', method: 'visit_method',
  application_method: 'application_method', single_person_condition: 'single_person_condition',
}

/**
 * A stored value for people, given the path it is stored at: a vocabulary code as its label,
 * true/false as 是/否, 分 as 元 (fields ending in `_fen`, `_fen_month`), anything else as text.
 */
export function describeValue(path: string | null | undefined, value: unknown): string {
  if (typeof value === 'boolean') return value ? t('app.yes') : t('app.no')
  const parts = (path ?? '').split('.').filter((p) => !/^\d+$/.test(p))
  const field = parts[parts.length - 1] ?? ''
  if (typeof value === 'number' && /_fen(_month|_per_kg)?$/.test(field)) return fmtYuan(value)
  // Times are stored as unix milliseconds (`visited_at`, `signed_at`, an interview's `at`).
  if (typeof value === 'number' && /(^|_)at$/.test(field)) return fmtTime(value)
  if (typeof value === 'string') {
    const section = parts.length >= 2 ? parts[parts.length - 2] : ''
    const group = VALUE_GROUPS[`${section}.${field}`] ?? VALUE_GROUPS[field]
    if (group) return vocabLabel(group, value)
    if (section === 'self_care') return value
  }
  return fmtValue(value)
}

/** One field a change wrote, as the history API lists it. */
export interface FieldChange { path: string; old: unknown; new: unknown }

/** Fields that hold identifiers and seals, not anything a person reads. */
const INTERNAL_FIELD = /(^|\.)(id|hash|content_hash|image_hash|declared_id|member_id|owner_member_id|supersedes|case_id|schema_version)$/

/**
 * "家庭成员1·民族：汉族 → 蒙古族"; a row or section that appears or disappears as 新增/删除;
 * null for identifiers and seals.
 */
export function describeFieldChange(f: FieldChange, doc?: CaseDoc): string | null {
  if (INTERNAL_FIELD.test(f.path)) return null
  const isObject = (v: unknown) => v !== null && typeof v === 'object'
  const where = describePath(f.path, doc)
  if (f.old === null && isObject(f.new)) return t('history.added', { where })
  if (f.new === null && isObject(f.old)) return t('history.removed', { where })
  const show = (v: unknown) => (v === null || v === undefined || v === '' ? t('history.empty') : describeValue(f.path, v))
  return t('history.field', { where, old: show(f.old), new: show(f.new) })
}

const CHANGE_MESSAGES: Record<string, string> = {
  'create case': 'history.messages.create',
  'assign team': 'history.messages.assign',
  'add finding': 'history.messages.finding',
  'add photo': 'history.messages.photo',
  'return for correction': 'history.messages.return',
  'accept investigation': 'history.messages.accept',
  'open visit': 'history.messages.openVisit',
  'add member': 'history.messages.addMember',
  'remove member': 'history.messages.removeMember',
  sign: 'history.messages.sign',
  thumbprint: 'history.messages.thumbprint',
  'record refusal to cooperate': 'history.messages.refusal',
  'finalize visit': 'history.messages.finalize',
  'start correction': 'history.messages.startCorrection',
  'answer review note': 'history.messages.answer',
  'lay out the visit': 'history.messages.layOut',
  workflow: 'history.messages.workflow',
  'application submitted': 'history.messages.submitted',
  // The server's message `application corrected (补正)`, escaped: no language text in code.
  'application corrected (\u8865\u6b63)': 'history.messages.corrected',
  'change review opened': 'history.messages.changeReview',
  'objection: re-investigation task': 'history.messages.objectionTask',
}

/** A change's commit message (`set visits.0.living.housing`, `assign team`…) for people. */
export function describeChange(message: string | null | undefined, doc?: CaseDoc): string {
  if (!message) return ''
  const known = CHANGE_MESSAGES[message]
  if (known) return t(known)
  const removed = /^remove (\S+)$/.exec(message)
  if (removed) return t('history.messages.removeRow', { section: lookup(`sections.${removed[1]}`) ?? removed[1] })
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

const ROW_FIELDS: Record<'income' | 'property' | 'expenditures' | 'supporters', readonly string[]> = {
  income: Object.keys(INCOME_FIELDS),
  property: Object.keys(PROPERTY_FIELDS),
  expenditures: Object.keys(EXPENDITURE_FIELDS),
  supporters: SUPPORTER_FIELDS,
}
/** Household facts of a visit (`visits.N.household.*`), in the order the case page shows them. */
export const HOUSEHOLD_FIELDS = ['application_method', 'agent_name', 'agent_id_number', 'agent_relation', 'agent_phone',
  'mandate_seen', 'separated_residence', 'usual_residence', 'bank_name', 'bank_account_holder', 'bank_account_no',
  'current_benefit_fen', 'employment_started_on', 'single_person_member_id', 'single_person_condition'] as const
export { SUPPORTER_FIELDS }
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
  groups.push({
    label: t('sections.visit'),
    options: ['visited_at', 'opinion'].map((f) => opt(`visits.${vi}.${f}`)),
  })
  groups.push({ label: t('sections.household'), options: HOUSEHOLD_FIELDS.map((f) => opt(`visits.${vi}.household.${f}`)) })
  for (const section of ['income', 'property', 'expenditures', 'supporters'] as const) {
    ;(v[section] ?? []).forEach((_, ri) => {
      groups.push({
        label: `${t(`sections.${section}`)} · ${rowName(section, (v[section] ?? [])[ri] as Record<string, any>, ri)}`,
        options: ROW_FIELDS[section].map((f) => opt(`visits.${vi}.${section}.${ri}.${f}`)),
      })
    })
  }
  groups.push({ label: t('sections.living'), options: LIVING_FIELDS.map((f) => opt(`visits.${vi}.living.${f}`)) })
  groups.push({ label: t('sections.auxiliary'), options: AUX_FIELDS.map((f) => opt(`visits.${vi}.auxiliary.${f}`)) })
  return groups
}
