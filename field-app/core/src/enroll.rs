//! Enrollment helpers for a UI: read what a QR code carries, and look at the server's certificate
//! before trusting it so a person can compare its fingerprint with the one the township printed.

use crate::net::{Client, NetError};
use serde::Serialize;

/// What an enrollment QR (or a pasted text) tells. The console's QR holds the bare one-time code;
/// a richer form — JSON `{"server","code","fingerprint"}` or `jiuzhu://enroll?server=…&code=…&fp=…`
/// — also fills the address and the fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EnrollInfo {
    pub server: Option<String>,
    pub code: Option<String>,
    pub fingerprint: Option<String>,
}

pub fn parse_payload(text: &str) -> EnrollInfo {
    let t = text.trim();
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(t) {
        let get = |k: &[&str]| {
            k.iter()
                .find_map(|k| m.get(*k).and_then(|v| v.as_str()).map(str::to_string))
        };
        return EnrollInfo {
            server: get(&["server", "url"]),
            code: get(&["code"]),
            fingerprint: get(&["fingerprint", "fp"]),
        };
    }
    if let Some(q) = t.strip_prefix("jiuzhu://enroll?") {
        let mut info = EnrollInfo::default();
        for kv in q.split('&') {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let v = percent_decode(v);
            match k {
                "server" => info.server = Some(v),
                "code" => info.code = Some(v),
                "fp" | "fingerprint" => info.fingerprint = Some(v),
                _ => {}
            }
        }
        return info;
    }
    EnrollInfo {
        code: (!t.is_empty()).then(|| t.to_string()),
        ..Default::default()
    }
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Connect without trusting anything yet and return the certificate's SHA-256 fingerprint. Any
/// HTTP answer will do: only the TLS handshake matters.
pub async fn probe_fingerprint(server: &str) -> Result<String, NetError> {
    let mut client = Client::new(server, None, None)?;
    client
        .send(
            hyper::Method::GET,
            "/api/v1/health",
            "text/plain",
            &[],
            Vec::new(),
            false,
        )
        .await?;
    client
        .seen_fingerprint()
        .ok_or_else(|| NetError::Protocol("no certificate seen".into()))
}

/// `ab12cd…` as `AB:12:CD:…`, the way people compare fingerprints aloud.
pub fn display_fingerprint(fp: &str) -> String {
    crate::net::normalize_fingerprint(fp)
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_forms() {
        assert_eq!(
            parse_payload(" K7Q2-9XPA \n"),
            EnrollInfo {
                code: Some("K7Q2-9XPA".into()),
                ..Default::default()
            }
        );
        let j = parse_payload(
            r#"{"server":"https://10.0.0.2:8443","code":"ABC","fingerprint":"aa:bb"}"#,
        );
        assert_eq!(j.server.as_deref(), Some("https://10.0.0.2:8443"));
        assert_eq!(j.fingerprint.as_deref(), Some("aa:bb"));
        let u = parse_payload("jiuzhu://enroll?server=https%3A%2F%2Fh%3A1&code=X%2BY&fp=AB");
        assert_eq!(u.server.as_deref(), Some("https://h:1"));
        assert_eq!(u.code.as_deref(), Some("X+Y"));
        assert_eq!(u.fingerprint.as_deref(), Some("AB"));
        assert_eq!(parse_payload("  "), EnrollInfo::default());
    }

    #[test]
    fn fingerprints_display_in_pairs() {
        assert_eq!(display_fingerprint("ab:12cd"), "AB:12:CD");
    }

    #[tokio::test]
    async fn probe_reports_no_network() {
        let err = probe_fingerprint("https://127.0.0.1:1").await.unwrap_err();
        assert!(matches!(err, NetError::NoNetwork { .. }), "{err:?}");
        assert!(matches!(
            probe_fingerprint("http://x").await,
            Err(NetError::BadUrl(_))
        ));
    }
}
