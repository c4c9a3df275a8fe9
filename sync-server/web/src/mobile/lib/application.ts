// The application form's rules, kept out of the page so they can be tested.
import { apiValue } from '../i18n'
import { birthFromId, checkId, normalizeId, sexFromId } from './idnumber'
import { optionValue } from './options'
import { checkRows, expenditureDraft, expenditureRow, incomeDraft, incomeRow, propertyDraft, propertyRow } from './rows'
import { emptyApplication, emptyMember, PROGRAMMES, type ApplicationBody, type ApplicationForm, type Member } from '../types'

/** The wizard's screens; materials and signing follow on their own pages. */
export const APPLY_STEPS = ['programme', 'place', 'applicant', 'members', 'notes'] as const
/** Screens in the whole application, counting materials and signing. */
export const TOTAL_STEPS = APPLY_STEPS.length + 2

/** Field → catalogue key of the problem. */
export type Problems = Record<string, string>

function s(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v)
}

/** A server copy made safe to edit: every field present, and the first member is the applicant. */
export function normalizeApplication(a: Partial<ApplicationBody> | null | undefined): ApplicationForm {
  const out = emptyApplication()
  if (!a) return out
  out.programme = (PROGRAMMES as readonly string[]).includes(s(a.programme)) ? (a.programme as ApplicationBody['programme']) : ''
  out.township = s(a.township)
  out.village = s(a.village)
  out.address = s(a.address)
  out.applicant = { name: s(a.applicant?.name), id_number: s(a.applicant?.id_number) }
  out.members = (a.members ?? []).map((m) => {
    const e = emptyMember()
    for (const k of Object.keys(e) as (keyof Member)[]) e[k] = s((m as Partial<Member>)?.[k])
    return e
  })
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : [])
  out.income = list<never>(a.income).map(incomeDraft)
  out.property = list<never>(a.property).map(propertyDraft)
  out.expenditures = list<never>(a.expenditures).map(expenditureDraft)
  out.income_note = s(a.income_note)
  out.property_note = s(a.property_note)
  out.expense_note = s(a.expense_note)
  return out
}

/** Health states for which the form asks which illness (chronic, serious), and the one for a
 *  disability: the vocabulary's codes, named in the catalogue like the applicant's relation. */
export const isSick = (health: string) => !!health && apiValue('values.health.sick').split('|').includes(health)
export const isDisabled = (health: string) => !!health && apiValue('values.health.disabled') === health

/** A form kept in sessionStorage by an older version of the page: every field present again
 *  (rows, the newer member attributes), what was typed left as it was. */
export function completeForm(f: ApplicationForm): ApplicationForm {
  const e = emptyApplication()
  for (const k of ['income', 'property', 'expenditures'] as const) if (!Array.isArray(f[k])) f[k] = e[k] as never
  for (const k of ['income_note', 'property_note', 'expense_note'] as const) if (typeof f[k] !== 'string') f[k] = ''
  if (!Array.isArray(f.members)) f.members = []
  f.members.forEach((m, i) => (f.members[i] = completeMember(m)))
  return f
}
export function completeMember(m: Member): Member {
  return { ...emptyMember(), ...m }
}

/** Fill what an ID number says (birth date, sex) into a member. */
export function applyIdFacts(m: Member) {
  m.id_number = normalizeId(m.id_number)
  if (checkId(m.id_number) !== null) return
  m.birth_date = birthFromId(m.id_number) ?? m.birth_date
  const sex = sexFromId(m.id_number)
  if (sex) m.sex = optionValue('sex', sex)
}

/** Keep the first member row the applicant (本人) with the applicant's name and ID number. */
export function syncSelf(a: ApplicationForm) {
  const self = optionValue('relationSelf', '')
  let i = a.members.findIndex((m) => m.relation === self)
  if (i < 0) {
    a.members.unshift(emptyMember())
    i = 0
  } else if (i > 0) {
    a.members.unshift(...a.members.splice(i, 1))
  }
  const m = a.members[0]
  m.relation = self
  m.name = a.applicant.name.trim()
  m.id_number = normalizeId(a.applicant.id_number)
  applyIdFacts(m)
}

