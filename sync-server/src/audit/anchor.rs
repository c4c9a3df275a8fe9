//! Anchors: the last link of a finished day (China time), or the chain's head on demand, signed
//! with the server's Ed25519 audit key. The key lives outside the database, so whoever can rewrite
//! the database can still not make a shortened or re-hashed chain agree with the anchors. Pure:
//! `admin` reads and stores them.

use super::{Broken, Head, Verifier};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use jiuzhu_shared::rules::date::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One signed link of the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    /// The day whose last record this is; none for a head anchored on demand.
    pub day: Option<Date>,
    pub seq: u64,
    /// The record's link hash, hex.
    pub hash: String,
    pub signed_at: i64,
    /// Ed25519 over [`Anchor::message`], hex.
    pub signature: String,
}

impl Anchor {
    pub fn sign(key: &SigningKey, day: Option<Date>, seq: u64, hash: &[u8; 32], now: i64) -> Self {
        let mut a = Self {
            day,
            seq,
            hash: hex::encode(hash),
            signed_at: now,
            signature: String::new(),
        };
        a.signature = hex::encode(key.sign(&a.message()).to_bytes());
        a
    }

    /// The signed bytes: every field but the signature, in a fixed layout.
    fn message(&self) -> Vec<u8> {
        let day = self.day.map_or("head".to_string(), |d| d.to_string());
        format!(
            "jiuzhu audit anchor v1\n{day}\n{}\n{}\n{}",
            self.seq, self.hash, self.signed_at
        )
        .into_bytes()
    }

    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        let Some(sig) = hex::decode(&self.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        key.verify(&self.message(), &Signature::from_bytes(&sig))
            .is_ok()
    }

    /// The id it is stored under: one anchor per day, one per head anchored on demand.
    pub fn id(&self) -> String {
        match self.day {
            Some(d) => format!("day {d}"),
            None => format!("head {:012}", self.seq),
        }
    }

    /// How reports name it.
    pub fn label(&self) -> String {
        match self.day {
            Some(d) => format!("the anchor of {d} (record {})", self.seq),
            None => format!("the head anchored at record {}", self.seq),
        }
    }
}

/// The anchors as exported for safekeeping away from the server, with the key that checks them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub algorithm: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
    pub anchors: Vec<Anchor>,
}

pub const ALGORITHM: &str = "ed25519";

impl Export {
    pub fn new(key: &VerifyingKey, anchors: Vec<Anchor>) -> Self {
        Self {
            algorithm: ALGORITHM.into(),
            public_key: hex::encode(key.as_bytes()),
            anchors,
        }
    }

    pub fn key(&self) -> Option<VerifyingKey> {
        let bytes = <[u8; 32]>::try_from(hex::decode(&self.public_key).ok()?).ok()?;
        VerifyingKey::from_bytes(&bytes).ok()
    }
}

/// The finished days (before `today`) whose heads have no anchor yet.
pub fn due<'a>(heads: &'a [Head], anchors: &[Anchor], today: Date) -> Vec<&'a Head> {
    let anchored: BTreeSet<Date> = anchors.iter().filter_map(|a| a.day).collect();
    heads
        .iter()
        .filter(|h| h.day < today && !anchored.contains(&h.day))
        .collect()
}

