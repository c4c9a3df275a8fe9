//! One round of the batched sync conversation (design §3), on the server side. No HTTP and no SQL:
//! it works on a [`DocTxn`], and the transaction is committed before answering (`serve_round`), so
//! a reply the device sees always describes merges that are durable.

use crate::audit::AuditEvent;
use crate::projection::project;
use crate::store::{Device, DocTxn, Result, Store};
use automerge::sync::{self, SyncDoc};
use jiuzhu_shared::protocol::{DocMessage, PROTOCOL_VERSION, Refusal, SyncRequest, SyncResponse};
use jiuzhu_shared::sync::{check_new_changes, decode_state};
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};
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
        match receive(txn, device, server_actor, m, now)? {
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
    })
}

type Refused = (&'static str, String);

/// Apply one incoming message; on success return the reply for that document.
fn receive(
    txn: &mut dyn DocTxn,
    device: &Device,
    server_actor: ActorKey,
    m: &DocMessage,
    now: i64,
) -> Result<std::result::Result<Option<DocMessage>, Refused>> {
    if !txn.may_deliver(device.user_id, m.doc)? {
        return Ok(Err((
            "not_assigned",
            format!("case {} is not assigned to {}", m.doc, device.user_name),
        )));
    }
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
    let new = match check_new_changes(doc.automerge(), &old_heads, device.actor, now) {
        Ok(n) => n,
        // Nothing is stored: the document and the sync state stay as they were.
        Err(e) => return Ok(Err((e.code(), e.to_string()))),
    };
    if new > 0 {
        let view = match project(m.doc, &mut doc, now) {
            Ok(v) => v,
            Err(e) => {
                return Ok(Err((
                    "invalid_document",
                    format!("the merged case no longer matches the schema: {e}"),
                )));
            }
        };
        let chunk = doc.automerge().save_after(&old_heads);
        let snapshot = (txn.chunk_count(m.doc)? >= COMPACT_AFTER_CHUNKS).then(|| doc.save());
        txn.append_doc(m.doc, &chunk, snapshot.as_deref(), &view)?;
        txn.audit(&AuditEvent::new(
            now,
            format!("device {} ({})", device.name, device.user_name),
            "merge",
            Some(m.doc.to_string()),
            serde_json::json!({ "changes": new }),
        ))?;
    }
    let reply = doc
        .automerge()
        .sync()
        .generate_sync_message(&mut state)
        .map(|msg| DocMessage {
            doc: m.doc,
            msg: msg.encode(),
        });
    txn.put_sync_state(device.id, m.doc, &state.encode())?;
    Ok(Ok(reply))
}

/// A first message for a document the device did not mention but that changed for it.
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
    let mut state = decode_state(txn.sync_state(device.id, id)?.as_deref());
    let msg = doc
        .automerge()
        .sync()
        .generate_sync_message(&mut state)
        .map(|m| m.encode());
    txn.put_sync_state(device.id, id, &state.encode())?;
    Ok(msg)
}

/// Write a server-side change to a case document (header, declared section, assignments) and
/// store it with its projection.
pub fn write_server_change(
    txn: &mut dyn DocTxn,
    id: CaseId,
    server_actor: ActorKey,
    now: i64,
    change: &mut dyn FnMut(&mut CaseDocument) -> std::result::Result<(), jiuzhu_shared::DocError>,
) -> Result<()> {
    let (mut doc, old_heads) = match txn.load_doc(id)? {
        Some(bytes) => {
            let mut d = CaseDocument::load(&bytes, server_actor)?;
            let h = d.heads();
            (d, h)
        }
        None => (CaseDocument::empty(server_actor), Vec::new()),
    };
    change(&mut doc)?;
    let view = project(id, &mut doc, now)?;
    let chunk = doc.automerge().save_after(&old_heads);
    txn.append_doc(id, &chunk, None, &view)?;
    Ok(())
}
