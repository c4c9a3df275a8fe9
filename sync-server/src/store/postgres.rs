//! PostgreSQL implementation of [`Store`] (`--database postgres://…`): the store several server
//! processes share. Same semantics as the SQLite file; what SQLite gets from having one writer at
//! a time is done here with locks (see `docs/postgres.md`):
//! - a document is loaded and appended under an advisory lock keyed by its case id, held to the
//!   end of the transaction, so two merges of one document run one after the other and a
//!   compaction never drops a chunk another process appended;
//! - an item read for writing (`DocTxn::item`, `put_item`, `delete_item`) is locked by its key,
//!   and counting a kind (numbering) locks the kind, as the single writer did;
//! - the change sequence and the audit chain are written last, under one row lock (the commit
//!   lock) held to the commit, so sequence numbers are given in commit order (a device's cursor
//!   never passes a change still to be committed) and the chain has one tail;
//! - a transaction that loses a deadlock or a serialization check is run again, a few times.
//!
//! The client is asynchronous; each connection is driven on a thread of its own and the store
//! blocks on the client's futures, which need no runtime, so the synchronous trait works from
//! `spawn_blocking` threads, the admin command line and async tests alike.

use super::*;
use crate::audit::AuditEvent;
use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // Text PostgreSQL cannot hold (a NUL character, or one without a UTF-8 equivalent) came
        // from the request, whatever query carried it.
        if matches!(e.code(), Some(c) if *c == SqlState::CHARACTER_NOT_IN_REPERTOIRE
            || *c == SqlState::UNTRANSLATABLE_CHARACTER)
        {
            return StoreError::Unstorable(super::UNSTORABLE_TEXT.into());
        }
        // The server's own error says what went wrong; the client's wrapper only says "db error".
        match e.as_db_error() {
            Some(db) => StoreError::Db(Box::new(db.clone())),
            None => StoreError::Db(Box::new(e)),
        }
    }
}

/// Add-only migrations, applied in order, each once and in its own transaction; the applied ones
/// are listed in `schema_version`. The first is the schema the SQLite file reached by issue 17.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- The change sequence the console and the devices' cursors follow; its row is the commit lock.
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters(name, value) VALUES ('change', 0);
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    township TEXT NOT NULL, created_at BIGINT NOT NULL, password_hash TEXT, actor TEXT,
    disabled_at BIGINT);
CREATE TABLE enroll_codes (
    code_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL, used_at BIGINT, device_id TEXT);
CREATE TABLE devices (
    id TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id), name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, actor TEXT NOT NULL UNIQUE, enrolled_at BIGINT NOT NULL,
    revoked_at BIGINT, last_sync_at BIGINT, app_version TEXT,
    refused_count BIGINT NOT NULL DEFAULT 0, refused_at BIGINT, refused_reason TEXT);
CREATE TABLE docs (case_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX docs_seq ON docs(seq);
CREATE TABLE doc_chunks (
    case_id TEXT NOT NULL, n INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (case_id, n));
CREATE TABLE sync_states (
    device_id TEXT NOT NULL, case_id TEXT NOT NULL, state BYTEA NOT NULL,
    PRIMARY KEY (device_id, case_id));
CREATE TABLE assignments (
    case_id TEXT NOT NULL, user_id BIGINT NOT NULL REFERENCES users(id), active BOOLEAN NOT NULL,
    seq BIGINT NOT NULL, changed_at BIGINT, PRIMARY KEY (case_id, user_id));
CREATE INDEX assignments_user ON assignments(user_id, seq);
CREATE TABLE case_view (
    case_id TEXT PRIMARY KEY, case_no TEXT NOT NULL, applicant TEXT NOT NULL,
    township TEXT NOT NULL, village TEXT NOT NULL, status TEXT NOT NULL,
    visits BIGINT NOT NULL, findings BIGINT NOT NULL, photos JSONB NOT NULL,
    conflicts TEXT NOT NULL, conflict_count BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    deadline TEXT, team TEXT NOT NULL, open_notes BIGINT NOT NULL);
CREATE TABLE blobs (hash TEXT PRIMARY KEY, size BIGINT NOT NULL, stored_at BIGINT NOT NULL);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),
    expires_at BIGINT NOT NULL, last_seen BIGINT NOT NULL);
CREATE INDEX sessions_user ON sessions(user_id);
-- The body is the exact text that was hashed: TEXT, not JSONB (which would re-format it).
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY, case_id TEXT, action TEXT NOT NULL, body TEXT NOT NULL,
    prev BYTEA NOT NULL, hash BYTEA NOT NULL);
CREATE INDEX audit_case ON audit(case_id, seq);
-- JSON kept as text: PostgreSQL's text and JSONB cannot hold the character U+0000, which JSON
-- text writes as an escape; what the public pages filter on is copied into columns of its own.
CREATE TABLE items (
    kind TEXT NOT NULL, id TEXT NOT NULL, case_id TEXT, body TEXT NOT NULL, at BIGINT NOT NULL,
    state TEXT, township TEXT, PRIMARY KEY (kind, id));
CREATE INDEX items_case ON items(kind, case_id, id);
CREATE INDEX items_by_state ON items(kind, state, township);
CREATE TABLE flow_summary (
    case_id TEXT PRIMARY KEY, state TEXT NOT NULL, due TEXT, calendar_days BOOLEAN NOT NULL,
    config TEXT NOT NULL);
-- Writing a case's flow item drops its summary, whatever code writes it (as SQLite's triggers).
CREATE FUNCTION flow_summary_drop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.kind = 'flow' THEN
        DELETE FROM flow_summary WHERE case_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.kind = 'flow' THEN
        DELETE FROM flow_summary WHERE case_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER flow_summary_drop AFTER INSERT OR UPDATE OR DELETE ON items
    FOR EACH ROW EXECUTE PROCEDURE flow_summary_drop();
"#];

/// The first key of the two-key advisory locks, one per kind of thing locked.
const LOCK_MIGRATE: i32 = 0x4a5a_0001;
const LOCK_DOC: i32 = 0x4a5a_0002;
const LOCK_ITEM: i32 = 0x4a5a_0003;
const LOCK_KIND: i32 = 0x4a5a_0004;

/// Connections one process keeps at most (PostgreSQL allows 100 by default, shared by every
/// server process and the admin command line).
const POOL_SIZE: usize = 16;
/// Runs of a transaction that lost a deadlock or a serialization check.
const ATTEMPTS: u32 = 6;
/// A document's chunks placed before the commit lock carry this sequence number until the
/// transaction's own is given (at its first `current_seq` or at the commit).
const SEQ_PENDING: i64 = -1;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// One connection with its prepared statements.
struct Conn {
    client: Client,
    stmts: HashMap<String, Statement>,
    /// The transaction hit a deadlock or a serialization failure: running it again may succeed.
    retry: bool,
}

/// The second key of an advisory lock: FNV-1a of `key`, the same in every process.
fn lock_key(key: &str) -> i32 {
    let h = key.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    });
    h as i32
}

