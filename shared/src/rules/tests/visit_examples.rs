//! Worked examples from a visit as the tablet records it (issue 12): the case document's fields go
//! through `Household::from_visit` into the assessment, so each example shows which field feeds
//! which rule. Example-2025 rules on 2025-06-30, rural: S = 600.00 元, T = 12 months, edge below
//! 1.5 × S, 补差 with a minimum of 20 元 per person, whole yuan rounded up. Figures are in 分.

use super::{EXAMPLE_TOML, date};
use crate::rules::config::RegionConfig;
use crate::rules::household::Household;
use crate::rules::{Proposal, assess};
use crate::schema::{
    CaseDoc, Checked, HouseholdFacts, IncomeRow, PropertyRow, SelfCare, SupporterRow,
    VerifiedMember, Visit,
};

fn verified(v: &str) -> Checked {
    Checked {
        verified: Some(v.into()),
        matches: Some(true),
        ..Default::default()
    }
}

fn member(id: &str, birth: &str) -> VerifiedMember {
    VerifiedMember {
        id: id.into(),
        status: "present".into(),
        name: verified(&format!("成员{id}")),
        birth_date: verified(birth),
        relation: verified(if id == "a" { "本人" } else { "配偶" }),
        counted: Some(true),
        present: Some(true),
        ..Default::default()
    }
}

fn row(member: &str, category: &str, item: &str, amount: i64, months: u32) -> IncomeRow {
    IncomeRow {
        id: format!("{member}-{item}-{amount}-{months}"),
        member_id: Some(member.into()),
        category: category.into(),
        item: item.into(),
        amount_fen: Some(amount),
        period_months: Some(months),
        evidence: Some("document".into()),
        ..Default::default()
    }
}

/// The row as the tablet writes it when the investigator picks an item the vocabulary marks
/// exempt (计划生育奖励 → youfu, 基础养老金 → basic_pension…).
fn exempt(mut r: IncomeRow, code: &str) -> IncomeRow {
    r.exempt = Some(true);
    r.exempt_code = Some(code.into());
    r
}

fn case(case_type: &str, visit: Visit) -> CaseDoc {
    let mut c = CaseDoc::default();
    c.header.case_no = "EX".into();
    c.header.case_type = case_type.into();
    c.visits.push(Visit {
        id: "v1".into(),
        method: "home".into(),
        ..visit
    });
    c
}

fn run(c: &CaseDoc) -> Proposal {
    let config = RegionConfig::from_toml(EXAMPLE_TOML).unwrap();
    let h = Household::from_visit(c, &c.visits[0]);
    assess(&config, &h, date("2025-06-30")).unwrap()
}

fn has_step(p: &Proposal, text: &str) -> bool {
    p.steps.iter().any(|s| s.text.contains(text))
}

fn has_warning(p: &Proposal, text: &str) -> bool {
    p.warnings.iter().any(|w| w.contains(text))
}

#[test]
fn exempt_row_recorded_on_the_tablet() {
    // 3600.00 wage + 2400.00 计划生育奖励 picked from the list (exempt, code youfu):
    // y = 360000 / 12 = 30000; gap 30000.
    let visit = |reward: IncomeRow| Visit {
        members: vec![member("a", "1980-01-01")],
        income: vec![row("a", "wage", "工资", 360_000, 12), reward],
        ..Default::default()
    };
    let reward = row("a", "transfer", "计划生育奖励", 240_000, 12);
    let p = run(&case("rural_dibao", visit(exempt(reward.clone(), "youfu"))));
    assert_eq!(p.per_capita_monthly_income_fen, Some(30_000));
    assert_eq!(p.dibao.amount_fen, Some(30_000));
    assert!(has_step(&p, "计划生育奖励"), "{}", p.to_text());
    // The same row without the flag is counted: (360000 + 240000) / 12 = 50000; gap 10000.
    let p = run(&case("rural_dibao", visit(reward)));
    assert_eq!(p.per_capita_monthly_income_fen, Some(50_000));
    assert_eq!(p.dibao.amount_fen, Some(10_000));
}

