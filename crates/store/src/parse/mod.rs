//! Streaming parse of a batch of settled orders, CSV or JSON lines, into checked rows, a chunk at
//! a time (bounded memory whatever the file size). Checks here need no database: the row's shape,
//! the resident ID (then its keyed hash), the amount, the time, the order type.

use crate::error::{RowError, RowErrorCode as Code};
use crate::ids::{FastMap, Hash32, Pepper, check_resident_id};
use flexpension_rules::checkdigit::mask;
use flexpension_rules::injury::OrderType;
use flexpension_rules::money::parse_yuan;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};

mod settled;
mod text;
pub(crate) use settled::parse_settled_at;
pub(crate) use text::{control_error, open_quote_error};

/// The largest amount one order may carry: 50,000 yuan. A ride, a delivery or a same-city
/// freight order above it is a data error (a misplaced decimal point, fen sent as yuan), not
/// income. A store constant until the rules carry a dated parameter for it.
pub const MAX_ORDER_AMOUNT_FEN: i64 = 5_000_000;
/// Order ids longer than this are refused (platform ids are short; this bounds memory).
pub(crate) const MAX_ORDER_ID_LEN: usize = 128;

pub(crate) const COLUMNS: [&str; 6] = ["order_id", "id_number", "amount_yuan", "settled_at", "order_type", "grid"];

/// The input format of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Header `order_id,id_number,amount_yuan,settled_at,order_type,grid` (any order; other
    /// columns are ignored).
    Csv,
    /// One JSON object per line with the same field names; blank lines are skipped.
    JsonLines,
}

/// A row that passed the checks that need no database.
#[derive(Debug, Clone)]
pub(crate) struct ParsedRow {
    pub line: u64,
    pub order_id: Box<str>,
    /// Index into `Chunk::ids`.
    pub id: u32,
    pub amount_fen: i64,
    pub settled_at_us: i64,
    /// Days since 1970-01-01 in UTC+8: the date the premium rate is looked up for.
    pub cn_day: i32,
    /// YYYYMM in UTC+8: the contribution month.
    pub month: i32,
    pub order_type: OrderType,
    /// Index into `Chunk::grids`.
    pub grid: u32,
}

/// Up to `max` records of input.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    pub rows: Vec<ParsedRow>,
    pub errors: Vec<RowError>,
    /// Rows with at least one error.
    pub rejected: u64,
    /// Keyed hash of each distinct valid resident ID, with its masked form for messages.
    pub ids: Vec<(Hash32, String)>,
    pub grids: Vec<String>,
}

/// Reads records and turns them into chunks.
pub(crate) struct Parser<R: Read> {
    src: Source<R>,
    pepper: Pepper,
    now_us: i64,
}

enum Source<R: Read> {
    Csv { rdr: csv::Reader<R>, cols: [usize; 6], rec: csv::ByteRecord },
    Json { rdr: BufReader<R>, line: u64, buf: Vec<u8> },
}

/// One record's fields as text, before checking.
struct Fields<'a> {
    line: u64,
    order_id: Cow<'a, str>,
    id_number: Cow<'a, str>,
    amount_yuan: Cow<'a, str>,
    settled_at: Cow<'a, str>,
    order_type: Cow<'a, str>,
    grid: Cow<'a, str>,
}

#[derive(Deserialize)]
struct JsonRow<'a> {
    #[serde(borrow)]
    order_id: &'a RawValue,
    #[serde(borrow)]
    id_number: &'a RawValue,
    #[serde(borrow)]
    amount_yuan: &'a RawValue,
    #[serde(borrow)]
    settled_at: &'a RawValue,
    #[serde(borrow)]
    order_type: &'a RawValue,
    #[serde(borrow)]
    grid: &'a RawValue,
}

