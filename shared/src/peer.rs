//! Tablet to tablet (issue 18 point 2): the two investigators of one visit sync face to face over
//! a phone hotspot, with no server. What both ends compute alike lives here: the device
//! credential the server signs (so one tablet can trust another it has never met), the
//! invitation, the handshake's signed transcript and the messages of the exchange. No I/O.
//!
//! Trust comes from the server, as for everything else: at each sync the server signs a
//! [`DeviceCredential`] naming the device, its investigator, its Automerge actor and a public key
//! whose private half never leaves the tablet, valid until the device's offline lease ends (so a
//! revoked tablet's credential dies with its lease). The invitation — address, one-time secret,
//! TLS certificate fingerprint — travels face to face as a QR code; the joining tablet pins the
//! certificate and proves the secret; then each side shows its credential and signs the
//! transcript (both nonces and the certificate) with its key.

use crate::credential::verifying_key;
pub use crate::credential::{
    Attestation, AuthError, DeviceCredential, SignedCredential, newest_change_by,
};
use crate::ids::CaseId;
use crate::protocol::DocMessage;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};

/// Version of the face-to-face exchange; a tablet refuses another version with a clear message.
pub const PEER_VERSION: u16 = 1;

/// What the invitation text starts with (also what a scanner looks for in a QR code).
pub const INVITATION_PREFIX: &str = "jiuzhu-peer:1?";

/// Largest frame of the exchange (a round of documents, or blobs up to this size together).
pub const MAX_FRAME: usize = 48 << 20;

/// Blobs sent in one round stop growing past this many bytes; the rest follow next round.
pub const ROUND_BLOB_BYTES: u64 = 8 << 20;

const TRANSCRIPT_CONTEXT: &[u8] = b"jiuzhu peer handshake v1\0";

/// Which end of the handshake signs: each signs a different transcript, so neither proof can be
/// played back as the other's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Host,
    Guest,
}

/// What each side signs: its role, the host's certificate fingerprint (binding the proof to this
/// TLS channel) and both nonces.
pub fn transcript(role: Role, fingerprint: &str, guest_nonce: &[u8], host_nonce: &[u8]) -> Vec<u8> {
    let role: &[u8] = match role {
        Role::Host => b"host\0",
        Role::Guest => b"guest\0",
    };
    [
        TRANSCRIPT_CONTEXT,
        role,
        fingerprint.as_bytes(),
        b"\0",
        guest_nonce,
        host_nonce,
    ]
    .concat()
}

pub fn prove(key: &SigningKey, transcript: &[u8]) -> Vec<u8> {
    key.sign(transcript).to_bytes().to_vec()
}

pub fn check_proof(
    credential: &DeviceCredential,
    transcript: &[u8],
    proof: &[u8],
) -> Result<(), AuthError> {
    let key = verifying_key(&credential.public_key)?;
    let sig = Signature::from_slice(proof).map_err(|_| AuthError::BadProof)?;
    key.verify(transcript, &sig)
        .map_err(|_| AuthError::BadProof)
}

/// The invitation one tablet shows and the other scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub addr: std::net::SocketAddr,
    /// One-time secret (hex), good for one exchange.
    pub secret: String,
    /// SHA-256 of the host's TLS certificate (hex).
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this is not a face-to-face invitation ({0}): scan the code the other tablet shows")]
pub struct BadInvitation(pub &'static str);

impl Invitation {
    /// One line, also what the QR code holds: `jiuzhu-peer:1?addr=…&fp=…&s=…`.
    pub fn to_text(&self) -> String {
        format!(
            "{INVITATION_PREFIX}addr={}&fp={}&s={}",
            self.addr, self.fingerprint, self.secret
        )
    }

    pub fn parse(text: &str) -> Result<Invitation, BadInvitation> {
        let rest = text
            .trim()
            .strip_prefix(INVITATION_PREFIX)
            .ok_or(BadInvitation("it does not start with jiuzhu-peer:1"))?;
        let (mut addr, mut fp, mut secret) = (None, None, None);
        for pair in rest.split('&') {
            match pair.split_once('=') {
                Some(("addr", v)) => addr = v.parse().ok(),
                Some(("fp", v)) => fp = Some(v.to_string()),
                Some(("s", v)) => secret = Some(v.to_string()),
                _ => {}
            }
        }
        let hex64 = |v: &String| v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit());
        Ok(Invitation {
            addr: addr.ok_or(BadInvitation("no address"))?,
            fingerprint: fp
                .filter(hex64)
                .ok_or(BadInvitation("no certificate fingerprint"))?
                .to_lowercase(),
            secret: secret
                .filter(|s| s.len() >= 32 && s.chars().all(|c| c.is_ascii_hexdigit()))
                .ok_or(BadInvitation("no secret"))?,
        })
    }
}

