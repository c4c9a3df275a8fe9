//! The queue and a case: detail, history, audit trail, the rules engine's proposal and photos;
//! the queue as Excel. Changing a case is a workflow action (`console::workflow`).

use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::extract::{CaseInScope, ConsoleUser};
use crate::api::respond;
use crate::api::state::AppState;
use crate::cases;
use crate::clock::{now, today};
use crate::proposals::{self, ProposalError};
use crate::review::access::{self, Action};
use crate::review::queue::Filter;
use crate::review::{export, scope};
use crate::store::StoreError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiuzhu_shared::{BlobHash, CaseId};
use serde::Deserialize;
use serde_json::json;

pub async fn list(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(filter): Query<Filter>,
) -> ApiResult {
    blocking(move || {
        let config = st.workflow_config()?;
        let q = scope::queue(
            st.store.as_ref(),
            &st.blobs,
            &config,
            &user.0,
            (&filter, today()),
        )?;
        Ok(Json(q))
    })
    .await
}

/// The case as `export-case` shows it, ID numbers masked for roles that do not verify them.
fn detail(st: &AppState, user: &ConsoleUser, case: CaseId) -> ApiResult {
    let mut v = cases::export_case(st.store.as_ref(), &st.blobs, case)?;
    if access::masks_id_numbers(user.0.role) {
        access::mask_case_json(&mut v);
    }
    Ok(Json(v))
}

pub async fn detail_of(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
) -> ApiResult {
    blocking(move || {
        user.audit(&st, "view_case", Some(case), json!({}))?;
        detail(&st, &user, case)
    })
    .await
}

pub async fn history(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
) -> ApiResult {
    blocking(move || {
        user.audit(&st, "view_history", Some(case), json!({}))?;
        let mut v = cases::history(st.store.as_ref(), case)?;
        if access::masks_id_numbers(user.0.role) {
            access::mask_history_json(&mut v);
        }
        Ok(Json(v))
    })
    .await
}

/// The case's audit trail; details can carry ID numbers (a resolved value, a reason).
pub async fn audit(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
) -> ApiResult {
    blocking(move || {
        let mut v = json!({ "events": st.store.audit_for_case(case)? });
        if access::masks_id_numbers(user.0.role) {
            access::mask_id_numbers_in(&mut v);
        }
        Ok(Json(v))
    })
    .await
}

/// The rules engine's proposals for the case (declared and verified), with every step explained.
pub async fn proposal(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
) -> ApiResult {
    blocking(move || {
        user.audit(&st, "view_proposal", Some(case), json!({}))?;
        let config = proposals::load(&st.data_root)?;
        let doc = cases::load_case(st.store.as_ref(), case)?
            .read()
            .map_err(StoreError::from)?;
        let p = proposals::for_case(&config, &doc, proposals::today(now()))
            .map_err(ProposalError::from)?;
        let mut v = json!(p);
        if access::masks_id_numbers(user.0.role) {
            access::mask_id_numbers_in(&mut v);
        }
        Ok(Json(v))
    })
    .await
}

#[derive(Deserialize)]
pub struct BlobQuery {
    #[serde(default)]
    thumb: Option<String>,
}

/// A photo of a case in scope (or its thumbnail); viewing either is audited.
pub async fn photo(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(hash): Path<String>,
    Query(q): Query<BlobQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let h: BlobHash = hash.parse().map_err(|_| ApiError::not_found())?;
        let case = scope::photo_case(st.store.as_ref(), &user.0, &hash)?;
        let Some(case) = case.filter(|_| st.blobs.exists(&h)) else {
            return Err(ApiError::not_found());
        };
        if access::masks_id_numbers(user.0.role) {
            let doc = cases::load_case(st.store.as_ref(), case)?
                .read()
                .map_err(StoreError::from)?;
            let document = doc
                .visits
                .iter()
                .flat_map(|v| &v.photos)
                .any(|p| p.hash == hash && access::photo_shows_id_numbers(&p.tag));
            if document {
                return Err(super::documents::id_document_refused());
            }
        }
        let bytes = if q.thumb.is_some() {
            user.audit(&st, "view_thumbnail", Some(case), json!({ "hash": hash }))?;
            st.blobs.thumbnail(&h).map_err(|_| ApiError::not_found())?
        } else {
            user.audit(&st, "view_photo", Some(case), json!({ "hash": hash }))?;
            respond::blob_bytes(&st, &h)?
        };
        Ok(respond::image("image/jpeg", bytes))
    })
    .await
}

pub async fn investigators(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || Ok(Json(scope::investigators(st.store.as_ref(), &user.0)?))).await
}

pub async fn export_queue(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(filter): Query<Filter>,
) -> ApiResult<Response> {
    blocking(move || {
        user.may(Action::Export)?;
        let config = st.workflow_config()?;
        let rows = scope::rows(st.store.as_ref(), &st.blobs, &config, &user.0, today())?;
        let rows = scope::of_programme(st.store.as_ref(), &filter, rows)?;
        let (rows, _) = filter.apply(rows);
        user.audit(&st, "export_queue", None, json!({ "rows": rows.len() }))?;
        let bytes = export::queue_xlsx(&rows).map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "export", e.to_string())
        })?;
        Ok(respond::xlsx(bytes, "queue.xlsx"))
    })
    .await
}
