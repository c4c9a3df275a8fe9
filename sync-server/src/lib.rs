//! Jiuzhu sync server: device enrollment, batched Automerge sync, resumable photo blobs and the
//! queryable case projection, over HTTPS (axum + rustls).

pub mod admin;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod console;
pub mod demo;
pub mod http;
pub mod projection;
pub mod proposals;
pub mod redirect;
pub mod store;
pub mod sync_engine;
pub mod tls;
pub mod web;

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
    pub fn open_store(&self) -> anyhow::Result<store::sqlite::SqliteStore> {
        Ok(store::sqlite::SqliteStore::open(&self.db())?)
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
    let tls = tls::load_or_create(&data.root, tls_cert, tls_key)?;
    let state = http::AppState {
        data_root: data.root.clone(),
        store: Arc::new(data.open_store()?),
        blobs: Arc::new(data.open_blobs()?),
        lease_secs,
    };
    let addr = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(
        listener,
        axum_server::tls_rustls::RustlsConfig::from_config(tls.config),
    )?
    .map(|tls| tls.acceptor(redirect::RedirectPlainHttp))
    .handle(handle.clone());
    let app = http::router(state);
    let task = tokio::spawn(async move { server.serve(app.into_make_service()).await });
    Ok(Running {
        addr,
        fingerprint: tls.fingerprint,
        handle,
        task,
    })
}
