//! Where applicants' one-time codes go. A code is a credential: it is sent, never logged — except
//! by the demonstration server (`serve --demo`), whose codes appear in its own log so a person can
//! try the phone pages without a gateway. A real server sends through the SMS gateway configured in
//! `DATA/sms.toml`; without one it starts, but applicant sign-in stays off (503 `sms_not_configured`).
//!
//! The gateway adapter speaks Alibaba Cloud's SMS API (`SendSms`, RPC style, HMAC-SHA1 signed),
//! the most common provider for government SMS in China; a deployment with another provider adds an
//! adapter beside it.

use crate::notify::aliyun;
use serde::Deserialize;
use std::path::Path;

/// The request signing, shared with the notices' SMS adapter (`notify::aliyun`).
pub use crate::notify::aliyun::sign;

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
    #[serde(default = "aliyun::default_region")]
    pub region: String,
}

impl AliyunConfig {
    fn account(&self) -> aliyun::Account {
        aliyun::Account {
            endpoint: self.endpoint.clone(),
            access_key_id: self.access_key_id.clone(),
            access_key_secret: self.access_key_secret.clone(),
            sign_name: self.sign_name.clone(),
            region: self.region.clone(),
        }
    }
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
    if let Some(problem) = cfg.account().problem() {
        return Err(invalid(problem));
    }
    if cfg.template_code.trim().is_empty() {
        return Err(invalid("template_code is empty".into()));
    }
    Ok(Some(cfg))
}

/// Alibaba Cloud SMS `SendSms` over its HTTP API.
pub struct AliyunSms {
    client: aliyun::Client,
    template_code: String,
}

impl AliyunSms {
    pub fn new(cfg: AliyunConfig) -> Self {
        Self {
            client: aliyun::Client::new(cfg.account()),
            template_code: cfg.template_code,
        }
    }
}

impl CodeSender for AliyunSms {
    fn send(&self, phone: &str, code: &str) -> Result<(), String> {
        let params = serde_json::json!({ "code": code });
        self.client
            .send(&aliyun::Sms {
                phone,
                template_code: &self.template_code,
                params: &params,
                out_id: None,
            })
            .map_err(|e| e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
