// Mirrors shared/src/schema.rs (the case document as `jiuzhu-tablet show` prints it) and
// docs/console-api.md (the console API). Every document field may be missing in an older document.
import type { ApplicationBody as PhoneApplication } from './mobile/types'

export interface Header {
  case_no?: string
  case_type?: string
  applicant_name?: string
  applicant_id_number?: string
  township?: string
  village?: string
  address?: string
  assigned_team?: string[]
  deadline?: string | null
  status?: string
  flags?: string[]
}

export const MEMBER_FIELDS = [
  'name', 'id_number', 'sex', 'birth_date', 'ethnicity', 'relation', 'hukou_type', 'marital_status',
  'education', 'school_stage', 'health', 'disease', 'disability_type', 'disability_grade',
  'disability_cert_no', 'work_capacity', 'employment', 'employer',
] as const
export type MemberField = (typeof MEMBER_FIELDS)[number]

export type DeclaredMember = { id?: string } & Partial<Record<MemberField, string>>

export interface Checked {
  declared?: string | null
  verified?: string | null
  matches?: boolean | null
  reason?: string | null
}

export type VerifiedMember = {
  id?: string
  declared_id?: string | null
  status?: string
  change_reason?: string | null
  counted?: boolean | null
  exclusion_reason?: string | null
  present?: boolean | null
  /** 特困: the six self-care items, each true when the member can NOT do it alone. */
  self_care?: SelfCare
  /** 照料护理人 and 监护人 (name and how to reach them). */
  caregiver?: string | null
  guardian?: string | null
} & Partial<Record<MemberField, Checked>>

export const SELF_CARE_ITEMS = ['eating', 'dressing', 'bed', 'toilet', 'walking', 'bathing'] as const
export type SelfCareItem = (typeof SELF_CARE_ITEMS)[number]
export type SelfCare = Partial<Record<SelfCareItem, boolean | null>>

/** The particulars behind an income row (the amount stays what the rules count). */
export interface IncomeDetail {
  crop?: string | null
  area_mu?: number | null
  yield_kg?: number | null
  price_fen_per_kg?: number | null
  species?: string | null
  head_count?: number | null
  head_sold?: number | null
  business?: string | null
  payer?: string | null
  months_worked?: number | null
}
export const INCOME_DETAIL_FIELDS = ['crop', 'area_mu', 'yield_kg', 'price_fen_per_kg', 'species', 'head_count', 'head_sold',
  'business', 'payer', 'months_worked'] as const

export interface IncomeRow {
  id?: string
  member_id?: string | null
  category?: string
  item?: string
  amount_fen?: number | null
  cost_fen?: number | null
  period_months?: number | null
  exempt?: boolean | null
  exempt_code?: string | null
  evidence?: string | null
  note?: string | null
  detail?: IncomeDetail
}

export interface PropertyRow {
  id?: string
  kind?: string
  description?: string
  quantity?: number | null
  unit?: string | null
  value_fen?: number | null
  owner_member_id?: string | null
  exempt_reason?: string | null
  note?: string | null
  /** Houses: floor area and where. */
  area_m2?: number | null
  location?: string | null
  /** Vehicles and ships: type (vocabulary `vehicle_type`), plate, use (`vehicle_use`). */
  vehicle_type?: string | null
  plate?: string | null
  usage?: string | null
}

export interface Expenditure {
  id?: string
  kind?: string
  member_id?: string | null
  amount_fen?: number | null
  period_months?: number | null
  evidence?: string | null
  note?: string | null
}

export interface LivingConditions {
  food?: string | null
  clothing?: string | null
  housing?: string | null
  daily_goods?: string | null
  housing_type?: string | null
  housing_area_m2?: number | null
  notes?: string | null
}

export interface Auxiliary {
  water_fen_month?: number | null
  electricity_fen_month?: number | null
  gas_fen_month?: number | null
  telecom_fen_month?: number | null
  property_fee_fen_month?: number | null
  high_fee_schooling?: boolean | null
  foreign_travel?: boolean | null
  non_essential_goods?: string | null
  notes?: string | null
}

export interface Interview { id?: string; name?: string; relation?: string; statement?: string; at?: number | null }
export interface Observation { id?: string; text?: string; by?: string; at?: number | null }
export interface Gps { lat: number; lon: number }

