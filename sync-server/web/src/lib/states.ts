/**
 * Workflow states in the order the queue shows them: the engine's states (docs/workflow.md) in the
 * order of the procedure. The header carries only these codes: a returned visit is a case with open
 * review notes (`open_notes > 0` in the queue), an accepted one has `facts.visit_accepted`.
 */
export const STATES = [
  'draft', 'submitted', 'needs_supplement', 'accepted', 'advance_aided', 'investigating',
  'check_failed_notified', 'recheck', 'democratic_review', 'prelim_opinion', 'publicity', 'objection_handling', 'reported',
  'county_review', 'approved', 'rejected', 'published', 'active', 'terminated', 'closed_ineligible', 'stopped',
] as const
