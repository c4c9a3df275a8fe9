//! The sync client: a short conversation of batched rounds with the server, then the resumable
//! photo upload. Everything received is committed locally before the next round, so a cut link
//! at any byte costs at most a repeated round, never data.

use crate::net::{Client, NetError};
use crate::servers::KnownServer;
use crate::store::{save_in, save_state_in, synced};
use crate::{Result, Tablet, TabletError, now_s};
use automerge::sync::{Message, SyncDoc};
use hyper::Method;
use jiuzhu_shared::protocol::{
    BLOB_CHUNK, BlobStatus, CredentialRequest, CredentialResponse, DocMessage, PROTOCOL_VERSION,
    Refusal, SyncRequest, SyncResponse,
};
use jiuzhu_shared::sync::{decode_state, opening_message, settled};
use jiuzhu_shared::{ActorKey, CaseDocument, CaseId};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A conversation that has not converged after this many rounds is stopped (it resumes next time).
pub const MAX_ROUNDS: u32 = 20;

/// Setting: the cases whose application documents are still to be fetched (JSON list of ids).
pub(crate) const DOCUMENTS_PENDING: &str = "documents_pending";

fn id_list(ids: &BTreeSet<CaseId>) -> String {
    serde_json::to_string(ids).expect("a list of ids serialises")
}

/// Documents of an answer applied and committed together (bounds what a first sync holds).
const APPLY_BATCH: usize = 100;

/// A document still exchanged after this many rounds starts again from a fresh sync state.
const FRESH_STATE_AFTER: u32 = 6;

#[derive(Debug, Default, Clone, Serialize)]
pub struct SyncReport {
    /// The server reached (its URL): the enrolled one, or another known server.
    pub server: String,
    pub rounds: u32,
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// Documents we sent changes or sync messages for.
    pub documents_sent: usize,
    /// Documents that changed locally because of what the server sent.
    pub documents_received: usize,
    pub blobs_sent: usize,
    pub blob_bytes_sent: u64,
    /// Documents of applications (ID cards, certificates…) fetched to verify against offline.
    pub documents_fetched: usize,
    /// Documents the server could not give yet (it answers them at a later sync).
    pub documents_unavailable: usize,
    /// Photos the server does not expect yet (their case's change was set aside): kept and sent
    /// once the case that refers to them has synced.
    pub blobs_held_back: usize,
    pub assigned: Vec<CaseId>,
    pub withdrawn: Vec<CaseId>,
    pub dropped: Vec<CaseId>,
    pub refused: Vec<Refusal>,
    /// Documents whose local version the server refused: set aside, fetched again.
    pub set_aside: Vec<CaseId>,
    pub cursor: u64,
}

/// Progress for a UI: documents handled and photo bytes sent so far.
#[derive(Debug, Clone, Serialize)]
pub enum Progress {
    Round { round: u32, documents: usize },
    Blob { hash: String, sent: u64, total: u64 },
}

struct Live {
    doc: CaseDocument,
    state: automerge::sync::State,
}

/// Whether a failure means the server could not be reached (so another known server is tried),
/// rather than its refusal (a revoked device, a changed certificate), which must surface.
fn not_reached(e: &NetError) -> bool {
    matches!(
        e,
        NetError::NoNetwork { .. } | NetError::Timeout(_) | NetError::Broken(_)
    )
}

