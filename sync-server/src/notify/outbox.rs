//! The outbox: each message to one recipient over one channel is an item (`notification`) on its
//! case — written in the transaction of the workflow step that calls for it, so a notice issued
//! is a message to send, and nothing is sent that was not first recorded. The sender claims a
//! record (an attempt marked 发送中, committed) before it calls the provider and records the
//! outcome after: a crash between the two leaves the attempt 结果未知 and the record is sent again
//! — at worst a message arrives twice (the provider sees the same id: SMS `OutId`, WeChat
//! `client_msg_id`).

use super::config::Retry;
use super::{Addressee, ChannelKind, NOTIFICATION, Role, Topic, fill};
use crate::audit::AuditEvent;
use crate::review::text;
use crate::store::{DocTxn, Item, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Pending,
    Sent,
    /// Attempts exhausted, or a failure retrying cannot mend: 重发 puts it back.
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Claimed, the provider being called (committed before the call).
    Sending,
    Sent,
    Error,
    /// The server stopped while sending: the provider may have delivered it.
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: i64,
    pub outcome: Outcome,
    #[serde(default)]
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    /// The case (none for a ballot link, which concerns a meeting's cases).
    pub case_id: Option<String>,
    pub case_no: String,
    pub township: String,
    /// Ballot links: the meeting.
    #[serde(default)]
    pub meeting: Option<String>,
    pub topic: Topic,
    /// The notice's kind (`supplement`, `approval`, …), or the topic's key.
    pub kind: String,
    /// The notice's title, or what the message is, for the console.
    pub title: String,
    pub channel: ChannelKind,
    pub role: Role,
    /// The phone number or openid, whole: needed to send. The console masks it.
    pub to: String,
    pub params: BTreeMap<String, String>,
    /// The page the message links to, joined to `public_url` when sent. A ballot link carries
    /// the representative's credential: dropped once sent (`link_secret`).
    pub link: Option<String>,
    #[serde(default)]
    pub link_secret: bool,
    /// What the message says (a ballot link shown as a placeholder).
    pub text: String,
    pub state: State,
    pub attempts: Vec<Attempt>,
    /// Attempts before this index belong to earlier rounds (a 重发 starts a new one).
    #[serde(default)]
    pub round_from: usize,
    pub next_at: i64,
    /// While claimed by a sender (a crashed one's claim lapses).
    #[serde(default)]
    pub claimed_until: Option<i64>,
    pub created_at: i64,
}

impl Notification {
    fn failures_this_round(&self) -> usize {
        self.attempts[self.round_from.min(self.attempts.len())..]
            .iter()
            .filter(|a| a.outcome != Outcome::Sent)
            .count()
    }
}

fn parse(item: Item) -> Result<Notification> {
    serde_json::from_value(item.body)
        .map_err(|e| StoreError::Invalid(format!("stored notification: {e}")))
}

fn put(txn: &mut dyn DocTxn, n: &Notification, now: i64) -> Result<()> {
    let mut body = serde_json::to_value(n).expect("a notification serialises");
    // The store's state index reads `state` as a string.
    body["state"] = json!(match n.state {
        State::Pending => "pending",
        State::Sent => "sent",
        State::Failed => "failed",
    });
    txn.put_item(&Item {
        kind: NOTIFICATION.into(),
        id: n.id.clone(),
        case_id: n.case_id.clone(),
        body,
        at: now,
    })
}

/// What a new record needs beyond its recipient.
struct Message {
    topic: Topic,
    kind: String,
    title: String,
    params: BTreeMap<String, String>,
    link: Option<String>,
    link_secret: bool,
    text: String,
}

fn new_record(
    to: &Addressee,
    meeting: Option<&str>,
    m: &Message,
    (channel, role, address): (ChannelKind, Role, &str),
    now: i64,
) -> Notification {
    Notification {
        id: jiuzhu_shared::CaseId::new().to_string(),
        case_id: (!to.case_id.is_empty()).then(|| to.case_id.clone()),
        case_no: to.case_no.clone(),
        township: to.township.clone(),
        meeting: meeting.map(str::to_string),
        topic: m.topic,
        kind: m.kind.clone(),
        title: m.title.clone(),
        channel,
        role,
        to: address.to_string(),
        params: m.params.clone(),
        link: m.link.clone(),
        link_secret: m.link_secret,
        text: m.text.clone(),
        state: State::Pending,
        attempts: Vec::new(),
        round_from: 0,
        next_at: now,
        claimed_until: None,
        created_at: now,
    }
}

