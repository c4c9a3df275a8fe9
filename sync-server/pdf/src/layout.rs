//! Page layout: blocks become positioned lines and rules, page by page.
//!
//! Everything is laid out before anything is drawn so that the total page count is known for the
//! "第 N 页 / 共 M 页" footer. Coordinates are PDF points with the origin at the top left.
//!
//! Measures follow the Chinese official-document format (GB/T 9704) where it fits a notice set on
//! an office printer: A4, a text block about 156 mm wide centred on the page, 四号 (14 pt) body
//! text with 32 characters to the line, an 二号 (22 pt) bold title, right-aligned signature with
//! room above the date for the seal.
//!
//! Mongolian is set vertically, as traditional script is written: each column runs top to bottom
//! and columns follow one another left to right (the horizontal shaped line turned 90° clockwise).
//! A block with Mongolian becomes a row: its Mongolian columns in a band at the left of the text
//! block (the bilingual-signage rule puts Mongolian on the left of vertical text), its Chinese to
//! the right of the band. Blocks without Mongolian keep the whole width, so a Chinese-only notice
//! is laid out exactly as before. Table headers and the footer stay Chinese only: a vertical
//! column does not fit a header cell or the foot of the page.

use crate::fonts::FaceKind;
use crate::text::{Line, Shaper};
use crate::{Block, Document, PdfError, Text};

pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
const MM: f32 = 72.0 / 25.4;

/// Body text size: 四号.
const BODY: f32 = 14.0;
/// 32 characters of body text per line (≈ 158 mm): the page's text block.
const CONTENT_W: f32 = 32.0 * BODY;
const LEFT: f32 = (PAGE_W - CONTENT_W) / 2.0;
const RIGHT: f32 = LEFT + CONTENT_W;
const TOP: f32 = 30.0 * MM;
/// The text block ends here; the footer and page number sit below.
const BOTTOM_MARGIN: f32 = 25.0 * MM;
const BODY_LH: f32 = BODY * 1.7;

const TITLE: f32 = 22.0;
const TITLE_LH: f32 = TITLE * 1.45;
const SUBTITLE: f32 = 16.0;
const SUBTITLE_LH: f32 = SUBTITLE * 1.6;

const TABLE: f32 = 12.0;
const TABLE_LH: f32 = TABLE * 1.45;
const CELL_PAD_X: f32 = 5.0;
const CELL_PAD_Y: f32 = 4.0;
pub(crate) const HEADER_GRAY: u8 = 0xE8;

/// Distance between two vertical Mongolian columns, in font sizes.
const MN_PITCH: f32 = 1.5;
/// The band at the left of the text block that holds the Mongolian columns: four body columns.
const MN_BAND: f32 = 4.0 * MN_PITCH * BODY;
/// Between the band and the Chinese beside it.
const MN_GAP: f32 = 0.8 * BODY;
/// The Mongolian of the title and subtitle is set at the subtitle's size (a 22 pt column would
/// leave room for only two columns in the band).
const MN_HEAD: f32 = SUBTITLE;

const FOOT: f32 = 10.5;
const FOOT_LH: f32 = FOOT * 1.45;
/// Baseline of the page number.
const PAGE_NO_BASELINE: f32 = PAGE_H - 15.0 * MM;

/// A drawing operation on one page.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Glyphs of one face starting at (x, baseline).
    Glyphs {
        x: f32,
        baseline: f32,
        size: f32,
        face: FaceKind,
        fake_bold: bool,
        text: String,
        glyphs: Vec<crate::text::Glyph>,
    },
    /// A straight rule.
    Rule { x1: f32, y1: f32, x2: f32, y2: f32 },
    /// A gray filled rectangle (table header background).
    Shade { x: f32, y: f32, w: f32, h: f32 },
    /// A vertical Mongolian column: the glyphs of a horizontally shaped line turned 90°
    /// clockwise, so they run down from `top` along the baseline at `x`.
    Column {
        x: f32,
        top: f32,
        size: f32,
        text: String,
        glyphs: Vec<crate::text::Glyph>,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
}

/// How a run of text is set: size, line height and faces (with fallback).
#[derive(Clone, Copy)]
struct Style {
    size: f32,
    lh: f32,
    bold: bool,
}

