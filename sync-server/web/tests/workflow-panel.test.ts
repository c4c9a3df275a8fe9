// The 办理流程 panel mounted with a contract-shaped Workflow (docs/workflow-api.md).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import WorkflowPanel from '../src/components/WorkflowPanel.vue'
import { session } from '../src/session'
import type { Workflow } from '../src/types'

const REFUSAL = '公示期7天未满（2026-12-04 期满），不能报送。'

function fixture(over: Partial<Workflow> = {}): Workflow {
  return {
    case_id: 'c1', case_no: 'SQ-20261127-0001', programme: 'dibao', programme_zh: '最低生活保障', kind: 'application',
    state: 'publicity', state_zh: '公示中', entered: '2026-11-27', accepted: '2026-11-20',
    facts: {
      missing_items: [], checklist: [{ key: 'id_card', label: '身份证', ok: true }], team: ['王建国', '李秀英'],
      separately_registered: false, separately_reason: null,
      opinion: { text: '建议纳入低保', amount_fen: 56000, start_month: '2026-12', signed_by: '刘志强', signed_at: 1_764_200_000 },
      decision: null, publicity: { from: '2026-11-27', to: '2026-12-04' },
      objections: [{ id: 'o1', channel: 'phone', channel_zh: '电话', content: '家里有车', contact: '匿名', received_at: 1_764_300_000, by: '张海燕' }],
      visit: { finalized: true, investigator_signers: ['王建国', '李秀英'], accepted: true },
    },
    records: [
      { n: 1, action: 'submit', zh: '提交申请', from: 'draft', to: 'submitted', to_zh: '已提交', role: 'applicant', actor: '申请人 138****0000', at: 1_764_000_000, reason: null },
      { n: 2, action: 'accept', zh: '受理', from: 'submitted', to: 'accepted', to_zh: '已受理', role: 'caseworker', actor: '张海燕', at: 1_764_100_000, reason: null },
      { n: 3, action: 'start_publicity', zh: '开始公示', from: 'prelim_opinion', to: 'publicity', to_zh: '公示中', role: 'lead', actor: '刘志强', at: 1_764_250_000, reason: '按期公示' },
    ],
    actions: [
      { action: 'report', zh: '报送审核确认', ok: false, refusal: REFUSAL },
      { action: 'start_democratic_review', zh: '组织民主评议', ok: true, refusal: null },
    ],
    deadline: { due: '2026-12-04', zh: '公示期（自然日）', remaining_working_days: 3, overdue: false },
    overall: { due: '2026-12-31', zh: '受理至审核确认30个工作日内办结', remaining_working_days: -2, overdue: true },
    notices: [{ id: 'n1', kind: 'acceptance', title: '受理通知书', created_at: 1_764_100_000, paragraphs: ['您的申请已受理。'], pdf: '/api/applicant/notices/n1.pdf' }],
    materials: [{ id: 'm1', kind: 'id_card', kind_zh: '身份证', name: '身份证正面.jpg', uploaded_at: 1_764_000_000 }],
    signed: { promise: true, consent: false },
    application: {
      programme: 'dibao', township: '树林召镇', village: '园子塔拉村', address: '三社12号',
      applicant: { name: '王秀兰', id_number: '150621196203150026' },
      members: [{ name: '王秀兰', id_number: '150621196203150026', relation: '本人', sex: '女', birth_date: '1962-03-15', health: '慢性病', employment: '务农' }],
      income_note: '种地、养羊，年收入约6000元', property_note: '', expense_note: '透析费用',
    },
    meetings: [],
    ...over,
  }
}

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

