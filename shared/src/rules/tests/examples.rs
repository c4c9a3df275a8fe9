//! Worked examples. Unless a comment says otherwise: example-2025 rules on 2025-06-30, rural,
//! S = 600.00 元 (60000 分), T = 12 months, per-capita rounding down to the fen, each income row
//! floored at 0, deduction of medical + disability expenditure, 补差 with a minimum of 20 元 and a
//! maximum of 800 元 per person, rounded up to whole yuan; members are adults born 1980.
//! Figures are in 分.

use super::*;
use crate::rules::config::DisabilityKind;
use crate::rules::config::{BenefitMode, EmploymentCost, NetFloor, PersonType, Stacking, Tier};
use crate::rules::household::{
    Area, Disability, ImputedOverride, SchoolStage, Supporter, WorkCapacity,
};
use crate::rules::money::{Ratio, Rounding};
use crate::rules::{Proposal, assess};

enum Check {
    /// Per-capita monthly income.
    Y(i64),
    /// 低保 monthly amount, or None when not proposed.
    Dibao(Option<i64>),
    Edge(bool),
    Rigid(bool),
    /// 特困 amount of the (only) member, or None.
    Tekun(Option<i64>),
    PhaseOut(Option<i64>),
    Temporary(Option<i64>),
    Version(&'static str),
    /// A step's text contains this.
    Step(&'static str),
    Warning(&'static str),
    Summary(&'static str),
}
use Check::*;

struct Example {
    name: &'static str,
    tweak: fn(&mut RuleSet),
    on: &'static str,
    household: Household,
    checks: Vec<Check>,
}

fn none(_: &mut RuleSet) {}

fn ex(name: &'static str, household: Household, checks: Vec<Check>) -> Example {
    Example {
        name,
        tweak: none,
        on: "2025-06-30",
        household,
        checks,
    }
}

fn with(tweak: fn(&mut RuleSet), e: Example) -> Example {
    Example { tweak, ..e }
}

fn on(date: &'static str, e: Example) -> Example {
    Example { on: date, ..e }
}

fn with_expenses(mut h: Household, e: Vec<crate::schema::Expenditure>) -> Household {
    h.expenditures = e;
    h
}

fn with_property(mut h: Household, p: Vec<crate::schema::PropertyRow>) -> Household {
    h.property = p;
    h
}

fn tekun_case(m: Member, income: Vec<crate::schema::IncomeRow>) -> Household {
    Household {
        case_type: "tekun".into(),
        ..household(vec![m], income)
    }
}

fn disabled(kind: DisabilityKind, grade: u8, self_care: Option<u8>) -> Member {
    Member {
        disability: Some(Disability { kind, grade }),
        self_care_unable_items: self_care,
        ..member("a")
    }
}

fn examples() -> Vec<Example> {
    let three = || vec![member("a"), member("b"), member("c")];
    vec![
        // 720000 / 12 / 1 = 60000 = S: not strictly below, so no 低保; 60000 < 1.5 × 60000 = 90000: edge.
        ex(
            "income exactly at the standard",
            household(vec![member("a")], vec![income("a", "wage", 720_000, 0, 12)]),
            vec![Y(60_000), Dibao(None), Edge(true)],
        ),
        // 719988 / 12 = 59999 < 60000; gap 1 分 < minimum 2000 → 2000; already whole yuan.
        ex(
            "one fen below the standard gets the minimum",
            household(vec![member("a")], vec![income("a", "wage", 719_988, 0, 12)]),
            vec![Y(59_999), Dibao(Some(2_000)), Edge(false)],
        ),
        // 1080000 / 12 / 3 = 30000; gap (60000 − 30000) × 3 = 90000; child (10) minor supplement 4000 → 94000.
        ex(
            "family of three with a minor",
            household(
                vec![member("a"), member("b"), born("c", "2015-03-01")],
                vec![income("a", "wage", 1_080_000, 0, 12)],
            ),
            vec![Y(30_000), Dibao(Some(94_000))],
        ),
        // c is in prison (legal exclusion): n = 2, c's 600000 not counted; 1080000/12/2 = 45000; gap 15000 × 2 = 30000.
        ex(
            "member excluded: serving a sentence",
            household(
                vec![
                    member("a"),
                    member("b"),
                    Member {
                        counted: false,
                        exclusion_reason: Some("prison".into()),
                        ..member("c")
                    },
                ],
                vec![
                    income("a", "wage", 1_080_000, 0, 12),
                    income("c", "wage", 600_000, 0, 12),
                ],
            ),
            vec![Y(45_000), Dibao(Some(30_000)), Step("在监狱内服刑")],
        ),
        // b not counted for a reason outside the legal list: still left out, flagged for review. 360000/12/1 = 30000 → 30000.
        ex(
            "member excluded by the investigators' finding",
            household(
                vec![
                    member("a"),
                    Member {
                        counted: false,
                        exclusion_reason: Some("长期在外地独立生活".into()),
                        ..member("b")
                    },
                ],
                vec![income("a", "wage", 360_000, 0, 12)],
            ),
            vec![Y(30_000), Dibao(Some(30_000)), Step("请复核")],
        ),
        // counted = false without a reason is counted: 720000/12/2 = 30000; gap 30000 × 2 = 60000.
        ex(
            "exclusion without a reason is refused",
            household(
                vec![
                    member("a"),
                    Member {
                        counted: false,
                        ..member("b")
                    },
                ],
                vec![income("a", "wage", 720_000, 0, 12)],
            ),
            vec![Y(30_000), Dibao(Some(60_000)), Warning("未说明理由")],
        ),
        // 优抚金 240000 exempt; 360000/12 = 30000; gap 30000.
        ex(
            "exempt income: 优待抚恤金",
            household(
                vec![member("a")],
                vec![
                    income("a", "wage", 360_000, 0, 12),
                    exempt(income("a", "transfer", 240_000, 0, 12), "youfu"),
                ],
            ),
            vec![Y(30_000), Dibao(Some(30_000)), Step("优待抚恤金")],
        ),
        // unknown code: counted; (360000 + 240000)/12 = 50000; gap 10000.
        ex(
            "unknown exemption code is counted",
            household(
                vec![member("a")],
                vec![
                    income("a", "wage", 360_000, 0, 12),
                    exempt(income("a", "transfer", 240_000, 0, 12), "foo"),
                ],
            ),
            vec![Y(50_000), Dibao(Some(10_000)), Step("不在本地区目录")],
        ),
        // exempt = true without a code: counted; 240000/12 = 20000; gap 40000.
        ex(
            "exempt flag without a code is counted",
            household(
                vec![member("a")],
                vec![IncomeRow {
                    exempt: Some(true),
                    ..income("a", "other", 240_000, 0, 12)
                }],
            ),
            vec![
                Y(20_000),
                Dibao(Some(40_000)),
                Warning("未填不计入项目代码"),
            ],
        ),
        // 2025: basic pension exempt (十四五); y = 0; gap 60000 + elderly (70) 4000 = 64000.
        ex(
            "basic pension exempt in 2025",
            household(
                vec![born("a", "1955-01-01")],
                vec![exempt(
                    income("a", "transfer", 120_000, 0, 12),
                    "basic_pension",
                )],
            ),
            vec![Y(0), Dibao(Some(64_000)), Version("example-2025")],
        ),
        // 2026 version: S = 64000 and the pension counts for 低保: 120000/12 = 10000; gap 54000 + 4000 = 58000.
        on(
            "2026-03-31",
            ex(
                "basic pension counted once the dated rule ends",
                household(
                    vec![born("a", "1955-01-01")],
                    vec![exempt(
                        income("a", "transfer", 120_000, 0, 12),
                        "basic_pension",
                    )],
                ),
                vec![
                    Y(10_000),
                    Dibao(Some(58_000)),
                    Version("example-2026"),
                    Step("只适用于特困"),
                ],
            ),
        ),
        // business 100000 − 300000 = −200000 floored to 0 per row; wage 360000 → 30000; gap 30000.
        ex(
            "negative business income, floored per row",
            household(
                vec![member("a")],
                vec![
                    income("a", "business", 100_000, 300_000, 12),
                    income("a", "wage", 360_000, 0, 12),
                ],
            ),
            vec![Y(30_000), Dibao(Some(30_000)), Step("净额为负，按0计")],
        ),
        // per member and category: business 400000 − 160000 = 240000, + wage 120000 = 360000 → 30000.
        with(
            |r| r.income.net_floor = NetFloor::MemberCategory,
            ex(
                "business loss offsets business income of the same member",
                household(
                    vec![member("a")],
                    vec![
                        income("a", "business", 500_000, 100_000, 12),
                        income("a", "business", 0, 160_000, 12),
                        income("a", "wage", 120_000, 0, 12),
                    ],
                ),
                vec![Y(30_000), Dibao(Some(30_000))],
            ),
        ),
        // a's business −200000 floors at 0 and does not reduce b's wage: 480000/12/2 = 20000; gap 80000.
        with(
            |r| r.income.net_floor = NetFloor::MemberCategory,
            ex(
                "one member's loss does not offset another's income",
                household(
                    vec![member("a"), member("b")],
                    vec![
                        income("a", "business", 0, 200_000, 12),
                        income("b", "wage", 480_000, 0, 12),
                    ],
                ),
                vec![Y(20_000), Dibao(Some(80_000)), Step("为负，按0计")],
            ),
        ),
        // (960000 − medical 240000)/12/2 = 30000; gap 60000.
        ex(
            "rigid-expense deduction",
            with_expenses(
                household(
                    vec![member("a"), member("b")],
                    vec![income("a", "wage", 960_000, 0, 12)],
                ),
                vec![expense("medical", 240_000, 12)],
            ),
            vec![Y(30_000), Dibao(Some(60_000))],
        ),
        // 120000 − 600000 < 0 → 0; gap 60000.
        ex(
            "deduction larger than income stops at zero",
            with_expenses(
                household(vec![member("a")], vec![income("a", "wage", 120_000, 0, 12)]),
                vec![expense("medical", 600_000, 12)],
            ),
            vec![Y(0), Dibao(Some(60_000))],
        ),
        // education is not a deductible kind here: 360000/12 = 30000.
        ex(
            "education expense is not deducted",
            with_expenses(
                household(vec![member("a")], vec![income("a", "wage", 360_000, 0, 12)]),
                vec![expense("education", 120_000, 12)],
            ),
            vec![Y(30_000), Dibao(Some(30_000))],
        ),
        // 100000 over 3 months → 400000 over 12 → 33333.33/month → down 33333; gap 26667 → up to yuan 26700.
        ex(
            "period scaling and rounding to whole yuan",
            household(vec![member("a")], vec![income("a", "wage", 100_000, 0, 3)]),
            vec![Y(33_333), Dibao(Some(26_700))],
        ),
        // 1000000/12/3 = 27777.78 → down 27777; gap 32223 × 3 = 96669 → up 96700.
        ex(
            "per-capita rounding down",
            household(three(), vec![income("a", "wage", 1_000_000, 0, 12)]),
            vec![Y(27_777), Dibao(Some(96_700))],
        ),
        // half_up: 27778; gap 32222 × 3 = 96666; paid to the fen, rounding down: 96666.
        with(
            |r| {
                r.income.per_capita_rounding = Rounding::HalfUp;
                r.dibao.round_to_fen = 1;
                r.dibao.rounding = Rounding::Down;
            },
            ex(
                "per-capita rounding half up, paid to the fen",
                household(three(), vec![income("a", "wage", 1_000_000, 0, 12)]),
                vec![Y(27_778), Dibao(Some(96_666))],
            ),
        ),
        // 840000/12 = 70000 ≥ 60000 but < 90000: edge household.
        ex(
            "edge household",
            household(vec![member("a")], vec![income("a", "wage", 840_000, 0, 12)]),
            vec![Y(70_000), Dibao(None), Edge(true)],
        ),
        // 1080000/12 = 90000 = 1.5 × S: not strictly below, not edge.
        ex(
            "exactly at the edge threshold",
            household(
                vec![member("a")],
                vec![income("a", "wage", 1_080_000, 0, 12)],
            ),
            vec![Y(90_000), Dibao(None), Edge(false)],
        ),
        // y = 30000 but a 50000-元 car fails 低保 (0 vehicles); edge allows one: edge.
        ex(
            "vehicle fails 低保 but not edge",
            with_property(
                household(vec![member("a")], vec![income("a", "wage", 360_000, 0, 12)]),
                vec![property("vehicle", 5_000_000)],
            ),
            vec![Y(30_000), Dibao(None), Edge(true), Summary("财产")],
        ),
        // deposits 3000000 / 2 = 1500000 per capita > 24 × 60000 = 1440000 (低保) but ≤ 36 × 60000 (edge).
        ex(
            "deposits above the 低保 limit",
            with_property(
                household(vec![member("a"), member("b")], vec![]),
                vec![property("deposit", 3_000_000)],
            ),
            vec![Y(0), Dibao(None), Edge(true)],
        ),
        // a disability-mobility car exempt as necessary property: y = 0, gap 60000.
        ex(
            "exempt necessary property",
            with_property(
                household(vec![member("a")], vec![]),
                vec![crate::schema::PropertyRow {
                    exempt_reason: Some("残疾人代步车".into()),
                    ..property("vehicle", 5_000_000)
                }],
            ),
            vec![Dibao(Some(60_000)), Step("必需的财产，不计入")],
        ),
        // 特困: 70 years old, no income, no supporter, fully self-caring: 78000 + 5000 = 83000.
        ex(
            "特困: aged 70",
            tekun_case(
                Member {
                    self_care_unable_items: Some(0),
                    ..born("a", "1955-05-01")
                },
                vec![],
            ),
            vec![Tekun(Some(83_000))],
        ),
        // 59 years old, no disability: not 无劳动能力.
        ex(
            "特困: aged 59 is not enough",
            tekun_case(born("a", "1966-01-01"), vec![]),
            vec![Tekun(None)],
        ),
        // physical grade 2, cannot do 4 of 6 items: 78000 + fully lost 60000 = 138000.
        ex(
            "特困: physical disability grade 2",
            tekun_case(disabled(DisabilityKind::Physical, 2, Some(4)), vec![]),
            vec![Tekun(Some(138_000))],
        ),
        // physical grade 3 does not count (grade 1–2 only).
        ex(
            "特困: physical disability grade 3 is not enough",
            tekun_case(disabled(DisabilityKind::Physical, 3, Some(0)), vec![]),
            vec![Tekun(None)],
        ),
        // intellectual grade 3 counts; 2 items not achievable → partly lost: 78000 + 20000 = 98000.
        ex(
            "特困: intellectual disability grade 3",
            tekun_case(disabled(DisabilityKind::Intellectual, 3, Some(2)), vec![]),
            vec![Tekun(Some(98_000))],
        ),
        // 18 and at senior high school: still covered; self-care not assessed → care 0: 78000.
        ex(
            "特困: 18 and still at high school",
            tekun_case(
                Member {
                    school_stage: Some(SchoolStage::HighSchool),
                    ..born("a", "2007-01-01")
                },
                vec![],
            ),
            vec![Tekun(Some(78_000)), Warning("未做生活自理能力评估")],
        ),
        // an able legal supporter: not 特困.
        ex(
            "特困: a supporter able to provide",
            Household {
                supporters: vec![Supporter {
                    name: "儿子".into(),
                    relation: "子".into(),
                    able_to_support: Some(true),
                    reason: None,
                }],
                ..tekun_case(born("a", "1950-01-01"), vec![])
            },
            vec![Tekun(None)],
        ),
        // 高龄津贴 720000 exempt for 特困 only: 特困 income 0 → 83000; for 低保 it counts: 60000 = S → no.
        ex(
            "特困: old-age allowance exempt for 特困, counted for 低保",
            tekun_case(
                Member {
                    self_care_unable_items: Some(0),
                    ..born("a", "1940-01-01")
                },
                vec![exempt(
                    income("a", "transfer", 720_000, 0, 12),
                    "old_age_allowance",
                )],
            ),
            vec![Tekun(Some(83_000)), Y(60_000), Dibao(None)],
        ),
        // own pension 840000/12 = 70000 ≥ 60000: not 特困.
        ex(
            "特困: own income above the standard",
            tekun_case(
                born("a", "1940-01-01"),
                vec![income("a", "transfer", 840_000, 0, 12)],
            ),
            vec![Tekun(None)],
        ),
        // 分档: y = 540000/12/3 = 15000 < 0.5 S; a (grade 1) tier 1 50000, b and c tier 2 30000 each = 110000;
        // a's severe-disability supplement 8000 → 118000.
        with(
            tiered,
            ex(
                "tiered amounts, poorest band",
                household(
                    vec![
                        disabled(DisabilityKind::Physical, 1, None),
                        member("b"),
                        member("c"),
                    ],
                    vec![income("b", "wage", 540_000, 0, 12)],
                ),
                vec![Y(15_000), Dibao(Some(118_000)), Step("一档")],
            ),
        ),
        // y = 1260000/12/3 = 35000 ≥ 0.5 S: b and c fall to tier 3 15000; 50000 + 30000 + 8000 = 88000.
        with(
            tiered,
            ex(
                "tiered amounts, upper band",
                household(
                    vec![
                        disabled(DisabilityKind::Physical, 1, None),
                        member("b"),
                        member("c"),
                    ],
                    vec![income("b", "wage", 1_260_000, 0, 12)],
                ),
                vec![Y(35_000), Dibao(Some(88_000))],
            ),
        ),
        // 70 and seriously ill: highest supplement 8000 (not 4000 + 8000): 60000 + 8000 = 68000.
        ex(
            "supplements: highest only",
            household(
                vec![Member {
                    major_illness: true,
                    ..born("a", "1955-01-01")
                }],
                vec![],
            ),
            vec![Dibao(Some(68_000)), Step("就高不叠加")],
        ),
        // stacking = sum: 60000 + 4000 + 8000 = 72000.
        with(
            |r| r.dibao.supplement_stacking = Stacking::Sum,
            ex(
                "supplements: summed",
                household(
                    vec![Member {
                        major_illness: true,
                        ..born("a", "1955-01-01")
                    }],
                    vec![],
                ),
                vec![Dibao(Some(72_000))],
            ),
        ),
        // cap 50000 per person: gap 60000 → 50000.
        with(
            |r| r.dibao.maximum_fen_per_person = Some(50_000),
            ex(
                "maximum per person",
                household(vec![member("a")], vec![]),
                vec![Dibao(Some(50_000)), Step("超过最高发放额")],
            ),
        ),
        // urban: S = 80000; 600000/12 = 50000; gap 30000.
        ex(
            "urban standard",
            Household {
                area: Area::Urban,
                ..household(vec![member("a")], vec![income("a", "wage", 600_000, 0, 12)])
            },
            vec![Y(50_000), Dibao(Some(30_000))],
        ),
        // working since 2025-03-15: 3 full months by 2025-06-30 < 6: keep 30000.
        ex(
            "phase-out within the period",
            Household {
                current_benefit_fen: Some(30_000),
                employment_started_on: Some(date("2025-03-15")),
                ..household(
                    vec![member("a"), member("b")],
                    vec![income("a", "wage", 1_920_000, 0, 12)],
                )
            },
            vec![
                Y(80_000),
                Dibao(None),
                PhaseOut(Some(30_000)),
                Summary("还剩3个月"),
            ],
        ),
        // since 2024-11-01: 7 months ≥ 6: phase-out over.
        ex(
            "phase-out expired",
            Household {
                current_benefit_fen: Some(30_000),
                employment_started_on: Some(date("2024-11-01")),
                ..household(
                    vec![member("a"), member("b")],
                    vec![income("a", "wage", 1_920_000, 0, 12)],
                )
            },
            vec![PhaseOut(None), Summary("渐退期已满")],
        ),
        // ratio 0.5: 30100 × 0.5 = 15050 → up to whole yuan 15100.
        with(
            |r| r.phase_out.amount_ratio = Ratio::parse("0.5").unwrap(),
            ex(
                "phase-out at half, rounded",
                Household {
                    current_benefit_fen: Some(30_100),
                    employment_started_on: Some(date("2025-06-01")),
                    ..household(vec![member("a")], vec![income("a", "wage", 960_000, 0, 12)])
                },
                vec![PhaseOut(Some(15_100))],
            ),
        ),
        // y = 2400000/12/2 = 100000 ≥ 90000 (not edge); annual per capita 1200000 < 2400000;
        // education 1300000 > 0.5 × 2400000 = 1200000: 刚性支出困难.
        ex(
            "rigid-expense hardship household",
            with_expenses(
                household(
                    vec![member("a"), member("b")],
                    vec![income("a", "wage", 2_400_000, 0, 12)],
                ),
                vec![expense("education", 1_300_000, 12)],
            ),
            vec![Y(100_000), Dibao(None), Edge(false), Rigid(true)],
        ),
        // education 1200000 is not more than half of 2400000.
        ex(
            "rigid-expense ratio not exceeded",
            with_expenses(
                household(
                    vec![member("a"), member("b")],
                    vec![income("a", "wage", 2_400_000, 0, 12)],
                ),
                vec![expense("education", 1_200_000, 12)],
            ),
            vec![Rigid(false)],
        ),
        // 临时救助: y = 80000; education 1000000 ≥ 0.5 × 1920000: tier 3 months: 60000 × 2 × 3 = 360000
        // ≤ 1000000; above the township cap 300000.
        ex(
            "temporary assistance above the township cap",
            Household {
                case_type: "temporary".into(),
                ..with_expenses(
                    household(
                        vec![member("a"), member("b")],
                        vec![income("a", "wage", 1_920_000, 0, 12)],
                    ),
                    vec![expense("education", 1_000_000, 12)],
                )
            },
            vec![Temporary(Some(360_000)), Summary("旗县")],
        ),
        // education 100000: burden < 0.5: 1 month = 120000, but no more than the 100000 spent.
        ex(
            "temporary assistance capped by the expense",
            Household {
                case_type: "temporary".into(),
                ..with_expenses(
                    household(
                        vec![member("a"), member("b")],
                        vec![income("a", "wage", 1_920_000, 0, 12)],
                    ),
                    vec![expense("education", 100_000, 12)],
                )
            },
            vec![Temporary(Some(100_000))],
        ),
        // nobody counted: no figures.
        ex(
            "no counted member",
            household(
                vec![Member {
                    counted: false,
                    exclusion_reason: Some("prison".into()),
                    ..member("a")
                }],
                vec![],
            ),
            vec![Dibao(None), Warning("没有计入")],
        ),
        // imputed 1000 元/month for a (30, able): 1200000; y = 1200000/12/2 = 50000; gap 20000 + b (70) 4000 = 24000.
        with(
            imputed,
            ex(
                "imputed income for an able-bodied member",
                household(
                    vec![
                        Member {
                            work_capacity: WorkCapacity::Full,
                            ..born("a", "1995-01-01")
                        },
                        born("b", "1955-01-01"),
                    ],
                    vec![],
                ),
                vec![Y(50_000), Dibao(Some(24_000))],
            ),
        ),
        // override to 300 元/month: 360000; y = 15000; gap 90000 + 4000 = 94000.
        with(
            imputed,
            ex(
                "imputed income overridden by a caseworker",
                household(
                    vec![
                        Member {
                            work_capacity: WorkCapacity::Full,
                            imputed_override: Some(ImputedOverride {
                                fen_per_month: 30_000,
                                by: "王科员".into(),
                                reason: "照顾重病家属".into(),
                            }),
                            ..born("a", "1995-01-01")
                        },
                        born("b", "1955-01-01"),
                    ],
                    vec![],
                ),
                vec![Y(15_000), Dibao(Some(94_000)), Step("王科员人工调整")],
            ),
        ),
        // flat employment cost 100 元/month: 480000 − 120000 = 360000 (declared 50000 ignored) → 30000.
        with(
            |r| {
                r.income.employment_cost = EmploymentCost::FlatPerMonth;
                r.income.employment_cost_flat_fen_per_month = Some(10_000);
            },
            ex(
                "flat employment cost",
                household(
                    vec![member("a")],
                    vec![income("a", "wage", 480_000, 50_000, 12)],
                ),
                vec![Y(30_000), Dibao(Some(30_000))],
            ),
        ),
        // transfer 600000 minus support paid out 240000 = 360000 → 30000.
        ex(
            "transfer net of transfer expenditure",
            household(
                vec![member("a")],
                vec![income("a", "transfer", 600_000, 240_000, 12)],
            ),
            vec![Y(30_000), Dibao(Some(30_000))],
        ),
        // a row of an unknown member counts for the household, with a warning: 360000/12 = 30000.
        ex(
            "income of an unknown member counts",
            household(
                vec![member("a")],
                vec![income("ghost", "wage", 360_000, 0, 12)],
            ),
            vec![Y(30_000), Warning("不在成员名单")],
        ),
    ]
}

fn tiered(r: &mut RuleSet) {
    r.dibao.mode = BenefitMode::Tiered;
    r.dibao.tiers = vec![
        Tier {
            name: "一档".into(),
            person_types: Some(vec![PersonType::SevereDisability, PersonType::MajorIllness]),
            below_standard_ratio: None,
            fen_per_month: 50_000,
        },
        Tier {
            name: "二档".into(),
            person_types: None,
            below_standard_ratio: Ratio::parse("0.5"),
            fen_per_month: 30_000,
        },
        Tier {
            name: "三档".into(),
            person_types: None,
            below_standard_ratio: None,
            fen_per_month: 15_000,
        },
    ];
}

fn imputed(r: &mut RuleSet) {
    r.imputed_income.enabled = true;
    r.imputed_income.fen_per_month = 100_000;
}

fn check(p: &Proposal, c: &Check) -> Result<(), String> {
    let amount = |o: &crate::rules::Outcome| o.proposed.then_some(o.amount_fen).flatten();
    let all_text = || {
        let mut t: Vec<&str> = p.steps.iter().map(|s| s.text.as_str()).collect();
        t.extend([
            p.dibao.summary.as_str(),
            p.edge.summary.as_str(),
            p.rigid_expense.summary.as_str(),
        ]);
        t.extend(
            p.phase_out
                .iter()
                .chain(p.temporary.iter())
                .map(|o| o.summary.as_str()),
        );
        t
    };
    let (ok, what) = match c {
        Y(y) => (
            p.per_capita_monthly_income_fen == Some(*y),
            format!(
                "per capita {:?}, expected {y}",
                p.per_capita_monthly_income_fen
            ),
        ),
        Dibao(a) => (
            amount(&p.dibao) == *a && p.dibao.proposed == a.is_some(),
            format!("低保 {:?}, expected {a:?}", p.dibao),
        ),
        Edge(b) => (p.edge.proposed == *b, format!("edge {:?}", p.edge)),
        Rigid(b) => (
            p.rigid_expense.proposed == *b,
            format!("rigid {:?}", p.rigid_expense),
        ),
        Tekun(a) => (
            p.tekun.len() == 1 && amount(&p.tekun[0].outcome) == *a,
            format!("特困 {:?}, expected {a:?}", p.tekun),
        ),
        PhaseOut(a) => (
            p.phase_out.as_ref().map(amount) == Some(*a),
            format!("phase-out {:?}, expected {a:?}", p.phase_out),
        ),
        Temporary(a) => (
            p.temporary.as_ref().map(amount) == Some(*a),
            format!("temporary {:?}, expected {a:?}", p.temporary),
        ),
        Version(v) => (
            p.config_version == *v,
            format!("version {}", p.config_version),
        ),
        Step(s) => (
            p.steps.iter().any(|x| x.text.contains(s)),
            format!("no step contains {s:?}"),
        ),
        Warning(s) => (
            p.warnings.iter().any(|x| x.contains(s)),
            format!("no warning contains {s:?}: {:?}", p.warnings),
        ),
        Summary(s) => (
            all_text().iter().any(|x| x.contains(s)),
            format!("no summary contains {s:?}"),
        ),
    };
    if ok { Ok(()) } else { Err(what) }
}

#[test]
fn worked_examples() {
    let list = examples();
    assert!(list.len() >= 30);
    let mut failures = Vec::new();
    for e in &list {
        let p = assess(&config(e.tweak), &e.household, date(e.on)).expect("a version is in force");
        assert!(p.notice.contains("不是审核确认决定"));
        for c in &e.checks {
            if let Err(why) = check(&p, c) {
                failures.push(format!("{}: {why}\n{}", e.name, p.to_text()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing checks:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn explanation_names_every_part() {
    let h = with_expenses(
        household(
            vec![member("a"), born("b", "2015-01-01")],
            vec![
                income("a", "wage", 480_000, 0, 12),
                exempt(income("a", "transfer", 12_000, 0, 12), "youfu"),
            ],
        ),
        vec![expense("medical", 120_000, 12)],
    );
    let text = assess(&config(none), &h, date("2025-06-30"))
        .unwrap()
        .to_text();
    for part in [
        "测算建议，非决定",
        "example-2025",
        "共同生活家庭成员",
        "收入",
        "不计入的收入",
        "刚性支出扣减",
        "月人均收入",
        "财产状况",
        "最低生活保障",
        "结论",
    ] {
        assert!(text.contains(part), "missing {part} in\n{text}");
    }
}

#[test]
fn no_version_in_force_is_an_error() {
    let err = assess(
        &config(none),
        &household(vec![member("a")], vec![]),
        date("2024-12-31"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("2024-12-31"), "{err}");
}
