//! Fen to yuan, in integer arithmetic.

/// Formats an amount in fen as yuan with two decimals: `84540` → `"845.40"`,
/// `-5` → `"-0.05"`. Integer arithmetic only; every `i64` is accepted.
pub fn format_fen(fen: i64) -> String {
    format_fen_wide(i128::from(fen))
}

/// [`format_fen`] for sums, which may leave the `i64` range.
pub(crate) fn format_fen_wide(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::format_fen;

    #[test]
    fn yuan_with_two_decimals() {
        assert_eq!(format_fen(0), "0.00");
        assert_eq!(format_fen(5), "0.05");
        assert_eq!(format_fen(84540), "845.40");
        assert_eq!(format_fen(100), "1.00");
        assert_eq!(format_fen(-5), "-0.05");
        assert_eq!(format_fen(-123456), "-1234.56");
        assert_eq!(format_fen(i64::MIN), "-92233720368547758.08");
        assert_eq!(format_fen(i64::MAX), "92233720368547758.07");
    }
}
