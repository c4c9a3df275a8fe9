//! The server's clock: seconds since the epoch, and today's date in China (the date that
//! working-day limits, rule sets and reviews count in).

use jiuzhu_shared::rules::date::Date;

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Today's date (China).
pub fn today() -> Date {
    Date::in_china(now())
}
