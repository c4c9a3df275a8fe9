// The phone pages' view of docs/workflow-api.md (`/api/applicant`, `/api/public`).
// Money is integer 分; dates YYYY-MM-DD; months YYYY-MM; times unix seconds.

export const PROGRAMMES = ['dibao', 'tekun', 'temporary_urgent', 'temporary_expense'] as const
export type Programme = (typeof PROGRAMMES)[number]

/** The vocabulary's `material_kind` the applicant may upload (`decider_visit` is the township's). */
export const MATERIAL_KINDS = ['id_card', 'hukou', 'income', 'medical', 'disability', 'mandate', 'other'] as const
export type MaterialKind = (typeof MATERIAL_KINDS)[number]

/** Every state of shared::workflow (docs/workflow.md), in the domain's order. */
export const STATES = [
  'draft', 'submitted', 'needs_supplement', 'accepted', 'advance_aided', 'investigating',
  'check_failed_notified', 'recheck', 'terminated', 'democratic_review', 'prelim_opinion',
  'publicity', 'objection_handling', 'reported', 'county_review', 'approved', 'rejected',
  'published', 'active', 'closed_ineligible', 'stopped',
] as const
export type State = (typeof STATES)[number]

export const NOTICE_KINDS = ['supplement', 'acceptance', 'check_failed', 'approval', 'rejection', 'stop', 'review_opened'] as const

export interface Member {
  name: string
  id_number: string
  relation: string
  sex: string
  birth_date: string
  health: string
  disability_type: string
  disability_grade: string
  employment: string
  ethnicity: string
  hukou_type: string
  marital_status: string
  education: string
  school_stage: string
  disease: string
  disability_cert_no: string
  work_capacity: string
  employer: string
}

/** Declared rows as the API takes them (vocabulary codes, money in 分). */
export interface IncomeRow {
  category: string
  item: string
  member_id?: string | null
  amount_fen: number | null
  cost_fen?: number | null
  period_months: number | null
  note?: string | null
  [extra: string]: unknown
}
export interface PropertyRow {
  kind: string
  description: string
  quantity?: number | null
  unit?: string | null
  value_fen?: number | null
  note?: string | null
  [extra: string]: unknown
}
export interface ExpenditureRow {
  kind: string
  amount_fen: number | null
  period_months: number | null
  note?: string | null
  [extra: string]: unknown
}

export interface ApplicationBody {
  programme: Programme | ''
  township: string
  village: string
  address: string
  applicant: { name: string; id_number: string }
  members: Member[]
  income: IncomeRow[]
  property: PropertyRow[]
  expenditures: ExpenditureRow[]
  income_note: string
  property_note: string
  expense_note: string
  /** Someone applying on the applicant's behalf (代办); none when the applicant applies. */
  agent?: { name: string; id_number: string; relation: string; phone: string } | null
}

export interface CaseSummary {
  case_id: string
  case_no: string
  applicant: string
  state: string
  state_zh: string
  programme: string
  programme_zh: string
  /** Unix seconds per the contract; the server sends the date the case entered its state
   *  (YYYY-MM-DD), which formatDate shows as it is. */
  updated_at: number | string
  /** Sent by the server besides the contract: `application` or `change_review`. */
  kind?: string
  kind_zh?: string
}

export interface Material {
  id: string
  kind: string
  kind_zh: string
  name: string
  uploaded_at: number
}

export interface TimelineEntry {
  action: string
  zh: string
  state_zh: string
  at: number
  reason: string | null
}

export interface Notice {
  id: string
  kind: string
  title: string
  created_at: number
  paragraphs: string[]
  pdf: string
}

