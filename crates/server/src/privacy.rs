//! A last line of defence for personal data in text the server sends to platforms or logs.
//!
//! The store already quotes resident IDs only masked, but some messages come from parsers that
//! echo what they could not read (serde_json says "invalid type: integer `110105...`"). Every
//! message a platform or a log line gets passes through [`scrub_ids`], which masks anything that
//! reads as a resident ID.

use flexpension_rules::checkdigit::mask;
use std::borrow::Cow;

/// Mask each run of 15 or more digits (with an X after it, as resident IDs end): a resident ID,
/// old (15) or new (18), or one with a digit missing, added or mistyped, which is still
/// someone's number. A long order number is masked too; the line number still finds the row.
pub fn scrub_ids(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i < b.len() && matches!(b[i], b'X' | b'x') {
            i += 1;
        }
        if i - start >= MIN_DIGITS {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..start]);
            o.push_str(&mask(&text[start..i]));
            copied = i;
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// The shortest resident ID (1st generation) has 15 digits.
const MIN_DIGITS: usize = 15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_id_like_numbers() {
        let id = "11010519491231002X";
        assert_eq!(scrub_ids(&format!("invalid type: string \"{id}\", expected")), "invalid type: string \"1101**********002X\", expected");
        assert_eq!(scrub_ids("integer `110105194912310021`"), "integer `1101**********0021`", "a typo is still personal");
        assert_eq!(scrub_ids("old 110105491231002 here"), "old 1101*******1002 here");
        assert_eq!(scrub_ids("line 12: amount 23.50, order 20250901123"), "line 12: amount 23.50, order 20250901123");
        assert_eq!(scrub_ids(&format!("{id},{id}")), "1101**********002X,1101**********002X");
        assert_eq!(scrub_ids(&format!("abc{id}7")), "abc1101**********002X7");
        assert!(matches!(scrub_ids("nothing"), Cow::Borrowed(_)));
        assert_eq!(scrub_ids("缴费 11010519491231002x。"), "缴费 1101**********002x。");
    }
}
