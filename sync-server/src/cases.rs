//! The case library: creating cases, assigning investigator teams, loading a case's document,
//! exporting it with its conflicts and evidence, its change history, and the console's direct
//! edits (resolve a conflict, return for correction, accept the investigation). Used by the
//! console API, the admin CLI and the workflow; no HTTP here.

use crate::audit::AuditEvent;
use crate::blobs::BlobDir;
use crate::review::text;
use crate::store::{Store, StoreError, User};
use crate::sync_engine::write_server_change;
use jiuzhu_shared::schema::{CaseDoc, ReviewNote, SCHEMA_VERSION};
use jiuzhu_shared::workflow::Role;
use jiuzhu_shared::{ActorKey, BlobHash, CaseDocument, CaseId, DocError};
use serde::Deserialize;
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

/// Who writes: the Automerge actor for document changes, the name for the case's workflow log,
/// and the audit label.
#[derive(Debug, Clone)]
pub struct Editor {
    pub actor: ActorKey,
    pub name: String,
    pub audit: String,
}

impl Editor {
    /// The admin command line, writing as the server.
    pub fn admin(store: &dyn Store) -> Result<Self> {
        Ok(Editor {
            actor: store.server_actor()?,
            name: "admin".into(),
            audit: "admin (command line)".into(),
        })
    }
}

/// The user called `name`.
pub fn user_named(store: &dyn Store, name: &str) -> Result<User> {
    store
        .user_by_name(name)?
        .ok_or_else(|| CaseError::NoUser(name.into()))
}

/// Create a case from JSON (header and declared section of the case schema).
pub fn add_case(store: &dyn Store, json_text: &str, now: i64) -> Result<CaseId> {
    let mut case: CaseDoc = serde_json::from_str(json_text).map_err(|e| {
        CaseError::Invalid(format!("the case file does not match the case schema: {e}"))
    })?;
    let id = CaseId::new();
    case.case_id = id.to_string();
    case.schema_version = SCHEMA_VERSION;
    if case.header.status.is_empty() {
        case.header.status = "accepted".into();
    }
    case.fill_missing_ids();
    let actor = store.server_actor()?;
    store.transact(&mut |txn| {
        write_server_change(txn, id, actor, now, &mut |doc| {
            doc.write(&case, "create case", now)
        })
    })?;
    Ok(id)
}

/// Assign a case to a team of investigators: they receive it at their next sync, the header names
/// the team, and an open visit exists for them to fill in together.
pub fn assign(store: &dyn Store, case: CaseId, users: &[String], now: i64) -> Result<()> {
    assign_as(store, case, users, &Editor::admin(store)?, now)
}

/// Assign on behalf of `by` (a console user or the admin CLI).
pub fn assign_as(
    store: &dyn Store,
    case: CaseId,
    users: &[String],
    by: &Editor,
    now: i64,
) -> Result<()> {
    let mut team = Vec::new();
    for name in users.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        team.push(user_named(store, name)?);
    }
    if team.is_empty() {
        return Err(CaseError::Invalid("name at least one investigator".into()));
    }
    load_case(store, case)?; // the case must exist before anyone is assigned to it
    if let Some(u) = team.iter().find(|u| u.role != Role::Investigator) {
        return Err(CaseError::Invalid(format!(
            "{} is not an investigator",
            u.name
        )));
    }
    let names: Vec<String> = team.iter().map(|u| u.name.clone()).collect();
    store.transact(&mut |txn| {
        write_server_change(txn, case, by.actor, now, &mut |doc| {
            doc.update("assign team", now, |c| {
                c.header.assigned_team = names.clone();
                if c.header.status.is_empty() || c.header.status == "accepted" {
                    c.header.status = "investigating".into();
                }
                // The open visit, with a row per declared member, made here once: two tablets
                // laying the rows out offline would each insert a copy.
                c.ensure_open_visit("", now * 1000);
                Ok(())
            })
        })
    })?;
    let ids: Vec<i64> = team.iter().map(|u| u.id).collect();
    store.set_assignment(case, &ids)?;
    store.add_workflow(case, "assign", &by.name, now, &json!({ "team": names }))?;
    store.audit(&AuditEvent::new(
        now,
        by.audit.as_str(),
        "assign",
        Some(case.to_string()),
        json!({ "team": names }),
    ))?;
    Ok(())
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
    let workflow = store.workflow(case)?;
    Ok(json!({
        "case_id": case,
        "team": team,
        "document": document,
        "conflicts": conflicts,
        "photos": photos,
        "evidence_complete": evidence_complete,
        "workflow": workflow,
    }))
}

