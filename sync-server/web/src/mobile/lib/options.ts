// Choices the application form offers, from the shared vocabulary (shared/vocab/vocab.json): the
// API stores the vocabulary's code, which for member attributes is the printed word itself
// (本人, 女, 慢性病 …), so a declaration reads the same on the tablet, the console and the rules.
import { apiValue, tr } from '../i18n'
import { terms, type VocabGroup } from '../../lib/vocab'

/** The form's groups and the vocabulary group each offers. */
const VOCAB: Record<string, VocabGroup> = {
  relation: 'relation',
  sex: 'sex',
  health: 'health',
  disability: 'disability_type',
  grade: 'disability_grade',
  employment: 'employment',
  ethnicity: 'ethnicity',
  hukou: 'hukou_type',
  marital: 'marital_status',
  education: 'education',
  school: 'school_stage',
  disease: 'disease',
  capacity: 'work_capacity',
}
export const OPTION_GROUPS = Object.keys(VOCAB) as readonly OptionGroup[]
export type OptionGroup =
  | 'relation' | 'sex' | 'health' | 'disability' | 'grade' | 'employment'
  | 'ethnicity' | 'hukou' | 'marital' | 'education' | 'school' | 'disease' | 'capacity'

export interface Option {
  value: string
  text: string
}

/** The applicant (本人) is the first member, never a choice for another. */
const self = () => apiValue('values.relation.self')

/** The options of a group. `disability` starts with "no disability", stored as ''. */
export function options(group: OptionGroup): Option[] {
  const out = terms(VOCAB[group])
    .filter((x) => !(group === 'relation' && x.code === self()))
    .map((x) => ({ value: x.code, text: x.zh }))
  if (group === 'disability') out.unshift({ value: '', text: tr('values.disability.none') })
  return out
}

/** The stored value for the applicant's relation, or for the sex an ID number gives (`male`, `female`). */
export function optionValue(group: 'relationSelf' | 'sex', code: string): string {
  if (group === 'relationSelf') return self()
  // The vocabulary lists the sexes as on the ID card: male first, then female.
  const [male, female] = terms('sex')
  return (code === 'female' ? female : male).code
}

/** A stored value shown in the page's language (unknown values as they are). */
export function optionText(group: OptionGroup, value: string): string {
  if (group === 'relation' && value === self()) return tr('values.relation.self')
  return options(group).find((o) => o.value === value)?.text ?? value
}
