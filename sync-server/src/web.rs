//! The console's built web app (`web/dist`, made by `npm run build` in `sync-server/web`).

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "web/dist"]
#[allow_missing = true]
struct Assets;

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match Assets::get(path).or_else(|| (!path.contains('.')).then(|| Assets::get("index.html")).flatten()) {
        Some(file) => {
            let mime = match path.rsplit('.').next() {
                Some("html") | None => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("css") => "text/css",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                Some("ico") => "image/x-icon",
                Some("woff2") => "font/woff2",
                _ => "application/octet-stream",
            };
            let mime = if path == "index.html" || !path.contains('.') { "text/html; charset=utf-8" } else { mime };
            ([(header::CONTENT_TYPE, mime)], file.data.into_owned()).into_response()
        }
        None if path == "index.html" => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "控制台尚未构建：在 sync-server/web 中运行 npm run build。 The console is not built: run npm run build in sync-server/web.",
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
