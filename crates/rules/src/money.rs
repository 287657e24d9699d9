//! Exact amounts: money in integer fen, decimals as integers in millionths, and the one rounding
//! rule the law uses (half-up, i.e. half away from zero, to the unit asked for).

use std::fmt;

/// An amount of money in fen (0.01 yuan). Every amount in the system is one of these.
pub type Fen = i64;

/// The largest amount accepted from input: 10 billion yuan. Far above any real figure, far below
/// where products with rates could overflow.
pub const MAX_FEN: Fen = 1_000_000_000_000;

/// Divide rounding half away from zero: 2.5 -> 3, -2.5 -> -3.
pub fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    if n >= 0 { (n + d / 2) / d } else { -((-n + d / 2) / d) }
}

/// Errors reading an amount or a decimal written by a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("is empty")]
    Empty,
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("'{0}' has more than {1} decimal places")]
    TooPrecise(String, u32),
    #[error("'{0}' is too large")]
    TooLarge(String),
    #[error("'{0}' must not be negative")]
    Negative(String),
}

/// Parse a plain decimal ("3800", "-1.5", "111640.05") into an integer scaled by 10^places.
pub fn parse_scaled(text: &str, places: u32) -> Result<i64, AmountError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
        return Err(AmountError::NotANumber(s.to_string()));
    }
    if frac.len() as u32 > places {
        return Err(AmountError::TooPrecise(s.to_string(), places));
    }
    let too_large = || AmountError::TooLarge(s.to_string());
    let mut v: i64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        v = v.checked_mul(10).and_then(|v| v.checked_add(i64::from(b - b'0'))).ok_or_else(too_large)?;
    }
    for _ in frac.len() as u32..places {
        v = v.checked_mul(10).ok_or_else(too_large)?;
    }
    Ok(if neg { -v } else { v })
}

/// Parse yuan as a person writes it ("3800", "111640.05") into fen; at most 2 decimals.
pub fn parse_yuan(text: &str) -> Result<Fen, AmountError> {
    let fen = parse_scaled(text, 2)?;
    if fen.abs() > MAX_FEN {
        return Err(AmountError::TooLarge(text.trim().to_string()));
    }
    Ok(fen)
}

/// Parse a non-negative amount of yuan.
pub fn parse_yuan_nonneg(text: &str) -> Result<Fen, AmountError> {
    let fen = parse_yuan(text)?;
    if fen < 0 {
        return Err(AmountError::Negative(text.trim().to_string()));
    }
    Ok(fen)
}

/// "997.20" for 99720 fen.
pub fn yuan(fen: Fen) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Fen as yuan for people to read: thousands separated by commas, two decimals
/// (`5239590255` → `52,395,902.55`). Machine formats (CSV, JSON, URLs) use [`yuan`].
pub fn yuan_grouped(fen: Fen) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", group_digits(&(a / 100).to_string()), a % 100)
}

/// A whole number's digits in groups of three (`12345` → `12,345`); other text unchanged.
pub fn group_digits(digits: &str) -> String {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.to_string();
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An exact decimal with six places (a rate, a share, an index): 0.12 is `Dec6(120_000)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dec6(pub i64);

/// Rates and shares are exact decimals.
pub type Rate = Dec6;

impl Dec6 {
    pub const ONE: Dec6 = Dec6(1_000_000);
    pub const ZERO: Dec6 = Dec6(0);

    pub fn parse(text: &str) -> Result<Dec6, AmountError> {
        parse_scaled(text, 6).map(Dec6)
    }

    /// `amount × self`, rounded half-up to the fen.
    pub fn of(self, amount: Fen) -> Fen {
        div_round(i128::from(amount) * i128::from(self.0), 1_000_000) as Fen
    }

    /// At least two decimals, as rates are usually written: "0.20", "0.12", "0.165".
    pub fn rate_string(self) -> String {
        let t = trim_decimal(self.0, 6);
        match t.split_once('.') {
            None => format!("{t}.00"),
            Some((_, f)) if f.len() == 1 => format!("{t}0"),
            Some(_) => t,
        }
    }

    /// "12%" or "12.5%": for people.
    pub fn percent(self) -> String {
        trim_decimal(self.0, 4) + "%"
    }
}

impl fmt::Display for Dec6 {
    /// The shortest exact decimal: "0.12", "1", "0.0831".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&trim_decimal(self.0, 6))
    }
}

/// Print `v / 10^places` with no trailing zeros.
pub fn trim_decimal(v: i64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let frac = format!("{:0width$}", a % scale, width = places as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { format!("{sign}{}", a / scale) } else { format!("{sign}{}.{frac}", a / scale) }
}

/// Print `v / 10^places` with exactly `places` decimals: "0.2624".
pub fn fixed_decimal(v: i64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:0width$}", a / scale, a % scale, width = places as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_yuan() {
        assert_eq!(parse_yuan("3800"), Ok(380_000));
        assert_eq!(parse_yuan("111640.05"), Ok(11_164_005));
        assert_eq!(parse_yuan(" 0.5 "), Ok(50));
        assert_eq!(parse_yuan(".5"), Ok(50));
        assert!(matches!(parse_yuan("1.005"), Err(AmountError::TooPrecise(..))));
        assert!(matches!(parse_yuan("12a"), Err(AmountError::NotANumber(_))));
        assert!(matches!(parse_yuan("."), Err(AmountError::NotANumber(_))));
        assert!(matches!(parse_yuan("99999999999999999999"), Err(AmountError::TooLarge(_))));
        assert!(matches!(parse_yuan_nonneg("-1"), Err(AmountError::Negative(_))));
        assert_eq!(yuan(99_720), "997.20");
        assert_eq!(yuan(-5), "-0.05");
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
        // 4227 yuan × 20% = 845.40 exactly; 4986 × 8% = 398.88.
        assert_eq!(Dec6::parse("0.2").unwrap().of(422_700), 84_540);
        assert_eq!(Dec6::parse("0.08").unwrap().of(498_600), 39_888);
        // 0.5 fen rounds up.
        assert_eq!(Dec6::parse("0.5").unwrap().of(1), 1);
    }

    #[test]
    fn prints_decimals() {
        assert_eq!(Dec6::parse("0.120").unwrap().to_string(), "0.12");
        assert_eq!(Dec6::parse("1").unwrap().to_string(), "1");
        assert_eq!(Dec6::parse("0.0831").unwrap().percent(), "8.31%");
        assert_eq!(fixed_decimal(2624, 4), "0.2624");
        assert_eq!(Dec6::parse("0.2").unwrap().rate_string(), "0.20");
        assert_eq!(Dec6::parse("1").unwrap().rate_string(), "1.00");
        assert_eq!(Dec6::parse("0.165").unwrap().rate_string(), "0.165");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(yuan_grouped(5_239_590_255), "52,395,902.55");
        assert_eq!(yuan_grouped(-123_456), "-1,234.56");
        assert_eq!(yuan_grouped(99_999), "999.99");
        assert_eq!(yuan_grouped(100_000), "1,000.00");
        assert_eq!(yuan_grouped(0), "0.00");
        assert_eq!(group_digits("10000"), "10,000");
        assert_eq!(group_digits("-"), "-");
    }
}
