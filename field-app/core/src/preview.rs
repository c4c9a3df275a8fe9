//! 收入核算预览: the rules engine (`jiuzhu_shared::rules`) run offline on the visit being filled
//! in, so the investigator sees what the household's figures imply before leaving the house. It is
//! a proposal for the caseworker, never a decision.

use crate::{Result, Tablet};
use jiuzhu_shared::CaseDoc;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::{self, Date, Household, Proposal, RegionConfig};

/// Assess the open visit (or the last sealed one; the declaration when there is no visit yet).
pub fn income_preview(
    case: &CaseDoc,
    config: &RegionConfig,
    on: Date,
) -> Result<Proposal, rules::ConfigError> {
    let visit = crate::visit::open_index(case)
        .or(case.visits.len().checked_sub(1))
        .map(|i| &case.visits[i]);
    let household = match visit {
        Some(v) => Household::from_visit(case, v),
        None => Household::from_declared(case),
    };
    rules::assess(config, &household, on)
}

/// Today in China: the date whose rules apply, the same one the server uses.
pub fn today() -> Date {
    Date::in_china(crate::now_s())
}

impl Tablet {
    pub fn income_preview(&self, case: CaseId, config_toml: &str) -> Result<Proposal> {
        let config = RegionConfig::from_toml(config_toml)?;
        let c = self.document(case)?.read()?;
        Ok(income_preview(&c, &config, today())?)
    }

    /// The same assessment on what the family declared, to show beside the verified figures.
    pub fn declared_preview(&self, case: CaseId, config_toml: &str) -> Result<Proposal> {
        let config = RegionConfig::from_toml(config_toml)?;
        let c = self.document(case)?.read()?;
        Ok(rules::assess(
            &config,
            &Household::from_declared(&c),
            today(),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_shared::schema::{DeclaredMember, IncomeRow};

    const EXAMPLE: &str = include_str!("../../../config/regions/example.toml");

    #[test]
    fn previews_the_visit_being_filled_in() {
        let config = RegionConfig::from_toml(EXAMPLE).unwrap();
        let mut c = CaseDoc::default();
        c.header.case_no = "DLT-1".into();
        c.header.case_type = "rural_dibao".into();
        c.declared.members = vec![DeclaredMember {
            id: "d1".into(),
            name: "巴特尔".into(),
            relation: "本人".into(),
            ..Default::default()
        }];
        let on = Date::new(2026, 6, 1).unwrap();
        let declared = income_preview(&c, &config, on).unwrap();
        crate::visit::ensure_open(&mut c, "王磊", 0);
        c.visits[0].income.push(IncomeRow {
            id: "r1".into(),
            category: "wage".into(),
            amount_fen: Some(12 * 100_000),
            period_months: Some(12),
            ..Default::default()
        });
        let p = income_preview(&c, &config, on).unwrap();
        assert_eq!(p.counted_members, 1);
        assert!(p.per_capita_monthly_income_fen > declared.per_capita_monthly_income_fen);
        assert!(!p.steps.is_empty());
    }

    #[test]
    fn today_is_a_plausible_date() {
        let t = today().to_string();
        assert!(t.starts_with("20"), "{t}");
    }
}
