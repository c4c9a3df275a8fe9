// The case page's moves that used to be side doors, now workflow actions (issue 11): 验收 and
// 退回补正 in the 调查验收 tab, resolving a conflict with a reason, and the new actions' dialogs
// (核对 result, the deciding authority's visit with photos, a change review's 拟停发/终止), mounted
// against a fake API.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import ActionsPanel from '../src/components/ActionsPanel.vue'
import ConflictsPanel from '../src/components/ConflictsPanel.vue'
import ActionDialog from '../src/components/ActionDialog.vue'
import WorkflowPanel from '../src/components/WorkflowPanel.vue'
import { session } from '../src/session'
import { today } from '../src/lib/format'
import type { ActionOption, CaseDetail, NoteDraft, Workflow } from '../src/types'

// jsdom draws no pictures: the browser's downscaling is replaced by a pass-through.
vi.mock('../src/mobile/lib/resize', () => ({
  downscale: async (f: Blob) => new Blob([f], { type: 'image/jpeg' }),
  jpegName: (name: string, fallback: string) => `${name.replace(/\.[^.]*$/, '') || fallback}.jpg`,
}))

type Call = { method: string; url: string; body: any }
let calls: Call[] = []
let answer: (c: Call) => [number, unknown] = () => [404, { code: 'not_found', message: '' }]

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** XMLHttpRequest as the uploads use it: one answer per send, progress reported once. */
class FakeXHR {
  static sent: { url: string; headers: Record<string, string>; body: unknown }[] = []
  static answer: (url: string) => [number, unknown] = () => [500, {}]
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null }
  status = 0
  responseText = ''
  withCredentials = false
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  ontimeout: (() => void) | null = null
  private url = ''
  private headers: Record<string, string> = {}
  open(_method: string, url: string) { this.url = url }
  setRequestHeader(k: string, v: string) { this.headers[k] = v }
  send(body: unknown) {
    FakeXHR.sent.push({ url: this.url, headers: this.headers, body })
    const [status, data] = FakeXHR.answer(this.url)
    queueMicrotask(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 1, total: 1 })
      this.status = status
      this.responseText = JSON.stringify(data)
      this.onload?.()
    })
  }
}

function workflow(over: Partial<Workflow> = {}): Workflow {
  return {
    case_id: 'c1', case_no: 'SQ-20261127-0001', programme: 'dibao', programme_zh: '最低生活保障', kind: 'application',
    state: 'investigating', state_zh: '调查中', entered: '2026-11-27', accepted: '2026-11-20',
    facts: {
      team: ['王建国', '李明'], visit: { finalized: true, investigator_signers: ['王建国', '李明'], accepted: false }, visit_accepted: false,
    },
    records: [],
    actions: [
      { action: 'accept_visit', zh: '验收入户调查', ok: true, refusal: null },
      { action: 'return_visit', zh: '退回补正', ok: true, refusal: null },
      { action: 'change_team', zh: '调整调查组', ok: false, refusal: '入户调查已封存，调整调查组须先退回补正' },
      { action: 'resolve_conflict', zh: '处理冲突值', ok: true, refusal: null },
    ],
    deadline: null, overall: null, notices: [], materials: [], signed: { promise: true, consent: true }, application: null, meetings: [],
    ...over,
  }
}

function detail(over: Partial<CaseDetail> = {}): CaseDetail {
  return {
    case_id: 'c1',
    document: {
      header: { case_no: 'DLT-2026-0001', applicant_name: '巴特尔', township: '树林召镇', status: 'investigating' },
      visits: [{ id: 'v1', finalized: true, members: [{ name: { verified: '巴特尔' } }], living: { housing: '土坯房' } }],
      review_notes: [],
    },
    conflicts: [],
    photos: [],
    evidence_complete: true,
    team: ['王建国', '李明'],
    ...over,
  }
}

async function withRouter() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div />' } },
      { path: '/meetings', name: 'meetings', component: { template: '<div />' } },
      { path: '/meetings/:id', name: 'meeting', component: { template: '<div />' } },
      { path: '/check-results', name: 'check-results', component: { template: '<div />' } },
    ],
  })
  router.push('/?tab=workflow')
  await router.isReady()
  return router
}

const $ = (sel: string) => document.querySelector(sel) as HTMLElement | null
const click = async (sel: string) => {
  const el = $(sel)
  if (!el) throw new Error(`no ${sel}`)
  el.click()
  await flushPromises()
}
async function type(sel: string, value: string) {
  const el = $(sel) as HTMLInputElement | HTMLTextAreaElement | null
  if (!el) throw new Error(`no ${sel}`)
  el.value = value
  el.dispatchEvent(new Event('input'))
  await flushPromises()
}

