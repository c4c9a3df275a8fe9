//! 协同办理 (docs/window-api.md): referrals of a case's needs to other departments. Township
//! roles refer and record answers; the bureau reads.

use crate::api::error::{ApiResult, blocking};
use crate::api::extract::{CaseInScope, ConsoleUser};
use crate::api::respond;
use crate::api::state::AppState;
use crate::clock::now;
use crate::review::access::Action;
use crate::workflow::referrals::{self, Referral, ReferralState};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

fn list(refs: &[Referral]) -> Value {
    json!(refs.iter().map(Referral::json).collect::<Vec<_>>())
}

pub async fn of_case(
    State(st): State<AppState>,
    CaseInScope { case, .. }: CaseInScope,
) -> ApiResult {
    blocking(move || Ok(Json(list(&referrals::of_case(st.store.as_ref(), case)?)))).await
}

#[derive(Deserialize)]
pub struct NewReferral {
    target: String,
    #[serde(default)]
    note: String,
}

pub async fn create(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
    Json(b): Json<NewReferral>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let who = user.who(&st)?;
        let r = referrals::create(st.store.as_ref(), &who, case, &b.target, &b.note, now())?;
        Ok(Json(r.json()))
    })
    .await
}

#[derive(Deserialize)]
pub struct Advance {
    state: ReferralState,
    #[serde(default)]
    note: String,
}

pub async fn advance(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<Advance>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let who = user.who(&st)?;
        let store = st.store.as_ref();
        let r = referrals::advance(store, &who, &user.0, &id, b.state, &b.note, now())?;
        Ok(Json(r.json()))
    })
    .await
}

pub async fn slip(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let r = referrals::get(st.store.as_ref(), &user.0, &id)?;
        let config = st.workflow_config()?;
        let pdf = referrals::slip_pdf(st.store.as_ref(), &config.options, &r)?;
        user.audit(
            &st,
            "print_referral",
            Some(crate::workflow::parse_case(&r.case_id)?),
            json!({"referral": r.id}),
        )?;
        Ok(respond::pdf(pdf, "referral"))
    })
    .await
}

pub async fn summary(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        Ok(Json(referrals::summary(st.store.as_ref(), &user.0)?))
    })
    .await
}
