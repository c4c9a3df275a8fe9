//! Answers that are not JSON: PDFs, images, the Excel export, CSV templates, CBOR wire messages,
//! and QR codes as SVG for the console to show.

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiuzhu_shared::protocol::{self, WireMessage};

/// A PDF shown in the browser, never cached (notices carry personal data).
pub fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// Image bytes. Content-addressed: the bytes behind a hash never change, so they are cached.
pub fn image(mime: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A stored blob's bytes, 404 if the server lacks it or cannot reach its blob store now (the
/// store's failure is logged).
pub fn blob_bytes(st: &AppState, hash: &jiuzhu_shared::BlobHash) -> ApiResult<Vec<u8>> {
    st.blobs
        .read(hash)
        .unwrap_or_else(|e| {
            tracing::warn!("cannot read blob {hash}: {e}");
            None
        })
        .ok_or_else(ApiError::not_found)
}

/// An uploaded material or signature (PNG or JPEG) by its hash (404 if the server lacks it).
pub fn stored_image(st: &AppState, hash: &str) -> ApiResult<Response> {
    let h: jiuzhu_shared::BlobHash = hash.parse().map_err(|_| ApiError::not_found())?;
    let bytes = blob_bytes(st, &h)?;
    let mime = match image::guess_format(&bytes) {
        Ok(image::ImageFormat::Png) => "image/png",
        _ => "image/jpeg",
    };
    Ok(image(mime, bytes))
}

/// An Excel workbook to download as `name`.
pub fn xlsx(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A wire-protocol message (CBOR).
pub fn cbor<T: WireMessage>(msg: &T) -> Response {
    (
        [(header::CONTENT_TYPE, protocol::CONTENT_TYPE)],
        protocol::encode(msg),
    )
        .into_response()
}

/// `data` as a QR code in SVG, at least `size` pixels square.
pub fn qr_svg(data: &str, size: u32) -> Result<String, qrcode::types::QrError> {
    Ok(qrcode::QrCode::new(data.as_bytes())?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(size, size)
        .build())
}

/// A CSV file to download as `name` (ASCII, so every browser keeps it).
pub fn csv(text: String, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response()
}
