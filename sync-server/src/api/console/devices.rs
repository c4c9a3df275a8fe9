//! The township's tablets: the list with pending uploads, revoking one, and enrollment codes
//! (with a QR code to scan).

use crate::admin;
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::extract::ConsoleUser;
use crate::api::respond::qr_svg;
use crate::api::state::AppState;
use crate::clock::now;
use crate::review::access::Action;
use crate::review::scope;
use axum::Json;
use axum::extract::{Path, State};
use jiuzhu_shared::DeviceId;
use serde::Deserialize;
use serde_json::json;

const ENROLL_CODE_TTL_S: i64 = 24 * 3600;

pub async fn list(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        user.may(Action::ManageDevices)?;
        Ok(Json(scope::devices(st.store.as_ref(), &st.blobs, &user.0)?))
    })
    .await
}

pub async fn revoke(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::ManageDevices)?;
        let id: DeviceId = id.parse().map_err(|_| ApiError::not_found())?;
        if scope::device(st.store.as_ref(), &user.0, id)?.is_none() {
            return Err(ApiError::not_found());
        }
        st.store.revoke_device(id, now())?;
        user.audit(&st, "revoke_device", None, json!({ "device": id }))?;
        Ok(Json(scope::devices(st.store.as_ref(), &st.blobs, &user.0)?))
    })
    .await
}

#[derive(Deserialize)]
pub struct EnrollBody {
    user: String,
}

pub async fn enroll_code(
    State(st): State<AppState>,
    user: ConsoleUser,
    Json(b): Json<EnrollBody>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::ManageDevices)?;
        let Some(target) = scope::person(st.store.as_ref(), &user.0, b.user.trim())? else {
            return Err(ApiError::not_found());
        };
        let now = now();
        let (store, by) = (st.store.as_ref(), user.label());
        let code = admin::enroll_code_by(store, &by, &target.name, ENROLL_CODE_TTL_S, now)?;
        let svg = qr_svg(&code, 220).map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(Json(
            json!({ "code": code, "expires_at": now + ENROLL_CODE_TTL_S, "qr_svg": svg }),
        ))
    })
    .await
}
