//! Content-addressed blob storage on disk with resumable upload. A blob counts as present only
//! after its bytes hash to its name; partial uploads live in `partial/` and are fsynced after every
//! chunk, so the offset the server reports is always durable.

use jiuzhu_shared::BlobHash;
use jiuzhu_shared::protocol::MAX_BLOB_BYTES;
use sha2::Digest;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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

pub struct BlobDir {
    root: PathBuf,
    /// One upload per hash at a time: two devices sending the same photo must not interleave.
    locks: Mutex<HashMap<BlobHash, Arc<Mutex<()>>>>,
}

#[derive(Debug)]
pub enum Appended {
    Partial(u64),
    Complete(u64),
}

impl BlobDir {
    pub fn open(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join("partial"))?;
        Ok(Self {
            root: root.to_path_buf(),
            locks: Mutex::new(HashMap::new()),
        })
    }

    pub fn path(&self, hash: &BlobHash) -> PathBuf {
        let h = hash.to_string();
        self.root.join(&h[..2]).join(h)
    }

    fn partial(&self, hash: &BlobHash) -> PathBuf {
        self.root.join("partial").join(format!("{hash}.part"))
    }

    /// A small JPEG preview for galleries, made once and kept beside the blob (it is derived
    /// data: deleting it only costs its regeneration).
    pub fn thumbnail(&self, hash: &BlobHash) -> std::io::Result<Vec<u8>> {
        let path = self.root.join("thumbs").join(format!("{hash}.jpg"));
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(bytes);
        }
        let img = image::load_from_memory(&std::fs::read(self.path(hash))?)
            .map_err(std::io::Error::other)?;
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

    pub fn exists(&self, hash: &BlobHash) -> bool {
        self.path(hash).exists()
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
        if self.exists(hash) {
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
        let dest = self.path(hash);
        std::fs::create_dir_all(dest.parent().expect("blob path has a parent"))?;
        std::fs::rename(&part, &dest)?;
        // Make the rename itself durable before the server says "complete".
        std::fs::File::open(dest.parent().expect("parent"))?.sync_all()?;
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
        assert_eq!(std::fs::read(blobs.path(&h)).unwrap(), data);

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
}
