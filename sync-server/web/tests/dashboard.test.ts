import { describe, expect, it } from 'vitest'
import { chartTables, columns, paymentsUrl, dashboardXlsxUrl, type Dashboard, type Figures } from '../src/lib/dashboard'
import { buildQuery, filtersFromQuery } from '../src/lib/query'

function figures(township: string, over: Partial<Figures> = {}): Figures {
  return {
    township, cases: 0, by_state: {}, by_programme: {}, overdue: 0, due_soon: 0, approvals: [0, 0], refusals: [0, 0],
    households_in_payment: 0, people_in_payment: 0, phase_out: 0, edge: 0, spending_fen: [0, 0], investigators: {},
    discovery: { by_rule: {}, handled_in_limit: 0, applications: 0, helped: 0 }, ...over,
  }
}

function dashboard(townships: Figures[], total: Figures): Dashboard {
  return {
    today: '2026-12-07', month: '2026-12', months: ['2026-11', '2026-12'], due_within: 5, townships, total,
    state_labels: { accepted: 'A', investigating: 'I' }, programme_labels: { dibao: 'D', tekun: 'T' },
    rule_labels: { medical_costs: '大额医疗自付', earner_died: '主要劳动力死亡' },
  }
}

describe('dashboard tables', () => {
  const a = figures('A', { by_state: { investigating: 2 }, overdue: 1, investigators: { w: 2 }, spending_fen: [100, 250] })
  const b = figures('B', { by_state: { investigating: 1, accepted: 1 }, by_programme: { tekun: 2 } })
  const total = figures('', { by_state: { investigating: 3, accepted: 1 }, by_programme: { tekun: 2 }, overdue: 1, investigators: { w: 2 }, spending_fen: [100, 250] })
  const d = dashboard([a, b], total)

  it('has a column per township and the total, the total only when there are several', () => {
    expect(columns(d).map((c) => c.col.township)).toEqual(['A', 'B', ''])
    expect(columns(dashboard([a], a)).map((c) => c.col.township)).toEqual(['A'])
  })

  it('links each count to the queue filtered to the same cases', () => {
    const t = chartTables(d)
    expect(t.states.rows.map((r) => r.label)).toEqual(['A', 'I'])
    const investigating = t.states.rows[1]
    expect(investigating.cells.map((c) => c.value)).toEqual([2, 1, 3])
    expect(investigating.cells[0].to).toEqual({ name: 'queue', query: { state: 'investigating', township: 'A' } })
    expect(investigating.cells[2].to).toEqual({ name: 'queue', query: { state: 'investigating' } })
    expect(t.deadlines.rows[1].cells[1].to).toEqual({ name: 'queue', query: { due_within: '5', township: 'B' } })
    expect(t.programmes.rows[1].cells[1].to).toEqual({ name: 'queue', query: { programme: 'tekun', township: 'B' } })
    expect(t.investigators.rows[0].cells[0].to).toEqual({ name: 'queue', query: { investigator: 'w', open: '1', township: 'A' } })
    expect(t.spending.rows[1].cells[0]).toMatchObject({ text: '2.50', to: { name: 'reports', query: { month: '2026-12', township: 'A' } } })
    expect(t.decisions.columns.map((c) => c.total)).toEqual([false, false])
    expect(t.decisions.rows[0].cells[0].to).toBeUndefined()
  })

  it('shows 主动发现: the rules that warned, then what became of the warnings, each opening the queue of warnings', () => {
    const found = (n: number, helped: number) => ({ by_rule: { medical_costs: n }, handled_in_limit: n, applications: helped, helped })
    const t = chartTables(dashboard([figures('A', { discovery: found(2, 1) }), figures('B')], figures('', { discovery: found(2, 1) })))
    expect(t.discovery.rows.map((r) => r.label)).toEqual(['预警：大额医疗自付', '按时处置', '代为申请', '获得救助'])
    expect(t.discovery.rows[0].cells.map((c) => c.value)).toEqual([2, 0, 2])
    expect(t.discovery.rows[3].cells.map((c) => c.value)).toEqual([1, 0, 1])
    expect(t.discovery.rows[0].cells[0].to).toEqual({ name: 'monitoring' })
  })

  it('builds the export and report URLs', () => {
    expect(dashboardXlsxUrl(undefined, 'states')).toBe('/api/console/dashboard.xlsx?chart=states')
    expect(paymentsUrl('2026-11', 'A', '.pdf')).toBe('/api/console/reports/payments.pdf?month=2026-11&township=A')
  })
})

describe('the queue opened from a link', () => {
  it('reads the filters of the address, and nothing without them', () => {
    expect(filtersFromQuery({})).toBeNull()
    const linked = filtersFromQuery({ state: 'investigating', township: 'A', overdue: '1', open: '1' })!
    expect(linked.overdue).toBe(true)
    expect(linked.filters).toMatchObject({ state: 'investigating', township: 'A', open: true, village: '' })
    expect(buildQuery(linked.filters)).toBe('state=investigating&township=A&open=1')
  })
})
