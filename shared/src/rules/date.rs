//! A calendar date (`YYYY-MM-DD`): enough for validity ranges, ages and months elapsed, without
//! pulling a time library into the pure core.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date: write it as YYYY-MM-DD, e.g. 2025-01-01")]
pub struct DateError(String);

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, DateError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError(format!("{year:04}-{month:02}-{day:02}")));
        }
        Ok(Date { year, month, day })
    }

    /// The calendar date in China (UTC+8, no daylight saving) at a unix time: the date whose rules
    /// apply, the same on the tablet and on the server.
    pub fn in_china(unix_s: i64) -> Self {
        let days = (unix_s + 8 * 3600).div_euclid(86_400);
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Full months from `self` to `later` (0 when `later` is earlier).
    pub fn months_until(self, later: Date) -> u32 {
        let mut months =
            (later.year - self.year) * 12 + i32::from(later.month) - i32::from(self.month);
        if later.day < self.day {
            months -= 1;
        }
        months.max(0) as u32
    }

    /// Age in whole years on `on` (a person born on 29 February turns a year older on 1 March).
    pub fn age_on(self, on: Date) -> u32 {
        self.months_until(on) / 12
    }

    /// The birth date inside an 18-digit resident ID number (digits 7–14), if it is a valid date.
    pub fn from_id_number(id: &str) -> Option<Date> {
        let id = id.trim();
        if id.len() != 18 || !id.is_ascii() {
            return None;
        }
        let digits = &id[6..14];
        format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..])
            .parse()
            .ok()
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, DateError> {
        let bad = || DateError(s.to_string());
        let mut parts = s.trim().splitn(3, '-');
        let mut next = || parts.next().ok_or_else(bad);
        let (y, m, d) = (next()?, next()?, next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let parse = |p: &str| p.parse::<u16>().map_err(|_| bad());
        Date::new(i32::from(parse(y)?), parse(m)? as u8, parse(d)? as u8).map_err(|_| bad())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn china_dates_from_unix_time() {
        // 2026-11-26T16:30:00Z is already 27 November in Beijing; 1970-01-01T00:00Z was 08:00 there.
        assert_eq!(
            super::Date::in_china(1_795_710_600).to_string(),
            "2026-11-27"
        );
        assert_eq!(super::Date::in_china(0).to_string(), "1970-01-01");
        assert_eq!(super::Date::in_china(951_753_600).to_string(), "2000-02-29");
    }

    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!(d("2024-02-29").to_string(), "2024-02-29");
        for bad in ["2023-02-29", "2025-13-01", "2025-1-01", "20250101", "x"] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ages_and_months() {
        assert_eq!(d("1965-06-15").age_on(d("2025-06-14")), 59);
        assert_eq!(d("1965-06-15").age_on(d("2025-06-15")), 60);
        assert_eq!(d("2025-01-31").months_until(d("2025-02-28")), 0);
        assert_eq!(d("2025-01-15").months_until(d("2025-07-15")), 6);
        assert_eq!(d("2025-07-15").months_until(d("2025-01-15")), 0);
        assert_eq!(
            Date::from_id_number("150621196506150012"),
            Some(d("1965-06-15"))
        );
        assert_eq!(Date::from_id_number("15062119650615"), None);
    }
}
