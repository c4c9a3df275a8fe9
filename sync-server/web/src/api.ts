// The console API client (docs/console-api.md). Same origin; the session is an HttpOnly cookie.
import type {
  ActionInput, AuditEvent, CaseDetail, CheckImportAnswer, ExtensionReason, CaseProposals, CasesAnswer, Change, ChecklistItem, Device,
  EnrollCode, Investigator, Meeting, MeetingBody, MeetingSummary, ObjectionBody, UploadedMaterial, User, Workflow,
  Duplicate, Level, Referral, SignBody, WindowApplication, WindowCase,
} from './types'
import { buildQuery, type QueueFilters } from './lib/query'
import type { DrawBody, SpotCheck, SpotCheckDraw, SpotCheckFinding, SpotCheckList } from './lib/spotChecks'

export const BASE = '/api/console'

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message)
  }
}

/** Called on any 401 outside the login call (the router sends the user to sign in). */
let onUnauthorized: () => void = () => {}
export function setUnauthorizedHandler(f: () => void) {
  onUnauthorized = f
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(BASE + path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'network', '')
  }
  return settle<T>(path, res.status, await res.text())
}

/** An answer as data, or an ApiError with the server's code and Chinese message. */
function settle<T>(path: string, status: number, text: string): T {
  let data: any = {}
  try {
    data = text ? JSON.parse(text) : {}
  } catch {
    data = {}
  }
  if (status < 200 || status >= 300) {
    const err = new ApiError(status, data?.code ?? `http_${status}`, data?.message ?? '')
    if (status === 401 && path !== '/login') onUnauthorized()
    throw err
  }
  return data as T
}

/**
 * POST raw bytes (an image, a CSV file) with upload progress (0..1), which fetch cannot report.
 * `path` may carry a query string.
 */
export function upload<T>(path: string, body: Blob, contentType: string, onProgress?: (fraction: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', BASE + path)
    xhr.withCredentials = true
    xhr.setRequestHeader('Content-Type', contentType)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(Math.min(1, e.loaded / e.total))
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', ''))
    xhr.ontimeout = () => reject(new ApiError(0, 'network', ''))
    xhr.onload = () => {
      try {
        resolve(settle<T>(path, xhr.status, xhr.responseText))
      } catch (e) {
        reject(e)
      }
    }
    xhr.send(body)
  })
}

export const blobUrl = (hash: string) => `${BASE}/blobs/${encodeURIComponent(hash)}`
/** A ≤320 px JPEG preview for galleries (not audited as a photo view; the full image is). */
export const thumbUrl = (hash: string) => `${blobUrl(hash)}?thumb=1`
export const exportUrl = (f: Partial<QueueFilters>) => {
  const q = buildQuery(f)
  return `${BASE}/export/queue.xlsx${q ? `?${q}` : ''}`
}

const enc = encodeURIComponent
/** An applicant's uploaded image (case page). */
export const materialUrl = (id: string) => `${BASE}/materials/${enc(id)}`
/** A notice's PDF through the console (the applicant's own `pdf` path needs the applicant's session). */
export const noticeUrl = (id: string) => `${BASE}/notices/${enc(id)}.pdf`
export const minutesUrl = (meetingId: string) => `${BASE}/meetings/${enc(meetingId)}/minutes.pdf`
/** The CSV template of the 核对 results import (header row 案件编号,核对结果,核对项目,说明,核对日期). */
export const checkTemplateUrl = `${BASE}/check-results/template.csv`
export const publicityPdfUrl = (township: string) => `${BASE}/publicity.pdf?township=${enc(township)}`
export const rollPdfUrl = (township: string) => `${BASE}/roll.pdf?township=${enc(township)}`
/** The public phone pages of a township's 公示 (anyone may open them). */
export const publicPublicityUrl = (township: string) => `/m/#/publicity/${enc(township)}`

