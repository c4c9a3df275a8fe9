//! `DATA/crypto.toml`: the deployment's choice of algorithms, set once for every tablet it enrolls
//! (issue 13 point 7, 商用密码). Today one key:
//!
//! ```toml
//! tablet_cipher = "sm4-gcm"   # or "xchacha20poly1305", the default when absent
//! ```
//!
//! The server sends it in each enrollment answer; a tablet makes its keys under it then and keeps
//! it for good (tablets enrolled before a change keep theirs). Read at start, so a broken file stops
//! the server with the reason, and again at each enrollment, so a change needs no restart.

use jiuzhu_shared::protocol::TabletCipher;
use serde::Deserialize;
use std::path::Path;

/// The configuration file, in the data directory.
pub const CONFIG_FILE: &str = "crypto.toml";

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CryptoConfig {
    #[serde(default)]
    pub tablet_cipher: TabletCipher,
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid cryptography configuration: {message} (see docs/security.md)")]
    Invalid { path: String, message: String },
}

/// `DATA/crypto.toml`, or the defaults when there is none.
pub fn load(root: &Path) -> Result<CryptoConfig, CryptoConfigError> {
    let path = root.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CryptoConfig::default()),
        Err(source) => {
            return Err(CryptoConfigError::Read {
                path: path.display().to_string(),
                source,
            });
        }
    };
    toml::from_str(&text).map_err(|e| CryptoConfigError::Invalid {
        path: path.display().to_string(),
        message: e.message().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_means_the_default_and_a_wrong_name_is_refused_with_the_choices() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            load(dir.path()).unwrap().tablet_cipher,
            TabletCipher::XChaCha20Poly1305
        );
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "tablet_cipher = \"sm4-gcm\"\n",
        )
        .unwrap();
        assert_eq!(
            load(dir.path()).unwrap().tablet_cipher,
            TabletCipher::Sm4Gcm
        );
        std::fs::write(dir.path().join(CONFIG_FILE), "tablet_cipher = \"sm4\"\n").unwrap();
        let err = load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("sm4-gcm") && err.contains(CONFIG_FILE),
            "{err}"
        );
        // A misspelt key is an error, not a silent default.
        std::fs::write(dir.path().join(CONFIG_FILE), "tablet_ciper = \"sm4-gcm\"\n").unwrap();
        assert!(load(dir.path()).is_err());
    }
}
