//! The platform keystore (issue 13 point 5): a 32-byte secret the operating system keeps outside
//! the tablet's home, mixed into the PIN key. A copy of the home alone then cannot be searched for
//! the PIN offline: each guess also needs the secret, which stays with the platform (and, where
//! the platform has one, its hardware).
//!
//! - Linux: the Secret Service (GNOME Keyring, KWallet) over D-Bus, through the `keyring` crate;
//! - Windows: the Credential Manager, which protects what it stores with DPAPI (the user's logon);
//! - Android: the Keystore/StrongBox needs JNI from the app's activity — planned, not built yet;
//! - otherwise, or when no keystore answers: none. The key is then wrapped by the PIN and the
//!   lease alone (docs/security.md, "A stolen tablet", states what that costs).

use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error(
        "this tablet's key is also held by the platform keystore \"{0}\", which does not answer here: start it (log in to the desktop session) and try again"
    )]
    Unavailable(String),
    #[error(
        "the platform keystore \"{0}\" no longer holds this tablet's key: the data cannot be opened; enroll the tablet again"
    )]
    Missing(String),
    #[error("platform keystore: {0}")]
    Platform(String),
}

/// A place outside the tablet's home that keeps a secret for it.
pub trait Keystore {
    /// Stable name recorded in `keys.json`, so unlocking knows which keystore to ask.
    fn name(&self) -> &'static str;
    /// The secret stored under `id`; `None` if there is none.
    fn get(&self, id: &str) -> Result<Option<Zeroizing<[u8; 32]>>, KeystoreError>;
    /// Store a fresh random secret under `id` and return it.
    fn create(&self, id: &str) -> Result<Zeroizing<[u8; 32]>, KeystoreError>;
    /// Remove the secret under `id` (a wipe, a PIN replaced); absent is fine.
    fn delete(&self, id: &str) -> Result<(), KeystoreError>;
}

/// The keystore of this platform, if one answers now; `None` is the fallback (PIN and lease only).
pub fn platform() -> Option<Box<dyn Keystore>> {
    #[cfg(any(target_os = "linux", target_os = "windows"))]
    return os::OsKeystore::probe().map(|k| Box::new(k) as Box<dyn Keystore>);
    // Android's Keystore needs JNI from the app's activity: planned, not built yet.
    #[cfg(not(any(target_os = "linux", target_os = "windows")))]
    None
}

/// The keystore named `name` (as recorded in `keys.json`), or why it cannot be had.
pub fn named(name: &str) -> Result<Box<dyn Keystore>, KeystoreError> {
    platform()
        .filter(|k| k.name() == name)
        .ok_or_else(|| KeystoreError::Unavailable(name.to_string()))
}

#[cfg(any(target_os = "linux", target_os = "windows"))]
mod os {
    use super::{Keystore, KeystoreError};
    use rand::Rng;
    use zeroize::Zeroizing;

    const SERVICE: &str = "jiuzhu-tablet";

    pub struct OsKeystore;

    impl OsKeystore {
        /// Whether the platform keystore answers: an entry that does not exist is looked up, and
        /// only "no such entry" counts as an answer (no D-Bus session, no Secret Service: none).
        pub fn probe() -> Option<OsKeystore> {
            let entry = keyring::Entry::new(SERVICE, "probe").ok()?;
            match entry.get_secret() {
                Ok(_) | Err(keyring::Error::NoEntry) => Some(OsKeystore),
                Err(_) => None,
            }
        }

        fn entry(id: &str) -> Result<keyring::Entry, KeystoreError> {
            keyring::Entry::new(SERVICE, id).map_err(|e| KeystoreError::Platform(e.to_string()))
        }
    }

    impl Keystore for OsKeystore {
        fn name(&self) -> &'static str {
            if cfg!(windows) {
                "windows-credential-manager"
            } else {
                "secret-service"
            }
        }

        fn get(&self, id: &str) -> Result<Option<Zeroizing<[u8; 32]>>, KeystoreError> {
            match Self::entry(id)?.get_secret() {
                Ok(s) if s.len() == 32 => {
                    let mut out = Zeroizing::new([0u8; 32]);
                    out.copy_from_slice(&Zeroizing::new(s));
                    Ok(Some(out))
                }
                Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(KeystoreError::Platform(e.to_string())),
            }
        }

        fn create(&self, id: &str) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
            let secret = Zeroizing::new(rand::rng().random::<[u8; 32]>());
            Self::entry(id)?
                .set_secret(secret.as_ref())
                .map_err(|e| KeystoreError::Platform(e.to_string()))?;
            Ok(secret)
        }

        fn delete(&self, id: &str) -> Result<(), KeystoreError> {
            match Self::entry(id)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(KeystoreError::Platform(e.to_string())),
            }
        }
    }
}