function idProblem(v: string): string | null {
  const p = checkId(v)
  return p ? `validation.id.${p}` : null
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

export function validDate(v: string, today = new Date()): boolean {
  const m = DATE.exec(v.trim())
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const dt = new Date(Date.UTC(y, mo - 1, d))
  if (y < 1900 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return false
  return dt.getTime() <= Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())
}

/** Problems on one wizard screen (empty when the person may go on). */
export function checkStep(step: (typeof APPLY_STEPS)[number], a: ApplicationForm): Problems {
  const p: Problems = {}
  if (step === 'programme') {
    if (!a.programme) p.programme = 'validation.programme'
  } else if (step === 'place') {
    if (!a.township) p.township = 'validation.township'
    if (!a.village.trim()) p.village = 'validation.village'
    if (!a.address.trim()) p.address = 'validation.address'
  } else if (step === 'applicant') {
    if (!a.applicant.name.trim()) p.name = 'validation.name'
    if (!a.applicant.id_number.trim()) p.id_number = 'validation.id.required'
    else {
      const e = idProblem(a.applicant.id_number)
      if (e) p.id_number = e
    }
  } else if (step === 'members') {
    if (!a.members.length) p.members = 'validation.membersEmpty'
    a.members.forEach((m, i) => {
      if (Object.keys(checkMember(m, a.members, i)).length) p.members = 'validation.membersIncomplete'
    })
  } else if (step === 'notes') {
    Object.assign(p, checkRows(a))
  }
  return p
}

/** Problems with one family member (index `i` in `all`). */
export function checkMember(m: Member, all: Member[], i: number): Problems {
  const p: Problems = {}
  if (!m.name.trim()) p.name = 'validation.memberName'
  if (!m.relation) p.relation = 'validation.relation'
  const id = normalizeId(m.id_number)
  const idOk = id !== '' && checkId(id) === null
  if (id) {
    const e = idProblem(id)
    if (e) p.id_number = e
    else if (all.some((o, j) => j !== i && normalizeId(o.id_number) === id)) p.id_number = 'validation.id.duplicate'
  }
  if (!idOk) {
    if (!m.sex) p.sex = 'validation.sex'
    if (!m.birth_date) p.birth_date = 'validation.birthDate'
    else if (!validDate(m.birth_date)) p.birth_date = 'validation.birthDateInvalid'
  }
  if (m.disability_type && !m.disability_grade) p.disability_grade = 'validation.disabilityGrade'
  if ([...m.disability_cert_no.trim()].length > 30) p.disability_cert_no = 'validation.certNo'
  if ([...m.employer.trim()].length > 100) p.employer = 'validation.rows.tooLong'
  return p
}

/** What is sent: ID numbers upper-case without spaces, text trimmed, no grade without a type,
 *  rows in 分 (call after the rows were checked). */
export function toBody(a: ApplicationForm): ApplicationBody {
  const copy: ApplicationForm = JSON.parse(JSON.stringify(a))
  const form = normalizeApplication({ ...copy, income: [], property: [], expenditures: [] } as never)
  const out: ApplicationBody = {
    ...form,
    income: copy.income.map(incomeRow),
    property: copy.property.map(propertyRow),
    expenditures: copy.expenditures.map(expenditureRow),
  }
  out.village = out.village.trim()
  out.address = out.address.trim()
  out.applicant.name = out.applicant.name.trim()
  out.applicant.id_number = normalizeId(out.applicant.id_number)
  for (const m of out.members) {
    m.name = m.name.trim()
    m.id_number = normalizeId(m.id_number)
    if (!m.disability_type) m.disability_grade = ''
    if (!m.disability_type) m.disability_cert_no = ''
    if (!isSick(m.health)) m.disease = ''
    m.disability_cert_no = m.disability_cert_no.trim()
    m.employer = m.employer.trim()
  }
  out.income_note = out.income_note.trim()
  out.property_note = out.property_note.trim()
  out.expense_note = out.expense_note.trim()
  return out
}
