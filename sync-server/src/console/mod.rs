//! The township review console's HTTP API (`/api/console`, contract in docs/console-api.md) and
//! its static web app. Handlers translate between HTTP and the store, admin operations and the
//! pure queue logic; every request is authorised here by role and township scope.

pub mod workflow;

use crate::admin::{self, AdminError};
use crate::audit::AuditEvent;
use crate::auth;
use crate::cases::{self, CaseError, Editor};
use crate::clock::now;
use crate::http::AppState;
use crate::review::queue::{CaseRow, Filter};
use crate::review::{access, export, text};
use crate::store::{StoreError, User};
use crate::sync_engine::write_server_change;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiuzhu_shared::schema::ReviewNote;
use jiuzhu_shared::workflow::Role;
use jiuzhu_shared::{BlobHash, CaseId, DeviceId};
use serde::Deserialize;
use serde_json::{Value, json};

const SESSION_COOKIE: &str = "jiuzhu_session";
const SESSION_TTL_S: i64 = 8 * 3600;
const LOCKOUT_WINDOW_S: i64 = 15 * 60;
const LOCKOUT_FAILURES: usize = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/version", get(version))
        .route("/cases", get(cases))
        .route("/cases/{id}", get(case_detail))
        .route("/cases/{id}/history", get(history))
        .route("/cases/{id}/audit", get(case_audit))
        .route("/cases/{id}/proposal", get(proposal))
        .route("/cases/{id}/resolve", post(resolve))
        .route("/cases/{id}/assign", post(assign))
        .route("/cases/{id}/return", post(return_case))
        .route("/cases/{id}/accept", post(accept))
        .route("/blobs/{hash}", get(blob))
        .route("/investigators", get(investigators))
        .route("/devices", get(devices))
        .route("/devices/{id}/revoke", post(revoke))
        .route("/enroll-codes", post(enroll_code))
        .route("/export/queue.xlsx", get(export_queue))
        .merge(workflow::router())
}

#[derive(Debug)]
pub struct ConsoleError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ConsoleError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", text::NOT_FOUND)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, "{}", self.message);
        }
        (
            self.status,
            Json(json!({"code": self.code, "message": self.message})),
        )
            .into_response()
    }
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "storage",
            format!("服务器存储出错：{e}"),
        )
    }
}

impl From<CaseError> for ConsoleError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NoCase(_) => Self::not_found(),
            CaseError::Store(s) => s.into(),
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<AdminError> for ConsoleError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Store(s) => s.into(),
            AdminError::Case(c) => c.into(),
            other => Self::invalid(other.to_string()),
        }
    }
}

pub type ApiResult<T = Json<Value>> = Result<T, ConsoleError>;

pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ConsoleError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("worker failed: {e}"),
        )
    })?
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    crate::http::cookie(headers, SESSION_COOKIE)
}

/// A signed-in console user (caseworker, township lead or admin).
pub struct ConsoleUser(pub User);

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = ConsoleError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ConsoleError> {
        let not_signed_in = || {
            ConsoleError::new(
                StatusCode::UNAUTHORIZED,
                "not_signed_in",
                text::NOT_SIGNED_IN,
            )
        };
        let token = session_token(&parts.headers).ok_or_else(not_signed_in)?;
        let store = st.store.clone();
        let user = blocking(move || Ok(store.session_user(&auth::hash(&token), now())?)).await?;
        user.map(ConsoleUser).ok_or_else(not_signed_in)
    }
}

impl ConsoleUser {
    fn label(&self) -> String {
        format!("console {}", self.0.name)
    }

    /// Record a PII view or export in the audit chain.
    fn audit(
        &self,
        st: &AppState,
        action: &str,
        case: Option<CaseId>,
        detail: Value,
    ) -> ApiResult<()> {
        Ok(st.store.audit(&AuditEvent::new(
            now(),
            self.label(),
            action,
            case.map(|c| c.to_string()),
            detail,
        ))?)
    }

    fn sees(&self, township: &str) -> bool {
        access::sees(&self.0, township)
    }

    /// Refuse (403) an action the user's role may not take.
    fn may(&self, action: access::Action) -> ApiResult<()> {
        if access::allowed(self.0.role, action) {
            Ok(())
        } else {
            Err(ConsoleError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                text::FORBIDDEN,
            ))
        }
    }
}

