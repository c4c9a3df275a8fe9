// The township window (issue 16): the form's checks and body (the phone wizard's rules plus the
// phone number and the agent), the signatures a case needs, the duplicate warning, the signing step
// that submits only when the server says `ready`, and the referrals panel (the bureau only reads).
import { reactive } from 'vue'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import {
  checkableId, checkWindowForm, emptyWindowForm, resumeStep, signLines, toWindowBody, windowFormOf, windowMaterialKinds,
} from '../src/lib/window'
import { emptyMember } from '../src/mobile/types'
import { session } from '../src/session'
import WindowForm from '../src/components/WindowForm.vue'
import WindowDuplicates from '../src/components/WindowDuplicates.vue'
import WindowSignatures from '../src/components/WindowSignatures.vue'
import ReferralsPanel from '../src/components/ReferralsPanel.vue'
import type { Duplicate, Referral, WindowCase } from '../src/types'

// The browser downscales a scan on a canvas, which jsdom lacks: here the picture is sent as it is.
vi.mock('../src/mobile/lib/resize', async (original) => ({ ...(await original<object>()), downscale: async (b: Blob) => b }))

const APPLICANT = { name: '王秀兰', id: '150621196203150020' }
const SPOUSE = { name: '李大山', id: '150621196002020019' }
const CHILD = { name: '李小军', id: '150621201205010033' }
const AGENT = { name: '李娟', id: '150621198808080044' }

function family() {
  const f = emptyWindowForm('树林召镇')
  f.programme = 'dibao'
  f.village = '王爱召嘎查'
  f.address = '三社12号'
  f.applicant = { name: APPLICANT.name, id_number: APPLICANT.id }
  // The applicant's own row (本人) is put first by the form itself.
  f.members = [
    { ...emptyMember(), name: SPOUSE.name, relation: '配偶', id_number: SPOUSE.id },
    { ...emptyMember(), name: CHILD.name, relation: '子', id_number: `${CHILD.id.slice(0, 6)} ${CHILD.id.slice(6).toLowerCase()}` },
  ]
  return f
}

function windowCase(over: Partial<WindowCase> = {}): WindowCase {
  return {
    case_id: 'w1', case_no: 'SQ20261206-0003', state: 'draft', state_zh: '草稿', programme: 'dibao', programme_zh: '最低生活保障',
    township: '树林召镇', phone: '', application: { ...toWindowBody(family()) }, agent: { name: AGENT.name, id_number: AGENT.id, relation: '女儿', phone: '' },
    materials: [], signatures: [], adults: [APPLICANT.name, SPOUSE.name], consent_pending: [APPLICANT.name, SPOUSE.name], promise_signed: false,
    missing: ['尚未签署承诺书', '王秀兰尚未签署授权核对书', '李大山尚未签署授权核对书', '缺少委托书'], ready: false, receipt: null,
    opened_by: '张海燕', opened_at: 0, ...over,
  }
}