pub fn list_cases(store: &dyn Store) -> Result<Value> {
    Ok(json!(store.list_cases()?))
}

/// Every change of the case's document, oldest first, with who wrote it.
pub fn history(store: &dyn Store, case: CaseId) -> Result<Value> {
    let mut doc = load_case(store, case)?;
    let mut owners = std::collections::HashMap::new();
    let mut changes = Vec::new();
    for m in doc.automerge().get_changes_meta(&[]) {
        let actor = m.actor.to_hex_string();
        if !owners.contains_key(&actor) {
            owners.insert(actor.clone(), store.actor_owner(&actor)?);
        }
        changes.push(json!({
            "hash": m.hash.to_string(), "actor": actor, "by": owners[&actor],
            "time": m.timestamp, "message": m.message.map(|c| c.to_string()),
        }));
    }
    changes.sort_by_key(|c| c["time"].as_i64());
    Ok(json!({ "changes": changes }))
}

/// Write `by`'s change into a case document with its audit record (one transaction), then log
/// it in the case's workflow. A change the document refuses is `Invalid` with its reason.
fn edit(
    store: &dyn Store,
    case: CaseId,
    by: &Editor,
    (action, detail): (&str, Value),
    now: i64,
    change: &mut dyn FnMut(&mut CaseDocument, i64) -> Result<(), DocError>,
) -> Result<()> {
    let mut failure = None;
    let r = store.transact(&mut |txn| {
        write_server_change(txn, case, by.actor, now, &mut |doc| {
            change(doc, now).inspect_err(|e| failure = Some(e.to_string()))
        })?;
        txn.audit(&AuditEvent::new(
            now,
            by.audit.as_str(),
            action,
            Some(case.to_string()),
            detail.clone(),
        ))
    });
    if let Some(message) = failure {
        return Err(CaseError::Invalid(message));
    }
    r?;
    store.add_workflow(case, action, &by.name, now, &detail)?;
    Ok(())
}

/// Settle a conflict: `value` wins at `path`.
pub fn resolve(
    store: &dyn Store,
    case: CaseId,
    by: &Editor,
    (path, value): (&str, &Value),
    now: i64,
) -> Result<()> {
    let d = json!({ "path": path, "value": value });
    edit(store, case, by, ("resolve", d), now, &mut |doc, now| {
        doc.resolve(path, value, now)
    })
}

/// A review note: on a field (`path`) or on the case as a whole.
#[derive(Debug, Clone, Deserialize)]
pub struct Note {
    pub path: Option<String>,
    pub text: String,
}

/// Return the case to its investigators with notes (at least one that says something).
pub fn return_for_correction(
    store: &dyn Store,
    case: CaseId,
    by: &Editor,
    notes: &[Note],
    now: i64,
) -> Result<()> {
    let notes: Vec<&Note> = notes.iter().filter(|n| !n.text.trim().is_empty()).collect();
    if notes.is_empty() {
        return Err(CaseError::Invalid(text::NOTES_REQUIRED.into()));
    }
    let d = json!({ "notes": notes.iter().map(|n| json!({"path": n.path, "text": n.text})).collect::<Vec<_>>() });
    edit(store, case, by, ("return", d), now, &mut |doc, now| {
        doc.update("return for correction", now, |c| {
            for n in &notes {
                c.review_notes.push(ReviewNote {
                    id: jiuzhu_shared::ids::new_row_id(),
                    path: n.path.clone().filter(|p| !p.trim().is_empty()),
                    text: n.text.trim().to_string(),
                    by: by.name.clone(),
                    at: Some(now * 1000),
                    ..Default::default()
                });
            }
            c.header.status = "returned".into();
            Ok(())
        })
    })
}

/// Accept the investigation (验收).
pub fn accept(store: &dyn Store, case: CaseId, by: &Editor, comment: &str, now: i64) -> Result<()> {
    let d = json!({ "comment": comment });
    edit(store, case, by, ("accept", d), now, &mut |doc, now| {
        doc.update("accept investigation", now, |c| {
            c.header.status = "investigation_accepted".into();
            Ok(())
        })
    })
}
