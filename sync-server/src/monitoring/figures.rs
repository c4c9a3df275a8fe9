//! 主动发现's figures, per township and rule: the warnings raised, those first handled within
//! their working-day limit, the applications opened from them, and the families helped (that
//! application approved, published or in payment). The console's 主动发现 screen lists them;
//! the dashboard shows them beside the case figures.

use super::Result;
use super::rules::Rule;
use super::warnings::{Warning, WarningState};
use crate::store::Store;
use crate::workflow::flows;
use jiuzhu_shared::CaseId;
use jiuzhu_shared::workflow::State;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleFigures {
    pub township: String,
    pub rule: Rule,
    pub rule_zh: &'static str,
    pub warnings: usize,
    pub handled_in_limit: usize,
    pub applications: usize,
    pub helped: usize,
}

/// The figures of `warnings`, reading the state of the applications opened from them (only
/// those: the dashboard should not parse every flow a second time).
pub fn load(store: &dyn Store, warnings: &[Warning]) -> Result<Vec<RuleFigures>> {
    let cases: Vec<(&str, CaseId)> = warnings
        .iter()
        .filter_map(|w| w.application_case.as_deref())
        .filter_map(|c| Some((c, c.parse().ok()?)))
        .collect();
    // One transaction for all of them.
    let states: BTreeMap<&str, State> = flows::in_txn(store, &mut |txn| {
        cases
            .iter()
            .map(|(c, id)| Ok((*c, flows::load_flow(txn, *id)?.state)))
            .collect()
    })?;
    Ok(figures(warnings, &|c| states.get(c).copied()))
}

/// The figures of `warnings` given each application's state; by township, then rule.
pub fn figures(warnings: &[Warning], state_of: &dyn Fn(&str) -> Option<State>) -> Vec<RuleFigures> {
    let helped = |case: &str| {
        matches!(
            state_of(case),
            Some(State::Approved | State::Published | State::Active)
        )
    };
    let mut by: BTreeMap<(&str, Rule), RuleFigures> = BTreeMap::new();
    for w in warnings {
        let e = by
            .entry((w.township.as_str(), w.rule))
            .or_insert_with(|| RuleFigures {
                township: w.township.clone(),
                rule: w.rule,
                rule_zh: w.rule.zh(),
                warnings: 0,
                handled_in_limit: 0,
                applications: 0,
                helped: 0,
            });
        e.warnings += 1;
        e.handled_in_limit += usize::from(w.handled_on().is_some_and(|d| d <= w.due));
        e.applications += usize::from(w.state == WarningState::Applied);
        e.helped += usize::from(w.application_case.as_deref().is_some_and(helped));
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::register::Layer;
    use crate::monitoring::warnings::Step;
    use jiuzhu_shared::rules::date::Date;

    /// Noon in China on 2026-11-03, -05 and -20.
    fn noon(day: u8) -> i64 {
        match day {
            3 => 1_793_678_400,
            5 => 1_793_851_200,
            _ => 1_795_147_200,
        }
    }

    fn warning(township: &str, rule: Rule, handled: Option<(u8, WarningState)>) -> Warning {
        let raised: Date = "2026-11-02".parse().unwrap();
        let mut w = Warning {
            id: format!("{township}{rule:?}{handled:?}"),
            rule,
            household: "150621198001010010".into(),
            head_name: "测试甲".into(),
            township: township.into(),
            village: "示例村".into(),
            layer: Layer::Dibao,
            rows: Vec::new(),
            why: String::new(),
            raised_on: raised,
            due: "2026-11-06".parse().unwrap(),
            state: WarningState::Open,
            steps: Vec::new(),
            visit_case: None,
            application_case: None,
        };
        if let Some((day, state)) = handled {
            let at = noon(day);
            assert_eq!(Date::in_china(at), Date::new(2026, 11, day).unwrap());
            w.state = state;
            w.steps.push(Step {
                state,
                note: String::new(),
                by: "张海燕".into(),
                at,
            });
            if state == WarningState::Applied {
                w.application_case = Some(format!("case-{day}"));
            }
        }
        w
    }

    #[test]
    fn counts_by_township_and_rule() {
        let ws = [
            warning("树林召镇", Rule::MedicalCosts, None),
            warning(
                "树林召镇",
                Rule::MedicalCosts,
                Some((5, WarningState::Applied)),
            ),
            warning(
                "树林召镇",
                Rule::MedicalCosts,
                Some((20, WarningState::Applied)),
            ),
            warning(
                "王爱召镇",
                Rule::EarnerDied,
                Some((3, WarningState::Dismissed)),
            ),
        ];
        let f = figures(&ws, &|c| (c == "case-5").then_some(State::Active));
        assert_eq!(f.len(), 2);
        let m = &f.iter().find(|r| r.rule == Rule::MedicalCosts).unwrap();
        assert_eq!(
            (m.warnings, m.handled_in_limit, m.applications, m.helped),
            (3, 1, 2, 1)
        );
        let d = &f.iter().find(|r| r.township == "王爱召镇").unwrap();
        assert_eq!((d.warnings, d.handled_in_limit, d.helped), (1, 1, 0));
    }
}