/// A JSON value as text: strings unquoted, numbers as written; anything else is refused
/// without quoting it (it might be a resident ID).
fn raw_text(v: &RawValue) -> Result<Cow<'_, str>, &'static str> {
    let t = v.get().trim();
    if t.starts_with('"') {
        serde_json::from_str::<Cow<'_, str>>(t).map_err(|_| "is not a valid JSON string")
    } else if t.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        Ok(Cow::Borrowed(t))
    } else {
        Err("must be a string or a number")
    }
}

impl<R: Read> Parser<R> {
    /// Start reading; a CSV header missing a required column refuses the whole input.
    pub(crate) fn new(input: R, format: Format, pepper: Pepper, now_us: i64) -> Result<Parser<R>, crate::StoreError> {
        let src = match format {
            Format::Csv => {
                // Records end at '\n' only (a '\r' before it is trimmed with the field): the csv
                // crate's default also ends one at a lone '\r' without counting a line, so two
                // records could carry one line number, and CRLF files were numbered one short.
                let mut rdr =
                    csv::ReaderBuilder::new().has_headers(false).flexible(true).terminator(csv::Terminator::Any(b'\n')).from_reader(input);
                let mut head = csv::ByteRecord::new();
                if !rdr.read_byte_record(&mut head).map_err(csv_io)? {
                    return Err(crate::StoreError::invalid("header", "the input is empty: expected a CSV header line"));
                }
                let names: Vec<String> =
                    head.iter().map(|f| String::from_utf8_lossy(f).trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
                let mut cols = [0usize; 6];
                for (i, want) in COLUMNS.iter().enumerate() {
                    cols[i] = names.iter().position(|n| n == want).ok_or_else(|| {
                        crate::StoreError::invalid("header", format!("the CSV header has no '{want}' column (need {})", COLUMNS.join(",")))
                    })?;
                }
                Source::Csv { rdr, cols, rec: csv::ByteRecord::new() }
            }
            Format::JsonLines => Source::Json { rdr: BufReader::with_capacity(1 << 16, input), line: 0, buf: Vec::new() },
        };
        Ok(Parser { src, pepper, now_us })
    }

    /// The next chunk of up to `max` records, or None at the end of the input.
    pub(crate) fn next_chunk(&mut self, max: usize) -> Result<Option<Chunk>, crate::StoreError> {
        let mut chunk = Chunk::default();
        let mut memo = Memo::default();
        let mut records = 0usize;
        while records < max {
            let pepper = &self.pepper;
            let now_us = self.now_us;
            let got = match &mut self.src {
                Source::Csv { rdr, cols, rec } => {
                    if !rdr.read_byte_record(rec).map_err(csv_io)? {
                        break;
                    }
                    let line = rec.position().map_or(0, |p| p.line());
                    if let Some(e) = open_quote_error(rec, line, rdr.position().line()) {
                        reject(&mut chunk, vec![e]);
                        records += 1;
                        continue;
                    }
                    match csv_fields(rec, cols, line) {
                        Ok(f) => check(&f, pepper, now_us, &mut memo, &mut chunk),
                        Err(e) => reject(&mut chunk, vec![e]),
                    }
                    true
                }
                Source::Json { rdr, line, buf } => {
                    buf.clear();
                    if rdr.read_until(b'\n', buf)? == 0 {
                        break;
                    }
                    *line += 1;
                    if buf.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    match json_fields(buf, *line) {
                        Ok(f) => check(&f, pepper, now_us, &mut memo, &mut chunk),
                        Err(e) => reject(&mut chunk, vec![e]),
                    }
                    true
                }
            };
            if got {
                records += 1;
            }
        }
        if records == 0 {
            return Ok(None);
        }
        chunk.ids = memo.ids;
        chunk.grids = memo.grids;
        Ok(Some(chunk))
    }
}

fn csv_io(e: csv::Error) -> crate::StoreError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => crate::StoreError::Io(io),
        other => crate::StoreError::invalid("csv", format!("{other:?}")),
    }
}

