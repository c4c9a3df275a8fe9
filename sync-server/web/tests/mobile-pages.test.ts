// Phone pages mounted against a fake API: the status page (补正 items, notices, amount), the
// ballot (choices, signature, spent links), the report form and the application wizard's first save.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import vant from '../src/mobile/vant'
import { routes } from '../src/mobile/router'
import StatusView from '../src/mobile/views/StatusView.vue'
import VoteView from '../src/mobile/views/VoteView.vue'
import ReportView from '../src/mobile/views/ReportView.vue'
import ApplyView from '../src/mobile/views/ApplyView.vue'
import PublicityView from '../src/mobile/views/PublicityView.vue'
import RollView from '../src/mobile/views/RollView.vue'
import CheckObjectionView from '../src/mobile/views/CheckObjectionView.vue'
import type { ApplicantCase, Ballot } from '../src/mobile/types'

// "Are you sure?" is answered yes at once: Vant's dialog is a singleton that outlives the page
// cleared between tests.
const confirmed = vi.hoisted(() => ({ n: 0 }))
vi.mock('vant', async (importOriginal) => ({
  ...(await importOriginal<typeof import('vant')>()),
  showConfirmDialog: async () => {
    confirmed.n++
    return 'confirm'
  },
}))

type Handler = (init: RequestInit | undefined, url: string) => [number, unknown]
let handlers: Record<string, Handler> = {}
let calls: { method: string; url: string; body: any }[] = []

function fakeFetch() {
  return vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET'
    calls.push({ method, url, body: init?.body ? JSON.parse(init.body as string) : undefined })
    const h = handlers[`${method} ${url.split('?')[0]}`]
    const [status, body] = h ? h(init, url) : [404, { code: 'not_found', message: '没有' }]
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
  })
}

function router() {
  return createRouter({ history: createMemoryHistory(), routes })
}

async function mountPage(component: any, props: Record<string, unknown>, path = '/') {
  const r = router()
  r.push(path)
  await r.isReady()
  const w = mount(component, { props, global: { plugins: [vant, r] }, attachTo: document.body })
  await flushPromises()
  return { w, r }
}

const baseCase = (over: Partial<ApplicantCase> = {}): ApplicantCase => ({
  case_id: 'c1', case_no: 'SQ-20261127-0001', state: 'needs_supplement', state_zh: '待补正',
  programme: 'dibao', programme_zh: '最低生活保障', kind: 'application',
  application: null, materials: [], signed: { promise: true, consent: true },
  missing_items: ['户口本首页及本人页', '配偶身份证正反面', '近三个月的住院诊断证明'],
  editable: true, can_submit: false, can_report: false,
  timeline: [
    { action: 'submit', zh: '提交申请', state_zh: '已提交', at: 1_790_000_000, reason: null },
    { action: 'request_supplement', zh: '一次性告知补正', state_zh: '待补正', at: 1_790_100_000, reason: '材料不全' },
  ],
  notices: [
    { id: 'n1', kind: 'supplement', title: '社会救助申请补正告知书', created_at: 1_790_100_000,
      paragraphs: ['王秀兰：', '您的申请材料不齐全，请补充以下材料：', '1. 户口本首页及本人页'], pdf: '/api/applicant/notices/n1.pdf' },
    { id: 'n0', kind: 'acceptance', title: '受理通知书', created_at: 1_790_000_500, paragraphs: ['已受理。'], pdf: '/api/applicant/notices/n0.pdf' },
  ],
  amount_fen: null, start_month: null,
  ...over,
})

