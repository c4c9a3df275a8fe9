import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { terms, term, options, label, incomeItems, careTier, careAssessed, SELF_CARE_ITEMS } from '../src/lib/vocab'
import { zhCN } from '../src/i18n/zh-CN'

describe('vocabulary', () => {
  it('reads the one shared file, every group the tablet picks from', () => {
    const raw = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'shared', 'vocab', 'vocab.json'), 'utf8'))
    for (const g of ['sex', 'ethnicity', 'relation', 'hukou_type', 'marital_status', 'education', 'school_stage', 'health', 'disease',
      'disability_type', 'disability_grade', 'work_capacity', 'employment', 'application_method', 'visit_method', 'self_care_item',
      'care_tier', 'supporter_relation', 'supporter_unable', 'single_person_condition', 'income_category', 'income_item',
      'exempt_code', 'evidence', 'property_kind', 'vehicle_type', 'vehicle_use', 'housing_type', 'expenditure_kind', 'photo_tag']) {
      expect(terms(g).length, g).toBeGreaterThan(0)
      expect(terms(g)).toEqual(raw[g])
    }
    expect(terms('_comment')).toEqual([])
    expect(terms('no_such_group')).toEqual([])
  })
  it('gives options and labels, keeping a stored value the list lacks', () => {
    expect(options('application_method')).toEqual([{ value: 'self', text: '本人申请' }, { value: 'agent', text: '委托申请' }])
    expect(label('photo_tag', 'mandate')).toBe('委托书')
    expect(label('property_kind', 'internet_finance')).toContain('余额宝')
    expect(label('relation', '邻居')).toBe('邻居')
    expect(label('relation', '')).toBe('')
    expect(label('relation', null)).toBe('')
    expect(options('sex', undefined, '男').length).toBe(2)
    expect(options('sex', undefined, '未知').at(-1)).toEqual({ value: '未知', text: '未知' })
  })
  it('filters income items by category and carries their usual exemption', () => {
    const wage = incomeItems('wage').map((o) => o.value)
    expect(wage).toContain('工资')
    expect(wage).not.toContain('种植')
    expect(incomeItems('').length).toBe(terms('income_item').length)
    expect(incomeItems('business', '养羊（出栏 40 只）').at(-1)?.value).toBe('养羊（出栏 40 只）')
    expect(term('income_item', '基础养老金')?.exempt_code).toBe('basic_pension')
    expect(term('income_item', '工资')?.exempt_code).toBeUndefined()
    // Every pre-filled exemption is a code of the exempt_code group.
    for (const t of terms('income_item')) if (t.exempt_code) expect(term('exempt_code', t.exempt_code), t.code).toBeDefined()
  })
  it('counts the self-care tier as the rules do', () => {
    expect(SELF_CARE_ITEMS).toEqual(['eating', 'dressing', 'bed', 'toilet', 'walking', 'bathing'])
    const all = (v: boolean) => Object.fromEntries(SELF_CARE_ITEMS.map((k) => [k, v]))
    expect(careTier(all(false))).toEqual({ tier: 'capable', unable: 0 })
    expect(careTier({ ...all(false), walking: true, bathing: true })).toEqual({ tier: 'partly_lost', unable: 2 })
    expect(careTier({ ...all(true), eating: false, dressing: false })).toEqual({ tier: 'fully_lost', unable: 4 })
    expect(careTier({ ...all(false), bed: true, toilet: true, walking: true })?.tier).toBe('partly_lost')
    expect(careTier(all(true))).toEqual({ tier: 'fully_lost', unable: 6 })
    expect(careTier({ eating: true })).toBeNull()
    expect(careTier(undefined)).toBeNull()
    expect(careAssessed({ eating: true, dressing: false, bed: null })).toBe(2)
    for (const c of ['capable', 'partly_lost', 'fully_lost']) expect(term('care_tier', c)).toBeDefined()
  })
  it('has replaced the catalogue\'s own copies of these lists', () => {
    const v = zhCN.visit as Record<string, unknown>
    for (const k of ['incomeCategory', 'propertyKind', 'expenditureKind', 'housingType', 'photoTag', 'evidence', 'methods']) expect(v[k], k).toBeUndefined()
  })
})
