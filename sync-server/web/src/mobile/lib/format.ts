// Money, dates and phone numbers as the pages show them. Money is integer 分 on the wire.

/** 分 → "560.00" (no floating point). */
export function fenToYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return ''
  const neg = fen < 0
  const a = Math.abs(Math.round(fen))
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`
}

/** Yuan as typed ("1200", "1200.5") → 分; null when empty or not a plain amount. */
export function yuanToFen(v: string): number | null {
  const s = v.trim()
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(s)) return null
  const [i, f = ''] = s.split('.')
  return Number(i) * 100 + Number((f + '00').slice(0, 2))
}

const CHINA_OFFSET = 8 * 3600

function parts(unixSeconds: number) {
  const d = new Date((unixSeconds + CHINA_OFFSET) * 1000)
  const p = (n: number) => String(n).padStart(2, '0')
  return {
    date: `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`,
    time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`,
  }
}

/** Unix seconds → "2026-11-27" in China time (whatever the phone's own time zone). A date the
 *  server already wrote as YYYY-MM-DD (CaseSummary.updated_at is one) is shown as it is. */
export function formatDate(unixSeconds: number | string | null | undefined): string {
  if (typeof unixSeconds === 'string') return /^\d{4}-\d{2}-\d{2}/.test(unixSeconds) ? unixSeconds.slice(0, 10) : ''
  if (!unixSeconds || !Number.isFinite(unixSeconds)) return ''
  return parts(unixSeconds).date
}

/** Unix seconds → "2026-11-27 14:05" in China time. */
export function formatDateTime(unixSeconds: number | null | undefined): string {
  if (!unixSeconds) return ''
  const p = parts(unixSeconds)
  return `${p.date} ${p.time}`
}

/** A mainland mobile number: 11 digits starting with 1. */
export function validPhone(v: string): boolean {
  return /^1\d{10}$/.test(v.trim())
}

/** "13800000000" → "138****0000". */
export function maskPhone(v: string): string {
  return /^\d{11}$/.test(v) ? `${v.slice(0, 3)}****${v.slice(7)}` : v
}