fn csv_fields<'a>(rec: &'a csv::ByteRecord, cols: &[usize; 6], line: u64) -> Result<Fields<'a>, RowError> {
    let need = cols.iter().max().map_or(0, |m| m + 1);
    if rec.len() < need {
        return Err(RowError::new(line, "line", Code::Malformed, format!("has {} fields, the header has at least {need}", rec.len())));
    }
    let get = |i: usize| -> Result<Cow<'a, str>, RowError> {
        let raw = &rec[cols[i]];
        std::str::from_utf8(raw).map(Cow::Borrowed).map_err(|_| RowError::new(line, COLUMNS[i], Code::Malformed, "is not valid UTF-8 text"))
    };
    Ok(Fields {
        line,
        order_id: get(0)?,
        id_number: get(1)?,
        amount_yuan: get(2)?,
        settled_at: get(3)?,
        order_type: get(4)?,
        grid: get(5)?,
    })
}

fn json_fields(buf: &[u8], line: u64) -> Result<Fields<'_>, RowError> {
    let row: JsonRow<'_> = serde_json::from_slice(buf).map_err(|e| {
        // serde_json's messages name the problem and position, never the values.
        RowError::new(line, "line", Code::Malformed, format!("not a JSON object with {}: {e}", COLUMNS.join(", ")))
    })?;
    let get =
        |i: usize, v: &'_ RawValue| raw_text(v).map_err(|r| RowError::new(line, COLUMNS[i], Code::Malformed, r)).map(|c| c.into_owned());
    Ok(Fields {
        line,
        order_id: Cow::Owned(get(0, row.order_id)?),
        id_number: Cow::Owned(get(1, row.id_number)?),
        amount_yuan: Cow::Owned(get(2, row.amount_yuan)?),
        settled_at: Cow::Owned(get(3, row.settled_at)?),
        order_type: Cow::Owned(get(4, row.order_type)?),
        grid: Cow::Owned(get(5, row.grid)?),
    })
}

/// Per-chunk memo of the costly checks: each distinct resident ID is checked and hashed once.
#[derive(Default)]
struct Memo {
    id_index: FastMap<Box<str>, Result<u32, String>>,
    ids: Vec<(Hash32, String)>,
    grid_index: FastMap<Box<str>, u32>,
    grids: Vec<String>,
}

fn reject(chunk: &mut Chunk, errors: Vec<RowError>) {
    chunk.rejected += 1;
    chunk.errors.extend(errors);
}

/// Quote a value a platform sent (never used for resident IDs), shortened.
fn quote(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    if t.len() < s.len() { format!("'{t}...'") } else { format!("'{t}'") }
}

