//! Alibaba Cloud's SMS API (`SendSms`, RPC style, HMAC-SHA1 signed): one client for both the
//! applicants' one-time codes (`sms`) and the notices (`notify`), so the request signing lives in
//! one place.

pub use super::config::{Account, default_region};
use super::config::{SmsConfig, template};
use super::{Channel, ChannelKind, Outgoing, SendError};
use crate::review::text;
use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// One text to one phone: an approved template and its parameters.
pub struct Sms<'a> {
    pub phone: &'a str,
    pub template_code: &'a str,
    /// The template's parameters, a JSON object of strings.
    pub params: &'a serde_json::Value,
    /// The provider's `OutId`: our record's id, returned with delivery receipts, so a text sent
    /// twice after a crash can be told apart at the provider.
    pub out_id: Option<&'a str>,
}

/// Sends texts through `SendSms`.
pub struct Client {
    account: Account,
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

/// The API's signature of a canonical query: Base64(HMAC-SHA1(secret + "&", "GET&%2F&" + escaped)).
pub fn sign(secret: &str, canonical_query: &str) -> String {
    let to_sign = format!("GET&{}&{}", escape("/"), escape(canonical_query));
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("any key");
    mac.update(to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// An HTTP client that reports status codes as answers (the API's errors come with a body).
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into()
}

impl Client {
    pub fn new(account: Account) -> Self {
        Self {
            account,
            agent: agent(),
        }
    }

    /// The signed query string of one `SendSms` request.
    fn signed_query(&self, sms: &Sms, timestamp: &str, nonce: &str) -> String {
        let c = &self.account;
        let param = sms.params.to_string();
        let mut params = vec![
            ("AccessKeyId", c.access_key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("PhoneNumbers", sms.phone),
            ("RegionId", c.region.as_str()),
            ("SignName", c.sign_name.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", sms.template_code),
            ("TemplateParam", param.as_str()),
            ("Timestamp", timestamp),
            ("Version", "2017-05-25"),
        ];
        if let Some(out_id) = sms.out_id {
            params.push(("OutId", out_id));
        }
        params.sort_by_key(|(k, _)| *k);
        let canonical = params
            .iter()
            .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
            .collect::<Vec<_>>()
            .join("&");
        let signature = sign(&c.access_key_secret, &canonical);
        format!("Signature={}&{canonical}", escape(&signature))
    }

    /// Send one text. Errors name the gateway's answer, never the request (it carries the
    /// parameters — a one-time code — and the signed credential).
    pub fn send(&self, sms: &Sms) -> Result<(), SendError> {
        let timestamp = time::OffsetDateTime::now_utc()
            .format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .expect("formats");
        let nonce = uuid::Uuid::new_v4().to_string();
        let url = format!(
            "{}?{}",
            self.account.endpoint,
            self.signed_query(sms, &timestamp, &nonce)
        );
        let mut resp = self.agent.get(&url).call().map_err(|e| {
            SendError::retry(format!("SMS gateway unreachable: {}", transport_error(&e)))
        })?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| {
                SendError::retry(format!(
                    "SMS gateway answer unreadable: {}",
                    transport_error(&e)
                ))
            })?;
        let answer: SendSmsAnswer = serde_json::from_str(&body).map_err(|_| {
            SendError::retry(format!(
                "SMS gateway answered HTTP {status} without a result"
            ))
        })?;
        if answer.code == "OK" {
            Ok(())
        } else {
            Err(SendError::retry(format!(
                "SMS gateway refused: {} {}",
                answer.code, answer.message
            )))
        }
    }
}

/// The notices' SMS channel: the client and the templates of `[sms]` in `DATA/notify.toml`.
pub struct SmsChannel {
    client: Client,
    templates: BTreeMap<String, String>,
}

impl SmsChannel {
    pub fn new(cfg: &SmsConfig) -> Self {
        Self {
            client: Client::new(cfg.account()),
            templates: cfg.templates.clone(),
        }
    }
}

impl Channel for SmsChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Sms
    }

    fn send(&self, msg: &Outgoing) -> Result<(), SendError> {
        let code = template(&self.templates, msg.topic, msg.kind)
            .ok_or_else(|| SendError::fatal(text::NOTIFY_NO_TEMPLATE))?;
        let params = serde_json::to_value(msg.params).expect("strings serialise");
        self.client.send(&Sms {
            phone: msg.to,
            template_code: code,
            params: &params,
            out_id: Some(msg.id),
        })
    }
}

/// A transport error without the URL (which carries the parameters and the signed credential).
pub fn transport_error(e: &ureq::Error) -> String {
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

    pub fn account() -> Account {
        Account {
            endpoint: "https://sms.invalid/".into(),
            access_key_id: "testid".into(),
            access_key_secret: "testsecret".into(),
            sign_name: "达拉特旗民政局".into(),
            region: default_region(),
        }
    }

    #[test]
    fn the_query_is_sorted_escaped_and_signed_over_itself() {
        let params = serde_json::json!({ "code": "123456" });
        let sms = Sms {
            phone: "13800000000",
            template_code: "SMS_1",
            params: &params,
            out_id: Some("n-9"),
        };
        let q = Client::new(account()).signed_query(&sms, "2026-12-06T14:00:00Z", "n-1");
        let (sig, canonical) = q.split_once('&').unwrap();
        let sig = percent_encoding::percent_decode_str(sig.strip_prefix("Signature=").unwrap())
            .decode_utf8()
            .unwrap();
        assert_eq!(sig, sign("testsecret", canonical));
        assert!(canonical.starts_with("AccessKeyId=testid&Action=SendSms&Format=JSON&OutId=n-9"));
        assert!(canonical.contains("Timestamp=2026-12-06T14%3A00%3A00Z"));
        assert!(canonical.contains("TemplateParam=%7B%22code%22%3A%22123456%22%7D"));
        assert!(canonical.contains("SignName=%E8%BE%BE"));
        assert_ne!(
            sign("othersecret", canonical),
            sig,
            "the secret is in the signature"
        );
    }
}
