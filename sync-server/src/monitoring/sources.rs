//! The files other departments deliver, one adapter each. Every file is CSV, UTF-8 (with or
//! without BOM), or a workbook (.xlsx/.xls, first sheet; `workflow::sheet`), a header row with
//! exactly the columns below, one row per person and event;
//! dates YYYY-MM-DD (or YYYY/MM/DD), amounts in 元 with at most two decimals. A row's identity is
//! the hash of its normalised content, so the same row delivered again is the same record.
//!
//! | source | columns |
//! |---|---|
//! | 医保 `medical` | 身份证号,姓名,就诊机构,结算日期,医疗总费用,个人自付 |
//! | 残联 `disability` | 身份证号,姓名,残疾类别,残疾等级,发证日期 |
//! | 人社 `unemployment` | 身份证号,姓名,失业登记日期 |
//! | 公安/卫健 `death` | 身份证号,姓名,死亡日期 |
//! | 教育 `enrolment` | 身份证号,姓名,学校,学籍状态,变动日期 |
//! | 核对机构 `check` | 身份证号,姓名,核对结果,核对项目,说明,核对日期 |

use super::Result;
use crate::workflow::applications::id_number_valid;
use crate::workflow::check_results::check_fields;
use crate::workflow::csv_rows;
pub use crate::workflow::csv_rows::Rows;
use jiuzhu_shared::rules::date::Date;
use serde::{Deserialize, Serialize};

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 20000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Medical,
    Disability,
    Unemployment,
    Death,
    Enrolment,
    /// 信息核对 results by person: the 核对机构's periodic comparison of the register.
    Check,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::Medical,
        Source::Disability,
        Source::Unemployment,
        Source::Death,
        Source::Enrolment,
        Source::Check,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Source::Medical => "medical",
            Source::Disability => "disability",
            Source::Unemployment => "unemployment",
            Source::Death => "death",
            Source::Enrolment => "enrolment",
            Source::Check => "check",
        }
    }

    pub fn from_code(code: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Source::Medical => "医保自付费用",
            Source::Disability => "残联残疾证",
            Source::Unemployment => "人社失业登记",
            Source::Death => "死亡信息",
            Source::Enrolment => "教育学籍",
            Source::Check => "信息核对结果",
        }
    }

    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Source::Medical => &[
                "身份证号",
                "姓名",
                "就诊机构",
                "结算日期",
                "医疗总费用",
                "个人自付",
            ],
            Source::Disability => &["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期"],
            Source::Unemployment => &["身份证号", "姓名", "失业登记日期"],
            Source::Death => &["身份证号", "姓名", "死亡日期"],
            Source::Enrolment => &["身份证号", "姓名", "学校", "学籍状态", "变动日期"],
            Source::Check => &[
                "身份证号",
                "姓名",
                "核对结果",
                "核对项目",
                "说明",
                "核对日期",
            ],
        }
    }
}

/// School statuses of the 教育 file; the leaving ones raise the school rule.
pub const SCHOOL_STATUSES: [&str; 5] = ["在读", "毕业", "转学", "休学", "辍学"];

/// One row of a department file, normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// Hash of the normalised content.
    pub id: String,
    pub source: Source,
    pub id_number: String,
    pub name: String,
    /// The event's day: settlement, certificate, registration, death, status change.
    pub date: Date,
    /// 医保: self-paid amount in 分.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// 残联: the grade 1–4.
    #[serde(default)]
    pub grade: Option<u8>,
    /// 教育: the status; 残联: the kind; 医保: the institution; 核对: the result, items and note.
    #[serde(default)]
    pub detail: String,
    /// 核对: the result was 不符合.
    #[serde(default)]
    pub mismatch: bool,
}

impl Fact {
    /// The row in a Chinese phrase, for a warning's reasons.
    pub fn zh(&self) -> String {
        match self.source {
            Source::Medical => format!(
                "{} 在{}个人自付{}元",
                self.date,
                self.detail,
                yuan(self.amount_fen.unwrap_or(0))
            ),
            Source::Disability => format!(
                "{} 办理{}{}级残疾证",
                self.date,
                self.detail,
                self.grade.unwrap_or(0)
            ),
            Source::Unemployment => format!("{} 登记失业", self.date),
            Source::Death => format!("{} 死亡", self.date),
            Source::Enrolment => format!("{} {}", self.date, self.detail),
            Source::Check => format!("{} 信息核对{}", self.date, self.detail),
        }
    }
}

