// 抽查 (docs/workflow-api.md "Spot checks"): the shapes of the bureau's draws and check tasks.

export type SpotCheckReason = 'separately_registered' | 'tekun_new' | 'random'
export type SpotCheckFinding = 'confirmed' | 'needs_correction' | 'unverifiable'

export interface SpotCheckStep {
  /** None: the step reopened the check. */
  finding: SpotCheckFinding | null
  finding_zh: string | null
  note: string
  by: string
  at: number
}

export interface SpotCheck {
  id: string
  draw_id: string
  draw_no: string
  case_id: string
  case_no: string
  township: string
  reason: SpotCheckReason
  reason_zh: string
  state: 'open' | 'done'
  state_zh: string
  outcome: SpotCheckStep | null
  steps: SpotCheckStep[]
}

export interface SpotCheckCounts { separately_registered: number; tekun_new: number; rest: number; total: number }

export interface SpotCheckDraw {
  id: string
  no: string
  seed: string
  from: string
  to: string
  /** Empty: every township. */
  townships: string[]
  tekun_percent: number
  rest_percent: number
  population: SpotCheckCounts
  sampled: SpotCheckCounts
  population_hash: string
  /** The server drew the sample again from the record's seed and population and found it equal. */
  reproduced: boolean
  by: string
  at: number
  tasks: SpotCheck[]
}

export interface SpotCheckList {
  draws: SpotCheckDraw[]
  townships: string[]
  defaults: { tekun_percent: number; rest_percent: number }
  /** The bureau draws, records outcomes and reopens; townships read. */
  may_record: boolean
}

export interface DrawBody {
  from: string
  to: string
  townships: string[]
  tekun_percent: number
  rest_percent: number
  /** Empty: the server makes one and records it. */
  seed?: string
}

/** The tag colour of an outcome. */
export function findingTone(f: SpotCheckFinding | null | undefined): 'success' | 'danger' | 'info' | 'warning' {
  return f === 'confirmed' ? 'success' : f === 'needs_correction' ? 'danger' : f === 'unverifiable' ? 'info' : 'warning'
}
