// Declared vs verified: member by member, field by field, and row by row for income, property and
// expenditures. Pure functions; the views only render what these return.
import {
  MEMBER_FIELDS, type Checked, type DeclaredMember, type Declared, type MemberField, type Visit,
  type VerifiedMember,
} from '../types'

const norm = (s: string | null | undefined) => (s ?? '').trim()

export interface FieldCompare {
  field: MemberField
  declared: string
  verified: string
  /** What the investigator recorded: true = matches, false = differs, null = not said. */
  matches: boolean | null
  /** Highlight: the investigator said it differs, or the verified value is not the declared one. */
  differs: boolean
  /** Whether the field was verified at all (verified value or a matches flag). */
  checked: boolean
  reason: string
  /** Dotted document path of the verified value (for review notes), null if no visit row. */
  path: string | null
}

export type MemberStatus = 'present' | 'added' | 'removed' | 'not_visited'

export interface MemberCompare {
  key: string
  name: string
  declaredIndex: number | null
  verifiedIndex: number | null
  status: MemberStatus
  changeReason: string
  counted: boolean | null
  exclusionReason: string
  present: boolean | null
  fields: FieldCompare[]
  diffCount: number
}

export function compareField(
  field: MemberField,
  declaredMember: DeclaredMember | undefined,
  checked: Checked | undefined,
  path: string | null,
): FieldCompare {
  const declared = norm(checked?.declared) || norm(declaredMember?.[field])
  const verified = norm(checked?.verified)
  const matches = checked?.matches ?? null
  const hasVerified = checked?.verified !== undefined && checked?.verified !== null
  const differs = matches === false || (hasVerified && verified !== declared)
  return {
    field,
    declared,
    verified,
    matches,
    differs,
    checked: hasVerified || matches !== null,
    reason: norm(checked?.reason),
    path,
  }
}

function memberName(d: DeclaredMember | undefined, v: VerifiedMember | undefined): string {
  return norm(v?.name?.verified) || norm(v?.name?.declared) || norm(d?.name)
}

/**
 * Pair each verified member with the declared member it verifies (`declared_id`, else the same name)
 * and compare every field. Declared members nobody verified come out as `not_visited`; members
 * added on the visit as `added`.
 */
export function compareMembers(declared: DeclaredMember[], visit: Visit | undefined, visitIndex = 0): MemberCompare[] {
  const verified = visit?.members ?? []
  const used = new Set<number>()
  const pairOf: (number | null)[] = verified.map(() => null)

  verified.forEach((v, vi) => {
    if (v.declared_id) {
      const di = declared.findIndex((d, i) => !used.has(i) && d.id === v.declared_id)
      if (di >= 0) {
        used.add(di)
        pairOf[vi] = di
      }
    }
  })
  verified.forEach((v, vi) => {
    if (pairOf[vi] !== null || v.status === 'added') return
    const names = [norm(v.name?.declared), norm(v.name?.verified)].filter((n) => n)
    const di = declared.findIndex((d, i) => !used.has(i) && names.includes(norm(d.name)))
    if (di >= 0) {
      used.add(di)
      pairOf[vi] = di
    }
  })

  const out: MemberCompare[] = []
  const build = (di: number | null, vi: number | null): MemberCompare => {
    const d = di === null ? undefined : declared[di]
    const v = vi === null ? undefined : verified[vi]
    const fields = MEMBER_FIELDS.map((f) =>
      compareField(f, d, v?.[f], vi === null ? null : `visits.${visitIndex}.members.${vi}.${f}.verified`),
    ).filter((c) => c.declared !== '' || c.verified !== '' || c.reason !== '' || c.matches !== null)
    let status: MemberStatus
    if (!v) status = 'not_visited'
    else if (v.status === 'removed') status = 'removed'
    else if (v.status === 'added' || !d) status = 'added'
    else status = 'present'
    // An added or removed member is one difference (its fields are all new, or all gone).
    const structural = status === 'added' || status === 'removed'
    return {
      key: v?.id || d?.id || `${di}-${vi}`,
      name: memberName(d, v),
      declaredIndex: di,
      verifiedIndex: vi,
      status,
      changeReason: norm(v?.change_reason),
      counted: v?.counted ?? null,
      exclusionReason: norm(v?.exclusion_reason),
      present: v?.present ?? null,
      fields,
      diffCount: structural ? 1 : fields.filter((f) => f.differs).length,
    }
  }
  // Declared order first (each with its verification), then members added on the visit.
  declared.forEach((_, di) => {
    const vi = pairOf.indexOf(di)
    out.push(build(di, vi >= 0 ? vi : null))
  })
  verified.forEach((_, vi) => {
    if (pairOf[vi] === null) out.push(build(null, vi))
  })
  return out
}

