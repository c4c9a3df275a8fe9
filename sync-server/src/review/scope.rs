//! What a console user reaches: their township, or the whole banner for the bureau and admins
//! (`access::sees`). The queue rows, devices with their pending uploads, investigators and
//! photos in scope, and the check that a team is made of investigators the user may assign.

use super::access::sees;
use super::queue::{CaseRow, Filter};
use crate::blobs::BlobDir;
use crate::store::{Device, Store, StoreError, User};
use crate::workflow::config::WorkflowConfig;
use crate::workflow::flow::Flow;
use crate::workflow::{WorkflowError, flows, service};
use jiuzhu_shared::rules::date::Date;
use jiuzhu_shared::workflow::Role;
use jiuzhu_shared::{BlobHash, CaseId, DeviceId};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The queue rows the user may see, with their workflow state and next deadline.
pub fn rows(
    store: &dyn Store,
    blobs: &BlobDir,
    config: &WorkflowConfig,
    user: &User,
    today: Date,
) -> Result<Vec<CaseRow>, WorkflowError> {
    let present = |h: &str| h.parse::<BlobHash>().is_ok_and(|b| blobs.exists(&b));
    let flows: HashMap<String, Flow> = flows::all_flows(store)?
        .into_iter()
        .map(|f| (f.case_id.clone(), f))
        .collect();
    Ok(store
        .list_cases()?
        .iter()
        .filter(|v| sees(user, &v.township))
        .map(|v| {
            let mut row = CaseRow::from_view(v, present);
            if let Some(f) = flows.get(&v.case_id.to_string()) {
                row.set_workflow(f, service::next_due(f, config, today));
            }
            row
        })
        .collect())
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
    let rows = rows(store, blobs, config, user, today)?;
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
