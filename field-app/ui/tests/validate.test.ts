import { describe, it, expect } from 'vitest'
import * as v from '../src/lib/validate'
import { parseInput, display } from '../src/lib/fields'

describe('ID number (GB 11643)', () => {
  const first17 = '11010519491231002'
  const good = first17 + v.idCheckChar(first17)
  it('accepts a valid number, with X in either case', () => {
    expect(good).toBe('11010519491231002X')
    expect(v.idNumber(good)).toBeNull()
    expect(v.idNumber(good.toLowerCase())).toBeNull()
    expect(v.idNumber('')).toBeNull()
  })
  it('rejects a wrong check character', () => {
    expect(v.idNumber('110105194912310021')).toBe('validation.idChecksum')
  })
  it('rejects wrong length, letters and impossible birth dates', () => {
    expect(v.idNumber('12345')).toBe('validation.idNumber')
    expect(v.idNumber('11010519491231002Y')).toBe('validation.idNumber')
    const feb30 = '15062119800230001'
    expect(v.idNumber(feb30 + v.idCheckChar(feb30))).toBe('validation.idNumber')
  })
  it('reads the birth date', () => {
    expect(v.birthFromId(good)).toBe('1949-12-31')
  })
})

describe('dates and amounts', () => {
  const today = new Date(2026, 4, 1)
  it('checks format, existence and the future', () => {
    expect(v.date('2026-04-30', today)).toBeNull()
    expect(v.date('2026/04/30', today)).toBe('validation.date')
    expect(v.date('2025-02-29', today)).toBe('validation.dateInvalid')
    expect(v.date('2024-02-29', today)).toBeNull()
    expect(v.date('2026-05-02', today)).toBe('validation.dateFuture')
  })
  it('converts yuan to fen exactly', () => {
    expect(v.yuanToFen('1234.5')).toBe(123450)
    expect(v.yuanToFen('0.07')).toBe(7)
    expect(v.yuanToFen('19.99')).toBe(1999)
    expect(v.yuanToFen('1.234')).toBeNull()
    expect(v.amount('-5')).toBe('validation.amount')
    expect(v.fenToYuan(123405)).toBe('1234.05')
    expect(v.fenToYuan(null)).toBe('')
  })
  it('checks months, PIN and server addresses', () => {
    expect(v.months('12')).toBeNull()
    expect(v.months('13')).toBe('validation.months')
    expect(v.pin('246810')).toBeNull()
    expect(v.pin('123456789012')).toBeNull()
    // Four or five digits fall to an offline search in seconds: six is the least accepted.
    expect(v.pin('1234')).toBe('error.pin_format')
    expect(v.pin('12345')).toBe('error.pin_format')
    expect(v.pin('1234567890123')).toBe('error.pin_format')
    expect(v.pin('12a456')).toBe('error.pin_format')
    expect(v.serverUrl('https://10.0.0.1:8443')).toBeNull()
    expect(v.serverUrl('http://x')).toBe('validation.serverUrl')
  })
})

describe('form input parsing', () => {
  it('gives the stored JSON value or the error key', () => {
    expect(parseInput('amount', '12.30')).toEqual({ ok: true, value: 1230 })
    expect(parseInput('amount', '')).toEqual({ ok: true, value: null })
    expect(parseInput('amount', 'abc')).toEqual({ ok: false, error: 'validation.amount' })
    expect(parseInput('text', ' ', true)).toEqual({ ok: false, error: 'validation.required' })
    expect(parseInput('months', '6')).toEqual({ ok: true, value: 6 })
    expect(parseInput('id', '11010519491231002x')).toEqual({ ok: true, value: '11010519491231002X' })
    expect(display('amount', 1230)).toBe('12.30')
    expect(display('text', null)).toBe('')
  })
})
