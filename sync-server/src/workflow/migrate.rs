//! Brings a data directory written before issue 11 up to date, once, when the store is opened:
//! every case gets a flow (a case added from a file had none: its state was read from the
//! header, which devices could write), the rows of the retired `workflow` log (the console's
//! assign / return / accept / resolve) become transition records in time order, and the old
//! `visit_accepted` flag becomes the accepted visit's content hash, and secret 民主评议 ballots
//! kept one by one become counts; a case without an application keeps its declared people in
//! its flow (issue 16). Running it again finds nothing to do.

use super::Result;
use super::flow::{FLOW, Facts, Flow, Record, TRANSITION, programme_of_case_type, transition_id};
use super::flows::{in_txn, load_doc, put_flow};
use crate::audit::AuditEvent;
use crate::store::{DocTxn, Item, Store};
use jiuzhu_shared::CaseId;
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::CaseDoc;
use jiuzhu_shared::workflow::{Action, CaseKind, Role, State};
use serde_json::{Value, json};

/// Rows of the retired `workflow` table, kept as items by the store's migration.
pub const LEGACY_WORKFLOW: &str = "legacy_workflow";

/// What the migration did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Migrated {
    pub flows_created: usize,
    pub records_moved: usize,
    pub acceptances: usize,
    pub ballots_folded: usize,
    /// Cases without an application whose flow now keeps their declared people (issue 16).
    pub people_recorded: usize,
}

/// Run the migration; a no-op on an up-to-date data directory.
pub fn run(store: &dyn Store, now: i64) -> Result<Migrated> {
    let cases: Vec<CaseId> = store.list_cases()?.into_iter().map(|v| v.case_id).collect();
    let legacy = store.items(LEGACY_WORKFLOW, None)?;
    // One read of the flows answers both questions (a flow is stored under its case's id).
    let flows = store.items(FLOW, None)?;
    let stale = flows
        .iter()
        .any(|i| old_acceptance(&i.body) || lacks_people(&i.body))
        || store
            .items(super::flow::BALLOT, None)?
            .iter()
            .any(|i| i.body["voter"].is_null());
    let with_flow: std::collections::HashSet<&str> = flows.iter().map(|i| i.id.as_str()).collect();
    let missing = cases
        .iter()
        .any(|c| !with_flow.contains(c.to_string().as_str()));
    if legacy.is_empty() && !stale && !missing {
        return Ok(Migrated::default());
    }
    // Read before the transaction: the store is not reentrant.
    let roles: std::collections::HashMap<String, Role> = store
        .list_users()?
        .into_iter()
        .map(|u| (u.name, u.role))
        .collect();
    in_txn(store, &mut |txn| {
        let mut done = Migrated::default();
        for case in &cases {
            let Some(doc) = load_doc(txn, *case)? else {
                continue;
            };
            let item = txn.item(FLOW, &case.to_string())?;
            let mut flow = match &item {
                Some(i) => serde_json::from_value::<Flow>(i.body.clone()).map_err(|e| {
                    crate::store::StoreError::Invalid(format!("stored flow of {case}: {e}"))
                })?,
                None => {
                    done.flows_created += 1;
                    flow_from_header(*case, &doc, Date::in_china(now))
                }
            };
            let accepted_before = item.as_ref().is_some_and(|i| old_acceptance(&i.body))
                || (item.is_none() && doc.header.status == "investigation_accepted");
            if accepted_before && flow.facts.accepted_visit.is_none() {
                flow.facts.accepted_visit = doc
                    .visits
                    .iter()
                    .rev()
                    .find(|v| v.finalized)
                    .and_then(|v| v.content_hash.clone());
                done.acceptances += 1;
            }
            if item.as_ref().is_none_or(|i| lacks_people(&i.body)) && flow.application.is_none() {
                flow.facts.declared_people = super::intake::declared_people(&doc);
                done.people_recorded += 1;
            }
            let rows: Vec<Item> = legacy
                .iter()
                .filter(|i| i.case_id.as_deref() == Some(&flow.case_id))
                .cloned()
                .collect();
            done.records_moved += rows.len();
            renumber(txn, &mut flow, &rows, &roles)?;
            put_flow(txn, &flow, now)?;
        }
        for i in &legacy {
            txn.delete_item(LEGACY_WORKFLOW, &i.id)?;
        }
        done.ballots_folded = super::meetings::fold_secret_ballots(txn)?;
        txn.audit(&AuditEvent::new(
            now,
            "server (upgrade)",
            "migrate_workflow",
            None,
            json!({
                "flows_created": done.flows_created,
                "records_moved": done.records_moved,
                "acceptances": done.acceptances,
                "ballots_folded": done.ballots_folded,
                "people_recorded": done.people_recorded,
            }),
        ))?;
        Ok(done)
    })
}

