//! Notices that reach people (issue 14 point 4, `docs/notifications.md`): the written notices the
//! workflow issues (补正, 受理, decisions), 民主评议 ballot links and 定期核查 reminders go out as
//! texts (Alibaba Cloud SMS) and WeChat official-account template messages.
//!
//! * `outbox` — every send is an item on the case, written in the workflow's own transaction
//!   before anything is sent: channel, recipient, content, attempts, state.
//! * `sender` — the background task: sends what is pending, retries with backoff, records each
//!   outcome (audited).
//! * `aliyun`, `wechat` — the adapters behind [`Channel`], speaking the providers' HTTP APIs.
//! * `config` — `DATA/notify.toml`: accounts, template ids per kind, retry policy.
//!
//! This module imports nothing of `workflow`: the workflow calls in with plain values.

pub mod aliyun;
pub mod config;
pub mod outbox;
pub mod sender;
pub mod wechat;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The item kind of an outbox record.
pub const NOTIFICATION: &str = "notification";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Sms,
    Wechat,
}

/// What a message is about: a written notice on the case (its kind names which), a ballot link,
/// a periodic-report reminder. Templates are chosen by kind, then by topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Notice,
    Ballot,
    ReportDue,
}

impl Topic {
    /// The template key shared by every kind of the topic.
    pub fn key(self) -> &'static str {
        match self {
            Topic::Notice => "notice",
            Topic::Ballot => "ballot",
            Topic::ReportDue => "report_due",
        }
    }
}

/// One message as an adapter sends it.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The record's id: the provider's idempotency hint where it has one.
    pub id: &'a str,
    /// A phone number (SMS) or an openid (WeChat).
    pub to: &'a str,
    pub topic: Topic,
    pub kind: &'a str,
    /// Template parameters, the link among them (`url`) when there is one.
    pub params: &'a BTreeMap<String, String>,
    /// The page the message opens (WeChat's `url`).
    pub url: Option<&'a str>,
}

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub message: String,
    pub retry: bool,
}

impl SendError {
    pub fn retry(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: true,
        }
    }
    /// Trying again cannot help until the configuration changes (then 重发).
    pub fn fatal(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: false,
        }
    }
}

/// A delivery channel (an adapter over a provider's API).
pub trait Channel: Send + Sync {
    fn kind(&self) -> ChannelKind;
    fn send(&self, msg: &Outgoing) -> Result<(), SendError>;
}

/// Who a case's notices go to: the applicant's phone, the agent's (委托) if any, and a WeChat
/// openid when the case has one — the phone pages do not collect openids yet, so today that
/// is `None` and notices go by SMS.
#[derive(Debug, Clone, Default)]
pub struct Addressee {
    pub case_id: String,
    pub case_no: String,
    pub township: String,
    pub phones: Vec<(Role, String)>,
    pub openid: Option<String>,
}

/// Whom a record is addressed to, as the console says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Agent,
    Representative,
}

impl Addressee {
    /// `applicant` and `agent` phones of a case, each once and only when it looks like a mobile.
    pub fn of_case(
        case_id: &str,
        case_no: &str,
        township: &str,
        applicant: Option<&str>,
        agent: Option<&str>,
    ) -> Self {
        let mut phones: Vec<(Role, String)> = Vec::new();
        for (role, p) in [(Role::Applicant, applicant), (Role::Agent, agent)] {
            let Some(p) = p.map(str::trim).filter(|p| is_mobile(p)) else {
                continue;
            };
            if !phones.iter().any(|(_, q)| q == p) {
                phones.push((role, p.to_string()));
            }
        }
        Self {
            case_id: case_id.into(),
            case_no: case_no.into(),
            township: township.into(),
            phones,
            openid: None,
        }
    }
}

/// A mainland mobile number: 11 digits starting with 1.
pub fn is_mobile(p: &str) -> bool {
    p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit())
}

/// `text` with each `{name}` replaced by its parameter.
pub fn fill(text: &str, params: &BTreeMap<String, String>) -> String {
    params.iter().fold(text.to_string(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_is_addressed_to_each_mobile_once() {
        let a = Addressee::of_case("c", "SQ-1", "t", Some("13800001111"), Some("13800001111"));
        assert_eq!(a.phones.len(), 1, "the agent with the applicant's phone");
        let a = Addressee::of_case("c", "SQ-1", "t", Some("0477-1234"), Some(" 13900002222 "));
        assert_eq!(a.phones, vec![(Role::Agent, "13900002222".to_string())]);
    }

    #[test]
    fn parameters_fill_the_text() {
        let p = BTreeMap::from([("case_no".to_string(), "SQ-1".to_string())]);
        assert_eq!(fill("编号{case_no}，{other}", &p), "编号SQ-1，{other}");
    }
}
