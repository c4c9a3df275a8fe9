//! Issue 18 point 4: the blob interface behaves the same on its two backends — files in the data
//! directory and an S3-compatible object store (here an S3 server over a directory, on
//! 127.0.0.1 over HTTPS with a certificate of its own, reached with the server's configuration
//! file) — and a photo a tablet uploads to a server whose blobs live in the object store reaches
//! the console byte for byte.

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use jiuzhu_e2e::{CONSOLE_PASSWORD, Console, SimTablet, TOWNSHIP, TestServer, test_jpeg};
use jiuzhu_server::blobs::{Appended, BlobDir, BlobError};
use jiuzhu_shared::BlobHash;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const ACCESS_KEY: &str = "jiuzhu-test";
const SECRET_KEY: &str = "s3-test-secret-0123456789";
const BUCKET: &str = "jiuzhu-blobs";
const PREFIX: &str = "banner/";

/// An S3 server on 127.0.0.1 on a runtime of its own, as a separate machine would be.
struct S3Server {
    root: tempfile::TempDir,
    addr: std::net::SocketAddr,
    ca_pem: String,
    /// While set, the server refuses to store objects (a full quota, a withdrawn permission).
    refuse_writes: Arc<AtomicBool>,
    runtime: Option<tokio::runtime::Runtime>,
}

struct WriteSwitch(Arc<AtomicBool>);

#[async_trait::async_trait]
impl s3s::access::S3Access for WriteSwitch {
    async fn put_object(
        &self,
        _: &mut s3s::S3Request<s3s::dto::PutObjectInput>,
    ) -> s3s::S3Result<()> {
        if self.0.load(Ordering::SeqCst) {
            return Err(s3s::s3_error!(AccessDenied));
        }
        Ok(())
    }
}

impl S3Server {
    fn start() -> S3Server {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket");
        let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("cert");
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![ck.cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into()),
        )
        .expect("tls");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let mut service = s3s::service::S3ServiceBuilder::new(
            s3s_fs::FileSystem::new(root.path()).expect("s3 root"),
        );
        service.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let refuse_writes = Arc::new(AtomicBool::new(false));
        service.set_access(WriteSwitch(refuse_writes.clone()));
        let service = service.build();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            while let Ok((socket, _)) = listener.accept().await {
                let (acceptor, service) = (acceptor.clone(), service.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(socket).await {
                        let _ = ConnBuilder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(tls), service)
                            .await;
                    }
                });
            }
        });
        S3Server {
            root,
            addr,
            ca_pem: ck.cert.pem(),
            refuse_writes,
            runtime: Some(runtime),
        }
    }

    /// Point the data directory `data` at this server: `blobs.toml`, the secret key in a file
    /// and the server's certificate as the CA to trust.
    fn configure(&self, data: &Path) {
        std::fs::write(data.join("s3-ca.pem"), &self.ca_pem).expect("ca");
        std::fs::write(data.join("s3-secret"), format!("{SECRET_KEY}\n")).expect("secret");
        let config = format!(
            r#"backend = "s3"
endpoint = "https://{}"
bucket = "{BUCKET}"
region = "cn-north-1"
access_key_id = "{ACCESS_KEY}"
secret_access_key_file = "s3-secret"
ca_file = "s3-ca.pem"
prefix = "{PREFIX}"
"#,
            self.addr
        );
        std::fs::write(data.join(jiuzhu_server::blobs::CONFIG_FILE), config).expect("config");
    }

    /// Where the server keeps the object of `hash`.
    fn object(&self, hash: &BlobHash) -> PathBuf {
        let h = hash.to_string();
        self.root
            .path()
            .join(BUCKET)
            .join(PREFIX)
            .join(&h[..2])
            .join(h)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A data directory whose blobs are files, or live in an S3 server.
struct Backend {
    data: tempfile::TempDir,
    s3: Option<S3Server>,
}

impl Backend {
    fn both() -> [Backend; 2] {
        let files = Backend {
            data: tempfile::tempdir().expect("tempdir"),
            s3: None,
        };
        let s3 = Backend {
            data: tempfile::tempdir().expect("tempdir"),
            s3: Some(S3Server::start()),
        };
        s3.s3.as_ref().expect("s3").configure(s3.data.path());
        [files, s3]
    }

    fn name(&self) -> &'static str {
        if self.s3.is_some() { "s3" } else { "files" }
    }

    /// The blobs as the server opens them (again after a restart).
    fn open(&self) -> BlobDir {
        jiuzhu_server::DataDir::new(self.data.path())
            .expect("data dir")
            .open_blobs()
            .expect("blobs")
    }

    /// Where the published blob is, outside the interface: the file in the data directory or
    /// the object in the S3 server's.
    fn stored(&self, hash: &BlobHash) -> PathBuf {
        let h = hash.to_string();
        let file = self.data.path().join("blobs").join(&h[..2]).join(&h);
        match &self.s3 {
            None => file,
            Some(s3) => {
                assert!(!file.exists(), "an object store's blob is not a local file");
                s3.object(hash)
            }
        }
    }
}

