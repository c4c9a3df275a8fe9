// Console pages against a fake API: a 民主评议 meeting shows only how many voted while voting is
// open (tallies and the minutes PDF after the close), a tablet whose change the server refused is
// flagged on the devices page, and the 核对 results import shows its answer row by row.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import MeetingView from '../src/views/MeetingView.vue'
import DevicesView from '../src/views/DevicesView.vue'
import CheckResultsView from '../src/views/CheckResultsView.vue'
import QueueView from '../src/views/QueueView.vue'
import { session } from '../src/session'
import type { Meeting, Tally } from '../src/types'

let routes: Record<string, () => [number, unknown]> = {}
function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

class FakeXHR {
  static sent: { method: string; url: string; headers: Record<string, string>; body: unknown }[] = []
  static answer: () => [number, unknown] = () => [500, {}]
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null }
  status = 0
  responseText = ''
  withCredentials = false
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  ontimeout: (() => void) | null = null
  private method = ''
  private url = ''
  private headers: Record<string, string> = {}
  open(method: string, url: string) { this.method = method; this.url = url }
  setRequestHeader(k: string, v: string) { this.headers[k] = v }
  send(body: unknown) {
    FakeXHR.sent.push({ method: this.method, url: this.url, headers: this.headers, body })
    const [status, data] = FakeXHR.answer()
    queueMicrotask(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 5, total: 10 })
      this.status = status
      this.responseText = JSON.stringify(data)
      this.onload?.()
    })
  }
}

async function mountWithRouter(component: any, props: Record<string, unknown> = {}) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div />' } },
      { path: '/meetings', name: 'meetings', component: { template: '<div />' } },
      { path: '/cases/:id', name: 'case', component: { template: '<div />' } },
    ],
  })
  router.push('/')
  await router.isReady()
  const w = mount(component, { attachTo: document.body, props, global: { plugins: [ElementPlus, router] } })
  await flushPromises()
  await flushPromises()
  return w
}

beforeEach(() => {
  routes = {}
  FakeXHR.sent = []
  session.user = { name: '乔志强', role: 'lead', township: '树林召镇' }
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    const h = routes[`${init?.method ?? 'GET'} ${url}`]
    const [status, body] = h ? h() : [404, { code: 'not_found', message: '' }]
    return json(status, body)
  }))
  vi.stubGlobal('XMLHttpRequest', FakeXHR)
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const tally: Tally = {
  eligible: 3, voted: 3, agree: 2, disagree: 1, abstain: 0, quorum_met: true, agree_share: 2 / 3, threshold_met: true,
  resident_share: 1, composition_ok: true, summary_zh: '同意 2 票，达到三分之二',
}
function meeting(open: boolean): Meeting {
  return {
    id: 'm1', title: '王爱召嘎查民主评议会', village: '王爱召嘎查', held_on: '2026-12-02', secret: true, open,
    minutes: open ? null : '宣讲政策，代表评议，无记名表决。', created_by: '乔志强',
    cases: [{ case_id: 'c1', case_no: 'SQ-20261127-0001', applicant: '王秀兰', tally: open ? null : tally }],
    roster: ['代表甲', '代表乙', '代表丙', '村干部丁'].map((name, idx) => ({
      idx, name, kind: idx === 3 ? 'cadre' : 'resident', recused_case_ids: idx === 3 ? ['c1'] : [], voted: open ? null : idx < 3,
    })),
    voted_count: open ? 2 : 3,
  }
}

