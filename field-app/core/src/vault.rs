//! Encryption at rest (issue #6 point 1, issue 13 point 5). A lost tablet must show nothing
//! without the PIN, and nothing past its lease without the server.
//!
//! Key hierarchy:
//! - two random 256-bit keys made at first use: the **database key** (SQLCipher, given as a raw
//!   key `x'…'` so SQLCipher skips its own PBKDF2 — the key is already random) and the **photo
//!   key** (photo, thumbnail and signature files, under the tablet's [`TabletCipher`]:
//!   XChaCha20-Poly1305, or SM4-GCM where the deployment asks for 商用密码 — issue 13 point 7).
//!   Separate keys, so no key serves two constructions;
//! - the **PIN key**: argon2id of the PIN (salt and parameters in the file), mixed with a secret
//!   the platform keystore keeps where one answers ([`crate::keystore`]);
//! - both data keys are wrapped (under the same cipher as the files) under a hash (SHA-256; SM3
//!   with SM4-GCM) of the PIN key and the device's **lease secret** from the server; the sync credential is wrapped under the PIN key
//!   alone, so a wrong PIN is a failed unwrap (no PIN hash to attack offline apart from the
//!   argon2id work per guess) and a tablet whose lease lapsed can still ask for the secret.
//!   A lapsed lease's secret is deleted from `keys.json`: the data opens again only with the
//!   server's answer ([`renew`]).
//! - `keys.json` has to be readable before the database is, so it also carries the wrong-PIN
//!   counter: after [`FREE_ATTEMPTS`](crate::pin::FREE_ATTEMPTS) wrong PINs each try waits; after
//!   `wipe_after` (default [`DEFAULT_WIPE_AFTER`]) the home is wiped.
//!
//! The cipher is recorded in `keys.json` (a file without it is XChaCha20-Poly1305, as all were
//! before) and chosen once: the server's enrollment answer sets it before any file is written
//! ([`Keys::set_cipher`]).
//!
//! A wipe deletes `keys.json` first: once the wrapped keys are gone the database and photos are
//! unreadable noise, even if deleting the rest is interrupted (crypto-erase), and flash storage
//! that keeps old blocks cannot bring them back either.

use crate::pin::{FREE_ATTEMPTS, LOCK_SECONDS, PinError};
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{self, Aead, KeyInit, Payload};
use jiuzhu_shared::protocol::TabletCipher;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zeroize::Zeroizing;

pub const KEY_FILE: &str = "keys.json";
/// Wrong PINs after which the tablet wipes itself, unless configured otherwise at PIN setup.
pub const DEFAULT_WIPE_AFTER: u32 = 10;
/// SM4 (GB/T 32907) in RustCrypto's generic GCM, with the 96-bit nonce of RFC 8998.
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aead::consts::U12>;

/// Every encrypted file starts with its cipher's mark, then the nonce (24 bytes for XChaCha20, 12
/// for SM4-GCM), then the ciphertext and tag.
fn file_magic(cipher: TabletCipher) -> &'static [u8; 4] {
    match cipher {
        TabletCipher::XChaCha20Poly1305 => b"JZE1",
        TabletCipher::Sm4Gcm => b"JZS1",
    }
}

fn nonce_len(cipher: TabletCipher) -> usize {
    match cipher {
        TabletCipher::XChaCha20Poly1305 => 24,
        TabletCipher::Sm4Gcm => 12,
    }
}

/// Encrypt under `cipher` with a fresh random nonce: (nonce, ciphertext and tag). SM4 takes the
/// first 128 bits of the 256-bit key (as uniform as the whole). Random 96-bit nonces are safe far
/// beyond the files one tablet writes under one key (2³² messages).
fn aead_seal(cipher: TabletCipher, key: &[u8; 32], aad: &[u8], plain: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn with<A: Aead + KeyInit>(key: &[u8], aad: &[u8], plain: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut nonce = aead::Nonce::<A>::default();
        rand::rng().fill(nonce.as_mut_slice());
        let ct = A::new_from_slice(key)
            .expect("the key has the cipher's length")
            .encrypt(&nonce, Payload { msg: plain, aad })
            .expect("AEAD encryption cannot fail for in-memory data");
        (nonce.to_vec(), ct)
    }
    match cipher {
        TabletCipher::XChaCha20Poly1305 => with::<XChaCha20Poly1305>(key, aad, plain),
        TabletCipher::Sm4Gcm => with::<Sm4Gcm>(&key[..16], aad, plain),
    }
}