/// Noisy bytes of `len` (a photo's size, several chunks).
fn photo_bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1] ^ seed)
        .collect()
}

const CHUNK: usize = jiuzhu_shared::protocol::BLOB_CHUNK as usize;

#[test]
fn an_upload_in_chunks_is_verified_published_and_read_back() {
    for b in Backend::both() {
        let blobs = b.open();
        let bytes = photo_bytes(2 * CHUNK + 1000, 1);
        let (h, total) = (BlobHash::of(&bytes), bytes.len() as u64);
        for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
            let got = blobs.append(&h, (i * CHUNK) as u64, total, chunk).unwrap();
            let last = (i + 1) * CHUNK >= bytes.len();
            assert!(
                matches!(got, Appended::Complete(t) if last && t == total)
                    || matches!(got, Appended::Partial(o) if !last && o == ((i + 1) * CHUNK) as u64),
                "{}: chunk {i}: {got:?}",
                b.name()
            );
            assert_eq!(
                blobs.exists(&h),
                last,
                "{}: present only when whole",
                b.name()
            );
        }
        assert_eq!(blobs.size(&h).unwrap(), Some(total), "{}", b.name());
        assert_eq!(
            blobs.read(&h).unwrap().as_deref(),
            Some(&bytes[..]),
            "{}",
            b.name()
        );
        assert_eq!(std::fs::read(b.stored(&h)).unwrap(), bytes, "{}", b.name());
        assert_eq!(blobs.offset(&h), 0, "{}: no partial left", b.name());
        // Sent again (another tablet with the same photo): already there, nothing changes.
        assert!(matches!(
            blobs.append(&h, 0, total, &bytes[..CHUNK]).unwrap(),
            Appended::Complete(t) if t == total
        ));
        // A reopened server (or another process on the same store) sees it too.
        assert!(b.open().exists(&h), "{}", b.name());
    }
}

#[test]
fn a_cut_upload_resumes_where_the_server_durably_is_and_refuses_replayed_chunks() {
    for b in Backend::both() {
        let bytes = photo_bytes(3 * CHUNK, 2);
        let (h, total) = (BlobHash::of(&bytes), bytes.len() as u64);
        {
            let blobs = b.open();
            blobs.append(&h, 0, total, &bytes[..CHUNK]).unwrap();
            blobs
                .append(&h, CHUNK as u64, total, &bytes[CHUNK..2 * CHUNK])
                .unwrap();
        }
        // The connection (or the server) went away; a new one asks for the offset.
        let blobs = b.open();
        assert_eq!(blobs.offset(&h), 2 * CHUNK as u64, "{}", b.name());
        assert_eq!(blobs.size(&h).unwrap(), None, "{}", b.name());
        assert!(!blobs.exists(&h), "{}", b.name());
        // A replayed chunk and one from further on are refused with the offset to resume at.
        for at in [CHUNK, 0, 3 * CHUNK - 10] {
            let err = blobs
                .append(&h, at as u64, total, &bytes[at..(at + 10).min(bytes.len())])
                .unwrap_err();
            assert!(
                matches!(err, BlobError::Offset { got, have } if got == at as u64 && have == 2 * CHUNK as u64),
                "{}: {err}",
                b.name()
            );
        }
        // A chunk running past the declared size is refused too.
        assert!(matches!(
            blobs.append(&h, 2 * CHUNK as u64, total, &photo_bytes(CHUNK + 1, 9)),
            Err(BlobError::PastEnd(_))
        ));
        assert!(matches!(
            blobs.append(&h, 2 * CHUNK as u64, total, &bytes[2 * CHUNK..]).unwrap(),
            Appended::Complete(t) if t == total
        ));
        assert_eq!(
            blobs.read(&h).unwrap().as_deref(),
            Some(&bytes[..]),
            "{}",
            b.name()
        );
    }
}

#[test]
fn a_corrupted_upload_is_refused_and_leaves_nothing() {
    for b in Backend::both() {
        let blobs = b.open();
        let bytes = photo_bytes(CHUNK + 500, 3);
        let h = BlobHash::of(&bytes);
        let mut damaged = bytes.clone();
        damaged[CHUNK + 7] ^= 0x40;
        let total = bytes.len() as u64;
        blobs.append(&h, 0, total, &damaged[..CHUNK]).unwrap();
        let err = blobs
            .append(&h, CHUNK as u64, total, &damaged[CHUNK..])
            .unwrap_err();
        assert!(
            matches!(err, BlobError::HashMismatch { .. }),
            "{}: {err}",
            b.name()
        );
        assert!(!blobs.exists(&h), "{}", b.name());
        assert_eq!(blobs.read(&h).unwrap(), None, "{}", b.name());
        assert!(!b.stored(&h).exists(), "{}: nothing published", b.name());
        assert_eq!(blobs.offset(&h), 0, "{}: sent again from 0", b.name());
        // Sent again intact, it counts.
        blobs.append(&h, 0, total, &bytes).unwrap();
        assert_eq!(
            blobs.read(&h).unwrap().as_deref(),
            Some(&bytes[..]),
            "{}",
            b.name()
        );
    }
}

