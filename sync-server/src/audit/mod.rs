//! The audit trail: an append-only, hash-chained record of every workflow action, document merge,
//! PII view, export and login. Each record's hash covers the previous record's hash, its sequence
//! number and its canonical body, so changing, removing or reordering any record breaks the chain
//! from that point on. Pure: the store keeps the rows, this module defines and checks the chain.
//! `anchor` signs each day's last link with a key kept outside the database (`key`), so deleting
//! the tail or re-hashing history is found too.

pub mod anchor;
pub mod key;

use jiuzhu_shared::rules::date::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The hash of the chain's links: SHA-256, or SM3 (GB/T 32905) where 商用密码 is required. A
/// chain keeps the algorithm of its first record; each record names it (SHA-256 by omission, so
/// records written before SM3 existed keep their bodies).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlg {
    #[default]
    Sha256,
    Sm3,
}

impl HashAlg {
    fn is_sha256(&self) -> bool {
        *self == HashAlg::Sha256
    }

    /// hash(previous hash ‖ sequence number (big-endian) ‖ canonical body).
    pub fn link(self, prev: &[u8; 32], seq: u64, body: &str) -> [u8; 32] {
        fn digest<D: Digest>(prev: &[u8; 32], seq: u64, body: &str) -> [u8; 32] {
            let mut h = D::new();
            h.update(prev);
            h.update(seq.to_be_bytes());
            h.update(body.as_bytes());
            // Both algorithms give 32 bytes.
            let mut out = [0; 32];
            out.copy_from_slice(&h.finalize());
            out
        }
        match self {
            HashAlg::Sha256 => digest::<Sha256>(prev, seq, body),
            HashAlg::Sm3 => digest::<sm3::Sm3>(prev, seq, body),
        }
    }
}

impl std::str::FromStr for HashAlg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "sha256" | "sha-256" => Ok(HashAlg::Sha256),
            "sm3" => Ok(HashAlg::Sm3),
            _ => Err(format!("`{s}` is not an audit hash: use sha256 or sm3")),
        }
    }
}

static NEW_CHAIN_HASH: OnceLock<HashAlg> = OnceLock::new();

/// The algorithm a chain started by this process uses (`--audit-hash`); an existing chain keeps
/// its own. Set once, before the first record is written.
pub fn set_new_chain_hash(alg: HashAlg) {
    let _ = NEW_CHAIN_HASH.set(alg);
}

/// What happened, by whom, when, to which case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: i64,
    /// `console 张海燕`, `device 平板-03 (王建国)`, `admin` …
    pub actor: String,
    /// `login`, `login_failed`, `view_case`, `view_photo`, `view_history`, `export_queue`,
    /// `export_case`, `merge`, `assign`, `resolve`, `return`, `accept`, `enroll`, `revoke_device`
    pub action: String,
    pub case_id: Option<String>,
    pub detail: serde_json::Value,
    /// The chain's hash, stamped when the record is appended.
    #[serde(default, skip_serializing_if = "HashAlg::is_sha256")]
    pub alg: HashAlg,
}

impl AuditEvent {
    pub fn new(
        at: i64,
        actor: impl Into<String>,
        action: &str,
        case_id: Option<String>,
        detail: serde_json::Value,
    ) -> Self {
        Self {
            at,
            actor: actor.into(),
            action: action.into(),
            case_id,
            detail,
            alg: HashAlg::Sha256,
        }
    }

    /// The bytes that are hashed and stored: JSON with fields in declaration order.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("an audit event serialises")
    }
}

pub const GENESIS: [u8; 32] = [0; 32];

/// hash = SHA-256(previous hash ‖ sequence number (big-endian) ‖ canonical body).
pub fn link_hash(prev: &[u8; 32], seq: u64, body: &str) -> [u8; 32] {
    HashAlg::Sha256.link(prev, seq, body)
}

