import { describe, it, expect } from 'vitest'
import jsQR from 'jsqr'
import { nextTick } from 'vue'
import type { Channel } from '@tauri-apps/api/core'
import type { Status } from '../src/lib/api'
import { PEER_ERROR_CODES, peerErrorText, resultLines, caseName, qrModules, qrPath, type PeerReport, type PeerEvent } from '../src/lib/peer'
import { has } from '../src/i18n'

const report = (o: Partial<PeerReport> = {}): PeerReport => ({
  peer_name: '李娜', peer_device: '平板2', cases: ['c1', 'c2'], documents_sent: 2, documents_received: 1,
  blobs_sent: 3, blobs_received: 0, bytes_up: 2048, bytes_down: 100, refused: [], ...o,
})

describe('face-to-face sync: errors', () => {
  it('says what happened and what to do for every code the core sends', () => {
    expect(PEER_ERROR_CODES.filter((c) => !has(`peer.errors.${c}`))).toEqual([])
    expect(peerErrorText({ code: 'no_credential', message: 'x' })).toContain('请先连接服务器同步一次')
    expect(peerErrorText({ code: 'wrong_secret', message: 'x' })).toContain('邀请码已失效，请对方重新显示')
    expect(peerErrorText({ code: 'other_server', message: 'x' })).toContain('不同的服务器')
  })
  it('falls back to the app-wide texts for the shell’s own codes', () => {
    expect(peerErrorText({ code: 'locked', message: 'x' })).toBe('请先输入密码解锁')
    expect(peerErrorText({ code: 'weird', message: 'boom' })).toBe('出错了：boom')
  })
})

describe('face-to-face sync: the result in plain words', () => {
  it('names the other investigator and device and counts documents and photos', () => {
    expect(resultLines(report())).toEqual([
      '已与李娜（平板2）交换 2 个共同负责的案件',
      '发出 2 份案件记录，收到 1 份',
      '照片和签名：发出 3 张，收到 0 张',
    ])
  })
  it('says so when the two share no case', () => {
    const lines = resultLines(report({ cases: [], documents_sent: 0, documents_received: 0, blobs_sent: 0, peer_device: '' }))
    expect(lines[0]).toBe('已连接李娜，但两人没有共同负责的案件')
    expect(lines[2]).toBe('没有需要交换的照片和签名')
  })
  it('names a case by applicant and number when this tablet has it', () => {
    const cases = [{ case_id: 'c1', case_no: 'DLT-1', applicant: '巴特尔' }]
    expect(caseName('c1', cases)).toBe('巴特尔 · DLT-1')
    expect(caseName('c9', cases)).toBe('c9')
  })
})

describe('face-to-face sync: the invitation QR code', () => {
  it('draws a code a camera reads back to the same text', () => {
    const text = 'jiuzhu-peer:1?addr=192.168.43.17:40123&secret=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA&fp=' + 'ab'.repeat(32)
    const m = qrModules(text)
    const margin = 4
    const scale = 4
    const n = (m.length + 2 * margin) * scale
    // Paint the modules as pixels (white quiet zone), then decode as the scanning tablet does.
    const px = new Uint8ClampedArray(n * n * 4).fill(255)
    m.forEach((row, r) =>
      row.forEach((dark, c) => {
        if (!dark) return
        for (let y = 0; y < scale; y++)
          for (let x = 0; x < scale; x++) {
            const i = (((r + margin) * scale + y) * n + (c + margin) * scale + x) * 4
            px[i] = px[i + 1] = px[i + 2] = 0
          }
      }),
    )
    expect(jsQR(px, n, n)?.data).toBe(text)
  })
  it('draws one square per dark module, inside the quiet zone', () => {
    const m = [[true, false], [false, true]]
    expect(qrPath(m)).toBe('M4 4h1v1h-1zM5 5h1v1h-1z')
    expect(qrPath(m, 0)).toBe('M0 0h1v1h-1zM1 1h1v1h-1z')
  })
})

describe('face-to-face sync: invitation lifecycle', () => {
  it('shows the outcome of the invitation on screen, and ignores one cancelled', async () => {
    const { mockIPC, clearMocks } = await import('@tauri-apps/api/mocks')
    const calls: string[] = []
    let channel: Channel<PeerEvent> | null = null
    mockIPC((cmd, args) => {
      calls.push(cmd)
      if (cmd === 'peer_invite') {
        channel = (args as { onResult: Channel<PeerEvent> }).onResult
        return `jiuzhu-peer:${calls.length}`
      }
      return null
    })
    const { peer, invite, cancelInvite } = await import('../src/lib/peer')
    await invite()
    expect([peer.mode, peer.busy, peer.invitation]).toEqual(['invite', true, 'jiuzhu-peer:1'])
    const first = channel!
    await cancelInvite()
    expect(calls).toEqual(['peer_invite', 'peer_cancel'])
    expect([peer.mode, peer.invitation]).toEqual(['choose', ''])
    // The cancelled invitation's wait ends later: nothing of it shows.
    first.onmessage({ kind: 'failed', error: { code: 'network', message: 'x' } })
    expect(peer.error).toBeNull()

    await invite()
    channel!.onmessage({ kind: 'done', summary: { report: report(), cases: [], finished_at: 1 } })
    expect(peer.busy).toBe(false)
    expect(peer.summary?.report.peer_name).toBe('李娜')

    // Locking the tablet voids a shown invitation: the screen forgets it too.
    const { session } = await import('../src/lib/session')
    session.status = { unlocked: true } as Status
    await invite()
    session.status = { unlocked: false } as Status
    await nextTick()
    expect([peer.mode, peer.invitation, peer.busy]).toEqual(['choose', '', false])
    clearMocks()
  })
  it('reports a failed join by its code', async () => {
    const { mockIPC, clearMocks } = await import('@tauri-apps/api/mocks')
    mockIPC((cmd, args) => {
      if (cmd === 'peer_join') throw { code: (args as { invitation: string }).invitation === '' ? 'bad_invitation' : 'network', message: 'x' }
      return null
    })
    const { peer, startJoin, join } = await import('../src/lib/peer')
    startJoin()
    await join('   ')
    expect([peer.mode, peer.busy, peer.error?.code]).toEqual(['join', false, 'bad_invitation'])
    clearMocks()
  })
})
