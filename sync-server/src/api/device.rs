//! The tablets' API (`/api/v1`, CBOR wire messages of `jiuzhu_shared::protocol`): enrollment with
//! a one-time code, sync rounds, and resumable photo uploads. Errors leave as CBOR `ErrorBody`
//! (the layer on its routes in `api::router`), in English for the tablet's log.

use super::error::{ApiError, ApiResult, blocking};
use super::extract::DeviceAuth;
use super::respond::{self, cbor};
use super::state::AppState;
use crate::audit::AuditEvent;
use crate::auth;
use crate::blobs::{Appended, BlobError};
use crate::clock::now;
use crate::store::{EnrollError, NewDevice};
use crate::sync_engine;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use jiuzhu_shared::protocol::{
    self, BLOB_CHUNK, BlobStatus, CredentialRequest, CredentialResponse, EnrollRequest,
    EnrollResponse, PROTOCOL_VERSION, SyncRequest, WireMessage,
};
use jiuzhu_shared::{ActorKey, BlobHash, DeviceId};

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

fn decode<T: WireMessage>(body: &[u8]) -> ApiResult<T> {
    protocol::decode(body).map_err(|e| bad_request(e.to_string()))
}

pub async fn enroll(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let req: EnrollRequest = decode(&body)?;
    // Before the code is spent: a broken configuration must not cost the tablet its code.
    let crypto = crate::crypto_config::load(&st.data_root).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "crypto_config",
            e.to_string(),
        )
    })?;
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
    let outcome = blocking(move || {
        store
            .enroll(&code_hash, now(), dev)
            .map_err(ApiError::device_storage)
    })
    .await?;
    let device = outcome.map_err(|e| {
        let code = match e {
            EnrollError::Unknown => "code_unknown",
            EnrollError::Expired => "code_expired",
            EnrollError::Used => "code_used",
        };
        ApiError::new(StatusCode::FORBIDDEN, code, e.to_string())
    })?;
    tracing::info!(device = %device.id, user = %device.user_name, "device enrolled");
    let ev = AuditEvent::new(
        now(),
        format!("device {} ({})", device.name, device.user_name),
        "enroll",
        None,
        serde_json::json!({ "device": device.id }),
    );
    let (store, id) = (st.store.clone(), device.id);
    let lease_secret = blocking(move || {
        let mut secret = String::new();
        store
            .transact(&mut |txn| {
                txn.audit(&ev)?;
                secret = sync_engine::lease_secret(txn, id, now())?;
                Ok(())
            })
            .map_err(ApiError::device_storage)?;
        Ok(secret)
    })
    .await?;
    Ok(cbor(&EnrollResponse {
        v: PROTOCOL_VERSION,
        device_id: device.id.to_string(),
        token,
        actor: device.actor.to_string(),
        user_name: device.user_name,
        township: device.township,
        lease_secret: Some(lease_secret),
        lease_until: Some(now() + st.lease_secs),
        tablet_cipher: Some(crypto.tablet_cipher.to_string()),
    }))
}

/// Sign the device's face-to-face key: the credential lasts as long as the lease this sync granted.
pub async fn credential(
    State(st): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CredentialRequest = decode(&body)?;
    let (store, root, lease_secs) = (st.store.clone(), st.data_root.clone(), st.lease_secs);
    let (credential, server_key) = blocking(move || {
        let t = now();
        crate::credentials::issue(
            store.as_ref(),
            &root,
            &device,
            &req.public_key,
            t,
            t + lease_secs,
        )
        .map_err(|e| match e {
            crate::credentials::CredentialError::BadKey(_) => bad_request(e.to_string()),
            crate::credentials::CredentialError::Store(e) => ApiError::device_storage(e),
            e => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "signing_key",
                e.to_string(),
            ),
        })
    })
    .await?;
    Ok(cbor(&CredentialResponse {
        v: PROTOCOL_VERSION,
        credential,
        server_key,
    }))
}

pub async fn sync(
    State(st): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    body: Bytes,
) -> ApiResult<Response> {
    let req: SyncRequest = decode(&body)?;
    bounded_inflation(&req)?;
    let (store, lease_secs) = (st.store.clone(), st.lease_secs);
    let resp = blocking(move || {
        sync_engine::serve_round(store.as_ref(), &device, &req, now(), lease_secs)
            .map_err(ApiError::device_storage)
    })
    .await?;
    Ok(cbor(&resp))
}

