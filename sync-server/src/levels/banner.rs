//! The banner's side of the levels: station codes, station enrollment, and answering a station's
//! uplink round with what its township's cases need.

use super::forward::{self, Forward, Outcome};
use super::wire::{Answer, Changes, Enrolled, Heads, Replica, Round, STATION_VERSION};
use crate::audit::AuditEvent;
use crate::store::{Item, ReplicaDevice, Result as StoreResult, Store, StoreError};
use crate::workflow::config::WorkflowConfig;
use crate::workflow::service::{self, ActionInput};
use crate::workflow::{Who, WorkflowError};
use automerge::ChangeHash;
use jiuzhu_shared::protocol::Refusal;
use jiuzhu_shared::{CaseDocument, CaseId};
use std::collections::HashMap;

/// Items: a station by its token's hash, and an unused station code by its hash.
const STATION: &str = "station";
const STATION_CODE: &str = "station_code";

/// A station code is good this long.
pub const CODE_TTL_S: i64 = 24 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the station code is unknown or was used already: print a new one with `admin add-station`"
    )]
    UnknownCode,
    #[error("the station code expired: print a new one with `admin add-station`")]
    Expired,
    #[error("no user works in {0}: add the township's users before its station")]
    NoTownship(String),
}

/// A township station, as the banner knows it.
#[derive(Debug, Clone)]
pub struct StationAuth {
    pub id: String,
    pub name: String,
    pub township: String,
}

impl StationAuth {
    pub fn label(&self) -> String {
        format!("station {} ({})", self.name, self.township)
    }
}

/// A one-time code for the station of `township`.
pub fn add_station_code(
    store: &dyn Store,
    township: &str,
    now: i64,
) -> Result<String, StationError> {
    if !store.list_users()?.iter().any(|u| u.township == township) {
        return Err(StationError::NoTownship(township.into()));
    }
    let code = crate::auth::new_enroll_code();
    store.transact(&mut |txn| {
        txn.put_item(&Item {
            kind: STATION_CODE.into(),
            id: crate::auth::hash_code(&code),
            case_id: None,
            body: serde_json::json!({ "township": township, "expires_at": now + CODE_TTL_S }),
            at: now,
        })?;
        txn.audit(&AuditEvent::new(
            now,
            "admin",
            "station_code",
            None,
            serde_json::json!({ "township": township, "expires_at": now + CODE_TTL_S }),
        ))
    })?;
    Ok(code)
}