fn can_sign_in(role: Role) -> bool {
    access::allowed(role, access::Action::SignIn)
}

#[derive(Deserialize)]
struct LoginBody {
    name: String,
    password: String,
}

async fn login(State(st): State<AppState>, Json(body): Json<LoginBody>) -> ApiResult<Response> {
    let store = st.store.clone();
    blocking(move || {
        let now = now();
        let name = body.name.trim().to_string();
        if store.login_failures_since(&name, now - LOCKOUT_WINDOW_S)? >= LOCKOUT_FAILURES {
            return Err(ConsoleError::new(StatusCode::TOO_MANY_REQUESTS, "locked", text::LOCKED));
        }
        let user = store.user_by_name(&name)?.filter(|u| can_sign_in(u.role));
        let hash = match &user {
            Some(u) => store.password_hash(u.id)?,
            None => None,
        };
        // Verify even when the user is unknown so timing does not tell which names exist.
        let ok = auth::verify_password(&body.password, hash.as_deref().unwrap_or_else(|| dummy_hash())) && hash.is_some();
        let Some(user) = user.filter(|_| ok) else {
            store.record_login_failure(&name, now)?;
            store.audit(&AuditEvent::new(now, format!("console {name}"), "login_failed", None, json!({})))?;
            return Err(ConsoleError::new(StatusCode::UNAUTHORIZED, "login_failed", text::LOGIN_FAILED));
        };
        store.clear_login_failures(&name)?;
        store.audit(&AuditEvent::new(now, format!("console {name}"), "login", None, json!({})))?;
        let token = auth::new_token();
        store.create_session(&auth::hash(&token), user.id, now + SESSION_TTL_S)?;
        let cookie = format!("{SESSION_COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={SESSION_TTL_S}");
        Ok(([(header::SET_COOKIE, cookie)], Json(json!({ "user": user }))).into_response())
    })
    .await
}

/// An argon2 hash of a random string: verifying against it costs what a real check costs.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::new_token()))
}

async fn logout(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = session_token(&headers) {
        let store = st.store.clone();
        blocking(move || Ok(store.delete_session(&auth::hash(&token))?)).await?;
    }
    let cookie = format!("{SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({}))).into_response())
}

async fn me(user: ConsoleUser) -> ApiResult {
    Ok(Json(json!({ "user": user.0 })))
}

async fn version(State(st): State<AppState>, _user: ConsoleUser) -> ApiResult {
    let store = st.store.clone();
    let seq = blocking(move || Ok(store.change_seq()?)).await?;
    Ok(Json(json!({ "seq": seq })))
}

/// The rows the user may see.
fn rows_in_scope(st: &AppState, user: &ConsoleUser) -> ApiResult<Vec<CaseRow>> {
    let blobs = st.blobs.clone();
    let present = |h: &str| h.parse::<BlobHash>().is_ok_and(|b| blobs.exists(&b));
    let config = workflow::load_config(st)?;
    let today = jiuzhu_shared::rules::date::Date::in_china(now());
    let flows: std::collections::HashMap<String, crate::workflow::flow::Flow> =
        crate::workflow::flows::all_flows(st.store.as_ref())?
            .into_iter()
            .map(|f| (f.case_id.clone(), f))
            .collect();
    Ok(st
        .store
        .list_cases()?
        .iter()
        .filter(|v| user.sees(&v.township))
        .map(|v| {
            let mut row = CaseRow::from_view(v, present);
            if let Some(f) = flows.get(&v.case_id.to_string()) {
                row.set_workflow(f, crate::workflow::service::next_due(f, &config, today));
            }
            row
        })
        .collect())
}

async fn cases(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(filter): Query<Filter>,
) -> ApiResult {
    blocking(move || {
        let rows = rows_in_scope(&st, &user)?;
        let mut villages: Vec<String> = rows.iter().map(|r| r.village.clone()).collect();
        villages.sort();
        villages.dedup();
        let mut investigators: Vec<String> = rows.iter().flat_map(|r| r.team.clone()).collect();
        investigators.sort();
        investigators.dedup();
        let (cases, counts) = filter.apply(rows);
        Ok(Json(json!({
            "cases": cases, "counts": counts, "villages": villages,
            "investigators": investigators, "seq": st.store.change_seq()?,
        })))
    })
    .await
}

fn parse_case(id: &str) -> ApiResult<CaseId> {
    id.parse().map_err(|_| ConsoleError::not_found())
}

/// The case, if it exists and the user may see it (404 otherwise, without telling which).
fn scoped_case(st: &AppState, user: &ConsoleUser, id: &str) -> ApiResult<CaseId> {
    let case = parse_case(id)?;
    match st.store.case_view(case)? {
        Some(v) if user.sees(&v.township) => Ok(case),
        _ => Err(ConsoleError::not_found()),
    }
}

/// A case in scope that the user's role may act on (404 out of scope, then 403 by role).
fn case_to_decide(st: &AppState, user: &ConsoleUser, id: &str) -> ApiResult<CaseId> {
    let case = scoped_case(st, user, id)?;
    user.may(access::Action::Decide)?;
    Ok(case)
}

fn detail(st: &AppState, user: &ConsoleUser, case: CaseId) -> ApiResult {
    let mut v = cases::export_case(st.store.as_ref(), &st.blobs, case)?;
    if access::masks_id_numbers(user.0.role) {
        access::mask_case_json(&mut v);
    }
    Ok(Json(v))
}

async fn case_detail(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        let case = scoped_case(&st, &user, &id)?;
        user.audit(&st, "view_case", Some(case), json!({}))?;
        detail(&st, &user, case)
    })
    .await
}

