//! All of the server's HTTP (axum): the route table, the shared state, the one error type, the
//! extractors for who is asking, and handlers that only translate between HTTP and the
//! libraries (`cases`, `applicants`, `review`, `workflow`, `sync_engine`, `blobs`).
//!
//! * `/api/v1` — the tablets (`device`, CBOR).
//! * `/api/console` — the township review console (`console::*`, JSON, session cookie).
//! * `/api/applicant` — the applicants' phone pages (`applicant`, JSON, their own cookie).
//! * `/api/public` — 公示, roll, objections and ballots (`public`, JSON, no sign-in).
//! * everything else — the built web apps (`web`); `/healthz` for monitoring.
//!
//! `redirect` answers plain HTTP on the HTTPS port with a redirect.

pub mod applicant;
pub mod console;
pub mod device;
pub mod error;
pub mod extract;
pub mod headers;
pub mod public;
pub mod redirect;
pub mod respond;
pub mod state;
pub mod station;
pub mod web;

pub use state::AppState;

use axum::Router;
use axum::routing::{get, post};
use console::{
    cases, devices, documents, meetings, monitoring, notifications, oversight, referrals, session,
    spot_checks, window, workflow,
};

/// The whole HTTP surface, with its layers (body limits, gzip both ways, security headers,
/// request tracing).
pub fn router(state: AppState) -> Router {
    use axum::extract::DefaultBodyLimit as Max;
    use tower_http::{
        compression::CompressionLayer, decompression::RequestDecompressionLayer,
        limit::RequestBodyLimitLayer,
    };
    let device = Router::new()
        .route(
            "/enroll",
            post(device::enroll).layer(Max::max(limits::SMALL)),
        )
        .route("/sync", post(device::sync).layer(Max::max(limits::SYNC)))
        .route(
            "/credential",
            post(device::credential).layer(Max::max(limits::SMALL)),
        )
        .route(
            "/blobs/{hash}",
            get(device::blob_status)
                .put(device::blob_put)
                .layer(Max::max(limits::CHUNK)),
        )
        .route("/cases/{case}/blobs/{hash}", get(device::case_blob))
        // Township stations (`levels`).
        .route(
            "/station/enroll",
            post(station::enroll).layer(Max::max(limits::SMALL)),
        )
        .route(
            "/station/round",
            post(station::round).layer(Max::max(limits::SYNC)),
        )
        .route(
            "/station/cases/{case}/blobs/{hash}",
            get(station::blob_get)
                .put(station::blob_put)
                .layer(Max::max(limits::STATION_BLOB)),
        )
        // The tablets read errors as the wire protocol's CBOR `ErrorBody`.
        .layer(axum::middleware::map_response(error::as_cbor));
    let console = Router::new()
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/version", get(session::version))
        .route("/level", get(session::level))
        .route("/cases", get(cases::list))
        .route("/cases/{id}", get(cases::detail_of))
        .route("/cases/{id}/history", get(cases::history))
        .route("/cases/{id}/audit", get(cases::audit))
        .route("/cases/{id}/notifications", get(notifications::of_case))
        .route(
            "/cases/{id}/notifications/{n}/retry",
            post(notifications::retry),
        )
        .route("/cases/{id}/proposal", get(cases::proposal))
        .route("/blobs/{hash}", get(cases::photo))
        .route("/investigators", get(cases::investigators))
        .route("/export/queue.xlsx", get(cases::export_queue))
        .route("/dashboard", get(oversight::dashboard))
        .route("/dashboard.xlsx", get(oversight::dashboard_xlsx))
        .route("/reports/payments", get(oversight::payments_json))
        .route("/reports/payments.xlsx", get(oversight::payments_xlsx))
        .route("/reports/payments.pdf", get(oversight::payments_pdf))
        .route("/reports/statistics", get(oversight::statistics_json))
        .route("/reports/statistics.xlsx", get(oversight::statistics_xlsx))
        .route("/devices", get(devices::list))
        .route("/devices/{id}/revoke", post(devices::revoke))
        .route("/enroll-codes", post(devices::enroll_code))
        .route(
            "/cases/{id}/workflow",
            get(workflow::show).post(workflow::take),
        )
        .route("/cases/{id}/checklist", post(workflow::checklist))
        .route("/cases/{id}/flags", post(workflow::flags))
        .route("/cases/{id}/extension", post(workflow::extension))
        .route("/cases/{id}/objections", post(workflow::objection))
        .route(
            "/cases/{id}/materials",
            post(workflow::material_upload).layer(Max::max(limits::PHOTO)),
        )
        .route(
            "/check-results",
            post(workflow::import_check_results).layer(Max::max(limits::FILE)),
        )
        .route(
            "/check-results/template.csv",
            get(workflow::check_results_template),
        )
        .route("/notices/{file}", get(documents::notice_pdf))
        .route("/materials/{id}", get(documents::material))
        .route("/publicity.pdf", get(documents::publicity_pdf))
        .route("/roll.pdf", get(documents::roll_pdf))
        .route("/meetings", get(meetings::list).post(meetings::create))
        .route("/meetings/{id}", get(meetings::get))
        .route("/meetings/{id}/close", post(meetings::close))
        .route("/meetings/{id}/minutes.pdf", get(meetings::minutes_pdf))
        .route("/window/cases", get(window::drafts).post(window::open))
        .route("/window/cases/{id}", get(window::get).put(window::update))
        .route(
            "/window/cases/{id}/materials",
            post(window::material_upload).layer(Max::max(limits::PHOTO)),
        )
        .route(
            "/window/cases/{id}/materials/{material}",
            get(window::material),
        )
        .route(
            "/window/cases/{id}/sign",
            post(window::sign).layer(Max::max(limits::SIGNATURE)),
        )
        .route("/window/cases/{id}/signatures/{n}", get(window::signature))
        .route("/window/cases/{id}/submit", post(window::submit))
        .route("/window/cases/{id}/discard", post(window::discard))
        .route("/window/cases/{id}/receipt.pdf", get(window::receipt))
        .route("/duplicates", get(window::duplicates))
        .route(
            "/cases/{id}/referrals",
            get(referrals::of_case).post(referrals::create),
        )
        .route("/referrals/summary", get(referrals::summary))
        .route("/referrals/{id}", post(referrals::advance))
        .route("/referrals/{id}/slip.pdf", get(referrals::slip))
        .route(
            "/spot-checks",
            get(spot_checks::list).post(spot_checks::draw),
        )
        .route(
            "/spot-checks/tasks/{id}/outcome",
            post(spot_checks::outcome),
        )
        .route("/spot-checks/tasks/{id}/reopen", post(spot_checks::reopen))
        .route("/cases/{id}/spot-checks", get(spot_checks::of_case))
        .route(
            "/monitoring/imports",
            get(monitoring::imports)
                .post(monitoring::import)
                .layer(Max::max(limits::FILE)),
        )
        .route("/monitoring/warnings", get(monitoring::queue))
        .route(
            "/monitoring/warnings/{id}/dismiss",
            post(monitoring::dismiss),
        )
        .route("/monitoring/warnings/{id}/visit", post(monitoring::visit))
        .route("/monitoring/warnings/{id}/apply", post(monitoring::apply))
        .route("/monitoring/visits", get(monitoring::visits))
        .route(
            "/monitoring/visits/{id}/apply",
            post(monitoring::apply_from_visit),
        )
        .route("/monitoring/register", get(monitoring::search))
        .route("/monitoring/figures", get(monitoring::figures));
    let applicant = Router::new()
        .route("/code", post(applicant::send_code))
        .route("/login", post(applicant::login))
        .route("/logout", post(applicant::logout))
        .route("/me", get(applicant::me))
        .route("/townships", get(applicant::townships))
        .route("/cases", post(applicant::create))
        .route("/cases/{id}", get(applicant::case).put(applicant::update))
        .route(
            "/cases/{id}/materials",
            post(applicant::material_upload).layer(Max::max(limits::PHOTO)),
        )
        .route("/cases/{id}/sign", post(applicant::sign))
        .route("/cases/{id}/submit", post(applicant::submit))
        .route("/cases/{id}/reports", post(applicant::report))
        .route(
            "/cases/{id}/check-objection",
            post(applicant::object_to_check),
        )
        .route("/materials/{id}", get(applicant::material))
        .route("/notices/{file}", get(applicant::notice_pdf));
    let public = Router::new()
        .route("/publicity", get(public::list_publicity))
        .route("/objections", post(public::object))
        .route("/roll", get(public::roll))
        .route("/vote/{token}", get(public::ballot).post(public::vote))
        .layer(Max::max(limits::SMALL));
    let console = console.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        station_read_only,
    ));
    Router::new()
        .nest("/api/v1", device)
        .nest("/api/console", console)
        .nest("/api/applicant", applicant)
        .nest("/api/public", public)
        .fallback(web::serve)
        .route("/healthz", get(|| async { "ok" }))
        // What a handler may read, after decompression (routes above set their own).
        .layer(Max::max(limits::JSON))
        .layer(RequestDecompressionLayer::new())
        // What may arrive on the wire, before decompression.
        .layer(RequestBodyLimitLayer::new(limits::SYNC))
        // Brotli at quality 5 for clients that take it (the tablets, browsers): as small as its
        // slow top qualities on our answers at a fraction of the time (docs/benchmarks.md).
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(5)))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// At a township station the console only reads: cases are handled at the banner (`levels`);
/// it takes signing in and out, and workflow actions, which it forwards to the banner.
async fn station_read_only(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    // Signing in and out, and workflow actions, which the station forwards to the banner.
    let allowed =
        path.ends_with("/login") || path.ends_with("/logout") || path.ends_with("/workflow");
    if st.level.is_station() && req.method() != axum::http::Method::GET && !allowed {
        return error::ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "station_read_only",
            crate::review::text::STATION_READ_ONLY,
        )
        .into_response();
    }
    next.run(req).await
}

