// How far the visit form is: the problems that block sealing, grouped by the section they sit in,
// and the next one to fill (the "jump" of ODK-style forms).
import type { Problem } from './api'
import { sectionOf } from './doc'

export type SectionState = 'done' | 'missing'

/** Number of blocking problems per section (sections without any are absent). */
export function problemsBySection(problems: Problem[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const p of problems) {
    const s = sectionOf(p.path)
    out[s] = (out[s] ?? 0) + 1
  }
  return out
}

/** Each section's state: 'missing' while a problem points into it, else 'done'. */
export function sectionStates(sections: readonly string[], problems: Problem[]): Record<string, SectionState> {
  const by = problemsBySection(problems)
  return Object.fromEntries(sections.map((s) => [s, by[s] ? 'missing' : 'done'])) as Record<string, SectionState>
}

/** The next problem to fix: the first one in form order at or after the current section (then
 *  wrapping round), skipping the one the person was just sent to. */
export function nextProblem(
  sections: readonly string[],
  problems: Problem[],
  current: string,
  lastPath = '',
): { section: string; path: string } | null {
  if (!problems.length) return null
  const order = (p: Problem) => {
    const i = sections.indexOf(sectionOf(p.path))
    return i < 0 ? sections.length : i
  }
  const sorted = problems.map((p, n) => ({ p, n, o: order(p) })).sort((a, b) => a.o - b.o || a.n - b.n)
  const cur = Math.max(0, sections.indexOf(current))
  const after = sorted.filter((x) => x.o >= cur)
  const ring = [...after, ...sorted.filter((x) => x.o < cur)]
  const pick = ring.find((x) => x.p.path !== lastPath) ?? ring[0]
  return { section: sectionOf(pick.p.path), path: pick.p.path }
}