async fn history(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        let case = scoped_case(&st, &user, &id)?;
        user.audit(&st, "view_history", Some(case), json!({}))?;
        let mut doc = cases::load_case(st.store.as_ref(), case)?;
        let mut owners = std::collections::HashMap::new();
        let mut changes = Vec::new();
        for m in doc.automerge().get_changes_meta(&[]) {
            let actor = m.actor.to_hex_string();
            if !owners.contains_key(&actor) {
                owners.insert(actor.clone(), st.store.actor_owner(&actor)?);
            }
            changes.push(json!({
                "hash": m.hash.to_string(), "actor": actor, "by": owners[&actor],
                "time": m.timestamp, "message": m.message.map(|c| c.to_string()),
            }));
        }
        changes.sort_by_key(|c| c["time"].as_i64());
        Ok(Json(json!({ "changes": changes })))
    })
    .await
}

/// Write a console user's change into a case document, record it in the workflow and answer
/// with the refreshed detail.
fn console_change(
    st: &AppState,
    user: &ConsoleUser,
    case: CaseId,
    action: &str,
    detail_json: Value,
    change: &mut dyn FnMut(
        &mut jiuzhu_shared::CaseDocument,
        i64,
    ) -> Result<(), jiuzhu_shared::DocError>,
) -> ApiResult {
    let now = now();
    let actor = st.store.user_actor(user.0.id)?;
    let mut failure = None;
    let label = user.label();
    let r = st.store.transact(&mut |txn| {
        write_server_change(txn, case, actor, now, &mut |doc| {
            change(doc, now).inspect_err(|e| failure = Some(e.to_string()))
        })?;
        txn.audit(&AuditEvent::new(
            now,
            label.clone(),
            action,
            Some(case.to_string()),
            detail_json.clone(),
        ))
    });
    if let Some(message) = failure {
        return Err(ConsoleError::invalid(message));
    }
    r?;
    st.store
        .add_workflow(case, action, &user.0.name, now, &detail_json)?;
    detail(st, user, case)
}

#[derive(Deserialize)]
struct ResolveBody {
    path: String,
    value: Value,
}

async fn resolve(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<ResolveBody>,
) -> ApiResult {
    blocking(move || {
        let case = case_to_decide(&st, &user, &id)?;
        let d = json!({ "path": b.path, "value": b.value });
        console_change(&st, &user, case, "resolve", d, &mut |doc, now| {
            doc.resolve(&b.path, &b.value, now)
        })
    })
    .await
}

#[derive(Deserialize)]
struct AssignBody {
    users: Vec<String>,
}

