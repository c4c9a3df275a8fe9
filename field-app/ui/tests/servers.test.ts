import { describe, it, expect } from 'vitest'
import { checkStation, ordered, reachedText, sameUrl, serverName, type KnownServer } from '../src/lib/servers'
import { t } from '../src/i18n'

const banner: KnownServer = { url: 'https://banner.example:8443', fingerprint: 'AA:AA', label: 'enrolled', enrolled: true }
const station: KnownServer = { url: 'https://10.0.0.9:8443', fingerprint: 'BB:BB', label: '树林召镇同步站', enrolled: false }

describe('servers: names on screen', () => {
  it('calls the enrolled server by the app’s word and a station by its label', () => {
    expect(serverName(banner)).toBe('登记服务器')
    expect(serverName(station)).toBe('树林召镇同步站')
    expect(serverName({ ...station, label: '  ' })).toBe('乡镇同步站')
  })
  it('lists the enrolled server first, the stations in the order added', () => {
    const second = { ...station, url: 'https://10.0.0.10:8443', label: '乌兰镇同步站' }
    expect(ordered([station, banner, second]).map((s) => s.url)).toEqual([banner.url, station.url, second.url])
  })
})

describe('servers: which server a sync reached', () => {
  it('names the server whose address the report gives', () => {
    expect(reachedText('https://10.0.0.9:8443', [banner, station])).toBe('已与 树林召镇同步站 同步')
    expect(reachedText('https://banner.example:8443', [banner, station])).toBe('已与 登记服务器 同步')
  })
  it('compares addresses as the core keeps them (no trailing slash, no blanks)', () => {
    expect(sameUrl(' https://10.0.0.9:8443/ ', 'https://10.0.0.9:8443')).toBe(true)
    expect(reachedText('https://10.0.0.9:8443/', [station])).toBe('已与 树林召镇同步站 同步')
  })
  it('shows the address of a server the list does not know, and nothing without a report', () => {
    expect(reachedText('https://elsewhere:1', [banner])).toBe('已与 https://elsewhere:1 同步')
    expect(reachedText(undefined, [banner])).toBe('')
    expect(reachedText('', [banner])).toBe('')
  })
})

describe('servers: the add form', () => {
  it('wants an https address, as the enroll screen does', () => {
    expect(checkStation('http://10.0.0.9:8443', [banner])).toBe('validation.serverUrl')
    expect(checkStation('10.0.0.9', [banner])).toBe('validation.serverUrl')
    expect(checkStation('', [banner])).toBe('validation.serverUrl')
    expect(checkStation(' https://10.0.0.9:8443 ', [banner])).toBeNull()
  })
  it('refuses an address already known, before asking the tablet', () => {
    expect(checkStation('https://10.0.0.9:8443/', [banner, station])).toBe('error.server_known')
    expect(t(checkStation(banner.url, [banner])!)).toBe('这个服务器地址已经添加过了')
  })
})
