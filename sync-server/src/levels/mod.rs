//! 分级建设 (issue 18 point 1): one binary, two levels. The banner server (旗级) holds every
//! township's cases and is where the workflow is taken; a township station (乡镇同步站) is the
//! same server started with `--upstream`, holding a copy of its township's cases so that tablets
//! sync there when the banner is out of reach.
//!
//! Where each record lives:
//! - case documents: both levels; a change made at either (a tablet's visit synced at the
//!   station, the workflow's header at the banner) reaches the other at the next uplink round,
//!   merged by Automerge, each change once;
//! - blobs (photos, signatures, materials): both; the station sends what the banner lacks and
//!   fetches what its cases reference;
//! - users, devices (with their token hashes, so a tablet enrolled at the banner is known at its
//!   station), teams, workflow flows, lease secrets and devices' public keys: at the banner; the
//!   station holds a read-only copy of its township's, refreshed every round;
//! - workflow records, meetings, 公示, notices, audit of workflow actions: at the banner only;
//!   the station's console is read-only and sends people to the banner to act.
//!
//! The station is a client of the banner (`uplink`), enrolled with a one-time code
//! (`admin add-station`) and pinning the banner's certificate; the banner answers it
//! (`banner`). The wire is CBOR like the tablets' (`wire`).

pub mod banner;
pub mod forward;
pub mod uplink;
pub mod wire;

use serde::Serialize;
use std::sync::Mutex;

/// At which level this server runs, and — at a station — how its uplink is doing.
#[derive(Debug, Default)]
pub struct Level {
    station: Option<Station>,
}

#[derive(Debug)]
struct Station {
    township: String,
    upstream: String,
    status: Mutex<UplinkStatus>,
}

/// What the console shows of the uplink.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UplinkStatus {
    /// The last round the banner answered (unix s).
    pub last_contact: Option<i64>,
    /// The last failure, while the banner is out of reach.
    pub last_error: Option<String>,
    /// Documents with changes the banner has not confirmed, and blobs it does not hold yet.
    pub pending_docs: usize,
    pub pending_blobs: usize,
    /// Console actions queued for the banner (`forward`).
    pub pending_actions: usize,
}

impl Level {
    pub fn banner() -> Level {
        Level::default()
    }

    pub fn station(township: &str, upstream: &str) -> Level {
        Level {
            station: Some(Station {
                township: township.into(),
                upstream: upstream.into(),
                status: Mutex::new(UplinkStatus::default()),
            }),
        }
    }

    pub fn is_station(&self) -> bool {
        self.station.is_some()
    }

    pub fn report(&self, update: impl FnOnce(&mut UplinkStatus)) {
        if let Some(s) = &self.station {
            update(&mut s.status.lock().unwrap_or_else(|p| p.into_inner()));
        }
    }

    /// For the console: the level, and at a station its township, banner and uplink.
    pub fn json(&self) -> serde_json::Value {
        match &self.station {
            None => serde_json::json!({ "level": "banner", "level_zh": "旗级" }),
            Some(s) => serde_json::json!({
                "level": "station",
                "level_zh": "乡镇同步站",
                "township": s.township,
                "upstream": s.upstream,
                "uplink": *s.status.lock().unwrap_or_else(|p| p.into_inner()),
            }),
        }
    }
}
