//! Properties that must hold for any household.

use super::*;
use crate::rules::household::Household;
use crate::rules::{Proposal, assess};
use proptest::prelude::*;

/// The figures and outcomes of a proposal, independent of the order steps were explained in.
fn figures(p: &Proposal) -> String {
    let mut tekun: Vec<_> = p
        .tekun
        .iter()
        .map(|t| {
            (
                t.member_id.clone(),
                t.outcome.proposed,
                t.outcome.amount_fen,
            )
        })
        .collect();
    tekun.sort();
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {}",
        p.per_capita_monthly_income_fen,
        (p.dibao.proposed, p.dibao.amount_fen),
        (p.edge.proposed, p.edge.amount_fen),
        (p.rigid_expense.proposed, p.rigid_expense.amount_fen),
        p.phase_out.as_ref().map(|o| (o.proposed, o.amount_fen)),
        p.temporary.as_ref().map(|o| (o.proposed, o.amount_fen)),
        tekun,
        p.counted_members,
        p.standard_fen
    )
}

const CATEGORIES: [&str; 5] = ["wage", "business", "property", "transfer", "other"];
const CODES: [&str; 4] = ["", "youfu", "basic_pension", "old_age_allowance"];

fn arb_household() -> impl Strategy<Value = Household> {
    let members = prop::collection::vec(
        (
            1930i32..2024,
            any::<bool>(),
            prop::option::of(0u8..7),
            any::<bool>(),
        ),
        1..5,
    );
    let rows = prop::collection::vec(
        (
            0usize..5,
            0usize..5,
            0i64..3_000_000,
            0i64..1_500_000,
            1u32..13,
            0usize..4,
        ),
        0..8,
    );
    let expenses = prop::collection::vec((0usize..3, 0i64..1_500_000, 1u32..13), 0..3);
    let property = prop::collection::vec((0usize..3, 0i64..6_000_000), 0..3);
    (
        members,
        rows,
        expenses,
        property,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(ms, rows, exps, props, tekun, temporary)| {
            let n = ms.len();
            let members = ms
                .into_iter()
                .enumerate()
                .map(|(i, (year, counted, self_care, ill))| Member {
                    counted: counted || i == 0,
                    exclusion_reason: (!counted && i != 0).then(|| "prison".to_string()),
                    self_care_unable_items: self_care,
                    major_illness: ill,
                    ..born(&format!("m{i}"), &format!("{year}-06-15"))
                })
                .collect();
            let income = rows
                .into_iter()
                .enumerate()
                .map(|(i, (m, c, amount, cost, months, code))| {
                    let mut r = income(&format!("m{}", m % n), CATEGORIES[c], amount, cost, months);
                    r.id = format!("r{i}");
                    if !CODES[code].is_empty() {
                        r = exempt(r, CODES[code]);
                    }
                    r
                })
                .collect();
            let expenditures = exps
                .into_iter()
                .enumerate()
                .map(|(i, (k, amount, months))| crate::schema::Expenditure {
                    id: format!("e{i}"),
                    ..expense(["medical", "education", "disability"][k], amount, months)
                })
                .collect();
            let property = props
                .into_iter()
                .enumerate()
                .map(|(i, (k, v))| crate::schema::PropertyRow {
                    id: format!("p{i}"),
                    ..super::property(["deposit", "vehicle", "livestock"][k], v)
                })
                .collect();
            Household {
                case_type: if tekun {
                    "tekun"
                } else if temporary {
                    "temporary"
                } else {
                    "rural_dibao"
                }
                .into(),
                expenditures,
                property,
                ..household(members, income)
            }
        })
}

fn run(h: &Household) -> Proposal {
    assess(&config(|_| {}), h, date("2025-06-30")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn invariant_to_member_and_row_order(h in arb_household(), seed in any::<u64>()) {
        let mut shuffled = h.clone();
        // A deterministic permutation from the seed: rotate each list by a different amount.
        let rot = |len: usize, k: u64| if len == 0 { 0 } else { (seed.wrapping_mul(k) % len as u64) as usize };
        shuffled.members.rotate_left(rot(h.members.len(), 3));
        shuffled.members.reverse();
        shuffled.income.rotate_left(rot(h.income.len(), 5));
        shuffled.income.reverse();
        shuffled.expenditures.reverse();
        shuffled.property.reverse();
        prop_assert_eq!(figures(&run(&h)), figures(&run(&shuffled)));
    }

    #[test]
    fn an_expense_deduction_never_raises_per_capita_income(h in arb_household(), amount in 0i64..2_000_000, months in 1u32..13) {
        let before = run(&h).per_capita_monthly_income_fen;
        let mut more = h.clone();
        more.expenditures.push(crate::schema::Expenditure { id: "extra".into(), ..expense("medical", amount, months) });
        let after = run(&more).per_capita_monthly_income_fen;
        prop_assert!(after <= before, "{after:?} > {before:?}");
    }

    #[test]
    fn eligibility_is_monotone_in_income(h in arb_household(), extra in 0i64..3_000_000, months in 1u32..13) {
        let base = run(&h);
        let mut richer = h.clone();
        richer.income.push(income("m0", "wage", extra, 0, months));
        let rich = run(&richer);
        prop_assert!(rich.per_capita_monthly_income_fen >= base.per_capita_monthly_income_fen);
        // More income never makes a household eligible for 低保 (or 特困, which takes its place),
        // nor for any of 低保, edge and 特困.
        let tekun = |p: &Proposal| p.tekun.iter().any(|t| t.outcome.proposed);
        prop_assert!(!rich.dibao.proposed || base.dibao.proposed || tekun(&base));
        let helped = |p: &Proposal| p.dibao.proposed || p.edge.proposed || tekun(p);
        prop_assert!(!helped(&rich) || helped(&base));
        // And a 低保 amount in 补差 mode never grows with income.
        if let (Some(a), Some(b)) = (rich.dibao.amount_fen, base.dibao.amount_fen) {
            prop_assert!(a <= b);
        }
    }
}
