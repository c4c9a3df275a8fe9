// Typed wrappers over the shell's commands. Errors arrive as {code, message, problems?, seconds?}.
import { invoke, Channel } from '@tauri-apps/api/core'

export interface Status {
  enrolled: boolean
  pin_set: boolean
  unlocked: boolean
  syncing: boolean
  user_name: string | null
  township: string | null
  server: string | null
  fingerprint: string | null
  last_sync_at: number | null
  /** Face-to-face sync can start (the tablet holds the server's peer credential). */
  peer_ready: boolean
}

export interface CaseRow {
  case_id: string
  case_no: string
  applicant: string
  village: string
  deadline: string | null
  status: string
  /** The header's flags: '探访' marks a 探访 case (lib/sections.ts). */
  flags: string[]
  visits: number
  finalized: boolean
  open_notes: number
  conflicts: number
  unsynced: boolean
  withdrawn: boolean
  set_aside: boolean
  pending_photos: number
  /** Photos and signatures of the case not yet uploaded. */
  photos_pending: number
  /** "待上传 N 项": the case's unconfirmed changes (one item) and each photo not uploaded. */
  pending_items: number
  touched: boolean
}

export interface Problem { code: string; path: string; name: string | null }
export interface Signer {
  role: 'investigator' | 'member'
  name: string
  member_id: string | null
  signed: boolean
  stale: boolean
  thumbprint: boolean
  image_hash: string | null
}

// The case document as JSON (shared/src/schema.rs); loosely typed, read through helpers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any

export interface CaseView {
  doc: Doc
  open_visit: number | null
  problems: Problem[]
  signers: Signer[]
  conflicts: number
  /** Local versions the server refused (newest first); the case was fetched again. */
  set_aside: { at: number; code: string; message: string; document: Doc }[]
}

export interface Outcome { proposed: boolean; amount_fen: number | null; summary: string }
export interface Preview {
  proposal: {
    notice: string
    config_version: string
    assessed_on: string
    standard_fen: number
    counted_members: number
    per_capita_monthly_income_fen: number | null
    dibao: Outcome
    edge: Outcome
    rigid_expense: Outcome
    phase_out: Outcome | null
    tekun: (Outcome & { member_id: string; name: string })[]
    single_person?: (Outcome & { member_id: string; name: string }) | null
    temporary: Outcome | null
    steps: { section: string; text: string }[]
    warnings: string[]
  }
  /** The same rules on the declared data (only the headline figures are shown). */
  declared: Pick<Preview['proposal'], 'per_capita_monthly_income_fen' | 'counted_members' | 'dibao'>
  text: string
  region_name: string
}

export interface CmdError { code: string; message: string; problems?: Problem[]; seconds?: number }

export type SyncEvent =
  | { kind: 'round'; round: number; documents: number }
  | { kind: 'blob'; hash: string; sent: number; total: number; all_total: number; all_sent: number }

export interface SyncSummary {
  report: {
    /** The server reached (its address). */
    server: string
    rounds: number
    documents_sent: number
    documents_received: number
    blobs_sent: number
    blob_bytes_sent: number
    bytes_up: number
    bytes_down: number
    documents_fetched: number
    documents_unavailable: number
  }
  cases: { case_id: string; case_no: string; applicant: string; result: string; message: string | null }[]
  finished_at: number
}

export function isCmdError(e: unknown): e is CmdError {
  return !!e && typeof e === 'object' && 'code' in e
}

const enc = encodeURIComponent

export const api = {
  status: () => invoke<Status>('status'),
  parseEnrollText: (text: string) =>
    invoke<{ server: string | null; code: string | null; fingerprint: string | null }>('parse_enroll_text', { text }),
  probeFingerprint: (server: string) => invoke<string>('probe_fingerprint', { server }),
  enroll: (server: string, code: string, fingerprint: string, deviceName: string) =>
    invoke<Status>('enroll', { server, code, fingerprint, deviceName }),
  setPin: (pin: string) => invoke<void>('set_pin', { pin }),
  unlock: (pin: string) => invoke<void>('unlock', { pin }),
  lock: () => invoke<void>('lock'),
  listCases: (query?: string) => invoke<CaseRow[]>('list_cases', { query: query ?? null }),
  getCase: (caseId: string) => invoke<CaseView>('get_case', { caseId }),
  openVisit: (caseId: string) => invoke<CaseView>('open_visit', { caseId }),
  setValue: (caseId: string, path: string, value: unknown) => invoke<CaseView>('set_value', { caseId, path, value }),
  addMember: (caseId: string, name: string, reason: string) => invoke<CaseView>('add_member', { caseId, name, reason }),
  removeMember: (caseId: string, index: number, reason: string) =>
    invoke<CaseView>('remove_member', { caseId, index, reason }),
  removeRow: (caseId: string, section: string, index: number) =>
    invoke<CaseView>('remove_row', { caseId, section, index }),
  rotatePhoto: (caseId: string, hash: string, quarterTurns: number) =>
    invoke<CaseView>('rotate_photo', { caseId, hash, quarterTurns }),
  addFinding: (caseId: string, text: string) => invoke<CaseView>('add_finding', { caseId, text }),
  addPhoto: (caseId: string, bytes: Uint8Array, tag: string, caption: string) =>
    invoke<CaseView>('add_photo', bytes, { headers: { 'case-id': caseId, tag: enc(tag), caption: enc(caption) } }),
  sign: (caseId: string, role: string, name: string, memberId: string | null, png: Uint8Array) =>
    invoke<CaseView>('sign', png, {
      headers: { 'case-id': caseId, role, name: enc(name), 'member-id': memberId ?? '' },
    }),
  signThumbprint: (caseId: string, name: string, memberId: string, image: Uint8Array) =>
    invoke<CaseView>('sign', image, {
      headers: { 'case-id': caseId, name: enc(name), 'member-id': memberId, thumbprint: '1' },
    }),
  thumbnail: (hash: string) => invoke<ArrayBuffer>('thumbnail', { hash }),
  finalize: (caseId: string) => invoke<CaseView>('finalize', { caseId }),
  startCorrection: (caseId: string) => invoke<CaseView>('start_correction', { caseId }),
  recordRefusal: (caseId: string, member: string, what: string) =>
    invoke<CaseView>('record_refusal', { caseId, member, what }),
  answerNote: (caseId: string, noteId: string, text: string) =>
    invoke<CaseView>('answer_note', { caseId, noteId, text }),
  incomePreview: (caseId: string) => invoke<Preview>('income_preview', { caseId }),
  sync: (onEvent: (e: SyncEvent) => void) => {
    const ch = new Channel<SyncEvent>()
    ch.onmessage = onEvent
    return invoke<SyncSummary>('sync', { onProgress: ch })
  },
}
