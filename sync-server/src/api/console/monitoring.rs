//! 主动发现 (docs/monitoring.md): the register, department file imports, the warning queue and
//! its actions, the 定期探访 list and the figures. Handlers only translate to `monitoring`.

use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::extract::ConsoleUser;
use crate::api::state::AppState;
use crate::clock::{now, today};
use crate::monitoring::register::{self, Household};
use crate::monitoring::sources::Source;
use crate::monitoring::warnings::{self, Warning};
use crate::monitoring::{rules, schedule};
use crate::review::access::{self, Action};
use crate::workflow::WorkflowError;
use axum::Json;
use axum::extract::{Path, Query, State};
use bytes::Bytes;
use jiuzhu_shared::workflow::Role;
use serde::Deserialize;
use serde_json::{Value, json};

/// The caseworker or the bureau delivers the department files and the roll.
fn may_import(user: &ConsoleUser) -> ApiResult<()> {
    if matches!(user.0.role, Role::Caseworker | Role::Bureau) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

fn mask(user: &ConsoleUser) -> bool {
    access::masks_id_numbers(user.0.role)
}

#[derive(Deserialize)]
pub struct ImportQuery {
    /// `roll`, or a department file's source code (`medical`, `disability`, …).
    source: String,
}

/// Import a file (CSV or a workbook): the register's roll or a department's file.
pub async fn import(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult {
    blocking(move || {
        may_import(&user)?;
        let text = crate::workflow::sheet::text(&body)?;
        let text = text.as_ref();
        let who = user.who(&st)?;
        let config = rules::load(&st.data_root)?;
        let calendar = st.workflow_config()?.calendar;
        if q.source == "roll" {
            let report = register::import_roll(st.store.as_ref(), &who, text, now())?;
            // Rows imported before their household was registered warn now.
            let raised =
                warnings::reevaluate(st.store.as_ref(), &config, &calendar, &who, today(), now())?;
            let mut v = json!(report);
            v["warnings"] = json!(raised);
            return Ok(Json(v));
        }
        let source = Source::from_code(&q.source)
            .ok_or_else(|| WorkflowError::Invalid(format!("没有“{}”这种数据来源", q.source)))?;
        let report = warnings::import(
            st.store.as_ref(),
            &config,
            &calendar,
            &who,
            source,
            text,
            now(),
        )?;
        Ok(Json(json!(report)))
    })
    .await
}

/// The imports so far and each source's columns.
pub async fn imports(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let sources: Vec<Value> = Source::ALL
            .iter()
            .map(|s| json!({"code": s.code(), "zh": s.zh(), "columns": s.columns()}))
            .chain(std::iter::once(
                json!({"code": "roll", "zh": "民政低收入人口名册", "columns": register::ROLL_COLUMNS}),
            ))
            .collect();
        let mut list = warnings::imports(st.store.as_ref())?;
        if mask(&user) {
            list.iter_mut().for_each(access::mask_id_numbers_in);
        }
        Ok(Json(json!({ "sources": sources, "imports": list })))
    })
    .await
}

/// The warning queue of the user's township (all of them for the bureau).
pub async fn queue(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let today = today();
        let v: Vec<Value> = warnings::queue(st.store.as_ref(), &user.0)?
            .iter()
            .map(|w| w.json(today, mask(&user)))
            .collect();
        Ok(Json(json!({ "today": today, "warnings": v })))
    })
    .await
}

#[derive(Deserialize)]
pub struct Dismiss {
    #[serde(default)]
    reason: String,
}

fn answer(w: &Warning, user: &ConsoleUser) -> ApiResult {
    Ok(Json(w.json(today(), mask(user))))
}

pub async fn dismiss(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<Dismiss>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let who = user.who(&st)?;
        let w = warnings::dismiss(st.store.as_ref(), &who, &user.0, &id, &b.reason, now())?;
        answer(&w, &user)
    })
    .await
}

/// Open a 探访 case for the warning's household.
pub async fn visit(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let who = user.who(&st)?;
        let config = st.workflow_config()?;
        let w = warnings::open_visit(st.store.as_ref(), &config, &who, &user.0, &id, now())?;
        answer(&w, &user)
    })
    .await
}

/// Open an application on the family's behalf from a warning.
pub async fn apply(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let who = user.who(&st)?;
        let (w, flow) = warnings::apply_from_warning(st.store.as_ref(), &who, &user.0, &id, now())?;
        let mut v = w.json(today(), mask(&user));
        v["application"] = json!({"case_id": flow.case_id, "case_no": flow.case_no});
        Ok(Json(v))
    })
    .await
}

/// Open an application on the family's behalf from a 探访 case.
pub async fn apply_from_visit(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let case = user.case_in_scope(&st, &id)?;
        let who = user.who(&st)?;
        let flow = warnings::apply_from_visit(st.store.as_ref(), &who, &user.0, case, now())?;
        Ok(Json(
            json!({"case_id": flow.case_id, "case_no": flow.case_no}),
        ))
    })
    .await
}

/// The 定期探访 of the user's townships, by village and due day; overdue ones flagged.
pub async fn visits(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let sees = |t: &str| access::sees(&user.0, t);
        let list = schedule::list(st.store.as_ref(), &sees, today())?;
        Ok(Json(json!({ "today": today(), "visits": list })))
    })
    .await
}

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// Households of the register by ID number or name (the user's townships).
pub async fn search(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(s): Query<Search>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let reg = register::load(st.store.as_ref())?;
        let mut found: Vec<Value> = reg
            .search(&s.q)
            .into_iter()
            .filter(|h| access::sees(&user.0, &h.township))
            .map(household_json)
            .collect();
        if mask(&user) {
            found.iter_mut().for_each(access::mask_id_numbers_in);
        }
        Ok(Json(json!({ "households": found })))
    })
    .await
}

fn household_json(h: &Household) -> Value {
    let history: Vec<Value> = h
        .history
        .iter()
        .map(|c| json!({"layer": c.layer, "layer_zh": c.layer.zh(), "from": c.from, "source": c.source}))
        .collect();
    json!({
        "id": h.id, "head_name": h.head_name, "township": h.township, "village": h.village,
        "layer": h.layer, "layer_zh": h.layer.zh(), "members": h.members,
        "living_alone": h.living_alone, "left_behind_children": h.left_behind_children,
        "history": history, "case_id": h.case_id,
    })
}

/// Warnings by rule and township, handled within the limit, families helped after a warning.
pub async fn figures(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let ws = warnings::queue(st.store.as_ref(), &user.0)?;
        let rows = crate::monitoring::figures::load(st.store.as_ref(), &ws)?;
        Ok(Json(json!({ "rows": rows })))
    })
    .await
}