/// Decrypt what [`aead_seal`] made; `None` if the nonce has the wrong length or the data, the
/// key or the associated data is not the one sealed.
fn aead_open(
    cipher: TabletCipher,
    key: &[u8; 32],
    nonce: &[u8],
    aad: &[u8],
    data: &[u8],
) -> Option<Vec<u8>> {
    fn with<A: Aead + KeyInit>(
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        msg: &[u8],
    ) -> Option<Vec<u8>> {
        let nonce = aead::Nonce::<A>::from_exact_iter(nonce.iter().copied())?;
        A::new_from_slice(key)
            .ok()?
            .decrypt(&nonce, Payload { msg, aad })
            .ok()
    }
    match cipher {
        TabletCipher::XChaCha20Poly1305 => with::<XChaCha20Poly1305>(key, nonce, aad, data),
        TabletCipher::Sm4Gcm => with::<Sm4Gcm>(&key[..16], nonce, aad, data),
    }
}

/// Associated data of the version-1 wrap.
const WRAP_AAD: &[u8] = b"jiuzhu keys v1";

/// The unwrapped keys; zeroed when dropped.
#[derive(Clone)]
pub struct Keys {
    db: Zeroizing<[u8; 32]>,
    photo: Zeroizing<[u8; 32]>,
    /// What the files are sealed with and the keys wrapped under.
    cipher: TabletCipher,
}

impl Keys {
    pub fn generate() -> Keys {
        let mut rng = rand::rng();
        Keys {
            db: Zeroizing::new(rng.random()),
            photo: Zeroizing::new(rng.random()),
            cipher: TabletCipher::default(),
        }
    }

    pub fn cipher(&self) -> TabletCipher {
        self.cipher
    }

    /// Seal files (and wrap these keys, at the next [`store`]) with `cipher` from now on, under a
    /// fresh photo key so that no key serves two ciphers. Only for a tablet without encrypted
    /// files — at enrollment, before any case arrives —: files sealed before would not open.
    pub fn set_cipher(&mut self, cipher: TabletCipher) {
        if cipher != self.cipher {
            self.cipher = cipher;
            self.photo = Zeroizing::new(rand::rng().random());
        }
    }

    /// The value for `PRAGMA key`: SQLCipher's raw-key form.
    pub fn db_pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(*self.db)))
    }

    /// Encrypt a file's bytes. `name` (the file name, e.g. the content hash) is bound as
    /// associated data, so a file renamed to another photo's name does not decrypt.
    pub fn seal_file(&self, name: &str, plain: &[u8]) -> Vec<u8> {
        let (nonce, ct) = aead_seal(self.cipher, &self.photo, name.as_bytes(), plain);
        [file_magic(self.cipher).as_slice(), &nonce, &ct].concat()
    }

    /// Decrypt a file sealed by [`Keys::seal_file`] under this tablet's cipher; a file of the other
    /// cipher is refused, never opened with it.
    pub fn open_file(&self, name: &str, data: &[u8]) -> Result<Vec<u8>, VaultError> {
        let head = data.get(..4);
        if head != Some(file_magic(self.cipher).as_slice()) {
            return Err(
                match TabletCipher::ALL
                    .into_iter()
                    .find(|c| head == Some(file_magic(*c).as_slice()))
                {
                    Some(found) => VaultError::OtherCipher {
                        name: name.to_string(),
                        found,
                        ours: self.cipher,
                    },
                    None => VaultError::Damaged(name.to_string()),
                },
            );
        }
        let n = 4 + nonce_len(self.cipher);
        data.get(n..)
            .and_then(|ct| aead_open(self.cipher, &self.photo, &data[4..n], name.as_bytes(), ct))
            .ok_or_else(|| VaultError::Damaged(name.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the encrypted file {0} is damaged or belongs to another tablet")]
    Damaged(String),
    #[error(
        "the encrypted file {name} was sealed with {found}, but this tablet uses {ours}: it belongs to another tablet"
    )]
    OtherCipher {
        name: String,
        found: TabletCipher,
        ours: TabletCipher,
    },
}

/// argon2id parameters for new key files: 64 MiB and 3 passes (RFC 9106's second recommended
/// setting, one lane since the tablet derives on one thread). About 0.1 s per derivation on a
/// desktop core (a cheap ARM tablet: several times that, not measured here), once per unlock; every offline guess costs
/// the same (docs/benchmarks.md, `jiuzhu-bench pin`). Files made with other parameters record
/// theirs and open with them.
pub const ARGON2_M_KIB: u32 = 64 * 1024;
pub const ARGON2_T: u32 = 3;
pub const ARGON2_P: u32 = 1;
/// The first version of `keys.json`: keys wrapped under the PIN alone (19 MiB, t=2).
const V1: u32 = 1;
/// Keys wrapped under the PIN, the lease secret and the platform keystore's secret.
const V2: u32 = 2;
const WRAP_AAD_V2: &[u8] = b"jiuzhu keys v2";
const CRED_AAD: &[u8] = b"jiuzhu credential v2";