async fn assign(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<AssignBody>,
) -> ApiResult {
    blocking(move || {
        let case = case_to_decide(&st, &user, &id)?;
        let mut team: Vec<String> = b
            .users
            .iter()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect();
        team.sort();
        team.dedup();
        if team.len() < 2 {
            return Err(ConsoleError::invalid(text::TEAM_TOO_SMALL));
        }
        for name in &team {
            let ok = st
                .store
                .user_by_name(name)?
                .is_some_and(|u| u.role == Role::Investigator && user.sees(&u.township));
            if !ok {
                return Err(ConsoleError::invalid(format!(
                    "{name} 不是本乡镇的调查员。"
                )));
            }
        }
        let by = Editor {
            actor: st.store.user_actor(user.0.id)?,
            name: user.0.name.clone(),
            audit: user.label(),
        };
        cases::assign_as(st.store.as_ref(), case, &team, &by, now())?;
        detail(&st, &user, case)
    })
    .await
}

#[derive(Deserialize)]
struct NoteBody {
    path: Option<String>,
    text: String,
}

#[derive(Deserialize)]
struct ReturnBody {
    notes: Vec<NoteBody>,
}

async fn return_case(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<ReturnBody>,
) -> ApiResult {
    blocking(move || {
        let case = case_to_decide(&st, &user, &id)?;
        let notes: Vec<&NoteBody> = b.notes.iter().filter(|n| !n.text.trim().is_empty()).collect();
        if notes.is_empty() {
            return Err(ConsoleError::invalid(text::NOTES_REQUIRED));
        }
        let d = json!({ "notes": notes.iter().map(|n| json!({"path": n.path, "text": n.text})).collect::<Vec<_>>() });
        let by = user.0.name.clone();
        console_change(&st, &user, case, "return", d, &mut |doc, now| {
            doc.update("return for correction", now, |c| {
                for n in &notes {
                    c.review_notes.push(ReviewNote {
                        id: jiuzhu_shared::ids::new_row_id(),
                        path: n.path.clone().filter(|p| !p.trim().is_empty()),
                        text: n.text.trim().to_string(),
                        by: by.clone(),
                        at: Some(now * 1000),
                        ..Default::default()
                    });
                }
                c.header.status = "returned".into();
                Ok(())
            })
        })
    })
    .await
}

#[derive(Deserialize)]
struct AcceptBody {
    #[serde(default)]
    comment: String,
}

async fn accept(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<AcceptBody>,
) -> ApiResult {
    blocking(move || {
        let case = case_to_decide(&st, &user, &id)?;
        console_change(
            &st,
            &user,
            case,
            "accept",
            json!({ "comment": b.comment }),
            &mut |doc, now| {
                doc.update("accept investigation", now, |c| {
                    c.header.status = "investigation_accepted".into();
                    Ok(())
                })
            },
        )
    })
    .await
}

#[derive(Deserialize)]
struct BlobQuery {
    #[serde(default)]
    thumb: Option<String>,
}

async fn blob(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(hash): Path<String>,
    Query(q): Query<BlobQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let h: BlobHash = hash.parse().map_err(|_| ConsoleError::not_found())?;
        let case = st
            .store
            .list_cases()?
            .into_iter()
            .find(|v| user.sees(&v.township) && v.photos.contains(&hash))
            .map(|v| v.case_id);
        let Some(case) = case.filter(|_| st.blobs.exists(&h)) else {
            return Err(ConsoleError::not_found());
        };
        let bytes = if q.thumb.is_some() {
            st.blobs
                .thumbnail(&h)
                .map_err(|_| ConsoleError::not_found())?
        } else {
            user.audit(&st, "view_photo", Some(case), json!({ "hash": hash }))?;
            std::fs::read(st.blobs.path(&h)).map_err(|_| ConsoleError::not_found())?
        };
        // Content-addressed: the bytes behind a hash never change.
        Ok((
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable",
                ),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

async fn investigators(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        let list: Vec<Value> = st
            .store
            .list_users()?
            .into_iter()
            .filter(|u| u.role == Role::Investigator && user.sees(&u.township))
            .map(|u| json!({"name": u.name, "township": u.township}))
            .collect();
        Ok(Json(json!({ "investigators": list })))
    })
    .await
}

