// GB 11643-1999 citizen identity numbers (18 characters): 6-digit area code, 8-digit birth date,
// 3-digit sequence (odd = male, even = female) and an ISO 7064 MOD 11-2 check character.
// The same rule as the tablet app's validator, written again here (no import across apps).

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

/** Why an ID number is wrong: `format` (not 17 digits + digit/X), `date` (no such birth date, or
 *  in the future), `checksum` (the last character does not match); null when it is valid. */
export type IdProblem = 'format' | 'date' | 'checksum'

/** Upper-case, spaces removed: what the person meant to type. */
export function normalizeId(v: string): string {
  return v.replace(/\s+/g, '').toUpperCase()
}

/** The check character the first 17 digits call for. */
export function idCheckChar(first17: string): string {
  return CHECK[WEIGHTS.reduce((acc, w, i) => acc + w * Number(first17[i]), 0) % 11]
}

export function checkId(v: string, today: Date = new Date()): IdProblem | null {
  const s = normalizeId(v)
  if (!/^\d{17}[\dX]$/.test(s)) return 'format'
  const y = Number(s.slice(6, 10))
  const m = Number(s.slice(10, 12))
  const d = Number(s.slice(12, 14))
  const dt = new Date(Date.UTC(y, m - 1, d))
  if (y < 1900 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return 'date'
  if (dt.getTime() > Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) return 'date'
  return idCheckChar(s) === s[17] ? null : 'checksum'
}

/** The birth date (YYYY-MM-DD) a well-formed ID number carries. */
export function birthFromId(v: string): string | null {
  const s = normalizeId(v)
  return /^\d{17}[\dX]$/.test(s) ? `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}` : null
}

/** `male` / `female` from the sequence number's last digit (the 17th character). */
export function sexFromId(v: string): 'male' | 'female' | null {
  const s = normalizeId(v)
  if (!/^\d{17}[\dX]$/.test(s)) return null
  return Number(s[16]) % 2 === 1 ? 'male' : 'female'
}