impl Style {
    const fn new(size: f32, lh: f32, bold: bool) -> Self {
        Self { size, lh, bold }
    }
}

/// Lays out the whole document; the result has one `Vec<Op>` per page, footers included.
pub(crate) fn layout(doc: &Document, sh: &Shaper) -> Result<Vec<Vec<Op>>, PdfError> {
    let footer_lines = match &doc.footer {
        Some(f) => {
            let style = Style::new(FOOT, FOOT_LH, false);
            Lay::zh_lines(sh, &f.zh, style, CONTENT_W, 0.0, 0.0)
        }
        None => Vec::new(),
    };
    let bottom = PAGE_H - BOTTOM_MARGIN - footer_lines.len() as f32 * FOOT_LH;
    let mut lay = Lay {
        sh,
        pages: vec![Vec::new()],
        y: TOP,
        bottom,
    };
    lay.header(doc);
    for block in &doc.blocks {
        lay.block(block)?;
    }

    let total = lay.pages.len();
    let foot_style = Style::new(FOOT, FOOT_LH, false);
    for (n, page) in lay.pages.iter_mut().enumerate() {
        let mut y = PAGE_NO_BASELINE - FOOT_LH * (footer_lines.len() as f32 + 0.2);
        for line in &footer_lines {
            let x = aligned_x(line, foot_style, LEFT, CONTENT_W, Align::Center);
            push_line(sh, page, line, x, y - FOOT, foot_style);
            y += FOOT_LH;
        }
        let label = format!("第 {} 页 / 共 {} 页", n + 1, total);
        if let Some(line) = sh
            .wrap(&label, &[FaceKind::Regular], f32::MAX, 0.0, 0.0)
            .first()
        {
            let x = aligned_x(line, foot_style, LEFT, CONTENT_W, Align::Center);
            push_line(sh, page, line, x, PAGE_NO_BASELINE - FOOT, foot_style);
        }
    }
    Ok(lay.pages)
}

struct Lay<'s, 'f> {
    sh: &'s Shaper<'f>,
    pages: Vec<Vec<Op>>,
    /// Top of the next line on the current page.
    y: f32,
    bottom: f32,
}

impl Lay<'_, '_> {
    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("there is always a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn at_top(&self) -> bool {
        self.y <= TOP + 0.01
    }

    /// Starts a new page unless `h` more points fit on this one (or this one is still empty:
    /// something taller than a page is printed anyway rather than looping).
    fn need(&mut self, h: f32) {
        if self.y + h > self.bottom + 0.01 && !self.at_top() {
            self.new_page();
        }
    }

