import { describe, it, expect } from 'vitest'
import { incomeDetailFields, monthlyFen, propertyExtraFields } from '../src/lib/rows'
import { has } from '../src/i18n'
import { terms } from '../src/lib/vocab'
import { parseInput, display } from '../src/lib/fields'
import { datetime, parseDateTime, formatDateTime } from '../src/lib/validate'

const names = (f: { field: string }[]) => f.map((x) => x.field)

describe('income row particulars', () => {
  it('asks by kind', () => {
    expect(names(incomeDetailFields('business', '种植'))).toEqual(['crop', 'area_mu', 'yield_kg', 'price_fen_per_kg'])
    expect(names(incomeDetailFields('business', '养殖'))).toEqual(['species', 'head_count', 'head_sold'])
    expect(names(incomeDetailFields('business', '个体经营'))).toEqual(['business'])
    expect(names(incomeDetailFields('wage', '季节性务工'))).toEqual(['business', 'months_worked'])
    expect(names(incomeDetailFields('transfer', '赡养费'))).toEqual(['payer'])
    expect(names(incomeDetailFields('property', '土地流转'))).toEqual(['payer'])
    expect(incomeDetailFields('other', '其他')).toEqual([])
    expect(incomeDetailFields(undefined, undefined)).toEqual([])
  })
  it('labels every field it asks for', () => {
    const all = [...terms('income_item').flatMap((t) => incomeDetailFields(t.category, t.code)), ...propertyExtraFields('house'), ...propertyExtraFields('ship')]
    expect(all.filter((f) => !has(f.label)).map((f) => f.label)).toEqual([])
  })
  it('spreads the amount over the months it covers', () => {
    expect(monthlyFen(960050, 12)).toBe(80004)
    expect(monthlyFen(2400000, 12)).toBe(200000)
    expect(monthlyFen(100, 3)).toBe(33)
    expect(monthlyFen(null, 12)).toBeNull()
    expect(monthlyFen(100, null)).toBeNull()
    expect(monthlyFen(100, 0)).toBeNull()
  })
})

describe('property rows by kind', () => {
  it('adds area and place for houses, type, plate and use for vehicles and ships', () => {
    expect(names(propertyExtraFields('house'))).toEqual(['area_m2', 'location'])
    expect(names(propertyExtraFields('vehicle'))).toEqual(['vehicle_type', 'plate', 'usage'])
    expect(propertyExtraFields('ship').map((f) => f.group ?? '')).toEqual(['vehicle_type', '', 'vehicle_use'])
    expect(propertyExtraFields('deposit')).toEqual([])
  })
})

describe('visit time', () => {
  const today = new Date(2026, 11, 6)
  it('validates and converts local time', () => {
    expect(datetime('2026-12-05 09:30', today)).toBeNull()
    expect(datetime('2026-12-05T9:30', today)).toBeNull()
    expect(datetime('2026-12-05', today)).toBe('validation.datetime')
    expect(datetime('2026-12-05 24:00', today)).toBe('validation.datetime')
    expect(datetime('2026-02-30 10:00', today)).toBe('validation.dateInvalid')
    expect(datetime('2027-01-01 10:00', today)).toBe('validation.dateFuture')
    const ms = parseDateTime('2026-12-05 09:30')!
    expect(new Date(ms).getHours()).toBe(9)
    expect(formatDateTime(ms)).toBe('2026-12-05 09:30')
    expect(parseDateTime('soon')).toBeNull()
  })
  it('round-trips through the form field', () => {
    const p = parseInput('datetime', '2026-12-01 14:05')
    expect(p.ok && display('datetime', p.value)).toBe('2026-12-01 14:05')
    expect(parseInput('datetime', '')).toEqual({ ok: true, value: null })
  })
})
