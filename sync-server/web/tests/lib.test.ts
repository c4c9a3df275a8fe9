import { describe, expect, it } from 'vitest'
import { fmtGps, fmtTime, fmtYuan, isOverdue, toMillis } from '../src/lib/format'
import { parseTyped } from '../src/lib/values'
import { describeActor, describeChange, describePath } from '../src/lib/paths'
import { svgDataUrl } from '../src/lib/svg'
import type { CaseDoc } from '../src/types'

describe('format', () => {
  it('money in fen shows as yuan', () => {
    expect(fmtYuan(1_200_000)).toBe('12,000.00')
    expect(fmtYuan(5)).toBe('0.05')
    expect(fmtYuan(-150)).toBe('-1.50')
    expect(fmtYuan(null)).toBe('')
  })
  it('seconds and milliseconds give the same time', () => {
    expect(toMillis(1_760_000_000)).toBe(1_760_000_000_000)
    expect(fmtTime(1_760_000_000)).toBe(fmtTime(1_760_000_000_000))
    expect(fmtTime(null)).toBe('')
    expect(fmtTime(1_760_000_000)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/)
  })
  it('gps and overdue', () => {
    expect(fmtGps({ lat: 40.1234567, lon: 109.9876543 })).toBe('40.12346, 109.98765')
    expect(fmtGps(null)).toBe('')
    expect(isOverdue('2020-01-01', new Date(2026, 0, 1))).toBe(true)
    expect(isOverdue('2026-01-01', new Date(2026, 0, 1))).toBe(false)
    expect(isOverdue(null)).toBe(false)
  })
})

describe('parseTyped', () => {
  it('keeps the type of the values in conflict', () => {
    expect(parseTyped('360000', [120000, 240000])).toBe(360000)
    expect(parseTyped('砖瓦房', ['土坯房', '砖房'])).toBe('砖瓦房')
    expect(parseTyped('123', ['a', 'b'])).toBe('123')
    expect(parseTyped('是', [true, false])).toBe(true)
    expect(parseTyped('false', [true, false])).toBe(false)
    expect(parseTyped('', [null, 'x'])).toBe(null)
  })
})

describe('describePath', () => {
  const doc: CaseDoc = { visits: [{ members: [{ name: { verified: '乌云' } }] }] }
  it('names fields for people', () => {
    expect(describePath('visits.0.members.0.id_number.verified', doc)).toBe('第 1 次调查 · 家庭成员 · 乌云 · 身份证号')
    expect(describePath('visits.0.living.housing', doc)).toBe('第 1 次调查 · 吃穿住用 · 住')
    expect(describePath('visits.1.income.2.amount_fen', doc)).toBe('第 2 次调查 · 收入 · #3 · 金额（元）')
    expect(describePath(null)).toBe('整体意见')
    expect(describePath('header.village')).toBe('header.village')
  })
  it('names who wrote a change', () => {
    expect(describeActor('device 平板-03 (王建国)')).toBe('王建国（平板-03）')
    expect(describeActor('device T7')).toBe('平板 T7')
    expect(describeActor('console 张海燕')).toBe('张海燕（审核工作台）')
    expect(describeActor('server')).toBe('服务器')
    expect(describeActor('someone else')).toBe('someone else')
  })
  it('translates change messages', () => {
    expect(describeChange('assign team')).toBe('指派调查小组')
    expect(describeChange('set visits.0.living.housing')).toBe('修改 第 1 次调查 · 吃穿住用 · 住')
    expect(describeChange('resolve visits.0.living.housing')).toBe('处理冲突：第 1 次调查 · 吃穿住用 · 住')
    expect(describeChange('something new')).toBe('something new')
  })
})

it('the QR SVG becomes an image data URL (never markup in the page)', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><text>码</text></svg>'
  const url = svgDataUrl(svg)
  expect(url.startsWith('data:image/svg+xml;base64,')).toBe(true)
  const decoded = new TextDecoder().decode(Uint8Array.from(atob(url.split(',')[1]), (c) => c.charCodeAt(0)))
  expect(decoded).toBe(svg)
})
