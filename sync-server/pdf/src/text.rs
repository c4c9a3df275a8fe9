//! Shaping and line breaking.
//!
//! Text is shaped with rustybuzz, the HarfBuzz port krilla itself shapes with, and drawn from the
//! shaped glyphs (krilla's `draw_glyphs`), so what is measured is exactly what is printed. Lines
//! break where Unicode's line-breaking algorithm (UAX #14) allows: between any two Chinese
//! characters, never inside a Latin word or a number, and never before closing punctuation such
//! as `，` `。` `）` or after an opening one such as `（` `《` (the 避头尾 rules).

use std::ops::Range;

use unicode_linebreak::{BreakOpportunity, linebreaks};

use crate::fonts::{FaceKind, FontSet};

/// One shaped glyph. Lengths are in em (multiply by the font size for points).
#[derive(Debug, Clone)]
pub(crate) struct Glyph {
    pub(crate) face: FaceKind,
    pub(crate) id: u16,
    pub(crate) advance: f32,
    pub(crate) x_offset: f32,
    pub(crate) y_offset: f32,
    /// The bytes of the line's text this glyph stands for (for the PDF's text layer).
    pub(crate) range: Range<usize>,
}

/// One laid-out line: its text and glyphs (ranges relative to `text`), width in em.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) text: String,
    pub(crate) glyphs: Vec<Glyph>,
    pub(crate) width: f32,
    /// Where the line starts, in em from the left of the box it was wrapped in.
    pub(crate) indent: f32,
    /// Ended by wrapping (not by the end of the text or a newline): may be justified.
    pub(crate) wrapped: bool,
}

impl Line {
    /// Spreads `extra` em over the gaps where Chinese text may be stretched (any gap not inside
    /// a Latin word or number), so a wrapped line fills the measure as typeset Chinese does.
    /// Gives up (leaves the line ragged) when the gaps would grow beyond half an em.
    pub(crate) fn justify(&mut self, extra: f32) {
        if extra <= 0.0 || self.glyphs.len() < 2 {
            return;
        }
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        let mut gaps = Vec::new();
        for i in 0..self.glyphs.len() - 1 {
            let before = self.text[..self.glyphs[i + 1].range.start]
                .chars()
                .next_back();
            let after = self.text[self.glyphs[i + 1].range.start..].chars().next();
            if !(word(before) && word(after)) {
                gaps.push(i);
            }
        }
        if gaps.is_empty() || extra / gaps.len() as f32 > 0.5 {
            return;
        }
        let each = extra / gaps.len() as f32;
        for i in gaps {
            self.glyphs[i].advance += each;
        }
        self.width += extra;
    }
}

/// Shapes with the faces of one [`FontSet`] (rustybuzz faces are parsed once per document).
pub(crate) struct Shaper<'a> {
    fonts: &'a FontSet,
    faces: Vec<(FaceKind, rustybuzz::Face<'a>, f32)>,
}

impl<'a> Shaper<'a> {
    pub(crate) fn new(fonts: &'a FontSet) -> Self {
        let mut faces = Vec::new();
        for kind in [FaceKind::Regular, FaceKind::Bold, FaceKind::Mongolian] {
            if let Some(f) = fonts.get(kind)
                && let Some(face) = rustybuzz::Face::from_slice(&f.data, f.index)
            {
                let upem = face.units_per_em() as f32;
                faces.push((kind, face, upem));
            }
        }
        Self { fonts, faces }
    }

    pub(crate) fn fonts(&self) -> &FontSet {
        self.fonts
    }

    pub(crate) fn has(&self, kind: FaceKind) -> bool {
        self.face(kind).is_some()
    }

    fn face(&self, kind: FaceKind) -> Option<&(FaceKind, rustybuzz::Face<'a>, f32)> {
        self.faces.iter().find(|(k, _, _)| *k == kind)
    }

