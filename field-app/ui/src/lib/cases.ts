// How the case list groups and badges cases (design §6).
import type { CaseRow } from './api'
import { isOutreachFlags } from './sections'

export const GROUPS = ['todo', 'doing', 'toSync', 'returned', 'done'] as const
export type Group = (typeof GROUPS)[number]

export function groupOf(c: CaseRow): Group {
  const sealedLocally = c.finalized && (c.unsynced || c.pending_photos > 0)
  // A note to answer puts the case first, whatever its state: a return for correction, or the
  // 重新核查 task an objection raised during 公示 sends back to the team.
  if (c.open_notes > 0) return 'returned'
  if (sealedLocally) return 'toSync'
  if (c.finalized) return 'done'
  if (c.touched || c.unsynced) return 'doing'
  return 'todo'
}

export type SyncBadge = 'conflict' | 'photos' | 'local' | 'synced'

export function syncBadge(c: CaseRow): SyncBadge {
  if (c.conflicts > 0) return 'conflict'
  if (c.pending_photos > 0) return 'photos'
  if (c.unsynced) return 'local'
  return 'synced'
}

/** A 探访 (the server's header flag) rather than an investigation. */
export function isOutreachRow(c: CaseRow): boolean {
  return isOutreachFlags(c.flags)
}

const byVillage = new Intl.Collator('zh-Hans-CN')

/** Tiles of one group the way a team plans its rounds (定期探访 are listed by village with due
 *  dates): by village, then the earliest deadline first (none last), else as they came. */
export function byVillageThenDeadline(rows: readonly CaseRow[]): CaseRow[] {
  return rows
    .map((r, n) => ({ r, n }))
    .sort((a, b) =>
      byVillage.compare(a.r.village ?? '', b.r.village ?? '')
      || (a.r.deadline ? 0 : 1) - (b.r.deadline ? 0 : 1)
      || (a.r.deadline ?? '').localeCompare(b.r.deadline ?? '')
      || a.n - b.n)
    .map((x) => x.r)
}

export function grouped(rows: CaseRow[]): { group: Group; rows: CaseRow[] }[] {
  return GROUPS.map((group) => ({ group, rows: byVillageThenDeadline(rows.filter((r) => !r.withdrawn && groupOf(r) === group)) })).filter(
    (g) => g.rows.length > 0,
  )
}

/** Unix seconds → "2026-05-01 14:03" in local time. */
export function formatTime(s: number | null | undefined): string {
  if (!s) return ''
  const d = new Date(s * 1000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
