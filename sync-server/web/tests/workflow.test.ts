import { describe, expect, it } from 'vitest'
import {
  ACTION_SPECS, absoluteUrl, actionBody, actionSpec, checkFailedText, checklistFor, composition, distinct, dueOrder, emptyActionForm, fenToYuan,
  isIsoDate, limitTone, missingItemsFrom, notesToSend, pct, remainingLabel, stateTone, validateAction, yuanToFen,
} from '../src/lib/workflow'
import { notePathOptions } from '../src/lib/paths'
import { MEMBER_FIELDS, WORKFLOW_ACTIONS, type Workflow } from '../src/types'

describe('action → fields table', () => {
  it('names the form each engine action needs', () => {
    expect(actionSpec('request_supplement').fields).toEqual(['missing_items'])
    expect(actionSpec('accept').fields).toEqual([])
    expect(actionSpec('start_investigation').fields).toEqual(['team'])
    expect(actionSpec('write_opinion').fields).toEqual(['opinion'])
    expect(actionSpec('approve').fields).toEqual(['decision'])
    expect(actionSpec('reject')).toMatchObject({ fields: ['reason'], reasonRequired: true, tone: 'danger' })
    expect(actionSpec('stop').reasonRequired).toBe(true)
    expect(actionSpec('conclude_democratic_review').reasonRequired).toBe(true)
    expect(actionSpec('raise_objection').form).toBe('objection')
    // An action this console does not know yet still gets a dialog with an optional reason.
    expect(actionSpec('some_future_action')).toEqual({ fields: ['reason'], tone: 'primary' })
  })
  it('covers every action of docs/workflow.md', () => {
    for (const a of ['submit', 'request_supplement', 'resubmit', 'accept', 'grant_advance_aid', 'start_investigation',
      'notify_check_failed', 'object_to_check', 'close_ineligible', 'reinvestigate', 'terminate', 'start_democratic_review',
      'conclude_democratic_review', 'write_opinion', 'start_publicity', 'raise_objection', 'report', 'receive', 'approve',
      'reject', 'publish_roll', 'activate', 'stop'])
      expect(ACTION_SPECS[a], a).toBeDefined()
  })
  it('validates before posting and sends only the fields the dialog showed', () => {
    const f = { ...emptyActionForm(), reason: '  ', team: ['王建国'], text: '建议纳入', amount: '560.5', month: '2026-12' }
    expect(validateAction('reject', f)).toBe('workflow.form.reasonRequired')
    expect(validateAction('start_investigation', f)).toBe('workflow.form.teamTooSmall')
    expect(validateAction('start_investigation', { ...f, team: ['王建国', '王建国'] })).toBe('workflow.form.teamTooSmall')
    expect(validateAction('start_investigation', { ...f, team: ['王建国', '李秀英'] })).toBeNull()
    expect(validateAction('request_supplement', f)).toBe('workflow.form.missingEmpty')
    expect(validateAction('write_opinion', f)).toBeNull()
    expect(validateAction('write_opinion', { ...f, amount: '5.555' })).toBe('workflow.form.amountInvalid')
    expect(validateAction('approve', { ...f, amount: '' })).toBe('workflow.form.amountInvalid')
    expect(validateAction('approve', { ...f, month: '' })).toBe('workflow.form.monthRequired')
    expect(validateAction('accept', f)).toBeNull()

    expect(actionBody('accept', f)).toEqual({ action: 'accept' })
    expect(actionBody('write_opinion', f)).toEqual({
      action: 'write_opinion', opinion: { text: '建议纳入', amount_fen: 56050, start_month: '2026-12' },
    })
    expect(actionBody('approve', f)).toEqual({ action: 'approve', decision: { amount_fen: 56050, start_month: '2026-12' } })
    expect(actionBody('reject', { ...f, reason: ' 人均收入高于标准 ' })).toEqual({ action: 'reject', reason: '人均收入高于标准' })
    expect(actionBody('request_supplement', { ...f, missing_items: ['户口本', ' ', '收入证明'] }))
      .toEqual({ action: 'request_supplement', missing_items: ['户口本', '收入证明'] })
    expect(actionBody('reinvestigate', { ...f, team: ['甲', '乙', '甲'] })).toEqual({ action: 'reinvestigate', team: ['甲', '乙'] })
    expect(validateAction('write_opinion', { ...f, amount: '' })).toBe('workflow.form.amountInvalid')
    expect(validateAction('write_opinion', { ...f, amount: '0' })).toBeNull() // an opinion not to grant
  })
})