/// A stored flow of a case without an application from before flows kept its declared people
/// (the window's duplicate check finds a person by the flows that hold their number).
fn lacks_people(body: &Value) -> bool {
    body["application"].is_null() && body["facts"].get("declared_people").is_none()
}

/// A stored flow from before the accepted visit was kept by its hash.
fn old_acceptance(body: &Value) -> bool {
    body["facts"]["visit_accepted"] == json!(true) && body["facts"]["accepted_visit"].is_null()
}

/// The flow of a case created before workflows, from what its header said: accepted on paper,
/// under investigation once a team was named.
fn flow_from_header(case: CaseId, doc: &CaseDoc, today: Date) -> Flow {
    let h = &doc.header;
    let state = match h.status.as_str() {
        "returned" | "investigation_accepted" => State::Investigating,
        code => State::from_code(code).unwrap_or(State::Accepted),
    };
    Flow {
        case_id: case.to_string(),
        case_no: h.case_no.clone(),
        programme: programme_of_case_type(&h.case_type),
        kind: CaseKind::Application,
        state,
        entered: today,
        accepted: Some(today),
        township: h.township.clone(),
        phone: None,
        origin: None,
        records: 0,
        facts: Facts {
            team: h.assigned_team.clone(),
            ..Facts::default()
        },
        application: None,
    }
}

