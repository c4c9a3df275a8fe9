//! The low-income population register: every household the banner knows, with its layer (分层)
//! and the history of its layers. Households come from two places: the cases (an active 低保 or
//! 特困 case is a household of that layer, its members the declared ones) and the 民政 roll file
//! (one row per person), kept as items. A household is known by its head's ID number.
//!
//! The roll file: CSV, UTF-8 (with or without BOM), a header row, then
//! `户主身份证号,户主姓名,身份证号,姓名,与户主关系,苏木乡镇,嘎查村社区,分层,认定日期,独居,留守儿童,残疾等级`
//! — 分层 as [`Layer::zh`]; 认定日期 YYYY-MM-DD; 独居 and 留守儿童 是/否 (or empty); 残疾等级 1–4 or empty.

use super::sources::{date, id_number};
use super::{HOUSEHOLD, Result, WorkflowError};
use crate::store::{DocTxn, Item, Store};
use crate::workflow::flow::Flow;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::{Programme, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The layers of 分层分类 assistance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Dibao,
    Tekun,
    DibaoEdge,
    RigidExpense,
    ReturnPovertyWatch,
    Other,
}

impl Layer {
    pub const ALL: [Layer; 6] = [
        Layer::Dibao,
        Layer::Tekun,
        Layer::DibaoEdge,
        Layer::RigidExpense,
        Layer::ReturnPovertyWatch,
        Layer::Other,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Layer::Dibao => "低保",
            Layer::Tekun => "特困",
            Layer::DibaoEdge => "低保边缘",
            Layer::RigidExpense => "刚性支出困难",
            Layer::ReturnPovertyWatch => "防止返贫监测",
            Layer::Other => "其他",
        }
    }

    pub fn from_zh(s: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.zh() == s.trim())
    }
}

/// One member of a household.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    pub id_number: String,
    pub name: String,
    pub relation: String,
    /// 1–4, when a disability certificate is known.
    pub disability_grade: Option<u8>,
}

impl Person {
    pub fn birth(&self) -> Option<Date> {
        Date::from_id_number(&self.id_number)
    }
}

/// A layer the household entered, when, and who said so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerChange {
    pub layer: Layer,
    pub from: Date,
    /// `case:<case number>` or `roll:<file hash prefix>`.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// The head's ID number.
    pub id: String,
    pub head_name: String,
    pub township: String,
    pub village: String,
    pub layer: Layer,
    pub members: Vec<Person>,
    #[serde(default)]
    pub living_alone: bool,
    #[serde(default)]
    pub left_behind_children: bool,
    pub history: Vec<LayerChange>,
    /// The active case of the household, when it has one.
    #[serde(default)]
    pub case_id: Option<String>,
}

impl Household {
    pub fn member(&self, id_number: &str) -> Option<&Person> {
        self.members.iter().find(|p| p.id_number == id_number)
    }

    /// Record `layer` from `from` (a change only when it differs from the current one).
    fn enter(&mut self, layer: Layer, from: Date, source: &str) {
        if self.history.last().is_some_and(|h| h.layer == layer) {
            return;
        }
        self.layer = layer;
        self.history.push(LayerChange {
            layer,
            from,
            source: source.to_string(),
        });
        self.history.sort_by_key(|h| h.from);
    }
}

/// The whole register, by head's ID number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Register {
    pub households: BTreeMap<String, Household>,
}

impl Register {
    /// The household a person belongs to.
    pub fn household_of(&self, id_number: &str) -> Option<&Household> {
        let id = id_number.trim().to_ascii_uppercase();
        self.households
            .values()
            .find(|h| h.id == id || h.member(&id).is_some())
    }

    /// Households with a member whose ID number is `q` or whose name contains `q`.
    pub fn search(&self, q: &str) -> Vec<&Household> {
        let q = q.trim();
        if q.is_empty() {
            return Vec::new();
        }
        let upper = q.to_ascii_uppercase();
        self.households
            .values()
            .filter(|h| {
                h.head_name.contains(q)
                    || h.members
                        .iter()
                        .any(|m| m.id_number == upper || m.name.contains(q))
            })
            .collect()
    }

    /// Add the rows of a roll file: each person joins (or updates) the household of their head;
    /// a layer different from the current one enters the history from its 认定日期.
    pub fn add_roll(&mut self, rows: &[RollRow], source: &str) {
        for r in rows {
            let h = self
                .households
                .entry(r.head_id.clone())
                .or_insert_with(|| Household {
                    id: r.head_id.clone(),
                    head_name: r.head_name.clone(),
                    township: r.township.clone(),
                    village: r.village.clone(),
                    layer: r.layer,
                    members: Vec::new(),
                    living_alone: false,
                    left_behind_children: false,
                    history: Vec::new(),
                    case_id: None,
                });
            h.township = r.township.clone();
            h.village = r.village.clone();
            h.living_alone |= r.living_alone;
            h.left_behind_children |= r.left_behind_children;
            match h
                .members
                .iter_mut()
                .find(|m| m.id_number == r.person.id_number)
            {
                Some(m) => *m = r.person.clone(),
                None => h.members.push(r.person.clone()),
            }
            h.enter(r.layer, r.since, source);
        }
    }

