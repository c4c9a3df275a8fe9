//! 定期探访: households of the configured layers (特困, 低保) living alone, with an elderly or
//! disabled member, or with left-behind children are visited at the shortest frequency that
//! applies to them. Periods are counted from the rule version's `valid_from`; each period of a
//! household has one visit, due on the period's last day. `due_visits` is pure; `run` (the
//! server's scheduler) opens a 探访 case for each period once.

use super::register::Register;
use super::rules::Version;
use super::{Result, VISIT_TASK};
use crate::store::{Item, Store};
use crate::workflow::Who;
use crate::workflow::config::WorkflowConfig;
use crate::workflow::flows::{all_flows, in_txn};
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::State;
use jiuzhu_shared::workflow::calendar::{add_days, days_between};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A visit a household is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DueVisit {
    /// The household and the due day: one visit per household and period.
    pub id: String,
    pub household: String,
    pub head_name: String,
    pub township: String,
    pub village: String,
    pub due: Date,
    /// Why the household is visited, in Chinese (独居、高龄…).
    pub reason: String,
    /// The 探访 case opened for it.
    #[serde(default)]
    pub case_id: Option<String>,
}

/// The visits due in the period containing `today`, by township, village and household.
pub fn due_visits(register: &Register, rules: &Version, today: Date) -> Vec<DueVisit> {
    let v = &rules.visits;
    let mut out = Vec::new();
    for h in register.households.values() {
        if !v.layers.iter().any(|l| l == h.layer.zh()) {
            continue;
        }
        let elderly = h
            .members
            .iter()
            .any(|m| m.birth().is_some_and(|b| b.age_on(today) >= v.elderly_age));
        let disabled = h.members.iter().any(|m| m.disability_grade.is_some());
        let kinds = [
            (h.living_alone, "独居", v.living_alone_days),
            (elderly, "高龄", v.elderly_days),
            (disabled, "残疾", v.disabled_days),
            (
                h.left_behind_children,
                "留守儿童",
                v.left_behind_children_days,
            ),
        ];
        let applying: Vec<_> = kinds.iter().filter(|k| k.0 && k.2 > 0).collect();
        let Some(every) = applying.iter().map(|k| k.2).min() else {
            continue;
        };
        let since = days_between(rules.valid_from, today);
        if since < 0 {
            continue;
        }
        let due = add_days(rules.valid_from, (since / every + 1) * every - 1);
        let reason = applying.iter().map(|k| k.1).collect::<Vec<_>>().join("、");
        out.push(DueVisit {
            id: super::digest(&[&h.id, &due.to_string()]),
            household: h.id.clone(),
            head_name: h.head_name.clone(),
            township: h.township.clone(),
            village: h.village.clone(),
            due,
            reason: format!("{}家庭定期探访（{reason}，每{every}天一次）", h.layer.zh()),
            case_id: None,
        });
    }
    out.sort_by(|a, b| {
        (&a.township, &a.village, a.due, &a.household).cmp(&(
            &b.township,
            &b.village,
            b.due,
            &b.household,
        ))
    });
    out
}

/// Open a 探访 case for each visit due today that has none yet; answers the case numbers opened.
pub fn run(
    store: &dyn Store,
    workflow: &WorkflowConfig,
    rules: &Version,
    who: &Who,
    today: Date,
    now: i64,
) -> Result<Vec<String>> {
    let register = super::register::load(store)?;
    let mut opened = Vec::new();
    for mut task in due_visits(&register, rules, today) {
        let Some(h) = register.households.get(&task.household) else {
            continue;
        };
        let no = in_txn(store, &mut |txn| {
            if txn.item(VISIT_TASK, &task.id)?.is_some() {
                return Ok(None);
            }
            let flow = super::warnings::open_visit_case(
                txn,
                workflow,
                h,
                (
                    &format!("{}，应于{}前完成", task.reason, task.due),
                    task.due,
                ),
                &task.id,
                who,
                now,
            )?;
            task.case_id = Some(flow.case_id.clone());
            txn.put_item(&Item {
                kind: VISIT_TASK.into(),
                id: task.id.clone(),
                case_id: Some(flow.case_id.clone()),
                body: serde_json::to_value(&task).expect("a visit task serialises"),
                at: now,
            })?;
            Ok(Some(flow.case_no))
        })?;
        opened.extend(no);
    }
    Ok(opened)
}

