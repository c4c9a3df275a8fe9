//! SQLite implementation of [`Store`]: one file (WAL) in the data directory.

use super::*;
use crate::audit::AuditEvent;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::Path;
use std::sync::Mutex;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(Box::new(e))
    }
}

/// Add-only migrations, applied in order and tracked by `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE users (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    township TEXT NOT NULL, created_at INTEGER NOT NULL) STRICT;
CREATE TABLE enroll_codes (
    code_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL, used_at INTEGER, device_id TEXT) STRICT;
CREATE TABLE devices (
    id TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, actor TEXT NOT NULL UNIQUE, enrolled_at INTEGER NOT NULL,
    revoked_at INTEGER, last_sync_at INTEGER, app_version TEXT) STRICT;
CREATE TABLE docs (case_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX docs_seq ON docs(seq);
CREATE TABLE doc_chunks (
    case_id TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (case_id, n)) STRICT, WITHOUT ROWID;
CREATE TABLE sync_states (
    device_id TEXT NOT NULL, case_id TEXT NOT NULL, state BLOB NOT NULL,
    PRIMARY KEY (device_id, case_id)) STRICT, WITHOUT ROWID;
CREATE TABLE assignments (
    case_id TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id),
    active INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (case_id, user_id)) STRICT;
CREATE INDEX assignments_user ON assignments(user_id, seq);
CREATE TABLE case_view (
    case_id TEXT PRIMARY KEY, case_no TEXT NOT NULL, applicant TEXT NOT NULL,
    township TEXT NOT NULL, village TEXT NOT NULL, status TEXT NOT NULL,
    visits INTEGER NOT NULL, findings INTEGER NOT NULL, photos TEXT NOT NULL,
    conflicts TEXT NOT NULL, conflict_count INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE blobs (hash TEXT PRIMARY KEY, size INTEGER NOT NULL, stored_at INTEGER NOT NULL) STRICT;
"#,
    r#"
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN actor TEXT;
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL) STRICT;
CREATE TABLE login_failures (name TEXT NOT NULL, at INTEGER NOT NULL) STRICT;
CREATE INDEX login_failures_name ON login_failures(name, at);
CREATE TABLE workflow (
    id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,
    at INTEGER NOT NULL, detail TEXT NOT NULL) STRICT;
CREATE INDEX workflow_case ON workflow(case_id, id);
ALTER TABLE case_view ADD COLUMN deadline TEXT;
ALTER TABLE case_view ADD COLUMN team TEXT NOT NULL DEFAULT '[]';
ALTER TABLE case_view ADD COLUMN open_notes INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY, case_id TEXT, action TEXT NOT NULL, body TEXT NOT NULL,
    prev BLOB NOT NULL, hash BLOB NOT NULL) STRICT;
CREATE INDEX audit_case ON audit(case_id, seq);
"#,
    r#"
CREATE TABLE items (
    kind TEXT NOT NULL, id TEXT NOT NULL, case_id TEXT, body TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)) STRICT;
CREATE INDEX items_case ON items(kind, case_id, id);
"#,
    // Issue 11: a device that sent a change the write policy refused is marked; the older
    // `workflow` log is retired — its rows wait as items for `workflow::migrate` to turn them into
    // transition records.
    r#"
ALTER TABLE devices ADD COLUMN refused_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN refused_at INTEGER;
ALTER TABLE devices ADD COLUMN refused_reason TEXT;
ALTER TABLE assignments ADD COLUMN changed_at INTEGER;
INSERT INTO items(kind, id, case_id, body, at)
    SELECT 'legacy_workflow', printf('%s:%09d', case_id, id), case_id,
           json_object('action', action, 'actor', actor, 'at', at, 'detail', json(detail)), at
    FROM workflow;
DROP TABLE workflow;
"#,
    // Issue 13: users can be disabled; sessions end after a time without use as well as at
    // their absolute expiry (sessions from before count as unused).
    r#"
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_user ON sessions(user_id);
"#,
    // Issue 13: the public pages read only the flows of one township in one state, through an
    // index, never every flow (drafts included) per request.
    r#"
CREATE INDEX items_by_state ON items(kind, json_extract(body, '$.state'), json_extract(body, '$.township'));
"#,
    // Issue 17: the queue reads each case's state and next deadline from a summary kept beside
    // its projection (`FlowSummary`) instead of reading every flow per request. Writing a flow
    // item drops the case's summary here, whatever code writes it; the workflow writes a new one
    // with the header, and the queue summarises what is missing (existing cases at its first read).
    r#"
