// Turning what is typed into the JSON value the document stores, with validation first.
import * as v from './validate'
import type { MessageKey } from '../i18n'

export type FieldKind = 'text' | 'textarea' | 'amount' | 'int' | 'number' | 'date' | 'datetime' | 'id' | 'months' | 'select'

export type Parsed = { ok: true; value: unknown } | { ok: false; error: MessageKey }

/** Validate and convert. Empty numbers become null (every number in the schema is optional);
 *  empty text stays "" so required text fields still parse. */
export function parseInput(kind: FieldKind, raw: string, required = false): Parsed {
  const s = raw.trim()
  if (required && !s) return { ok: false, error: 'validation.required' }
  const check: Record<string, ((x: string) => MessageKey | null) | undefined> = {
    amount: v.amount,
    date: (x) => v.date(x),
    datetime: (x) => v.datetime(x),
    id: v.idNumber,
    months: v.months,
    number: v.number,
    int: (x) => (x && !/^\d+$/.test(x) ? 'validation.integer' : null),
  }
  const err = check[kind]?.(s) ?? null
  if (err) return { ok: false, error: err }
  switch (kind) {
    case 'amount':
      return { ok: true, value: s ? v.yuanToFen(s) : null }
    case 'int':
    case 'months':
      return { ok: true, value: s ? Number(s) : null }
    case 'number':
      return { ok: true, value: s ? Number(s) : null }
    case 'datetime':
      return { ok: true, value: s ? v.parseDateTime(s) : null }
    case 'id':
      return { ok: true, value: s.toUpperCase() }
    default:
      return { ok: true, value: s }
  }
}

/** The stored value as the input shows it. */
export function display(kind: FieldKind, value: unknown): string {
  if (value === null || value === undefined) return ''
  if (kind === 'amount') return v.fenToYuan(value as number)
  if (kind === 'datetime') return v.formatDateTime(value as number)
  return String(value)
}
