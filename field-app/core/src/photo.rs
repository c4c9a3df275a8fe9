//! Photo pipeline: turns a camera/gallery image into the JPEG we store and sync.
//!
//! Steps: sniff the format from content (JPEG/PNG only), refuse absurd sizes before
//! allocating pixels, read EXIF (orientation, capture time, GPS), decode to RGB (a JPEG
//! already shrunk in the DCT domain), downscale, rotate upright, re-encode as JPEG without
//! any metadata, make a thumbnail.
//! The output carries no EXIF on purpose: beneficiaries' locations must not leak
//! through image files; the GPS fix we do keep travels as structured data instead.
//!
//! Speed (issue 17): a JPEG's 8x8 blocks are decoded at 1/2, 1/4 or 1/8 of their size when
//! the result still covers the output (libjpeg's `scale_denom`, `jpeg-decoder`'s `scale`), so a
//! 12 MP photo is never expanded to full size; the resizer and the encoder use SIMD. All three
//! crates are pure Rust, so the Android and Windows builds need no C toolchain for them.

use std::borrow::Cow;
use std::io::Cursor;
use std::time::{Duration, Instant};

use exif::{In, Tag, Value};
use fast_image_resize as fr;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
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
    /// JPEG quality 1..=100 (values outside are clamped). Chroma is always subsampled 4:2:0,
    /// as cameras do: at 1600 px it costs no visible detail and a third of the bytes.
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

/// Where [`process_timed`] spent its time (the benchmark's per-step split).
#[derive(Debug, Clone, Copy, Default)]
pub struct StepTimes {
    /// Sniffing, headers, EXIF, decoding (DCT-scaled for JPEG) and flattening to RGB.
    pub decode: Duration,
    /// Downscaling to the long edge and turning upright.
    pub resize: Duration,
    /// Encoding the stored JPEG.
    pub encode: Duration,
    /// SHA-256 of the stored JPEG.
    pub hash: Duration,
    /// Downscaling to the thumbnail edge and encoding it.
    pub thumbnail: Duration,
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
    process_timed(bytes, cfg).map(|(photo, _)| photo)
}

/// [`process`], also saying how long each step took.
pub fn process_timed(
    bytes: &[u8],
    cfg: &PhotoConfig,
) -> Result<(ProcessedPhoto, StepTimes), PhotoError> {
    let mut times = StepTimes::default();
    let mut clock = Instant::now();
    let mut lap = |step: &mut Duration| {
        let now = Instant::now();
        *step = now - clock;
        clock = now;
    };

    // Sniff from content: file names/MIME types coming from gallery pickers lie.
    let format = match sniff(bytes)? {
        format @ (ImageFormat::Jpeg | ImageFormat::Png) => format,
        other => return Err(PhotoError::UnsupportedFormat(format_name(other))),
    };
    let source = decode(bytes, format, cfg.long_edge)?;
    if source.width == 0 || source.height == 0 {
        return Err(PhotoError::Decode("image has zero width or height".into()));
    }
    // Metadata is best effort: a damaged EXIF block must not cost the worker the photo.
    let facts = source.exif.as_deref().map(parse_exif).unwrap_or_default();
    lap(&mut times.decode);

    // Downscale before rotating: the long edge is rotation-invariant and rotating the
    // small image is much cheaper than rotating a 12 MP one. The size comes from the file's
    // dimensions, not the DCT-scaled ones, so it does not depend on the decoder's shortcut.
    let (source_width, source_height) = (source.width, source.height);
    let target = fit_within(source_width, source_height, cfg.long_edge);
    let main = upright(resized(&source.rgb, target), facts.orientation);
    drop(source);
    lap(&mut times.resize);

    let jpeg = encode_jpeg(&main, cfg.jpeg_quality)?;
    lap(&mut times.encode);
    let sha256 = sha256_hex(&jpeg);
    lap(&mut times.hash);
    let thumbnail = thumbnail(&main, cfg)?;
    lap(&mut times.thumbnail);

    let photo = ProcessedPhoto {
        sha256,
        jpeg,
        width: main.width(),
        height: main.height(),
        thumbnail,
        taken_at_ms: facts.taken_at_ms,
        gps: facts.gps,
        source_width,
        source_height,
    };
    Ok((photo, times))
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
    if !matches!(sniff(jpeg), Ok(ImageFormat::Jpeg)) {
        return Err(PhotoError::UnsupportedFormat("not a stored JPEG".into()));
    }
    let source = decode(jpeg, ImageFormat::Jpeg, cfg.long_edge)?;
    let target = fit_within(source.width, source.height, cfg.long_edge);
    let turn = match quarter_turns_clockwise % 4 {
        1 => Orientation::Rotate90,
        2 => Orientation::Rotate180,
        3 => Orientation::Rotate270,
        _ => Orientation::NoTransforms,
    };
    let main = upright(resized(&source.rgb, target), turn);
    let out = encode_jpeg(&main, cfg.jpeg_quality)?;
    Ok(ProcessedPhoto {
        sha256: sha256_hex(&out),
        jpeg: out,
        width: main.width(),
        height: main.height(),
        thumbnail: thumbnail(&main, cfg)?,
        taken_at_ms: None,
        gps: None,
        source_width: source.width,
        source_height: source.height,
    })
}

