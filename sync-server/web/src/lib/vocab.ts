// The one controlled vocabulary (shared/vocab/vocab.json): the same file the rules, the tablet and
// the phone pages read. `code` is what a document stores, `zh` what people read. A stored value
// that is not in the list (text typed before the pickers existed) is shown as it is.
import raw from '../../../../shared/vocab/vocab.json'

export interface Term {
  code: string
  zh: string
  /** income_item: the income category the item belongs to. */
  category?: string
  /** income_item: the exemption the item usually falls under. */
  exempt_code?: string
  /** property_kind: which property test counts it (`unclassified`: the rules cannot). */
  class?: string
}

type Raw = typeof raw
/** A group name of the vocabulary (`income_category`, `property_kind`, ...). */
export type VocabGroup = Exclude<keyof Raw, '_comment'>

const GROUPS: Record<string, readonly Term[]> = Object.fromEntries(
  Object.entries(raw).filter(([k, v]) => k !== '_comment' && Array.isArray(v)),
) as Record<string, readonly Term[]>

/** The choices of a group, in display order (empty for an unknown group). */
export function terms(group: VocabGroup | string): readonly Term[] {
  return GROUPS[group] ?? []
}

/** Every group name. */
export function vocabGroups(): string[] {
  return Object.keys(GROUPS)
}

/** The term with `code` in `group`, if it is in the list. */
export function term(group: VocabGroup | string, code: string | null | undefined): Term | undefined {
  if (code === null || code === undefined) return undefined
  return terms(group).find((x) => x.code === code)
}

/** What people read for a stored code: the term's label, the code itself when unknown, '' when empty. */
export function vocabLabel(group: VocabGroup | string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return ''
  return term(group, code)?.zh ?? code
}

/** A group as picker options. */
export function vocabOptions(group: VocabGroup | string): { value: string; label: string }[] {
  return terms(group).map((x) => ({ value: x.code, label: x.zh }))
}
