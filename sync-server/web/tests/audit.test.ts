import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { actionKind, auditActionLabel, describeDetail, newestFirst } from '../src/lib/audit'
import { describeActor } from '../src/lib/paths'
import { label } from '../src/i18n'
import { AUDIT_ACTIONS, type AuditEvent } from '../src/types'
import AuditPanel from '../src/components/AuditPanel.vue'

const ev = (at: number, action: string, actor = 'console 张海燕', detail: unknown = {}): AuditEvent =>
  ({ at, actor, action, case_id: 'c1', detail })

describe('audit trail', () => {
  it('newest first; records in the same second keep the later one first', () => {
    const events = [ev(100, 'assign', 'admin'), ev(200, 'merge'), ev(200, 'view_case'), ev(150, 'view_history')]
    expect(newestFirst(events).map((e) => e.action)).toEqual(['view_case', 'merge', 'view_history', 'assign'])
    expect(events[0].action).toBe('assign') // the input is left alone
    expect(newestFirst(null)).toEqual([])
  })
  it('every action the server records has a name', () => {
    for (const a of AUDIT_ACTIONS) expect(label('audit.actions', a), a).not.toBe(a)
    expect(label('audit.actions', 'view_case')).toBe('查看案件')
    expect(label('audit.actions', 'merge')).toBe('平板同步')
    expect(label('audit.actions', 'something_new')).toBe('something_new')
  })
  it('actors read as in the history tab, the command-line admin included', () => {
    expect(describeActor('device 平板-01 (王建国)')).toBe('王建国（平板-01）')
    expect(describeActor('console 张海燕')).toBe('张海燕（审核工作台）')
    expect(describeActor('admin')).toBe('管理员（命令行）')
    expect(describeActor('admin (command line)')).toBe('管理员（命令行）')
  })
  it('details in words', () => {
    expect(describeDetail({ changes: 12 })).toBe('合并 12 项修改')
    expect(describeDetail({ team: ['王建国', '李明'] })).toBe('王建国、李明')
    expect(describeDetail({ comment: '同意' })).toBe('同意')
    expect(describeDetail({ hash: 'abcdef0123456789' })).toBe('照片 abcdef0123')
    expect(describeDetail({ path: 'visits.0.living.housing', value: '砖瓦房' })).toBe('第 1 次调查 · 吃穿住用 · 住 = 砖瓦房')
    expect(describeDetail({ notes: [{ path: null, text: '补照片' }] })).toBe('整体意见：补照片')
    expect(describeDetail({})).toBe('')
    expect(describeDetail({ odd: 1 })).toBe('{"odd":1}')
  })
  it('a workflow move: the states it went between (none for a step that keeps the state) and its reason', () => {
    expect(describeDetail({ from: 'submitted', to: 'accepted', reason: null })).toBe('已提交 → 已受理')
    expect(describeDetail({ from: 'investigating', to: 'investigating', reason: '经电话核实为砖瓦房' })).toBe('经电话核实为砖瓦房')
    expect(describeDetail({ from: 'investigating', to: 'investigating', reason: null })).toBe('')
  })
  it('workflow moves are named by their action (受理 is the workflow\'s, not the old 通过调查)', () => {
    expect(auditActionLabel('accept_visit')).toBe('验收入户调查')
    expect(auditActionLabel('resolve_conflict')).toBe('处理冲突值')
    expect(auditActionLabel('accept')).toBe('受理')
    expect(auditActionLabel('view_case')).toBe('查看案件')
    expect(auditActionLabel('something_new')).toBe('something_new')
    expect(actionKind('return_visit')).toBe('change')
    expect(actionKind('record_check_result')).toBe('change')
  })
  it('kinds of action', () => {
    expect(actionKind('view_photo')).toBe('view')
    expect(actionKind('export_case')).toBe('view')
    expect(actionKind('resolve')).toBe('change')
    expect(actionKind('login_failed')).toBe('login')
    expect(actionKind('enroll')).toBe('device')
  })
  it('the panel lists the events newest first with translated actions and actors', async () => {
    const w = mount(AuditPanel, {
      global: { plugins: [ElementPlus] },
      props: { events: [ev(1_795_000_000, 'merge', 'device 平板-01 (王建国)', { changes: 3 }), ev(1_795_000_100, 'view_case')] },
    })
    await flushPromises()
    const actions = w.findAll('[data-test=audit-action]').map((x) => x.attributes('data-action'))
    expect(actions).toEqual(['view_case', 'merge'])
    const text = w.find('[data-test=audit-table]').text()
    expect(text).toContain('查看案件')
    expect(text).toContain('王建国（平板-01）')
    expect(text).toContain('合并 3 项修改')
    expect(w.text()).toContain('共 2 条记录')
  })
})
