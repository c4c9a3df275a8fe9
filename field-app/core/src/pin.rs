//! The unlock PIN. A tablet left in a car must not open a household's data to whoever finds it, so
//! the app asks for a PIN on every start. Only an argon2id hash (PHC string) is kept in the local
//! settings; after repeated wrong PINs the tablet makes the person wait, which caps guessing at a
//! few tries per minute.

use crate::store::{Store, StoreError};

pub const MIN_LEN: usize = 4;
pub const MAX_LEN: usize = 12;
/// Wrong PINs allowed before each further try has to wait [`LOCK_SECONDS`].
pub const FREE_ATTEMPTS: u32 = 5;
pub const LOCK_SECONDS: i64 = 60;

const HASH_KEY: &str = "pin_hash";
const FAILS_KEY: &str = "pin_failures";
const LAST_FAIL_KEY: &str = "pin_last_failure";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PinError {
    #[error("the PIN must be {MIN_LEN}–{MAX_LEN} digits")]
    Format,
    #[error("no PIN has been set on this tablet")]
    NotSet,
    #[error("wrong PIN ({failures} wrong so far)")]
    Wrong { failures: u32 },
    #[error("too many wrong PINs: wait {seconds} s")]
    Locked { seconds: i64 },
    #[error("local store: {0}")]
    Store(String),
}

impl From<StoreError> for PinError {
    fn from(e: StoreError) -> Self {
        PinError::Store(e.to_string())
    }
}

pub fn valid_format(pin: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

pub fn is_set(store: &Store) -> Result<bool, PinError> {
    Ok(store.setting(HASH_KEY)?.is_some())
}

/// Set (or replace) the PIN. Replacing requires the caller to have verified the old one.
pub fn set(store: &Store, pin: &str) -> Result<(), PinError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use rand::Rng;
    if !valid_format(pin) {
        return Err(PinError::Format);
    }
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes is a valid salt");
    let phc = argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string();
    store.set_setting(HASH_KEY, &phc)?;
    store.set_setting(FAILS_KEY, "0")?;
    Ok(())
}

/// Check a PIN at `now` (unix seconds). Failures are counted in the store so restarting the app
/// does not reset the wait.
pub fn verify(store: &Store, pin: &str, now: i64) -> Result<(), PinError> {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let phc = store.setting(HASH_KEY)?.ok_or(PinError::NotSet)?;
    let failures: u32 = store
        .setting(FAILS_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let last: i64 = store
        .setting(LAST_FAIL_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if failures >= FREE_ATTEMPTS {
        let wait = last + LOCK_SECONDS - now;
        if wait > 0 {
            return Err(PinError::Locked { seconds: wait });
        }
    }
    let ok = PasswordHash::new(&phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    });
    if ok {
        store.set_setting(FAILS_KEY, "0")?;
        Ok(())
    } else {
        let failures = failures + 1;
        store.set_setting(FAILS_KEY, &failures.to_string())?;
        store.set_setting(LAST_FAIL_KEY, &now.to_string())?;
        Err(PinError::Wrong { failures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("t.sqlite")).unwrap();
        (dir, s)
    }

    #[test]
    fn format_is_digits_of_bounded_length() {
        assert!(valid_format("1234"));
        assert!(valid_format("123456789012"));
        assert!(!valid_format("123"));
        assert!(!valid_format("12a4"));
        assert!(!valid_format("1234567890123"));
    }

    #[test]
    fn set_then_verify_and_only_hash_is_stored() {
        let (_d, s) = store();
        assert!(!is_set(&s).unwrap());
        assert_eq!(verify(&s, "1234", 0), Err(PinError::NotSet));
        set(&s, "246810").unwrap();
        assert!(is_set(&s).unwrap());
        let stored = s.setting(HASH_KEY).unwrap().unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("246810"));
        verify(&s, "246810", 0).unwrap();
        assert_eq!(
            verify(&s, "246811", 0),
            Err(PinError::Wrong { failures: 1 })
        );
        assert_eq!(set(&s, "12"), Err(PinError::Format));
    }

    #[test]
    fn repeated_failures_lock_for_a_while() {
        let (_d, s) = store();
        set(&s, "1111").unwrap();
        for i in 1..=FREE_ATTEMPTS {
            assert_eq!(
                verify(&s, "0000", 100),
                Err(PinError::Wrong { failures: i })
            );
        }
        // Even the right PIN waits while locked.
        assert_eq!(
            verify(&s, "1111", 110),
            Err(PinError::Locked { seconds: 50 })
        );
        verify(&s, "1111", 100 + LOCK_SECONDS).unwrap();
        verify(&s, "1111", 100 + LOCK_SECONDS).unwrap();
    }
}
