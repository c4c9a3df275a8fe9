import { t } from '../i18n'

// Typing a value for a conflict resolution: the typed text takes the JSON type of the values in
// conflict (a number stays a number, true/false a boolean), otherwise it is text.

export function parseTyped(input: string, samples: unknown[]): unknown {
  const s = input.trim()
  const kinds = new Set(samples.filter((v) => v !== null && v !== undefined).map((v) => typeof v))
  if (kinds.has('number') && s !== '' && Number.isFinite(Number(s))) return Number(s)
  if (kinds.has('boolean')) {
    if (['true', t('app.yes'), '1'].includes(s)) return true
    if (['false', t('app.no'), '0'].includes(s)) return false
  }
  if (s === '' && samples.some((v) => v === null)) return null
  return input
}