describe('the window form', () => {
  it('an empty form names every missing field; the township is always the caseworker\'s own', () => {
    const p = checkWindowForm(emptyWindowForm('树林召镇'))
    expect(p).toMatchObject({ programme: 'validation.programme', village: 'validation.village', address: 'validation.address',
      name: 'validation.name', id_number: 'validation.id.required' })
    expect(p.township).toBeUndefined()
  })

  it('a family of three passes; the applicant becomes the first member; the body carries phone and agent', () => {
    const f = family()
    f.phone = '13800138000'
    f.hasAgent = true
    f.agent = { name: ` ${AGENT.name} `, id_number: AGENT.id.toLowerCase(), relation: '女儿', phone: '' }
    expect(checkWindowForm(f)).toEqual({})
    expect(f.members[0]).toMatchObject({ name: APPLICANT.name, relation: '本人', id_number: APPLICANT.id, birth_date: '1962-03-15', sex: '女' })
    const body = toWindowBody(f)
    expect(body.members.map((m) => m.id_number)).toEqual([APPLICANT.id, SPOUSE.id, CHILD.id])
    expect(body).toMatchObject({ township: '树林召镇', phone: '13800138000', agent: { name: AGENT.name, id_number: AGENT.id, relation: '女儿', phone: '' } })
    f.hasAgent = false
    expect(toWindowBody(f).agent).toBeNull()
  })

  it('checks the agent, the phone numbers, members and rows with the phone wizard\'s rules', () => {
    const f = family()
    f.phone = '1380013800'
    f.hasAgent = true
    f.agent = { name: '', id_number: `${AGENT.id.slice(0, 17)}5`, relation: '', phone: '123' }
    f.members[0].relation = ''
    f.members[1].id_number = SPOUSE.id
    f.income.push({ category: '', item: '', amount: '-1', months: '13', note: '', keep: {} })
    const p = checkWindowForm(f)
    expect(p).toMatchObject({
      phone: 'validation.phone', 'agent.name': 'validation.agentName', 'agent.id_number': 'validation.id.checksum',
      'agent.relation': 'validation.agentRelation', 'agent.phone': 'validation.phone', 'members.1.relation': 'validation.relation',
      'members.2.id_number': 'validation.id.duplicate', 'income.0.category': 'validation.rows.incomeCategory',
      'income.0.amount': 'validation.rows.amountInvalid', 'income.0.months': 'validation.rows.months',
    })
  })

  it('a stored case is editable again, agent toggle and all', () => {
    const f = windowFormOf(windowCase({ phone: '13800138000' }))
    expect(f).toMatchObject({ phone: '13800138000', hasAgent: true, township: '树林召镇', agent: { name: AGENT.name, relation: '女儿' } })
    expect(f.members).toHaveLength(2)
    expect(windowFormOf(windowCase({ agent: null })).hasAgent).toBe(false)
  })

  it('asks the duplicate check only about complete, valid ID numbers', () => {
    expect(checkableId(` ${CHILD.id.toLowerCase()} `)).toBe(CHILD.id)
    expect(checkableId(CHILD.id.slice(0, 17))).toBeNull()
    expect(checkableId(`${CHILD.id.slice(0, 17)}0`)).toBeNull()
  })

  it('offers the paper materials, not the deciding authority\'s visit photos', () => {
    const kinds = windowMaterialKinds().map((k) => k.value)
    expect(kinds).toContain('mandate')
    expect(kinds).toContain('id_card')
    expect(kinds).not.toContain('decider_visit')
  })
})

describe('the signatures a case needs', () => {
  it('the 承诺书 by the agent, then one 授权核对书 per adult, with what is on record', () => {
    const sig = { document: 'consent', document_zh: '授权核对书', signer: SPOUSE.name, mode: 'paper', mode_zh: '纸质签字', by: '张海燕', at: 1, url: '/s/0' }
    const lines = signLines(windowCase({ signatures: [sig] }))
    expect(lines.map((l) => [l.document, l.signer, !!l.signature])).toEqual([
      ['promise', AGENT.name, false], ['consent', APPLICANT.name, false], ['consent', SPOUSE.name, true],
    ])
    expect(signLines(windowCase({ agent: null }))[0].signer).toBe(APPLICANT.name)
  })

  it('a draft resumes where the work stopped; a submitted case shows its receipt', () => {
    expect(resumeStep(windowCase())).toBe('form')
    const m = { id: 'm', kind: 'mandate', kind_zh: '委托书', name: 'a.jpg', uploaded_at: 0, url: '/m' }
    expect(resumeStep(windowCase({ materials: [m] }))).toBe('materials')
    expect(resumeStep(windowCase({ state: 'accepted' }))).toBe('receipt')
  })
})

// ---------------------------------------------------------------- components against a fake API

let routes: Record<string, (body: unknown) => [number, unknown]> = {}
const calls: { method: string; url: string; body: unknown }[] = []
beforeEach(() => {
  routes = {}
  calls.length = 0
  session.user = { name: '张海燕', role: 'caseworker', township: '树林召镇' }
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET'
    const body = init?.body ? JSON.parse(String(init.body)) : undefined
    calls.push({ method, url, body })
    const h = routes[`${method} ${url}`]
    const [status, answer] = h ? h(body) : [404, { code: 'not_found', message: '' }]
    return new Response(JSON.stringify(answer), { status, headers: { 'Content-Type': 'application/json' } })
  }))
})
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