CREATE TABLE flow_summary (
    case_id TEXT PRIMARY KEY, state TEXT NOT NULL, due TEXT, calendar_days INTEGER NOT NULL,
    config TEXT NOT NULL) STRICT;
CREATE TRIGGER flow_summary_insert AFTER INSERT ON items WHEN NEW.kind = 'flow'
BEGIN DELETE FROM flow_summary WHERE case_id = NEW.id; END;
CREATE TRIGGER flow_summary_update AFTER UPDATE ON items WHEN NEW.kind = 'flow' OR OLD.kind = 'flow'
BEGIN DELETE FROM flow_summary WHERE case_id IN (NEW.id, OLD.id); END;
CREATE TRIGGER flow_summary_delete AFTER DELETE ON items WHEN OLD.kind = 'flow'
BEGIN DELETE FROM flow_summary WHERE case_id = OLD.id; END;
"#,
];

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a merge the server acknowledged survives power loss, not only a process crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        migrate(&mut conn)?;
        let me = Self {
            conn: Mutex::new(conn),
        };
        me.ensure_server_actor()?;
        Ok(me)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back), so a
        // poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn ensure_server_actor(&self) -> Result<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('server_actor', ?1)",
            [ActorKey::random().to_string()],
        )?;
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

fn next_seq(tx: &Transaction<'_>) -> Result<u64> {
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('seq', '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        [],
    )?;
    current_seq(tx)
}

fn current_seq(conn: &Connection) -> Result<u64> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'seq'", [], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|s| s.parse().ok()).unwrap_or(0))
}

fn parse_id<T: std::str::FromStr>(s: String) -> rusqlite::Result<T> {
    s.parse()
        .map_err(|_| rusqlite::Error::InvalidColumnType(0, s, rusqlite::types::Type::Text))
}

const USER_COLS: &str = "id, name, role, township";
fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(2)?;
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role.parse().unwrap_or(Role::Investigator),
        township: r.get(3)?,
    })
}

const DEVICE_SELECT: &str =
    "SELECT d.id, d.user_id, u.name, u.township, d.name, d.actor, d.enrolled_at,
    d.revoked_at, d.last_sync_at, d.app_version, d.refused_count, d.refused_at, d.refused_reason
    FROM devices d JOIN users u ON u.id = d.user_id";
fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: parse_id(r.get(0)?)?,
        user_id: r.get(1)?,
        user_name: r.get(2)?,
        township: r.get(3)?,
        name: r.get(4)?,
        actor: parse_id(r.get(5)?)?,
        enrolled_at: r.get(6)?,
        revoked_at: r.get(7)?,
        last_sync_at: r.get(8)?,
        app_version: r.get(9)?,
        refused_count: r.get::<_, i64>(10)? as u64,
        refused_at: r.get(11)?,
        refused_reason: r.get(12)?,
    })
}

const VIEW_COLUMNS: &str = "v.case_id, v.case_no, v.applicant, v.township, v.village, v.status,
    v.visits, v.findings, v.photos, v.conflicts, v.updated_at, v.deadline, v.team, v.open_notes";
/// The flow summary after the view's 14 columns; none when absent or no longer readable.
fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<FlowSummary>> {
    let state: Option<String> = r.get(14)?;
    let due: Option<String> = r.get(15)?;
    let Some(state) = state.as_deref().and_then(State::from_code) else {
        return Ok(None);
    };
    let due = match due.map(|d| d.parse::<Date>()) {
        Some(Err(_)) => return Ok(None),
        d => d.and_then(|d| d.ok()),
    };
    Ok(Some(FlowSummary {
        state,
        due,
        calendar_days: r.get(16)?,
        config: r.get(17)?,
    }))
}

fn view_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseView> {
    let json_col = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    Ok(CaseView {
        case_id: parse_id(r.get(0)?)?,
        case_no: r.get(1)?,
        applicant: r.get(2)?,
        township: r.get(3)?,
        village: r.get(4)?,
        status: r.get(5)?,
        visits: r.get::<_, i64>(6)? as usize,
        findings: r.get::<_, i64>(7)? as usize,
        photos: serde_json::from_str(&json_col(8)?).unwrap_or_default(),
        conflicts: serde_json::from_str(&json_col(9)?).unwrap_or_default(),
        updated_at: r.get(10)?,
        deadline: r.get(11)?,
        team: serde_json::from_str(&json_col(12)?).unwrap_or_default(),
        open_notes: r.get::<_, i64>(13)? as usize,
    })
}

