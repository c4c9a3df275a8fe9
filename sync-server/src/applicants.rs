//! Applicants on the phone pages, without HTTP: one-time codes (issued through a `CodeSender`,
//! stored hashed, limited per phone and per network address, 10 minutes, used once; 5 wrong
//! codes per phone per hour whatever the number of codes), sessions (absolute and idle expiry),
//! the applicant as a workflow actor, and what they see of their own cases. An applicant
//! reaches only the cases of their phone number.

use crate::audit::AuditEvent;
use crate::auth;
use crate::review::text;
use crate::sms::CodeSender;
use crate::store::{Item, Store, StoreError};
use crate::throttle::{Limit, address_key};
use crate::workflow::flow::{APPLICANT_SESSION, Flow, OTP, OTP_ADDRESS};
use crate::workflow::flows::{all_flows, flow_of, in_txn, records};
use crate::workflow::{Who, WorkflowError, applications, mask_phone, notices};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::calendar::add_days;
use jiuzhu_shared::workflow::{Action, Options, Role, State};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::net::IpAddr;

/// A session ends 8 hours after sign-in…
pub const SESSION_TTL_S: i64 = 8 * 3600;
/// …and after 30 minutes without a request (the pages keep unsent form work in the browser).
pub const SESSION_IDLE_S: i64 = 30 * 60;
pub const CODE_TTL_S: i64 = 600;
const CODE_INTERVAL_S: i64 = 60;
/// Codes one network address may ask for: a cap on SMS sent to many numbers from one place
/// (each number is also limited to one code a minute).
const CODES_PER_ADDRESS: Limit = Limit {
    kind: OTP_ADDRESS,
    max: 10,
    window_s: 600,
};
/// Wrong codes per phone, counted across codes: asking for a new code does not give new tries.
const WRONG_CODES: Limit = Limit {
    kind: "otp_wrong",
    max: 5,
    window_s: 3600,
};

/// Transitions whose reason the applicant is told (written reasons the rules require).
const REASONS_FOR_APPLICANT: &[Action] = {
    use Action::*;
    &[
        Reject,
        Stop,
        Terminate,
        NotifyCheckFailed,
        CloseIneligible,
        RequestSupplement,
    ]
};