    /// The Mongolian of `t` when it is to be printed (there is some and a Mongolian font).
    fn mongolian<'t>(&self, t: &'t Text) -> Option<&'t str> {
        t.mn.as_deref()
            .filter(|mn| !mn.trim().is_empty() && self.sh.has(FaceKind::Mongolian))
    }

    /// `mn` broken into at most `max_cols` columns of equal length, each as short as that allows
    /// but no shorter than `at_least` points nor than its longest word (a word cut in two would
    /// lose its joined forms), and a page's height at most.
    fn mn_columns(&self, mn: &str, size: f32, max_cols: usize, at_least: f32) -> Vec<Line> {
        let chain = [FaceKind::Mongolian, FaceKind::Regular];
        let total: f32 = self
            .sh
            .wrap(mn, &chain, f32::MAX, 0.0, 0.0)
            .iter()
            .map(|l| l.width)
            .sum();
        // Words end at spaces and newlines only: a suffix after U+202F belongs to its word.
        let word = mn
            .split([' ', '\n'])
            .map(|w| self.sh.measure(w, &chain))
            .fold(0.0, f32::max);
        let longest = (PAGE_H - TOP - BOTTOM_MARGIN) / size;
        let mut len = (total / max_cols as f32)
            .max(at_least / size)
            .max(word)
            .clamp(2.0, longest);
        loop {
            let cols = self.sh.wrap(mn, &chain, len, 0.0, 0.0);
            if cols.len() <= max_cols || len >= longest {
                return cols;
            }
            len += 1.0;
        }
    }

    /// Sets a block as a row: the vertical Mongolian `mn` (when given) in the band at the left,
    /// `zh` — which lays out the Chinese between the x and width it is given — to its right.
    /// Without Mongolian `zh` gets the whole text block. The columns start level with the
    /// block's first line and run as long as its Chinese does on that page, longer when the
    /// band needs it; they go before the Chinese in the content stream (read first).
    fn beside_mongolian(
        &mut self,
        mn: Option<&str>,
        size: f32,
        zh: impl FnOnce(&mut Self, f32, f32),
    ) {
        let Some(mn) = mn else {
            zh(self, LEFT, CONTENT_W);
            return;
        };
        let max_cols = ((MN_BAND / (size * MN_PITCH)) as usize).max(1);
        let cols = self.mn_columns(mn, size, max_cols, 0.0);
        let needed = cols.iter().map(|l| l.width).fold(0.0, f32::max) * size;
        self.need(needed);
        let (page, top, mark) = (self.pages.len() - 1, self.y, self.page().len());
        let x = LEFT + MN_BAND + MN_GAP;
        zh(self, x, RIGHT - x);
        let same_page = self.pages.len() - 1 == page;
        // Columns as long as the Chinese beside them (fewer of them) when it runs longer.
        let cols = if same_page && self.y - top > needed + size {
            self.mn_columns(mn, size, max_cols, self.y - top)
        } else {
            cols
        };
        let used = cols.iter().map(|l| l.width).fold(0.0, f32::max) * size;
        let ops = self.column_ops(&cols, LEFT, top, size);
        self.pages[page].splice(mark..mark, ops);
        if same_page {
            self.y = self.y.max(top + used + 0.5 * size);
        }
    }

    /// The ops of vertical columns whose band starts at `left`: one column every
    /// `MN_PITCH` sizes, each em box centred in its slot.
    fn column_ops(&self, cols: &[Line], left: f32, top: f32, size: f32) -> Vec<Op> {
        let ascent = self
            .sh
            .fonts()
            .get(FaceKind::Mongolian)
            .map_or(0.88, |f| f.ascent);
        cols.iter()
            .enumerate()
            .filter(|(_, l)| !l.glyphs.is_empty())
            .map(|(i, line)| {
                let slot = left + i as f32 * size * MN_PITCH;
                // Turned clockwise, the em box's descent lies left of the baseline.
                let x = slot + (MN_PITCH - 1.0) * size / 2.0 + (1.0 - ascent) * size;
                Op::Column {
                    x,
                    top,
                    size,
                    text: line.text.clone(),
                    glyphs: line.glyphs.clone(),
                }
            })
            .collect()
    }

    fn zh_lines(
        sh: &Shaper,
        zh: &str,
        style: Style,
        width: f32,
        first: f32,
        rest: f32,
    ) -> Vec<Line> {
        sh.wrap(zh, &chain(style), width / style.size, first, rest)
    }

    /// Places lines one under another within [x, x + width], breaking pages between lines.
    fn lines(
        &mut self,
        lines: Vec<Line>,
        style: Style,
        x: f32,
        width: f32,
        align: Align,
        justify: bool,
    ) {
        for mut line in lines {
            self.need(style.lh);
            if justify && line.wrapped {
                let room = width / style.size - line.indent - line.width;
                line.justify(room);
            }
            let lx = aligned_x(&line, style, x, width, align);
            let y = self.y;
            let sh = self.sh;
            push_line(
                sh,
                self.page(),
                &line,
                lx,
                y + (style.lh - style.size) / 2.0,
                style,
            );
            self.y += style.lh;
        }
    }

    /// Title, subtitle, 文号; the Mongolian of title and subtitle in columns beside them.
    fn header(&mut self, doc: &Document) {
        let mn: Vec<&str> = std::iter::once(&doc.title)
            .chain(&doc.subtitle)
            .filter_map(|t| self.mongolian(t))
            .collect();
        let mn = (!mn.is_empty()).then(|| mn.join("\n"));
        self.beside_mongolian(mn.as_deref(), MN_HEAD, |lay, x, w| {
            let title = Style::new(TITLE, TITLE_LH, true);
            let lines = Self::zh_lines(lay.sh, &doc.title.zh, title, w, 0.0, 0.0);
            lay.lines(lines, title, x, w, Align::Center, false);
            if let Some(sub) = &doc.subtitle {
                let style = Style::new(SUBTITLE, SUBTITLE_LH, false);
                let lines = Self::zh_lines(lay.sh, &sub.zh, style, w, 0.0, 0.0);
                lay.lines(lines, style, x, w, Align::Center, false);
            }
            if let Some(number) = doc.number.as_deref().filter(|n| !n.trim().is_empty()) {
                let style = Style::new(BODY, BODY_LH, false);
                lay.y += BODY_LH * 0.2;
                let lines = Self::zh_lines(lay.sh, number, style, w, 0.0, 0.0);
                lay.lines(lines, style, x, w, Align::Right, false);
            }
        });
        self.y += BODY_LH * 0.6;
    }

    fn block(&mut self, block: &Block) -> Result<(), PdfError> {
        let body = Style::new(BODY, BODY_LH, false);
        match block {
            Block::Paragraph(t) => {
                // Each newline-separated part is its own paragraph with a two-character indent
                // (in Mongolian, its own column).
                let mn = self.mongolian(t);
                self.beside_mongolian(mn, BODY, |lay, x, w| {
                    for part in t.zh.split('\n') {
                        let lines = Self::zh_lines(lay.sh, part, body, w, 2.0, 0.0);
                        lay.lines(lines, body, x, w, Align::Left, true);
                    }
                });
            }
            Block::Field { label, value } => {
                // Flush left; a value that wraps hangs under its own start unless the label is
                // so long that the hanging column would be too narrow.
                let text = format!("{}：{}", label.zh, value);
                let label_w = self.sh.measure(&format!("{}：", label.zh), &chain(body));
                let mn = self.mongolian(label);
                self.beside_mongolian(mn, BODY, |lay, x, w| {
                    let hang = if label_w * BODY <= w * 0.4 {
                        label_w
                    } else {
                        0.0
                    };
                    let lines = Self::zh_lines(lay.sh, &text, body, w, 0.0, hang);
                    lay.lines(lines, body, x, w, Align::Left, false);
                });
            }
            Block::Table { headers, rows } => self.table(headers, rows)?,
            Block::Signature { label, name, date } => self.signature(label, name, date),
            Block::Spacer => self.y += BODY_LH,
        }
        Ok(())
    }

    /// Right-aligned 落款: the issuer, the name, the date, centred on one another, with room
    /// above for the seal. Kept together on one page.
    /// The issuer's Mongolian stands in columns just left of the block, level with its top.
    fn signature(&mut self, label: &Text, name: &str, date: &str) {
        let body = Style::new(BODY, BODY_LH, false);
        let mut lines = Vec::new();
        for s in [label.zh.as_str(), name, date] {
            if !s.trim().is_empty() {
                lines.extend(Self::zh_lines(self.sh, s, body, CONTENT_W * 0.6, 0.0, 0.0));
            }
        }
        let gap = BODY_LH * 2.0;
        let block_h = lines.len() as f32 * BODY_LH;
        let max_cols = (MN_BAND / (BODY * MN_PITCH)) as usize;
        let cols = match self.mongolian(label) {
            Some(mn) => self.mn_columns(mn, BODY, max_cols, block_h),
            None => Vec::new(),
        };
        let cols_h = cols.iter().map(|l| l.width).fold(0.0, f32::max) * BODY;
        self.need(gap + block_h.max(cols_h));
        if !self.at_top() {
            self.y += gap;
        }
        let block_w = lines.iter().map(|l| l.width * BODY).fold(0.0, f32::max);
        let right = RIGHT - 2.0 * BODY;
        let left = right - block_w;
        let top = self.y;
        let band = cols.len() as f32 * BODY * MN_PITCH;
        let ops = self.column_ops(&cols, left - MN_GAP - band, top, BODY);
        self.page().extend(ops);
        self.lines(lines, body, left, block_w, Align::Center, false);
        self.y = self.y.max(top + cols_h);
    }

    /// A bordered table across the text block. Columns get their natural width when everything
    /// fits (then widened in proportion to fill the block), otherwise narrow columns keep theirs
    /// and the wide ones share the rest and wrap. A row never splits; a table that runs off the
    /// page continues on the next with its header repeated.
    fn table(&mut self, headers: &[Text], rows: &[Vec<String>]) -> Result<(), PdfError> {
        let n = headers.len();
        if n == 0 {
            return Ok(());
        }
        if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != n) {
            return Err(PdfError::Render(format!(
                "table row {} has {} cells but the table has {n} columns",
                i + 1,
                row.len()
            )));
        }
        let cell = Style::new(TABLE, TABLE_LH, false);
        let head = Style::new(TABLE, TABLE_LH, true);
        let sh = self.sh;

        // Natural (unwrapped) widths in points, padding included.
        let mut natural = vec![0.0f32; n];
        for (i, h) in headers.iter().enumerate() {
            natural[i] = sh.measure(&h.zh, &chain(head));
        }
        for row in rows {
            for (i, c) in row.iter().enumerate() {
                natural[i] = natural[i].max(sh.measure(c, &chain(cell)));
            }
        }
        let natural: Vec<f32> = natural
            .iter()
            .map(|w| w.max(2.0) * TABLE + 2.0 * CELL_PAD_X)
            .collect();
        let widths = column_widths(&natural, CONTENT_W);

        let wrap_cell = |text: &str, style: Style, w: f32| {
            Self::zh_lines(sh, text, style, w - 2.0 * CELL_PAD_X, 0.0, 0.0)
        };
        let header_cells: Vec<Vec<Line>> = headers
            .iter()
            .zip(&widths)
            .map(|(h, &w)| wrap_cell(&h.zh, head, w))
            .collect();
        let row_height = |cells: &[Vec<Line>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * TABLE_LH
                + 2.0 * CELL_PAD_Y
        };
        let header_h = row_height(&header_cells);

        self.y += BODY_LH * 0.3;
        let mut header_drawn = false;
        for row in rows {
            let cells: Vec<Vec<Line>> = row
                .iter()
                .zip(&widths)
                .map(|(c, &w)| wrap_cell(c, cell, w))
                .collect();
            let h = row_height(&cells);
            if !header_drawn {
                // The header never stands alone at the foot of a page.
                self.need(header_h + h);
                self.table_row(&header_cells, &widths, header_h, head, true);
                header_drawn = true;
            } else if self.y + h > self.bottom + 0.01 {
                self.new_page();
                self.table_row(&header_cells, &widths, header_h, head, true);
            }
            self.table_row(&cells, &widths, h, cell, false);
        }
        if rows.is_empty() {
            self.need(header_h);
            self.table_row(&header_cells, &widths, header_h, head, true);
        }
        self.y += BODY_LH * 0.5;
        Ok(())
    }

    fn table_row(
        &mut self,
        cells: &[Vec<Line>],
        widths: &[f32],
        h: f32,
        style: Style,
        header: bool,
    ) {
        let top = self.y;
        let sh = self.sh;
        let page = self.pages.last_mut().expect("there is always a page");
        if header {
            page.push(Op::Shade {
                x: LEFT,
                y: top,
                w: CONTENT_W,
                h,
            });
        }
        let mut x = LEFT;
        for (lines, &w) in cells.iter().zip(widths) {
            // Centred when it fits on one line (names, numbers); wrapped text reads left-aligned.
            let align = if header || lines.len() <= 1 {
                Align::Center
            } else {
                Align::Left
            };
            let inner = w - 2.0 * CELL_PAD_X;
            // Vertically centred, so a one-line cell sits level with its wrapped neighbours.
            let slack = (h - 2.0 * CELL_PAD_Y - lines.len() as f32 * style.lh).max(0.0) / 2.0;
            for (k, line) in lines.iter().enumerate() {
                let lx = aligned_x(line, style, x + CELL_PAD_X, inner, align);
                let line_top = top + CELL_PAD_Y + slack + k as f32 * style.lh;
                push_line(
                    sh,
                    page,
                    line,
                    lx,
                    line_top + (style.lh - style.size) / 2.0,
                    style,
                );
            }
            x += w;
        }
        let bottom = top + h;
        page.push(Op::Rule {
            x1: LEFT,
            y1: top,
            x2: RIGHT,
            y2: top,
        });
        page.push(Op::Rule {
            x1: LEFT,
            y1: bottom,
            x2: RIGHT,
            y2: bottom,
        });
        let mut x = LEFT;
        for w in std::iter::once(0.0).chain(widths.iter().copied()) {
            x += w;
            page.push(Op::Rule {
                x1: x,
                y1: top,
                x2: x,
                y2: bottom,
            });
        }
        self.y = bottom;
    }
}

