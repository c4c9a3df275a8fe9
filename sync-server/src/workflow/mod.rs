//! The case workflow on the server (issue 7): keeps each case's state and its ordered transition
//! records, asks the pure engine (`jiuzhu_shared::workflow`) before every move, writes the summary
//! into the document header, and keeps what the process produces — notices, applicants' materials,
//! objections, 民主评议 meetings, periodic reports. HTTP handlers (console, applicant, public)
//! only translate to these functions.
//!
//! * `config` — regional options and the holiday calendar from the data directory.
//! * `flow` — the stored shapes (flow, facts, records) and the engine's view of a case.
//! * `flows` — the flow store: flows, transition records, the document as the workflow reads it.
//! * `service` — actions: decide, record, write the header, issue notices.
//! * `cadence` — when an active case is next reviewed.
//! * `notices` — the written notices (告知书) and their PDF documents.
//! * `applications` — cases applied for on the phone pages (draft, materials, signatures).
//! * `meetings` — 民主评议: roster, recusal, ballots, tallies, minutes.
//! * `publicity` — 公示 and 公布 entries, objection intake.
//! * `reviews` — periodic reports (定期报告) and scheduled reviews creating change-review cases.
//! * `view` — the console's view of a case's workflow.
//! * `migrate` — gives cases created before workflows their flow and turns the retired
//!   `workflow` log into transition records (once, when the store is opened).
//! * `check_results` — 信息核对 results from the 核对机构: one case or a whole file.
//! * `intake` — cases created from a file by the admin command line.
//! * `spot_checks` — 抽查: the bureau's reproducible draw (recorded seed) and the check tasks.

pub mod applications;
pub mod cadence;
pub mod check_results;
pub mod config;
pub mod csv_rows;
pub mod flow;
pub mod flows;
pub mod intake;
pub mod meetings;
pub mod migrate;
pub mod notices;
pub mod publicity;
pub mod referrals;
pub mod reviews;
pub mod service;
pub mod sheet;
pub mod spot_checks;
pub mod view;
pub mod window;

use crate::store::StoreError;
use jiuzhu_shared::workflow::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The engine refused: the state, the role or a precondition.
    #[error("{}", .0.zh)]
    Refused(Refusal),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    /// Too many requests of one kind from one phone or address (the public forms and links).
    #[error("操作过于频繁，请{}分钟后再试", .0.minutes())]
    Throttled(crate::throttle::Throttled),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Case(#[from] crate::cases::CaseError),
}

impl From<crate::sync_engine::WriteError> for WorkflowError {
    fn from(e: crate::sync_engine::WriteError) -> Self {
        match e {
            crate::sync_engine::WriteError::Store(s) => WorkflowError::Store(s),
            crate::sync_engine::WriteError::Invalid(m) => WorkflowError::Invalid(m),
            // A write the policy refuses is a refusal like the engine's, with its own code.
            crate::sync_engine::WriteError::Refused(v) => WorkflowError::Refused(Refusal {
                code: v.code,
                zh: v.zh,
            }),
        }
    }
}

impl From<jiuzhu_shared::DocError> for WorkflowError {
    fn from(e: jiuzhu_shared::DocError) -> Self {
        WorkflowError::Store(e.into())
    }
}

pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;

/// Who acts: a display name for records, the engine role, the Automerge actor for document
/// writes, and the audit label.
#[derive(Debug, Clone)]
pub struct Who {
    pub name: String,
    pub role: jiuzhu_shared::workflow::Role,
    pub actor: jiuzhu_shared::ActorKey,
    pub audit: String,
}

/// `138****0000`: phones are shown masked in records and logs other than the code adapter's.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "***".into()
    }
}

/// A fresh random id for items whose order must not reveal anything (secret ballots).
pub fn random_id() -> String {
    crate::auth::new_token()
}

/// The next number of a series, `PREFIX-YYYYMMDD-NNNN` (NNNN counts the items of `kind`, inside
/// the transaction that adds the next one): case numbers and objection receipts.
pub fn serial_no(
    txn: &mut dyn crate::store::DocTxn,
    prefix: &str,
    kind: &str,
    today: jiuzhu_shared::rules::date::Date,
) -> Result<String> {
    let n = txn.count_items(kind)? + 1;
    Ok(format!(
        "{prefix}-{}-{n:04}",
        today.to_string().replace('-', "")
    ))
}

/// A case id kept in a workflow item. Items are written by this module, so a bad one means the
/// data directory was damaged.
pub fn parse_case(id: &str) -> Result<jiuzhu_shared::CaseId> {
    id.parse().map_err(|_| {
        WorkflowError::Store(StoreError::Invalid(format!(
            "a workflow record names an invalid case id {id:?}: the data directory is damaged; restore it from a backup"
        )))
    })
}

/// A time-ordered id (UUIDv7) for items listed in order.
pub fn ordered_id() -> String {
    jiuzhu_shared::CaseId::new().to_string()
}
