//! TLS only: a client speaking plain HTTP to the HTTPS port gets a redirect to `https://` and the
//! connection is closed; nothing else is served without TLS. The first byte of a TLS connection is
//! always 0x16 (handshake record), which is how the two are told apart on one port.

use axum_server::accept::Accept;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TLS_HANDSHAKE: u8 = 0x16;

#[derive(Clone, Copy, Debug, Default)]
pub struct RedirectPlainHttp;

impl<S: Send + 'static> Accept<TcpStream, S> for RedirectPlainHttp {
    type Stream = TcpStream;
    type Service = S;
    type Future = Pin<Box<dyn Future<Output = io::Result<(TcpStream, S)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        Box::pin(async move {
            let mut first = [0u8; 1];
            let n = tokio::time::timeout(Duration::from_secs(10), stream.peek(&mut first))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "client sent nothing"))??;
            if n == 1 && first[0] == TLS_HANDSHAKE {
                return Ok((stream, service));
            }
            redirect(stream).await;
            Err(io::Error::other(
                "plain HTTP answered with a redirect to HTTPS",
            ))
        })
    }
}

async fn redirect(mut stream: TcpStream) {
    let local = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    // Read the request head (bounded in size and time) to learn the host and path.
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while len < buf.len() {
            match stream.read(&mut buf[len..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => len += n,
            }
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    let (host, path) = target(&String::from_utf8_lossy(&buf[..len]), &local);
    let body = "Use HTTPS. 请使用 HTTPS 访问。\n";
    let resp = format!(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://{host}{path}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Host (from the Host header, else the address the client reached) and path of a request head.
fn target(head: &str, local: &str) -> (String, String) {
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .filter(|p| p.starts_with('/') && p.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("/")
        .to_string();
    let host = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("host"))
                .map(|(_, v)| v.trim().to_string())
        })
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or_else(|| local.to_string());
    (host, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_target_keeps_host_and_path_and_rejects_junk() {
        let head = "GET /api/v1/sync?x=1 HTTP/1.1\r\nHost: station.local:8443\r\n\r\n";
        assert_eq!(
            target(head, "127.0.0.1:1"),
            ("station.local:8443".into(), "/api/v1/sync?x=1".into())
        );
        assert_eq!(
            target("garbage", "127.0.0.1:9"),
            ("127.0.0.1:9".into(), "/".into())
        );
        let evil = "GET / HTTP/1.1\r\nHost: evil.com\r\nX\r\n\r\n";
        assert_eq!(
            target(evil, "a").0,
            "evil.com",
            "the Host header is the client's own choice"
        );
        assert_eq!(
            target("GET / HTTP/1.1\r\nHost: a b<script>\r\n\r\n", "l:1").0,
            "l:1"
        );
    }
}
