import { describe, it, expect } from 'vitest'
import { sectionsFor, isOutreach, isOutreachFlags, INVESTIGATION_SECTIONS } from '../src/lib/sections'
import { sectionOf, fieldLabel } from '../src/lib/doc'
import { nextProblem, sectionStates } from '../src/lib/progress'

const outreach = { header: { flags: ['探访'] }, visits: [{ needs: [{ id: 'n', area: 'medical', situation: '住院' }] }] }
const investigation = { header: { flags: ['变更核查'] }, visits: [{}] }

describe('the visit form by case', () => {
  it('gives a 探访 the short list with its needs section', () => {
    expect(sectionsFor(outreach)).toEqual(['basic', 'members', 'needs', 'photos', 'sign'])
    expect(isOutreach(outreach)).toBe(true)
    expect(isOutreachFlags(['探访'])).toBe(true)
    expect(isOutreachFlags(undefined)).toBe(false)
  })
  it('gives an investigation every section but the needs, in form order', () => {
    for (const d of [investigation, { header: {} }, null]) expect(sectionsFor(d)).toBe(INVESTIGATION_SECTIONS)
    expect(INVESTIGATION_SECTIONS).not.toContain('needs')
    expect(INVESTIGATION_SECTIONS.slice(0, 3)).toEqual(['basic', 'household', 'members'])
    expect(INVESTIGATION_SECTIONS).toContain('preview')
    expect(INVESTIGATION_SECTIONS[INVESTIGATION_SECTIONS.length - 1]).toBe('sign')
  })
  it('sends the needs problems to the needs section', () => {
    expect(sectionOf('visits.0.needs')).toBe('needs')
    expect(sectionOf('visits.1.needs.2.area')).toBe('needs')
    const problems = [
      { code: 'unsigned', path: 'visits.0.signatures', name: '王磊' },
      { code: 'needs_missing', path: 'visits.0.needs', name: null },
    ]
    const s = sectionsFor(outreach)
    expect(nextProblem(s, problems, 'basic')).toEqual({ section: 'needs', path: 'visits.0.needs' })
    expect(sectionStates(s, problems)).toEqual({ basic: 'done', members: 'done', needs: 'missing', photos: 'done', sign: 'missing' })
  })
  it('names a needs field by its area', () => {
    expect(fieldLabel(outreach, 'visits.0.needs.0.situation')).toBe('探访情况 · 医疗 · 情况')
    expect(fieldLabel(outreach, 'visits.0.needs')).toBe('探访情况')
  })
})
