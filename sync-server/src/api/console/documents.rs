//! Documents of cases in scope: notices as PDF, applicants' materials, and the printable 公示
//! and 公布 of a township. Every view of personal data is audited.

use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::extract::ConsoleUser;
use crate::api::respond;
use crate::api::state::AppState;
use crate::clock::today;
use crate::review::{access, text};
use crate::workflow::{applications, notices, publicity};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

pub async fn notice_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let id = file.strip_suffix(".pdf").unwrap_or(&file);
        let n = notices::get(st.store.as_ref(), id)?;
        let case = user.case_in_scope(&st, &n.case_id)?;
        user.audit(&st, "view_notice", Some(case), json!({"notice": n.id}))?;
        Ok(respond::pdf(notices::pdf(&n)?, &n.kind))
    })
    .await
}

pub async fn material(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let Some((case, m)) = applications::material(st.store.as_ref(), &id)? else {
            return Err(ApiError::not_found());
        };
        let case = user.case_in_scope(&st, &case)?;
        if access::masks_id_numbers(user.0.role) && access::material_shows_id_numbers(&m.kind) {
            return Err(id_document_refused());
        }
        user.audit(&st, "view_material", Some(case), json!({"material": m.id}))?;
        respond::stored_image(&st, &m.hash)
    })
    .await
}

/// A photo of an ID document cannot be masked: who sees ID numbers masked does not see it.
pub(super) fn id_document_refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "id_numbers_masked",
        text::ID_DOCUMENT_MASKED,
    )
}

#[derive(Deserialize)]
pub struct TownshipQuery {
    township: Option<String>,
}

/// The township asked for, if the user sees it; else their own.
fn township_of(user: &ConsoleUser, q: &TownshipQuery) -> String {
    q.township
        .clone()
        .filter(|t| user.sees(t))
        .unwrap_or_else(|| user.0.township.clone())
}

pub async fn publicity_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<TownshipQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let config = st.workflow_config()?;
        let township = township_of(&user, &q);
        let today = today();
        let entries: Vec<_> = publicity::publicity(st.store.as_ref(), &township, today)?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        user.audit(
            &st,
            "print_publicity",
            None,
            json!({"township": township, "entries": entries.len()}),
        )?;
        Ok(respond::pdf(
            notices::publicity_pdf(&township, &entries, &config.options.hotline, today)?,
            "publicity",
        ))
    })
    .await
}

pub async fn roll_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<TownshipQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let township = township_of(&user, &q);
        let entries = publicity::roll(st.store.as_ref(), &township)?;
        user.audit(
            &st,
            "print_roll",
            None,
            json!({"township": township, "entries": entries.len()}),
        )?;
        Ok(respond::pdf(
            notices::roll_pdf(&township, &entries, today())?,
            "roll",
        ))
    })
    .await
}
