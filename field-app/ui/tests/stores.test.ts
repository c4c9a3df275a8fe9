import { describe, it, expect, vi, beforeEach } from 'vitest'
import { groupOf, grouped, syncBadge, formatBytes, byVillageThenDeadline, isOutreachRow } from '../src/lib/cases'
import type { CaseRow } from '../src/lib/api'
import { notesAt, sectionOf, sumFen, memberOptions } from '../src/lib/doc'

const row = (o: Partial<CaseRow>): CaseRow => ({
  case_id: 'c', case_no: 'N', applicant: 'A', village: 'V', deadline: null, status: 'investigating', flags: [], visits: 1,
  finalized: false, open_notes: 0, conflicts: 0, unsynced: false, withdrawn: false, set_aside: false, pending_photos: 0, photos_pending: 0, pending_items: 0, touched: false, ...o,
})

describe('case list', () => {
  it('groups by state', () => {
    expect(groupOf(row({}))).toBe('todo')
    expect(groupOf(row({ touched: true }))).toBe('doing')
    expect(groupOf(row({ finalized: true, unsynced: true }))).toBe('toSync')
    expect(groupOf(row({ finalized: true, pending_photos: 2 }))).toBe('toSync')
    expect(groupOf(row({ finalized: true }))).toBe('done')
    // A return for correction reaches the tablet as review notes to answer.
    expect(groupOf(row({ finalized: true, open_notes: 1 }))).toBe('returned')
    expect(groupOf(row({ finalized: false, touched: true, open_notes: 2 }))).toBe('returned')
    // An objection during 公示 sends a 重新核查 note to a sealed, accepted case.
    expect(groupOf(row({ status: 'objection_handling', finalized: true, open_notes: 1 }))).toBe('returned')
  })
  it('badges the sync state, conflicts first', () => {
    expect(syncBadge(row({ conflicts: 1, unsynced: true }))).toBe('conflict')
    expect(syncBadge(row({ pending_photos: 1, unsynced: true }))).toBe('photos')
    expect(syncBadge(row({ unsynced: true }))).toBe('local')
    expect(syncBadge(row({}))).toBe('synced')
  })
  it('keeps group order, drops empty groups and withdrawn cases', () => {
    const g = grouped([row({ case_id: '1', finalized: true }), row({ case_id: '2' }), row({ case_id: '3', withdrawn: true })])
    expect(g.map((x) => x.group)).toEqual(['todo', 'done'])
  })
  it('orders the tiles of a group by village, then deadline', () => {
    const rows = [
      row({ case_id: '1', village: '王爱召嘎查', deadline: '2026-12-31' }),
      row({ case_id: '2', village: '示例村', deadline: null }),
      row({ case_id: '3', village: '王爱召嘎查', deadline: '2026-11-30' }),
      row({ case_id: '4', village: '示例村', deadline: '2026-12-01' }),
      row({ case_id: '5', village: '王爱召嘎查', deadline: '2026-11-30' }),
    ]
    // 示例村 (shì) before 王爱召嘎查 (wáng); the earliest due date first, none last, ties as listed.
    expect(byVillageThenDeadline(rows).map((r) => r.case_id)).toEqual(['4', '2', '3', '5', '1'])
    expect(rows.map((r) => r.case_id)).toEqual(['1', '2', '3', '4', '5'])
    const g = grouped([...rows, row({ case_id: '6', village: '示例村', finalized: true })])
    expect(g.map((x) => [x.group, x.rows.map((r) => r.case_id)])).toEqual([['todo', ['4', '2', '3', '5', '1']], ['done', ['6']]])
  })
  it('tells a 探访 by its header flag', () => {
    expect(isOutreachRow(row({ flags: ['探访'] }))).toBe(true)
    expect(isOutreachRow(row({ flags: ['变更核查'] }))).toBe(false)
    expect(isOutreachRow(row({}))).toBe(false)
  })
  it('formats bytes', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(2048)).toBe('2.0 KB')
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB')
  })
})

