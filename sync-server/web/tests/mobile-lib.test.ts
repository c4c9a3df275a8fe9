// Phone pages: the pure rules (photo resize maths, ID numbers, money and dates, the form's checks).
import { describe, expect, it } from 'vitest'
import { fitWithin, jpegName, MAX_SIDE, JPEG_QUALITY } from '../src/mobile/lib/resize'
import { birthFromId, checkId, idCheckChar, normalizeId, sexFromId } from '../src/mobile/lib/idnumber'
import { fenToYuan, formatDate, formatDateTime, maskPhone, validPhone, yuanToFen } from '../src/mobile/lib/format'
import { checkMember, checkStep, normalizeApplication, syncSelf, toBody, validDate } from '../src/mobile/lib/application'
import { options, optionText, optionValue } from '../src/mobile/lib/options'
import { kindForItem, stateTone } from '../src/mobile/lib/states'
import { incomeVsLine, uniqueCases, votesFor } from '../src/mobile/lib/ballot'
import { emptyApplication, emptyMember } from '../src/mobile/types'

// 11010519491231002X is the standard's own example; the others are built with idCheckChar.
const withCheck = (first17: string) => first17 + idCheckChar(first17)
const WANG = withCheck('15062119620315002') // a woman born 1962-03-15
const SON = withCheck('15062119900101001') // odd sequence digit: a man

describe('photo resize maths', () => {
  it('brings the long side down to 1600 px and keeps the shape', () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200, scale: 0.4 })
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600, scale: 0.4 })
    expect(fitWithin(4032, 3024).width).toBe(1600)
    expect(fitWithin(4032, 3024).height).toBe(1200)
  })
  it('rounds the short side and never lets it reach 0', () => {
    const r = fitWithin(4001, 2999)
    expect(r.width).toBe(1600)
    expect(r.height).toBe(Math.round(2999 * (1600 / 4001)))
    expect(fitWithin(100000, 10)).toEqual({ width: 1600, height: 1, scale: 0.016 })
  })
  it('leaves small pictures (and exactly 1600 px) alone: never enlarges', () => {
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600, scale: 1 })
    expect(fitWithin(1600, 900)).toEqual({ width: 1600, height: 900, scale: 1 })
    expect(fitWithin(1601, 1601)).toEqual({ width: 1600, height: 1600, scale: 1600 / 1601 })
  })
  it('square pictures and other limits', () => {
    expect(fitWithin(3200, 3200)).toEqual({ width: 1600, height: 1600, scale: 0.5 })
    expect(fitWithin(1000, 500, 400)).toEqual({ width: 400, height: 200, scale: 0.4 })
  })
  it('refuses nonsense sizes', () => {
    expect(() => fitWithin(0, 100)).toThrow(RangeError)
    expect(() => fitWithin(100, NaN)).toThrow(RangeError)
  })
  it('the agreed settings and the upload name', () => {
    expect(MAX_SIDE).toBe(1600)
    expect(JPEG_QUALITY).toBeCloseTo(0.85)
    expect(jpegName('IMG_2031.HEIC', 'id_card')).toBe('IMG_2031.jpg')
    expect(jpegName('image.png', 'id_card')).toBe('image.jpg')
    expect(jpegName('', 'hukou')).toBe('hukou.jpg')
    expect(jpegName(undefined, 'hukou')).toBe('hukou.jpg')
    expect(jpegName('a/b.jpeg', 'x')).toBe('a_b.jpg')
  })
})

describe('ID numbers (GB 11643)', () => {
  it('accepts valid numbers, an x in lower case and spaces', () => {
    expect(checkId('11010519491231002X')).toBeNull()
    expect(checkId('11010519491231002x')).toBeNull()
    expect(checkId(WANG)).toBeNull()
    expect(checkId(` ${WANG.slice(0, 6)} ${WANG.slice(6)} `)).toBeNull()
    expect(normalizeId(' 11010519491231002x ')).toBe('11010519491231002X')
  })
  it('says what is wrong: length/characters, birth date, check character', () => {
    expect(checkId('')).toBe('format')
    expect(checkId('1501')).toBe('format')
    expect(checkId('15062119620315002A')).toBe('format')
    expect(checkId(withCheck('15062119621315002'))).toBe('date') // month 13
    expect(checkId(withCheck('15062119620230002'))).toBe('date') // 30 February
    expect(checkId(withCheck('15062118000101002'))).toBe('date') // before 1900
    expect(checkId(withCheck('15062120990101002'), new Date(2026, 0, 1))).toBe('date') // the future
    const wrong = WANG.slice(0, 17) + (WANG[17] === '0' ? '1' : '0')
    expect(checkId(wrong)).toBe('checksum')
    // One mistyped digit is caught.
    expect(checkId('11010519491231003X')).toBe('checksum')
  })
  it('birth date and sex', () => {
    expect(birthFromId(WANG)).toBe('1962-03-15')
    expect(sexFromId(WANG)).toBe('female')
    expect(sexFromId(SON)).toBe('male')
    expect(birthFromId('123')).toBeNull()
    expect(sexFromId('123')).toBeNull()
  })
})

