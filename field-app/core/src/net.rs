//! HTTPS to the township server with the certificate pinned by its SHA-256 fingerprint (taken at
//! enrollment), gzip bodies, and byte counters measured on the TCP stream itself.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use jiuzhu_shared::pinning;
pub use jiuzhu_shared::pinning::normalize_fingerprint;
use jiuzhu_shared::protocol::{self, ErrorBody, WireMessage};
use rustls::pki_types::ServerName;
use std::io::{Read, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A stalled link fails a request after this long instead of hanging the sync.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot reach the server at {addr}: {reason}")]
    NoNetwork { addr: String, reason: String },
    #[error(
        "the server's certificate changed (expected {expected}, got {got}): do not sync; ask the township whether the server was replaced"
    )]
    CertificateChanged { expected: String, got: String },
    #[error("secure connection failed: {0}")]
    Tls(String),
    #[error("the connection broke during the request: {0}")]
    Broken(String),
    #[error("the server did not answer within {0:?}")]
    Timeout(Duration),
    #[error("server refused ({status}, {code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("bad server address {0:?}: use https://HOST:PORT")]
    BadUrl(String),
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
}

impl NetError {
    /// The server's stable error code, if the server answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            NetError::Server { code, .. } => Some(code),
            _ => None,
        }
    }
}

type TlsConfig = (Arc<rustls::ClientConfig>, Arc<Mutex<Option<String>>>);

fn tls_config(expected: Option<String>) -> Result<TlsConfig, NetError> {
    let (tls, seen) = pinning::client_config(expected).map_err(|e| NetError::Tls(e.to_string()))?;
    Ok((tls, seen))
}

/// TLS settings that accept only the certificate with this fingerprint, made afresh (a
/// colleague's tablet makes a new certificate for each invitation: nothing to resume).
pub(crate) fn pinned_client_config(
    fingerprint: &str,
) -> Result<Arc<rustls::ClientConfig>, NetError> {
    Ok(tls_config(Some(normalize_fingerprint(fingerprint)))?.0)
}

/// The TLS settings for a pinned certificate, kept for the life of the process: they hold the
/// session tickets, so every connection after the first resumes its TLS session (no certificate
/// on the wire, about a kilobyte less on a township link). Keyed by the pin, a session is only
/// ever resumed with the server whose certificate was checked when it began.
fn pinned_config(fingerprint: &str) -> Result<TlsConfig, NetError> {
    static PINNED: std::sync::OnceLock<Mutex<std::collections::HashMap<String, TlsConfig>>> =
        std::sync::OnceLock::new();
    let mut pinned = PINNED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(c) = pinned.get(fingerprint) {
        return Ok(c.clone());
    }
    let c = tls_config(Some(fingerprint.to_string()))?;
    pinned.insert(fingerprint.to_string(), c.clone());
    Ok(c)
}

/// Bytes on the wire in each direction (TLS records and HTTP headers included).
#[derive(Debug, Default)]
pub struct Counters {
    pub up: AtomicU64,
    pub down: AtomicU64,
}

