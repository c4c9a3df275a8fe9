//! The flow store: each case's workflow state (`flow` items), its numbered transition records,
//! and the case document as the workflow reads it, with one helper for running workflow code in
//! a single write transaction.

use super::flow::*;
use super::{Result, WorkflowError};
use crate::store::{DocTxn, Item, Store, StoreError};
use jiuzhu_shared::schema::CaseDoc;
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

pub(super) fn flow_from_item(item: Item) -> Result<Flow> {
    serde_json::from_value(item.body)
        .map_err(|e| WorkflowError::Store(StoreError::Invalid(format!("stored flow: {e}"))))
}

/// The case's flow. Every case has one: cases created before workflows were given theirs by
/// `workflow::migrate`.
pub fn load_flow(txn: &mut dyn DocTxn, case: CaseId) -> Result<Flow> {
    match txn.item(FLOW, &case.to_string())? {
        Some(item) => flow_from_item(item),
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

/// The case's flow, read outside a transaction.
pub fn flow(store: &dyn Store, case: CaseId) -> Result<Flow> {
    flow_of(store, case)?.ok_or_else(|| WorkflowError::NotFound("没有这个案件".into()))
}

pub fn all_flows(store: &dyn Store) -> Result<Vec<Flow>> {
    store
        .items(FLOW, None)?
        .into_iter()
        .map(flow_from_item)
        .collect()
}

/// Most flows one public page lists (a township's 公示 or roll; far above a real one).
pub const PUBLIC_PAGE_LIMIT: usize = 2000;

/// The flows in one of `states` (of `township`, if given), at most [`PUBLIC_PAGE_LIMIT`], read
/// through the store's index rather than every flow.
pub fn flows_in(
    store: &dyn Store,
    township: Option<&str>,
    states: &[jiuzhu_shared::workflow::State],
) -> Result<Vec<Flow>> {
    let codes: Vec<&str> = states.iter().map(|s| s.code()).collect();
    store
        .items_in_state(FLOW, township, &codes, PUBLIC_PAGE_LIMIT)?
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
