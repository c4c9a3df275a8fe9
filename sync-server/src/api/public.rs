//! Public pages' API (`/api/public`): the 公示 list with online objections, the approved roll,
//! and 民主评议 ballots reached by a representative's one-time link. Only what domain §6.2
//! allows leaves the server here.

use super::error::{ApiError, ApiResult, blocking};
use super::extract::ClientAddr;
use super::state::AppState;
use crate::clock::{now, today};
use crate::workflow::flows::flow_of;
use crate::workflow::{Who, WorkflowError, meetings, publicity};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiuzhu_shared::workflow::{Role, Vote};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct TownshipQuery {
    township: String,
}

pub async fn list_publicity(
    State(st): State<AppState>,
    Query(q): Query<TownshipQuery>,
) -> ApiResult {
    blocking(move || {
        let config = st.workflow_config()?;
        let entries: Vec<_> = publicity::publicity(st.store.as_ref(), &q.township, today())?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        Ok(Json(json!({ "township": q.township, "hotline": config.options.hotline, "entries": entries })))
    })
    .await
}

#[derive(Deserialize)]
pub struct ObjectionBody {
    entry_id: String,
    content: String,
    #[serde(default)]
    contact: String,
}

pub async fn object(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(b): Json<ObjectionBody>,
) -> ApiResult {
    blocking(move || {
        let config = st.workflow_config()?;
        // The online form is registered on the township's behalf, as a caseworker would
        // register a call: the engine's role for 登记公示异议.
        let who = Who {
            name: "网上异议表".into(),
            role: Role::Caseworker,
            actor: st.store.server_actor()?,
            audit: "public objection form".into(),
        };
        let o = publicity::object_online(
            st.store.as_ref(),
            &config,
            &b.entry_id,
            &who,
            publicity::Received {
                channel: "online",
                content: &b.content,
                contact: &b.contact,
            },
            addr,
            now(),
        )?;
        Ok(Json(json!({ "receipt": o.receipt })))
    })
    .await
}

pub async fn roll(State(st): State<AppState>, Query(q): Query<TownshipQuery>) -> ApiResult {
    blocking(move || {
        let entries = publicity::roll(st.store.as_ref(), &q.township)?;
        Ok(Json(json!({ "township": q.township, "entries": entries })))
    })
    .await
}

pub async fn ballot(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
) -> ApiResult {
    blocking(move || {
        let store = st.store.as_ref();
        let (m, idx) = meetings::with_link(store, addr, now(), || {
            meetings::by_token(store, &token)
        })
        .map_err(link_error)?;
        // Only the meeting's cases, never every flow.
        let flows: Vec<_> = m
            .case_ids
            .iter()
            .filter_map(|c| c.parse().ok())
            .filter_map(|c| flow_of(store, c).transpose())
            .collect::<Result<_, _>>()?;
        let rules = crate::proposals::load(&st.data_root).ok();
        let cases = meetings::ballot_cases(store, &flows, rules.as_ref(), (&m, idx), today());
        Ok(Json(json!({
            "meeting": {"id": m.id, "title": m.title, "village": m.village, "held_on": m.held_on, "secret": m.secret},
            "representative": m.roster[idx].name,
            "cases": cases,
            "voted": m.roster[idx].voted_at.is_some(),
        })))
    })
    .await
}

/// A link not found says so in its own words; other refusals as usual.
fn link_error(e: WorkflowError) -> ApiError {
    match e {
        WorkflowError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "link_invalid", m),
        e => e.into(),
    }
}

#[derive(Deserialize)]
struct VoteItem {
    case_id: String,
    vote: Vote,
}

#[derive(Deserialize)]
pub struct VoteBody {
    votes: Vec<VoteItem>,
    signature: String,
}

pub async fn vote(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Json(b): Json<VoteBody>,
) -> ApiResult {
    use base64::Engine;
    blocking(move || {
        let png = b
            .signature
            .strip_prefix("data:image/png;base64,")
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .ok_or_else(|| ApiError::invalid("请先签名"))?;
        let votes: Vec<(String, Vote)> = b
            .votes
            .iter()
            .map(|v| (v.case_id.clone(), v.vote))
            .collect();
        let store = st.store.as_ref();
        meetings::with_link(store, addr, now(), || {
            meetings::vote(store, &st.blobs, &token, &votes, &png, now())
        })
        .map_err(link_error)?;
        Ok(Json(json!({ "recorded": true })))
    })
    .await
}