/// One record per phone (SMS) and one for the openid (WeChat), if any.
fn enqueue(
    txn: &mut dyn DocTxn,
    to: &Addressee,
    meeting: Option<&str>,
    m: &Message,
    now: i64,
) -> Result<()> {
    for (role, phone) in &to.phones {
        put(
            txn,
            &new_record(to, meeting, m, (ChannelKind::Sms, *role, phone), now),
            now,
        )?;
    }
    if let Some(openid) = &to.openid {
        let r = new_record(
            to,
            meeting,
            m,
            (ChannelKind::Wechat, Role::Applicant, openid),
            now,
        );
        put(txn, &r, now)?;
    }
    Ok(())
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A written notice was issued on the case (inside the workflow's transaction).
pub fn notice_issued(
    txn: &mut dyn DocTxn,
    to: &Addressee,
    kind: &str,
    title: &str,
    now: i64,
) -> Result<()> {
    let params = params(&[("case_no", &to.case_no), ("title", title)]);
    let m = Message {
        topic: Topic::Notice,
        kind: kind.into(),
        title: title.into(),
        text: fill(text::NOTIFY_NOTICE, &params),
        params,
        link: Some("/m/".into()),
        link_secret: false,
    };
    enqueue(txn, to, None, &m, now)
}

/// A periodic review fell due: the family is asked for its 定期报告.
pub fn report_due(txn: &mut dyn DocTxn, to: &Addressee, due: &str, now: i64) -> Result<()> {
    let params = params(&[("case_no", &to.case_no), ("due", due)]);
    let m = Message {
        topic: Topic::ReportDue,
        kind: Topic::ReportDue.key().into(),
        title: "定期报告提醒".into(),
        text: fill(text::NOTIFY_REPORT_DUE, &params),
        params,
        link: Some("/m/".into()),
        link_secret: false,
    };
    enqueue(txn, to, None, &m, now)
}

/// The meeting a ballot link is for.
pub struct Meeting<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub township: &'a str,
    pub held_on: &'a str,
}

/// A representative's one-time ballot link, to their phone (none given: nothing to send).
pub fn ballot_link(
    txn: &mut dyn DocTxn,
    meeting: &Meeting,
    phone: &str,
    token: &str,
    now: i64,
) -> Result<()> {
    let phone = phone.trim();
    if !super::is_mobile(phone) {
        return Ok(());
    }
    let params = params(&[("meeting", meeting.title), ("held_on", meeting.held_on)]);
    let mut shown = params.clone();
    shown.insert("url".into(), text::NOTIFY_LINK_HIDDEN.into());
    let m = Message {
        topic: Topic::Ballot,
        kind: Topic::Ballot.key().into(),
        title: "民主评议投票链接".into(),
        text: fill(text::NOTIFY_BALLOT, &shown),
        params,
        link: Some(format!("/m/#/vote/{token}")),
        link_secret: true,
    };
    let to = Addressee {
        township: meeting.township.into(),
        phones: vec![(Role::Representative, phone.into())],
        ..Addressee::default()
    };
    enqueue(txn, &to, Some(meeting.id), &m, now)
}

/// The records of a case, and of the ballot links of `meetings` (those the case was reviewed
/// at), oldest first.
pub fn of_case(store: &dyn Store, case_id: &str, meetings: &[String]) -> Result<Vec<Notification>> {
    let mut v: Vec<Notification> = store
        .items(NOTIFICATION, Some(case_id))?
        .into_iter()
        .map(parse)
        .collect::<Result<_>>()?;
    for m in meetings {
        for item in store.items_containing(NOTIFICATION, m)? {
            let n = parse(item)?;
            if n.meeting.as_deref() == Some(m.as_str()) {
                v.push(n);
            }
        }
    }
    v.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(v)
}

/// Records waiting to be sent whose time has come (at most `limit`).
pub fn due(store: &dyn Store, now: i64, limit: usize) -> Result<Vec<Notification>> {
    Ok(store
        .items_in_state(NOTIFICATION, None, &["pending"], limit)?
        .into_iter()
        .map(parse)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|n| n.next_at <= now && n.claimed_until.is_none_or(|c| c <= now))
        .collect())
}

/// A change to one record inside a transaction: `Some` keeps it and is returned.
type Change<'a, T> = dyn FnMut(&mut dyn DocTxn, &mut Notification) -> Result<Option<T>> + 'a;

