//! What a console user reaches: their township, or the whole banner for the bureau and admins
//! (`access::sees`). The queue rows, devices with their pending uploads, investigators and
//! photos in scope, and the check that a team is made of investigators the user may assign.

use super::access::sees;
use super::queue::{CaseRow, Filter, RowDue};
use crate::blobs::BlobDir;
use crate::store::{CaseView, Device, FlowSummary, Store, StoreError, User};
use crate::workflow::config::WorkflowConfig;
use crate::workflow::{WorkflowError, flows, service};
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::Role;
use jiuzhu_shared::{BlobHash, CaseId, DeviceId};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The queue rows the user may see, with their workflow state and next deadline, read from the
/// flow summaries kept beside the projection; the few that are missing or were computed under
/// another configuration are made afresh (and kept) first.
pub fn rows(
    store: &dyn Store,
    blobs: &BlobDir,
    config: &WorkflowConfig,
    user: &User,
    today: Date,
) -> Result<Vec<CaseRow>, WorkflowError> {
    let present = |h: &str| h.parse::<BlobHash>().is_ok_and(|b| blobs.exists(&b));
    let stamp = service::config_stamp(config);
    let mut cases: Vec<(CaseView, Option<FlowSummary>)> = store
        .list_cases_with_flow()?
        .into_iter()
        .filter(|(v, _)| sees(user, &v.township))
        .collect();
    let stale: Vec<CaseId> = cases
        .iter()
        .filter(|(_, s)| s.as_ref().is_none_or(|s| s.config != stamp))
        .map(|(v, _)| v.case_id)
        .collect();
    if !stale.is_empty() {
        let mut fresh = summarise(store, config, &stale, today)?;
        for (v, s) in &mut cases {
            if let Some(f) = fresh.remove(&v.case_id) {
                *s = Some(f);
            }
        }
    }
    // Many cases share a deadline: count the days left once per date.
    let mut left: HashMap<(Date, bool), i64> = HashMap::new();
    Ok(cases
        .iter()
        .map(|(v, s)| {
            let mut row = CaseRow::from_view(v, present);
            if let Some(s) = s {
                let due = s.due.map(|due| RowDue {
                    due,
                    remaining: *left.entry((due, s.calendar_days)).or_insert_with(|| {
                        service::remaining_days(&config.calendar, due, s.calendar_days, today)
                    }),
                    calendar_days: s.calendar_days,
                    overdue: today > due,
                });
                row.set_workflow(s.state, due);
            }
            row
        })
        .collect())
}

/// Summarise the flows of `cases` and keep the summaries, in one transaction (so a flow written
/// meanwhile is not summarised from what it was). A case without a flow has none, as before.
fn summarise(
    store: &dyn Store,
    config: &WorkflowConfig,
    cases: &[CaseId],
    today: Date,
) -> Result<HashMap<CaseId, FlowSummary>, WorkflowError> {
    flows::in_txn(store, &mut |txn| {
        let mut out = HashMap::new();
        for &case in cases {
            let flow = match flows::load_flow(txn, case) {
                Ok(f) => f,
                Err(WorkflowError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            let summary = service::flow_summary(&flow, config, today);
            txn.put_flow_summary(case, &summary)?;
            out.insert(case, summary);
        }
        Ok(out)
    })
}

/// The queue answer: the filtered rows, counts, the villages and investigators to filter by,
/// and the change sequence the console polls.
pub fn queue(
    store: &dyn Store,
    blobs: &BlobDir,
    config: &WorkflowConfig,
    user: &User,
    (filter, today): (&Filter, Date),
) -> Result<Value, WorkflowError> {
    let rows = of_programme(store, filter, rows(store, blobs, config, user, today)?)?;
    let mut villages: Vec<String> = rows.iter().map(|r| r.village.clone()).collect();
    villages.sort();
    villages.dedup();
    let mut investigators: Vec<String> = rows.iter().flat_map(|r| r.team.clone()).collect();
    investigators.sort();
    investigators.dedup();
    let (cases, counts) = filter.apply(rows);
    Ok(json!({
        "cases": cases, "counts": counts, "villages": villages,
        "investigators": investigators, "seq": store.change_seq()?,
    }))
}

/// The rows of the filter's programme, if it names one: the programme is the flow's, not the
/// projection's, so the flows are read only when asked.
pub fn of_programme(
    store: &dyn Store,
    filter: &Filter,
    rows: Vec<CaseRow>,
) -> Result<Vec<CaseRow>, WorkflowError> {
    let Some(p) = filter
        .programme
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    else {
        return Ok(rows);
    };
    let cases: std::collections::HashSet<String> = flows::all_flows(store)?
        .into_iter()
        .filter(|f| f.programme.code() == p)
        .map(|f| f.case_id)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| cases.contains(&r.case_id.to_string()))
        .collect())
}

/// Whether the case exists and the user may see it.
pub fn has_case(store: &dyn Store, user: &User, case: CaseId) -> Result<bool, StoreError> {
    Ok(store
        .case_view(case)?
        .is_some_and(|v| sees(user, &v.township)))
}

/// The case in scope whose evidence includes the photo `hash`.
pub fn photo_case(
    store: &dyn Store,
    user: &User,
    hash: &str,
) -> Result<Option<CaseId>, StoreError> {
    Ok(store
        .list_cases()?
        .into_iter()
        .find(|v| sees(user, &v.township) && v.photos.iter().any(|p| p == hash))
        .map(|v| v.case_id))
}