describe('queue', () => {
  it('shows engine states only; a returned visit is a row with open review notes', async () => {
    const row = (case_id: string, over: Record<string, unknown>) => ({
      case_id, case_no: `SQ-${case_id}`, applicant: '巴特尔', township: '树林召镇', village: '王爱召嘎查', status: 'investigating',
      state: 'investigating', state_zh: '调查中', team: ['王建国', '李明'], deadline: null, visits: 1, photos: 0, photos_present: 0,
      evidence_complete: true, conflicts: 0, returned: false, updated_at: 1_764_000_000, ...over,
    })
    routes['GET /api/console/cases'] = () => [200, { cases: [
      row('a', { open_notes: 2, returned: true }),
      row('b', { returned: true }), // an older server without the count
      row('c', { open_notes: 0 }),
    ], counts: { investigating: 3 }, villages: [], investigators: [], seq: 1 }]
    routes['GET /api/console/version'] = () => [200, { seq: 1 }]
    const w = await mountWithRouter(QueueView)
    const tags = w.findAll('[data-test=row-open-notes]')
    expect(tags.map((t) => t.attributes('data-n'))).toEqual(['2', '1'])
    expect(w.findAll('[data-test=row-state]').map((t) => t.attributes('data-state'))).toEqual(['investigating', 'investigating', 'investigating'])
    expect(w.find('[data-test=state-counts]').text()).not.toContain('已退回')
    w.unmount()
  })
})

describe('民主评议 meeting', () => {
  it('while open: only how many voted, no tallies, no per-person marks, no minutes link', async () => {
    routes['GET /api/console/meetings/m1'] = () => [200, meeting(true)]
    const w = await mountWithRouter(MeetingView, { id: 'm1' })
    expect(w.find('[data-test=meeting-voted-count]').text()).toBe('已表决 2 / 4 人')
    expect(w.find('[data-test=meeting-voted-count]').attributes('data-n')).toBe('2')
    expect(w.find('[data-test=tally-hidden]').exists()).toBe(true)
    expect(w.find('[data-test=tally-agree]').exists()).toBe(false)
    expect(w.find('[data-test=roster-voted]').exists()).toBe(false)
    expect(w.find('[data-test=minutes-pdf]').exists()).toBe(false)
    expect(w.find('[data-test=meeting-close]').exists()).toBe(true)
    w.unmount()
  })

  it('after the close: the tallies, who voted, the minutes and their PDF', async () => {
    routes['GET /api/console/meetings/m1'] = () => [200, meeting(false)]
    const w = await mountWithRouter(MeetingView, { id: 'm1' })
    expect(w.find('[data-test=meeting-voted-count]').text()).toBe('已表决 3 / 4 人')
    expect(w.find('[data-test=tally-hidden]').exists()).toBe(false)
    expect(w.find('[data-test=tally-agree]').text()).toBe('2')
    expect(w.find('[data-test=tally-threshold]').attributes('data-met')).toBe('true')
    expect(w.findAll('[data-test=roster-voted][data-voted=true]')).toHaveLength(3)
    expect(w.find('[data-test=minutes-pdf]').attributes('href')).toBe('/api/console/meetings/m1/minutes.pdf')
    w.unmount()
  })
})