impl Conn {
    /// Connect on a thread of its own, which drives the connection until the client is dropped.
    fn connect(config: &Config) -> Result<Conn> {
        let (tx, rx) = std::sync::mpsc::channel();
        let config = config.clone();
        std::thread::Builder::new()
            .name("postgres-conn".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(StoreError::Db(Box::new(e))));
                        return;
                    }
                };
                rt.block_on(async move {
                    match config.connect(NoTls).await {
                        Ok((client, connection)) => {
                            let _ = tx.send(Ok(client));
                            // Ends with an error only when the server goes away; the next use
                            // of the client then fails and the pool drops it.
                            let _ = connection.await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e.into()));
                        }
                    }
                });
            })
            .map_err(|e| StoreError::Db(Box::new(e)))?;
        let client = rx
            .recv()
            .map_err(|_| StoreError::Invalid("the database connection thread ended".into()))??;
        Ok(Conn {
            client,
            stmts: HashMap::new(),
            retry: false,
        })
    }

    fn note(&mut self, e: tokio_postgres::Error) -> StoreError {
        if matches!(e.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::T_R_DEADLOCK_DETECTED)
        {
            self.retry = true;
        }
        e.into()
    }

    fn prepared(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let s = futures_executor::block_on(self.client.prepare(sql)).map_err(|e| self.note(e))?;
        self.stmts.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &str, p: Params<'_>) -> Result<Vec<Row>> {
        let st = self.prepared(sql)?;
        futures_executor::block_on(self.client.query(&st, p)).map_err(|e| self.note(e))
    }

    fn opt(&mut self, sql: &str, p: Params<'_>) -> Result<Option<Row>> {
        let st = self.prepared(sql)?;
        futures_executor::block_on(self.client.query_opt(&st, p)).map_err(|e| self.note(e))
    }

    fn one(&mut self, sql: &str, p: Params<'_>) -> Result<Row> {
        let st = self.prepared(sql)?;
        futures_executor::block_on(self.client.query_one(&st, p)).map_err(|e| self.note(e))
    }

    fn exec(&mut self, sql: &str, p: Params<'_>) -> Result<u64> {
        let st = self.prepared(sql)?;
        futures_executor::block_on(self.client.execute(&st, p)).map_err(|e| self.note(e))
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        futures_executor::block_on(self.client.batch_execute(sql)).map_err(|e| self.note(e))
    }
}

/// A few connections, opened on demand and reused; callers wait when all are in use.
struct Pool {
    config: Config,
    /// Idle connections and how many are open in all.
    state: Mutex<(Vec<Conn>, usize)>,
    freed: Condvar,
}

struct Pooled<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Conn>, usize)> {
        // The state is a list and a count, consistent at every step: a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self) -> Result<Pooled<'_>> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.0.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.1 < POOL_SIZE {
                state.1 += 1;
                drop(state);
                return match Conn::connect(&self.config) {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.lock().1 -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            state = self.freed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("a pooled connection")
    }
}
impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a pooled connection")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let conn = self.conn.take().expect("a pooled connection");
        let mut state = self.pool.lock();
        // A panic may have left a transaction open on it: never hand that to the next caller.
        if conn.client.is_closed() || std::thread::panicking() {
            state.1 -= 1;
        } else {
            state.0.push(conn);
        }
        drop(state);
        self.pool.freed.notify_one();
    }
}

pub struct PgStore {
    pool: Pool,
}

impl PgStore {
    /// Connect to the database at `url` and bring its schema up to date.
    pub fn open(url: &str) -> Result<Self> {
        let config: Config = url
            .parse()
            .map_err(|e| StoreError::Invalid(format!("the database URL: {e}")))?;
        let me = Self {
            pool: Pool {
                config,
                state: Mutex::new((Vec::new(), 0)),
                freed: Condvar::new(),
            },
        };
        me.migrate()?;
        me.write(|t| {
            t.c.exec(
                "INSERT INTO meta(key, value) VALUES ('server_actor', $1) ON CONFLICT (key) DO NOTHING",
                &[&ActorKey::random().to_string()],
            )?;
            Ok(())
        })?;
        Ok(me)
    }

    /// Apply the migrations not applied yet, one transaction each, under a lock so that two
    /// processes starting together apply each once.
    fn migrate(&self) -> Result<()> {
        loop {
            let done = self.write(|t| {
                t.c.exec("SELECT pg_advisory_xact_lock($1, 0)", &[&LOCK_MIGRATE])?;
                // Quiet: "already exists, skipping" at every start is no news.
                t.c.batch("SET LOCAL client_min_messages = warning")?;
                t.c.batch(
                    "CREATE TABLE IF NOT EXISTS schema_version (
                         version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
                )?;
                let applied: i32 =
                    t.c.one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?
                        .get(0);
                let Some(sql) = MIGRATIONS.get(applied as usize) else {
                    return Ok(true);
                };
                t.c.batch(sql)?;
                t.c.exec(
                    "INSERT INTO schema_version(version, applied_at) VALUES ($1, $2)",
                    &[&(applied + 1), &crate::clock::now()],
                )?;
                Ok(false)
            })?;
            if done {
                return Ok(());
            }
        }
    }

    fn read<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let mut conn = self.pool.get()?;
        f(&mut conn)
    }

    /// Run `f` in one transaction and commit (the sequence and audit records last, under the
    /// commit lock); run it again if it lost a deadlock or a serialization check.
    fn write<T>(&self, mut f: impl FnMut(&mut PgTxn<'_>) -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.get()?;
            conn.retry = false;
            let r = run_txn(&mut conn, &mut f);
            let Err(e) = r else { return r };
            // Ends the transaction if the failure was inside it; outside one it only warns.
            let _ = conn.batch("ROLLBACK");
            if !conn.retry || attempt >= ATTEMPTS {
                return Err(e);
            }
            drop(conn);
            // The other transaction usually needs a few milliseconds to finish.
            std::thread::sleep(std::time::Duration::from_millis(
                5 * u64::from(attempt) + rand::random::<u64>() % 10,
            ));
        }
    }
}

fn run_txn<T>(conn: &mut Conn, f: &mut impl FnMut(&mut PgTxn<'_>) -> Result<T>) -> Result<T> {
    conn.batch("BEGIN ISOLATION LEVEL READ COMMITTED")?;
    let mut txn = PgTxn {
        c: conn,
        seq: Seq::Untouched,
        docs: Vec::new(),
        assigned: Vec::new(),
        audit: Vec::new(),
        committing: false,
        announced_at: None,
        locked: HashSet::new(),
    };
    let v = f(&mut txn)?;
    txn.finish()?;
    conn.batch("COMMIT")?;
    Ok(v)
}

/// Where a transaction is with the change sequence.
#[derive(Clone, Copy)]
enum Seq {
    Untouched,
    /// Something moved it; the number is given under the commit lock.
    Pending,
    Assigned(i64),
}

struct PgTxn<'c> {
    c: &'c mut Conn,
    seq: Seq,
    /// Documents and assignment cases written with [`SEQ_PENDING`].
    docs: Vec<String>,
    assigned: Vec<String>,
    /// Audit records, chained at the commit.
    audit: Vec<AuditEvent>,
    /// The commit lock is held.
    committing: bool,
    /// The committed sequence number when announcements were read.
    announced_at: Option<i64>,
    locked: HashSet<(i32, i32)>,
}