/// The devices in scope, with the photos of their investigator's cases the server does not hold
/// yet.
pub fn devices(store: &dyn Store, blobs: &BlobDir, user: &User) -> Result<Value, StoreError> {
    let views = store.list_cases()?;
    let users = store.list_users()?;
    let mut out = Vec::new();
    for d in store
        .list_devices()?
        .into_iter()
        .filter(|d| sees(user, &d.township))
    {
        // Photos taken on this investigator's cases that the server does not hold yet.
        let name = users
            .iter()
            .find(|u| u.id == d.user_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let pending = views
            .iter()
            .filter(|v| v.team.contains(&name))
            .flat_map(|v| v.photos.iter())
            .filter(|h| !h.parse::<BlobHash>().is_ok_and(|b| blobs.exists(&b)))
            .count();
        out.push(json!({
            "id": d.id, "name": d.name, "user": d.user_name, "township": d.township,
            "enrolled_at": d.enrolled_at, "last_sync_at": d.last_sync_at, "app_version": d.app_version,
            "revoked_at": d.revoked_at, "pending_uploads": pending,
            "refused_count": d.refused_count, "refused_at": d.refused_at,
            "refused_reason": d.refused_reason,
        }));
    }
    Ok(json!({ "devices": out }))
}

/// The device `id`, if the user may see it.
pub fn device(store: &dyn Store, user: &User, id: DeviceId) -> Result<Option<Device>, StoreError> {
    Ok(store
        .list_devices()?
        .into_iter()
        .find(|d| d.id == id && sees(user, &d.township)))
}

/// The person called `name`, if the user may see them.
pub fn person(store: &dyn Store, user: &User, name: &str) -> Result<Option<User>, StoreError> {
    Ok(store
        .user_by_name(name)?
        .filter(|u| sees(user, &u.township)))
}

/// The investigators the user may assign.
pub fn investigators(store: &dyn Store, user: &User) -> Result<Value, StoreError> {
    let list: Vec<Value> = store
        .list_users()?
        .into_iter()
        .filter(|u| u.role == Role::Investigator && sees(user, &u.township))
        .map(|u| json!({"name": u.name, "township": u.township}))
        .collect();
    Ok(json!({ "investigators": list }))
}

/// Whether `user` may put `team` on a case: investigators of a township the user sees.
pub fn assignable(user: &User, team: &[User]) -> Result<(), WorkflowError> {
    match team
        .iter()
        .find(|u| u.role != Role::Investigator || !sees(user, &u.township))
    {
        Some(u) => Err(WorkflowError::Invalid(format!(
            "{} 不是本乡镇的调查员。",
            u.name
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::workflow::flow::FLOW;
    use crate::workflow::intake;
    use jiuzhu_shared::workflow::calendar::add_days;

    const CASE: &str = r#"{"header": {"case_no": "T-1", "case_type": "rural_dibao",
        "applicant_name": "巴特尔", "township": "树林召镇", "village": "王爱召嘎查"}}"#;

    /// The deadlines the queue keeps between requests follow the calendar in force and the flow
    /// as it is now, however either was changed.
    #[test]
    fn kept_deadlines_follow_a_new_calendar_and_a_rewritten_flow() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.sqlite")).unwrap();
        let blobs = BlobDir::open(&dir.path().join("blobs")).unwrap();
        let caseworker = User {
            id: 1,
            name: "张海燕".into(),
            role: Role::Caseworker,
            township: "树林召镇".into(),
        };
        let now = crate::clock::now();
        let today = Date::in_china(now);
        let plain = WorkflowConfig::default();
        let case = intake::add_case(&store, &plain, CASE, now).unwrap();
        let row = |config: &WorkflowConfig| {
            rows(&store, &blobs, config, &caseworker, today).unwrap()[0].clone()
        };
        let expected = |config: &WorkflowConfig| {
            let flow = flows::flow(&store, case).unwrap();
            service::next_due(&flow, config, today).map(|d| d.due.to_string())
        };
        let kept = || store.list_cases_with_flow().unwrap()[0].1.clone();
        assert_eq!(kept().unwrap().config, service::config_stamp(&plain));
        assert_eq!(row(&plain).due, expected(&plain));

        // The next five days become holidays: the kept deadline is recomputed, and kept.
        let mut holidays = WorkflowConfig::default();
        holidays.calendar.holidays = (1..=5).map(|d| add_days(today, d)).collect();
        assert_ne!(expected(&holidays), expected(&plain));
        assert_eq!(row(&holidays).due, expected(&holidays));
        assert_eq!(kept().unwrap().config, service::config_stamp(&holidays));

        // The flow written behind the workflow's back (entered a month ago): its summary goes.
        let mut item = store.item(FLOW, &case.to_string()).unwrap().unwrap();
        item.body["entered"] = json!(add_days(today, -30).to_string());
        store.transact(&mut |txn| txn.put_item(&item)).unwrap();
        assert_eq!(kept(), None);
        let late = row(&holidays);
        assert_eq!(late.due, expected(&holidays));
        assert!(
            late.overdue && late.remaining_working_days < Some(0),
            "{late:?}"
        );
        assert_eq!(late.state.as_deref(), Some("accepted"));
    }
}
