//! The audit signing key: an Ed25519 seed in a file of its own (hex, mode 0600), beside the
//! database by default and anywhere else by option, created on first run. It never enters the
//! database, so a copy or rewrite of the database cannot re-sign anchors.

use ed25519_dalek::SigningKey;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The key file's name in the data directory.
pub const FILE: &str = "audit-signing.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot use the signing key {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the signing key {path} can be read by other users (mode {mode:o}): run `chmod 600 {path}` \
         and make sure nobody copied it"
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error(
        "the signing key {path} is not a 64-digit hex Ed25519 seed: restore it from its backup"
    )]
    Invalid { path: PathBuf },
}

/// The key at `path`, created (mode 0600) if there is none yet.
pub fn load_or_create(path: &Path) -> Result<SigningKey, KeyError> {
    if let Some(key) = load(path)? {
        return Ok(key);
    }
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let seed: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(format!("{}\n", hex::encode(seed)).as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(io)?;
            Ok(SigningKey::from_bytes(&seed))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load(path)?.ok_or_else(|| KeyError::Invalid {
                path: path.to_path_buf(),
            })
        }
        Err(e) => Err(io(e)),
    }
}

/// The key at `path`, if the file exists; refused if others may read it.
pub fn load(path: &Path) -> Result<Option<SigningKey>, KeyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(KeyError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| KeyError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let seed = hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| KeyError::Invalid {
            path: path.to_path_buf(),
        })?;
    Ok(Some(SigningKey::from_bytes(&seed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_refused_when_exposed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        assert!(load(&path).unwrap().is_none());
        let key = load_or_create(&path).unwrap();
        assert_eq!(load_or_create(&path).unwrap().to_bytes(), key.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(load(&path), Err(KeyError::Exposed { .. })));
        }
    }
}