/// Refuse a request whose changes would inflate past the limit, before Automerge reads them.
fn bounded_inflation(req: &SyncRequest) -> ApiResult<()> {
    use jiuzhu_shared::sync::{InflateRefusal, MAX_INFLATED_BYTES, check_inflation};
    let mut left = MAX_INFLATED_BYTES;
    for m in &req.docs {
        match check_inflation(&m.msg, left) {
            Ok(n) => left -= n,
            // Not a sync message at all: the round refuses that document alone, as before.
            Err(InflateRefusal::NotAMessage) => {}
            Err(e @ InflateRefusal::TooLarge { .. }) => {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    e.to_string(),
                ));
            }
            Err(e) => return Err(bad_request(e.to_string())),
        }
    }
    Ok(())
}

fn parse_hash(s: &str) -> ApiResult<BlobHash> {
    s.parse()
        .map_err(|e: jiuzhu_shared::IdError| bad_request(e.to_string()))
}

pub async fn blob_status(
    State(st): State<AppState>,
    _dev: DeviceAuth,
    Path(hash): Path<String>,
) -> ApiResult<Response> {
    let h = parse_hash(&hash)?;
    blocking(move || {
        let published = st.blobs.size(&h).map_err(blob_storage)?;
        Ok(cbor(&BlobStatus {
            v: PROTOCOL_VERSION,
            hash,
            offset: published.unwrap_or_else(|| st.blobs.offset(&h)),
            complete: published.is_some(),
        }))
    })
    .await
}

/// The blob store failed (an object store out of reach): the tablet tries again at its next sync.
fn blob_storage(e: std::io::Error) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage",
        format!("the server cannot reach its blob store now: {e}"),
    )
}

/// A blob of a case the device's user is assigned to (the application's documents the team
/// verifies against, the other investigator's photos). 404 for anything else, without saying
/// whether the blob exists.
pub async fn case_blob(
    State(st): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    Path((case, hash)): Path<(String, String)>,
) -> ApiResult<Response> {
    let case: jiuzhu_shared::CaseId = case
        .parse()
        .map_err(|e: jiuzhu_shared::IdError| bad_request(e.to_string()))?;
    let h = parse_hash(&hash)?;
    blocking(move || {
        let absent = || {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such blob for this device",
            )
        };
        let allowed = sync_engine::may_fetch_blob(st.store.as_ref(), &device, case, &hash)
            .map_err(ApiError::device_storage)?;
        if !allowed {
            return Err(absent());
        }
        // A store out of reach answers as an absent blob does: the tablet fetches it at a
        // later sync and this one goes on.
        let bytes = respond::blob_bytes(&st, &h).map_err(|_| absent())?;
        Ok((
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response())
    })
    .await
}

#[derive(serde::Deserialize)]
pub struct PutQuery {
    offset: u64,
    total: u64,
}

/// The answer to a refused chunk.
fn chunk_refused(e: BlobError) -> ApiError {
    let (status, code) = match &e {
        BlobError::Offset { .. } => (StatusCode::CONFLICT, "offset_mismatch"),
        BlobError::HashMismatch { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch"),
        BlobError::TooLarge(_) | BlobError::PastEnd(_) => {
            (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
        }
        BlobError::Io(e) => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage",
                format!("could not store the chunk: {e}"),
            );
        }
    };
    ApiError::new(status, code, e.to_string())
}

pub async fn blob_put(
    State(st): State<AppState>,
    DeviceAuth(device): DeviceAuth,
    Path(hash): Path<String>,
    Query(q): Query<PutQuery>,
    body: Bytes,
) -> ApiResult<Response> {
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
        // A device stores only photos its cases refer to (the document syncs before its
        // photos), so nobody can fill the disk with blobs under made-up names.
        if !store
            .blob_expected_from(device.user_id, &hash)
            .map_err(ApiError::device_storage)?
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "blob_not_expected",
                "no case assigned to you refers to this photo: sync the case first, then send its photos",
            ));
        }
        let status = match blobs
            .append(&h, q.offset, q.total, &body)
            .map_err(chunk_refused)?
        {
            Appended::Partial(offset) => BlobStatus {
                v: PROTOCOL_VERSION,
                hash,
                offset,
                complete: false,
            },
            Appended::Complete(size) => {
                store
                    .add_blob(&hash, size, now())
                    .map_err(ApiError::device_storage)?;
                BlobStatus {
                    v: PROTOCOL_VERSION,
                    hash,
                    offset: size,
                    complete: true,
                }
            }
        };
        Ok(cbor(&status))
    })
    .await
}
