//! Written notices as PDF: 补正告知书, 受理通知书, 审核确认通知书, 不予确认通知书, the 公示 notice and
//! approved roll posted in a village, 民主评议 minutes.
//!
//! The server composes a [`Document`] (title, 文号, paragraphs, "label：value" fields, bordered
//! tables, the signature/seal block) and [`render`] sets it on A4 pages: Chinese wrapped at any
//! character but never inside a Latin word or number and never against the 避头尾 punctuation
//! rules, automatic page breaks (a long table continues with its header repeated), "第 N 页 / 共
//! M 页" at the foot of each page.
//!
//! Fonts are the machine's (see [`FontSet::discover`]): nothing is bundled, and only the glyphs
//! a document uses are embedded, so a one-page notice is a few tens of kilobytes.
//!
//! Bilingual: every [`Text`] has its Chinese and, optionally, its traditional Mongolian. The
//! Mongolian is set as traditional script is written, in vertical columns (top to bottom, columns
//! left to right), shaped with the font's joining forms, in a band at the left of the block it
//! belongs to — the Inner Mongolia rule for bilingual signage puts Mongolian on the left of
//! vertical text, both scripts the same size (the title's Mongolian at the subtitle's size).
//! Without a Mongolian font the Mongolian is left out (never printed as boxes).
//!
//! The crate is pure: no I/O besides reading font files, no async.

mod draw;
mod fonts;
mod layout;
mod text;

pub use fonts::{ENV_FONT, ENV_FONT_MN, FontSet, system_fonts};

/// Text that is bilingual-ready: Chinese always; Mongolian (traditional script) when given.
///
/// Layout rule (内蒙古 bilingual-signage measure): the Mongolian in vertical columns on the left
/// of the Chinese. A table header's and the footer's Mongolian are not printed (no room for a
/// column there): say it in a paragraph instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub zh: String,
    pub mn: Option<String>,
}

impl Text {
    /// Chinese only.
    pub fn zh(s: impl Into<String>) -> Self {
        Self {
            zh: s.into(),
            mn: None,
        }
    }

    /// Chinese with its Mongolian.
    pub fn bilingual(zh: impl Into<String>, mn: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            mn: Some(mn.into()),
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self::zh(s)
    }
}

/// One piece of a notice's body, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph with the customary two-character first-line indent, justified. A newline
    /// starts a new paragraph.
    Paragraph(Text),
    /// "label：value" line, flush left (an addressee line "张三：" is a field with an empty value);
    /// a value that wraps hangs under its own start.
    Field { label: Text, value: String },
    /// A bordered table with a header row (e.g. the 公示 list: 姓名 / 家庭人口 / 保障类别 / 金额).
    /// Every row must have one cell per header. Rows never split; the header repeats on every
    /// page the table runs onto.
    Table {
        headers: Vec<Text>,
        rows: Vec<Vec<String>>,
    },
    /// Signature / seal line at the right: label (e.g. "树林召镇人民政府"), a name, a date, with
    /// room above for the seal. Empty `name` or `date` lines are left out.
    Signature {
        label: Text,
        name: String,
        date: String,
    },
    /// One blank body line.
    Spacer,
}

/// A notice to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Centred, larger and bold.
    pub title: Text,
    /// Centred under the title.
    pub subtitle: Option<Text>,
    /// 文号, e.g. 树民告〔2026〕12号: right-aligned under the title.
    pub number: Option<String>,
    pub blocks: Vec<Block>,
    /// Printed at the foot of every page, above the page number.
    pub footer: Option<Text>,
}

/// Why a notice could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No usable CJK font; the message says what to install or which variable to set.
    #[error("{0}")]
    NoFont(String),
    /// The document is malformed (e.g. a table row with the wrong number of cells) or the PDF
    /// writer failed.
    #[error("cannot render the PDF: {0}")]
    Render(String),
}

/// Renders `doc` with the machine's fonts ([`system_fonts`], found once per process).
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    render_with_fonts(doc, system_fonts()?)
}

/// Renders `doc` with the given fonts.
pub fn render_with_fonts(doc: &Document, fonts: &FontSet) -> Result<Vec<u8>, PdfError> {
    let shaper = text::Shaper::new(fonts);
    let pages = layout::layout(doc, &shaper)?;
    draw::emit(&pages, fonts, &doc.title.zh)
}
