// The case workflow's pure parts (docs/workflow-api.md, docs/workflow.md): which small form each
// action needs, money typed in yuan, the remaining-days label, the 初审 completeness checklist and
// the 民主评议 roster's composition.
import { t } from '../i18n'
import type { ActionInput, CheckOutcome, ChecklistItem, NoteDraft, RosterKind, UploadedMaterial, Workflow } from '../types'

// ---- actions → form fields ----

/**
 * The inputs a dialog can show: `notes` the 退回补正 notes editor, `check` a 核对 result, `decider_visit`
 * the deciding authority's visit (date, staff, photos; what was found is the `reason`).
 */
export type ActionField = 'reason' | 'missing_items' | 'team' | 'opinion' | 'decision' | 'notes' | 'check' | 'decider_visit'

export interface ActionSpec {
  /** The inputs the action's dialog shows, in order. */
  fields: ActionField[]
  /** `reason` must be filled in (the engine refuses `reason_required` otherwise). */
  reasonRequired?: boolean
  /**
   * A different form than the action dialog: registering an objection has its own endpoint; a
   * conflict is resolved beside its values, in the 冲突 tab.
   */
  form?: 'objection' | 'conflicts'
  /** The button's colour: the irreversible refusals are red. */
  tone: 'primary' | 'success' | 'warning' | 'danger'
}

/**
 * One row per `Action` code (docs/workflow.md). An action this console does not know yet gets an
 * optional reason: the server still decides.
 */
export const ACTION_SPECS: Record<string, ActionSpec> = {
  submit: { fields: [], tone: 'primary' },
  resubmit: { fields: [], tone: 'primary' },
  request_supplement: { fields: ['missing_items'], tone: 'warning' },
  accept: { fields: [], tone: 'success' },
  grant_advance_aid: { fields: ['reason'], reasonRequired: true, tone: 'warning' },
  start_investigation: { fields: ['team'], tone: 'primary' },
  notify_check_failed: { fields: ['reason'], reasonRequired: true, tone: 'warning' },
  object_to_check: { fields: ['reason'], reasonRequired: true, tone: 'primary' },
  close_ineligible: { fields: ['reason'], tone: 'danger' },
  reinvestigate: { fields: ['team', 'reason'], tone: 'warning' },
  terminate: { fields: ['reason'], reasonRequired: true, tone: 'danger' },
  start_democratic_review: { fields: [], tone: 'primary' },
  conclude_democratic_review: { fields: ['reason'], reasonRequired: true, tone: 'primary' },
  write_opinion: { fields: ['opinion'], tone: 'primary' },
  start_publicity: { fields: [], tone: 'primary' },
  raise_objection: { fields: [], form: 'objection', tone: 'warning' },
  report: { fields: [], tone: 'primary' },
  receive: { fields: [], tone: 'primary' },
  approve: { fields: ['decision'], tone: 'success' },
  reject: { fields: ['reason'], reasonRequired: true, tone: 'danger' },
  publish_roll: { fields: [], tone: 'primary' },
  activate: { fields: [], tone: 'success' },
  stop: { fields: ['reason'], reasonRequired: true, tone: 'danger' },
  // Steps that keep the state (issue 11): recorded and refused like any move.
  accept_visit: { fields: [], tone: 'success' },
  return_visit: { fields: ['notes'], tone: 'warning' },
  change_team: { fields: ['team'], tone: 'primary' },
  resolve_conflict: { fields: ['reason'], reasonRequired: true, form: 'conflicts', tone: 'primary' },
  record_situation: { fields: ['reason'], reasonRequired: true, tone: 'primary' },
  record_check_result: { fields: ['check'], tone: 'primary' },
  register_complaint: { fields: ['reason'], reasonRequired: true, tone: 'warning' },
  record_decider_visit: { fields: ['decider_visit', 'reason'], reasonRequired: true, tone: 'primary' },
}

export function actionSpec(action: string): ActionSpec {
  return ACTION_SPECS[action] ?? { fields: ['reason'], tone: 'primary' }
}

