//! The station's side: enrolled once with the banner's one-time code (the banner's certificate
//! pinned), then a round every few seconds while the banner answers — the changes of its cases
//! the banner has not confirmed go up, what it lacks comes down, with the copy of the banner's
//! records; then the blobs each side lacks. While the banner is out of reach the station keeps
//! serving its tablets and counts what waits.

use super::Level;
use super::wire::{self, Answer, Changes, Enroll, Enrolled, Heads, Round, STATION_VERSION};
use crate::blobs::{Appended, BlobDir};
use crate::projection::view_of;
use crate::store::{Item, Store};
use automerge::ChangeHash;
use jiuzhu_shared::{BlobHash, CaseDocument, CaseId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The station's credential with the banner, in the data directory (mode 0600).
pub const FILE: &str = "upstream.json";

/// Items kept at the station: the banner's heads of each case at the last round, the latest
/// workflow item time received, and the blobs the banner confirmed.
const BANNER_HEADS: &str = "upstream_heads";
const CURSOR: &str = "upstream_cursor";
const SENT_BLOB: &str = "upstream_blob";

/// A request to the banner gives up after this long (the link may be slow, not dead).
const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upstream {
    pub url: String,
    pub fingerprint: String,
    pub station_id: String,
    pub token: String,
    pub township: String,
}

pub fn load(data_root: &Path) -> anyhow::Result<Option<Upstream>> {
    match std::fs::read(data_root.join(FILE)) {
        Ok(b) => Ok(Some(serde_json::from_slice(&b)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn client(fingerprint: Option<&str>) -> anyhow::Result<(reqwest::Client, SeenCertificate)> {
    let (tls, seen) = jiuzhu_shared::pinning::client_config(fingerprint.map(str::to_string))?;
    let client = reqwest::Client::builder()
        .use_preconfigured_tls((*tls).clone())
        .timeout(TIMEOUT)
        .build()?;
    Ok((client, seen))
}

type SeenCertificate = Arc<std::sync::Mutex<Option<String>>>;

/// Enroll with the banner at `url` with `code` (once; the credential is kept in `DATA/upstream.json`).
/// Without `fingerprint` the certificate seen now is pinned, and printed by `serve`.
pub async fn enroll(
    data_root: &Path,
    url: &str,
    code: &str,
    fingerprint: Option<&str>,
    name: &str,
) -> anyhow::Result<Upstream> {
    let url = url.trim_end_matches('/').to_string();
    let (client, seen) = client(fingerprint)?;
    let body = wire::encode(&Enroll {
        v: STATION_VERSION,
        code: code.into(),
        name: name.into(),
    });
    let resp = client
        .post(format!("{url}/api/v1/station/enroll"))
        .header("content-type", jiuzhu_shared::protocol::CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach the banner at {url}: {e}"))?;
    let status = resp.status();
    let bytes = resp.bytes().await?;
    if !status.is_success() {
        anyhow::bail!(
            "the banner refused the station code ({status}): {}",
            error_text(&bytes)
        );
    }
    let enrolled: Enrolled =
        wire::decode(&bytes).map_err(|e| anyhow::anyhow!("the banner's answer: {e}"))?;
    let fingerprint = seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no certificate seen"))?;
    let up = Upstream {
        url,
        fingerprint,
        station_id: enrolled.station_id,
        token: enrolled.token,
        township: enrolled.township,
    };
    crate::tls::write_private(&data_root.join(FILE), &serde_json::to_vec_pretty(&up)?)?;
    Ok(up)
}

fn error_text(bytes: &[u8]) -> String {
    jiuzhu_shared::protocol::decode::<jiuzhu_shared::protocol::ErrorBody>(bytes)
        .map(|e| format!("{}: {}", e.code, e.message))
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).chars().take(200).collect())
}

/// What one round moved.
#[derive(Debug, Default, Serialize)]
pub struct RoundReport {
    pub up: usize,
    pub down: usize,
    pub refused: usize,
    pub blobs_up: usize,
    pub blobs_down: usize,
}

/// The uplink: a round every `every` while the server runs; each outcome goes to `level`.
pub fn spawn(
    store: Arc<dyn Store>,
    blobs: Arc<BlobDir>,
    up: Upstream,
    level: Arc<Level>,
    every: Duration,
) {
    tokio::spawn(async move {
        let client = match client(Some(&up.fingerprint)) {
            Ok((c, _)) => c,
            Err(e) => {
                tracing::error!("the uplink cannot start: {e}");
                return;
            }
        };
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let out = {
                let (store, blobs, township) = (store.clone(), blobs.clone(), up.township.clone());
                tokio::task::spawn_blocking(move || outgoing(store.as_ref(), &blobs, &township))
                    .await
            };
            let out = match out {
                Ok(Ok(out)) => out,
                Ok(Err(e)) => {
                    tracing::error!("the uplink cannot read the station's cases: {e:#}");
                    continue;
                }
                Err(e) => {
                    tracing::error!("the uplink panicked: {e}");
                    continue;
                }
            };
            // What waits for the banner if this round does not get through.
            let waiting = (out.round.up.len(), out.send.len(), out.round.forward.len());
            let r = round(&store, &blobs, &client, &up, out).await;
            level.report(|s| match &r {
                Ok(rep) => {
                    s.last_contact = Some(crate::clock::now());
                    s.last_error = None;
                    (s.pending_docs, s.pending_blobs, s.pending_actions) = (rep.refused, 0, 0);
                }
                Err(e) => {
                    s.last_error = Some(e.to_string());
                    (s.pending_docs, s.pending_blobs, s.pending_actions) = waiting;
                }
            });
            match r {
                Ok(rep) if rep.up + rep.down + rep.blobs_up + rep.blobs_down > 0 => {
                    tracing::info!(?rep, "uplink round")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("uplink round failed: {e:#}"),
            }
        }
    });
}

/// One round with the banner: documents both ways, then the blobs.
async fn round(
    store: &Arc<dyn Store>,
    blobs: &Arc<BlobDir>,
    client: &reqwest::Client,
    up: &Upstream,
    out: Outgoing,
) -> anyhow::Result<RoundReport> {
    let Outgoing {
        round: req,
        send,
        fetch,
    } = out;
    let mut report = RoundReport {
        up: req.up.len(),
        ..Default::default()
    };
    let bytes = post(client, up, "/api/v1/station/round", wire::encode(&req)).await?;
    let answer: Answer =
        wire::decode(&bytes).map_err(|e| anyhow::anyhow!("the banner's answer: {e}"))?;
    report.down = answer.down.len();
    report.refused = answer.refused.len();
    for r in &answer.refused {
        tracing::warn!(case = %r.doc, code = %r.code, "the banner refused: {}", r.message);
    }
    {
        let store = store.clone();
        tokio::task::spawn_blocking(move || apply(store.as_ref(), &answer)).await??;
    }
    for (case, hash) in send {
        let Some(bytes) = blobs.read(&hash.parse()?)? else {
            continue;
        };
        let path = format!("/api/v1/station/cases/{case}/blobs/{hash}");
        let r = client
            .put(format!("{}{path}", up.url))
            .bearer_auth(&up.token)
            .body(bytes)
            .send()
            .await?;
        if !r.status().is_success() {
            let status = r.status();
            anyhow::bail!(
                "the banner refused blob {hash}: {status} {}",
                error_text(&r.bytes().await?)
            );
        }
        let store = store.clone();
        tokio::task::spawn_blocking(move || mark_sent(store.as_ref(), &hash)).await??;
        report.blobs_up += 1;
    }
    for (case, hash) in fetch {
        let r = client
            .get(format!(
                "{}/api/v1/station/cases/{case}/blobs/{hash}",
                up.url
            ))
            .bearer_auth(&up.token)
            .send()
            .await?;
        if r.status() == reqwest::StatusCode::NOT_FOUND {
            continue; // not at the banner yet either (a tablet there has still to upload it)
        }
        if !r.status().is_success() {
            anyhow::bail!("fetching blob {hash}: {}", r.status());
        }
        let bytes = r.bytes().await?;
        let blob: BlobHash = hash.parse()?;
        if BlobHash::of(&bytes) != blob {
            anyhow::bail!("blob {hash} arrived damaged");
        }
        let (store, blobs) = (store.clone(), blobs.clone());
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            if let Appended::Complete(size) = blobs.append(&blob, 0, bytes.len() as u64, &bytes)? {
                store.add_blob(&hash, size, crate::clock::now())?;
                mark_sent(store.as_ref(), &hash)?;
            }
            Ok(())
        })
        .await??;
        report.blobs_down += 1;
    }
    Ok(report)
}

async fn post(
    client: &reqwest::Client,
    up: &Upstream,
    path: &str,
    body: Vec<u8>,
) -> anyhow::Result<bytes::Bytes> {
    let resp = client
        .post(format!("{}{path}", up.url))
        .bearer_auth(&up.token)
        .header("content-type", jiuzhu_shared::protocol::CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach the banner at {}: {e}", up.url))?;
    let status = resp.status();
    let bytes = resp.bytes().await?;
    if !status.is_success() {
        anyhow::bail!("the banner answered {status}: {}", error_text(&bytes));
    }
    Ok(bytes)
}

fn hex_heads(heads: &[ChangeHash]) -> serde_json::Value {
    serde_json::json!(heads.iter().map(|h| h.to_string()).collect::<Vec<_>>())
}

fn stored_heads(item: Option<Item>) -> Vec<ChangeHash> {
    item.and_then(|i| {
        i.body
            .as_array()
            .map(|a| a.iter().filter_map(|h| h.as_str()?.parse().ok()).collect())
    })
    .unwrap_or_default()
}

/// What a round sends, read in one pass over the station's cases: each document's heads, the
/// changes the banner's last known heads do not cover, the queued actions and the station's
/// devices; and the blobs the cases reference that the banner lacks (to send) or this station
/// lacks (to fetch).
struct Outgoing {
    round: Round,
    send: Vec<(CaseId, String)>,
    fetch: Vec<(CaseId, String)>,
}

fn outgoing(store: &dyn Store, blobs: &BlobDir, township: &str) -> anyhow::Result<Outgoing> {
    let server_actor = store.server_actor()?;
    let mut req = Round {
        v: STATION_VERSION,
        items_since: store.item(CURSOR, "items")?.map_or(0, |i| i.at),
        forward: super::forward::queued(store)?,
        devices: store.township_records(township, &[])?.1,
        ..Default::default()
    };
    let mut referenced = Vec::new();
    for view in store.list_cases()? {
        let case = view.case_id;
        let mut out = None;
        store.transact(&mut |txn| {
            out = txn.load_doc(case)?.map(|b| {
                (
                    b,
                    stored_heads(txn.item(BANNER_HEADS, &case.to_string()).ok().flatten()),
                )
            });
            Ok(())
        })?;
        let Some((bytes, banner)) = out else { continue };
        let mut doc = CaseDocument::load(&bytes, server_actor)?;
        let read = doc.read()?;
        for h in read
            .document_hashes()
            .into_iter()
            .chain(read.photo_hashes())
        {
            referenced.push((case, h));
        }
        let heads = doc.heads();
        req.have.push(Heads {
            case,
            heads: heads
                .iter()
                .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
                .collect(),
        });
        let mut sorted = heads.clone();
        sorted.sort();
        let mut theirs = banner.clone();
        theirs.sort();
        if sorted != theirs {
            let changes = doc.automerge().save_after(&banner);
            if !changes.is_empty() {
                req.up.push(Changes {
                    case,
                    bytes: changes,
                });
            }
        }
    }
    referenced.sort();
    referenced.dedup();
    let (mut send, mut fetch) = (Vec::new(), Vec::new());
    for (case, hash) in referenced {
        if blobs.exists(&hash.parse()?) {
            if store.item(SENT_BLOB, &hash)?.is_none() {
                send.push((case, hash));
            }
        } else {
            fetch.push((case, hash));
        }
    }
    Ok(Outgoing {
        round: req,
        send,
        fetch,
    })
}

/// Keep what the banner sent: its records, the changes of each case (the banner is the
/// authority: no write policy applies to them here), its heads, and the workflow items.
fn apply(store: &dyn Store, answer: &Answer) -> anyhow::Result<()> {
    let server_actor = store.server_actor()?;
    let now = crate::clock::now();
    let r = &answer.replica;
    store.apply_replica(&r.users, &r.devices)?;
    let names: BTreeMap<i64, String> = r.users.iter().map(|u| (u.id, u.name.clone())).collect();
    let down: BTreeMap<CaseId, &Changes> = answer.down.iter().map(|c| (c.case, c)).collect();
    let mut failure = None;
    store.transact(&mut |txn| {
        for (case, c) in &down {
            let (mut doc, old) = match txn.load_doc(*case)? {
                Some(b) => {
                    let mut d = CaseDocument::load(&b, server_actor)?;
                    let h = d.heads();
                    (d, h)
                }
                None => (CaseDocument::empty(server_actor), Vec::new()),
            };
            if doc.automerge().load_incremental(&c.bytes).is_err() {
                failure = Some(format!(
                    "the banner's changes of case {case} could not be read"
                ));
                continue;
            }
            let after = doc.read()?;
            let view = view_of(*case, &after, &mut doc, now);
            let chunk = doc.automerge().save_after(&old);
            // Compacted like a device's merges, so a case changed round after round stays one load.
            let snapshot = (txn.chunk_count(*case)? >= crate::sync_engine::COMPACT_AFTER_CHUNKS)
                .then(|| doc.save());
            txn.append_doc(*case, &chunk, snapshot.as_deref(), &view)?;
        }
        for h in &answer.heads {
            let heads: Vec<ChangeHash> = h
                .heads
                .iter()
                .filter_map(|b| <[u8; 32]>::try_from(b.as_slice()).ok().map(ChangeHash))
                .collect();
            txn.put_item(&Item {
                kind: BANNER_HEADS.into(),
                id: h.case.to_string(),
                case_id: Some(h.case.to_string()),
                body: hex_heads(&heads),
                at: now,
            })?;
        }
        for (case, ids) in &r.teams {
            let mut want: Vec<String> = ids.iter().filter_map(|i| names.get(i).cloned()).collect();
            want.sort();
            let mut have = txn.team(*case)?;
            have.sort();
            if want != have {
                txn.set_assignment(*case, ids, now)?;
            }
        }
        super::forward::settle(txn, &answer.forwarded)?;
        let mut since = 0;
        for item in &r.items {
            since = since.max(item.at);
            txn.put_item(item)?;
        }
        if since > 0 {
            txn.put_item(&Item {
                kind: CURSOR.into(),
                id: "items".into(),
                case_id: None,
                body: serde_json::json!({}),
                at: since,
            })?;
        }
        Ok(())
    })?;
    match failure {
        Some(f) => anyhow::bail!(f),
        None => Ok(()),
    }
}

fn mark_sent(store: &dyn Store, hash: &str) -> anyhow::Result<()> {
    store.transact(&mut |txn| {
        txn.put_item(&Item {
            kind: SENT_BLOB.into(),
            id: hash.into(),
            case_id: None,
            body: serde_json::json!({}),
            at: crate::clock::now(),
        })
    })?;
    Ok(())
}