export interface PhotoRef {
  hash: string
  bytes?: number
  width?: number
  height?: number
  taken_at?: number | null
  gps?: Gps | null
  caption?: string
  tag?: string
  by?: string
  added_at?: number | null
}

export interface Signature {
  id?: string
  role?: string
  name?: string
  member_id?: string | null
  image_hash?: string | null
  thumbprint?: boolean | null
  signed_at?: number | null
  content_hash?: string | null
}

export interface Visit {
  id?: string
  method?: string
  investigators?: string[]
  village_assistant?: string | null
  started_at?: number | null
  members?: VerifiedMember[]
  income?: IncomeRow[]
  property?: PropertyRow[]
  expenditures?: Expenditure[]
  living?: LivingConditions
  auxiliary?: Auxiliary
  interviews?: Interview[]
  observations?: Observation[]
  photos?: PhotoRef[]
  signatures?: Signature[]
  finalized?: boolean
  finalized_at?: number | null
  content_hash?: string | null
  supersedes?: string | null
  /** A member refused, without good reason, to cooperate (S1 Art. 29); the team sealed the visit alone. */
  refusal?: CooperationRefusal | null
  /** When the team was at the door (unix ms); `started_at` is when the form was opened. */
  visited_at?: number | null
  household?: HouseholdFacts
  /** 法定赡养/抚养/扶养义务人 living elsewhere. */
  supporters?: SupporterRow[]
  /** 调查人员意见. */
  opinion?: string | null
  /** 探访: what the team found, needed and feared in each area (vocabulary `visit_area`). */
  needs?: VisitNeed[]
}

export interface VisitNeed {
  id?: string
  area?: string
  situation?: string
  need?: string
  risk?: string
}

/** Household-level facts of a visit: application, residence, payment account, 渐退, 单人保. */
export interface HouseholdFacts {
  application_method?: string | null
  agent_name?: string | null
  agent_id_number?: string | null
  agent_relation?: string | null
  agent_phone?: string | null
  mandate_seen?: boolean | null
  separated_residence?: boolean | null
  usual_residence?: string | null
  bank_name?: string | null
  bank_account_holder?: string | null
  bank_account_no?: string | null
  current_benefit_fen?: number | null
  employment_started_on?: string | null
  single_person_member_id?: string | null
  single_person_condition?: string | null
}

export interface SupporterRow {
  id?: string
  name?: string
  relation?: string
  id_number?: string | null
  household_size?: number | null
  income_fen_month?: number | null
  property_note?: string | null
  able?: boolean | null
  unable_reason?: string | null
  support_paid_fen_month?: number | null
  note?: string | null
}

export interface CooperationRefusal { member: string; what: string; at?: number | null }

export interface Finding { id?: string; text?: string; by?: string; at?: number | null; visit_id?: string | null }
export interface NoteResponse { id?: string; text?: string; by?: string; at?: number | null }
export interface ReviewNote {
  id?: string
  path?: string | null
  text?: string
  by?: string
  at?: number | null
  responses?: NoteResponse[]
  resolved?: boolean
}

export interface Declared {
  application_date?: string | null
  members?: DeclaredMember[]
  income?: IncomeRow[]
  property?: PropertyRow[]
  expenditures?: Expenditure[]
}

export interface CaseDoc {
  schema_version?: number
  case_id?: string
  header?: Header
  declared?: Declared
  visits?: Visit[]
  findings?: Finding[]
  review_notes?: ReviewNote[]
}

// ---- API ----

export type Role = 'caseworker' | 'lead' | 'bureau' | 'admin'
export interface User { name: string; role: Role | string; township: string }

export interface CaseRow {
  case_id: string
  case_no: string
  applicant: string
  township: string
  village: string
  status: string
  team: string[]
  deadline: string | null
  visits: number
  photos: number
  photos_present: number
  evidence_complete: boolean
  conflicts: number
  /** Has unresolved review notes (the visit was returned, 退回补正). */
  returned: boolean
  /** How many review notes are still open; a "returned" case is one with `open_notes > 0`. */
  open_notes?: number
  updated_at: number
  /** Workflow fields (docs/workflow-api.md); absent from an older server. */
  state?: string | null
  state_zh?: string | null
  due?: string | null
  remaining_working_days?: number | null
  calendar_days?: boolean | null
  overdue?: boolean | null
}

