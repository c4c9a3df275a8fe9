//! Traditional Mongolian texts the server prints beside the Chinese on written notices and the
//! public 公示 and 公布 notices (domain §7: notices to applicants and public notices are bilingual
//! in Inner Mongolia). One place, so a native speaker reviews them together: every text here is
//! a draft to be checked against 达拉特旗民政局's own bilingual wording; [`REVIEW`] names the
//! administrative terms most in need of it (see `docs/mongolian.md`).
//!
//! Only fixed texts are translated: a notice's Mongolian summarises it (title, what was decided,
//! the applicant's rights), while names, numbers, dates and reasons stay in the Chinese text.
//! Suffixes are joined with U+202F and final vowels separated with the MVS U+180E, as Mongolian
//! spelling writes them.

/// Administrative terms whose Mongolian rendering must be confirmed by a native speaker (the
/// Chinese term, the Mongolian used here).
pub const REVIEW: &[(&str, &str)] = &[
    ("社会救助", "ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ"),
    ("公示", "ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠬᠤ"),
    ("公布", "ᠨᠡᠶᠢᠲᠡ ᠳᠦ ᠨᠡᠶᠢᠲᠡᠯᠡᠬᠦ"),
    ("审核确认", "ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠬᠤ"),
    ("最低生活保障", "ᠠᠮᠢᠳᠤᠷᠠᠯ ᠤᠨ ᠳᠣᠣᠷ᠎ᠠ ᠶᠢᠨ ᠪᠠᠲᠤᠯᠠᠭ᠎ᠠ"),
    ("异议", "ᠡᠰᠡᠷᠭᠦ ᠰᠠᠨᠠᠯ"),
    ("行政复议", "ᠵᠠᠰᠠᠭ ᠵᠠᠬᠢᠷᠭᠠᠨ ᠤ ᠳᠠᠬᠢᠨ ᠬᠢᠨᠠᠯᠲᠠ"),
    ("达拉特旗民政局", BUREAU),
];

/// 达拉特旗民政局.
pub const BUREAU: &str = "ᠳᠠᠯᠠᠳ ᠬᠣᠰᠢᠭᠤᠨ ᠤ ᠢᠷᠭᠡᠨ ᠬᠡᠷᠡᠭ ᠦᠨ ᠲᠣᠪᠴᠢᠶ᠎ᠠ";

/// 如对本决定不服，可以……申请行政复议，或者……提起行政诉讼。
pub const RIGHTS: &str = "ᠡᠨᠡ ᠰᠢᠢᠳᠪᠦᠷᠢ ᠳᠦ ᠰᠠᠨᠠᠯ ᠨᠡᠶᠢᠯᠡᠬᠦ ᠦᠭᠡᠶ ᠪᠣᠯ ᠵᠢᠷᠠᠨ ᠡᠳᠦᠷ ᠦᠨ ᠳᠣᠲᠣᠷ᠎ᠠ ᠵᠠᠰᠠᠭ ᠵᠠᠬᠢᠷᠭᠠᠨ ᠤ ᠳᠠᠬᠢᠨ ᠬᠢᠨᠠᠯᠲᠠ ᠬᠦᠰᠦᠵᠦ᠂ ᠡᠰᠡᠬᠦᠯ᠎ᠡ ᠵᠢᠷᠭᠤᠭᠠᠨ ᠰᠠᠷ᠎ᠠ ᠶᠢᠨ ᠳᠣᠲᠣᠷ᠎ᠠ ᠱᠦᠭᠦᠬᠦ ᠶᠢᠨ ᠭᠠᠵᠠᠷ ᠲᠤ ᠵᠠᠷᠭᠤ ᠮᠠᠯᠭᠠᠵᠤ ᠪᠣᠯᠣᠨ᠎ᠠ᠃";

/// The title of a notice to the applicant, by the notice's kind (`notices::Notice::kind`).
pub fn notice_title(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "supplement" => "ᠮᠠᠲ᠋ᠸᠷᠢᠶᠠᠯ ᠨᠡᠮᠡᠬᠦ ᠮᠡᠳᠡᠭᠳᠡᠯ",
        "acceptance" => "ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠭᠰᠠᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ",
        "check_failed" => "ᠭᠡᠷ ᠪᠦᠯᠢ ᠶᠢᠨ ᠠᠵᠤ ᠠᠮᠢᠳᠤᠷᠠᠯ ᠢ ᠬᠠᠷᠭᠤᠭᠤᠯᠤᠨ ᠰᠢᠯᠭᠠᠭᠰᠠᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ",
        "closed_ineligible" => "ᠬᠡᠷᠡᠭ ᠢ ᠳᠠᠭᠤᠰᠬᠠᠭᠰᠠᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ",
        "approval" => "ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠭᠰᠠᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ",
        "rejection" => "ᠪᠠᠲᠤᠯᠠᠭᠠᠳᠤᠭᠠᠶ ᠮᠡᠳᠡᠭᠳᠡᠯ",
        "stop" => "ᠣᠯᠭᠣᠬᠤ ᠶᠢ ᠵᠣᠭᠰᠣᠭᠠᠭᠰᠠᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ",
        "termination" => "ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠬᠤ ᠶᠢ ᠳᠤᠰᠬᠠᠭᠰᠠᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ",
        _ => return None,
    })
}

