//! The applicant's phone pages' API (`/api/applicant`, docs/workflow-api.md): sign-in by phone
//! number and one-time code, the application with its materials and signatures, the status page
//! with every notice, and periodic reports. The work is `applicants`' and
//! `workflow::applications`'; an applicant reaches only the cases of their phone.

use super::error::{ApiError, ApiResult, blocking};
use super::extract::{
    APPLICANT_COOKIE, Applicant, ClientAddr, MaterialQuery, cookie, session_cookie,
};
use super::respond;
use super::state::AppState;
use crate::applicants::{self, CODE_TTL_S, SESSION_TTL_S};
use crate::clock::{now, today};
use crate::workflow::flow::{Application, Flow, SignMode};
use crate::workflow::reviews::{self, ReportInput};
use crate::workflow::{applications, notices};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct CodeBody {
    phone: String,
}

pub async fn send_code(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(b): Json<CodeBody>,
) -> ApiResult {
    blocking(move || {
        applicants::send_code(st.store.as_ref(), st.codes.as_ref(), &b.phone, addr, now())?;
        Ok(Json(json!({ "sent": true, "expires_in": CODE_TTL_S })))
    })
    .await
}

#[derive(Deserialize)]
pub struct LoginBody {
    phone: String,
    code: String,
}

pub async fn login(State(st): State<AppState>, Json(b): Json<LoginBody>) -> ApiResult<Response> {
    blocking(move || {
        let (phone, token) = applicants::sign_in(st.store.as_ref(), &b.phone, &b.code, now())?;
        let cookie = session_cookie(&APPLICANT_COOKIE, &token, SESSION_TTL_S);
        Ok((
            [(header::SET_COOKIE, cookie)],
            Json(json!({ "phone": phone })),
        )
            .into_response())
    })
    .await
}

pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = cookie(&headers, &APPLICANT_COOKIE) {
        blocking(move || Ok(applicants::sign_out(st.store.as_ref(), &token)?)).await?;
    }
    let cookie = session_cookie(&APPLICANT_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({}))).into_response())
}

pub async fn me(State(st): State<AppState>, a: Applicant) -> ApiResult {
    blocking(move || {
        let cases = applicants::cases(st.store.as_ref(), &a.0)?;
        Ok(Json(json!({ "phone": a.0, "cases": cases })))
    })
    .await
}

pub async fn townships(State(st): State<AppState>) -> ApiResult {
    blocking(move || {
        let t = applicants::townships(st.store.as_ref())?;
        Ok(Json(json!({ "townships": t })))
    })
    .await
}

/// The `ApplicantCase` answer.
fn answer(st: &AppState, f: &Flow) -> ApiResult {
    let config = st.workflow_config()?;
    Ok(Json(applicants::case_json(
        st.store.as_ref(),
        f,
        &config.options,
        today(),
    )?))
}

pub async fn case(State(st): State<AppState>, a: Applicant, Path(id): Path<String>) -> ApiResult {
    blocking(move || answer(&st, &applicants::own_flow(st.store.as_ref(), &a.0, &id)?)).await
}

pub async fn create(
    State(st): State<AppState>,
    a: Applicant,
    Json(app): Json<Application>,
) -> ApiResult {
    blocking(move || {
        answer(
            &st,
            &applications::create(st.store.as_ref(), &a.0, &app, now())?,
        )
    })
    .await
}

pub async fn update(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Json(app): Json<Application>,
) -> ApiResult {
    blocking(move || {
        let case = applicants::case_id(&id)?;
        let f = applications::update(st.store.as_ref(), case, a.party(), &app, now())?;
        answer(&st, &f)
    })
    .await
}

pub async fn material_upload(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Query(q): Query<MaterialQuery>,
    body: Bytes,
) -> ApiResult {
    blocking(move || {
        let case = applicants::case_id(&id)?;
        let upload = applications::Upload {
            kind: &q.kind,
            name: &q.name,
            bytes: &body,
        };
        let by = applications::Uploader::Party(a.party());
        let (f, _) =
            applications::add_material(st.store.as_ref(), &st.blobs, case, by, upload, now())?;
        answer(&st, &f)
    })
    .await
}

#[derive(Deserialize)]
pub struct SignBody {
    document: String,
    signer: String,
    image: String,
}

pub async fn sign(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Json(b): Json<SignBody>,
) -> ApiResult {
    blocking(move || {
        let case = applicants::case_id(&id)?;
        let signing = applications::Signing {
            document: &b.document,
            signer: &b.signer,
            mode: SignMode::Pad,
            image: &b.image,
        };
        let f = applications::sign(
            st.store.as_ref(),
            &st.blobs,
            case,
            a.party(),
            signing,
            now(),
        )?;
        answer(&st, &f)
    })
    .await
}

pub async fn submit(State(st): State<AppState>, a: Applicant, Path(id): Path<String>) -> ApiResult {
    blocking(move || {
        let case = applicants::case_id(&id)?;
        let config = st.workflow_config()?;
        let f = applications::submit(
            st.store.as_ref(),
            &config,
            case,
            a.party(),
            &a.who(&st)?,
            now(),
        )?;
        answer(&st, &f)
    })
    .await
}

#[derive(Deserialize)]
pub struct CheckObjectionBody {
    reason: String,
}

/// The applicant objects to the 核对 result (S1 Art. 18): the case goes to 复查.
pub async fn object_to_check(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Json(b): Json<CheckObjectionBody>,
) -> ApiResult {
    blocking(move || {
        let case = applicants::case_id(&id)?;
        let config = st.workflow_config()?;
        let who = a.who(&st)?;
        let store = st.store.as_ref();
        let f = applications::object_to_check(store, &config, case, &a.0, &b.reason, &who, now())?;
        answer(&st, &f)
    })
    .await
}

pub async fn report(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
    Json(b): Json<ReportInput>,
) -> ApiResult {
    blocking(move || {
        let case = applicants::case_id(&id)?;
        let config = st.workflow_config()?;
        let store = st.store.as_ref();
        let (report_id, review) =
            reviews::submit_report(store, &config, case, &a.0, &b, &a.who(&st)?, now())?;
        let f = applicants::own_flow(store, &a.0, &id)?;
        let case = applicants::case_json(store, &f, &config.options, today())?;
        Ok(Json(
            json!({ "report_id": report_id, "review_case_no": review, "case": case }),
        ))
    })
    .await
}

pub async fn material(
    State(st): State<AppState>,
    a: Applicant,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let Some((case, m)) = applications::material(st.store.as_ref(), &id)? else {
            return Err(ApiError::not_found());
        };
        applicants::own_flow(st.store.as_ref(), &a.0, &case)?;
        respond::stored_image(&st, &m.hash)
    })
    .await
}

pub async fn notice_pdf(
    State(st): State<AppState>,
    a: Applicant,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    blocking(move || {
        let id = file.strip_suffix(".pdf").unwrap_or(&file);
        let n = notices::get(st.store.as_ref(), id).map_err(|_| ApiError::not_found())?;
        applicants::own_flow(st.store.as_ref(), &a.0, &n.case_id)?;
        Ok(respond::pdf(notices::pdf(&n)?, &n.kind))
    })
    .await
}
