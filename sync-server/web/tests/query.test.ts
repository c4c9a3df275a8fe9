import { describe, expect, it } from 'vitest'
import { buildQuery, emptyFilters, sortFromTable } from '../src/lib/query'
import { exportUrl } from '../src/api'

describe('buildQuery', () => {
  it('is empty without filters', () => {
    expect(buildQuery(emptyFilters())).toBe('')
  })
  it('carries every filter of the contract, booleans as 1', () => {
    const q = buildQuery({
      ...emptyFilters(), state: 'investigating', village: '王爱召嘎查', investigator: '王建国', deadline_before: '2026-12-31',
      conflicts: true, evidence: 'incomplete', returned: true, q: ' 巴特尔 ', sort: 'deadline', order: 'desc',
    })
    const p = new URLSearchParams(q)
    expect(Object.fromEntries(p)).toEqual({
      state: 'investigating', village: '王爱召嘎查', investigator: '王建国', deadline_before: '2026-12-31',
      conflicts: '1', evidence: 'incomplete', returned: '1', q: '巴特尔', sort: 'deadline', order: 'desc',
    })
  })
  it('leaves out false booleans, blank text and an order without a sort', () => {
    expect(buildQuery({ conflicts: false, returned: false, q: '  ', order: 'asc' })).toBe('')
  })
  it('the Excel export takes the same query', () => {
    expect(exportUrl({ state: 'investigating', returned: true })).toBe('/api/console/export/queue.xlsx?state=investigating&returned=1')
    expect(exportUrl({})).toBe('/api/console/export/queue.xlsx')
  })
})

describe('sortFromTable', () => {
  it('maps table columns to API sort keys', () => {
    expect(sortFromTable('updated_at', 'descending')).toEqual({ sort: 'updated', order: 'desc' })
    expect(sortFromTable('deadline', 'ascending')).toEqual({ sort: 'deadline', order: 'asc' })
    expect(sortFromTable('deadline', null)).toEqual({ sort: '', order: '' })
    expect(sortFromTable('village', 'ascending')).toEqual({ sort: '', order: '' })
  })
})
