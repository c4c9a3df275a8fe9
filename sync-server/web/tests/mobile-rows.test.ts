// The application's declared rows on the phone: 元 as typed ↔ 分 on the wire, and the same checks
// the server makes (a kind from the vocabulary, amount ≥ 0, 1–12 months, ≤ 100 characters, ≤ 30 rows).
import { describe, expect, it } from 'vitest'
import {
  checkExpenditure, checkIncome, checkProperty, checkRows, emptyExpenditure, emptyIncome, emptyProperty, expenditureRow,
  expenditureWords, incomeDraft, incomeItems, incomeRow, incomeWords, MAX_ROWS, parseMonths, propertyDraft, propertyRow, propertyWords,
} from '../src/mobile/lib/rows'
import { checkStep, normalizeApplication, toBody } from '../src/mobile/lib/application'
import { fenToYuan, yuanToFen } from '../src/mobile/lib/format'
import { emptyApplication } from '../src/mobile/types'

describe('declared rows: money and months', () => {
  it('yuan as typed ↔ fen, through the existing helpers', () => {
    expect(yuanToFen('6000')).toBe(600_000)
    expect(yuanToFen('12.5')).toBe(1250)
    expect(yuanToFen('-1')).toBeNull()
    expect(fenToYuan(1250)).toBe('12.50')
    const r = incomeRow({ ...emptyIncome(), category: 'business', item: '养殖', amount: '12000', months: '12' })
    expect(r).toMatchObject({ category: 'business', item: '养殖', amount_fen: 1_200_000, period_months: 12, note: null })
    // Back into the form: the amount in yuan, and fields the server added kept as they were.
    const d = incomeDraft({ ...r, id: 'r1', evidence: 'self_declared', cost_fen: 500 })
    expect(d).toMatchObject({ amount: '12000.00', months: '12' })
    expect(incomeRow(d)).toMatchObject({ id: 'r1', evidence: 'self_declared', cost_fen: 500, amount_fen: 1_200_000 })
  })
  it('months are whole numbers from 1 to 12', () => {
    expect(parseMonths('12')).toBe(12)
    expect(parseMonths(' 3 ')).toBe(3)
    for (const bad of ['0', '13', '1.5', '', 'six']) expect(parseMonths(bad), bad).toBeNull()
  })
  it('property: value and quantity optional; texts trimmed', () => {
    const p = propertyRow({ ...emptyProperty(), kind: 'internet_finance', description: ' 余额宝 ', value: '5000' })
    expect(p).toMatchObject({ kind: 'internet_finance', description: '余额宝', value_fen: 500_000, quantity: null, unit: null })
    const sheep = propertyRow({ ...emptyProperty(), kind: 'livestock', quantity: '30', unit: '只' })
    expect(sheep).toMatchObject({ quantity: 30, unit: '只', value_fen: null })
    expect(propertyDraft(sheep)).toMatchObject({ quantity: '30', unit: '只', value: '' })
    expect(expenditureRow({ ...emptyExpenditure(), kind: 'medical', amount: '3000', months: '12' }))
      .toMatchObject({ kind: 'medical', amount_fen: 300_000, period_months: 12 })
  })
  it('income items follow the chosen category', () => {
    expect(incomeItems('')).toEqual([])
    const business = incomeItems('business').map((x) => x.value)
    expect(business).toContain('养殖')
    expect(business).not.toContain('工资')
  })
})

describe('declared rows: checks mirror the server', () => {
  it('income: category and amount required, amount ≥ 0, months 1–12, note ≤ 100', () => {
    expect(checkIncome(emptyIncome())).toEqual({ category: 'validation.rows.incomeCategory', amount: 'validation.rows.amountMissing' })
    const ok = { ...emptyIncome(), category: 'wage', amount: '2000', months: '6' }
    expect(checkIncome(ok)).toEqual({})
    expect(checkIncome({ ...ok, category: 'lottery' }).category).toBe('validation.rows.incomeCategory')
    expect(checkIncome({ ...ok, amount: '-5' }).amount).toBe('validation.rows.amountInvalid')
    expect(checkIncome({ ...ok, amount: '0' })).toEqual({})
    expect(checkIncome({ ...ok, months: '13' }).months).toBe('validation.rows.months')
    expect(checkIncome({ ...ok, note: '字'.repeat(100) })).toEqual({})
    expect(checkIncome({ ...ok, note: '字'.repeat(101) }).note).toBe('validation.rows.tooLong')
  })
  it('property and expenditures', () => {
    expect(checkProperty(emptyProperty())).toEqual({ kind: 'validation.rows.propertyKind' })
    expect(checkProperty({ ...emptyProperty(), kind: 'house', value: 'abc', quantity: 'x' }))
      .toEqual({ value: 'validation.rows.amountInvalid', quantity: 'validation.rows.quantity' })
    expect(checkExpenditure({ ...emptyExpenditure(), kind: 'medical', amount: '', months: '0' }))
      .toEqual({ amount: 'validation.rows.amountMissing', months: 'validation.rows.months' })
  })
  it('every row named by kind and index; at most 30 of a kind; the notes step stops on them', () => {
    const a = emptyApplication()
    a.income = [{ ...emptyIncome(), category: 'wage', amount: '1' }, { ...emptyIncome(), amount: '1' }]
    expect(checkRows(a)).toEqual({ 'income.1.category': 'validation.rows.incomeCategory' })
    expect(checkStep('notes', a)).toEqual({ 'income.1.category': 'validation.rows.incomeCategory' })
    a.income = Array.from({ length: MAX_ROWS + 1 }, () => ({ ...emptyIncome(), category: 'wage', amount: '1' }))
    expect(checkRows(a)).toEqual({ income: 'validation.rows.tooMany' })
  })
})

describe('declared rows: the application as sent and as read back', () => {
  it('toBody sends 分; a server copy comes back editable', () => {
    const a = emptyApplication()
    a.income.push({ ...emptyIncome(), category: 'business', item: '养殖', amount: '12000', months: '12', note: ' 30只羊 ' })
    a.property.push({ ...emptyProperty(), kind: 'internet_finance', description: '余额宝', value: '5000' })
    a.expenditures.push({ ...emptyExpenditure(), kind: 'medical', amount: '3000.5', months: '12' })
    const body = toBody(a)
    expect(body.income).toEqual([{ category: 'business', item: '养殖', amount_fen: 1_200_000, period_months: 12, note: '30只羊' }])
    expect(body.property[0]).toMatchObject({ kind: 'internet_finance', value_fen: 500_000 })
    expect(body.expenditures[0]).toMatchObject({ kind: 'medical', amount_fen: 300_050, period_months: 12 })
    const back = normalizeApplication(body)
    expect(back.income[0]).toMatchObject({ category: 'business', amount: '12000.00', months: '12', note: '30只羊' })
    expect(back.expenditures[0].amount).toBe('3000.50')
    expect(normalizeApplication({ income: 'nonsense' } as never).income).toEqual([])
  })
  it('rows in words: vocabulary labels and yuan', () => {
    expect(incomeWords({ category: 'business', item: '养殖', amount_fen: 1_200_000, period_months: 12 }))
      .toEqual({ title: '经营净收入 · 养殖业（牧业）', amount: '12000.00', months: 12, note: '' })
    expect(propertyWords({ kind: 'livestock', description: '羊', quantity: 30, unit: '只', value_fen: null }))
      .toMatchObject({ title: '牲畜 · 羊', quantity: '30只', amount: '' })
    expect(expenditureWords({ kind: 'medical', amount_fen: 300_000, period_months: 12 }).title).toBe('医疗（自付部分）')
  })
})