    /// Shapes one line of text (no newlines) with per-character font fallback along `chain`:
    /// each character goes to the first face that has it, so Mongolian text with a Chinese word
    /// in it, or a Chinese title in a font without some rare character, still prints.
    fn shape(&self, text: &str, chain: &[FaceKind]) -> Vec<Glyph> {
        let chain: Vec<_> = chain.iter().copied().filter(|k| self.has(*k)).collect();
        let Some(&primary) = chain.first() else {
            return Vec::new();
        };
        // Split into runs of one face each.
        let mut runs: Vec<(FaceKind, Range<usize>)> = Vec::new();
        for (i, c) in text.char_indices() {
            let end = i + c.len_utf8();
            let kind = if sticks_to_previous(c) {
                runs.last().map_or(primary, |r| r.0)
            } else {
                chain
                    .iter()
                    .copied()
                    .find(|k| self.face(*k).is_some_and(|f| f.1.glyph_index(c).is_some()))
                    .unwrap_or(primary)
            };
            match runs.last_mut() {
                Some((k, r)) if *k == kind => r.end = end,
                _ => runs.push((kind, i..end)),
            }
        }
        let mut glyphs = Vec::new();
        for (kind, run) in runs {
            let Some((_, face, upem)) = self.face(kind) else {
                continue;
            };
            let mut buffer = rustybuzz::UnicodeBuffer::new();
            buffer.push_str(&text[run.clone()]);
            buffer.guess_segment_properties();
            // Shaped as a horizontal line, Mongolian included: the font's Mongolian glyphs are
            // drawn lying down, and a vertical column is that line turned 90° clockwise. The
            // script (guessed: Mongolian) selects the joining shaper, so letters take their
            // initial, medial and final forms from the font's GSUB.
            buffer.set_direction(rustybuzz::Direction::LeftToRight);
            let out = rustybuzz::shape(face, &[], buffer);
            let infos = out.glyph_infos();
            let positions = out.glyph_positions();
            for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
                let start = run.start + info.cluster as usize;
                let end = infos[i + 1..]
                    .iter()
                    .find(|n| n.cluster != info.cluster)
                    .map_or(run.end, |n| run.start + n.cluster as usize);
                glyphs.push(Glyph {
                    face: kind,
                    id: u16::try_from(info.glyph_id).unwrap_or(0),
                    advance: pos.x_advance as f32 / upem,
                    x_offset: pos.x_offset as f32 / upem,
                    y_offset: pos.y_offset as f32 / upem,
                    range: start..end.max(start),
                });
            }
        }
        glyphs
    }

    /// The widest line of `text` set without wrapping, in em.
    pub(crate) fn measure(&self, text: &str, chain: &[FaceKind]) -> f32 {
        hard_lines(text)
            .map(|l| {
                let l = l.trim_end();
                self.shape(l, chain).iter().map(|g| g.advance).sum::<f32>()
            })
            .fold(0.0, f32::max)
    }

    /// Breaks `text` into lines of at most `width` em. The first line starts `first_indent` em
    /// in, every later one (including after a newline in the text) `rest_indent` em in.
    pub(crate) fn wrap(
        &self,
        text: &str,
        chain: &[FaceKind],
        width: f32,
        first_indent: f32,
        rest_indent: f32,
    ) -> Vec<Line> {
        let mut lines = Vec::new();
        for part in hard_lines(text) {
            let indent = if lines.is_empty() {
                first_indent
            } else {
                rest_indent
            };
            self.wrap_one(part, chain, width, indent, rest_indent, &mut lines);
        }
        lines
    }

    fn wrap_one(
        &self,
        text: &str,
        chain: &[FaceKind],
        width: f32,
        first_indent: f32,
        rest_indent: f32,
        out: &mut Vec<Line>,
    ) {
        let glyphs = self.shape(text, chain);
        // prefix[i] = width of glyphs[..i]
        let mut prefix = Vec::with_capacity(glyphs.len() + 1);
        prefix.push(0.0f32);
        for g in &glyphs {
            prefix.push(prefix.last().copied().unwrap_or(0.0) + g.advance);
        }
        let index_at = |byte: usize| glyphs.partition_point(|g| g.range.start < byte);
        let width_of = |a: usize, b: usize| prefix[index_at(b)] - prefix[index_at(a)];
        let trim = |a: usize, b: usize| a + text[a..b].trim_end().len();

        let make = |a: usize, b: usize, indent: f32, wrapped: bool| {
            let e = trim(a, b);
            let (gi, ge) = (index_at(a), index_at(e));
            let glyphs = glyphs[gi..ge]
                .iter()
                .map(|g| Glyph {
                    range: g.range.start - a..g.range.end.min(e).max(g.range.start) - a,
                    ..g.clone()
                })
                .collect();
            Line {
                text: text[a..e].to_string(),
                glyphs,
                width: prefix[ge] - prefix[gi],
                indent,
                wrapped,
            }
        };

        let breaks: Vec<usize> = linebreaks(text)
            .filter(|(_, op)| matches!(op, BreakOpportunity::Allowed | BreakOpportunity::Mandatory))
            .map(|(i, _)| i)
            .collect();
        let first_line = out.len();
        let mut start = 0;
        let mut best: Option<usize> = None;
        let mut k = 0;
        const EPS: f32 = 1e-3;
        while k < breaks.len() {
            let b = breaks[k];
            let indent = if out.len() == first_line {
                first_indent
            } else {
                rest_indent
            };
            let avail = (width - indent).max(1.0);
            if width_of(start, trim(start, b)) <= avail + EPS {
                best = Some(b);
                k += 1;
                continue;
            }
            match best {
                Some(bb) if bb > start => {
                    out.push(make(start, bb, indent, true));
                    start = bb;
                }
                _ => {
                    // One unbreakable piece (a long number or URL) wider than the line: cut it
                    // at the last glyph that fits, at least one glyph per line.
                    let gi = index_at(start);
                    let mut cut = None;
                    for g in &glyphs[gi..] {
                        if g.range.start > start && width_of(start, g.range.start) > avail + EPS {
                            break;
                        }
                        if g.range.start > start {
                            cut = Some(g.range.start);
                        }
                    }
                    let cut = cut.unwrap_or_else(|| {
                        start + text[start..].chars().next().map_or(0, char::len_utf8)
                    });
                    out.push(make(start, cut, indent, true));
                    start = cut;
                }
            }
            best = None;
        }
        if start < text.len() || out.len() == first_line {
            let indent = if out.len() == first_line {
                first_indent
            } else {
                rest_indent
            };
            out.push(make(start, text.len(), indent, false));
        }
    }
}