beforeEach(() => {
  calls = []
  FakeXHR.sent = []
  session.user = { name: '张海燕', role: 'caseworker', township: '树林召镇' }
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    const c = { method: init?.method ?? 'GET', url, body: init?.body ? JSON.parse(String(init.body)) : undefined }
    calls.push(c)
    if (url.endsWith('/investigators')) return json(200, { investigators: [{ name: '王建国', township: '树林召镇' }, { name: '李明', township: '树林召镇' }] })
    const [status, body] = answer(c)
    return json(status, body)
  }))
  vi.stubGlobal('XMLHttpRequest', FakeXHR)
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('调查验收 tab', () => {
  it('shows the sealed visit, not yet accepted, and the engine\'s reason for a refused step', async () => {
    const router = await withRouter()
    const w = mount(ActionsPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] },
      props: { detail: detail(), draft: [], workflow: workflow() } })
    await flushPromises()
    expect(w.find('[data-test=review-sealed]').attributes('data-sealed')).toBe('true')
    expect(w.find('[data-test=review-accepted]').attributes('data-accepted')).toBe('false')
    expect(w.find('[data-test=review-team]').text()).toBe('王建国、李明')
    expect(w.find('[data-test=review-change_team]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-test=review-refusal-change_team]').text()).toBe('入户调查已封存，调整调查组须先退回补正')
    w.unmount()
  })

  it('验收 is the workflow action accept_visit; the answer updates the page', async () => {
    const router = await withRouter()
    const next = workflow({ facts: { ...workflow().facts, visit_accepted: true } })
    answer = () => [200, next]
    const w = mount(ActionsPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] },
      props: { detail: detail(), draft: [], workflow: workflow() } })
    await flushPromises()
    await w.find('[data-test=review-accept_visit]').trigger('click')
    await flushPromises()
    expect($('[data-test=action-dialog]')?.getAttribute('data-action')).toBe('accept_visit')
    await click('[data-test=action-confirm]')
    expect(calls.filter((c) => c.method === 'POST')).toEqual([{ method: 'POST', url: '/api/console/cases/c1/workflow', body: { action: 'accept_visit' } }])
    expect(w.emitted('updated')?.[0]).toEqual([next])
    w.unmount()
  })

  it('退回补正 sends the 批注 draft and a note added in the dialog, then empties the draft; a refusal shows the server sentence', async () => {
    const router = await withRouter()
    const draft: NoteDraft[] = [{ path: 'visits.0.living.housing', text: '住房情况不一致，请再次核实' }]
    answer = () => [409, { code: 'visit_not_finalized', message: '入户调查尚未完成并封存' }]
    const w = mount(ActionsPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] },
      props: { detail: detail(), draft, workflow: workflow() } })
    await flushPromises()
    expect(w.findAll('[data-test=review-notes] [data-test=note-draft]')).toHaveLength(1)
    await w.find('[data-test=review-return_visit]').trigger('click')
    await flushPromises()
    const dialog = $('[data-test=action-dialog]')!
    expect(dialog.textContent).toContain('吃穿住用')
    await type('[data-test=action-dialog] textarea[data-test=note-text]', '另请补充诊断证明照片')
    await click('[data-test=action-dialog] [data-test=note-add]')
    expect(draft.map((n) => n.text)).toEqual(['住房情况不一致，请再次核实', '另请补充诊断证明照片'])
    await click('[data-test=action-confirm]')
    expect(calls.at(-1)?.body).toEqual({
      action: 'return_visit',
      notes: [{ path: 'visits.0.living.housing', text: '住房情况不一致，请再次核实' }, { path: null, text: '另请补充诊断证明照片' }],
    })
    expect($('[data-test=action-error]')?.textContent).toContain('入户调查尚未完成并封存')
    expect(draft).toHaveLength(2) // refused: the draft stays
    answer = () => [200, workflow()]
    await click('[data-test=action-confirm]')
    expect(draft).toHaveLength(0)
    expect(w.emitted('updated')).toHaveLength(1)
    w.unmount()
  })

  it('an empty draft is not sent', async () => {
    const router = await withRouter()
    const w = mount(ActionsPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] },
      props: { detail: detail(), draft: [], workflow: workflow() } })
    await flushPromises()
    await w.find('[data-test=review-return_visit]').trigger('click')
    await flushPromises()
    await click('[data-test=action-confirm]')
    expect($('[data-test=action-error]')?.textContent).toContain('请至少填写一条退回意见')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    w.unmount()
  })
})