/// Spend a station code: the station's credential (kept only as a hash).
pub fn enroll(
    store: &dyn Store,
    code: &str,
    name: &str,
    now: i64,
) -> Result<Enrolled, StationError> {
    let code_hash = crate::auth::hash_code(code);
    let token = crate::auth::new_token();
    let station_id = jiuzhu_shared::DeviceId::new().to_string();
    let name: String = name.trim().chars().take(64).collect();
    let mut outcome = Err(StationError::UnknownCode);
    store.transact(&mut |txn| {
        let Some(item) = txn.item(STATION_CODE, &code_hash)? else {
            outcome = Err(StationError::UnknownCode);
            return Ok(());
        };
        txn.delete_item(STATION_CODE, &code_hash)?;
        if item.body["expires_at"].as_i64().unwrap_or(0) < now {
            outcome = Err(StationError::Expired);
            return Ok(());
        }
        let township = item.body["township"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        txn.put_item(&Item {
            kind: STATION.into(),
            id: crate::auth::hash(&token),
            case_id: None,
            body: serde_json::json!({ "id": station_id, "name": name, "township": township }),
            at: now,
        })?;
        txn.audit(&AuditEvent::new(
            now,
            format!("station {name} ({township})"),
            "enroll_station",
            None,
            serde_json::json!({ "station": station_id }),
        ))?;
        outcome = Ok(Enrolled {
            v: STATION_VERSION,
            station_id: station_id.clone(),
            token: token.clone(),
            township,
        });
        Ok(())
    })?;
    outcome
}

/// The station whose bearer token this is.
pub fn by_token(store: &dyn Store, token: &str) -> StoreResult<Option<StationAuth>> {
    Ok(store
        .item(STATION, &crate::auth::hash(token))?
        .map(|i| StationAuth {
            id: i.body["id"].as_str().unwrap_or_default().into(),
            name: i.body["name"].as_str().unwrap_or_default().into(),
            township: i.body["township"].as_str().unwrap_or_default().into(),
        }))
}

fn heads_of(h: &Heads) -> Vec<ChangeHash> {
    h.heads
        .iter()
        .filter_map(|b| <[u8; 32]>::try_from(b.as_slice()).ok().map(ChangeHash))
        .collect()
}

/// Answer one uplink round: merge what the station sends (each case in its own transaction, so
/// one refused case does not hold back the others), then give it what it lacks of every case of
/// its township and the records it keeps a copy of.
pub fn serve_round(
    store: &dyn Store,
    config: &WorkflowConfig,
    station: &StationAuth,
    req: &Round,
    now: i64,
) -> StoreResult<Answer> {
    let server_actor = store.server_actor()?;
    let mut answer = Answer {
        v: STATION_VERSION,
        ..Default::default()
    };
    adopt_devices(store, station, &req.devices, now)?;
    for c in &req.up {
        let mut outcome = Ok(0);
        store.transact(&mut |txn| {
            outcome = crate::sync_engine::merge_relayed(
                txn,
                server_actor,
                &station.label(),
                &station.township,
                c.case,
                &c.bytes,
                now,
            )?;
            Ok(())
        })?;
        if let Err((code, message)) = outcome {
            answer.refused.push(Refusal {
                doc: c.case,
                code: code.into(),
                message,
            });
        }
    }
    // The station's console actions after its tablets' work (accepting a visit needs the visit).
    for f in &req.forward {
        let outcome = match forward::taken(store, &f.id)? {
            Some(o) => o,
            None => {
                let o = take_forwarded(store, config, station, f, now)?;
                forward::record(store, &o, now)?;
                o
            }
        };
        answer.forwarded.push(outcome);
    }
    let have: HashMap<CaseId, Vec<ChangeHash>> =
        req.have.iter().map(|h| (h.case, heads_of(h))).collect();
    let cases: Vec<CaseId> = store
        .list_cases()?
        .into_iter()
        .filter(|v| v.township == station.township)
        .map(|v| v.case_id)
        .collect();
    for case in &cases {
        let mut doc = None;
        store.transact(&mut |txn| {
            doc = txn.load_doc(*case)?;
            Ok(())
        })?;
        let Some(bytes) = doc else { continue };
        let mut doc = CaseDocument::load(&bytes, server_actor)?;
        let heads = doc.heads();
        let theirs = have.get(case).cloned().unwrap_or_default();
        let (mut ours, mut sorted) = (heads.clone(), theirs.clone());
        ours.sort();
        sorted.sort();
        if ours != sorted {
            let known = !theirs.is_empty()
                && theirs
                    .iter()
                    .all(|h| doc.automerge().get_change_by_hash(h).is_some());
            let bytes = if known {
                doc.automerge().save_after(&theirs)
            } else {
                doc.save()
            };
            if !bytes.is_empty() {
                answer.down.push(Changes { case: *case, bytes });
            }
        }
        answer.heads.push(Heads {
            case: *case,
            heads: heads
                .iter()
                .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
                .collect(),
        });
    }
    answer.replica = replica(store, &station.township, &cases, req.items_since)?;
    Ok(answer)
}

/// Tablets the station enrolled itself (its own `enroll-code`s) become known here too, so they
/// sync with the banner when they reach it: only devices of investigators of the station's
/// township, and only ones new to the banner (a device the banner knows keeps its record here, a
/// revocation included).
fn adopt_devices(
    store: &dyn Store,
    station: &StationAuth,
    devices: &[ReplicaDevice],
    now: i64,
) -> StoreResult<()> {
    let known: Vec<String> = store
        .list_devices()?
        .iter()
        .map(|d| d.id.to_string())
        .collect();
    let users = store.list_users()?;
    let new: Vec<ReplicaDevice> = devices
        .iter()
        .filter(|d| !known.contains(&d.id))
        .filter(|d| {
            users.iter().any(|u| {
                u.id == d.user_id
                    && u.township == station.township
                    && u.role == jiuzhu_shared::workflow::Role::Investigator
            })
        })
        .cloned()
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    for d in store.adopt_devices(&new)? {
        store.audit(&AuditEvent::new(
            now,
            station.label(),
            "enroll",
            None,
            serde_json::json!({ "device": d.id, "at_station": station.id }),
        ))?;
    }
    Ok(())
}

/// Take one action forwarded by a station as the console user who took it there, through the
/// engine: refused with the engine's reason if the case moved on meanwhile.
fn take_forwarded(
    store: &dyn Store,
    config: &WorkflowConfig,
    station: &StationAuth,
    f: &Forward,
    now: i64,
) -> StoreResult<Outcome> {
    let refused = |code: &str, message: String| Outcome {
        id: f.id.clone(),
        ok: false,
        code: Some(code.into()),
        message: Some(message),
    };
    let user = match store.user_by_name(&f.user)? {
        Some(u) if u.township == station.township => u,
        _ => {
            return Ok(refused(
                "forbidden",
                format!("{} 不是{}的工作人员", f.user, station.township),
            ));
        }
    };
    if store
        .case_view(f.case)?
        .is_none_or(|v| v.township != station.township)
    {
        return Ok(refused("not_found", crate::review::text::NOT_FOUND.into()));
    }
    let Ok(input) = serde_json::from_str::<ActionInput>(&f.body) else {
        return Ok(refused("invalid", "转来的操作无法读取".into()));
    };
    let who = Who {
        name: user.name.clone(),
        role: user.role,
        actor: store.user_actor(user.id)?,
        audit: format!("console {} via {}", user.name, station.label()),
    };
    let team_ok = |team: &[crate::store::User]| crate::review::scope::assignable(&user, team);
    Ok(
        match service::act_assigning(store, config, f.case, &who, &input, now, &team_ok) {
            Ok(_) => Outcome {
                id: f.id.clone(),
                ok: true,
                code: None,
                message: None,
            },
            Err(WorkflowError::Refused(r)) => refused(r.code, r.zh),
            Err(WorkflowError::Store(e)) => return Err(e),
            Err(e) => refused("invalid", e.to_string()),
        },
    )
}

/// The records of `township` the station keeps a copy of.
fn replica(
    store: &dyn Store,
    township: &str,
    cases: &[CaseId],
    items_since: i64,
) -> StoreResult<Replica> {
    let (users, devices, teams) = store.township_records(township, cases)?;
    let device_ids: Vec<String> = devices.iter().map(|d| d.id.clone()).collect();
    let mut items: Vec<Item> = store
        .items_containing(crate::workflow::flow::FLOW, township)?
        .into_iter()
        // From the second of the last one sent on: a flow written later in that same second is
        // not missed (sending one again is harmless).
        .filter(|i| i.at >= items_since && i.body["township"] == township)
        .collect();
    for kind in ["lease_secret", "device_key"] {
        for id in &device_ids {
            if let Some(i) = store.item(kind, id)? {
                items.push(i);
            }
        }
    }
    Ok(Replica {
        users,
        devices,
        teams,
        items,
    })
}

/// Whether the station of `station` may fetch `hash`: a document of its township references it.
pub fn may_fetch_blob(
    store: &dyn Store,
    station: &StationAuth,
    case: CaseId,
    hash: &str,
) -> StoreResult<bool> {
    let server_actor = store.server_actor()?;
    let mut allowed = false;
    store.transact(&mut |txn| {
        allowed = false;
        let Some(bytes) = txn.load_doc(case)? else {
            return Ok(());
        };
        let doc = CaseDocument::load(&bytes, server_actor)?.read()?;
        allowed = doc.header.township == station.township
            && (doc.document_hashes().iter().any(|h| h == hash)
                || doc.photo_hashes().iter().any(|h| h == hash));
        Ok(())
    })?;
    Ok(allowed)
}
