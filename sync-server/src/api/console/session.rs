//! Signing in and out of the console, who is signed in, and the change sequence it polls.

use crate::api::error::{ApiResult, blocking};
use crate::api::extract::{
    ClientAddr, ConsolePoll, ConsoleUser, SESSION_COOKIE, cookie, session_cookie,
};
use crate::api::state::AppState;
use crate::clock::now;
use crate::review::sessions::{self, SESSION_TTL_S};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct LoginBody {
    name: String,
    password: String,
}

pub async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(b): Json<LoginBody>,
) -> ApiResult<Response> {
    blocking(move || {
        let (user, token) =
            sessions::sign_in(st.store.as_ref(), &b.name, &b.password, addr, now())?;
        let cookie = session_cookie(&SESSION_COOKIE, &token, SESSION_TTL_S);
        Ok((
            [(header::SET_COOKIE, cookie)],
            Json(json!({ "user": user })),
        )
            .into_response())
    })
    .await
}

pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = cookie(&headers, &SESSION_COOKIE) {
        blocking(move || Ok(sessions::sign_out(st.store.as_ref(), &token)?)).await?;
    }
    let cookie = session_cookie(&SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({}))).into_response())
}

pub async fn me(user: ConsoleUser) -> ApiResult {
    Ok(Json(json!({ "user": user.0 })))
}

/// At which level this console runs (`levels`): the banner, or a township station with its
/// uplink — when the banner last answered and what waits to go up.
pub async fn level(State(st): State<AppState>, _user: ConsolePoll) -> ApiResult {
    let mut v = st.level.json();
    if st.level.is_station() {
        let store = st.store.clone();
        v["forwarded"] = blocking(move || Ok(crate::levels::forward::recent(store.as_ref(), 20)?))
            .await?
            .into();
    }
    Ok(Json(v))
}

/// Polled every few seconds by open pages: not the user's activity (`ConsolePoll`).
pub async fn version(State(st): State<AppState>, _user: ConsolePoll) -> ApiResult {
    let seq = blocking(move || Ok(st.store.change_seq()?)).await?;
    Ok(Json(json!({ "seq": seq })))
}
