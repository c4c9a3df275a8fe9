//! Security headers on every answer: the pages may load only the server's own scripts and
//! styles, may not be framed, send no referrer (a ballot link is a credential), and nothing but
//! the hashed static assets is kept in a cache (the API and the pages carry personal data). The
//! tablets' CBOR API gets only the last two kinds.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// What the built console and phone pages need (checked against `web/dist`): their own module
/// scripts and stylesheets (no inline script or `<style>`; Vue sets styles through the DOM),
/// images from the server, `data:` (signatures, the icon) and `blob:` (photos downscaled on the
/// phone before upload), fonts from the server or embedded (the icon font's fallback copy on a
/// foreign CDN is refused: the phone pages make no request elsewhere), and requests to the server
/// only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The built assets are named by their content's hash, so a cached copy is never stale.
const CACHEABLE: &str = "/assets/";

/// The tablets' API: CBOR for an app, never a page a browser renders. It carries only what a
/// browser led there by someone would act on (no sniffing, no caching); the page policies would
/// add some 400 bytes to every answer on a township link.
const DEVICE_API: &str = "/api/v1/";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let cacheable = req.uri().path().starts_with(CACHEABLE);
    let device = req.uri().path().starts_with(DEVICE_API);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !cacheable {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if device {
        return res;
    }
    let pages = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        // A year; browsers take it only over a connection whose certificate they trust.
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in pages {
        h.insert(name, HeaderValue::from_static(value));
    }
    res
}