describe('steps that keep the state (issue 11)', () => {
  it('names the small form of each new engine action', () => {
    expect(actionSpec('accept_visit')).toMatchObject({ fields: [], tone: 'success' })
    expect(actionSpec('return_visit').fields).toEqual(['notes'])
    expect(actionSpec('change_team').fields).toEqual(['team'])
    expect(actionSpec('resolve_conflict')).toMatchObject({ fields: ['reason'], reasonRequired: true, form: 'conflicts' })
    expect(actionSpec('record_situation')).toMatchObject({ fields: ['reason'], reasonRequired: true })
    expect(actionSpec('record_check_result').fields).toEqual(['check'])
    expect(actionSpec('register_complaint')).toMatchObject({ fields: ['reason'], reasonRequired: true })
    expect(actionSpec('record_decider_visit')).toMatchObject({ fields: ['decider_visit', 'reason'], reasonRequired: true })
    expect(actionSpec('terminate').reasonRequired).toBe(true)
    for (const a of WORKFLOW_ACTIONS) expect(ACTION_SPECS[a], a).toBeDefined()
  })

  it('退回补正: at least one note with words; the notes go out trimmed, the reason left to the server', () => {
    const f = emptyActionForm()
    expect(validateAction('return_visit', f)).toBe('workflow.form.notesEmpty')
    f.notes = [{ path: 'visits.0.living.housing', text: '  请补拍室内照片 ' }, { path: null, text: '   ' }]
    expect(validateAction('return_visit', f)).toBeNull()
    expect(actionBody('return_visit', f)).toEqual({ action: 'return_visit', notes: [{ path: 'visits.0.living.housing', text: '请补拍室内照片' }] })
    expect(notesToSend([{ path: null, text: ' 整体 ' }])).toEqual([{ path: null, text: '整体' }])
  })

  it('调整调查组 needs two different investigators', () => {
    const f = { ...emptyActionForm(), team: ['王建国', '王建国'] }
    expect(validateAction('change_team', f)).toBe('workflow.form.teamTooSmall')
    expect(actionBody('change_team', { ...f, team: ['王建国', '高娃'] })).toEqual({ action: 'change_team', team: ['王建国', '高娃'] })
  })

  it('核对 result: a result, the items when it does not match, a real date', () => {
    const f = emptyActionForm()
    expect(validateAction('record_check_result', f)).toBe('workflow.form.checkResultRequired')
    f.check = { result: 'ineligible', items: [' '], note: '', checked_on: '2026-12-01' }
    expect(validateAction('record_check_result', f)).toBe('workflow.form.checkItemsRequired')
    f.check.items = ['车辆', ' 存款 ', '车辆']
    f.check.checked_on = '2026-02-30'
    expect(validateAction('record_check_result', f)).toBe('workflow.form.checkDateRequired')
    f.check.checked_on = '2026-12-01'
    f.check.note = ' 名下有小型汽车一辆 '
    expect(validateAction('record_check_result', f)).toBeNull()
    expect(actionBody('record_check_result', f)).toEqual({
      action: 'record_check_result',
      check: { result: 'ineligible', items: ['车辆', '存款'], note: '名下有小型汽车一辆', checked_on: '2026-12-01' },
    })
    // A matching result needs no items.
    expect(validateAction('record_check_result', { ...f, check: { result: 'eligible', items: [], note: '', checked_on: '2026-12-01' } })).toBeNull()
  })

  it('审核确认机关入户核查: date, staff, what was found; photos are ids uploaded first; waits for uploads', () => {
    const f = emptyActionForm()
    f.decider = { visited_on: '', staff: [], photos: [], uploading: 0 }
    expect(validateAction('record_decider_visit', f)).toBe('workflow.form.visitDateRequired')
    f.decider.visited_on = '2026-12-10'
    expect(validateAction('record_decider_visit', f)).toBe('workflow.form.staffRequired')
    f.decider.staff = ['白玉梅', ' 白玉梅', '苏和']
    expect(validateAction('record_decider_visit', f)).toBe('workflow.form.reasonRequired')
    f.reason = ' 家中确有透析病人 '
    f.decider.uploading = 1
    expect(validateAction('record_decider_visit', f)).toBe('workflow.form.uploading')
    f.decider.uploading = 0
    f.decider.photos = [{ id: 'p1', name: 'a.jpg' }, { id: 'p2', name: 'b.jpg' }]
    expect(validateAction('record_decider_visit', f)).toBeNull()
    expect(actionBody('record_decider_visit', f)).toEqual({
      action: 'record_decider_visit', reason: '家中确有透析病人',
      decider_visit: { visited_on: '2026-12-10', staff: ['白玉梅', '苏和'], photos: ['p1', 'p2'] },
    })
  })

  it('a change review opinion carries 拟停发/终止; an application opinion does not', () => {
    const f = { ...emptyActionForm(), text: '家庭收入已超过标准，拟停发', amount: '0', month: '2027-02', stop: true }
    expect(actionBody('write_opinion', f, { changeReview: true }).opinion).toEqual({ text: '家庭收入已超过标准，拟停发', amount_fen: 0, start_month: '2027-02', stop: true })
    expect(actionBody('write_opinion', { ...f, stop: false }, { changeReview: true }).opinion?.stop).toBe(false)
    expect(actionBody('write_opinion', f).opinion).not.toHaveProperty('stop')
  })

  it('告知核对不符 starts from what the 核对 found', () => {
    expect(checkFailedText(['车辆', ' 存款'], ' 名下有小型汽车一辆 ')).toBe('信息核对发现不符合条件的项目：车辆、存款；名下有小型汽车一辆')
    expect(checkFailedText([], '名下有车')).toBe('名下有车')
  })

  it('dates, distinct items, state tones without the old sub-states', () => {
    expect(isIsoDate('2026-12-31')).toBe(true)
    expect(isIsoDate('2024-02-29')).toBe(true)
    for (const s of ['2026-13-01', '2026-1-1', '', null, '2026-12-31T00:00']) expect(isIsoDate(s as any), String(s)).toBe(false)
    expect(distinct([' a', 'b', 'a ', '', 'c'])).toEqual(['a', 'b', 'c'])
    expect(stateTone('returned')).toBe('primary')
    expect(stateTone('investigation_accepted')).toBe('primary')
    expect(stateTone('active')).toBe('success')
  })

  it('offers the latest visit\'s fields to pin a note to, labelled like the 批注 buttons', () => {
    const doc = { visits: [{}, { members: [{ name: { verified: '巴特尔' } }], income: [{}], living: {} }] }
    const groups = notePathOptions(doc, MEMBER_FIELDS)
    expect(groups.map((g) => g.label)).toEqual(['家庭成员 · 巴特尔', '入户情况', '家庭情况', '收入 · #1', '吃穿住用', '辅助指标'])
    expect(groups[0].options[0]).toEqual({ value: 'visits.1.members.0.name.verified', label: '第 2 次调查 · 家庭成员 · 巴特尔 · 姓名' })
    expect(groups[1].options.map((o) => o.label)).toEqual(['第 2 次调查 · 入户时间', '第 2 次调查 · 调查人员意见'])
    expect(groups[2].options.find((o) => o.value === 'visits.1.household.agent_name')?.label).toBe('第 2 次调查 · 家庭情况 · 委托代理人')
    expect(groups[4].options.find((o) => o.value === 'visits.1.living.housing')?.label).toBe('第 2 次调查 · 吃穿住用 · 住')
    expect(notePathOptions({}, MEMBER_FIELDS)).toEqual([])
  })
})

