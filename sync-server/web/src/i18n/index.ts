import zhCN from './zh-CN'

// One catalogue per language with the same shape; zh-CN is the reference.
type Tree = { [k: string]: string | Tree }
const catalogues: Record<string, Tree> = { 'zh-CN': zhCN }
let current: Tree = zhCN

export function setLocale(name: string) {
  if (catalogues[name]) current = catalogues[name]
}

/** Look up a dotted key; `undefined` when absent. */
export function lookup(key: string, tree: Tree = current): string | undefined {
  let node: string | Tree | undefined = tree
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined
    node = node[part]
  }
  return typeof node === 'string' ? node : undefined
}

/** Translate `key`, replacing `{name}` placeholders. A missing key shows itself (and tests fail). */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const s = lookup(key) ?? key
  return s.replace(/\{(\w+)\}/g, (m, p) => (p in params ? String(params[p]) : m))
}

/** A label for an enumerated value (e.g. `states`, `accepted`), falling back to the raw value. */
export function label(group: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return lookup('app.empty') ?? ''
  return lookup(`${group}.${value}`) ?? value
}

/** Names joined the way the language lists them (、 in Chinese). */
export function list(items: readonly string[] | null | undefined): string {
  return (items ?? []).join(lookup('app.listSep') ?? ', ')
}

export { zhCN }
