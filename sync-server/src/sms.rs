//! Where applicants' one-time codes go. A code is a credential: it is sent, never logged — except
//! by the demonstration server (`serve --demo`), whose codes appear in its own log so a person can
//! try the phone pages without a gateway. A real server sends through the SMS gateway configured in
//! `DATA/sms.toml`; without one it starts, but applicant sign-in stays off (503 `sms_not_configured`).
//!
//! The gateway adapter speaks Alibaba Cloud's SMS API (`SendSms`, RPC style, HMAC-SHA1 signed),
//! the most common provider for government SMS in China; a deployment with another provider adds an
//! adapter beside it.

use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// The configuration file, in the data directory.
pub const CONFIG_FILE: &str = "sms.toml";

/// Delivers one-time codes to phones.
pub trait CodeSender: Send + Sync {
    /// Whether codes can be sent at all (false: applicant sign-in is off).
    fn enabled(&self) -> bool {
        true
    }
    /// Send `code` to `phone`; the error says why in words an operator can act on.
    fn send(&self, phone: &str, code: &str) -> Result<(), String>;
}

/// `serve --demo` only: writes the code to the server's log (target `otp`).
pub struct DemoLogSender;

impl CodeSender for DemoLogSender {
    fn send(&self, phone: &str, code: &str) -> Result<(), String> {
        tracing::info!(target: "otp", "demo server: one-time code for {phone}: {code}");
        Ok(())
    }
}

/// No gateway configured: applicant sign-in is off.
pub struct NoSender;

impl CodeSender for NoSender {
    fn enabled(&self) -> bool {
        false
    }
    fn send(&self, _: &str, _: &str) -> Result<(), String> {
        Err("no SMS gateway is configured".into())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmsConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid SMS gateway configuration: {message} (see docs/operations.md)")]
    Invalid { path: String, message: String },
}

/// `DATA/sms.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunConfig {
    /// Must be "aliyun" (the one adapter so far).
    pub provider: String,
    /// The API's address; the provider's public endpoint unless a deployment routes through a
    /// government network gateway.
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// 短信签名, as approved by the provider.
    pub sign_name: String,
    /// The approved template whose one parameter is `code`.
    pub template_code: String,
    #[serde(default = "default_region")]
    pub region: String,
}

fn default_region() -> String {
    "cn-hangzhou".into()
}

/// The sender a server started on `data` uses: the demonstration log with `demo`, else the
/// configured gateway, else none (applicant sign-in off).
pub fn sender_for(
    data: &Path,
    demo: bool,
) -> Result<std::sync::Arc<dyn CodeSender>, SmsConfigError> {
    if demo {
        return Ok(std::sync::Arc::new(DemoLogSender));
    }
    Ok(match load(data)? {
        Some(cfg) => std::sync::Arc::new(AliyunSms::new(cfg)),
        None => {
            tracing::warn!(
                "applicant sign-in is off: no SMS gateway is configured ({CONFIG_FILE} in the data directory)"
            );
            std::sync::Arc::new(NoSender)
        }
    })
}

