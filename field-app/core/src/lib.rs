//! Headless core of the Jiuzhu field app: the local store, the photo pipeline and the sync client.
//! The Tauri shell and the `jiuzhu-tablet` command line both drive this same code.

pub mod enroll;
pub mod keystore;
pub mod net;
pub mod peer;
pub mod photo;
pub mod pin;
pub mod preview;
pub mod servers;
pub mod store;
pub mod sync;
pub mod vault;
pub mod visit;

use jiuzhu_shared::schema::PhotoRef;
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};
use serde::Serialize;
use std::path::{Path, PathBuf};
use store::{CaseListItem, Store};

pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, thiserror::Error)]
pub enum TabletError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Doc(#[from] jiuzhu_shared::DocError),
    #[error(transparent)]
    Net(#[from] net::NetError),
    #[error(transparent)]
    Peer(#[from] peer::PeerError),
    #[error(transparent)]
    Photo(#[from] photo::PhotoError),
    #[error(transparent)]
    Visit(#[from] visit::VisitError),
    #[error(transparent)]
    Pin(#[from] pin::PinError),
    #[error("income rules: {0}")]
    Rules(#[from] jiuzhu_shared::rules::ConfigError),
    #[error("this tablet is not enrolled yet: run `enroll` with the code from the township")]
    NotEnrolled,
    #[error("this tablet is already enrolled with {0}; use a new home directory to enroll again")]
    AlreadyEnrolled(String),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
    /// The offline lease ran out: case data stays locked (and kept, encrypted) until a sync.
    #[error(
        "the offline lease ended at {until} (unix s): sync with the server to unlock the case data"
    )]
    LeaseExpired { until: i64 },
    /// The tablet erased its local data (database, photos, keys).
    #[error("{0}")]
    Wiped(WipeReason),
    #[error("the server answered something unexpected: {0}")]
    Protocol(String),
    /// The write policy refuses the edit (the server would refuse it too).
    #[error(transparent)]
    Policy(#[from] jiuzhu_shared::policy::Violation),
    #[error("本案件未分配给{0}，不能修改")]
    NotOnTeam(String),
    #[error("本案件已从本机收回，不能再修改；未同步的内容会在下次同步时送出")]
    Withdrawn,
    #[error("no known server at {0}: see `servers`")]
    UnknownServer(String),
    #[error("{0} is already a known server")]
    ServerKnown(String),
    #[error("the server this tablet enrolled at cannot be removed")]
    EnrolledServer,
}

impl From<jiuzhu_shared::policy::CheckError> for TabletError {
    fn from(e: jiuzhu_shared::policy::CheckError) -> Self {
        match e {
            jiuzhu_shared::policy::CheckError::Refused(v) => v.into(),
            jiuzhu_shared::policy::CheckError::Doc(d) => d.into(),
        }
    }
}

/// Why a tablet erased its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WipeReason {
    /// The township revoked the device (reported lost or stolen).
    Revoked,
    /// Too many wrong PINs.
    TooManyWrongPins,
}

impl std::fmt::Display for WipeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WipeReason::Revoked => {
                "this device was revoked by the township: its local data has been erased"
            }
            WipeReason::TooManyWrongPins => {
                "too many wrong PINs: the tablet's local data has been erased"
            }
        })
    }
}

pub const DB_FILE: &str = "jiuzhu.sqlite";
/// Setting holding the offline lease the server granted (unix seconds).
pub const LEASE_KEY: &str = "lease_until";
/// Setting holding the server's clock when it last granted the lease (unix seconds).
pub const LEASE_GRANTED_KEY: &str = "lease_granted_at";
/// How far the tablet's clock may run behind the server's before the lease counts as void.
pub const CLOCK_SLACK_S: i64 = 15 * 60;

pub type Result<T, E = TabletError> = std::result::Result<T, E>;

/// Who this tablet is, as granted by the server at enrollment.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    pub server: String,
    pub fingerprint: String,
    pub device_id: String,
    #[serde(skip)]
    pub token: String,
    pub actor: String,
    pub user_name: String,
    pub township: String,
}

