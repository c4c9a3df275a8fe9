import { describe, it, expect } from 'vitest'
import { fieldLabel } from '../src/lib/doc'

const doc = {
  visits: [{ members: [{ name: { declared: '巴特尔' } }], income: [{}, {}] }],
}

describe('field labels', () => {
  it('names a document path in words, never the path', () => {
    expect(fieldLabel(doc, 'visits.0.living.housing')).toBe('吃穿住用 · 住：住房情况')
    expect(fieldLabel(doc, 'visits.0.members.0.ethnicity.verified')).toBe('家庭成员 · 巴特尔 · 民族')
    expect(fieldLabel(doc, 'visits.0.income.1.amount_fen')).toBe('收入 · 第 2 行 · 金额（元）')
    expect(fieldLabel(doc, 'visits.0.income.1.detail.crop')).toBe('收入 · 第 2 行 · 作物')
    expect(fieldLabel(doc, 'visits.0.members.0.self_care.bathing')).toBe('家庭成员 · 巴特尔 · 自主洗澡')
    expect(fieldLabel(doc, 'visits.0.household.bank_account_no')).toBe('家庭情况 · 账号')
    expect(fieldLabel(doc, 'visits.0.method')).toBe('基本信息 · 调查方式')
    const two = { visits: [{}, {}] }
    expect(fieldLabel(two, 'visits.1.auxiliary.water_fen_month')).toBe('第 2 次调查 · 辅助指标 · 每月水费（元）')
    for (const p of ['visits.0.living.housing', 'visits.0.income.1.amount_fen', 'header.status']) {
      expect(fieldLabel(doc, p)).not.toMatch(/visits|\.\d|_/)
    }
  })
})