/// The record that follows `last` (its sequence number, link and body): sequence number,
/// previous link, body and link of `ev` stamped with the chain's algorithm.
pub fn next_link(
    last: Option<(u64, &[u8], &str)>,
    ev: &AuditEvent,
) -> (u64, [u8; 32], String, [u8; 32]) {
    let (seq, prev, alg) = match last {
        Some((seq, hash, body)) => (
            seq + 1,
            hash.try_into().unwrap_or(GENESIS),
            serde_json::from_str::<AuditEvent>(body).map_or(HashAlg::Sha256, |e| e.alg),
        ),
        None => (
            1,
            GENESIS,
            NEW_CHAIN_HASH.get().copied().unwrap_or_default(),
        ),
    };
    let body = AuditEvent { alg, ..ev.clone() }.canonical();
    let hash = alg.link(&prev, seq, &body);
    (seq, prev, body, hash)
}

/// One stored record as read back for verification.
pub struct StoredRecord<'a> {
    pub seq: u64,
    pub body: &'a str,
    pub case_id: Option<&'a str>,
    pub prev: &'a [u8],
    pub hash: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    pub seq: u64,
    pub reason: String,
}

/// The last link of one day (China time) as the chain stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub day: Date,
    pub seq: u64,
    pub hash: [u8; 32],
}

/// Incremental chain check: feed records in sequence order. Besides checking each link it
/// collects the head of every day and the links of the sequence numbers it is asked to watch
/// (those that anchors cover).
pub struct Verifier {
    prev: [u8; 32],
    next_seq: u64,
    pub checked: u64,
    /// One per day with records, in order; the last is the newest day's head so far. A record's
    /// day is the latest day of it and every record before it, so days never go backwards along
    /// the chain and a record written with a stale clock cannot reopen a finished day.
    pub heads: Vec<Head>,
    watched: BTreeMap<u64, Option<[u8; 32]>>,
    /// The first record's algorithm, which every record must use.
    pub alg: Option<HashAlg>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            prev: GENESIS,
            next_seq: 1,
            checked: 0,
            heads: Vec::new(),
            watched: BTreeMap::new(),
            alg: None,
        }
    }
}

impl Verifier {
    /// A verifier that keeps the links at `seqs` (see [`Verifier::link_at`]).
    pub fn watching(seqs: impl IntoIterator<Item = u64>) -> Self {
        Self {
            watched: seqs.into_iter().map(|s| (s, None)).collect(),
            ..Self::default()
        }
    }

    /// The link hash of record `seq` if it was watched and has been read.
    pub fn link_at(&self, seq: u64) -> Option<[u8; 32]> {
        self.watched.get(&seq).copied().flatten()
    }

