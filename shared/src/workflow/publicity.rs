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

/// Masks the given name for the online copy: 王秀兰 → 王*兰, 王兰 → 王*, 欧阳娜娜 → 欧**娜.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => chars[0].to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
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
    }

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(yuan(56000), "560.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-150), "-1.50");
    }
}
