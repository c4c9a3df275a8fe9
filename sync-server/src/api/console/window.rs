//! The township window (docs/window-api.md): drafts of walk-in applications, their materials
//! and signatures, submission with 受理, the receipt, and the duplicate check. Only the
//! caseworker takes applications, and only window cases of their own township are reachable.

use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::extract::{ConsoleUser, MaterialQuery};
use crate::api::respond;
use crate::api::state::AppState;
use crate::clock::{now, today};
use crate::review::access::Action;
use crate::workflow::applications::{self, Signing, Upload, Uploader};
use crate::workflow::flow::{Flow, SignMode};
use crate::workflow::window::{self, Desk, WindowApplication};
use crate::workflow::{Who, parse_case};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

/// The caseworker at the window: who, and for which township.
struct Window {
    user: ConsoleUser,
    who: Who,
}

impl Window {
    fn of(st: &AppState, user: ConsoleUser) -> ApiResult<Self> {
        user.may(Action::Intake)?;
        let who = user.who(st)?;
        Ok(Window { user, who })
    }

    fn desk(&self) -> Desk<'_> {
        Desk {
            who: &self.who,
            township: &self.user.0.township,
        }
    }

    /// The window case `id` held by this desk (404 otherwise).
    fn held(&self, st: &AppState, id: &str) -> ApiResult<Flow> {
        let case = parse_case(id).map_err(|_| ApiError::not_found())?;
        Ok(window::held(st.store.as_ref(), &self.desk(), case)?)
    }
}

fn answer(st: &AppState, flow: &Flow) -> ApiResult {
    let config = st.workflow_config()?;
    Ok(Json(window::view(
        st.store.as_ref(),
        &config,
        flow,
        today(),
    )?))
}

pub async fn drafts(State(st): State<AppState>, user: ConsoleUser) -> ApiResult {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let config = st.workflow_config()?;
        let store = st.store.as_ref();
        let list = window::drafts(store, &w.user.0.township)?
            .iter()
            .map(|f| window::view(store, &config, f, today()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Json(json!(list)))
    })
    .await
}

pub async fn open(
    State(st): State<AppState>,
    user: ConsoleUser,
    Json(input): Json<WindowApplication>,
) -> ApiResult {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let f = window::open(st.store.as_ref(), &w.desk(), &input, now())?;
        answer(&st, &f)
    })
    .await
}

pub async fn get(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let f = w.held(&st, &id)?;
        w.user
            .audit(&st, "view_window_case", Some(f.id()?), json!({}))?;
        answer(&st, &f)
    })
    .await
}

pub async fn update(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(input): Json<WindowApplication>,
) -> ApiResult {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let case = w.held(&st, &id)?.id()?;
        let f = window::update(st.store.as_ref(), &w.desk(), case, &input, now())?;
        answer(&st, &f)
    })
    .await
}

/// A photographed or scanned paper material, downscaled in the browser.
pub async fn material_upload(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Query(q): Query<MaterialQuery>,
    body: Bytes,
) -> ApiResult {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let case = w.held(&st, &id)?.id()?;
        let upload = Upload {
            kind: &q.kind,
            name: &q.name,
            bytes: &body,
        };
        let by = Uploader::Party(w.desk().party());
        let (f, _) =
            applications::add_material(st.store.as_ref(), &st.blobs, case, by, upload, now())?;
        answer(&st, &f)
    })
    .await
}

/// A material of a window case, for the window's thumbnails (a draft is not in the queue, so
/// the queue's material route does not reach it).
pub async fn material(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path((id, material)): Path<(String, String)>,
) -> ApiResult<Response> {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let f = w.held(&st, &id)?;
        let Some((case, m)) = applications::material(st.store.as_ref(), &material)? else {
            return Err(ApiError::not_found());
        };
        if case != f.case_id {
            return Err(ApiError::not_found());
        }
        w.user.audit(
            &st,
            "view_material",
            Some(f.id()?),
            json!({"material": m.id}),
        )?;
        respond::stored_image(&st, &m.hash)
    })
    .await
}

#[derive(Deserialize)]
pub struct SignBody {
    document: String,
    signer: String,
    mode: SignMode,
    image: String,
}

pub async fn sign(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<SignBody>,
) -> ApiResult {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let case = w.held(&st, &id)?.id()?;
        let signing = Signing {
            document: &b.document,
            signer: &b.signer,
            mode: b.mode,
            image: &b.image,
        };
        let f = applications::sign(
            st.store.as_ref(),
            &st.blobs,
            case,
            w.desk().party(),
            signing,
            now(),
        )?;
        answer(&st, &f)
    })
    .await
}

pub async fn signature(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path((id, n)): Path<(String, usize)>,
) -> ApiResult<Response> {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let f = w.held(&st, &id)?;
        respond::stored_image(&st, &window::signature_hash(&f, n)?)
    })
    .await
}

#[derive(Deserialize)]
pub struct DiscardBody {
    reason: String,
}

/// Give up a draft.
pub async fn discard(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
    Json(b): Json<DiscardBody>,
) -> ApiResult {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let case = w.held(&st, &id)?.id()?;
        window::discard(st.store.as_ref(), &w.desk(), case, &b.reason, now())?;
        Ok(Json(json!({ "discarded": true })))
    })
    .await
}

/// 提交 and 受理 in one step.
pub async fn submit(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let case = w.held(&st, &id)?.id()?;
        let config = st.workflow_config()?;
        let f = window::submit(st.store.as_ref(), &config, &w.desk(), case, now())?;
        answer(&st, &f)
    })
    .await
}

pub async fn receipt(
    State(st): State<AppState>,
    user: ConsoleUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let w = Window::of(&st, user)?;
        let f = w.held(&st, &id)?;
        let config = st.workflow_config()?;
        let pdf = window::receipt_pdf(st.store.as_ref(), &config, &f)?;
        w.user
            .audit(&st, "print_receipt", Some(f.id()?), json!({}))?;
        Ok(respond::pdf(pdf, "receipt"))
    })
    .await
}

#[derive(Deserialize)]
pub struct DuplicateQuery {
    id_number: String,
}

/// Open or paying cases of an ID number, asked as the window types it.
pub async fn duplicates(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<DuplicateQuery>,
) -> ApiResult {
    blocking(move || {
        user.may(Action::Intake)?;
        let found = window::duplicates(st.store.as_ref(), &user.0, &q.id_number)?;
        user.audit(&st, "duplicate_check", None, json!({"found": found.len()}))?;
        Ok(Json(json!(found)))
    })
    .await
}
