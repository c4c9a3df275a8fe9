// Reading the case document JSON in the shape the UI needs.
import type { Doc } from './api'

export interface MemberOption { id: string; name: string }

export function memberName(m: Doc): string {
  return m?.name?.verified || m?.name?.declared || ''
}

export function memberOptions(visit: Doc): MemberOption[] {
  return (visit?.members ?? [])
    .filter((m: Doc) => m.status !== 'removed')
    .map((m: Doc) => ({ id: m.id, name: memberName(m) }))
}

/** Review notes pointing into `prefix` (a field path or a section path). */
export function notesAt(doc: Doc, prefix: string): Doc[] {
  return (doc?.review_notes ?? []).filter((n: Doc) => !n.resolved && n.path && (n.path === prefix || n.path.startsWith(prefix + '.')))
}

/** The section of the visit form a document path belongs to (for jumping to a review note). */
export function sectionOf(path: string | null | undefined): string {
  const seg = (path ?? '').split('.')
  if (seg[0] !== 'visits') return 'basic'
  const s = seg[2]
  if (['household', 'members', 'supporters', 'income', 'property', 'expenditures', 'living', 'auxiliary', 'interviews', 'observations', 'photos'].includes(s)) return s
  if (s === 'signatures') return 'sign'
  return 'basic'
}

export function sumFen(rows: Doc[]): number {
  return (rows ?? []).reduce((a: number, r: Doc) => a + (r.amount_fen ?? 0) - (r.cost_fen ?? 0), 0)
}