export const api = {
  login: (name: string, password: string) => request<{ user: User }>('POST', '/login', { name, password }),
  logout: () => request<object>('POST', '/logout', {}),
  me: () => request<{ user: User }>('GET', '/me'),
  version: () => request<{ seq: number }>('GET', '/version'),
  level: () => request<Level>('GET', '/level'),
  cases: (f: Partial<QueueFilters>) => {
    const q = buildQuery(f)
    return request<CasesAnswer>('GET', `/cases${q ? `?${q}` : ''}`)
  },
  case: (id: string) => request<CaseDetail>('GET', `/cases/${encodeURIComponent(id)}`),
  history: (id: string) => request<{ changes: Change[] }>('GET', `/cases/${encodeURIComponent(id)}/history`),
  /** 404 `no_rules` until the regional rules are installed (the message says so in Chinese). */
  proposal: (id: string) => request<CaseProposals>('GET', `/cases/${encodeURIComponent(id)}/proposal`),
  audit: (id: string) => request<{ events: AuditEvent[] }>('GET', `/cases/${encodeURIComponent(id)}/audit`),
  investigators: () => request<{ investigators: Investigator[] }>('GET', '/investigators'),
  /** Oversight (docs/oversight.md): `path` from lib/dashboard (dashboardUrl, paymentsUrl, statisticsUrl). */
  oversight: <T>(url: string) => request<T>('GET', url.slice(BASE.length)),
  /** 主动发现 (docs/monitoring.md): `path` under /monitoring. */
  monitoring: <T>(method: 'GET' | 'POST', path: string, body?: unknown) => request<T>(method, `/monitoring${path}`, body),
  devices: () => request<{ devices: Device[] }>('GET', '/devices'),
  enrollCode: (user: string) => request<EnrollCode>('POST', '/enroll-codes', { user }),
  revoke: (id: string) => request<{ devices: Device[] }>('POST', `/devices/${encodeURIComponent(id)}/revoke`, {}),

  // ---- case workflow (docs/workflow-api.md) ----
  workflow: (id: string) => request<Workflow>('GET', `/cases/${enc(id)}/workflow`),
  /**
   * Every move on a case, accepting or returning a visit, changing the team and resolving a conflict
   * included. 409 with the engine's refusal code and Chinese sentence (`write_forbidden` when a
   * resolution would change a sealed visit), 403 `wrong_role`/`forbidden`, 400 `invalid`.
   */
  act: (id: string, body: ActionInput) => request<Workflow>('POST', `/cases/${enc(id)}/workflow`, body),
  /** A photo of the deciding authority's visit (JPEG/PNG, downscaled first); its id goes into record_decider_visit. */
  uploadDeciderPhoto: (id: string, name: string, image: Blob, onProgress?: (f: number) => void) =>
    upload<UploadedMaterial>(`/cases/${enc(id)}/materials?kind=decider_visit&name=${enc(name)}`, image, image.type || 'image/jpeg', onProgress),
  /** 核对 results in bulk: a bad row is reported, the others are recorded. */
  importCheckResults: (csv: Blob, onProgress?: (f: number) => void) =>
    upload<CheckImportAnswer>('/check-results', csv, 'text/csv', onProgress),
  checklist: (id: string, items: ChecklistItem[]) => request<Workflow>('POST', `/cases/${enc(id)}/checklist`, { items }),
  flags: (id: string, separately_registered: boolean, reason: string) =>
    request<Workflow>('POST', `/cases/${enc(id)}/flags`, { separately_registered, reason }),
  extension: (id: string, reason: ExtensionReason | null) =>
    request<Workflow>('POST', `/cases/${enc(id)}/extension`, { reason }),
  objection: (id: string, body: ObjectionBody) => request<Workflow>('POST', `/cases/${enc(id)}/objections`, body),
  meetings: () => request<{ meetings: MeetingSummary[] }>('GET', '/meetings'),
  /** The answer carries each representative's voting link once. */
  createMeeting: (body: MeetingBody) => request<Meeting>('POST', '/meetings', body),
  meeting: (id: string) => request<Meeting>('GET', `/meetings/${enc(id)}`),
  closeMeeting: (id: string, minutes: string) => request<Meeting>('POST', `/meetings/${enc(id)}/close`, { minutes }),

  // ---- the township window and referrals (docs/window-api.md) ----
  windowCases: () => request<WindowCase[]>('GET', '/window/cases'),
  windowCase: (id: string) => request<WindowCase>('GET', `/window/cases/${enc(id)}`),
  createWindowCase: (body: WindowApplication) => request<WindowCase>('POST', '/window/cases', body),
  updateWindowCase: (id: string, body: WindowApplication) => request<WindowCase>('PUT', `/window/cases/${enc(id)}`, body),
  /** A scan or photo of a paper material (JPEG, downscaled first). */
  uploadWindowMaterial: (id: string, kind: string, name: string, image: Blob, onProgress?: (f: number) => void) =>
    upload<WindowCase>(`/window/cases/${enc(id)}/materials?kind=${enc(kind)}&name=${enc(name)}`, image, image.type || 'image/jpeg', onProgress),
  signWindowCase: (id: string, body: SignBody) => request<WindowCase>('POST', `/window/cases/${enc(id)}/sign`, body),
  /** 提交 and 受理 at once; 409 `consent_missing` while an adult's consent is not recorded. */
  submitWindowCase: (id: string) => request<WindowCase>('POST', `/window/cases/${enc(id)}/submit`, {}),
  /** Give up a draft (kept on the server with the reason). */
  discardWindowCase: (id: string, reason: string) =>
    request<{ discarded: boolean }>('POST', `/window/cases/${enc(id)}/discard`, { reason }),
  duplicates: (idNumber: string) => request<Duplicate[]>('GET', `/duplicates?id_number=${enc(idNumber)}`),
  referrals: (caseId: string) => request<Referral[]>('GET', `/cases/${enc(caseId)}/referrals`),
  createReferral: (caseId: string, target: string, note: string) => request<Referral>('POST', `/cases/${enc(caseId)}/referrals`, { target, note }),
  moveReferral: (id: string, state: 'answered' | 'closed', note: string) => request<Referral>('POST', `/referrals/${enc(id)}`, { state, note }),
  // ---- spot checks (抽查, docs/workflow-api.md) ----
  spotChecks: () => request<SpotCheckList>('GET', '/spot-checks'),
  drawSpotChecks: (body: DrawBody) => request<SpotCheckDraw>('POST', '/spot-checks', body),
  spotCheckOutcome: (id: string, finding: SpotCheckFinding, note: string) =>
    request<SpotCheck>('POST', `/spot-checks/tasks/${enc(id)}/outcome`, { finding, note }),
  reopenSpotCheck: (id: string, note: string) => request<SpotCheck>('POST', `/spot-checks/tasks/${enc(id)}/reopen`, { note }),
  caseSpotChecks: (caseId: string) => request<SpotCheck[]>('GET', `/cases/${enc(caseId)}/spot-checks`),
  // ---- what was sent to whom (docs/notifications.md) ----
  notifications: <T>(caseId: string) => request<T>('GET', `/cases/${enc(caseId)}/notifications`),
  retryNotification: <T>(caseId: string, id: string) => request<T>('POST', `/cases/${enc(caseId)}/notifications/${enc(id)}/retry`),
}