    /// Add what the cases say: an active 低保 or 特困 case is a household of that layer. A roll
    /// household of the same head keeps its history and gains the case's layer.
    pub fn add_cases(&mut self, cases: &[(Flow, Vec<Person>, String)]) {
        for (flow, members, village) in cases {
            let layer = match flow.programme {
                Programme::Dibao => Layer::Dibao,
                Programme::Tekun => Layer::Tekun,
                _ => continue,
            };
            if flow.state != State::Active {
                continue;
            }
            let Some(head) = members.first() else {
                continue;
            };
            let h = self
                .households
                .entry(head.id_number.clone())
                .or_insert_with(|| Household {
                    id: head.id_number.clone(),
                    head_name: head.name.clone(),
                    township: flow.township.clone(),
                    village: village.clone(),
                    layer,
                    members: members.clone(),
                    living_alone: members.len() == 1,
                    left_behind_children: false,
                    history: Vec::new(),
                    case_id: None,
                });
            for m in members {
                if h.member(&m.id_number).is_none() {
                    h.members.push(m.clone());
                }
            }
            h.case_id = Some(flow.case_id.clone());
            h.enter(layer, flow.entered, &format!("case:{}", flow.case_no));
        }
    }
}

/// The columns of the roll file, in order.
pub const ROLL_COLUMNS: [&str; 12] = [
    "户主身份证号",
    "户主姓名",
    "身份证号",
    "姓名",
    "与户主关系",
    "苏木乡镇",
    "嘎查村社区",
    "分层",
    "认定日期",
    "独居",
    "留守儿童",
    "残疾等级",
];

/// One person's row of the roll.
#[derive(Debug, Clone, PartialEq)]
pub struct RollRow {
    pub head_id: String,
    pub head_name: String,
    pub person: Person,
    pub township: String,
    pub village: String,
    pub layer: Layer,
    pub since: Date,
    pub living_alone: bool,
    pub left_behind_children: bool,
}

fn yes(raw: &str) -> std::result::Result<bool, String> {
    match raw.trim() {
        "是" | "Y" | "y" | "1" => Ok(true),
        "否" | "N" | "n" | "0" | "" => Ok(false),
        other => Err(format!("应填“是”或“否”，而不是“{other}”")),
    }
}

fn roll_row(f: &[String]) -> std::result::Result<RollRow, String> {
    let layer = Layer::from_zh(&f[7]).ok_or_else(|| {
        format!(
            "分层“{}”不认识，应为{}",
            f[7],
            Layer::ALL.map(Layer::zh).join("、")
        )
    })?;
    let name = |i: usize, col: &str| {
        let s = f[i].trim();
        if s.is_empty() {
            Err(format!("缺少{col}"))
        } else {
            Ok(s.to_string())
        }
    };
    let grade = match f[11].trim() {
        "" => None,
        g => Some(
            g.trim_end_matches('级')
                .parse::<u8>()
                .ok()
                .filter(|g| (1..=4).contains(g))
                .ok_or_else(|| format!("残疾等级“{g}”应为1至4"))?,
        ),
    };
    Ok(RollRow {
        head_id: id_number(&f[0], "户主身份证号")?,
        head_name: name(1, "户主姓名")?,
        person: Person {
            id_number: id_number(&f[2], "身份证号")?,
            name: name(3, "姓名")?,
            relation: f[4].trim().to_string(),
            disability_grade: grade,
        },
        township: name(5, "苏木乡镇")?,
        village: name(6, "嘎查村社区")?,
        layer,
        since: date(&f[8], "认定日期")?,
        living_alone: yes(&f[9]).map_err(|e| format!("独居{e}"))?,
        left_behind_children: yes(&f[10]).map_err(|e| format!("留守儿童{e}"))?,
    })
}

/// Read a roll file: each row with its line, parsed or with its error.
pub fn parse_roll(text: &str) -> Result<super::sources::Rows<RollRow>> {
    let rows = super::sources::read_csv(text, &ROLL_COLUMNS)?;
    Ok(rows
        .into_iter()
        .map(|(line, f)| (line, f.and_then(|f| roll_row(&f))))
        .collect())
}

/// Merge roll rows into the stored households (inside `txn`): a person's row adds or updates
/// them, a new layer is a change in the history. Answers how many households changed.
pub fn apply_roll(txn: &mut dyn DocTxn, rows: &[RollRow], source: &str, now: i64) -> Result<usize> {
    let mut reg = Register::default();
    for r in rows {
        if reg.households.contains_key(&r.head_id) {
            continue;
        }
        if let Some(i) = txn.item(HOUSEHOLD, &r.head_id)? {
            let h: Household = serde_json::from_value(i.body)
                .map_err(|e| WorkflowError::Invalid(format!("damaged register record: {e}")))?;
            reg.households.insert(h.id.clone(), h);
        }
    }
    reg.add_roll(rows, source);
    let mut n = 0;
    for (id, h) in reg.households {
        let body = serde_json::to_value(&h).expect("a household serialises");
        if txn.item(HOUSEHOLD, &id)?.is_some_and(|i| i.body == body) {
            continue;
        }
        txn.put_item(&Item {
            kind: HOUSEHOLD.into(),
            id,
            case_id: h.case_id.clone(),
            body,
            at: now,
        })?;
        n += 1;
    }
    Ok(n)
}