impl PgTxn<'_> {
    fn lock(&mut self, space: i32, key: &str) -> Result<()> {
        let k = lock_key(key);
        if self.locked.insert((space, k)) {
            self.c
                .exec("SELECT pg_advisory_xact_lock($1, $2)", &[&space, &k])?;
        }
        Ok(())
    }

    fn lock_item(&mut self, kind: &str, id: &str) -> Result<()> {
        self.lock(LOCK_ITEM, &format!("{kind}\u{0}{id}"))
    }

    /// Hold the commit lock (the change counter's row) to the end of the transaction.
    fn commit_lock(&mut self) -> Result<()> {
        if !self.committing {
            self.c.one(
                "SELECT value FROM counters WHERE name = 'change' FOR UPDATE",
                &[],
            )?;
            self.committing = true;
        }
        Ok(())
    }

    fn bump(&mut self) {
        if let Seq::Untouched = self.seq {
            self.seq = Seq::Pending;
        }
    }

    /// The sequence number to write now: the transaction's own once given, else the placeholder.
    fn seq_for_write(&self) -> i64 {
        match self.seq {
            Seq::Assigned(s) => s,
            _ => SEQ_PENDING,
        }
    }

    /// Give the transaction its sequence number and stamp what was written with the placeholder.
    fn assign_seq(&mut self) -> Result<i64> {
        self.commit_lock()?;
        let s: i64 = self
            .c
            .one(
                "UPDATE counters SET value = value + 1 WHERE name = 'change' RETURNING value",
                &[],
            )?
            .get(0);
        if !self.docs.is_empty() {
            self.c.exec(
                "UPDATE docs SET seq = $1 WHERE case_id = ANY($2)",
                &[&s, &self.docs],
            )?;
        }
        if !self.assigned.is_empty() {
            self.c.exec(
                "UPDATE assignments SET seq = $1 WHERE case_id = ANY($2) AND seq = $3",
                &[&s, &self.assigned, &SEQ_PENDING],
            )?;
        }
        self.seq = Seq::Assigned(s);
        Ok(s)
    }

    /// Before the commit: the sequence number, then the audit records chained after the tail.
    fn finish(&mut self) -> Result<()> {
        if let Seq::Pending = self.seq {
            self.assign_seq()?;
        }
        if self.audit.is_empty() {
            return Ok(());
        }
        self.commit_lock()?;
        let mut last = self
            .c
            .opt(
                "SELECT seq, hash, body FROM audit ORDER BY seq DESC LIMIT 1",
                &[],
            )?
            .map(|r| {
                (
                    r.get::<_, i64>(0) as u64,
                    r.get::<_, Vec<u8>>(1),
                    r.get::<_, String>(2),
                )
            });
        for ev in std::mem::take(&mut self.audit) {
            let (seq, prev, body, hash) = crate::audit::next_link(
                last.as_ref()
                    .map(|(s, h, b)| (*s, h.as_slice(), b.as_str())),
                &ev,
            );
            self.c.exec(
                "INSERT INTO audit(seq, case_id, action, body, prev, hash) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&(seq as i64), &ev.case_id, &ev.action, &body, &prev.as_slice(), &hash.as_slice()],
            )?;
            last = Some((seq, hash.to_vec(), body));
        }
        Ok(())
    }
}

fn parse<T: std::str::FromStr>(s: String) -> Result<T> {
    s.parse()
        .map_err(|_| StoreError::Invalid(format!("stored identifier {s:?}")))
}

const USER_COLS: &str = "id, name, role, township";
fn user_row(r: &Row) -> User {
    let role: String = r.get(2);
    User {
        id: r.get(0),
        name: r.get(1),
        role: role.parse().unwrap_or(Role::Investigator),
        township: r.get(3),
    }
}

const DEVICE_SELECT: &str =
    "SELECT d.id, d.user_id, u.name, u.township, d.name, d.actor, d.enrolled_at,
    d.revoked_at, d.last_sync_at, d.app_version, d.refused_count, d.refused_at, d.refused_reason
    FROM devices d JOIN users u ON u.id = d.user_id";
fn device_row(r: &Row) -> Result<Device> {
    Ok(Device {
        id: parse(r.get(0))?,
        user_id: r.get(1),
        user_name: r.get(2),
        township: r.get(3),
        name: r.get(4),
        actor: parse(r.get(5))?,
        enrolled_at: r.get(6),
        revoked_at: r.get(7),
        last_sync_at: r.get(8),
        app_version: r.get(9),
        refused_count: r.get::<_, i64>(10) as u64,
        refused_at: r.get(11),
        refused_reason: r.get(12),
    })
}

const VIEW_COLUMNS: &str = "v.case_id, v.case_no, v.applicant, v.township, v.village, v.status,
    v.visits, v.findings, v.photos, v.conflicts, v.updated_at, v.deadline, v.team, v.open_notes";
fn view_row(r: &Row) -> Result<CaseView> {
    let text = |i: usize| r.get::<_, String>(i);
    Ok(CaseView {
        case_id: parse(r.get(0))?,
        case_no: r.get(1),
        applicant: r.get(2),
        township: r.get(3),
        village: r.get(4),
        status: r.get(5),
        visits: r.get::<_, i64>(6) as usize,
        findings: r.get::<_, i64>(7) as usize,
        photos: serde_json::from_value(r.get(8)).unwrap_or_default(),
        conflicts: serde_json::from_str(&text(9)).unwrap_or_default(),
        updated_at: r.get(10),
        deadline: r.get(11),
        team: serde_json::from_str(&text(12)).unwrap_or_default(),
        open_notes: r.get::<_, i64>(13) as usize,
    })
}

/// The flow summary after the view's 14 columns; none when absent or no longer readable.
fn summary_row(r: &Row) -> Option<FlowSummary> {
    let state = r.get::<_, Option<String>>(14)?;
    let state = State::from_code(&state)?;
    let due = match r.get::<_, Option<String>>(15).map(|d| d.parse::<Date>()) {
        Some(Err(_)) => return None,
        d => d.and_then(|d| d.ok()),
    };
    Some(FlowSummary {
        state,
        due,
        calendar_days: r.get(16),
        config: r.get(17),
    })
}

const ITEM_COLS: &str = "kind, id, case_id, body, at";
fn item_row(r: &Row) -> Item {
    Item {
        kind: r.get(0),
        id: r.get(1),
        case_id: r.get(2),
        body: serde_json::from_str(r.get(3)).unwrap_or(serde_json::Value::Null),
        at: r.get(4),
    }
}