#[test]
fn a_missing_blob_is_absent_and_a_photo_has_a_thumbnail() {
    for b in Backend::both() {
        let blobs = b.open();
        let missing = BlobHash::of(b"never uploaded");
        assert!(!blobs.exists(&missing), "{}", b.name());
        assert_eq!(blobs.size(&missing).unwrap(), None, "{}", b.name());
        assert_eq!(blobs.read(&missing).unwrap(), None, "{}", b.name());
        assert_eq!(blobs.offset(&missing), 0, "{}", b.name());
        assert_eq!(
            blobs.thumbnail(&missing).unwrap_err().kind(),
            std::io::ErrorKind::NotFound,
            "{}",
            b.name()
        );

        let jpeg = test_jpeg(900, 600, 4);
        let h = BlobHash::of(&jpeg);
        blobs.append(&h, 0, jpeg.len() as u64, &jpeg).unwrap();
        let thumb = blobs.thumbnail(&h).unwrap();
        let img = image::load_from_memory(&thumb).expect("a JPEG");
        assert_eq!(
            img.width().max(img.height()),
            jiuzhu_server::blobs::THUMB_EDGE,
            "{}",
            b.name()
        );
    }
}

#[test]
fn an_upload_the_store_refused_to_take_is_published_by_the_next_chunk() {
    let s3 = S3Server::start();
    let data = tempfile::tempdir().unwrap();
    s3.configure(data.path());
    let open = || {
        jiuzhu_server::DataDir::new(data.path())
            .unwrap()
            .open_blobs()
            .unwrap()
    };
    let bytes = photo_bytes(CHUNK + 3, 6);
    let (h, total) = (BlobHash::of(&bytes), bytes.len() as u64);
    s3.refuse_writes.store(true, Ordering::SeqCst);
    let err = open().append(&h, 0, total, &bytes).unwrap_err();
    assert!(matches!(err, BlobError::Io(_)), "{err}");
    assert!(!s3.object(&h).exists());
    // The verified bytes wait on the server's disk; the tablet's next sync finds the offset at
    // the end and sends an empty last chunk.
    s3.refuse_writes.store(false, Ordering::SeqCst);
    let blobs = open();
    assert_eq!(blobs.offset(&h), total);
    assert!(!blobs.exists(&h));
    assert!(matches!(
        blobs.append(&h, total, total, &[]).unwrap(),
        Appended::Complete(t) if t == total
    ));
    assert_eq!(std::fs::read(s3.object(&h)).unwrap(), bytes);
    assert_eq!(blobs.offset(&h), 0);
}

#[test]
fn a_store_configuration_without_its_secret_is_refused_at_start() {
    let s3 = S3Server::start();
    let data = tempfile::tempdir().unwrap();
    s3.configure(data.path());
    std::fs::remove_file(data.path().join("s3-secret")).unwrap();
    let err = jiuzhu_server::DataDir::new(data.path())
        .unwrap()
        .open_blobs()
        .err()
        .expect("refused");
    assert!(err.to_string().contains("secret key file"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablets_photo_reaches_the_console_through_the_object_store() {
    let s3 = S3Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    s3.configure(dir.path());
    let server = TestServer::start_in(dir, "127.0.0.1:0").await;
    server.add_investigator("王五");
    server.add_investigator("赵六");
    server.add_console_user("张海燕", "caseworker", TOWNSHIP);
    let case = server.add_case("S3-1", &["王五", "赵六"]);
    let mut t = SimTablet::enrolled(&server, &server.url(), "王五").await;
    t.sync().await.unwrap();
    let photo = t
        .tablet
        .add_photo(case, &test_jpeg(2000, 1500, 5), "房屋外观", "exterior")
        .unwrap();
    let report = t.sync().await.unwrap();
    assert_eq!(report.blobs_sent, 1, "{report:?}");
    let taken = t.tablet.read_photo(&photo.hash).unwrap();
    assert!(taken.len() > CHUNK, "sent in several chunks");

    // The object store holds it under its name; the data directory only its (removed) partial.
    let hash: BlobHash = photo.hash.parse().unwrap();
    assert_eq!(std::fs::read(s3.object(&hash)).unwrap(), taken);
    assert!(
        !server
            .dir
            .path()
            .join("blobs")
            .join(&photo.hash[..2])
            .exists()
    );
    assert_eq!(server.export(case)["evidence_complete"], json!(true));

    let mut c = Console::new(&server);
    assert_eq!(c.login("张海燕", CONSOLE_PASSWORD).await, 200);
    let (status, detail) = c.get(&format!("/api/console/cases/{case}")).await;
    assert_eq!(status, 200);
    assert_eq!(detail["photos"][0]["present"], json!(true));
    let (status, bytes) = c
        .raw("GET", &format!("/api/console/blobs/{}", photo.hash), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(bytes, taken, "byte-identical");
    let (status, thumb) = c
        .raw(
            "GET",
            &format!("/api/console/blobs/{}?thumb=1", photo.hash),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(thumb.starts_with(&[0xFF, 0xD8]) && thumb.len() < bytes.len());
}
