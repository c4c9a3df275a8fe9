//! One round of the batched sync conversation (design §3), on the server side. No HTTP and no SQL:
//! it works on a [`DocTxn`], and the transaction is committed before answering (`serve_round`), so
//! a reply the device sees always describes merges that are durable.

use crate::audit::AuditEvent;
use crate::projection::view_of;
use crate::store::{Device, DocTxn, Item, Result, Store, StoreError};
use automerge::sync::{self, SyncDoc};
use jiuzhu_shared::peer::Attestation;
use jiuzhu_shared::policy::{self, CheckError, Grant, Violation};
use jiuzhu_shared::protocol::{DocMessage, PROTOCOL_VERSION, Refusal, SyncRequest, SyncResponse};
use jiuzhu_shared::sync::{
    ChangeRefusal, check_new_changes_time, decode_state, opening_message, snapshot_message,
};
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId, DeviceId, DocError};
use std::collections::BTreeSet;

/// Compact a document into one snapshot once it is stored as more chunks than this.
pub const COMPACT_AFTER_CHUNKS: usize = 32;

/// Offline lease granted when none is configured: three days of field work between syncs.
pub const DEFAULT_LEASE_SECS: i64 = 72 * 3600;

/// Serve a device's round: run it in one transaction, commit, then note the device's contact.
/// The answer is returned only after the merges are durable.
pub fn serve_round(
    store: &dyn Store,
    device: &Device,
    req: &SyncRequest,
    now: i64,
    lease_secs: i64,
) -> Result<SyncResponse> {
    let server_actor = store.server_actor()?;
    let mut out = None;
    store.transact(&mut |txn| {
        out = Some(round(txn, device, server_actor, req, now, lease_secs)?);
        Ok(())
    })?;
    store.record_sync(device.id, now, &req.app_version)?;
    Ok(out.expect("round ran"))
}

/// One round. Every answered round renews the device's offline lease to `now + lease_secs`: a
/// device that reaches the server (and is not revoked — the caller refused those already) may
/// keep working offline that long.
pub fn round(
    txn: &mut dyn DocTxn,
    device: &Device,
    server_actor: ActorKey,
    req: &SyncRequest,
    now: i64,
    lease_secs: i64,
) -> Result<SyncResponse> {
    let mut out = Vec::new();
    let mut refused = Vec::new();
    let mut touched = BTreeSet::new();

    for m in &req.docs {
        touched.insert(m.doc);
        match receive(txn, device, server_actor, m, &req.relayed, now)? {
            Ok(Some(reply)) => out.push(reply),
            Ok(None) => {}
            Err((code, message)) => refused.push(Refusal {
                doc: m.doc,
                code: code.into(),
                message,
            }),
        }
    }

    let ann = txn.announcements(device.user_id, req.cursor)?;
    for id in ann.changed.iter().filter(|id| !touched.contains(*id)) {
        if let Some(msg) = generate(txn, device, server_actor, *id)? {
            out.push(DocMessage { doc: *id, msg });
        }
    }

    Ok(SyncResponse {
        v: PROTOCOL_VERSION,
        docs: out,
        assigned: ann.assigned,
        withdrawn: ann.withdrawn,
        refused,
        cursor: txn.current_seq()?,
        server_time: now,
        lease_until: Some(now + lease_secs),
        lease_secret: Some(lease_secret(txn, device.id, now)?),
    })
}

/// The device's lease secret (issue 13 point 5), made at its first grant and kept as an item. The
/// tablet wraps its data keys under its PIN and this secret and forgets the secret when its lease
/// lapses: only an answer from the server — which a revoked device never gets — opens the data
/// again.
pub fn lease_secret(txn: &mut dyn DocTxn, device: DeviceId, now: i64) -> Result<String> {
    const KIND: &str = "lease_secret";
    let id = device.to_string();
    if let Some(secret) = txn
        .item(KIND, &id)?
        .and_then(|i| i.body["secret"].as_str().map(str::to_string))
    {
        return Ok(secret);
    }
    let secret = crate::auth::new_token();
    txn.put_item(&Item {
        kind: KIND.into(),
        id,
        case_id: None,
        body: serde_json::json!({ "secret": secret }),
        at: now,
    })?;
    Ok(secret)
}