describe('document helpers', () => {
  const doc = {
    review_notes: [
      { id: 'n1', path: 'visits.0.income.1.amount_fen', text: 'x', resolved: false },
      { id: 'n2', path: 'visits.0.living', text: 'y', resolved: true },
    ],
  }
  it('finds open notes at a field or below a section', () => {
    expect(notesAt(doc, 'visits.0.income').map((n: { id: string }) => n.id)).toEqual(['n1'])
    expect(notesAt(doc, 'visits.0.income.1.amount_fen')).toHaveLength(1)
    expect(notesAt(doc, 'visits.0.living')).toHaveLength(0)
  })
  it('maps a path to its form section', () => {
    expect(sectionOf('visits.0.income.1.amount_fen')).toBe('income')
    expect(sectionOf('visits.0.signatures')).toBe('sign')
    expect(sectionOf('visits.0.method')).toBe('basic')
    expect(sectionOf('header.case_no')).toBe('basic')
  })
  it('sums net income and lists members not removed', () => {
    expect(sumFen([{ amount_fen: 1000, cost_fen: 200 }, { amount_fen: 50 }])).toBe(850)
    const v = { members: [{ id: 'a', name: { declared: '甲' } }, { id: 'b', status: 'removed', name: { declared: '乙' } }, { id: 'c', name: { declared: '丙', verified: '丙丙' } }] }
    expect(memberOptions(v)).toEqual([{ id: 'a', name: '甲' }, { id: 'c', name: '丙丙' }])
  })
})

describe('session store', () => {
  beforeEach(() => vi.resetModules())
  it('turns command errors into Chinese messages', async () => {
    const { errorText } = await import('../src/lib/session')
    expect(errorText({ code: 'no_network', message: 'x' })).toContain('无法连接服务器')
    expect(errorText({ code: 'certificate_changed', message: 'x' })).toContain('证书已变更')
    expect(errorText({ code: 'device_revoked', message: 'x' })).toContain('停用')
    expect(errorText({ code: 'pin_locked', message: 'x', seconds: 42 })).toContain('42')
    expect(errorText({ code: 'weird', message: 'boom' })).toContain('boom')
  })
  it('accumulates sync progress', async () => {
    const { applySyncEvent, session } = await import('../src/lib/session')
    applySyncEvent({ kind: 'round', round: 1, documents: 3 })
    applySyncEvent({ kind: 'round', round: 2, documents: 1 })
    applySyncEvent({ kind: 'blob', hash: 'h', sent: 100, total: 400, all_total: 1000, all_sent: 700 })
    expect(session.sync.round).toBe(2)
    expect(session.sync.documents).toBe(4)
    expect(session.sync.docsDone).toBe(true)
    expect([session.sync.photoSent, session.sync.photoTotal]).toEqual([700, 1000])
  })
  it('runs a sync through the shell and records the summary', async () => {
    const { mockIPC, clearMocks } = await import('@tauri-apps/api/mocks')
    const summary = { report: { rounds: 2, documents_sent: 1, documents_received: 0, blobs_sent: 1, blob_bytes_sent: 10 }, cases: [], finished_at: 1 }
    mockIPC((cmd) => {
      if (cmd === 'sync') return summary
      if (cmd === 'status') return { enrolled: true, pin_set: true, unlocked: true, syncing: false, last_sync_at: 1 }
      return null
    })
    const { startSync, session } = await import('../src/lib/session')
    await startSync()
    expect(session.sync.summary).toEqual(summary)
    expect(session.sync.running).toBe(false)
    expect(session.status?.last_sync_at).toBe(1)
    mockIPC((cmd) => {
      if (cmd === 'sync') throw { code: 'device_revoked', message: 'revoked' }
      return { enrolled: true }
    })
    await startSync()
    expect(session.sync.error?.code).toBe('device_revoked')
    clearMocks()
  })
})