pub fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The tablet: a home directory with `keys.json` (the wrapped keys), `jiuzhu.sqlite`
/// (SQLCipher) and `photos/`, `thumbs/` (encrypted files named by the plain content's SHA-256).
pub struct Tablet {
    home: PathBuf,
    pub(crate) store: Store,
    keys: vault::Keys,
    /// The PIN key (kept, like the data keys, while unlocked) to rewrap at each lease grant;
    /// `None` before the first PIN is chosen.
    pin_key: Option<vault::PinKey>,
    /// The device's lease secret, once the server granted one.
    lease_secret: Option<zeroize::Zeroizing<String>>,
    pub photo_config: photo::PhotoConfig,
}

impl Tablet {
    fn open_with(home: &Path, keys: vault::Keys) -> Result<Self> {
        std::fs::create_dir_all(home.join("photos"))?;
        std::fs::create_dir_all(home.join("thumbs"))?;
        let store = Store::open(&home.join(DB_FILE), &keys)?;
        Ok(Self {
            home: home.to_path_buf(),
            store,
            keys,
            pin_key: None,
            lease_secret: None,
            photo_config: Default::default(),
        })
    }

    /// A new tablet whose keys exist only in memory until [`Tablet::set_pin`] wraps them: the app
    /// enrolls first and asks for the PIN next. Whatever an earlier, never-finished setup left
    /// (a database without `keys.json` cannot be read by anyone) is removed first.
    pub fn create_unprotected(home: &Path) -> Result<Self> {
        if vault::exists(home) {
            return Err(pin::PinError::AlreadySet.into());
        }
        std::fs::create_dir_all(home)?;
        vault::wipe(home)?;
        Self::open_with(home, vault::Keys::generate())
    }

    /// A new tablet protected by `pin` from the start; wiped after `wipe_after` wrong PINs.
    pub fn create(home: &Path, pin: &str, wipe_after: u32) -> Result<Self> {
        let pin_key = vault::PinKey::new(pin)?;
        let mut t = Self::create_unprotected(home)?;
        t.pin_key = Some(pin_key);
        t.seal(wipe_after)?;
        Ok(t)
    }

    /// Open an existing tablet with its PIN (see [`vault::unlock`] for back-off and wipe).
    pub fn unlock(home: &Path, pin: &str) -> Result<Self> {
        Self::unlock_at(home, pin, now_s())
    }

    /// A tablet whose lease lapsed answers `LeaseExpired`: its data keys are wrapped under the
    /// lease secret it destroyed, so only [`Tablet::unlock_renewing`] opens it.
    pub fn unlock_at(home: &Path, pin: &str, now: i64) -> Result<Self> {
        Self::open_keys(home, pin, now)?.map_err(|l| TabletError::LeaseExpired { until: l.until })
    }

    /// The key file opened with `pin`: the tablet, or — its lease lapsed — what it needs to ask
    /// the server for the lease secret.
    fn open_keys(
        home: &Path,
        pin: &str,
        now: i64,
    ) -> Result<std::result::Result<Self, vault::Lapsed>> {
        match vault::unlock(home, pin, now)? {
            vault::Unlock::Open(o) => Self::opened(home, pin, o).map(Ok),
            vault::Unlock::Lapsed(l) => Ok(Err(l)),
            vault::Unlock::Wipe => {
                vault::wipe(home)?;
                Err(TabletError::Wiped(WipeReason::TooManyWrongPins))
            }
        }
    }

    fn opened(home: &Path, pin: &str, o: vault::Opened) -> Result<Self> {
        let mut t = Self::open_with(home, o.keys)?;
        t.lease_secret = o.lease.map(|l| l.secret);
        if o.outdated {
            // A key file of version 1 (PIN only, weaker argon2id): wrap again today.
            t.pin_key = Some(vault::PinKey::new(pin)?);
            t.seal(vault::wipe_after(home))?;
        } else {
            t.pin_key = Some(o.pin_key);
        }
        Ok(t)
    }

