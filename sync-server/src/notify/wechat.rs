//! WeChat official-account template messages: an access token from `/cgi-bin/token`, kept until
//! shortly before it expires, then `/cgi-bin/message/template/send`. `errcode` 0 is delivered;
//! 40001, 40014 and 42001 say the token is invalid or expired (another process may have taken a
//! new one): the token is fetched again and the message sent once more.

use super::aliyun::{agent, transport_error};
use super::config::{WechatConfig, template};
use super::{Channel, ChannelKind, Outgoing, SendError};
use crate::review::text;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Wechat {
    cfg: WechatConfig,
    agent: ureq::Agent,
    token: Mutex<Option<(String, Instant)>>,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    expires_in: u64,
}

const TOKEN_INVALID: [i64; 3] = [40001, 40014, 42001];

impl Wechat {
    pub fn new(cfg: WechatConfig) -> Self {
        Self {
            cfg,
            agent: agent(),
            token: Mutex::new(None),
        }
    }

    fn read(
        &self,
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer, SendError> {
        let mut resp = resp.map_err(|e| {
            SendError::retry(format!("WeChat API unreachable: {}", transport_error(&e)))
        })?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| {
                SendError::retry(format!("WeChat answer unreadable: {}", transport_error(&e)))
            })?;
        serde_json::from_str(&body).map_err(|_| {
            SendError::retry(format!(
                "WeChat API answered HTTP {status} without a result"
            ))
        })
    }

    /// The cached token, or a fresh one. The URL carries the secret: errors never show it.
    fn token(&self, fresh: bool) -> Result<String, SendError> {
        let mut cached = self.token.lock().expect("token lock");
        if !fresh
            && let Some((t, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(t.clone());
        }
        let url = format!(
            "{}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
            self.cfg.api_base.trim_end_matches('/'),
            self.cfg.appid,
            self.cfg.secret
        );
        let a = self.read(self.agent.get(&url).call())?;
        if a.errcode != 0 || a.access_token.is_empty() {
            return Err(SendError::retry(format!(
                "WeChat token refused: {} {}",
                a.errcode, a.errmsg
            )));
        }
        // A minute's margin: a token used as it expires fails the send.
        let until = Instant::now() + Duration::from_secs(a.expires_in.saturating_sub(60).max(1));
        *cached = Some((a.access_token.clone(), until));
        Ok(a.access_token)
    }

    fn post(&self, token: &str, body: &Value) -> Result<Answer, SendError> {
        let url = format!(
            "{}/cgi-bin/message/template/send?access_token={token}",
            self.cfg.api_base.trim_end_matches('/')
        );
        self.read(
            self.agent
                .post(&url)
                .header("content-type", "application/json")
                .send(body.to_string()),
        )
    }
}

/// The template message's body: `data` maps the template's keys to the parameters they show.
pub fn body(
    template_id: &str,
    fields: &std::collections::BTreeMap<String, String>,
    msg: &Outgoing,
) -> Value {
    let data: serde_json::Map<String, Value> = if fields.is_empty() {
        msg.params
            .iter()
            .map(|(k, v)| (k.clone(), json!({ "value": v })))
            .collect()
    } else {
        fields
            .iter()
            .map(|(key, param)| {
                let v = msg.params.get(param).cloned().unwrap_or_default();
                (key.clone(), json!({ "value": v }))
            })
            .collect()
    };
    let mut b = json!({
        "touser": msg.to,
        "template_id": template_id,
        "data": data,
        // The API's guard against a repeated send (same user and id within minutes).
        "client_msg_id": msg.id,
    });
    if let Some(url) = msg.url {
        b["url"] = json!(url);
    }
    b
}

impl Channel for Wechat {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Wechat
    }

    fn send(&self, msg: &Outgoing) -> Result<(), SendError> {
        let t = template(&self.cfg.templates, msg.topic, msg.kind)
            .ok_or_else(|| SendError::fatal(text::NOTIFY_NO_TEMPLATE))?;
        let body = body(&t.template_id, &t.fields, msg);
        let mut answer = self.post(&self.token(false)?, &body)?;
        if TOKEN_INVALID.contains(&answer.errcode) {
            answer = self.post(&self.token(true)?, &body)?;
        }
        if answer.errcode == 0 {
            Ok(())
        } else {
            Err(SendError::retry(format!(
                "WeChat refused: {} {}",
                answer.errcode, answer.errmsg
            )))
        }
    }
}
