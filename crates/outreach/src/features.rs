//! The feature table: one row per worker, de-identified (`worker_id` is whatever key the agency
//! gives, never an ID number), read from CSV with every field checked.
//!
//! Columns (a contract): `worker_id, age, migrant, months_active, platforms, income_yuan,
//! income_cv, night_share`, and for training `enrolled` (0/1). Two optional columns may follow
//! ([`OPTIONAL`]): `grids` (order areas) and `ever_enrolled` (an enrolment that has ended); a file
//! without them still reads, each row's value then being unknown (`None`).

use std::io::Read;

/// A table holds at most this many rows: the scoring of a province is done in files of this
/// size (memory: about 100 bytes a row).
pub const MAX_ROWS: usize = 5_000_000;
/// A worker_id is at most this long.
pub const MAX_ID_LEN: usize = 64;

/// One feature: its column, the range a value must be in, and its catalogue texts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Feature {
    pub column: &'static str,
    pub min: f64,
    pub max: f64,
    /// Only 0 or 1.
    pub flag: bool,
    /// Catalogue keys of the reason when the feature raises / lowers the chance of joining.
    pub raises: &'static str,
    pub lowers: &'static str,
}

const fn feature(column: &'static str, min: f64, max: f64, flag: bool, raises: &'static str, lowers: &'static str) -> Feature {
    Feature { column, min, max, flag, raises, lowers }
}

/// The model's features, in order.
pub const FEATURES: [Feature; 7] = [
    feature("age", 16.0, 80.0, false, "fit.age_raises", "fit.age_lowers"),
    feature("migrant", 0.0, 1.0, true, "fit.migrant_raises", "fit.migrant_lowers"),
    feature("months_active", 0.0, 600.0, false, "fit.months_active_raises", "fit.months_active_lowers"),
    feature("platforms", 0.0, 20.0, false, "fit.platforms_raises", "fit.platforms_lowers"),
    feature("income_yuan", 0.0, 1_000_000.0, false, "fit.income_yuan_raises", "fit.income_yuan_lowers"),
    feature("income_cv", 0.0, 10.0, false, "fit.income_cv_raises", "fit.income_cv_lowers"),
    feature("night_share", 0.0, 1.0, false, "fit.night_share_raises", "fit.night_share_lowers"),
];
pub const N: usize = FEATURES.len();

/// The optional features, in order, after [`FEATURES`]: a file may have either, both or none.
/// `grids`: distinct grid cells the worker's orders came from in the window (how far they move
/// about; never which cells). `ever_enrolled`: an enrolment of the worker that has ended.
pub const OPTIONAL: [Feature; 2] = [
    feature("grids", 0.0, 1000.0, false, "fit.grids_raises", "fit.grids_lowers"),
    feature("ever_enrolled", 0.0, 1.0, true, "fit.ever_enrolled_raises", "fit.ever_enrolled_lowers"),
];
pub const M: usize = OPTIONAL.len();

/// Feature `j` of the model's numbering: [`FEATURES`] then [`OPTIONAL`].
pub fn nth(j: usize) -> Option<&'static Feature> {
    FEATURES.get(j).or_else(|| OPTIONAL.get(j.checked_sub(N)?))
}

/// The number of a feature's column in that numbering.
pub fn index(column: &str) -> Option<usize> {
    (0..N + M).find(|&j| nth(j).is_some_and(|f| f.column == column))
}

/// One worker's features.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub worker_id: String,
    pub x: [f64; N],
    pub enrolled: Option<bool>,
    /// The [`OPTIONAL`] features; `None` when the file has no such column.
    pub more: [Option<f64>; M],
}

impl Row {
    /// A feature's value by column; `None` for an optional one the row does not have.
    pub fn get(&self, column: &str) -> Option<f64> {
        self.value(index(column)?)
    }

    /// Feature `j` (see [`nth`]).
    pub fn value(&self, j: usize) -> Option<f64> {
        if j < N { Some(self.x[j]) } else { self.more.get(j - N).copied().flatten() }
    }
}