export interface ApplicantCase {
  case_id: string
  case_no: string
  state: string
  state_zh: string
  programme: string
  programme_zh: string
  kind: 'application' | 'change_review' | string
  application: ApplicationBody | null
  materials: Material[]
  signed: { promise: boolean; consent: boolean }
  /** Adult members who still have to sign the 授权核对书 (each adult signs it). */
  consent_pending?: string[]
  consent_signers?: string[]
  missing_items: string[]
  editable: boolean
  can_submit: boolean
  can_report: boolean
  timeline: TimelineEntry[]
  notices: Notice[]
  amount_fen: number | null
  start_month: string | null
  /** The 核对 result did not match and the time to object has not run out. */
  can_object_to_check?: boolean
  /** The last day to object to the 核对 result (YYYY-MM-DD). */
  check_objection_due?: string | null
  /** What the 核对 found that did not match. */
  check_failed?: CheckFailed | null
}

export interface CheckFailed {
  items: string[]
  note: string
  checked_on: string
}

export interface MeAnswer {
  phone: string
  cases: CaseSummary[]
}

export type SignDocument = 'promise' | 'consent'

export interface ReportBody {
  changes: { members: boolean; health: boolean; income: boolean; property: boolean; costs: boolean }
  details: string
  income_fen_month: number | null
}
export const REPORT_CHANGES = ['members', 'health', 'income', 'property', 'costs'] as const

export interface ReportAnswer {
  report_id: string
  review_case_no: string | null
  case: ApplicantCase
}

export interface PublicEntry {
  entry_id: string
  name: string
  household_size: number
  programme_zh: string
  amount_yuan: string
  village: string
  from: string
  to: string
}

export interface PublicityAnswer {
  township: string
  hotline: string
  entries: PublicEntry[]
}

export interface RollAnswer {
  township: string
  entries: PublicEntry[]
}

export interface BallotCase {
  case_id: string
  /** Already masked by the server (巴*尔). */
  applicant: string
  household_size: number
  programme_zh: string
  proposed_amount_fen: number | null
  /** Monthly income per person as verified on the visit; null when not verified. */
  verified_income_per_capita_fen?: number | null
  /** The monthly line per person it is measured against. */
  standard_fen?: number | null
  /** Main findings of the investigation (masked by the server). */
  findings?: string[]
  opinion: string | null
  /** An older server's one-paragraph summary. */
  investigation_summary?: string
}

export interface Ballot {
  meeting: { id: string; title: string; village: string; held_on: string; secret: boolean }
  representative: string
  cases: BallotCase[]
  voted: boolean
}

export type VoteChoice = 'agree' | 'disagree' | 'abstain'
export const VOTE_CHOICES: readonly VoteChoice[] = ['agree', 'disagree', 'abstain']

export interface VoteBody {
  votes: { case_id: string; vote: VoteChoice }[]
  signature: string
}

export function emptyMember(): Member {
  return {
    name: '', id_number: '', relation: '', sex: '', birth_date: '', health: '',
    disability_type: '', disability_grade: '', employment: '',
    ethnicity: '', hukou_type: '', marital_status: '', education: '', school_stage: '',
    disease: '', disability_cert_no: '', work_capacity: '', employer: '',
  }
}

/** Rows as the form holds them: amounts and months as typed (元, text), so nothing typed is lost;
 *  `keep` carries what the server stored besides (row id, evidence …) back unchanged. */
export interface IncomeDraft { category: string; item: string; amount: string; months: string; note: string; keep: Record<string, unknown> }
export interface PropertyDraft { kind: string; description: string; quantity: string; unit: string; value: string; note: string; keep: Record<string, unknown> }
export interface ExpenditureDraft { kind: string; amount: string; months: string; note: string; keep: Record<string, unknown> }
export type RowKind = 'income' | 'property' | 'expenditures'

/** The application as the wizard edits it. */
export interface ApplicationForm extends Omit<ApplicationBody, RowKind> {
  income: IncomeDraft[]
  property: PropertyDraft[]
  expenditures: ExpenditureDraft[]
}

export function emptyApplication(): ApplicationForm {
  return {
    programme: '', township: '', village: '', address: '',
    applicant: { name: '', id_number: '' },
    members: [],
    income: [], property: [], expenditures: [],
    income_note: '', property_note: '', expense_note: '',
  }
}