/// One frame of the exchange. The guest speaks first and drives the rounds; the host answers
/// each frame with one frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeerMsg {
    /// Guest → host: the invitation's secret, the guest's credential and nonce.
    Hello {
        v: u16,
        secret: String,
        credential: SignedCredential,
        #[serde(with = "serde_bytes")]
        nonce: Vec<u8>,
    },
    /// Host → guest: the host's credential, nonce and proof.
    Welcome {
        credential: SignedCredential,
        #[serde(with = "serde_bytes")]
        nonce: Vec<u8>,
        #[serde(with = "serde_bytes")]
        proof: Vec<u8>,
    },
    /// Guest → host: the guest's proof and the cases it holds that are assigned to both.
    /// Host → guest: the same list from the host's side. The exchange covers their intersection.
    Proof {
        #[serde(with = "serde_bytes")]
        proof: Vec<u8>,
        cases: Vec<CaseId>,
    },
    Round(Round),
    /// Either side: the exchange is refused or broken off, with a stable code and the reason.
    Refused {
        code: String,
        message: String,
    },
    /// Guest → host: the exchange is finished.
    Bye,
}

/// One round of the exchange, in either direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// Automerge sync messages of shared cases.
    pub docs: Vec<DocMessage>,
    /// Cases whose last message from the other side was not taken, and why (Chinese).
    pub refused: Vec<PeerRefusal>,
    /// Photo or signature blobs (by hash) this side lacks and the other's documents reference.
    pub want: Vec<String>,
    /// Blobs the other side asked for.
    pub blobs: Vec<PeerBlob>,
    /// The sender's signatures over its newest change in each case it sent, for the server.
    pub attest: Vec<Attestation>,
}

impl Round {
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
            && self.refused.is_empty()
            && self.want.is_empty()
            && self.blobs.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRefusal {
    pub case: CaseId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerBlob {
    pub hash: String,
    pub case: CaseId,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

pub fn encode(msg: &PeerMsg) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(msg, &mut out).expect("CBOR into a Vec cannot fail");
    out
}

pub fn decode(bytes: &[u8]) -> Result<PeerMsg, String> {
    ciborium::from_reader(bytes).map_err(|e| e.to_string())
}

/// The cases of `held` (case, team) whose team holds both investigators.
pub fn shared_cases<'a>(
    held: impl IntoIterator<Item = (CaseId, &'a [String])>,
    me: &str,
    peer: &str,
) -> Vec<CaseId> {
    held.into_iter()
        .filter(|(_, team)| team.iter().any(|t| t == me) && team.iter().any(|t| t == peer))
        .map(|(c, _)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::tests::{credential, key};

    #[test]
    fn a_proof_binds_role_channel_and_nonces() {
        let device = key(2);
        let c = credential(&device, 1_000);
        let t = transcript(Role::Guest, "ab", b"n1", b"n2");
        let p = prove(&device, &t);
        assert_eq!(check_proof(&c, &t, &p), Ok(()));
        for other in [
            transcript(Role::Host, "ab", b"n1", b"n2"),
            transcript(Role::Guest, "cd", b"n1", b"n2"),
            transcript(Role::Guest, "ab", b"n1", b"n3"),
        ] {
            assert_eq!(check_proof(&c, &other, &p), Err(AuthError::BadProof));
        }
        let stranger = prove(&key(9), &t);
        assert_eq!(check_proof(&c, &t, &stranger), Err(AuthError::BadProof));
    }

    #[test]
    fn invitations_round_trip_and_refuse_anything_else() {
        let inv = Invitation {
            addr: "192.168.43.1:7788".parse().unwrap(),
            secret: "ab".repeat(16),
            fingerprint: "cd".repeat(32),
        };
        assert_eq!(Invitation::parse(&inv.to_text()), Ok(inv.clone()));
        assert_eq!(
            Invitation::parse(&format!("  {}\n", inv.to_text())),
            Ok(inv.clone())
        );
        for bad in [
            "https://example.invalid",
            "jiuzhu-peer:1?addr=1.2.3.4:5&fp=zz&s=00",
            &inv.to_text().replace("&s=", "&t="),
            &inv.to_text().replace("192.168.43.1:7788", "nowhere"),
        ] {
            assert!(Invitation::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn messages_round_trip() {
        let m = PeerMsg::Round(Round {
            docs: vec![DocMessage {
                doc: CaseId::new(),
                msg: vec![1, 2, 3],
            }],
            refused: vec![],
            want: vec!["aa".into()],
            blobs: vec![],
            attest: vec![],
        });
        assert_eq!(decode(&encode(&m)), Ok(m));
        assert!(decode(b"\xff\x00").is_err());
    }

    #[test]
    fn shared_cases_need_both_on_the_team() {
        let (a, b, c) = (CaseId::new(), CaseId::new(), CaseId::new());
        let both = vec!["王芳".to_string(), "李强".to_string()];
        let one = vec!["王芳".to_string()];
        let other = vec!["李强".to_string(), "赵敏".to_string()];
        let held = vec![
            (a, both.as_slice()),
            (b, one.as_slice()),
            (c, other.as_slice()),
        ];
        assert_eq!(shared_cases(held, "王芳", "李强"), vec![a]);
    }
}
