//! The device ⇄ server wire protocol (design §3), version 1.
//!
//! Bodies are CBOR (compact, binary-safe for Automerge sync messages) and gzip-compressed on the
//! wire. Every message carries `v`, the protocol version; a peer refuses a version it does not speak
//! with a clear error instead of guessing. Golden tests pin the exact bytes: changing a field name
//! or order changes the encoding and must come with a new version.
//!
//! Endpoints (all under `/api/v1`, HTTPS only):
//! - `POST /enroll`      [`EnrollRequest`] → [`EnrollResponse`]
//! - `POST /sync`        [`SyncRequest`] → [`SyncResponse`] (bearer device token), one round
//! - `GET  /blobs/{hash}` → [`BlobStatus`] (how many bytes the server already holds)
//! - `PUT  /blobs/{hash}?offset=N&total=T` a chunk of the blob → [`BlobStatus`]
//! - `POST /credential`  [`CredentialRequest`] → [`CredentialResponse`] (bearer device token): the
//!   signed credential for face-to-face sync (`crate::peer`)
//!
//! Errors are [`ErrorBody`] with an HTTP 4xx/5xx status.

use crate::ids::CaseId;
use serde::{Deserialize, Serialize};

pub const PROTOCOL_VERSION: u16 = 1;
pub const CONTENT_TYPE: &str = "application/cbor";
/// Largest blob chunk a device sends in one request; a cut link re-sends at most this much.
pub const BLOB_CHUNK: u64 = 256 * 1024;
/// Largest photo or signature image the server accepts.
pub const MAX_BLOB_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("message could not be decoded: {0}")]
    Decode(String),
    #[error(
        "peer speaks protocol version {got}, this build speaks {PROTOCOL_VERSION}: update the app or the server"
    )]
    Version { got: u16 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub v: u16,
    /// The one-time enrollment code shown by the server.
    pub code: String,
    /// A name for the device, e.g. "平板-03".
    pub device_name: String,
    pub app_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub v: u16,
    pub device_id: String,
    /// Bearer credential; the server keeps only its hash.
    pub token: String,
    /// Automerge actor id (hex) this device must write with.
    pub actor: String,
    pub user_name: String,
    pub township: String,
    /// The device's lease secret (hex) and first offline lease (unix seconds): the tablet wraps
    /// its data keys under its PIN and this secret, and forgets the secret when the lease lapses
    /// (issue 13 point 5). Optional fields added within version 1, like `lease_until` below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<i64>,
    /// The cipher the deployment chose for the tablet's files and key wrapping
    /// ([`TabletCipher::name`]), applied when the tablet makes its keys at enrollment. Optional and
    /// last, as the lease fields; a name as text, so a tablet that does not know it says so instead
    /// of failing to read the whole answer. Absent: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tablet_cipher: Option<String>,
}

/// How a tablet encrypts its photo, thumbnail and signature files and wraps its keys (issue 13
/// point 7). The database is SQLCipher (AES-256) whatever the choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TabletCipher {
    #[default]
    #[serde(rename = "xchacha20poly1305")]
    XChaCha20Poly1305,
    /// SM4 (GB/T 32907) in GCM mode, for deployments assessed under GB/T 39786 (商用密码).
    #[serde(rename = "sm4-gcm")]
    Sm4Gcm,
}

impl TabletCipher {
    pub const ALL: [TabletCipher; 2] = [TabletCipher::XChaCha20Poly1305, TabletCipher::Sm4Gcm];

    pub fn name(self) -> &'static str {
        match self {
            TabletCipher::XChaCha20Poly1305 => "xchacha20poly1305",
            TabletCipher::Sm4Gcm => "sm4-gcm",
        }
    }
}

impl std::fmt::Display for TabletCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TabletCipher {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TabletCipher::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                format!("`{s}` is not a tablet cipher: use xchacha20poly1305 or sm4-gcm")
            })
    }
}

/// An Automerge sync message for one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMessage {
    pub doc: CaseId,
    #[serde(with = "serde_bytes")]
    pub msg: Vec<u8>,
}

