//! Sync rules shared by both ends: what a peer may accept from a device, and the per-(peer, doc)
//! sync-state helpers around `automerge::sync`.

use crate::ids::ActorKey;
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
    for m in &metas {
        if !allowed.matches(&m.actor) {
            return Err(ChangeRefusal::ForeignActor {
                hash: m.hash.to_string(),
                actor: m.actor.to_hex_string(),
            });
        }
        if m.timestamp > now_s + MAX_FUTURE_SKEW_S {
            return Err(ChangeRefusal::FutureTimestamp {
                hash: m.hash.to_string(),
                time: m.timestamp,
                now: now_s,
            });
        }
    }
    Ok(metas.len())
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
}
