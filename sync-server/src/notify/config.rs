//! `DATA/notify.toml` (example: `config/notify.example.toml`): the providers' accounts and base
//! addresses (overridable, so tests point them at local servers), the template of each kind of
//! message, the retry policy. Without the file nothing is sent: each record fails with a reason
//! the console shows, and 重发 sends it once the file exists.

use super::{ChannelKind, Topic};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub const CONFIG_FILE: &str = "notify.toml";

/// The account a deployment sends with (`DATA/sms.toml`, `[sms]` of `DATA/notify.toml`).
#[derive(Debug, Clone)]
pub struct Account {
    /// The API's address; the provider's public endpoint unless a deployment routes through a
    /// government network gateway (or a test points it at a local server).
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// 短信签名, as approved by the provider.
    pub sign_name: String,
    pub region: String,
}

pub fn default_region() -> String {
    "cn-hangzhou".into()
}

impl Account {
    /// What is wrong with the account, in words an operator can act on.
    pub fn problem(&self) -> Option<String> {
        if !(self.endpoint.starts_with("https://") || self.endpoint.starts_with("http://127.0.0.1"))
        {
            return Some(
                "the endpoint must be an https:// address (the request carries a signed credential)"
                    .into(),
            );
        }
        [
            ("access_key_id", &self.access_key_id),
            ("access_key_secret", &self.access_key_secret),
            ("sign_name", &self.sign_name),
        ]
        .into_iter()
        .find(|(_, v)| v.trim().is_empty())
        .map(|(name, _)| format!("{name} is empty"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a valid notification configuration: {message} (see docs/notifications.md)"
    )]
    Invalid { path: String, message: String },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// The address applicants' and representatives' phones open (links in messages).
    #[serde(default)]
    pub public_url: String,
    /// How often the sender looks for pending records.
    #[serde(default = "default_poll")]
    pub poll_seconds: u64,
    #[serde(default)]
    pub retry: Retry,
    pub sms: Option<SmsConfig>,
    pub wechat: Option<WechatConfig>,
}

fn default_poll() -> u64 {
    15
}

/// Attempts per record and the wait between them (doubling from `first_delay_seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retry {
    pub max_attempts: usize,
    pub first_delay_seconds: i64,
    pub max_delay_seconds: i64,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            first_delay_seconds: 60,
            max_delay_seconds: 3600,
        }
    }
}

impl Retry {
    /// The wait after the `n`th failed attempt (1-based).
    pub fn delay(&self, n: usize) -> i64 {
        let doublings = n.saturating_sub(1).min(30) as u32;
        self.first_delay_seconds
            .saturating_mul(1i64 << doublings)
            .min(self.max_delay_seconds)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// Must be "aliyun" (the one adapter so far).
    pub provider: String,
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    pub sign_name: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// Approved template codes by kind (`supplement`, `approval`, …) or topic (`notice`,
    /// `ballot`, `report_due`).
    pub templates: BTreeMap<String, String>,
}

impl SmsConfig {
    pub fn account(&self) -> Account {
        Account {
            endpoint: self.endpoint.clone(),
            access_key_id: self.access_key_id.clone(),
            access_key_secret: self.access_key_secret.clone(),
            sign_name: self.sign_name.clone(),
            region: self.region.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    #[serde(default = "default_wechat_base")]
    pub api_base: String,
    pub appid: String,
    pub secret: String,
    /// Templates by kind or topic, as for SMS.
    pub templates: BTreeMap<String, WechatTemplate>,
}

fn default_wechat_base() -> String {
    "https://api.weixin.qq.com".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatTemplate {
    pub template_id: String,
    /// The template's keys and the parameter each shows (`keyword1 = "case_no"`); without it the
    /// parameters are sent under their own names.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// The template of `kind`, else of its topic.
pub fn template<'a, T>(map: &'a BTreeMap<String, T>, topic: Topic, kind: &str) -> Option<&'a T> {
    map.get(kind).or_else(|| map.get(topic.key()))
}

impl NotifyConfig {
    /// The channels configured.
    pub fn channels(&self) -> Vec<ChannelKind> {
        let mut v = Vec::new();
        if self.sms.is_some() {
            v.push(ChannelKind::Sms);
        }
        if self.wechat.is_some() {
            v.push(ChannelKind::Wechat);
        }
        v
    }
}

/// The configuration in `DATA/notify.toml`, if any.
pub fn load(data: &Path) -> Result<Option<NotifyConfig>, NotifyConfigError> {
    let path = data.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(NotifyConfigError::Read {
                path: path.display().to_string(),
                source,
            });
        }
    };
    parse(&text)
        .map(Some)
        .map_err(|message| NotifyConfigError::Invalid {
            path: path.display().to_string(),
            message,
        })
}

fn parse(text: &str) -> Result<NotifyConfig, String> {
    let cfg: NotifyConfig = toml::from_str(text).map_err(|e| e.to_string())?;
    if let Some(s) = &cfg.sms {
        if s.provider != "aliyun" {
            return Err(format!(
                "unknown SMS provider \"{}\" (supported: aliyun)",
                s.provider
            ));
        }
        if let Some(p) = s.account().problem() {
            return Err(format!("[sms] {p}"));
        }
    }
    if let Some(w) = &cfg.wechat {
        if !(w.api_base.starts_with("https://") || w.api_base.starts_with("http://127.0.0.1")) {
            return Err("[wechat] api_base must be an https:// address".into());
        }
        if w.appid.trim().is_empty() || w.secret.trim().is_empty() {
            return Err("[wechat] appid and secret are required".into());
        }
    }
    if cfg.retry.max_attempts == 0 || cfg.retry.first_delay_seconds < 0 {
        return Err("[retry] needs max_attempts ≥ 1 and a delay ≥ 0".into());
    }
    if cfg.poll_seconds == 0 {
        return Err("poll_seconds must be at least 1".into());
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_and_backoff_doubles_up_to_its_cap() {
        let text = include_str!("../../../config/notify.example.toml");
        let cfg = parse(text).expect("the example is valid");
        assert_eq!(cfg.channels(), vec![ChannelKind::Sms, ChannelKind::Wechat]);
        let sms = cfg.sms.as_ref().unwrap();
        assert!(template(&sms.templates, Topic::Notice, "approval").is_some());
        let r = Retry {
            max_attempts: 5,
            first_delay_seconds: 60,
            max_delay_seconds: 200,
        };
        assert_eq!(
            (r.delay(1), r.delay(2), r.delay(3), r.delay(9)),
            (60, 120, 200, 200)
        );
    }

    #[test]
    fn a_bad_configuration_says_what_is_wrong() {
        let e = parse("[sms]\nprovider = \"other\"\nendpoint = \"https://x/\"\naccess_key_id = \"a\"\naccess_key_secret = \"b\"\nsign_name = \"c\"\ntemplates = {}\n").unwrap_err();
        assert!(e.contains("unknown SMS provider"), "{e}");
        let e = parse("[wechat]\napi_base = \"http://wx.example\"\nappid = \"a\"\nsecret = \"b\"\ntemplates = {}\n").unwrap_err();
        assert!(e.contains("https://"), "{e}");
        let e = parse("[retry]\nmax_attempts = 0\n").unwrap_err();
        assert!(e.contains("max_attempts"), "{e}");
    }
}
