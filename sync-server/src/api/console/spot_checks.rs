//! 抽查 (docs/workflow-api.md "Spot checks"): the bureau draws a sample with a recorded seed and
//! records each check's outcome; a township's users read the checks of their township's cases
//! (the checks are of the township's work, so it does not record their outcomes).

use crate::api::error::{ApiResult, blocking};
use crate::api::extract::{CaseInScope, ConsoleUser};
use crate::api::state::AppState;
use crate::clock::now;
use crate::review::access::{self, Action};
use crate::workflow::spot_checks::{self, Check, DrawRequest, Finding};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

/// Every draw the user may see with its tasks, the townships one may draw from and the regional
/// default shares.
pub async fn list(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let store = st.store.as_ref();
        let draws: Vec<Value> = spot_checks::list(store, &user.0)?
            .iter()
            .map(|(d, tasks)| d.json(tasks))
            .collect();
        let shares = st.workflow_config()?.options.spot_checks;
        let townships = if access::banner_wide(user.0.role) {
            crate::applicants::townships(store)?
        } else {
            vec![user.0.township.clone()]
        };
        Ok(Json(json!({
            "draws": draws,
            "townships": townships,
            "defaults": shares,
            "may_record": user.0.role == jiuzhu_shared::workflow::Role::Bureau,
        })))
    })
    .await
}

pub async fn draw(
    State(st): State<AppState>,
    user: ConsoleUser,
    Json(b): Json<DrawRequest>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let who = user.who(&st)?;
        let defaults = st.workflow_config()?.options.spot_checks;
        let (d, tasks) = spot_checks::create(st.store.as_ref(), &who, defaults, &b, now())?;
        Ok(Json(d.json(&tasks)))
    })
    .await
}

pub async fn of_case(
    State(st): State<AppState>,
    CaseInScope { case, .. }: CaseInScope,
) -> ApiResult {
    blocking(move || {
        let checks = spot_checks::of_case(st.store.as_ref(), case)?;
        Ok(Json(json!(
            checks.iter().map(Check::json).collect::<Vec<_>>()
        )))
    })
    .await
}

#[derive(Deserialize)]
pub struct Outcome {
    finding: Finding,
    #[serde(default)]
    note: String,
}

pub async fn outcome(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<Outcome>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let who = user.who(&st)?;
        let c = spot_checks::record(
            st.store.as_ref(),
            &who,
            &user.0,
            &id,
            b.finding,
            &b.note,
            now(),
        )?;
        Ok(Json(c.json()))
    })
    .await
}

#[derive(Deserialize)]
pub struct Reopen {
    #[serde(default)]
    note: String,
}

pub async fn reopen(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<Reopen>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let who = user.who(&st)?;
        let c = spot_checks::reopen(st.store.as_ref(), &who, &user.0, &id, &b.note, now())?;
        Ok(Json(c.json()))
    })
    .await
}