describe('money, dates, phone numbers', () => {
  it('分 ↔ 元 without floating point', () => {
    expect(fenToYuan(56000)).toBe('560.00')
    expect(fenToYuan(5)).toBe('0.05')
    expect(fenToYuan(-150)).toBe('-1.50')
    expect(fenToYuan(null)).toBe('')
    expect(yuanToFen('1500')).toBe(150000)
    expect(yuanToFen('0.1')).toBe(10)
    expect(yuanToFen('19.99')).toBe(1999)
    expect(yuanToFen(' 12 ')).toBe(1200)
    expect(yuanToFen('12.345')).toBeNull()
    expect(yuanToFen('abc')).toBeNull()
    expect(yuanToFen('')).toBeNull()
  })
  it('times in China time whatever the phone zone', () => {
    // 2026-11-26 16:30 UTC is 2026-11-27 00:30 in China.
    const t = Date.UTC(2026, 10, 26, 16, 30) / 1000
    expect(formatDate(t)).toBe('2026-11-27')
    expect(formatDateTime(t)).toBe('2026-11-27 00:30')
    expect(formatDate(0)).toBe('')
    expect(formatDate('2026-11-27')).toBe('2026-11-27')
    expect(formatDate('nonsense')).toBe('')
  })
  it('phone numbers', () => {
    expect(validPhone('13800000000')).toBe(true)
    expect(validPhone('23800000000')).toBe(false)
    expect(validPhone('1380000000')).toBe(false)
    expect(maskPhone('13800000000')).toBe('138****0000')
  })
})

describe('the application form', () => {
  const filled = () => {
    const a = emptyApplication()
    a.programme = 'dibao'
    a.township = '树林召镇'
    a.village = '园子塔拉村'
    a.address = '三社12号'
    a.applicant = { name: '王秀兰', id_number: WANG.toLowerCase() }
    return a
  }
  it('each step names its problems', () => {
    const a = emptyApplication()
    expect(checkStep('programme', a)).toEqual({ programme: 'validation.programme' })
    expect(checkStep('place', a)).toEqual({ township: 'validation.township', village: 'validation.village', address: 'validation.address' })
    expect(checkStep('applicant', a)).toEqual({ name: 'validation.name', id_number: 'validation.id.required' })
    a.applicant.id_number = '123'
    expect(checkStep('applicant', a).id_number).toBe('validation.id.format')
    const b = filled()
    for (const s of ['programme', 'place', 'applicant'] as const) expect(checkStep(s, b)).toEqual({})
  })
  it('the first member is the applicant, with birth date and sex from the ID number', () => {
    const a = filled()
    const son = { ...emptyMember(), name: '李强', relation: '子女', id_number: SON }
    a.members.push(son)
    syncSelf(a)
    expect(a.members[0]).toMatchObject({ name: '王秀兰', relation: '本人', id_number: WANG, birth_date: '1962-03-15', sex: '女' })
    expect(a.members[1].name).toBe('李强')
    // Renaming the applicant keeps one self row.
    a.applicant.name = '王秀蘭'
    syncSelf(a)
    expect(a.members.filter((m) => m.relation === '本人')).toHaveLength(1)
    expect(a.members[0].name).toBe('王秀蘭')
    expect(checkStep('members', a)).toEqual({})
  })
  it('members: without an ID number, sex and birth date are needed; duplicates are caught', () => {
    const m = { ...emptyMember(), name: '小孙', relation: '孙子女' }
    expect(checkMember(m, [m], 0)).toEqual({ sex: 'validation.sex', birth_date: 'validation.birthDate' })
    m.birth_date = '2030-01-01'
    expect(checkMember(m, [m], 0).birth_date).toBe('validation.birthDateInvalid')
    m.birth_date = '2019-05-06'
    m.sex = '男'
    expect(checkMember(m, [m], 0)).toEqual({})
    const a = { ...emptyMember(), name: 'A', relation: '配偶', id_number: SON }
    const b = { ...emptyMember(), name: 'B', relation: '子女', id_number: SON.toLowerCase() }
    expect(checkMember(b, [a, b], 1).id_number).toBe('validation.id.duplicate')
    expect(checkMember({ ...emptyMember(), name: 'C' }, [], 0).relation).toBe('validation.relation')
    const d = { ...emptyMember(), name: 'D', relation: '子女', id_number: SON, disability_type: '肢体残疾' }
    expect(checkMember(d, [d], 0).disability_grade).toBe('validation.disabilityGrade')
    expect(validDate('2024-02-29')).toBe(true)
    expect(validDate('2023-02-29')).toBe(false)
  })
  it('what is sent: trimmed, upper-case X, no grade without a type; server copies are completed', () => {
    const a = filled()
    a.village = ' 园子塔拉村 '
    a.members = [{ ...emptyMember(), name: ' 王秀兰 ', id_number: WANG.toLowerCase(), disability_grade: '二级' }]
    const body = toBody(a)
    expect(body.village).toBe('园子塔拉村')
    expect(body.applicant.id_number).toBe(WANG)
    expect(body.members[0]).toMatchObject({ name: '王秀兰', id_number: WANG, disability_grade: '' })
    expect(a.village).toBe(' 园子塔拉村 ') // the form is left as typed
    const n = normalizeApplication({ programme: 'tekun', members: [{ name: 'x' } as never] } as never)
    expect(n.programme).toBe('tekun')
    expect(n.members[0]).toEqual({ ...emptyMember(), name: 'x' })
    expect(normalizeApplication({ programme: 'nonsense' } as never).programme).toBe('')
    expect(normalizeApplication(null)).toEqual(emptyApplication())
  })
  it('choices are stored as the Chinese words the API uses', () => {
    expect(optionValue('relationSelf', '')).toBe('本人')
    expect(optionValue('sex', 'female')).toBe('女')
    expect(options('disability')[0]).toEqual({ value: '', text: '没有残疾' })
    expect(options('employment').map((o) => o.value)).toContain('务农务牧')
    // The shared vocabulary's codes: the applicant is never offered as another member's relation.
    expect(options('relation').map((o) => o.value)).toEqual(['配偶', '子', '女', '父亲', '母亲', '孙子女', '兄弟姐妹', '儿媳', '女婿', '祖父母', '其他'])
    expect(options('health').map((o) => o.text)).toContain('重病（重特大疾病）')
    expect(options('grade')[0]).toEqual({ value: '一级', text: '一级' })
    expect(optionValue('sex', 'male')).toBe('男')
    expect(optionText('relation', '子')).toBe('子')
    expect(optionText('relation', '本人')).toBe('本人')
    expect(optionText('relation', '表亲')).toBe('表亲')
  })
})