/// `keys.json`. Hex for bytes so a person can look at it and see there is nothing to read.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    v: u32,
    /// The files' cipher, which also wraps the keys below (absent: XChaCha20-Poly1305).
    #[serde(default)]
    cipher: TabletCipher,
    kdf: String,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
    /// The data keys, wrapped (v2: under the PIN key and, once granted, the lease secret).
    nonce: String,
    wrapped: String,
    /// v2: the keystore whose secret is mixed into the PIN key (none: the fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keystore: Option<String>,
    /// v2: what a tablet needs to sync with its data still locked, under the PIN key alone;
    /// opening it is also the PIN check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credential: Option<Sealed>,
    /// v2: the lease; `secret` is gone once the tablet found the lease lapsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease: Option<LeaseFile>,
    failures: u32,
    last_failure: i64,
    wipe_after: u32,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    nonce: String,
    data: String,
}

#[derive(Serialize, Deserialize)]
struct LeaseFile {
    until: i64,
    granted_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

/// What the tablet needs to reach its server before its data opens (a lapsed lease).
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Credential {
    pub server: String,
    pub fingerprint: String,
    pub token: String,
}

/// An offline lease as the server granted it: its end, the server's clock then, and the device's
/// lease secret.
#[derive(Clone)]
pub struct Lease {
    pub secret: Zeroizing<String>,
    pub until: i64,
    pub granted_at: i64,
}

impl Lease {
    /// Past its end, or the clock set back to before the grant (turning the clock back must not
    /// stretch the lease).
    pub fn lapsed_at(until: i64, granted_at: i64, now: i64) -> bool {
        now >= until || now + crate::CLOCK_SLACK_S < granted_at
    }
}

/// The PIN key: argon2id of the PIN mixed with the keystore's secret, with what made it. The
/// unlocked tablet keeps it (like the data keys) to rewrap at each lease grant without the PIN.
#[derive(Clone)]
pub struct PinKey {
    key: Zeroizing<[u8; 32]>,
    salt: [u8; 16],
    m_kib: u32,
    t: u32,
    p: u32,
    keystore: Option<String>,
}

impl PinKey {
    /// A new PIN key with a fresh salt and the current parameters; a new secret in the platform
    /// keystore when there is one.
    pub fn new(pin: &str) -> Result<PinKey, PinError> {
        if !crate::pin::valid_format(pin) {
            return Err(PinError::Format);
        }
        let salt: [u8; 16] = rand::rng().random();
        // A keystore that answers but will not store (a locked desktop keyring with no one to
        // unlock it) is the fallback too; the file then records none, so nothing is hidden.
        let (ks, extra) = crate::keystore::platform()
            .and_then(|k| k.create(&hex::encode(salt)).ok().map(|s| (k, s)))
            .unzip();
        let argon = argon2id(pin, &salt, ARGON2_M_KIB, ARGON2_T, ARGON2_P)?;
        Ok(PinKey {
            key: pin_mix(&argon, extra.as_deref()),
            salt,
            m_kib: ARGON2_M_KIB,
            t: ARGON2_T,
            p: ARGON2_P,
            keystore: ks.map(|k| k.name().to_string()),
        })
    }

    /// The key the data keys are wrapped under: the PIN key and, once granted, the lease secret,
    /// hashed with the cipher's companion hash (SM3 beside SM4).
    fn data_key(&self, cipher: TabletCipher, lease_secret: Option<&str>) -> Zeroizing<[u8; 32]> {
        let parts = [self.key.as_ref(), lease_secret.unwrap_or("").as_bytes()];
        match cipher {
            TabletCipher::XChaCha20Poly1305 => mix::<sha2::Sha256>(b"jiuzhu data v2", &parts),
            TabletCipher::Sm4Gcm => mix::<sm3::Sm3>(b"jiuzhu data sm4", &parts),
        }
    }

    /// The key the credential is wrapped under: the PIN key itself (SM3 of it beside SM4).
    fn credential_key(&self, cipher: TabletCipher) -> Zeroizing<[u8; 32]> {
        match cipher {
            TabletCipher::XChaCha20Poly1305 => self.key.clone(),
            TabletCipher::Sm4Gcm => mix::<sm3::Sm3>(b"jiuzhu credential sm4", &[self.key.as_ref()]),
        }
    }

