//! The station ⇄ banner messages (`/api/v1/station`), CBOR like the tablets' protocol.

use crate::store::{Item, ReplicaDevice, ReplicaUser};
use jiuzhu_shared::CaseId;
use serde::{Deserialize, Serialize};

pub const STATION_VERSION: u16 = 1;

/// Station → banner, once: the one-time code `admin add-station` printed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enroll {
    pub v: u16,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enrolled {
    pub v: u16,
    pub station_id: String,
    /// Bearer credential; the banner keeps only its hash.
    pub token: String,
    pub township: String,
}

/// One uplink round, station → banner.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Round {
    pub v: u16,
    /// The heads of every case document the station holds.
    pub have: Vec<Heads>,
    /// Changes the banner has not confirmed, per case (Automerge changes, concatenated).
    pub up: Vec<Changes>,
    /// The latest workflow item time the station holds (items after it come down).
    pub items_since: i64,
    /// Workflow actions taken at the station's console, oldest first (`forward`).
    #[serde(default)]
    pub forward: Vec<super::forward::Forward>,
    /// The devices the station knows: those it enrolled itself are new to the banner.
    #[serde(default)]
    pub devices: Vec<ReplicaDevice>,
}

/// One uplink round, banner → station.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Answer {
    pub v: u16,
    /// What the station lacks of each case of its township.
    pub down: Vec<Changes>,
    /// The banner's heads of every case of the township, after merging `up`.
    pub heads: Vec<Heads>,
    /// Cases whose `up` the banner refused, and why.
    pub refused: Vec<jiuzhu_shared::protocol::Refusal>,
    pub replica: Replica,
    /// What the banner made of each forwarded action.
    #[serde(default)]
    pub forwarded: Vec<super::forward::Outcome>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Heads {
    pub case: CaseId,
    pub heads: Vec<serde_bytes::ByteBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Changes {
    pub case: CaseId,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// The banner's records the station keeps a read-only copy of, for its township.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Replica {
    pub users: Vec<ReplicaUser>,
    pub devices: Vec<ReplicaDevice>,
    /// Every case of the township with its team now (user ids; empty: withdrawn).
    pub teams: Vec<(CaseId, Vec<i64>)>,
    /// Workflow flows of the township's cases changed since `items_since`, and the lease secrets
    /// and public keys of its devices.
    pub items: Vec<Item>,
}

pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(msg, &mut out).expect("CBOR into a Vec cannot fail");
    out
}

pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    ciborium::from_reader(bytes).map_err(|e| e.to_string())
}
