//! The background task that empties the outbox: every `poll_seconds` it claims the records whose
//! time has come, sends each through its channel, and records the outcome (`outbox`).

use super::config::NotifyConfig;
use super::outbox::{self, Notification};
use super::{Channel, ChannelKind, Outgoing, SendError};
use crate::review::text;
use crate::store::{Store, StoreError};
use std::sync::Arc;

/// Longer than a send can take (two HTTP calls of at most 10 s each): a claim outliving its
/// sender lapses after this.
const LEASE_SECONDS: i64 = 120;
/// Records sent per round.
const BATCH: usize = 200;

pub struct Sender {
    store: Arc<dyn Store>,
    cfg: NotifyConfig,
    channels: Vec<Box<dyn Channel>>,
}

impl Sender {
    pub fn new(store: Arc<dyn Store>, cfg: NotifyConfig) -> Self {
        let mut channels: Vec<Box<dyn Channel>> = Vec::new();
        if let Some(s) = &cfg.sms {
            channels.push(Box::new(super::aliyun::SmsChannel::new(s)));
        }
        if let Some(w) = &cfg.wechat {
            channels.push(Box::new(super::wechat::Wechat::new(w.clone())));
        }
        Self {
            store,
            cfg,
            channels,
        }
    }

    fn channel(&self, kind: ChannelKind) -> Option<&dyn Channel> {
        self.channels
            .iter()
            .find(|c| c.kind() == kind)
            .map(|c| c.as_ref())
    }

    fn send(&self, n: &Notification) -> Result<(), SendError> {
        let channel = self
            .channel(n.channel)
            .ok_or_else(|| SendError::fatal(text::NOTIFY_NO_CHANNEL))?;
        let url = n
            .link
            .as_ref()
            .map(|l| format!("{}{l}", self.cfg.public_url.trim_end_matches('/')));
        let mut params = n.params.clone();
        if n.link_secret
            && let Some(url) = &url
        {
            params.insert("url".into(), url.clone());
        }
        channel.send(&Outgoing {
            id: &n.id,
            to: &n.to,
            topic: n.topic,
            kind: &n.kind,
            params: &params,
            url: url.as_deref(),
        })
    }

    /// One round: every due record, claimed, sent and recorded one after the other. Returns
    /// how many were attempted.
    pub fn round(&self, now: impl Fn() -> i64) -> Result<usize, StoreError> {
        let store = self.store.as_ref();
        let due = outbox::due(store, now(), BATCH)?;
        let mut n = 0;
        for d in due {
            let Some(claimed) = outbox::claim(store, &d.id, LEASE_SECONDS, now())? else {
                continue;
            };
            let outcome = self.send(&claimed);
            if let Err(e) = &outcome {
                tracing::warn!(
                    "notification {} ({:?}) not sent: {}",
                    claimed.id,
                    claimed.channel,
                    e.message
                );
            }
            outbox::record(store, &claimed.id, outcome, &self.cfg.retry, now())?;
            n += 1;
        }
        Ok(n)
    }
}

/// Start the sender on its own connection to the store. Without `DATA/notify.toml` nothing is
/// started: records stay 待发送 and the console says no channel is configured.
pub fn spawn(store: Arc<dyn Store>, cfg: Option<NotifyConfig>) {
    let Some(cfg) = cfg else {
        tracing::warn!(
            "notices are recorded but not sent: no {} in the data directory",
            super::config::CONFIG_FILE
        );
        return;
    };
    let every = std::time::Duration::from_secs(cfg.poll_seconds);
    let sender = Arc::new(Sender::new(store, cfg));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let s = sender.clone();
            match tokio::task::spawn_blocking(move || s.round(crate::clock::now)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!("sending notifications failed: {e}"),
                Err(e) => tracing::warn!("the notification sender panicked: {e}"),
            }
        }
    });
}
