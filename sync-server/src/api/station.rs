//! The township stations' API at the banner (`/api/v1/station`, CBOR, `levels`): enrollment with
//! a station code, uplink rounds, and blobs both ways. Handlers only translate.

use super::error::{ApiError, ApiResult, blocking};
use super::respond;
use super::state::AppState;
use crate::blobs::Appended;
use crate::clock::now;
use crate::levels::banner::{self, StationAuth, StationError};
use crate::levels::wire::{self, Enroll, Round};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use jiuzhu_shared::CaseId;

fn cbor<T: serde::Serialize>(v: &T) -> Response {
    (
        [(header::CONTENT_TYPE, jiuzhu_shared::protocol::CONTENT_TYPE)],
        wire::encode(v),
    )
        .into_response()
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// The enrolled station behind a bearer token.
pub struct StationBearer(pub StationAuth);

impl FromRequestParts<AppState> for StationBearer {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unknown = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unknown_station",
                "this station is not enrolled: start it with a code from `admin add-station`",
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unknown)?
            .trim()
            .to_string();
        let store = state.store.clone();
        let station = blocking(move || {
            banner::by_token(store.as_ref(), &token).map_err(ApiError::device_storage)
        })
        .await?;
        station.map(StationBearer).ok_or_else(unknown)
    }
}

pub async fn enroll(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let req: Enroll = wire::decode(&body).map_err(bad_request)?;
    let store = st.store.clone();
    let enrolled = blocking(move || {
        banner::enroll(store.as_ref(), &req.code, &req.name, now()).map_err(|e| match e {
            StationError::Store(e) => ApiError::device_storage(e),
            e => ApiError::new(StatusCode::FORBIDDEN, "station_code", e.to_string()),
        })
    })
    .await?;
    Ok(cbor(&enrolled))
}

pub async fn round(
    State(st): State<AppState>,
    StationBearer(station): StationBearer,
    body: Bytes,
) -> ApiResult<Response> {
    let req: Round = wire::decode(&body).map_err(bad_request)?;
    let config = st.workflow_config()?;
    let store = st.store.clone();
    let answer = blocking(move || {
        banner::serve_round(store.as_ref(), &config, &station, &req, now())
            .map_err(ApiError::device_storage)
    })
    .await?;
    Ok(cbor(&answer))
}

fn case_and_hash(case: &str, hash: &str) -> ApiResult<(CaseId, jiuzhu_shared::BlobHash)> {
    let case = case
        .parse()
        .map_err(|e: jiuzhu_shared::IdError| bad_request(e.to_string()))?;
    let h = hash
        .parse()
        .map_err(|e: jiuzhu_shared::IdError| bad_request(e.to_string()))?;
    Ok((case, h))
}

fn absent() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such blob for this station",
    )
}

pub async fn blob_get(
    State(st): State<AppState>,
    StationBearer(station): StationBearer,
    Path((case, hash)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (case, h) = case_and_hash(&case, &hash)?;
    blocking(move || {
        if !banner::may_fetch_blob(st.store.as_ref(), &station, case, &hash)
            .map_err(ApiError::device_storage)?
        {
            return Err(absent());
        }
        let bytes = respond::blob_bytes(&st, &h).map_err(|_| absent())?;
        Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
    })
    .await
}

/// A whole blob from the station: kept once its bytes hash to its name, and only if a case of
/// the station's township references it.
pub async fn blob_put(
    State(st): State<AppState>,
    StationBearer(station): StationBearer,
    Path((case, hash)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let (case, h) = case_and_hash(&case, &hash)?;
    blocking(move || {
        if !banner::may_fetch_blob(st.store.as_ref(), &station, case, &hash)
            .map_err(ApiError::device_storage)?
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "blob_not_expected",
                "no case of this station's township references this blob",
            ));
        }
        let offset = st.blobs.offset(&h);
        let rest = body.get(offset as usize..).unwrap_or_default();
        match st.blobs.append(&h, offset, body.len() as u64, rest) {
            Ok(Appended::Complete(size)) => {
                st.store
                    .add_blob(&hash, size, now())
                    .map_err(ApiError::device_storage)?;
                Ok(StatusCode::NO_CONTENT.into_response())
            }
            Ok(Appended::Partial(_)) => Err(bad_request("the blob arrived short")),
            Err(e) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "blob_refused",
                e.to_string(),
            )),
        }
    })
    .await
}