/// The text's lines as separated by newlines (`\r\n` too).
fn hard_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Characters that belong to whatever run precedes them: spaces, joiners, variation selectors
/// (Mongolian free variation selectors and the narrow no-break space before Mongolian suffixes
/// among them), combining marks.
fn sticks_to_previous(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c as u32,
            0x180B..=0x180F | 0x200B..=0x200D | 0x202F | 0xFE00..=0xFE0F | 0x0300..=0x036F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, width: f32) -> Vec<String> {
        let fonts = crate::system_fonts().expect("a CJK font is installed (fonts-noto-cjk)");
        let sh = Shaper::new(fonts);
        let lines = sh.wrap(text, &[FaceKind::Regular], width, 0.0, 0.0);
        for l in &lines {
            assert!(
                l.width <= width + 1e-3,
                "{:?} is {} em wide",
                l.text,
                l.width
            );
        }
        lines.into_iter().map(|l| l.text).collect()
    }

    #[test]
    fn chinese_wraps_at_any_character_latin_words_and_numbers_stay_whole() {
        let text = "申请人王建国身份证号码152726198805120011已核对Disability Certificate复印件";
        let got = lines(text, 10.0);
        assert!(got.len() > 3, "{got:?}");
        assert_eq!(got.concat().replace(' ', ""), text.replace(' ', ""));
        let joined = got.join("|");
        for word in ["152726198805120011", "Disability", "Certificate"] {
            assert!(joined.contains(word), "{word} cut in {got:?}");
        }
        // Chinese alone fills every line to the character.
        let got = lines("一二三四五六七八九十一二三四五六七八九十一二三", 10.0);
        assert_eq!(
            got.iter().map(|l| l.chars().count()).collect::<Vec<_>>(),
            [10, 10, 3]
        );
    }

    #[test]
    fn closing_punctuation_never_starts_a_line_and_opening_never_ends_one() {
        let got = lines("一二三四五六七八九十，一二三四五六七八（九十）", 10.0);
        for l in &got {
            assert!(!l.starts_with(['，', '。', '）', '；']), "{got:?}");
            assert!(!l.ends_with('（'), "{got:?}");
        }
    }

    #[test]
    fn mongolian_letters_take_their_joined_forms() {
        let fonts = crate::system_fonts().expect("fonts");
        let sh = Shaper::new(fonts);
        assert!(
            sh.has(FaceKind::Mongolian),
            "Noto Sans Mongolian is installed (fonts-noto-core): {}",
            fonts.describe()
        );
        let face = &sh.face(FaceKind::Mongolian).expect("face").1;
        // ᠮᠣᠩᠭᠣᠯ: the first ᠣ is medial, ᠮ initial, ᠯ final; none is the isolated (cmap) glyph.
        let word = "ᠮᠣᠩᠭᠣᠯ";
        let shaped = sh.shape(word, &[FaceKind::Mongolian]);
        assert!(shaped.iter().all(|g| g.face == FaceKind::Mongolian));
        let isolated = |c: char| face.glyph_index(c).expect("covered").0;
        let first = shaped.first().expect("glyphs");
        let last = shaped.last().expect("glyphs");
        assert_ne!(first.id, isolated('ᠮ'), "initial form");
        assert_ne!(last.id, isolated('ᠯ'), "final form");
        // The same letter ᠣ in the middle and at the end of a word takes two different forms.
        let mid = sh.shape("ᠮᠣᠯ", &[FaceKind::Mongolian]);
        let end = sh.shape("ᠮᠣ", &[FaceKind::Mongolian]);
        assert_ne!(mid[1].id, end[1].id, "{mid:?} {end:?}");
    }

    #[test]
    fn a_token_wider_than_the_line_is_cut_and_newlines_are_kept() {
        let got = lines("0123456789012345678901234567890123456789", 5.0);
        assert!(got.len() > 1, "{got:?}");
        assert_eq!(got.concat(), "0123456789012345678901234567890123456789");
        assert_eq!(lines("第一行\n第二行", 10.0), ["第一行", "第二行"]);
        assert_eq!(lines("", 10.0), [""]);
    }
}
