//! Sync rules shared by both ends: what a peer may accept from a device, and the per-(peer, doc)
//! sync-state helpers around `automerge::sync`.

use crate::ids::ActorKey;
use automerge::sync::{ChunkList, Message, MessageFlags, MessageVersion, State, SyncDoc};
use automerge::{AutoCommit, ChangeHash};

/// Changes stamped further ahead of the receiver's clock than this are refused: a device with a
/// wildly wrong clock would otherwise plant "latest" values that nobody can overwrite in the UI's
/// history view. One day leaves room for tablets offline for days with drifting clocks.
pub const MAX_FUTURE_SKEW_S: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeRefusal {
    #[error("change {hash} was written by actor {actor}, which does not belong to this device")]
    ForeignActor { hash: String, actor: String },
    #[error(
        "change {hash} is dated {time} (unix s), more than a day ahead of the server's clock {now}: fix the tablet's clock"
    )]
    FutureTimestamp { hash: String, time: i64, now: i64 },
}

impl ChangeRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            ChangeRefusal::ForeignActor { .. } => "foreign_actor",
            ChangeRefusal::FutureTimestamp { .. } => "future_timestamp",
        }
    }
}

/// Check every change that arrived since `old_heads`: each must be written by `allowed` and not
/// dated far in the future.
pub fn check_new_changes(
    doc: &mut AutoCommit,
    old_heads: &[ChangeHash],
    allowed: ActorKey,
    now_s: i64,
) -> Result<usize, ChangeRefusal> {
    let metas = doc.get_changes_meta(old_heads);
    if let Some(m) = metas.iter().find(|m| !allowed.matches(&m.actor)) {
        return Err(ChangeRefusal::ForeignActor {
            hash: m.hash.to_string(),
            actor: m.actor.to_hex_string(),
        });
    }
    check_new_changes_time(&metas, now_s)?;
    Ok(metas.len())
}

/// Check that none of `metas` is dated far in the future (the server, which also takes changes
/// a device relays from a colleague, checks their actors itself).
pub fn check_new_changes_time(
    metas: &[automerge::ChangeMetadata<'_>],
    now_s: i64,
) -> Result<(), ChangeRefusal> {
    match metas
        .iter()
        .find(|m| m.timestamp > now_s + MAX_FUTURE_SKEW_S)
    {
        Some(m) => Err(ChangeRefusal::FutureTimestamp {
            hash: m.hash.to_string(),
            time: m.timestamp,
            now: now_s,
        }),
        None => Ok(()),
    }
}

/// Decode a stored sync state, starting afresh if it is missing or unreadable (a fresh state
/// only costs a slightly larger first message, never data).
pub fn decode_state(bytes: Option<&[u8]>) -> automerge::sync::State {
    bytes
        .and_then(|b| automerge::sync::State::decode(b).ok())
        .unwrap_or_default()
}

/// True when the peer is known to have every change we have.
pub fn peer_is_current(doc: &mut AutoCommit, state: &automerge::sync::State) -> bool {
    let mut ours = doc.get_heads();
    let mut shared = state.shared_heads.clone();
    ours.sort();
    shared.sort();
    ours == shared
}

/// The message that opens a conversation about one document. Automerge's own first message only
/// says what we have and waits to be asked; when the stored state names heads the peer already
/// confirmed, the changes after them travel in the same message, so a document changed on one
/// side settles in one round trip instead of two. Should the peer lack something after all (a
/// restored backup), Automerge's ordinary exchange — `need`, `have`, a reset — follows.
pub fn opening_message(doc: &mut AutoCommit, state: &mut State) -> Option<Message> {
    // The peer has not spoken yet in this conversation (a state fresh or decoded from storage).
    let eager = state.their_heads.is_none()
        && !state.shared_heads.is_empty()
        && state
            .shared_heads
            .iter()
            .all(|h| doc.get_change_by_hash(h).is_some());
    let mut msg = doc.sync().generate_sync_message(state)?;
    if eager && msg.changes.is_empty() {
        let changes = doc.save_after(&state.shared_heads.clone());
        if !changes.is_empty() {
            msg.changes = ChunkList::from(changes);
        }
    }
    Some(msg)
}

/// The whole document for a peer that has never had it: one saved snapshot (its columns left
/// uncompressed, so the gzip of the whole answer also finds what one case shares with the next)
/// instead of its change history, with no `have` to ask for anything back. The state records the
/// peer as holding these heads; if the answer is lost, the peer's next message says otherwise and
/// the ordinary exchange sends what is missing.
pub fn snapshot_message(doc: &mut AutoCommit, state: &mut State) -> Message {
    let heads = doc.get_heads();
    // What Automerge's own messages advertise (a peer that sends flags speaks V2).
    let mut flags = MessageFlags::new();
    flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
    state.shared_heads.clone_from(&heads);
    state.last_sent_heads.clone_from(&heads);
    Message {
        heads,
        need: Vec::new(),
        have: Vec::new(),
        changes: ChunkList::from(doc.save_nocompress()),
        flags: Some(flags),
        version: MessageVersion::V2,
    }
}

/// True when both sides are known to hold exactly our heads: nothing to send, not even an
/// acknowledgement (the peer's last message already said it has them).
pub fn settled(doc: &mut AutoCommit, state: &State) -> bool {
    let ours = doc.get_heads();
    state.their_heads.as_ref() == Some(&ours) && peer_is_current(doc, state)
}

/// How many bytes the changes of one sync message may inflate to. Automerge inflates compressed
/// change chunks and document columns without a limit, so a message of a few kilobytes could make
/// the receiver allocate gigabytes; a real case document is far below this.
pub const MAX_INFLATED_BYTES: usize = 32 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflateRefusal {
    #[error(
        "the sync message's changes inflate past {limit} bytes: a case never grows this large; send the changes in smaller messages"
    )]
    TooLarge { limit: usize },
    #[error("the sync message holds a chunk the tablets never send ({0})")]
    Unexpected(&'static str),
    #[error("the sync message could not be decoded")]
    NotAMessage,
    #[error("a change chunk in the sync message is malformed")]
    Malformed,
}

