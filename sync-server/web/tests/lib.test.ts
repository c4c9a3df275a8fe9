import { describe, expect, it } from 'vitest'
import { fmtGps, fmtTime, fmtYuan, isOverdue, toMillis } from '../src/lib/format'
import { parseTyped } from '../src/lib/values'
import { describeActor, describeChange, describeFieldChange, describePath, describeValue } from '../src/lib/paths'
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
    expect(describePath('header.village')).toBe('基本信息 · 嘎查村/社区')
    expect(describePath('header.unheard_of')).toBe('header.unheard_of')
  })
  it('names every field the visit records (issue 12), never a bare path', () => {
    const d: CaseDoc = {
      visits: [{
        members: [{ id: 'm1', name: { verified: '高娃' } }],
        supporters: [{ name: '巴图', relation: '子女' }],
      }],
    }
    expect(describePath('visits.0.visited_at', d)).toBe('第 1 次调查 · 入户时间')
    expect(describePath('visits.0.opinion', d)).toBe('第 1 次调查 · 调查人员意见')
    expect(describePath('visits.0.household.bank_account_no', d)).toBe('第 1 次调查 · 家庭情况 · 银行账号')
    expect(describePath('visits.0.household.single_person_condition', d)).toBe('第 1 次调查 · 家庭情况 · 单人保情形')
    expect(describePath('visits.0.supporters.0.income_fen_month', d)).toBe('第 1 次调查 · 赡养（抚养、扶养）义务人 · 巴图 · 家庭月收入（元）')
    expect(describePath('visits.0.members.0.self_care.eating', d)).toBe('第 1 次调查 · 家庭成员 · 高娃 · 生活自理能力 · 自主吃饭')
    expect(describePath('visits.0.members.0.caregiver', d)).toBe('第 1 次调查 · 家庭成员 · 高娃 · 照料护理人')
    expect(describePath('visits.0.members.0.health.reason', d)).toBe('第 1 次调查 · 家庭成员 · 高娃 · 健康状况 · 不一致原因')
    expect(describePath('visits.0.income.1.detail.head_count', d)).toBe('第 1 次调查 · 收入 · #2 · 存栏（头/只）')
    expect(describePath('visits.0.income.1.exempt', d)).toBe('第 1 次调查 · 收入 · #2 · 不计入')
    expect(describePath('visits.0.property.0.plate', d)).toBe('第 1 次调查 · 财产 · #1 · 号牌')
    expect(describePath('declared.income.0.amount_fen', d)).toBe('申报 · 收入 · #1 · 金额（元）')
    expect(describePath('review_notes.2', d)).toBe('审核意见与回复 · #3')
  })
  it('shows stored values in words', () => {
    expect(describeValue('visits.0.living.housing_type', 'self_built')).toBe('自建房')
    expect(describeValue('visits.0.property.1.kind', 'internet_finance')).toBe('互联网金融资产（余额宝、理财通等）')
    expect(describeValue('visits.0.income.0.category', 'wage')).toBe('工资性收入')
    expect(describeValue('visits.0.household.application_method', 'agent')).toBe('委托申请')
    expect(describeValue('visits.0.household.current_benefit_fen', 56000)).toBe('560.00')
    expect(describeValue('visits.0.members.0.self_care.eating', true)).toBe('是')
    expect(describeValue('visits.0.living.housing', '土坯房')).toBe('土坯房')
    expect(describeValue('visits.0.property.0.kind', '自留地')).toBe('自留地')
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
    expect(describeChange('finalize visit')).toBe('签署封存入户调查')
    expect(describeChange('application corrected (补正)')).toBe('申请补正')
    expect(describeChange('remove supporters')).toBe('删除一行赡养（抚养、扶养）义务人')
  })
})

it('the QR SVG becomes an image data URL (never markup in the page)', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><text>码</text></svg>'
  const url = svgDataUrl(svg)
  expect(url.startsWith('data:image/svg+xml;base64,')).toBe(true)
  const decoded = new TextDecoder().decode(Uint8Array.from(atob(url.split(',')[1]), (c) => c.charCodeAt(0)))
  expect(decoded).toBe(svg)
})

describe('describeFieldChange', () => {
  it('says what a change wrote, old → new, in words', () => {
    expect(describeFieldChange({ path: 'visits.0.living.housing', old: '土坯房', new: '砖瓦房' })).toBe('第 1 次调查 · 吃穿住用 · 住：土坯房 → 砖瓦房')
    expect(describeFieldChange({ path: 'visits.0.income.0.amount_fen', old: null, new: 120000 })).toContain('（空） → 1,200.00')
    expect(describeFieldChange({ path: 'visits.0.income.1', old: null, new: { id: 'r', category: 'wage' } })).toMatch(/^新增 /)
    expect(describeFieldChange({ path: 'visits.0.income.1', old: { id: 'r' }, new: null })).toMatch(/^删除 /)
    expect(describeFieldChange({ path: 'visits.0.content_hash', old: null, new: 'ab'.repeat(32) })).toBeNull()
    expect(describeFieldChange({ path: 'visits.0.visited_at', old: null, new: Date.UTC(2026, 10, 20, 1, 30) })).toMatch(/2026-11-20 \d\d:30$/)
  })
})