export interface CasesAnswer {
  cases: CaseRow[]
  counts: Record<string, number>
  villages: string[]
  investigators: string[]
  seq: number
}

export interface ConflictValue { value: unknown; actor: string; by?: string; time: number; winner: boolean }
export interface Conflict { path: string; values: ConflictValue[] }

export interface PhotoInfo {
  hash: string
  present: boolean
  caption?: string
  tag?: string
  by?: string
  taken_at?: number | null
  gps?: Gps | null
  width?: number
  height?: number
  bytes?: number
}

export interface WorkflowRecord { action: string; actor: string; at: number; detail?: unknown }

export interface CaseDetail {
  case_id: string
  document: CaseDoc
  conflicts: Conflict[]
  photos: PhotoInfo[]
  evidence_complete: boolean
  team: string[]
  /** The console's old side-door records (before every move went through the workflow engine). */
  workflow?: WorkflowRecord[]
}

export interface Change {
  hash: string
  actor: string
  by: string
  time: number
  message?: string | null
  /** The fields the change wrote, old → new (the latest changes only; null for older ones). */
  fields?: { path: string; old: unknown; new: unknown }[] | null
}

export interface Investigator { name: string; township: string }

export interface Device {
  id: string
  name: string
  user: string
  township: string
  enrolled_at: number | null
  last_sync_at: number | null
  app_version: string | null
  revoked_at: number | null
  pending_uploads: number | null
  /** The last time the server refused a change this tablet sent (unix s), and why (Chinese). */
  refused_at?: number | null
  refused_reason?: string | null
  refused_count?: number
}

export interface EnrollCode { code: string; expires_at: number; qr_svg: string }

export interface NoteDraft { path: string | null; text: string }

// ---- Rules engine proposal (shared/src/rules/proposal.rs `Proposal`, serialised) ----

/** `Section`, in the order the explanation presents them. */
export const PROPOSAL_SECTIONS = [
  'members', 'income', 'exemption', 'imputed', 'deduction', 'per_capita', 'property',
  'dibao', 'edge', 'rigid_expense', 'tekun', 'phase_out', 'single_person', 'temporary',
] as const
export type ProposalSection = (typeof PROPOSAL_SECTIONS)[number]

export interface ProposalStep { section: ProposalSection | string; text: string }

/** One scheme's proposal. `amount_fen` is monthly, except for 临时救助 (one payment). */
export interface Outcome { proposed: boolean; amount_fen: number | null; summary: string }

/** `MemberOutcome` (特困 per person, 单人保): the outcome is flattened beside the member. */
export interface MemberOutcome extends Outcome { member_id: string; name: string }
/** The former name of `MemberOutcome`. */
export type TekunOutcome = MemberOutcome

export interface Proposal {
  notice: string
  case_no: string
  source: string
  region: string
  config_version: string
  assessed_on: string
  area: 'urban' | 'rural' | string
  standard_fen: number
  counted_members: number
  per_capita_monthly_income_fen: number | null
  dibao: Outcome
  edge: Outcome
  rigid_expense: Outcome
  phase_out: Outcome | null
  tekun: MemberOutcome[]
  /** Only when the visit records a 单人保 application: the member assessed on their own. */
  single_person?: MemberOutcome | null
  temporary: Outcome | null
  steps: ProposalStep[]
  warnings: string[]
}

export interface CaseProposals { declared: Proposal; verified: Proposal | null }

// ---- Audit trail ----

/**
 * Audit actions other than workflow moves (those are recorded under their action code, named by
 * `workflow.actionNames`). `resolve` and `return` name records of the console's former side doors;
 * their old `accept` (通过调查) is gone: `accept` is now the workflow's 受理.
 */
export const AUDIT_ACTIONS = [
  'login', 'login_failed', 'view_case', 'view_photo', 'view_history', 'view_proposal', 'view_notice', 'view_material',
  'export_queue', 'export_case', 'merge', 'assign', 'resolve', 'return', 'enroll', 'revoke_device',
  'create_meeting', 'close_meeting', 'import_check_results',
] as const

