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
pub mod demo;
pub mod projection;
pub mod proposals;
pub mod review;
pub mod store;
pub mod sync_engine;
pub mod tls;
pub mod workflow;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything the server keeps lives in one data directory.
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub fn new(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }
    pub fn db(&self) -> PathBuf {
        self.root.join("jiuzhu.sqlite")
    }
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }
    /// Open the store, bringing data written by an older version up to date first.
    pub fn open_store(&self) -> anyhow::Result<store::sqlite::SqliteStore> {
        let store = store::sqlite::SqliteStore::open(&self.db())?;
        workflow::migrate::run(&store, clock::now())?;
        Ok(store)
    }
    pub fn open_blobs(&self) -> std::io::Result<blobs::BlobDir> {
        blobs::BlobDir::open(&self.blobs())
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

/// Start serving HTTPS on an already-bound listener, granting devices the default offline lease.
pub async fn start(
    data: &DataDir,
    listener: std::net::TcpListener,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
) -> anyhow::Result<Running> {
    start_with_lease(
        data,
        listener,
        tls_cert,
        tls_key,
        sync_engine::DEFAULT_LEASE_SECS,
    )
    .await
}

/// [`start`] with an offline lease of `lease_secs` granted at each sync (`serve --lease-hours`).
pub async fn start_with_lease(
    data: &DataDir,
    listener: std::net::TcpListener,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    lease_secs: i64,
) -> anyhow::Result<Running> {
    start_with_codes(
        data,
        listener,
        tls_cert,
        tls_key,
        lease_secs,
        Arc::new(applicants::LogSender),
    )
    .await
}

/// [`start_with_lease`] delivering applicants' one-time codes through `codes`.
pub async fn start_with_codes(
    data: &DataDir,
    listener: std::net::TcpListener,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    lease_secs: i64,
    codes: Arc<dyn applicants::CodeSender>,
) -> anyhow::Result<Running> {
    let tls = tls::load_or_create(&data.root, tls_cert, tls_key)?;
    let state = api::AppState {
        data_root: data.root.clone(),
        store: Arc::new(data.open_store()?),
        blobs: Arc::new(data.open_blobs()?),
        lease_secs,
        codes,
    };
    let addr = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(
        listener,
        axum_server::tls_rustls::RustlsConfig::from_config(tls.config),
    )?
    .map(|tls| tls.acceptor(api::redirect::RedirectPlainHttp))
    .handle(handle.clone());
    spawn_review_scheduler(&state);
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

/// Every 6 hours (and once at start), open change reviews for active cases whose periodic review
/// is due. Failures are logged and retried at the next tick.
fn spawn_review_scheduler(state: &api::AppState) {
    let (store, root) = (state.store.clone(), state.data_root.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(6 * 3600));
        loop {
            tick.tick().await;
            let (store, root) = (store.clone(), root.clone());
            let r = tokio::task::spawn_blocking(move || {
                let now = clock::now();
                let today = jiuzhu_shared::rules::date::Date::in_china(now);
                admin::schedule_reviews(store.as_ref(), &root, today, now)
            })
            .await;
            match r {
                Ok(Ok(v)) if v["opened"].as_array().is_some_and(|a| !a.is_empty()) => {
                    tracing::info!("scheduled reviews opened: {v}")
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!("scheduling reviews failed: {e}"),
                Err(e) => tracing::warn!("scheduling reviews panicked: {e}"),
            }
        }
    });
}