beforeEach(() => {
  // jsdom has no canvas; the signature pad copes with a missing context.
  HTMLCanvasElement.prototype.getContext = (() => null) as never
  handlers = {}
  calls = []
  vi.stubGlobal('fetch', fakeFetch())
  sessionStorage.clear()
  document.body.innerHTML = ''
  // Vant measures fixed bars again 100–300 ms after mounting (safe-area insets). With real timers
  // those callbacks could outlive the test file's jsdom and throw "window is not defined"; fake
  // setTimeout (flushPromises uses setImmediate) and run them before each test ends.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
})
afterEach(() => {
  vi.runOnlyPendingTimers()
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('status page', () => {
  it('补正: every missing item with its own upload button, the notices with PDF links, and resubmit', async () => {
    handlers['GET /api/applicant/cases/c1'] = () => [200, baseCase()]
    handlers['POST /api/applicant/cases/c1/submit'] = () => [409, { code: 'supplement_not_provided', message: '尚未补正' }]
    const { w } = await mountPage(StatusView, { id: 'c1' }, '/cases/c1')
    expect(w.find('[data-test="state-badge"]').text()).toBe('待补正')
    expect(w.find('[data-test="state-badge"]').attributes('data-state')).toBe('needs_supplement')
    expect(w.find('[data-test="status-next"]').text()).toContain('补正后重新提交')
    const items = w.findAll('[data-test="missing-item"]')
    expect(items.map((i) => i.find('[data-test="missing-item-text"]').text())).toEqual(['户口本首页及本人页', '配偶身份证正反面', '近三个月的住院诊断证明'])
    // Each item has an upload control for the kind it names.
    expect(items[0].find('[data-test="material-input-hukou"]').exists()).toBe(true)
    expect(items[1].find('[data-test="material-input-id_card"]').exists()).toBe(true)
    expect(items[2].find('[data-test="material-input-medical"]').exists()).toBe(true)
    expect(w.find('[data-test="material-input-hukou"]').attributes('aria-label')).toContain('户口本')
    expect(w.find('[data-test="supplement-edit"]').exists()).toBe(true)
    expect(w.find('[data-test="resubmit-hint"]').exists()).toBe(true)
    // Notices: newest first, title, date, paragraphs, PDF.
    const notices = w.findAll('[data-test="notice"]')
    expect(notices).toHaveLength(2)
    expect(notices[0].find('[data-test="notice-title"]').text()).toBe('社会救助申请补正告知书')
    expect(notices[0].text()).toContain('您的申请材料不齐全')
    expect(notices[0].text()).toMatch(/\d{4}-\d{2}-\d{2}/)
    expect(notices[0].find('[data-test="notice-pdf"]').attributes('href')).toBe('/api/applicant/notices/n1.pdf')
    expect(notices[0].find('[data-test="notice-pdf"]').text()).toBe('下载通知书 (PDF)')
    expect(w.findAll('[data-test="timeline-item"]')).toHaveLength(2)
    expect(w.find('[data-test="timeline-item"]').text()).toContain('一次性告知补正')
    // A refused resubmission shows our sentence for the code and keeps the page.
    await w.find('[data-test="resubmit"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="status-action-error"]').text()).toContain('还没有补充材料')
    expect(w.findAll('[data-test="missing-item"]')).toHaveLength(3)
    w.unmount()
  })

  it('active: the amount in yuan, the start month and the 定期报告 button', async () => {
    handlers['GET /api/applicant/cases/c1'] = () => [200, baseCase({ state: 'active', state_zh: '享受中', missing_items: [], can_report: true, amount_fen: 56000, start_month: '2026-12', editable: false })]
    const { w, r } = await mountPage(StatusView, { id: 'c1' }, '/cases/c1')
    expect(w.find('[data-test="amount-yuan"]').text()).toBe('每月 560.00 元')
    expect(w.find('[data-test="start-month"]').text()).toBe('2026 年 12 月')
    expect(w.find('[data-test="supplement"]').exists()).toBe(false)
    await w.find('[data-test="to-report"]').trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.fullPath).toBe('/cases/c1/report')
    w.unmount()
  })

  it('核对 did not match: what it found, the due date and the way to object', async () => {
    handlers['GET /api/applicant/cases/c1'] = () => [200, baseCase({
      state: 'check_failed_notified', state_zh: '核对不符已告知', missing_items: [], editable: false,
      can_object_to_check: true, check_objection_due: '2026-12-15',
      check_failed: { items: ['车辆', '存款'], note: '名下有小型汽车一辆', checked_on: '2026-12-01' },
    })]
    const { w, r } = await mountPage(StatusView, { id: 'c1' }, '/cases/c1')
    expect(w.find('[data-test="check-failed-items"]').text()).toBe('车辆、存款')
    expect(w.find('[data-test="check-failed-note"]').text()).toBe('名下有小型汽车一辆')
    expect(w.find('[data-test="check-objection-due"]').text()).toContain('2026-12-15')
    await w.find('[data-test="to-check-objection"]').trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.fullPath).toBe('/cases/c1/check-objection')
    w.unmount()
  })

  it('no objection box once the time to object is over', async () => {
    handlers['GET /api/applicant/cases/c1'] = () => [200, baseCase({ state: 'check_failed_notified', state_zh: '核对不符已告知', missing_items: [],
      can_object_to_check: false, check_failed: { items: ['车辆'], note: '', checked_on: '2026-12-01' } })]
    const { w } = await mountPage(StatusView, { id: 'c1' }, '/cases/c1')
    expect(w.find('[data-test="check-failed"]').exists()).toBe(false)
    w.unmount()
  })

  it('a failed load says so and offers to try again', async () => {
    handlers['GET /api/applicant/cases/c1'] = () => [500, {}]
    const { w } = await mountPage(StatusView, { id: 'c1' }, '/cases/c1')
    expect(w.find('[data-test="status-error"]').text()).toContain('服务器')
    handlers['GET /api/applicant/cases/c1'] = () => [200, baseCase()]
    await w.find('[data-test="status-retry"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="state-badge"]').exists()).toBe(true)
    w.unmount()
  })
})