    /// Open a tablet whose lease lapsed (or any tablet, if it has not): one empty sync round with
    /// the credential kept under the PIN asks the server for the lease secret, which opens the
    /// data keys. A revoked device is refused and wipes itself; without a network the data stays
    /// closed. The caller then syncs as usual to send the unsent work.
    pub async fn unlock_renewing(home: &Path, pin: &str) -> Result<Self> {
        let lapsed = match Self::open_keys(home, pin, now_s())? {
            Ok(t) => return Ok(t),
            Err(l) => l,
        };
        let c = &lapsed.credential;
        let mut client = net::Client::new(&c.server, Some(&c.fingerprint), Some(c.token.clone()))?;
        // Cursor at the end and no documents: the answer carries the lease and nothing else, so
        // the stored cursor and sync states are untouched for the real sync that follows.
        let req = jiuzhu_shared::protocol::SyncRequest {
            v: jiuzhu_shared::protocol::PROTOCOL_VERSION,
            cursor: i64::MAX as u64,
            docs: Vec::new(),
            app_version: APP_VERSION.into(),
            relayed: Vec::new(),
        };
        let resp: jiuzhu_shared::protocol::SyncResponse = match client
            .call(hyper::Method::POST, "/api/v1/sync", Some(&req))
            .await
        {
            Err(e) if e.code() == Some("device_revoked") => {
                vault::wipe(home)?;
                return Err(TabletError::Wiped(WipeReason::Revoked));
            }
            r => r?,
        };
        let (Some(secret), Some(until)) = (resp.lease_secret, resp.lease_until) else {
            return Err(TabletError::Protocol(
                "the server sent no lease secret: update the server".into(),
            ));
        };
        let lease = vault::Lease {
            secret: zeroize::Zeroizing::new(secret),
            until,
            granted_at: resp.server_time,
        };
        let keys = vault::renew(home, &lapsed.pin_key, &lease)?;
        let mut t = Self::open_with(home, keys)?;
        t.pin_key = Some(lapsed.pin_key);
        t.note_lease(
            lease.until,
            lease.granted_at,
            Some(lease.secret.to_string()),
        )?;
        Ok(t)
    }

    /// Open the tablet with `pin`, creating it (protected by that PIN) if the home has none yet:
    /// what the command line and tests do.
    pub fn open_or_create(home: &Path, pin: &str) -> Result<Self> {
        if vault::exists(home) {
            Self::unlock(home, pin)
        } else {
            Self::create(home, pin, vault::DEFAULT_WIPE_AFTER)
        }
    }

    /// Set or replace the PIN: the keys are wrapped again under the new one (the data is not
    /// re-encrypted: the keys stay the same). Replacing needs this unlocked tablet.
    pub fn set_pin(&mut self, pin: &str) -> Result<()> {
        self.pin_key = Some(vault::PinKey::new(pin)?);
        self.seal(vault::wipe_after(&self.home))
    }

    /// Write `keys.json` from what this unlocked tablet holds: the data keys under the PIN key and
    /// the lease secret, the sync credential under the PIN key. Nothing to do before a PIN exists.
    fn seal(&self, wipe_after: u32) -> Result<()> {
        let Some(pk) = &self.pin_key else {
            return Ok(());
        };
        let credential = self
            .identity()
            .map(|id| vault::Credential {
                server: id.server,
                fingerprint: id.fingerprint,
                token: id.token,
            })
            .unwrap_or_default();
        let granted: Option<i64> = self
            .store
            .setting(LEASE_GRANTED_KEY)?
            .and_then(|v| v.parse().ok());
        let lease = self.lease_secret.as_ref().map(|secret| vault::Lease {
            secret: secret.clone(),
            until: self.lease_until().ok().flatten().unwrap_or(0),
            granted_at: granted.unwrap_or(0),
        });
        vault::store(
            &self.home,
            pk,
            &self.keys,
            &credential,
            lease.as_ref(),
            wipe_after,
            now_s(),
        )?;
        Ok(())
    }

    /// Keep a lease the server granted: its times in the database (what [`Tablet::check_lease`]
    /// reads), its secret in memory and, wrapped with the data keys, in `keys.json`.
    /// (A server from before issue 13 sends no secret: the lease is then checked by the app only.)
    pub(crate) fn note_lease(
        &mut self,
        until: i64,
        granted_at: i64,
        secret: Option<String>,
    ) -> Result<()> {
        self.store.set_setting(LEASE_KEY, &until.to_string())?;
        self.store
            .set_setting(LEASE_GRANTED_KEY, &granted_at.to_string())?;
        if let Some(secret) = secret {
            self.lease_secret = Some(zeroize::Zeroizing::new(secret));
            self.seal(vault::wipe_after(&self.home))?;
        }
        Ok(())
    }

    pub fn pin_set(&self) -> bool {
        vault::exists(&self.home)
    }

