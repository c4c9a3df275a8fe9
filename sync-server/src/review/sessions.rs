//! Console sign-in: password check with a lockout after repeated failures, sessions kept as
//! token hashes, every sign-in and failure in the audit chain.

use super::access;
use crate::audit::AuditEvent;
use crate::auth;
use crate::store::{Store, StoreError, User};
use serde_json::json;

pub const SESSION_TTL_S: i64 = 8 * 3600;
const LOCKOUT_WINDOW_S: i64 = 15 * 60;
const LOCKOUT_FAILURES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("too many failed sign-ins")]
    Locked,
    #[error("wrong name or password")]
    Failed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Check `name` and `password`; on success a new session's token (only its hash is stored).
pub fn sign_in(
    store: &dyn Store,
    name: &str,
    password: &str,
    now: i64,
) -> Result<(User, String), SignInError> {
    let name = name.trim().to_string();
    if store.login_failures_since(&name, now - LOCKOUT_WINDOW_S)? >= LOCKOUT_FAILURES {
        return Err(SignInError::Locked);
    }
    let user = store
        .user_by_name(&name)?
        .filter(|u| access::allowed(u.role, access::Action::SignIn));
    let hash = match &user {
        Some(u) => store.password_hash(u.id)?,
        None => None,
    };
    // Verify even when the user is unknown so timing does not tell which names exist.
    let ok = auth::verify_password(password, hash.as_deref().unwrap_or_else(|| dummy_hash()))
        && hash.is_some();
    let Some(user) = user.filter(|_| ok) else {
        store.record_login_failure(&name, now)?;
        store.audit(&AuditEvent::new(
            now,
            format!("console {name}"),
            "login_failed",
            None,
            json!({}),
        ))?;
        return Err(SignInError::Failed);
    };
    store.clear_login_failures(&name)?;
    store.audit(&AuditEvent::new(
        now,
        format!("console {name}"),
        "login",
        None,
        json!({}),
    ))?;
    let token = auth::new_token();
    store.create_session(&auth::hash(&token), user.id, now + SESSION_TTL_S)?;
    Ok((user, token))
}

/// An argon2 hash of a random string: verifying against it costs what a real check costs.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::new_token()))
}

/// The user of a live session.
pub fn user(store: &dyn Store, token: &str, now: i64) -> Result<Option<User>, StoreError> {
    store.session_user(&auth::hash(token), now)
}

pub fn sign_out(store: &dyn Store, token: &str) -> Result<(), StoreError> {
    store.delete_session(&auth::hash(token))
}
