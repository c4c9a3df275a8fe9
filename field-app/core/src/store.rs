//! The tablet's local store: one SQLite file (WAL) holding case documents (a snapshot plus
//! appended incremental changes, compacted now and then), the case list index, per-(peer, doc) sync
//! states, the blob table and the device identity. Every edit is committed before the caller
//! returns, so a change the investigator saw survives a crash or a flat battery.

use jiuzhu_shared::peer::Attestation;
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

/// Compact a document into one snapshot once it is stored as more chunks than this.
pub const COMPACT_AFTER_CHUNKS: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Doc(#[from] jiuzhu_shared::DocError),
    #[error("no case {0} on this tablet: see `cases`")]
    NoCase(CaseId),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE docs (
    case_id TEXT PRIMARY KEY, heads TEXT NOT NULL, withdrawn INTEGER NOT NULL DEFAULT 0) STRICT;
CREATE TABLE doc_chunks (
    case_id TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (case_id, n)) STRICT, WITHOUT ROWID;
CREATE TABLE case_index (
    case_id TEXT PRIMARY KEY, case_no TEXT NOT NULL, applicant TEXT NOT NULL, village TEXT NOT NULL,
    deadline TEXT, status TEXT NOT NULL, visits INTEGER NOT NULL, finalized INTEGER NOT NULL,
    open_notes INTEGER NOT NULL, conflicts INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE sync_states (
    peer TEXT NOT NULL, case_id TEXT NOT NULL, state BLOB NOT NULL,
    PRIMARY KEY (peer, case_id)) STRICT, WITHOUT ROWID;
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY, case_id TEXT NOT NULL, size INTEGER NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL) STRICT;
"#,
    // Local versions of a case the server refused (issue 11), kept for the investigator to see
    // what did not go through; the case itself is fetched again from the server.
    r#"
CREATE TABLE set_aside (
    id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, at INTEGER NOT NULL, code TEXT NOT NULL,
    message TEXT NOT NULL, document TEXT NOT NULL) STRICT;
CREATE INDEX set_aside_case ON set_aside(case_id, id);
"#,
    // Colleagues' signatures over their newest change in a case (issue 18, face-to-face sync),
    // sent with the case to the server, which takes a colleague's work only with them.
    r#"
CREATE TABLE attestations (
    case_id TEXT NOT NULL, actor TEXT NOT NULL, att BLOB NOT NULL,
    PRIMARY KEY (case_id, actor)) STRICT, WITHOUT ROWID;
"#,
    // The header's flags (a JSON list) for the case list: a 探访 (issue 15) shows as one.
    r#"
ALTER TABLE case_index ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';
"#,
];

/// One row of the case list.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseListItem {
    pub case_id: CaseId,
    pub case_no: String,
    pub applicant: String,
    pub village: String,
    pub deadline: Option<String>,
    pub status: String,
    /// The header's flags (`探访`, `变更核查`, …).
    pub flags: Vec<String>,
    pub visits: i64,
    pub finalized: bool,
    pub open_notes: i64,
    pub conflicts: i64,
    /// Local changes the server has not confirmed yet.
    pub unsynced: bool,
    /// Photos and signatures of this case not yet uploaded.
    pub photos_pending: i64,
    /// What "待上传 N 项" counts: the case's unconfirmed changes (one item) and each photo.
    pub pending_items: i64,
    pub withdrawn: bool,
    /// A local version of this case was refused by the server and set aside.
    pub set_aside: bool,
}

/// A local version of a case the server refused, as it was when refused.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SetAside {
    pub at: i64,
    /// The refusal's code (`jiuzhu_shared::policy::CODES`) and the server's sentence.
    pub code: String,
    pub message: String,
    pub document: serde_json::Value,
}

pub struct Store {
    pub(crate) conn: Connection,
}

/// The tag of the enrolled server's sync states; another known server's are `server:<key>`
/// (`crate::servers::KnownServer::peer`), a colleague's tablet's `peer:<device>`.
pub const SERVER_PEER: &str = "server";

/// The cases (all, or only the withdrawn ones) whose every change some known server has
/// confirmed: their work is off the tablet, whichever server took it.
fn confirmed_cases(
    conn: &Connection,
    withdrawn_only: bool,
) -> Result<std::collections::HashSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.case_id, d.heads, s.state FROM docs d JOIN sync_states s ON s.case_id = d.case_id
         WHERE (s.peer = ?1 OR substr(s.peer, 1, length(?1) + 1) = ?1 || ':')
           AND (?2 = 0 OR d.withdrawn = 1)",
    )?;
    let rows = stmt.query_map(params![SERVER_PEER, withdrawn_only], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut confirmed = std::collections::HashSet::new();
    for row in rows {
        let (case, heads, state) = row?;
        if synced(&heads, Some(&state)) {
            confirmed.insert(case);
        }
    }
    Ok(confirmed)
}

