// The rules engine's proposal (shared/src/rules/proposal.rs) for people: steps grouped by section,
// and the declared and verified proposals side by side. A proposal is never a decision.
import { t, label } from '../i18n'
import { fmtYuan } from './format'
import { PROPOSAL_SECTIONS, type Outcome, type Proposal, type ProposalStep } from '../types'

export interface StepGroup { section: string; texts: string[] }

/**
 * Steps are recorded as computed (income rows interleave with exemptions, property tests follow each
 * scheme); present them section by section in the engine's order, each section's steps in their
 * recorded order. A section this console does not know yet comes last rather than disappearing.
 */
export function groupSteps(steps: readonly ProposalStep[] | null | undefined): StepGroup[] {
  const groups = new Map<string, string[]>()
  for (const s of steps ?? []) {
    let g = groups.get(s.section)
    if (!g) groups.set(s.section, (g = []))
    g.push(s.text)
  }
  const rank = (s: string) => {
    const i = (PROPOSAL_SECTIONS as readonly string[]).indexOf(s)
    return i < 0 ? PROPOSAL_SECTIONS.length : i
  }
  return [...groups].map(([section, texts]) => ({ section, texts })).sort((a, b) => rank(a.section) - rank(b.section))
}

/** `1,234.50 元`; an em dash when there is no amount. */
export function yuan(fen: number | null | undefined): string {
  const s = fmtYuan(fen)
  return s ? t('proposal.yuan', { amount: s }) : t('app.empty')
}

/** 建议符合，每月 961.00 元 / 建议符合，一次性 … / 建议符合 / 建议不符合. */
export function verdict(o: Outcome, monthly = true): string {
  if (!o.proposed) return t('proposal.verdict.no')
  if (o.amount_fen === null || o.amount_fen === undefined) return t('proposal.verdict.yes')
  return t(monthly ? 'proposal.verdict.monthly' : 'proposal.verdict.once', { amount: fmtYuan(o.amount_fen) })
}

/** One side of a comparison row; `null` when this proposal has no such line (e.g. no 渐退). */
export interface Cell {
  text: string
  /** Outcome rows only. */
  proposed?: boolean
  summary?: string
}

export interface CompareRow {
  key: string
  label: string
  declared: Cell | null
  /** `undefined` when there is no verified proposal at all (no visit yet). */
  verified?: Cell | null
  /** Declared and verified disagree (only rows that can meaningfully differ are compared). */
  differs: boolean
}

function outcomeCell(o: Outcome | null | undefined, monthly: boolean): Cell | null {
  return o ? { text: verdict(o, monthly), proposed: o.proposed, summary: o.summary } : null
}

/** The headline figures and each scheme's outcome, declared beside verified. */
export function compareRows(declared: Proposal, verified: Proposal | null): CompareRow[] {
  const sides = verified ? [declared, verified] : [declared]
  const rows: CompareRow[] = []
  const add = (key: string, name: string, cell: (p: Proposal) => Cell | null, compare = true) => {
    const [d, v] = sides.map(cell)
    if (!d && (!verified || !v)) return
    rows.push({
      key,
      label: name,
      declared: d,
      verified: verified ? v : undefined,
      differs: compare && !!verified && (d?.text ?? null) !== (v?.text ?? null),
    })
  }
  const fig = (text: string): Cell => ({ text })

  add('source', t('proposal.rows.source'), (p) => fig(p.source), false)
  add('config', t('proposal.rows.config'), (p) => fig(t('proposal.configValue', { version: p.config_version, region: p.region })))
  add('assessedOn', t('proposal.rows.assessedOn'), (p) => fig(p.assessed_on), false)
  add('standard', t('proposal.rows.standard'), (p) =>
    fig(t('proposal.standardValue', { area: label('proposal.areas', p.area), amount: fmtYuan(p.standard_fen) })))
  add('members', t('proposal.rows.members'), (p) => fig(t('proposal.membersValue', { n: p.counted_members })))
  add('perCapita', t('proposal.rows.perCapita'), (p) =>
    fig(p.per_capita_monthly_income_fen === null || p.per_capita_monthly_income_fen === undefined
      ? t('proposal.noPerCapita')
      : yuan(p.per_capita_monthly_income_fen)))
  add('dibao', t('proposal.schemes.dibao'), (p) => outcomeCell(p.dibao, true))
  add('edge', t('proposal.schemes.edge'), (p) => outcomeCell(p.edge, true))
  add('rigid_expense', t('proposal.schemes.rigid_expense'), (p) => outcomeCell(p.rigid_expense, true))
  add('phase_out', t('proposal.schemes.phase_out'), (p) => outcomeCell(p.phase_out, true))
  // 特困: one line per counted member, matched across the two proposals by name (the declared
  // member and the visit's member verifying them have different ids).
  const tekun = new Set<string>()
  for (const p of sides) for (const m of p.tekun ?? []) tekun.add(m.name)
  for (const name of tekun)
    add(`tekun.${name}`, t('proposal.schemes.tekunOf', { name }), (p) => outcomeCell(p.tekun?.find((m) => m.name === name), true))
  // 单人保: the member applying as a single-person household, when either side records one.
  const single = sides.map((p) => p.single_person).find((m) => !!m)
  if (single)
    add('single_person', t('proposal.schemes.singlePersonOf', { name: single.name }), (p) => outcomeCell(p.single_person, true))
  add('temporary', t('proposal.schemes.temporary'), (p) => outcomeCell(p.temporary, false))
  return rows
}