    /// A second handle on the same tablet (its own database connection), e.g. to sync beside
    /// the one the app keeps working with.
    pub fn reopen(&self) -> Result<Self> {
        let mut t = Self::open_with(&self.home, self.keys.clone())?;
        t.pin_key = self.pin_key.clone();
        t.lease_secret = self.lease_secret.clone();
        Ok(t)
    }

    /// Erase the local data (keys first) and close the database; the handle is unusable after.
    pub fn wipe(&mut self, reason: WipeReason) -> TabletError {
        let keys = vault::Keys::generate();
        match Store::open(Path::new(":memory:"), &keys) {
            Ok(s) => self.store = s,
            Err(e) => return e.into(),
        }
        self.keys = keys;
        (self.pin_key, self.lease_secret) = (None, None);
        match vault::wipe(&self.home) {
            Ok(()) => TabletError::Wiped(reason),
            Err(e) => e.into(),
        }
    }

    /// The offline lease: `Err(LeaseExpired)` once the lease the server last granted has passed.
    /// Case data (list, documents, edits, photos) checks it; syncing does not, so a locked tablet
    /// still sends its unsent work and renews. No lease yet (never synced) locks nothing: such a
    /// tablet holds no case data from the server.
    /// A clock set back to before the server's time at the grant voids the lease too: otherwise
    /// turning the clock back would stretch it. Finding it lapsed destroys the stored lease
    /// secret: after a restart the data opens only through [`Tablet::unlock_renewing`].
    pub fn check_lease(&self) -> Result<()> {
        let granted: Option<i64> = self
            .store
            .setting(LEASE_GRANTED_KEY)?
            .and_then(|v| v.parse().ok());
        let now = now_s();
        match self.lease_until()? {
            Some(until) if vault::Lease::lapsed_at(until, granted.unwrap_or(i64::MIN), now) => {
                if self.lease_secret.is_some() {
                    vault::forget(&self.home)?;
                }
                Err(TabletError::LeaseExpired { until })
            }
            _ => Ok(()),
        }
    }

    pub fn lease_until(&self) -> Result<Option<i64>> {
        Ok(self.store.setting(LEASE_KEY)?.and_then(|v| v.parse().ok()))
    }

    /// Write an encrypted file `dir/<hash>.jpg` durably.
    pub(crate) fn write_sealed(&self, dir: &str, hash: &str, plain: &[u8]) -> Result<()> {
        let sealed = self.keys.seal_file(&format!("{dir}/{hash}"), plain);
        write_durable(&self.home.join(dir).join(format!("{hash}.jpg")), &sealed)?;
        Ok(())
    }

    pub(crate) fn read_sealed(&self, dir: &str, hash: &str) -> Result<Vec<u8>> {
        let data = std::fs::read(self.home.join(dir).join(format!("{hash}.jpg")))?;
        Ok(self.keys.open_file(&format!("{dir}/{hash}"), &data)?)
    }

