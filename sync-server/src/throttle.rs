//! Counting what one phone, network address or account does in a sliding window, so that a
//! script cannot guess codes and passwords, send texts or stall cases at machine speed. Counts
//! are items in the store (`kind`, key → the times of the events in the window), so they hold
//! across restarts and sit in the same transactions as what they guard.

use crate::store::{DocTxn, Item, Store, StoreError};
use serde_json::json;
use std::net::IpAddr;

/// At most `max` events per `window_s` seconds for one key of `kind`.
pub struct Limit {
    pub kind: &'static str,
    pub max: usize,
    pub window_s: i64,
}

/// Refused: the key may act again in `retry_after_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_s: i64,
}

impl Throttled {
    /// The wait in whole minutes, at least one (what the messages say).
    pub fn minutes(self) -> i64 {
        ((self.retry_after_s + 59) / 60).max(1)
    }
}

/// The events still in the window, or the wait when they fill it.
fn admit(times: &mut Vec<i64>, limit: &Limit, now: i64) -> Result<(), Throttled> {
    times.retain(|t| now - t < limit.window_s);
    if times.len() < limit.max {
        return Ok(());
    }
    let oldest = times.iter().min().copied().unwrap_or(now);
    Err(Throttled {
        retry_after_s: (oldest + limit.window_s - now).max(1),
    })
}

impl Limit {
    fn times(&self, txn: &mut dyn DocTxn, key: &str) -> Result<Vec<i64>, StoreError> {
        Ok(txn
            .item(self.kind, key)?
            .and_then(|i| serde_json::from_value(i.body).ok())
            .unwrap_or_default())
    }

    /// The wait, when `key` has used up its allowance (counts nothing).
    pub fn full(
        &self,
        txn: &mut dyn DocTxn,
        key: &str,
        now: i64,
    ) -> Result<Option<Throttled>, StoreError> {
        Ok(admit(&mut self.times(txn, key)?, self, now).err())
    }

    /// Count one event for `key`.
    pub fn count(&self, txn: &mut dyn DocTxn, key: &str, now: i64) -> Result<(), StoreError> {
        let mut times = self.times(txn, key)?;
        times.retain(|t| now - t < self.window_s);
        times.push(now);
        self.put(txn, key, &times, now)
    }

    fn put(
        &self,
        txn: &mut dyn DocTxn,
        key: &str,
        times: &[i64],
        now: i64,
    ) -> Result<(), StoreError> {
        txn.put_item(&Item {
            kind: self.kind.into(),
            id: key.to_string(),
            case_id: None,
            body: json!(times),
            at: now,
        })
    }

    /// Take back one event counted at `at` (an attempt counted in advance that succeeded).
    pub fn uncount(&self, txn: &mut dyn DocTxn, key: &str, at: i64) -> Result<(), StoreError> {
        let mut times = self.times(txn, key)?;
        if let Some(i) = times.iter().rposition(|t| *t == at) {
            times.remove(i);
            self.put(txn, key, &times, at)?;
        }
        Ok(())
    }

    /// Forget `key`'s events (a success clears its failures).
    pub fn clear(&self, txn: &mut dyn DocTxn, key: &str) -> Result<(), StoreError> {
        if txn.item(self.kind, key)?.is_some() {
            txn.delete_item(self.kind, key)?;
        }
        Ok(())
    }

    /// Check and count one event in one transaction: the wait when refused (nothing counted).
    pub fn take(
        &self,
        store: &dyn Store,
        key: &str,
        now: i64,
    ) -> Result<Option<Throttled>, StoreError> {
        let mut out = None;
        store.transact(&mut |txn| {
            out = self.full(txn, key, now)?;
            if out.is_none() {
                self.count(txn, key, now)?;
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// The key a client address is limited under. An IPv6 address counts by its /64: one
/// subscriber's network holds 2⁶⁴ addresses, so counting single addresses would limit nothing.
/// An IPv4 address (or one mapped into IPv6) counts as itself; an unknown address as one.
pub fn address_key(addr: Option<IpAddr>) -> String {
    match addr.map(|a| a.to_canonical()) {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_of_one_64_share_a_key() {
        let key = |s: &str| address_key(Some(s.parse().unwrap()));
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
        assert_eq!(address_key(None), "unknown");
    }

    #[test]
    fn a_full_window_says_how_long_to_wait() {
        let limit = Limit {
            kind: "t",
            max: 2,
            window_s: 100,
        };
        let mut times = vec![10, 50];
        assert_eq!(
            admit(&mut times, &limit, 60),
            Err(Throttled { retry_after_s: 50 })
        );
        // The oldest event leaves the window: room again.
        assert_eq!(admit(&mut times, &limit, 110), Ok(()));
        assert_eq!(times, vec![50]);
        assert_eq!(Throttled { retry_after_s: 61 }.minutes(), 2);
        assert_eq!(Throttled { retry_after_s: 1 }.minutes(), 1);
    }
}
