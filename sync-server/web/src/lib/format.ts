// Display helpers. Document times are unix milliseconds; API times (updated_at, history, workflow,
// devices) are unix seconds. `toMillis` accepts either, so a caller cannot get it wrong.

export function toMillis(t: number): number {
  return Math.abs(t) < 1e11 ? t * 1000 : t
}

const pad = (n: number) => String(n).padStart(2, '0')

/** `2026-03-05 14:07` in the browser's local time; empty for null. */
export function fmtTime(t: number | null | undefined, seconds = false): string {
  if (t === null || t === undefined || !Number.isFinite(t) || t === 0) return ''
  const d = new Date(toMillis(t))
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  return seconds ? `${s}:${pad(d.getSeconds())}` : s
}

export function fmtDate(t: number | null | undefined): string {
  return fmtTime(t).slice(0, 10)
}

/** 分 → `1,234.50` 元. */
export function fmtYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return ''
  const neg = fen < 0
  const abs = Math.abs(Math.round(fen))
  const yuan = Math.floor(abs / 100)
  const cents = abs % 100
  return `${neg ? '-' : ''}${yuan.toLocaleString('en-US')}.${pad(cents)}`
}

export function fmtBytes(n: number | null | undefined): string {
  if (!n) return ''
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

export function fmtGps(g: { lat: number; lon: number } | null | undefined): string {
  if (!g || !Number.isFinite(g.lat) || !Number.isFinite(g.lon)) return ''
  return `${g.lat.toFixed(5)}, ${g.lon.toFixed(5)}`
}

/** Any JSON value as one line of text for a table cell. */
export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** Non-empty parts joined by a neutral middle dot. */
export function joinParts(...parts: (string | null | undefined)[]): string {
  return parts.filter((p) => p && p.trim()).join(' · ')
}

/** Today as YYYY-MM-DD (local). */
export function today(now = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`
}

export function isOverdue(deadline: string | null | undefined, now = new Date()): boolean {
  return !!deadline && deadline < today(now)
}