impl Store for SqliteStore {
    fn add_user(&self, name: &str, role: Role, township: &str, now: i64) -> Result<User> {
        let conn = self.conn();
        let n = conn.execute(
            "INSERT OR IGNORE INTO users(name, role, township, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), township, now],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "a user named {name:?} already exists"
            )));
        }
        Ok(User {
            id: conn.last_insert_rowid(),
            name: name.into(),
            role,
            township: township.into(),
        })
    }

    fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE name = ?1"),
                [name],
                user_row,
            )
            .optional()?)
    }

    fn add_enroll_code(&self, user_id: i64, code_hash: &str, expires_at: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO enroll_codes(code_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
            params![code_hash, user_id, expires_at],
        )?;
        Ok(())
    }

    fn enroll(
        &self,
        code_hash: &str,
        now: i64,
        dev: NewDevice,
    ) -> Result<Result<Device, EnrollError>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let row: Option<(i64, i64, Option<i64>)> = tx
            .query_row(
                "SELECT user_id, expires_at, used_at FROM enroll_codes WHERE code_hash = ?1",
                [code_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let user_id = match row {
            None => return Ok(Err(EnrollError::Unknown)),
            Some((_, _, Some(_))) => return Ok(Err(EnrollError::Used)),
            Some((_, exp, None)) if exp <= now => return Ok(Err(EnrollError::Expired)),
            Some((user_id, _, None)) => user_id,
        };
        tx.execute(
            "UPDATE enroll_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
            params![code_hash, now, dev.id.to_string()],
        )?;
        tx.execute(
            "INSERT INTO devices(id, user_id, name, token_hash, actor, enrolled_at, app_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                dev.id.to_string(),
                user_id,
                dev.name,
                dev.token_hash,
                dev.actor.to_string(),
                now,
                dev.app_version
            ],
        )?;
        let device = tx.query_row(
            &format!("{DEVICE_SELECT} WHERE d.id = ?1"),
            [dev.id.to_string()],
            device_row,
        )?;
        tx.commit()?;
        Ok(Ok(device))
    }

    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        Ok(self
            .conn()
            .query_row(
                &format!("{DEVICE_SELECT} WHERE d.token_hash = ?1"),
                [token_hash],
                device_row,
            )
            .optional()?)
    }

    fn revoke_device(&self, id: DeviceId, now: i64) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id.to_string(), now],
        )?;
        Ok(n == 1)
    }

    fn list_devices(&self) -> Result<Vec<Device>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{DEVICE_SELECT} ORDER BY d.enrolled_at"))?;
        let rows = stmt
            .query_map([], device_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn record_sync(&self, id: DeviceId, now: i64, app_version: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE devices SET last_sync_at = ?2, app_version = ?3 WHERE id = ?1",
            params![id.to_string(), now, app_version],
        )?;
        Ok(())
    }

    fn actor_owner(&self, actor_hex: &str) -> Result<Option<String>> {
        let conn = self.conn();
        if current_meta(&conn, "server_actor")?.as_deref() == Some(actor_hex) {
            return Ok(Some("server".into()));
        }
        if let Some(user) = conn
            .query_row(
                "SELECT name FROM users WHERE actor = ?1",
                [actor_hex],
                |r| r.get::<_, String>(0),
            )
            .optional()?
        {
            return Ok(Some(format!("console {user}")));
        }
        Ok(conn
            .query_row(
                "SELECT d.name, u.name FROM devices d JOIN users u ON u.id = d.user_id WHERE d.actor = ?1",
                [actor_hex],
                |r| Ok(format!("device {} ({})", r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?)
    }

    fn server_actor(&self) -> Result<ActorKey> {
        let v = current_meta(&self.conn(), "server_actor")?
            .ok_or_else(|| StoreError::NotFound("server actor missing".into()))?;
        v.parse()
            .map_err(|e: jiuzhu_shared::IdError| StoreError::Invalid(e.to_string()))
    }

    fn assigned_users(&self, case: CaseId) -> Result<Vec<User>> {
        assigned_users(&self.conn(), case)
    }

    fn list_cases(&self) -> Result<Vec<CaseView>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {VIEW_COLUMNS} FROM case_view v ORDER BY v.case_id"
        ))?;
        let rows = stmt
            .query_map([], view_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn list_cases_with_flow(&self) -> Result<Vec<(CaseView, Option<FlowSummary>)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {VIEW_COLUMNS}, s.state, s.due, s.calendar_days, s.config
             FROM case_view v LEFT JOIN flow_summary s ON s.case_id = v.case_id
             ORDER BY v.case_id"
        ))?;
        let rows = stmt
            .query_map([], |r| Ok((view_row(r)?, summary_row(r)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn case_view(&self, id: CaseId) -> Result<Option<CaseView>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {VIEW_COLUMNS} FROM case_view v WHERE v.case_id = ?1"),
                [id.to_string()],
                view_row,
            )
            .optional()?)
    }

    fn blob_present(&self, hash: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM blobs WHERE hash = ?1", [hash], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn blob_expected_from(&self, user_id: i64, hash: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM assignments a JOIN case_view v ON v.case_id = a.case_id, \
                 json_each(v.photos) p WHERE a.user_id = ?1 AND p.value = ?2 LIMIT 1",
                rusqlite::params![user_id, hash],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn add_blob(&self, hash: &str, size: u64, now: i64) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let added = tx.execute(
            "INSERT OR IGNORE INTO blobs(hash, size, stored_at) VALUES (?1, ?2, ?3)",
            params![hash, size as i64, now],
        )?;
        // A photo arriving after the document that refers to it changes what the console shows
        // (photos present): move the version the console polls.
        if added == 1 {
            next_seq(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn list_users(&self) -> Result<Vec<User>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {USER_COLS} FROM users ORDER BY name"))?;
        let rows = stmt
            .query_map([], user_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn township_records(&self, township: &str, cases: &[CaseId]) -> Result<TownshipRecords> {
        let conn = self.conn();
        let users = conn
            .prepare(
                "SELECT id, name, role, township, created_at, password_hash, actor, disabled_at
                 FROM users WHERE township = ?1 ORDER BY id",
            )?
            .query_map([township], |r| {
                Ok(ReplicaUser {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: r.get(2)?,
                    township: r.get(3)?,
                    created_at: r.get(4)?,
                    password_hash: r.get(5)?,
                    actor: r.get(6)?,
                    disabled_at: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let devices = conn
            .prepare(
                "SELECT d.id, d.user_id, d.name, d.token_hash, d.actor, d.enrolled_at, d.revoked_at
                 FROM devices d JOIN users u ON u.id = d.user_id WHERE u.township = ?1 ORDER BY d.id",
            )?
            .query_map([township], |r| {
                Ok(ReplicaDevice {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    name: r.get(2)?,
                    token_hash: r.get(3)?,
                    actor: r.get(4)?,
                    enrolled_at: r.get(5)?,
                    revoked_at: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = conn.prepare_cached(
            "SELECT user_id FROM assignments WHERE case_id = ?1 AND active = 1 ORDER BY user_id",
        )?;
        let mut teams = Vec::new();
        for case in cases {
            let ids = stmt
                .query_map([case.to_string()], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            teams.push((*case, ids));
        }
        Ok((users, devices, teams))
    }

    fn apply_replica(&self, users: &[ReplicaUser], devices: &[ReplicaDevice]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for u in users {
            tx.execute(
                "INSERT INTO users(id, name, role, township, created_at, password_hash, actor, disabled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role,
                    township = excluded.township, password_hash = excluded.password_hash,
                    actor = excluded.actor, disabled_at = excluded.disabled_at",
                params![u.id, u.name, u.role, u.township, u.created_at, u.password_hash, u.actor, u.disabled_at],
            )?;
        }
        for d in devices {
            tx.execute(
                "INSERT INTO devices(id, user_id, name, token_hash, actor, enrolled_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash,
                    revoked_at = excluded.revoked_at",
                params![d.id, d.user_id, d.name, d.token_hash, d.actor, d.enrolled_at, d.revoked_at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn adopt_devices(&self, devices: &[ReplicaDevice]) -> Result<Vec<ReplicaDevice>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut added = Vec::new();
        for d in devices {
            let n = tx.execute(
                "INSERT OR IGNORE INTO devices(id, user_id, name, token_hash, actor, enrolled_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![d.id, d.user_id, d.name, d.token_hash, d.actor, d.enrolled_at, d.revoked_at],
            )?;
            if n == 1 {
                added.push(d.clone());
            }
        }
        tx.commit()?;
        Ok(added)
    }

    fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![user_id, password_hash],
        )?;
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
        tx.commit()?;
        Ok(())
    }

    fn set_disabled(&self, user_id: i64, disabled_at: Option<i64>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
            params![user_id, disabled_at],
        )?;
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
        tx.commit()?;
        Ok(())
    }

    fn password_hash(&self, user_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT password_hash FROM users WHERE id = ?1 AND disabled_at IS NULL",
                [user_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    fn user_actor(&self, user_id: i64) -> Result<ActorKey> {
        let conn = self.conn();
        conn.execute(
            "UPDATE users SET actor = ?2 WHERE id = ?1 AND actor IS NULL",
            params![user_id, ActorKey::random().to_string()],
        )?;
        let a: String =
            conn.query_row("SELECT actor FROM users WHERE id = ?1", [user_id], |r| {
                r.get(0)
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
        self.conn().execute(
            "INSERT INTO sessions(token_hash, user_id, expires_at, last_seen) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, user_id, expires_at, now],
        )?;
        Ok(())
    }

    fn session_user(
        &self,
        token_hash: &str,
        now: i64,
        idle_since: i64,
        touch: bool,
    ) -> Result<Option<User>> {
        let conn = self.conn();
        let user = conn
            .query_row(
                "SELECT u.id, u.name, u.role, u.township FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen > ?3
                   AND u.disabled_at IS NULL",
                params![token_hash, now, idle_since],
                user_row,
            )
            .optional()?;
        // Written at most once a minute: every console request would otherwise be a disk write.
        if user.is_some() && touch {
            conn.execute(
                "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1 AND last_seen < ?2 - 60",
                params![token_hash, now],
            )?;
        }
        Ok(user)
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    fn change_seq(&self) -> Result<u64> {
        current_seq(&self.conn())
    }

    fn audit(&self, ev: &AuditEvent) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        append_audit(&tx, ev)?;
        tx.commit()?;
        Ok(())
    }

    fn check_audit(
        &self,
        v: &mut crate::audit::Verifier,
        progress: &mut dyn FnMut(u64),
    ) -> Result<std::result::Result<u64, crate::audit::Broken>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT seq, body, case_id, prev, hash FROM audit ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (body, case_id): (String, Option<String>) = (r.get(1)?, r.get(2)?);
            let (prev, hash): (Vec<u8>, Vec<u8>) = (r.get(3)?, r.get(4)?);
            let rec = crate::audit::StoredRecord {
                seq: r.get::<_, i64>(0)? as u64,
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
        Ok(Ok(v.checked))
    }

    fn audit_for_case(&self, case: CaseId) -> Result<Vec<AuditEvent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT body FROM audit WHERE case_id = ?1 ORDER BY seq")?;
        let rows: Vec<String> = stmt
            .query_map([case.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect())
    }

    fn item(&self, kind: &str, id: &str) -> Result<Option<Item>> {
        get_item(&self.conn(), kind, id)
    }

    fn items(&self, kind: &str, case: Option<&str>) -> Result<Vec<Item>> {
        list_items(&self.conn(), kind, case)
    }

    fn items_in_state(
        &self,
        kind: &str,
        township: Option<&str>,
        states: &[&str],
        limit: usize,
    ) -> Result<Vec<Item>> {
        items_in_state(&self.conn(), kind, township, states, limit)
    }

    fn items_containing(&self, kind: &str, text: &str) -> Result<Vec<Item>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT kind, id, case_id, body, at FROM items
             WHERE kind = ?1 AND instr(upper(body), upper(?2)) > 0 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![kind, text], item_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn transact(&self, f: &mut dyn FnMut(&mut dyn DocTxn) -> Result<()>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut txn = SqliteTxn { tx };
        f(&mut txn)?;
        txn.tx.commit()?;
        Ok(())
    }
}

/// Append one record to the audit chain (inside the caller's transaction, which serialises
/// appenders: the chain has exactly one tail).
fn append_audit(conn: &Connection, ev: &AuditEvent) -> Result<()> {
    let last: Option<(i64, Vec<u8>, String)> = conn
        .query_row(
            "SELECT seq, hash, body FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let last = last
        .as_ref()
        .map(|(s, h, b)| (*s as u64, h.as_slice(), b.as_str()));
    let (seq, prev, body, hash) = crate::audit::next_link(last, ev);
    conn.prepare_cached(
        "INSERT INTO audit(seq, case_id, action, body, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        seq as i64,
        ev.case_id,
        ev.action,
        body,
        prev.as_slice(),
        hash.as_slice()
    ])?;
    Ok(())
}

fn current_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Record or withdraw assignments of a case (inside `tx`): everyone not in `user_ids` is
/// withdrawn, the team (re)activated; both move the change sequence.
fn set_assignment(tx: &Transaction<'_>, case: CaseId, user_ids: &[i64], now: i64) -> Result<()> {
    let seq = next_seq(tx)?;
    let case_s = case.to_string();
    let mut current: Vec<i64> = {
        let mut stmt =
            tx.prepare("SELECT user_id FROM assignments WHERE case_id = ?1 AND active = 1")?;
        stmt.query_map([&case_s], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    current.retain(|u| !user_ids.contains(u));
    for u in current {
        tx.execute(
            "UPDATE assignments SET active = 0, seq = ?3, changed_at = ?4 WHERE case_id = ?1 AND user_id = ?2",
            params![case_s, u, seq as i64, now],
        )?;
    }
    for u in user_ids {
        tx.execute(
            "INSERT INTO assignments(case_id, user_id, active, seq, changed_at) VALUES (?1, ?2, 1, ?3, ?4)
             ON CONFLICT(case_id, user_id) DO UPDATE SET active = 1, seq = excluded.seq,
                 changed_at = excluded.changed_at WHERE active = 0",
            params![case_s, u, seq as i64, now],
        )?;
    }
    Ok(())
}

fn assigned_users(conn: &Connection, case: CaseId) -> Result<Vec<User>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.name, u.role, u.township FROM assignments a JOIN users u ON u.id = a.user_id
         WHERE a.case_id = ?1 AND a.active = 1 ORDER BY u.name",
    )?;
    let rows = stmt
        .query_map([case.to_string()], user_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

struct SqliteTxn<'c> {
    tx: Transaction<'c>,
}

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    let body: String = r.get(3)?;
    Ok(Item {
        kind: r.get(0)?,
        id: r.get(1)?,
        case_id: r.get(2)?,
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        at: r.get(4)?,
    })
}

fn get_item(conn: &Connection, kind: &str, id: &str) -> Result<Option<Item>> {
    Ok(conn
        .query_row(
            "SELECT kind, id, case_id, body, at FROM items WHERE kind = ?1 AND id = ?2",
            params![kind, id],
            item_row,
        )
        .optional()?)
}

const ITEMS_IN_STATE: &str = "SELECT kind, id, case_id, body, at FROM items
     WHERE kind = ?1 AND json_extract(body, '$.state') = ?3
       AND (?2 IS NULL OR json_extract(body, '$.township') = ?2) LIMIT ?4";

fn items_in_state(
    conn: &Connection,
    kind: &str,
    township: Option<&str>,
    states: &[&str],
    limit: usize,
) -> Result<Vec<Item>> {
    let mut stmt = conn.prepare_cached(ITEMS_IN_STATE)?;
    let mut out = Vec::new();
    for state in states {
        let left = limit.saturating_sub(out.len());
        let rows = stmt.query_map(params![kind, township, state, left as i64], item_row)?;
        out.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    // Sorted here: asked to sort, SQLite would walk the primary key (every item of the kind).
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

fn list_items(conn: &Connection, kind: &str, case: Option<&str>) -> Result<Vec<Item>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, id, case_id, body, at FROM items
         WHERE kind = ?1 AND (?2 IS NULL OR case_id = ?2) ORDER BY id",
    )?;
    let rows = stmt.query_map(params![kind, case], item_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl DocTxn for SqliteTxn<'_> {
    fn item(&mut self, kind: &str, id: &str) -> Result<Option<Item>> {
        get_item(&self.tx, kind, id)
    }

    fn items(&mut self, kind: &str, case: Option<&str>) -> Result<Vec<Item>> {
        list_items(&self.tx, kind, case)
    }

    fn put_flow_summary(&mut self, case: CaseId, summary: &FlowSummary) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO flow_summary(case_id, state, due, calendar_days, config)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                case.to_string(),
                summary.state.code(),
                summary.due.map(|d| d.to_string()),
                summary.calendar_days,
                summary.config,
            ])?;
        Ok(())
    }

    fn count_items(&mut self, kind: &str) -> Result<usize> {
        let n: i64 =
            self.tx
                .query_row("SELECT COUNT(*) FROM items WHERE kind = ?1", [kind], |r| {
                    r.get(0)
                })?;
        Ok(n as usize)
    }

    fn put_item(&mut self, item: &Item) -> Result<()> {
        self.tx.execute(
            "INSERT INTO items(kind, id, case_id, body, at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(kind, id) DO UPDATE SET case_id = ?3, body = ?4, at = ?5",
            params![
                item.kind,
                item.id,
                item.case_id,
                item.body.to_string(),
                item.at
            ],
        )?;
        // The console polls the change sequence: workflow items count as changes.
        next_seq(&self.tx)?;
        Ok(())
    }

    fn delete_item(&mut self, kind: &str, id: &str) -> Result<()> {
        self.tx.execute(
            "DELETE FROM items WHERE kind = ?1 AND id = ?2",
            params![kind, id],
        )?;
        Ok(())
    }

    fn load_doc(&mut self, id: CaseId) -> Result<Option<Vec<u8>>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT data FROM doc_chunks WHERE case_id = ?1 ORDER BY n")?;
        let chunks: Vec<Vec<u8>> = stmt
            .query_map([id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(if chunks.is_empty() {
            None
        } else {
            Some(chunks.concat())
        })
    }

    fn append_doc(
        &mut self,
        id: CaseId,
        chunk: &[u8],
        snapshot: Option<&[u8]>,
        view: &CaseView,
    ) -> Result<()> {
        let seq = next_seq(&self.tx)?;
        let id_s = id.to_string();
        if let Some(snap) = snapshot {
            self.tx
                .execute("DELETE FROM doc_chunks WHERE case_id = ?1", [&id_s])?;
            self.tx.execute(
                "INSERT INTO doc_chunks(case_id, n, data) VALUES (?1, 0, ?2)",
                params![id_s, snap],
            )?;
        } else if !chunk.is_empty() {
            self.tx.execute(
                "INSERT INTO doc_chunks(case_id, n, data)
                 VALUES (?1, COALESCE((SELECT MAX(n) + 1 FROM doc_chunks WHERE case_id = ?1), 0), ?2)",
                params![id_s, chunk],
            )?;
        }
        self.tx.execute(
            "INSERT INTO docs(case_id, seq, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(case_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
            params![id_s, seq as i64, view.updated_at],
        )?;
        self.tx.execute(
            "INSERT OR REPLACE INTO case_view(case_id, case_no, applicant, township, village, status, visits,
                findings, photos, conflicts, conflict_count, updated_at, deadline, team, open_notes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                id_s,
                view.case_no,
                view.applicant,
                view.township,
                view.village,
                view.status,
                view.visits as i64,
                view.findings as i64,
                serde_json::to_string(&view.photos).expect("json"),
                serde_json::to_string(&view.conflicts).expect("json"),
                view.conflicts.len() as i64,
                view.updated_at,
                view.deadline,
                serde_json::to_string(&view.team).expect("json"),
                view.open_notes as i64,
            ],
        )?;
        Ok(())
    }

    fn chunk_count(&mut self, id: CaseId) -> Result<usize> {
        let n: i64 = self.tx.query_row(
            "SELECT COUNT(*) FROM doc_chunks WHERE case_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    fn sync_state(&mut self, device: DeviceId, id: CaseId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tx
            .prepare_cached("SELECT state FROM sync_states WHERE device_id = ?1 AND case_id = ?2")?
            .query_row(params![device.to_string(), id.to_string()], |r| r.get(0))
            .optional()?)
    }

    fn put_sync_state(&mut self, device: DeviceId, id: CaseId, state: &[u8]) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO sync_states(device_id, case_id, state) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![device.to_string(), id.to_string(), state])?;
        Ok(())
    }

    fn device_by_actor(&mut self, actor: ActorKey) -> Result<Option<Device>> {
        Ok(self
            .tx
            .prepare_cached(&format!("{DEVICE_SELECT} WHERE d.actor = ?1"))?
            .query_row([actor.to_string()], device_row)
            .optional()?)
    }

    fn assignment(&mut self, user_id: i64, id: CaseId) -> Result<Option<Assignment>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT active, seq, changed_at FROM assignments WHERE case_id = ?1 AND user_id = ?2",
            )?
            .query_row(params![id.to_string(), user_id], |r| {
                Ok(Assignment {
                    active: r.get(0)?,
                    seq: r.get::<_, i64>(1)? as u64,
                    changed_at: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn set_assignment(&mut self, case: CaseId, user_ids: &[i64], now: i64) -> Result<()> {
        set_assignment(&self.tx, case, user_ids, now)
    }

    fn team(&mut self, case: CaseId) -> Result<Vec<String>> {
        Ok(assigned_users(&self.tx, case)?
            .into_iter()
            .map(|u| u.name)
            .collect())
    }

    fn mark_refused(&mut self, device: DeviceId, now: i64, reason: &str) -> Result<()> {
        self.tx.execute(
            "UPDATE devices SET refused_count = refused_count + 1, refused_at = ?2, refused_reason = ?3
             WHERE id = ?1",
            params![device.to_string(), now, reason],
        )?;
        Ok(())
    }

    fn announcements(&mut self, user_id: i64, cursor: u64) -> Result<Announcements> {
        let ids = |sql: &str| -> Result<Vec<CaseId>> {
            let mut stmt = self.tx.prepare_cached(sql)?;
            let rows = stmt
                .query_map(params![user_id, cursor as i64], |r| parse_id(r.get(0)?))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        };
        Ok(Announcements {
            changed: ids(
                "SELECT d.case_id FROM docs d JOIN assignments a ON a.case_id = d.case_id
                 WHERE a.user_id = ?1 AND a.active = 1 AND (d.seq > ?2 OR a.seq > ?2) ORDER BY d.case_id",
            )?,
            assigned: ids(
                "SELECT case_id FROM assignments WHERE user_id = ?1 AND active = 1 AND seq > ?2 ORDER BY case_id",
            )?,
            withdrawn: ids(
                "SELECT case_id FROM assignments WHERE user_id = ?1 AND active = 0 AND seq > ?2 ORDER BY case_id",
            )?,
        })
    }

    fn current_seq(&mut self) -> Result<u64> {
        current_seq(&self.tx)
    }

    fn audit(&mut self, ev: &AuditEvent) -> Result<()> {
        append_audit(&self.tx, ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_store_contract() {
        let mut dirs = Vec::new();
        super::super::contract::all(&mut || {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(&dir.path().join("s.sqlite")).unwrap();
            dirs.push(dir);
            Box::new(store)
        });
    }

    /// The public pages' read goes through the index, not over every flow.
    #[test]
    fn flows_in_a_state_are_read_through_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.sqlite")).unwrap();
        let conn = store.conn();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {ITEMS_IN_STATE}"))
            .unwrap()
            .query_map(params!["flow", "树林召镇", "publicity", 10], |r| {
                r.get(3)
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|p| p.contains("USING INDEX items_by_state")),
            "{plan:?}"
        );
    }

    /// A data directory from before issue 11: its `workflow` log becomes `legacy_workflow` items
    /// (for `workflow::migrate`) and the table goes; devices gain the refusal columns.
    #[test]
    fn the_retired_workflow_log_is_kept_as_items_for_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let mut conn = Connection::open(&path).unwrap();
            for (i, sql) in MIGRATIONS[..4].iter().enumerate() {
                let tx = conn.transaction().unwrap();
                tx.execute_batch(sql).unwrap();
                tx.pragma_update(None, "user_version", (i + 1) as i64)
                    .unwrap();
                tx.commit().unwrap();
            }
            conn.execute(
                "INSERT INTO workflow(case_id, action, actor, at, detail) VALUES (?1, 'return', '张海燕', 100, ?2)",
                params!["c-1", r#"{"notes":[{"path":null,"text":"请补充"}]}"#],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let items = store.items("legacy_workflow", Some("c-1")).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].body["action"], "return");
        assert_eq!(items[0].body["detail"]["notes"][0]["text"], "请补充");
        assert_eq!(items[0].at, 100);
        let conn = store.conn();
        let gone: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'workflow'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(gone, 0);
        conn.query_row("SELECT refused_count FROM devices LIMIT 1", [], |_| Ok(()))
            .optional()
            .unwrap();
    }
}