#[test]
fn yuebao_is_a_financial_asset() {
    // 500,000.00 元 in 余额宝 recorded as 互联网金融资产: 50,000,000 > the 低保 limit of
    // 24 × 60000 = 1,440,000 per person and the edge limit of 36 × 60000.
    let visit = |kind: &str| Visit {
        members: vec![member("a", "1980-01-01")],
        income: vec![row("a", "wage", "工资", 360_000, 12)],
        property: vec![PropertyRow {
            id: "p1".into(),
            kind: kind.into(),
            description: "余额宝".into(),
            value_fen: Some(50_000_000),
            owner_member_id: Some("a".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let p = run(&case("rural_dibao", visit("internet_finance")));
    assert!(!p.dibao.proposed && !p.edge.proposed, "{}", p.to_text());
    assert!(
        has_step(&p, "存款等金融资产人均500000.00元"),
        "{}",
        p.to_text()
    );
    // Recorded as 其他 it cannot be classified: it is flagged, not silently passed.
    let p = run(&case("rural_dibao", visit("other")));
    assert!(has_step(&p, "未归类，未计入"), "{}", p.to_text());
    assert!(has_warning(&p, "互联网金融资产"), "{}", p.to_text());
}

#[test]
fn seasonal_wage() {
    // Eight months of work at 600.00 = 4800.00 in the 12-month reference period.
    let visit = |period: u32| Visit {
        members: vec![member("a", "1980-01-01")],
        income: vec![IncomeRow {
            detail: crate::schema::IncomeDetail {
                months_worked: Some(8),
                ..Default::default()
            },
            ..row("a", "wage", "季节性务工", 480_000, period)
        }],
        ..Default::default()
    };
    // Entered over the reference period: y = 480000 / 12 = 40000; gap 20000.
    let p = run(&case("rural_dibao", visit(12)));
    assert_eq!(p.per_capita_monthly_income_fen, Some(40_000));
    assert_eq!(p.dibao.amount_fen, Some(20_000));
    assert!(!has_warning(&p, "季节性"));
    // Entered over the 8 months worked: scaled × 12/8 to 720000, y = 60000 = S, no 低保; the
    // proposal says what happened.
    let p = run(&case("rural_dibao", visit(8)));
    assert_eq!(p.per_capita_monthly_income_fen, Some(60_000));
    assert!(!p.dibao.proposed);
    assert!(has_warning(&p, "期间应填12个月"), "{}", p.to_text());
}

#[test]
fn tekun_with_supporters_and_self_care() {
    // 75 years old, living alone; 1500.00 basic pension (exempt for 特困); cannot bathe or walk
    // indoors alone (2 of 6 items: 部分丧失); one son, severely disabled himself.
    let son = |able: Option<bool>| SupporterRow {
        id: "s1".into(),
        name: "王强".into(),
        relation: "子女".into(),
        able,
        unable_reason: (able == Some(false)).then(|| "severe_disability".into()),
        ..Default::default()
    };
    let visit = |able| Visit {
        members: vec![VerifiedMember {
            self_care: SelfCare {
                eating: Some(false),
                dressing: Some(false),
                bed: Some(false),
                toilet: Some(false),
                walking: Some(true),
                bathing: Some(true),
            },
            ..member("a", "1950-03-01")
        }],
        income: vec![exempt(
            row("a", "transfer", "基础养老金", 180_000, 12),
            "basic_pension",
        )],
        supporters: vec![son(able)],
        ..Default::default()
    };
    // 78000 basic living (rural) + 20000 care (部分丧失) = 98000; not also 低保 or edge.
    let p = run(&case("tekun", visit(Some(false))));
    assert_eq!(
        p.tekun[0].outcome.amount_fen,
        Some(98_000),
        "{}",
        p.to_text()
    );
    assert!(has_step(&p, "部分丧失生活自理能力"));
    assert!(has_step(&p, "重度残疾人"), "{}", p.to_text());
    assert!(!p.dibao.proposed && !p.edge.proposed);
    // A son able to support: no 特困.
    let p = run(&case("tekun", visit(Some(true))));
    assert!(!p.tekun[0].outcome.proposed);
    // Not yet checked: no 特困 either.
    let p = run(&case("tekun", visit(None)));
    assert!(!p.tekun[0].outcome.proposed);
}

#[test]
fn phase_out_after_finding_work() {
    // A 低保 household of two now paid 400.00 a month; a found work on 2025-03-01 earning
    // 18000.00 a year: y = 1800000 / 12 / 2 = 75000 ≥ S; 3 months into a 6-month phase-out,
    // the benefit continues at 100 %: 40000.
    let visit = |started: &str| Visit {
        members: vec![member("a", "1980-01-01"), member("b", "1982-01-01")],
        income: vec![row("a", "wage", "工资", 1_800_000, 12)],
        household: HouseholdFacts {
            current_benefit_fen: Some(40_000),
            employment_started_on: Some(started.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let p = run(&case("rural_dibao", visit("2025-03-01")));
    assert_eq!(p.per_capita_monthly_income_fen, Some(75_000));
    let po = p.phase_out.as_ref().expect("phase-out assessed");
    assert_eq!(po.amount_fen, Some(40_000), "{}", p.to_text());
    // Work started 8 months ago: the phase-out is over.
    let p = run(&case("rural_dibao", visit("2024-10-15")));
    assert!(!p.phase_out.unwrap().proposed);
}

#[test]
fn single_person_coverage() {
    // a earns 18000.00 a year; b has a grade-1 physical disability and only the exempt disability
    // subsidies. Household: y = 1800000 / 12 / 2 = 75000: no 低保, but edge (< 90000).
    // b alone: y = 0, gap 60000 + severe-disability supplement 8000 = 68000.
    let visit = |condition: &str, grade: &str| Visit {
        members: vec![
            member("a", "1980-01-01"),
            VerifiedMember {
                disability_type: verified("肢体残疾"),
                disability_grade: verified(grade),
                ..member("b", "1985-01-01")
            },
        ],
        income: vec![
            row("a", "wage", "工资", 1_800_000, 12),
            exempt(
                row("b", "transfer", "残疾人两项补贴", 120_000, 12),
                "disability_subsidy",
            ),
        ],
        household: HouseholdFacts {
            single_person_member_id: Some("b".into()),
            single_person_condition: Some(condition.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let p = run(&case("rural_dibao", visit("severe_disability", "一级")));
    assert!(!p.dibao.proposed && p.edge.proposed, "{}", p.to_text());
    let sp = p.single_person.as_ref().expect("单人保 assessed");
    assert_eq!(sp.outcome.amount_fen, Some(68_000), "{}", p.to_text());
    assert!(has_step(&p, "单人户·"));
    // A grade-4 disability is not a ground for 单人保.
    let p = run(&case("rural_dibao", visit("severe_disability", "四级")));
    assert!(!p.single_person.unwrap().outcome.proposed);
}