/// Text as a text column can hold it: PostgreSQL refuses the character U+0000, which SQLite keeps.
/// Used for what is shown (the projection, a device's name, a refusal's reason), never for keys.
fn shown(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

fn get_item(c: &mut Conn, kind: &str, id: &str) -> Result<Option<Item>> {
    Ok(c.opt(
        &format!("SELECT {ITEM_COLS} FROM items WHERE kind = $1 AND id = $2"),
        &[&kind, &id],
    )?
    .as_ref()
    .map(item_row))
}

fn list_items(c: &mut Conn, kind: &str, case: Option<&str>) -> Result<Vec<Item>> {
    Ok(c.query(
        &format!(
            "SELECT {ITEM_COLS} FROM items WHERE kind = $1 AND ($2::text IS NULL OR case_id = $2)
             ORDER BY id"
        ),
        &[&kind, &case],
    )?
    .iter()
    .map(item_row)
    .collect())
}

fn assigned_users(c: &mut Conn, case: CaseId) -> Result<Vec<User>> {
    Ok(c.query(
        "SELECT u.id, u.name, u.role, u.township FROM assignments a JOIN users u ON u.id = a.user_id
         WHERE a.case_id = $1 AND a.active ORDER BY u.name",
        &[&case.to_string()],
    )?
    .iter()
    .map(user_row)
    .collect())
}

fn current_seq(c: &mut Conn) -> Result<u64> {
    let v: i64 = c
        .one("SELECT value FROM counters WHERE name = 'change'", &[])?
        .get(0);
    Ok(v as u64)
}

fn meta(c: &mut Conn, key: &str) -> Result<Option<String>> {
    Ok(c.opt("SELECT value FROM meta WHERE key = $1", &[&key])?
        .map(|r| r.get(0)))
}

impl DocTxn for PgTxn<'_> {
    fn load_doc(&mut self, id: CaseId) -> Result<Option<Vec<u8>>> {
        let id_s = id.to_string();
        self.lock(LOCK_DOC, &id_s)?;
        let chunks: Vec<Vec<u8>> = self
            .c
            .query(
                "SELECT data FROM doc_chunks WHERE case_id = $1 ORDER BY n",
                &[&id_s],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok((!chunks.is_empty()).then(|| chunks.concat()))
    }

    fn append_doc(
        &mut self,
        id: CaseId,
        chunk: &[u8],
        snapshot: Option<&[u8]>,
        view: &CaseView,
    ) -> Result<()> {
        let id_s = id.to_string();
        // Held since the load this append follows: no other process appended in between, so the
        // snapshot covers every chunk it replaces.
        self.lock(LOCK_DOC, &id_s)?;
        self.bump();
        let seq = self.seq_for_write();
        if seq == SEQ_PENDING {
            self.docs.push(id_s.clone());
        }
        if let Some(snap) = snapshot {
            self.c
                .exec("DELETE FROM doc_chunks WHERE case_id = $1", &[&id_s])?;
            self.c.exec(
                "INSERT INTO doc_chunks(case_id, n, data) VALUES ($1, 0, $2)",
                &[&id_s, &snap],
            )?;
        } else if !chunk.is_empty() {
            self.c.exec(
                "INSERT INTO doc_chunks(case_id, n, data)
                 VALUES ($1, COALESCE((SELECT MAX(n) + 1 FROM doc_chunks WHERE case_id = $1), 0), $2)",
                &[&id_s, &chunk],
            )?;
        }
        self.c.exec(
            "INSERT INTO docs(case_id, seq, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (case_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
            &[&id_s, &seq, &view.updated_at],
        )?;
        self.c.exec(
            "INSERT INTO case_view(case_id, case_no, applicant, township, village, status, visits,
                findings, photos, conflicts, conflict_count, updated_at, deadline, team, open_notes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (case_id) DO UPDATE SET case_no = excluded.case_no,
                applicant = excluded.applicant, township = excluded.township,
                village = excluded.village, status = excluded.status, visits = excluded.visits,
                findings = excluded.findings, photos = excluded.photos,
                conflicts = excluded.conflicts, conflict_count = excluded.conflict_count,
                updated_at = excluded.updated_at, deadline = excluded.deadline,
                team = excluded.team, open_notes = excluded.open_notes",
            &[
                &id_s,
                &shown(&view.case_no),
                &shown(&view.applicant),
                &shown(&view.township),
                &shown(&view.village),
                &shown(&view.status),
                &(view.visits as i64),
                &(view.findings as i64),
                &serde_json::to_value(&view.photos).expect("hashes serialise"),
                &json_text(&view.conflicts),
                &(view.conflicts.len() as i64),
                &view.updated_at,
                &view.deadline.as_deref().map(shown),
                &json_text(&view.team),
                &(view.open_notes as i64),
            ],
        )?;
        Ok(())
    }

    fn chunk_count(&mut self, id: CaseId) -> Result<usize> {
        let n: i64 = self
            .c
            .one(
                "SELECT COUNT(*) FROM doc_chunks WHERE case_id = $1",
                &[&id.to_string()],
            )?
            .get(0);
        Ok(n as usize)
    }

    fn sync_state(&mut self, device: DeviceId, id: CaseId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .c
            .opt(
                "SELECT state FROM sync_states WHERE device_id = $1 AND case_id = $2",
                &[&device.to_string(), &id.to_string()],
            )?
            .map(|r| r.get(0)))
    }

    fn put_sync_state(&mut self, device: DeviceId, id: CaseId, state: &[u8]) -> Result<()> {
        self.c.exec(
            "INSERT INTO sync_states(device_id, case_id, state) VALUES ($1, $2, $3)
             ON CONFLICT (device_id, case_id) DO UPDATE SET state = excluded.state",
            &[&device.to_string(), &id.to_string(), &state],
        )?;
        Ok(())
    }

    fn device_by_actor(&mut self, actor: ActorKey) -> Result<Option<Device>> {
        self.c
            .opt(
                &format!("{DEVICE_SELECT} WHERE d.actor = $1"),
                &[&actor.to_string()],
            )?
            .as_ref()
            .map(device_row)
            .transpose()
    }

    fn assignment(&mut self, user_id: i64, id: CaseId) -> Result<Option<Assignment>> {
        Ok(self
            .c
            .opt(
                "SELECT active, seq, changed_at FROM assignments WHERE case_id = $1 AND user_id = $2",
                &[&id.to_string(), &user_id],
            )?
            .map(|r| Assignment {
                active: r.get(0),
                seq: r.get::<_, i64>(1).max(0) as u64,
                changed_at: r.get(2),
            }))
    }

    fn set_assignment(&mut self, case: CaseId, user_ids: &[i64], now: i64) -> Result<()> {
        self.bump();
        let seq = self.seq_for_write();
        let case_s = case.to_string();
        if seq == SEQ_PENDING {
            self.assigned.push(case_s.clone());
        }
        self.c.exec(
            "UPDATE assignments SET active = false, seq = $3, changed_at = $4
             WHERE case_id = $1 AND active AND NOT (user_id = ANY($2))",
            &[&case_s, &user_ids, &seq, &now],
        )?;
        for u in user_ids {
            self.c.exec(
                "INSERT INTO assignments(case_id, user_id, active, seq, changed_at)
                 VALUES ($1, $2, true, $3, $4)
                 ON CONFLICT (case_id, user_id) DO UPDATE SET active = true, seq = excluded.seq,
                     changed_at = excluded.changed_at WHERE NOT assignments.active",
                &[&case_s, u, &seq, &now],
            )?;
        }
        Ok(())
    }

    fn team(&mut self, case: CaseId) -> Result<Vec<String>> {
        Ok(assigned_users(self.c, case)?
            .into_iter()
            .map(|u| u.name)
            .collect())
    }

    fn mark_refused(&mut self, device: DeviceId, now: i64, reason: &str) -> Result<()> {
        self.c.exec(
            "UPDATE devices SET refused_count = refused_count + 1, refused_at = $2,
                 refused_reason = $3 WHERE id = $1",
            &[&device.to_string(), &now, &shown(reason)],
        )?;
        Ok(())
    }

    fn announcements(&mut self, user_id: i64, cursor: u64) -> Result<Announcements> {
        // Read first: whatever commits later has a higher number, so is announced (again) later.
        if self.announced_at.is_none() {
            self.announced_at = Some(current_seq(self.c)? as i64);
        }
        let cursor = cursor as i64;
        let mut ids = |sql: &str| -> Result<Vec<CaseId>> {
            self.c
                .query(sql, &[&user_id, &cursor])?
                .iter()
                .map(|r| parse(r.get(0)))
                .collect()
        };
        Ok(Announcements {
            changed: ids(
                "SELECT d.case_id FROM docs d JOIN assignments a ON a.case_id = d.case_id
                 WHERE a.user_id = $1 AND a.active AND (d.seq > $2 OR a.seq > $2) ORDER BY d.case_id",
            )?,
            assigned: ids(
                "SELECT case_id FROM assignments WHERE user_id = $1 AND active AND seq > $2
                 ORDER BY case_id",
            )?,
            withdrawn: ids(
                "SELECT case_id FROM assignments WHERE user_id = $1 AND NOT active AND seq > $2
                 ORDER BY case_id",
            )?,
        })
    }

    /// The device's next cursor. SQLite's single writer answers its own number; here another
    /// transaction may commit between the announcements and this answer, and a cursor past its
    /// number would skip its changes for good. So: the transaction's own number (given now, under
    /// the commit lock) when nothing else committed since the announcements were read, else the
    /// number read then (this transaction's own changes are then announced once more, harmlessly).
    fn current_seq(&mut self) -> Result<u64> {
        let own = match self.seq {
            Seq::Untouched => None,
            Seq::Pending => Some(self.assign_seq()?),
            Seq::Assigned(s) => Some(s),
        };
        let cursor = match (self.announced_at, own) {
            (Some(seen), Some(own)) if own == seen + 1 => own,
            (Some(seen), _) => seen,
            (None, Some(own)) => own,
            (None, None) => current_seq(self.c)? as i64,
        };
        Ok(cursor as u64)
    }

    fn audit(&mut self, ev: &AuditEvent) -> Result<()> {
        self.audit.push(ev.clone());
        Ok(())
    }

    fn item(&mut self, kind: &str, id: &str) -> Result<Option<Item>> {
        self.lock_item(kind, id)?;
        get_item(self.c, kind, id)
    }

    fn put_flow_summary(&mut self, case: CaseId, summary: &FlowSummary) -> Result<()> {
        self.c.exec(
            "INSERT INTO flow_summary(case_id, state, due, calendar_days, config)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (case_id) DO UPDATE SET state = excluded.state, due = excluded.due,
                 calendar_days = excluded.calendar_days, config = excluded.config",
            &[
                &case.to_string(),
                &summary.state.code(),
                &summary.due.map(|d| d.to_string()),
                &summary.calendar_days,
                &summary.config,
            ],
        )?;
        Ok(())
    }

    fn items(&mut self, kind: &str, case: Option<&str>) -> Result<Vec<Item>> {
        list_items(self.c, kind, case)
    }

    /// Counting numbers things (case numbers, notices): the kind stays locked until the commit,
    /// so the next count sees this transaction's item.
    fn count_items(&mut self, kind: &str) -> Result<usize> {
        self.lock(LOCK_KIND, kind)?;
        let n: i64 = self
            .c
            .one("SELECT COUNT(*) FROM items WHERE kind = $1", &[&kind])?
            .get(0);
        Ok(n as usize)
    }

    fn put_item(&mut self, item: &Item) -> Result<()> {
        self.lock_item(&item.kind, &item.id)?;
        self.c.exec(
            "INSERT INTO items(kind, id, case_id, body, at, state, township)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (kind, id) DO UPDATE SET case_id = excluded.case_id,
                 body = excluded.body, at = excluded.at, state = excluded.state,
                 township = excluded.township",
            &[
                &item.kind,
                &item.id,
                &item.case_id,
                &item.body.to_string(),
                &item.at,
                &item.body["state"].as_str().map(shown),
                &item.body["township"].as_str().map(shown),
            ],
        )?;
        // The console polls the change sequence: workflow items count as changes.
        self.bump();
        Ok(())
    }

    fn delete_item(&mut self, kind: &str, id: &str) -> Result<()> {
        self.lock_item(kind, id)?;
        self.c.exec(
            "DELETE FROM items WHERE kind = $1 AND id = $2",
            &[&kind, &id],
        )?;
        Ok(())
    }
}