/// Walk the chunks of an encoded sync message and count what they inflate to, inflating only up
/// to `limit` bytes in all: an Automerge deflate bomb is refused before Automerge reads it.
pub fn check_inflation(message: &[u8], limit: usize) -> Result<usize, InflateRefusal> {
    let msg = automerge::sync::Message::decode(message).map_err(|_| InflateRefusal::NotAMessage)?;
    let mut budget = Budget { used: 0, limit };
    for entry in msg.changes.iter() {
        let mut rest = entry;
        while !rest.is_empty() {
            let (kind, data, next) = chunk(rest)?;
            match kind {
                // A change chunk's columns are never compressed (Automerge refuses them).
                1 => budget.add(data.len())?,
                2 => budget.inflate(data)?,
                0 => document_columns(data, &mut budget)?,
                3 => return Err(InflateRefusal::Unexpected("bundle")),
                _ => return Err(InflateRefusal::Malformed),
            }
            rest = next;
        }
    }
    Ok(budget.used)
}

struct Budget {
    used: usize,
    limit: usize,
}

impl Budget {
    fn add(&mut self, n: usize) -> Result<(), InflateRefusal> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limit {
            return Err(InflateRefusal::TooLarge { limit: self.limit });
        }
        Ok(())
    }

    /// Inflate raw deflate `data`, reading at most one byte past what is left of the budget.
    fn inflate(&mut self, data: &[u8]) -> Result<(), InflateRefusal> {
        use std::io::Read;
        let left = (self.limit - self.used) as u64;
        let mut sink = std::io::sink();
        let n = std::io::copy(
            &mut flate2::bufread::DeflateDecoder::new(data).take(left + 1),
            &mut sink,
        )
        .map_err(|_| InflateRefusal::Malformed)?;
        self.add(n as usize)
    }
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

fn uleb(input: &[u8]) -> Result<(u64, &[u8]), InflateRefusal> {
    let mut v: u64 = 0;
    for (i, b) in input.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((v, &input[i + 1..]));
        }
    }
    Err(InflateRefusal::Malformed)
}

fn take(input: &[u8], n: u64) -> Result<(&[u8], &[u8]), InflateRefusal> {
    let n = usize::try_from(n).map_err(|_| InflateRefusal::Malformed)?;
    (n <= input.len())
        .then(|| input.split_at(n))
        .ok_or(InflateRefusal::Malformed)
}

/// One chunk: (type, data, what follows).
fn chunk(input: &[u8]) -> Result<(u8, &[u8], &[u8]), InflateRefusal> {
    let (magic, rest) = take(input, 4)?;
    if magic != MAGIC {
        return Err(InflateRefusal::Malformed);
    }
    let (_checksum, rest) = take(rest, 4)?;
    let (kind, rest) = take(rest, 1)?;
    let (len, rest) = uleb(rest)?;
    let (data, next) = take(rest, len)?;
    Ok((kind[0], data, next))
}