/** What the action dialog holds; money as typed (yuan), months as `YYYY-MM`, dates as `YYYY-MM-DD`. */
export interface ActionForm {
  reason: string
  missing_items: string[]
  team: string[]
  text: string
  amount: string
  month: string
  /** A change review's opinion proposes to end the support (拟停发/终止). */
  stop: boolean
  /** The 退回补正 notes (the case page's draft, shared with the 批注 buttons). */
  notes: NoteDraft[]
  check: { result: CheckOutcome | ''; items: string[]; note: string; checked_on: string }
  decider: { visited_on: string; staff: string[]; photos: UploadedMaterial[]; uploading: number }
}

export function emptyActionForm(): ActionForm {
  return {
    reason: '', missing_items: [], team: [], text: '', amount: '', month: '', stop: false, notes: [],
    check: { result: '', items: [], note: '', checked_on: '' },
    decider: { visited_on: '', staff: [], photos: [], uploading: 0 },
  }
}

/** The items a 核对 result usually names (the form also takes any typed item). */
export const CHECK_ITEMS = ['vehicle', 'deposit', 'business', 'social_insurance', 'house', 'housing_fund', 'tax'] as const

/** A calendar date as the API takes it; `false` for anything else (2026-02-30 included). */
export function isIsoDate(s: string | null | undefined): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s ?? '')
  if (!m) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
}

/** Trimmed, non-empty, each once, in the order given. */
export function distinct(items: readonly string[]): string[] {
  const out: string[] = []
  for (const s of items) {
    const v = s.trim()
    if (v && !out.includes(v)) out.push(v)
  }
  return out
}

/** What a 不符合 核对 result found, as the first words of 告知核对不符's reason. */
export function checkFailedText(items: readonly string[], note: string): string {
  const what = distinct(items)
  const parts = [what.length ? t('workflow.check.foundItems', { items: what.join(t('app.listSep')) }) : '', note.trim()].filter(Boolean)
  return parts.join(t('app.partSep'))
}

/** The notes a 退回补正 sends: those with words, trimmed. */
export function notesToSend(notes: readonly NoteDraft[]): NoteDraft[] {
  return notes.map((n) => ({ path: n.path ?? null, text: n.text.trim() })).filter((n) => n.text)
}

/** The first problem with the form as a catalogue key, or `null` when it can be sent. */
export function validateAction(action: string, f: ActionForm): string | null {
  const spec = actionSpec(action)
  for (const field of spec.fields) {
    if (field === 'reason' && spec.reasonRequired && !f.reason.trim()) return 'workflow.form.reasonRequired'
    if (field === 'missing_items' && !f.missing_items.some((s) => s.trim())) return 'workflow.form.missingEmpty'
    if (field === 'team' && new Set(f.team).size < 2) return 'workflow.form.teamTooSmall'
    if (field === 'opinion' && !f.text.trim()) return 'workflow.form.opinionRequired'
    if (field === 'opinion' || field === 'decision') {
      if (yuanToFen(f.amount) === null) return 'workflow.form.amountInvalid'
      if (!f.month) return 'workflow.form.monthRequired'
    }
    if (field === 'notes' && !notesToSend(f.notes).length) return 'workflow.form.notesEmpty'
    if (field === 'check') {
      if (f.check.result !== 'eligible' && f.check.result !== 'ineligible') return 'workflow.form.checkResultRequired'
      if (f.check.result === 'ineligible' && !distinct(f.check.items).length) return 'workflow.form.checkItemsRequired'
      if (!isIsoDate(f.check.checked_on)) return 'workflow.form.checkDateRequired'
    }
    if (field === 'decider_visit') {
      if (!isIsoDate(f.decider.visited_on)) return 'workflow.form.visitDateRequired'
      if (!distinct(f.decider.staff).length) return 'workflow.form.staffRequired'
      if (f.decider.uploading > 0) return 'workflow.form.uploading'
    }
  }
  return null
}

/**
 * The `POST /cases/{id}/workflow` body: the action and only the fields its dialog showed. A change
 * review's opinion carries `stop` (the dialog shows the 拟停发/终止 box only there).
 */
