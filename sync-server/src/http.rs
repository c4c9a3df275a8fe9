//! HTTP surface (axum): translates requests to store and engine calls and back. No rules here.

use crate::auth;
use crate::blobs::{Appended, BlobDir, BlobError};
use crate::clock::now;
use crate::store::{Device, EnrollError, NewDevice, Store, StoreError};
use crate::sync_engine;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use jiuzhu_shared::protocol::{
    self, BLOB_CHUNK, BlobStatus, EnrollRequest, EnrollResponse, ErrorBody, PROTOCOL_VERSION,
    SyncRequest, WireMessage,
};
use jiuzhu_shared::{ActorKey, BlobHash, DeviceId};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    /// The data directory (for files read per request, such as the regional rules).
    pub data_root: std::path::PathBuf,
    pub store: Arc<dyn Store>,
    pub blobs: Arc<BlobDir>,
    /// Offline lease granted to a device at each sync round (issue #6 point 2).
    pub lease_secs: i64,
    /// Delivers applicants' one-time codes (logged in development; an SMS gateway later).
    pub codes: Arc<dyn crate::applicant::CodeSender>,
}

/// The value of the cookie `name` (the console's and the applicants' sessions).
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn router(state: AppState) -> Router {
    use tower_http::{
        compression::CompressionLayer, decompression::RequestDecompressionLayer,
        limit::RequestBodyLimitLayer,
    };
    let api = Router::new()
        .route("/enroll", post(enroll))
        .route("/sync", post(sync))
        .route("/blobs/{hash}", get(blob_status).put(blob_put));
    Router::new()
        .nest("/api/v1", api)
        .nest("/api/console", crate::console::router())
        .nest("/api/applicant", crate::applicant::router())
        .nest("/api/public", crate::public::router())
        .fallback(crate::web::serve)
        .route("/healthz", get(|| async { "ok" }))
        .layer(axum::extract::DefaultBodyLimit::max(64 << 20))
        .layer(RequestBodyLimitLayer::new(64 << 20))
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// An error answer: HTTP status plus a stable code and a message for people.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, "{}", self.message);
        }
        let body = ErrorBody {
            v: PROTOCOL_VERSION,
            code: self.code.into(),
            message: self.message,
        };
        (
            self.status,
            [(header::CONTENT_TYPE, protocol::CONTENT_TYPE)],
            protocol::encode(&body),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "storage",
            format!("the server could not store or read data: {e}"),
        )
    }
}

fn cbor<T: WireMessage>(msg: &T) -> Response {
    (
        [(header::CONTENT_TYPE, protocol::CONTENT_TYPE)],
        protocol::encode(msg),
    )
        .into_response()
}

fn decode<T: WireMessage>(body: &[u8]) -> Result<T, ApiError> {
    protocol::decode(body).map_err(|e| ApiError::bad_request(e.to_string()))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("worker failed: {e}"),
        )
    })?
}

/// The authenticated, non-revoked device behind a bearer token.
pub struct AuthDevice(pub Device);

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unknown_device",
                    "this device is not enrolled: enroll it with a code from the township",
                )
            })?;
        let hash = auth::hash(token.trim());
        let store = state.store.clone();
        let device = blocking(move || Ok(store.device_by_token(&hash)?)).await?;
        match device {
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unknown_device",
                "this device is not enrolled: enroll it with a code from the township",
            )),
            Some(d) if d.revoked_at.is_some() => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "device_revoked",
                "this device has been revoked by the township and may no longer sync",
            )),
            Some(d) => Ok(AuthDevice(d)),
        }
    }
}

