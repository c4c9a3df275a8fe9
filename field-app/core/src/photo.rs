//! Photo pipeline: turns a camera/gallery image into the JPEG we store and sync.
//!
//! Steps: sniff the format from content (JPEG/PNG only), refuse absurd sizes before
//! allocating pixels, read EXIF (orientation, capture time, GPS), flatten to RGB,
//! downscale, rotate upright, re-encode as JPEG without any metadata, make a thumbnail.
//! The output carries no EXIF on purpose: beneficiaries' locations must not leak
//! through image files; the GPS fix we do keep travels as structured data instead.

use std::io::Cursor;

use exif::{In, Tag, Value};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use sha2::{Digest, Sha256};

/// Images above this pixel count are refused before their pixels are decoded
/// (100 MP RGBA is already ~400 MB, more than a field tablet can spare).
pub const MAX_SOURCE_PIXELS: u64 = 100_000_000;

/// EXIF times without an explicit offset are local wall-clock time; the app is used
/// in China, so we read them as China Standard Time (UTC+8, no DST).
const DEFAULT_UTC_OFFSET_MINUTES: i32 = 8 * 60;

/// Tunables of the pipeline.
#[derive(Debug, Clone)]
pub struct PhotoConfig {
    /// Maximum length of the longer side of the stored JPEG, in pixels.
    pub long_edge: u32,
    /// Maximum length of the longer side of the thumbnail, in pixels.
    pub thumb_edge: u32,
    /// JPEG quality 1..=100 (values outside are clamped by the encoder).
    pub jpeg_quality: u8,
}

impl Default for PhotoConfig {
    fn default() -> Self {
        Self {
            long_edge: 1600,
            thumb_edge: 320,
            jpeg_quality: 85,
        }
    }
}

/// A GPS position in decimal degrees (WGS-84 as written by the device; south and
/// west are negative).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gps {
    pub lat: f64,
    pub lon: f64,
}

/// Result of [`process`].
#[derive(Debug, Clone)]
pub struct ProcessedPhoto {
    /// Re-encoded, upright, downscaled JPEG without EXIF.
    pub jpeg: Vec<u8>,
    /// Lowercase hex SHA-256 of exactly the bytes in `jpeg`.
    pub sha256: String,
    /// Width of `jpeg`.
    pub width: u32,
    /// Height of `jpeg`.
    pub height: u32,
    /// JPEG thumbnail, long edge <= `PhotoConfig::thumb_edge`.
    pub thumbnail: Vec<u8>,
    /// Capture time (EXIF DateTimeOriginal, else DateTime) as unix milliseconds.
    pub taken_at_ms: Option<i64>,
    /// Capture position from the EXIF GPS tags.
    pub gps: Option<Gps>,
    /// Decoded width before applying the EXIF orientation.
    pub source_width: u32,
    /// Decoded height before applying the EXIF orientation.
    pub source_height: u32,
}