export function actionBody(action: string, f: ActionForm, opts: { changeReview?: boolean } = {}): ActionInput {
  const body: ActionInput = { action }
  for (const field of actionSpec(action).fields) {
    if (field === 'reason' && f.reason.trim()) body.reason = f.reason.trim()
    if (field === 'missing_items') body.missing_items = f.missing_items.map((s) => s.trim()).filter(Boolean)
    if (field === 'team') body.team = [...new Set(f.team)]
    if (field === 'opinion') {
      body.opinion = { text: f.text.trim(), amount_fen: yuanToFen(f.amount) ?? 0, start_month: f.month }
      if (opts.changeReview) body.opinion.stop = f.stop
    }
    if (field === 'decision') body.decision = { amount_fen: yuanToFen(f.amount) ?? 0, start_month: f.month }
    if (field === 'notes') body.notes = notesToSend(f.notes)
    if (field === 'check' && (f.check.result === 'eligible' || f.check.result === 'ineligible'))
      body.check = { result: f.check.result, items: distinct(f.check.items), note: f.check.note.trim(), checked_on: f.check.checked_on }
    if (field === 'decider_visit')
      body.decider_visit = { visited_on: f.decider.visited_on, staff: distinct(f.decider.staff), photos: f.decider.photos.map((p) => p.id) }
  }
  return body
}

// ---- money ----

/**
 * A yuan amount as typed (`560`, `560.5`, `1,234.50`, a yuan sign) → 分; `null` when it is not a
 * non-negative amount with at most two decimals. String arithmetic: no floating-point rounding.
 */
export function yuanToFen(input: string | null | undefined): number | null {
  if (input === null || input === undefined) return null
  const s = String(input).replace(/[\s,\uFF0C\u00A5\uFFE5]/g, '')
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return null
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
  return Number.isSafeInteger(fen) ? fen : null
}

/** 分 → the yuan text an input shows (`560.00`, no thousands separator); empty for none. */
export function fenToYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return ''
  const abs = Math.abs(Math.round(fen))
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

// ---- time limits ----

export interface Remaining { remaining_working_days?: number | null; overdue?: boolean | null; calendar_days?: boolean | null }

/** 剩 3 个工作日 / 今天到期 / 已超期 2 个工作日; empty without a limit. */
export function remainingLabel(d: Remaining | null | undefined): string {
  if (!d || d.remaining_working_days === null || d.remaining_working_days === undefined) {
    return d?.overdue ? t('workflow.limit.overdue') : ''
  }
  const n = d.remaining_working_days
  // The 公示 period is counted in calendar days, every other limit in working days.
  if (d.overdue || n < 0) {
    if (n === 0) return t('workflow.limit.overdue')
    return d.calendar_days
      ? t('workflow.limit.overdueDaysCalendar', { n: Math.abs(n) })
      : t('workflow.limit.overdueDays', { n: Math.abs(n) })
  }
  if (n === 0) return t('workflow.limit.dueToday')
  return d.calendar_days ? t('workflow.limit.remainingCalendar', { n }) : t('workflow.limit.remaining', { n })
}

/** Overdue, or (for colouring) down to the last working day. */
export function limitTone(d: Remaining | null | undefined): 'danger' | 'warning' | 'info' {
  if (!d) return 'info'
  const n = d.remaining_working_days
  if (d.overdue || (typeof n === 'number' && n < 0)) return 'danger'
  if (typeof n === 'number' && n <= 1) return 'warning'
  return 'info'
}

/** Queue rows by 办理时限 (earliest first, or latest with `desc`); rows without one always last. */
export function dueOrder(a: { due?: string | null }, b: { due?: string | null }, desc = false): number {
  if (!a.due && !b.due) return 0
  if (!a.due) return 1
  if (!b.due) return -1
  const c = a.due < b.due ? -1 : a.due > b.due ? 1 : 0
  return desc ? -c : c
}

