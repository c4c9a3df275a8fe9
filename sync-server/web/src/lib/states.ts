/** Workflow states in the order the queue shows them (header.status). */
export const STATES = ['accepted', 'investigating', 'returned', 'investigation_accepted'] as const
