// The case's audit trail (GET /cases/{id}/audit) for people.
import { t, label, list, lookup } from '../i18n'
import { describePath, describeValue } from './paths'
import { fmtValue } from './format'
import { WORKFLOW_ACTIONS, type AuditEvent, type CaseDoc } from '../types'

/** The API answers oldest first; people read the latest first (same second: later record first). */
export function newestFirst(events: readonly AuditEvent[] | null | undefined): AuditEvent[] {
  return (events ?? [])
    .map((e, i) => [e, i] as const)
    .sort((a, b) => b[0].at - a[0].at || b[1] - a[1])
    .map(([e]) => e)
}

/**
 * A workflow or audit record's `detail` in words: the team assigned, the notes returned, the value a
 * conflict was resolved to, the comment, how many changes a tablet merged, which photo or device.
 * Anything else shows as JSON so nothing is hidden; an empty detail shows nothing.
 */
export function describeDetail(d: unknown, doc?: CaseDoc): string {
  if (d === null || d === undefined) return ''
  if (typeof d !== 'object') return String(d)
  const o = d as Record<string, unknown>
  if (!Object.keys(o).length) return ''
  const parts: string[] = []
  // A workflow move: the state before and after (a step that keeps the state shows none), its reason.
  if (typeof o.from === 'string' && typeof o.to === 'string' && o.from !== o.to)
    parts.push(t('audit.details.transition', { from: label('states', o.from), to: label('states', o.to) }))
  if (typeof o.reason === 'string' && o.reason) parts.push(o.reason)
  if (Array.isArray(o.team)) parts.push(list(o.team as string[]))
  if (Array.isArray(o.notes))
    for (const n of o.notes as { path?: string | null; text?: string }[])
      parts.push(t('app.labelled', { label: describePath(n.path, doc), value: n.text ?? '' }))
  if (typeof o.path === 'string') parts.push(`${describePath(o.path, doc)} = ${describeValue(o.path, o.value)}`)
  if (typeof o.comment === 'string' && o.comment) parts.push(o.comment)
  if (typeof o.changes === 'number') parts.push(t('audit.details.changes', { n: o.changes }))
  if (typeof o.rows === 'number') parts.push(t('audit.details.rows', { n: o.rows }))
  if (typeof o.hash === 'string') parts.push(t('audit.details.photo', { hash: o.hash.slice(0, 10) }))
  if (o.device !== undefined && o.device !== null) parts.push(t('audit.details.device', { device: fmtValue(o.device) }))
  if (parts.length) return parts.join(t('app.partSep'))
  // A move with nothing to add (the same state, no reason) says nothing rather than show its JSON.
  return 'from' in o && 'to' in o ? '' : JSON.stringify(d)
}

/** An audit record's action in words: the audit's own names, else the workflow action's name. */
export function auditActionLabel(action: string): string {
  return lookup(`audit.actions.${action}`) ?? label('workflow.actionNames', action)
}

/** Tag colour per kind of action: views and exports (PII access) vs changes vs sign-ins. */
export function actionKind(action: string): 'view' | 'change' | 'login' | 'device' | 'other' {
  if (action.startsWith('view_') || action.startsWith('export_')) return 'view'
  if (['merge', 'assign', 'resolve', 'return'].includes(action)) return 'change'
  if ((WORKFLOW_ACTIONS as readonly string[]).includes(action)) return 'change'
  if (action === 'login' || action === 'login_failed') return 'login'
  if (action === 'enroll' || action === 'revoke_device') return 'device'
  return 'other'
}