/**
 * Every `Action` code of the workflow engine (shared::workflow::Action, docs/workflow.md). A workflow
 * move is recorded in the audit trail under its action code.
 */
export const WORKFLOW_ACTIONS = [
  'submit', 'request_supplement', 'resubmit', 'accept', 'grant_advance_aid', 'start_investigation', 'notify_check_failed',
  'object_to_check', 'close_ineligible', 'reinvestigate', 'terminate', 'start_democratic_review', 'conclude_democratic_review',
  'write_opinion', 'start_publicity', 'raise_objection', 'report', 'receive', 'approve', 'reject', 'publish_roll', 'activate',
  'stop', 'accept_visit', 'return_visit', 'change_team', 'resolve_conflict', 'record_situation', 'record_check_result',
  'register_complaint', 'record_decider_visit',
] as const

export interface AuditEvent { at: number; actor: string; action: string; case_id: string | null; detail: unknown }

// ---- Case workflow (docs/workflow-api.md) ----

export type Programme = 'dibao' | 'tekun' | 'temporary_urgent' | 'temporary_expense'

export interface ApplicationMember {
  name?: string
  id_number?: string
  relation?: string
  sex?: string
  birth_date?: string
  health?: string
  disability_type?: string
  disability_grade?: string
  employment?: string
}

export interface ApplicationBody {
  programme?: Programme | string
  township?: string
  village?: string
  address?: string
  applicant?: { name?: string; id_number?: string }
  members?: ApplicationMember[]
  income_note?: string
  property_note?: string
  expense_note?: string
  /** Someone applying on the applicant's behalf (代办, 委托). */
  agent?: WindowAgent | null
}

/** Material kinds the applicant uploads. */
export const MATERIAL_KINDS = ['id_card', 'hukou', 'income', 'medical', 'disability', 'other'] as const

export interface Material { id: string; kind: string; kind_zh?: string; name?: string; uploaded_at?: number | null }

/** The answer to an upload of the deciding authority's visit photo (`kind=decider_visit`). */
export interface UploadedMaterial { id: string; name: string }

export interface Notice {
  id: string
  kind: string
  title: string
  created_at: number
  paragraphs?: string[]
  pdf?: string
}

export interface ChecklistItem { key: string; label: string; ok: boolean }

export interface Opinion {
  text: string
  amount_fen: number | null
  start_month: string | null
  /** A change review proposing to end the support (停发/终止; 特困 then needs 公示). */
  stop?: boolean
  signed_by?: string
  signed_at?: number | null
}
export interface Decision { amount_fen: number | null; start_month: string | null; by?: string; at?: number | null }

export const OBJECTION_CHANNELS = ['phone', 'in_person', 'online'] as const
export type ObjectionChannel = (typeof OBJECTION_CHANNELS)[number]

export interface Objection {
  id: string
  channel: string
  channel_zh?: string
  content: string
  contact?: string
  received_at: number
  by?: string
}

export interface WorkflowFacts {
  /** 主动发现: the warning or 定期探访 entry that led to this case. */
  discovered_by?: string | null
  missing_items?: string[]
  checklist?: ChecklistItem[]
  team?: string[]
  separately_registered?: boolean
  separately_reason?: string | null
  /** A named reason extending the overall limit to 45 working days. */
  extension?: ExtensionReason | null
  opinion?: Opinion | null
  /** The opinion before an objection or 评议 reopened it (no longer signed). */
  previous_opinion?: Opinion | null
  decision?: Decision | null
  publicity?: { from: string; to: string } | null
  objections?: Objection[]
  visit?: { finalized: boolean; investigator_signers: string[]; accepted: boolean } | null
  /** The township accepted (验收) the sealed visit. */
  visit_accepted?: boolean
  /** A member's refusal to cooperate, recorded on the sealed visit: 终止审核确认 is then possible. */
  refusal?: { member: string; what: string } | null
  /** 急难型 临时救助: the 情况说明 completed after the aid. */
  situation?: string | null
  /** 信息核对 results, newest last. */
  check_results?: CheckResult[]
  /** 投诉举报 registered during 审核确认. */
  complaints?: Complaint[]
  /** The deciding authority's own 入户核查. */
  decider_visit?: DeciderVisit | null
}