// ---- rows (income, property, expenditures) ----

export type RowStatus = 'same' | 'changed' | 'new' | 'missing'

export interface RowCompare<T> {
  declared: T | null
  verified: T | null
  verifiedIndex: number | null
  status: RowStatus
  changed: string[]
}

type Row = { id?: string } & Record<string, unknown>

const KEY_FIELDS: Record<'income' | 'property' | 'expenditures', string[]> = {
  income: ['category', 'item'],
  property: ['kind', 'description'],
  expenditures: ['kind', 'member_id'],
}
const VALUE_FIELDS: Record<'income' | 'property' | 'expenditures', string[]> = {
  income: ['category', 'item', 'member_id', 'amount_fen', 'cost_fen', 'period_months', 'exempt'],
  property: ['kind', 'description', 'quantity', 'unit', 'value_fen', 'owner_member_id'],
  expenditures: ['kind', 'member_id', 'amount_fen', 'period_months'],
}

const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null) || norm(String(a ?? '')) === norm(String(b ?? ''))

/** Pair declared and verified rows (same id, else same key fields) and list changed fields. */
export function compareRows<T extends Row>(
  kind: 'income' | 'property' | 'expenditures',
  declared: T[],
  verified: T[],
): RowCompare<T>[] {
  const keyOf = (r: T) => KEY_FIELDS[kind].map((k) => norm(String(r[k] ?? ''))).join('\u0000')
  const used = new Set<number>()
  const pair: (number | null)[] = verified.map(() => null)
  const match = (pred: (d: T, v: T) => boolean) =>
    verified.forEach((v, vi) => {
      if (pair[vi] !== null) return
      const di = declared.findIndex((d, i) => !used.has(i) && pred(d, v))
      if (di >= 0) {
        used.add(di)
        pair[vi] = di
      }
    })
  match((d, v) => !!d.id && d.id === v.id)
  match((d, v) => keyOf(d) === keyOf(v))

  const out: RowCompare<T>[] = []
  declared.forEach((d, di) => {
    const vi = pair.indexOf(di)
    if (vi < 0) {
      out.push({ declared: d, verified: null, verifiedIndex: null, status: 'missing', changed: [] })
      return
    }
    const v = verified[vi]
    const changed = VALUE_FIELDS[kind].filter((f) => v[f] !== undefined && v[f] !== null && !same(d[f], v[f]))
    out.push({ declared: d, verified: v, verifiedIndex: vi, status: changed.length ? 'changed' : 'same', changed })
  })
  verified.forEach((v, vi) => {
    if (pair[vi] === null) out.push({ declared: null, verified: v, verifiedIndex: vi, status: 'new', changed: [] })
  })
  return out
}

/** Total number of highlighted differences in a visit (members, rows). */
export function countDifferences(declared: Declared | undefined, visit: Visit | undefined, visitIndex = 0): number {
  if (!visit) return 0
  const m = compareMembers(declared?.members ?? [], visit, visitIndex).reduce(
    (n, c) => n + (c.status === 'not_visited' ? 0 : c.diffCount),
    0,
  )
  const rows = (['income', 'property', 'expenditures'] as const).reduce((n, k) => {
    const v = (visit[k] ?? []) as Row[]
    if (!v.length) return n
    return n + compareRows(k, (declared?.[k] ?? []) as Row[], v).filter((r) => r.status === 'changed' || r.status === 'new').length
  }, 0)
  return m + rows
}