/// A document chunk: actors, heads, then the change and operation column metadata, then the
/// columns in that order; a column whose specification has the deflate bit is compressed.
fn document_columns(data: &[u8], budget: &mut Budget) -> Result<(), InflateRefusal> {
    let (actors, mut rest) = uleb(data)?;
    for _ in 0..actors {
        let (len, r) = uleb(rest)?;
        rest = take(r, len)?.1;
    }
    let (heads, r) = uleb(rest)?;
    rest = take(r, heads.saturating_mul(32))?.1;
    let mut columns = Vec::new();
    for _ in 0..2 {
        let (n, mut r) = uleb(rest)?;
        for _ in 0..n {
            let (spec, r2) = uleb(r)?;
            let (len, r3) = uleb(r2)?;
            columns.push((spec & 0b1000 != 0, len));
            r = r3;
        }
        rest = r;
    }
    budget.add(rest.len())?;
    for (deflated, len) in columns {
        let (col, r) = take(rest, len)?;
        if deflated {
            budget.inflate(col)?;
        }
        rest = r;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::{CommitOptions, Transactable};

    fn doc_with_change(actor: ActorKey, time: i64) -> (AutoCommit, Vec<ChangeHash>) {
        let mut doc = AutoCommit::new().with_actor(ActorKey::random().to_actor_id());
        doc.put(automerge::ROOT, "a", 1).unwrap();
        doc.commit_with(CommitOptions::default().with_time(1));
        let heads = doc.get_heads();
        doc.set_actor(actor.to_actor_id());
        doc.put(automerge::ROOT, "b", 2).unwrap();
        doc.commit_with(CommitOptions::default().with_time(time));
        (doc, heads)
    }

    #[test]
    fn accepts_own_changes_refuses_foreign_and_future_ones() {
        let me = ActorKey::random();
        let (mut doc, heads) = doc_with_change(me, 1000);
        assert_eq!(check_new_changes(&mut doc, &heads, me, 1000), Ok(1));
        let err = check_new_changes(&mut doc, &heads, ActorKey::random(), 1000).unwrap_err();
        assert_eq!(err.code(), "foreign_actor");
        let (mut doc, heads) = doc_with_change(me, 1000 + MAX_FUTURE_SKEW_S + 1);
        assert_eq!(
            check_new_changes(&mut doc, &heads, me, 1000)
                .unwrap_err()
                .code(),
            "future_timestamp"
        );
    }

    /// The message a peer with the whole document sends one that has nothing: the saved
    /// document (compressed columns) in a V2 message, as a tablet may send it.
    fn first_message_of(doc: &mut AutoCommit) -> Vec<u8> {
        use automerge::sync::SyncDoc;
        let mut empty = AutoCommit::new();
        let (mut ours, mut theirs) = (automerge::sync::State::new(), automerge::sync::State::new());
        for _ in 0..4 {
            if let Some(m) = empty.sync().generate_sync_message(&mut theirs) {
                doc.sync().receive_sync_message(&mut ours, m).unwrap();
            }
            if let Some(m) = doc.sync().generate_sync_message(&mut ours) {
                if !m.changes.is_empty() {
                    return m.encode();
                }
                empty.sync().receive_sync_message(&mut theirs, m).unwrap();
            }
        }
        panic!("no message with changes")
    }

    fn doc_with(key: &str, value: i64) -> AutoCommit {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, key, value).unwrap();
        doc.commit();
        doc
    }

    /// Deliver `msg` and return the receiver's answer, as one round of the conversation.
    fn deliver(to: &mut AutoCommit, state: &mut State, msg: Message) -> Option<Message> {
        let msg = Message::decode(&msg.encode()).unwrap();
        to.sync().receive_sync_message(state, msg).unwrap();
        to.sync().generate_sync_message(state)
    }

    #[test]
    fn a_snapshot_gives_a_new_peer_the_document_in_one_message_needing_no_answer() {
        let mut server = doc_with("a", 1);
        server.put(automerge::ROOT, "b", 2).unwrap();
        server.commit();
        let mut server_state = State::new();
        let msg = snapshot_message(&mut server, &mut server_state);
        assert_eq!(server_state.shared_heads, server.get_heads());

        let mut tablet = AutoCommit::new();
        let mut tablet_state = State::new();
        let msg = Message::decode(&msg.encode()).unwrap();
        tablet
            .sync()
            .receive_sync_message(&mut tablet_state, msg)
            .unwrap();
        assert_eq!(tablet.get_heads(), server.get_heads());
        assert_eq!(tablet.save(), server.save(), "the same document");
        assert!(settled(&mut tablet, &tablet_state));
    }

    #[test]
    fn a_lost_snapshot_is_made_good_by_the_ordinary_exchange() {
        let mut server = doc_with("a", 1);
        let mut server_state = State::new();
        // The answer carrying the snapshot never arrived; the server believes it did.
        let _lost = snapshot_message(&mut server, &mut server_state);
        server.put(automerge::ROOT, "b", 2).unwrap();
        server.commit();
        let mut server_state = decode_state(Some(&server_state.encode()));
        let mut tablet = AutoCommit::new();
        let mut tablet_state = State::new();
        let mut msg = opening_message(&mut server, &mut server_state);
        for _ in 0..6 {
            let Some(m) = msg else { break };
            let Some(answer) = deliver(&mut tablet, &mut tablet_state, m) else {
                break;
            };
            msg = deliver(&mut server, &mut server_state, answer);
        }
        assert_eq!(tablet.get_heads(), server.get_heads());
    }

    #[test]
    fn changes_after_confirmed_heads_travel_in_the_opening_message() {
        let mut server = doc_with("a", 1);
        let mut tablet = server.fork();
        let mut tablet_state = State::new();
        tablet_state.shared_heads = server.get_heads();
        tablet.put(automerge::ROOT, "b", 2).unwrap();
        tablet.commit();
        let mut tablet_state = decode_state(Some(&tablet_state.encode()));
        let opening = opening_message(&mut tablet, &mut tablet_state).unwrap();
        assert!(!opening.changes.is_empty(), "the change goes at once");

        // One round trip: the server applies it and acknowledges; the tablet has nothing to add.
        let mut server_state = State::new();
        let ack = deliver(&mut server, &mut server_state, opening).unwrap();
        assert_eq!(server.get_heads(), tablet.get_heads());
        let msg = Message::decode(&ack.encode()).unwrap();
        tablet
            .sync()
            .receive_sync_message(&mut tablet_state, msg)
            .unwrap();
        assert!(settled(&mut tablet, &tablet_state));

        // Without confirmed heads nothing is guessed: Automerge's own first message.
        let mut fresh = State::new();
        assert!(
            opening_message(&mut tablet, &mut fresh)
                .unwrap()
                .changes
                .is_empty()
        );
    }

    #[test]
    fn an_honest_document_passes_and_is_counted_inflated() {
        let mut doc = AutoCommit::new();
        let list = doc
            .put_object(automerge::ROOT, "rows", automerge::ObjType::List)
            .unwrap();
        for i in 0..2000 {
            doc.insert(&list, i, format!("第{i}行 收入 1200 元"))
                .unwrap();
        }
        let msg = first_message_of(&mut doc);
        let inflated = check_inflation(&msg, MAX_INFLATED_BYTES).unwrap();
        assert!(
            inflated > msg.len(),
            "compressed columns are counted inflated: {inflated} vs {} on the wire",
            msg.len()
        );
        assert_eq!(
            check_inflation(&msg, msg.len() / 2),
            Err(InflateRefusal::TooLarge {
                limit: msg.len() / 2
            })
        );
    }

    #[test]
    fn a_deflate_bomb_is_refused_after_inflating_no_more_than_the_limit() {
        use std::io::Write;
        // 256 MiB of zeros deflate to about 250 KB: a compressed change chunk.
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            z.write_all(&zeros).unwrap();
        }
        let data = z.finish().unwrap();
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 2]);
        let mut n = data.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            chunk.push(if n == 0 { b } else { b | 0x80 });
            if n == 0 {
                break;
            }
        }
        chunk.extend(&data);
        let msg = automerge::sync::Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: automerge::sync::ChunkList::from(chunk),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        }
        .encode();
        assert!(msg.len() < 1 << 20);
        assert_eq!(
            check_inflation(&msg, MAX_INFLATED_BYTES),
            Err(InflateRefusal::TooLarge {
                limit: MAX_INFLATED_BYTES
            })
        );
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        assert_eq!(
            check_inflation(b"\x42garbage", 100),
            Err(InflateRefusal::NotAMessage)
        );
        assert_eq!(check_inflation(&[], 100), Err(InflateRefusal::NotAMessage));
        let bad_chunk = automerge::sync::Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: automerge::sync::ChunkList::from(vec![0x85, 0x6f, 0x4a, 0x83, 1]),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        }
        .encode();
        assert_eq!(
            check_inflation(&bad_chunk, 100),
            Err(InflateRefusal::Malformed)
        );
    }
}
