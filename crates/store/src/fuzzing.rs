//! The earnings parser without a database, for the fuzz targets in `fuzz/` (feature
//! `fuzzing`, off in every build of the product). [`parse_earnings`] runs the same parser as
//! [`crate::Store::ingest_earnings`] over a whole input and asserts what must hold of any input:
//! every accepted row is in range and points at its chunk's ID and grid tables, every refused
//! row has at least one error, and lines only go forward.

use crate::error::RowError;
use crate::ids::Pepper;
use crate::parse::{MAX_ORDER_ID_LEN, Parser};
use crate::{Format, MAX_ORDER_AMOUNT_FEN, StoreError};

/// One accepted row, with its chunk's indexes resolved (so that results with different chunk
/// sizes compare equal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarningsRow {
    pub line: u64,
    pub order_id: String,
    pub id_masked: String,
    pub amount_fen: i64,
    pub settled_at_us: i64,
    pub month: i32,
    pub grid: String,
}

/// What the parser made of a whole input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedEarnings {
    pub rows: Vec<EarningsRow>,
    pub rejected: u64,
    pub errors: Vec<RowError>,
}

/// Parses `input` in chunks of `chunk_rows` records with a fixed pepper; panics if an
/// invariant of the parser's output does not hold.
pub fn parse_earnings(input: &[u8], format: Format, chunk_rows: usize, now_us: i64) -> Result<ParsedEarnings, StoreError> {
    let pepper = Pepper::new(&[7u8; 32])?;
    let mut parser = Parser::new(input, format, pepper, now_us)?;
    let mut out = ParsedEarnings::default();
    let mut last_line = 0u64;
    while let Some(chunk) = parser.next_chunk(chunk_rows.max(1))? {
        assert!(chunk.rejected as usize <= chunk.errors.len(), "a refused row without an error");
        assert!(!chunk.rows.is_empty() || chunk.rejected > 0, "a chunk with no record");
        for r in &chunk.rows {
            assert!(r.line > last_line, "line {} after line {last_line}", r.line);
            last_line = r.line;
            assert!(r.amount_fen > 0 && r.amount_fen <= MAX_ORDER_AMOUNT_FEN, "amount {} accepted", r.amount_fen);
            assert!(r.settled_at_us <= now_us, "a future time accepted");
            assert!(!r.order_id.is_empty() && r.order_id.len() <= MAX_ORDER_ID_LEN && r.order_id.trim() == &*r.order_id);
            assert!((100_001..=999_912).contains(&r.month) && (1..=12).contains(&(r.month % 100)), "month {}", r.month);
            let (_, id_masked) = &chunk.ids[r.id as usize];
            let grid = &chunk.grids[r.grid as usize];
            assert!(!grid.is_empty() && grid.trim() == grid.as_str());
            assert!(!chunk.errors.iter().any(|e| e.line == r.line), "line {} both accepted and refused", r.line);
            out.rows.push(EarningsRow {
                line: r.line,
                order_id: r.order_id.to_string(),
                id_masked: id_masked.clone(),
                amount_fen: r.amount_fen,
                settled_at_us: r.settled_at_us,
                month: r.month,
                grid: grid.clone(),
            });
        }
        out.rejected += chunk.rejected;
        out.errors.extend(chunk.errors);
    }
    Ok(out)
}
