//! Content-addressed blobs (photos, signatures, materials) with resumable upload, kept in one of
//! two places the data directory's `blobs.toml` chooses (`docs/blobs.md`): files under
//! `DATA/blobs/<2>/<hash>` (the default, the layout of every data directory so far) or an
//! S3-compatible object store. A blob counts as present only once its bytes hash to its name:
//! an upload grows in `DATA/blobs/partial/` on the server's own disk, fsynced after every chunk so
//! the offset the server reports is always durable, and is published under its name — renamed
//! into place, or written to the object store — only after its hash is checked. Thumbnails are
//! derived data and stay on the server's disk whichever place holds the blobs.

mod s3;

use jiuzhu_shared::BlobHash;
use jiuzhu_shared::protocol::MAX_BLOB_BYTES;
use serde::Deserialize;
use sha2::Digest;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use s3::S3Config;

/// The configuration file, in the data directory; without it blobs are files in `DATA/blobs`.
pub const CONFIG_FILE: &str = "blobs.toml";

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error(
        "upload offset {got} does not match the {have} bytes already received: ask for the offset and resume"
    )]
    Offset { got: u64, have: u64 },
    #[error("declared size {0} is over the limit of {MAX_BLOB_BYTES} bytes")]
    TooLarge(u64),
    #[error("chunk would run past the declared size {0}")]
    PastEnd(u64),
    #[error(
        "the uploaded bytes hash to {got}, not {want}: the upload was discarded, send it again"
    )]
    HashMismatch { got: String, want: String },
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
}

/// Long edge of gallery thumbnails, in pixels.
pub const THUMB_EDGE: u32 = 320;

/// `DATA/blobs.toml`: where published blobs live.
#[derive(Debug, Deserialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum BlobsConfig {
    /// Files under `DATA/blobs` (also what a data directory without the file gets).
    Filesystem,
    S3(S3Config),
}

impl BlobsConfig {
    /// The configuration in `data_root`, the filesystem when there is none.
    pub fn load(data_root: &Path) -> std::io::Result<Self> {
        let path = data_root.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "{} is not a valid blob store configuration: {} (see docs/blobs.md)",
                        path.display(),
                        e.message()
                    ),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::Filesystem),
            Err(e) => Err(e),
        }
    }
}

/// Where verified blobs are published.
enum Published {
    /// `<root>/<2>/<hash>`.
    Files,
    S3(s3::S3Blobs),
}

/// The data directory's blobs: partial uploads and thumbnails under `root` (`DATA/blobs`), the
/// published blobs where the configuration says.
pub struct BlobDir {
    root: PathBuf,
    published: Published,
    /// One upload per hash at a time: two devices sending the same photo must not interleave.
    locks: Mutex<HashMap<BlobHash, Arc<Mutex<()>>>>,
}

#[derive(Debug)]
pub enum Appended {
    Partial(u64),
    Complete(u64),
}

