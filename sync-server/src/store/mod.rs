//! Storage behind a trait: the sync engine, enrollment and admin speak to `Store`; SQLite is the
//! embedded implementation (one file in the data directory), PostgreSQL the one several server
//! processes share (`--database postgres://…`, issue 18). Nothing outside this module names either.

#[cfg(test)]
mod contract;
pub mod postgres;
pub mod sqlite;

use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{Role, State};
use jiuzhu_shared::{ActorKey, CaseId, DeviceId};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database's own error, whichever backend (each converts its error type).
    #[error("database error: {0}")]
    Db(Box<dyn std::error::Error + Send + Sync>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    /// A value sent in cannot be stored as it is (PostgreSQL keeps no NUL character in text):
    /// the sender's input, not the server, is at fault.
    #[error("{0}")]
    Unstorable(String),
    #[error(transparent)]
    Doc(#[from] jiuzhu_shared::DocError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What the console and the apps are told when text they sent cannot be stored.
pub const UNSTORABLE_TEXT: &str = "提交的文字中含有不能保存的控制字符（如 \\0）：请删去后再提交";

/// Open the store `database` names: a `postgres://` (or `postgresql://`) URL, or none for the
/// SQLite file at `sqlite_file`.
pub fn open(
    database: Option<&str>,
    sqlite_file: &std::path::Path,
) -> Result<std::sync::Arc<dyn Store>> {
    match database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(std::sync::Arc::new(postgres::PgStore::open(url)?))
        }
        Some(other) => Err(StoreError::Invalid(format!(
            "--database takes a postgres:// URL (without it the data directory's SQLite file is used), not {other:?}"
        ))),
        None => Ok(std::sync::Arc::new(sqlite::SqliteStore::open(sqlite_file)?)),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub township: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Device {
    pub id: DeviceId,
    pub user_id: i64,
    pub user_name: String,
    pub township: String,
    pub name: String,
    #[serde(serialize_with = "ser_display")]
    pub actor: ActorKey,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
    pub last_sync_at: Option<i64>,
    pub app_version: Option<String>,
    /// Changes the write policy refused from this device: how many messages, the last time and
    /// why (issue 11: the console shows who sent what the server would not take).
    pub refused_count: u64,
    pub refused_at: Option<i64>,
    pub refused_reason: Option<String>,
}

fn ser_display<S: serde::Serializer>(v: &ActorKey, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// What enrollment creates (the token itself is never stored, only its hash).
pub struct NewDevice {
    pub id: DeviceId,
    pub name: String,
    pub token_hash: String,
    pub actor: ActorKey,
    pub app_version: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnrollError {
    #[error("the enrollment code is not valid: ask the township for a new code")]
    Unknown,
    #[error("the enrollment code has expired: ask the township for a new code")]
    Expired,
    #[error("the enrollment code was already used: ask the township for a new code")]
    Used,
}

/// The queryable projection of a case, rebuilt from its document after every merge.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseView {
    pub case_id: CaseId,
    pub case_no: String,
    pub applicant: String,
    pub township: String,
    pub village: String,
    pub status: String,
    pub visits: usize,
    pub findings: usize,
    pub photos: Vec<String>,
    pub conflicts: Vec<jiuzhu_shared::Conflict>,
    pub updated_at: i64,
    pub deadline: Option<String>,
    pub team: Vec<String>,
    /// Review notes not yet resolved (the case was returned for correction).
    pub open_notes: usize,
}

/// What the queue shows of a case's workflow, kept beside its projection so that the queue does not
/// read every flow per request (issue 17): the state and the next deadline. The deadline depends
/// on the workflow configuration (holiday calendar, options), which `config` names; a summary made
/// under another configuration is stale. Writing a case's flow item drops its summary, whoever
/// writes it, so a kept summary is never older than the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSummary {
    pub state: State,
    pub due: Option<Date>,
    /// The deadline counts calendar days (the 公示 period), not working days.
    pub calendar_days: bool,
    pub config: String,
}

/// A workflow item, kept as JSON under `(kind, id)`: a case's workflow state and its transition
/// records, notices, applicants' materials, objections, 民主评议 meetings and ballots, periodic
/// reports, one-time codes and applicant sessions. The workflow module owns the shapes; the store
/// only keeps them, inside the same transactions as the documents they concern.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Item {
    pub kind: String,
    pub id: String,
    pub case_id: Option<String>,
    pub body: serde_json::Value,
    pub at: i64,
}

/// A user as a township station keeps a copy of it (`levels`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ReplicaUser {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub township: String,
    pub created_at: i64,
    pub password_hash: Option<String>,
    pub actor: Option<String>,
    pub disabled_at: Option<i64>,
}

