import { describe, expect, it } from 'vitest'
import { compareField, compareMembers, compareRows, countDifferences } from '../src/lib/diff'
import type { Declared, Visit } from '../src/types'

const declared: Declared = {
  members: [
    { id: 'd1', name: '巴特尔', relation: '本人', id_number: '150621198001011234', health: '健康' },
    { id: 'd2', name: '其其格', relation: '配偶', health: '慢性病' },
    { id: 'd3', name: '乌云', relation: '子女' },
  ],
  income: [
    { id: 'i1', category: 'business', item: '养羊', amount_fen: 1_200_000, period_months: 12 },
    { id: 'i2', category: 'wage', item: '务工', amount_fen: 300_000, period_months: 12 },
  ],
}

const visit: Visit = {
  members: [
    {
      id: 'v1', declared_id: 'd1', status: 'present',
      name: { declared: '巴特尔', verified: '巴特尔', matches: true },
      id_number: { declared: '150621198001011234', verified: '150621198001011243', matches: false, reason: '申报时抄错' },
      health: { matches: true },
    },
    // No declared_id: paired by name.
    { id: 'v2', status: 'present', name: { declared: '其其格', verified: '其其格' }, health: { verified: '重病', matches: false, reason: '新确诊' } },
    { id: 'v4', status: 'added', name: { verified: '孙子' }, change_reason: '随同居住' },
  ],
  income: [
    { id: 'x1', category: 'business', item: '养羊', amount_fen: 1_500_000, period_months: 12 },
    { id: 'x2', category: 'transfer', item: '草原补奖', amount_fen: 80_000, period_months: 12 },
  ],
}

describe('compareField', () => {
  it('a verified value equal to the declared one is no difference', () => {
    const c = compareField('name', { name: '巴特尔' }, { verified: '巴特尔 ' }, 'p')
    expect(c.differs).toBe(false)
    expect(c.checked).toBe(true)
  })
  it('a different verified value is a difference even if matches is not set', () => {
    expect(compareField('sex', { sex: '男' }, { verified: '女' }, null).differs).toBe(true)
  })
  it('matches=false is a difference with its reason', () => {
    const c = compareField('health', {}, { declared: '健康', matches: false, reason: '住院' }, null)
    expect(c).toMatchObject({ differs: true, declared: '健康', reason: '住院', matches: false })
  })
  it('Checked.declared wins over the declared member (it is what the tablet compared against)', () => {
    expect(compareField('name', { name: 'A' }, { declared: 'B', verified: 'B' }, null).differs).toBe(false)
  })
  it('nothing verified is unchecked and no difference', () => {
    const c = compareField('education', { education: '小学' }, undefined, null)
    expect(c).toMatchObject({ checked: false, differs: false, declared: '小学', verified: '' })
  })
})

describe('compareMembers', () => {
  const cmp = compareMembers(declared.members!, visit, 0)

  it('keeps declared order, then members added on the visit', () => {
    expect(cmp.map((m) => [m.name, m.status])).toEqual([
      ['巴特尔', 'present'],
      ['其其格', 'present'],
      ['乌云', 'not_visited'],
      ['孙子', 'added'],
    ])
  })
  it('pairs by declared_id and by name', () => {
    expect(cmp[0].verifiedIndex).toBe(0)
    expect(cmp[1].verifiedIndex).toBe(1)
    expect(cmp[2].verifiedIndex).toBeNull()
  })
  it('highlights every differing field with the reason and the path of the verified value', () => {
    const idn = cmp[0].fields.find((f) => f.field === 'id_number')!
    expect(idn).toMatchObject({ differs: true, reason: '申报时抄错', path: 'visits.0.members.0.id_number.verified' })
    expect(cmp[0].diffCount).toBe(1)
    const health = cmp[1].fields.find((f) => f.field === 'health')!
    expect(health).toMatchObject({ declared: '慢性病', verified: '重病', differs: true })
  })
  it('an added member counts as a difference and keeps its change reason', () => {
    expect(cmp[3].diffCount).toBe(1)
    expect(cmp[3].changeReason).toBe('随同居住')
    expect(cmp[3].declaredIndex).toBeNull()
  })
  it('hides fields with nothing to show', () => {
    expect(cmp[2].fields.map((f) => f.field)).toEqual(['name', 'relation'])
  })
  it('without a visit every declared member is not visited', () => {
    expect(compareMembers(declared.members!, undefined).every((m) => m.status === 'not_visited' && m.fields.every((f) => f.path === null))).toBe(true)
  })
  it('a removed member is a difference', () => {
    const v: Visit = { members: [{ declared_id: 'd3', status: 'removed', change_reason: '外出务工' }] }
    const c = compareMembers(declared.members!, v, 2)
    expect(c[2]).toMatchObject({ status: 'removed', diffCount: 1, changeReason: '外出务工' })
  })
})

describe('compareRows', () => {
  it('pairs rows by key fields, flags changed amounts, new rows and rows not verified', () => {
    const r = compareRows('income', declared.income as any, visit.income as any)
    expect(r.map((x) => x.status)).toEqual(['changed', 'missing', 'new'])
    expect(r[0].changed).toEqual(['amount_fen'])
    expect(r[0].verifiedIndex).toBe(0)
    expect(r[2].verifiedIndex).toBe(1)
  })
  it('pairs by id first', () => {
    const r = compareRows('property', [{ id: 'p', kind: 'house', description: '砖房' }], [{ id: 'p', kind: 'house', description: '土坯房' }])
    expect(r).toHaveLength(1)
    expect(r[0].changed).toEqual(['description'])
  })
  it('equal rows are the same', () => {
    const r = compareRows('expenditures', [{ kind: 'medical', amount_fen: 100 }], [{ kind: 'medical', amount_fen: 100 }])
    expect(r[0].status).toBe('same')
  })
})

it('countDifferences adds members and rows', () => {
  // id_number, health (2 fields) + added member (1) + changed income + new income
  expect(countDifferences(declared, visit, 0)).toBe(5)
  expect(countDifferences(declared, undefined)).toBe(0)
})