describe('states and 补正 items', () => {
  it('badge colours', () => {
    expect(stateTone('needs_supplement')).toBe('action')
    expect(stateTone('active')).toBe('good')
    expect(stateTone('rejected')).toBe('bad')
    expect(stateTone('investigating')).toBe('progress')
    expect(stateTone('something_new')).toBe('progress')
  })
  it('a missing item finds the kind of material it asks for', () => {
    const kw = { id_card: ['身份证'], hukou: ['户口', '户籍'], medical: ['病历', '诊断'] }
    expect(kindForItem('户口本首页及本人页', kw)).toBe('hukou')
    expect(kindForItem('配偶身份证正反面', kw)).toBe('id_card')
    expect(kindForItem('住院诊断证明', kw)).toBe('medical')
    expect(kindForItem('村委会证明', kw)).toBe('other')
  })
})

describe('form state kept in sessionStorage', () => {
  it('restores what was typed, and forgets it once the server has it', async () => {
    const { nextTick } = await import('vue')
    const { persisted, forget, hasSaved } = await import('../src/mobile/lib/persist')
    sessionStorage.clear()
    const a = persisted('t.form', () => ({ name: '', list: [] as string[] }))
    a.name = '王秀兰'
    a.list.push('x')
    await nextTick()
    expect(hasSaved('t.form')).toBe(true)
    const b = persisted('t.form', () => ({ name: '', list: [] as string[] }))
    expect(b).toEqual({ name: '王秀兰', list: ['x'] })
    forget('t.form')
    b.name = 'changed after'
    await nextTick()
    expect(hasSaved('t.form')).toBe(false)
    sessionStorage.setItem('jiuzhu.m.t.bad', '{not json')
    expect(persisted('t.bad', () => ({ ok: true }))).toEqual({ ok: true })
  })
})

describe('the ballot', () => {
  const c = (case_id: string) => ({ case_id, applicant: '巴*尔', household_size: 3, programme_zh: '最低生活保障', proposed_amount_fen: 56000, opinion: null })
  it('holds each case once and sends one vote per case, only when every case has a choice', () => {
    const cases = [c('a'), c('b'), c('a')]
    expect(uniqueCases(cases).map((x) => x.case_id)).toEqual(['a', 'b'])
    expect(votesFor(cases, { a: 'agree' })).toBeNull()
    expect(votesFor(cases, { a: 'agree', b: 'abstain' })).toEqual([{ case_id: 'a', vote: 'agree' }, { case_id: 'b', vote: 'abstain' }])
  })
  it('puts the verified income per person beside the line', () => {
    expect(incomeVsLine(45000, 56000)).toBe('below')
    expect(incomeVsLine(56000, 56000)).toBe('equal')
    expect(incomeVsLine(60000, 56000)).toBe('above')
    expect(incomeVsLine(null, 56000)).toBeNull()
    expect(incomeVsLine(45000, undefined)).toBeNull()
  })
})
