// The servers a tablet syncs with (the enrolled one and the township stations added), and which
// one a sync reached, in the words the sync screen uses.
import { invoke } from '@tauri-apps/api/core'
import { serverUrl } from './validate'
import { t, type MessageKey } from '../i18n'

export interface KnownServer {
  url: string
  /** Grouped for reading (AB:CD:…). */
  fingerprint: string
  label: string
  /** The server the tablet enrolled at; it cannot be removed. */
  enrolled: boolean
}

export const serversApi = {
  list: () => invoke<KnownServer[]>('servers'),
  add: (url: string, fingerprint: string | null, label: string) =>
    invoke<KnownServer>('add_server', { url, fingerprint, label }),
  remove: (url: string) => invoke<void>('remove_server', { url }),
}

/** How a server is named on screen: the enrolled one by the app's word, a station by its label. */
export function serverName(s: KnownServer): string {
  return s.enrolled ? t('servers.enrolled') : s.label.trim() || t('servers.defaultLabel')
}

/** Addresses as the core keeps them: no blanks around, no trailing slash. */
export function sameUrl(a: string, b: string): boolean {
  const n = (u: string) => u.trim().replace(/\/+$/, '')
  return n(a) === n(b)
}

/** "已与 … 同步" for the server a sync reached; its address when the list does not know it. */
export function reachedText(reached: string | null | undefined, servers: KnownServer[]): string {
  if (!reached) return ''
  const s = servers.find((x) => sameUrl(x.url, reached))
  return t('servers.reached', { label: s ? serverName(s) : reached })
}

/** The enrolled server first, then the stations in the order they were added. */
export function ordered(servers: KnownServer[]): KnownServer[] {
  return [...servers.filter((s) => s.enrolled), ...servers.filter((s) => !s.enrolled)]
}

/** The add form's checks: a catalogue key for what is wrong with the address, or null. */
export function checkStation(url: string, servers: KnownServer[]): MessageKey | null {
  const e = serverUrl(url)
  if (e) return e
  return servers.some((s) => sameUrl(s.url, url)) ? 'error.server_known' : null
}
