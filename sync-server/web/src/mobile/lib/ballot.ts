// The ballot's pure parts: each case once (a case sent twice is refused as `duplicate_vote`), and
// the household's verified income per person beside the line it is measured against.
import type { BallotCase, VoteChoice } from '../types'

/** The ballot's cases, each once, in the order given. */
export function uniqueCases(cases: readonly BallotCase[]): BallotCase[] {
  const seen = new Set<string>()
  return cases.filter((c) => !seen.has(c.case_id) && (seen.add(c.case_id), true))
}

/** One vote per case, in the ballot's order; `null` while a case has no choice yet. */
export function votesFor(cases: readonly BallotCase[], choices: Record<string, VoteChoice | undefined>):
  { case_id: string; vote: VoteChoice }[] | null {
  const out: { case_id: string; vote: VoteChoice }[] = []
  for (const c of uniqueCases(cases)) {
    const vote = choices[c.case_id]
    if (!vote) return null
    out.push({ case_id: c.case_id, vote })
  }
  return out
}

/** Verified monthly income per person against the line: below, equal or above; null when either is unknown. */
export function incomeVsLine(incomeFen: number | null | undefined, standardFen: number | null | undefined): 'below' | 'equal' | 'above' | null {
  if (typeof incomeFen !== 'number' || typeof standardFen !== 'number' || !Number.isFinite(incomeFen) || !Number.isFinite(standardFen)) return null
  return incomeFen < standardFen ? 'below' : incomeFen > standardFen ? 'above' : 'equal'
}