/// Request body limits, in bytes after decompression: a small gzip body can inflate a thousandfold,
/// so each route reads no more than its largest honest request.
pub mod limits {
    /// Sign-in, enrollment, the public pages' forms and ballots.
    pub const SMALL: usize = 64 << 10;
    /// Console and phone-page JSON (an application with its members, a signature image).
    pub const JSON: usize = 1 << 20;
    /// One photo of a material (the phone pages and console downsize before upload).
    pub const PHOTO: usize = crate::workflow::applications::MAX_MATERIAL_BYTES + (64 << 10);
    /// A signature taken at the window: a drawn PNG or a downscaled scan of the paper form, as
    /// base64 in JSON.
    pub const SIGNATURE: usize = 3 << 20;
    /// A 核对 result file.
    pub const FILE: usize = 4 << 20;
    /// One chunk of a resumable blob upload.
    pub const CHUNK: usize = jiuzhu_shared::protocol::BLOB_CHUNK as usize + (4 << 10);
    /// One sync round of a tablet (its changes also pass `sync::check_inflation`).
    pub const SYNC: usize = 32 << 20;
    /// A whole blob from a township station (the largest photo a device may send).
    pub const STATION_BLOB: usize = jiuzhu_shared::protocol::MAX_BLOB_BYTES as usize;
}

/// The request's span names its route pattern, never its URI: a path or query can carry a
/// credential (a ballot link's token), and logs are read by more people than the data.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)", |p| p.as_str());
    tracing::debug_span!("request", method = %req.method(), route)
}
