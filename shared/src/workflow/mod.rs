//! The case workflow (domain §2, §4; issue 7 point 1): a pure state machine. No I/O — the server
//! keeps the ordered transition records and calls `allowed` before writing one.
//!
//! * `state` — states, actions, roles, programmes and case kinds with stable snake_case codes.
//! * `engine` — `allowed(case, from, action, role, options)`: the transition table, who may take
//!   each step, its preconditions (refusals carry a stable code and a Chinese sentence), and the
//!   time limit that starts in the new state.
//! * `facts` — where each fact a precondition reads comes from (an action, the applicant, the
//!   sealed visit, a township record, the calendar, the actor's input); the graph test walks the
//!   engine with only those facts a real case can reach.
//! * `calendar` — working days from a TOML holiday calendar with make-up workdays; `deadline`.
//! * `options` — regional options: who decides, when 民主评议 runs, the 公示 length.
//! * `review` — 民主评议 tallies (quorum, 2/3, composition; advisory).
//! * `schedule` — when active cases are reviewed (定期核查).
//! * `publicity` — what a 公示 or 公布 entry may show (domain §6.2).
//!
//! `docs/workflow.md` lists every transition with its role, precondition and source.

pub mod calendar;
pub mod engine;
pub mod facts;
pub mod options;
pub mod publicity;
pub mod review;
pub mod schedule;
pub mod state;

#[cfg(test)]
mod tests;

pub use calendar::{Calendar, CalendarError, deadline};
pub use engine::{
    Anchor, CaseFacts, ExtensionReason, Limit, Refusal, Span, Transition, VisitFacts, allowed,
    limit_on_entry, overall_limit, publicity_last_day, route,
};
pub use facts::{Fact, Source};
pub use options::{Decider, Options, OptionsError, ReviewMode, ReviewOrder, SpotCheckShares};
pub use review::{ReviewRules, Tally, Vote, tally};
pub use state::{Action, CaseKind, Programme, Role, State, UnknownRole};