/// Merge the legacy rows into the case's transition records by time and number them again.
fn renumber(
    txn: &mut dyn DocTxn,
    flow: &mut Flow,
    rows: &[Item],
    roles: &std::collections::HashMap<String, Role>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut records: Vec<Record> = txn
        .items(TRANSITION, Some(&flow.case_id))?
        .into_iter()
        .filter_map(|i| serde_json::from_value(i.body).ok())
        .collect();
    for r in &records {
        txn.delete_item(TRANSITION, &transition_id(&flow.case_id, r.n))?;
    }
    for row in rows {
        let b = &row.body;
        let action = match b["action"].as_str().unwrap_or_default() {
            "assign" => Action::ChangeTeam,
            "return" => Action::ReturnVisit,
            "accept" => Action::AcceptVisit,
            "resolve" => Action::ResolveConflict,
            _ => continue,
        };
        let actor = b["actor"].as_str().unwrap_or_default().to_string();
        let role = roles.get(&actor).copied().unwrap_or(Role::Admin);
        records.push(Record {
            n: 0,
            action,
            from: flow.state,
            to: flow.state,
            role,
            actor,
            at: b["at"].as_i64().unwrap_or(row.at),
            reason: None,
            detail: json!({ "migrated": true, "detail": b["detail"] }),
        });
    }
    records.sort_by_key(|r| r.at);
    for (i, r) in records.iter_mut().enumerate() {
        r.n = i as u32 + 1;
        txn.put_item(&Item {
            kind: TRANSITION.into(),
            id: transition_id(&flow.case_id, r.n),
            case_id: Some(flow.case_id.clone()),
            body: serde_json::to_value(&*r).expect("a record serialises"),
            at: r.at,
        })?;
    }
    flow.records = records.len() as u32;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::sync_engine::write_server_change;
    use jiuzhu_shared::policy::Grant;
    use jiuzhu_shared::schema::Visit;

    /// A case added from a file before issue 11: no flow, its visit accepted through the header's
    /// old display code, two rows in the retired log.
    fn old_case(store: &SqliteStore) -> CaseId {
        let id = CaseId::new();
        let mut visit = Visit::new("home", vec!["王五".into(), "赵六".into()], 1);
        visit.finalized = true;
        visit.content_hash = Some(visit.content_hash());
        let mut case = CaseDoc {
            case_id: id.to_string(),
            visits: vec![visit],
            ..CaseDoc::default()
        };
        case.header.case_no = "OLD-1".into();
        case.header.township = "树林召镇".into();
        case.header.status = "investigation_accepted".into();
        case.header.assigned_team = vec!["王五".into(), "赵六".into()];
        let actor = store.server_actor().unwrap();
        store
            .transact(&mut |txn| {
                write_server_change(txn, id, (actor, &Grant::server()), 1, &mut |d| {
                    d.write(&case, "old", 1)
                })
                .map_err(|e| crate::store::StoreError::Invalid(e.to_string()))?;
                for (n, action, at) in [(1, "assign", 50), (2, "accept", 70)] {
                    txn.put_item(&Item {
                        kind: LEGACY_WORKFLOW.into(),
                        id: format!("{id}:{n:09}"),
                        case_id: Some(id.to_string()),
                        body: json!({"action": action, "actor": "张海燕", "at": at, "detail": {}}),
                        at,
                    })?;
                }
                Ok(())
            })
            .unwrap();
        id
    }

    #[test]
    fn an_old_case_gets_its_flow_its_records_and_its_accepted_visit_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let id = old_case(&store);
        let done = run(&store, 1000).unwrap();
        assert_eq!(
            (done.flows_created, done.records_moved, done.acceptances),
            (1, 2, 1)
        );
        let flow = super::super::flows::flow(&store, id).unwrap();
        assert_eq!(flow.state, State::Investigating);
        assert_eq!(flow.facts.team, vec!["王五", "赵六"]);
        let doc = crate::cases::load_case(&store, id).unwrap().read().unwrap();
        assert_eq!(flow.facts.accepted_visit, doc.visits[0].content_hash);
        let records = super::super::flows::records(&store, id).unwrap();
        let actions: Vec<(u32, Action, i64)> =
            records.iter().map(|r| (r.n, r.action, r.at)).collect();
        assert_eq!(
            actions,
            [(1, Action::ChangeTeam, 50), (2, Action::AcceptVisit, 70)]
        );
        assert_eq!(flow.records, 2);
        assert!(store.items(LEGACY_WORKFLOW, None).unwrap().is_empty());
        let audited = || store.verify_audit(&mut |_| {}).unwrap().unwrap();
        let before = audited();
        assert_eq!(
            run(&store, 2000).unwrap(),
            Migrated::default(),
            "nothing twice"
        );
        assert_eq!(
            audited(),
            before,
            "an up-to-date store is not even opened for writing"
        );
    }

    /// A case entered from a file before flows kept its people: the window's duplicate check
    /// finds it once the migration has copied them from the document, and only then.
    #[test]
    fn a_file_case_from_before_gets_its_people_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let case = serde_json::json!({
            "header": {"case_no": "F-1", "case_type": "rural_dibao", "applicant_name": "王秀兰",
                       "township": "树林召镇"},
            "declared": {"members": [
                {"name": "王秀兰", "id_number": "150621195603040029", "relation": "本人"},
                {"name": "李强", "id_number": "", "relation": "子女"},
            ]}
        });
        let config = super::super::config::WorkflowConfig::default();
        let id = super::super::intake::add_case(&store, &config, &case.to_string(), 10).unwrap();
        let as_before = |store: &SqliteStore| {
            let mut item = store.item(FLOW, &id.to_string()).unwrap().unwrap();
            item.body["facts"]
                .as_object_mut()
                .unwrap()
                .remove("declared_people");
            store.transact(&mut |t| t.put_item(&item)).unwrap();
        };
        as_before(&store);
        assert!(
            store
                .items_containing(FLOW, "150621195603040029")
                .unwrap()
                .is_empty()
        );
        let done = run(&store, 1000).unwrap();
        assert_eq!(done.people_recorded, 1);
        let flow = super::super::flows::flow(&store, id).unwrap();
        let people: Vec<(&str, bool)> = flow
            .facts
            .declared_people
            .iter()
            .map(|p| (p.name.as_str(), p.applicant))
            .collect();
        assert_eq!(
            people,
            [("王秀兰", true)],
            "members without a number are not kept"
        );
        assert_eq!(
            store
                .items_containing(FLOW, "150621195603040029")
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            run(&store, 2000).unwrap(),
            Migrated::default(),
            "nothing twice"
        );
    }
}