/// The scheduler's entry (with the reviews, `admin schedule-reviews`): the rules of
/// `DATA/monitoring.toml` in force on `today`; a day no version covers schedules nothing.
pub fn scheduled(
    store: &dyn Store,
    root: &std::path::Path,
    workflow: &WorkflowConfig,
    who: &Who,
    today: Date,
    now: i64,
) -> Result<Vec<String>> {
    let config = super::rules::load(root)?;
    match config.on(today) {
        Ok(rules) => run(store, workflow, rules, who, today, now),
        Err(_) => Ok(Vec::new()),
    }
}

/// The scheduled visits of the townships `sees` lets through, by village and due day, each
/// with its case's state and whether it is overdue.
pub fn list(
    store: &dyn Store,
    sees: &dyn Fn(&str) -> bool,
    today: Date,
) -> Result<Vec<serde_json::Value>> {
    let tasks: Vec<DueVisit> = in_txn(store, &mut |txn| {
        Ok(txn
            .items(VISIT_TASK, None)?
            .into_iter()
            .filter_map(|i| serde_json::from_value(i.body).ok())
            .collect())
    })?;
    let flows = all_flows(store)?;
    let mut tasks: Vec<DueVisit> = tasks.into_iter().filter(|t| sees(&t.township)).collect();
    tasks.sort_by(|a, b| (&a.township, &a.village, a.due).cmp(&(&b.township, &b.village, b.due)));
    Ok(tasks
        .into_iter()
        .map(|t| {
            let flow = flows
                .iter()
                .find(|f| Some(&f.case_id) == t.case_id.as_ref());
            let state = flow.map(|f| f.state);
            let done = state.is_some_and(State::is_final);
            json!({
                "id": t.id, "head_name": t.head_name, "township": t.township, "village": t.village,
                "due": t.due, "reason": t.reason, "case_id": t.case_id,
                "case_no": flow.map(|f| f.case_no.clone()),
                "state": state, "state_zh": state.map(State::zh),
                "overdue": !done && today > t.due,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::register::{Household, Layer, Person};
    use crate::monitoring::rules::MonitoringConfig;

    fn household(id: &str, layer: Layer, alone: bool, birth_id: &str) -> Household {
        Household {
            id: id.into(),
            head_name: format!("户主{}", &id[14..]),
            township: "树林召镇".into(),
            village: "示例村".into(),
            layer,
            members: vec![Person {
                id_number: birth_id.into(),
                name: "甲".into(),
                relation: "本人".into(),
                disability_grade: None,
            }],
            living_alone: alone,
            left_behind_children: false,
            history: vec![],
            case_id: None,
        }
    }

    #[test]
    fn due_visits_follow_the_example_configuration() {
        let config = MonitoringConfig::from_toml(super::super::rules::EXAMPLE).unwrap();
        let today: Date = "2026-02-10".parse().unwrap();
        let rules = config.on(today).unwrap();
        let mut reg = Register::default();
        // Living alone, 特困: every 30 days from 2026-01-01 → the period 01-31..03-01.
        let a = household(
            "150621198001010010",
            Layer::Tekun,
            true,
            "150621198001010010",
        );
        // Elderly (born 1945), 低保: every 60 days → 2026-03-01.
        let b = household(
            "150621194503030056",
            Layer::Dibao,
            false,
            "150621194503030056",
        );
        // 低保边缘 living alone: not a listed layer.
        let c = household(
            "150621199001010066",
            Layer::DibaoEdge,
            true,
            "150621199001010066",
        );
        // 低保, young, not alone: nothing applies.
        let d = household(
            "150621198202020039",
            Layer::Dibao,
            false,
            "150621198202020039",
        );
        for h in [a, b, c, d] {
            reg.households.insert(h.id.clone(), h);
        }
        let due = due_visits(&reg, rules, today);
        let got: Vec<(&str, String)> = due
            .iter()
            .map(|d| (&d.household[..], d.due.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("150621194503030056", "2026-03-01".to_string()),
                ("150621198001010010", "2026-03-01".to_string()),
            ]
        );
        assert!(due[1].reason.contains("独居"));
        // The same period gives the same task; the next one a new one.
        assert_eq!(
            due_visits(&reg, rules, "2026-02-28".parse().unwrap())[1].id,
            due[1].id
        );
        // The next period: monthly for the one living alone, every 60 days for the elderly.
        let next = due_visits(&reg, rules, "2026-03-02".parse().unwrap());
        let got: Vec<(&str, String)> = next
            .iter()
            .map(|d| (&d.household[..], d.due.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("150621198001010010", "2026-03-31".to_string()),
                ("150621194503030056", "2026-04-30".to_string()),
            ]
        );
        assert_ne!(next[0].id, due[1].id);
    }
}