/// A projection's list as JSON text.
fn json_text<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("a projection serialises")
}

impl Store for PgStore {
    fn add_user(&self, name: &str, role: Role, township: &str, now: i64) -> Result<User> {
        let id = self.read(|c| {
            c.opt(
                "INSERT INTO users(name, role, township, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO NOTHING RETURNING id",
                &[&name, &role.as_str(), &township, &now],
            )
        })?;
        let Some(id) = id else {
            return Err(StoreError::Conflict(format!(
                "a user named {name:?} already exists"
            )));
        };
        Ok(User {
            id: id.get(0),
            name: name.into(),
            role,
            township: township.into(),
        })
    }

    fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        self.read(|c| {
            Ok(c.opt(
                &format!("SELECT {USER_COLS} FROM users WHERE name = $1"),
                &[&name],
            )?
            .as_ref()
            .map(user_row))
        })
    }

    fn add_enroll_code(&self, user_id: i64, code_hash: &str, expires_at: i64) -> Result<()> {
        self.read(|c| {
            c.exec(
                "INSERT INTO enroll_codes(code_hash, user_id, expires_at) VALUES ($1, $2, $3)",
                &[&code_hash, &user_id, &expires_at],
            )
        })?;
        Ok(())
    }

    fn enroll(
        &self,
        code_hash: &str,
        now: i64,
        dev: NewDevice,
    ) -> Result<Result<Device, EnrollError>> {
        let id = dev.id.to_string();
        self.write(|t| {
            // Locked: two processes redeeming one code — one wins, the other sees it used.
            let row = t.c.opt(
                "SELECT user_id, expires_at, used_at FROM enroll_codes WHERE code_hash = $1
                 FOR UPDATE",
                &[&code_hash],
            )?;
            let user_id: i64 = match row.map(|r| (r.get(0), r.get::<_, i64>(1), r.get(2))) {
                None => return Ok(Err(EnrollError::Unknown)),
                Some((_, _, Some::<i64>(_))) => return Ok(Err(EnrollError::Used)),
                Some((_, exp, None)) if exp <= now => return Ok(Err(EnrollError::Expired)),
                Some((user_id, _, None)) => user_id,
            };
            t.c.exec(
                "UPDATE enroll_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
                &[&code_hash, &now, &id],
            )?;
            t.c.exec(
                "INSERT INTO devices(id, user_id, name, token_hash, actor, enrolled_at, app_version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &id,
                    &user_id,
                    &shown(&dev.name),
                    &dev.token_hash,
                    &dev.actor.to_string(),
                    &now,
                    &dev.app_version,
                ],
            )?;
            let row =
                t.c.one(&format!("{DEVICE_SELECT} WHERE d.id = $1"), &[&id])?;
            Ok(Ok(device_row(&row)?))
        })
    }

    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        self.read(|c| {
            c.opt(
                &format!("{DEVICE_SELECT} WHERE d.token_hash = $1"),
                &[&token_hash],
            )?
            .as_ref()
            .map(device_row)
            .transpose()
        })
    }

    fn revoke_device(&self, id: DeviceId, now: i64) -> Result<bool> {
        let n = self.read(|c| {
            c.exec(
                "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[&id.to_string(), &now],
            )
        })?;
        Ok(n == 1)
    }

    fn list_devices(&self) -> Result<Vec<Device>> {
        self.read(|c| {
            c.query(&format!("{DEVICE_SELECT} ORDER BY d.enrolled_at"), &[])?
                .iter()
                .map(device_row)
                .collect()
        })
    }

    fn record_sync(&self, id: DeviceId, now: i64, app_version: &str) -> Result<()> {
        self.read(|c| {
            c.exec(
                "UPDATE devices SET last_sync_at = $2, app_version = $3 WHERE id = $1",
                &[&id.to_string(), &now, &app_version],
            )
        })?;
        Ok(())
    }

    fn actor_owner(&self, actor_hex: &str) -> Result<Option<String>> {
        self.read(|c| {
            if meta(c, "server_actor")?.as_deref() == Some(actor_hex) {
                return Ok(Some("server".into()));
            }
            if let Some(r) = c.opt("SELECT name FROM users WHERE actor = $1", &[&actor_hex])? {
                return Ok(Some(format!("console {}", r.get::<_, String>(0))));
            }
            Ok(c.opt(
                "SELECT d.name, u.name FROM devices d JOIN users u ON u.id = d.user_id
                 WHERE d.actor = $1",
                &[&actor_hex],
            )?
            .map(|r| {
                format!(
                    "device {} ({})",
                    r.get::<_, String>(0),
                    r.get::<_, String>(1)
                )
            }))
        })
    }

    fn server_actor(&self) -> Result<ActorKey> {
        let v = self
            .read(|c| meta(c, "server_actor"))?
            .ok_or_else(|| StoreError::NotFound("server actor missing".into()))?;
        v.parse()
            .map_err(|e: jiuzhu_shared::IdError| StoreError::Invalid(e.to_string()))
    }

    fn assigned_users(&self, case: CaseId) -> Result<Vec<User>> {
        self.read(|c| assigned_users(c, case))
    }

    fn list_cases(&self) -> Result<Vec<CaseView>> {
        self.read(|c| {
            c.query(
                &format!("SELECT {VIEW_COLUMNS} FROM case_view v ORDER BY v.case_id"),
                &[],
            )?
            .iter()
            .map(view_row)
            .collect()
        })
    }

    fn list_cases_with_flow(&self) -> Result<Vec<(CaseView, Option<FlowSummary>)>> {
        self.read(|c| {
            c.query(
                &format!(
                    "SELECT {VIEW_COLUMNS}, s.state, s.due, s.calendar_days, s.config
                     FROM case_view v LEFT JOIN flow_summary s ON s.case_id = v.case_id
                     ORDER BY v.case_id"
                ),
                &[],
            )?
            .iter()
            .map(|r| Ok((view_row(r)?, summary_row(r))))
            .collect()
        })
    }

    fn case_view(&self, id: CaseId) -> Result<Option<CaseView>> {
        self.read(|c| {
            c.opt(
                &format!("SELECT {VIEW_COLUMNS} FROM case_view v WHERE v.case_id = $1"),
                &[&id.to_string()],
            )?
            .as_ref()
            .map(view_row)
            .transpose()
        })
    }

    fn blob_present(&self, hash: &str) -> Result<bool> {
        self.read(|c| {
            Ok(c.opt("SELECT 1 FROM blobs WHERE hash = $1", &[&hash])?
                .is_some())
        })
    }

    fn blob_expected_from(&self, user_id: i64, hash: &str) -> Result<bool> {
        self.read(|c| {
            Ok(c.opt(
                "SELECT 1 FROM assignments a JOIN case_view v ON v.case_id = a.case_id
                 WHERE a.user_id = $1 AND v.photos ? $2 LIMIT 1",
                &[&user_id, &hash],
            )?
            .is_some())
        })
    }

    fn add_blob(&self, hash: &str, size: u64, now: i64) -> Result<()> {
        self.write(|t| {
            let added = t.c.exec(
                "INSERT INTO blobs(hash, size, stored_at) VALUES ($1, $2, $3)
                 ON CONFLICT (hash) DO NOTHING",
                &[&hash, &(size as i64), &now],
            )?;
            // A photo arriving after the document that refers to it changes what the console
            // shows (photos present): move the version the console polls.
            if added == 1 {
                t.bump();
            }
            Ok(())
        })
    }

    fn list_users(&self) -> Result<Vec<User>> {
        self.read(|c| {
            Ok(
                c.query(&format!("SELECT {USER_COLS} FROM users ORDER BY name"), &[])?
                    .iter()
                    .map(user_row)
                    .collect(),
            )
        })
    }

    fn township_records(&self, township: &str, cases: &[CaseId]) -> Result<TownshipRecords> {
        self.read(|c| {
            let users = c
                .query(
                    "SELECT id, name, role, township, created_at, password_hash, actor, disabled_at
                     FROM users WHERE township = $1 ORDER BY id",
                    &[&township],
                )?
                .iter()
                .map(|r| ReplicaUser {
                    id: r.get(0),
                    name: r.get(1),
                    role: r.get(2),
                    township: r.get(3),
                    created_at: r.get(4),
                    password_hash: r.get(5),
                    actor: r.get(6),
                    disabled_at: r.get(7),
                })
                .collect();
            let devices = c
                .query(
                    "SELECT d.id, d.user_id, d.name, d.token_hash, d.actor, d.enrolled_at, d.revoked_at
                     FROM devices d JOIN users u ON u.id = d.user_id WHERE u.township = $1 ORDER BY d.id",
                    &[&township],
                )?
                .iter()
                .map(|r| ReplicaDevice {
                    id: r.get(0),
                    user_id: r.get(1),
                    name: r.get(2),
                    token_hash: r.get(3),
                    actor: r.get(4),
                    enrolled_at: r.get(5),
                    revoked_at: r.get(6),
                })
                .collect();
            let mut teams = Vec::new();
            for case in cases {
                let ids = c
                    .query(
                        "SELECT user_id FROM assignments WHERE case_id = $1 AND active ORDER BY user_id",
                        &[&case.to_string()],
                    )?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                teams.push((*case, ids));
            }
            Ok((users, devices, teams))
        })
    }

    fn apply_replica(&self, _users: &[ReplicaUser], _devices: &[ReplicaDevice]) -> Result<()> {
        // A township station is one small machine: it keeps its copy in SQLite.
        Err(StoreError::Invalid(
            "a township station keeps its records in SQLite: start it without --database".into(),
        ))
    }

    fn adopt_devices(&self, devices: &[ReplicaDevice]) -> Result<Vec<ReplicaDevice>> {
        self.write(|t| {
            let mut added = Vec::new();
            for d in devices {
                let n = t.c.exec(
                    "INSERT INTO devices(id, user_id, name, token_hash, actor, enrolled_at, revoked_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    &[&d.id, &d.user_id, &d.name, &d.token_hash, &d.actor, &d.enrolled_at, &d.revoked_at],
                )?;
                if n == 1 {
                    added.push(d.clone());
                }
            }
            Ok(added)
        })
    }

    fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        self.write(|t| {
            t.c.exec(
                "UPDATE users SET password_hash = $2 WHERE id = $1",
                &[&user_id, &password_hash],
            )?;
            t.c.exec("DELETE FROM sessions WHERE user_id = $1", &[&user_id])?;
            Ok(())
        })
    }

    fn set_disabled(&self, user_id: i64, disabled_at: Option<i64>) -> Result<()> {
        self.write(|t| {
            t.c.exec(
                "UPDATE users SET disabled_at = $2 WHERE id = $1",
                &[&user_id, &disabled_at],
            )?;
            t.c.exec("DELETE FROM sessions WHERE user_id = $1", &[&user_id])?;
            Ok(())
        })
    }

    fn password_hash(&self, user_id: i64) -> Result<Option<String>> {
        self.read(|c| {
            Ok(c.opt(
                "SELECT password_hash FROM users WHERE id = $1 AND disabled_at IS NULL",
                &[&user_id],
            )?
            .and_then(|r| r.get(0)))
        })
    }

    fn user_actor(&self, user_id: i64) -> Result<ActorKey> {
        let a: String = self.read(|c| {
            c.exec(
                "UPDATE users SET actor = $2 WHERE id = $1 AND actor IS NULL",
                &[&user_id, &ActorKey::random().to_string()],
            )?;
            Ok(c.one("SELECT actor FROM users WHERE id = $1", &[&user_id])?
                .get(0))
        })?;
        a.parse()
            .map_err(|e: jiuzhu_shared::IdError| StoreError::Invalid(e.to_string()))
    }

    fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        self.read(|c| {
            c.exec(
                "INSERT INTO sessions(token_hash, user_id, expires_at, last_seen)
                 VALUES ($1, $2, $3, $4)",
                &[&token_hash, &user_id, &expires_at, &now],
            )
        })?;
        Ok(())
    }

    fn session_user(
        &self,
        token_hash: &str,
        now: i64,
        idle_since: i64,
        touch: bool,
    ) -> Result<Option<User>> {
        self.read(|c| {
            let user = c
                .opt(
                    "SELECT u.id, u.name, u.role, u.township FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen > $3
                       AND u.disabled_at IS NULL",
                    &[&token_hash, &now, &idle_since],
                )?
                .as_ref()
                .map(user_row);
            // Written at most once a minute: every console request would otherwise be a write.
            if user.is_some() && touch {
                c.exec(
                    "UPDATE sessions SET last_seen = $2 WHERE token_hash = $1 AND last_seen < $2::bigint - 60",
                    &[&token_hash, &now],
                )?;
            }
            Ok(user)
        })
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.read(|c| c.exec("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash]))?;
        Ok(())
    }

    fn change_seq(&self) -> Result<u64> {
        self.read(current_seq)
    }

    fn audit(&self, ev: &AuditEvent) -> Result<()> {
        self.write(|t| {
            t.audit.push(ev.clone());
            Ok(())
        })
    }

    fn check_audit(
        &self,
        v: &mut crate::audit::Verifier,
        progress: &mut dyn FnMut(u64),
    ) -> Result<std::result::Result<u64, crate::audit::Broken>> {
        // Read in pages: records are only ever appended, so each page follows the last.
        const PAGE: i64 = 10_000;
        let mut after = 0_i64;
        loop {
            let rows = self.read(|c| {
                c.query(
                    "SELECT seq, body, case_id, prev, hash FROM audit WHERE seq > $1
                     ORDER BY seq LIMIT $2",
                    &[&after, &PAGE],
                )
            })?;
            for r in &rows {
                let (body, case_id): (String, Option<String>) = (r.get(1), r.get(2));
                let (prev, hash): (Vec<u8>, Vec<u8>) = (r.get(3), r.get(4));
                after = r.get(0);
                let rec = crate::audit::StoredRecord {
                    seq: after as u64,
                    body: &body,
                    case_id: case_id.as_deref(),
                    prev: &prev,
                    hash: &hash,
                };
                if let Err(b) = v.check(&rec) {
                    return Ok(Err(b));
                }
                if v.checked.is_multiple_of(100_000) {
                    progress(v.checked);
                }
            }
            if (rows.len() as i64) < PAGE {
                return Ok(Ok(v.checked));
            }
        }
    }

    fn audit_for_case(&self, case: CaseId) -> Result<Vec<AuditEvent>> {
        let rows = self.read(|c| {
            c.query(
                "SELECT body FROM audit WHERE case_id = $1 ORDER BY seq",
                &[&case.to_string()],
            )
        })?;
        Ok(rows
            .iter()
            .filter_map(|r| serde_json::from_str(r.get(0)).ok())
            .collect())
    }

    fn item(&self, kind: &str, id: &str) -> Result<Option<Item>> {
        self.read(|c| get_item(c, kind, id))
    }

    fn items(&self, kind: &str, case: Option<&str>) -> Result<Vec<Item>> {
        self.read(|c| list_items(c, kind, case))
    }

    fn items_in_state(
        &self,
        kind: &str,
        township: Option<&str>,
        states: &[&str],
        limit: usize,
    ) -> Result<Vec<Item>> {
        self.read(|c| {
            let mut out = Vec::new();
            for state in states {
                let left = limit.saturating_sub(out.len()) as i64;
                let rows = c.query(
                    &format!(
                        "SELECT {ITEM_COLS} FROM items WHERE kind = $1 AND state = $3
                           AND ($2::text IS NULL OR township = $2) LIMIT $4"
                    ),
                    &[&kind, &township, state, &left],
                )?;
                out.extend(rows.iter().map(item_row));
            }
            out.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(out)
        })
    }

    fn items_containing(&self, kind: &str, text: &str) -> Result<Vec<Item>> {
        self.read(|c| {
            let rows = c.query(
                &format!(
                    "SELECT {ITEM_COLS} FROM items
                     WHERE kind = $1 AND strpos(upper(body), upper($2)) > 0 ORDER BY id"
                ),
                &[&kind, &text],
            )?;
            Ok(rows.iter().map(item_row).collect())
        })
    }

    fn transact(&self, f: &mut dyn FnMut(&mut dyn DocTxn) -> Result<()>) -> Result<()> {
        self.write(|t| f(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A database of the test's own on the server `JIUZHU_TEST_DATABASE` names
    /// (`postgres://user@host:port`), dropped at the end; none, with a note, when it is unset.
    struct Scratch {
        server: String,
        name: String,
    }

    fn admin(server: &str, sql: &str) {
        let config: Config = format!("{server}/postgres").parse().unwrap();
        Conn::connect(&config).unwrap().batch(sql).unwrap();
    }

    impl Scratch {
        fn new() -> Option<Scratch> {
            let Some(server) = std::env::var("JIUZHU_TEST_DATABASE")
                .ok()
                .filter(|v| !v.is_empty())
            else {
                eprintln!("JIUZHU_TEST_DATABASE is not set: the PostgreSQL store is not tested");
                return None;
            };
            let server = server.trim_end_matches('/').to_string();
            let name = format!(
                "jiuzhu_unit_{}_{:016x}",
                std::process::id(),
                rand::random::<u64>()
            );
            admin(&server, &format!("CREATE DATABASE {name}"));
            Some(Scratch { server, name })
        }

        fn url(&self) -> String {
            format!("{}/{}", self.server, self.name)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            admin(
                &self.server,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            );
        }
    }

    #[test]
    fn keeps_the_store_contract() {
        let mut next = Scratch::new();
        if next.is_none() {
            return;
        }
        let mut dbs = Vec::new();
        super::super::contract::all(&mut || {
            let db = next
                .take()
                .unwrap_or_else(|| Scratch::new().expect("a server"));
            let store = PgStore::open(&db.url()).unwrap();
            dbs.push(db);
            Box::new(store)
        });
    }

    /// A second process (here: a second pool) opening the database migrates nothing twice.
    #[test]
    fn migrations_are_applied_once() {
        let Some(db) = Scratch::new() else { return };
        let stores: Vec<_> = std::thread::scope(|s| {
            let opens: Vec<_> = (0..3)
                .map(|_| s.spawn(|| PgStore::open(&db.url())))
                .collect();
            opens
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        let applied: i64 = stores[0]
            .read(|c| Ok(c.one("SELECT COUNT(*) FROM schema_version", &[])?.get(0)))
            .unwrap();
        assert_eq!(applied, MIGRATIONS.len() as i64);
        assert_eq!(
            stores[0].server_actor().unwrap(),
            stores[2].server_actor().unwrap()
        );
    }

    /// A change committed by another process while a sync round runs — after the round read its
    /// announcements, before it answered — is announced at the device's next round: the cursor
    /// the round answers does not pass it.
    #[test]
    fn a_change_committed_during_a_round_is_announced_next_time() {
        let Some(db) = Scratch::new() else { return };
        let (round, other) = (
            PgStore::open(&db.url()).unwrap(),
            PgStore::open(&db.url()).unwrap(),
        );
        let user = round
            .add_user("王五", Role::Investigator, "树林召镇", 1)
            .unwrap();
        let case = CaseId::new();
        let view = super::super::contract::view(case, &[]);
        round
            .transact(&mut |t| {
                t.append_doc(case, b"a", None, &view)?;
                t.set_assignment(case, &[user.id], 1)
            })
            .unwrap();
        let start = round.change_seq().unwrap();
        let mut cursor = 0;
        std::thread::scope(|s| {
            let (announced, go) = std::sync::mpsc::channel();
            let (committed, done) = std::sync::mpsc::channel();
            s.spawn(move || {
                go.recv().unwrap();
                other
                    .transact(&mut |t| t.append_doc(case, b"b", None, &view))
                    .unwrap();
                committed.send(()).unwrap();
            });
            round
                .transact(&mut |t| {
                    assert!(t.announcements(user.id, start)?.changed.is_empty());
                    announced.send(()).unwrap();
                    done.recv().unwrap();
                    t.put_item(&Item {
                        kind: "lease_secret".into(),
                        id: "device".into(),
                        case_id: None,
                        body: serde_json::json!({}),
                        at: 1,
                    })?;
                    cursor = t.current_seq()?;
                    Ok(())
                })
                .unwrap();
        });
        let next = round.write(|t| t.announcements(user.id, cursor)).unwrap();
        assert_eq!(next.changed, vec![case], "cursor {cursor} from {start}");
    }

    /// Two processes (two pools) merging into one document at once: every merge is kept, through
    /// compactions; each transaction gets a sequence number of its own; the audit chain stays
    /// one chain.
    #[test]
    fn concurrent_writers_lose_nothing() {
        let Some(db) = Scratch::new() else { return };
        let stores: Vec<Arc<PgStore>> = (0..2)
            .map(|_| Arc::new(PgStore::open(&db.url()).unwrap()))
            .collect();
        let case = CaseId::new();
        let start = stores[0].change_seq().unwrap();
        const WRITERS: usize = 6;
        const EACH: usize = 15;
        let seqs: Vec<u64> = std::thread::scope(|s| {
            let writers: Vec<_> = (0..WRITERS)
                .map(|w| {
                    let store = stores[w % 2].clone();
                    s.spawn(move || {
                        let mut seqs = Vec::new();
                        for i in 0..EACH {
                            let token = format!("[{w}.{i}]");
                            let mut seq = 0;
                            store
                                .transact(&mut |t| {
                                    let doc = t.load_doc(case)?.unwrap_or_default();
                                    let mut merged = doc.clone();
                                    merged.extend_from_slice(token.as_bytes());
                                    let compact = t.chunk_count(case)? >= 4;
                                    let view = super::super::contract::view(case, &[]);
                                    t.append_doc(
                                        case,
                                        token.as_bytes(),
                                        compact.then_some(merged.as_slice()),
                                        &view,
                                    )?;
                                    t.audit(&AuditEvent::new(
                                        1,
                                        "admin",
                                        "merge",
                                        Some(case.to_string()),
                                        serde_json::json!({ "token": token }),
                                    ))?;
                                    seq = t.current_seq()?;
                                    Ok(())
                                })
                                .unwrap();
                            seqs.push(seq);
                        }
                        seqs
                    })
                })
                .collect();
            writers
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let doc = stores[1]
            .write(|t| t.load_doc(case))
            .unwrap()
            .expect("the document");
        let doc = String::from_utf8(doc).unwrap();
        for w in 0..WRITERS {
            for i in 0..EACH {
                assert_eq!(doc.matches(&format!("[{w}.{i}]")).count(), 1, "{doc}");
            }
        }
        let mut sorted = seqs.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            WRITERS * EACH,
            "one sequence number per transaction"
        );
        assert_eq!(
            stores[0].change_seq().unwrap(),
            start + (WRITERS * EACH) as u64
        );
        assert_eq!(
            stores[0].verify_audit(&mut |_| {}).unwrap(),
            Ok((WRITERS * EACH) as u64)
        );
    }
}