fn devices_json(st: &AppState, user: &ConsoleUser) -> ApiResult {
    let views = st.store.list_cases()?;
    let users = st.store.list_users()?;
    let mut out = Vec::new();
    for d in st
        .store
        .list_devices()?
        .into_iter()
        .filter(|d| user.sees(&d.township))
    {
        // Photos taken on this investigator's cases that the server does not hold yet.
        let name = users
            .iter()
            .find(|u| u.id == d.user_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let pending = views
            .iter()
            .filter(|v| v.team.contains(&name))
            .flat_map(|v| v.photos.iter())
            .filter(|h| !h.parse::<BlobHash>().is_ok_and(|b| st.blobs.exists(&b)))
            .count();
        out.push(json!({
            "id": d.id, "name": d.name, "user": d.user_name, "township": d.township,
            "enrolled_at": d.enrolled_at, "last_sync_at": d.last_sync_at, "app_version": d.app_version,
            "revoked_at": d.revoked_at, "pending_uploads": pending,
        }));
    }
    Ok(Json(json!({ "devices": out })))
}

async fn devices(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        user.may(access::Action::ManageDevices)?;
        devices_json(&st, &user)
    })
    .await
}

async fn revoke(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        user.may(access::Action::ManageDevices)?;
        let id: DeviceId = id.parse().map_err(|_| ConsoleError::not_found())?;
        let device = st
            .store
            .list_devices()?
            .into_iter()
            .find(|d| d.id == id && user.sees(&d.township));
        if device.is_none() {
            return Err(ConsoleError::not_found());
        }
        st.store.revoke_device(id, now())?;
        user.audit(&st, "revoke_device", None, json!({ "device": id }))?;
        devices_json(&st, &user)
    })
    .await
}

#[derive(Deserialize)]
struct EnrollBody {
    user: String,
}

const ENROLL_CODE_TTL_S: i64 = 24 * 3600;

async fn enroll_code(
    State(st): State<AppState>,
    user: ConsoleUser,
    Json(b): Json<EnrollBody>,
) -> ApiResult {
    blocking(move || {
        user.may(access::Action::ManageDevices)?;
        let target = st
            .store
            .user_by_name(b.user.trim())?
            .filter(|u| user.sees(&u.township));
        let Some(target) = target else {
            return Err(ConsoleError::not_found());
        };
        let now = now();
        let code = admin::enroll_code(st.store.as_ref(), &target.name, ENROLL_CODE_TTL_S, now)?;
        let svg = qrcode::QrCode::new(code.as_bytes())
            .map_err(|e| ConsoleError::invalid(e.to_string()))?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .build();
        Ok(Json(
            json!({ "code": code, "expires_at": now + ENROLL_CODE_TTL_S, "qr_svg": svg }),
        ))
    })
    .await
}

async fn export_queue(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(filter): Query<Filter>,
) -> ApiResult<Response> {
    blocking(move || {
        user.may(access::Action::Export)?;
        let (rows, _) = filter.apply(rows_in_scope(&st, &user)?);
        user.audit(&st, "export_queue", None, json!({ "rows": rows.len() }))?;
        let bytes = export::queue_xlsx(&rows).map_err(|e| {
            ConsoleError::new(StatusCode::INTERNAL_SERVER_ERROR, "export", e.to_string())
        })?;
        Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"queue.xlsx\"",
                ),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

async fn case_audit(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        let case = scoped_case(&st, &user, &id)?;
        Ok(Json(json!({ "events": st.store.audit_for_case(case)? })))
    })
    .await
}

/// The rules engine's proposals for the case (declared and verified), with every step explained.
async fn proposal(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    use crate::proposals::{self, ProposalError};
    blocking(move || {
        let case = scoped_case(&st, &user, &id)?;
        user.audit(&st, "view_proposal", Some(case), json!({}))?;
        let config = match proposals::load(&st.data_root) {
            Ok(c) => c,
            Err(ProposalError::NoRules) => {
                return Err(ConsoleError::new(
                    StatusCode::NOT_FOUND,
                    "no_rules",
                    text::NO_RULES,
                ));
            }
            Err(e) => return Err(rules_error(e)),
        };
        let doc = cases::load_case(st.store.as_ref(), case)?
            .read()
            .map_err(StoreError::from)?;
        let p = proposals::for_case(&config, &doc, proposals::today(now()))
            .map_err(|e| rules_error(e.into()))?;
        Ok(Json(json!(p)))
    })
    .await
}

/// The installed rules cannot be applied (invalid file, no version valid today): a Chinese
/// sentence for the caseworker, the technical detail after it for the administrator.
fn rules_error(e: crate::proposals::ProposalError) -> ConsoleError {
    ConsoleError::new(
        StatusCode::CONFLICT,
        "rules",
        format!("{}{e}", text::RULES_UNUSABLE),
    )
}
