// The one controlled vocabulary (shared/vocab/vocab.json): the same file the rules, the review
// console and the phone pages read, so a choice made on the tablet is one the rules classify.
// `code` is what the case document stores; `zh` is what people see.
import raw from '../../../../shared/vocab/vocab.json'

export interface Term {
  code: string
  zh: string
  /** income_item: the income category the item belongs to. */
  category?: string
  /** income_item: the exemption the item usually falls under. */
  exempt_code?: string
  /** property_kind: which property test counts it. */
  class?: string
}
export interface Option { value: string; text: string }

const groups: Record<string, Term[]> = Object.fromEntries(
  Object.entries(raw as Record<string, unknown>).filter(([k, v]) => k !== '_comment' && Array.isArray(v)),
) as Record<string, Term[]>

/** A group name of the vocabulary (`income_category`, `property_kind`, …). */
export type Group = Exclude<keyof typeof raw, '_comment'>

/** The terms of one group in display order (empty for an unknown group). */
export function terms(group: Group | string): Term[] {
  return groups[group] ?? []
}

export function term(group: Group | string, code: string | null | undefined): Term | undefined {
  return code ? terms(group).find((t) => t.code === code) : undefined
}

/** Picker options of a group; `keep` (a value already stored that the list does not hold, e.g.
 *  text typed before the pickers existed) is kept as a choice of its own so it still shows. */
export function options(group: Group | string, filter?: (t: Term) => boolean, keep?: string | null): Option[] {
  const out = terms(group).filter((t) => !filter || filter(t)).map((t) => ({ value: t.code, text: t.zh }))
  if (keep && !out.some((o) => o.value === keep)) out.push({ value: keep, text: label(group, keep) })
  return out
}

/** What people read for `code`: the term's label, or the code itself when the list lacks it. */
export function label(group: Group | string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return ''
  return term(group, code)?.zh ?? code
}

/** Income items of one category (all of them when no category is chosen yet). */
export function incomeItems(category: string | null | undefined, keep?: string | null): Option[] {
  return options('income_item', (t) => !category || t.category === category, keep)
}

export const SELF_CARE_ITEMS = terms('self_care_item').map((t) => t.code)

/** 生活自理能力 from the six items (true = cannot do it alone): 0 → capable, 1–3 → partly
 *  lost, 4 or more → fully lost; null until every item is assessed (as the rules count it). */
export function careTier(selfCare: Record<string, boolean | null | undefined> | null | undefined):
  { tier: 'capable' | 'partly_lost' | 'fully_lost'; unable: number } | null {
  const values = SELF_CARE_ITEMS.map((k) => selfCare?.[k])
  if (values.some((v) => v !== true && v !== false)) return null
  const unable = values.filter((v) => v === true).length
  return { tier: unable === 0 ? 'capable' : unable <= 3 ? 'partly_lost' : 'fully_lost', unable }
}

/** How many of the six items are assessed. */
export function careAssessed(selfCare: Record<string, boolean | null | undefined> | null | undefined): number {
  return SELF_CARE_ITEMS.filter((k) => selfCare?.[k] === true || selfCare?.[k] === false).length
}