async function mountIt(component: any, props: Record<string, unknown>) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { template: '<div />' } }] })
  router.push('/')
  await router.isReady()
  const w = mount(component, { attachTo: document.body, props, global: { plugins: [ElementPlus, router] } })
  await flushPromises()
  return w
}

const dup = (over: Partial<Duplicate>): Duplicate => ({
  case_id: 'c1', case_no: 'SQ20260301-0001', state: 'active', state_zh: '保障中', township: '树林召镇', role: 'member', name: '李**',
  in_payment: true, linkable: true, ...over,
})

describe('the duplicate warning', () => {
  it('links a case of the township; a case elsewhere shows its number and state only', async () => {
    const w = await mountIt(WindowDuplicates, { idNumber: SPOUSE.id, hits: [dup({}), dup({ case_id: 'c2', case_no: 'SQ20260101-0009', township: '吉格斯太镇', linkable: false, in_payment: false, state_zh: '调查中' })] })
    const items = w.findAll('[data-test=duplicate-case]')
    expect(items).toHaveLength(2)
    expect(items[0].find('a').attributes('href')).toBe('#/cases/c1')
    expect(items[0].text()).toContain('正在发放')
    expect(items[1].find('a').exists()).toBe(false)
    expect(items[1].text()).toContain('SQ20260101-0009')
    expect(items[1].text()).toContain('调查中')
  })

  it('leaving an ID number field asks the server at once and shows the answer under it', async () => {
    routes[`GET /api/console/duplicates?id_number=${SPOUSE.id}`] = () => [200, [dup({})]]
    const w = await mountIt(WindowForm, { form: reactive(family()), problems: {} })
    const input = w.find('[data-test=window-member][data-index="1"] input[data-test=member-id]')
    await input.trigger('blur')
    await flushPromises()
    expect(calls.some((c) => c.url === `/api/console/duplicates?id_number=${SPOUSE.id}`)).toBe(true)
    const warn = w.find('[data-test=window-member][data-index="1"] [data-test=duplicate-warning]')
    expect(warn.exists()).toBe(true)
    expect(warn.find('[data-test=duplicate-link]').attributes('href')).toBe('#/cases/c1')
    // A number with a wrong check digit is not asked about.
    const before = calls.length
    await w.find('input[data-test=window-id]').setValue(`${APPLICANT.id.slice(0, 17)}9`)
    await w.find('input[data-test=window-id]').trigger('blur')
    await flushPromises()
    expect(calls.length).toBe(before)
    expect(w.find('[data-test=window-id-state]').attributes('data-ok')).toBe('false')
  })

  it('shows a problem beside its field', async () => {
    const w = await mountIt(WindowForm, { form: family(), problems: { village: 'validation.village' } })
    expect(w.text()).toContain('请填写村（嘎查）。')
  })
})

