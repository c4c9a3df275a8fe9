//! The applicant's phone pages' API (`/api/applicant`, docs/workflow-api.md): sign-in by phone
//! number and one-time code, the application with its materials and signatures, the status page
//! with every notice, and periodic reports. An applicant reaches only the cases of their phone.

use crate::clock::{now, today};
use crate::console::workflow::{image_response, load_config, pdf_response};
use crate::console::{ApiResult, ConsoleError, blocking};
use crate::http::AppState;
use crate::store::Item;
use crate::workflow::flow::{APPLICANT_SESSION, Application, Flow, OTP, OTP_ADDRESS};
use crate::workflow::flows::{self, in_txn};
use crate::workflow::reviews::ReportInput;
use crate::workflow::{Who, WorkflowError, applications, mask_phone, notices};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::workflow::{Role, State as WfState};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const COOKIE: &str = "jiuzhu_applicant";
const SESSION_TTL_S: i64 = 8 * 3600;
const CODE_TTL_S: i64 = 600;
const CODE_INTERVAL_S: i64 = 60;
const CODE_TRIES: u32 = 5;
/// Codes one network address may ask for in `CODE_WINDOW_S`: a cap on SMS sent to many numbers
/// from one place (each number is also limited to one code a minute).
const CODES_PER_ADDRESS: usize = 10;
const CODE_WINDOW_S: i64 = 600;

/// Transitions whose reason the applicant is told (written reasons the rules require).
const REASONS_FOR_APPLICANT: &[jiuzhu_shared::workflow::Action] = {
    use jiuzhu_shared::workflow::Action::*;
    &[
        Reject,
        Stop,
        Terminate,
        NotifyCheckFailed,
        CloseIneligible,
        RequestSupplement,
    ]
};

/// Where one-time codes go. Development logs them; an SMS gateway implements this later.
pub trait CodeSender: Send + Sync {
    fn send(&self, phone: &str, code: &str) -> Result<(), String>;
}

/// Logs the code (target `otp`): for development and tests, never for production.
pub struct LogSender;

impl CodeSender for LogSender {
    fn send(&self, phone: &str, code: &str) -> Result<(), String> {
        tracing::info!(target: "otp", "one-time code for {phone}: {code}");
        Ok(())
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/code", post(send_code))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/townships", get(townships))
        .route("/cases", post(create))
        .route("/cases/{id}", get(case).put(update))
        .route("/cases/{id}/materials", post(material_upload))
        .route("/cases/{id}/sign", post(sign))
        .route("/cases/{id}/submit", post(submit))
        .route("/cases/{id}/reports", post(report))
        .route("/materials/{id}", get(material))
        .route("/notices/{file}", get(notice_pdf))
}

fn err(status: StatusCode, code: &'static str, message: &str) -> ConsoleError {
    ConsoleError::new(status, code, message)
}

fn valid_phone(p: &str) -> bool {
    p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Serialize, Deserialize)]
struct OtpState {
    code_hash: String,
    sent_at: i64,
    tries: u32,
}

#[derive(Deserialize)]
struct CodeBody {
    phone: String,
}