describe('yuan ↔ fen', () => {
  it('parses what people type, exactly', () => {
    expect(yuanToFen('560')).toBe(56000)
    expect(yuanToFen('560.5')).toBe(56050)
    expect(yuanToFen('560.05')).toBe(56005)
    expect(yuanToFen('0.1')).toBe(10)
    expect(yuanToFen('1,234.50')).toBe(123450)
    expect(yuanToFen(' 1 234 ')).toBe(123400)
    expect(yuanToFen('\u00A5560')).toBe(56000)
    expect(yuanToFen('560.')).toBe(56000)
    expect(yuanToFen('1.15')).toBe(115) // no floating-point 114.99999
    expect(yuanToFen('19.99')).toBe(1999)
  })
  it('refuses what is not an amount', () => {
    for (const s of ['', ' ', 'abc', '-5', '5.555', '1e3', '.5', '5..0', null, undefined]) expect(yuanToFen(s as any), String(s)).toBeNull()
  })
  it('shows fen as an input value and round-trips', () => {
    expect(fenToYuan(56000)).toBe('560.00')
    expect(fenToYuan(5)).toBe('0.05')
    expect(fenToYuan(null)).toBe('')
    for (const fen of [0, 1, 99, 100, 56050, 123456789]) expect(yuanToFen(fenToYuan(fen))).toBe(fen)
  })
})