    /// The sequence number of the last record read (0 for an empty chain).
    pub fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    pub fn check(&mut self, r: &StoredRecord<'_>) -> Result<(), Broken> {
        let broken = |reason: &str| Broken {
            seq: r.seq,
            reason: reason.to_string(),
        };
        if r.seq != self.next_seq {
            return Err(Broken {
                seq: self.next_seq,
                reason: format!(
                    "record {} is missing (next stored record is {})",
                    self.next_seq, r.seq
                ),
            });
        }
        if r.prev != self.prev {
            return Err(broken("its link to the previous record does not match"));
        }
        let event: AuditEvent = serde_json::from_str(r.body)
            .map_err(|_| broken("its body is not a valid audit event"))?;
        if event.case_id.as_deref() != r.case_id {
            return Err(broken("its case column differs from its body"));
        }
        if *self.alg.get_or_insert(event.alg) != event.alg {
            return Err(broken("its hash algorithm differs from the chain's"));
        }
        let want = event.alg.link(&self.prev, r.seq, r.body);
        if r.hash != want {
            return Err(broken("its content was changed after it was written"));
        }
        self.prev = want;
        self.next_seq += 1;
        self.checked += 1;
        if let Some(w) = self.watched.get_mut(&r.seq) {
            *w = Some(want);
        }
        let day = Date::in_china(event.at);
        match self.heads.last_mut() {
            Some(h) if h.day >= day => {
                h.seq = r.seq;
                h.hash = want;
            }
            _ => self.heads.push(Head {
                day,
                seq: r.seq,
                hash: want,
            }),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<(u64, String, [u8; 32], [u8; 32])> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let body = AuditEvent::new(
                    seq as i64,
                    "console 张海燕",
                    "view_case",
                    Some("c".into()),
                    serde_json::json!({}),
                )
                .canonical();
                let hash = link_hash(&prev, seq, &body);
                let rec = (seq, body, prev, hash);
                prev = hash;
                rec
            })
            .collect()
    }

    fn verify(records: &[(u64, String, [u8; 32], [u8; 32])]) -> Result<u64, Broken> {
        let mut v = Verifier::default();
        for (seq, body, prev, hash) in records {
            v.check(&StoredRecord {
                seq: *seq,
                body,
                case_id: Some("c"),
                prev,
                hash,
            })?;
        }
        Ok(v.checked)
    }

    #[test]
    fn sm3_is_the_standard_s_and_chains_hashed_with_it_verify() {
        use sm3::Digest as _;
        // GB/T 32905-2016, example 1: SM3("abc").
        assert_eq!(
            hex::encode(sm3::Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let mut v = Verifier::default();
        let mut last: Option<(u64, [u8; 32], String)> = None;
        for i in 0..3 {
            let mut ev = AuditEvent::new(i, "admin", "add_user", None, serde_json::json!({}));
            ev.alg = HashAlg::Sm3;
            // The first record sets the chain's algorithm; the others follow it.
            let (seq, prev, body, hash) = match &last {
                None => {
                    let body = ev.canonical();
                    (
                        1,
                        GENESIS,
                        body.clone(),
                        HashAlg::Sm3.link(&GENESIS, 1, &body),
                    )
                }
                Some((s, h, b)) => next_link(
                    Some((*s, h, b)),
                    &AuditEvent {
                        alg: HashAlg::Sha256,
                        ..ev
                    },
                ),
            };
            assert!(body.contains("\"alg\":\"sm3\""), "{body}");
            assert_ne!(hash, link_hash(&prev, seq, &body));
            v.check(&StoredRecord {
                seq,
                body: &body,
                case_id: None,
                prev: &prev,
                hash: &hash,
            })
            .unwrap();
            last = Some((seq, hash, body));
        }
        // A record hashed with SHA-256 in an SM3 chain breaks it.
        let (seq, prev, _) = (4, last.as_ref().unwrap().1, ());
        let body = AuditEvent::new(9, "admin", "add_user", None, serde_json::json!({})).canonical();
        let b = v
            .check(&StoredRecord {
                seq,
                body: &body,
                case_id: None,
                prev: &prev,
                hash: &link_hash(&prev, seq, &body),
            })
            .unwrap_err();
        assert!(b.reason.contains("algorithm"), "{b:?}");
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(50)), Ok(50));
    }

    #[test]
    fn tampering_removal_and_reordering_are_found_at_the_first_broken_link() {
        let mut c = chain(10);
        c[4].1 = c[4].1.replace("view_case", "accept");
        assert_eq!(verify(&c).unwrap_err().seq, 5);

        let mut c = chain(10);
        c.remove(6);
        assert_eq!(verify(&c).unwrap_err().seq, 7);

        let mut c = chain(10);
        c.swap(2, 3);
        assert_eq!(verify(&c).unwrap_err().seq, 3);

        // Rewriting a record and its own hash still breaks the next link.
        let mut c = chain(10);
        c[4].1 = c[4].1.replace("view_case", "accept");
        c[4].3 = link_hash(&c[4].2, 5, &c[4].1);
        assert_eq!(verify(&c).unwrap_err().seq, 6);
    }
}