    /// A photo's (or signature's) plain bytes, decrypted.
    pub fn read_photo(&self, hash: &str) -> Result<Vec<u8>> {
        self.check_lease()?;
        self.read_sealed("photos", hash)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The local store, for tools and tests that look below the case API.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn identity(&self) -> Result<Identity> {
        let get =
            |k: &str| -> Result<String> { self.store.setting(k)?.ok_or(TabletError::NotEnrolled) };
        Ok(Identity {
            server: get("server")?,
            fingerprint: get("fingerprint")?,
            device_id: get("device_id")?,
            token: get("token")?,
            actor: get("actor")?,
            user_name: get("user_name")?,
            township: get("township")?,
        })
    }

    pub(crate) fn actor(&self) -> Result<ActorKey> {
        self.identity()?
            .actor
            .parse()
            .map_err(|e: jiuzhu_shared::IdError| TabletError::Protocol(e.to_string()))
    }

    /// Enroll with a one-time code. Without `fingerprint` the certificate presented now is pinned
    /// (and returned so a person can compare it with the one the server printed).
    pub async fn enroll(
        &mut self,
        server: &str,
        code: &str,
        fingerprint: Option<&str>,
        device_name: &str,
    ) -> Result<Identity> {
        if let Ok(id) = self.identity() {
            return Err(TabletError::AlreadyEnrolled(id.server));
        }
        let mut client = net::Client::new(server, fingerprint, None)?;
        let req = jiuzhu_shared::protocol::EnrollRequest {
            v: jiuzhu_shared::protocol::PROTOCOL_VERSION,
            code: code.to_string(),
            device_name: device_name.to_string(),
            app_version: APP_VERSION.to_string(),
        };
        let resp: jiuzhu_shared::protocol::EnrollResponse = client
            .call(hyper::Method::POST, "/api/v1/enroll", Some(&req))
            .await?;
        // The fingerprint given is the one the handshake checked; only a first contact without
        // one pins what it saw (a resumed TLS session shows no certificate to see).
        let fp = match fingerprint {
            Some(f) => net::normalize_fingerprint(f),
            None => client
                .seen_fingerprint()
                .ok_or_else(|| TabletError::Protocol("no certificate seen".into()))?,
        };
        // The deployment's cipher, applied before the tablet counts as enrolled: no case (so no
        // encrypted file) exists yet, and a crash here leaves a tablet that enrolls again.
        if let Some(name) = &resp.tablet_cipher {
            let cipher = name
                .parse()
                .map_err(|e| TabletError::Protocol(format!("{e}: update the app")))?;
            self.keys.set_cipher(cipher);
            self.seal(vault::wipe_after(&self.home))?;
        }
        let tx = self.store.transaction()?;
        for (k, v) in [
            ("server", server.trim_end_matches('/')),
            ("fingerprint", &fp),
            ("device_id", &resp.device_id),
            ("token", &resp.token),
            ("actor", &resp.actor),
            ("user_name", &resp.user_name),
            ("township", &resp.township),
            // A new tablet holds no case whose documents are still to fetch.
            (sync::DOCUMENTS_PENDING, "[]"),
        ] {
            tx.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
                [k, v],
            )
            .map_err(store::StoreError::from)?;
        }
        tx.commit().map_err(store::StoreError::from)?;
        if let Some(until) = resp.lease_until {
            self.note_lease(until, now_s(), resp.lease_secret)?;
        }
        self.identity()
    }

    pub fn cases(&self, query: Option<&str>) -> Result<Vec<CaseListItem>> {
        self.check_lease()?;
        Ok(self.store.list(query)?)
    }

    pub fn document(&self, case: CaseId) -> Result<CaseDocument> {
        self.check_lease()?;
        Ok(self.store.load_existing(case, self.actor()?)?)
    }

    pub fn show(&self, case: CaseId) -> Result<serde_json::Value> {
        Ok(self.document(case)?.to_json()?)
    }

    /// Apply an edit to a case and commit it before returning. The write policy the server
    /// applies (`jiuzhu_shared::policy`) is checked first: an edit it would refuse is not
    /// committed, and the error says why in Chinese.
    pub fn edit<R>(
        &mut self,
        case: CaseId,
        f: impl FnOnce(&mut CaseDocument, i64) -> Result<R>,
    ) -> Result<R> {
        let mut doc = self.document(case)?;
        if self.store.is_withdrawn(case)? {
            return Err(TabletError::Withdrawn);
        }
        let grant = self.grant(&doc)?;
        let old = doc.heads();
        let now = now_s();
        let r = f(&mut doc, now)?;
        jiuzhu_shared::policy::check_change(&mut doc, &old, self.actor()?, &grant)?;
        self.store.save_changes(case, &mut doc, &old, now)?;
        Ok(r)
    }

    /// What this tablet may write in a case: a team member's visit work, if its investigator is
    /// on the team the server wrote into the header.
    fn grant(&self, doc: &CaseDocument) -> Result<jiuzhu_shared::policy::Grant> {
        let me = self.identity()?.user_name;
        let team = doc.read()?.header.assigned_team;
        if !team.contains(&me) {
            return Err(TabletError::NotOnTeam(me));
        }
        Ok(jiuzhu_shared::policy::Grant::team(&me, &team))
    }

    pub fn set(&mut self, case: CaseId, path: &str, value: &str) -> Result<()> {
        self.edit(case, |doc, now| Ok(doc.set_path(path, value, now)?))
    }

    pub fn note(&mut self, case: CaseId, text: &str) -> Result<String> {
        let by = self.identity()?.user_name;
        self.edit(case, |doc, now| Ok(doc.add_finding(text, &by, now)?))
    }