/// What the notice says, in one Mongolian paragraph beside its first Chinese paragraph.
pub fn notice_summary(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "supplement" => {
            "ᠲᠠᠨ ᠤ ᠬᠦᠰᠡᠯᠲᠡ ᠶᠢᠨ ᠮᠠᠲ᠋ᠸᠷᠢᠶᠠᠯ ᠳᠤᠭᠤᠶ ᠪᠠᠶᠢᠨ᠎ᠠ᠃ ᠳᠣᠣᠷᠠᠬᠢ ᠮᠠᠲ᠋ᠸᠷᠢᠶᠠᠯ ᠢ ᠭᠠᠷ ᠤᠲᠠᠰᠤ ᠪᠠᠷ ᠪᠤᠶᠤ ᠰᠤᠮᠤ ᠶᠢᠨ ᠴᠣᠩᠬᠤ ᠪᠠᠷ ᠨᠡᠮᠡᠵᠦ ᠥᠭᠭᠥᠨ᠎ᠡ ᠦᠦ᠃"
        }
        "acceptance" => {
            "ᠲᠠᠨ ᠤ ᠬᠦᠰᠡᠯᠲᠡ ᠶᠢ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠤᠯᠠᠭ᠎ᠠ᠃ ᠭᠤᠷᠪᠠᠨ ᠠᠵᠢᠯ ᠤᠨ ᠡᠳᠦᠷ ᠦᠨ ᠳᠣᠲᠣᠷ᠎ᠠ ᠭᠡᠷ ᠲᠦ ᠢᠷᠡᠵᠦ ᠰᠤᠷᠪᠤᠯᠵᠢᠯᠠᠨ᠎ᠠ᠃"
        }
        "check_failed" | "closed_ineligible" => {
            "ᠭᠡᠷ ᠪᠦᠯᠢ ᠶᠢᠨ ᠠᠵᠤ ᠠᠮᠢᠳᠤᠷᠠᠯ ᠢ ᠬᠠᠷᠭᠤᠭᠤᠯᠤᠨ ᠰᠢᠯᠭᠠᠭᠰᠠᠨ ᠦᠷ᠎ᠡ ᠳᠦᠩ ᠨᠥᠬᠥᠴᠡᠯ ᠳᠦ ᠲᠣᠬᠢᠷᠠᠬᠤ ᠦᠭᠡᠶ᠃"
        }
        "approval" => {
            "ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠭᠰᠠᠨ ᠢᠶᠠᠷ ᠲᠠᠨ ᠤ ᠭᠡᠷ ᠪᠦᠯᠢ ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠨᠥᠬᠥᠴᠡᠯ ᠳᠦ ᠲᠣᠬᠢᠷᠠᠵᠤ ᠪᠠᠶᠢᠨ᠎ᠠ᠃ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠮᠥᠩᠭᠥ ᠶᠢ ᠰᠠᠷ᠎ᠠ ᠪᠦᠷᠢ ᠭᠡᠷ ᠪᠦᠯᠢ ᠶᠢᠨ ᠪᠠᠩᠬᠢᠨ ᠳᠠᠩᠰᠠ ᠳᠤ ᠣᠯᠭᠣᠨ᠎ᠠ᠃"
        }
        "rejection" => "ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠭᠰᠠᠨ ᠢᠶᠠᠷ ᠲᠠᠨ ᠤ ᠬᠦᠰᠡᠯᠲᠡ ᠶᠢ ᠪᠠᠲᠤᠯᠠᠭᠠᠳᠤᠭᠠᠶ᠃",
        "stop" => "ᠢᠷᠡᠬᠦ ᠰᠠᠷ᠎ᠠ ᠡᠴᠡ ᠡᠬᠢᠯᠡᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠮᠥᠩᠭᠥ ᠣᠯᠭᠣᠬᠤ ᠶᠢ ᠵᠣᠭᠰᠣᠭᠠᠨ᠎ᠠ᠃",
        "termination" => {
            "ᠰᠤᠷᠪᠤᠯᠵᠢᠯᠠᠯᠲᠠ ᠳᠤ ᠬᠠᠮᠲᠤᠷᠴᠤ ᠠᠵᠢᠯᠯᠠᠭᠰᠠᠨ ᠦᠭᠡᠶ ᠲᠤᠯᠠ ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠬᠤ ᠶᠢ ᠳᠤᠰᠬᠠᠪᠠ᠃"
        }
        _ => return None,
    })
}

