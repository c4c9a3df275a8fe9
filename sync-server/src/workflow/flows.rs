//! The flow store: each case's workflow state (`flow` items), its numbered transition records,
//! and the case document as the workflow reads it, with one helper for running workflow code in
//! a single write transaction. Cases created before workflows get a flow built from their header.

use super::flow::*;
use super::{Result, WorkflowError};
use crate::store::{DocTxn, Item, Store, StoreError};
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::schema::CaseDoc;
use jiuzhu_shared::workflow::{CaseKind, State};
use jiuzhu_shared::{CaseDocument, CaseId};

/// Run `f` in one write transaction and hand back its result; an error rolls everything back.
pub fn in_txn<T>(store: &dyn Store, f: &mut dyn FnMut(&mut dyn DocTxn) -> Result<T>) -> Result<T> {
    let mut out: Option<Result<T>> = None;
    let r = store.transact(&mut |txn| match f(txn) {
        Ok(v) => {
            out = Some(Ok(v));
            Ok(())
        }
        Err(e) => {
            out = Some(Err(e));
            Err(StoreError::Conflict("rolled back".into()))
        }
    });
    match out {
        Some(Err(e)) => Err(e),
        Some(Ok(v)) => r.map(|_| v).map_err(Into::into),
        None => Err(r
            .err()
            .map(Into::into)
            .unwrap_or_else(|| WorkflowError::Invalid("the transaction did not run".into()))),
    }
}

pub fn load_doc(txn: &mut dyn DocTxn, case: CaseId) -> Result<Option<CaseDoc>> {
    match txn.load_doc(case)? {
        Some(bytes) => {
            let doc = CaseDocument::load(&bytes, jiuzhu_shared::ActorKey::random())?;
            Ok(Some(doc.read()?))
        }
        None => Ok(None),
    }
}

fn flow_from_item(item: Item) -> Result<Flow> {
    serde_json::from_value(item.body)
        .map_err(|e| WorkflowError::Store(StoreError::Invalid(format!("stored flow: {e}"))))
}

/// The flow of a case created before workflows (by `admin add-case` or the demo): its state is
/// read from the header, as if accepted on paper.
pub fn legacy_flow(case: CaseId, doc: &CaseDoc, today: Date) -> Flow {
    let state = State::from_code(&doc.header.status).unwrap_or(State::Accepted);
    Flow {
        case_id: case.to_string(),
        case_no: doc.header.case_no.clone(),
        programme: programme_of_case_type(&doc.header.case_type),
        kind: CaseKind::Application,
        state,
        entered: today,
        accepted: Some(today),
        township: doc.header.township.clone(),
        phone: None,
        origin: None,
        records: 0,
        facts: Facts {
            team: doc.header.assigned_team.clone(),
            visit_accepted: doc.header.status == "investigation_accepted",
            ..Facts::default()
        },
        application: None,
    }
}

/// The case's flow (a legacy case gets one built from its header).
pub fn load_flow(txn: &mut dyn DocTxn, case: CaseId, today: Date) -> Result<Flow> {
    if let Some(item) = txn.item(FLOW, &case.to_string())? {
        return flow_from_item(item);
    }
    match load_doc(txn, case)? {
        Some(doc) => Ok(legacy_flow(case, &doc, today)),
        None => Err(WorkflowError::NotFound("没有这个案件".into())),
    }
}

/// Read-only: the flow as stored, without a transaction.
pub fn flow_of(store: &dyn Store, case: CaseId) -> Result<Option<Flow>> {
    store
        .item(FLOW, &case.to_string())?
        .map(flow_from_item)
        .transpose()
}

/// The flow of a case, stored or (for a case created before workflows) built from its header.
pub fn flow_or_legacy(store: &dyn Store, case: CaseId, today: Date) -> Result<Flow> {
    if let Some(f) = flow_of(store, case)? {
        return Ok(f);
    }
    let doc = crate::cases::load_case(store, case)?
        .read()
        .map_err(StoreError::from)?;
    Ok(legacy_flow(case, &doc, today))
}

pub fn all_flows(store: &dyn Store) -> Result<Vec<Flow>> {
    store
        .items(FLOW, None)?
        .into_iter()
        .map(flow_from_item)
        .collect()
}

pub fn put_flow(txn: &mut dyn DocTxn, flow: &Flow, now: i64) -> Result<()> {
    txn.put_item(&Item {
        kind: FLOW.into(),
        id: flow.case_id.clone(),
        case_id: Some(flow.case_id.clone()),
        body: serde_json::to_value(flow).expect("a flow serialises"),
        at: now,
    })?;
    Ok(())
}

pub fn records(store: &dyn Store, case: CaseId) -> Result<Vec<Record>> {
    store
        .items(TRANSITION, Some(&case.to_string()))?
        .into_iter()
        .map(|i| {
            serde_json::from_value(i.body).map_err(|e| {
                WorkflowError::Store(StoreError::Invalid(format!("stored record: {e}")))
            })
        })
        .collect()
}
