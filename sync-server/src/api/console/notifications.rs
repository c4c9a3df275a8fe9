//! What was sent to whom (docs/notifications.md): a case's outbox records — its notices, the
//! periodic-report reminders, and the ballot links of the meetings it was reviewed at — with
//! recipients masked, and 重发 for a failed one (township roles; the bureau reads).

use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::extract::{CaseInScope, ConsoleUser};
use crate::api::state::AppState;
use crate::clock::now;
use crate::notify::outbox::{self, Notification, RetryError};
use crate::notify::{ChannelKind, config};
use crate::review::access::Action;
use crate::store::Store;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiuzhu_shared::CaseId;
use serde_json::{Value, json};

/// The meetings `case` was put to: their ballot links are shown with it.
fn meetings_of(store: &dyn Store, case: CaseId) -> ApiResult<Vec<String>> {
    let case = case.to_string();
    Ok(crate::workflow::meetings::list(store)?
        .into_iter()
        .filter(|m| m.case_ids.contains(&case))
        .map(|m| m.id)
        .collect())
}

/// A recipient as the console shows it: `138****1234`, an openid's first characters.
fn masked(n: &Notification) -> String {
    match n.channel {
        ChannelKind::Sms => crate::workflow::mask_phone(&n.to),
        ChannelKind::Wechat => format!("{}****", n.to.chars().take(6).collect::<String>()),
    }
}

fn view(n: &Notification) -> Value {
    json!({
        "id": n.id, "case_no": n.case_no, "topic": n.topic, "kind": n.kind, "title": n.title,
        "channel": n.channel, "role": n.role, "to": masked(n), "text": n.text,
        "state": n.state, "attempts": n.attempts, "next_at": n.next_at,
        "created_at": n.created_at,
    })
}

pub async fn of_case(
    State(st): State<AppState>,
    CaseInScope { user, case }: CaseInScope,
) -> ApiResult {
    blocking(move || {
        user.may(Action::View)?;
        let store = st.store.as_ref();
        let list = outbox::of_case(store, &case.to_string(), &meetings_of(store, case)?)?;
        // A file that cannot be read is the operator's to fix; the console says "not configured".
        let channels = config::load(&st.data_root)
            .ok()
            .flatten()
            .map(|c| c.channels())
            .unwrap_or_default();
        Ok(Json(json!({
            "channels": channels,
            "items": list.iter().map(view).collect::<Vec<_>>(),
            "may_retry": crate::review::access::allowed(user.0.role, Action::Decide),
        })))
    })
    .await
}

pub async fn retry(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path((id, n)): Path<(String, String)>,
) -> ApiResult {
    blocking(move || {
        let case = user.case_in_scope(&st, &id)?;
        user.may(Action::Decide)?;
        let store = st.store.as_ref();
        let meetings = meetings_of(store, case)?;
        let case_id = case.to_string();
        let in_scope = |r: &Notification| {
            r.case_id.as_deref() == Some(case_id.as_str())
                || r.meeting.as_ref().is_some_and(|m| meetings.contains(m))
        };
        let who = user.who(&st)?;
        match outbox::retry(store, &n, &in_scope, &who.audit, now()) {
            Ok(r) => Ok(Json(view(&r))),
            Err(RetryError::NotFound) => Err(ApiError::not_found()),
            Err(e @ RetryError::NotFailed) => Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_failed",
                e.to_string(),
            )),
            Err(RetryError::Store(e)) => Err(e.into()),
        }
    })
    .await
}