/// One round of a sync conversation, device → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub v: u16,
    /// Server change cursor the device last completed a sync at (0 = never).
    pub cursor: u64,
    /// Messages for every document the device changed or the server announced.
    pub docs: Vec<DocMessage>,
    pub app_version: String,
    /// Signatures of colleagues whose changes the sent documents carry (face-to-face sync,
    /// `crate::credential::Attestation`). Optional and last, like the response's lease fields; empty
    /// is not written, so a request without relayed work encodes as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relayed: Vec<crate::credential::Attestation>,
}

/// Why the server refused a document's message (the rest of the round still counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub doc: CaseId,
    /// `not_assigned` | `foreign_actor` | `future_timestamp` | `invalid_document` | `bad_message`
    pub code: String,
    pub message: String,
}

/// One round, server → device. Sent only after the round's merges are committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub v: u16,
    pub docs: Vec<DocMessage>,
    /// Cases newly assigned to this device's investigator since `cursor`.
    pub assigned: Vec<CaseId>,
    /// Cases withdrawn since `cursor`: the device drops them once its own work on them is synced.
    pub withdrawn: Vec<CaseId>,
    pub refused: Vec<Refusal>,
    /// Cursor to store once the whole conversation has finished.
    pub cursor: u64,
    /// Server time (unix seconds), so a device can notice its clock is wrong.
    pub server_time: i64,
    /// Offline lease (unix seconds): past it the device locks case data until it syncs again.
    /// Added within version 1: an optional field at the end that older devices ignore (serde skips
    /// unknown map keys) and that newer devices read as `None` from older servers, so neither side
    /// misreads the other and [`PROTOCOL_VERSION`] stays 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<i64>,
    /// The device's lease secret (hex), sent with every lease: a tablet whose lease lapsed forgot
    /// its copy, and only this answer — never given to a revoked device — opens its data again.
    /// Optional and last, as `lease_until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_secret: Option<String>,
}

/// Device → server: sign my face-to-face key (issue 18 point 2). The tablet asks at each sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRequest {
    pub v: u16,
    /// The tablet's Ed25519 public key (32 bytes).
    #[serde(with = "serde_bytes")]
    pub public_key: Vec<u8>,
}

/// Server → device: the signed credential and the key that verifies every tablet's credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialResponse {
    pub v: u16,
    pub credential: crate::credential::SignedCredential,
    #[serde(with = "serde_bytes")]
    pub server_key: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    pub v: u16,
    pub hash: String,
    /// Bytes of the blob the server holds durably; resume from here.
    pub offset: u64,
    /// True once the whole blob is present and its hash verified.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub v: u16,
    /// Stable machine-readable code, e.g. `device_revoked`, `unknown_device`, `code_expired`.
    pub code: String,
    /// What went wrong and what to do, for people.
    pub message: String,
}

/// Anything that travels on the wire.
pub trait WireMessage: Serialize + for<'de> Deserialize<'de> {
    fn version(&self) -> u16;
}

macro_rules! wire {
    ($($t:ty),*) => { $(impl WireMessage for $t { fn version(&self) -> u16 { self.v } })* };
}
wire!(
    EnrollRequest,
    EnrollResponse,
    SyncRequest,
    SyncResponse,
    BlobStatus,
    ErrorBody,
    CredentialRequest,
    CredentialResponse
);

pub fn encode<T: WireMessage>(msg: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(msg, &mut out).expect("CBOR encoding into a Vec cannot fail");
    out
}