describe('devices', () => {
  it('a tablet that sent a refused change carries a red tag with when and why', async () => {
    routes['GET /api/console/investigators'] = () => [200, { investigators: [] }]
    routes['GET /api/console/devices'] = () => [200, { devices: [
      { id: 'd1', name: '平板-01', user: '王建国', township: '树林召镇', enrolled_at: 1_764_000_000, last_sync_at: 1_764_100_000, app_version: '0.3.0',
        revoked_at: null, pending_uploads: 0, refused_at: 1_764_200_000, refused_reason: '入户调查已签署封存，不能修改', refused_count: 2 },
      { id: 'd2', name: '平板-02', user: '李明', township: '树林召镇', enrolled_at: 1_764_000_000, last_sync_at: 1_764_100_000, app_version: '0.3.0',
        revoked_at: null, pending_uploads: 0, refused_at: null, refused_reason: null, refused_count: 0 },
    ] }]
    const w = await mountWithRouter(DevicesView)
    const flagged = w.findAll('[data-test=device-refused]')
    expect(flagged).toHaveLength(1)
    expect(flagged[0].text()).toContain('曾发送被拒绝的修改')
    expect(flagged[0].find('[data-test=device-refused-detail]').text()).toContain('入户调查已签署封存，不能修改')
    expect(flagged[0].find('[data-test=device-refused-detail]').text()).toContain('共 2 次')
    expect(flagged[0].find('[data-test=device-refused-detail]').text()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
    w.unmount()
  })
})

describe('核对结果导入', () => {
  const answer = {
    recorded: 2, unchanged: 1, errors: 1,
    rows: [
      { row: 2, case_no: 'SQ-20261127-0001', status: 'recorded', message: '已登记：不符合（车辆）' },
      { row: 3, case_no: 'SQ-20261127-0002', status: 'recorded', message: '已登记：符合' },
      { row: 4, case_no: 'SQ-20261127-0003', status: 'unchanged', message: '与已登记的核对结果相同' },
      { row: 5, case_no: 'SQ-2026-9999', status: 'error', message: '没有这个案件编号' },
    ],
  }
  const choose = async (w: any, f: File) => {
    const input = w.find('input[data-test=check-file]').element as HTMLInputElement
    Object.defineProperty(input, 'files', { value: [f], configurable: true })
    input.dispatchEvent(new Event('change'))
    await flushPromises()
  }

  it('uploads the CSV as it is and shows every row, the errors highlighted', async () => {
    FakeXHR.answer = () => [200, answer]
    const w = await mountWithRouter(CheckResultsView)
    expect(w.find('[data-test=check-template]').attributes('href')).toBe('/api/console/check-results/template.csv')
    expect(w.find('[data-test=check-upload]').attributes('disabled')).toBeDefined()
    const csv = new File(['\uFEFF案件编号,核对结果,核对项目,说明,核对日期\nSQ-20261127-0001,不符合,车辆,,2026-12-01\n'], '核对结果.csv', { type: 'text/csv' })
    await choose(w, csv)
    expect(w.find('[data-test=check-file-name]').text()).toContain('核对结果.csv')
    await w.find('[data-test=check-upload]').trigger('click')
    await flushPromises()
    await flushPromises()
    expect(FakeXHR.sent).toHaveLength(1)
    expect(FakeXHR.sent[0]).toMatchObject({ method: 'POST', url: '/api/console/check-results', headers: { 'Content-Type': 'text/csv' } })
    expect(FakeXHR.sent[0].body).toBe(csv)
    const summary = w.find('[data-test=check-summary]')
    expect(summary.attributes('data-errors')).toBe('1')
    expect(summary.text()).toContain('已登记 2 件，未变化 1 件，出错 1 行')
    const statuses = w.findAll('[data-test=check-row-status]').map((x) => [x.attributes('data-row'), x.attributes('data-status'), x.text()])
    expect(statuses).toEqual([['2', 'recorded', '已登记'], ['3', 'recorded', '已登记'], ['4', 'unchanged', '未变化'], ['5', 'error', '出错']])
    expect(w.findAll('tr.row-error')).toHaveLength(1)
    expect(w.find('tr.row-error').text()).toContain('没有这个案件编号')
    await w.find('[data-test=check-only-errors] input').setValue(true)
    await flushPromises()
    expect(w.findAll('[data-test=check-row-status]')).toHaveLength(1)
    w.unmount()
  })

  it('refuses a file that is not CSV, and shows the server\'s sentence for a file refused whole', async () => {
    FakeXHR.answer = () => [400, { code: 'invalid', message: '第一行须为表头：案件编号,核对结果,核对项目,说明,核对日期' }]
    const w = await mountWithRouter(CheckResultsView)
    await choose(w, new File(['x'], 'photo.jpg', { type: 'image/jpeg' }))
    expect(w.find('[data-test=check-error]').text()).toContain('请选择 .csv 或 Excel')
    expect(w.find('[data-test=check-file-name]').exists()).toBe(false)
    await choose(w, new File(['a,b'], 'list.csv', { type: 'text/csv' }))
    await w.find('[data-test=check-upload]').trigger('click')
    await flushPromises()
    await flushPromises()
    expect(w.find('[data-test=check-error]').text()).toContain('第一行须为表头')
    expect(w.find('[data-test=check-result]').exists()).toBe(false)
    w.unmount()
  })
})
