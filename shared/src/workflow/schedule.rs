//! When an active case is reviewed (定期核查, domain §4; S1 Art. 31): yearly for households whose
//! situation changes little and for 特困; every six months for households with working-age members
//! or irregular income.

use crate::rules::date::Date;

use super::state::Programme;

/// What the cadence looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Household {
    pub programme: Programme,
    /// A member aged 16–59 who is not recorded as unable to work.
    pub working_age_member: bool,
    /// Income that varies (wages by the day, herding sales, business).
    pub irregular_income: bool,
}

/// Months between reviews.
pub fn cadence_months(h: &Household) -> u32 {
    match h.programme {
        Programme::Tekun => 12,
        _ if h.working_age_member || h.irregular_income => 6,
        _ => 12,
    }
}

/// The same day `months` later (clamped to the month's last day).
pub fn add_months(date: Date, months: u32) -> Date {
    let s = date.to_string();
    let (y, m, d): (i32, u32, u8) = (
        s[..4].parse().unwrap_or(1970),
        s[5..7].parse().unwrap_or(1),
        s[8..10].parse().unwrap_or(1),
    );
    let total = y * 12 + (m as i32 - 1) + months as i32;
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    (1..=d)
        .rev()
        .find_map(|day| Date::new(ny, nm, day).ok())
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn cadence_follows_the_household() {
        let h = |programme, working_age_member, irregular_income| Household {
            programme,
            working_age_member,
            irregular_income,
        };
        assert_eq!(cadence_months(&h(Programme::Dibao, false, false)), 12);
        assert_eq!(cadence_months(&h(Programme::Dibao, true, false)), 6);
        assert_eq!(cadence_months(&h(Programme::Dibao, false, true)), 6);
        assert_eq!(cadence_months(&h(Programme::Tekun, true, true)), 12);
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        assert_eq!(add_months(d("2026-08-31"), 6), d("2027-02-28"));
        assert_eq!(add_months(d("2026-11-27"), 12), d("2027-11-27"));
        assert_eq!(add_months(d("2026-01-15"), 1), d("2026-02-15"));
    }
}