/// The gateway configured in `DATA/sms.toml`, if any.
pub fn load(data: &Path) -> Result<Option<AliyunConfig>, SmsConfigError> {
    let path = data.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SmsConfigError::Read {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let invalid = |message: String| SmsConfigError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let cfg: AliyunConfig = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    if cfg.provider != "aliyun" {
        return Err(invalid(format!(
            "unknown provider \"{}\" (supported: aliyun)",
            cfg.provider
        )));
    }
    if !(cfg.endpoint.starts_with("https://") || cfg.endpoint.starts_with("http://127.0.0.1")) {
        return Err(invalid(
            "the endpoint must be an https:// address (the request carries a signed credential)"
                .into(),
        ));
    }
    for (name, v) in [
        ("access_key_id", &cfg.access_key_id),
        ("access_key_secret", &cfg.access_key_secret),
        ("sign_name", &cfg.sign_name),
        ("template_code", &cfg.template_code),
    ] {
        if v.trim().is_empty() {
            return Err(invalid(format!("{name} is empty")));
        }
    }
    Ok(Some(cfg))
}

/// Alibaba Cloud SMS `SendSms` over its HTTP API.
pub struct AliyunSms {
    cfg: AliyunConfig,
    agent: ureq::Agent,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendSmsAnswer {
    code: String,
    #[serde(default)]
    message: String,
}

/// RFC 3986 unreserved characters stay; everything else is escaped (the API's rule).
const API_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn escape(s: &str) -> String {
    utf8_percent_encode(s, API_ESCAPE).to_string()
}

impl AliyunSms {
    pub fn new(cfg: AliyunConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        Self { cfg, agent }
    }

    /// The signed query string of one `SendSms` request.
    fn signed_query(&self, phone: &str, code: &str, timestamp: &str, nonce: &str) -> String {
        let c = &self.cfg;
        let param = serde_json::json!({ "code": code }).to_string();
        let mut params = [
            ("AccessKeyId", c.access_key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("PhoneNumbers", phone),
            ("RegionId", c.region.as_str()),
            ("SignName", c.sign_name.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", c.template_code.as_str()),
            ("TemplateParam", param.as_str()),
            ("Timestamp", timestamp),
            ("Version", "2017-05-25"),
        ];
        params.sort_by_key(|(k, _)| *k);
        let canonical = params
            .iter()
            .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
            .collect::<Vec<_>>()
            .join("&");
        let signature = sign(&c.access_key_secret, &canonical);
        format!("Signature={}&{canonical}", escape(&signature))
    }
}

/// The API's signature of a canonical query: Base64(HMAC-SHA1(secret + "&", "GET&%2F&" + escaped)).
pub fn sign(secret: &str, canonical_query: &str) -> String {
    let to_sign = format!("GET&{}&{}", escape("/"), escape(canonical_query));
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("any key");
    mac.update(to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl CodeSender for AliyunSms {
    fn send(&self, phone: &str, code: &str) -> Result<(), String> {
        let timestamp = time::OffsetDateTime::now_utc()
            .format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .expect("formats");
        let nonce = uuid::Uuid::new_v4().to_string();
        let url = format!(
            "{}?{}",
            self.cfg.endpoint,
            self.signed_query(phone, code, &timestamp, &nonce)
        );
        // Errors name the gateway's answer, never the request (it carries the code).
        let mut resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| format!("SMS gateway unreachable: {}", transport_error(&e)))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| format!("SMS gateway answer unreadable: {}", transport_error(&e)))?;
        let answer: SendSmsAnswer = serde_json::from_str(&body)
            .map_err(|_| format!("SMS gateway answered HTTP {status} without a result"))?;
        if answer.code == "OK" {
            Ok(())
        } else {
            Err(format!(
                "SMS gateway refused: {} {}",
                answer.code, answer.message
            ))
        }
    }
}

/// A transport error without the URL (which carries the code and the signed credential).
fn transport_error(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io.kind().to_string(),
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => "TLS failed".into(),
        _ => "request failed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> AliyunConfig {
        AliyunConfig {
            provider: "aliyun".into(),
            endpoint: "https://sms.invalid/".into(),
            access_key_id: "testid".into(),
            access_key_secret: "testsecret".into(),
            sign_name: "达拉特旗民政局".into(),
            template_code: "SMS_1".into(),
            region: default_region(),
        }
    }

    #[test]
    fn the_query_is_sorted_escaped_and_signed_over_itself() {
        let q = AliyunSms::new(cfg()).signed_query(
            "13800000000",
            "123456",
            "2026-12-06T14:00:00Z",
            "n-1",
        );
        let (sig, canonical) = q.split_once('&').unwrap();
        let sig = percent_encoding::percent_decode_str(sig.strip_prefix("Signature=").unwrap())
            .decode_utf8()
            .unwrap();
        assert_eq!(sig, sign("testsecret", canonical));
        assert!(canonical.starts_with("AccessKeyId=testid&Action=SendSms&Format=JSON"));
        assert!(canonical.contains("Timestamp=2026-12-06T14%3A00%3A00Z"));
        assert!(canonical.contains("TemplateParam=%7B%22code%22%3A%22123456%22%7D"));
        assert!(canonical.contains("SignName=%E8%BE%BE"));
        assert_ne!(
            sign("othersecret", canonical),
            sig,
            "the secret is in the signature"
        );
    }

    #[test]
    fn a_bad_configuration_says_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path()).unwrap().is_none());
        std::fs::write(dir.path().join(CONFIG_FILE), "provider = \"aliyun\"\n").unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("missing field"), "{e}");
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "provider = \"aliyun\"\nendpoint = \"http://gw.example/\"\naccess_key_id = \"a\"\n\
             access_key_secret = \"b\"\nsign_name = \"c\"\ntemplate_code = \"d\"\n",
        )
        .unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("https://"), "{e}");
    }
}
