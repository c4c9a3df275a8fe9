//! HTTPS by default: a station generates a self-signed certificate on first run and keeps it in
//! the data directory; tablets pin its SHA-256 fingerprint at enrollment. A real certificate can be
//! configured instead.

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Tls {
    pub config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate (DER), lowercase hex: what tablets pin.
    pub fingerprint: String,
}

pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(der))
}

/// Load `cert`/`key` if given, else the generated pair in `data_dir/tls/`, generating it first.
pub fn load_or_create(
    data_dir: &Path,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
) -> anyhow::Result<Tls> {
    let (cert_path, key_path) = match (cert, key) {
        (Some(c), Some(k)) => (c, k),
        (None, None) => {
            let dir = data_dir.join("tls");
            let (c, k) = (dir.join("server.crt"), dir.join("server.key"));
            if !c.exists() || !k.exists() {
                generate(&dir, &c, &k)?;
            }
            (c, k)
        }
        _ => anyhow::bail!(
            "give both --tls-cert and --tls-key, or neither to use the generated certificate"
        ),
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|it| it.collect::<Result<_, _>>())
        .with_context(|| format!("cannot read certificate {}", cert_path.display()))?;
    let leaf = certs
        .first()
        .with_context(|| format!("no certificate in {}", cert_path.display()))?;
    let fingerprint = fingerprint(leaf);
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .with_context(|| format!("cannot read private key {}", key_path.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate and private key do not match")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        config: Arc::new(config),
        fingerprint,
    })
}

fn generate(dir: &Path, cert_path: &Path, key_path: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "jiuzhu-station".into());
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into(), host])
        .context("cannot generate a certificate")?;
    write_private(key_path, ck.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(cert_path, ck.cert.pem())?;
    Ok(())
}

/// Write a file only its owner may read (keys, and the database URL, which may carry a password).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