export type CheckOutcome = 'eligible' | 'ineligible'
export const CHECK_OUTCOMES: readonly CheckOutcome[] = ['eligible', 'ineligible']

export interface CheckResult {
  result: CheckOutcome | string
  items: string[]
  note: string
  checked_on: string
  recorded_by?: string
  recorded_at?: number | null
}

export interface Complaint { text: string; by?: string; at?: number | null }

export interface DeciderVisit {
  visited_on: string
  staff: string[]
  findings: string
  photos: UploadedMaterial[]
  by?: string
  at?: number | null
}

export interface TransitionRecord {
  n: number
  action: string
  zh: string
  from: string | null
  to: string
  to_zh: string
  role: string
  role_zh?: string
  actor: string
  at: number
  reason: string | null
}

export interface ActionOption { action: string; zh: string; ok: boolean; refusal: string | null }

/** A running limit; `code` names it (`check_objection`: the applicant's time to object to the 核对 result). */
export interface Deadline { due: string; zh: string; code?: string; remaining_working_days: number; calendar_days?: boolean; overdue: boolean }

export interface MeetingSummary {
  id: string
  title: string
  village?: string
  held_on?: string
  secret?: boolean
  open?: boolean
  created_by?: string
  /** Not in the contract's text; shown when the server sends them. */
  case_ids?: string[]
  cases?: number | { case_id: string; case_no?: string; applicant?: string }[]
  voted?: number
  /** How many representatives have voted (the only count shown while voting is open). */
  voted_count?: number
  roster?: number
}

export interface Workflow {
  /** Present at a township station: the action was queued for the banner. */
  forwarded?: { id: string; message: string }
  case_id: string
  case_no: string
  programme: string
  programme_zh: string
  kind: string
  state: string
  state_zh: string
  entered: string | null
  accepted: string | null
  facts: WorkflowFacts
  records: TransitionRecord[]
  actions: ActionOption[]
  deadline: Deadline | null
  overall: Deadline | null
  notices: Notice[]
  materials: Material[]
  signed: { promise: boolean; consent: boolean }
  application: ApplicationBody | null
  meetings: MeetingSummary[]
  /** False while no holiday calendar is installed: working days are then Monday to Friday. */
  calendar_installed?: boolean
}

/** The body of `POST /cases/{id}/workflow`: the action and only the inputs it takes. */
export interface ActionInput {
  action: string
  reason?: string
  missing_items?: string[]
  team?: string[]
  opinion?: { text: string; amount_fen: number; start_month: string; stop?: boolean }
  decision?: { amount_fen: number; start_month: string }
  extension?: string | null
  /** return_visit: at least one note; the server joins their texts as the reason when none is given. */
  notes?: NoteDraft[]
  /** resolve_conflict (with a reason): one of the conflict's values or a typed one. */
  resolution?: { path: string; value: unknown }
  /** record_check_result. */
  check?: { result: CheckOutcome; items: string[]; note: string; checked_on: string }
  /** record_decider_visit (the reason says what was found); photos are material ids uploaded first. */
  decider_visit?: { visited_on: string; staff: string[]; photos: string[] }
}


export interface ObjectionBody { channel: ObjectionChannel; content: string; contact: string }

export const ROSTER_KINDS = ['resident', 'cadre', 'staff'] as const
export type RosterKind = (typeof ROSTER_KINDS)[number]

export interface RosterDraft {
  name: string
  phone: string
  kind: RosterKind
  recuse_case_ids: string[]
  recusal_reason: string
}

export interface MeetingBody {
  title: string
  township?: string
  village: string
  held_on: string
  secret: boolean
  case_ids: string[]
  roster: RosterDraft[]
}

export interface Tally {
  eligible: number
  voted: number
  agree: number
  disagree: number
  abstain: number
  quorum_met: boolean
  agree_share: number | null
  threshold_met: boolean
  resident_share: number | null
  composition_ok: boolean
  summary_zh: string
}

