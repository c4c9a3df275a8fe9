// The phone pages' messages. zh-CN.ts is the reference catalogue; another language (Mongolian,
// `mn-Mong`) is a catalogue of the same shape, possibly partial: a missing key falls back to
// Chinese. The translation function is `tr` (the console's `t` checks keys against its own
// catalogue).
import zhCN from './zh-CN'

export type Tree = { [k: string]: string | Tree }
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>
}[keyof T & string]
/** A dotted key of the reference catalogue, e.g. `home.apply`. */
export type MessageKey = Leaves<typeof zhCN>

export const REFERENCE = 'zh-CN'
/** The second language of the title blocks on the public pages. */
export const SECOND_LOCALE = 'mn-Mong'

const catalogues: Record<string, Tree> = { [REFERENCE]: zhCN }
let current = REFERENCE

/** Add (or replace) the catalogue of `locale`. */
export function addCatalogue(locale: string, tree: Tree) {
  catalogues[locale] = tree
}
export function removeCatalogue(locale: string) {
  if (locale !== REFERENCE) delete catalogues[locale]
  if (current === locale) current = REFERENCE
}
export function setLocale(locale: string) {
  if (catalogues[locale]) current = locale
}
export function locale(): string {
  return current
}

/** A dotted key in one catalogue; undefined when absent (or empty). */
export function lookup(key: string, locale: string = current): string | undefined {
  let node: string | Tree | undefined = catalogues[locale]
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined
    node = node[part]
  }
  return typeof node === 'string' && node !== '' ? node : undefined
}

function fill(s: string, params: Record<string, string | number>): string {
  return s.replace(/\{(\w+)\}/g, (m, p) => (p in params ? String(params[p]) : m))
}

/** Translate `key`, filling `{name}` placeholders. The current language, else Chinese, else the
 *  key itself (which the catalogue test turns into a failure). */
export function tr(key: MessageKey | (string & {}), params: Record<string, string | number> = {}): string {
  return fill(lookup(key) ?? lookup(key, REFERENCE) ?? key, params)
}

/** Whether the key exists (in the reference catalogue). */
export function has(key: string): boolean {
  return lookup(key, REFERENCE) !== undefined
}

/** The text of `key` in the second language, or undefined when that catalogue lacks it: the
 *  Mongolian line of a title block is shown only when there is a Mongolian text. */
export function secondLine(key: string, params: Record<string, string | number> = {}): string | undefined {
  const s = lookup(key, SECOND_LOCALE)
  return s === undefined ? undefined : fill(s, params)
}

/** Values the API stores as Chinese words (relation 本人, sex 女, health 慢性病 …) are always
 *  taken from the reference catalogue, whatever language the page shows. */
export function apiValue(key: string): string {
  return lookup(key, REFERENCE) ?? key
}

/** Items joined the way the language lists them. */
export function list(items: readonly string[]): string {
  return items.join(tr('app.listSep'))
}

export { zhCN }