/// Why a photo could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("empty input: no image data was provided")]
    Empty,
    /// The content is not JPEG or PNG; carries the detected format (or "unrecognised").
    #[error("unsupported image format ({0}): only JPEG and PNG images are accepted")]
    UnsupportedFormat(String),
    #[error(
        "image too large: {width}x{height} pixels exceeds the limit of {} megapixels",
        MAX_SOURCE_PIXELS / 1_000_000
    )]
    TooLarge { width: u32, height: u32 },
    #[error("could not decode image: {0}")]
    Decode(String),
    #[error("could not encode JPEG: {0}")]
    Encode(String),
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Runs the whole pipeline on an image file's bytes.
pub fn process(bytes: &[u8], cfg: &PhotoConfig) -> Result<ProcessedPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }

    // Sniff from content: file names/MIME types coming from gallery pickers lie.
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PhotoError::Decode(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png) => {}
        Some(other) => return Err(PhotoError::UnsupportedFormat(format_name(other))),
        None => return Err(PhotoError::UnsupportedFormat("unrecognised".into())),
    }

    // Only headers are parsed here, so the size check happens before any pixel allocation.
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (source_width, source_height) = decoder.dimensions();
    if source_width == 0 || source_height == 0 {
        return Err(PhotoError::Decode("image has zero width or height".into()));
    }
    if u64::from(source_width) * u64::from(source_height) > MAX_SOURCE_PIXELS {
        return Err(PhotoError::TooLarge {
            width: source_width,
            height: source_height,
        });
    }

    // Metadata is best effort: a damaged EXIF block must not cost the worker the photo.
    let exif_raw = decoder.exif_metadata().ok().flatten();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (taken_at_ms, gps) = exif_raw.as_deref().map_or((None, None), parse_exif);

    let decoded = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        // The decoder's allocation limit can still trip for e.g. huge 16-bit RGBA PNGs.
        image::ImageError::Limits(_) => PhotoError::TooLarge {
            width: source_width,
            height: source_height,
        },
        other => decode_error(other),
    })?;

    // Flatten first so the resampler never sees colour hidden under transparent pixels.
    let rgb = flatten_onto_white(decoded);

    // Downscale before rotating: the long edge is rotation-invariant and rotating the
    // small image is much cheaper than rotating a 12 MP one.
    let mut main = resize_to_fit(DynamicImage::ImageRgb8(rgb), cfg.long_edge);
    main.apply_orientation(orientation);
    let (width, height) = (main.width(), main.height());
    let jpeg = encode_jpeg(&main, cfg.jpeg_quality)?;

    let thumb = resize_to_fit(main, cfg.thumb_edge);
    let thumbnail = encode_jpeg(&thumb, cfg.jpeg_quality)?;

    Ok(ProcessedPhoto {
        sha256: sha256_hex(&jpeg),
        jpeg,
        width,
        height,
        thumbnail,
        taken_at_ms,
        gps,
        source_width,
        source_height,
    })
}

/// Turns a stored JPEG (the pipeline's own output) a number of quarter turns clockwise and
/// re-encodes it with the same settings: new bytes, new hash, new thumbnail. Capture time and
/// position are not in the file (the pipeline strips them), so they are left empty here.
pub fn rotate(
    jpeg: &[u8],
    quarter_turns_clockwise: u8,
    cfg: &PhotoConfig,
) -> Result<ProcessedPhoto, PhotoError> {
    if jpeg.is_empty() {
        return Err(PhotoError::Empty);
    }
    let reader = ImageReader::new(Cursor::new(jpeg))
        .with_guessed_format()
        .map_err(|e| PhotoError::Decode(e.to_string()))?;
    if reader.format() != Some(ImageFormat::Jpeg) {
        return Err(PhotoError::UnsupportedFormat("not a stored JPEG".into()));
    }
    let decoder = reader.into_decoder().map_err(decode_error)?;
    let (source_width, source_height) = decoder.dimensions();
    if u64::from(source_width) * u64::from(source_height) > MAX_SOURCE_PIXELS {
        return Err(PhotoError::TooLarge {
            width: source_width,
            height: source_height,
        });
    }
    let decoded = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    let img = resize_to_fit(
        DynamicImage::ImageRgb8(flatten_onto_white(decoded)),
        cfg.long_edge,
    );
    let main = match quarter_turns_clockwise % 4 {
        1 => img.rotate90(),
        2 => img.rotate180(),
        3 => img.rotate270(),
        _ => img,
    };
    let (width, height) = (main.width(), main.height());
    let out = encode_jpeg(&main, cfg.jpeg_quality)?;
    let thumb = resize_to_fit(main, cfg.thumb_edge);
    let thumbnail = encode_jpeg(&thumb, cfg.jpeg_quality)?;
    Ok(ProcessedPhoto {
        sha256: sha256_hex(&out),
        jpeg: out,
        width,
        height,
        thumbnail,
        taken_at_ms: None,
        gps: None,
        source_width,
        source_height,
    })
}

fn decode_error(e: image::ImageError) -> PhotoError {
    PhotoError::Decode(e.to_string())
}

fn format_name(format: ImageFormat) -> String {
    format!("{format:?}").to_ascii_uppercase()
}

