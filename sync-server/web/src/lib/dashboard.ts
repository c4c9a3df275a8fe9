// The dashboard and monthly reports (docs/oversight.md): the answers' shapes, their URLs, and the
// one table model each chart is drawn from, whose cells link to the queue or the payment list.
import type { RouteLocationRaw } from 'vue-router'
import { t, label } from '../i18n'

export interface Figures {
  township: string
  cases: number
  by_state: Record<string, number>
  by_programme: Record<string, number>
  overdue: number
  due_soon: number
  approvals: number[]
  refusals: number[]
  households_in_payment: number
  people_in_payment: number
  /** Of the households in payment, those in a 渐退 period; refused households found 低保边缘. */
  phase_out: number
  edge: number
  spending_fen: number[]
  investigators: Record<string, number>
  /** 主动发现: warnings by rule code, handled within their limit, applications, families helped. */
  discovery: { by_rule: Record<string, number>; handled_in_limit: number; applications: number; helped: number }
}

export interface Dashboard {
  today: string
  month: string
  months: string[]
  due_within: number
  townships: Figures[]
  total: Figures
  state_labels: Record<string, string>
  programme_labels: Record<string, string>
  rule_labels: Record<string, string>
}

export interface Payment {
  case_id: string
  case_no: string
  township: string
  village: string
  household: string
  people: number
  programme: string
  programme_short: string
  urban: boolean
  amount_fen: number
  bank: string
  account_holder: string
  account_no: string
}

export interface PaymentList {
  month: string
  township: string
  rows: Payment[]
  households: number
  people: number
  total_fen: number
}

export interface ReportTable {
  sheet: string
  headers: string[][]
  rows: (string | number)[][]
}

const BASE = '/api/console'

function qs(params: Record<string, string | undefined>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v)
  const s = p.toString()
  return s ? `?${s}` : ''
}

export const dashboardUrl = (township?: string) => `${BASE}/dashboard${qs({ township })}`
export const dashboardXlsxUrl = (township?: string, chart?: string) => `${BASE}/dashboard.xlsx${qs({ township, chart })}`
export const paymentsUrl = (month: string, township?: string, ext = '') => `${BASE}/reports/payments${ext}${qs({ month, township })}`
export const statisticsUrl = (month: string, township?: string, ext = '') => `${BASE}/reports/statistics${ext}${qs({ month, township })}`

/** Fen as yuan with two decimals. */
export const yuan = (fen: number) => (fen / 100).toFixed(2)

/** One column of a chart's table: a township, or the total (a table column, not a chart series). */
export interface Column {
  name: string
  township: string
  total: boolean
}

export interface Cell {
  value: number
  text: string
  to?: RouteLocationRaw
}

export interface ChartTable {
  /** The chart's key, as the Excel export names it. */
  key: string
  columns: Column[]
  rows: { label: string; cells: Cell[] }[]
}

/** Each township, and the total when there are several (a lead's dashboard has one township). */
export function columns(d: Dashboard): { col: Column; f: Figures }[] {
  const cols = d.townships.map((f) => ({ col: { name: f.township, township: f.township, total: false }, f }))
  if (cols.length !== 1) cols.push({ col: { name: t('oversight.total'), township: '', total: true }, f: d.total })
  return cols
}

/** The queue filtered to a figure's cases (the total's column spans every township in scope). */
export function queueLink(township: string, filters: Record<string, string>): RouteLocationRaw {
  return { name: 'queue', query: township ? { ...filters, township } : filters }
}

export function reportsLink(township: string, month: string): RouteLocationRaw {
  return { name: 'reports', query: township ? { month, township } : { month } }
}

function table(key: string, d: Dashboard, labels: string[], cell: (f: Figures, i: number, township: string) => Cell): ChartTable {
  const cols = columns(d)
  return {
    key,
    columns: cols.map((c) => c.col),
    rows: labels.map((l, i) => ({ label: l, cells: cols.map(({ col, f }) => cell(f, i, col.township)) })),
  }
}

const count = (value: number, to?: RouteLocationRaw): Cell => ({ value, text: String(value), to })

/** The tables every chart of the dashboard is drawn from. */
export function chartTables(d: Dashboard): Record<string, ChartTable> {
  const states = Object.keys(d.state_labels).filter((s) => (d.total.by_state[s] ?? 0) > 0)
  const extra = Object.keys(d.total.by_state).filter((s) => !(s in d.state_labels))
  const allStates = [...states, ...extra]
  const programmes = Object.keys(d.programme_labels)
  const investigators = Object.keys(d.total.investigators).sort((a, b) => d.total.investigators[b] - d.total.investigators[a])
  const stateLabel = (s: string) => d.state_labels[s] ?? label('states', s)
  const rules = Object.keys(d.rule_labels).filter((r) => (d.total.discovery.by_rule[r] ?? 0) > 0)
  return {
    states: table('states', d, allStates.map(stateLabel), (f, i, tw) =>
      count(f.by_state[allStates[i]] ?? 0, queueLink(tw, { state: allStates[i] }))),
    programmes: table('programmes', d, programmes.map((p) => d.programme_labels[p]), (f, i, tw) =>
      count(f.by_programme[programmes[i]] ?? 0, queueLink(tw, { programme: programmes[i] }))),
    deadlines: table('deadlines', d, [t('oversight.overdue'), t('oversight.dueSoon', { n: d.due_within })], (f, i, tw) =>
      i === 0 ? count(f.overdue, queueLink(tw, { overdue: '1' })) : count(f.due_soon, queueLink(tw, { due_within: String(d.due_within) }))),
    // Approvals and refusals of the whole scope side by side (the Excel sheet has them per township).
    // The queue has no filter by decision month: these numbers link nowhere (docs/oversight.md).
    decisions: {
      key: 'decisions',
      columns: [t('oversight.approved'), t('oversight.refused')].map((name) => ({ name, township: '', total: false })),
      rows: d.months.map((m, i) => ({ label: m, cells: [count(d.total.approvals[i]), count(d.total.refusals[i])] })),
    },
    payments: table('payments', d, [t('oversight.households'), t('oversight.people')], (f, i, tw) =>
      count(i === 0 ? f.households_in_payment : f.people_in_payment, reportsLink(tw, d.month))),
    spending: table('spending', d, d.months, (f, i, tw) =>
      ({ value: f.spending_fen[i] / 100, text: yuan(f.spending_fen[i]), to: reportsLink(tw, d.months[i]) })),
    investigators: table('investigators', d, investigators, (f, i, tw) =>
      count(f.investigators[investigators[i]] ?? 0, queueLink(tw, { investigator: investigators[i], open: '1' }))),
    // 主动发现: each rule that raised warnings, then what became of them; the numbers open the
    // warning queue (its own screen, scoped to the user's townships).
    discovery: table('discovery', d, [
      ...rules.map((r) => t('oversight.discovery.warningsOf', { rule: d.rule_labels[r] ?? r })),
      t('oversight.discovery.inLimit'), t('oversight.discovery.applied'), t('oversight.discovery.helped'),
    ], (f, i) => {
      const x = f.discovery
      const outcomes = [x.handled_in_limit, x.applications, x.helped]
      return count(i < rules.length ? x.by_rule[rules[i]] ?? 0 : outcomes[i - rules.length], { name: 'monitoring' })
    }),
  }
}
