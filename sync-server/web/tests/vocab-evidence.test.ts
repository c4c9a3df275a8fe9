// The shared vocabulary in the console, and the evidence line's counts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { term, terms, vocabGroups, vocabLabel, vocabOptions } from '../src/lib/vocab'
import { evidenceOf, signers } from '../src/lib/evidence'
import type { CaseDetail, Visit, Workflow } from '../src/types'

describe('vocabulary', () => {
  it('is the shared file, every group with code and label', () => {
    const file = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'shared', 'vocab', 'vocab.json'), 'utf8'))
    expect(vocabGroups().sort()).toEqual(Object.keys(file).filter((k) => k !== '_comment').sort())
    for (const g of vocabGroups()) for (const x of terms(g)) expect(x.code && x.zh, `${g}.${x.code}`).toBeTruthy()
  })
  it('labels codes and leaves unknown text as it is', () => {
    expect(vocabLabel('income_category', 'wage')).toBe('工资性收入')
    expect(vocabLabel('property_kind', 'business')).toBe('市场主体、股权')
    expect(vocabLabel('property_kind', '自留地')).toBe('自留地')
    expect(vocabLabel('property_kind', null)).toBe('')
    expect(vocabLabel('no_such_group', 'x')).toBe('x')
    expect(term('income_item', '高龄津贴')?.exempt_code).toBe('old_age_allowance')
    expect(vocabOptions('application_method')).toEqual([{ value: 'self', label: '本人申请' }, { value: 'agent', label: '委托申请' }])
  })
})

describe('evidence line', () => {
  const visit: Visit = {
    investigators: ['王建国', '李明'],
    members: [
      { id: 'm1', name: { verified: '巴特尔' }, present: true },
      { id: 'm2', name: { verified: '其其格' }, present: false },
      { id: 'm3', name: { declared: '乌云' }, present: true },
    ],
    signatures: [
      { role: 'investigator', name: '王建国' },
      { role: 'member', name: '巴特尔', member_id: 'm1' },
    ],
  }
  const detail = (v: Visit | undefined, photos = [true, false]): Pick<CaseDetail, 'photos' | 'document'> => ({
    photos: photos.map((present, i) => ({ hash: `h${i}`, present })),
    document: { visits: v ? [v] : [] },
  })
  it('expects the investigators and the members present to sign', () => {
    expect(signers(visit)).toEqual([
      { name: '王建国', signed: true }, { name: '李明', signed: false },
      { name: '巴特尔', signed: true }, { name: '乌云', signed: false },
    ])
    // A member refused to cooperate: the team seals alone.
    expect(signers({ ...visit, refusal: { member: '乌云', what: '拒绝提供存款信息' } }).map((s) => s.name)).toEqual(['王建国', '李明'])
  })
  it('counts what is there and is complete only when everything is', () => {
    const e = evidenceOf(detail(visit), null)
    expect(e.photos).toEqual({ have: 1, want: 2 })
    expect(e.signatures).toEqual({ have: 2, want: 4 })
    expect(e.unsigned).toEqual(['李明', '乌云'])
    expect(e.materials).toBeNull()
    expect(e.complete).toBe(false)
    const signedAll: Visit = { ...visit, signatures: [...visit.signatures!, { role: 'investigator', name: '李明' }, { role: 'member', name: '乌云', member_id: 'm3' }] }
    expect(evidenceOf(detail(signedAll, [true, true]), null).complete).toBe(true)
  })
  it('counts the 受理审查 checklist of an online application', () => {
    const wf = {
      facts: { checklist: [{ key: 'id_card', label: '身份证', ok: true }, { key: 'hukou', label: '户口本', ok: false }] },
      application: { members: [] }, materials: [], signed: { promise: true, consent: true },
    } as unknown as Workflow
    const e = evidenceOf(detail(undefined, []), wf)
    expect(e.materials).toEqual({ have: 1, want: 2 })
    expect(e.complete).toBe(false)
  })
})
