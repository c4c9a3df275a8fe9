//! Published blobs in an S3-compatible object store (government clouds' object storage, Ceph,
//! MinIO), through `object_store`. Its client is asynchronous while the blobs' callers are
//! blocking threads of the server or the admin command outside any runtime: every call runs on a
//! small runtime of the store's own and the caller waits for it, which works from either.

use jiuzhu_shared::BlobHash;
use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::path::Path as Key;
use object_store::{ClientOptions, ObjectStoreExt, PutPayload, RetryConfig};
use serde::Deserialize;
use std::collections::HashSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `backend = "s3"` in `DATA/blobs.toml`. The secret is read from a file or an environment
/// variable, never from this file, and appears in no message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// The store's address, `https://…`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    /// A file holding the secret access key (relative paths are in the data directory).
    #[serde(default)]
    pub secret_access_key_file: Option<PathBuf>,
    /// An environment variable holding the secret access key.
    #[serde(default)]
    pub secret_access_key_env: Option<String>,
    /// Keys start with this (a bucket shared with other systems); blobs are `<prefix><2>/<hash>`.
    #[serde(default)]
    pub prefix: String,
    /// PEM certificates the store's certificate may chain to, besides the system's (a
    /// government cloud's own CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// `https://<bucket>.<endpoint host>/<key>` instead of `<endpoint>/<bucket>/<key>` (stores
    /// that accept only the former).
    #[serde(default)]
    pub virtual_hosted_style: bool,
    /// Accept an `http://` endpoint (a store reached only inside a closed network).
    #[serde(default)]
    pub allow_http: bool,
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{}: {message} (see docs/blobs.md)", super::CONFIG_FILE),
    )
}

impl S3Config {
    fn secret(&self, data_root: &Path) -> std::io::Result<String> {
        match (&self.secret_access_key_file, &self.secret_access_key_env) {
            (Some(file), None) => {
                let path = data_root.join(file);
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    invalid(format!(
                        "cannot read the secret key file {}: {e}",
                        path.display()
                    ))
                })?;
                Ok(text.trim().to_string())
            }
            (None, Some(var)) => std::env::var(var)
                .map_err(|_| invalid(format!("the environment variable {var} is not set"))),
            _ => Err(invalid(
                "give exactly one of secret_access_key_file and secret_access_key_env".into(),
            )),
        }
    }
}

/// The store's own runtime, let go without waiting when the blobs are dropped (which may happen
/// inside the server's runtime, where waiting for another runtime is refused).
struct Background(Option<tokio::runtime::Runtime>);

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

pub(super) struct S3Blobs {
    store: Arc<AmazonS3>,
    prefix: String,
    runtime: Background,
    /// Blobs seen in the store. Published blobs are never removed, so a hash once seen stays
    /// present and the console's lists ask the store only about the others.
    seen: Mutex<HashSet<BlobHash>>,
}

impl S3Blobs {
    pub(super) fn open(config: &S3Config, data_root: &Path) -> std::io::Result<Self> {
        if !config.allow_http && !config.endpoint.starts_with("https://") {
            return Err(invalid(
                "the endpoint must be https:// (or set allow_http = true)".into(),
            ));
        }
        let mut options = ClientOptions::new()
            .with_allow_http(config.allow_http)
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(60));
        if let Some(file) = &config.ca_file {
            let path = data_root.join(file);
            let pem = std::fs::read(&path)
                .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
            for cert in object_store::Certificate::from_pem_bundle(&pem)
                .map_err(|e| invalid(format!("{}: {e}", path.display())))?
            {
                options = options.with_root_certificate(cert);
            }
        }
        // The HTTP client's TLS takes the process's rustls provider: ring, as for the server's
        // own TLS, so that the binary carries one provider (an error means one is set already).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("blob-store")
            .enable_all()
            .build()?;
        let entered = runtime.enter();
        let store = AmazonS3Builder::new()
            .with_endpoint(&config.endpoint)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret(data_root)?)
            .with_virtual_hosted_style_request(config.virtual_hosted_style)
            // The store checks the bytes it received against their SHA-256 (the blob's name).
            .with_checksum_algorithm(Checksum::SHA256)
            // A request the store does not answer fails within seconds, not minutes: the
            // tablet resumes and the console asks again.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(20),
                ..RetryConfig::default()
            })
            .with_client_options(options)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        drop(entered);
        Ok(Self {
            store: Arc::new(store),
            prefix: config.prefix.clone(),
            runtime: Background(Some(runtime)),
            seen: Mutex::new(HashSet::new()),
        })
    }

    fn key(&self, hash: &BlobHash) -> Key {
        let h = hash.to_string();
        Key::from(format!("{}{}/{h}", self.prefix, &h[..2]))
    }

    /// Run `work` on the store's runtime and wait for it.
    fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = object_store::Result<T>> + Send + 'static,
    ) -> std::io::Result<T> {
        let rt = self.runtime.0.as_ref().expect("runtime until dropped");
        futures_executor::block_on(rt.spawn(work))
            .map_err(std::io::Error::other)?
            .map_err(std::io::Error::from)
    }

    fn saw(&self, hash: &BlobHash) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(*hash);
    }

    pub(super) fn size(&self, hash: &BlobHash) -> std::io::Result<Option<u64>> {
        let (store, key) = (self.store.clone(), self.key(hash));
        match self.run(async move { store.head(&key).await }) {
            Ok(meta) => {
                self.saw(hash);
                Ok(Some(meta.size))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(super) fn exists(&self, hash: &BlobHash) -> std::io::Result<bool> {
        if self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(hash)
        {
            return Ok(true);
        }
        Ok(self.size(hash)?.is_some())
    }

    pub(super) fn read(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        let (store, key) = (self.store.clone(), self.key(hash));
        match self.run(async move { store.get(&key).await?.bytes().await }) {
            Ok(bytes) => {
                self.saw(hash);
                Ok(Some(bytes.to_vec()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Store verified bytes under their name (a content address: writing it twice is harmless).
    pub(super) fn publish(&self, hash: &BlobHash, bytes: Vec<u8>) -> std::io::Result<()> {
        let (store, key) = (self.store.clone(), self.key(hash));
        self.run(async move { store.put(&key, PutPayload::from(bytes)).await })?;
        self.saw(hash);
        Ok(())
    }
}
