//! When an active case is next reviewed (定期核查): the cadence by household type, set when a
//! case becomes active and again when a change review of it ends (or the stop recorded).

use super::Result;
use super::flow::*;
use super::flows::{load_doc, load_flow, put_flow};
use crate::store::DocTxn;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::CaseDoc;
use jiuzhu_shared::workflow::schedule::{Household, add_months, cadence_months};
use jiuzhu_shared::workflow::{CaseKind, State};

/// When the next review of a case activated on `today` falls due.
fn next_review(doc: Option<&CaseDoc>, flow: &Flow, today: Date) -> Date {
    let working_age_member = doc.is_some_and(|d| {
        d.declared.members.iter().any(|m| {
            let age = m
                .birth_date
                .parse::<Date>()
                .ok()
                .or_else(|| Date::from_id_number(&m.id_number))
                .map(|b| b.age_on(today));
            age.is_some_and(|a| (16..60).contains(&a)) && !m.work_capacity.contains("丧失")
        })
    });
    let irregular_income = doc.is_some_and(|d| {
        d.declared
            .income
            .iter()
            .any(|r| matches!(r.category.as_str(), "wage" | "business" | "operating"))
    });
    add_months(
        today,
        cadence_months(&Household {
            programme: flow.programme,
            working_age_member,
            irregular_income,
        }),
    )
}

/// Called when a case becomes active, or a change review of it ends: schedule the next review
/// (or record the stop) on the active case.
pub fn on_final(txn: &mut dyn DocTxn, flow: &mut Flow, now: i64) -> Result<()> {
    let today = Date::in_china(now);
    match (flow.kind, flow.state, flow.origin.clone()) {
        (CaseKind::Application, State::Active, _) => {
            let case = flow.id()?;
            let doc = load_doc(txn, case)?;
            flow.facts.next_review = Some(next_review(doc.as_ref(), flow, today));
        }
        (CaseKind::ChangeReview, State::Active | State::Stopped, Some(origin)) => {
            let origin_id = super::parse_case(&origin)?;
            let mut o = load_flow(txn, origin_id)?;
            o.facts.open_review = None;
            if flow.state == State::Stopped {
                o.state = State::Stopped;
                o.entered = today;
            } else {
                let doc = load_doc(txn, origin_id)?;
                o.facts.next_review = Some(next_review(doc.as_ref(), &o, today));
                if let Some(d) = &flow.facts.decision {
                    o.facts.decision = Some(d.clone());
                }
            }
            put_flow(txn, &o, now)?;
        }
        _ => {}
    }
    Ok(())
}