/// A device as a township station keeps a copy of it: with its token's hash, so a tablet enrolled
/// at the banner is known at its station.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ReplicaDevice {
    pub id: String,
    pub user_id: i64,
    pub name: String,
    pub token_hash: String,
    pub actor: String,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
}

/// A township's users and devices, and the teams of its cases (user ids).
pub type TownshipRecords = (
    Vec<ReplicaUser>,
    Vec<ReplicaDevice>,
    Vec<(CaseId, Vec<i64>)>,
);

/// A user's assignment to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// Assigned now; false once withdrawn.
    pub active: bool,
    /// The change sequence of the last assignment or withdrawal.
    pub seq: u64,
    /// When it was last assigned or withdrawn (unknown for assignments made before issue 11).
    pub changed_at: Option<i64>,
}

/// Cases that concern one investigator since a cursor.
#[derive(Debug, Default)]
pub struct Announcements {
    /// Assigned cases whose document changed after the cursor.
    pub changed: Vec<CaseId>,
    pub assigned: Vec<CaseId>,
    pub withdrawn: Vec<CaseId>,
}

/// Document operations inside one transaction: a sync round commits all of its merges at once,
/// before the server answers.
pub trait DocTxn {
    /// The stored chunks of a document, concatenated (load them with one `load`).
    fn load_doc(&mut self, id: CaseId) -> Result<Option<Vec<u8>>>;
    /// Append a chunk of new changes (or replace all chunks by `snapshot` when compacting) and store
    /// the refreshed projection. Bumps the document's change sequence.
    fn append_doc(
        &mut self,
        id: CaseId,
        chunk: &[u8],
        snapshot: Option<&[u8]>,
        view: &CaseView,
    ) -> Result<()>;
    /// How many chunks the document is stored as (to decide on compaction).
    fn chunk_count(&mut self, id: CaseId) -> Result<usize>;
    fn sync_state(&mut self, device: DeviceId, id: CaseId) -> Result<Option<Vec<u8>>>;
    fn put_sync_state(&mut self, device: DeviceId, id: CaseId, state: &[u8]) -> Result<()>;
    /// The enrolled device that writes with `actor`, revoked or not: whose work a relayed change
    /// is (issue 18: a tablet carries its colleague's changes from a face-to-face sync).
    fn device_by_actor(&mut self, actor: ActorKey) -> Result<Option<Device>>;
    /// The user's assignment to the case, current or withdrawn, if there ever was one.
    fn assignment(&mut self, user_id: i64, id: CaseId) -> Result<Option<Assignment>>;
    /// Record or withdraw assignments of a case to users (everyone not named is withdrawn),
    /// moving the change sequence.
    fn set_assignment(&mut self, case: CaseId, user_ids: &[i64], now: i64) -> Result<()>;
    /// The names of the investigators assigned to the case now.
    fn team(&mut self, case: CaseId) -> Result<Vec<String>>;
    /// Mark a device as having sent a change the write policy refused (the console shows it).
    fn mark_refused(&mut self, device: DeviceId, now: i64, reason: &str) -> Result<()>;
    fn announcements(&mut self, user_id: i64, cursor: u64) -> Result<Announcements>;
    fn current_seq(&mut self) -> Result<u64>;
    /// Append to the audit chain inside this transaction.
    fn audit(&mut self, ev: &crate::audit::AuditEvent) -> Result<()>;
    fn item(&mut self, kind: &str, id: &str) -> Result<Option<Item>>;
    /// Keep the case's flow summary (until its flow item is written again).
    fn put_flow_summary(&mut self, case: CaseId, summary: &FlowSummary) -> Result<()>;
    /// Items of a kind (of one case when `case` is given), ordered by id.
    fn items(&mut self, kind: &str, case: Option<&str>) -> Result<Vec<Item>>;
    /// How many items of a kind there are (numbering case numbers, notices, receipts).
    fn count_items(&mut self, kind: &str) -> Result<usize>;
    /// Insert or replace; moves the change sequence.
    fn put_item(&mut self, item: &Item) -> Result<()>;
    fn delete_item(&mut self, kind: &str, id: &str) -> Result<()>;
}