/// The format the content says it is; empty input and unknown content are refused here.
fn sniff(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PhotoError::Decode(e.to_string()))?;
    reader
        .format()
        .ok_or_else(|| PhotoError::UnsupportedFormat("unrecognised".into()))
}

/// A decoded image: its pixels may be smaller than the file's dimensions (DCT-scaled).
struct Decoded {
    rgb: RgbImage,
    /// The file's dimensions.
    width: u32,
    height: u32,
    /// The raw EXIF (TIFF) block, if any.
    exif: Option<Vec<u8>>,
}

fn check_size(width: u32, height: u32) -> Result<(), PhotoError> {
    if u64::from(width) * u64::from(height) > MAX_SOURCE_PIXELS {
        return Err(PhotoError::TooLarge { width, height });
    }
    Ok(())
}

/// Decodes to RGB at no less than the size `long_edge` asks for (the size check happens on
/// the headers, before any pixel allocation).
fn decode(bytes: &[u8], format: ImageFormat, long_edge: u32) -> Result<Decoded, PhotoError> {
    if format == ImageFormat::Jpeg {
        match decode_jpeg_scaled(bytes, long_edge) {
            Ok(Some(decoded)) => return Ok(decoded),
            Err(too_large @ PhotoError::TooLarge { .. }) => return Err(too_large),
            // A file the fast decoder refuses may still be one the general decoder reads
            // (it accepted every JPEG before the fast path existed); if not, its error stands.
            Ok(None) | Err(_) => {}
        }
    }
    decode_full(bytes, format)
}

/// The fast path for 8-bit grey and colour JPEGs (every camera's): decoded at the smallest
/// DCT scale (8/8, 4/8, 2/8 or 1/8) that still covers the output size. `None` for what it
/// leaves to the general decoder (CMYK, more than 8 bits).
fn decode_jpeg_scaled(bytes: &[u8], long_edge: u32) -> Result<Option<Decoded>, PhotoError> {
    use jpeg_decoder::PixelFormat;
    let jpeg_error = |e: jpeg_decoder::Error| PhotoError::Decode(e.to_string());
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(jpeg_error)?;
    let info = decoder.info().expect("headers were read");
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_size(width, height)?;
    if !matches!(info.pixel_format, PixelFormat::RGB24 | PixelFormat::L8) {
        return Ok(None);
    }
    let (tw, th) = fit_within(width, height, long_edge);
    if (tw, th) != (width, height) {
        // Fits in u16: no larger than the JPEG's own u16 dimensions.
        decoder.scale(tw as u16, th as u16).map_err(jpeg_error)?;
    }
    let pixels = decoder.decode().map_err(jpeg_error)?;
    let out = decoder.info().expect("image was decoded");
    let (w, h) = (u32::from(out.width), u32::from(out.height));
    let rgb = match info.pixel_format {
        PixelFormat::L8 => image::GrayImage::from_raw(w, h, pixels)
            .map(|grey| DynamicImage::ImageLuma8(grey).into_rgb8()),
        _ => RgbImage::from_raw(w, h, pixels),
    }
    .ok_or_else(|| PhotoError::Decode("decoder returned a short pixel buffer".into()))?;
    Ok(Some(Decoded {
        rgb,
        width,
        height,
        exif: decoder.exif_data().map(<[u8]>::to_vec),
    }))
}

