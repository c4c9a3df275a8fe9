import { lookup, t } from '../i18n'
import { ApiError } from '../api'

/** A message for people: the catalogue's text for the error code, else the server's, else generic. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'network') return t('app.network')
    // A refused input is best explained by the server's own sentence.
    if (e.code === 'invalid' && e.message) return e.message
    return lookup(`errors.${e.code}`) ?? (e.message || t('app.genericError'))
  }
  return t('app.genericError')
}
