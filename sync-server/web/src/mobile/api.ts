// The phone pages' API client (docs/workflow-api.md): JSON in and out, same-origin session cookie,
// `{code, message}` error bodies turned into ApiError. A 401 from the applicant API (other than a
// wrong code at sign-in) calls the unauthorized handler, which sends the person to /login and back.
import { has, tr } from './i18n'
import type {
  ApplicantCase, ApplicationBody, Ballot, MeAnswer, PublicityAnswer, ReportAnswer, ReportBody, RollAnswer,
  SignDocument, VoteBody,
} from './types'

export const APPLICANT = '/api/applicant'
export const PUBLIC = '/api/public'

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

let onUnauthorized: () => void = () => {}
export function setUnauthorizedHandler(f: () => void) {
  onUnauthorized = f
}

/** Applicant calls whose 401 means "wrong code", not "signed out". */
const NO_REDIRECT = [`${APPLICANT}/login`, `${APPLICANT}/code`]

/** Turn an answer into data or an ApiError (shared by fetch and the upload's XHR). */
export function settle<T>(path: string, status: number, text: string): T {
  let data: any = null
  try {
    data = text ? JSON.parse(text) : {}
  } catch {
    data = null
  }
  if (status >= 200 && status < 300) {
    if (data === null) throw new ApiError(status, 'bad_answer', '')
    return data as T
  }
  const code = typeof data?.code === 'string' && data.code ? data.code : `http_${status}`
  const message = typeof data?.message === 'string' ? data.message : ''
  if (status === 401 && path.startsWith(APPLICANT) && !NO_REDIRECT.includes(path.split('?')[0])) onUnauthorized()
  throw new ApiError(status, code, message)
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      credentials: 'include',
      headers: body === undefined ? { Accept: 'application/json' } : { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'network', '')
  }
  let text = ''
  try {
    text = await res.text()
  } catch {
    throw new ApiError(0, 'network', '')
  }
  return settle<T>(path, res.status, text)
}

/** POST raw bytes with upload progress (0..1), which fetch cannot report. */
export function uploadBytes<T>(path: string, blob: Blob, onProgress?: (fraction: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path)
    xhr.withCredentials = true
    xhr.setRequestHeader('Content-Type', blob.type || 'image/jpeg')
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
    xhr.send(blob)
  })
}

/** The sentence to show for a failure. Our catalogue's wording for a known code (it says what to
 *  do), else the server's Chinese message, else a general sentence for the kind of failure. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (has(`errors.codes.${e.code}`)) return tr(`errors.codes.${e.code}`)
    if (e.status === 0) return tr('errors.network')
    if (e.message) return e.message
    if (e.status === 401) return tr('errors.sessionExpired')
    if (e.status === 404) return tr('errors.notFound')
    if (e.status === 413) return tr('errors.tooLarge')
    if (e.status >= 500) return tr('errors.server')
    return tr('errors.generic')
  }
  if (e instanceof Error && e.message === 'decode') return tr('errors.decode')
  return tr('errors.generic')
}

const enc = encodeURIComponent

export const applicantApi = {
  sendCode: (phone: string) => request<{ sent: boolean; expires_in: number }>('POST', `${APPLICANT}/code`, { phone }),
  login: (phone: string, code: string) => request<{ phone: string }>('POST', `${APPLICANT}/login`, { phone, code }),
  logout: () => request<object>('POST', `${APPLICANT}/logout`),
  me: () => request<MeAnswer>('GET', `${APPLICANT}/me`),
  townships: () => request<{ townships: string[] }>('GET', `${APPLICANT}/townships`),
  createCase: (body: ApplicationBody) => request<ApplicantCase>('POST', `${APPLICANT}/cases`, body),
  updateCase: (id: string, body: ApplicationBody) => request<ApplicantCase>('PUT', `${APPLICANT}/cases/${enc(id)}`, body),
  getCase: (id: string) => request<ApplicantCase>('GET', `${APPLICANT}/cases/${enc(id)}`),
  uploadMaterial: (id: string, kind: string, name: string, blob: Blob, onProgress?: (f: number) => void) =>
    uploadBytes<ApplicantCase>(`${APPLICANT}/cases/${enc(id)}/materials?kind=${enc(kind)}&name=${enc(name)}`, blob, onProgress),
  sign: (id: string, document: SignDocument, signer: string, image: string) =>
    request<ApplicantCase>('POST', `${APPLICANT}/cases/${enc(id)}/sign`, { document, signer, image }),
  submit: (id: string) => request<ApplicantCase>('POST', `${APPLICANT}/cases/${enc(id)}/submit`),
  report: (id: string, body: ReportBody) => request<ReportAnswer>('POST', `${APPLICANT}/cases/${enc(id)}/reports`, body),
  /** An objection to the 核对 result while `can_object_to_check`; the case goes to 复查中. */
  checkObjection: (id: string, reason: string) => request<ApplicantCase>('POST', `${APPLICANT}/cases/${enc(id)}/check-objection`, { reason }),
}

export const materialUrl = (materialId: string) => `${APPLICANT}/materials/${enc(materialId)}`

export const publicApi = {
  publicity: (township: string) => request<PublicityAnswer>('GET', `${PUBLIC}/publicity?township=${enc(township)}`),
  roll: (township: string) => request<RollAnswer>('GET', `${PUBLIC}/roll?township=${enc(township)}`),
  objection: (entry_id: string, content: string, contact: string) =>
    request<{ receipt: string }>('POST', `${PUBLIC}/objections`, { entry_id, content, contact }),
  ballot: (token: string) => request<Ballot>('GET', `${PUBLIC}/vote/${enc(token)}`),
  /** The same case twice answers 409 `duplicate_vote`: send each case once (votesFor). */
  vote: (token: string, body: VoteBody) => request<{ recorded: boolean }>('POST', `${PUBLIC}/vote/${enc(token)}`, body),
}
