//! Console sign-in: password check behind two throttles, sessions kept as token hashes with an
//! absolute and an idle expiry, every sign-in and failure in the audit chain.
//!
//! The throttles are counted before any password is hashed, so neither guessing nor unknown
//! names cost the server an argon2 each beyond the allowance: failures per network address (any
//! names), and failures per account *from that address*. An account is never locked for
//! everybody, so failing on purpose from one place cannot keep its owner out.

use super::access;
use crate::audit::AuditEvent;
use crate::auth;
use crate::store::{Store, StoreError, User};
use crate::throttle::{Limit, address_key};
use serde_json::json;
use std::net::IpAddr;

/// A session ends 8 hours after sign-in whatever happens…
pub const SESSION_TTL_S: i64 = 8 * 3600;
/// …and after 30 minutes without a request of its user.
pub const SESSION_IDLE_S: i64 = 30 * 60;
/// Failed sign-ins from one network address, whatever the names.
const ADDRESS_FAILURES: Limit = Limit {
    kind: "login_address",
    max: 20,
    window_s: 15 * 60,
};
/// Failed sign-ins to one account from one network address.
const ACCOUNT_FAILURES: Limit = Limit {
    kind: "login_account",
    max: 5,
    window_s: 15 * 60,
};

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("too many failed sign-ins")]
    Locked,
    #[error("wrong name or password")]
    Failed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Check `name` and `password` asked from `addr`; on success a new session's token (only its
/// hash is stored).
pub fn sign_in(
    store: &dyn Store,
    name: &str,
    password: &str,
    addr: Option<IpAddr>,
    now: i64,
) -> Result<(User, String), SignInError> {
    let name = name.trim().to_string();
    let address = address_key(addr);
    let account = format!("{name}\n{address}");
    // Each attempt is counted as a failure before the password is hashed (so concurrent
    // attempts cannot all pass the gate); a success takes its count back.
    let mut locked = false;
    store.transact(&mut |txn| {
        locked = ADDRESS_FAILURES.full(txn, &address, now)?.is_some()
            || ACCOUNT_FAILURES.full(txn, &account, now)?.is_some();
        if !locked {
            ADDRESS_FAILURES.count(txn, &address, now)?;
            ACCOUNT_FAILURES.count(txn, &account, now)?;
        }
        Ok(())
    })?;
    if locked {
        return Err(SignInError::Locked);
    }
    let user = store
        .user_by_name(&name)?
        .filter(|u| access::allowed(u.role, access::Action::SignIn));
    // A disabled user has no password hash: refused like a wrong password.
    let hash = match &user {
        Some(u) => store.password_hash(u.id)?,
        None => None,
    };
    // Verify even when the user is unknown so timing does not tell which names exist.
    let ok = auth::verify_password(password, hash.as_deref().unwrap_or_else(|| dummy_hash()))
        && hash.is_some();
    let Some(user) = user.filter(|_| ok) else {
        store.audit(&AuditEvent::new(
            now,
            format!("console {name}"),
            "login_failed",
            None,
            json!({}),
        ))?;
        return Err(SignInError::Failed);
    };
    store.transact(&mut |txn| {
        ADDRESS_FAILURES.uncount(txn, &address, now)?;
        ACCOUNT_FAILURES.clear(txn, &account)?;
        txn.audit(&AuditEvent::new(
            now,
            format!("console {name}"),
            "login",
            None,
            json!({}),
        ))
    })?;
    let token = auth::new_token();
    store.create_session(&auth::hash(&token), user.id, now, now + SESSION_TTL_S)?;
    Ok((user, token))
}

/// An argon2 hash of a random string: verifying against it costs what a real check costs.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::new_token()))
}

/// The user of a live session. `activity`: the request is the user's doing (not a background
/// poll), so it keeps the session from going idle.
pub fn user(
    store: &dyn Store,
    token: &str,
    now: i64,
    activity: bool,
) -> Result<Option<User>, StoreError> {
    store.session_user(&auth::hash(token), now, now - SESSION_IDLE_S, activity)
}

pub fn sign_out(store: &dyn Store, token: &str) -> Result<(), StoreError> {
    store.delete_session(&auth::hash(token))
}
