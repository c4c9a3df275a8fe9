//! 主动发现 (issue 15): the low-income population register, the files other departments deliver,
//! the warning rules of the regional configuration and the warnings they raise, and the periodic
//! 探访 schedule. Plain Rust over the store's items; the console's handlers only translate.
//!
//! * `register` — households and people by layer (分层) with their history: from the cases and
//!   from the 民政 roll file.
//! * `sources` — one adapter per department file (医保, 残联, 人社, deaths, 教育): columns,
//!   row-level validation, each row's identity.
//! * `rules` — the dated warning rules (`config/monitoring/example.toml`) and their evaluation.
//! * `warnings` — imports (one transaction, audited), the warning queue and its actions.
//! * `schedule` — 定期探访: which households are due a visit on a day.
//! * `figures` — warnings by township and rule, handled in time, applications, families helped.

pub mod figures;
pub mod register;
pub mod rules;
pub mod schedule;
pub mod sources;
pub mod warnings;

// Errors are the workflow's: the console already renders them, and the actions here run the
// workflow's own transactions.
pub use crate::workflow::{Result, WorkflowError};

/// Item kinds this module keeps in the store.
pub const HOUSEHOLD: &str = "monitor_household";
pub const ROW: &str = "monitor_row";
pub const IMPORT: &str = "monitor_import";
pub const WARNING: &str = "monitor_warning";
pub const VISIT_TASK: &str = "monitor_visit_task";

/// SHA-256 of `parts` joined by a unit separator, hex: the identity of a row or a warning.
pub fn digest(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}