pub trait Store: Send + Sync + 'static {
    fn add_user(&self, name: &str, role: Role, township: &str, now: i64) -> Result<User>;
    fn user_by_name(&self, name: &str) -> Result<Option<User>>;
    fn add_enroll_code(&self, user_id: i64, code_hash: &str, expires_at: i64) -> Result<()>;
    /// Redeem a one-time code atomically and create the device.
    fn enroll(
        &self,
        code_hash: &str,
        now: i64,
        dev: NewDevice,
    ) -> Result<Result<Device, EnrollError>>;
    /// The device holding this credential, revoked or not (the caller decides what to say).
    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>>;
    fn revoke_device(&self, id: DeviceId, now: i64) -> Result<bool>;
    fn list_devices(&self) -> Result<Vec<Device>>;
    fn record_sync(&self, id: DeviceId, now: i64, app_version: &str) -> Result<()>;
    /// Actor id → who it belongs to ("device 平板-03 (王五)" or "server"), for conflict display.
    fn actor_owner(&self, actor_hex: &str) -> Result<Option<String>>;
    /// The server's own Automerge actor (header, declared section, assignments).
    fn server_actor(&self) -> Result<ActorKey>;
    fn assigned_users(&self, case: CaseId) -> Result<Vec<User>>;
    fn list_cases(&self) -> Result<Vec<CaseView>>;
    /// Every case's projection with its flow summary, where one is kept.
    fn list_cases_with_flow(&self) -> Result<Vec<(CaseView, Option<FlowSummary>)>>;
    fn case_view(&self, id: CaseId) -> Result<Option<CaseView>>;
    fn blob_present(&self, hash: &str) -> Result<bool>;
    /// Whether a photo or signature `hash` is referenced by a case ever assigned to `user_id`
    /// (work done before a removal still uploads its photos).
    fn blob_expected_from(&self, user_id: i64, hash: &str) -> Result<bool>;
    /// Record a stored blob; a new one moves the change sequence (the console shows photos present).
    fn add_blob(&self, hash: &str, size: u64, now: i64) -> Result<()>;
    fn list_users(&self) -> Result<Vec<User>>;
    /// The users and devices of `township` and the team now of each of `cases` (what its
    /// station keeps a copy of, `levels`).
    fn township_records(&self, township: &str, cases: &[CaseId]) -> Result<TownshipRecords>;
    /// Keep a copy of the banner's users and devices (at a station): each inserted, or updated
    /// by its id; what the station itself records of a device (its last sync) stays.
    fn apply_replica(&self, users: &[ReplicaUser], devices: &[ReplicaDevice]) -> Result<()>;
    /// Record devices a township station enrolled (at the banner): each one not known yet, whose
    /// id, token and actor are all new. Answers the devices added.
    fn adopt_devices(&self, devices: &[ReplicaDevice]) -> Result<Vec<ReplicaDevice>>;
    /// Set a console password; the user's sessions end.
    fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()>;
    /// Disable (`Some(when)`) or enable (`None`) a user; disabling ends their sessions.
    fn set_disabled(&self, user_id: i64, disabled_at: Option<i64>) -> Result<()>;
    /// The password hash of an enabled user (none for a disabled one: they cannot sign in).
    fn password_hash(&self, user_id: i64) -> Result<Option<String>>;
    /// The Automerge actor a console user writes with (created on first use).
    fn user_actor(&self, user_id: i64) -> Result<ActorKey>;
    fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<()>;
    /// The enabled user of a session not expired and used after `idle_since`; `touch` records
    /// this request as its use.
    fn session_user(
        &self,
        token_hash: &str,
        now: i64,
        idle_since: i64,
        touch: bool,
    ) -> Result<Option<User>>;
    fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Moves whenever any case document or assignment changes.
    fn change_seq(&self) -> Result<u64>;
    /// Append to the audit chain.
    fn audit(&self, ev: &crate::audit::AuditEvent) -> Result<()>;
    /// Check the whole chain; `Ok(Err(b))` names the first broken link. `progress` hears every
    /// 100,000 records.
    fn verify_audit(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<std::result::Result<u64, crate::audit::Broken>> {
        self.check_audit(&mut crate::audit::Verifier::default(), progress)
    }
    /// [`Store::verify_audit`] through `v`, which keeps the day heads and watched links.
    fn check_audit(
        &self,
        v: &mut crate::audit::Verifier,
        progress: &mut dyn FnMut(u64),
    ) -> Result<std::result::Result<u64, crate::audit::Broken>>;
    fn audit_for_case(&self, case: CaseId) -> Result<Vec<crate::audit::AuditEvent>>;
    fn item(&self, kind: &str, id: &str) -> Result<Option<Item>>;
    fn items(&self, kind: &str, case: Option<&str>) -> Result<Vec<Item>>;
    /// Items of `kind` whose JSON body has one of `states` (and `township`, if given), at most
    /// `limit`, read through an index: what the public pages may cost per request.
    fn items_in_state(
        &self,
        kind: &str,
        township: Option<&str>,
        states: &[&str],
        limit: usize,
    ) -> Result<Vec<Item>>;
    /// Items of `kind` whose stored JSON contains `text` (ASCII letters in either case), in id
    /// order: a sieve read without parsing every item (an ID number among 10,000 flows); the
    /// caller checks what it parses.
    fn items_containing(&self, kind: &str, text: &str) -> Result<Vec<Item>>;
    /// Run `f` in one write transaction; commit only if it returns Ok.
    fn transact(&self, f: &mut dyn FnMut(&mut dyn DocTxn) -> Result<()>) -> Result<()>;
}
