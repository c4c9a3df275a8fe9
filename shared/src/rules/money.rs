//! Exact money arithmetic. Amounts are integer 分 (fen); an intermediate value that is not a whole
//! number of fen (a row scaled to the reference period, a per-capita share) is kept as an exact
//! fraction and rounded once, where the configuration says and with the mode it names.

use serde::{Deserialize, Deserializer, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// How a fraction of a fen (or of a payment unit) becomes a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Toward negative infinity (舍去).
    Down,
    /// Toward positive infinity (进位).
    Up,
    /// To the nearest, halves upward (四舍五入).
    HalfUp,
}

impl Rounding {
    pub fn zh(self) -> &'static str {
        match self {
            Rounding::Down => "舍去",
            Rounding::Up => "进位",
            Rounding::HalfUp => "四舍五入",
        }
    }
}

/// An exact rational number of fen; the denominator is positive and the fraction reduced.
#[derive(Debug, Clone, Copy)]
pub struct Frac {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl Frac {
    pub const ZERO: Frac = Frac { num: 0, den: 1 };

    pub fn new(num: i128, den: i128) -> Frac {
        assert!(den != 0, "fraction with a zero denominator");
        let sign = den.signum();
        let g = gcd(num, den);
        Frac {
            num: sign * num / g,
            den: sign * den / g,
        }
    }

    pub fn fen(fen: i64) -> Frac {
        Frac::new(i128::from(fen), 1)
    }

    pub fn mul_int(self, k: i64) -> Frac {
        Frac::new(self.num * i128::from(k), self.den)
    }

    pub fn div_int(self, k: i64) -> Frac {
        Frac::new(self.num, self.den * i128::from(k))
    }

    pub fn max0(self) -> Frac {
        if self.num < 0 { Frac::ZERO } else { self }
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    /// A whole number, by `mode`.
    pub fn round(self, mode: Rounding) -> i64 {
        let floor = self.num.div_euclid(self.den);
        let rem = self.num.rem_euclid(self.den);
        let r = match mode {
            Rounding::Down => floor,
            Rounding::Up if rem > 0 => floor + 1,
            Rounding::Up => floor,
            Rounding::HalfUp if 2 * rem >= self.den => floor + 1,
            Rounding::HalfUp => floor,
        };
        i64::try_from(r).expect("amount fits in i64 fen")
    }

    /// The exact value as yuan when it is a whole number of fen, otherwise 约 and the value to the
    /// nearest fen: for explanations only, never for a figure that is compared or paid.
    pub fn yuan(self) -> String {
        if self.den == 1 {
            yuan(self.round(Rounding::Down))
        } else {
            format!("约{}", yuan(self.round(Rounding::HalfUp)))
        }
    }
}

impl std::ops::Add for Frac {
    type Output = Frac;
    fn add(self, o: Frac) -> Frac {
        Frac::new(self.num * o.den + o.num * self.den, self.den * o.den)
    }
}

impl std::ops::Sub for Frac {
    type Output = Frac;
    fn sub(self, o: Frac) -> Frac {
        self + Frac::new(-o.num, o.den)
    }
}

impl std::ops::Mul for Frac {
    type Output = Frac;
    fn mul(self, o: Frac) -> Frac {
        Frac::new(self.num * o.num, self.den * o.den)
    }
}

impl PartialEq for Frac {
    fn eq(&self, o: &Frac) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Frac {}
impl PartialOrd for Frac {
    fn partial_cmp(&self, o: &Frac) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Frac {
    fn cmp(&self, o: &Frac) -> Ordering {
        (self.num * o.den).cmp(&(o.num * self.den))
    }
}

/// Fen as yuan with two decimals, e.g. `1234.50元`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}元", a / 100, a % 100)
}

/// Round `fen` to a multiple of `unit` fen (1 = to the fen, 100 = to the yuan).
pub fn round_to_unit(fen: i64, unit: i64, mode: Rounding) -> i64 {
    Frac::new(i128::from(fen), i128::from(unit)).round(mode) * unit
}

/// A non-negative ratio written in the configuration as a decimal string ("1.5", "0.25"), held
/// exactly: ratios multiply money, so they must not be binary floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Ratio {
    frac: Frac,
    text_scale: u32,
}

impl Ratio {
    pub fn frac(self) -> Frac {
        self.frac
    }

    pub fn parse(s: &str) -> Option<Ratio> {
        let (int, dec) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !all_digits(int) || !all_digits(dec) || dec.len() > 6 {
            return None;
        }
        let scale = 10i128.pow(dec.len() as u32);
        let num = int.parse::<i128>().ok()? * scale + dec.parse::<i128>().unwrap_or(0);
        Some(Ratio {
            frac: Frac::new(num, scale),
            text_scale: dec.len() as u32,
        })
    }
}

impl From<Ratio> for String {
    fn from(r: Ratio) -> String {
        r.to_string()
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10i128.pow(self.text_scale);
        let v = self.frac.num * (scale / self.frac.den);
        if self.text_scale == 0 {
            write!(f, "{v}")
        } else {
            let w = self.text_scale as usize;
            write!(f, "{}.{:0w$}", v / scale, v % scale)
        }
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Ratio;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a ratio as a quoted decimal, e.g. \"1.5\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Ratio, E> {
                Ratio::parse(s).ok_or_else(|| {
                    E::custom(format!(
                        "`{s}` is not a ratio: write a non-negative decimal in quotes, e.g. \"1.5\""
                    ))
                })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Ratio, E> {
                Err(E::custom(format!(
                    "{v} is not a ratio: write it in quotes (\"{v}\") so it is held exactly"
                )))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Ratio, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_modes() {
        let f = Frac::new(5, 2); // 2.5
        assert_eq!(f.round(Rounding::Down), 2);
        assert_eq!(f.round(Rounding::Up), 3);
        assert_eq!(f.round(Rounding::HalfUp), 3);
        let g = Frac::new(-5, 2);
        assert_eq!(g.round(Rounding::Down), -3);
        assert_eq!(Frac::new(7, 3).round(Rounding::HalfUp), 2);
        assert_eq!(round_to_unit(23_401, 100, Rounding::Up), 23_500);
        assert_eq!(round_to_unit(23_450, 100, Rounding::HalfUp), 23_500);
        assert_eq!(round_to_unit(23_449, 100, Rounding::HalfUp), 23_400);
    }

    #[test]
    fn ratios_are_exact() {
        let r = Ratio::parse("1.5").unwrap();
        assert_eq!(r.frac(), Frac::new(3, 2));
        assert_eq!(r.to_string(), "1.5");
        assert_eq!(Ratio::parse("0.25").unwrap().to_string(), "0.25");
        assert_eq!(Ratio::parse("2").unwrap().to_string(), "2");
        for bad in ["-1", "1.5.2", "", "abc", ".5"] {
            assert!(Ratio::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(yuan(-1234), "-12.34元");
        assert_eq!(Frac::new(1, 3).yuan(), "约0.00元");
    }
}
