//! Who is asking: the enrolled device (bearer token), the signed-in console user (session
//! cookie), a case in that user's scope, the signed-in applicant (their own cookie) and the
//! client's network address. Each refuses the way the API documents: 401 without a live
//! credential, 403 for a revoked device, 404 for a case out of scope.

use super::error::{ApiError, ApiResult, blocking};
use super::state::AppState;
use crate::audit::AuditEvent;
use crate::clock::now;
use crate::review::{access, scope, sessions, text};
use crate::store::{Device, User};
use crate::workflow::Who;
use crate::{applicants, auth};
use axum::extract::{FromRequestParts, Path};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use jiuzhu_shared::CaseId;
use serde_json::Value;

/// A session cookie: its name, and the only path the browser sends it to. The console's and
/// the applicants' are apart, so neither reaches the other's API.
pub struct SessionCookie {
    pub name: &'static str,
    pub path: &'static str,
}

/// The console's session cookie.
pub const SESSION_COOKIE: SessionCookie = SessionCookie {
    name: "jiuzhu_console",
    path: "/api/console",
};
/// The applicants' session cookie.
pub const APPLICANT_COOKIE: SessionCookie = SessionCookie {
    name: "jiuzhu_applicant",
    path: "/api/applicant",
};

/// The value of a session cookie.
pub fn cookie(headers: &HeaderMap, c: &SessionCookie) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == c.name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value for a session cookie (an empty value with age 0 clears it).
pub fn session_cookie(c: &SessionCookie, value: &str, max_age_s: i64) -> String {
    format!(
        "{}={value}; HttpOnly; Secure; SameSite=Strict; Path={}; Max-Age={max_age_s}",
        c.name, c.path
    )
}

/// The authenticated, non-revoked device behind a bearer token.
pub struct DeviceAuth(pub Device);

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unknown = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unknown_device",
                "this device is not enrolled: enroll it with a code from the township",
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unknown)?;
        let hash = auth::hash(token.trim());
        let store = state.store.clone();
        let device = blocking(move || {
            store
                .device_by_token(&hash)
                .map_err(ApiError::device_storage)
        })
        .await?;
        match device {
            None => Err(unknown()),
            Some(d) if d.revoked_at.is_some() => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "device_revoked",
                "this device has been revoked by the township and may no longer sync",
            )),
            Some(d) => Ok(DeviceAuth(d)),
        }
    }
}

/// A signed-in console user (caseworker, township lead, bureau reviewer or admin); the request
/// counts as their activity (the session's idle time starts again).
pub struct ConsoleUser(pub User);

/// A signed-in console user whose request is a background poll, not their activity: it does
/// not keep an idle session open.
pub struct ConsolePoll(pub User);

async fn console_user(parts: &Parts, st: &AppState, activity: bool) -> Result<User, ApiError> {
    let not_signed_in = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            text::NOT_SIGNED_IN,
        )
    };
    let token = cookie(&parts.headers, &SESSION_COOKIE).ok_or_else(not_signed_in)?;
    let store = st.store.clone();
    let user =
        blocking(move || Ok(sessions::user(store.as_ref(), &token, now(), activity)?)).await?;
    user.ok_or_else(not_signed_in)
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        console_user(parts, st, true).await.map(ConsoleUser)
    }
}

impl FromRequestParts<AppState> for ConsolePoll {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        console_user(parts, st, false).await.map(ConsolePoll)
    }
}

impl ConsoleUser {
    pub fn label(&self) -> String {
        format!("console {}", self.0.name)
    }

    /// Record a PII view or export in the audit chain.
    pub fn audit(
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

    pub fn sees(&self, township: &str) -> bool {
        access::sees(&self.0, township)
    }

    /// Refuse (403) an action the user's role may not take.
    pub fn may(&self, action: access::Action) -> ApiResult<()> {
        if access::allowed(self.0.role, action) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The case `id`, if it exists and the user may see it (404 otherwise, without telling
    /// which).
    pub fn case_in_scope(&self, st: &AppState, id: &str) -> ApiResult<CaseId> {
        let case: CaseId = id.parse().map_err(|_| ApiError::not_found())?;
        if scope::has_case(st.store.as_ref(), &self.0, case)? {
            Ok(case)
        } else {
            Err(ApiError::not_found())
        }
    }

    /// The user as the workflow's actor.
    pub fn who(&self, st: &AppState) -> ApiResult<Who> {
        Ok(Who {
            name: self.0.name.clone(),
            role: self.0.role,
            actor: st.store.user_actor(self.0.id)?,
            audit: self.label(),
        })
    }
}

/// The case of the path's `{id}`, in the signed-in console user's scope (401 without a session,
/// 404 out of scope).
pub struct CaseInScope {
    pub user: ConsoleUser,
    pub case: CaseId,
}

impl FromRequestParts<AppState> for CaseInScope {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let user = ConsoleUser::from_request_parts(parts, st).await?;
        let Path(id) = Path::<String>::from_request_parts(parts, st)
            .await
            .map_err(|_| ApiError::not_found())?;
        let st = st.clone();
        blocking(move || {
            let case = user.case_in_scope(&st, &id)?;
            Ok(CaseInScope { user, case })
        })
        .await
    }
}

/// A signed-in applicant (their phone number).
pub struct Applicant(pub String);

impl FromRequestParts<AppState> for Applicant {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let not_signed_in = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "not_signed_in",
                "请先用手机号码和验证码登录",
            )
        };
        let token = cookie(&parts.headers, &APPLICANT_COOKIE).ok_or_else(not_signed_in)?;
        let store = st.store.clone();
        let phone =
            blocking(move || Ok(applicants::session_phone(store.as_ref(), &token, now())?)).await?;
        phone.map(Applicant).ok_or_else(not_signed_in)
    }
}

impl Applicant {
    /// The applicant as the party working on their own applications.
    pub fn party(&self) -> crate::workflow::applications::Party<'_> {
        crate::workflow::applications::Party::Applicant(&self.0)
    }

    pub fn who(&self, st: &AppState) -> ApiResult<Who> {
        Ok(applicants::who(st.store.as_ref(), &self.0)?)
    }
}

/// The client's network address, when the server was started with connection info: the
/// peer of the connection (forwarded headers are not trusted; the server faces the network
/// itself). Limits key it with `throttle::address_key` (an IPv6 address by its /64).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

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

/// The query of a material upload: its kind (vocabulary `material_kind`) and its file name.
#[derive(serde::Deserialize)]
pub struct MaterialQuery {
    pub kind: String,
    #[serde(default)]
    pub name: String,
}