/** `tally` is null while voting is open: only the number who voted is shown then. */
export interface MeetingCase { case_id: string; case_no: string; applicant: string; tally: Tally | null }
/** `voted` is null while voting is open (who voted is shown only after the close). */
export interface RosterEntry { idx: number; name: string; kind: string; kind_zh?: string; recused_case_ids: string[]; voted: boolean | null }
export interface MeetingLink { name: string; url: string; qr_svg?: string }

export interface Meeting {
  id: string
  title: string
  village: string
  held_on: string
  secret: boolean
  open: boolean
  minutes: string | null
  created_by: string
  cases: MeetingCase[]
  roster: RosterEntry[]
  /** How many representatives have voted. */
  voted_count?: number
  links?: MeetingLink[]
}

// ---- 核对 results imported in bulk (POST /check-results) ----

export type CheckRowStatus = 'recorded' | 'unchanged' | 'error'
export interface CheckImportRow { row: number; case_no: string; status: CheckRowStatus | string; message: string }
export interface CheckImportAnswer { recorded: number; unchanged: number; errors: number; rows: CheckImportRow[] }

/** Named reasons that extend the overall limit to 45 working days (S6 §四(一)). */
export const EXTENSION_REASONS = ['objection_during_publicity', 'residence_apart', 'outside_registration', 'hard_to_investigate'] as const
export type ExtensionReason = (typeof EXTENSION_REASONS)[number]

// ---- the township window and referrals (docs/window-api.md) ----

/** Someone who applies on the applicant's behalf (委托). */
export interface WindowAgent { name: string; id_number: string; relation: string; phone: string }

/** The phone pages' application plus the applicant's phone number and the agent. */
export interface WindowApplication extends PhoneApplication {
  phone: string
  agent: WindowAgent | null
}

export interface WindowMaterial { id: string; kind: string; kind_zh: string; name: string; uploaded_at: number; url: string }

export type SignDocument = 'promise' | 'consent'
export type SignMode = 'pad' | 'paper'
export interface WindowSignature {
  document: SignDocument | string
  document_zh: string
  signer: string
  mode: SignMode | string
  mode_zh: string
  by: string
  at: number
  url: string
}

export interface WindowReceipt { pdf: string; accepted_on: string; due: string; working_days: number; phone: string }

export interface WindowCase {
  case_id: string
  case_no: string
  state: string
  state_zh: string
  programme: string
  programme_zh: string
  township: string
  phone: string
  application: PhoneApplication
  agent: WindowAgent | null
  materials: WindowMaterial[]
  signatures: WindowSignature[]
  /** Members 18 or older: each signs a 授权核对书. */
  adults: string[]
  consent_pending: string[]
  promise_signed: boolean
  /** What still stops submission, in Chinese; `ready` when empty. */
  missing: string[]
  ready: boolean
  receipt: WindowReceipt | null
  opened_by: string
  opened_at: number
}

export interface SignBody { document: SignDocument; signer: string; mode: SignMode; image: string }

/** An open or paying case that holds an ID number (the applicant's or a declared member's). */
export interface Duplicate {
  case_id: string
  case_no: string
  state: string
  state_zh: string
  township: string
  role: string
  name: string
  in_payment: boolean
  /** False outside the user's township: the number and state are shown, nothing else. */
  linkable: boolean
}

export type ReferralState = 'sent' | 'answered' | 'closed'
export interface ReferralStep { state: ReferralState | string; state_zh: string; note: string; by: string; at: number }
export interface Referral {
  id: string
  case_id: string
  case_no: string
  target: string
  target_zh: string
  note: string
  state: ReferralState | string
  state_zh: string
  slip_no: string
  steps: ReferralStep[]
  slip: string
}

/** At which level this console runs (GET /level): the banner, or a township station and its uplink. */
export interface Level {
  level: 'banner' | 'station'
  level_zh: string
  township?: string
  upstream?: string
  uplink?: {
    last_contact: number | null
    last_error: string | null
    pending_docs: number
    pending_blobs: number
    pending_actions: number
  }
  /** At a station: its latest forwarded workflow actions and what the banner made of them. */
  forwarded?: {
    id: string
    case: string
    user: string
    action: string
    state: 'queued' | 'done' | 'refused'
    code: string | null
    message: string | null
    at: number
  }[]
}
