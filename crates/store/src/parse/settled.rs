//! Settlement times: ISO 8601 read by hand (the hot path reads millions), the contribution
//! month and the day in China time (UTC+8).

/// A settlement time, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settled {
    pub utc_us: i64,
    pub cn_day: i32,
    pub month: i32,
}

const DAY_US: i64 = 86_400_000_000;
const CN_OFFSET_S: i64 = 8 * 3600;

/// ISO 8601 date and time: `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]`. Without an
/// offset the time is China time (UTC+8). Fractions past microseconds are dropped.
pub(crate) fn parse_settled_at(s: &str) -> Result<Settled, String> {
    let b = s.as_bytes();
    let bad = || "write an ISO 8601 time, e.g. 2025-09-01T12:30:00+08:00".to_string();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0i64, |v, c| c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0')))
    };
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return Err(bad());
    }
    let (y, mo, d) = (num(0, 4).ok_or_else(bad)?, num(5, 2).ok_or_else(bad)?, num(8, 2).ok_or_else(bad)?);
    let (h, mi) = (num(11, 2).ok_or_else(bad)?, num(14, 2).ok_or_else(bad)?);
    let mut i = 16;
    let mut sec = 0;
    let mut frac_us = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1, 2).ok_or_else(bad)?;
        i += 3;
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 6 {
                    frac_us = frac_us * 10 + i64::from(b[i] - b'0');
                }
                i += 1;
            }
            if i == start {
                return Err(bad());
            }
            for _ in (i - start)..6 {
                frac_us *= 10;
            }
        }
    }
    let offset_s = match b.get(i) {
        None => CN_OFFSET_S,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2).ok_or_else(bad)?;
            let om = match &b[i + 3..] {
                [] => 0,
                [b':', ..] if b.len() == i + 6 => num(i + 4, 2).ok_or_else(bad)?,
                _ if b.len() == i + 5 => num(i + 3, 2).ok_or_else(bad)?,
                _ => return Err(bad()),
            };
            if oh > 14 || om > 59 {
                return Err("the UTC offset is out of range".into());
            }
            let o = oh * 3600 + om * 60;
            if sign == b'-' { -o } else { o }
        }
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err("is not a real date".into());
    }
    if h > 23 || mi > 59 || sec > 59 {
        return Err("is not a real time of day".into());
    }
    let local_s = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec;
    let utc_us = (local_s - offset_s) * 1_000_000 + frac_us;
    // A year like 0025 (a dropped digit) would be a month of income 2,000 years ago, outside
    // every dated parameter and the six-digit month codes; nothing settles before Unix time.
    if utc_us < 0 {
        return Err("is before 1970-01-01 UTC: not a settlement time".into());
    }
    let cn_day = (utc_us + CN_OFFSET_S * 1_000_000).div_euclid(DAY_US);
    let (cy, cm, _) = civil_from_days(cn_day);
    Ok(Settled { utc_us, cn_day: cn_day as i32, month: (cy * 100 + cm) as i32 })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate};

    fn us(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    #[test]
    fn settled_at_forms() {
        let t = parse_settled_at("2025-09-01T12:30:00+08:00").unwrap();
        assert_eq!(t.utc_us, us("2025-09-01T12:30:00+08:00"));
        assert_eq!(t.month, 202509);
        // No offset: China time.
        assert_eq!(parse_settled_at("2025-09-01 12:30:00").unwrap().utc_us, t.utc_us);
        assert_eq!(parse_settled_at("2025-09-01T12:30").unwrap().utc_us, t.utc_us);
        assert_eq!(parse_settled_at("2025-09-01T04:30:00Z").unwrap().utc_us, t.utc_us);
        assert_eq!(parse_settled_at("2025-09-01T04:30:00.25Z").unwrap().utc_us, t.utc_us + 250_000);
        assert_eq!(parse_settled_at("2025-09-01T00:30:00-04:00").unwrap().utc_us, t.utc_us);
        assert_eq!(parse_settled_at("2025-09-01T00:30:00-0400").unwrap().utc_us, t.utc_us);
        // 16:30 UTC on 31 August is 00:30 on 1 September in China: September's income.
        let t = parse_settled_at("2025-08-31T16:30:00Z").unwrap();
        assert_eq!(t.month, 202509);
        assert_eq!(t.cn_day as i64, NaiveDate::from_ymd_opt(2025, 9, 1).unwrap().signed_duration_since(NaiveDate::default()).num_days());
        for bad in
            ["2025-02-30T00:00:00", "2025-09-01", "2025-09-01T24:00:00", "yesterday", "2025-09-01T12:00:00+15:00", "2025-09-01T12:00:00Zx"]
        {
            assert!(parse_settled_at(bad).is_err(), "{bad}");
        }
    }

    /// Found by fuzzing: the year 0025 was read as a settlement 2,000 years ago (month code
    /// 2510); the year 0000 with an offset gave a negative month.
    #[test]
    fn settled_before_1970_is_refused() {
        for bad in ["0025-09-30T23:59:59Z", "0000-01-01T00:00+14:00", "1969-12-31T23:59:59.999999Z", "1970-01-01T07:59:59"] {
            let e = parse_settled_at(bad).expect_err(bad);
            assert!(e.contains("before 1970"), "{bad}: {e}");
        }
        let t = parse_settled_at("1970-01-01T00:00:00Z").unwrap();
        assert_eq!((t.utc_us, t.month), (0, 197001));
    }

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 59, 365, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