/// Run `f` on record `id` in one transaction and keep what it leaves.
fn update<T>(store: &dyn Store, id: &str, f: &mut Change<'_, T>, now: i64) -> Result<Option<T>> {
    let mut out = None;
    store.transact(&mut |txn| {
        out = None;
        let Some(item) = txn.item(NOTIFICATION, id)? else {
            return Ok(());
        };
        let mut n = parse(item)?;
        out = f(txn, &mut n)?;
        if out.is_some() {
            put(txn, &n, now)?;
        }
        Ok(())
    })?;
    Ok(out)
}

/// Claim a due record for `lease` seconds (committed before the provider is called). An
/// attempt a crashed sender left 发送中 becomes 结果未知. None: another sender has it, or it is
/// no longer due.
pub fn claim(store: &dyn Store, id: &str, lease: i64, now: i64) -> Result<Option<Notification>> {
    update(
        store,
        id,
        &mut |_, n| {
            if n.state != State::Pending
                || n.next_at > now
                || n.claimed_until.is_some_and(|c| c > now)
            {
                return Ok(None);
            }
            for a in &mut n.attempts {
                if a.outcome == Outcome::Sending {
                    a.outcome = Outcome::Interrupted;
                    a.error = text::NOTIFY_INTERRUPTED.into();
                }
            }
            n.attempts.push(Attempt {
                at: now,
                outcome: Outcome::Sending,
                error: String::new(),
            });
            n.claimed_until = Some(now + lease);
            Ok(Some(n.clone()))
        },
        now,
    )
}

/// Record the outcome of the attempt claimed: sent; or failed, to be tried again after the
/// policy's delay, or for good when the attempts are spent or retrying cannot help. Audited.
pub fn record(
    store: &dyn Store,
    id: &str,
    outcome: std::result::Result<(), super::SendError>,
    retry: &Retry,
    now: i64,
) -> Result<Option<Notification>> {
    update(
        store,
        id,
        &mut |txn, n| {
            let Some(last) = n
                .attempts
                .last_mut()
                .filter(|a| a.outcome == Outcome::Sending)
            else {
                return Ok(None);
            };
            last.at = now;
            match &outcome {
                Ok(()) => {
                    last.outcome = Outcome::Sent;
                    n.state = State::Sent;
                    if n.link_secret {
                        n.link = None;
                    }
                }
                Err(e) => {
                    last.outcome = Outcome::Error;
                    last.error = e.message.clone();
                    let failures = n.failures_this_round();
                    if !e.retry || failures >= retry.max_attempts {
                        n.state = State::Failed;
                    } else {
                        n.next_at = now + retry.delay(failures);
                    }
                }
            }
            n.claimed_until = None;
            txn.audit(&AuditEvent::new(
                now,
                "notify",
                "notification",
                n.case_id.clone(),
                json!({
                    "notification": n.id, "channel": n.channel, "kind": n.kind,
                    "attempt": n.attempts.len(), "state": n.state,
                    "error": outcome.as_ref().err().map(|e| e.message.clone()),
                }),
            ))?;
            Ok(Some(n.clone()))
        },
        now,
    )
}

/// Why a 重发 was refused.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("没有这条通知记录")]
    NotFound,
    #[error("只有发送失败的通知可以重发")]
    NotFailed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// 重发: a failed record back to pending with a fresh round of attempts. `in_scope` says whether
/// the caller may act on the record (its case, or a meeting of its case, in their township).
pub fn retry(
    store: &dyn Store,
    id: &str,
    in_scope: &dyn Fn(&Notification) -> bool,
    actor: &str,
    now: i64,
) -> std::result::Result<Notification, RetryError> {
    let mut refused = None;
    let n = update(
        store,
        id,
        &mut |txn, n| {
            if !in_scope(n) {
                refused = Some(RetryError::NotFound);
                return Ok(None);
            }
            if n.state != State::Failed {
                refused = Some(RetryError::NotFailed);
                return Ok(None);
            }
            n.state = State::Pending;
            n.round_from = n.attempts.len();
            n.next_at = now;
            txn.audit(&AuditEvent::new(
                now,
                actor,
                "notification_retry",
                n.case_id.clone(),
                json!({ "notification": n.id, "channel": n.channel, "kind": n.kind }),
            ))?;
            Ok(Some(n.clone()))
        },
        now,
    )?;
    n.ok_or_else(|| refused.unwrap_or(RetryError::NotFound))
}