/** A state tag's colour: refused or ended red, granted green, waiting on someone else amber. */
export function stateTone(state: string | null | undefined): 'danger' | 'success' | 'warning' | 'primary' | 'info' {
  const s = state ?? ''
  if (['rejected', 'terminated', 'closed_ineligible', 'stopped'].includes(s)) return 'danger'
  if (['approved', 'published', 'active'].includes(s)) return 'success'
  if (['needs_supplement', 'objection_handling', 'check_failed_notified', 'recheck'].includes(s)) return 'warning'
  if (['draft', ''].includes(s)) return 'info'
  return 'primary'
}

// ---- 初审 completeness checklist ----

export const CHECKLIST_KEYS = ['id_card', 'hukou', 'income', 'promise', 'consent', 'disability', 'medical'] as const

/**
 * The checklist as saved on the case, else the standard one for this application: 身份证, 户口本,
 * 收入证明, 承诺书, 授权核对书, plus 残疾证 and 病历 when a member is disabled or ill (or such
 * material was uploaded). The signatures the server knows are ticked; the papers are for the
 * caseworker to tick after looking at them.
 */
export function checklistFor(w: Pick<Workflow, 'facts' | 'application' | 'materials' | 'signed'>): ChecklistItem[] {
  const saved = w.facts?.checklist ?? []
  if (saved.length) return saved.map((i) => ({ ...i }))
  const members = w.application?.members ?? []
  const kinds = new Set((w.materials ?? []).map((m) => m.kind))
  const healthy = t('workflow.checklist.healthyValue')
  const disabled = members.some((m) => (m.disability_type ?? '').trim() || (m.disability_grade ?? '').trim()) || kinds.has('disability')
  const ill = members.some((m) => (m.health ?? '').trim() && m.health!.trim() !== healthy) || kinds.has('medical')
  return CHECKLIST_KEYS.filter((k) => (k === 'disability' ? disabled : k === 'medical' ? ill : true)).map((key) => ({
    key,
    label: t(`workflow.checklist.items.${key}`),
    ok: key === 'promise' ? !!w.signed?.promise : key === 'consent' ? !!w.signed?.consent : false,
  }))
}

/** Every unticked item plus each non-empty extra line, once each: the 补正 notice lists them all at once. */
export function missingItemsFrom(items: readonly ChecklistItem[], extra: string): string[] {
  const out: string[] = []
  for (const s of [...items.filter((i) => !i.ok).map((i) => i.label), ...extra.split(/\r?\n/)]) {
    const v = s.trim()
    if (v && !out.includes(v)) out.push(v)
  }
  return out
}

// ---- 民主评议 roster composition ----

export interface RosterLike { kind: RosterKind | string; recuse_case_ids?: readonly string[] }

export interface Composition {
  total: number
  residents: number
  /** Residents are at least two thirds (an empty roster is not flagged here). */
  ok: boolean
}

function compose(rows: readonly RosterLike[]): Composition {
  const residents = rows.filter((r) => r.kind === 'resident').length
  return { total: rows.length, residents, ok: rows.length === 0 || residents * 3 >= rows.length * 2 }
}

/** The roster's share of 居民代表 overall and for each case once recused members leave. */
export function composition(roster: readonly RosterLike[], caseIds: readonly string[] = []):
  { overall: Composition; cases: Record<string, Composition> } {
  const cases: Record<string, Composition> = {}
  for (const id of caseIds) cases[id] = compose(roster.filter((r) => !(r.recuse_case_ids ?? []).includes(id)))
  return { overall: compose(roster), cases }
}

/** A share (0–1) as a whole percentage; an em dash for none. */
export function pct(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return t('app.empty')
  return `${Math.round(share * 100)}%`
}

/** A link the server gives as a path becomes one a person can open from a text message. */
export function absoluteUrl(url: string, origin: string): string {
  if (/^[a-z]+:\/\//i.test(url)) return url
  return origin.replace(/\/$/, '') + (url.startsWith('/') ? url : `/${url}`)
}

/** A phone number as the applicant and representative pages take it: 11 digits starting with 1. */
export const isPhone = (s: string) => /^1\d{10}$/.test(s.trim())
