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
  // Set by a dashboard figure's link (docs/oversight.md): the township, the programme, cases due
  // within n days, and open cases only.
  township: string
  programme: string
  due_within: string
  open: boolean
}

export function emptyFilters(): QueueFilters {
  return {
    state: '', village: '', investigator: '', deadline_before: '', conflicts: false, evidence: '',
    returned: false, q: '', sort: '', order: '', township: '', programme: '', due_within: '', open: false,
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
  text('township')
  text('programme')
  text('due_within')
  if (f.open) p.set('open', '1')
  if (f.sort) {
    p.set('sort', f.sort)
    if (f.order) p.set('order', f.order)
  }
  return p.toString()
}

/**
 * The filters a link carries in the page's query (a dashboard figure opens the queue this way), or
 * null when it carries none. `overdue` is the page's own 超期 switch.
 */
export function filtersFromQuery(q: Record<string, unknown>): { filters: QueueFilters; overdue: boolean } | null {
  const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : '')
  const keys: (keyof QueueFilters)[] = ['state', 'village', 'investigator', 'deadline_before', 'q', 'township', 'programme', 'due_within']
  if (![...keys, 'overdue', 'open', 'conflicts', 'returned'].some((k) => str(k) !== '')) return null
  const filters = emptyFilters()
  for (const k of keys) (filters as unknown as Record<string, string>)[k] = str(k)
  filters.open = str('open') === '1'
  filters.conflicts = str('conflicts') === '1'
  filters.returned = str('returned') === '1'
  return { filters, overdue: str('overdue') === '1' }
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