#[derive(Debug, thiserror::Error)]
pub enum ApplicantError {
    #[error("请输入11位手机号码")]
    InvalidPhone,
    #[error("验证码请求过于频繁，请10分钟后再试")]
    TooManyCodes,
    #[error("验证码已发送，请1分钟后再试")]
    TooSoon,
    #[error("验证码发送失败，请稍后再试（{0}）")]
    NotSent(String),
    #[error("本系统暂未开通短信验证码登录，请到乡镇（苏木）便民服务窗口办理")]
    SignInOff,
    #[error("验证码不正确或已过期，请重新获取")]
    CodeInvalid,
    /// Too many wrong codes for this phone: minutes until it may try again.
    #[error("验证码错误次数过多，请{0}分钟后再试")]
    TooManyTries(i64),
    /// Not this phone's case (or no such case): the same answer either way.
    #[error("没有找到这份申请")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T, E = ApplicantError> = std::result::Result<T, E>;

#[derive(Serialize, Deserialize)]
struct OtpState {
    code_hash: String,
    sent_at: i64,
}

/// Issue a one-time code for `phone` (asked from `addr`) and hand it to `codes`.
pub fn send_code(
    store: &dyn Store,
    codes: &dyn CodeSender,
    phone: &str,
    addr: Option<IpAddr>,
    now: i64,
) -> Result<()> {
    if !codes.enabled() {
        return Err(ApplicantError::SignInOff);
    }
    let phone = phone.trim().to_string();
    if !applications::phone_valid(&phone) {
        return Err(ApplicantError::InvalidPhone);
    }
    tries_left(store, &phone, now)?;
    if CODES_PER_ADDRESS
        .take(store, &address_key(addr), now)?
        .is_some()
    {
        return Err(ApplicantError::TooManyCodes);
    }
    if let Some(item) = store.item(OTP, &phone)? {
        let s: OtpState = serde_json::from_value(item.body)
            .map_err(|_| ApplicantError::Invalid("bad state".into()))?;
        if now - s.sent_at < CODE_INTERVAL_S {
            return Err(ApplicantError::TooSoon);
        }
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    let state = OtpState {
        code_hash: auth::hash(&format!("{phone}:{code}")),
        sent_at: now,
    };
    in_txn(store, &mut |txn| {
        txn.put_item(&Item {
            kind: OTP.into(),
            id: phone.clone(),
            case_id: None,
            body: json!(state),
            at: now,
        })?;
        Ok(())
    })?;
    codes.send(&phone, &code).map_err(ApplicantError::NotSent)
}

/// Refuse a phone that has used up its wrong codes.
fn tries_left(store: &dyn Store, phone: &str, now: i64) -> Result<()> {
    let mut out = None;
    store.transact(&mut |txn| {
        out = WRONG_CODES.full(txn, phone, now)?;
        Ok(())
    })?;
    match out {
        Some(t) => Err(ApplicantError::TooManyTries(t.minutes())),
        None => Ok(()),
    }
}

/// Spend the code: true when it is the phone's live code; a wrong one counts against the
/// phone (checked in the same transaction, so concurrent guesses cannot pass the limit).
fn spend_code(store: &dyn Store, phone: &str, code: &str, now: i64) -> Result<bool> {
    let mut out = Ok(false);
    store.transact(&mut |txn| {
        if let Some(t) = WRONG_CODES.full(txn, phone, now)? {
            out = Err(ApplicantError::TooManyTries(t.minutes()));
            return Ok(());
        }
        let live = txn
            .item(OTP, phone)?
            .and_then(|i| serde_json::from_value::<OtpState>(i.body).ok())
            .filter(|s| now - s.sent_at <= CODE_TTL_S);
        let right =
            live.is_some_and(|s| auth::hash(&format!("{phone}:{}", code.trim())) == s.code_hash);
        if right {
            // One-time: spent on success, and the phone's wrong tries are forgotten.
            txn.delete_item(OTP, phone)?;
            WRONG_CODES.clear(txn, phone)?;
        } else {
            WRONG_CODES.count(txn, phone, now)?;
        }
        out = Ok(right);
        Ok(())
    })?;
    out
}

/// Sign in with a one-time code; returns the phone (trimmed) and a new session's token (only
/// its hash is stored).
pub fn sign_in(store: &dyn Store, phone: &str, code: &str, now: i64) -> Result<(String, String)> {
    let phone = phone.trim().to_string();
    let audit = |action: &str| {
        store.audit(&AuditEvent::new(
            now,
            format!("applicant {}", mask_phone(&phone)),
            action,
            None,
            json!({}),
        ))
    };
    tries_left(store, &phone, now)?;
    if !spend_code(store, &phone, code, now)? {
        audit("login_failed")?;
        return Err(ApplicantError::CodeInvalid);
    }
    let token = auth::new_token();
    in_txn(store, &mut |txn| {
        txn.put_item(&Item {
            kind: APPLICANT_SESSION.into(),
            id: auth::hash(&token),
            case_id: None,
            body: json!({ "phone": phone, "expires_at": now + SESSION_TTL_S }),
            at: now,
        })?;
        Ok(())
    })?;
    audit("login")?;
    Ok((phone, token))
}

pub fn sign_out(store: &dyn Store, token: &str) -> Result<()> {
    in_txn(store, &mut |txn| {
        Ok(txn.delete_item(APPLICANT_SESSION, &auth::hash(token))?)
    })?;
    Ok(())
}

/// The phone of a live session (not expired, used in the last `SESSION_IDLE_S`); this request
/// is its use. The item's time is the last use.
pub fn session_phone(store: &dyn Store, token: &str, now: i64) -> Result<Option<String>> {
    let Some(mut item) = store.item(APPLICANT_SESSION, &auth::hash(token))? else {
        return Ok(None);
    };
    let live =
        item.body["expires_at"].as_i64().is_some_and(|t| t > now) && now - item.at < SESSION_IDLE_S;
    let phone = item.body["phone"].as_str().map(str::to_string);
    // Written at most once a minute: every request would otherwise be a disk write.
    if live && now - item.at > 60 {
        item.at = now;
        store.transact(&mut |txn| txn.put_item(&item))?;
    }
    Ok(phone.filter(|_| live))
}

/// The applicant as the workflow's actor (writing as the server).
pub fn who(store: &dyn Store, phone: &str) -> Result<Who> {
    Ok(Who {
        name: format!("申请人 {}", mask_phone(phone)),
        role: Role::Applicant,
        actor: store.server_actor()?,
        audit: format!("applicant {}", mask_phone(phone)),
    })
}

fn summary(f: &Flow, store: &dyn Store) -> Value {
    let applicant = f
        .application
        .as_ref()
        .map(|a| a.applicant.name.clone())
        .unwrap_or_else(|| {
            f.case_id
                .parse()
                .ok()
                .and_then(|id| store.case_view(id).ok().flatten())
                .map(|v| v.applicant)
                .unwrap_or_default()
        });
    json!({
        "case_id": f.case_id, "case_no": f.case_no, "applicant": applicant,
        "state": f.state, "state_zh": f.state.zh(), "programme": f.programme, "programme_zh": f.programme.zh(),
        "kind": f.kind, "kind_zh": f.kind.zh(), "updated_at": f.entered,
    })
}

/// The phone's cases, newest first.
pub fn cases(store: &dyn Store, phone: &str) -> Result<Vec<Value>> {
    Ok(all_flows(store)?
        .iter()
        .filter(|f| f.followed_by(phone))
        .rev()
        .map(|f| summary(f, store))
        .collect())
}

/// The townships one may apply in: those with a caseworker.
pub fn townships(store: &dyn Store) -> Result<Vec<String>> {
    let mut t: Vec<String> = store
        .list_users()?
        .into_iter()
        .filter(|u| u.role == Role::Caseworker)
        .map(|u| u.township)
        .collect();
    t.sort();
    t.dedup();
    Ok(t)
}

/// The case id of a path. Changes need no more: `workflow::applications` checks, inside its
/// transaction, that the case belongs to the signed-in phone.
pub fn case_id(id: &str) -> Result<CaseId> {
    id.parse().map_err(|_| ApplicantError::NotFound)
}

/// The applicant's own case, for reading (not found for anybody else's, without telling which).
pub fn own_flow(store: &dyn Store, phone: &str, id: &str) -> Result<Flow> {
    flow_of(store, case_id(id)?)?
        .filter(|f| f.followed_by(phone))
        .ok_or(ApplicantError::NotFound)
}

/// The `ApplicantCase` answer.
pub fn case_json(store: &dyn Store, f: &Flow, options: &Options, today: Date) -> Result<Value> {
    let case: CaseId = f
        .case_id
        .parse()
        .map_err(|_| WorkflowError::NotFound(text::NOT_FOUND.into()))?;
    let timeline: Vec<Value> = records(store, case)?
        .into_iter()
        .filter(|r| r.to != r.from)
        .map(|r| {
            // Only reasons addressed to the applicant: an objection's text could identify the
            // neighbour who raised it, and internal conclusions are the township's.
            let reason = r.reason.filter(|_| REASONS_FOR_APPLICANT.contains(&r.action));
            json!({"action": r.action, "zh": r.action.zh(), "state_zh": r.to.zh(), "at": r.at, "reason": reason})
        })
        .collect();
    let notices: Vec<Value> = notices::of_case(store, &f.case_id)?
        .into_iter()
        .map(|n| json!({"id": n.id, "kind": n.kind, "title": n.title, "created_at": n.created_at, "paragraphs": n.paragraphs, "fields": n.fields, "pdf": format!("/api/applicant/notices/{}.pdf", n.id)}))
        .collect();
    let materials: Vec<Value> = applications::materials(store, &f.case_id)?
        .into_iter()
        .map(|m| json!({"id": m.id, "kind": m.kind, "kind_zh": applications::material_zh(&m.kind), "name": m.name, "uploaded_at": m.uploaded_at}))
        .collect();
    let editable = matches!(f.state, State::Draft | State::NeedsSupplement);
    let signed =
        json!({"promise": f.facts.signed("promise"), "consent": f.consent_complete(today)});
    let can_submit = match f.state {
        State::Draft => f.facts.signed("promise") && f.consent_complete(today),
        State::NeedsSupplement => f.facts.supplement_provided,
        _ => false,
    };
    let decision = f.facts.decision.as_ref();
    // 核对不符: what the check found, and until when the applicant may object.
    let checking = f.state == State::CheckFailedNotified;
    let objection_due =
        checking.then(|| add_days(f.entered, i64::from(options.check_objection_days)));
    let check_failed = f
        .facts
        .check_results
        .last()
        .filter(|c| checking && c.ineligible())
        .map(|c| json!({"items": c.items, "note": c.note, "checked_on": c.checked_on}));
    Ok(json!({
        "can_object_to_check": objection_due.is_some_and(|d| today <= d),
        "check_objection_due": objection_due, "check_failed": check_failed,
        "case_id": f.case_id, "case_no": f.case_no, "state": f.state, "state_zh": f.state.zh(),
        "programme": f.programme, "programme_zh": f.programme.zh(), "kind": f.kind,
        "application": f.application, "materials": materials, "signed": signed,
        "consent_pending": f.consent_pending(today),
        "consent_signers": f.facts.signatures.iter().filter(|s| s.document == "consent").map(|s| s.signer.clone()).collect::<Vec<_>>(),
        "missing_items": if f.state == State::NeedsSupplement { f.facts.missing_items.clone() } else { vec![] },
        "editable": editable, "can_submit": can_submit, "can_report": f.state == State::Active,
        "timeline": timeline, "notices": notices,
        "amount_fen": decision.map(|d| d.amount_fen), "start_month": decision.map(|d| d.start_month.clone()),
    }))
}