/// The Mongolian of a notice field's Chinese label, when there is one.
pub fn field_label(zh: &str) -> Option<&'static str> {
    Some(match zh {
        "保障金额（元/月）" => "ᠰᠠᠷ᠎ᠠ ᠪᠦᠷᠢ ᠶᠢᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠮᠥᠩᠭᠥ",
        "起始月份" => "ᠡᠬᠢᠯᠡᠬᠦ ᠰᠠᠷ᠎ᠠ",
        "核对不符的项目" => "ᠨᠥᠬᠥᠴᠡᠯ ᠳᠦ ᠲᠣᠬᠢᠷᠠᠭᠰᠠᠨ ᠦᠭᠡᠶ ᠵᠦᠶᠯ",
        "异议受理电话" => "ᠡᠰᠡᠷᠭᠦ ᠰᠠᠨᠠᠯ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ ᠤᠲᠠᠰᠤ",
        _ => return None,
    })
}

/// 社会救助审核公示.
pub const PUBLICITY_TITLE: &str = "ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠬᠢᠨᠠᠯᠲᠠ ᠶᠢᠨ ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠯ";
/// The 公示 notice's opening: whose opinions are shown, how to object.
pub const PUBLICITY_INTRO: &str = "ᠳᠣᠣᠷᠠᠬᠢ ᠭᠡᠷ ᠪᠦᠯᠢ ᠶᠢᠨ ᠠᠩᠬᠠᠨ ᠤ ᠬᠢᠨᠠᠯᠲᠠ ᠶᠢᠨ ᠰᠠᠨᠠᠯ ᠢ ᠣᠯᠠᠨ ᠳᠤ ᠵᠠᠷᠯᠠᠵᠤ ᠪᠠᠶᠢᠨ᠎ᠠ᠃ ᠡᠰᠡᠷᠭᠦ ᠰᠠᠨᠠᠯ ᠲᠠᠶ ᠪᠣᠯ ᠤᠲᠠᠰᠤ᠂ ᠰᠤᠮᠤ ᠶᠢᠨ ᠴᠣᠩᠬᠤ ᠪᠤᠶᠤ ᠰᠦᠯᠵᠢᠶᠡᠨ ᠳᠡᠭᠡᠷ᠎ᠡ ᠭᠠᠷᠭᠠᠵᠤ ᠪᠣᠯᠣᠨ᠎ᠠ᠃";
/// 社会救助对象公布.
pub const ROLL_TITLE: &str = "ᠨᠡᠶᠢᠭᠡᠮ ᠦᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠡᠳ᠋ᠯᠡᠭᠴᠢ ᠳ᠋ᠦ ᠨᠡᠶᠢᠲᠡᠯᠡᠯ";
/// The roll's opening: these households were confirmed.
pub const ROLL_INTRO: &str = "ᠬᠢᠨᠠᠨ ᠪᠠᠲᠤᠯᠠᠭᠰᠠᠨ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠡᠳ᠋ᠯᠡᠭᠴᠢ ᠭᠡᠷ ᠪᠦᠯᠢ ᠶᠢ ᠨᠡᠶᠢᠲᠡ ᠳᠦ ᠨᠡᠶᠢᠲᠡᠯᠡᠪᠡ᠃ ᠬᠦᠰᠦᠨᠦᠭ ᠲᠦ ᠨᠡᠷ᠎ᠡ᠂ ᠭᠡᠷ ᠪᠦᠯᠢ ᠶᠢᠨ ᠬᠦᠮᠦᠨ ᠦ ᠲᠣᠭ᠎ᠠ᠂ ᠲᠤᠰᠠᠯᠠᠮᠵᠢ ᠶᠢᠨ ᠲᠦᠷᠦᠯ ᠪᠠ ᠮᠥᠩᠭᠥ ᠶᠢ ᠵᠢᠭᠠᠪᠠ᠃";

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_shared::mongolian::has_mongolian;

    /// Only Mongolian letters and punctuation, spaces, NNBSP and the MVS/FVS: no stray Chinese.
    fn traditional_script(s: &str) -> bool {
        has_mongolian(s)
            && s.chars()
                .all(|c| ('\u{1800}'..='\u{18AF}').contains(&c) || c == ' ' || c == '\u{202F}')
    }

    #[test]
    fn every_text_is_traditional_mongolian() {
        let kinds = [
            "supplement",
            "acceptance",
            "check_failed",
            "closed_ineligible",
            "approval",
            "rejection",
            "stop",
            "termination",
        ];
        let mut all = vec![
            BUREAU,
            RIGHTS,
            PUBLICITY_TITLE,
            PUBLICITY_INTRO,
            ROLL_TITLE,
            ROLL_INTRO,
        ];
        for k in kinds {
            all.push(notice_title(k).unwrap_or_else(|| panic!("title of {k}")));
            all.push(notice_summary(k).unwrap_or_else(|| panic!("summary of {k}")));
        }
        all.extend(REVIEW.iter().map(|(_, mn)| *mn));
        for label in [
            "保障金额（元/月）",
            "起始月份",
            "核对不符的项目",
            "异议受理电话",
        ] {
            all.push(field_label(label).expect(label));
        }
        for s in all {
            assert!(traditional_script(s), "{s:?}");
        }
        assert_eq!(notice_title("review_opened"), None);
    }
}