/// The faces for Chinese text in a style.
fn chain(style: Style) -> [FaceKind; 2] {
    if style.bold {
        [FaceKind::Bold, FaceKind::Regular]
    } else {
        [FaceKind::Regular, FaceKind::Regular]
    }
}

fn aligned_x(line: &Line, style: Style, x: f32, width: f32, align: Align) -> f32 {
    let w = line.width * style.size;
    match align {
        Align::Left => x + line.indent * style.size,
        Align::Center => x + (width - w) / 2.0,
        Align::Right => x + width - w,
    }
}

/// Appends the ops that draw `line` with its em box's top at `em_top`, one op per run of a face.
fn push_line(sh: &Shaper, page: &mut Vec<Op>, line: &Line, x: f32, em_top: f32, style: Style) {
    let Some(first) = line.glyphs.first() else {
        return;
    };
    // One baseline for the whole line, from the face the line starts in.
    let ascent = sh.fonts().get(first.face).map_or(0.88, |f| f.ascent);
    let baseline = em_top + ascent * style.size;
    let fake_bold = style.bold && !sh.has(FaceKind::Bold);
    let mut x = x;
    let mut i = 0;
    while i < line.glyphs.len() {
        let face = line.glyphs[i].face;
        let j = line.glyphs[i..]
            .iter()
            .position(|g| g.face != face)
            .map_or(line.glyphs.len(), |p| i + p);
        let run = &line.glyphs[i..j];
        let start = run.iter().map(|g| g.range.start).min().unwrap_or(0);
        let end = run.iter().map(|g| g.range.end).max().unwrap_or(start);
        let glyphs: Vec<_> = run
            .iter()
            .map(|g| crate::text::Glyph {
                range: g.range.start - start..g.range.end - start,
                ..g.clone()
            })
            .collect();
        let advance: f32 = run.iter().map(|g| g.advance).sum::<f32>() * style.size;
        page.push(Op::Glyphs {
            x,
            baseline,
            size: style.size,
            face,
            fake_bold,
            text: line.text[start..end].to_string(),
            glyphs,
        });
        x += advance;
        i = j;
    }
}

