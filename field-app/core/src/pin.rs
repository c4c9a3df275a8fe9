//! The unlock PIN. A tablet left in a car must not open a household's data to whoever finds it, so
//! the app asks for a PIN on every start. The PIN is not stored at all, not even hashed: it derives
//! (argon2id) the key that unwraps the database and photo keys (see [`crate::vault`]). After
//! repeated wrong PINs the tablet makes the person wait, which caps guessing at a few tries per
//! minute, and after `wipe_after` (default 10) it wipes itself.

/// Six digits at least (issue 13): a copied key file is searched offline at the argon2id cost
/// per guess, and 10⁴ four-digit PINs fell in minutes where 10⁶ take days (docs/security.md).
pub const MIN_LEN: usize = 6;
pub const MAX_LEN: usize = 12;
/// Wrong PINs allowed before each further try has to wait [`LOCK_SECONDS`].
pub const FREE_ATTEMPTS: u32 = 5;
pub const LOCK_SECONDS: i64 = 60;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PinError {
    #[error("the PIN must be {MIN_LEN}–{MAX_LEN} digits")]
    Format,
    #[error("no PIN has been set on this tablet")]
    NotSet,
    #[error("a PIN is already set on this tablet")]
    AlreadySet,
    #[error(
        "wrong PIN ({failures} wrong so far; the tablet erases its data after {remaining} more)"
    )]
    Wrong { failures: u32, remaining: u32 },
    #[error("too many wrong PINs: wait {seconds} s")]
    Locked { seconds: i64 },
    #[error("key file: {0}")]
    Store(String),
}

pub fn valid_format(pin: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_digits_of_bounded_length() {
        assert!(valid_format("246810"));
        assert!(valid_format("123456789012"));
        assert!(!valid_format("1234"));
        assert!(!valid_format("12345"));
        assert!(!valid_format("12a456"));
        assert!(!valid_format("1234567890123"));
    }
}