/// A file's rows; `labelled` when it has the `enrolled` column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub rows: Vec<Row>,
    pub labelled: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FeatureError {
    #[error(
        "the header has no column '{0}' (columns: worker_id, age, migrant, months_active, platforms, income_yuan, income_cv, night_share[, enrolled])"
    )]
    MissingColumn(&'static str),
    #[error("line {line}: {column}: {reason}")]
    Field { line: u64, column: &'static str, reason: String },
    #[error("line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error("more than {0} rows: split the file")]
    TooMany(usize),
    #[error("the file has no rows")]
    Empty,
}

/// Read a CSV table with a header; columns may come in any order, unknown ones are ignored.
pub fn read(input: impl Read) -> Result<Table, FeatureError> {
    let mut r = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(input);
    let header = r.byte_headers().map_err(|e| FeatureError::Line { line: 1, reason: e.to_string() })?.clone();
    let find = |name: &str| header.iter().position(|h| h == name.as_bytes());
    let id_at = find("worker_id").ok_or(FeatureError::MissingColumn("worker_id"))?;
    let mut at = [0usize; N];
    for (i, f) in FEATURES.iter().enumerate() {
        at[i] = find(f.column).ok_or(FeatureError::MissingColumn(f.column))?;
    }
    let mut more_at = [None; M];
    for (i, f) in OPTIONAL.iter().enumerate() {
        more_at[i] = find(f.column);
    }
    let label_at = find("enrolled");
    let mut table = Table { rows: Vec::new(), labelled: label_at.is_some() };
    let mut record = csv::ByteRecord::new();
    loop {
        let line = r.position().line();
        match r.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(FeatureError::Line { line, reason: e.to_string() }),
        }
        if table.rows.len() == MAX_ROWS {
            return Err(FeatureError::TooMany(MAX_ROWS));
        }
        table.rows.push(row(&record, line, id_at, (&at, &more_at), label_at)?);
    }
    if table.rows.is_empty() {
        return Err(FeatureError::Empty);
    }
    Ok(table)
}

fn row(
    record: &csv::ByteRecord,
    line: u64,
    id_at: usize,
    (at, more_at): (&[usize; N], &[Option<usize>; M]),
    label_at: Option<usize>,
) -> Result<Row, FeatureError> {
    let field = |column: &'static str, i: usize| -> Result<&str, FeatureError> {
        let bytes = record.get(i).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|_| FeatureError::Field { line, column, reason: "not UTF-8 text".into() })
    };
    let id = field("worker_id", id_at)?;
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(FeatureError::Field { line, column: "worker_id", reason: format!("give 1 to {MAX_ID_LEN} printable characters") });
    }
    let number = |f: &Feature, i: usize| -> Result<f64, FeatureError> {
        let text = field(f.column, i)?;
        let bad = |reason: String| FeatureError::Field { line, column: f.column, reason };
        let v: f64 = text.parse().map_err(|_| bad(format!("'{}' is not a number", clip(text))))?;
        if f.flag && v != 0.0 && v != 1.0 {
            return Err(bad(format!("{v}: give 0 (no) or 1 (yes)")));
        }
        if !v.is_finite() || v < f.min || v > f.max {
            return Err(bad(format!("{v} is outside {} to {}", f.min, f.max)));
        }
        Ok(v)
    };
    let mut x = [0.0; N];
    for (i, f) in FEATURES.iter().enumerate() {
        x[i] = number(f, at[i])?;
    }
    let mut more = [None; M];
    for (i, f) in OPTIONAL.iter().enumerate() {
        if let Some(k) = more_at[i] {
            more[i] = Some(number(f, k)?);
        }
    }
    let enrolled = match label_at {
        None => None,
        Some(i) => match field("enrolled", i)? {
            "1" => Some(true),
            "0" => Some(false),
            other => return Err(FeatureError::Field { line, column: "enrolled", reason: format!("'{}': give 0 or 1", clip(other)) }),
        },
    };
    Ok(Row { worker_id: id.to_string(), x, enrolled, more })
}