const ballot = (over: Partial<Ballot> = {}): Ballot => ({
  meeting: { id: 'm1', title: '园子塔拉村2026年第4次民主评议', village: '园子塔拉村', held_on: '2026-11-28', secret: true },
  representative: '张三',
  cases: [
    { case_id: 'c1', applicant: '王秀兰', household_size: 3, programme_zh: '最低生活保障', proposed_amount_fen: 56000, opinion: '符合条件', investigation_summary: '老伴透析' },
    { case_id: 'c2', applicant: '李四', household_size: 1, programme_zh: '特困人员救助供养', proposed_amount_fen: null, opinion: '', investigation_summary: '独居' },
  ],
  voted: false,
  ...over,
})

describe('ballot', () => {
  it('shows the meeting, the secret-ballot and advisory notes, one card per case; asks for every choice and a signature', async () => {
    handlers['GET /api/public/vote/tok'] = () => [200, ballot()]
    handlers['POST /api/public/vote/tok'] = () => [200, { recorded: true }]
    const { w } = await mountPage(VoteView, { token: 'tok' }, '/vote/tok')
    expect(w.find('[data-test="vote-meeting"]').text()).toContain('园子塔拉村2026年第4次民主评议')
    expect(w.find('[data-test="vote-secret"]').exists()).toBe(true)
    expect(w.find('[data-test="vote-advisory"]').text()).toBe('评议结果供乡镇参考，由乡镇形成结论。')
    const cards = w.findAll('[data-test="ballot-case"]')
    expect(cards).toHaveLength(2)
    expect(cards[0].text()).toContain('每月 560.00 元')
    expect(cards[0].text()).toContain('老伴透析')
    await cards[0].find('[data-test="vote-agree"]').trigger('click')
    expect(cards[0].find('[data-test="vote-agree"]').attributes('aria-checked')).toBe('true')
    await w.find('[data-test="vote-submit"]').trigger('click')
    expect(w.find('[data-test="vote-error"]').text()).toContain('还有 1 户')
    await cards[1].find('[data-test="vote-abstain"]').trigger('click')
    await w.find('[data-test="vote-submit"]').trigger('click')
    expect(w.find('[data-test="vote-error"]').text()).toContain('签名')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    w.unmount()
  })

  it('each household: masked name, income per person against the line in plain words, main findings; each case voted once', async () => {
    const household = {
      case_id: 'c1', applicant: '巴*尔', household_size: 3, programme_zh: '最低生活保障', proposed_amount_fen: 56000,
      verified_income_per_capita_fen: 42050, standard_fen: 56000, findings: ['老伴每周透析两次', '养羊 20 只'], opinion: '符合条件，拟纳入低保',
    }
    handlers['GET /api/public/vote/tok'] = () => [200, ballot({ cases: [
      household,
      { ...household, case_id: 'c2', applicant: '高*', household_size: 1, verified_income_per_capita_fen: 60000, findings: [] },
      household, // a case the server listed twice is shown and voted once
    ] })]
    handlers['POST /api/public/vote/tok'] = () => [400, { code: 'duplicate_vote', message: '同一案件只能投一票' }]
    const { w } = await mountPage(VoteView, { token: 'tok' }, '/vote/tok')
    const cards = w.findAll('[data-test="ballot-case"]')
    expect(cards).toHaveLength(2)
    expect(cards[0].find('[data-test="ballot-applicant"]').text()).toContain('巴*尔')
    expect(cards[0].find('[data-test="ballot-income-value"]').text()).toBe('每人每月 420.50 元')
    expect(cards[0].find('[data-test="ballot-standard"]').text()).toBe('每人每月 560.00 元')
    expect(cards[0].find('[data-test="ballot-income"]').attributes('data-compare')).toBe('below')
    expect(cards[0].find('[data-test="ballot-compare"]').text()).toContain('低于标准')
    expect(cards[0].find('[data-test="ballot-compare"]').text()).toContain('少 139.50 元')
    expect(cards[0].findAll('[data-test="ballot-finding"]').map((x) => x.text())).toEqual(['老伴每周透析两次', '养羊 20 只'])
    expect(cards[0].find('[data-test="ballot-opinion"]').text()).toBe('符合条件，拟纳入低保')
    expect(cards[1].find('[data-test="ballot-compare"]').text()).toContain('高于标准')
    await cards[0].find('[data-test="vote-agree"]').trigger('click')
    await cards[1].find('[data-test="vote-disagree"]').trigger('click')
    // The signature pad cannot draw in jsdom: set what it would give.
    ;(w.vm as any).$.setupState.signature = 'data:image/png;base64,AAAA'
    await flushPromises()
    await w.find('[data-test="vote-submit"]').trigger('click')
    await flushPromises()
    const posts = calls.filter((c) => c.method === 'POST')
    expect(posts).toHaveLength(1)
    expect(posts[0].body.votes).toEqual([{ case_id: 'c1', vote: 'agree' }, { case_id: 'c2', vote: 'disagree' }])
    // Should the server still refuse, its sentence is shown.
    expect(w.find('[data-test="vote-error"]').text()).toBe('同一案件只能投一票')
    w.unmount()
  })

  it('a household without verified income says so instead of comparing', async () => {
    handlers['GET /api/public/vote/tok'] = () => [200, ballot({ cases: [
      { case_id: 'c1', applicant: '王*兰', household_size: 2, programme_zh: '特困人员救助供养', proposed_amount_fen: null,
        verified_income_per_capita_fen: null, standard_fen: 56000, findings: [], opinion: null, investigation_summary: '独居' },
    ] })]
    const { w } = await mountPage(VoteView, { token: 'tok' }, '/vote/tok')
    expect(w.find('[data-test="ballot-income-value"]').text()).toBe('入户调查没有核实收入')
    expect(w.find('[data-test="ballot-compare"]').exists()).toBe(false)
    expect(w.find('[data-test="ballot-case"]').text()).toContain('独居')
    w.unmount()
  })

  it('a spent or unknown link says so plainly', async () => {
    handlers['GET /api/public/vote/old'] = () => [404, { code: 'link_invalid', message: '链接无效' }]
    const { w } = await mountPage(VoteView, { token: 'old' }, '/vote/old')
    expect(w.find('[data-test="vote-invalid"]').text()).toContain('不能用了')
    expect(w.find('[data-test="ballot-case"]').exists()).toBe(false)
    w.unmount()
  })
})