/// `12345` 分 → `123.45`.
pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// `1234.5` 元 → 123450 分; at most two decimals, not negative.
pub fn fen(raw: &str, column: &str) -> std::result::Result<i64, String> {
    let s = raw.trim().replace(',', "");
    let bad = || format!("{column}“{}”不是有效的金额（元，最多两位小数）", raw.trim());
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let frac = format!("{frac:0<2}");
    Ok(int.parse::<i64>().map_err(|_| bad())? * 100 + frac.parse::<i64>().map_err(|_| bad())?)
}

/// What became of one row of an imported file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowOutcome {
    /// The row's line in the file (the header is line 1).
    pub row: usize,
    /// imported | duplicate | unmatched | error
    pub status: &'static str,
    pub message: String,
}

/// A checked ID number (GB 11643), upper-case; `Err` names the column in Chinese.
pub fn id_number(raw: &str, column: &str) -> std::result::Result<String, String> {
    let id = raw.trim().to_ascii_uppercase();
    if id.is_empty() {
        return Err(format!("缺少{column}"));
    }
    if !id_number_valid(&id) {
        return Err(format!("{column}“{id}”不是有效的身份证号"));
    }
    Ok(id)
}

/// A date as the files write it: YYYY-MM-DD or YYYY/MM/DD.
pub fn date(raw: &str, column: &str) -> std::result::Result<Date, String> {
    raw.trim()
        .replace('/', "-")
        .parse()
        .map_err(|_| format!("{column}“{}”格式不对，应为 YYYY-MM-DD", raw.trim()))
}

/// Read a CSV file whose header must be `columns`: each row with its line and its trimmed
/// fields, or why it cannot be read. A file with another header, or none, is refused whole.
pub fn read_csv(text: &str, columns: &[&str]) -> Result<Rows<Vec<String>>> {
    let layout = csv_rows::Layout {
        columns,
        max_rows: MAX_ROWS,
        header_hint: "",
        empty: "文件中没有数据行",
    };
    Ok(csv_rows::read(text, &layout)?
        .into_iter()
        .map(|(line, row)| {
            let row: std::result::Result<Vec<String>, String> = row.and_then(|r| {
                if r.len() != columns.len() {
                    return Err(format!("应有{}列，这一行有{}列", columns.len(), r.len()));
                }
                Ok(r.iter().map(|f| f.trim().to_string()).collect())
            });
            (line, row)
        })
        .collect())
}

fn fact(source: Source, f: &[String]) -> std::result::Result<Fact, String> {
    let id = id_number(&f[0], "身份证号")?;
    let name = f[1].clone();
    if name.is_empty() {
        return Err("缺少姓名".into());
    }
    let mut mismatch = false;
    let (date, amount_fen, grade, detail) = match source {
        Source::Medical => {
            let total = fen(&f[4], "医疗总费用")?;
            let own = fen(&f[5], "个人自付")?;
            if own > total {
                return Err("个人自付不能大于医疗总费用".into());
            }
            (date(&f[3], "结算日期")?, Some(own), None, f[2].clone())
        }
        Source::Disability => {
            let g = f[3].trim_end_matches('级');
            let grade = g
                .parse::<u8>()
                .ok()
                .filter(|g| (1..=4).contains(g))
                .ok_or_else(|| format!("残疾等级“{}”应为1至4", f[3]))?;
            (date(&f[4], "发证日期")?, None, Some(grade), f[2].clone())
        }
        Source::Unemployment => (date(&f[2], "失业登记日期")?, None, None, String::new()),
        Source::Death => (date(&f[2], "死亡日期")?, None, None, String::new()),
        Source::Enrolment => {
            if !SCHOOL_STATUSES.contains(&f[3].as_str()) {
                return Err(format!(
                    "学籍状态“{}”应为{}之一",
                    f[3],
                    SCHOOL_STATUSES.join("、")
                ));
            }
            (
                date(&f[4], "变动日期")?,
                None,
                None,
                format!("{}{}", f[2], f[3]),
            )
        }
        Source::Check => {
            let c = check_fields(&f[2], &f[3], &f[4], &f[5])?;
            mismatch = c.result == "ineligible";
            let mut detail = String::from(if mismatch { "不符合" } else { "符合" });
            if !c.items.is_empty() {
                detail.push_str(&format!("：{}", c.items.join("、")));
            }
            if !c.note.is_empty() {
                detail.push_str(&format!("（{}）", c.note));
            }
            (c.checked_on, None, None, detail)
        }
    };
    let content = [
        source.code().to_string(),
        id.clone(),
        date.to_string(),
        amount_fen.map(|a| a.to_string()).unwrap_or_default(),
        grade.map(|g| g.to_string()).unwrap_or_default(),
        detail.clone(),
    ];
    Ok(Fact {
        id: super::digest(&content.iter().map(String::as_str).collect::<Vec<_>>()),
        source,
        id_number: id,
        name,
        date,
        amount_fen,
        grade,
        detail,
        mismatch,
    })
}