struct Counted<S> {
    inner: S,
    counters: Arc<Counters>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.counters
            .down
            .fetch_add((buf.filled().len() - before) as u64, Ordering::Relaxed);
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &r {
            self.counters.up.fetch_add(*n as u64, Ordering::Relaxed);
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A raw answer: status, headers and the decompressed body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
}

/// A client for one server; keeps one connection alive across the rounds of a sync.
pub struct Client {
    host: String,
    port: u16,
    expected: Option<String>,
    seen: Arc<Mutex<Option<String>>>,
    token: Option<String>,
    tls: Arc<rustls::ClientConfig>,
    sender: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
    pub counters: Arc<Counters>,
}

impl Client {
    /// `fingerprint: None` trusts the first certificate seen (enrollment without a fingerprint);
    /// [`Client::seen_fingerprint`] then tells which one it was so it can be pinned.
    pub fn new(
        url: &str,
        fingerprint: Option<&str>,
        token: Option<String>,
    ) -> Result<Self, NetError> {
        let rest = url
            .trim()
            .strip_prefix("https://")
            .ok_or_else(|| NetError::BadUrl(url.into()))?;
        let hostport = rest.split('/').next().unwrap_or_default();
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h.trim_matches(['[', ']']).to_string(),
                p.parse().map_err(|_| NetError::BadUrl(url.into()))?,
            ),
            _ => (hostport.to_string(), 443),
        };
        if host.is_empty() {
            return Err(NetError::BadUrl(url.into()));
        }
        let expected = fingerprint.map(normalize_fingerprint);
        let (tls, seen) = match &expected {
            Some(fp) => pinned_config(fp)?,
            None => tls_config(None)?,
        };
        Ok(Self {
            host,
            port,
            expected,
            seen,
            token,
            tls,
            sender: None,
            counters: Default::default(),
        })
    }

    pub fn seen_fingerprint(&self) -> Option<String> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn bytes_up(&self) -> u64 {
        self.counters.up.load(Ordering::Relaxed)
    }
    pub fn bytes_down(&self) -> u64 {
        self.counters.down.load(Ordering::Relaxed)
    }

    async fn connect(&mut self) -> Result<(), NetError> {
        let addr = format!("{}:{}", self.host, self.port);
        let tcp = tokio::time::timeout(REQUEST_TIMEOUT, tokio::net::TcpStream::connect(&addr))
            .await
            .map_err(|_| NetError::Timeout(REQUEST_TIMEOUT))?
            .map_err(|e| NetError::NoNetwork {
                addr: addr.clone(),
                reason: e.to_string(),
            })?;
        tcp.set_nodelay(true).ok();
        let counted = Counted {
            inner: tcp,
            counters: self.counters.clone(),
        };
        let name = match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => ServerName::try_from(self.host.clone())
                .map_err(|_| NetError::BadUrl(self.host.clone()))?,
        };
        let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
            .connect(name, counted)
            .await
            .map_err(|e| match (&self.expected, self.seen_fingerprint()) {
                (Some(expected), Some(got)) if *expected != got => NetError::CertificateChanged {
                    expected: expected.clone(),
                    got,
                },
                _ => NetError::Tls(e.to_string()),
            })?;
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                .await
                .map_err(|e| NetError::Broken(e.to_string()))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.sender = Some(sender);
        Ok(())
    }

    /// Send a protocol request (CBOR); the body is gzip-compressed when `compress`. Returns status
    /// and the (decompressed) body.
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        compress: bool,
    ) -> Result<(StatusCode, Vec<u8>), NetError> {
        let r = self
            .send(method, path, protocol::CONTENT_TYPE, &[], body, compress)
            .await?;
        Ok((r.status, r.body))
    }

    /// Send any request (tools and tests use it for the console's JSON API). A broken connection
    /// is dropped so the next call reconnects.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        compress: bool,
    ) -> Result<Reply, NetError> {
        let fut = self.send_inner(method, path, content_type, headers, body, compress);
        let result = tokio::time::timeout(REQUEST_TIMEOUT, fut).await;
        let result = result.unwrap_or(Err(NetError::Timeout(REQUEST_TIMEOUT)));
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn send_inner(
        &mut self,
        method: Method,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        compress: bool,
    ) -> Result<Reply, NetError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            self.connect().await?;
        }
        let sender = self.sender.as_mut().expect("connected");
        sender
            .ready()
            .await
            .map_err(|e| NetError::Broken(e.to_string()))?;
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, format!("{}:{}", self.host, self.port))
            .header(hyper::header::CONTENT_TYPE, content_type)
            // Brotli first: its window spans many cases of one answer, so a first sync of a
            // thousand snapshots costs about a third less than in gzip (docs/benchmarks.md).
            .header(hyper::header::ACCEPT_ENCODING, "br, gzip");
        if let Some(t) = &self.token {
            req = req.header(hyper::header::AUTHORIZATION, format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = if compress && !body.is_empty() {
            req = req.header(hyper::header::CONTENT_ENCODING, "gzip");
            gzip(&body)
        } else {
            body
        };
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| NetError::Protocol(e.to_string()))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| NetError::Broken(e.to_string()))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let encoding = headers
            .get(hyper::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| NetError::Broken(e.to_string()))?
            .to_bytes();
        let body = match encoding.as_str() {
            "" | "identity" => bytes.to_vec(),
            "gzip" => inflate(flate2::read::GzDecoder::new(&bytes[..]))?,
            "br" => inflate(brotli_decompressor::Decompressor::new(&bytes[..], 4096))?,
            other => {
                return Err(NetError::Protocol(format!(
                    "the server answered in an encoding this app does not read ({other})"
                )));
            }
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// A protocol call: CBOR in, CBOR out, server errors mapped to [`NetError::Server`].
    pub async fn call<Req: WireMessage, Resp: WireMessage>(
        &mut self,
        method: Method,
        path: &str,
        msg: Option<&Req>,
    ) -> Result<Resp, NetError> {
        let body = msg.map(protocol::encode).unwrap_or_default();
        let (status, bytes) = self.request(method, path, body, true).await?;
        decode_answer(status, &bytes)
    }
}

pub fn decode_answer<Resp: WireMessage>(
    status: StatusCode,
    bytes: &[u8],
) -> Result<Resp, NetError> {
    if !status.is_success() {
        return Err(match protocol::decode::<ErrorBody>(bytes) {
            Ok(e) => NetError::Server {
                status: status.as_u16(),
                code: e.code,
                message: e.message,
            },
            Err(_) => NetError::Server {
                status: status.as_u16(),
                code: "http".into(),
                message: String::from_utf8_lossy(bytes).chars().take(200).collect(),
            },
        });
    }
    protocol::decode(bytes).map_err(|e| NetError::Protocol(e.to_string()))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

fn inflate(mut decoder: impl Read) -> Result<Vec<u8>, NetError> {
    let mut out = Vec::new();
    decoder
        .read_to_end(&mut out)
        .map_err(|e| NetError::Protocol(format!("the answer could not be decompressed: {e}")))?;
    Ok(out)
}