impl BlobDir {
    /// Blobs kept as files under `root`.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        Self::with(root, Published::Files)
    }

    /// The blobs of the data directory at `data_root`, where its `blobs.toml` says.
    pub fn open_configured(data_root: &Path) -> std::io::Result<Self> {
        let root = data_root.join("blobs");
        match BlobsConfig::load(data_root)? {
            BlobsConfig::Filesystem => Self::open(&root),
            BlobsConfig::S3(config) => {
                Self::with(&root, Published::S3(s3::S3Blobs::open(&config, data_root)?))
            }
        }
    }

    fn with(root: &Path, published: Published) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join("partial"))?;
        Ok(Self {
            root: root.to_path_buf(),
            published,
            locks: Mutex::new(HashMap::new()),
        })
    }

    fn file(&self, hash: &BlobHash) -> PathBuf {
        let h = hash.to_string();
        self.root.join(&h[..2]).join(h)
    }

    fn partial(&self, hash: &BlobHash) -> PathBuf {
        self.root.join("partial").join(format!("{hash}.part"))
    }

    /// The size of the published blob, `None` while it is not (or not yet) there.
    pub fn size(&self, hash: &BlobHash) -> std::io::Result<Option<u64>> {
        match &self.published {
            Published::Files => match std::fs::metadata(self.file(hash)) {
                Ok(m) => Ok(Some(m.len())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Published::S3(s3) => s3.size(hash),
        }
    }

    /// Whether the blob is published. A store that cannot be reached answers no (and says why in
    /// the log): what cannot be shown is not there for whoever asks.
    pub fn exists(&self, hash: &BlobHash) -> bool {
        let present = match &self.published {
            Published::Files => Ok(self.file(hash).exists()),
            Published::S3(s3) => s3.exists(hash),
        };
        present.unwrap_or_else(|e| {
            tracing::warn!("cannot tell whether blob {hash} is stored: {e}");
            false
        })
    }

    /// The published blob's bytes, `None` if there is no such blob.
    pub fn read(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        match &self.published {
            Published::Files => match std::fs::read(self.file(hash)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Published::S3(s3) => s3.read(hash),
        }
    }

    /// A small JPEG preview for galleries, made once and kept beside the blob (it is derived
    /// data: deleting it only costs its regeneration).
    pub fn thumbnail(&self, hash: &BlobHash) -> std::io::Result<Vec<u8>> {
        let path = self.root.join("thumbs").join(format!("{hash}.jpg"));
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(bytes);
        }
        let bytes = self
            .read(hash)?
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        let img = image::load_from_memory(&bytes).map_err(std::io::Error::other)?;
        let small = img.thumbnail(THUMB_EDGE, THUMB_EDGE).to_rgb8();
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&small)
            .map_err(std::io::Error::other)?;
        std::fs::create_dir_all(path.parent().expect("thumbs dir"))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &out)?;
        std::fs::rename(&tmp, &path)?;
        Ok(out)
    }

    /// Bytes received so far for an incomplete upload.
    pub fn offset(&self, hash: &BlobHash) -> u64 {
        std::fs::metadata(self.partial(hash))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    fn lock(&self, hash: &BlobHash) -> Arc<Mutex<()>> {
        self.locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(*hash)
            .or_default()
            .clone()
    }

    /// Forget the hash's lock once nobody else holds or waits for it, so the map holds only
    /// uploads in progress.
    fn unlock(&self, hash: &BlobHash, lock: Arc<Mutex<()>>) {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        // Ours and the map's: nobody else cloned it since.
        if Arc::strong_count(&lock) == 2 {
            locks.remove(hash);
        }
    }

    /// Uploads in progress (their locks).
    #[cfg(test)]
    fn uploads_in_progress(&self) -> usize {
        self.locks.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Remove partial uploads untouched since `cutoff` (a tablet that never came back, an upload
    /// abandoned): they hold disk space nobody will claim. A tablet that does come back asks
    /// for the offset, gets 0 and sends the photo again. Answers how many were removed.
    pub fn collect_abandoned(&self, cutoff: std::time::SystemTime) -> std::io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(self.root.join("partial"))? {
            let entry = entry?;
            let Some(hash) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".part"))
                .and_then(|h| h.parse::<BlobHash>().ok())
            else {
                continue;
            };
            let lock = self.lock(&hash);
            let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
            if entry.metadata()?.modified()? < cutoff {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
            drop(guard);
            self.unlock(&hash, lock);
        }
        Ok(removed)
    }

    /// Append one chunk at `offset`; when `total` bytes are in, verify the hash and publish.
    pub fn append(
        &self,
        hash: &BlobHash,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<Appended, BlobError> {
        if total > MAX_BLOB_BYTES {
            return Err(BlobError::TooLarge(total));
        }
        let lock = self.lock(hash);
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let result = self.append_locked(hash, offset, total, chunk);
        drop(guard);
        self.unlock(hash, lock);
        result
    }

    fn append_locked(
        &self,
        hash: &BlobHash,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<Appended, BlobError> {
        if self.size(hash)?.is_some() {
            return Ok(Appended::Complete(total));
        }
        let part = self.partial(hash);
        let have = self.offset(hash);
        if offset != have {
            return Err(BlobError::Offset { got: offset, have });
        }
        if have + chunk.len() as u64 > total {
            return Err(BlobError::PastEnd(total));
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&part)?;
        f.write_all(chunk)?;
        f.sync_data()?;
        let now_have = have + chunk.len() as u64;
        if now_have < total {
            return Ok(Appended::Partial(now_have));
        }
        let bytes = std::fs::read(&part)?;
        let got = hex::encode(sha2::Sha256::digest(&bytes));
        if got != hash.to_string() {
            std::fs::remove_file(&part)?;
            return Err(BlobError::HashMismatch {
                got,
                want: hash.to_string(),
            });
        }
        match &self.published {
            Published::Files => {
                let dest = self.file(hash);
                std::fs::create_dir_all(dest.parent().expect("blob path has a parent"))?;
                std::fs::rename(&part, &dest)?;
                // Make the rename itself durable before the server says "complete".
                std::fs::File::open(dest.parent().expect("parent"))?.sync_all()?;
            }
            Published::S3(s3) => {
                // The store answers only once the object is durable; a crash before the partial
                // is removed leaves a complete partial that the next chunk or the collector
                // finds already published.
                s3.publish(hash, bytes)?;
                std::fs::remove_file(&part)?;
            }
        }
        Ok(Appended::Complete(total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumes_verifies_and_refuses_wrong_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path()).unwrap();
        let data = b"hello photo bytes".to_vec();
        let h = BlobHash::of(&data);
        assert!(matches!(
            blobs.append(&h, 0, 17, &data[..5]).unwrap(),
            Appended::Partial(5)
        ));
        assert_eq!(blobs.offset(&h), 5);
        assert!(matches!(
            blobs.append(&h, 3, 17, &data[3..]),
            Err(BlobError::Offset { got: 3, have: 5 })
        ));
        assert!(matches!(
            blobs.append(&h, 5, 17, &data[5..]).unwrap(),
            Appended::Complete(17)
        ));
        assert_eq!(std::fs::read(blobs.file(&h)).unwrap(), data);

        let wrong = BlobHash::of(b"something else");
        let err = blobs.append(&wrong, 0, 17, &data).unwrap_err();
        assert!(matches!(err, BlobError::HashMismatch { .. }));
        assert!(!blobs.exists(&wrong));
        assert_eq!(
            blobs.offset(&wrong),
            0,
            "a bad upload leaves nothing behind"
        );
        assert_eq!(
            blobs.uploads_in_progress(),
            0,
            "no lock outlives its upload"
        );
    }

    #[test]
    fn abandoned_uploads_are_collected_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path()).unwrap();
        let (old, fresh) = (b"old photo bytes".to_vec(), b"fresh photo".to_vec());
        let (ho, hf) = (BlobHash::of(&old), BlobHash::of(&fresh));
        blobs.append(&ho, 0, 100, &old[..4]).unwrap();
        blobs.append(&hf, 0, 100, &fresh[..4]).unwrap();
        let week_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(8 * 86400);
        std::fs::File::options()
            .append(true)
            .open(blobs.partial(&ho))
            .unwrap()
            .set_modified(week_ago)
            .unwrap();
        let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(7 * 86400);
        assert_eq!(blobs.collect_abandoned(cutoff).unwrap(), 1);
        assert_eq!(
            blobs.offset(&ho),
            0,
            "the abandoned one starts again from 0"
        );
        assert_eq!(blobs.offset(&hf), 4, "the fresh one resumes");
        assert_eq!(blobs.uploads_in_progress(), 0);
    }

    #[test]
    fn the_configuration_names_its_backend_and_refuses_unknown_settings() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            BlobsConfig::load(dir.path()).unwrap(),
            BlobsConfig::Filesystem
        ));
        let s3 = r#"
            backend = "s3"
            endpoint = "https://oss.example"
            bucket = "jiuzhu"
            region = "cn-north-1"
            access_key_id = "AKID"
            secret_access_key_env = "JIUZHU_S3_SECRET"
        "#;
        std::fs::write(dir.path().join(CONFIG_FILE), s3).unwrap();
        let BlobsConfig::S3(config) = BlobsConfig::load(dir.path()).unwrap() else {
            panic!("an S3 configuration");
        };
        assert_eq!(config.bucket, "jiuzhu");
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            format!("{s3}\nsecret_access_key = \"in the file\"\n"),
        )
        .unwrap();
        let err = BlobsConfig::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("unknown field"), "{err}");
        assert!(!err.contains("in the file"), "{err}");
    }
}