describe('the signing step', () => {
  it('lists who signed and who is pending, the server\'s missing list, and keeps 提交并受理 off until ready', async () => {
    const w = await mountIt(WindowSignatures, { windowCase: windowCase() })
    expect(w.findAll('[data-test=sign-line]')).toHaveLength(3)
    expect(w.find('[data-test=consent-pending]').text()).toContain(`${APPLICANT.name}、${SPOUSE.name}`)
    expect(w.findAll('[data-test=window-missing-item]').map((x) => x.text())).toContain('缺少委托书')
    expect(w.find('[data-test=window-submit]').attributes('disabled')).toBeDefined()
    await w.setProps({ windowCase: windowCase({ missing: [], ready: true, consent_pending: [] }) })
    expect(w.find('[data-test=window-submit]').attributes('disabled')).toBeUndefined()
    expect(w.find('[data-test=window-ready]').exists()).toBe(true)
  })

  it('a scanned paper form is sent as a paper signature of that signer', async () => {
    const signed = windowCase({ signatures: [{ document: 'promise', document_zh: '承诺书', signer: AGENT.name, mode: 'paper', mode_zh: '纸质签字', by: '张海燕', at: 1, url: '/s/0' }] })
    routes['POST /api/console/window/cases/w1/sign'] = () => [200, signed]
    const w = await mountIt(WindowSignatures, { windowCase: windowCase() })
    await w.findAll('[data-test=sign-paper]')[0].trigger('click')
    const input = w.find('input[data-test=sign-paper-input]')
    Object.defineProperty(input.element, 'files', { value: [new File([new Uint8Array([1, 2, 3])], 'scan.jpg', { type: 'image/jpeg' })], configurable: true })
    await input.trigger('change')
    await vi.waitFor(() => expect(w.emitted('updated')).toBeTruthy())
    const sent = calls.find((c) => c.url.endsWith('/sign'))!.body as Record<string, string>
    expect(sent).toMatchObject({ document: 'promise', signer: AGENT.name, mode: 'paper' })
    expect(sent.image.startsWith('data:image/jpeg;base64,')).toBe(true)
  })
})

describe('协同办理', () => {
  const referral: Referral = {
    id: 'r1', case_id: 'c1', case_no: 'SQ20261206-0003', target: 'medical', target_zh: '医疗救助', note: '配偶透析', state: 'sent', state_zh: '已转办',
    slip_no: 'ZB20261206-0001', steps: [{ state: 'sent', state_zh: '已转办', note: '配偶透析', by: '张海燕', at: 1 }], slip: '/api/console/referrals/r1/slip.pdf',
  }

  it('the township refers a need and records the answer', async () => {
    routes['GET /api/console/cases/c1/referrals'] = () => [200, [referral]]
    routes['POST /api/console/referrals/r1'] = () => [200, { ...referral, state: 'answered' }]
    const w = await mountIt(ReferralsPanel, { caseId: 'c1' })
    expect(w.find('[data-test=referral]').text()).toContain('医疗救助')
    expect(w.find('[data-test=referral-slip]').attributes('href')).toBe(referral.slip)
    expect(w.find('[data-test=referral-create]').exists()).toBe(true)
    await w.find('[data-test=referral-answer]').trigger('click')
    await flushPromises()
    const note = document.querySelector('textarea[data-test=referral-move-note]') as HTMLTextAreaElement
    note.value = '医保局已受理'
    note.dispatchEvent(new Event('input'))
    ;(document.querySelector('[data-test=referral-move-confirm]') as HTMLButtonElement).click()
    await flushPromises()
    expect(calls.find((c) => c.method === 'POST' && c.url === '/api/console/referrals/r1')?.body).toEqual({ state: 'answered', note: '医保局已受理' })
  })

  it('the bureau reads only', async () => {
    session.user = { name: '白玉梅', role: 'bureau', township: '树林召镇' }
    routes['GET /api/console/cases/c1/referrals'] = () => [200, [referral]]
    const w = await mountIt(ReferralsPanel, { caseId: 'c1' })
    expect(w.find('[data-test=referral]').exists()).toBe(true)
    expect(w.find('[data-test=referral-create]').exists()).toBe(false)
    expect(w.find('[data-test=referral-answer]').exists()).toBe(false)
    expect(w.find('[data-test=referral-close]').exists()).toBe(false)
  })
})

describe('the catalogue', () => {
  it('names every problem the phone wizard\'s checks can report, in the console\'s words', async () => {
    const phone = (await import('../src/mobile/i18n/zh-CN')).default as { validation: object }
    const leaves = (tree: object, prefix = ''): string[] =>
      Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : leaves(v, `${prefix}${k}.`)))
    // Not asked at the window: the township (the caseworker's own), the phone's member list screen and its counter.
    const asked = leaves(phone.validation, 'validation.').filter((k) => !/^validation\.(township|membersEmpty|membersIncomplete|rows\.some)$/.test(k))
    const { lookup } = await import('../src/i18n')
    expect(asked.filter((k) => lookup(`window.${k}`) === undefined)).toEqual([])
  })
})
