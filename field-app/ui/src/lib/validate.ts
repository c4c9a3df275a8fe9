// Inline validation of what investigators type. Each function returns a catalogue key for the
// error, or null when the value is fine; empty values are left to `required`.
import type { MessageKey } from '../i18n'

type Check = MessageKey | null

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

/** GB 11643-1999 citizen identity number: 17 digits, a valid birth date, and the ISO 7064
 *  MOD 11-2 check character. */
export function idNumber(v: string): Check {
  const s = v.trim().toUpperCase()
  if (!s) return null
  if (!/^\d{17}[\dX]$/.test(s)) return 'validation.idNumber'
  const birth = `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`
  if (date(birth) !== null) return 'validation.idNumber'
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(s[i]), 0)
  return ID_CHECK[sum % 11] === s[17] ? null : 'validation.idChecksum'
}

/** The check character an ID number's first 17 digits call for. */
export function idCheckChar(first17: string): string {
  return ID_CHECK[ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0) % 11]
}

/** The birth date an ID number encodes, as YYYY-MM-DD. */
export function birthFromId(v: string): string | null {
  const s = v.trim()
  return /^\d{17}[\dXx]$/.test(s) ? `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}` : null
}

export function date(v: string, today: Date = new Date()): Check {
  const s = v.trim()
  if (!s) return null
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return 'validation.date'
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const dt = new Date(Date.UTC(y, mo - 1, d))
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d || y < 1900) {
    return 'validation.dateInvalid'
  }
  const t = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())
  return dt.getTime() > t ? 'validation.dateFuture' : null
}

/** Money typed in 元 with at most two decimals. */
export function amount(v: string): Check {
  const s = v.trim()
  if (!s) return null
  return /^\d{1,12}(\.\d{1,2})?$/.test(s) ? null : 'validation.amount'
}

/** 元 as typed → 分 (integer, exact: no floating point). */
export function yuanToFen(v: string): number | null {
  const s = v.trim()
  if (amount(s) !== null || !s) return null
  const [i, f = ''] = s.split('.')
  return Number(i) * 100 + Number((f + '00').slice(0, 2))
}

export function fenToYuan(f: number | null | undefined): string {
  if (f === null || f === undefined) return ''
  const neg = f < 0
  const a = Math.abs(f)
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`
}

export function months(v: string): Check {
  const s = v.trim()
  if (!s) return null
  return /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 12 ? null : 'validation.months'
}

export function number(v: string): Check {
  const s = v.trim()
  if (!s) return null
  return /^\d+(\.\d+)?$/.test(s) ? null : 'validation.number'
}

export function pin(v: string): Check {
  return /^\d{6,12}$/.test(v) ? null : 'error.pin_format'
}

export function serverUrl(v: string): Check {
  return /^https:\/\/[^\s/]+/.test(v.trim()) ? null : 'validation.serverUrl'
}

/** A moment typed as YYYY-MM-DD HH:MM (local time), not later than today. */
export function datetime(v: string, today: Date = new Date()): Check {
  const s = v.trim()
  if (!s) return null
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})$/.exec(s)
  if (!m) return 'validation.datetime'
  const d = date(m[1], today)
  if (d) return d
  return Number(m[2]) < 24 && Number(m[3]) < 60 ? null : 'validation.datetime'
}

/** YYYY-MM-DD HH:MM (local time) → unix milliseconds; null when it does not parse. */
export function parseDateTime(v: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/.exec(v.trim())
  if (!m) return null
  const [y, mo, d, h, mi] = m.slice(1).map(Number)
  return new Date(y, mo - 1, d, h, mi).getTime()
}

/** Unix milliseconds → YYYY-MM-DD HH:MM in local time. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}
