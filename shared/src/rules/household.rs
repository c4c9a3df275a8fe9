//! The assessment's input: one household as the rules see it. Income, property and expenditure
//! rows are the case document's own rows; members carry the attributes the rules need, parsed from
//! the document's text fields by `from_visit` / `from_declared`.

use super::config::DisabilityKind;
use super::date::Date;
use crate::schema::{CaseDoc, Checked, DeclaredMember, Expenditure, IncomeRow, PropertyRow, Visit};
use crate::vocab;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Urban,
    #[default]
    Rural,
}

impl Area {
    pub fn zh(self) -> &'static str {
        match self {
            Area::Urban => "城市",
            Area::Rural => "农村牧区",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkCapacity {
    Full,
    Partial,
    None,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchoolStage {
    Preschool,
    /// 义务教育.
    Compulsory,
    /// 普通高中.
    HighSchool,
    /// 中等职业学校.
    Vocational,
    /// 大专/本科 (full-time, counts as unable to live independently, S1 Art. 7).
    Higher,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disability {
    pub kind: DisabilityKind,
    /// 1 (most severe) to 4.
    pub grade: u8,
}

/// A caseworker's replacement of the imputed income of one member (S6: imputation must allow for
/// actual circumstances), recorded with who and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImputedOverride {
    pub fen_per_month: i64,
    pub by: String,
    pub reason: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub birth_date: Option<Date>,
    /// Counted as a co-resident member (共同生活家庭成员).
    #[serde(default = "yes")]
    pub counted: bool,
    #[serde(default)]
    pub exclusion_reason: Option<String>,
    #[serde(default)]
    pub disability: Option<Disability>,
    #[serde(default)]
    pub work_capacity: WorkCapacity,
    #[serde(default)]
    pub school_stage: Option<SchoolStage>,
    #[serde(default)]
    pub major_illness: bool,
    /// How many of the six self-care items (S2 Art. 21) the member cannot do; None = not assessed.
    #[serde(default)]
    pub self_care_unable_items: Option<u8>,
    #[serde(default)]
    pub imputed_override: Option<ImputedOverride>,
}

/// A legal supporter (法定赡养/抚养/扶养义务人) living elsewhere, for 特困.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supporter {
    pub name: String,
    #[serde(default)]
    pub relation: String,
    /// Able to provide support; None = not yet checked.
    pub able_to_support: Option<bool>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The member covered as a single-person household, and the ground recorded for it
/// (vocabulary `single_person_condition`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinglePerson {
    pub member_id: String,
    pub condition: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Household {
    #[serde(default)]
    pub case_no: String,
    /// As in the case header: urban_dibao | rural_dibao | tekun | temporary | edge | rigid_expense.
    /// 特困 and 临时救助 are assessed only for their own case types (they are applied for).
    #[serde(default)]
    pub case_type: String,
    /// Where the data came from (declared, or which visit).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub area: Area,
    pub members: Vec<Member>,
    #[serde(default)]
    pub income: Vec<IncomeRow>,
    #[serde(default)]
    pub property: Vec<PropertyRow>,
    #[serde(default)]
    pub expenditures: Vec<Expenditure>,
    #[serde(default)]
    pub supporters: Vec<Supporter>,
    /// The monthly benefit now paid, for a household already receiving 低保 (phase-out).
    #[serde(default)]
    pub current_benefit_fen: Option<i64>,
    /// When a member of a receiving household found work (starts the phase-out).
    #[serde(default)]
    pub employment_started_on: Option<Date>,
    /// 单人保 (S1 Art. 8): one member of a 低保边缘 household applies on their own.
    #[serde(default)]
    pub single_person: Option<SinglePerson>,
    /// Assumptions made while reading the case document; shown with the explanation.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The member attributes the rules read, as text, whether declared or verified.
struct MemberText<'a> {
    id: &'a str,
    name: &'a str,
    id_number: &'a str,
    birth_date: &'a str,
    relation: &'a str,
    school_stage: &'a str,
    health: &'a str,
    disability_type: &'a str,
    disability_grade: &'a str,
    work_capacity: &'a str,
    employment: &'a str,
}

/// The verified value of a checked field, or the declared one when nothing was verified.
fn checked(c: &Checked) -> &str {
    c.verified
        .as_deref()
        .or(c.declared.as_deref())
        .unwrap_or("")
}

fn parse_disability(kind: &str, grade: &str) -> Option<Disability> {
    let kind = match kind.trim() {
        k if k.contains("视力") || k.eq_ignore_ascii_case("visual") => DisabilityKind::Visual,
        k if k.contains("听力") || k.eq_ignore_ascii_case("hearing") => DisabilityKind::Hearing,
        k if k.contains("言语") || k.eq_ignore_ascii_case("speech") => DisabilityKind::Speech,
        k if k.contains("肢体") || k.eq_ignore_ascii_case("physical") => DisabilityKind::Physical,
        k if k.contains("智力") || k.eq_ignore_ascii_case("intellectual") => {
            DisabilityKind::Intellectual
        }
        k if k.contains("精神") || k.eq_ignore_ascii_case("mental") => DisabilityKind::Mental,
        k if k.contains("多重") || k.eq_ignore_ascii_case("multiple") => DisabilityKind::Multiple,
        _ => return None,
    };
    let grade = ["一", "二", "三", "四"]
        .iter()
        .position(|g| grade.contains(g))
        .map(|i| i as u8 + 1)
        .or_else(|| grade.chars().find_map(|c| c.to_digit(10)).map(|d| d as u8))
        .filter(|g| (1..=4).contains(g))?;
    Some(Disability { kind, grade })
}

fn parse_work_capacity(s: &str) -> WorkCapacity {
    match s.trim() {
        s if s.contains("完全丧失") || s == "none" => WorkCapacity::None,
        s if s.contains("部分") || s == "partial" => WorkCapacity::Partial,
        s if s.starts_with('有') || s.contains("具备") || s == "full" => WorkCapacity::Full,
        _ => WorkCapacity::Unknown,
    }
}

fn parse_school_stage(stage: &str, employment: &str) -> Option<SchoolStage> {
    let s = stage.trim();
    Some(match s {
        s if s.contains("学前") || s.contains("幼儿") => SchoolStage::Preschool,
        s if s.contains("小学") || s.contains("初中") || s.contains("义务") => {
            SchoolStage::Compulsory
        }
        s if s.contains("中职")
            || s.contains("中专")
            || s.contains("职高")
            || s.contains("技校") =>
        {
            SchoolStage::Vocational
        }
        s if s.contains("高中") => SchoolStage::HighSchool,
        s if s.contains("大专")
            || s.contains("专科")
            || s.contains("本科")
            || s.contains("大学") =>
        {
            SchoolStage::Higher
        }
        _ if employment.contains("学龄前") => SchoolStage::Preschool,
        _ => return None,
    })
}

impl MemberText<'_> {
    fn into_member(self, notes: &mut Vec<String>) -> Member {
        let birth_date = self
            .birth_date
            .parse()
            .ok()
            .or_else(|| Date::from_id_number(self.id_number));
        if birth_date.is_none() {
            notes.push(format!(
                "{}：出生日期缺失或无法识别（身份证号亦无法读取），年龄相关规则无法适用。",
                self.name
            ));
        }
        let disability = parse_disability(self.disability_type, self.disability_grade);
        if disability.is_none() && !self.disability_type.trim().is_empty() {
            notes.push(format!(
                "{}：残疾类别“{}”/等级“{}”无法识别，按无残疾处理，请核对。",
                self.name, self.disability_type, self.disability_grade
            ));
        }
        Member {
            id: self.id.to_string(),
            name: self.name.to_string(),
            relation: self.relation.to_string(),
            birth_date,
            counted: true,
            exclusion_reason: None,
            disability,
            work_capacity: parse_work_capacity(self.work_capacity),
            school_stage: parse_school_stage(self.school_stage, self.employment),
            major_illness: self.health.contains("重病") || self.health.contains("重特大"),
            self_care_unable_items: None,
            imputed_override: None,
        }
    }
}

/// Urban or rural from the case type, else from the applicant's 户籍性质.
fn area_of(case: &CaseDoc, applicant_hukou: Option<&str>, notes: &mut Vec<String>) -> Area {
    match case.header.case_type.as_str() {
        "urban_dibao" => return Area::Urban,
        "rural_dibao" => return Area::Rural,
        _ => {}
    }
    match applicant_hukou.map(str::trim) {
        Some(h) if h.contains("非农") || h.contains('城') => Area::Urban,
        Some(h) if h.contains('农') || h.contains('牧') || h.contains('乡') => Area::Rural,
        _ => {
            notes.push(
                "案件类型和申请人户籍性质都未说明城乡，按农村牧区标准测算，请核对。".to_string(),
            );
            Area::Rural
        }
    }
}

const VISIT_WITHOUT_MEMBERS: &str = "本次调查尚未核实家庭成员，暂按申报的成员计算。";

const DECLARATION_GAPS: &str = "申请数据不含法定义务人、生活自理能力评估、在保金额和就业起始日期：这些项目以入户调查核实的为准。";

impl Household {
    /// The household as verified on `visit`: each member field takes the verified value, or the
    /// declared one when none was verified; members marked removed are left out; `counted` and
    /// `exclusion_reason` come from the visit.
    pub fn from_visit(case: &CaseDoc, visit: &Visit) -> Household {
        if visit.members.is_empty() {
            // A visit in progress that has not verified anyone yet: the declared members stand,
            // with the rows the visit has recorded so far.
            let mut h = Household::from_declared(case);
            h.notes.push(VISIT_WITHOUT_MEMBERS.to_string());
            h.source = format!("入户调查核实数据（调查记录 {}）", visit.id);
            h.notes.retain(|n| n != DECLARATION_GAPS);
            h.income = visit.income.clone();
            h.property = visit.property.clone();
            h.expenditures = visit.expenditures.clone();
            h.apply_visit_facts(visit, |id| id.clone());
            h.note_unverified(case, visit);
            return h;
        }
        let mut notes = Vec::new();
        let mut members = Vec::new();
        let mut applicant_hukou = None;
        for vm in &visit.members {
            if vm.status == "removed" {
                notes.push(format!(
                    "{}：调查中已移除（{}），不作为家庭成员。",
                    checked(&vm.name),
                    vm.change_reason.as_deref().unwrap_or("未说明理由")
                ));
                continue;
            }
            let relation = checked(&vm.relation);
            if applicant_hukou.is_none() && is_applicant(relation) {
                applicant_hukou = Some(checked(&vm.hukou_type));
            }
            let mut m = MemberText {
                id: &vm.id,
                name: checked(&vm.name),
                id_number: checked(&vm.id_number),
                birth_date: checked(&vm.birth_date),
                relation,
                school_stage: checked(&vm.school_stage),
                health: checked(&vm.health),
                disability_type: checked(&vm.disability_type),
                disability_grade: checked(&vm.disability_grade),
                work_capacity: checked(&vm.work_capacity),
                employment: checked(&vm.employment),
            }
            .into_member(&mut notes);
            m.counted = vm.counted.unwrap_or(true);
            m.exclusion_reason = vm.exclusion_reason.clone();
            m.self_care_unable_items = vm.self_care.unable_items();
            members.push(m);
        }
        // Rows may name a member by the declared id: point them at the visit's member row.
        let alias = |id: &Option<String>| -> Option<String> {
            let id = id.as_ref()?;
            let by_declared = visit
                .members
                .iter()
                .find(|vm| vm.declared_id.as_deref() == Some(id.as_str()));
            Some(by_declared.map_or_else(|| id.clone(), |vm| vm.id.clone()))
        };
        let income = visit
            .income
            .iter()
            .map(|r| IncomeRow {
                member_id: alias(&r.member_id),
                ..r.clone()
            })
            .collect();
        let property = visit
            .property
            .iter()
            .map(|r| PropertyRow {
                owner_member_id: alias(&r.owner_member_id),
                ..r.clone()
            })
            .collect();
        let expenditures = visit
            .expenditures
            .iter()
            .map(|r| Expenditure {
                member_id: alias(&r.member_id),
                ..r.clone()
            })
            .collect();
        let area = area_of(case, applicant_hukou, &mut notes);
        let mut h = Household {
            case_no: case.header.case_no.clone(),
            case_type: case.header.case_type.clone(),
            source: format!("入户调查核实数据（调查记录 {}）", visit.id),
            area,
            members,
            income,
            property,
            expenditures,
            notes,
            ..Default::default()
        };
        h.apply_visit_facts(visit, |id| alias(&Some(id.clone())).unwrap_or_default());
        h.note_unverified(case, visit);
        h
    }

    /// Declared rows the visit has no row for (same category and item, or kind and description)
    /// are not counted in the verified proposal; say so instead of dropping them silently.
    fn note_unverified(&mut self, case: &CaseDoc, visit: &Visit) {
        for r in &case.declared.income {
            let verified = visit
                .income
                .iter()
                .any(|v| v.category == r.category && v.item.trim() == r.item.trim());
            if !verified {
                self.notes.push(format!(
                    "申报的收入“{}”（{}，{}个月）未核实，未计入：入户调查中没有这一项。",
                    if r.item.trim().is_empty() {
                        &r.category
                    } else {
                        &r.item
                    },
                    super::money::yuan(r.amount_fen.unwrap_or(0)),
                    r.period_months.unwrap_or(0)
                ));
            }
        }
        for r in &case.declared.property {
            let verified = visit
                .property
                .iter()
                .any(|v| v.kind == r.kind && v.description.trim() == r.description.trim());
            if !verified {
                self.notes.push(format!(
                    "申报的财产“{}”（{}）未核实，未计入：入户调查中没有这一项。",
                    r.description,
                    vocab::label("property_kind", &r.kind)
                ));
            }
        }
    }

    /// What the visit recorded about the household as a whole: legal supporters, the current
    /// benefit and the start of work (渐退), single-person coverage. `member` maps a member id as
    /// the visit wrote it to the id the household uses.
    fn apply_visit_facts(&mut self, visit: &Visit, member: impl Fn(&String) -> String) {
        self.supporters = visit
            .supporters
            .iter()
            .map(|s| Supporter {
                name: s.name.clone(),
                relation: vocab::label("supporter_relation", &s.relation).to_string(),
                able_to_support: s.able,
                reason: s
                    .unable_reason
                    .as_deref()
                    .filter(|r| !r.trim().is_empty())
                    .map(|r| vocab::label("supporter_unable", r).to_string())
                    .or_else(|| s.note.clone().filter(|n| !n.trim().is_empty())),
            })
            .collect();
        let f = &visit.household;
        self.current_benefit_fen = f.current_benefit_fen.filter(|b| *b > 0);
        self.employment_started_on = f
            .employment_started_on
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .and_then(|d| {
                let parsed = d.parse().ok();
                if parsed.is_none() {
                    self.notes.push(format!(
                        "就业起始日期“{d}”无法识别（应为YYYY-MM-DD），渐退按未登记处理。"
                    ));
                }
                parsed
            });
        self.single_person = f
            .single_person_member_id
            .as_ref()
            .filter(|id| !id.is_empty())
            .map(|id| SinglePerson {
                member_id: member(id),
                condition: f.single_person_condition.clone().unwrap_or_default(),
            });
    }

    /// The household as declared in the application: every declared member counts.
    pub fn from_declared(case: &CaseDoc) -> Household {
        let mut notes = vec![DECLARATION_GAPS.to_string()];
        let d = &case.declared;
        let members = d
            .members
            .iter()
            .map(|m: &DeclaredMember| {
                MemberText {
                    id: &m.id,
                    name: &m.name,
                    id_number: &m.id_number,
                    birth_date: &m.birth_date,
                    relation: &m.relation,
                    school_stage: &m.school_stage,
                    health: &m.health,
                    disability_type: &m.disability_type,
                    disability_grade: &m.disability_grade,
                    work_capacity: &m.work_capacity,
                    employment: &m.employment,
                }
                .into_member(&mut notes)
            })
            .collect();
        let applicant_hukou = d
            .members
            .iter()
            .find(|m| is_applicant(&m.relation))
            .map(|m| m.hukou_type.as_str());
        let area = area_of(case, applicant_hukou, &mut notes);
        Household {
            case_no: case.header.case_no.clone(),
            case_type: case.header.case_type.clone(),
            source: "申请人申报数据".to_string(),
            area,
            members,
            income: d.income.clone(),
            property: d.property.clone(),
            expenditures: d.expenditures.clone(),
            notes,
            ..Default::default()
        }
    }
}

fn is_applicant(relation: &str) -> bool {
    matches!(relation.trim(), "本人" | "户主" | "申请人")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Header, VerifiedMember};

    fn c(declared: &str, verified: Option<&str>) -> Checked {
        Checked {
            declared: Some(declared.to_string()),
            verified: verified.map(str::to_string),
            matches: Some(verified.is_none_or(|v| v == declared)),
            reason: None,
        }
    }

    #[test]
    fn parses_text_fields() {
        let d = |k, g| parse_disability(k, g);
        assert_eq!(
            d("肢体残疾", "二级"),
            Some(Disability {
                kind: DisabilityKind::Physical,
                grade: 2
            })
        );
        assert_eq!(
            d("精神", "3级"),
            Some(Disability {
                kind: DisabilityKind::Mental,
                grade: 3
            })
        );
        assert_eq!(d("", ""), None);
        assert_eq!(parse_work_capacity("完全丧失劳动能力"), WorkCapacity::None);
        assert_eq!(parse_work_capacity("有"), WorkCapacity::Full);
        assert_eq!(
            parse_school_stage("普通高中", ""),
            Some(SchoolStage::HighSchool)
        );
        assert_eq!(
            parse_school_stage("", "学龄前"),
            Some(SchoolStage::Preschool)
        );
    }

    #[test]
    fn from_visit_prefers_verified_and_maps_declared_ids() {
        let case = CaseDoc {
            header: Header {
                case_no: "DLT-1".into(),
                case_type: "tekun".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let visit = Visit {
            id: "v1".into(),
            members: vec![
                VerifiedMember {
                    id: "vm1".into(),
                    declared_id: Some("dm1".into()),
                    status: "present".into(),
                    name: c("巴特尔", None),
                    relation: c("本人", None),
                    hukou_type: c("农业", None),
                    id_number: c("150621195001010011", None),
                    work_capacity: c("有", Some("完全丧失")),
                    counted: Some(true),
                    ..Default::default()
                },
                VerifiedMember {
                    id: "vm2".into(),
                    status: "removed".into(),
                    name: c("某某", None),
                    ..Default::default()
                },
            ],
            income: vec![IncomeRow {
                id: "i1".into(),
                member_id: Some("dm1".into()),
                category: "transfer".into(),
                amount_fen: Some(100),
                ..Default::default()
            }],
            ..Default::default()
        };
        let h = Household::from_visit(&case, &visit);
        assert_eq!(h.members.len(), 1);
        let m = &h.members[0];
        assert_eq!(m.work_capacity, WorkCapacity::None);
        assert_eq!(m.birth_date, Some("1950-01-01".parse().unwrap()));
        assert_eq!(h.area, Area::Rural);
        assert_eq!(h.income[0].member_id.as_deref(), Some("vm1"));
        assert!(h.notes.iter().any(|n| n.contains("已移除")));
    }

    #[test]
    fn from_declared_feeds_the_assessment() {
        // The README's case file: one herder declaring 12000 元 of sheep income over 12 months.
        let case: CaseDoc = serde_json::from_str(
            r#"{"header": {"case_no": "DLT-2026-0001", "case_type": "rural_dibao"},
                "declared": {"members": [{"id": "d1", "name": "巴特尔", "relation": "本人", "birth_date": "1970-01-01"}],
                             "income": [{"category": "business", "item": "养羊", "member_id": "d1",
                                         "amount_fen": 1200000, "period_months": 12}]}}"#,
        )
        .unwrap();
        let h = Household::from_declared(&case);
        assert_eq!((h.area, h.members.len()), (Area::Rural, 1));
        let config =
            crate::rules::RegionConfig::from_toml(super::super::tests::EXAMPLE_TOML).unwrap();
        let p = crate::rules::assess(&config, &h, "2025-06-30".parse().unwrap()).unwrap();
        // 1200000 / 12 / 1 = 100000 ≥ 60000 (and ≥ 1.5 × 60000): neither 低保 nor edge.
        assert_eq!(p.per_capita_monthly_income_fen, Some(100_000));
        assert!(!p.dibao.proposed && !p.edge.proposed);
        assert_eq!(p.source, "申请人申报数据");
    }

    #[test]
    fn declared_rows_the_visit_did_not_verify_are_listed() {
        let mut case = CaseDoc::default();
        case.declared.income = vec![
            IncomeRow {
                category: "business".into(),
                item: "养羊".into(),
                amount_fen: Some(1_200_000),
                period_months: Some(12),
                ..Default::default()
            },
            IncomeRow {
                category: "wage".into(),
                item: "工资".into(),
                ..Default::default()
            },
        ];
        let visit = Visit {
            id: "v1".into(),
            income: vec![IncomeRow {
                category: "wage".into(),
                item: "工资".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let h = Household::from_visit(&case, &visit);
        let unverified: Vec<_> = h
            .notes
            .iter()
            .filter(|n| n.contains("未核实，未计入"))
            .collect();
        assert_eq!(unverified.len(), 1, "{:?}", h.notes);
        assert!(unverified[0].contains("养羊") && unverified[0].contains("12000.00元"));
    }
}
