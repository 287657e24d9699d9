//! Contribution months and ages in years and months.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// A calendar month, the unit contributions are due in ("2025-03").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a month: write YYYY-MM, e.g. 2025-03")]
pub struct BadMonth(pub String);

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        ((1..=12).contains(&month) && (1900..=2200).contains(&year)).then_some(YearMonth { year, month })
    }
    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u32 {
        self.month
    }
    /// Months since year 0: makes month arithmetic plain integer arithmetic.
    pub fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }
    pub fn from_index(i: i64) -> Option<YearMonth> {
        let year = i32::try_from(i.div_euclid(12)).ok()?;
        YearMonth::new(year, (i.rem_euclid(12) + 1) as u32)
    }
    pub fn add_months(self, n: i64) -> Option<YearMonth> {
        YearMonth::from_index(self.index() + n)
    }
    pub fn first_day(self) -> NaiveDate {
        // Valid by construction: month is 1..=12 and the year is in range.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }
    pub fn of_date(d: NaiveDate) -> YearMonth {
        YearMonth { year: d.year(), month: d.month() }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = BadMonth;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadMonth(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return Err(bad());
        }
        let year = y.parse().map_err(|_| bad())?;
        let month = m.parse().map_err(|_| bad())?;
        YearMonth::new(year, month).ok_or_else(bad)
    }
}

impl serde::Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An age in whole years and months ("60y1m").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Age {
    pub years: u32,
    pub months: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an age: write years and months like 60y1m, or whole years like 60")]
pub struct BadAge(pub String);

impl Age {
    pub fn from_months(total: u32) -> Age {
        Age { years: total / 12, months: total % 12 }
    }
    pub fn total_months(self) -> u32 {
        self.years * 12 + self.months
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}y{}m", self.years, self.months)
    }
}

impl FromStr for Age {
    type Err = BadAge;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadAge(s.to_string());
        let t = s.trim();
        let (y, rest) = match t.split_once('y') {
            Some((y, rest)) => (y, rest),
            None => (t, ""),
        };
        let m = rest.strip_suffix('m').unwrap_or(rest);
        if !rest.is_empty() && !rest.ends_with('m') {
            return Err(bad());
        }
        let years: u32 = y.parse().map_err(|_| bad())?;
        let months: u32 = if m.is_empty() { 0 } else { m.parse().map_err(|_| bad())? };
        if months > 11 || years > 150 {
            return Err(bad());
        }
        Ok(Age { years, months })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_add() {
        let m: YearMonth = "2025-03".parse().unwrap();
        assert_eq!(m.to_string(), "2025-03");
        assert_eq!(m.add_months(10).unwrap().to_string(), "2026-01");
        assert_eq!(m.add_months(-3).unwrap().to_string(), "2024-12");
        assert!("2025-13".parse::<YearMonth>().is_err());
        assert!("25-03".parse::<YearMonth>().is_err());
        assert!("2025/03".parse::<YearMonth>().is_err());
    }

    #[test]
    fn ages_parse() {
        assert_eq!("60y1m".parse::<Age>().unwrap(), Age { years: 60, months: 1 });
        assert_eq!("60".parse::<Age>().unwrap(), Age { years: 60, months: 0 });
        assert_eq!("55y".parse::<Age>().unwrap(), Age { years: 55, months: 0 });
        assert!("60y12m".parse::<Age>().is_err());
        assert!("60x".parse::<Age>().is_err());
    }
}