type Refused = (&'static str, String);

/// Whether `device` may fetch blob `hash` of `case`: the case is assigned to its user now, and
/// its document references the blob (a document of the application, or a visit's photo or
/// signature). Anything else is answered as absent.
pub fn may_fetch_blob(
    store: &dyn Store,
    device: &Device,
    case: CaseId,
    hash: &str,
) -> Result<bool> {
    let mut allowed = false;
    store.transact(&mut |txn| {
        allowed = false;
        if !txn
            .assignment(device.user_id, case)?
            .is_some_and(|a| a.active)
        {
            return Ok(());
        }
        let Some(bytes) = txn.load_doc(case)? else {
            return Ok(());
        };
        let doc = CaseDocument::load(&bytes, device.actor)?.read()?;
        allowed = doc.document_hashes().iter().any(|h| h == hash)
            || doc.photo_hashes().iter().any(|h| h == hash);
        Ok(())
    })?;
    Ok(allowed)
}

/// What a device may write in a case, from the server's assignment record: a team member's
/// work, or — for an investigator since removed — only work dated before the removal. `None`:
/// the case was never assigned to the device's user.
fn grant(
    txn: &mut dyn DocTxn,
    device: &Device,
    case: CaseId,
) -> Result<Option<(Grant, Option<i64>)>> {
    let Some(a) = txn.assignment(device.user_id, case)? else {
        return Ok(None);
    };
    let mut team = txn.team(case)?;
    let removed_at = if a.active {
        None
    } else {
        // Work done before the removal still counts, signatures included.
        team.push(device.user_name.clone());
        Some(a.changed_at.unwrap_or(i64::MAX))
    };
    Ok(Some((Grant::team(&device.user_name, &team), removed_at)))
}

/// Apply one incoming message; on success return the reply for that document. A message with
/// any change the write policy refuses is refused whole: nothing of it is stored, the device is
/// marked and the audit chain records the refusal.
fn receive(
    txn: &mut dyn DocTxn,
    device: &Device,
    server_actor: ActorKey,
    m: &DocMessage,
    relayed: &[Attestation],
    now: i64,
) -> Result<std::result::Result<Option<DocMessage>, Refused>> {
    let Some((grant, removed_at)) = grant(txn, device, m.doc)? else {
        return Ok(Err((
            "not_assigned",
            format!("case {} is not assigned to {}", m.doc, device.user_name),
        )));
    };
    let Ok(msg) = sync::Message::decode(&m.msg) else {
        return Ok(Err((
            "bad_message",
            "the sync message could not be decoded".into(),
        )));
    };
    let Some(bytes) = txn.load_doc(m.doc)? else {
        return Ok(Err((
            "not_assigned",
            format!("case {} does not exist on the server", m.doc),
        )));
    };
    let mut doc = CaseDocument::load(&bytes, server_actor)?;
    let mut state = decode_state(txn.sync_state(device.id, m.doc)?.as_deref());
    let old_heads = doc.heads();
    if doc
        .automerge()
        .sync()
        .receive_sync_message(&mut state, msg)
        .is_err()
    {
        return Ok(Err((
            "bad_message",
            "the sync message could not be applied".into(),
        )));
    }
    // Nothing is stored on a refusal: the document and the sync state stay as they were.
    let sender = Sender::Device(device, (grant, removed_at));
    let writers = match writers(txn, sender, m.doc, relayed, &mut doc, &old_heads, now)? {
        Ok(w) => w,
        Err(refused) => return Ok(Err(refused)),
    };
    match store_merge(
        txn,
        m.doc,
        &mut doc,
        &old_heads,
        &writers,
        (&device_label(device), Some(device.actor)),
        now,
    )? {
        Stored::Merged(_) => {}
        Stored::Refused(v) => {
            txn.mark_refused(device.id, now, &format!("{}：{}", v.path, v.zh))?;
            return Ok(Err((v.code, v.zh)));
        }
        Stored::Invalid(message) => return Ok(Err(("invalid_document", message))),
    }
    // A device no longer on the team learns nothing new: its answer is made from the document
    // as the device itself has it — its own heads once the server holds all of them (which
    // acknowledges its work), else the heads both last had in common (which asks for the rest).
    let reply = if removed_at.is_some() {
        let their_heads = state.their_heads.clone().unwrap_or_default();
        let known = their_heads
            .iter()
            .all(|h| doc.automerge().get_change_by_hash(h).is_some());
        let heads = if known {
            their_heads
        } else {
            state.shared_heads.clone()
        };
        match doc.automerge().fork_at(&heads) {
            Ok(fork) => CaseDocument::from_automerge(fork)
                .automerge()
                .sync()
                .generate_sync_message(&mut state),
            Err(_) => None,
        }
    } else {
        doc.automerge().sync().generate_sync_message(&mut state)
    };
    let reply = reply.map(|msg| DocMessage {
        doc: m.doc,
        msg: msg.encode(),
    });
    txn.put_sync_state(device.id, m.doc, &state.encode())?;
    Ok(Ok(reply))
}

/// Whose work the changes of one message are: the sending device's own, and — relayed from a
/// face-to-face sync — a colleague's, each under the grant its writer has in the case.
struct Writer {
    actor: ActorKey,
    grant: Grant,
    device: DeviceId,
    changes: usize,
}

/// Who sent the changes: a device (its own work under its grant, a colleague's only with the
/// colleague's signature), or a township station of the banner, which checked each device's
/// actor when the device synced with it and relays every tablet's work of its township.
enum Sender<'a> {
    Device(&'a Device, (Grant, Option<i64>)),
    Station,
}

/// What the checks read of one new change.
struct NewChange {
    actor: automerge::ActorId,
    seq: u64,
    timestamp: i64,
    hash: automerge::ChangeHash,
}

/// The writers of every change that arrived since `old_heads` (none: nothing new). A change must
/// not be dated more than a day ahead, and its actor must be the device's or — relayed — that of
/// a device whose investigator is or was on the case's team and which signed its newest change
/// of this chain (`relayed`); a removed investigator's work counts only if written before the
/// removal. The server's and console users' changes are never relayed: the server already holds
/// every one of them, so one it lacks is forged.
#[allow(clippy::too_many_arguments)]
fn writers(
    txn: &mut dyn DocTxn,
    sender: Sender<'_>,
    case: CaseId,
    relayed: &[Attestation],
    doc: &mut CaseDocument,
    old_heads: &[automerge::ChangeHash],
    now: i64,
) -> Result<std::result::Result<Vec<Writer>, Refused>> {
    let metas: Vec<NewChange> = {
        let metas = doc.automerge().get_changes_meta(old_heads);
        if let Err(e) = check_new_changes_time(&metas, now) {
            return Ok(Err((e.code(), e.to_string())));
        }
        metas
            .iter()
            .map(|m| NewChange {
                actor: m.actor.as_ref().clone(),
                seq: m.seq,
                timestamp: m.timestamp,
                hash: m.hash,
            })
            .collect()
    };
    // Each writer with its removal time, name, and the last of its changes vouched for.
    let mut out: Vec<(Writer, Option<i64>, String, u64)> = Vec::new();
    let unsigned = |meta: &NewChange, name: &str| -> Refused {
        (
            "foreign_actor",
            format!(
                "change {} of {name}'s tablet arrived without that tablet's signature: it must sync itself",
                meta.hash
            ),
        )
    };
    for meta in &metas {
        if let Some((w, removed_at, name, vouched)) =
            out.iter_mut().find(|(w, ..)| w.actor.matches(&meta.actor))
        {
            if removed_at.is_some_and(|r| meta.timestamp > r) {
                return Ok(Err((
                    "not_assigned",
                    format!(
                        "case {case} was withdrawn from {name}: only work done before that is taken"
                    ),
                )));
            }
            if meta.seq > *vouched {
                return Ok(Err(unsigned(meta, name)));
            }
            w.changes += 1;
            continue;
        }
        let own = match &sender {
            Sender::Device(d, own) if d.actor.matches(&meta.actor) => Some((*d, own.clone())),
            _ => None,
        };
        let (writer, name) = if let Some((d, _)) = &own {
            ((*d).clone(), d.user_name.clone())
        } else {
            let foreign = || ChangeRefusal::ForeignActor {
                hash: meta.hash.to_string(),
                actor: meta.actor.to_hex_string(),
            };
            let Ok(key) = <[u8; 16]>::try_from(meta.actor.to_bytes()) else {
                let e = foreign();
                return Ok(Err((e.code(), e.to_string())));
            };
            match txn.device_by_actor(ActorKey(key))? {
                Some(d) => {
                    let name = d.user_name.clone();
                    (d, name)
                }
                None => {
                    let e = foreign();
                    return Ok(Err((e.code(), e.to_string())));
                }
            }
        };
        let (grant, removed_at) = if let Some((_, own)) = own {
            own
        } else {
            match grant(txn, &writer, case)? {
                Some(g) => g,
                None => {
                    return Ok(Err((
                        "foreign_actor",
                        format!(
                            "change {} was written by {} of device {}, who was never on the team of case {case}",
                            meta.hash, writer.user_name, writer.name
                        ),
                    )));
                }
            }
        };
        if removed_at.is_some_and(|r| meta.timestamp > r) {
            return Ok(Err((
                "not_assigned",
                format!(
                    "case {case} was withdrawn from {name}: only work done before that is taken"
                ),
            )));
        }
        let vouched = if matches!(&sender, Sender::Device(d, _) if d.id == writer.id)
            || matches!(sender, Sender::Station)
        {
            u64::MAX
        } else {
            let key = crate::credentials::device_key(txn, writer.id)?;
            key.and_then(|key| {
                relayed
                    .iter()
                    .filter(|a| a.doc == case && a.verify(&key))
                    .filter_map(|a| a.vouches_up_to(doc.automerge(), &meta.actor))
                    .max()
            })
            .unwrap_or(0)
        };
        if meta.seq > vouched {
            return Ok(Err(unsigned(meta, &name)));
        }
        out.push((
            Writer {
                actor: writer.actor,
                grant,
                device: writer.id,
                changes: 1,
            },
            removed_at,
            name,
            vouched,
        ));
    }
    Ok(Ok(out.into_iter().map(|(w, ..)| w).collect()))
}

/// The write policy over every writer's changes: one check when the device sent only its own
/// work, else the changes applied a run of one writer at a time, each run checked as its writer.
fn check_policy(
    doc: &mut CaseDocument,
    old_heads: &[automerge::ChangeHash],
    writers: &[Writer],
) -> std::result::Result<jiuzhu_shared::CaseDoc, CheckError> {
    if let [only] = writers {
        return policy::check_change(doc, old_heads, only.actor, &only.grant);
    }
    let changes: Vec<automerge::Change> = doc.automerge().get_changes(old_heads);
    let mut work = CaseDocument::from_automerge(doc.automerge().fork_at(old_heads)?);
    for run in changes.chunk_by(|a, b| a.actor_id() == b.actor_id()) {
        let w = writers
            .iter()
            .find(|w| w.actor.matches(run[0].actor_id()))
            .expect("every new change has its writer");
        let before = work.heads();
        work.automerge().apply_changes(run.iter().cloned())?;
        policy::check_change(&mut work, &before, w.actor, &w.grant)?;
    }
    Ok(doc.read()?)
}

/// Merge the changes a township station relays (`levels::banner`) into a case of its township,
/// under the same checks as a device's own: every change's writer is a device of an investigator
/// on the case's team, and its work passes the write policy as theirs. A refusal stores nothing
/// and is audited. Answers how many changes were new.
pub fn merge_relayed(
    txn: &mut dyn DocTxn,
    server_actor: ActorKey,
    station: &str,
    township: &str,
    case: CaseId,
    changes: &[u8],
    now: i64,
) -> Result<std::result::Result<usize, (&'static str, String)>> {
    let Some(bytes) = txn.load_doc(case)? else {
        return Ok(Err((
            "not_assigned",
            format!("case {case} does not exist on the banner"),
        )));
    };
    let mut doc = CaseDocument::load(&bytes, server_actor)?;
    if doc.read()?.header.township != township {
        return Ok(Err((
            "not_assigned",
            format!("case {case} is not a case of {township}"),
        )));
    }
    let old_heads = doc.heads();
    if doc.automerge().load_incremental(changes).is_err() {
        return Ok(Err(("bad_message", "the changes could not be read".into())));
    }
    let writers = match writers(txn, Sender::Station, case, &[], &mut doc, &old_heads, now)? {
        Ok(w) => w,
        Err(refused) => return Ok(Err(refused)),
    };
    Ok(
        match store_merge(
            txn,
            case,
            &mut doc,
            &old_heads,
            &writers,
            (station, None),
            now,
        )? {
            Stored::Merged(n) => Ok(n),
            Stored::Refused(v) => Err((v.code, v.zh)),
            Stored::Invalid(message) => Err(("invalid_document", message)),
        },
    )
}

/// What became of the new changes of one document.
enum Stored {
    /// Stored with the projection, and audited; how many changes.
    Merged(usize),
    /// The write policy refused them: nothing stored, the refusal audited.
    Refused(Violation),
    /// The merged document no longer fits the schema: nothing stored.
    Invalid(String),
}

/// Check `writers`' changes (those since `old_heads`) against the write policy and store them
/// with the projection, audited as `by`'s merge — naming the changes `by` carried for others
/// than `own` (all, for a station). No writers: nothing new, nothing stored.
fn store_merge(
    txn: &mut dyn DocTxn,
    case: CaseId,
    doc: &mut CaseDocument,
    old_heads: &[automerge::ChangeHash],
    writers: &[Writer],
    (by, own): (&str, Option<ActorKey>),
    now: i64,
) -> Result<Stored> {
    if writers.is_empty() {
        return Ok(Stored::Merged(0));
    }
    let after = match check_policy(doc, old_heads, writers) {
        Ok(after) => after,
        Err(CheckError::Refused(v)) => {
            txn.audit(&AuditEvent::new(
                now,
                by.to_string(),
                "refused_change",
                Some(case.to_string()),
                serde_json::json!({ "code": v.code, "part": v.part, "path": v.path }),
            ))?;
            return Ok(Stored::Refused(v));
        }
        Err(CheckError::Doc(e)) => {
            return Ok(Stored::Invalid(format!(
                "the merged case no longer matches the schema: {e}"
            )));
        }
    };
    let view = view_of(case, &after, doc, now);
    let chunk = doc.automerge().save_after(old_heads);
    let snapshot = (txn.chunk_count(case)? >= COMPACT_AFTER_CHUNKS).then(|| doc.save());
    txn.append_doc(case, &chunk, snapshot.as_deref(), &view)?;
    let new: usize = writers.iter().map(|w| w.changes).sum();
    txn.audit(&AuditEvent::new(
        now,
        by.to_string(),
        "merge",
        Some(case.to_string()),
        serde_json::json!({
            "changes": new,
            // Changes another tablet wrote and this sender carried (face to face, a station).
            "relayed": writers.iter().filter(|w| Some(w.actor) != own)
                .map(|w| serde_json::json!({ "device": w.device, "changes": w.changes }))
                .collect::<Vec<_>>(),
        }),
    ))?;
    Ok(Stored::Merged(new))
}

fn device_label(device: &Device) -> String {
    format!("device {} ({})", device.name, device.user_name)
}

/// A first message for a document the device did not mention but that changed for it: the whole
/// document as one snapshot when the device never had it (no sync state with it yet), else the
/// changes after the heads it last confirmed.
fn generate(
    txn: &mut dyn DocTxn,
    device: &Device,
    server_actor: ActorKey,
    id: CaseId,
) -> Result<Option<Vec<u8>>> {
    let Some(bytes) = txn.load_doc(id)? else {
        return Ok(None);
    };
    let mut doc = CaseDocument::load(&bytes, server_actor)?;
    let (msg, state) = match txn.sync_state(device.id, id)? {
        None => {
            let mut state = automerge::sync::State::new();
            let msg = snapshot_message(doc.automerge(), &mut state);
            (Some(msg), state)
        }
        Some(stored) => {
            let mut state = decode_state(Some(&stored));
            (opening_message(doc.automerge(), &mut state), state)
        }
    };
    txn.put_sync_state(device.id, id, &state.encode())?;
    Ok(msg.map(|m| m.encode()))
}

/// A write the server makes to a case document (the header and declared section from the
/// workflow, the visit laid out at assignment, a console user's notes and resolutions), checked
/// against the same write policy as a device's and stored with the projection. `grant` says in
/// whose name: the server itself, or a console user writing with `actor`.
pub fn write_server_change(
    txn: &mut dyn DocTxn,
    id: CaseId,
    (actor, grant): (ActorKey, &Grant),
    now: i64,
    change: &mut dyn FnMut(&mut CaseDocument) -> std::result::Result<(), DocError>,
) -> std::result::Result<(), WriteError> {
    let (mut doc, old_heads) = match txn.load_doc(id)? {
        Some(bytes) => {
            let mut d = CaseDocument::load(&bytes, actor)?;
            let h = d.heads();
            (d, h)
        }
        None => (CaseDocument::empty(actor), Vec::new()),
    };
    change(&mut doc)?;
    let after = policy::check_change(&mut doc, &old_heads, actor, grant)?;
    let view = view_of(id, &after, &mut doc, now);
    let chunk = doc.automerge().save_after(&old_heads);
    txn.append_doc(id, &chunk, None, &view)?;
    Ok(())
}

/// Why a server-side write was not made.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The write policy refuses it (a resolution in a sealed visit, say): the reason in Chinese.
    #[error(transparent)]
    Refused(#[from] Violation),
    /// What was to be written does not fit the document (a value of the wrong type, a field
    /// that is not there): the reason for the person who typed it.
    #[error("{0}")]
    Invalid(String),
}

impl From<DocError> for WriteError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::Invalid { message, .. } => WriteError::Invalid(message),
            DocError::Path(p) => WriteError::Invalid(p.to_string()),
            e => WriteError::Store(e.into()),
        }
    }
}

impl From<CheckError> for WriteError {
    fn from(e: CheckError) -> Self {
        match e {
            CheckError::Refused(v) => v.into(),
            CheckError::Doc(d) => d.into(),
        }
    }
}
