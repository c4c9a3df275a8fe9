//! 民主评议 meetings of the user's township: list, create (with each representative's one-time
//! voting link as URL and QR code), show, close, and the minutes as PDF.

use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::extract::ConsoleUser;
use crate::api::respond::{self, qr_svg};
use crate::api::state::AppState;
use crate::clock::now;
use crate::review::access::{self, Action};
use crate::workflow::meetings::{self, Meeting, MeetingInput};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

fn in_scope(st: &AppState, user: &ConsoleUser, id: &str) -> ApiResult<Meeting> {
    let m = meetings::get(st.store.as_ref(), id)?;
    if !user.sees(&m.township) {
        return Err(ApiError::not_found());
    }
    Ok(m)
}

pub async fn list(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        let config = st.workflow_config()?;
        let mut out = Vec::new();
        for m in meetings::list(st.store.as_ref())?
            .iter()
            .filter(|m| user.sees(&m.township))
            .rev()
        {
            out.push(meetings::to_json(st.store.as_ref(), &config, m)?);
        }
        Ok(Json(json!({ "meetings": out })))
    })
    .await
}

#[derive(Deserialize)]
pub struct MeetingBody {
    #[serde(default)]
    township: Option<String>,
    #[serde(flatten)]
    input: MeetingInput,
}

/// The address the console reached the server at: representatives' phones open the same one.
fn origin(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map(|h| format!("https://{h}"))
        .unwrap_or_default()
}

pub async fn create(
    State(st): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    Json(b): Json<MeetingBody>,
) -> ApiResult {
    let origin = origin(&headers);
    blocking(move || {
        user.may(Action::Decide)?;
        let config = st.workflow_config()?;
        let who = user.who(&st)?;
        let township = b
            .township
            .clone()
            .filter(|_| access::banner_wide(user.0.role))
            .unwrap_or_else(|| user.0.township.clone());
        let store = st.store.as_ref();
        let (m, tokens) = meetings::create(store, &config, &township, &who, &b.input, now())?;
        let mut v = meetings::to_json(store, &config, &m)?;
        let links: Vec<Value> = tokens
            .iter()
            .map(|(name, token)| {
                let url = format!("{origin}/m/#/vote/{token}");
                let qr = qr_svg(&url, 160).unwrap_or_default();
                json!({"name": name, "url": url, "qr_svg": qr})
            })
            .collect();
        v["links"] = json!(links);
        Ok(Json(v))
    })
    .await
}

pub async fn get(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        let config = st.workflow_config()?;
        let m = in_scope(&st, &user, &id)?;
        Ok(Json(meetings::to_json(st.store.as_ref(), &config, &m)?))
    })
    .await
}

#[derive(Deserialize)]
pub struct CloseBody {
    #[serde(default)]
    minutes: String,
}

pub async fn close(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<CloseBody>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Decide)?;
        let config = st.workflow_config()?;
        in_scope(&st, &user, &id)?;
        let who = user.who(&st)?;
        let m = meetings::close(st.store.as_ref(), &config, &id, &who, &b.minutes, now())?;
        Ok(Json(meetings::to_json(st.store.as_ref(), &config, &m)?))
    })
    .await
}

pub async fn minutes_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let config = st.workflow_config()?;
        let m = in_scope(&st, &user, &id)?;
        let pdf = meetings::minutes_pdf(st.store.as_ref(), &config, &m)?;
        Ok(respond::pdf(pdf, "minutes"))
    })
    .await
}