/// Converts to RGB8; alpha is composited onto white (what a user expects for a
/// screenshot or scanned form with a transparent background, unlike black).
fn flatten_onto_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for px in rgba.as_raw().chunks_exact(4) {
        let a = u32::from(px[3]);
        for &c in &px[..3] {
            // c*a/255 + 255*(1-a/255), rounded.
            out.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    RgbImage::from_raw(w, h, out).expect("buffer length matches dimensions")
}

/// Target size so that the long edge is at most `max_edge`, keeping the aspect ratio.
/// Never upscales.
fn fit_within(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let max_edge = max_edge.max(1);
    let long = width.max(height);
    if long <= max_edge {
        return (width, height);
    }
    let scale = |v: u32| {
        let scaled = (u64::from(v) * u64::from(max_edge) + u64::from(long) / 2) / u64::from(long);
        // scaled <= max_edge, so it fits in u32.
        (scaled as u32).max(1)
    };
    if width >= height {
        (max_edge, scale(height))
    } else {
        (scale(width), max_edge)
    }
}

fn resize_to_fit(img: DynamicImage, max_edge: u32) -> DynamicImage {
    let (w, h) = fit_within(img.width(), img.height(), max_edge);
    if (w, h) == (img.width(), img.height()) {
        return img;
    }
    // Triangle (bilinear) is the speed/quality sweet spot for large downscale factors;
    // Lanczos is several times slower on a 12 MP source for no visible gain at 1600 px.
    img.resize_exact(w, h, FilterType::Triangle)
}

fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let rgb = img
        .as_rgb8()
        .ok_or_else(|| PhotoError::Encode("internal: expected an RGB8 image".into()))?;
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

/// Extracts capture time and GPS position from a raw EXIF (TIFF) block.
fn parse_exif(raw: &[u8]) -> (Option<i64>, Option<Gps>) {
    // The JPEG decoder strips the "Exif\0\0" APP1 prefix, but some PNG eXIf writers keep it.
    let tiff = raw.strip_prefix(b"Exif\0\0").unwrap_or(raw);
    // Keep whatever parsed: one broken tag should not hide the date or position.
    let parsed = exif::Reader::new()
        .continue_on_error(true)
        .read_raw(tiff.to_vec())
        .or_else(|e| e.distill_partial_result(|_| {}));
    match parsed {
        Ok(exif) => (taken_at_ms(&exif), gps(&exif)),
        Err(_) => (None, None),
    }
}

fn ascii_field(exif: &exif::Exif, tag: Tag) -> Option<&[u8]> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(values) => values.first().map(Vec::as_slice),
        _ => None,
    }
}

fn taken_at_ms(exif: &exif::Exif) -> Option<i64> {
    let candidates = [
        (
            Tag::DateTimeOriginal,
            Tag::SubSecTimeOriginal,
            Tag::OffsetTimeOriginal,
        ),
        (Tag::DateTime, Tag::SubSecTime, Tag::OffsetTime),
    ];
    candidates
        .into_iter()
        .find_map(|(date_tag, subsec_tag, offset_tag)| {
            let mut dt = exif::DateTime::from_ascii(ascii_field(exif, date_tag)?).ok()?;
            // Optional refinements; a malformed value just leaves them unset.
            if let Some(subsec) = ascii_field(exif, subsec_tag) {
                let _ = dt.parse_subsec(subsec);
            }
            if let Some(offset) = ascii_field(exif, offset_tag) {
                let _ = dt.parse_offset(offset);
            }
            exif_datetime_to_unix_ms(&dt)
        })
}

/// Interprets an EXIF date-time as unix milliseconds. An explicit EXIF offset wins
/// (it states exactly what the local time meant); otherwise UTC+8 is assumed.
fn exif_datetime_to_unix_ms(dt: &exif::DateTime) -> Option<i64> {
    let month = time::Month::try_from(dt.month).ok()?;
    let date = time::Date::from_calendar_date(i32::from(dt.year), month, dt.day).ok()?;
    let clock =
        time::Time::from_hms_nano(dt.hour, dt.minute, dt.second, dt.nanosecond.unwrap_or(0))
            .ok()?;
    let offset_minutes = dt.offset.map_or(DEFAULT_UTC_OFFSET_MINUTES, i32::from);
    let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).ok()?;
    let instant = time::PrimitiveDateTime::new(date, clock).assume_offset(offset);
    i64::try_from(instant.unix_timestamp_nanos() / 1_000_000).ok()
}