#[cfg(test)]
mod tests {
    use super::super::SendError;
    use super::*;

    fn store() -> (tempfile::TempDir, std::sync::Arc<dyn Store>) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::DataDir::new(dir.path())
            .unwrap()
            .open_store()
            .unwrap();
        (dir, store)
    }

    fn addressee() -> Addressee {
        Addressee::of_case("case-1", "SQ-1", "树林召镇", Some("13800001111"), None)
    }

    fn enqueue_one(store: &dyn Store, now: i64) -> String {
        store
            .transact(&mut |txn| notice_issued(txn, &addressee(), "acceptance", "受理通知书", now))
            .unwrap();
        due(store, now, 10).unwrap()[0].id.clone()
    }

    #[test]
    fn a_failure_is_retried_after_the_delay_then_fails_for_good_and_resend_starts_again() {
        let (_d, store) = store();
        let store = store.as_ref();
        let policy = Retry {
            max_attempts: 2,
            first_delay_seconds: 30,
            max_delay_seconds: 600,
        };
        let id = enqueue_one(store, 1000);
        let n = claim(store, &id, 60, 1000).unwrap().unwrap();
        assert_eq!(
            n.text,
            "您的社会救助申请（编号SQ-1）有一份受理通知书，请在手机页面“我的申请”中查看。"
        );
        assert!(
            claim(store, &id, 60, 1001).unwrap().is_none(),
            "claimed once"
        );
        let n = record(store, &id, Err(SendError::retry("HTTP 500")), &policy, 1002)
            .unwrap()
            .unwrap();
        assert_eq!((n.state, n.next_at), (State::Pending, 1032));
        assert!(
            due(store, 1031, 10).unwrap().is_empty(),
            "not before the delay"
        );
        claim(store, &id, 60, 1032).unwrap().unwrap();
        let n = record(store, &id, Err(SendError::retry("HTTP 500")), &policy, 1033)
            .unwrap()
            .unwrap();
        assert_eq!(n.state, State::Failed, "two attempts spent");
        assert!(due(store, 99_999, 10).unwrap().is_empty());
        let n = retry(store, &id, &|_| true, "u", 2000).unwrap();
        assert_eq!((n.state, n.round_from), (State::Pending, 2));
        assert!(matches!(
            retry(store, &id, &|_| true, "u", 2000),
            Err(RetryError::NotFailed)
        ));
        claim(store, &id, 60, 2000).unwrap().unwrap();
        let n = record(store, &id, Ok(()), &policy, 2001).unwrap().unwrap();
        assert_eq!(n.state, State::Sent);
        assert_eq!(n.attempts.len(), 3);
    }

    #[test]
    fn an_attempt_cut_by_a_crash_is_marked_unknown_and_sent_again_after_the_lease() {
        let (_d, store) = store();
        let store = store.as_ref();
        let id = enqueue_one(store, 1000);
        claim(store, &id, 60, 1000).unwrap().unwrap();
        assert!(due(store, 1059, 10).unwrap().is_empty(), "the claim holds");
        let n = claim(store, &id, 60, 1060).unwrap().unwrap();
        assert_eq!(n.attempts[0].outcome, Outcome::Interrupted);
        assert_eq!(n.attempts[1].outcome, Outcome::Sending);
    }

    #[test]
    fn a_ballot_link_is_forgotten_once_sent_and_never_shown() {
        let (_d, store) = store();
        let store = store.as_ref();
        let meeting = Meeting {
            id: "m-1",
            title: "第一次评议",
            township: "树林召镇",
            held_on: "2026-12-01",
        };
        store
            .transact(&mut |txn| ballot_link(txn, &meeting, "13900002222", "secret-token", 1000))
            .unwrap();
        let id = due(store, 1000, 10).unwrap()[0].id.clone();
        let n = claim(store, &id, 60, 1000).unwrap().unwrap();
        assert!(!n.text.contains("secret-token"), "{}", n.text);
        assert_eq!(n.link.as_deref(), Some("/m/#/vote/secret-token"));
        let n = record(store, &id, Ok(()), &Retry::default(), 1001)
            .unwrap()
            .unwrap();
        assert_eq!(n.link, None);
        assert_eq!(of_case(store, "other", &["m-1".into()]).unwrap().len(), 1);
        assert!(of_case(store, "other", &[]).unwrap().is_empty());
    }
}