/// Every other accepted image (PNG, CMYK or 12-bit JPEG): decoded at full size.
fn decode_full(bytes: &[u8], format: ImageFormat) -> Result<Decoded, PhotoError> {
    let decode_error = |e: image::ImageError| PhotoError::Decode(e.to_string());
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    let exif = decoder.exif_metadata().ok().flatten();
    let decoded = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        // The decoder's allocation limit can still trip for e.g. huge 16-bit RGBA PNGs.
        image::ImageError::Limits(_) => PhotoError::TooLarge { width, height },
        other => decode_error(other),
    })?;
    Ok(Decoded {
        // Flatten first so the resampler never sees colour hidden under transparent pixels.
        rgb: flatten_onto_white(decoded),
        width,
        height,
        exif,
    })
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

/// `img` at exactly `size` (borrowed when it already is).
fn resized(img: &RgbImage, (width, height): (u32, u32)) -> Cow<'_, RgbImage> {
    if img.dimensions() == (width, height) {
        return Cow::Borrowed(img);
    }
    let src =
        fr::images::ImageRef::new(img.width(), img.height(), img.as_raw(), fr::PixelType::U8x3)
            .expect("buffer length matches dimensions");
    let mut dst = fr::images::Image::new(width, height, fr::PixelType::U8x3);
    // Triangle (bilinear, widened by the scale factor) averages every source pixel and is
    // the speed/quality sweet spot for large factors; Lanczos adds sharpness that costs
    // bytes at 1600 px, not detail a caseworker needs.
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
    fr::Resizer::new()
        .resize(&src, &mut dst, &options)
        .expect("source and destination are both RGB8");
    Cow::Owned(RgbImage::from_raw(width, height, dst.into_vec()).expect("resizer output size"))
}

/// Applies an EXIF orientation (or a user's turn) to a small image.
fn upright(img: Cow<'_, RgbImage>, orientation: Orientation) -> RgbImage {
    if orientation == Orientation::NoTransforms {
        return img.into_owned();
    }
    let mut img = DynamicImage::ImageRgb8(img.into_owned());
    img.apply_orientation(orientation);
    img.into_rgb8()
}

fn thumbnail(main: &RgbImage, cfg: &PhotoConfig) -> Result<Vec<u8>, PhotoError> {
    let size = fit_within(main.width(), main.height(), cfg.thumb_edge);
    encode_jpeg(&resized(main, size), cfg.jpeg_quality)
}

fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let too_wide =
        |_| PhotoError::Encode(format!("{}x{} is over 65535", img.width(), img.height()));
    let (w, h) = (
        u16::try_from(img.width()).map_err(too_wide)?,
        u16::try_from(img.height()).map_err(too_wide)?,
    );
    let mut out = Vec::new();
    // No APP1/EXIF segment is ever written: only JFIF and the image.
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode(img.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

/// What the pipeline keeps from a file's EXIF block.
#[derive(Debug, PartialEq)]
struct ExifFacts {
    orientation: Orientation,
    taken_at_ms: Option<i64>,
    gps: Option<Gps>,
}

impl Default for ExifFacts {
    fn default() -> Self {
        Self {
            orientation: Orientation::NoTransforms,
            taken_at_ms: None,
            gps: None,
        }
    }
}

/// Extracts orientation, capture time and GPS position from a raw EXIF (TIFF) block.
fn parse_exif(raw: &[u8]) -> ExifFacts {
    // The JPEG decoders strip the "Exif\0\0" APP1 prefix, but some PNG eXIf writers keep it.
    let tiff = raw.strip_prefix(b"Exif\0\0").unwrap_or(raw);
    // Keep whatever parsed: one broken tag should not hide the date or position.
    let parsed = exif::Reader::new()
        .continue_on_error(true)
        .read_raw(tiff.to_vec())
        .or_else(|e| e.distill_partial_result(|_| {}));
    match parsed {
        Ok(exif) => ExifFacts {
            orientation: orientation(&exif),
            taken_at_ms: taken_at_ms(&exif),
            gps: gps(&exif),
        },
        Err(_) => ExifFacts::default(),
    }
}

fn orientation(exif: &exif::Exif) -> Orientation {
    exif.get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u8::try_from(v).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
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
    use image::codecs::jpeg::JpegEncoder;
    use image::imageops::FilterType;
    use image::{ExtendedColorType, Rgb, Rgba, RgbaImage};

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
        let ExifFacts {
            taken_at_ms: taken,
            gps,
            ..
        } = parse_exif(&tiff);
        let gps = gps.unwrap();
        assert!((gps.lat + 40.4).abs() < 1e-9 && (gps.lon + 109.9).abs() < 1e-9);
        // +09:00 is one hour ahead of the default +08:00, so the instant is an hour earlier.
        assert_eq!(taken, Some(TAKEN_AT_MS - 3_600_000));
        // The "Exif\0\0"-prefixed form (some PNG writers) parses the same.
        let mut prefixed = b"Exif\0\0".to_vec();
        prefixed.extend_from_slice(&tiff);
        assert_eq!(parse_exif(&prefixed).taken_at_ms, taken);
    }

    #[test]
    fn bad_metadata_is_ignored_not_fatal() {
        assert_eq!(parse_exif(b"definitely not tiff"), ExifFacts::default());
        let tiff = build_tiff(
            vec![],
            vec![ascii(0x9003, "0000:00:00 00:00:00")],
            vec![
                ascii(0x0001, "X"),
                rationals(0x0002, &[(40, 0), (0, 1), (0, 1)]),
            ],
        );
        assert_eq!(parse_exif(&tiff), ExifFacts::default());
        // DateTime in IFD0 is the fallback when DateTimeOriginal is absent.
        let tiff = build_tiff(vec![ascii(0x0132, "2026:11:20 10:30:00")], vec![], vec![]);
        assert_eq!(parse_exif(&tiff).taken_at_ms, Some(TAKEN_AT_MS));
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

    /// Left half red, right half blue.
    fn halves(width: u32, height: u32) -> RgbImage {
        let row: Vec<u8> = (0..width)
            .flat_map(|x| {
                if x < width / 2 {
                    [255, 0, 0]
                } else {
                    [0, 0, 255]
                }
            })
            .collect();
        RgbImage::from_raw(width, height, row.repeat(height as usize)).unwrap()
    }

    /// The (h << 4 | v) sampling factors of each component in a baseline JPEG's frame header.
    fn sampling_factors(jpeg: &[u8]) -> Vec<u8> {
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        let count = usize::from(jpeg[sof + 9]);
        (0..count).map(|i| jpeg[sof + 11 + 3 * i]).collect()
    }

    #[test]
    fn portrait_photo_from_a_large_sideways_jpeg_comes_out_portrait_at_exactly_1600() {
        // 3400 px wide: decoded at 1/2 scale (1700x1000), then resized to 1600x941 and turned
        // upright by orientation 6 (the way phones store a portrait shot).
        let src = splice_exif(&jpeg_of(&halves(3400, 2000)), &field_tiff(6, "N", "E"));
        let p = process(&src, &PhotoConfig::default()).unwrap();
        assert_eq!((p.source_width, p.source_height), (3400, 2000));
        assert_eq!((p.width, p.height), (941, 1600));
        let out = decode(&p.jpeg).into_rgb8();
        assert_eq!((out.width(), out.height()), (941, 1600));
        // The old left edge (red) is now the top.
        let (top, bottom) = (out.get_pixel(470, 200), out.get_pixel(470, 1400));
        assert!(top[0] > 200 && top[2] < 60, "top should be red: {top:?}");
        assert!(
            bottom[2] > 200 && bottom[0] < 60,
            "bottom should be blue: {bottom:?}"
        );
        assert_eq!(
            (decode(&p.thumbnail).width(), decode(&p.thumbnail).height()),
            (188, 320)
        );
        // EXIF read on the fast path too.
        assert_eq!(p.taken_at_ms, Some(TAKEN_AT_MS));
        assert!(p.gps.is_some());
    }

    #[test]
    fn scaled_decoding_matches_a_full_size_decode_and_resize() {
        // Odd dimensions: the 1/2-scale decode is 2001x1500 and must still land on the size
        // computed from the file's dimensions.
        let img = gradient(4001, 2999);
        let src = jpeg_of(&img);
        let decoded = super::decode(&src, ImageFormat::Jpeg, 1600).unwrap();
        assert_eq!(decoded.rgb.dimensions(), (2001, 1500));
        assert_eq!((decoded.width, decoded.height), (4001, 2999));
        let p = process(&src, &PhotoConfig::default()).unwrap();
        assert_eq!((p.width, p.height), (1600, 1199));
        let ours = decode(&p.jpeg).into_rgb8();
        let reference = image::imageops::resize(&img, 1600, 1199, FilterType::Triangle);
        // No shift, tint or blocking: the mean error is a JPEG-sized one (the sawtooth's
        // sharp wrap every 256 px dominates it).
        let total: u64 = ours
            .as_raw()
            .iter()
            .zip(reference.as_raw())
            .map(|(&a, &b)| u64::from(a.abs_diff(b)))
            .sum();
        let mean = total as f64 / ours.as_raw().len() as f64;
        assert!(mean < 3.0, "mean absolute difference {mean:.2}");
    }

    #[test]
    fn output_and_thumbnail_are_chroma_subsampled_4_2_0() {
        let p = process(&jpeg_of(&gradient(2000, 1500)), &PhotoConfig::default()).unwrap();
        // Y at 2x2, Cb and Cr at 1x1.
        assert_eq!(sampling_factors(&p.jpeg), [0x22, 0x11, 0x11]);
        assert_eq!(sampling_factors(&p.thumbnail), [0x22, 0x11, 0x11]);
    }

    #[test]
    fn grey_and_cmyk_jpegs_are_accepted() {
        let grey = image::GrayImage::from_fn(3300, 1800, |x, _| image::Luma([(x % 200) as u8]));
        let mut src = Vec::new();
        JpegEncoder::new_with_quality(&mut src, 90)
            .encode(grey.as_raw(), 3300, 1800, ExtendedColorType::L8)
            .unwrap();
        let p = process(&src, &PhotoConfig::default()).unwrap();
        assert_eq!((p.width, p.height), (1600, 873));
        let out = decode(&p.jpeg).into_rgb8();
        let Rgb([r, g, b]) = *out.get_pixel(50, 400); // source x ≈ 103
        assert!(r.abs_diff(g) < 6 && g.abs_diff(b) < 6, "grey stays grey");
        assert!(r.abs_diff(103) < 8, "level kept: {r}");

        // CMYK (print workflows, some scanners) takes the general decoder: no ink is white.
        let mut src = Vec::new();
        jpeg_encoder::Encoder::new(&mut src, 90)
            .encode(&[0; 4 * 64 * 48], 64, 48, jpeg_encoder::ColorType::Cmyk)
            .unwrap();
        let p = process(&src, &PhotoConfig::default()).unwrap();
        assert_eq!((p.width, p.height), (64, 48));
        let Rgb([r, g, b]) = *decode(&p.jpeg).into_rgb8().get_pixel(30, 20);
        assert!(r > 240 && g > 240 && b > 240, "{r},{g},{b}");
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
