// Mirrors shared/src/schema.rs (the case document as `jiuzhu-tablet show` prints it) and
// docs/console-api.md (the console API). Every document field may be missing in an older document.

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
} & Partial<Record<MemberField, Checked>>

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
}

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

export type Role = 'caseworker' | 'lead' | 'admin'
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
  returned: boolean
  updated_at: number
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
  workflow: WorkflowRecord[]
}

export interface Change { hash: string; actor: string; by: string; time: number; message?: string | null }

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
}

export interface EnrollCode { code: string; expires_at: number; qr_svg: string }

export interface NoteDraft { path: string | null; text: string }

// ---- Rules engine proposal (shared/src/rules/proposal.rs `Proposal`, serialised) ----

/** `Section`, in the order the explanation presents them. */
export const PROPOSAL_SECTIONS = [
  'members', 'income', 'exemption', 'imputed', 'deduction', 'per_capita', 'property',
  'dibao', 'edge', 'rigid_expense', 'tekun', 'phase_out', 'temporary',
] as const
export type ProposalSection = (typeof PROPOSAL_SECTIONS)[number]

export interface ProposalStep { section: ProposalSection | string; text: string }

/** One scheme's proposal. `amount_fen` is monthly, except for 临时救助 (one payment). */
export interface Outcome { proposed: boolean; amount_fen: number | null; summary: string }

/** `TekunOutcome`: the outcome is flattened beside the member. */
export interface TekunOutcome extends Outcome { member_id: string; name: string }

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
  tekun: TekunOutcome[]
  temporary: Outcome | null
  steps: ProposalStep[]
  warnings: string[]
}

export interface CaseProposals { declared: Proposal; verified: Proposal | null }

// ---- Audit trail ----

export const AUDIT_ACTIONS = [
  'login', 'login_failed', 'view_case', 'view_photo', 'view_history', 'export_queue', 'export_case',
  'merge', 'assign', 'resolve', 'return', 'accept', 'enroll', 'revoke_device',
] as const

export interface AuditEvent { at: number; actor: string; action: string; case_id: string | null; detail: unknown }
