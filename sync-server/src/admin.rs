//! Administrative operations behind `jiuzhu-server admin …`: users and passwords, enrollment
//! codes, revoking devices, verifying the audit chain, installing workflow files and opening
//! scheduled reviews. Cases themselves are the case library's (`crate::cases`).

use crate::audit::AuditEvent;
use crate::cases::{CaseError, user_named};
use crate::review::access;
use crate::store::{Store, StoreError};
use jiuzhu_shared::DeviceId;
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
    let u = user_named(store, name)?;
    store.set_password(u.id, &crate::auth::hash_password(password))?;
    Ok(())
}

/// Create a one-time enrollment code for an investigator; returns the code (only shown once).
pub fn enroll_code(store: &dyn Store, user: &str, ttl_s: i64, now: i64) -> Result<String> {
    let u = user_named(store, user)?;
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
