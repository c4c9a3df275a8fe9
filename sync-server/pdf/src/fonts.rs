//! Finding, loading and caching the fonts a notice is set in.
//!
//! Nothing is bundled: a CJK font is 20–30 MB, far too much to carry in the server binary, and
//! every Debian/Ubuntu machine can `apt install fonts-noto-cjk`. So the fonts are found at run
//! time, loaded once per process ([`system_fonts`]) and only the glyphs a document uses are
//! embedded (krilla subsets them), which keeps a one-page notice in the tens of kilobytes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::PdfError;

/// Environment variable naming the CJK font file to use instead of searching the system.
pub const ENV_FONT: &str = "JIUZHU_PDF_FONT";
/// Environment variable naming a font covering traditional Mongolian script (U+1800–U+18AF).
pub const ENV_FONT_MN: &str = "JIUZHU_PDF_FONT_MN";

/// Families searched for Chinese text, best first. Serif (宋体-like) comes first because formal
/// notices are set in a Song/Ming face; the sans faces and the older fallbacks follow so that
/// whatever CJK package a machine has is used.
const CJK_FAMILIES: &[&str] = &[
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "Source Han Serif SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
];

/// Families searched for traditional Mongolian script.
const MN_FAMILIES: &[&str] = &["Noto Sans Mongolian", "Mongolian Baiti"];

/// A character any usable Chinese font has.
const CJK_PROBE: char = '救';
/// MONGOLIAN LETTER A: a font without it is not a Mongolian font.
const MN_PROBE: char = '\u{1820}';

/// Which of the loaded faces a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaceKind {
    Regular,
    Bold,
    Mongolian,
}

/// One face of a font file, held in memory for the life of the [`FontSet`].
#[derive(Clone)]
pub(crate) struct LoadedFont {
    pub(crate) data: Arc<Vec<u8>>,
    pub(crate) index: u32,
    pub(crate) krilla: krilla::text::Font,
    /// Where the top of the em box sits above the baseline, as a fraction of the font size; it
    /// places the baseline so that text is centred vertically in its line.
    pub(crate) ascent: f32,
    pub(crate) path: PathBuf,
    pub(crate) family: String,
}

impl LoadedFont {
    fn load(path: &Path, index: u32, family: String) -> Result<Self, String> {
        let data =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let data = Arc::new(data);
        let face = rustybuzz::Face::from_slice(&data, index)
            .ok_or_else(|| format!("{} (face {index}) is not a usable font", path.display()))?;
        let ascent = match (face.typographic_ascender(), face.typographic_descender()) {
            (Some(a), Some(d)) if a > 0 && a > d => f32::from(a) / (f32::from(a) - f32::from(d)),
            _ => 0.88,
        };
        drop(face);
        let shared: Arc<dyn AsRef<[u8]> + Send + Sync> = data.clone();
        let krilla = krilla::text::Font::new(shared.into(), index)
            .ok_or_else(|| format!("{} (face {index}) cannot be embedded", path.display()))?;
        Ok(Self {
            data,
            index,
            krilla,
            ascent,
            path: path.to_path_buf(),
            family,
        })
    }

    fn covers(&self, c: char) -> bool {
        rustybuzz::Face::from_slice(&self.data, self.index)
            .and_then(|f| f.glyph_index(c))
            .is_some()
    }
}