/// Column widths summing to `total`: all natural widths widened in proportion when they fit,
/// otherwise columns narrower than a fair share keep their width and the rest share what is left
/// in proportion to their natural widths.
fn column_widths(natural: &[f32], total: f32) -> Vec<f32> {
    let sum: f32 = natural.iter().sum();
    if sum <= total {
        return natural.iter().map(|w| w * total / sum).collect();
    }
    let mut fixed = vec![false; natural.len()];
    loop {
        let left: f32 = total
            - natural
                .iter()
                .zip(&fixed)
                .filter(|(_, f)| **f)
                .map(|(w, _)| w)
                .sum::<f32>();
        let open: Vec<usize> = (0..natural.len()).filter(|&i| !fixed[i]).collect();
        let share = left / open.len().max(1) as f32;
        let mut changed = false;
        for &i in &open {
            if natural[i] <= share {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed {
            let open_sum: f32 = open.iter().map(|&i| natural[i]).sum();
            return (0..natural.len())
                .map(|i| {
                    if fixed[i] {
                        natural[i]
                    } else {
                        natural[i] * left / open_sum
                    }
                })
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::column_widths;

    #[test]
    fn columns_fill_the_block_and_wide_ones_share_what_is_left() {
        let w = column_widths(&[50.0, 50.0, 100.0], 400.0);
        assert_eq!(w, vec![100.0, 100.0, 200.0]);
        let w = column_widths(&[50.0, 600.0, 300.0], 400.0);
        assert_eq!(w[0], 50.0);
        assert!((w.iter().sum::<f32>() - 400.0).abs() < 0.01);
        assert!(w[1] > w[2]);
    }
}
