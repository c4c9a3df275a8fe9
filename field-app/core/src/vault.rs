//! Encryption at rest (issue #6 point 1). A lost tablet must show nothing without the PIN.
//!
//! Key hierarchy:
//! - two random 256-bit keys made at first use: the **database key** (SQLCipher, given as a raw
//!   key `x'…'` so SQLCipher skips its own PBKDF2 — the key is already random) and the **photo
//!   key** (XChaCha20-Poly1305 for photo, thumbnail and signature files). Separate keys, so no key
//!   serves two constructions;
//! - both are wrapped (XChaCha20-Poly1305) by a key-encryption key derived from the PIN with
//!   argon2id and a random salt, in `keys.json` in the tablet home. That file has to be readable
//!   before the database is, so it also carries the wrong-PIN counter: a wrong PIN is simply a
//!   failed unwrap, there is no PIN hash to attack offline apart from the argon2id work per guess.
//! - after [`FREE_ATTEMPTS`](crate::pin::FREE_ATTEMPTS) wrong PINs each try waits; after
//!   `wipe_after` (default [`DEFAULT_WIPE_AFTER`]) the home is wiped.
//!
//! A wipe deletes `keys.json` first: once the wrapped keys are gone the database and photos are
//! unreadable noise, even if deleting the rest is interrupted (crypto-erase), and flash storage
//! that keeps old blocks cannot bring them back either.

