/**
 * Workflow states in the order the queue shows them: the engine's states (docs/workflow.md) in the
 * order of the procedure, with the console's investigation sub-states (`returned`,
 * `investigation_accepted`) after `investigating`.
 */
export const STATES = [
  'draft', 'submitted', 'needs_supplement', 'accepted', 'advance_aided', 'investigating', 'returned', 'investigation_accepted',
  'check_failed_notified', 'recheck', 'democratic_review', 'prelim_opinion', 'publicity', 'objection_handling', 'reported',
  'county_review', 'approved', 'rejected', 'published', 'active', 'terminated', 'closed_ineligible', 'stopped',
] as const
