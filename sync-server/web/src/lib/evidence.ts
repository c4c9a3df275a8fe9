// What the case's evidence line counts: photos arrived, signatures given by everyone who must
// sign the visit, and the application's materials ticked in the 受理审查 checklist. Each count is
// what is really there; nothing is called complete while one of them is short.
import type { CaseDetail, Visit, Workflow } from '../types'
import { checklistFor } from './workflow'

export interface Count { have: number; want: number }

export interface Evidence {
  photos: Count
  /** The visit's signers: its investigators and the members present (only the investigators after a refusal). */
  signatures: Count
  /** Who is still to sign. */
  unsigned: string[]
  /** null when the case has no online application (entered by an administrator). */
  materials: Count | null
  complete: boolean
}

const full = (c: Count | null) => !c || c.have >= c.want

/** Names expected to sign `visit` and whether each has. */
export function signers(visit: Visit | undefined): { name: string; signed: boolean }[] {
  if (!visit) return []
  const sigs = visit.signatures ?? []
  const out: { name: string; signed: boolean }[] = []
  for (const name of visit.investigators ?? [])
    out.push({ name, signed: sigs.some((s) => s.role === 'investigator' && s.name === name) })
  // A member's refusal to cooperate: the team seals alone (S1 Art. 29).
  if (!visit.refusal) {
    for (const m of visit.members ?? []) {
      if (m.present !== true) continue
      const name = m.name?.verified || m.name?.declared || ''
      out.push({
        name,
        signed: sigs.some((s) => s.role === 'member' && ((!!m.id && s.member_id === m.id) || (!s.member_id && s.name === name))),
      })
    }
  }
  return out
}

/** The evidence of a case: every photo of every visit, the latest visit's signatures, the materials. */
export function evidenceOf(detail: Pick<CaseDetail, 'photos' | 'document'>, workflow: Workflow | null): Evidence {
  const photos = { have: detail.photos.filter((p) => p.present).length, want: detail.photos.length }
  const visits = detail.document.visits ?? []
  const who = signers(visits[visits.length - 1])
  const signatures = { have: who.filter((s) => s.signed).length, want: who.length }
  let materials: Count | null = null
  if (workflow?.application) {
    const items = checklistFor(workflow)
    materials = { have: items.filter((i) => i.ok).length, want: items.length }
  }
  return {
    photos,
    signatures,
    unsigned: who.filter((s) => !s.signed).map((s) => s.name),
    materials,
    complete: full(photos) && full(signatures) && full(materials),
  }
}
