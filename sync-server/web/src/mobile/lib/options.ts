// Choices the application form offers. The API stores these as Chinese words (本人, 女, 慢性病 …):
// `value` always comes from the reference catalogue, `text` from the page's language.
import { apiValue, tr } from '../i18n'

export const OPTION_GROUPS = {
  relation: ['spouse', 'child', 'parent', 'grandchild', 'grandparent', 'sibling', 'child_in_law', 'other'],
  sex: ['male', 'female'],
  health: ['healthy', 'chronic', 'serious', 'bedridden'],
  disability: ['none', 'visual', 'hearing', 'speech', 'physical', 'intellectual', 'mental', 'multiple'],
  grade: ['1', '2', '3', '4'],
  employment: ['farming', 'herding', 'wage', 'business', 'student', 'preschool', 'unemployed', 'retired', 'unable', 'other'],
} as const
export type OptionGroup = keyof typeof OPTION_GROUPS

export interface Option {
  value: string
  text: string
}

/** The options of a group. `disability.none` is stored as '' (no disability). */
export function options(group: OptionGroup): Option[] {
  return OPTION_GROUPS[group].map((code) => ({
    value: group === 'disability' && code === 'none' ? '' : apiValue(`values.${group}.${code}`),
    text: tr(`values.${group}.${code}`),
  }))
}

/** The stored value of one code, e.g. optionValue('relation', 'self') = 本人. */
export function optionValue(group: OptionGroup | 'relationSelf', code: string): string {
  if (group === 'relationSelf') return apiValue('values.relation.self')
  return apiValue(`values.${group}.${code}`)
}

/** A stored value shown in the page's language (unknown values as they are). */
export function optionText(group: OptionGroup, value: string): string {
  if (value === apiValue('values.relation.self') && group === 'relation') return tr('values.relation.self')
  return options(group).find((o) => o.value === value)?.text ?? value
}