fn check(f: &Fields<'_>, pepper: &Pepper, now_us: i64, memo: &mut Memo, chunk: &mut Chunk) {
    let line = f.line;
    // A control character (a NUL above all) is refused before any other check: no backend
    // stores it faithfully, and no other message about such a value would help.
    let texts = [&f.order_id, &f.id_number, &f.amount_yuan, &f.settled_at, &f.order_type, &f.grid];
    let errors: Vec<RowError> = COLUMNS.iter().zip(texts).filter_map(|(c, t)| control_error(line, c, t)).collect();
    if !errors.is_empty() {
        return reject(chunk, errors);
    }
    let mut errors = Vec::new();

    let order_id = f.order_id.trim();
    if order_id.is_empty() {
        errors.push(RowError::new(line, "order_id", Code::Malformed, "is empty"));
    } else if order_id.len() > MAX_ORDER_ID_LEN {
        errors.push(RowError::new(line, "order_id", Code::Malformed, format!("is longer than {MAX_ORDER_ID_LEN} bytes")));
    }

    let id_text = f.id_number.trim();
    let id = match memo.id_index.get(id_text) {
        Some(r) => r.clone(),
        None => {
            let r = match check_resident_id(id_text) {
                Ok((norm, _)) => {
                    memo.ids.push((pepper.resident_id(norm.as_bytes()), mask(&norm)));
                    Ok(memo.ids.len() as u32 - 1)
                }
                Err(reason) => Err(reason),
            };
            memo.id_index.insert(id_text.into(), r.clone());
            r
        }
    };
    if let Err(reason) = &id {
        errors.push(RowError::new(line, "id_number", Code::InvalidId, format!("not a valid resident ID: {reason}")));
    }

    let amount = match parse_yuan(&f.amount_yuan) {
        Ok(fen) if fen <= 0 => Err(format!("{} must be more than 0", quote(f.amount_yuan.trim()))),
        Ok(fen) if fen > MAX_ORDER_AMOUNT_FEN => {
            Err(format!("{} is more than the {} yuan one order may carry", quote(f.amount_yuan.trim()), MAX_ORDER_AMOUNT_FEN / 100))
        }
        Ok(fen) => Ok(fen),
        Err(e) => Err(format!("{e} (write yuan with at most 2 decimals, e.g. 23.50)")),
    };
    if let Err(reason) = &amount {
        errors.push(RowError::new(line, "amount_yuan", Code::Amount, reason.clone()));
    }

    let settled = match parse_settled_at(f.settled_at.trim()) {
        Ok(t) if t.utc_us > now_us => Err(format!("{} is in the future", quote(f.settled_at.trim()))),
        Ok(t) => Ok(t),
        Err(reason) => Err(format!("{}: {reason}", quote(f.settled_at.trim()))),
    };
    if let Err(reason) = &settled {
        errors.push(RowError::new(line, "settled_at", Code::SettledAt, reason.clone()));
    }

    let order_type = f.order_type.trim().parse::<OrderType>();
    if let Err(reason) = &order_type {
        errors.push(RowError::new(line, "order_type", Code::OrderType, reason.clone()));
    }

    let grid_text = f.grid.trim();
    if grid_text.is_empty() {
        errors.push(RowError::new(line, "grid", Code::Malformed, "is empty"));
    }

    match (id, amount, settled, order_type) {
        (Ok(id), Ok(amount_fen), Ok(t), Ok(order_type)) if errors.is_empty() => {
            let grid = match memo.grid_index.get(grid_text) {
                Some(&g) => g,
                None => {
                    memo.grids.push(grid_text.to_string());
                    let g = memo.grids.len() as u32 - 1;
                    memo.grid_index.insert(grid_text.into(), g);
                    g
                }
            };
            chunk.rows.push(ParsedRow {
                line,
                order_id: order_id.into(),
                id,
                amount_fen,
                settled_at_us: t.utc_us,
                cn_day: t.cn_day,
                month: t.month,
                order_type,
                grid,
            });
        }
        _ => reject(chunk, errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &str) -> (Vec<u64>, Vec<u64>) {
        let pepper = Pepper::new(&[7u8; 32]).unwrap();
        let mut p = Parser::new(input.as_bytes(), Format::Csv, pepper, i64::MAX).unwrap();
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        while let Some(c) = p.next_chunk(100).unwrap() {
            ok.extend(c.rows.iter().map(|r| r.line));
            bad.extend(c.errors.iter().map(|e| e.line));
        }
        (ok, bad)
    }

    /// Found by fuzzing: a lone '\r' ended a record without counting a line, so an accepted
    /// row and a refused one were both reported as line 2.
    #[test]
    fn every_record_has_its_own_line() {
        let row = "p1,330106199001010018,3000.00,2025-09-01T12:00:00,instant_delivery,g1";
        let crlf = format!("{}\r\n{row}\r\n{}\r\n", COLUMNS.join(","), row.replace("p1", "p2"));
        assert_eq!(lines(&crlf), (vec![2, 3], vec![]));
        let (ok, mut bad) = lines(&format!("{}\n{row}\rjunk\n{row}\n", COLUMNS.join(",")));
        bad.dedup();
        let mut all = [ok, bad].concat();
        all.sort_unstable();
        assert_eq!(all, vec![2, 3], "one record per line of the file");
    }
}