/// The client's network address, when the server was started with connection info.
pub struct ClientAddr(Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Count a code request from `addr`; false when the address has used up its allowance.
fn allow_address(st: &AppState, addr: Option<std::net::IpAddr>, now: i64) -> ApiResult<bool> {
    let Some(addr) = addr else { return Ok(true) };
    let id = addr.to_string();
    Ok(in_txn(st.store.as_ref(), &mut |txn| {
        let mut times: Vec<i64> = txn
            .item(OTP_ADDRESS, &id)?
            .and_then(|i| serde_json::from_value(i.body).ok())
            .unwrap_or_default();
        times.retain(|t| now - t < CODE_WINDOW_S);
        if times.len() >= CODES_PER_ADDRESS {
            return Ok(false);
        }
        times.push(now);
        txn.put_item(&Item {
            kind: OTP_ADDRESS.into(),
            id: id.clone(),
            case_id: None,
            body: json!(times),
            at: now,
        })?;
        Ok(true)
    })?)
}

async fn send_code(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(b): Json<CodeBody>,
) -> ApiResult {
    blocking(move || {
        let phone = b.phone.trim().to_string();
        if !valid_phone(&phone) {
            return Err(ConsoleError::invalid("请输入11位手机号码"));
        }
        if !allow_address(&st, addr, now())? {
            return Err(err(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_codes",
                "验证码请求过于频繁，请10分钟后再试",
            ));
        }
        let now = now();
        if let Some(item) = st.store.item(OTP, &phone)? {
            let s: OtpState = serde_json::from_value(item.body)
                .map_err(|_| ConsoleError::invalid("bad state"))?;
            if now - s.sent_at < CODE_INTERVAL_S {
                return Err(err(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_soon",
                    "验证码已发送，请1分钟后再试",
                ));
            }
        }
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
        let state = OtpState {
            code_hash: crate::auth::hash(&format!("{phone}:{code}")),
            sent_at: now,
            tries: 0,
        };
        in_txn(st.store.as_ref(), &mut |txn| {
            txn.put_item(&Item {
                kind: OTP.into(),
                id: phone.clone(),
                case_id: None,
                body: json!(state),
                at: now,
            })?;
            Ok(())
        })?;
        st.codes.send(&phone, &code).map_err(|e| {
            err(
                StatusCode::BAD_GATEWAY,
                "code_not_sent",
                &format!("验证码发送失败，请稍后再试（{e}）"),
            )
        })?;
        Ok(Json(json!({ "sent": true, "expires_in": CODE_TTL_S })))
    })
    .await
}

#[derive(Deserialize)]
struct LoginBody {
    phone: String,
    code: String,
}

async fn login(State(st): State<AppState>, Json(b): Json<LoginBody>) -> ApiResult<Response> {
    blocking(move || {
        let phone = b.phone.trim().to_string();
        let now = now();
        let invalid = || {
            err(
                StatusCode::UNAUTHORIZED,
                "code_invalid",
                "验证码不正确或已过期，请重新获取",
            )
        };
        let ok = in_txn(st.store.as_ref(), &mut |txn| {
            let Some(item) = txn.item(OTP, &phone)? else {
                return Ok(false);
            };
            let mut s: OtpState = serde_json::from_value(item.body)
                .map_err(|e| WorkflowError::Invalid(e.to_string()))?;
            if now - s.sent_at > CODE_TTL_S || s.tries >= CODE_TRIES {
                txn.delete_item(OTP, &phone)?;
                return Ok(false);
            }
            if crate::auth::hash(&format!("{phone}:{}", b.code.trim())) != s.code_hash {
                s.tries += 1;
                txn.put_item(&Item {
                    kind: OTP.into(),
                    id: phone.clone(),
                    case_id: None,
                    body: json!(s),
                    at: now,
                })?;
                return Ok(false);
            }
            // One-time: spent on success.
            txn.delete_item(OTP, &phone)?;
            Ok(true)
        })?;
        if !ok {
            st.store.audit(&crate::audit::AuditEvent::new(
                now,
                format!("applicant {}", mask_phone(&phone)),
                "login_failed",
                None,
                json!({}),
            ))?;
            return Err(invalid());
        }
        let token = crate::auth::new_token();
        in_txn(st.store.as_ref(), &mut |txn| {
            txn.put_item(&Item {
                kind: APPLICANT_SESSION.into(),
                id: crate::auth::hash(&token),
                case_id: None,
                body: json!({ "phone": phone, "expires_at": now + SESSION_TTL_S }),
                at: now,
            })?;
            Ok(())
        })?;
        st.store.audit(&crate::audit::AuditEvent::new(
            now,
            format!("applicant {}", mask_phone(&phone)),
            "login",
            None,
            json!({}),
        ))?;
        let cookie = format!(
            "{COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={SESSION_TTL_S}"
        );
        Ok((
            [(header::SET_COOKIE, cookie)],
            Json(json!({ "phone": phone })),
        )
            .into_response())
    })
    .await
}

async fn logout(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = crate::http::cookie(&headers, COOKIE) {
        let store = st.store.clone();
        blocking(move || {
            in_txn(store.as_ref(), &mut |txn| {
                Ok(txn.delete_item(APPLICANT_SESSION, &crate::auth::hash(&token))?)
            })?;
            Ok(())
        })
        .await?;
    }
    let cookie = format!("{COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({}))).into_response())
}

/// A signed-in applicant (their phone number).
pub struct Applicant(pub String);

impl FromRequestParts<AppState> for Applicant {
    type Rejection = ConsoleError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ConsoleError> {
        let not_signed_in = || {
            err(
                StatusCode::UNAUTHORIZED,
                "not_signed_in",
                "请先用手机号码和验证码登录",
            )
        };
        let token = crate::http::cookie(&parts.headers, COOKIE).ok_or_else(not_signed_in)?;
        let store = st.store.clone();
        let phone = blocking(move || {
            let Some(item) = store.item(APPLICANT_SESSION, &crate::auth::hash(&token))? else {
                return Ok(None);
            };
            let live = item.body["expires_at"].as_i64().is_some_and(|t| t > now());
            Ok(live
                .then(|| item.body["phone"].as_str().map(str::to_string))
                .flatten())
        })
        .await?;
        phone.map(Applicant).ok_or_else(not_signed_in)
    }
}

impl Applicant {
    fn who(&self, st: &AppState) -> ApiResult<Who> {
        Ok(Who {
            name: format!("申请人 {}", mask_phone(&self.0)),
            role: Role::Applicant,
            actor: st.store.server_actor()?,
            audit: format!("applicant {}", mask_phone(&self.0)),
        })
    }
}

fn summary(f: &Flow, store: &dyn crate::store::Store) -> Value {
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

async fn me(State(st): State<AppState>, a: Applicant) -> ApiResult {
    blocking(move || {
        let store = st.store.as_ref();
        let cases: Vec<Value> = flows::all_flows(store)?
            .iter()
            .filter(|f| f.phone.as_deref() == Some(a.0.as_str()))
            .rev()
            .map(|f| summary(f, store))
            .collect();
        Ok(Json(json!({ "phone": a.0, "cases": cases })))
    })
    .await
}

async fn townships(State(st): State<AppState>) -> ApiResult {
    blocking(move || {
        let mut t: Vec<String> = st
            .store
            .list_users()?
            .into_iter()
            .filter(|u| u.role == Role::Caseworker)
            .map(|u| u.township)
            .collect();
        t.sort();
        t.dedup();
        Ok(Json(json!({ "townships": t })))
    })
    .await
}

fn not_found() -> ConsoleError {
    err(StatusCode::NOT_FOUND, "not_found", "没有找到这份申请")
}

/// The case id of a path. Changes need no more: `workflow::applications` checks, inside its
/// transaction, that the case belongs to the signed-in phone.
fn case_id(id: &str) -> ApiResult<CaseId> {
    id.parse().map_err(|_| not_found())
}

/// The applicant's own case, for reading (404 for anybody else's, without telling which).
fn own_flow(st: &AppState, a: &Applicant, id: &str) -> ApiResult<Flow> {
    flows::flow_of(st.store.as_ref(), case_id(id)?)?
        .filter(|f| f.phone.as_deref() == Some(a.0.as_str()))
        .ok_or_else(not_found)
}

/// The `ApplicantCase` answer.
fn case_json(st: &AppState, f: &Flow) -> ApiResult {
    let store = st.store.as_ref();
    let case: CaseId = f.case_id.parse().map_err(|_| ConsoleError::not_found())?;
    let timeline: Vec<Value> = flows::records(store, case)?
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
    let editable = matches!(f.state, WfState::Draft | WfState::NeedsSupplement);
    let signed =
        json!({"promise": f.facts.signed("promise"), "consent": f.consent_complete(today())});
    let can_submit = match f.state {
        WfState::Draft => f.facts.signed("promise") && f.consent_complete(today()),
        WfState::NeedsSupplement => f.facts.supplement_provided,
        _ => false,
    };
    let decision = f.facts.decision.as_ref();
    Ok(Json(json!({
        "case_id": f.case_id, "case_no": f.case_no, "state": f.state, "state_zh": f.state.zh(),
        "programme": f.programme, "programme_zh": f.programme.zh(), "kind": f.kind,
        "application": f.application, "materials": materials, "signed": signed,
        "consent_pending": f.consent_pending(today()),
        "consent_signers": f.facts.signatures.iter().filter(|s| s.document == "consent").map(|s| s.signer.clone()).collect::<Vec<_>>(),
        "missing_items": if f.state == WfState::NeedsSupplement { f.facts.missing_items.clone() } else { vec![] },
        "editable": editable, "can_submit": can_submit, "can_report": f.state == WfState::Active,
        "timeline": timeline, "notices": notices,
        "amount_fen": decision.map(|d| d.amount_fen), "start_month": decision.map(|d| d.start_month.clone()),
    })))
}

async fn case(State(st): State<AppState>, a: Applicant, Path(id): Path<String>) -> ApiResult {
    blocking(move || {
        let f = own_flow(&st, &a, &id)?;
        case_json(&st, &f)
    })
    .await
}

async fn create(
    State(st): State<AppState>,
    a: Applicant,
    Json(app): Json<Application>,
) -> ApiResult {
    blocking(move || {
        let f = applications::create(st.store.as_ref(), &a.0, &app, now())?;
        case_json(&st, &f)
    })
    .await
}

async fn update(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Json(app): Json<Application>,
) -> ApiResult {
    blocking(move || {
        let case = case_id(&id)?;
        let f = applications::update(st.store.as_ref(), case, &a.0, &app, now())?;
        case_json(&st, &f)
    })
    .await
}

#[derive(Deserialize)]
struct MaterialQuery {
    kind: String,
    #[serde(default)]
    name: String,
}

async fn material_upload(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Query(q): Query<MaterialQuery>,
    body: Bytes,
) -> ApiResult {
    blocking(move || {
        let case = case_id(&id)?;
        let f = applications::add_material(
            st.store.as_ref(),
            &st.blobs,
            case,
            &a.0,
            applications::Upload {
                kind: &q.kind,
                name: &q.name,
                bytes: &body,
            },
            now(),
        )?;
        case_json(&st, &f)
    })
    .await
}

#[derive(Deserialize)]
struct SignBody {
    document: String,
    signer: String,
    image: String,
}

async fn sign(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Json(b): Json<SignBody>,
) -> ApiResult {
    blocking(move || {
        let case = case_id(&id)?;
        let f = applications::sign(
            st.store.as_ref(),
            &st.blobs,
            case,
            &a.0,
            applications::Signing {
                document: &b.document,
                signer: &b.signer,
                image: &b.image,
            },
            now(),
        )?;
        case_json(&st, &f)
    })
    .await
}

async fn submit(State(st): State<AppState>, a: Applicant, Path(id): Path<String>) -> ApiResult {
    blocking(move || {
        let case = case_id(&id)?;
        let config = load_config(&st)?;
        let f = applications::submit(st.store.as_ref(), &config, case, &a.0, &a.who(&st)?, now())?;
        case_json(&st, &f)
    })
    .await
}

async fn report(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Json(b): Json<ReportInput>,
) -> ApiResult {
    blocking(move || {
        let case = case_id(&id)?;
        let config = load_config(&st)?;
        let (report_id, review) = crate::workflow::reviews::submit_report(
            st.store.as_ref(),
            &config,
            case,
            &a.0,
            &b,
            &a.who(&st)?,
            now(),
        )?;
        let f = own_flow(&st, &a, &id)?;
        let case = case_json(&st, &f)?.0;
        Ok(Json(
            json!({ "report_id": report_id, "review_case_no": review, "case": case }),
        ))
    })
    .await
}

async fn material(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let Some((case, m)) = applications::material(st.store.as_ref(), &id)? else {
            return Err(ConsoleError::not_found());
        };
        own_flow(&st, &a, &case)?;
        image_response(&st, &m.hash)
    })
    .await
}

async fn notice_pdf(
    State(st): State<AppState>,
    a: Applicant,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let id = file.strip_suffix(".pdf").unwrap_or(&file);
        let n = notices::get(st.store.as_ref(), id).map_err(|_| ConsoleError::not_found())?;
        own_flow(&st, &a, &n.case_id)?;
        Ok(pdf_response(notices::pdf(&n)?, &n.kind))
    })
    .await
}
