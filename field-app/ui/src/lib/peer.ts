// 面对面同步: two tablets of one visit exchange their shared cases over a phone hotspot. One shows
// an invitation (QR code + text), the other scans or pastes it. The wait behind a shown invitation
// runs in the shell's background; its outcome lands here, so leaving the screen loses nothing.
import { reactive, watch } from 'vue'
import { invoke, Channel } from '@tauri-apps/api/core'
import qrcode from 'qrcode-generator'
import { isCmdError, type CmdError } from './api'
import { errorText, session } from './session'
import { t, has } from '../i18n'

export interface PeerReport {
  peer_name: string
  peer_device: string
  cases: string[]
  documents_sent: number
  documents_received: number
  blobs_sent: number
  blobs_received: number
  bytes_up: number
  bytes_down: number
  refused: { case: string; reason: string }[]
}
export interface PeerCase { case_id: string; case_no: string; applicant: string }
export interface PeerSummary { report: PeerReport; cases: PeerCase[]; finished_at: number }
export type PeerEvent = { kind: 'done'; summary: PeerSummary } | { kind: 'failed'; error: CmdError }

/** The codes the core's peer errors carry (each has a text in `peer.errors`). */
export const PEER_ERROR_CODES = [
  'bad_invitation', 'no_credential', 'wrong_secret', 'credential_invalid', 'other_server',
  'peer_refused', 'network', 'timeout', 'protocol',
] as const

type Mode = 'choose' | 'invite' | 'join'
export const peer = reactive({
  mode: 'choose' as Mode,
  /** The shown invitation's text (what the QR code holds). */
  invitation: '',
  /** Showing an invitation and waiting for the other tablet, or connecting to it. */
  busy: false,
  summary: null as PeerSummary | null,
  error: null as CmdError | null,
})

const asError = (e: unknown): CmdError => (isCmdError(e) ? e : { code: 'unknown', message: String(e) })

// Each invitation's outcome belongs to it alone: one cancelled or replaced since has nothing to say.
let generation = 0
function reset(mode: Mode) {
  generation++
  Object.assign(peer, { mode, invitation: '', busy: false, summary: null, error: null })
}

// Locking voids a shown invitation (the shell stops its wait): forget it here too.
watch(() => session.status?.unlocked, (unlocked) => { if (unlocked === false) reset('choose') })

/** Show a new invitation and wait for the other tablet in the background. */
export async function invite(): Promise<void> {
  reset('invite')
  const mine = generation
  peer.busy = true
  const ch = new Channel<PeerEvent>()
  ch.onmessage = (ev) => {
    if (mine !== generation) return
    peer.busy = false
    if (ev.kind === 'done') peer.summary = ev.summary
    else peer.error = ev.error
  }
  try {
    const text = await invoke<string>('peer_invite', { onResult: ch })
    // Cancelled while the invitation was being made: void it now (unless a newer one replaced it).
    if (mine !== generation) {
      if (peer.mode !== 'invite') await invoke('peer_cancel')
    } else peer.invitation = text
  } catch (e) {
    if (mine !== generation) return
    peer.busy = false
    peer.error = asError(e)
  }
}

/** Stop waiting: the invitation shown is void from now on. */
export async function cancelInvite(): Promise<void> {
  reset('choose')
  await invoke('peer_cancel').catch(() => undefined)
}

export function startJoin() {
  reset('join')
}

/** Connect with a scanned or pasted invitation and exchange. */
export async function join(invitation: string): Promise<void> {
  Object.assign(peer, { busy: true, summary: null, error: null })
  try {
    peer.summary = await invoke<PeerSummary>('peer_join', { invitation: invitation.trim() })
  } catch (e) {
    peer.error = asError(e)
  } finally {
    peer.busy = false
  }
}

export function backToChoice() {
  if (peer.mode === 'invite' && peer.busy) void cancelInvite()
  else reset('choose')
}

/** A peer error as the person should read it: what happened and what to do. */
export function peerErrorText(e: CmdError): string {
  const k = `peer.errors.${e.code}`
  return has(k) ? t(k) : errorText(e)
}

/** What the exchange did, in plain words. */
export function resultLines(r: PeerReport): string[] {
  const who = r.peer_device ? t('peer.withDevice', { name: r.peer_name, device: r.peer_device }) : r.peer_name
  return [
    r.cases.length ? t('peer.exchanged', { who, n: r.cases.length }) : t('peer.nothingShared', { who }),
    t('peer.documents', { sent: r.documents_sent, received: r.documents_received }),
    r.blobs_sent || r.blobs_received ? t('peer.photos', { sent: r.blobs_sent, received: r.blobs_received }) : t('peer.photosNone'),
  ]
}

/** How a case appears in the result: applicant and number if this tablet has it, else its id. */
export function caseName(id: string, cases: PeerCase[]): string {
  const c = cases.find((x) => x.case_id === id)
  return c ? `${c.applicant} · ${c.case_no}` : id
}

/** The QR code of `text` as rows of dark (true) and light modules, without the quiet zone.
 *  Level M: a screen shown to a camera at arm's length needs little error correction. */
export function qrModules(text: string): boolean[][] {
  const qr = qrcode(0, 'M')
  qr.addData(text, 'Byte')
  qr.make()
  const n = qr.getModuleCount()
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)))
}

/** The dark modules as one SVG path in module units, offset by a quiet zone of `margin`. */
export function qrPath(modules: boolean[][], margin = 4): string {
  const parts: string[] = []
  modules.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (dark) parts.push(`M${c + margin} ${r + margin}h1v1h-1z`)
    }),
  )
  return parts.join('')
}
