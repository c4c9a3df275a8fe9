// The queue's filters and their query string (GET /api/console/cases and the Excel export take the
// same one, docs/console-api.md).

export interface QueueFilters {
  state: string
  village: string
  investigator: string
  deadline_before: string
  conflicts: boolean
  evidence: '' | 'complete' | 'incomplete'
  returned: boolean
  q: string
  sort: '' | 'deadline' | 'updated' | 'case_no' | 'applicant'
  order: '' | 'asc' | 'desc'
}

export function emptyFilters(): QueueFilters {
  return {
    state: '', village: '', investigator: '', deadline_before: '', conflicts: false, evidence: '',
    returned: false, q: '', sort: '', order: '',
  }
}

/** Only the filters that are set, in a stable order; booleans as `1`. */
export function buildQuery(f: Partial<QueueFilters>): string {
  const p = new URLSearchParams()
  const text = (k: keyof QueueFilters) => {
    const v = f[k]
    if (typeof v === 'string' && v.trim() !== '') p.set(k, v.trim())
  }
  text('state')
  text('village')
  text('investigator')
  text('deadline_before')
  if (f.conflicts) p.set('conflicts', '1')
  if (f.evidence === 'complete' || f.evidence === 'incomplete') p.set('evidence', f.evidence)
  if (f.returned) p.set('returned', '1')
  text('q')
  if (f.sort) {
    p.set('sort', f.sort)
    if (f.order) p.set('order', f.order)
  }
  return p.toString()
}

/** Element Plus table sort event → API sort. */
const SORT_COLUMNS: Record<string, QueueFilters['sort']> = {
  deadline: 'deadline',
  updated_at: 'updated',
  case_no: 'case_no',
  applicant: 'applicant',
}

export function sortFromTable(prop: string | null, order: string | null): Pick<QueueFilters, 'sort' | 'order'> {
  const sort = prop ? SORT_COLUMNS[prop] : undefined
  if (!sort || !order) return { sort: '', order: '' }
  return { sort, order: order === 'descending' ? 'desc' : 'asc' }
}
