//! Identifiers. Case ids are UUIDv7 (time-ordered, created offline without coordination); blobs are
//! addressed by the SHA-256 of their stored bytes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("not a valid id: {0:?} (expected a UUID such as 0193a5c2-7e1f-7c3a-9b1e-2f4d5a6b7c8d)")]
    Uuid(String),
    #[error("not a valid SHA-256 hash: {0:?} (expected 64 lowercase hex digits)")]
    Hash(String),
    #[error("not a valid actor id: {0:?} (expected 32 hex digits)")]
    Actor(String),
}

macro_rules! uuid_id {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| IdError::Uuid(s.to_string()))
            }
        }
    };
}

uuid_id!(
    CaseId,
    "One case (one household's application or review) = one Automerge document."
);
uuid_id!(DeviceId, "One enrolled tablet.");

/// Content address of a photo or signature image: SHA-256 of the exact stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobHash(pub [u8; 32]);

impl BlobHash {
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(bytes).into())
    }
}
impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}
impl FromStr for BlobHash {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let mut out = [0u8; 32];
        if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(IdError::Hash(s.to_string()));
        }
        hex::decode_to_slice(s, &mut out).map_err(|_| IdError::Hash(s.to_string()))?;
        Ok(Self(out))
    }
}
impl Serialize for BlobHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}
impl<'de> Deserialize<'de> for BlobHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The Automerge actor id bound to one device or one console user (16 random bytes). The server
/// refuses any incoming change whose actor is not the sender's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActorKey(pub [u8; 16]);

impl ActorKey {
    pub fn random() -> Self {
        Self(*Uuid::new_v4().as_bytes())
    }
    pub fn to_actor_id(self) -> automerge::ActorId {
        automerge::ActorId::from(&self.0[..])
    }
    pub fn matches(&self, actor: &automerge::ActorId) -> bool {
        actor.to_bytes() == self.0
    }
}
impl fmt::Display for ActorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}
impl FromStr for ActorKey {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let mut out = [0u8; 16];
        hex::decode_to_slice(s, &mut out).map_err(|_| IdError::Actor(s.to_string()))?;
        Ok(Self(out))
    }
}

/// A fresh id for a row inside a document (member, income row, photo entry…).
pub fn new_row_id() -> String {
    Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_hash_round_trips_and_rejects_bad_input() {
        let h = BlobHash::of(b"abc");
        assert_eq!(
            h.to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(h.to_string().parse::<BlobHash>().unwrap(), h);
        assert!("xyz".parse::<BlobHash>().is_err());
        assert!(h.to_string().to_uppercase().parse::<BlobHash>().is_err());
    }

    #[test]
    fn case_ids_parse_and_order_by_time() {
        let a = CaseId::new();
        let b = CaseId::new();
        assert!(a < b);
        assert_eq!(a.to_string().parse::<CaseId>().unwrap(), a);
        assert!("not-a-case".parse::<CaseId>().is_err());
    }
}
