//! Traditional Mongolian script (Unicode block U+1800–U+18AF) in names: how two spellings of one
//! name are recognised as the same when searching, and how a name is masked on public pages.
//!
//! The same Mongolian word can be typed with different invisible characters: free variation
//! selectors (FVS1–FVS4, U+180B–U+180D and U+180F) that pick a glyph variant, the Mongolian vowel
//! separator (MVS, U+180E) before a final ᠠ/ᠡ, and the narrow no-break space (U+202F) that
//! joins a suffix such as ᠦᠨ to its word, which input methods sometimes replace with a plain space
//! or leave out. None of them changes which letters the name has, so search ignores them; the name
//! itself is stored exactly as typed (domain §7.2: "store exactly as on the ID card").

use unicode_normalization::UnicodeNormalization;

/// Whether `c` is a letter of the Mongolian block (not a punctuation mark, digit or control).
pub fn is_mongolian_letter(c: char) -> bool {
    matches!(c as u32, 0x1820..=0x18AA)
}

/// Whether `s` contains traditional Mongolian letters.
pub fn has_mongolian(s: &str) -> bool {
    s.chars().any(is_mongolian_letter)
}

/// Characters that change a Mongolian word's look but not its letters: FVS1–4, the MVS, joiners.
fn is_invisible_format(c: char) -> bool {
    matches!(c as u32, 0x180B..=0x180F | 0x200C | 0x200D)
}

/// The form of `s` two spellings of one name share: Unicode NFC, Mongolian variation selectors,
/// the vowel separator and joiners removed, every kind of space (NNBSP included) counted as a
/// plain space and runs of them as one, a space before a Mongolian suffix dropped (ᠪᠠᠲᠤ ᠶᠢᠨ and
/// ᠪᠠᠲᠤᠶᠢᠨ differ only by how the suffix was attached), ends trimmed, Latin letters lower-cased.
/// Chinese text passes through unchanged (apart from NFC and trimming).
pub fn search_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfc() {
        if is_invisible_format(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            // Between two Mongolian letters a space is only how a suffix was attached.
            let joins =
                is_mongolian_letter(c) && out.chars().next_back().is_some_and(is_mongolian_letter);
            if !joins {
                out.push(' ');
            }
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Whether `needle` occurs in `haystack` once both are in their [`search_key`] form.
pub fn search_matches(haystack: &str, needle: &str) -> bool {
    search_key(haystack).contains(&search_key(needle))
}

/// The letters of a Mongolian-script name, each with the variation selectors that follow it (so
/// a kept letter keeps its chosen form); spaces are not letters.
fn letter_clusters(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in name.trim().chars() {
        if is_invisible_format(c) {
            if let Some(last) = out.last_mut() {
                last.push(c);
            }
        } else if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    out
}

/// Masks a Mongolian-script name for the online copy of a public notice: its first and its last
/// letter stay, everything between becomes two asterisks whatever its length (a long Mongolian
/// name would otherwise give its length away, and its words are joined so a middle word's
/// boundaries are not shown either): ᠪᠠᠲᠤ → ᠪ**ᠤ; a two-letter name keeps its first letter (ᠠᠶ
/// → ᠠ*). The shown letters stand alone, so they print in their isolated forms.
pub fn mask_mongolian_name(name: &str) -> String {
    let letters = letter_clusters(name);
    match letters.len() {
        0 => String::new(),
        1 => letters[0].clone(),
        2 => format!("{}*", letters[0]),
        n => format!("{}**{}", letters[0], letters[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ᠪᠠᠲᠤ ᠶᠢᠨ: "Batu's", the suffix joined with a narrow no-break space.
    const BATU_YIN: &str = "ᠪᠠᠲᠤ\u{202F}ᠶᠢᠨ";

    #[test]
    fn variation_selectors_and_suffix_spaces_do_not_matter_to_search() {
        // Saran-a written with the vowel separator, without it, and with an FVS on a letter.
        let with_mvs = "ᠰᠠᠷᠠᠨ\u{180E}ᠠ";
        let plain = "ᠰᠠᠷᠠᠨᠠ";
        let with_fvs = "ᠰᠠᠷ\u{180B}ᠠᠨ\u{180E}ᠠ";
        assert_eq!(search_key(with_mvs), search_key(plain));
        assert_eq!(search_key(with_fvs), search_key(plain));
        // The suffix attached with NNBSP, a plain space, two spaces or nothing.
        for typed in ["ᠪᠠᠲᠤ ᠶᠢᠨ", "ᠪᠠᠲᠤ  ᠶᠢᠨ", "ᠪᠠᠲᠤᠶᠢᠨ", " ᠪᠠᠲᠤ\u{202F}ᠶᠢᠨ "]
        {
            assert_eq!(search_key(typed), search_key(BATU_YIN), "{typed:?}");
        }
        assert!(search_matches(BATU_YIN, "ᠪᠠᠲᠤ"));
        assert!(search_matches("ᠪᠠᠲᠤ\u{180B}ᠪᠠᠶᠠᠷ", "ᠪᠠᠲᠤᠪᠠᠶᠠᠷ"));
        assert!(!search_matches(BATU_YIN, "ᠰᠠᠷᠠᠨ"));
    }

    #[test]
    fn chinese_and_latin_search_as_before_nfc_applied() {
        assert!(search_matches("王秀兰", "秀兰"));
        assert!(!search_matches("王秀兰", "秀 兰"));
        assert_eq!(search_key("  巴特尔 "), "巴特尔");
        assert!(search_matches("Batu", "batu"));
        // A precomposed é and e + combining acute are one letter after NFC.
        assert_eq!(search_key("Andre\u{301}"), search_key("Andr\u{E9}"));
        // Chinese words keep the space between them.
        assert_eq!(search_key("巴特 尔"), "巴特 尔");
    }

    #[test]
    fn mongolian_names_keep_first_and_last_letter() {
        assert_eq!(mask_mongolian_name("ᠪᠠᠲᠤ"), "ᠪ**ᠤ");
        assert_eq!(mask_mongolian_name("ᠰᠠᠷᠠᠨᠭᠡᠷᠡᠯ"), "ᠰ**ᠯ");
        assert_eq!(mask_mongolian_name("ᠠᠶ"), "ᠠ*");
        assert_eq!(mask_mongolian_name("ᠠ"), "ᠠ");
        assert_eq!(mask_mongolian_name(" "), "");
        // Two words: the gap is masked too; a variation selector stays with its letter.
        assert_eq!(mask_mongolian_name(BATU_YIN), "ᠪ**ᠨ");
        assert_eq!(mask_mongolian_name("ᠳ\u{180B}ᠤᠭᠠᠷ"), "ᠳ\u{180B}**ᠷ");
        assert!(has_mongolian("ᠪᠠᠲᠤ") && !has_mongolian("巴特尔") && !has_mongolian("᠂"));
    }
}