    /// Run a photo through the pipeline, keep its file (named by hash) and thumbnail, and reference
    /// it from the case's open visit (creating one if needed). The file is durable before the
    /// document points at it.
    pub fn add_photo(
        &mut self,
        case: CaseId,
        bytes: &[u8],
        caption: &str,
        tag: &str,
    ) -> Result<PhotoRef> {
        self.check_lease()?;
        if jiuzhu_shared::vocab::term("photo_tag", tag).is_none() {
            let choices = jiuzhu_shared::vocab::group("photo_tag")
                .iter()
                .map(|t| t.code.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(visit::VisitError::NotInVocabulary {
                group: "photo_tag",
                value: tag.to_string(),
                choices,
            }
            .into());
        }
        let p = photo::process(bytes, &self.photo_config)?;
        self.write_sealed("photos", &p.sha256, &p.jpeg)?;
        self.write_sealed("thumbs", &p.sha256, &p.thumbnail)?;
        let by = self.identity()?.user_name;
        let photo = PhotoRef {
            hash: p.sha256.clone(),
            bytes: p.jpeg.len() as u64,
            width: p.width,
            height: p.height,
            taken_at: p.taken_at_ms,
            gps: p.gps.map(|g| jiuzhu_shared::schema::Gps {
                lat: g.lat,
                lon: g.lon,
            }),
            caption: caption.to_string(),
            tag: if tag.is_empty() {
                "other".into()
            } else {
                tag.to_string()
            },
            by: by.clone(),
            added_at: Some(now_s() * 1000),
        };
        let r = photo.clone();
        self.edit(case, move |doc, now| {
            let mut sealed = false;
            doc.update("add photo", now, |c| {
                // A sealed visit takes no more photos: a correction (which references it) does.
                if c.open_visit_index().is_none() && !c.visits.is_empty() {
                    sealed = true;
                    return Ok(());
                }
                let i = c.ensure_open_visit(&by, now * 1000);
                let visit = &mut c.visits[i];
                if !visit.photos.iter().any(|x| x.hash == photo.hash) {
                    visit.photos.push(photo);
                }
                Ok(())
            })?;
            if sealed {
                return Err(visit::VisitError::NoOpenVisit.into());
            }
            Ok(())
        })?;
        self.store.add_blob(&r.hash, case, r.bytes, now_s())?;
        Ok(r)
    }

    /// Turn a photo of the case's open visit `quarter_turns_clockwise` quarter turns clockwise.
    /// The stored JPEG is decoded, turned and re-encoded with the pipeline settings, so the
    /// photo gets a new hash; the new file and thumbnail are durable before the document points
    /// at them. The row keeps its caption, tag, time, position and author. The old file stays on
    /// disk (an earlier, sealed visit may still show it), but if nothing in the case refers to it
    /// any more it is no longer uploaded. Like any edit, this changes the visit's content, so
    /// earlier signatures no longer match it.
    pub fn rotate_photo(
        &mut self,
        case: CaseId,
        hash: &str,
        quarter_turns_clockwise: u8,
    ) -> Result<PhotoRef> {
        self.check_lease()?;
        let doc = self.document(case)?.read()?;
        let vi = visit::open_index(&doc).ok_or(visit::VisitError::NoOpenVisit)?;
        let not_found = || visit::VisitError::NotFound(format!("photo {hash}"));
        let old = doc.visits[vi]
            .photos
            .iter()
            .find(|p| p.hash == hash)
            .cloned()
            .ok_or_else(not_found)?;
        let plain = self.read_sealed("photos", hash)?;
        let p = photo::rotate(&plain, quarter_turns_clockwise, &self.photo_config)?;
        self.write_sealed("photos", &p.sha256, &p.jpeg)?;
        self.write_sealed("thumbs", &p.sha256, &p.thumbnail)?;
        let turned = PhotoRef {
            hash: p.sha256.clone(),
            bytes: p.jpeg.len() as u64,
            width: p.width,
            height: p.height,
            ..old
        };
        let r = turned.clone();
        let old_hash = hash.to_string();
        let still_used = self.edit(case, move |doc, now| {
            let mut outcome = Err(visit::VisitError::NoOpenVisit);
            doc.update("rotate photo", now, |c| {
                let Some(i) = c.open_visit_index() else {
                    return Ok(());
                };
                let Some(row) = c.visits[i].photos.iter_mut().find(|x| x.hash == old_hash) else {
                    outcome = Err(visit::VisitError::NotFound(format!("photo {old_hash}")));
                    return Ok(());
                };
                *row = turned;
                let used = c.visits.iter().any(|v| {
                    v.photos.iter().any(|x| x.hash == old_hash)
                        || v.signatures
                            .iter()
                            .any(|s| s.image_hash.as_deref() == Some(&old_hash))
                });
                outcome = Ok(used);
                Ok(())
            })?;
            Ok(outcome?)
        })?;
        self.store.set_setting(&visit::touched_key(case), "1")?;
        self.store.add_blob(&r.hash, case, r.bytes, now_s())?;
        if !still_used {
            self.store.forget_pending_blob(hash, case)?;
        }
        Ok(r)
    }

    /// Where a photo's encrypted file is (read it with [`Tablet::read_photo`]).
    pub fn photo_path(&self, hash: &str) -> PathBuf {
        self.home.join("photos").join(format!("{hash}.jpg"))
    }
}

pub(crate) fn write_durable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_shared::schema::CaseDoc;