describe('conflicts', () => {
  const conflicted = (finalized: boolean) => detail({
    document: { ...detail().document, visits: [{ id: 'v1', finalized, living: { housing: '土坯房' } }] },
    conflicts: [{ path: 'visits.0.living.housing', values: [
      { value: '土坯房', actor: 'aaaa', by: 'device 平板-01 (王建国)', time: 1_764_200_000, winner: false },
      { value: '砖瓦房', actor: 'bbbb', by: 'device 平板-02 (李明)', time: 1_764_200_100, winner: true },
    ] }],
  })

  it('resolving is resolve_conflict with the chosen value and a required reason', async () => {
    const router = await withRouter()
    const next = workflow()
    answer = () => [200, next]
    const w = mount(ConflictsPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] },
      props: { detail: conflicted(false), workflow: workflow() } })
    await flushPromises()
    expect(w.find('[data-test=conflict-sealed]').exists()).toBe(false)
    await w.find('[data-test=conflict-submit]').trigger('click')
    expect(w.find('[data-test=conflict-error]').text()).toContain('请先选择一个值')
    await w.findAll('[data-test=choose-value]')[1].trigger('click')
    expect(w.findAll('[data-test=conflict-value]')[1].attributes('data-chosen')).toBe('true')
    expect(w.find('[data-test=conflict-chosen]').text()).toContain('砖瓦房')
    await w.find('[data-test=conflict-submit]').trigger('click')
    expect(w.find('[data-test=conflict-error]').text()).toContain('请填写处理理由')
    expect(calls).toHaveLength(0)
    await w.find('textarea[data-test=conflict-reason]').setValue('经电话向户主核实为砖瓦房')
    await w.find('[data-test=conflict-submit]').trigger('click')
    await flushPromises()
    expect(calls).toEqual([{ method: 'POST', url: '/api/console/cases/c1/workflow', body: {
      action: 'resolve_conflict', reason: '经电话向户主核实为砖瓦房', resolution: { path: 'visits.0.living.housing', value: '砖瓦房' },
    } }])
    expect(w.emitted('updated')?.[0]).toEqual([next])
    w.unmount()
  })

  it('a typed value keeps the type of the values in conflict', async () => {
    const router = await withRouter()
    answer = () => [200, workflow()]
    const d = detail({ conflicts: [{ path: 'visits.0.living.housing_area_m2', values: [
      { value: 60, actor: 'a', time: 1, winner: false }, { value: 65, actor: 'b', time: 2, winner: true },
    ] }] })
    const w = mount(ConflictsPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] }, props: { detail: d, workflow: workflow() } })
    await flushPromises()
    await w.find('input[data-test=custom-value]').setValue('62.5')
    await w.find('[data-test=apply-custom]').trigger('click')
    await w.find('textarea[data-test=conflict-reason]').setValue('复测')
    await w.find('[data-test=conflict-submit]').trigger('click')
    await flushPromises()
    expect(calls[0].body.resolution).toEqual({ path: 'visits.0.living.housing_area_m2', value: 62.5 })
    w.unmount()
  })

  it('a sealed visit: the hint offers 退回补正, and the server\'s write_forbidden sentence is shown as it is', async () => {
    const router = await withRouter()
    const SENTENCE = '该入户调查已签署封存，不能修改其中的字段；请退回补正，由调查员更正后重新封存。'
    answer = () => [409, { code: 'write_forbidden', message: SENTENCE }]
    const w = mount(ConflictsPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] },
      props: { detail: conflicted(true), workflow: workflow() } })
    await flushPromises()
    expect(w.find('[data-test=conflict]').attributes('data-sealed')).toBe('true')
    expect(w.find('[data-test=conflict-sealed]').text()).toContain('退回补正')
    await w.findAll('[data-test=choose-value]')[0].trigger('click')
    await w.find('textarea[data-test=conflict-reason]').setValue('以王建国记录为准')
    await w.find('[data-test=conflict-submit]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test=conflict-error]').text()).toBe(SENTENCE)
    expect(w.emitted('updated')).toBeUndefined()
    await w.find('[data-test=conflict-to-return]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.tab).toBe('actions')
    w.unmount()
  })

  it('the engine\'s refusal to resolve now is shown and blocks the button', async () => {
    const router = await withRouter()
    const wf = workflow({ actions: [{ action: 'resolve_conflict', zh: '处理冲突值', ok: false, refusal: '案件已办结' }] })
    const w = mount(ConflictsPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] }, props: { detail: conflicted(false), workflow: wf } })
    await flushPromises()
    expect(w.find('[data-test=conflicts-refused]').text()).toContain('案件已办结')
    expect(w.find('[data-test=conflict-submit]').attributes('disabled')).toBeDefined()
    w.unmount()
  })
})