describe('objection to the 核对 result', () => {
  const failed = (over: Partial<ApplicantCase> = {}) => baseCase({
    state: 'check_failed_notified', state_zh: '核对不符已告知', missing_items: [], editable: false,
    can_object_to_check: true, check_objection_due: '2026-12-15',
    check_failed: { items: ['车辆'], note: '名下有小型汽车一辆', checked_on: '2026-12-01' }, ...over,
  })

  it('asks for a reason of at least 5 characters, offers evidence photos, sends the reason and shows 复查中', async () => {
    handlers['GET /api/applicant/cases/c1'] = () => [200, failed()]
    handlers['POST /api/applicant/cases/c1/check-objection'] = () => [200, failed({ state: 'recheck', state_zh: '复查中', can_object_to_check: false })]
    const { w } = await mountPage(CheckObjectionView, { id: 'c1' }, '/cases/c1/check-objection')
    expect(w.find('[data-test="check-objection-found"]').text()).toContain('车辆')
    expect(w.find('[data-test="check-objection-due"]').text()).toContain('2026-12-15')
    // Evidence photos go up as material kind `other`.
    expect(w.find('[data-test="material-input-other"]').exists()).toBe(true)
    await w.find('[data-test="check-objection-reason"]').setValue('车已卖')
    await w.find('[data-test="check-objection-form"]').trigger('submit')
    await flushPromises()
    expect(w.find('[data-test="check-objection-reason-error"]').text()).toContain('至少 5 个字')
    await w.find('[data-test="check-objection-reason"]').setValue('这辆车 2025 年已经卖掉，过户手续在办理中')
    expect(w.find('[data-test="check-objection-reason-error"]').exists()).toBe(false) // gone as soon as it is long enough
    await w.find('[data-test="check-objection-form"]').trigger('submit')
    await flushPromises()
    expect(calls.filter((c) => c.method === 'POST')).toEqual([
      { method: 'POST', url: '/api/applicant/cases/c1/check-objection', body: { reason: '这辆车 2025 年已经卖掉，过户手续在办理中' } },
    ])
    expect(confirmed.n).toBeGreaterThan(0) // asked before sending
    expect(w.find('[data-test="check-objection-done"]').text()).toContain('复查中')
    w.unmount()
  })

  it('says so when the case can no longer be objected to', async () => {
    handlers['GET /api/applicant/cases/c1'] = () => [200, failed({ state: 'closed_ineligible', state_zh: '核对不符已结案', can_object_to_check: false })]
    const { w } = await mountPage(CheckObjectionView, { id: 'c1' }, '/cases/c1/check-objection')
    expect(w.find('[data-test="check-objection-not-now"]').text()).toContain('核对不符已结案')
    expect(w.find('[data-test="check-objection-form"]').exists()).toBe(false)
    w.unmount()
  })
})