use crate::pin::{FREE_ATTEMPTS, LOCK_SECONDS, PinError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zeroize::Zeroizing;

pub const KEY_FILE: &str = "keys.json";
/// Wrong PINs after which the tablet wipes itself, unless configured otherwise at PIN setup.
pub const DEFAULT_WIPE_AFTER: u32 = 10;
/// Every encrypted file starts with this, then the 24-byte nonce, then the ciphertext and tag.
const PHOTO_MAGIC: &[u8; 4] = b"JZE1";
const WRAP_AAD: &[u8] = b"jiuzhu keys v1";

/// The unwrapped keys; zeroed when dropped.
#[derive(Clone)]
pub struct Keys {
    db: Zeroizing<[u8; 32]>,
    photo: Zeroizing<[u8; 32]>,
}

impl Keys {
    pub fn generate() -> Keys {
        let mut rng = rand::rng();
        Keys {
            db: Zeroizing::new(rng.random()),
            photo: Zeroizing::new(rng.random()),
        }
    }

    /// The value for `PRAGMA key`: SQLCipher's raw-key form.
    pub fn db_pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(*self.db)))
    }

    /// Encrypt a file's bytes. `name` (the file name, e.g. the content hash) is bound as
    /// associated data, so a file renamed to another photo's name does not decrypt.
    pub fn seal_file(&self, name: &str, plain: &[u8]) -> Vec<u8> {
        let nonce: [u8; 24] = rand::rng().random();
        let ct = XChaCha20Poly1305::new(self.photo.as_ref().into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: name.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory data");
        let mut out = Vec::with_capacity(4 + 24 + ct.len());
        out.extend_from_slice(PHOTO_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open_file(&self, name: &str, data: &[u8]) -> Result<Vec<u8>, VaultError> {
        if data.len() < 28 || &data[..4] != PHOTO_MAGIC {
            return Err(VaultError::Damaged(name.to_string()));
        }
        XChaCha20Poly1305::new(self.photo.as_ref().into())
            .decrypt(
                XNonce::from_slice(&data[4..28]),
                Payload {
                    msg: &data[28..],
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| VaultError::Damaged(name.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the encrypted file {0} is damaged or belongs to another tablet")]
    Damaged(String),
}

/// `keys.json`. Hex for bytes so a person can look at it and see there is nothing to read.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    v: u32,
    kdf: String,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
    nonce: String,
    wrapped: String,
    failures: u32,
    last_failure: i64,
    wipe_after: u32,
}

pub fn exists(home: &Path) -> bool {
    home.join(KEY_FILE).exists()
}

fn kek(
    pin: &str,
    salt: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, PinError> {
    let params = argon2::Params::new(m_kib, t, p, Some(32))
        .map_err(|e| PinError::Store(format!("key file parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(pin.as_bytes(), salt, out.as_mut())
        .map_err(|e| PinError::Store(format!("argon2: {e}")))?;
    Ok(out)
}

/// Wrap `keys` under `pin` into `keys.json` (durably), with a fresh salt and a zero failure count.
pub fn store(home: &Path, pin: &str, keys: &Keys, wipe_after: u32) -> Result<(), PinError> {
    if !crate::pin::valid_format(pin) {
        return Err(PinError::Format);
    }
    // argon2's recommended defaults (19 MiB, 2 passes): about 50 ms on a tablet, so guessing the
    // 10⁴–10¹² PINs offline costs that per guess, and the wipe limits guessing on the device.
    let d = argon2::Params::default();
    let (m_kib, t, p) = (d.m_cost(), d.t_cost(), d.p_cost());
    let mut rng = rand::rng();
    let salt: [u8; 16] = rng.random();
    let nonce: [u8; 24] = rng.random();
    let k = kek(pin, &salt, m_kib, t, p)?;
    let mut plain = Zeroizing::new([0u8; 64]);
    plain[..32].copy_from_slice(keys.db.as_ref());
    plain[32..].copy_from_slice(keys.photo.as_ref());
    let wrapped = XChaCha20Poly1305::new(k.as_ref().into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain.as_ref(),
                aad: WRAP_AAD,
            },
        )
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory data");
    write(
        home,
        &KeyFile {
            v: 1,
            kdf: "argon2id".into(),
            m_kib,
            t,
            p,
            salt: hex::encode(salt),
            nonce: hex::encode(nonce),
            wrapped: hex::encode(wrapped),
            failures: 0,
            last_failure: 0,
            wipe_after: wipe_after.max(1),
        },
    )
}

fn read(home: &Path) -> Result<KeyFile, PinError> {
    let text = match std::fs::read_to_string(home.join(KEY_FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(PinError::NotSet),
        Err(e) => return Err(PinError::Store(e.to_string())),
    };
    serde_json::from_str(&text).map_err(|e| PinError::Store(format!("{KEY_FILE}: {e}")))
}

fn write(home: &Path, f: &KeyFile) -> Result<(), PinError> {
    let bytes = serde_json::to_vec_pretty(f).expect("key file serialises");
    crate::write_durable(&home.join(KEY_FILE), &bytes).map_err(|e| PinError::Store(e.to_string()))
}

/// What unlocking came to.
pub enum Unlock {
    Open(Keys),
    /// The last allowed wrong PIN: the caller wipes the home.
    Wipe,
}

/// Unwrap the keys with `pin` at `now` (unix seconds). Failures are counted in `keys.json`, so
/// restarting the app resets neither the wait nor the count towards the wipe.
pub fn unlock(home: &Path, pin: &str, now: i64) -> Result<Unlock, PinError> {
    let mut f = read(home)?;
    if f.failures >= FREE_ATTEMPTS {
        let wait = f.last_failure + LOCK_SECONDS - now;
        if wait > 0 {
            return Err(PinError::Locked { seconds: wait });
        }
    }
    let bytes = |s: &str| hex::decode(s).map_err(|e| PinError::Store(format!("{KEY_FILE}: {e}")));
    let (salt, nonce, wrapped) = (bytes(&f.salt)?, bytes(&f.nonce)?, bytes(&f.wrapped)?);
    if nonce.len() != 24 {
        return Err(PinError::Store(format!("{KEY_FILE}: bad nonce")));
    }
    let k = kek(pin, &salt, f.m_kib, f.t, f.p)?;
    let plain = XChaCha20Poly1305::new(k.as_ref().into()).decrypt(
        XNonce::from_slice(&nonce),
        Payload {
            msg: &wrapped,
            aad: WRAP_AAD,
        },
    );
    match plain {
        Ok(p) if p.len() == 64 => {
            let p = Zeroizing::new(p);
            let mut keys = Keys {
                db: Zeroizing::new([0; 32]),
                photo: Zeroizing::new([0; 32]),
            };
            keys.db.copy_from_slice(&p[..32]);
            keys.photo.copy_from_slice(&p[32..]);
            if f.failures != 0 {
                f.failures = 0;
                write(home, &f)?;
            }
            Ok(Unlock::Open(keys))
        }
        _ => {
            f.failures += 1;
            f.last_failure = now;
            if f.failures >= f.wipe_after {
                return Ok(Unlock::Wipe);
            }
            write(home, &f)?;
            Err(PinError::Wrong {
                failures: f.failures,
                remaining: f.wipe_after - f.failures,
            })
        }
    }
}

/// The configured wipe limit, to keep it when the PIN changes.
pub fn wipe_after(home: &Path) -> u32 {
    read(home).map_or(DEFAULT_WIPE_AFTER, |f| f.wipe_after)
}

/// Delete everything the tablet keeps: the key file first (see the module comment), then the
/// database with its WAL files, photos, thumbnails and the lease/identity that live in the database.
pub fn wipe(home: &Path) -> std::io::Result<()> {
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    };
    gone(std::fs::remove_file(home.join(KEY_FILE)))?;
    for f in [
        crate::DB_FILE.to_string(),
        format!("{}-wal", crate::DB_FILE),
        format!("{}-shm", crate::DB_FILE),
        format!("{}-journal", crate::DB_FILE),
    ] {
        gone(std::fs::remove_file(home.join(f)))?;
    }
    for d in ["photos", "thumbs"] {
        gone(std::fs::remove_dir_all(home.join(d)))?;
    }
    if let Ok(dir) = std::fs::File::open(home) {
        let _ = dir.sync_all();
    }
    Ok(())
}