describe('new action dialogs', () => {
  async function dialog(action: ActionOption, wf: Workflow) {
    const router = await withRouter()
    const w = mount(ActionDialog, { attachTo: document.body, global: { plugins: [ElementPlus, router] },
      props: { caseId: 'c1', action, workflow: wf, missingItems: [], unchecked: 0 } })
    await flushPromises()
    return w
  }

  it('登记核对结果: result, date (today by default), note; 不符合 needs the items', async () => {
    answer = () => [200, workflow()]
    const w = await dialog({ action: 'record_check_result', zh: '登记核对结果', ok: true, refusal: null }, workflow())
    await click('[data-test=action-confirm]')
    expect($('[data-test=action-error]')?.textContent).toContain('请选择核对结果')
    await click('[data-test=action-check-ineligible] input')
    await click('[data-test=action-confirm]')
    expect($('[data-test=action-error]')?.textContent).toContain('不符合的核对项目')
    await click('[data-test=action-check-eligible] input')
    await type('textarea[data-test=action-check-note]', '各项核对均符合')
    await click('[data-test=action-confirm]')
    expect(calls.at(-1)?.body).toEqual({ action: 'record_check_result', check: { result: 'eligible', items: [], note: '各项核对均符合', checked_on: today() } })
    expect(w.emitted('done')).toHaveLength(1)
    w.unmount()
  })

  it('审核确认机关入户核查: photos are downscaled and uploaded first, then sent by id with the findings', async () => {
    session.user = { name: '白玉梅', role: 'bureau', township: '树林召镇' }
    FakeXHR.answer = (url) => [200, { id: url.includes('name=house.jpg') ? 'mat-1' : 'mat-2', name: 'house.jpg' }]
    answer = () => [200, workflow({ state: 'county_review' })]
    const w = await dialog({ action: 'record_decider_visit', zh: '审核确认机关入户核查', ok: true, refusal: null }, workflow({ state: 'county_review' }))
    const input = $('[data-test=photo-upload-input]') as HTMLInputElement
    Object.defineProperty(input, 'files', { value: [new File([new Uint8Array([0xff, 0xd8, 0xff])], 'house.png', { type: 'image/png' })], configurable: true })
    input.dispatchEvent(new Event('change'))
    await flushPromises()
    await flushPromises()
    expect(FakeXHR.sent).toHaveLength(1)
    expect(FakeXHR.sent[0].url).toBe('/api/console/cases/c1/materials?kind=decider_visit&name=house.jpg')
    expect(FakeXHR.sent[0].headers['Content-Type']).toBe('image/jpeg')
    expect(document.querySelectorAll('[data-test=photo-upload-item]')).toHaveLength(1)
    expect(($('[data-test=photo-upload-item] img') as HTMLImageElement).getAttribute('src')).toBe('/api/console/materials/mat-1')
    await click('[data-test=action-confirm]')
    expect($('[data-test=action-error]')?.textContent).toContain('请填写理由')
    await type('textarea[data-test=action-reason]', '入户核实，家中确有透析病人，与调查一致')
    await click('[data-test=action-confirm]')
    expect(calls.at(-1)?.body).toEqual({
      action: 'record_decider_visit', reason: '入户核实，家中确有透析病人，与调查一致',
      decider_visit: { visited_on: today(), staff: ['白玉梅'], photos: ['mat-1'] },
    })
    w.unmount()
  })

  it('a change review\'s 初审意见 offers 拟停发/终止 and sends it', async () => {
    session.user = { name: '乔志强', role: 'lead', township: '树林召镇' }
    answer = () => [200, workflow()]
    const wf = workflow({ kind: 'change_review', facts: { opinion: { text: '收入超过标准', amount_fen: 0, start_month: '2027-02', stop: false } } })
    const w = await dialog({ action: 'write_opinion', zh: '出具初审意见', ok: true, refusal: null }, wf)
    expect($('[data-test=action-stop]')).not.toBeNull()
    await click('[data-test=action-stop] input')
    await click('[data-test=action-confirm]')
    expect(calls.at(-1)?.body).toEqual({ action: 'write_opinion', opinion: { text: '收入超过标准', amount_fen: 0, start_month: '2027-02', stop: true } })
    w.unmount()
  })

  it('告知核对不符 starts from what the latest 不符合 result found', async () => {
    const wf = workflow({ facts: { check_results: [
      { result: 'ineligible', items: ['存款'], note: '旧结果', checked_on: '2026-11-01' },
      { result: 'ineligible', items: ['车辆'], note: '名下有小型汽车一辆', checked_on: '2026-12-01' },
      { result: 'eligible', items: ['社保'], note: '', checked_on: '2026-12-02' },
    ] } })
    await dialog({ action: 'notify_check_failed', zh: '告知核对不符', ok: true, refusal: null }, wf)
    expect(($('textarea[data-test=action-reason]') as HTMLTextAreaElement).value).toBe('信息核对发现不符合条件的项目：车辆；名下有小型汽车一辆')
  })

  it('an application\'s 初审意见 has no such box', async () => {
    await dialog({ action: 'write_opinion', zh: '出具初审意见', ok: true, refusal: null }, workflow())
    expect($('[data-test=action-stop]')).toBeNull()
  })
})