fn gps(exif: &exif::Exif) -> Option<Gps> {
    let lat = gps_coordinate(
        exif,
        Tag::GPSLatitude,
        Tag::GPSLatitudeRef,
        b'N',
        b'S',
        90.0,
    )?;
    let lon = gps_coordinate(
        exif,
        Tag::GPSLongitude,
        Tag::GPSLongitudeRef,
        b'E',
        b'W',
        180.0,
    )?;
    Some(Gps { lat, lon })
}

/// Degrees/minutes/seconds rationals plus a hemisphere reference -> signed decimal degrees.
fn gps_coordinate(
    exif: &exif::Exif,
    value_tag: Tag,
    ref_tag: Tag,
    positive: u8,
    negative: u8,
    limit: f64,
) -> Option<f64> {
    let Value::Rational(parts) = &exif.get_field(value_tag, In::PRIMARY)?.value else {
        return None;
    };
    if parts.is_empty() {
        return None;
    }
    let mut degrees = 0.0;
    for (part, divisor) in parts.iter().zip([1.0, 60.0, 3600.0]) {
        if part.denom == 0 {
            // Some devices write 0/0 for unused seconds; anything else is garbage.
            if part.num == 0 {
                continue;
            }
            return None;
        }
        degrees += part.to_f64() / divisor;
    }
    let sign = match ascii_field(exif, ref_tag)
        .and_then(|r| r.first())
        .map(u8::to_ascii_uppercase)
    {
        Some(c) if c == positive => 1.0,
        Some(c) if c == negative => -1.0,
        // A missing reference is conventionally read as N/E (as exiftool does).
        None => 1.0,
        Some(_) => return None,
    };
    let value = sign * degrees;
    (value.is_finite() && value.abs() <= limit).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, Rgba, RgbaImage};

    // ---- in-memory fixtures -------------------------------------------------------

    fn jpeg_of(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode(
                img.as_raw(),
                img.width(),
                img.height(),
                ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    fn png_of(img: DynamicImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// Cheap non-uniform content (a flat image would hide resampling mistakes less well,
    /// and a per-pixel closure is slow at opt-level 0 for 12 MP).
    fn gradient(width: u32, height: u32) -> RgbImage {
        let mut raw = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height {
            let g = (y % 256) as u8;
            for x in 0..width {
                raw.extend_from_slice(&[(x % 256) as u8, g, 128]);
            }
        }
        RgbImage::from_raw(width, height, raw).unwrap()
    }

    /// One TIFF IFD entry; `data` is the value bytes (little-endian).
    struct Entry {
        tag: u16,
        kind: u16,
        count: u32,
        data: Vec<u8>,
    }

    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;

    fn ascii(tag: u16, s: &str) -> Entry {
        let mut data = s.as_bytes().to_vec();
        data.push(0);
        Entry {
            tag,
            kind: ASCII,
            count: data.len() as u32,
            data,
        }
    }

    fn short(tag: u16, v: u16) -> Entry {
        Entry {
            tag,
            kind: SHORT,
            count: 1,
            data: v.to_le_bytes().to_vec(),
        }
    }

    fn long(tag: u16, v: u32) -> Entry {
        Entry {
            tag,
            kind: LONG,
            count: 1,
            data: v.to_le_bytes().to_vec(),
        }
    }

    fn rationals(tag: u16, values: &[(u32, u32)]) -> Entry {
        let data = values
            .iter()
            .flat_map(|&(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
            .collect();
        Entry {
            tag,
            kind: RATIONAL,
            count: values.len() as u32,
            data,
        }
    }

    fn padded_len(len: usize) -> usize {
        len + len % 2
    }

    fn ifd_len(entries: &[Entry]) -> usize {
        let external: usize = entries
            .iter()
            .filter(|e| e.data.len() > 4)
            .map(|e| padded_len(e.data.len()))
            .sum();
        2 + 12 * entries.len() + 4 + external
    }

    /// Appends an IFD (entries sorted by tag) followed by its out-of-line values.
    /// Offsets in TIFF are relative to the header, which is the start of `out`.
    fn write_ifd(out: &mut Vec<u8>, entries: &mut [Entry]) {
        entries.sort_by_key(|e| e.tag);
        let mut external = Vec::new();
        let external_base = out.len() + 2 + 12 * entries.len() + 4;
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for e in entries.iter() {
            out.extend_from_slice(&e.tag.to_le_bytes());
            out.extend_from_slice(&e.kind.to_le_bytes());
            out.extend_from_slice(&e.count.to_le_bytes());
            if e.data.len() <= 4 {
                let mut inline = [0u8; 4];
                inline[..e.data.len()].copy_from_slice(&e.data);
                out.extend_from_slice(&inline);
            } else {
                let offset = (external_base + external.len()) as u32;
                out.extend_from_slice(&offset.to_le_bytes());
                external.extend_from_slice(&e.data);
                external.resize(padded_len(external.len()), 0);
            }
        }
        out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        out.extend_from_slice(&external);
    }

    /// Minimal little-endian TIFF: IFD0, then the Exif sub-IFD, then the GPS sub-IFD.
    fn build_tiff(
        mut ifd0: Vec<Entry>,
        mut exif_ifd: Vec<Entry>,
        mut gps_ifd: Vec<Entry>,
    ) -> Vec<u8> {
        // Pointer entries are inline LONGs, so IFD0's size is known before their values.
        ifd0.push(long(0x8769, 0));
        ifd0.push(long(0x8825, 0));
        let exif_offset = 8 + ifd_len(&ifd0);
        let gps_offset = exif_offset + ifd_len(&exif_ifd);
        for e in &mut ifd0 {
            match e.tag {
                0x8769 => e.data = (exif_offset as u32).to_le_bytes().to_vec(),
                0x8825 => e.data = (gps_offset as u32).to_le_bytes().to_vec(),
                _ => {}
            }
        }
        let mut out = b"II\x2a\x00".to_vec();
        out.extend_from_slice(&8u32.to_le_bytes());
        write_ifd(&mut out, &mut ifd0);
        assert_eq!(out.len(), exif_offset);
        write_ifd(&mut out, &mut exif_ifd);
        assert_eq!(out.len(), gps_offset);
        write_ifd(&mut out, &mut gps_ifd);
        out
    }

    fn field_tiff(orientation: u16, lat_ref: &str, lon_ref: &str) -> Vec<u8> {
        build_tiff(
            vec![short(0x0112, orientation)],
            vec![ascii(0x9003, "2026:11:20 10:30:00")],
            vec![
                ascii(0x0001, lat_ref),
                rationals(0x0002, &[(40, 1), (24, 1), (0, 1)]), // 40.4
                ascii(0x0003, lon_ref),
                rationals(0x0004, &[(109, 1), (54, 1), (0, 1)]), // 109.9
            ],
        )
    }

    /// Inserts an APP1 "Exif" segment directly after the SOI marker.
    fn splice_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(tiff);
        let seg_len = u16::try_from(payload.len() + 2).unwrap();
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&seg_len.to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn decode(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).unwrap()
    }

    // 2026-11-20 10:30:00 +08:00 == 2026-11-20 02:30:00 UTC.
    const TAKEN_AT_MS: i64 = 1_795_141_800_000;

    // ---- tests --------------------------------------------------------------------

    #[test]
    fn large_jpeg_is_downscaled_and_hashed() {
        let src = jpeg_of(&gradient(4000, 3000));
        let p = process(&src, &PhotoConfig::default()).unwrap();
        assert_eq!((p.source_width, p.source_height), (4000, 3000));
        assert_eq!((p.width, p.height), (1600, 1200));
        assert_eq!(p.sha256, sha256_hex(&p.jpeg));
        assert_eq!(p.sha256.len(), 64);
        assert!(
            p.sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        let stored = decode(&p.jpeg);
        assert_eq!((stored.width(), stored.height()), (1600, 1200));
        let thumb = decode(&p.thumbnail);
        assert_eq!((thumb.width(), thumb.height()), (320, 240));
        assert_eq!(p.taken_at_ms, None);
        assert_eq!(p.gps, None);
    }

    #[test]
    fn png_with_alpha_is_flattened_onto_white() {
        // Left half fully transparent (with black "hidden" colour), right half opaque red.
        let img = RgbaImage::from_fn(300, 200, |x, _| {
            if x < 150 {
                Rgba([0, 0, 0, 0])
            } else {
                Rgba([255, 0, 0, 255])
            }
        });
        let p = process(
            &png_of(DynamicImage::ImageRgba8(img)),
            &PhotoConfig::default(),
        )
        .unwrap();
        assert_eq!((p.width, p.height), (300, 200));
        let out = decode(&p.jpeg).into_rgb8();
        let Rgb([r, g, b]) = *out.get_pixel(20, 100);
        assert!(
            r > 240 && g > 240 && b > 240,
            "transparent area should be white, got {r},{g},{b}"
        );
        let Rgb([r, g, b]) = *out.get_pixel(280, 100);
        assert!(
            r > 200 && g < 60 && b < 60,
            "opaque area should stay red, got {r},{g},{b}"
        );
    }

    #[test]
    fn exif_orientation_gps_and_time_are_honoured() {
        // Landscape 400x200: left half red, right half blue.
        let img = RgbImage::from_fn(400, 200, |x, _| {
            if x < 200 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        });
        let src = splice_exif(&jpeg_of(&img), &field_tiff(6, "N", "E"));
        let p = process(&src, &PhotoConfig::default()).unwrap();

        assert_eq!((p.source_width, p.source_height), (400, 200));
        assert_eq!((p.width, p.height), (200, 400));
        // Orientation 6 = rotate 90° clockwise to display: the old left edge becomes the top.
        let out = decode(&p.jpeg).into_rgb8();
        assert_eq!((out.width(), out.height()), (200, 400));
        let top = out.get_pixel(100, 50);
        let bottom = out.get_pixel(100, 350);
        assert!(
            top[0] > 200 && top[2] < 60,
            "top should be red, got {top:?}"
        );
        assert!(
            bottom[2] > 200 && bottom[0] < 60,
            "bottom should be blue, got {bottom:?}"
        );
        let thumb = decode(&p.thumbnail);
        assert_eq!((thumb.width(), thumb.height()), (160, 320));

        let gps = p.gps.expect("gps");
        assert!((gps.lat - 40.4).abs() < 1e-9, "lat {}", gps.lat);
        assert!((gps.lon - 109.9).abs() < 1e-9, "lon {}", gps.lon);
        assert_eq!(p.taken_at_ms, Some(TAKEN_AT_MS));

        // Privacy: nothing of the EXIF block survives in either output.
        for out in [&p.jpeg, &p.thumbnail] {
            assert!(!out.windows(6).any(|w| w == b"Exif\0\0"));
            let mut dec = ImageReader::with_format(Cursor::new(out.as_slice()), ImageFormat::Jpeg)
                .into_decoder()
                .unwrap();
            assert_eq!(dec.exif_metadata().unwrap(), None);
        }
    }

    #[test]
    fn southern_western_refs_and_explicit_offset() {
        let tiff = build_tiff(
            vec![],
            vec![
                ascii(0x9003, "2026:11:20 10:30:00"),
                ascii(0x9011, "+09:00"),
            ],
            vec![
                ascii(0x0001, "S"),
                rationals(0x0002, &[(40, 1), (24, 1), (0, 1)]),
                ascii(0x0003, "W"),
                rationals(0x0004, &[(109, 1), (54, 1), (0, 1)]),
            ],
        );
        let (taken, gps) = parse_exif(&tiff);
        let gps = gps.unwrap();
        assert!((gps.lat + 40.4).abs() < 1e-9 && (gps.lon + 109.9).abs() < 1e-9);
        // +09:00 is one hour ahead of the default +08:00, so the instant is an hour earlier.
        assert_eq!(taken, Some(TAKEN_AT_MS - 3_600_000));
        // The "Exif\0\0"-prefixed form (some PNG writers) parses the same.
        let mut prefixed = b"Exif\0\0".to_vec();
        prefixed.extend_from_slice(&tiff);
        assert_eq!(parse_exif(&prefixed).0, taken);
    }

    #[test]
    fn bad_metadata_is_ignored_not_fatal() {
        assert_eq!(parse_exif(b"definitely not tiff"), (None, None));
        let tiff = build_tiff(
            vec![],
            vec![ascii(0x9003, "0000:00:00 00:00:00")],
            vec![
                ascii(0x0001, "X"),
                rationals(0x0002, &[(40, 0), (0, 1), (0, 1)]),
            ],
        );
        assert_eq!(parse_exif(&tiff), (None, None));
        // DateTime in IFD0 is the fallback when DateTimeOriginal is absent.
        let tiff = build_tiff(vec![ascii(0x0132, "2026:11:20 10:30:00")], vec![], vec![]);
        assert_eq!(parse_exif(&tiff).0, Some(TAKEN_AT_MS));
    }

    #[test]
    fn garbage_and_unsupported_formats_are_rejected() {
        let err = process(b"this is not an image at all", &PhotoConfig::default()).unwrap_err();
        assert!(matches!(err, PhotoError::UnsupportedFormat(_)), "{err:?}");
        assert!(err.to_string().contains("only JPEG and PNG"), "{err}");

        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
        let err = process(gif, &PhotoConfig::default()).unwrap_err();
        assert!(matches!(err, PhotoError::UnsupportedFormat(_)), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("GIF") && msg.contains("only JPEG and PNG"),
            "{msg}"
        );

        let err = process(&[], &PhotoConfig::default()).unwrap_err();
        assert!(matches!(err, PhotoError::Empty), "{err:?}");

        // Right magic, broken body.
        let err = process(b"\xFF\xD8\xFF\xE0garbage garbage", &PhotoConfig::default()).unwrap_err();
        assert!(matches!(err, PhotoError::Decode(_)), "{err:?}");
        assert!(
            err.to_string().starts_with("could not decode image"),
            "{err}"
        );
    }

    #[test]
    fn oversized_dimensions_are_refused_before_decoding() {
        // Patch the SOF0 header of a tiny JPEG to claim 60000x60000 (3.6 gigapixels).
        let mut jpeg = jpeg_of(&gradient(8, 8));
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        jpeg[sof + 5..sof + 7].copy_from_slice(&60000u16.to_be_bytes()); // height
        jpeg[sof + 7..sof + 9].copy_from_slice(&60000u16.to_be_bytes()); // width
        let err = process(&jpeg, &PhotoConfig::default()).unwrap_err();
        assert!(
            matches!(
                err,
                PhotoError::TooLarge {
                    width: 60000,
                    height: 60000
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("100 megapixels"), "{err}");
    }

    #[test]
    fn small_image_is_not_upscaled() {
        let p = process(&jpeg_of(&gradient(100, 50)), &PhotoConfig::default()).unwrap();
        assert_eq!((p.width, p.height), (100, 50));
        assert_eq!((p.source_width, p.source_height), (100, 50));
        let thumb = decode(&p.thumbnail);
        assert_eq!((thumb.width(), thumb.height()), (100, 50));
    }

    #[test]
    fn fit_within_keeps_aspect_and_never_upscales() {
        assert_eq!(fit_within(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit_within(3000, 4000, 1600), (1200, 1600));
        assert_eq!(fit_within(1600, 1600, 1600), (1600, 1600));
        assert_eq!(fit_within(10, 5, 1600), (10, 5));
        assert_eq!(fit_within(10000, 1, 100), (100, 1));
        assert_eq!(fit_within(10, 5, 0), (1, 1));
    }

    #[test]
    fn sha256_hex_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
