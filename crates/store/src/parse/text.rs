//! Checks on the raw text of any field of an input row (earnings batches, worker imports):
//! control characters, and CSV records that a quote left open ran across several lines.

use crate::error::{RowError, RowErrorCode as Code};

/// Why a field's text is refused for a control character, or `None` when it has none. Tab is
/// the one control character CSV and JSON strings both carry as data, so it is let through;
/// every other C0 character (NUL included), DEL and the C1 range are refused. Leading and
/// trailing whitespace is trimmed before the check (a CR of a CRLF line end is not data).
pub(crate) fn control_reason(raw: &str) -> Option<String> {
    let t = raw.trim();
    let (at, c) = t.chars().enumerate().find(|&(_, c)| c != '\t' && c.is_control())?;
    let name = match c {
        '\0' => " NUL".to_string(),
        '\n' => " line feed".to_string(),
        '\r' => " carriage return".to_string(),
        _ => String::new(),
    };
    Some(format!(
        "has a control character (U+{:04X}{name}) at character {}: text fields may hold tab but no other control character",
        c as u32,
        at + 1
    ))
}

/// The row error for a field with a control character, if it has one.
pub(crate) fn control_error(line: u64, field: &'static str, raw: &str) -> Option<RowError> {
    control_reason(raw).map(|r| RowError::new(line, field, Code::Malformed, r))
}

/// A CSV record that holds a line break can only come from a quote: since no field may hold a
/// line break, it is a quote left open that swallowed the lines after it. Names the line the
/// record starts on and the last line it swallowed (`next_line`: the reader's line after the
/// record, where the next record starts).
pub(crate) fn open_quote_error(rec: &csv::ByteRecord, line: u64, next_line: u64) -> Option<RowError> {
    // Only a line feed: records end at '\n', so the '\r' of a CRLF line end stays at the end of
    // the last field (trimmed there), and a lone '\r' elsewhere is a control character.
    if !rec.iter().any(|f| f.contains(&b'\n')) {
        return None;
    }
    let until = format!("through line {}", next_line.saturating_sub(1).max(line));
    Some(RowError::new(
        line,
        "line",
        Code::Malformed,
        format!(
            "a quote (\") opened on this line is not closed on it: the record runs on {until}, and those lines were read as part of \
             it, not as rows; close the quote (a field may not hold a line break)"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_but_tab_are_refused() {
        assert_eq!(control_reason("A-1"), None);
        assert_eq!(control_reason("A\t1"), None);
        assert_eq!(control_reason(" A-1\r"), None);
        let r = control_reason("A\u{0}1").expect("NUL");
        assert!(r.contains("U+0000 NUL") && r.contains("character 2"), "{r}");
        assert!(control_reason("x\u{1b}[31m").is_some());
        assert!(control_reason("x\u{7f}").is_some());
        assert!(control_reason("x\u{85}y").is_some());
        assert!(control_reason("a\nb").is_some_and(|r| r.contains("line feed")));
        assert_eq!(control_reason("西湖区"), None);
    }

    #[test]
    fn an_open_quote_is_named() {
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&b"a,b\n\"x,1\ny,2\nz,3\n"[..]);
        let mut rec = csv::ByteRecord::new();
        assert!(rdr.read_byte_record(&mut rec).expect("header"));
        assert!(open_quote_error(&rec, 1, 2).is_none());
        assert!(rdr.read_byte_record(&mut rec).expect("record"));
        let e = open_quote_error(&rec, 2, rdr.position().line()).expect("an open quote");
        assert_eq!((e.line, e.field), (2, "line"));
        assert!(e.reason.contains("through line 4"), "{}", e.reason);
    }
}