describe('办理流程: what the new facts show', () => {
  it('the refusal to cooperate with 终止 at hand, 核对 results, complaints, the decider\'s visit with thumbnails, the 情况说明', async () => {
    session.user = { name: '白玉梅', role: 'bureau', township: '树林召镇' }
    const router = await withRouter()
    const wf = workflow({
      state: 'county_review', state_zh: '审核确认中',
      facts: {
        visit_accepted: true, visit: { finalized: true, investigator_signers: ['王建国', '李明'], accepted: true }, team: ['王建国', '李明'],
        refusal: { member: '其其格', what: '拒绝提供银行流水' },
        situation: '家中失火，房屋损毁',
        check_results: [
          { result: 'eligible', items: ['社保'], note: '', checked_on: '2026-11-25', recorded_by: '张海燕', recorded_at: 1_764_000_000 },
          { result: 'ineligible', items: ['车辆', '存款'], note: '名下有小型汽车一辆', checked_on: '2026-12-01', recorded_by: '张海燕', recorded_at: 1_764_600_000 },
        ],
        complaints: [{ text: '其子在外地有固定工作', by: '张海燕', at: 1_764_700_000 }],
        decider_visit: { visited_on: '2026-12-10', staff: ['白玉梅', '苏和'], findings: '与调查一致', photos: [{ id: 'mat-1', name: 'house.jpg' }], by: '白玉梅', at: 1_764_800_000 },
      },
      actions: [
        { action: 'terminate', zh: '终止审核确认', ok: true, refusal: null },
        { action: 'resolve_conflict', zh: '处理冲突值', ok: true, refusal: null },
      ],
      deadline: { due: '2026-12-20', zh: '申请人对核对结果提出异议的期限（自然日）', code: 'check_objection', remaining_working_days: 5, calendar_days: true, overdue: false },
    })
    const w = mount(WorkflowPanel, { attachTo: document.body, global: { plugins: [ElementPlus, router] }, props: { caseId: 'c1', workflow: wf } })
    await flushPromises()
    expect(w.find('[data-test=wf-refusal-text]').text()).toBe('其其格：拒绝提供银行流水')
    expect(w.find('[data-test=wf-refusal]').text()).toContain('终止审核确认')
    expect(w.find('[data-test=wf-situation]').text()).toContain('家中失火')
    const results = w.findAll('[data-test=check-result]').map((x) => [x.attributes('data-result'), x.text()])
    expect(results).toEqual([['eligible', '符合'], ['ineligible', '不符合']])
    expect(w.find('[data-test=check-results-table]').text()).toContain('车辆、存款')
    expect(w.find('[data-test=complaints-table]').text()).toContain('其子在外地有固定工作')
    expect(w.find('[data-test=decider-findings]').text()).toBe('与调查一致')
    expect(w.find('[data-test=wf-decider-visit] [data-test=material-img]').attributes('src')).toBe('/api/console/materials/mat-1')
    expect(w.find('[data-test=wf-visit-accepted]').attributes('data-accepted')).toBe('true')
    expect(w.find('[data-test=wf-deadline]').attributes('data-code')).toBe('check_objection')
    expect(w.find('[data-test=wf-check-objection-hint]').exists()).toBe(true)
    // 终止 from the refusal's own button opens the action's dialog.
    await w.find('[data-test=wf-refusal-terminate]').trigger('click')
    await flushPromises()
    expect($('[data-test=action-dialog]')?.getAttribute('data-action')).toBe('terminate')
    // 处理冲突值 is done beside the values: the button leads to the 冲突 tab.
    await w.find('[data-test=action-resolve_conflict]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.tab).toBe('conflicts')
    w.unmount()
  })
})
