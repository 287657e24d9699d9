//! Working days under the official holiday calendar: off days and make-up working days, not
//! plain Monday to Friday. Deadlines such as the transfer's 15 working days count with these.

use crate::explain::{Explained, Explainer};
use crate::params::Confidence;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// The State Council's holiday arrangement for one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayYear {
    pub year: i32,
    pub off: BTreeSet<NaiveDate>,
    pub makeup: BTreeSet<NaiveDate>,
    pub source: String,
    pub confidence: Confidence,
}

impl HolidayYear {
    pub fn is_workday(&self, d: NaiveDate) -> bool {
        self.makeup.contains(&d) || (!is_weekend(d) && !self.off.contains(&d))
    }
    pub fn working_days(&self) -> u32 {
        let mut d = NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(NaiveDate::MIN);
        let mut n = 0;
        while d.year() == self.year {
            n += u32::from(self.is_workday(d));
            d = d + Days::new(1);
        }
        n
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkdayError {
    #[error("no official holiday calendar for {year} is loaded (have: {have}); working days cannot be counted there")]
    NoCalendar { year: i32, have: String },
    #[error("the count {0} is too large (at most 10000 working days)")]
    TooMany(u32),
}

/// The loaded holiday years.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, HolidayYear>,
}

/// The most working days one question may span: about 40 years.
const MAX_COUNT: u32 = 10_000;

impl Calendar {
    pub fn new(years: Vec<HolidayYear>) -> Calendar {
        Calendar { years: years.into_iter().map(|y| (y.year, y)).collect() }
    }

    fn year(&self, d: NaiveDate) -> Result<&HolidayYear, WorkdayError> {
        self.years.get(&d.year()).ok_or_else(|| WorkdayError::NoCalendar {
            year: d.year(),
            have: self.years.keys().map(|y| y.to_string()).collect::<Vec<_>>().join(", "),
        })
    }

    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, WorkdayError> {
        Ok(self.year(d)?.is_workday(d))
    }

    /// Why a day is or is not a working day, in both languages.
    fn describe(&self, d: NaiveDate) -> (&'static str, &'static str) {
        match self.years.get(&d.year()) {
            Some(y) if y.makeup.contains(&d) => ("调休上班", "make-up working day"),
            Some(y) if y.off.contains(&d) => ("法定假日", "public holiday"),
            _ if is_weekend(d) => ("周末", "weekend"),
            _ => ("工作日", "working day"),
        }
    }

    /// The date `n` working days after `from` (the start day itself is not counted).
    pub fn add(&self, from: NaiveDate, n: u32) -> Result<Explained<NaiveDate>, WorkdayError> {
        self.add_with(from, n, false)
    }

    /// As [`Calendar::add`], but a deadline that runs into a year whose arrangement is not
    /// published yet (the State Council publishes it in November or December for the next year)
    /// is estimated with Monday to Friday there, and the explanation warns that it may move by a
    /// few days. A deadline must not stop a request the law allows today; years before the
    /// first calendar stay an error.
    pub fn add_estimating(&self, from: NaiveDate, n: u32) -> Result<Explained<NaiveDate>, WorkdayError> {
        self.add_with(from, n, true)
    }

    /// Whether `d` is a working day, and whether that is an estimate (a year after the last
    /// published one, counted Monday to Friday).
    fn workday(&self, d: NaiveDate, estimate: bool) -> Result<(bool, bool), WorkdayError> {
        match self.year(d) {
            Ok(y) => Ok((y.is_workday(d), false)),
            Err(_) if estimate && self.years.keys().next_back().is_some_and(|last| d.year() > *last) => Ok((!is_weekend(d), true)),
            Err(e) => Err(e),
        }
    }

    fn add_with(&self, from: NaiveDate, n: u32, estimate: bool) -> Result<Explained<NaiveDate>, WorkdayError> {
        if n > MAX_COUNT {
            return Err(WorkdayError::TooMany(n));
        }
        let mut ex = Explainer::new();
        let (_, from_estimated) = self.workday(from, estimate)?;
        self.cite_or_estimate(&mut ex, from, from_estimated)?;
        ex.step(
            format!("从{from}的第二天起，数{n}个工作日（周末和法定假日不算，调休上班日算）。"),
            format!(
                "Count {n} working days starting the day after {from} (weekends and public holidays do not count; make-up working days do)."
            ),
        );
        let mut d = from;
        let mut counted = 0;
        let mut skipped = Vec::new();
        let mut cited = from.year();
        while counted < n {
            d = d + Days::new(1);
            let (work, estimated) = self.workday(d, estimate)?;
            let y = self.years.get(&d.year());
            if work {
                counted += 1;
                if y.is_some_and(|y| y.makeup.contains(&d)) {
                    ex.step(format!("{d}是调休上班日，算作工作日。"), format!("{d} is a make-up working day and counts."));
                }
            } else if y.is_some_and(|y| y.off.contains(&d)) {
                skipped.push(d);
            }
            if d.year() != cited {
                self.cite_or_estimate(&mut ex, d, estimated)?;
                cited = d.year();
            }
        }
        if let (Some(first), Some(last)) = (skipped.first(), skipped.last()) {
            ex.step(
                format!("跳过{}天法定假日（{first}至{last}之间）。", skipped.len()),
                format!("Skipped {} public-holiday days (between {first} and {last}).", skipped.len()),
            );
        }
        ex.step(format!("第{n}个工作日是{d}。"), format!("The {n}th working day is {d}."));
        Ok(ex.finish(d))
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> Result<Explained<u32>, WorkdayError> {
        let mut ex = Explainer::new();
        self.cite(&mut ex, from)?;
        self.cite(&mut ex, to)?;
        let mut d = from;
        let mut n = 0u32;
        let (mut off, mut makeup) = (0u32, 0u32);
        while d < to {
            d = d + Days::new(1);
            let y = self.year(d)?;
            if y.is_workday(d) {
                n += 1;
                makeup += u32::from(y.makeup.contains(&d));
            } else {
                off += u32::from(y.off.contains(&d));
            }
            if n > MAX_COUNT {
                return Err(WorkdayError::TooMany(n));
            }
        }
        let (zh, en) = self.describe(to);
        ex.step(
            format!("从{from}之后到{to}（含，{zh}）共有{n}个工作日；其中{makeup}天是调休上班日，另有{off}天法定假日不计。"),
            format!("From the day after {from} to {to} inclusive ({en}) there are {n} working days; {makeup} of them are make-up working days, and {off} public-holiday days do not count."),
        );
        Ok(ex.finish(n))
    }

    /// Cite the year's calendar, or warn that the year is estimated.
    fn cite_or_estimate(&self, ex: &mut Explainer, d: NaiveDate, estimated: bool) -> Result<(), WorkdayError> {
        if !estimated {
            return self.cite(ex, d);
        }
        let year = d.year();
        ex.warn(
            format!("{year}年的放假安排还没有公布：{year}年的日子先按周一到周五算，公布后日期可能前后差几天。"),
            format!("The {year} holiday arrangement is not published yet: days in {year} are counted Monday to Friday for now, and the date may move by a few days once it is."),
        );
        Ok(())
    }

    fn cite(&self, ex: &mut Explainer, d: NaiveDate) -> Result<(), WorkdayError> {
        let y = self.year(d)?;
        ex.step(
            format!("{}年的放假安排按国务院办公厅通知（来源{}，可信度{:?}）。", y.year, y.source, y.confidence),
            format!("{} holidays follow the State Council notice (source {}, confidence {:?}).", y.year, y.source, y.confidence),
        );
        Ok(())
    }
}