/// The fonts a document is rendered with: a CJK face (required), its bold (for titles and table
/// headers; without it bold is imitated with a thin outline) and a Mongolian face (optional:
/// without it the Mongolian lines are left out rather than printed as boxes).
///
/// Cloning is cheap (the font data is shared).
#[derive(Clone)]
pub struct FontSet {
    pub(crate) regular: LoadedFont,
    pub(crate) bold: Option<LoadedFont>,
    pub(crate) mongolian: Option<LoadedFont>,
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl FontSet {
    /// Finds the fonts: `JIUZHU_PDF_FONT` (a file path) first, else the system's font directories
    /// (as fontconfig lists them, else the usual `/usr/share/fonts` etc.) searched for Noto Serif
    /// or Sans CJK SC, Source Han, WenQuanYi, Droid Sans Fallback; the Mongolian face from
    /// `JIUZHU_PDF_FONT_MN`, else Noto Sans Mongolian.
    ///
    /// A variable that is set but names an unusable file is an error rather than silently
    /// replaced: someone configured it on purpose.
    pub fn discover() -> Result<Self, PdfError> {
        let env = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let mut system: Option<fontdb::Database> = None;

        let (regular, bold) = match env(ENV_FONT) {
            Some(path) => {
                let font = load_file(&path, CJK_FAMILIES, CJK_PROBE)
                    .map_err(|e| PdfError::NoFont(format!("{ENV_FONT}={}: {e}", path.display())))?;
                (font, None)
            }
            None => {
                let db = system_db(&mut system);
                let regular = CJK_FAMILIES
                    .iter()
                    .find_map(|family| query(db, family, fontdb::Weight::NORMAL, CJK_PROBE))
                    .ok_or_else(|| {
                        PdfError::NoFont(format!(
                            "no CJK font found: install fonts-noto-cjk (apt install fonts-noto-cjk) \
                             or set {ENV_FONT} to a .ttf/.otf/.ttc file with Simplified Chinese \
                             (searched for: {})",
                            CJK_FAMILIES.join(", ")
                        ))
                    })?;
                let bold = query(db, &regular.family, fontdb::Weight::BOLD, CJK_PROBE)
                    .filter(|b| b.path != regular.path || b.index != regular.index);
                (regular, bold)
            }
        };

        let mongolian =
            match env(ENV_FONT_MN) {
                Some(path) => Some(load_file(&path, MN_FAMILIES, MN_PROBE).map_err(|e| {
                    PdfError::NoFont(format!("{ENV_FONT_MN}={}: {e}", path.display()))
                })?),
                None => {
                    let db = system_db(&mut system);
                    MN_FAMILIES
                        .iter()
                        .find_map(|family| query(db, family, fontdb::Weight::NORMAL, MN_PROBE))
                }
            };

        Ok(Self {
            regular,
            bold,
            mongolian,
        })
    }

    /// Uses the given files, without searching. A collection (`.ttc`) contributes its Simplified
    /// Chinese face. The Mongolian file is taken as given (no coverage check), so tests can put
    /// any font in the Mongolian slot.
    pub fn from_files(cjk: &Path, mongolian: Option<&Path>) -> Result<Self, PdfError> {
        let regular = load_file(cjk, CJK_FAMILIES, CJK_PROBE)
            .map_err(|e| PdfError::NoFont(format!("{}: {e}", cjk.display())))?;
        let mongolian = match mongolian {
            Some(path) => Some(
                load_file(path, MN_FAMILIES, '\0')
                    .map_err(|e| PdfError::NoFont(format!("{}: {e}", path.display())))?,
            ),
            None => None,
        };
        Ok(Self {
            regular,
            bold: None,
            mongolian,
        })
    }

    /// The same fonts without the Mongolian face (Mongolian lines are then left out).
    pub fn without_mongolian(mut self) -> Self {
        self.mongolian = None;
        self
    }

    /// Whether Mongolian lines will be printed.
    pub fn has_mongolian(&self) -> bool {
        self.mongolian.is_some()
    }

    /// The file the Chinese text comes from.
    pub fn cjk_path(&self) -> &Path {
        &self.regular.path
    }

    /// The file the Mongolian text comes from, if any.
    pub fn mongolian_path(&self) -> Option<&Path> {
        self.mongolian.as_ref().map(|f| f.path.as_path())
    }

    /// One line naming the faces in use, for a start-up log.
    pub fn describe(&self) -> String {
        let one = |f: &LoadedFont| format!("{} ({}#{})", f.family, f.path.display(), f.index);
        let mut s = format!("CJK: {}", one(&self.regular));
        if let Some(b) = &self.bold {
            s += &format!("; bold: {}", one(b));
        }
        match &self.mongolian {
            Some(m) => s += &format!("; Mongolian: {}", one(m)),
            None => s += "; Mongolian: none (Mongolian lines are left out)",
        }
        s
    }

    pub(crate) fn get(&self, kind: FaceKind) -> Option<&LoadedFont> {
        match kind {
            FaceKind::Regular => Some(&self.regular),
            FaceKind::Bold => self.bold.as_ref(),
            FaceKind::Mongolian => self.mongolian.as_ref(),
        }
    }
}

/// The process-wide fonts, discovered on first use and kept (the discovery scans every font file
/// on the machine and a CJK face is tens of megabytes, so it is done once). A failure is not kept:
/// installing the fonts fixes the next call without a restart.
pub fn system_fonts() -> Result<&'static FontSet, PdfError> {
    static FONTS: OnceLock<FontSet> = OnceLock::new();
    if let Some(fonts) = FONTS.get() {
        return Ok(fonts);
    }
    let found = FontSet::discover()?;
    Ok(FONTS.get_or_init(|| found))
}

/// Every face in the system's font directories, scanned on first need only.
fn system_db(cache: &mut Option<fontdb::Database>) -> &fontdb::Database {
    cache.get_or_insert_with(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        db
    })
}

/// The face of `family` closest to `weight`; a bold request answered with a regular face is
/// refused (the caller then imitates bold).
fn query(
    db: &fontdb::Database,
    family: &str,
    weight: fontdb::Weight,
    probe: char,
) -> Option<LoadedFont> {
    let id = db.query(&fontdb::Query {
        families: &[fontdb::Family::Name(family)],
        weight,
        ..Default::default()
    })?;
    let info = db.face(id)?;
    if weight >= fontdb::Weight::SEMIBOLD && info.weight < fontdb::Weight::SEMIBOLD {
        return None;
    }
    let path = match &info.source {
        fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => p.clone(),
        fontdb::Source::Binary(_) => return None,
    };
    let font = LoadedFont::load(&path, info.index, family.to_string()).ok()?;
    font.covers(probe).then_some(font)
}

/// Loads a face from one file; in a collection the face of the first preferred family found, else
/// the first face that has `probe` (`'\0'`: the first face).
fn load_file(path: &Path, preferred: &[&str], probe: char) -> Result<LoadedFont, String> {
    let mut db = fontdb::Database::new();
    db.load_font_file(path)
        .map_err(|e| format!("cannot read: {e}"))?;
    let faces: Vec<_> = db.faces().collect();
    if faces.is_empty() {
        return Err("not a font file".into());
    }
    let family_of = |f: &fontdb::FaceInfo| {
        f.families
            .first()
            .map(|(n, _)| n.clone())
            .unwrap_or_default()
    };
    let named = preferred.iter().find_map(|want| {
        faces
            .iter()
            .find(|f| {
                f.families.iter().any(|(n, _)| n == want) && f.weight <= fontdb::Weight::MEDIUM
            })
            .or_else(|| {
                faces
                    .iter()
                    .find(|f| f.families.iter().any(|(n, _)| n == want))
            })
    });
    let order = named.into_iter().chain(faces.iter());
    let mut last_err = String::new();
    for info in order {
        match LoadedFont::load(path, info.index, family_of(info)) {
            Ok(font) if probe == '\0' || font.covers(probe) => return Ok(font),
            Ok(_) => last_err = format!("has no glyph for {probe:?} (U+{:04X})", probe as u32),
            Err(e) => last_err = e,
        }
    }
    Err(last_err)
}
