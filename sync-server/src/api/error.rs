//! The one error answer of the HTTP API: a status, a stable code and a message for people.
//! Rendered as JSON `{"code","message"}`; the device API (`/api/v1`) re-renders it as CBOR
//! `protocol::ErrorBody` ([`as_cbor`], a layer on that router). Server errors are logged once,
//! when rendered. The libraries' errors map onto codes here, in one place.

use crate::admin::AdminError;
use crate::applicants::ApplicantError;
use crate::cases::CaseError;
use crate::proposals::ProposalError;
use crate::review::sessions::SignInError;
use crate::review::text;
use crate::store::StoreError;
use crate::workflow::WorkflowError;
use crate::workflow::config::ConfigError;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiuzhu_shared::protocol::{self, ErrorBody, PROTOCOL_VERSION};
use serde_json::{Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

pub type ApiResult<T = Json<Value>> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    /// Out of scope or absent, without telling which.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", text::NOT_FOUND)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }
    /// The role may not take this action.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", text::FORBIDDEN)
    }
    /// A storage failure in the device API's wording (the tablet shows or logs it as is).
    pub fn device_storage(e: StoreError) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "storage",
            format!("the server could not store or read data: {e}"),
        )
    }
}

/// What a rendered error leaves in its response's extensions for [`as_cbor`].
#[derive(Clone)]
struct Rendered {
    code: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, "{}", self.message);
        }
        let rendered = Rendered {
            code: self.code,
            message: self.message.clone(),
        };
        let mut response = (
            self.status,
            Json(json!({"code": self.code, "message": self.message})),
        )
            .into_response();
        response.extensions_mut().insert(rendered);
        response
    }
}

/// Re-render an [`ApiError`] answer as the wire protocol's CBOR `ErrorBody` (the device API);
/// other responses pass unchanged.
pub async fn as_cbor(mut response: Response) -> Response {
    let Some(e) = response.extensions_mut().remove::<Rendered>() else {
        return response;
    };
    let body = ErrorBody {
        v: PROTOCOL_VERSION,
        code: e.code.into(),
        message: e.message,
    };
    (
        response.status(),
        [(header::CONTENT_TYPE, protocol::CONTENT_TYPE)],
        protocol::encode(&body),
    )
        .into_response()
}

/// Run blocking work (the store, files, PDF) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("worker failed: {e}"),
        )
    })?
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if let StoreError::Unstorable(why) = e {
            return Self::invalid(why);
        }
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "storage",
            format!("服务器存储出错：{e}"),
        )
    }
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NoCase(_) => Self::not_found(),
            CaseError::Store(s) => s.into(),
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Store(s) => s.into(),
            AdminError::Case(c) => c.into(),
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Refused(r) => {
                let status = if r.code == "wrong_role" {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::CONFLICT
                };
                Self::new(status, r.code, r.zh)
            }
            WorkflowError::Invalid(m) => Self::invalid(m),
            WorkflowError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, "not_found", m),
            WorkflowError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
            e @ WorkflowError::Throttled(_) => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many", e.to_string())
            }
            WorkflowError::Store(s) => s.into(),
            WorkflowError::Case(c) => c.into(),
        }
    }
}

/// The region's workflow files cannot be used.
impl From<ConfigError> for ApiError {
    fn from(e: ConfigError) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "workflow_config",
            format!("{}{e}", text::WORKFLOW_CONFIG_UNUSABLE),
        )
    }
}

/// No rules installed (404), or the installed rules cannot be applied (invalid file, no version
/// valid today): a Chinese sentence for the caseworker, the technical detail after it for the
/// administrator.
impl From<ProposalError> for ApiError {
    fn from(e: ProposalError) -> Self {
        match e {
            ProposalError::NoRules => Self::new(StatusCode::NOT_FOUND, "no_rules", text::NO_RULES),
            e => Self::new(
                StatusCode::CONFLICT,
                "rules",
                format!("{}{e}", text::RULES_UNUSABLE),
            ),
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Locked => Self::new(StatusCode::TOO_MANY_REQUESTS, "locked", text::LOCKED),
            SignInError::Failed => {
                Self::new(StatusCode::UNAUTHORIZED, "login_failed", text::LOGIN_FAILED)
            }
            SignInError::Store(s) => s.into(),
        }
    }
}

impl From<ApplicantError> for ApiError {
    fn from(e: ApplicantError) -> Self {
        let message = e.to_string();
        match e {
            ApplicantError::InvalidPhone | ApplicantError::Invalid(_) => Self::invalid(message),
            ApplicantError::TooManyCodes => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_codes", message)
            }
            ApplicantError::TooSoon => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_soon", message)
            }
            ApplicantError::NotSent(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "code_not_sent", message)
            }
            ApplicantError::SignInOff => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "sms_not_configured",
                message,
            ),
            ApplicantError::CodeInvalid => {
                Self::new(StatusCode::UNAUTHORIZED, "code_invalid", message)
            }
            ApplicantError::TooManyTries(_) => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_tries", message)
            }
            ApplicantError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", message),
            ApplicantError::Workflow(w) => w.into(),
            ApplicantError::Store(s) => s.into(),
        }
    }
}
