//! Oversight (docs/oversight.md): the dashboard, the monthly payment list and the 民政统计
//! figures, for the township lead (their township) and the bureau (every township, or one).
//! The figures are `oversight`'s; these handlers pick the scope and the format.

use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::extract::ConsoleUser;
use crate::api::respond;
use crate::api::state::AppState;
use crate::cases;
use crate::clock::today;
use crate::oversight::{self, CaseFigure, Month, Table, dashboard, payments, statistics};
use crate::review::{access, text};
use crate::store::StoreError;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
pub struct OversightQuery {
    township: Option<String>,
    /// `YYYY-MM`; this month when absent.
    month: Option<String>,
    /// One chart's table (`dashboard::CHARTS`); every chart when absent.
    chart: Option<String>,
}

/// The dashboard of the cases in scope, with 主动发现's figures of the same townships.
fn dashboard_of(
    st: &AppState,
    user: &ConsoleUser,
    township: Option<&str>,
    cases: &[CaseFigure],
) -> ApiResult<dashboard::Dashboard> {
    let warnings: Vec<_> = crate::monitoring::warnings::queue(st.store.as_ref(), &user.0)?
        .into_iter()
        .filter(|w| township.is_none_or(|t| w.township == t))
        .collect();
    let discovery = crate::monitoring::figures::load(st.store.as_ref(), &warnings)?;
    Ok(dashboard::dashboard(cases, today()).with_discovery(&discovery))
}

/// Who asks, the township in scope (none: all they see) and the cases.
fn figures(
    st: &AppState,
    user: &ConsoleUser,
    q: &OversightQuery,
) -> ApiResult<(Option<String>, Vec<CaseFigure>)> {
    let township = oversight::township_scope(&user.0, q.township.as_deref())?;
    let config = st.workflow_config()?;
    let cases = oversight::gather(
        st.store.as_ref(),
        &st.blobs,
        &config,
        (&user.0, township.as_deref()),
        today(),
    )?;
    Ok((township, cases))
}

fn month(q: &OversightQuery) -> ApiResult<Month> {
    match q.month.as_deref() {
        None => Ok(Month::of(today())),
        Some(m) => Ok(m.trim().parse()?),
    }
}

fn xlsx(tables: &[Table], name: &str) -> ApiResult<Response> {
    let bytes = oversight::xlsx(tables)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "export", e.to_string()))?;
    Ok(respond::xlsx(bytes, name))
}

pub async fn dashboard(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<OversightQuery>,
) -> ApiResult {
    blocking(move || {
        let (township, cases) = figures(&st, &user, &q)?;
        Ok(Json(json!(dashboard_of(
            &st,
            &user,
            township.as_deref(),
            &cases
        )?)))
    })
    .await
}

pub async fn dashboard_xlsx(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<OversightQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let (township, cases) = figures(&st, &user, &q)?;
        let d = dashboard_of(&st, &user, township.as_deref(), &cases)?;
        let keys: Vec<&str> = match q.chart.as_deref() {
            Some(k) if dashboard::CHARTS.contains(&k) => vec![k],
            Some(_) => return Err(ApiError::invalid(text::UNKNOWN_CHART)),
            None => dashboard::CHARTS.to_vec(),
        };
        let tables: Vec<Table> = keys.iter().filter_map(|k| d.table(k)).collect();
        user.audit(
            &st,
            "export_dashboard",
            None,
            json!({ "township": township, "charts": keys }),
        )?;
        xlsx(&tables, "dashboard.xlsx")
    })
    .await
}

/// The payment list of the month in scope; account numbers masked for those who see ID numbers
/// masked. Reading it is audited (it names households and their accounts).
fn payment_list(
    st: &AppState,
    user: &ConsoleUser,
    q: &OversightQuery,
    action: &str,
) -> ApiResult<payments::PaymentList> {
    let month = month(q)?;
    let (township, cases) = figures(st, user, q)?;
    let store = st.store.as_ref();
    let mut document = |c: &CaseFigure| -> crate::workflow::Result<_> {
        let doc = cases::load_case(store, c.row.case_id)?
            .read()
            .map_err(StoreError::from)?;
        Ok(Some(doc))
    };
    let list = payments::list(
        &cases,
        (month, township.as_deref()),
        &mut document,
        access::masks_id_numbers(user.0.role),
    )?;
    user.audit(
        st,
        action,
        None,
        json!({ "month": list.month, "township": township, "households": list.households }),
    )?;
    Ok(list)
}

pub async fn payments_json(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<OversightQuery>,
) -> ApiResult {
    blocking(move || Ok(Json(json!(payment_list(&st, &user, &q, "view_payments")?)))).await
}

pub async fn payments_xlsx(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<OversightQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let list = payment_list(&st, &user, &q, "export_payments")?;
        xlsx(&[list.table()], &format!("payments-{}.xlsx", list.month))
    })
    .await
}

pub async fn payments_pdf(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<OversightQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let list = payment_list(&st, &user, &q, "export_payments")?;
        let bytes = list.pdf(&today().to_string())?;
        Ok(respond::pdf(bytes, &format!("payments-{}.pdf", list.month)))
    })
    .await
}

fn monthly(
    st: &AppState,
    user: &ConsoleUser,
    q: &OversightQuery,
) -> ApiResult<statistics::Statistics> {
    let month = month(q)?;
    let (township, cases) = figures(st, user, q)?;
    Ok(statistics::monthly(&cases, month, township.as_deref()))
}

pub async fn statistics_json(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<OversightQuery>,
) -> ApiResult {
    blocking(move || {
        let s = monthly(&st, &user, &q)?;
        let table = s.table().shown();
        Ok(Json(json!({ "statistics": s, "table": table })))
    })
    .await
}

pub async fn statistics_xlsx(
    State(st): State<AppState>,
    user: ConsoleUser,
    Query(q): Query<OversightQuery>,
) -> ApiResult<Response> {
    blocking(move || {
        let s = monthly(&st, &user, &q)?;
        user.audit(
            &st,
            "export_statistics",
            None,
            json!({ "month": s.month, "township": s.township }),
        )?;
        xlsx(&[s.table()], &format!("statistics-{}.xlsx", s.month))
    })
    .await
}
