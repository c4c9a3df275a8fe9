//! Working days (工作日): weekends and public holidays are off, except the make-up workdays (调休)
//! the State Council moves onto a weekend. Loaded from a TOML calendar file
//! (`config/calendars/*.toml`); the engine never guesses a holiday.

use crate::rules::date::Date;
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("the calendar file is not valid TOML or misses/misspells a key: {0}")]
    Parse(String),
    #[error("{0} is listed both as a holiday and as a make-up workday")]
    Both(Date),
}

/// A holiday calendar. Days outside `holidays` and `workdays` follow the week: Monday–Friday work.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// What the file is (e.g. `example-2026`).
    #[serde(default)]
    pub name: String,
    /// Free text saying where the dates come from (and whether they were checked).
    #[serde(default)]
    pub source: String,
    /// Days off that would otherwise be working days (法定节假日 and the days joined to them).
    #[serde(default)]
    pub holidays: BTreeSet<Date>,
    /// Weekend days that are working days (调休 make-up workdays).
    #[serde(default)]
    pub workdays: BTreeSet<Date>,
}

impl Calendar {
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let cal: Calendar =
            toml::from_str(text).map_err(|e| CalendarError::Parse(e.to_string()))?;
        if let Some(d) = cal.holidays.intersection(&cal.workdays).next() {
            return Err(CalendarError::Both(*d));
        }
        Ok(cal)
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        if self.holidays.contains(&day) {
            return false;
        }
        weekday(day) < 5
    }

    /// Working days strictly after `start` up to and including `end` (0 when `end <= start`).
    pub fn working_days_between(&self, start: Date, end: Date) -> u32 {
        let mut n = 0;
        let mut day = start;
        while day < end {
            day = add_days(day, 1);
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }
}

/// The date `working_days` working days after `start` (the start day itself is not counted, as
/// "within N working days of 受理" counts from the next day). `0` gives `start`.
pub fn deadline(calendar: &Calendar, start: Date, working_days: u32) -> Date {
    let mut day = start;
    let mut left = working_days;
    while left > 0 {
        day = add_days(day, 1);
        if calendar.is_working_day(day) {
            left -= 1;
        }
    }
    day
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
fn ordinal(date: Date) -> i64 {
    let s = date.to_string();
    let y: i64 = s[..4].parse().unwrap_or(1970);
    let m: i64 = s[5..7].parse().unwrap_or(1);
    let d: i64 = s[8..10].parse().unwrap_or(1);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Calendar days from `start` to `end` (negative when `end` is earlier).
pub fn days_between(start: Date, end: Date) -> i64 {
    ordinal(end) - ordinal(start)
}

/// `date` plus `days` calendar days.
pub fn add_days(date: Date, days: i64) -> Date {
    // `in_china` maps a unix time to its date in UTC+8; midnight UTC of day n is day n there too.
    Date::in_china((ordinal(date) + days) * 86_400)
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(date: Date) -> u8 {
    // 1970-01-01 was a Thursday.
    (ordinal(date) + 3).rem_euclid(7) as u8
}
