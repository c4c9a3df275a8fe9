//! Laid-out pages to PDF bytes with krilla: it writes the file, embeds each font as a subset of
//! the glyphs used (CID-keyed, so CFF-based Noto CJK collections work) and a ToUnicode map, so
//! the Chinese text can be searched and copied from the PDF.

use krilla::Document as PdfDocument;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};

use crate::PdfError;
use crate::fonts::FaceKind;
use crate::fonts::FontSet;
use crate::layout::{Op, PAGE_H, PAGE_W};
use crate::text::Glyph;

/// Width of table rules, in points.
const RULE_WIDTH: f32 = 0.6;

pub(crate) fn emit(pages: &[Vec<Op>], fonts: &FontSet, title: &str) -> Result<Vec<u8>, PdfError> {
    let mut doc = PdfDocument::new();
    for ops in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PdfError::Render("invalid page size".into()))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, op, fonts);
        }
        surface.finish();
        page.finish();
    }
    // No creation date: the same notice renders to the same bytes.
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .language("zh-CN".into())
            .creator("Jiuzhu".into()),
    );
    doc.finish().map_err(|e| PdfError::Render(e.to_string()))
}

fn draw(surface: &mut Surface, op: &Op, fonts: &FontSet) {
    match op {
        Op::Glyphs {
            x,
            baseline,
            size,
            face,
            fake_bold,
            text,
            glyphs,
        } => {
            let Some(font) = fonts.get(*face) else {
                return;
            };
            let glyphs = krilla_glyphs(glyphs);
            surface.set_fill(Some(Fill::default()));
            // Without a bold face, bold is imitated by outlining the glyphs thinly as well.
            surface.set_stroke(fake_bold.then(|| Stroke {
                width: size * 0.03,
                ..Default::default()
            }));
            surface.draw_glyphs(
                Point::from_xy(*x, *baseline),
                &glyphs,
                font.krilla.clone(),
                text,
                *size,
                false,
            );
            surface.set_stroke(None);
        }
        Op::Column {
            x,
            top,
            size,
            text,
            glyphs,
        } => {
            let Some(font) = fonts.get(FaceKind::Mongolian) else {
                return;
            };
            // Turned 90° clockwise about the column's start: the line's direction (x) becomes
            // down the page, the glyphs' tops face right.
            surface.push_transform(&Transform::from_row(0.0, 1.0, -1.0, 0.0, *x, *top));
            surface.set_fill(Some(Fill::default()));
            surface.draw_glyphs(
                Point::from_xy(0.0, 0.0),
                &krilla_glyphs(glyphs),
                font.krilla.clone(),
                text,
                *size,
                false,
            );
            surface.pop();
        }
        Op::Rule { x1, y1, x2, y2 } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: RULE_WIDTH,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Op::Shade { x, y, w, h } => {
            let mut pb = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: luma::Color::new(crate::layout::HEADER_GRAY).into(),
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_fill(Some(Fill::default()));
            }
        }
    }
}

fn krilla_glyphs(glyphs: &[Glyph]) -> Vec<KrillaGlyph> {
    glyphs
        .iter()
        .map(|g| {
            KrillaGlyph::new(
                GlyphId::new(u32::from(g.id)),
                g.advance,
                g.x_offset,
                g.y_offset,
                0.0,
                g.range.clone(),
                None,
            )
        })
        .collect()
}