async fn enroll(State(st): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let req: EnrollRequest = decode(&body)?;
    let token = auth::new_token();
    let dev = NewDevice {
        id: DeviceId::new(),
        name: if req.device_name.trim().is_empty() {
            "tablet".into()
        } else {
            req.device_name.trim().chars().take(64).collect()
        },
        token_hash: auth::hash(&token),
        actor: ActorKey::random(),
        app_version: req.app_version.chars().take(32).collect(),
    };
    let code_hash = auth::hash_code(&req.code);
    let store = st.store.clone();
    let outcome = blocking(move || Ok(store.enroll(&code_hash, now(), dev)?)).await?;
    match outcome {
        Ok(device) => {
            tracing::info!(device = %device.id, user = %device.user_name, "device enrolled");
            let ev = crate::audit::AuditEvent::new(
                now(),
                format!("device {} ({})", device.name, device.user_name),
                "enroll",
                None,
                serde_json::json!({ "device": device.id }),
            );
            let store = st.store.clone();
            blocking(move || Ok(store.audit(&ev)?)).await?;
            Ok(cbor(&EnrollResponse {
                v: PROTOCOL_VERSION,
                device_id: device.id.to_string(),
                token,
                actor: device.actor.to_string(),
                user_name: device.user_name,
                township: device.township,
            }))
        }
        Err(e) => {
            let code = match e {
                EnrollError::Unknown => "code_unknown",
                EnrollError::Expired => "code_expired",
                EnrollError::Used => "code_used",
            };
            Err(ApiError::new(StatusCode::FORBIDDEN, code, e.to_string()))
        }
    }
}

async fn sync(
    State(st): State<AppState>,
    AuthDevice(device): AuthDevice,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: SyncRequest = decode(&body)?;
    let store = st.store.clone();
    let lease_secs = st.lease_secs;
    let resp = blocking(move || {
        let now = now();
        let server_actor = store.server_actor()?;
        let mut out = None;
        store.transact(&mut |txn| {
            out = Some(sync_engine::round(
                txn,
                &device,
                server_actor,
                &req,
                now,
                lease_secs,
            )?);
            Ok(())
        })?;
        store.record_sync(device.id, now, &req.app_version)?;
        Ok(out.expect("round ran"))
    })
    .await?;
    Ok(cbor(&resp))
}

fn parse_hash(s: &str) -> Result<BlobHash, ApiError> {
    s.parse()
        .map_err(|e: jiuzhu_shared::IdError| ApiError::bad_request(e.to_string()))
}

async fn blob_status(
    State(st): State<AppState>,
    _dev: AuthDevice,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let h = parse_hash(&hash)?;
    let complete = st.blobs.exists(&h);
    let offset = if complete {
        std::fs::metadata(st.blobs.path(&h))
            .map(|m| m.len())
            .unwrap_or(0)
    } else {
        st.blobs.offset(&h)
    };
    Ok(cbor(&BlobStatus {
        v: PROTOCOL_VERSION,
        hash,
        offset,
        complete,
    }))
}

#[derive(serde::Deserialize)]
struct PutQuery {
    offset: u64,
    total: u64,
}

async fn blob_put(
    State(st): State<AppState>,
    _dev: AuthDevice,
    Path(hash): Path<String>,
    Query(q): Query<PutQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let h = parse_hash(&hash)?;
    if body.len() as u64 > BLOB_CHUNK {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "chunk_too_large",
            format!("send at most {BLOB_CHUNK} bytes per chunk"),
        ));
    }
    let (blobs, store) = (st.blobs.clone(), st.store.clone());
    blocking(move || {
        let status = match blobs.append(&h, q.offset, q.total, &body) {
            Ok(Appended::Partial(offset)) => BlobStatus {
                v: PROTOCOL_VERSION,
                hash,
                offset,
                complete: false,
            },
            Ok(Appended::Complete(size)) => {
                store.add_blob(&hash, size, now())?;
                BlobStatus {
                    v: PROTOCOL_VERSION,
                    hash,
                    offset: size,
                    complete: true,
                }
            }
            Err(e @ BlobError::Offset { .. }) => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "offset_mismatch",
                    e.to_string(),
                ));
            }
            Err(e @ BlobError::HashMismatch { .. }) => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "hash_mismatch",
                    e.to_string(),
                ));
            }
            Err(e @ (BlobError::TooLarge(_) | BlobError::PastEnd(_))) => {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    e.to_string(),
                ));
            }
            Err(BlobError::Io(e)) => {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage",
                    format!("could not store the chunk: {e}"),
                ));
            }
        };
        Ok(cbor(&status))
    })
    .await
}