/// What an import of the roll did: households changed and the rows refused, with their lines.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RollReport {
    pub rows: usize,
    pub households_changed: usize,
    pub errors: Vec<super::sources::RowOutcome>,
}

/// Import the 民政 roll: the good rows in one transaction, the bad ones reported; audited.
pub fn import_roll(
    store: &dyn Store,
    who: &crate::workflow::Who,
    text: &str,
    now: i64,
) -> Result<RollReport> {
    let parsed = parse_roll(text)?;
    let source = format!("roll:{}", &super::digest(&[text])[..12]);
    let mut report = RollReport::default();
    let mut good = Vec::new();
    for (line, row) in parsed {
        match row {
            Ok(r) => good.push(r),
            Err(message) => report.errors.push(super::sources::RowOutcome {
                row: line,
                status: "error",
                message: format!("第{line}行：{message}"),
            }),
        }
    }
    report.rows = good.len();
    crate::workflow::flows::in_txn(store, &mut |txn| {
        report.households_changed = apply_roll(txn, &good, &source, now)?;
        txn.audit(&crate::audit::AuditEvent::new(
            now,
            who.audit.clone(),
            "monitor_roll_import",
            None,
            serde_json::json!({
                "source": source, "rows": report.rows,
                "households_changed": report.households_changed, "errors": report.errors.len(),
            }),
        ))?;
        Ok(())
    })?;
    Ok(report)
}

/// The register now: the roll's households and the active cases.
pub fn load(store: &dyn Store) -> Result<Register> {
    let mut reg = Register::default();
    let mut cases = Vec::new();
    crate::workflow::flows::in_txn(store, &mut |txn| {
        for i in txn.items(HOUSEHOLD, None)? {
            let h: Household = serde_json::from_value(i.body)
                .map_err(|e| WorkflowError::Invalid(format!("damaged register record: {e}")))?;
            reg.households.insert(h.id.clone(), h);
        }
        Ok(())
    })?;
    for flow in crate::workflow::flows::all_flows(store)? {
        if flow.state != State::Active
            || !matches!(flow.programme, Programme::Dibao | Programme::Tekun)
        {
            continue;
        }
        let Some(doc) = crate::cases::load_case(store, flow.id()?)
            .ok()
            .and_then(|d| d.read().ok())
        else {
            continue;
        };
        let members: Vec<Person> = doc
            .declared
            .members
            .iter()
            .map(|m| Person {
                id_number: m.id_number.trim().to_ascii_uppercase(),
                name: m.name.clone(),
                relation: m.relation.clone(),
                disability_grade: m
                    .disability_grade
                    .trim_end_matches('级')
                    .parse()
                    .ok()
                    .filter(|g| (1..=4).contains(g)),
            })
            .collect();
        cases.push((flow, members, doc.header.village.clone()));
    }
    reg.add_cases(&cases);
    Ok(reg)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const HEAD: &str = "150621198001010010";

    #[test]
    fn roll_rows_parse_and_a_bad_id_is_named() {
        let text = format!(
            "\u{feff}{}\n{HEAD},张三,{HEAD},张三,本人,树林召镇,示例村,低保,2025-03-01,否,是,\n\
             {HEAD},张三,150621198001010013,李四,配偶,树林召镇,示例村,低保,2025-03-01,否,否,2级\n",
            ROLL_COLUMNS.join(",")
        );
        let rows = parse_roll(&text).unwrap();
        assert_eq!(rows.len(), 2);
        let r = rows[0].1.as_ref().unwrap();
        assert_eq!(r.layer, Layer::Dibao);
        assert!(r.left_behind_children);
        assert_eq!(rows[1].0, 3);
        assert!(
            rows[1]
                .1
                .as_ref()
                .unwrap_err()
                .contains("不是有效的身份证号")
        );
    }

    #[test]
    fn search_finds_by_id_number_and_name() {
        let mut reg = Register::default();
        reg.households.insert(
            HEAD.into(),
            Household {
                id: HEAD.into(),
                head_name: "张三".into(),
                township: "树林召镇".into(),
                village: "示例村".into(),
                layer: Layer::Dibao,
                members: vec![Person {
                    id_number: HEAD.into(),
                    name: "张三".into(),
                    ..Person::default()
                }],
                living_alone: true,
                left_behind_children: false,
                history: vec![],
                case_id: None,
            },
        );
        assert_eq!(reg.search(HEAD).len(), 1);
        assert_eq!(reg.search("张").len(), 1);
        assert!(reg.search("王").is_empty());
        assert!(reg.household_of(HEAD).is_some());
    }
}