describe('publicity objections', () => {
  it('an objection needs words, is sent with the entry id and shows the receipt', async () => {
    handlers['GET /api/public/publicity'] = () => [200, { township: '树林召镇', hotline: '0477-1234567', entries: [
      { entry_id: 'p1', name: '王*兰', household_size: 3, programme_zh: '最低生活保障', amount_yuan: '560.00', village: '园子塔拉村', from: '2026-11-27', to: '2026-12-04' },
    ] }]
    handlers['POST /api/public/objections'] = () => [200, { receipt: 'YY-20261128-0003' }]
    const { w } = await mountPage(PublicityView, { township: '树林召镇' }, '/publicity/x')
    const entry = w.find('[data-test="publicity-entry"]')
    expect(entry.text()).toContain('王*兰')
    expect(entry.text()).toContain('560.00 元')
    expect(entry.text()).toContain('2026-11-27 至 2026-12-04')
    await entry.find('[data-test="objection-open"]').trigger('click')
    await w.find('[data-test="objection-submit"]').trigger('submit')
    expect(w.find('[data-test="objection-content-error"]').exists()).toBe(true)
    await w.find('[data-test="objection-content"]').setValue('小轿车')
    expect(w.find('[data-test="objection-content-error"]').exists()).toBe(true) // still too short
    await w.find('[data-test="objection-content"]').setValue('他家有一辆新买的小轿车')
    expect(w.find('[data-test="objection-content-error"]').exists()).toBe(false)
    await w.find('[data-test="objection-contact"]').setValue('13900000000')
    await w.find('[data-test="objection-form"]').trigger('submit')
    await flushPromises()
    expect(calls.at(-1)).toMatchObject({ method: 'POST', url: '/api/public/objections', body: { entry_id: 'p1', content: '他家有一辆新买的小轿车', contact: '13900000000' } })
    expect(w.find('[data-test="objection-receipt-no"]').text()).toContain('YY-20261128-0003')
    w.unmount()
  })
})

