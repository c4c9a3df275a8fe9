//! The audit trail: an append-only, hash-chained record of every workflow action, document merge,
//! PII view, export and login. Each record's hash covers the previous record's hash, its sequence
//! number and its canonical body, so changing, removing or reordering any record breaks the chain
//! from that point on. Pure: the store keeps the rows, this module defines and checks the chain.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(body.as_bytes());
    h.finalize().into()
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

/// Incremental chain check: feed records in sequence order.
pub struct Verifier {
    prev: [u8; 32],
    next_seq: u64,
    pub checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            prev: GENESIS,
            next_seq: 1,
            checked: 0,
        }
    }
}

impl Verifier {
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
        let want = link_hash(&self.prev, r.seq, r.body);
        if r.hash != want {
            return Err(broken("its content was changed after it was written"));
        }
        self.prev = want;
        self.next_seq += 1;
        self.checked += 1;
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
