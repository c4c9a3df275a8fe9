// The township window (docs/window-api.md): the application a caseworker enters for a walk-in
// family. The form, its checks and what is sent are the phone wizard's (mobile/lib/application.ts,
// mobile/lib/rows.ts) plus the applicant's phone number and the agent (委托); only the window's own
// additions are written here.
import { checkMember, checkStep, normalizeApplication, syncSelf, toBody, type Problems } from '../mobile/lib/application'
import { checkId, normalizeId } from '../mobile/lib/idnumber'
import { agentBody, checkAgent, emptyAgent, validPhone, type AgentForm } from '../mobile/lib/agent'
import { optionValue } from '../mobile/lib/options'
import { emptyApplication, type ApplicationForm } from '../mobile/types'
import { terms } from './vocab'
import type { WindowAgent, WindowApplication, WindowCase, WindowSignature } from '../types'

export type { Problems }

export { emptyAgent, validPhone, type AgentForm }

/** The window's form: the phone wizard's application, the phone number, and the agent when
 *  `hasAgent` (the agent's fields are kept while the toggle is off, so a slip costs nothing). */
export interface WindowForm extends ApplicationForm {
  phone: string
  hasAgent: boolean
  agent: AgentForm
}

export function emptyWindowForm(township: string): WindowForm {
  return { ...emptyApplication(), township, phone: '', hasAgent: false, agent: emptyAgent() }
}

/** A stored window case made editable. */
export function windowFormOf(c: Pick<WindowCase, 'application' | 'phone' | 'agent' | 'township'>): WindowForm {
  const form = normalizeApplication(c.application)
  form.township = c.township || form.township
  const a = c.agent
  return {
    ...form,
    phone: c.phone ?? '',
    hasAgent: !!a,
    agent: a ? { name: a.name ?? '', id_number: a.id_number ?? '', relation: a.relation ?? '', phone: a.phone ?? '' } : emptyAgent(),
  }
}

/** The material kinds the window offers: the vocabulary's, without the deciding authority's own
 *  visit photos (those are taken later, on the case page). */
export function windowMaterialKinds(): { value: string; label: string }[] {
  return terms('material_kind').filter((x) => x.code !== 'decider_visit').map((x) => ({ value: x.code, label: x.zh }))
}

/** The relation code of the applicant (本人): the first member row, never a choice for another. */
export const selfRelation = () => optionValue('relationSelf', '')

/**
 * Every problem of the form, keyed by field (`village`, `agent.id_number`, `members.2.sex`,
 * `income.0.amount` …), each value a key under `window.` in the console catalogue. The first
 * member row is made the applicant first (as the phone wizard does on its applicant step).
 */
export function checkWindowForm(f: WindowForm): Problems {
  syncSelf(f)
  const p: Problems = {}
  for (const s of ['programme', 'place', 'applicant'] as const) Object.assign(p, checkStep(s, f))
  delete p.township // always the caseworker's own
  f.members.forEach((m, i) => {
    for (const [k, v] of Object.entries(checkMember(m, f.members, i))) p[`members.${i}.${k}`] = v
  })
  Object.assign(p, checkStep('notes', f))
  if (f.phone.trim() && !validPhone(f.phone)) p.phone = 'validation.phone'
  if (f.hasAgent) {
    for (const [k, v] of Object.entries(checkAgent(f.agent))) p[`agent.${k}`] = `validation.${v}`
  }
  return p
}

/** What is sent (call after checkWindowForm found nothing). */
export function toWindowBody(f: WindowForm): WindowApplication {
  const agent: WindowAgent | null = f.hasAgent ? agentBody(f.agent) : null
  return { ...toBody(f), phone: f.phone.trim(), agent }
}

/** An ID number worth asking the duplicate check about: complete and with a valid check digit. */
export function checkableId(v: string): string | null {
  const id = normalizeId(v)
  return id && checkId(id) === null ? id : null
}

/** One line of the signatures step: a document a person has to sign, and whether it is signed. */
export interface SignLine {
  document: 'promise' | 'consent'
  signer: string
  signature: WindowSignature | null
}

/**
 * The signatures the case needs: the 承诺书 by the agent (when there is one) or the applicant, then
 * the 授权核对书 of every adult the server lists. A signature on record is attached to its line.
 */
export function signLines(c: Pick<WindowCase, 'agent' | 'application' | 'adults' | 'signatures'>): SignLine[] {
  const find = (document: string, signer: string) =>
    c.signatures.find((s) => s.document === document && s.signer === signer) ?? null
  const promiseSigner = c.agent?.name || c.application?.applicant?.name || ''
  const promiseSig = c.signatures.find((s) => s.document === 'promise') ?? null
  return [
    { document: 'promise', signer: promiseSig?.signer || promiseSigner, signature: promiseSig },
    ...c.adults.map((name) => ({ document: 'consent' as const, signer: name, signature: find('consent', name) })),
  ]
}

/** Which step a draft resumes at: the form until it has members, then materials, then signing. */
export function resumeStep(c: Pick<WindowCase, 'state' | 'materials' | 'signatures'>): WindowStep {
  if (c.state !== 'draft') return 'receipt'
  if (c.signatures.length) return 'signatures'
  if (c.materials.length) return 'materials'
  return 'form'
}

export const WINDOW_STEPS = ['form', 'materials', 'signatures', 'receipt'] as const
export type WindowStep = (typeof WINDOW_STEPS)[number]

/** A file read as a `data:` URL (a paper form's scan is sent inside the JSON body). */
export function dataUrl(blob: Blob): Promise<string> {
  return new Promise((ok, fail) => {
    const r = new FileReader()
    r.onload = () => ok(String(r.result))
    r.onerror = () => fail(r.error ?? new Error('read'))
    r.readAsDataURL(blob)
  })
}