describe('approved roll', () => {
  it('shows the payment period from its start month (open-ended while it lasts)', async () => {
    handlers['GET /api/public/roll'] = () => [200, { township: '树林召镇', entries: [
      { entry_id: 'r1', name: '王*兰', household_size: 2, programme_zh: '最低生活保障', amount_yuan: '560.00', village: '园子塔拉村', from: '2027-01', to: '' },
      { entry_id: 'r2', name: '高*娃', household_size: 1, programme_zh: '最低生活保障', amount_yuan: '820.00', village: '西社村', from: '2026-03', to: '2026-12' },
    ] }]
    const { w } = await mountPage(RollView, { township: '树林召镇' }, '/roll/x')
    const periods = w.findAll('[data-test="roll-period"]').map((p) => p.text())
    expect(periods).toEqual(['2027 年 1 月起', '2026 年 3 月 至 2026 年 12 月'])
    expect(w.find('[data-test="title-zh"]').text()).toBe('树林召镇社会救助对象名单')
    w.unmount()
  })
})

describe('periodic report', () => {
  it('asks what changed, sends 分 and shows the review case number', async () => {
    handlers['GET /api/applicant/cases/c1'] = () => [200, baseCase({ state: 'active', state_zh: '享受中', can_report: true, missing_items: [] })]
    handlers['POST /api/applicant/cases/c1/reports'] = () => [200, { report_id: 'r1', review_case_no: 'BG-20270301-0002', case: baseCase() }]
    const { w } = await mountPage(ReportView, { id: 'c1' }, '/cases/c1/report')
    await w.find('form').trigger('submit')
    expect(w.find('[data-test="report-choice-error"]').exists()).toBe(true)
    await w.find('[data-test="report-change-income"]').setValue(true)
    await w.find('form').trigger('submit')
    expect(w.find('[data-test="report-details-error"]').exists()).toBe(true)
    await w.find('[data-test="report-details"]').setValue('儿子开始打工')
    await w.find('[data-test="report-income"]').setValue('3000.5')
    await w.find('form').trigger('submit')
    await flushPromises()
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.body).toEqual({ changes: { members: false, health: false, income: true, property: false, costs: false }, details: '儿子开始打工', income_fen_month: 300050 })
    expect(w.find('[data-test="report-review-no"]').text()).toContain('BG-20270301-0002')
    w.unmount()
  })
})

