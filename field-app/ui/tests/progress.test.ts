import { describe, it, expect } from 'vitest'
import { problemsBySection, sectionStates, nextProblem } from '../src/lib/progress'
import { photoChecklist, gpsText } from '../src/lib/photoRules'

const sections = ['basic', 'household', 'members', 'income', 'photos', 'sign'] as const
const p = (code: string, path: string) => ({ code, path, name: null })
const problems = [
  p('unsigned', 'visits.0.signatures'),
  p('method_missing', 'visits.0.method'),
  p('member_presence', 'visits.0.members.1.present'),
  p('income_amount', 'visits.0.income.0.amount_fen'),
]

describe('section status from problems', () => {
  it('groups problems by section', () => {
    expect(problemsBySection(problems)).toEqual({ sign: 1, basic: 1, members: 1, income: 1 })
  })
  it('marks sections done or missing', () => {
    const s = sectionStates(sections, problems)
    expect(s.basic).toBe('missing')
    expect(s.household).toBe('done')
    expect(s.photos).toBe('done')
    expect(s.sign).toBe('missing')
    expect(sectionStates(sections, []).members).toBe('done')
  })
  it('jumps to the next problem in form order from the current section', () => {
    expect(nextProblem(sections, problems, 'basic')).toEqual({ section: 'basic', path: 'visits.0.method' })
    expect(nextProblem(sections, problems, 'household')).toEqual({ section: 'members', path: 'visits.0.members.1.present' })
    expect(nextProblem(sections, problems, 'photos')).toEqual({ section: 'sign', path: 'visits.0.signatures' })
  })
  it('wraps round and skips the field it was just sent to', () => {
    expect(nextProblem(sections, problems, 'sign', 'visits.0.signatures')).toEqual({ section: 'basic', path: 'visits.0.method' })
    expect(nextProblem(sections, [problems[0]], 'sign', 'visits.0.signatures')?.path).toBe('visits.0.signatures')
    expect(nextProblem(sections, [], 'basic')).toBeNull()
  })
})

describe('photo checklist', () => {
  it('asks 低保 and 特困 for exterior, interior and appliances', () => {
    const list = photoChecklist('rural_dibao', [{ tag: 'exterior' }, { tag: 'exterior' }, { tag: 'other' }])
    expect(list).toEqual([
      { tag: 'exterior', count: 2, done: true },
      { tag: 'interior', count: 0, done: false },
      { tag: 'appliance', count: 0, done: false },
    ])
    expect(photoChecklist('tekun', []).map((x) => x.tag)).toEqual(['exterior', 'interior', 'appliance'])
    expect(photoChecklist('urban_dibao', []).length).toBe(3)
  })
  it('asks nothing of other case types', () => {
    expect(photoChecklist('temporary', [{ tag: 'exterior' }])).toEqual([])
    expect(photoChecklist(null, [])).toEqual([])
  })
  it('writes a GPS fix briefly', () => {
    expect(gpsText({ lat: 40.4, lon: 110.03 })).toBe('40.40000, 110.03000')
    expect(gpsText(null)).toBe('')
  })
})