async function mountPanel(wf: Workflow) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div />' } },
      { path: '/meetings', name: 'meetings', component: { template: '<div />' } },
      { path: '/meetings/:id', name: 'meeting', component: { template: '<div />' } },
    ],
  })
  router.push('/')
  await router.isReady()
  const w = mount(WorkflowPanel, {
    attachTo: document.body,
    global: { plugins: [ElementPlus, router] },
    props: { caseId: wf.case_id, workflow: wf },
  })
  await flushPromises() // tables lay out their rows after mounting
  return w
}

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('WorkflowPanel', () => {
  it('shows the state, limits, records, application, materials, signatures, notices and the refused action with its reason', async () => {
    session.user = { name: '刘志强', role: 'lead', township: '树林召镇' }
    const w = await mountPanel(fixture())
    expect(w.find('[data-test=wf-state]').text()).toBe('公示中')
    expect(w.find('[data-test=wf-deadline-left]').text()).toBe('剩 3 个工作日')
    expect(w.find('[data-test=wf-overall-left]').text()).toBe('已超期 2 个工作日')
    expect(w.find('[data-test=wf-overall]').classes()).toContain('tone-danger')

    const report = w.find('[data-test=action-report]')
    expect(report.attributes('disabled')).toBeDefined()
    expect(w.find('[data-test=refusal-report]').text()).toBe(REFUSAL)
    expect(w.find('[data-test=action-start_democratic_review]').attributes('disabled')).toBeUndefined()
    expect(w.find('[data-test=arrange-meeting]').exists()).toBe(true)

    const records = w.findAll('[data-test=wf-record]')
    expect(records.map((r) => r.attributes('data-action'))).toEqual(['start_publicity', 'accept', 'submit']) // newest first
    expect(records[0].text()).toContain('刘志强（乡镇负责人）')
    expect(records[0].text()).toContain('按期公示')
    expect(records[2].text()).toContain('申请人 138****0000（申请人）')

    expect(w.find('[data-test=wf-application]').text()).toContain('王秀兰')
    expect(w.find('[data-test=wf-members]').text()).toContain('慢性病')
    expect(w.find('[data-test=material-img]').attributes('src')).toBe('/api/console/materials/m1')
    expect(w.find('[data-test=signed-promise]').attributes('data-signed')).toBe('true')
    expect(w.find('[data-test=signed-consent]').text()).toContain('未签署')
    expect(w.find('[data-test=notice-pdf]').attributes('href')).toBe('/api/console/notices/n1.pdf')
    expect(w.find('[data-test=opinion-signed]').text()).toContain('刘志强')
    expect(w.find('[data-test=wf-publicity-period]').text()).toContain('2026-11-27 至 2026-12-04')
    expect(w.find('[data-test=objections-table]').text()).toContain('家里有车')

    // A disabled action opens nothing.
    await report.trigger('click')
    await flushPromises()
    expect(document.querySelector('[data-test=action-dialog]')).toBeNull()
    w.unmount()
  })

  it('初审: 一次性告知补正 sends every unticked item and extra line at once; a refusal shows the server sentence', async () => {
    session.user = { name: '张海燕', role: 'caseworker', township: '树林召镇' }
    const calls: { url: string; method: string; body: any }[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      const body = init.body ? JSON.parse(String(init.body)) : undefined
      calls.push({ url, method: init.method ?? 'GET', body })
      if (url.endsWith('/checklist')) return json(200, fixture({ state: 'submitted', state_zh: '已提交', facts: { checklist: body.items } }))
      return json(409, { code: 'missing_items_not_listed', message: '补正告知须一次性列出全部缺少的材料。' })
    }))
    const w = await mountPanel(fixture({
      state: 'submitted', state_zh: '已提交', facts: {}, deadline: null, overall: null, records: [],
      actions: [
        { action: 'request_supplement', zh: '一次性告知补正', ok: true, refusal: null },
        { action: 'accept', zh: '受理', ok: false, refusal: '还有缺少的材料未补正。' },
      ],
    }))
    expect(w.find('[data-test=wf-checklist]').exists()).toBe(true)
    expect(w.find('[data-test=refusal-accept]').text()).toBe('还有缺少的材料未补正。')
    // 身份证 ticked by the caseworker; 承诺书 is signed, so it starts ticked.
    await w.find('[data-test=check-box-id_card] input').setValue(true)
    expect(w.find('[data-test=check-promise]').attributes('data-ok')).toBe('true')
    await w.find('[data-test=check-extra]').setValue('其其格的诊断证明')
    // 户口本, 收入证明, 授权核对书 (not signed), 病历 (a member is chronically ill) and the extra line.
    expect(w.find('[data-test=check-summary]').attributes('data-missing')).toBe('5')

    await w.find('[data-test=action-request_supplement]').trigger('click')
    await flushPromises()
    const items = [...document.querySelectorAll('[data-test=action-missing-item]')].map((li) => li.textContent)
    expect(items).toEqual(['户口本', '收入证明', '授权核对书', '病历 / 诊断证明', '其其格的诊断证明'])
    ;(document.querySelector('[data-test=action-confirm]') as HTMLButtonElement).click()
    await flushPromises()

    // The edited checklist is saved first, then the action goes out with all the items.
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /api/console/cases/c1/checklist',
      'POST /api/console/cases/c1/workflow',
    ])
    expect(calls[1].body).toEqual({ action: 'request_supplement', missing_items: items })
    expect(document.querySelector('[data-test=action-error]')?.textContent).toContain('补正告知须一次性列出全部缺少的材料。')
    w.unmount()
  })
})