pub fn heads_text(heads: &[automerge::ChangeHash]) -> String {
    let mut v: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    v.sort();
    v.join(",")
}

impl Store {
    /// Open (or create) the SQLCipher database with `keys`. `PRAGMA key` must be the first
    /// statement; the query after it is what fails ("file is not a database") with a wrong key.
    pub fn open(path: &Path, keys: &crate::vault::Keys) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "key", keys.db_pragma().as_str())?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a saved edit survives power loss, not only an app crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(Self { conn })
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn case_ids(&self) -> Result<Vec<CaseId>> {
        let mut stmt = self
            .conn
            .prepare("SELECT case_id FROM docs ORDER BY case_id")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids.into_iter().filter_map(|s| s.parse().ok()).collect())
    }

    pub fn load(&self, id: CaseId, actor: ActorKey) -> Result<Option<CaseDocument>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM doc_chunks WHERE case_id = ?1 ORDER BY n")?;
        let chunks: Vec<Vec<u8>> = stmt
            .query_map([id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if chunks.is_empty() {
            return Ok(None);
        }
        Ok(Some(CaseDocument::load(&chunks.concat(), actor)?))
    }

    pub fn load_existing(&self, id: CaseId, actor: ActorKey) -> Result<CaseDocument> {
        self.load(id, actor)?.ok_or(StoreError::NoCase(id))
    }

    /// Store what changed in `doc` since `old_heads` and refresh its list entry, in one transaction.
    pub fn save_changes(
        &mut self,
        id: CaseId,
        doc: &mut CaseDocument,
        old_heads: &[automerge::ChangeHash],
        now: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        save_in(&tx, id, doc, old_heads, now)?;
        tx.commit()?;
        Ok(())
    }

    pub fn sync_state(&self, peer: &str, id: CaseId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached("SELECT state FROM sync_states WHERE peer = ?1 AND case_id = ?2")?
            .query_row(params![peer, id.to_string()], |r| r.get(0))
            .optional()?)
    }

    pub fn heads(&self, id: CaseId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT heads FROM docs WHERE case_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The case list. A case counts as synced once any known server confirmed all its changes.
    pub fn list(&self, query: Option<&str>) -> Result<Vec<CaseListItem>> {
        let confirmed = confirmed_cases(&self.conn, false)?;
        let mut stmt = self.conn.prepare(
            "SELECT i.case_id, i.case_no, i.applicant, i.village, i.deadline, i.status, i.visits, i.finalized,
                    i.open_notes, i.conflicts, d.withdrawn,
                    EXISTS (SELECT 1 FROM set_aside a WHERE a.case_id = i.case_id),
                    (SELECT COUNT(*) FROM blobs b WHERE b.case_id = i.case_id AND b.uploaded = 0),
                    i.flags
             FROM case_index i JOIN docs d ON d.case_id = i.case_id
             WHERE ?1 IS NULL OR i.applicant LIKE '%' || ?1 || '%' OR i.case_no LIKE '%' || ?1 || '%'
             ORDER BY i.deadline IS NULL, i.deadline, i.case_no",
        )?;
        let rows = stmt
            .query_map(params![query], |r| {
                let case_id: String = r.get(0)?;
                let unsynced = !confirmed.contains(&case_id);
                let photos_pending: i64 = r.get(12)?;
                let flags: String = r.get(13)?;
                Ok(CaseListItem {
                    case_id: case_id.parse().unwrap_or_default(),
                    case_no: r.get(1)?,
                    applicant: r.get(2)?,
                    village: r.get(3)?,
                    deadline: r.get(4)?,
                    status: r.get(5)?,
                    flags: serde_json::from_str(&flags).unwrap_or_default(),
                    visits: r.get(6)?,
                    finalized: r.get(7)?,
                    open_notes: r.get(8)?,
                    conflicts: r.get(9)?,
                    unsynced,
                    photos_pending,
                    pending_items: i64::from(unsynced) + photos_pending,
                    withdrawn: r.get(10)?,
                    set_aside: r.get(11)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn is_withdrawn(&self, id: CaseId) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT withdrawn FROM docs WHERE case_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// The versions of a case set aside after the server refused them, newest first.
    pub fn set_aside(&self, id: CaseId) -> Result<Vec<SetAside>> {
        let mut stmt = self.conn.prepare(
            "SELECT at, code, message, document FROM set_aside WHERE case_id = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt
            .query_map([id.to_string()], |r| {
                let doc: String = r.get(3)?;
                Ok(SetAside {
                    at: r.get(0)?,
                    code: r.get(1)?,
                    message: r.get(2)?,
                    document: serde_json::from_str(&doc).unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The colleagues' signatures this tablet holds for a case.
    pub fn attestations(&self, case: CaseId) -> Result<Vec<Attestation>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT att FROM attestations WHERE case_id = ?1")?;
        let rows = stmt
            .query_map([case.to_string()], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .iter()
            .filter_map(|b| ciborium::from_reader(b.as_slice()).ok())
            .collect())
    }

    pub fn add_blob(&self, hash: &str, case: CaseId, size: u64, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO blobs(hash, case_id, size, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash, case.to_string(), size as i64, now],
        )?;
        Ok(())
    }

    pub fn pending_blobs(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT hash, size FROM blobs WHERE uploaded = 0 ORDER BY created_at, hash")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Stop uploading a blob of a case that no document refers to any more (not yet uploaded
    /// only: an uploaded one is the server's business).
    pub fn forget_pending_blob(&self, hash: &str, case: CaseId) -> Result<()> {
        self.conn.execute(
            "DELETE FROM blobs WHERE hash = ?1 AND case_id = ?2 AND uploaded = 0",
            params![hash, case.to_string()],
        )?;
        Ok(())
    }

    pub fn mark_uploaded(&self, hash: &str) -> Result<()> {
        self.conn
            .execute("UPDATE blobs SET uploaded = 1 WHERE hash = ?1", [hash])?;
        Ok(())
    }

    /// Drop withdrawn cases whose every change a known server has confirmed (unsent work stays).
    pub fn drop_synced_withdrawn(&mut self) -> Result<Vec<CaseId>> {
        let confirmed = confirmed_cases(&self.conn, true)?;
        let mut dropped = Vec::new();
        let tx = self.conn.transaction()?;
        for id in confirmed {
            for table in ["doc_chunks", "case_index", "sync_states", "docs"] {
                tx.execute(&format!("DELETE FROM {table} WHERE case_id = ?1"), [&id])?;
            }
            dropped.extend(id.parse::<CaseId>().ok());
        }
        tx.commit()?;
        dropped.sort();
        Ok(dropped)
    }

    pub fn transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self.conn.transaction()?)
    }
}

/// Whether the server's known heads (from the stored sync state) cover our heads.
pub fn synced(heads: &str, state: Option<&[u8]>) -> bool {
    state.is_some_and(|s| {
        heads_text(&jiuzhu_shared::sync::decode_state(Some(s)).shared_heads) == heads
    })
}

/// Keep the local version of a case the server refused (`document`, its JSON) and drop the
/// document and its sync state, so the case is fetched again from the server: an honest tablet
/// only meets this after a race (the visit sealed on another tablet while this one edited it
/// offline), and the investigator sees what did not go through.
pub fn set_aside_in(
    tx: &rusqlite::Transaction<'_>,
    id: CaseId,
    document: &serde_json::Value,
    refusal: &jiuzhu_shared::protocol::Refusal,
    now: i64,
) -> Result<()> {
    let id_s = id.to_string();
    tx.execute(
        "INSERT INTO set_aside(case_id, at, code, message, document) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id_s,
            now,
            refusal.code,
            refusal.message,
            document.to_string()
        ],
    )?;
    for table in ["doc_chunks", "sync_states"] {
        tx.execute(&format!("DELETE FROM {table} WHERE case_id = ?1"), [&id_s])?;
    }
    tx.execute("UPDATE docs SET heads = '' WHERE case_id = ?1", [&id_s])?;
    Ok(())
}

/// Mark a case the server withdrew; it stays until its unsent work is synced
/// ([`Store::drop_synced_withdrawn`]).
pub fn mark_withdrawn_in(tx: &rusqlite::Transaction<'_>, id: CaseId) -> Result<()> {
    tx.execute(
        "UPDATE docs SET withdrawn = 1 WHERE case_id = ?1",
        [id.to_string()],
    )?;
    Ok(())
}

pub fn save_state_in(
    tx: &rusqlite::Transaction<'_>,
    peer: &str,
    id: CaseId,
    state: &[u8],
) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO sync_states(peer, case_id, state) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![peer, id.to_string(), state])?;
    Ok(())
}

/// Append the changes since `old_heads` (compacting when the chunk list grows long) and refresh
/// the list index, inside the caller's transaction.
pub fn save_in(
    tx: &rusqlite::Transaction<'_>,
    id: CaseId,
    doc: &mut CaseDocument,
    old_heads: &[automerge::ChangeHash],
    now: i64,
) -> Result<()> {
    let id_s = id.to_string();
    let heads = doc.heads();
    let chunks: i64 = tx.query_row(
        "SELECT COUNT(*) FROM doc_chunks WHERE case_id = ?1",
        [&id_s],
        |r| r.get(0),
    )?;
    if chunks as usize >= COMPACT_AFTER_CHUNKS || chunks == 0 {
        tx.execute("DELETE FROM doc_chunks WHERE case_id = ?1", [&id_s])?;
        tx.execute(
            "INSERT INTO doc_chunks(case_id, n, data) VALUES (?1, 0, ?2)",
            params![id_s, doc.save()],
        )?;
    } else {
        let chunk = doc.automerge().save_after(old_heads);
        if !chunk.is_empty() {
            tx.execute(
                "INSERT INTO doc_chunks(case_id, n, data)
                 VALUES (?1, (SELECT MAX(n) + 1 FROM doc_chunks WHERE case_id = ?1), ?2)",
                params![id_s, chunk],
            )?;
        }
    }
    tx.execute(
        "INSERT INTO docs(case_id, heads) VALUES (?1, ?2) ON CONFLICT(case_id) DO UPDATE SET heads = excluded.heads",
        params![id_s, heads_text(&heads)],
    )?;
    if let Ok(case) = doc.summary() {
        let conflicts = doc.conflicts().len() as i64;
        tx.execute(
            "INSERT OR REPLACE INTO case_index(case_id, case_no, applicant, village, deadline, status, visits,
                finalized, open_notes, conflicts, updated_at, flags)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                id_s,
                case.header.case_no,
                case.header.applicant_name,
                case.header.village,
                case.header.deadline,
                case.header.status,
                case.visits as i64,
                case.finalized,
                case.open_notes as i64,
                conflicts,
                now,
                serde_json::to_string(&case.header.flags).unwrap_or_else(|_| "[]".into()),
            ],
        )?;
    }
    Ok(())
}

/// Keep a colleague's signature over its newest change in `case` (replacing an older one).
pub fn put_attestation_in(
    tx: &rusqlite::Transaction<'_>,
    actor: ActorKey,
    att: &Attestation,
) -> Result<()> {
    let mut bytes = Vec::new();
    ciborium::into_writer(att, &mut bytes).expect("CBOR into a Vec cannot fail");
    tx.prepare_cached(
        "INSERT OR REPLACE INTO attestations(case_id, actor, att) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![att.doc.to_string(), actor.to_string(), bytes])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_shared::schema::{CaseDoc, Visit};

    #[test]
    fn edits_append_chunks_and_compact_into_one_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let keys = crate::vault::Keys::generate();
        let mut store = Store::open(&dir.path().join("t.sqlite"), &keys).unwrap();
        let actor = ActorKey::random();
        let id = CaseId::new();
        let case = CaseDoc {
            visits: vec![Visit::new("home", vec!["a".into(), "b".into()], 0)],
            ..Default::default()
        };
        let mut doc = CaseDocument::create(&case, actor, 1).unwrap();
        store.save_changes(id, &mut doc, &[], 1).unwrap();
        let chunks = |s: &Store| -> i64 {
            s.conn
                .query_row("SELECT COUNT(*) FROM doc_chunks", [], |r| r.get(0))
                .unwrap()
        };
        for i in 0..COMPACT_AFTER_CHUNKS as i64 + 3 {
            let mut doc = store.load_existing(id, actor).unwrap();
            let old = doc.heads();
            doc.set_path("visits.0.living.notes", &format!("第{i}次"), 10 + i)
                .unwrap();
            store.save_changes(id, &mut doc, &old, 10 + i).unwrap();
        }
        assert!(
            chunks(&store) < COMPACT_AFTER_CHUNKS as i64,
            "compacted: {} chunks",
            chunks(&store)
        );
        let back = store.load_existing(id, actor).unwrap().read().unwrap();
        assert_eq!(
            back.visits[0].living.notes.as_deref(),
            Some(format!("第{}次", COMPACT_AFTER_CHUNKS + 2).as_str())
        );
        let listed = store.list(None).unwrap();
        assert_eq!(listed.len(), 1);
        assert!(
            listed[0].unsynced,
            "never synced, so not confirmed by the server"
        );
    }

    #[test]
    fn the_list_carries_the_header_flags() {
        let dir = tempfile::tempdir().unwrap();
        let keys = crate::vault::Keys::generate();
        let mut store = Store::open(&dir.path().join("t.sqlite"), &keys).unwrap();
        let actor = ActorKey::random();
        for (no, flags) in [("TF-1", vec!["探访".to_string()]), ("DLT-1", vec![])] {
            let mut case = CaseDoc::default();
            case.header.case_no = no.into();
            case.header.flags = flags;
            let mut doc = CaseDocument::create(&case, actor, 1).unwrap();
            store.save_changes(CaseId::new(), &mut doc, &[], 1).unwrap();
        }
        let listed = store.list(None).unwrap();
        let flags = |no: &str| {
            listed
                .iter()
                .find(|r| r.case_no == no)
                .map(|r| r.flags.clone())
        };
        assert_eq!(flags("TF-1"), Some(vec!["探访".to_string()]));
        assert_eq!(flags("DLT-1"), Some(vec![]));
    }
}
