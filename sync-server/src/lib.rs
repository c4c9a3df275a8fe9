//! Jiuzhu sync server: device enrollment, batched Automerge sync, resumable photo blobs and the
//! queryable case projection, over HTTPS (axum + rustls).

pub mod admin;
pub mod api;
pub mod applicants;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod cases;
pub mod clock;
pub mod credentials;
pub mod crypto_config;
pub mod demo;
pub mod levels;
pub mod monitoring;
pub mod notify;
pub mod oversight;
pub mod projection;
pub mod proposals;
pub mod review;
pub mod sms;
pub mod store;
pub mod sync_engine;
pub mod throttle;
pub mod tls;
pub mod workflow;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything the server keeps lives in one data directory (the audit key may live elsewhere, and
/// the records in a PostgreSQL database instead of the directory's SQLite file).
pub struct DataDir {
    pub root: PathBuf,
    audit_key: Option<PathBuf>,
    database: Option<String>,
}

impl DataDir {
    pub fn new(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        Ok(Self {
            root: root.to_path_buf(),
            audit_key: None,
            database: None,
        })
    }
    /// Keep the records in the database at `url` (`postgres://…`) instead of `DATA/jiuzhu.sqlite`.
    pub fn with_database(mut self, url: Option<String>) -> Self {
        self.database = url;
        self
    }
    /// Keep the audit signing key at `path` instead of beside the database.
    pub fn with_audit_key(mut self, path: Option<PathBuf>) -> Self {
        self.audit_key = path;
        self
    }
    /// The audit signing key's file (`audit::key`).
    pub fn audit_key(&self) -> PathBuf {
        self.audit_key
            .clone()
            .unwrap_or_else(|| self.root.join(audit::key::FILE))
    }
    /// The SQLite file, used when no `--database` is given.
    pub fn db(&self) -> PathBuf {
        self.root.join("jiuzhu.sqlite")
    }
    /// Open the store, bringing data written by an older version up to date first.
    pub fn open_store(&self) -> anyhow::Result<Arc<dyn store::Store>> {
        let store = self.connect()?;
        workflow::migrate::run(store.as_ref(), clock::now())?;
        Ok(store)
    }
    /// Open the store as it is (another connection to it, for a task that should not wait for
    /// requests).
    fn connect(&self) -> anyhow::Result<Arc<dyn store::Store>> {
        Ok(store::open(self.database()?.as_deref(), &self.db())?)
    }
    /// The database of this directory's records: the one `--database` names, remembered in
    /// `DATA/database.url` at its first use, so that a later `serve` or `admin` given only
    /// `--data` opens the same records instead of a new, empty SQLite file; another URL is refused.
    fn database(&self) -> anyhow::Result<Option<String>> {
        let file = self.root.join("database.url");
        let remembered = match std::fs::read_to_string(&file) {
            Ok(url) => Some(url.trim().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", file.display())),
        };
        match (&self.database, remembered) {
            (None, remembered) => Ok(remembered),
            (Some(given), Some(remembered)) if *given == remembered => Ok(Some(remembered)),
            (Some(_), Some(_)) => Err(anyhow::anyhow!(
                "{} keeps its records in the database named in {}, not the one --database names \
                 (remove that file to move the directory to another database)",
                self.root.display(),
                file.display()
            )),
            (Some(given), None) => {
                // The URL may carry a password: readable by the server's user only, as its keys.
                tls::write_private(&file, given.as_bytes())?;
                Ok(Some(given.clone()))
            }
        }
    }
    /// The blobs, where `DATA/blobs.toml` says (`docs/blobs.md`).
    pub fn open_blobs(&self) -> std::io::Result<blobs::BlobDir> {
        blobs::BlobDir::open_configured(&self.root)
    }
}

/// A running server.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub fingerprint: String,
    pub handle: axum_server::Handle<std::net::SocketAddr>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
    pub async fn stop(self) {
        self.handle.shutdown();
        let _ = self.task.await;
    }
}

/// Start serving HTTPS on an already-bound listener: devices get an offline lease of `lease_secs`
/// at each sync (`serve --lease-hours`); applicants' one-time codes go through `codes`
/// (`sms::sender_for`).
pub async fn start_with_codes(
    data: &DataDir,
    listener: std::net::TcpListener,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    lease_secs: i64,
    codes: Arc<dyn sms::CodeSender>,
) -> anyhow::Result<Running> {
    start_at_level(data, listener, tls_cert, tls_key, lease_secs, codes, None).await
}

/// [`start_with_codes`], as a township station when `station` names its banner (the credential
/// from `levels::uplink::enroll`) and how often the uplink runs.
pub async fn start_at_level(
    data: &DataDir,
    listener: std::net::TcpListener,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    lease_secs: i64,
    codes: Arc<dyn sms::CodeSender>,
    station: Option<(levels::uplink::Upstream, std::time::Duration)>,
) -> anyhow::Result<Running> {
    let tls = tls::load_or_create(&data.root, tls_cert, tls_key)?;
    crypto_config::load(&data.root)?;
    let audit_key = audit::key::load_or_create(&data.audit_key())?;
    let state = api::AppState {
        data_root: data.root.clone(),
        store: data.open_store()?,
        blobs: Arc::new(data.open_blobs()?),
        lease_secs,
        codes,
        level: Arc::new(match &station {
            Some((up, _)) => levels::Level::station(&up.township, &up.url),
            None => levels::Level::banner(),
        }),
    };
    let addr = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(
        listener,
        axum_server::tls_rustls::RustlsConfig::from_config(tls.config),
    )?
    .map(|tls| tls.acceptor(api::redirect::RedirectPlainHttp))
    .handle(handle.clone());
    // Anchoring reads the whole chain: on a connection of its own, so requests do not wait.
    let anchoring = Anchoring {
        store: data.connect()?,
        key: audit_key,
    };
    match station {
        // The station keeps no workflow of its own: reviews are opened at the banner.
        Some((up, every)) => levels::uplink::spawn(
            data.connect()?,
            state.blobs.clone(),
            up,
            state.level.clone(),
            every,
        ),
        None => {
            spawn_scheduler(&state, anchoring);
            // Notices are sent from the banner, where the workflow runs.
            notify::sender::spawn(data.connect()?, notify::config::load(&data.root)?);
        }
    }
    spawn_blob_collector(state.blobs.clone());
    let app = api::router(state);
    // Handlers may see the client's address (the applicants' one-time codes are limited per address).
    let task = tokio::spawn(async move {
        server
            .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
    });
    Ok(Running {
        addr,
        fingerprint: tls.fingerprint,
        handle,
        task,
    })
}

/// Partial uploads untouched this long are abandoned (a tablet resumes within its lease).
pub const ABANDONED_UPLOAD_S: u64 = 7 * 86400;

/// Every hour (and once at start), remove abandoned partial uploads.
fn spawn_blob_collector(blobs: Arc<blobs::BlobDir>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let blobs = blobs.clone();
            let r = tokio::task::spawn_blocking(move || {
                let age = std::time::Duration::from_secs(ABANDONED_UPLOAD_S);
                blobs.collect_abandoned(std::time::SystemTime::now() - age)
            })
            .await;
            match r {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!("removed {n} abandoned partial uploads"),
                Ok(Err(e)) => tracing::warn!("collecting abandoned uploads failed: {e}"),
                Err(e) => tracing::warn!("the upload collector panicked: {e}"),
            }
        }
    });
}

