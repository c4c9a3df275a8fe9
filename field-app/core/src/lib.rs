//! Headless core of the Jiuzhu field app: the local store, the photo pipeline and the sync client.
//! The Tauri shell and the `jiuzhu-tablet` command line both drive this same code.

pub mod enroll;
pub mod net;
pub mod photo;
pub mod pin;
pub mod preview;
pub mod store;
pub mod sync;
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
    #[error("the server answered something unexpected: {0}")]
    Protocol(String),
}

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

/// The tablet: a home directory with `jiuzhu.sqlite` and `photos/`.
pub struct Tablet {
    home: PathBuf,
    pub(crate) store: Store,
    pub photo_config: photo::PhotoConfig,
}

impl Tablet {
    pub fn open(home: &Path) -> Result<Self> {
        std::fs::create_dir_all(home.join("photos"))?;
        std::fs::create_dir_all(home.join("thumbs"))?;
        let store = Store::open(&home.join("jiuzhu.sqlite"))?;
        Ok(Self {
            home: home.to_path_buf(),
            store,
            photo_config: Default::default(),
        })
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The local store, for tools and tests that look below the case API.
    pub fn store(&self) -> &Store {
        &self.store
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
        let fp = client
            .seen_fingerprint()
            .ok_or_else(|| TabletError::Protocol("no certificate seen".into()))?;
        let tx = self.store.transaction()?;
        for (k, v) in [
            ("server", server.trim_end_matches('/')),
            ("fingerprint", &fp),
            ("device_id", &resp.device_id),
            ("token", &resp.token),
            ("actor", &resp.actor),
            ("user_name", &resp.user_name),
            ("township", &resp.township),
        ] {
            tx.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
                [k, v],
            )
            .map_err(store::StoreError::from)?;
        }
        tx.commit().map_err(store::StoreError::from)?;
        self.identity()
    }

    pub fn cases(&self, query: Option<&str>) -> Result<Vec<CaseListItem>> {
        Ok(self.store.list(query)?)
    }

    pub fn document(&self, case: CaseId) -> Result<CaseDocument> {
        Ok(self.store.load_existing(case, self.actor()?)?)
    }

    pub fn show(&self, case: CaseId) -> Result<serde_json::Value> {
        Ok(self.document(case)?.to_json()?)
    }

    /// Apply an edit to a case and commit it before returning.
    pub fn edit<R>(
        &mut self,
        case: CaseId,
        f: impl FnOnce(&mut CaseDocument, i64) -> Result<R>,
    ) -> Result<R> {
        let mut doc = self.document(case)?;
        let old = doc.heads();
        let now = now_s();
        let r = f(&mut doc, now)?;
        self.store.save_changes(case, &mut doc, &old, now)?;
        Ok(r)
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
        let p = photo::process(bytes, &self.photo_config)?;
        write_durable(&self.photo_path(&p.sha256), &p.jpeg)?;
        write_durable(
            &self.home.join("thumbs").join(format!("{}.jpg", p.sha256)),
            &p.thumbnail,
        )?;
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
            doc.update("add photo", now, |c| {
                if !c.visits.iter().any(|v| !v.finalized) {
                    c.visits.push(jiuzhu_shared::schema::Visit::new(
                        "home",
                        vec![by.clone()],
                        now * 1000,
                    ));
                }
                let visit = c
                    .visits
                    .iter_mut()
                    .rev()
                    .find(|v| !v.finalized)
                    .expect("an open visit exists");
                if !visit.photos.iter().any(|x| x.hash == photo.hash) {
                    visit.photos.push(photo);
                }
                Ok(())
            })?;
            Ok(())
        })?;
        self.store.add_blob(&r.hash, case, r.bytes, now_s())?;
        Ok(r)
    }

    pub fn photo_path(&self, hash: &str) -> PathBuf {
        self.home.join("photos").join(format!("{hash}.jpg"))
    }
}

fn write_durable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
