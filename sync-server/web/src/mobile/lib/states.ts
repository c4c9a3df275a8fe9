// How each workflow state stands for the family: a colour group for the badge.
export type Tone = 'neutral' | 'progress' | 'action' | 'good' | 'bad'

const TONES: Record<string, Tone> = {
  draft: 'neutral',
  needs_supplement: 'action',
  check_failed_notified: 'action',
  approved: 'good',
  published: 'good',
  active: 'good',
  advance_aided: 'good',
  rejected: 'bad',
  terminated: 'bad',
  closed_ineligible: 'bad',
  stopped: 'bad',
}

export function stateTone(state: string): Tone {
  return TONES[state] ?? 'progress'
}

/** States in which the family has something to do on the phone. */
export function needsApplicant(state: string): boolean {
  return state === 'draft' || state === 'needs_supplement'
}

/** The material kind a 补正 item most likely asks for, from the words it uses (the words are in the
 *  catalogue under `materials.match`, since the items come from the township in Chinese). */
export function kindForItem(item: string, keywords: Record<string, string[]>): string {
  for (const [kind, words] of Object.entries(keywords)) if (words.some((w) => w && item.includes(w))) return kind
  return 'other'
}