describe('application wizard', () => {
  it('creates the draft on the server at the applicant step; a refused save keeps what was typed', async () => {
    handlers['GET /api/applicant/townships'] = () => [200, { townships: ['树林召镇', '展旦召苏木'] }]
    const { w, r } = await mountPage(ApplyView, {}, '/apply')
    await w.find('[data-test="apply-next"]').trigger('submit')
    await w.find('form').trigger('submit')
    expect(w.find('[data-test="apply-error"]').text()).toContain('请点选一种救助')
    await w.find('[data-test="programme-dibao"]').trigger('click')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(r.currentRoute.value.query.step).toBe('1')
    expect(calls.filter((c) => c.method !== 'GET')).toHaveLength(0) // nothing to save yet
    await w.find('[data-test="apply-township-option"][data-value="树林召镇"]').trigger('click')
    await w.find('[data-test="apply-village"]').setValue('园子塔拉村')
    await w.find('[data-test="apply-address"]').setValue('三社12号')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(r.currentRoute.value.query.step).toBe('2')
    await w.find('[data-test="apply-name"]').setValue('王秀兰')
    await w.find('[data-test="apply-id"]').setValue('150621196203150021')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-test="apply-id-error"]').text()).toContain('输错')
    // A valid number; the server refuses once (network), then creates the draft.
    const id = '15062119620315002'
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    const full = id + '10X98765432'[weights.reduce((a, wt, i) => a + wt * Number(id[i]), 0) % 11]
    await w.find('[data-test="apply-id"]').setValue(full)
    handlers['POST /api/applicant/cases'] = () => [503, {}]
    await w.find('form').trigger('submit')
    await flushPromises()
    expect((w.find('[data-test="apply-name"]').element as HTMLInputElement).value).toBe('王秀兰')
    expect(r.currentRoute.value.query.step).toBe('2')
    handlers['POST /api/applicant/cases'] = (init) => [200, baseCase({ state: 'draft', state_zh: '草稿', application: JSON.parse(init!.body as string), missing_items: [] })]
    await w.find('form').trigger('submit')
    await flushPromises()
    const created = calls.filter((c) => c.method === 'POST' && c.url === '/api/applicant/cases').at(-1)!
    expect(created.body).toMatchObject({ programme: 'dibao', township: '树林召镇', village: '园子塔拉村', applicant: { name: '王秀兰', id_number: full } })
    expect(created.body.members[0]).toMatchObject({ name: '王秀兰', relation: '本人', sex: '女', birth_date: '1962-03-15' })
    expect(r.currentRoute.value.query.step).toBe('3')
    expect(w.findAll('[data-test="member-item"]')).toHaveLength(1)
    // The form is kept in sessionStorage until the wizard ends.
    expect(sessionStorage.getItem('jiuzhu.m.apply.new')).toContain('王秀兰')
    w.unmount()
  })

  it('declared rows: a missing category is said beside the field; a refusal by the server is shown as it is, nothing typed lost', async () => {
    // A copy kept by an older version of the page (no rows, fewer member fields) still opens.
    const self = { name: '王秀兰', id_number: '', relation: '本人', sex: '女', birth_date: '1962-03-15', health: '', disability_type: '', disability_grade: '', employment: '' }
    sessionStorage.setItem('jiuzhu.m.apply.new', JSON.stringify({
      caseId: 'c1', member: null, memberIndex: -1,
      form: { programme: 'dibao', township: '树林召镇', village: '园子塔拉村', address: '三社12号', applicant: { name: '王秀兰', id_number: '' }, members: [self], income_note: '', property_note: '', expense_note: '' },
    }))
    handlers['GET /api/applicant/townships'] = () => [200, { townships: ['树林召镇'] }]
    const { w, r } = await mountPage(ApplyView, {}, '/apply?step=4')
    expect(w.find('[data-test="apply"]').attributes('data-step')).toBe('notes')
    await w.find('[data-test="income-add"]').trigger('click')
    await w.find('[data-test="income-amount"]').setValue('12000')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-test="income-category-error"]').text()).toContain('请点选收入类别')
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0)
    await w.find('[data-test="income-category-option"][data-value="business"]').trigger('click')
    await w.find('[data-test="income-item-option"][data-value="养殖"]').trigger('click')
    await w.find('[data-test="expense-add"]').trigger('click')
    await w.find('[data-test="expense-kind-option"][data-value="medical"]').trigger('click')
    await w.find('[data-test="expense-amount"]').setValue('3000')
    handlers['PUT /api/applicant/cases/c1'] = () => [400, { code: 'invalid', message: '第1条支出的月数应为1到12' }]
    await w.find('form').trigger('submit')
    await flushPromises()
    const put = calls.filter((c) => c.method === 'PUT').at(-1)!
    expect(put.body.income).toEqual([{ category: 'business', item: '养殖', amount_fen: 1_200_000, period_months: 12, note: null }])
    expect(put.body.expenditures[0]).toMatchObject({ kind: 'medical', amount_fen: 300_000, period_months: 12 })
    expect(w.find('[data-test="apply-save-error"]').text()).toBe('第1条支出的月数应为1到12')
    expect((w.find('[data-test="income-amount"]').element as HTMLInputElement).value).toBe('12000')
    expect(r.currentRoute.value.query.step).toBe('4')
    // A row is deleted with its own button (asked first when something was typed in it).
    await w.find('[data-test="row-expenditures"] [data-test="row-remove"]').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-test="row-expenditures"]')).toHaveLength(0)
    w.unmount()
  })
})
