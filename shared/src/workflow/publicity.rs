//! What a 公示 or 公布 entry may show (domain §6.2; S1 Art. 24 "不得公开无关信息"): the applicant's
//! name, the household size, the programme and the amount, the village and the period. Nothing
//! else leaves the server on the public pages.

use serde::Serialize;

/// One line of a public notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicEntry {
    /// Opaque id of this publicity (never the case id).
    pub entry_id: String,
    /// The name as the web copy shows it (given name masked); the printed notice uses `full_name`.
    pub name: String,
    #[serde(skip)]
    pub full_name: String,
    pub household_size: usize,
    pub programme_zh: String,
    /// Yuan with two decimals.
    pub amount_yuan: String,
    pub village: String,
    pub from: String,
    pub to: String,
}

/// Masks the given name for the online copy: 王秀兰 → 王*兰, 王兰 → 王*, 欧阳娜娜 → 欧**娜; a name in
/// Mongolian script as [`crate::mongolian::mask_mongolian_name`] does (ᠪᠠᠲᠤ → ᠪ**ᠤ).
pub fn mask_name(name: &str) -> String {
    if crate::mongolian::has_mongolian(name) {
        return crate::mongolian::mask_mongolian_name(name);
    }
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => chars[0].to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// A text shown to 民主评议 representatives or the public (a finding, say), with what it may
/// reveal beyond the 公示 fields masked: each of `names` (the household's members) as
/// [`mask_name`] shows it, and every run of six or more digits or ID-number characters (ID, phone
/// and bank numbers) as asterisks.
pub fn mask_text(text: &str, names: &[String]) -> String {
    let mut names: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().count() >= 2)
        .collect();
    // Longer names first, so 巴特尔 is masked before a member called 巴特.
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let mut out = text.to_string();
    for n in names {
        out = out.replace(n, &mask_name(n));
    }
    let chars: Vec<char> = out.chars().collect();
    let mut masked = String::with_capacity(out.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == 'X' || **c == 'x')
            .count();
        if run >= 6 && chars[i].is_ascii_digit() {
            masked.extend(std::iter::repeat_n('*', run));
            i += run;
        } else {
            masked.push(chars[i]);
            i += 1;
        }
    }
    masked
}

/// 56000 分 → "560.00".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_the_surname_and_the_last_character() {
        assert_eq!(mask_name("王秀兰"), "王*兰");
        assert_eq!(mask_name("王兰"), "王*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("巴特尔"), "巴*尔");
        assert_eq!(mask_name(" "), "");
        assert_eq!(mask_name("ᠪᠠᠲᠤ\u{202F}ᠪᠠᠶᠠᠷ"), "ᠪ**ᠷ");
    }

    #[test]
    fn texts_lose_names_and_numbers() {
        let names = vec!["巴特尔".to_string(), "巴特".to_string(), "兰".to_string()];
        assert_eq!(
            mask_text(
                "巴特尔与巴特同住，电话13800001234，身份证15062119800101123X，养羊20只",
                &names
            ),
            "巴*尔与巴*同住，电话***********，身份证******************，养羊20只"
        );
        assert_eq!(
            mask_text("兰花", &names),
            "兰花",
            "one-character names are left alone"
        );
    }

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(yuan(56000), "560.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-150), "-1.50");
    }
}