impl Tablet {
    /// Sync with the enrolled server or, when it cannot be reached, with the next known server
    /// that can (see [`Tablet::servers`]). A server's refusal is not passed over: it is the
    /// answer. When none is reached, the enrolled server's failure is the error.
    pub async fn sync(
        &mut self,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SyncReport> {
        let mut first_failure = None;
        for server in self.servers()? {
            match self.sync_at(&server, progress).await {
                Err(TabletError::Net(e)) if not_reached(&e) => {
                    first_failure.get_or_insert(e);
                }
                r => return r,
            }
        }
        Err(first_failure.map_or(TabletError::NotEnrolled, TabletError::from))
    }

    /// Sync with the known server at `url` only.
    pub async fn sync_with_server(
        &mut self,
        url: &str,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SyncReport> {
        let server = self.server(url)?;
        self.sync_at(&server, progress).await
    }

    async fn sync_at(
        &mut self,
        server: &KnownServer,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SyncReport> {
        let id = self.identity()?;
        let actor = self.actor()?;
        let mut client = Client::new(
            &server.url,
            Some(&server.fingerprint),
            Some(id.token.clone()),
        )?;
        let mut report = SyncReport {
            server: server.url.clone(),
            ..Default::default()
        };
        let result = self
            .sync_with(&mut client, server, actor, &mut report, progress)
            .await;
        report.bytes_up = client.bytes_up();
        report.bytes_down = client.bytes_down();
        match result {
            // A revoked device erases what it holds at its first contact (issue #6 point 3):
            // whoever has it now is not the investigator it was given to.
            Err(TabletError::Net(e)) if e.code() == Some("device_revoked") => {
                Err(self.wipe(crate::WipeReason::Revoked))
            }
            r => r.map(|_| report),
        }
    }

    async fn sync_with(
        &mut self,
        client: &mut Client,
        server: &KnownServer,
        actor: ActorKey,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<()> {
        let received = self
            .sync_documents(client, server, actor, report, progress)
            .await?;
        self.refresh_credential(client).await?;
        self.upload_blobs(client, report, progress).await?;
        self.fetch_documents(client, actor, report, &received)
            .await?;
        report.dropped = self.store.drop_synced_withdrawn()?;
        self.store
            .set_setting("last_sync_at", &now_s().to_string())?;
        Ok(())
    }

    /// The cases with changes the server filed under `peer` has not confirmed.
    pub(crate) fn unconfirmed_cases(&self, peer: &str) -> Result<Vec<CaseId>> {
        let mut out = Vec::new();
        for case in self.store.case_ids()? {
            let heads = self.store.heads(case)?.unwrap_or_default();
            if !synced(&heads, self.store.sync_state(peer, case)?.as_deref()) {
                out.push(case);
            }
        }
        Ok(out)
    }

    /// Have the server sign this tablet's face-to-face key (`crate::peer`) for as long as the lease
    /// it just granted. A server without the request (an older one) leaves face-to-face sync off.
    async fn refresh_credential(&mut self, client: &mut Client) -> Result<()> {
        let req = CredentialRequest {
            v: PROTOCOL_VERSION,
            public_key: self.peer_key()?.verifying_key().to_bytes().to_vec(),
        };
        match client
            .call::<_, CredentialResponse>(Method::POST, "/api/v1/credential", Some(&req))
            .await
        {
            Ok(r) => self.keep_credential(&r.credential, &r.server_key),
            Err(NetError::Server { status: 404, .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn sync_documents(
        &mut self,
        client: &mut Client,
        server: &KnownServer,
        actor: ActorKey,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<BTreeMap<CaseId, Vec<String>>> {
        let (peer, cursor_key) = (&server.peer(), server.cursor_key());
        let mut cursor: u64 = self
            .store
            .setting(&cursor_key)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut live: BTreeMap<CaseId, Live> = BTreeMap::new();
        let mut refused: BTreeSet<CaseId> = BTreeSet::new();

        // Only documents with changes the server has not confirmed take part at first; the
        // server announces the ones that changed on its side.
        let mut outgoing = Vec::new();
        for case in self.unconfirmed_cases(peer)? {
            let state = self.store.sync_state(peer, case)?;
            // A case without a stored document was set aside after a refusal: an empty document
            // with a fresh sync state asks the server for all of it again.
            let doc = self
                .store
                .load(case, actor)?
                .unwrap_or_else(|| CaseDocument::empty(actor));
            let mut l = Live {
                doc,
                state: decode_state(state.as_deref()),
            };
            if let Some(m) = opening_message(l.doc.automerge(), &mut l.state) {
                outgoing.push(DocMessage {
                    doc: case,
                    msg: m.encode(),
                });
            }
            live.insert(case, l);
        }
        let mut sent: BTreeSet<CaseId> = outgoing.iter().map(|m| m.doc).collect();
        // The cases the server changed, with the hashes of their application documents.
        let mut received = BTreeMap::new();
        let mut exchanges: BTreeMap<CaseId, u32> = BTreeMap::new();

        loop {
            report.rounds += 1;
            if report.rounds > MAX_ROUNDS {
                // Say which documents kept talking and how far apart the two sides were.
                let mut pending = Vec::new();
                for m in &outgoing {
                    if let Some(l) = live.get_mut(&m.doc) {
                        pending.push(format!(
                            "{}: {} heads here, {} there, {} shared",
                            m.doc,
                            l.doc.heads().len(),
                            l.state.their_heads.as_ref().map_or(0, Vec::len),
                            l.state.shared_heads.len()
                        ));
                    }
                }
                return Err(TabletError::Protocol(format!(
                    "sync did not settle after {MAX_ROUNDS} rounds ({}); it will continue next time",
                    pending.join("; ")
                )));
            }
            progress(Progress::Round {
                round: report.rounds,
                documents: outgoing.len(),
            });
            // A colleague's work this tablet carries goes with the colleague's signature.
            let mut relayed = Vec::new();
            for m in &outgoing {
                relayed.extend(self.store.attestations(m.doc)?);
            }
            let req = SyncRequest {
                v: PROTOCOL_VERSION,
                cursor,
                docs: std::mem::take(&mut outgoing),
                app_version: crate::APP_VERSION.into(),
                relayed,
            };
            let round_docs: BTreeSet<CaseId> = req.docs.iter().map(|m| m.doc).collect();
            let resp: SyncResponse = client
                .call(Method::POST, "/api/v1/sync", Some(&req))
                .await?;

            // Every answered round renews the offline lease, even when the lease had run out:
            // syncing is how a locked tablet gets its unsent work out and unlocks.
            if let Some(until) = resp.lease_until {
                self.note_lease(until, resp.server_time, resp.lease_secret.clone())?;
            }
            // The write policy refused a document (a race with a seal, say): its local version is
            // set aside and the server's fetched in the next round. Other refusals stay refused.
            let mut set_aside = Vec::new();
            for r in &resp.refused {
                report.refused.push(r.clone());
                if jiuzhu_shared::policy::CODES.contains(&r.code.as_str())
                    && live.contains_key(&r.doc)
                {
                    set_aside.push(r.clone());
                } else {
                    refused.insert(r.doc);
                }
            }
            for (list, new) in [
                (&mut report.assigned, &resp.assigned),
                (&mut report.withdrawn, &resp.withdrawn),
            ] {
                list.extend(
                    new.iter()
                        .filter(|c| !list.contains(c))
                        .copied()
                        .collect::<Vec<_>>(),
                );
            }

            // Apply what the server sent and commit it with the sync states, a batch at a time:
            // each document is committed together with its state, and a document the answer
            // settled leaves memory at once (a first sync brings thousands).
            let now = now_s();
            let keep: BTreeSet<CaseId> = set_aside.iter().map(|r| r.doc).collect();
            for batch in resp.docs.chunks(APPLY_BATCH) {
                let mut changed = Vec::new();
                for m in batch {
                    let l = match live.entry(m.doc) {
                        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::btree_map::Entry::Vacant(e) => {
                            let doc = self
                                .store
                                .load(m.doc, actor)?
                                .unwrap_or_else(|| CaseDocument::empty(actor));
                            let state =
                                decode_state(self.store.sync_state(peer, m.doc)?.as_deref());
                            e.insert(Live { doc, state })
                        }
                    };
                    let msg = Message::decode(&m.msg)
                        .map_err(|e| TabletError::Protocol(format!("bad sync message: {e}")))?;
                    let before = l.doc.heads();
                    l.doc
                        .automerge()
                        .sync()
                        .receive_sync_message(&mut l.state, msg)
                        .map_err(|e| TabletError::Protocol(e.to_string()))?;
                    // The server keeps nothing between rounds but the document: a change it
                    // could not apply yet (its parent had not arrived) is gone from its side.
                    // What its answer does not acknowledge must be sendable again, else the
                    // document is exchanged round after round without progress.
                    l.state.sent_hashes.clear();
                    if l.doc.heads() != before {
                        changed.push((m.doc, before));
                    }
                }
                let tx = self.store.transaction()?;
                for (case, before) in &changed {
                    let l = live.get_mut(case).expect("live");
                    save_in(&tx, *case, &mut l.doc, before, now)?;
                    received.insert(*case, l.doc.declared_document_hashes());
                }
                for m in batch {
                    let l = live.get_mut(&m.doc).expect("live");
                    // An announced document not received yet has nothing to keep.
                    if !l.doc.heads().is_empty() {
                        save_state_in(&tx, peer, m.doc, &l.state.encode())?;
                    }
                }
                tx.commit().map_err(crate::store::StoreError::from)?;
                report.documents_received += changed.len();
                live.retain(|case, l| keep.contains(case) || !settled(l.doc.automerge(), &l.state));
            }
            {
                let tx = self.store.transaction()?;
                for case in round_docs.iter() {
                    if let Some(l) = live.get_mut(case)
                        && !l.doc.heads().is_empty()
                    {
                        save_state_in(&tx, peer, *case, &l.state.encode())?;
                    }
                }
                for w in &resp.withdrawn {
                    crate::store::mark_withdrawn_in(&tx, *w)?;
                }
                for r in &set_aside {
                    let l = live.get_mut(&r.doc).expect("live");
                    let json = l.doc.to_json().unwrap_or_default();
                    crate::store::set_aside_in(&tx, r.doc, &json, r, now)?;
                    *l = Live {
                        doc: CaseDocument::empty(actor),
                        state: Default::default(),
                    };
                }
                tx.commit().map_err(crate::store::StoreError::from)?;
            }
            report.set_aside.extend(set_aside.iter().map(|r| r.doc));
            cursor = resp.cursor;

            let candidates: BTreeSet<CaseId> = resp
                .docs
                .iter()
                .map(|m| m.doc)
                .chain(round_docs)
                .chain(set_aside.iter().map(|r| r.doc))
                .collect();
            for case in candidates.difference(&refused) {
                // Not in memory: settled by the answer (see above).
                let Some(l) = live.get_mut(case) else {
                    continue;
                };
                // A document still being exchanged after many rounds is asking for its missing
                // history a step at a time (a message without a `have` gets only what it names in
                // `need`): a fresh sync state sends the whole of what it holds, so the next answer
                // brings everything missing at once.
                let exchanged = exchanges.entry(*case).or_insert(0);
                *exchanged += 1;
                if *exchanged == FRESH_STATE_AFTER {
                    l.state = automerge::sync::State::new();
                }
                // A document the server's answer settled (a snapshot received, our changes
                // acknowledged) needs no acknowledgement of its own: no message, no next round.
                if settled(l.doc.automerge(), &l.state) {
                    continue;
                }
                if let Some(m) = l.doc.automerge().sync().generate_sync_message(&mut l.state) {
                    outgoing.push(DocMessage {
                        doc: *case,
                        msg: m.encode(),
                    });
                    sent.insert(*case);
                }
            }
            if outgoing.is_empty() {
                break;
            }
            // Only documents still in conversation stay in memory; one the server mentions
            // again is loaded from the store.
            let talking: BTreeSet<CaseId> = outgoing.iter().map(|m| m.doc).collect();
            live.retain(|case, _| talking.contains(case));
        }
        self.store.set_setting(&cursor_key, &cursor.to_string())?;
        report.cursor = cursor;
        report.documents_sent = sent.difference(&refused).count();
        Ok(received)
    }

    /// Fetch the application documents of the cases that changed in this sync, and of those
    /// whose documents the server could not give yet, so the team verifies against them with no
    /// network. Each is checked against its hash, then kept encrypted like a photo. Only those
    /// cases are read: a tablet holding thousands does not open every one at each sync.
    async fn fetch_documents(
        &mut self,
        client: &mut Client,
        actor: ActorKey,
        report: &mut SyncReport,
        received: &BTreeMap<CaseId, Vec<String>>,
    ) -> Result<()> {
        let pending = self.store.setting(DOCUMENTS_PENDING)?;
        let mut todo = match pending.and_then(|l| serde_json::from_str::<BTreeSet<CaseId>>(&l).ok())
        {
            Some(list) => list,
            // Not recorded yet (a tablet updated from an older version) or unreadable: look at
            // every case once rather than miss a document.
            None => self.store.case_ids()?.into_iter().collect(),
        };
        todo.extend(received.keys());
        // Recorded before any request, so a cut link leaves them all to look at next time.
        self.store.set_setting(DOCUMENTS_PENDING, &id_list(&todo))?;
        let mut left = BTreeSet::new();
        for case in todo {
            if self.store.is_withdrawn(case)? {
                continue;
            }
            let hashes = match received.get(&case) {
                Some(hashes) => hashes.clone(),
                None => match self.store.load(case, actor)? {
                    Some(doc) => doc.declared_document_hashes(),
                    None => continue,
                },
            };
            for hash in hashes {
                if self.photo_path(&hash).exists() {
                    continue;
                }
                let url = format!("/api/v1/cases/{case}/blobs/{hash}");
                let (status, body) = client.request(Method::GET, &url, Vec::new(), false).await?;
                if status == hyper::StatusCode::NOT_FOUND {
                    report.documents_unavailable += 1;
                    left.insert(case);
                    continue;
                }
                if !status.is_success() {
                    return Err(TabletError::Protocol(format!(
                        "fetching document {hash} of case {case}: HTTP {status}"
                    )));
                }
                if jiuzhu_shared::BlobHash::of(&body).to_string() != hash {
                    return Err(TabletError::Protocol(format!(
                        "document {hash} of case {case} arrived damaged (its content does not match its hash)"
                    )));
                }
                self.write_sealed("photos", &hash, &body)?;
                report.documents_fetched += 1;
            }
        }
        self.store.set_setting(DOCUMENTS_PENDING, &id_list(&left))?;
        Ok(())
    }

    async fn upload_blobs(
        &mut self,
        client: &mut Client,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<()> {
        for (hash, size) in self.store.pending_blobs()? {
            // The file is encrypted at rest; the server gets (and hashes) the plain bytes.
            let bytes = self.read_sealed("photos", &hash)?;
            if bytes.len() as u64 != size {
                return Err(TabletError::Protocol(format!(
                    "local photo {hash} is damaged (size {} ≠ {size})",
                    bytes.len()
                )));
            }
            let url = format!("/api/v1/blobs/{hash}");
            let status: BlobStatus = client
                .call::<BlobStatus, _>(Method::GET, &url, None)
                .await?;
            let mut offset = status.offset;
            let mut complete = status.complete;
            let mut held_back = false;
            while !complete {
                let end = (offset + BLOB_CHUNK).min(size);
                let chunk = bytes[offset as usize..end as usize].to_vec();
                let (st, body) = client
                    .request(
                        Method::PUT,
                        &format!("{url}?offset={offset}&total={size}"),
                        chunk,
                        false,
                    )
                    .await?;
                let status: BlobStatus = match crate::net::decode_answer(st, &body) {
                    Ok(s) => s,
                    // Someone else's upload moved the offset: ask again and resume from there.
                    Err(NetError::Server { code, .. }) if code == "offset_mismatch" => {
                        client
                            .call::<BlobStatus, _>(Method::GET, &url, None)
                            .await?
                    }
                    // No synced case refers to it yet: the other photos still go.
                    Err(NetError::Server { code, .. }) if code == "blob_not_expected" => {
                        held_back = true;
                        break;
                    }
                    Err(e) => return Err(e.into()),
                };
                report.blob_bytes_sent += end - offset;
                offset = status.offset;
                complete = status.complete;
                progress(Progress::Blob {
                    hash: hash.clone(),
                    sent: offset,
                    total: size,
                });
            }
            if held_back {
                report.blobs_held_back += 1;
                continue;
            }
            // Only now, with the server's word that it holds the verified blob, is it marked sent.
            self.store.mark_uploaded(&hash)?;
            report.blobs_sent += 1;
        }
        Ok(())
    }
}
