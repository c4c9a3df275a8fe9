//! Administrative operations behind `jiuzhu-server admin …` (and, later, the console).

use crate::audit::AuditEvent;
use crate::blobs::BlobDir;
use crate::store::{Store, StoreError};
use crate::sync_engine::write_server_change;
use jiuzhu_shared::schema::{CaseDoc, SCHEMA_VERSION};
use jiuzhu_shared::workflow::{Role, UnknownRole};
use jiuzhu_shared::{BlobHash, CaseDocument, CaseId, DeviceId};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no user named {0:?}: add it first with `admin add-user`")]
    NoUser(String),
    #[error("no case {0}: see `admin list-cases`")]
    NoCase(CaseId),
    #[error("no device {0}")]
    NoDevice(DeviceId),
    #[error(transparent)]
    Role(#[from] UnknownRole),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, AdminError>;

/// Minimum console password length.
pub const MIN_PASSWORD: usize = 8;

pub fn add_user(
    store: &dyn Store,
    name: &str,
    role: &str,
    township: &str,
    password: Option<&str>,
    now: i64,
) -> Result<Value> {
    if name.trim().is_empty() || township.trim().is_empty() {
        return Err(AdminError::Invalid(
            "a user needs a name and a township".into(),
        ));
    }
    let role: Role = role.parse()?;
    if crate::console::access::allowed(role, crate::console::access::Action::SignIn)
        && password.is_none()
    {
        return Err(AdminError::Invalid(format!(
            "a {} signs in to the console: give --password",
            role.as_str()
        )));
    }
    if let Some(p) = password {
        check_password(p)?;
    }
    let u = store.add_user(name.trim(), role, township.trim(), now)?;
    if let Some(p) = password {
        set_password(store, &u.name, p)?;
    }
    Ok(json!(u))
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AdminError::Invalid(format!(
            "a password needs at least {MIN_PASSWORD} characters"
        )));
    }
    Ok(())
}

pub fn set_password(store: &dyn Store, name: &str, password: &str) -> Result<()> {
    check_password(password)?;
    let u = store
        .user_by_name(name)?
        .ok_or_else(|| AdminError::NoUser(name.into()))?;
    store.set_password(u.id, &crate::auth::hash_password(password))?;
    Ok(())
}

/// Create a one-time enrollment code for an investigator; returns the code (only shown once).
pub fn enroll_code(store: &dyn Store, user: &str, ttl_s: i64, now: i64) -> Result<String> {
    let u = store
        .user_by_name(user)?
        .ok_or_else(|| AdminError::NoUser(user.into()))?;
    if u.role != Role::Investigator {
        return Err(AdminError::Invalid(format!(
            "{user} is a {}: only investigators enroll tablets",
            u.role.as_str()
        )));
    }
    let code = crate::auth::new_enroll_code();
    store.add_enroll_code(u.id, &crate::auth::hash_code(&code), now + ttl_s)?;
    Ok(code)
}

/// Create a case from JSON (header and declared section of the case schema).
pub fn add_case(store: &dyn Store, json_text: &str, now: i64) -> Result<CaseId> {
    let mut case: CaseDoc = serde_json::from_str(json_text).map_err(|e| {
        AdminError::Invalid(format!("the case file does not match the case schema: {e}"))
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
    let actor = store.server_actor()?;
    assign_as(
        store,
        case,
        users,
        actor,
        "admin",
        "admin (command line)",
        now,
    )
}

/// Assign on behalf of `who` (a console user or the admin CLI), writing with `actor`.
pub fn assign_as(
    store: &dyn Store,
    case: CaseId,
    users: &[String],
    actor: jiuzhu_shared::ActorKey,
    who: &str,
    audit_actor: &str,
    now: i64,
) -> Result<()> {
    let mut team = Vec::new();
    for name in users.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let u = store
            .user_by_name(name)?
            .ok_or_else(|| AdminError::NoUser(name.into()))?;
        team.push(u);
    }
    if team.is_empty() {
        return Err(AdminError::Invalid("name at least one investigator".into()));
    }
    load_case(store, case)?; // the case must exist before anyone is assigned to it
    if let Some(u) = team.iter().find(|u| u.role != Role::Investigator) {
        return Err(AdminError::Invalid(format!(
            "{} is not an investigator",
            u.name
        )));
    }
    let names: Vec<String> = team.iter().map(|u| u.name.clone()).collect();
    store.transact(&mut |txn| {
        write_server_change(txn, case, actor, now, &mut |doc| {
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
    store.add_workflow(case, "assign", who, now, &json!({ "team": names }))?;
    store.audit(&AuditEvent::new(
        now,
        audit_actor,
        "assign",
        Some(case.to_string()),
        json!({ "team": names }),
    ))?;
    Ok(())
}

pub fn revoke_device(store: &dyn Store, id: DeviceId, now: i64) -> Result<()> {
    if !store.list_devices()?.iter().any(|d| d.id == id) {
        return Err(AdminError::NoDevice(id));
    }
    store.revoke_device(id, now)?;
    store.audit(&AuditEvent::new(
        now,
        "admin",
        "revoke_device",
        None,
        json!({ "device": id }),
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
    let bytes = bytes.ok_or(AdminError::NoCase(case))?;
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

/// Check the audit chain; prints progress to stderr on long chains.
pub fn verify_audit(store: &dyn Store) -> Result<Value> {
    let started = std::time::Instant::now();
    let outcome = store.verify_audit(&mut |n| eprintln!("verified {n} records…"))?;
    Ok(match outcome {
        Ok(records) => {
            json!({ "ok": true, "records": records, "seconds": started.elapsed().as_secs_f64() })
        }
        Err(b) => json!({ "ok": false, "first_broken": b.seq, "reason": b.reason }),
    })
}

/// Install a workflow options or calendar file (validated first).
pub fn set_workflow_file(
    root: &std::path::Path,
    file: &std::path::Path,
    which: crate::workflow::config::Which,
) -> Result<String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AdminError::Invalid(format!("cannot read {}: {e}", file.display())))?;
    crate::workflow::config::install(root, which, &text)
        .map_err(|e| AdminError::Invalid(e.to_string()))?;
    Ok(format!("installed {}", file.display()))
}

/// The server itself when it opens scheduled reviews.
pub fn system_who(store: &dyn Store) -> Result<crate::workflow::Who> {
    Ok(crate::workflow::Who {
        name: "系统（定期核查）".into(),
        role: Role::Caseworker,
        actor: store.server_actor()?,
        audit: "server schedule".into(),
    })
}

/// Open change reviews for every active case due on `today`.
pub fn schedule_reviews(
    store: &dyn Store,
    root: &std::path::Path,
    today: jiuzhu_shared::rules::date::Date,
    now: i64,
) -> Result<Value> {
    let config =
        crate::workflow::config::load(root).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let opened =
        crate::workflow::reviews::schedule_due(store, &config, &system_who(store)?, today, now)
            .map_err(|e| AdminError::Invalid(e.to_string()))?;
    Ok(json!({ "opened": opened }))
}
