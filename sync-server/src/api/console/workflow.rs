//! A case's workflow (docs/workflow-api.md): the view with the moves the user's role could take,
//! taking a move, the facts kept beside it (初审 checklist, 单独登记备案, extended limit) and
//! objections registered by the township. Each answers with the refreshed workflow.

use crate::api::error::{ApiResult, blocking};
use crate::api::extract::{CaseInScope, ConsoleUser, MaterialQuery};
use crate::api::respond;
use crate::api::state::AppState;
use crate::clock::{now, today};
use crate::review::access::Action;
use crate::review::{scope, text};
use crate::workflow::flow::{CheckItem, Facts};
use crate::workflow::service::{self, ActionInput};
use crate::workflow::{WorkflowError, applications, check_results, publicity, view};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use bytes::Bytes;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::workflow::ExtensionReason;
use serde::Deserialize;
use serde_json::{Value, json};

/// The `Workflow` answer for the user.
fn answer(st: &AppState, user: &ConsoleUser, case: CaseId) -> ApiResult {
    let config = st.workflow_config()?;
    let v = view::workflow(st.store.as_ref(), &config, case, user.0.role, today())?;
    Ok(Json(v))
}

/// The workflow view carries the application's ID numbers and the facts: viewing it is audited.
pub async fn show(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
) -> ApiResult {
    blocking(move || {
        user.audit(&st, "view_workflow", Some(case), json!({}))?;
        answer(&st, &user, case)
    })
    .await
}

pub async fn take(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
    Json(body): Json<Value>,
) -> ApiResult {
    let mut input: ActionInput = serde_json::from_value(body.clone())
        .map_err(|e| crate::api::error::ApiError::invalid(e.to_string()))?;
    blocking(move || {
        if st.level.is_station() {
            // The banner is the workflow's home: the action waits for the next uplink round,
            // which takes it there (or brings back the engine's refusal).
            let id =
                crate::levels::forward::queue(st.store.as_ref(), case, &user.0.name, &body, now())?;
            let Json(mut v) = answer(&st, &user, case)?;
            v["forwarded"] = json!({ "id": id, "message": text::FORWARDED });
            return Ok(Json(v));
        }
        let config = st.workflow_config()?;
        let who = user.who(&st)?;
        let store = st.store.as_ref();
        let team_ok = |team: &[crate::store::User]| scope::assignable(&user.0, team);
        if matches!(
            input.action,
            jiuzhu_shared::workflow::Action::Approve | jiuzhu_shared::workflow::Action::Reject
        ) {
            // Kept for the figures only: a case whose rules cannot be read is still decided.
            input.assessed = crate::proposals::assess(store, &st.data_root, case, now())
                .unwrap_or_else(|e| {
                    tracing::warn!("case {case}: no assessment kept with the decision: {e}");
                    None
                });
        }
        service::act_assigning(store, &config, case, &who, &input, now(), &team_ok)?;
        answer(&st, &user, case)
    })
    .await
}

/// Change facts the township keeps beside the workflow (no transition), audited, and answer with
/// the refreshed workflow.
fn change_facts(
    st: &AppState,
    user: &ConsoleUser,
    case: CaseId,
    what: (&str, Value),
    change: &mut dyn FnMut(&mut Facts) -> Result<(), WorkflowError>,
) -> ApiResult {
    user.may(Action::Decide)?;
    let config = st.workflow_config()?;
    let who = user.who(st)?;
    service::update_facts(st.store.as_ref(), &config, case, &who, what, now(), change)?;
    answer(st, user, case)
}

#[derive(Deserialize)]
pub struct ChecklistBody {
    items: Vec<CheckItem>,
}

pub async fn checklist(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
    Json(b): Json<ChecklistBody>,
) -> ApiResult {
    blocking(move || {
        let detail = json!({ "items": b.items });
        change_facts(&st, &user, case, ("checklist", detail), &mut |f| {
            f.checklist = b.items.clone();
            Ok(())
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct FlagsBody {
    separately_registered: bool,
    #[serde(default)]
    reason: String,
}

pub async fn flags(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
    Json(b): Json<FlagsBody>,
) -> ApiResult {
    blocking(move || {
        let detail = json!({"separately_registered": b.separately_registered, "reason": b.reason});
        let what = ("flag_separately_registered", detail);
        change_facts(&st, &user, case, what, &mut |f| {
            let reason = b.reason.trim();
            if b.separately_registered && reason.is_empty() {
                return Err(WorkflowError::Invalid(
                    text::SEPARATE_REASON_REQUIRED.into(),
                ));
            }
            f.separately_registered = b.separately_registered;
            f.separately_reason = Some(reason.to_string()).filter(|r| !r.is_empty());
            Ok(())
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct ExtensionBody {
    /// A named reason (S6 §四(一)), or null to withdraw the extension.
    reason: Option<ExtensionReason>,
}

/// Extend the overall limit to 45 working days for a named reason (or withdraw it).
pub async fn extension(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
    Json(b): Json<ExtensionBody>,
) -> ApiResult {
    blocking(move || {
        let what = ("extend_limit", json!({ "extension": b.reason }));
        change_facts(&st, &user, case, what, &mut |f| {
            f.extension = b.reason;
            Ok(())
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct ObjectionBody {
    channel: String,
    content: String,
    #[serde(default)]
    contact: String,
}

pub async fn objection(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
    Json(b): Json<ObjectionBody>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let config = st.workflow_config()?;
        let who = user.who(&st)?;
        let received = publicity::Received {
            channel: &b.channel,
            content: &b.content,
            contact: &b.contact,
        };
        publicity::register_objection(st.store.as_ref(), &config, case, &who, received, now())?;
        answer(&st, &user, case)
    })
    .await
}

/// A township user's photo of a case (the decider's own visit), downscaled in the browser.
pub async fn material_upload(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
    Query(q): Query<MaterialQuery>,
    body: Bytes,
) -> ApiResult {
    blocking(move || {
        user.may(Action::AddMaterial)?;
        let who = user.who(&st)?;
        let upload = applications::Upload {
            kind: &q.kind,
            name: &q.name,
            bytes: &body,
        };
        let by = applications::Uploader::Township(&who);
        let (_, m) =
            applications::add_material(st.store.as_ref(), &st.blobs, case, by, upload, now())?;
        Ok(Json(json!({ "id": m.id, "name": m.name })))
    })
    .await
}

/// Import a file of 核对 results (CSV or a workbook): each row reported, the rest imported.
pub async fn import_check_results(
    State(st): State<AppState>,
    user: ConsoleUser,
    body: Bytes,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let text = crate::workflow::sheet::text(&body)?;
        let config = st.workflow_config()?;
        let who = user.who(&st)?;
        let in_scope = |f: &crate::workflow::flow::Flow| user.sees(&f.township);
        let report =
            check_results::import(st.store.as_ref(), &config, &who, &in_scope, &text, now())?;
        Ok(Json(json!(report)))
    })
    .await
}

/// The file layout the 核对 results import reads, as a template to fill in.
pub async fn check_results_template(_user: ConsoleUser) -> Response {
    respond::csv(check_results::template(), "check-results-template.csv")
}