/// The scheduler's audit key and its own connection to the store.
struct Anchoring {
    store: Arc<dyn store::Store>,
    key: ed25519_dalek::SigningKey,
}

/// Every 6 hours (and once at start), open change reviews for active cases whose periodic review
/// is due and the 定期探访 due, run the monitoring rules again over the rows already imported,
/// and anchor every finished day of the audit chain not anchored yet. Failures are logged
/// and retried at the next tick.
fn spawn_scheduler(state: &api::AppState, anchoring: Anchoring) {
    let (store, root) = (state.store.clone(), state.data_root.clone());
    let anchoring = Arc::new(anchoring);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(6 * 3600));
        loop {
            tick.tick().await;
            let (store, root, anchoring) = (store.clone(), root.clone(), anchoring.clone());
            let r = tokio::task::spawn_blocking(move || {
                let now = clock::now();
                let today = jiuzhu_shared::rules::date::Date::in_china(now);
                let reviews = admin::schedule_reviews(store.as_ref(), &root, today, now);
                let anchors =
                    admin::anchor_audit(anchoring.store.as_ref(), &anchoring.key, now, false);
                (reviews, anchors)
            })
            .await;
            match r {
                Ok((reviews, anchors)) => {
                    match reviews {
                        Ok(v)
                            if ["opened", "visits", "warnings"]
                                .iter()
                                .any(|k| v[k].as_array().is_some_and(|a| !a.is_empty())) =>
                        {
                            tracing::info!("scheduled reviews, visits and warnings: {v}")
                        }
                        Ok(v) if v.get("warnings_error").is_some() => {
                            tracing::warn!("monitoring rules not run: {}", v["warnings_error"])
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!("scheduling reviews failed: {e}"),
                    }
                    match anchors {
                        Ok(v) if v["anchored"].as_array().is_some_and(|a| !a.is_empty()) => {
                            tracing::info!("audit chain anchored: {}", v["anchored"])
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!("anchoring the audit chain failed: {e}"),
                    }
                }
                Err(e) => tracing::warn!("the scheduler panicked: {e}"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::DataDir;

    /// The first `--database` is remembered for commands given only `--data`; another is refused.
    #[test]
    fn a_directory_keeps_to_its_database() {
        let dir = tempfile::tempdir().unwrap();
        let url = "postgres://jiuzhu@db.example:5432/banner".to_string();
        let open = |db: Option<&str>| {
            DataDir::new(dir.path())
                .unwrap()
                .with_database(db.map(str::to_string))
                .database()
        };
        assert_eq!(open(None).unwrap(), None, "SQLite until told otherwise");
        assert_eq!(open(Some(&url)).unwrap().as_deref(), Some(url.as_str()));
        assert_eq!(open(None).unwrap().as_deref(), Some(url.as_str()));
        assert_eq!(open(Some(&url)).unwrap().as_deref(), Some(url.as_str()));
        let other = open(Some("postgres://jiuzhu@db.example:5432/other")).unwrap_err();
        assert!(other.to_string().contains("database.url"), "{other}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("database.url"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the URL may carry a password");
        }
    }
}
