//! Administrative operations behind `jiuzhu-server admin …`: users and passwords, enrollment
//! codes, revoking devices, verifying and anchoring the audit chain, installing workflow files and
//! opening scheduled reviews. Cases themselves are the case library's (`crate::cases`).

use crate::audit::anchor::{self, Anchor, Export};
use crate::audit::{AuditEvent, Verifier};
use crate::cases::{CaseError, user_named};
use crate::review::access;
use crate::store::{Item, Store, StoreError};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jiuzhu_shared::DeviceId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{Role, UnknownRole};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Case(#[from] CaseError),
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

/// Who the audit chain names for an operation from the command line.
pub const ADMIN_CLI: &str = "admin (command line)";

fn audit(store: &dyn Store, by: &str, action: &str, detail: Value, now: i64) -> Result<()> {
    Ok(store.audit(&AuditEvent::new(now, by, action, None, detail))?)
}

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
    if access::allowed(role, access::Action::SignIn) && password.is_none() {
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
        store.set_password(u.id, &crate::auth::hash_password(p))?;
    }
    let detail = json!({"user": u.name, "role": role.as_str(), "township": u.township,
                        "password": password.is_some()});
    audit(store, ADMIN_CLI, "add_user", detail, now)?;
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

pub fn set_password(store: &dyn Store, name: &str, password: &str, now: i64) -> Result<()> {
    check_password(password)?;
    let u = user_named(store, name)?;
    store.set_password(u.id, &crate::auth::hash_password(password))?;
    audit(
        store,
        ADMIN_CLI,
        "set_password",
        json!({ "user": u.name }),
        now,
    )
}

/// Disable a user: their sessions end and they cannot sign in until enabled again (their
/// devices are revoked separately, with `revoke-device`).
pub fn disable_user(store: &dyn Store, name: &str, now: i64) -> Result<()> {
    let u = user_named(store, name)?;
    store.set_disabled(u.id, Some(now))?;
    audit(
        store,
        ADMIN_CLI,
        "disable_user",
        json!({ "user": u.name }),
        now,
    )
}

/// Enable a disabled user again.
pub fn enable_user(store: &dyn Store, name: &str, now: i64) -> Result<()> {
    let u = user_named(store, name)?;
    store.set_disabled(u.id, None)?;
    audit(
        store,
        ADMIN_CLI,
        "enable_user",
        json!({ "user": u.name }),
        now,
    )
}

/// Create a one-time enrollment code for an investigator from the command line; returns the code
/// (only shown once).
pub fn enroll_code(store: &dyn Store, user: &str, ttl_s: i64, now: i64) -> Result<String> {
    enroll_code_by(store, ADMIN_CLI, user, ttl_s, now)
}

/// [`enroll_code`] issued by `by` (a console user's audit label), who the audit chain names.
pub fn enroll_code_by(
    store: &dyn Store,
    by: &str,
    user: &str,
    ttl_s: i64,
    now: i64,
) -> Result<String> {
    let u = user_named(store, user)?;
    if u.role != Role::Investigator {
        return Err(AdminError::Invalid(format!(
            "{user} is a {}: only investigators enroll tablets",
            u.role.as_str()
        )));
    }
    let code = crate::auth::new_enroll_code();
    store.add_enroll_code(u.id, &crate::auth::hash_code(&code), now + ttl_s)?;
    let detail = json!({"user": u.name, "township": u.township, "expires_at": now + ttl_s});
    audit(store, by, "enroll_code", detail, now)?;
    Ok(code)
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

/// The item kind anchors are stored under.
const ANCHOR: &str = "audit_anchor";

fn stored_anchors(store: &dyn Store) -> Result<Vec<Anchor>> {
    store
        .items(ANCHOR, None)?
        .into_iter()
        .map(|i| {
            serde_json::from_value(i.body).map_err(|e| {
                AdminError::Invalid(format!(
                    "the stored audit anchor `{}` is unreadable ({e}): it was altered",
                    i.id
                ))
            })
        })
        .collect()
}

/// Read the whole chain, checking its links and `anchors` against `key`.
fn check_chain(
    store: &dyn Store,
    anchors: &[Anchor],
    key: Option<&VerifyingKey>,
    progress: &mut dyn FnMut(u64),
) -> Result<(Verifier, std::result::Result<(), crate::audit::Broken>)> {
    let mut v = Verifier::watching(anchors.iter().map(|a| a.seq));
    let outcome = match (store.check_audit(&mut v, progress)?, key) {
        (Err(b), _) => Err(b),
        (Ok(_), Some(key)) => anchor::check(anchors, key, &v),
        (Ok(_), None) if anchors.is_empty() => Ok(()),
        (Ok(_), None) => Err(crate::audit::Broken {
            seq: anchors[0].seq,
            reason: format!(
                "{} anchors are stored but there is no audit key to check them: give --audit-key,                  or --anchors with an exported copy",
                anchors.len()
            ),
        }),
    };
    Ok((v, outcome))
}

/// Check the audit chain and its anchors — those stored, and those of an exported copy when given
/// (which must carry the same public key as `key`, if there is one); prints progress to stderr on
/// long chains.
pub fn verify_audit(
    store: &dyn Store,
    key: Option<&VerifyingKey>,
    exported: Option<&Export>,
) -> Result<Value> {
    let started = std::time::Instant::now();
    let mut anchors = stored_anchors(store)?;
    let mut key = key.copied();
    if let Some(e) = exported {
        let theirs = e.key().ok_or_else(|| {
            AdminError::Invalid("the exported anchors carry no valid public key".into())
        })?;
        if key.is_some_and(|k| k != theirs) {
            return Ok(json!({ "ok": false, "reason": format!(
                "the exported anchors were signed with key {}, this server's audit key is {}:                  the key was replaced", e.public_key, hex::encode(key.unwrap_or(theirs).as_bytes())) }));
        }
        key = Some(theirs);
        anchors.extend(e.anchors.iter().cloned());
    }
    let (v, outcome) = check_chain(store, &anchors, key.as_ref(), &mut |n| {
        eprintln!("verified {n} records…")
    })?;
    Ok(match outcome {
        Ok(()) => {
            let anchored = anchors.iter().map(|a| a.seq).max().unwrap_or(0);
            json!({ "ok": true, "records": v.checked, "anchors": anchors.len(),
                    "anchored_through": anchored,
                    "unanchored": v.last_seq().saturating_sub(anchored),
                    "seconds": started.elapsed().as_secs_f64() })
        }
        Err(b) => json!({ "ok": false, "first_broken": b.seq, "reason": b.reason }),
    })
}

/// Sign and store an anchor for every finished day (China time) without one, and with `head` the
/// chain's current last record too. A chain that does not verify is not anchored.
pub fn anchor_audit(store: &dyn Store, key: &SigningKey, now: i64, head: bool) -> Result<Value> {
    let anchors = stored_anchors(store)?;
    let (v, outcome) = check_chain(store, &anchors, Some(&key.verifying_key()), &mut |_| {})?;
    if let Err(b) = outcome {
        return Err(AdminError::Invalid(format!(
            "the audit chain does not verify at record {} ({}): nothing was anchored; run              verify-audit and investigate",
            b.seq, b.reason
        )));
    }
    let mut new: Vec<Anchor> = anchor::due(&v.heads, &anchors, Date::in_china(now))
        .into_iter()
        .map(|h| Anchor::sign(key, Some(h.day), h.seq, &h.hash, now))
        .collect();
    if let Some(last) = v.heads.last().filter(|_| head)
        && !anchors.iter().chain(&new).any(|a| a.seq == last.seq)
    {
        new.push(Anchor::sign(key, None, last.seq, &last.hash, now));
    }
    store.transact(&mut |txn| {
        new.iter().try_for_each(|a| {
            txn.put_item(&Item {
                kind: ANCHOR.into(),
                id: a.id(),
                case_id: None,
                body: json!(a),
                at: now,
            })
        })
    })?;
    Ok(json!({ "anchored": new, "records": v.checked }))
}

/// Every stored anchor with the public key that checks them, to keep away from the server.
pub fn export_anchors(store: &dyn Store, key: &VerifyingKey) -> Result<Export> {
    let mut anchors = stored_anchors(store)?;
    anchors.sort_by_key(|a| a.seq);
    Ok(Export::new(key, anchors))
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

/// Open change reviews for every active case due on `today`, the 定期探访 due, and the warnings
/// the monitoring rules now raise over the rows already imported.
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
    // 定期探访 (issue 15) on the same schedule.
    let visits = crate::monitoring::schedule::scheduled(
        store,
        root,
        &config,
        &system_who(store)?,
        today,
        now,
    )
    .map_err(|e| AdminError::Invalid(e.to_string()))?;
    // 主动发现's rules again over the rows already imported (the register and the dates move on).
    // A monitoring configuration without rules for the day is reported, not a reason to hide
    // the reviews and visits already opened.
    let who = system_who(store)?;
    let warnings = crate::monitoring::rules::load(root).and_then(|rules| {
        crate::monitoring::warnings::reevaluate(store, &rules, &config.calendar, &who, today, now)
    });
    Ok(match warnings {
        Ok(w) => json!({ "opened": opened, "visits": visits, "warnings": w }),
        Err(e) => {
            json!({ "opened": opened, "visits": visits, "warnings": [], "warnings_error": e.to_string() })
        }
    })
}