describe('remaining-days label', () => {
  it('counts working days left, today, and overdue', () => {
    expect(remainingLabel({ remaining_working_days: 3, overdue: false })).toBe('剩 3 个工作日')
    expect(remainingLabel({ remaining_working_days: 0, overdue: false })).toBe('今天到期')
    expect(remainingLabel({ remaining_working_days: -2, overdue: true })).toBe('已超期 2 个工作日')
    expect(remainingLabel({ remaining_working_days: 2, overdue: true })).toBe('已超期 2 个工作日')
    expect(remainingLabel({ remaining_working_days: 0, overdue: true })).toBe('已超期')
    expect(remainingLabel({ remaining_working_days: null, overdue: false })).toBe('')
    expect(remainingLabel(null)).toBe('')
  })
  it('is red when overdue, amber on the last day', () => {
    expect(limitTone({ remaining_working_days: -1, overdue: true })).toBe('danger')
    expect(limitTone({ remaining_working_days: 1, overdue: false })).toBe('warning')
    expect(limitTone({ remaining_working_days: 9, overdue: false })).toBe('info')
  })
  it('sorts by due date with undated rows last either way', () => {
    const rows = [{ due: '2026-12-04' }, { due: null }, { due: '2026-11-30' }]
    expect([...rows].sort((a, b) => dueOrder(a, b)).map((r) => r.due)).toEqual(['2026-11-30', '2026-12-04', null])
    expect([...rows].sort((a, b) => dueOrder(a, b, true)).map((r) => r.due)).toEqual(['2026-12-04', '2026-11-30', null])
  })
})

describe('初审 checklist', () => {
  const base: Pick<Workflow, 'facts' | 'application' | 'materials' | 'signed'> = {
    facts: {},
    application: { members: [{ name: '王秀兰', relation: '本人', health: '健康' }] },
    materials: [{ id: 'm1', kind: 'id_card' }],
    signed: { promise: true, consent: false },
  }
  it('offers the standard items, ticks the signatures the server knows, adds 残疾证/病历 only when relevant', () => {
    const items = checklistFor(base)
    expect(items.map((i) => i.key)).toEqual(['id_card', 'hukou', 'income', 'promise', 'consent'])
    expect(items.map((i) => i.label)).toEqual(['身份证', '户口本', '收入证明', '承诺书', '授权核对书'])
    expect(items.filter((i) => i.ok).map((i) => i.key)).toEqual(['promise'])
    const ill = checklistFor({ ...base, application: { members: [{ name: '王秀兰', health: '慢性病', disability_type: '肢体' }] } })
    expect(ill.map((i) => i.key)).toContain('disability')
    expect(ill.map((i) => i.key)).toContain('medical')
  })
  it('uses the checklist saved on the case', () => {
    const saved = [{ key: 'id_card', label: '身份证', ok: true }, { key: 'custom_x', label: '房产证明', ok: false }]
    expect(checklistFor({ ...base, facts: { checklist: saved } })).toEqual(saved)
  })
  it('lists every unticked item and every extra line, once, all at once', () => {
    const items = [
      { key: 'id_card', label: '身份证', ok: true },
      { key: 'hukou', label: '户口本', ok: false },
      { key: 'income', label: '收入证明', ok: false },
    ]
    expect(missingItemsFrom(items, '\n其其格的诊断证明\n  户口本 \n\n')).toEqual(['户口本', '收入证明', '其其格的诊断证明'])
    expect(missingItemsFrom(items.map((i) => ({ ...i, ok: true })), '')).toEqual([])
  })
})

describe('民主评议 roster composition', () => {
  it('warns when residents are fewer than two thirds', () => {
    const r = (kind: string, recuse: string[] = []) => ({ kind, recuse_case_ids: recuse })
    expect(composition([r('resident'), r('resident'), r('cadre')]).overall).toEqual({ total: 3, residents: 2, ok: true })
    expect(composition([r('resident'), r('cadre'), r('staff')]).overall.ok).toBe(false)
    expect(composition([r('resident'), r('resident'), r('resident'), r('resident'), r('cadre'), r('staff')]).overall.ok).toBe(true)
    expect(composition([r('resident'), r('resident'), r('resident'), r('cadre'), r('staff')]).overall.ok).toBe(false)
    expect(composition([]).overall.ok).toBe(true)
    // Two residents recuse themselves from case A: the rest is no longer two thirds residents for A.
    const roster = [r('resident', ['A']), r('resident', ['A']), r('resident'), r('resident'), r('cadre')]
    const c = composition(roster, ['A', 'B'])
    expect(c.overall.ok).toBe(true)
    expect(c.cases.A).toEqual({ total: 3, residents: 2, ok: true })
    expect(composition([...roster, r('staff')], ['A']).cases.A).toEqual({ total: 4, residents: 2, ok: false })
  })
  it('shows shares and makes voting links absolute', () => {
    expect(pct(2 / 3)).toBe('67%')
    expect(pct(null)).toBe('—')
    expect(absoluteUrl('/m/#/vote/abc', 'https://jiuzhu.example:8443')).toBe('https://jiuzhu.example:8443/m/#/vote/abc')
    expect(absoluteUrl('https://x.example/m/#/vote/abc', 'https://jiuzhu.example')).toBe('https://x.example/m/#/vote/abc')
  })
})