    fn enrolled(home: &Path) -> (Tablet, CaseId) {
        let mut tablet = Tablet::create_unprotected(home).unwrap();
        let actor = ActorKey::random();
        for (k, v) in [
            ("server", "https://example.invalid".to_string()),
            ("fingerprint", "00".into()),
            ("device_id", "d1".into()),
            ("token", "t".into()),
            ("actor", actor.to_string()),
            ("user_name", "王磊".into()),
            ("township", "乌兰镇".into()),
        ] {
            tablet.store.set_setting(k, &v).unwrap();
        }
        let mut c = CaseDoc::default();
        c.header.assigned_team = vec!["王磊".into(), "李娜".into()];
        let id = CaseId::new();
        let mut doc = CaseDocument::create(&c, actor, 1).unwrap();
        tablet.store.save_changes(id, &mut doc, &[], 1).unwrap();
        (tablet, id)
    }

    fn wide_jpeg() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(80, 40, |x, y| image::Rgb([x as u8 * 3, y as u8 * 6, 90]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    #[test]
    fn rotating_a_photo_replaces_it_and_stops_the_old_upload() {
        let dir = tempfile::tempdir().unwrap();
        let (mut t, id) = enrolled(dir.path());
        let p = t.add_photo(id, &wide_jpeg(), "院子", "exterior").unwrap();
        assert_eq!((p.width, p.height), (80, 40));
        let pending = |t: &Tablet| -> Vec<String> {
            t.store
                .pending_blobs()
                .unwrap()
                .into_iter()
                .map(|b| b.0)
                .collect()
        };
        assert_eq!(pending(&t), vec![p.hash.clone()]);

        let r = t.rotate_photo(id, &p.hash, 1).unwrap();
        assert_eq!((r.width, r.height), (40, 80));
        assert_ne!(r.hash, p.hash);
        assert_eq!(r.hash, photo::sha256_hex(&t.read_photo(&r.hash).unwrap()));
        assert_eq!((r.caption.as_str(), r.tag.as_str()), ("院子", "exterior"));
        assert!(t.thumbnail(&r.hash).is_ok());
        let c = t.document(id).unwrap().read().unwrap();
        let photos = &c.visits[0].photos;
        assert_eq!(photos.len(), 1);
        assert_eq!(photos[0].hash, r.hash);
        assert_eq!((photos[0].width, photos[0].height), (40, 80));
        assert_eq!(
            pending(&t),
            vec![r.hash.clone()],
            "the old file is no longer uploaded"
        );
        assert!(matches!(
            t.rotate_photo(id, &p.hash, 1),
            Err(TabletError::Visit(visit::VisitError::NotFound(_)))
        ));

        // A sealed visit refuses (sealed directly here: completeness is tested in `visit`).
        t.edit(id, |doc, now| {
            doc.update("seal", now, |c| {
                c.visits[0].investigators = vec!["王磊".into(), "李娜".into()];
                for s in visit::signers(&c.visits[0]) {
                    visit::add_signature(c, &s.role, &s.name, None, &"a".repeat(64), false, 1)
                        .unwrap();
                }
                let v = &mut c.visits[0];
                v.content_hash = Some(v.content_hash());
                v.finalized = true;
                v.finalized_at = Some(now * 1000);
                Ok(())
            })?;
            Ok(())
        })
        .unwrap();
        assert!(matches!(
            t.rotate_photo(id, &r.hash, 1),
            Err(TabletError::Visit(visit::VisitError::NoOpenVisit))
        ));
    }
}