/// Read a department file: each row with its line, a normalised fact or why it is refused.
pub fn parse(source: Source, text: &str) -> Result<Rows<Fact>> {
    Ok(read_csv(text, source.columns())?
        .into_iter()
        .map(|(line, f)| (line, f.and_then(|f| fact(source, &f))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "150621198001010010";

    #[test]
    fn a_medical_file_parses_with_row_errors() {
        let text = format!(
            "\u{feff}身份证号,姓名,就诊机构,结算日期,医疗总费用,个人自付\n\
             {ID},张三,旗人民医院,2026-10-01,\"30,000.50\",25000\n\
             {ID},张三,旗人民医院,2026-13-01,100,50\n\
             {ID},张三,旗人民医院,2026-11-01,100,150\n\
             123,张三,旗人民医院,2026-11-01,100,50\n"
        );
        let rows = parse(Source::Medical, &text).unwrap();
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(first.amount_fen, Some(2_500_000));
        assert!(rows[1].1.as_ref().unwrap_err().contains("结算日期"));
        assert!(rows[2].1.as_ref().unwrap_err().contains("不能大于"));
        assert_eq!(rows[3].0, 5);
        assert!(rows[3].1.as_ref().unwrap_err().contains("身份证号"));
        // The same content is the same row, whatever its spacing.
        let again = parse(
            Source::Medical,
            &format!("身份证号,姓名,就诊机构,结算日期,医疗总费用,个人自付\n {ID} ,张三,旗人民医院,2026/10/01,30000.5,25000.00\n"),
        )
        .unwrap();
        assert_eq!(again[0].1.as_ref().unwrap().id, first.id);
    }

    #[test]
    fn every_adapter_checks_its_own_columns() {
        for s in Source::ALL {
            assert!(parse(s, "a,b\n1,2\n").is_err());
            assert_eq!(Source::from_code(s.code()), Some(s));
        }
        let d = parse(
            Source::Disability,
            &format!("身份证号,姓名,残疾类别,残疾等级,发证日期\n{ID},张三,肢体,5级,2026-01-01\n"),
        )
        .unwrap();
        assert!(d[0].1.as_ref().unwrap_err().contains("1至4"));
        let e = parse(
            Source::Enrolment,
            &format!("身份证号,姓名,学校,学籍状态,变动日期\n{ID},张三,一中,辍学,2026-09-01\n"),
        )
        .unwrap();
        assert_eq!(e[0].1.as_ref().unwrap().detail, "一中辍学");
        let c = parse(
            Source::Check,
            &format!(
                "身份证号,姓名,核对结果,核对项目,说明,核对日期\n\
                 {ID},张三,不符合,车辆、存款,名下登记小型轿车一辆,2026-11-01\n\
                 {ID},张三,符合,,,2026-11-01\n\
                 {ID},张三,不符合,,,2026-11-01\n"
            ),
        )
        .unwrap();
        let mismatch = c[0].1.as_ref().unwrap();
        assert!(mismatch.mismatch);
        assert_eq!(
            mismatch.detail,
            "不符合：车辆、存款（名下登记小型轿车一辆）"
        );
        assert!(!c[1].1.as_ref().unwrap().mismatch);
        assert!(c[2].1.as_ref().unwrap_err().contains("须写明"));
        assert_eq!(fen("12.3", "x"), Ok(1230));
        assert!(fen("-1", "x").is_err());
    }
}
