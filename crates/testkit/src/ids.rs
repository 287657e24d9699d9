//! Valid identifiers for test people and companies. Every resident ID and credit code made
//! here passes `flexpension_rules::checkdigit`; the check characters come from there.

use chrono::{Days, NaiveDate};
use flexpension_rules::checkdigit;
use std::ops::Range;

/// A resident ID from its parts: a 6-digit area code, a birth date `YYYYMMDD` and a sequence
/// number (`seq % 1000`, three digits; its last digit is odd for a man, see [`sequence`]), then
/// the check character. None when the area is not 6 digits or the birth date is not a real date.
pub fn try_resident_id(area: &str, birth: &str, seq: u32) -> Option<String> {
    if area.len() != 6 || birth.len() != 8 {
        return None;
    }
    let body = format!("{area}{birth}{:03}", seq % 1000);
    let id = format!("{body}{}", checkdigit::resident_id_check(&body)?);
    checkdigit::resident_id(&id).is_ok().then_some(id)
}

/// [`try_resident_id`] for parts written in a test: panics when they make no valid ID.
pub fn resident_id(area: &str, birth: &str, seq: u32) -> String {
    try_resident_id(area, birth, seq).unwrap_or_else(|| panic!("no valid resident ID from area {area:?}, birth {birth:?}"))
}

/// The sequence number of the k-th person (k below 500) of one area and birth date, of the
/// given sex: GB 11643 makes its last digit odd for men and even for women.
pub fn sequence(k: u32, male: bool) -> u32 {
    (k % 500) * 2 + u32::from(male)
}

/// Whether a resident ID is a man's (odd 17th digit); None when that character is not a digit.
pub fn is_male(id: &str) -> Option<bool> {
    let d = id.as_bytes().get(16).filter(|c| c.is_ascii_digit())?;
    Some((d - b'0') % 2 == 1)
}

/// The n-th worker of a test population: area 330106 (Hangzhou, Xihu), born in the year
/// `years.start + n % years.len()` (just `years.start` for an empty range), month `1 + n % 12`,
/// day `1 + n % 28`, sequence `n % 1000`. The first 21,000 are distinct.
pub fn worker_id(n: u32, years: Range<u32>) -> String {
    let year = years.start + n % years.len().max(1) as u32;
    resident_id("330106", &format!("{year:04}{:02}{:02}", 1 + n % 12, 1 + n % 28), n)
}

/// A resident ID distinct for every n below 9,000,000, for large benchmark populations: area
/// 330106, born `n % 9000` days after 1965-01-01, sequence `n / 9000`.
pub fn distinct_resident_id(n: u32) -> String {
    let birth = NaiveDate::from_ymd_opt(1965, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(u64::from(n % 9000))))
        .map_or_else(|| "19650101".to_string(), |d| d.format("%Y%m%d").to_string());
    resident_id("330106", &birth, n / 9000)
}

/// A unified social credit code: 9 (registered by market regulation) 1 (an enterprise), the
/// 6-digit area, an 8-character organisation code and its GB 11714 check, and the GB 32100
/// check character. None when the area is not 6 digits or the organisation code is not 8
/// digits and capitals.
pub fn try_credit_code(area: &str, org: &str) -> Option<String> {
    if area.len() != 6 || !area.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let body = format!("91{area}{org}{}", checkdigit::org_code_check(org)?);
    let code = format!("{body}{}", checkdigit::uscc_check(&body)?);
    checkdigit::uscc(&code).is_ok().then_some(code)
}

/// The n-th test company (n below 10,000): Hangzhou (330100), organisation code `MA2K` and
/// four digits of n.
pub fn credit_code(n: u32) -> String {
    let org = format!("MA2K{:04}", n % 10_000);
    try_credit_code("330100", &org).unwrap_or_else(|| panic!("{org} is a valid organisation code"))
}

/// A mobile number: 138 and n as eight digits (n below 100,000,000).
pub fn phone(n: u32) -> String {
    format!("138{:08}", n % 100_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_are_valid_and_carry_their_parts() {
        let id = resident_id("110105", "19491231", 2);
        assert_eq!(id, "11010519491231002X");
        assert_eq!(checkdigit::resident_id(&id), Ok(NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()));
        assert_eq!(try_resident_id("110105", "19490230", 2), None, "no 30 February");
        assert_eq!(try_resident_id("11010", "519491231", 2), None);
        assert_eq!(try_resident_id("1101a5", "19491231", 2), None);
        assert_eq!(resident_id("330106", "19900101", 1234), resident_id("330106", "19900101", 234));
        for k in [0, 1, 250, 499] {
            for male in [true, false] {
                let id = resident_id("330106", "19900101", sequence(k, male));
                assert_eq!(is_male(&id), Some(male), "{id}");
            }
        }
        assert_eq!(is_male("1101"), None);
    }

    #[test]
    fn populations_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for n in 0..21_000 {
            let id = worker_id(n, 1960..2000);
            assert!(checkdigit::resident_id(&id).is_ok(), "{id}");
            assert!(seen.insert(id), "worker {n} repeats an ID");
        }
        assert_eq!(worker_id(21_000, 1960..2000), worker_id(0, 1960..2000), "the fields repeat together after 21,000");
        assert_eq!(&worker_id(5, 1990..1991)[6..14], "19900606");
        assert_eq!(&worker_id(45, 1960..2000)[6..10], "1965");
        assert_eq!(&worker_id(3, 1990..1990)[6..10], "1990");
        let mut seen = std::collections::HashSet::new();
        for n in (0..9_000_000).step_by(997).chain([8_999_999]) {
            let id = distinct_resident_id(n);
            assert!(checkdigit::resident_id(&id).is_ok(), "{id}");
            assert!(seen.insert(id), "{n}");
        }
        assert_eq!(&distinct_resident_id(9_001)[6..17], "19650102001");
    }

    #[test]
    fn credit_codes_pass_both_checks() {
        for n in [0, 1, 7, 42, 9_999] {
            let code = credit_code(n);
            assert_eq!(checkdigit::uscc(&code), Ok(None), "{code}");
            assert!(code.starts_with("91330100MA2K"), "{code}");
        }
        assert_ne!(credit_code(1), credit_code(2));
        assert_eq!(try_credit_code("350100", "M000100Y").as_deref(), Some("91350100M000100Y43"));
        assert_eq!(try_credit_code("35010", "M000100Y"), None);
        assert_eq!(try_credit_code("350100", "M000100"), None);
    }

    #[test]
    fn phones_have_eleven_digits() {
        assert_eq!(phone(0), "13800000000");
        assert_eq!(phone(12_345), "13800012345");
        assert_eq!(phone(100_000_001), "13800000001");
    }
}
