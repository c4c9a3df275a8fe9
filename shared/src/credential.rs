//! What the server vouches for about a device, and what a device vouches for about its own work
//! (issue 18): the device credential the server signs at each sync, and the attestation — a
//! device's signature over its newest change in a case — that lets a colleague's tablet carry
//! that work to the server. No I/O.

use crate::ids::CaseId;
use automerge::{ActorId, AutoCommit, ChangeHash};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

const CREDENTIAL_CONTEXT: &[u8] = b"jiuzhu device credential v1\0";
const ATTESTATION_CONTEXT: &[u8] = b"jiuzhu change attestation v1\0";

/// What the server vouches for about one enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCredential {
    pub device_id: String,
    pub device_name: String,
    pub user_name: String,
    pub township: String,
    /// The Automerge actor (hex) the device writes with.
    pub actor: String,
    /// Ed25519 public key; the private half is made on the tablet and stays there.
    #[serde(with = "serde_bytes")]
    pub public_key: Vec<u8>,
    pub issued_at: i64,
    /// The end of the device's offline lease when the credential was issued.
    pub expires_at: i64,
}

/// A credential as signed: the exact CBOR bytes and the server's signature over them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCredential {
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the credential is not signed by this tablet's server")]
    BadSignature,
    #[error("the credential could not be read")]
    Malformed,
    #[error("the credential expired at {0} (unix s): the tablet must sync with the server first")]
    Expired(i64),
    #[error("the handshake proof does not match the credential's key")]
    BadProof,
}

impl SignedCredential {
    pub fn sign(credential: &DeviceCredential, key: &SigningKey) -> SignedCredential {
        let mut body = Vec::new();
        ciborium::into_writer(credential, &mut body).expect("CBOR into a Vec cannot fail");
        let signature = key.sign(&[CREDENTIAL_CONTEXT, &body].concat());
        SignedCredential {
            body,
            signature: signature.to_bytes().to_vec(),
        }
    }

    /// The credential, if `server_key` signed it and it has not expired at `now`.
    pub fn verify(&self, server_key: &[u8], now: i64) -> Result<DeviceCredential, AuthError> {
        let key = verifying_key(server_key)?;
        let sig = Signature::from_slice(&self.signature).map_err(|_| AuthError::BadSignature)?;
        key.verify(&[CREDENTIAL_CONTEXT, &self.body].concat(), &sig)
            .map_err(|_| AuthError::BadSignature)?;
        let c: DeviceCredential =
            ciborium::from_reader(self.body.as_slice()).map_err(|_| AuthError::Malformed)?;
        if c.expires_at <= now {
            return Err(AuthError::Expired(c.expires_at));
        }
        Ok(c)
    }
}

pub(crate) fn verifying_key(bytes: &[u8]) -> Result<VerifyingKey, AuthError> {
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| AuthError::Malformed)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| AuthError::Malformed)
}

/// A device's signature over the newest of its own changes in one case. A tablet that carries a
/// colleague's work to the server carries this too: an actor's changes form one chain (each
/// depends on the one before, and Automerge refuses two changes of one actor with one sequence
/// number), so the signed change vouches for every earlier change of that actor in the case, and
/// no tablet can pass its own writing off as a colleague's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    pub doc: CaseId,
    /// The change's hash (32 bytes).
    #[serde(with = "serde_bytes")]
    pub change: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
}

impl Attestation {
    pub fn sign(key: &SigningKey, doc: CaseId, change: &ChangeHash) -> Attestation {
        let signature = key.sign(&Self::message(doc, &change.0));
        Attestation {
            doc,
            change: change.0.to_vec(),
            signature: signature.to_bytes().to_vec(),
        }
    }

    /// Whether the device with `public_key` signed this.
    pub fn verify(&self, public_key: &[u8]) -> bool {
        let (Ok(key), Ok(sig)) = (
            verifying_key(public_key),
            Signature::from_slice(&self.signature),
        ) else {
            return false;
        };
        key.verify(&Self::message(self.doc, &self.change), &sig)
            .is_ok()
    }

    fn message(doc: CaseId, change: &[u8]) -> Vec<u8> {
        [
            ATTESTATION_CONTEXT,
            doc.to_string().as_bytes(),
            b"\0",
            change,
        ]
        .concat()
    }

    /// The sequence number of the attested change in `doc`, if `doc` holds it and `actor` wrote
    /// it: every change of `actor` up to that number is vouched for.
    pub fn vouches_up_to(&self, doc: &mut AutoCommit, actor: &ActorId) -> Option<u64> {
        let hash = ChangeHash(self.change.as_slice().try_into().ok()?);
        let change = doc.get_change_by_hash(&hash)?;
        (change.actor_id() == actor).then(|| change.seq())
    }
}

/// The newest change `actor` wrote in `doc`, the one to attest.
pub fn newest_change_by(doc: &mut AutoCommit, actor: &ActorId) -> Option<ChangeHash> {
    doc.get_changes_meta(&[])
        .iter()
        .filter(|m| m.actor.as_ref() == actor)
        .max_by_key(|m| m.seq)
        .map(|m| m.hash)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    pub(crate) fn credential(public: &SigningKey, expires_at: i64) -> DeviceCredential {
        DeviceCredential {
            device_id: "d1".into(),
            device_name: "平板-01".into(),
            user_name: "王芳".into(),
            township: "树林召镇".into(),
            actor: "00".repeat(16),
            public_key: public.verifying_key().to_bytes().to_vec(),
            issued_at: 100,
            expires_at,
        }
    }

    #[test]
    fn a_credential_verifies_only_under_its_server_and_before_it_expires() {
        let server = key(1);
        let c = credential(&key(2), 1_000);
        let signed = SignedCredential::sign(&c, &server);
        let pk = server.verifying_key().to_bytes();
        assert_eq!(signed.verify(&pk, 999), Ok(c.clone()));
        assert_eq!(signed.verify(&pk, 1_000), Err(AuthError::Expired(1_000)));
        let other = key(3).verifying_key().to_bytes();
        assert_eq!(signed.verify(&other, 999), Err(AuthError::BadSignature));
        // A credential edited after signing (a longer validity, another investigator) fails.
        let mut forged = signed.clone();
        let mut c2 = c;
        c2.user_name = "李强".into();
        ciborium::into_writer(&c2, {
            forged.body.clear();
            &mut forged.body
        })
        .unwrap();
        assert_eq!(forged.verify(&pk, 999), Err(AuthError::BadSignature));
    }

    #[test]
    fn an_attestation_vouches_for_its_writers_chain_only() {
        let (a_key, b_key) = (key(4), key(5));
        let a = ActorId::random();
        let mut doc = AutoCommit::new().with_actor(a.clone());
        use automerge::transaction::Transactable;
        for i in 0..3 {
            doc.put(automerge::ROOT, "n", i as i64).unwrap();
            doc.commit();
        }
        let case = CaseId::new();
        let newest = newest_change_by(&mut doc, &a).unwrap();
        let att = Attestation::sign(&a_key, case, &newest);
        assert!(att.verify(&a_key.verifying_key().to_bytes()));
        assert!(!att.verify(&b_key.verifying_key().to_bytes()));
        assert_eq!(att.vouches_up_to(&mut doc, &a), Some(3));
        assert_eq!(att.vouches_up_to(&mut doc, &ActorId::random()), None);
        // Another case's attestation does not carry over.
        let mut moved = att.clone();
        moved.doc = CaseId::new();
        assert!(!moved.verify(&a_key.verifying_key().to_bytes()));
    }
}