/// Check anchors against a chain `v` has read whole (watching every anchor's record): each is
/// signed by `key`, the record it covers is still there with the same link, and no day before the
/// last anchored one lacks its anchor. The first problem, in chain order, is named.
pub fn check(anchors: &[Anchor], key: &VerifyingKey, v: &Verifier) -> Result<(), Broken> {
    let mut sorted: Vec<&Anchor> = anchors.iter().collect();
    sorted.sort_by_key(|a| a.seq);
    for a in sorted {
        let broken = |reason: String| Broken { seq: a.seq, reason };
        if !a.signed_by(key) {
            return Err(broken(format!(
                "{} is not signed by this server's audit key: it was forged, or the key was replaced",
                a.label()
            )));
        }
        match v.link_at(a.seq) {
            None => {
                return Err(broken(format!(
                    "record {} is gone but {} covers it: the chain now ends at record {}, so its \
                     tail was deleted",
                    a.seq,
                    a.label(),
                    v.last_seq()
                )));
            }
            Some(link) if hex::encode(link) != a.hash => {
                return Err(broken(format!(
                    "record {} no longer has the link {} signed: history was rewritten and \
                     re-hashed",
                    a.seq,
                    a.label()
                )));
            }
            Some(_) => {}
        }
    }
    let anchored: BTreeSet<Date> = anchors.iter().filter_map(|a| a.day).collect();
    let last = anchored.last();
    match v
        .heads
        .iter()
        .find(|h| last.is_some_and(|l| h.day < *l) && !anchored.contains(&h.day))
    {
        Some(h) => Err(Broken {
            seq: h.seq,
            reason: format!(
                "{} has records (up to {}) but no anchor, though later days have one: its \
                 anchor was removed",
                h.day, h.seq
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditEvent, GENESIS, StoredRecord, link_hash};

    const DAY: i64 = 86_400;

    /// Records at the given times, fed through a verifier watching `watch`.
    fn read(times: &[i64], watch: &[u64]) -> Verifier {
        let mut v = Verifier::watching(watch.iter().copied());
        let mut prev = GENESIS;
        for (i, at) in times.iter().enumerate() {
            let seq = i as u64 + 1;
            let body =
                AuditEvent::new(*at, "admin", "add_user", None, serde_json::json!({})).canonical();
            let hash = link_hash(&prev, seq, &body);
            v.check(&StoredRecord {
                seq,
                body: &body,
                case_id: None,
                prev: &prev,
                hash: &hash,
            })
            .unwrap();
            prev = hash;
        }
        v
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn days_never_go_backwards_and_only_finished_days_are_due() {
        // Day 10, day 11, a record with a stale clock (stays in day 11), day 12.
        let v = read(&[10 * DAY, 11 * DAY, 11 * DAY + 5, 3 * DAY, 12 * DAY], &[]);
        let heads: Vec<u64> = v.heads.iter().map(|h| h.seq).collect();
        assert_eq!(heads, [1, 4, 5]);
        let today = Date::in_china(12 * DAY);
        let due: Vec<u64> = due(&v.heads, &[], today).iter().map(|h| h.seq).collect();
        assert_eq!(due, [1, 4]);
        let a = Anchor::sign(&key(1), Some(v.heads[0].day), 1, &v.heads[0].hash, 0);
        let due: Vec<u64> = super::due(&v.heads, &[a], today)
            .iter()
            .map(|h| h.seq)
            .collect();
        assert_eq!(due, [4]);
    }

    #[test]
    fn anchors_catch_a_cut_tail_a_rehash_a_forgery_and_a_removed_anchor() {
        let times = [DAY, DAY + 1, 2 * DAY, 2 * DAY + 1, 3 * DAY];
        let v = read(&times, &[2, 4]);
        let h = |seq: u64| v.link_at(seq).unwrap();
        let anchors = vec![
            Anchor::sign(&key(1), Some(v.heads[0].day), 2, &h(2), 9),
            Anchor::sign(&key(1), Some(v.heads[1].day), 4, &h(4), 9),
        ];
        let public = key(1).verifying_key();
        assert_eq!(check(&anchors, &public, &v), Ok(()));

        let cut = read(&times[..3], &[2, 4]);
        let b = check(&anchors, &public, &cut).unwrap_err();
        assert!(b.seq == 4 && b.reason.contains("tail was deleted"), "{b:?}");

        let rehashed = read(&[DAY, DAY + 2, 2 * DAY, 2 * DAY + 1, 3 * DAY], &[2, 4]);
        let b = check(&anchors, &public, &rehashed).unwrap_err();
        assert!(b.seq == 2 && b.reason.contains("re-hashed"), "{b:?}");

        let forged = vec![Anchor::sign(&key(2), Some(v.heads[0].day), 2, &h(2), 9)];
        let b = check(&forged, &public, &v).unwrap_err();
        assert!(b.reason.contains("not signed"), "{b:?}");

        let mut altered = anchors.clone();
        altered[0].signed_at += 1;
        assert!(
            check(&altered, &public, &v).is_err(),
            "a changed field voids the signature"
        );

        let b = check(&anchors[1..], &public, &v).unwrap_err();
        assert!(
            b.seq == 2 && b.reason.contains("anchor was removed"),
            "{b:?}"
        );
    }
}
