import { zhCN } from './zh-CN'

// A dotted key into the catalogue, e.g. 'cases.groups.todo'.
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>
}[keyof T & string]
export type MessageKey = Leaves<typeof zhCN>

const catalogue: Record<string, unknown> = zhCN

/** Look up a message by dotted key and fill `{param}`s. A missing key shows itself, which the
 *  catalogue-completeness test turns into a failure. */
export function t(key: MessageKey | string, params: Record<string, string | number> = {}): string {
  const v = key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), catalogue)
  if (typeof v !== 'string') return key
  return v.replace(/\{(\w+)\}/g, (_, p) => (p in params ? String(params[p]) : `{${p}}`))
}

/** Whether a key exists (for option lists built from codes, e.g. case types). */
export function has(key: string): boolean {
  return t(key) !== key
}

/** Label for a code under a group, falling back to the code itself. */
export function label(group: string, code: string | null | undefined): string {
  if (!code) return ''
  const k = `${group}.${code}`
  return has(k) ? t(k) : code
}
