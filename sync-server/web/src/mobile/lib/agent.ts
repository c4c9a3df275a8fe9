// Applying on someone's behalf (代办, 委托): the agent's particulars and their checks, shared by the
// phone wizard and the township window's form (src/lib/window.ts). The server checks the same
// (workflow::applications) and requires the 委托书 before the application is submitted.
import { checkId, normalizeId } from './idnumber'

export interface AgentForm {
  name: string
  id_number: string
  relation: string
  phone: string
}

export const emptyAgent = (): AgentForm => ({ name: '', id_number: '', relation: '', phone: '' })

/** An applicant's or agent's mobile number: 11 digits starting with 1. */
export const validPhone = (v: string) => /^1\d{10}$/.test(v.trim())

/** The agent's problems, keyed by field; each value a key under `validation.` (the phone pages'
 *  catalogue, and the console's `window.validation.`). */
export function checkAgent(a: AgentForm): Record<string, string> {
  const p: Record<string, string> = {}
  if (!a.name.trim()) p.name = 'agentName'
  if (!a.id_number.trim()) p.id_number = 'id.required'
  else {
    const e = checkId(a.id_number)
    if (e) p.id_number = `id.${e}`
  }
  if (!a.relation.trim()) p.relation = 'agentRelation'
  if (a.phone.trim() && !validPhone(a.phone)) p.phone = 'phone'
  return p
}

/** The agent as sent: trimmed, the ID number upper-case without spaces. */
export function agentBody(a: AgentForm): AgentForm {
  return { name: a.name.trim(), id_number: normalizeId(a.id_number), relation: a.relation.trim(), phone: a.phone.trim() }
}
