//! The case library: loading a case's document, exporting it with its conflicts and evidence,
//! listing cases, and a document's change history. Read-only: every write to a case goes through
//! the workflow (`workflow::service`, `workflow::intake`) and the write policy. Used by the
//! console API, the admin CLI and the workflow; no HTTP here.

use crate::blobs::BlobDir;
use crate::store::{Store, StoreError, User};
use jiuzhu_shared::{BlobHash, CaseDocument, CaseId};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no user named {0:?}: add it first with `admin add-user`")]
    NoUser(String),
    #[error("no case {0}: see `admin list-cases`")]
    NoCase(CaseId),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = CaseError> = std::result::Result<T, E>;

/// The user called `name`.
pub fn user_named(store: &dyn Store, name: &str) -> Result<User> {
    store
        .user_by_name(name)?
        .ok_or_else(|| CaseError::NoUser(name.into()))
}

pub fn load_case(store: &dyn Store, case: CaseId) -> Result<CaseDocument> {
    let actor = store.server_actor()?;
    let mut bytes = None;
    store.transact(&mut |txn| {
        bytes = txn.load_doc(case)?;
        Ok(())
    })?;
    let bytes = bytes.ok_or(CaseError::NoCase(case))?;
    Ok(CaseDocument::load(&bytes, actor).map_err(StoreError::from)?)
}

/// The merged document as JSON, its conflicts (with who wrote each value), and which referenced
/// photos the server holds.
pub fn export_case(store: &dyn Store, blobs: &BlobDir, case: CaseId) -> Result<Value> {
    let mut doc = load_case(store, case)?;
    let document = doc.to_json().map_err(StoreError::from)?;
    let mut conflicts = Vec::new();
    for c in doc.conflicts() {
        let mut values = Vec::new();
        for v in c.values {
            let owner = store.actor_owner(&v.actor)?;
            values.push(json!({"value": v.value, "actor": v.actor, "by": owner, "time": v.time, "winner": v.winner}));
        }
        conflicts.push(json!({"path": c.path, "values": values}));
    }
    let case_doc = doc.read().map_err(StoreError::from)?;
    let photos: Vec<Value> = case_doc
        .visits
        .iter()
        .flat_map(|v| v.photos.iter())
        .map(|p| {
            let present = p
                .hash
                .parse::<BlobHash>()
                .map(|b| blobs.exists(&b))
                .unwrap_or(false);
            let mut j = json!(p);
            j["present"] = json!(present);
            j
        })
        .collect();
    let evidence_complete = case_doc
        .photo_hashes()
        .iter()
        .all(|h| h.parse::<BlobHash>().is_ok_and(|b| blobs.exists(&b)));
    let team: Vec<String> = store
        .assigned_users(case)?
        .into_iter()
        .map(|u| u.name)
        .collect();
    Ok(json!({
        "case_id": case,
        "team": team,
        "document": document,
        "conflicts": conflicts,
        "photos": photos,
        "evidence_complete": evidence_complete,
    }))
}

pub fn list_cases(store: &dyn Store) -> Result<Value> {
    Ok(json!(store.list_cases()?))
}

/// The latest changes whose fields (old → new) the history lists; older ones show who and when.
const HISTORY_WITH_FIELDS: usize = 200;

/// The case as JSON at `heads` (an empty object before the first change), cached by heads: in a
/// linear history each change's parents are the previous change.
fn state_at(
    doc: &mut CaseDocument,
    heads: &[automerge::ChangeHash],
    cache: &mut std::collections::HashMap<Vec<automerge::ChangeHash>, Value>,
) -> Result<Value> {
    let mut key = heads.to_vec();
    key.sort();
    if let Some(v) = cache.get(&key) {
        return Ok(v.clone());
    }
    let v = if heads.is_empty() {
        json!({})
    } else {
        let fork = doc
            .automerge()
            .fork_at(heads)
            .map_err(|e| StoreError::from(jiuzhu_shared::DocError::from(e)))?;
        let c = CaseDocument::from_automerge(fork)
            .read()
            .map_err(StoreError::from)?;
        serde_json::to_value(c).expect("a case serialises")
    };
    cache.insert(key, v.clone());
    Ok(v)
}

/// Every change of the case's document, oldest first, with who wrote it and, for the latest
/// ones, each field it changed with the value before and after.
pub fn history(store: &dyn Store, case: CaseId) -> Result<Value> {
    let mut doc = load_case(store, case)?;
    let mut owners = std::collections::HashMap::new();
    let mut changes = Vec::new();
    let mut metas: Vec<_> = doc
        .automerge()
        .get_changes_meta(&[])
        .into_iter()
        .map(|m| {
            let message = m.message.map(|c| c.to_string());
            (
                m.hash,
                m.deps,
                m.actor.to_hex_string(),
                m.timestamp,
                message,
            )
        })
        .collect();
    metas.sort_by_key(|m| m.3);
    let with_fields = metas.len().saturating_sub(HISTORY_WITH_FIELDS);
    let mut cache = std::collections::HashMap::new();
    for (i, (hash, deps, actor, time, message)) in metas.into_iter().enumerate() {
        if !owners.contains_key(&actor) {
            owners.insert(actor.clone(), store.actor_owner(&actor)?);
        }
        let fields = if i >= with_fields {
            let before = state_at(&mut doc, &deps, &mut cache)?;
            let after = state_at(&mut doc, &[hash], &mut cache)?;
            json!(jiuzhu_shared::path::diff(&before, &after))
        } else {
            Value::Null
        };
        changes.push(json!({
            "hash": hash.to_string(), "actor": actor, "by": owners[&actor],
            "time": time, "message": message, "fields": fields,
        }));
    }
    changes.sort_by_key(|c| c["time"].as_i64());
    Ok(json!({ "changes": changes }))
}
