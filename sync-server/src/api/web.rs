//! The built web apps (`web/dist`, made by `npm run build` in `sync-server/web`): the console
//! and the phone pages.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "web/dist"]
#[allow_missing = true]
struct Assets;

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    // An API path no route matched is not a page of the apps: say so, in the API's own form.
    if path == "api" || path.starts_with("api/") {
        return super::error::ApiError::not_found().into_response();
    }
    // Two apps: the console at `/`, the phone pages (applicants, representatives, the public) at
    // `/m/`. Paths without a file extension are the app's own (hash-routed) page.
    let page = if path == "m" || path.starts_with("m/") {
        "m/index.html"
    } else {
        "index.html"
    };
    let path = if path.is_empty() || path == "m" || path == "m/" {
        page
    } else {
        path
    };
    match Assets::get(path).or_else(|| (!path.contains('.')).then(|| Assets::get(page)).flatten()) {
        Some(file) => {
            let mime = match path.rsplit('.').next() {
                Some("html") | None => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("css") => "text/css",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                Some("ico") => "image/x-icon",
                Some("woff2") => "font/woff2",
                // The phone pages' bundled Mongolian font.
                Some("ttf") => "font/ttf",
                _ => "application/octet-stream",
            };
            let mime = if path.ends_with("index.html") || !path.contains('.') { "text/html; charset=utf-8" } else { mime };
            ([(header::CONTENT_TYPE, mime)], file.data.into_owned()).into_response()
        }
        None if path.ends_with("index.html") => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "控制台尚未构建：在 sync-server/web 中运行 npm run build。 The console is not built: run npm run build in sync-server/web.",
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