    /// Which keystore, if any, holds part of this key (`None`: the PIN-and-lease fallback).
    pub fn keystore(&self) -> Option<&str> {
        self.keystore.as_deref()
    }
}

/// The PIN key from the argon2id output and the keystore's secret (none: the fallback).
fn pin_mix(argon: &[u8; 32], keystore_secret: Option<&[u8; 32]>) -> Zeroizing<[u8; 32]> {
    let extra: &[u8] = keystore_secret.map_or(&[], |k| k.as_slice());
    mix::<sha2::Sha256>(b"jiuzhu pin v2", &[argon.as_slice(), extra])
}

fn store_err(e: impl std::fmt::Display) -> PinError {
    PinError::Store(e.to_string())
}

/// A 256-bit hash (SHA-256 or SM3) over a label and length-prefixed parts: a key from keys that
/// are already uniform.
fn mix<D: sha2::Digest>(label: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut h = D::new();
    h.update(label);
    for p in parts {
        h.update((p.len() as u32).to_be_bytes());
        h.update(p);
    }
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&h.finalize());
    out
}

pub fn exists(home: &Path) -> bool {
    home.join(KEY_FILE).exists()
}

fn argon2id(
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

/// One offline guess against a key file made with the current parameters: what the benchmark
/// times (the argon2id derivation; the unwrap after it is negligible).
pub fn guess_cost_once(pin: &str, salt: &[u8; 16]) -> Result<(), PinError> {
    argon2id(pin, salt, ARGON2_M_KIB, ARGON2_T, ARGON2_P).map(drop)
}

/// Wrap for `keys.json`: hex nonce and ciphertext.
fn seal(cipher: TabletCipher, key: &[u8; 32], aad: &[u8], plain: &[u8]) -> (String, String) {
    let (nonce, ct) = aead_seal(cipher, key, aad, plain);
    (hex::encode(nonce), hex::encode(ct))
}

/// Unwrap from `keys.json`: `None` for the wrong key (a wrong PIN), an error for a damaged file.
fn open(
    cipher: TabletCipher,
    key: &[u8; 32],
    aad: &[u8],
    nonce: &str,
    data: &str,
) -> Result<Option<Zeroizing<Vec<u8>>>, PinError> {
    let bytes = |s: &str| hex::decode(s).map_err(|e| PinError::Store(format!("{KEY_FILE}: {e}")));
    let (nonce, data) = (bytes(nonce)?, bytes(data)?);
    if nonce.len() != nonce_len(cipher) {
        return Err(PinError::Store(format!(
            "{KEY_FILE}: bad nonce for {cipher}"
        )));
    }
    Ok(aead_open(cipher, key, &nonce, aad, &data).map(Zeroizing::new))
}

fn keys_from(plain: &[u8], cipher: TabletCipher) -> Option<Keys> {
    (plain.len() == 64).then(|| {
        let mut keys = Keys {
            db: Zeroizing::new([0; 32]),
            photo: Zeroizing::new([0; 32]),
            cipher,
        };
        keys.db.copy_from_slice(&plain[..32]);
        keys.photo.copy_from_slice(&plain[32..]);
        keys
    })
}

/// Write `keys.json` (durably): the data keys under `pk` and the lease secret, the credential
/// under `pk`, a zero failure count. The lease secret is written only while the lease holds at
/// `now`: a lapsed lease's secret stays forgotten until a grant brings it back.
pub fn store(
    home: &Path,
    pk: &PinKey,
    keys: &Keys,
    credential: &Credential,
    lease: Option<&Lease>,
    wipe_after: u32,
    now: i64,
) -> Result<(), PinError> {
    let mut plain = Zeroizing::new([0u8; 64]);
    plain[..32].copy_from_slice(keys.db.as_ref());
    plain[32..].copy_from_slice(keys.photo.as_ref());
    let cipher = keys.cipher;
    let (nonce, wrapped) = seal(
        cipher,
        &pk.data_key(cipher, lease.map(|l| l.secret.as_str())),
        WRAP_AAD_V2,
        plain.as_ref(),
    );
    let cred_json = Zeroizing::new(serde_json::to_vec(credential).expect("credential serialises"));
    let (cn, cd) = seal(cipher, &pk.credential_key(cipher), CRED_AAD, &cred_json);
    let before = read(home).ok();
    write(
        home,
        &KeyFile {
            v: V2,
            cipher,
            kdf: "argon2id".into(),
            m_kib: pk.m_kib,
            t: pk.t,
            p: pk.p,
            salt: hex::encode(pk.salt),
            nonce,
            wrapped,
            keystore: pk.keystore.clone(),
            credential: Some(Sealed {
                nonce: cn,
                data: cd,
            }),
            lease: lease.map(|l| LeaseFile {
                until: l.until,
                granted_at: l.granted_at,
                secret: (!Lease::lapsed_at(l.until, l.granted_at, now))
                    .then(|| l.secret.to_string()),
            }),
            failures: 0,
            last_failure: 0,
            wipe_after: wipe_after.max(1),
        },
    )?;
    // A replaced PIN key leaves its keystore secret behind: remove it once the new file is down.
    if let Some(old) = before.filter(|f| f.salt != hex::encode(pk.salt)) {
        forget_keystore_part(&old);
    }
    Ok(())
}

/// Remove the keystore's part of an abandoned key file, if it had one. Best effort: the secret
/// opens nothing without the file it belonged to.
fn forget_keystore_part(f: &KeyFile) {
    if let Some(ks) = f
        .keystore
        .as_deref()
        .and_then(|n| crate::keystore::named(n).ok())
    {
        let _ = ks.delete(&f.salt);
    }
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

/// An opened key file.
pub struct Opened {
    pub keys: Keys,
    pub pin_key: PinKey,
    pub lease: Option<Lease>,
    /// A version-1 file: the caller wraps the keys again with today's parameters.
    pub outdated: bool,
}

/// A right PIN on a tablet whose lease lapsed: what it needs to ask the server for the secret.
pub struct Lapsed {
    pub pin_key: PinKey,
    pub credential: Credential,
    pub until: i64,
}

/// What unlocking came to.
pub enum Unlock {
    Open(Opened),
    Lapsed(Lapsed),
    /// The last allowed wrong PIN: the caller wipes the home.
    Wipe,
}

/// Unwrap the keys with `pin` at `now` (unix seconds). Failures are counted in `keys.json`, so
/// restarting the app resets neither the wait nor the count towards the wipe. A lease found
/// lapsed has its secret destroyed here, before anything is unwrapped.
pub fn unlock(home: &Path, pin: &str, now: i64) -> Result<Unlock, PinError> {
    forget_lapsed(home, now)?;
    let mut f = read(home)?;
    if f.failures >= FREE_ATTEMPTS {
        let wait = f.last_failure + LOCK_SECONDS - now;
        if wait > 0 {
            return Err(PinError::Locked { seconds: wait });
        }
    }
    let salt: [u8; 16] = hex::decode(&f.salt)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| PinError::Store(format!("{KEY_FILE}: bad salt")))?;
    let argon = argon2id(pin, &salt, f.m_kib, f.t, f.p)?;
    let outcome = if f.v == V1 {
        open(f.cipher, &argon, WRAP_AAD, &f.nonce, &f.wrapped)?
            .and_then(|p| keys_from(&p, f.cipher))
            .map(|keys| {
                // The v1 key is the argon2id output itself; the caller rewraps at once.
                Unlock::Open(Opened {
                    keys,
                    pin_key: PinKey {
                        key: argon.clone(),
                        salt,
                        m_kib: f.m_kib,
                        t: f.t,
                        p: f.p,
                        keystore: None,
                    },
                    lease: None,
                    outdated: true,
                })
            })
    } else {
        let extra = match &f.keystore {
            Some(name) => {
                let ks = crate::keystore::named(name).map_err(store_err)?;
                let secret = ks.get(&f.salt).map_err(store_err)?;
                Some(secret.ok_or_else(|| {
                    store_err(crate::keystore::KeystoreError::Missing(name.clone()))
                })?)
            }
            None => None,
        };
        let pin_key = PinKey {
            key: pin_mix(&argon, extra.as_deref()),
            salt,
            m_kib: f.m_kib,
            t: f.t,
            p: f.p,
            keystore: f.keystore.clone(),
        };
        let cred = f
            .credential
            .as_ref()
            .ok_or_else(|| PinError::Store(format!("{KEY_FILE}: no credential")))?;
        match open(
            f.cipher,
            &pin_key.credential_key(f.cipher),
            CRED_AAD,
            &cred.nonce,
            &cred.data,
        )? {
            None => None,
            Some(c) => {
                let credential: Credential = serde_json::from_slice(&c).map_err(store_err)?;
                let secret = match &f.lease {
                    Some(LeaseFile {
                        secret: None,
                        until,
                        ..
                    }) => {
                        let until = *until;
                        if f.failures != 0 {
                            f.failures = 0;
                            write(home, &f)?;
                        }
                        return Ok(Unlock::Lapsed(Lapsed {
                            pin_key,
                            credential,
                            until,
                        }));
                    }
                    Some(LeaseFile {
                        secret: Some(s), ..
                    }) => Some(s.clone()),
                    None => None,
                };
                let keys = open(
                    f.cipher,
                    &pin_key.data_key(f.cipher, secret.as_deref()),
                    WRAP_AAD_V2,
                    &f.nonce,
                    &f.wrapped,
                )?
                .and_then(|p| keys_from(&p, f.cipher))
                .ok_or_else(|| PinError::Store(format!("{KEY_FILE}: the data keys do not open")))?;
                let lease = f.lease.as_ref().zip(secret).map(|(l, s)| Lease {
                    secret: Zeroizing::new(s),
                    until: l.until,
                    granted_at: l.granted_at,
                });
                Some(Unlock::Open(Opened {
                    keys,
                    pin_key,
                    lease,
                    outdated: false,
                }))
            }
        }
    };
    match outcome {
        Some(open) => {
            if f.failures != 0 {
                f.failures = 0;
                write(home, &f)?;
            }
            Ok(open)
        }
        None => {
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

/// Open the data keys of a lapsed tablet with the lease secret the server just sent, and keep the
/// renewed lease. A secret that does not open them is refused (not this device's).
pub fn renew(home: &Path, pin_key: &PinKey, lease: &Lease) -> Result<Keys, PinError> {
    let mut f = read(home)?;
    let keys = open(
        f.cipher,
        &pin_key.data_key(f.cipher, Some(&lease.secret)),
        WRAP_AAD_V2,
        &f.nonce,
        &f.wrapped,
    )?
    .and_then(|p| keys_from(&p, f.cipher))
    .ok_or_else(|| {
        PinError::Store("the server's lease secret does not open this tablet's keys".into())
    })?;
    f.lease = Some(LeaseFile {
        until: lease.until,
        granted_at: lease.granted_at,
        secret: Some(lease.secret.to_string()),
    });
    write(home, &f)?;
    Ok(keys)
}

/// Destroy the stored lease secret (the tablet found its lease lapsed).
pub fn forget(home: &Path) -> Result<(), PinError> {
    let mut f = read(home)?;
    if let Some(l) = f.lease.as_mut().filter(|l| l.secret.is_some()) {
        l.secret = None;
        write(home, &f)?;
    }
    Ok(())
}

/// Destroy the stored lease secret if the lease has lapsed at `now` (the data then opens only
/// after a sync). Returns whether the data keys are now out of reach of the PIN alone.
pub fn forget_lapsed(home: &Path, now: i64) -> Result<bool, PinError> {
    let mut f = read(home)?;
    let Some(l) = f.lease.as_mut() else {
        return Ok(false);
    };
    if l.secret.is_some() && Lease::lapsed_at(l.until, l.granted_at, now) {
        l.secret = None;
        write(home, &f)?;
    }
    Ok(f.lease.as_ref().is_some_and(|l| l.secret.is_none()))
}

/// The configured wipe limit, to keep it when the PIN changes.
pub fn wipe_after(home: &Path) -> u32 {
    read(home).map_or(DEFAULT_WIPE_AFTER, |f| f.wipe_after)
}

/// Delete everything the tablet keeps: the key file first (see the module comment) and the
/// keystore's part of the key, then the database with its WAL files, photos, thumbnails and the
/// lease/identity that live in the database.
pub fn wipe(home: &Path) -> std::io::Result<()> {
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    };
    let file = read(home).ok();
    gone(std::fs::remove_file(home.join(KEY_FILE)))?;
    if let Some(f) = file {
        forget_keystore_part(&f);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A key file of version 1 (PIN only, argon2's defaults of the time): it opens with the
    /// parameters it records, and the tablet then wraps the keys again with today's.
    #[test]
    fn an_old_key_file_opens_with_its_own_parameters() {
        let home = tempfile::tempdir().unwrap();
        let keys = Keys::generate();
        let (m_kib, t, p) = (19 * 1024, 2, 1);
        let salt = [3u8; 16];
        let argon = argon2id("246810", &salt, m_kib, t, p).unwrap();
        let mut plain = [0u8; 64];
        plain[..32].copy_from_slice(keys.db.as_ref());
        plain[32..].copy_from_slice(keys.photo.as_ref());
        let (nonce, wrapped) = seal(TabletCipher::default(), &argon, WRAP_AAD, &plain);
        let v1 = serde_json::json!({
            "v": 1, "kdf": "argon2id", "m_kib": m_kib, "t": t, "p": p,
            "salt": hex::encode(salt), "nonce": nonce, "wrapped": wrapped,
            "failures": 0, "last_failure": 0, "wipe_after": 10
        });
        std::fs::write(home.path().join(KEY_FILE), v1.to_string()).unwrap();
        assert!(matches!(
            unlock(home.path(), "000000", 0),
            Err(PinError::Wrong { failures: 1, .. })
        ));
        let Ok(Unlock::Open(o)) = unlock(home.path(), "246810", 0) else {
            panic!("the old file opens with the right PIN");
        };
        assert!(o.outdated);
        assert_eq!(*o.keys.db, *keys.db);
        // What the tablet does next (Tablet::unlock_at): wrap again with today's parameters.
        let pk = PinKey::new("246810").unwrap();
        store(
            home.path(),
            &pk,
            &o.keys,
            &Credential::default(),
            None,
            10,
            0,
        )
        .unwrap();
        let f = read(home.path()).unwrap();
        assert_eq!((f.v, f.m_kib, f.t), (V2, ARGON2_M_KIB, ARGON2_T));
        let Ok(Unlock::Open(o)) = unlock(home.path(), "246810", 0) else {
            panic!("the rewrapped file opens");
        };
        assert!(!o.outdated);
        assert_eq!(*o.keys.photo, *keys.photo);
    }

    /// Keys as a tablet of `cipher` holds them, with the given photo key.
    fn keys_with(cipher: TabletCipher, photo: [u8; 32]) -> Keys {
        let mut k = Keys::generate();
        k.cipher = cipher;
        k.photo = Zeroizing::new(photo);
        k
    }

    /// Each cipher seals and opens its own files, binds the file name, and refuses the other's —
    /// even under the same key, and with the other's mark forged onto the file.
    #[test]
    fn files_round_trip_under_each_cipher_and_never_across() {
        let plain = b"a photo's bytes".repeat(1000);
        for (ours, other) in [
            (TabletCipher::XChaCha20Poly1305, TabletCipher::Sm4Gcm),
            (TabletCipher::Sm4Gcm, TabletCipher::XChaCha20Poly1305),
        ] {
            let keys = keys_with(ours, [7; 32]);
            let sealed = keys.seal_file("photos/ab", &plain);
            assert_eq!(&sealed[..4], file_magic(ours));
            assert_eq!(sealed.len(), 4 + nonce_len(ours) + plain.len() + 16);
            assert_eq!(keys.open_file("photos/ab", &sealed).unwrap(), plain);
            assert!(matches!(
                keys.open_file("photos/cd", &sealed),
                Err(VaultError::Damaged(_))
            ));
            let theirs = keys_with(other, [7; 32]);
            let err = theirs.open_file("photos/ab", &sealed).unwrap_err();
            assert!(
                matches!(err, VaultError::OtherCipher { found, .. } if found == ours),
                "{err}"
            );
            let mut forged = sealed.clone();
            forged[..4].copy_from_slice(file_magic(other));
            assert!(matches!(
                theirs.open_file("photos/ab", &forged),
                Err(VaultError::Damaged(_))
            ));
        }
        // Choosing a cipher brings a new photo key: no key serves both.
        let mut keys = keys_with(TabletCipher::XChaCha20Poly1305, [7; 32]);
        keys.set_cipher(TabletCipher::Sm4Gcm);
        assert_ne!(*keys.photo, [7; 32]);
        assert_eq!(keys.cipher(), TabletCipher::Sm4Gcm);
    }

    /// GB/T 32907-2016 appendix A, example 1 (SM4 on one block), and RFC 8998 appendix A.1
    /// (SM4-GCM): the construction the tablet uses is the standard's.
    #[test]
    fn sm4_and_sm4_gcm_give_the_standard_answers() {
        use sm4::cipher::{BlockEncrypt, KeyInit as _};
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let mut block = sm4::cipher::Block::<sm4::Sm4>::clone_from_slice(&key);
        sm4::Sm4::new_from_slice(&key)
            .unwrap()
            .encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");

        let nonce = hex::decode("00001234567800000000abcd").unwrap();
        let aad = hex::decode("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
        let plain = hex::decode(
            "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd\
             eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa",
        )
        .unwrap();
        let mut key32 = [0u8; 32];
        key32[..16].copy_from_slice(&key);
        let ct = Sm4Gcm::new_from_slice(&key)
            .unwrap()
            .encrypt(
                aead::Nonce::<Sm4Gcm>::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(
            hex::encode(&ct),
            "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735\
             d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d\
             83de3541e4c2b58177e065a9bf7b62ec"
        );
        // What the vault opens with the same key (its first 128 bits) is the same construction.
        assert_eq!(
            aead_open(TabletCipher::Sm4Gcm, &key32, &nonce, &aad, &ct).unwrap(),
            plain
        );
    }

    /// `keys.json` records the cipher and wraps under it: an SM4 tablet's file says `sm4-gcm`, has
    /// SM4-GCM's 96-bit nonces, opens with the right PIN (and the lease) into SM4 keys that open
    /// its files, refuses a wrong PIN, and does not open when the record is changed to the other
    /// cipher. A file written before the cipher was recorded opens as XChaCha20-Poly1305.
    #[test]
    fn keys_json_records_the_cipher_and_wraps_under_it() {
        let home = tempfile::tempdir().unwrap();
        let mut keys = Keys::generate();
        keys.set_cipher(TabletCipher::Sm4Gcm);
        let sealed = keys.seal_file("photos/ab", b"jpeg");
        let pk = PinKey::new("246810").unwrap();
        let lease = Lease {
            secret: Zeroizing::new("55".repeat(32)),
            until: 2_000,
            granted_at: 1_000,
        };
        let cred = Credential {
            token: "tok".into(),
            ..Credential::default()
        };
        store(home.path(), &pk, &keys, &cred, Some(&lease), 10, 1_500).unwrap();
        let text = std::fs::read_to_string(home.path().join(KEY_FILE)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["cipher"], "sm4-gcm");
        assert_eq!(json["nonce"].as_str().unwrap().len(), 2 * 12);
        assert_eq!(json["credential"]["nonce"].as_str().unwrap().len(), 2 * 12);

        assert!(matches!(
            unlock(home.path(), "135790", 1_500),
            Err(PinError::Wrong { failures: 1, .. })
        ));
        let Ok(Unlock::Open(o)) = unlock(home.path(), "246810", 1_500) else {
            panic!("the SM4 file opens with the right PIN");
        };
        assert_eq!(o.keys.cipher(), TabletCipher::Sm4Gcm);
        assert_eq!(o.keys.open_file("photos/ab", &sealed).unwrap(), b"jpeg");
        // Past the lease, the server's secret opens the keys again (the renewal path).
        assert!(forget_lapsed(home.path(), 3_000).unwrap());
        let renewed = renew(home.path(), &o.pin_key, &lease).unwrap();
        assert_eq!(renewed.open_file("photos/ab", &sealed).unwrap(), b"jpeg");

        // The record is part of what opens the file: naming the other cipher opens nothing.
        let mut f = read(home.path()).unwrap();
        f.cipher = TabletCipher::XChaCha20Poly1305;
        write(home.path(), &f).unwrap();
        assert!(!matches!(
            unlock(home.path(), "246810", 1_500),
            Ok(Unlock::Open(_))
        ));

        // A key file from before the cipher was recorded: XChaCha20-Poly1305, as it was written.
        let old = Keys::generate();
        store(home.path(), &pk, &old, &cred, None, 10, 0).unwrap();
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(home.path().join(KEY_FILE)).unwrap()).unwrap();
        assert_eq!(json["cipher"], "xchacha20poly1305");
        json.as_object_mut().unwrap().remove("cipher");
        std::fs::write(home.path().join(KEY_FILE), json.to_string()).unwrap();
        let Ok(Unlock::Open(o)) = unlock(home.path(), "246810", 0) else {
            panic!("a file without a recorded cipher opens as before");
        };
        assert_eq!(o.keys.cipher(), TabletCipher::XChaCha20Poly1305);
        assert_eq!(*o.keys.photo, *old.photo);
    }

    /// The keystore: with none answering on this machine (no Secret Service session), the PIN key
    /// is the fallback — PIN (and lease) only — and says so in the file; a file that names a
    /// keystore which does not answer is refused with what to do, never opened without it. Where a
    /// keystore answers, its secret is part of the key: the file alone no longer opens.
    #[test]
    fn the_platform_keystore_or_the_stated_fallback() {
        let home = tempfile::tempdir().unwrap();
        let keys = Keys::generate();
        let pk = PinKey::new("246810").unwrap();
        store(home.path(), &pk, &keys, &Credential::default(), None, 10, 0).unwrap();
        let f = read(home.path()).unwrap();
        assert_eq!(f.keystore.as_deref(), pk.keystore());
        match crate::keystore::platform() {
            None => {
                assert_eq!(f.keystore, None, "fallback: no keystore recorded");
                let mut f = f;
                f.keystore = Some("secret-service".into());
                write(home.path(), &f).unwrap();
                let err = unlock(home.path(), "246810", 0).err().unwrap();
                assert!(err.to_string().contains("does not answer"), "{err}");
            }
            Some(ks) => {
                assert_eq!(f.keystore.as_deref(), Some(ks.name()));
                assert!(ks.get(&f.salt).unwrap().is_some());
                assert!(matches!(
                    unlock(home.path(), "246810", 0),
                    Ok(Unlock::Open(_))
                ));
                // Without the keystore's part, the right PIN does not open the file.
                let salt = f.salt.clone();
                let mut f = f;
                f.keystore = None;
                write(home.path(), &f).unwrap();
                assert!(matches!(
                    unlock(home.path(), "246810", 0),
                    Err(PinError::Wrong { .. })
                ));
                // A wipe takes the keystore's part with the key file.
                f.keystore = Some(ks.name().into());
                write(home.path(), &f).unwrap();
                wipe(home.path()).unwrap();
                assert!(ks.get(&salt).unwrap().is_none());
            }
        }
    }
}
