//! Worked examples, properties and configuration errors, all against config/regions/example.toml.

mod config_errors;
mod examples;
mod properties;
mod visit_examples;

use super::config::{RegionConfig, RuleSet};
use super::date::Date;
use super::household::{Household, Member};
use crate::schema::{Expenditure, IncomeRow, PropertyRow};

pub const EXAMPLE_TOML: &str = include_str!("../../../../config/regions/example.toml");

/// The example configuration with the 2025 rule set changed by `tweak`.
pub fn config(tweak: fn(&mut RuleSet)) -> RegionConfig {
    let mut c = RegionConfig::from_toml(EXAMPLE_TOML).expect("example configuration loads");
    tweak(&mut c.versions[0]);
    c
}

pub fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// A counted adult (born 1980) with no special attributes.
pub fn member(id: &str) -> Member {
    Member {
        id: id.into(),
        name: format!("成员{id}"),
        relation: "本人".into(),
        birth_date: Some(date("1980-01-01")),
        counted: true,
        exclusion_reason: None,
        disability: None,
        work_capacity: Default::default(),
        school_stage: None,
        major_illness: false,
        self_care_unable_items: None,
        imputed_override: None,
    }
}

pub fn born(id: &str, birth: &str) -> Member {
    Member {
        birth_date: Some(date(birth)),
        ..member(id)
    }
}

pub fn income(member: &str, category: &str, amount: i64, cost: i64, months: u32) -> IncomeRow {
    IncomeRow {
        id: format!("{member}-{category}-{amount}-{cost}"),
        member_id: Some(member.into()),
        category: category.into(),
        item: category.into(),
        amount_fen: Some(amount),
        cost_fen: Some(cost),
        period_months: Some(months),
        ..Default::default()
    }
}

pub fn exempt(mut row: IncomeRow, code: &str) -> IncomeRow {
    row.exempt = Some(true);
    row.exempt_code = Some(code.into());
    row
}

pub fn expense(kind: &str, amount: i64, months: u32) -> Expenditure {
    Expenditure {
        id: format!("{kind}-{amount}"),
        kind: kind.into(),
        amount_fen: Some(amount),
        period_months: Some(months),
        ..Default::default()
    }
}

pub fn property(kind: &str, value: i64) -> PropertyRow {
    PropertyRow {
        id: format!("{kind}-{value}"),
        kind: kind.into(),
        description: kind.into(),
        value_fen: Some(value),
        ..Default::default()
    }
}

pub fn household(members: Vec<Member>, income: Vec<IncomeRow>) -> Household {
    Household {
        case_no: "TEST".into(),
        members,
        income,
        ..Default::default()
    }
}