pub fn decode<T: WireMessage>(bytes: &[u8]) -> Result<T, ProtocolError> {
    let msg: T = ciborium::from_reader(bytes).map_err(|e| ProtocolError::Decode(e.to_string()))?;
    if msg.version() != PROTOCOL_VERSION {
        return Err(ProtocolError::Version { got: msg.version() });
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn case() -> CaseId {
        CaseId(Uuid::from_u128(0x0193_a5c2_7e1f_7c3a_9b1e_2f4d_5a6b_7c8d))
    }

    /// Golden encodings: if one of these fails, the wire format changed. Old tablets in the field
    /// will not understand the new bytes, so bump PROTOCOL_VERSION and keep decoding the old one.
    #[test]
    fn golden_sync_request() {
        let msg = SyncRequest {
            v: 1,
            cursor: 42,
            docs: vec![DocMessage {
                doc: case(),
                msg: vec![0x42, 1, 2],
            }],
            app_version: "0.1.0".into(),
            relayed: Vec::new(),
        };
        let bytes = encode(&msg);
        assert_eq!(hex::encode(&bytes), GOLDEN_SYNC_REQUEST);
        assert_eq!(decode::<SyncRequest>(&bytes).unwrap(), msg);
    }

    #[test]
    fn golden_sync_response() {
        let msg = SyncResponse {
            v: 1,
            docs: vec![DocMessage {
                doc: case(),
                msg: vec![0x43],
            }],
            assigned: vec![case()],
            withdrawn: vec![],
            refused: vec![Refusal {
                doc: case(),
                code: "foreign_actor".into(),
                message: "x".into(),
            }],
            cursor: 7,
            server_time: 1_790_000_000,
            lease_until: Some(1_790_259_200),
            lease_secret: None,
        };
        let bytes = encode(&msg);
        assert_eq!(hex::encode(&bytes), GOLDEN_SYNC_RESPONSE);
        assert_eq!(decode::<SyncResponse>(&bytes).unwrap(), msg);
        // With the lease secret (issue 13): one more key at the end, the rest byte for byte.
        let with_secret = SyncResponse {
            lease_secret: Some("ab".repeat(4)),
            ..msg.clone()
        };
        let bytes = encode(&with_secret);
        assert_eq!(hex::encode(&bytes), GOLDEN_SYNC_RESPONSE_WITH_SECRET);
        assert_eq!(decode::<SyncResponse>(&bytes).unwrap(), with_secret);
        assert_eq!(
            decode::<SyncResponse>(&hex::decode(GOLDEN_SYNC_RESPONSE).unwrap())
                .unwrap()
                .lease_secret,
            None
        );
        // An older server's answer still decodes: no lease, nothing else changes.
        let old = hex::decode(GOLDEN_SYNC_RESPONSE_WITHOUT_LEASE).unwrap();
        let back = decode::<SyncResponse>(&old).unwrap();
        assert_eq!(back.lease_until, None);
        assert_eq!(back.cursor, msg.cursor);
    }

    #[test]
    fn golden_enroll_and_blob() {
        let req = EnrollRequest {
            v: 1,
            code: "ABCD-2345".into(),
            device_name: "平板-03".into(),
            app_version: "0.1.0".into(),
        };
        assert_eq!(hex::encode(encode(&req)), GOLDEN_ENROLL_REQUEST);
        let st = BlobStatus {
            v: 1,
            hash: "ab".repeat(32),
            offset: 262_144,
            complete: false,
        };
        assert_eq!(hex::encode(encode(&st)), GOLDEN_BLOB_STATUS);
    }

    #[test]
    fn golden_enroll_response() {
        let msg = EnrollResponse {
            v: 1,
            device_id: "d1".into(),
            token: "t".into(),
            actor: "ab".into(),
            user_name: "王建国".into(),
            township: "乌兰".into(),
            lease_secret: Some("cd".into()),
            lease_until: Some(1_790_259_200),
            tablet_cipher: None,
        };
        let bytes = encode(&msg);
        assert_eq!(hex::encode(&bytes), GOLDEN_ENROLL_RESPONSE);
        assert_eq!(decode::<EnrollResponse>(&bytes).unwrap(), msg);
        // With the deployment's cipher (issue 13 point 7): one more key at the end, the rest
        // byte for byte; the answer without it (an older server) reads as the default.
        let with_cipher = EnrollResponse {
            tablet_cipher: Some(TabletCipher::Sm4Gcm.to_string()),
            ..msg.clone()
        };
        let bytes = encode(&with_cipher);
        assert_eq!(hex::encode(&bytes), GOLDEN_ENROLL_RESPONSE_WITH_CIPHER);
        assert_eq!(decode::<EnrollResponse>(&bytes).unwrap(), with_cipher);
        assert!(GOLDEN_ENROLL_RESPONSE_WITH_CIPHER[2..].starts_with(&GOLDEN_ENROLL_RESPONSE[2..]));
        let old = decode::<EnrollResponse>(&hex::decode(GOLDEN_ENROLL_RESPONSE).unwrap()).unwrap();
        assert_eq!(old.tablet_cipher, None);
        for c in TabletCipher::ALL {
            assert_eq!(c.name().parse::<TabletCipher>(), Ok(c));
        }
        assert!(
            "sm4"
                .parse::<TabletCipher>()
                .unwrap_err()
                .contains("sm4-gcm")
        );
    }

    #[test]
    fn refuses_other_versions_and_garbage() {
        let mut msg = SyncRequest {
            v: 2,
            cursor: 0,
            docs: vec![],
            app_version: String::new(),
            relayed: Vec::new(),
        };
        let err = decode::<SyncRequest>(&encode(&msg)).unwrap_err();
        assert!(matches!(err, ProtocolError::Version { got: 2 }), "{err}");
        msg.v = 1;
        assert!(decode::<SyncRequest>(&encode(&msg)).is_ok());
        assert!(matches!(
            decode::<SyncRequest>(b"\xff\x00garbage"),
            Err(ProtocolError::Decode(_))
        ));
        assert!(
            decode::<SyncResponse>(&encode(&msg)).is_err(),
            "a request is not a response"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, failure_persistence: None, ..Default::default() })]
        /// Whatever arrives, decoding answers with a value or an error; it never panics.
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = decode::<SyncRequest>(&bytes);
            let _ = decode::<EnrollRequest>(&bytes);
            let _ = decode::<BlobStatus>(&bytes);
        }
    }

    const GOLDEN_SYNC_REQUEST: &str = "a461760166637572736f72182a64646f637381a263646f63500193a5c27e1f7c3a9b1e2f4d5a6b7c8d636d7367434201026b6170705f76657273696f6e65302e312e30";
    const GOLDEN_SYNC_RESPONSE: &str = "a861760164646f637381a263646f63500193a5c27e1f7c3a9b1e2f4d5a6b7c8d636d736741436861737369676e656481500193a5c27e1f7c3a9b1e2f4d5a6b7c8d6977697468647261776e80677265667573656481a363646f63500193a5c27e1f7c3a9b1e2f4d5a6b7c8d64636f64656d666f726569676e5f6163746f72676d657373616765617866637572736f72076b7365727665725f74696d651a6ab13b806b6c656173655f756e74696c1a6ab53000";
    const GOLDEN_SYNC_RESPONSE_WITH_SECRET: &str = "a961760164646f637381a263646f63500193a5c27e1f7c3a9b1e2f4d5a6b7c8d636d736741436861737369676e656481500193a5c27e1f7c3a9b1e2f4d5a6b7c8d6977697468647261776e80677265667573656481a363646f63500193a5c27e1f7c3a9b1e2f4d5a6b7c8d64636f64656d666f726569676e5f6163746f72676d657373616765617866637572736f72076b7365727665725f74696d651a6ab13b806b6c656173655f756e74696c1a6ab530006c6c656173655f736563726574686162616261626162";
    /// The same answer as a server sent it before `lease_until` existed.
    const GOLDEN_SYNC_RESPONSE_WITHOUT_LEASE: &str = "a761760164646f637381a263646f63500193a5c27e1f7c3a9b1e2f4d5a6b7c8d636d736741436861737369676e656481500193a5c27e1f7c3a9b1e2f4d5a6b7c8d6977697468647261776e80677265667573656481a363646f63500193a5c27e1f7c3a9b1e2f4d5a6b7c8d64636f64656d666f726569676e5f6163746f72676d657373616765617866637572736f72076b7365727665725f74696d651a6ab13b80";
    const GOLDEN_ENROLL_REQUEST: &str = "a461760164636f646569414243442d323334356b6465766963655f6e616d6569e5b9b3e69dbf2d30336b6170705f76657273696f6e65302e312e30";
    const GOLDEN_ENROLL_RESPONSE: &str = "a8617601696465766963655f696462643165746f6b656e6174656163746f7262616269757365725f6e616d6569e78e8be5bbbae59bbd68746f776e7368697066e4b98ce585b06c6c656173655f7365637265746263646b6c656173655f756e74696c1a6ab53000";
    const GOLDEN_ENROLL_RESPONSE_WITH_CIPHER: &str = "a9617601696465766963655f696462643165746f6b656e6174656163746f7262616269757365725f6e616d6569e78e8be5bbbae59bbd68746f776e7368697066e4b98ce585b06c6c656173655f7365637265746263646b6c656173655f756e74696c1a6ab530006d7461626c65745f63697068657267736d342d67636d";
    const GOLDEN_BLOB_STATUS: &str = "a46176016468617368784061626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162666f66667365741a0004000068636f6d706c657465f4";
}
