// App-wide state: who is signed in, whether the app is unlocked, and the sync in progress (which
// keeps running while the person moves between screens).
import { reactive } from 'vue'
import { api, isCmdError, type Status, type SyncEvent, type SyncSummary, type CmdError } from './api'
import { t } from '../i18n'

export const session = reactive({
  status: null as Status | null,
  sync: {
    running: false,
    round: 0,
    documents: 0,
    docsDone: false,
    photoSent: 0,
    photoTotal: 0,
    summary: null as SyncSummary | null,
    /** Photos still waiting after the last sync (for "照片 x/y 张已上传"). */
    photosLeft: 0,
    error: null as CmdError | null,
  },
})

export async function refreshStatus(): Promise<Status> {
  session.status = await api.status()
  return session.status
}

/** A command error as the person should read it. */
export function errorText(e: unknown): string {
  if (isCmdError(e)) {
    if (e.code === 'server') return t('error.server', { message: e.message })
    if (e.code === 'pin_locked' && e.seconds) return t('pin.locked', { s: e.seconds })
    const k = `error.${e.code}`
    const msg = t(k, { message: e.message })
    return msg === k ? t('error.unknown', { message: e.message }) : msg
  }
  return t('error.unknown', { message: String(e) })
}

export function applySyncEvent(e: SyncEvent) {
  const s = session.sync
  if (e.kind === 'round') {
    s.round = e.round
    s.documents += e.documents
  } else {
    s.docsDone = true
    s.photoSent = e.all_sent
    s.photoTotal = e.all_total
  }
}

export async function startSync(): Promise<void> {
  const s = session.sync
  if (s.running) return
  Object.assign(s, { running: true, round: 0, documents: 0, docsDone: false, photoSent: 0, photoTotal: 0, summary: null, error: null, photosLeft: 0 })
  try {
    s.summary = await api.sync(applySyncEvent)
    s.photosLeft = await api
      .listCases()
      .then((rows) => rows.reduce((a, r) => a + (r.photos_pending ?? 0), 0))
      .catch(() => 0)
    s.docsDone = true
    if (s.photoTotal === 0) s.photoTotal = s.photoSent
  } catch (e) {
    s.error = isCmdError(e) ? e : { code: 'unknown', message: String(e) }
  } finally {
    s.running = false
    await refreshStatus().catch(() => undefined)
  }
}