/// At most 20 characters of a bad value, so an error never repeats a whole hostile field.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The table as CSV, with `enrolled` when every row has it, then each optional column every row
/// has (after the contract's columns).
pub fn to_csv(rows: &[Row]) -> String {
    let labelled = !rows.is_empty() && rows.iter().all(|r| r.enrolled.is_some());
    let has: Vec<usize> = (0..M).filter(|&i| !rows.is_empty() && rows.iter().all(|r| r.more[i].is_some())).collect();
    let mut s = String::from("worker_id");
    for f in FEATURES {
        s.push(',');
        s.push_str(f.column);
    }
    if labelled {
        s.push_str(",enrolled");
    }
    for &i in &has {
        s.push(',');
        s.push_str(OPTIONAL[i].column);
    }
    s.push('\n');
    for r in rows {
        s.push_str(&r.worker_id);
        for v in r.x {
            s.push(',');
            s.push_str(&format!("{v}"));
        }
        if let (true, Some(e)) = (labelled, r.enrolled) {
            s.push_str(if e { ",1" } else { ",0" });
        }
        for v in has.iter().filter_map(|&i| r.more[i]) {
            s.push(',');
            s.push_str(&format!("{v}"));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "worker_id,age,migrant,months_active,platforms,income_yuan,income_cv,night_share";

    #[test]
    fn reads_a_table_in_any_column_order() {
        let t = read(format!("{HEAD},enrolled\nw1,30,1,12,2,3800,0.4,0.1,1\nw2,50,0,100,1,6000.5,0.1,0,0\n").as_bytes()).unwrap();
        assert!(t.labelled);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].get("income_yuan"), Some(6000.5));
        assert_eq!(t.rows[0].enrolled, Some(true));
        let t = read(
            "night_share,income_cv,income_yuan,platforms,months_active,migrant,age,worker_id,note\n0.2,0.3,4000,1,5,0,22,x,hi\n".as_bytes(),
        )
        .unwrap();
        assert!(!t.labelled);
        assert_eq!(t.rows[0].x, [22.0, 0.0, 5.0, 1.0, 4000.0, 0.3, 0.2]);
    }

    #[test]
    fn bad_input_names_the_line_and_the_column() {
        let e = |body: &str| read(format!("{HEAD},enrolled\n{body}\n").as_bytes()).unwrap_err().to_string();
        assert_eq!(e("w1,30,2,12,2,3800,0.4,0.1,1"), "line 2: migrant: 2: give 0 (no) or 1 (yes)");
        assert_eq!(e("w1,abc,1,12,2,3800,0.4,0.1,1"), "line 2: age: 'abc' is not a number");
        assert_eq!(e("w1,30,1,12,2,3800,0.4,1.5,1"), "line 2: night_share: 1.5 is outside 0 to 1");
        assert_eq!(e("w1,30,1,12,2,NaN,0.4,0.1,1"), "line 2: income_yuan: NaN is outside 0 to 1000000");
        assert_eq!(e("w1,30,1,12,2,3800,0.4,0.1,yes"), "line 2: enrolled: 'yes': give 0 or 1");
        assert_eq!(e(",30,1,12,2,3800,0.4,0.1,1"), "line 2: worker_id: give 1 to 64 printable characters");
        assert!(e("w1,30,1").starts_with("line 2: "), "{}", e("w1,30,1"));
        let missing = read("worker_id,age\nw,30\n".as_bytes()).unwrap_err();
        assert_eq!(missing, FeatureError::MissingColumn("migrant"));
        assert_eq!(read(format!("{HEAD}\n").as_bytes()).unwrap_err(), FeatureError::Empty);
        let long = "9".repeat(500);
        assert!(e(&format!("w1,{long},1,12,2,3800,0.4,0.1,1")).len() < 120);
    }

    #[test]
    fn the_optional_columns_are_read_when_there() {
        let t = read(format!("{HEAD},enrolled\nw1,30,1,12,2,3800,0.4,0.1,1\n").as_bytes()).unwrap();
        assert_eq!((t.rows[0].more, t.rows[0].get("grids"), t.rows[0].get("age")), ([None, None], None, Some(30.0)));
        let t = read(
            format!("{HEAD},enrolled,grids,ever_enrolled\nw1,30,1,12,2,3800,0.4,0.1,1,7,1\nw2,40,0,2,1,3000,0.2,0,0,1,0\n").as_bytes(),
        )
        .unwrap();
        assert_eq!(t.rows[0].more, [Some(7.0), Some(1.0)]);
        assert_eq!((t.rows[1].get("grids"), t.rows[1].get("ever_enrolled"), t.rows[1].value(N)), (Some(1.0), Some(0.0), Some(1.0)));
        assert_eq!(read(to_csv(&t.rows).as_bytes()).unwrap(), t);
        assert!(to_csv(&t.rows).starts_with(&format!("{HEAD},enrolled,grids,ever_enrolled\n")));
        // One of the two, before the contract's columns: still read by name.
        let t = read(format!("ever_enrolled,{HEAD}\n0,w1,30,1,12,2,3800,0.4,0.1\n").as_bytes()).unwrap();
        assert_eq!(t.rows[0].more, [None, Some(0.0)]);
        let e = |body: &str| read(format!("{HEAD},grids,ever_enrolled\n{body}\n").as_bytes()).unwrap_err().to_string();
        assert_eq!(e("w1,30,1,12,2,3800,0.4,0.1,3,2"), "line 2: ever_enrolled: 2: give 0 (no) or 1 (yes)");
        assert_eq!(e("w1,30,1,12,2,3800,0.4,0.1,-1,0"), "line 2: grids: -1 is outside 0 to 1000");
        assert_eq!((index("grids"), index("ever_enrolled"), index("age"), index("x")), (Some(N), Some(N + 1), Some(0), None));
    }

    #[test]
    fn csv_round_trips() {
        let t = read(format!("{HEAD},enrolled\nw1,30,1,12,2,3800,0.4,0.1,1\nw2,50,0,100,1,6000.5,0.1,0,0\n").as_bytes()).unwrap();
        assert_eq!(read(to_csv(&t.rows).as_bytes()).unwrap(), t);
    }
}
