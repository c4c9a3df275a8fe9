//! Workflow actions taken at a township station's console: the banner is their home, so the
//! station queues each (in order, with who took it) and the next uplink round hands them to the
//! banner, which takes each through the engine as that user — or refuses it with the engine's
//! reason when the case moved on meanwhile. The outcome comes back and is shown at the station.
//! A forwarded action is taken once, whatever the number of rounds that carried it.

use crate::store::{DocTxn, Item, Result, Store};
use jiuzhu_shared::CaseId;
use serde::{Deserialize, Serialize};

/// Items: at the station, each queued action; at the banner, each outcome by the action's id.
const QUEUED: &str = "forward";
const TAKEN: &str = "forwarded";

/// A queued action as it travels up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Forward {
    /// Time-ordered (UUIDv7): the banner takes them in this order.
    pub id: String,
    pub case: CaseId,
    /// The console user who took it at the station.
    pub user: String,
    /// The action as the console sent it (`workflow::service::ActionInput`, JSON).
    pub body: String,
    pub at: i64,
}

/// What the banner made of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub ok: bool,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Queue an action taken at the station's console; its id.
pub fn queue(
    store: &dyn Store,
    case: CaseId,
    user: &str,
    body: &serde_json::Value,
    now: i64,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let action = body["action"].as_str().unwrap_or_default().to_string();
    store.transact(&mut |txn| {
        txn.put_item(&Item {
            kind: QUEUED.into(),
            id: id.clone(),
            case_id: Some(case.to_string()),
            body: serde_json::json!({
                "case": case, "user": user, "action": action, "body": body.to_string(),
                "state": "queued",
            }),
            at: now,
        })
    })?;
    Ok(id)
}

/// The actions still waiting for the banner, oldest first.
pub fn queued(store: &dyn Store) -> Result<Vec<Forward>> {
    let mut out: Vec<Forward> = store
        .items(QUEUED, None)?
        .into_iter()
        .filter(|i| i.body["state"] == "queued")
        .filter_map(|i| {
            Some(Forward {
                case: i.body["case"].as_str()?.parse().ok()?,
                user: i.body["user"].as_str()?.into(),
                body: i.body["body"].as_str()?.into(),
                at: i.at,
                id: i.id,
            })
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Record the banner's outcomes at the station.
pub fn settle(txn: &mut dyn DocTxn, outcomes: &[Outcome]) -> Result<()> {
    for o in outcomes {
        let Some(mut item) = txn.item(QUEUED, &o.id)? else {
            continue;
        };
        item.body["state"] = (if o.ok { "done" } else { "refused" }).into();
        item.body["code"] = o.code.clone().into();
        item.body["message"] = o.message.clone().into();
        txn.put_item(&item)?;
    }
    Ok(())
}

/// The station's latest forwarded actions, newest first, for its console.
pub fn recent(store: &dyn Store, n: usize) -> Result<Vec<serde_json::Value>> {
    let mut items = store.items(QUEUED, None)?;
    items.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(items
        .into_iter()
        .take(n)
        .map(|i| {
            serde_json::json!({
                "id": i.id, "case": i.body["case"], "user": i.body["user"],
                "action": i.body["action"], "state": i.body["state"],
                "code": i.body["code"], "message": i.body["message"], "at": i.at,
            })
        })
        .collect())
}

/// At the banner: the outcome already recorded for a forwarded action, if it was taken before.
pub fn taken(store: &dyn Store, id: &str) -> Result<Option<Outcome>> {
    Ok(store
        .item(TAKEN, id)?
        .and_then(|i| serde_json::from_value(i.body).ok()))
}

/// At the banner: keep an action's outcome, so a round carrying it again takes it no twice.
pub fn record(store: &dyn Store, outcome: &Outcome, now: i64) -> Result<()> {
    store.transact(&mut |txn| {
        txn.put_item(&Item {
            kind: TAKEN.into(),
            id: outcome.id.clone(),
            case_id: None,
            body: serde_json::to_value(outcome).expect("an outcome is JSON"),
            at: now,
        })
    })
}
