//! The warning rules of the regional configuration (`config/monitoring/example.toml`, installed
//! as `DATA/monitoring.toml`), dated like the income rules: `[[versions]]` each in force from
//! `valid_from` to `valid_until` (inclusive). `evaluate` is pure: the register, the department
//! rows and a day in, the warnings out — each with its rule, its rows and a Chinese sentence.

use super::register::{Household, Register};
use super::sources::{Fact, Source, yuan};
use super::{Result, WorkflowError};
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::calendar::add_days;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const EXAMPLE: &str = include_str!("../../../config/monitoring/example.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringConfig {
    pub region: String,
    pub versions: Vec<Version>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    pub version: String,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_until: Option<Date>,
    /// Working days a township has to handle a warning.
    pub handling_working_days: u32,
    pub medical: MedicalRule,
    pub disability: DisabilityRule,
    pub earner: EarnerRule,
    pub school: SchoolRule,
    /// Absent from configurations written before the 核对 adapter: then its default.
    #[serde(default)]
    pub check: CheckRule,
    pub visits: VisitSchedule,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicalRule {
    /// A household's self-paid costs within the window above this raise a warning.
    pub self_paid_threshold_fen: i64,
    pub window_months: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisabilityRule {
    /// Certificate grades that raise a warning.
    pub grades: Vec<u8>,
    /// Only certificates issued within this many days of the import.
    pub within_days: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarnerRule {
    /// A main earner is a member of this age range (inclusive) on the day of the event.
    pub min_age: u32,
    pub max_age: u32,
    pub within_days: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolRule {
    /// Statuses that mean the child left school.
    pub leaving: Vec<String>,
    /// A child is a member younger than this on the day of the change.
    pub under_age: u32,
    pub within_days: i64,
}

/// 核对发现不符: a register member's 信息核对 result 不符合 within this many days of the day
/// the rules run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRule {
    pub within_days: i64,
}

impl Default for CheckRule {
    fn default() -> Self {
        CheckRule { within_days: 90 }
    }
}

/// 定期探访: how often each kind of household of the listed layers is visited (days).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitSchedule {
    /// Layers as written in the roll (低保, 特困, …).
    pub layers: Vec<String>,
    pub elderly_age: u32,
    pub living_alone_days: i64,
    pub elderly_days: i64,
    pub disabled_days: i64,
    pub left_behind_children_days: i64,
}

impl MonitoringConfig {
    pub fn from_toml(text: &str) -> Result<Self> {
        let c: MonitoringConfig = toml::from_str(text)
            .map_err(|e| WorkflowError::Invalid(format!("monitoring configuration: {e}")))?;
        if c.versions.is_empty() {
            return Err(WorkflowError::Invalid(
                "monitoring configuration: no [[versions]]".into(),
            ));
        }
        Ok(c)
    }

    /// The version in force on `on`.
    pub fn on(&self, on: Date) -> Result<&Version> {
        self.versions
            .iter()
            .filter(|v| v.valid_from <= on && v.valid_until.is_none_or(|u| on <= u))
            .max_by_key(|v| v.valid_from)
            .ok_or_else(|| {
                WorkflowError::Invalid(format!(
                    "no monitoring rules of region `{}` are in force on {on}",
                    self.region
                ))
            })
    }
}

pub fn path(root: &Path) -> PathBuf {
    root.join("monitoring.toml")
}

/// `DATA/monitoring.toml`, or the example when the data directory has none.
pub fn load(root: &Path) -> Result<MonitoringConfig> {
    match std::fs::read_to_string(path(root)) {
        Ok(t) => MonitoringConfig::from_toml(&t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => MonitoringConfig::from_toml(EXAMPLE),
        Err(e) => Err(WorkflowError::Invalid(format!("monitoring.toml: {e}"))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    MedicalCosts,
    EarnerDied,
    EarnerUnemployed,
    SevereDisability,
    LeftSchool,
    CheckMismatch,
}

impl Rule {
    pub const ALL: [Rule; 6] = [
        Rule::MedicalCosts,
        Rule::EarnerDied,
        Rule::EarnerUnemployed,
        Rule::SevereDisability,
        Rule::LeftSchool,
        Rule::CheckMismatch,
    ];

    /// As serialised (snake case).
    pub fn code(self) -> &'static str {
        match self {
            Rule::MedicalCosts => "medical_costs",
            Rule::EarnerDied => "earner_died",
            Rule::EarnerUnemployed => "earner_unemployed",
            Rule::SevereDisability => "severe_disability",
            Rule::LeftSchool => "left_school",
            Rule::CheckMismatch => "check_mismatch",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Rule::MedicalCosts => "大额医疗自付",
            Rule::EarnerDied => "主要劳动力死亡",
            Rule::EarnerUnemployed => "主要劳动力失业",
            Rule::SevereDisability => "新增重度残疾",
            Rule::LeftSchool => "子女辍学",
            Rule::CheckMismatch => "核对发现不符",
        }
    }
}

/// A warning as the rules raise it (before it is stored and handled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Raised {
    pub rule: Rule,
    pub household: String,
    /// The department rows it rests on (their ids).
    pub rows: Vec<String>,
    pub why: String,
}

impl Raised {
    /// The same rule on the same household from the same rows is the same warning.
    pub fn key(&self) -> String {
        let mut parts = vec![format!("{:?}", self.rule), self.household.clone()];
        let mut rows = self.rows.clone();
        rows.sort();
        parts.extend(rows);
        super::digest(&parts.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

fn age_on(p: &super::register::Person, day: Date) -> Option<u32> {
    p.birth().map(|b| b.age_on(day))
}

/// The warnings `facts` raise against `register` under `rules` on `today`.
pub fn evaluate(register: &Register, facts: &[Fact], rules: &Version, today: Date) -> Vec<Raised> {
    let mut by_household: BTreeMap<&str, (&Household, Vec<&Fact>)> = BTreeMap::new();
    for f in facts {
        if let Some(h) = register.household_of(&f.id_number) {
            by_household
                .entry(&h.id)
                .or_insert((h, Vec::new()))
                .1
                .push(f);
        }
    }
    let mut out = Vec::new();
    for (h, facts) in by_household.values() {
        medical(h, facts, &rules.medical, today, &mut out);
        for f in facts {
            let Some(p) = h.member(&f.id_number) else {
                continue;
            };
            let recent = |days: i64| f.date <= today && add_days(f.date, days) >= today;
            let who = format!(
                "{}（{}）",
                p.name,
                if p.relation.is_empty() {
                    "成员"
                } else {
                    p.relation.as_str()
                }
            );
            let raised = |rule: Rule, why: String| Raised {
                rule,
                household: h.id.clone(),
                rows: vec![f.id.clone()],
                why,
            };
            let earner = age_on(p, f.date)
                .is_some_and(|a| (rules.earner.min_age..=rules.earner.max_age).contains(&a));
            match f.source {
                Source::Death if earner && recent(rules.earner.within_days) => out.push(raised(
                    Rule::EarnerDied,
                    format!(
                        "{}户主{}家：劳动年龄成员{who}于{}死亡，家庭可能失去主要收入来源。",
                        h.layer.zh(),
                        h.head_name,
                        f.date
                    ),
                )),
                Source::Unemployment if earner && recent(rules.earner.within_days) => {
                    out.push(raised(
                        Rule::EarnerUnemployed,
                        format!(
                            "{}户主{}家：劳动年龄成员{who}于{}登记失业，家庭收入可能下降。",
                            h.layer.zh(),
                            h.head_name,
                            f.date
                        ),
                    ))
                }
                Source::Disability
                    if f.grade
                        .is_some_and(|g| rules.disability.grades.contains(&g))
                        && recent(rules.disability.within_days)
                        && p.disability_grade.is_none_or(|g| Some(g) != f.grade) =>
                {
                    out.push(raised(
                        Rule::SevereDisability,
                        format!(
                            "{}户主{}家：{who}于{}新办{}{}级残疾证，照护和医疗负担可能加重。",
                            h.layer.zh(),
                            h.head_name,
                            f.date,
                            f.detail,
                            f.grade.unwrap_or(0)
                        ),
                    ))
                }
                Source::Enrolment
                    if rules
                        .school
                        .leaving
                        .iter()
                        .any(|s| f.detail.ends_with(s.as_str()))
                        && age_on(p, f.date).is_some_and(|a| a < rules.school.under_age)
                        && recent(rules.school.within_days) =>
                {
                    out.push(raised(
                        Rule::LeftSchool,
                        format!(
                            "{}户主{}家：未成年子女{who}于{}离开学校（{}），可能因困失学。",
                            h.layer.zh(),
                            h.head_name,
                            f.date,
                            f.detail
                        ),
                    ))
                }
                Source::Check if f.mismatch && recent(rules.check.within_days) => out.push(raised(
                    Rule::CheckMismatch,
                    format!(
                        "{}户主{}家：{}信息核对{who}{}，家庭经济状况可能已有变化，需入户核实。",
                        h.layer.zh(),
                        h.head_name,
                        f.date,
                        f.detail
                    ),
                )),
                _ => {}
            }
        }
    }
    out
}

/// The household's self-paid costs settled within the window before `today`.
fn medical(h: &Household, facts: &[&Fact], rule: &MedicalRule, today: Date, out: &mut Vec<Raised>) {
    let mut rows: Vec<&Fact> = facts
        .iter()
        .copied()
        .filter(|f| {
            f.source == Source::Medical
                && f.date <= today
                && f.date.months_until(today) < rule.window_months
        })
        .collect();
    rows.sort_by_key(|f| f.date);
    let total: i64 = rows.iter().filter_map(|f| f.amount_fen).sum();
    if total <= rule.self_paid_threshold_fen {
        return;
    }
    let detail: Vec<String> = rows
        .iter()
        .map(|f| format!("{}{}", f.name, f.zh()))
        .collect();
    out.push(Raised {
        rule: Rule::MedicalCosts,
        household: h.id.clone(),
        rows: rows.iter().map(|f| f.id.clone()).collect(),
        why: format!(
            "{}户主{}家近{}个月医疗个人自付合计{}元，超过{}元的预警线：{}。",
            h.layer.zh(),
            h.head_name,
            rule.window_months,
            yuan(total),
            yuan(rule.self_paid_threshold_fen),
            detail.join("；")
        ),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::register::parse_roll;
    use crate::monitoring::sources::parse;

    /// The register of the fictional roll and every fictional department file's rows.
    fn samples() -> (Register, Vec<Fact>) {
        let roll = include_str!("../../../config/monitoring/fictional-roll.csv");
        let rows: Vec<_> = parse_roll(roll)
            .unwrap()
            .into_iter()
            .map(|(_, r)| r.unwrap())
            .collect();
        let mut reg = Register::default();
        reg.add_roll(&rows, "roll:test");
        let files = [
            (
                Source::Medical,
                include_str!("../../../config/monitoring/fictional-medical.csv"),
            ),
            (
                Source::Disability,
                include_str!("../../../config/monitoring/fictional-disability.csv"),
            ),
            (
                Source::Unemployment,
                include_str!("../../../config/monitoring/fictional-unemployment.csv"),
            ),
            (
                Source::Death,
                include_str!("../../../config/monitoring/fictional-death.csv"),
            ),
            (
                Source::Enrolment,
                include_str!("../../../config/monitoring/fictional-enrolment.csv"),
            ),
            (
                Source::Check,
                include_str!("../../../config/monitoring/fictional-check.csv"),
            ),
        ];
        let facts = files
            .iter()
            .flat_map(|(s, t)| parse(*s, t).unwrap())
            .map(|(_, r)| r.unwrap())
            .collect();
        (reg, facts)
    }

    #[test]
    fn every_rule_fires_on_the_fictional_files_with_its_reason() {
        let config = MonitoringConfig::from_toml(EXAMPLE).unwrap();
        let today: Date = "2026-12-01".parse().unwrap();
        let (reg, facts) = samples();
        assert_eq!(reg.households.len(), 2);
        let raised = evaluate(&reg, &facts, config.on(today).unwrap(), today);
        let mut rules: Vec<Rule> = raised.iter().map(|r| r.rule).collect();
        rules.sort();
        assert_eq!(rules, Rule::ALL.to_vec());
        let check = raised
            .iter()
            .find(|r| r.rule == Rule::CheckMismatch)
            .unwrap();
        assert!(
            check.why.contains("测试丙") && check.why.contains("不符合：存款"),
            "{}",
            check.why
        );
        let medical = raised
            .iter()
            .find(|r| r.rule == Rule::MedicalCosts)
            .unwrap();
        assert_eq!(medical.rows.len(), 2);
        assert!(medical.why.contains("21000.50元"), "{}", medical.why);
        assert!(medical.why.contains("20000.00元"), "{}", medical.why);
        let school = raised.iter().find(|r| r.rule == Rule::LeftSchool).unwrap();
        assert!(
            school.why.contains("测试小甲") && school.why.contains("辍学"),
            "{}",
            school.why
        );
        for r in Rule::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        }
        // The same data is the same warning.
        let again = evaluate(&reg, &facts, config.on(today).unwrap(), today);
        assert_eq!(
            raised.iter().map(Raised::key).collect::<Vec<_>>(),
            again.iter().map(Raised::key).collect::<Vec<_>>()
        );
    }

    #[test]
    fn old_or_small_events_raise_nothing() {
        let config = MonitoringConfig::from_toml(EXAMPLE).unwrap();
        let (reg, facts) = samples();
        // A year and more later: every event is outside its window.
        let later: Date = "2027-12-01".parse().unwrap();
        assert!(evaluate(&reg, &facts, config.on(later).unwrap(), later).is_empty());
        // One bill alone stays under the threshold.
        let today: Date = "2026-12-01".parse().unwrap();
        let one: Vec<Fact> = facts.into_iter().take(1).collect();
        assert!(evaluate(&reg, &one, config.on(today).unwrap(), today).is_empty());
        // No version before 2026.
        assert!(config.on("2025-06-01".parse().unwrap()).is_err());
    }
}
