//! A population listed in CSV, so results can be checked against other tools on identical
//! inputs. Columns (header required, any order): `worker_id`, `income_yuan` (the month's income
//! from all platforms), and optionally `base_yuan` (declared base; empty or 0 = the region's
//! lower limit), `job` (a label to group by), `age` (years, or `35y4m`) and `sex`
//! (`male`/`female`), which the projection needs. Plain comma-separated values, no quoting.

use crate::error::SimError;
use crate::population::{Origin, Population, Worker, WorkerBase};
use flexpension_rules::money::parse_yuan_nonneg;
use flexpension_rules::{Age, Fen};
use rayon::prelude::*;
use std::collections::HashMap;

pub const COLUMNS: [&str; 6] = ["worker_id", "income_yuan", "base_yuan", "job", "age", "sex"];

/// Read a population from CSV text. Errors name the line (the header is line 1) and the column;
/// with several mistakes, the first line's. Pieces of the file are read in parallel, borrowing
/// the text (no allocation per row), and put together in file order.
pub fn read(text: &str) -> Result<Population, SimError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    let header = header.trim_end_matches('\r');
    if text.is_empty() {
        return Err(row_err(1, "header", "the file is empty".into()));
    }
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    // Where each known column is, by its place in COLUMNS.
    let mut col = [None; COLUMNS.len()];
    for (i, n) in names.iter().enumerate() {
        let Some(k) = COLUMNS.iter().position(|c| c == n) else {
            return Err(row_err(1, n, format!("unknown column (known: {})", COLUMNS.join(", "))));
        };
        if col[k].replace(i).is_some() {
            return Err(row_err(1, n, "appears twice".into()));
        }
    }
    for need in 0..2 {
        if col[need].is_none() {
            return Err(row_err(1, COLUMNS[need], "this column is required".into()));
        }
    }
    let layout = Layout { col, fields: names.len() };
    let pieces = pieces(body);
    let read: Vec<Piece> = pieces.par_iter().map(|&(first_line, t)| read_piece(&layout, first_line, t)).collect();
    // The first mistake in the file: a bad row, or a worker_id seen on an earlier line.
    let mut first_err = read.iter().filter_map(|p| p.err.as_ref()).min_by_key(|e| (e.line, e.stage));
    let dup = duplicate(&read);
    if let Some(d) = &dup
        && first_err.is_none_or(|e| (d.line, d.stage) < (e.line, e.stage))
    {
        first_err = Some(d);
    }
    if let Some(e) = first_err {
        return Err(e.error.clone());
    }
    // Job labels in order of first appearance, and each piece's labels in that list.
    let mut jobs: Vec<&str> = Vec::new();
    let maps: Vec<Vec<u16>> = read
        .iter()
        .map(|p| {
            p.jobs
                .iter()
                .map(|j| {
                    let i = jobs.iter().position(|x| x == j).unwrap_or_else(|| {
                        jobs.push(j);
                        jobs.len() - 1
                    });
                    i.min(usize::from(u16::MAX)) as u16
                })
                .collect()
        })
        .collect();
    let n: usize = read.iter().map(|p| p.rows.len()).sum();
    if n == 0 {
        return Err(row_err(2, "row", "no workers: the file has a header only".into()));
    }
    let mut workers = vec![listed_worker(0, 0, None, None, 0, WorkerBase::Lower); n];
    let mut incomes = vec![0; n];
    let mut parts: Vec<(&mut [Worker], &mut [Fen])> = Vec::with_capacity(read.len());
    let (mut w_rest, mut i_rest) = (&mut workers[..], &mut incomes[..]);
    for p in &read {
        let (w, wr) = w_rest.split_at_mut(p.rows.len());
        let (i, ir) = i_rest.split_at_mut(p.rows.len());
        parts.push((w, i));
        (w_rest, i_rest) = (wr, ir);
    }
    let starts = read.iter().scan(0, |at, p| {
        let s = *at;
        *at += p.rows.len();
        Some(s)
    });
    parts.into_par_iter().zip(read.par_iter()).zip(maps.par_iter()).zip(starts.collect::<Vec<_>>()).for_each(
        |((((ws, incs), p), map), start)| {
            for (k, (r, (w, inc))) in p.rows.iter().zip(ws.iter_mut().zip(incs.iter_mut())).enumerate() {
                let job = map.get(usize::from(r.job)).copied().unwrap_or(0);
                *w = listed_worker((start + k) as u64, usize::from(job), r.male, r.age_months, r.income, r.base);
                *inc = r.income;
            }
        },
    );
    Ok(Population { origin: Origin::Listed, jobs: jobs.into_iter().map(str::to_string).collect(), workers, listed_incomes: Some(incomes) })
}

fn row_err(line: usize, field: &str, problem: String) -> SimError {
    SimError::Row { line, field: field.to_string(), problem }
}

struct Layout {
    /// Index of each of COLUMNS in a row, if present.
    col: [Option<usize>; COLUMNS.len()],
    fields: usize,
}

/// A row read, its job as an index into its piece's labels.
struct Row {
    income: Fen,
    base: WorkerBase,
    job: u16,
    male: Option<bool>,
    age_months: Option<u16>,
}

/// A mistake, with the order of the checks on its line (a repeated worker_id is found after the
/// row's shape and before its values).
struct RowErr {
    line: usize,
    stage: u8,
    error: SimError,
}

struct Piece<'a> {
    rows: Vec<Row>,
    /// (worker_id, line) of every row read.
    ids: Vec<(&'a str, usize)>,
    jobs: Vec<&'a str>,
    err: Option<RowErr>,
}

/// The body cut at line ends into pieces of about 256 KiB, with the line number each starts at.
fn pieces(body: &str) -> Vec<(usize, &str)> {
    const PIECE: usize = 1 << 18;
    let mut cuts = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let end = if rest.len() <= PIECE {
            rest.len()
        } else {
            rest.as_bytes()[PIECE..].iter().position(|&b| b == b'\n').map_or(rest.len(), |p| PIECE + p + 1)
        };
        let (piece, r) = rest.split_at(end);
        cuts.push(piece);
        rest = r;
    }
    let newlines: Vec<usize> = cuts.par_iter().map(|p| p.bytes().filter(|&b| b == b'\n').count()).collect();
    let mut line = 2;
    cuts.into_iter()
        .zip(newlines)
        .map(|(p, nl)| {
            let first = line;
            line += nl;
            (first, p)
        })
        .collect()
}

fn read_piece<'a>(layout: &Layout, first_line: usize, text: &'a str) -> Piece<'a> {
    let mut p = Piece { rows: Vec::with_capacity(text.len() / 16), ids: Vec::with_capacity(text.len() / 16), jobs: Vec::new(), err: None };
    for (k, l) in text.split('\n').enumerate() {
        let l = l.trim_end_matches('\r');
        if l.trim().is_empty() {
            continue;
        }
        let line = first_line + k;
        match read_row(layout, l, line, &mut p.jobs) {
            Ok((id, row)) => {
                p.ids.push((id, line));
                p.rows.push(row);
            }
            Err((stage, error, id)) => {
                // A row with bad values still has its id, which may repeat an earlier one.
                p.ids.extend(id.map(|id| (id, line)));
                p.err = Some(RowErr { line, stage, error });
                break;
            }
        }
    }
    p
}

/// A row's worker_id and values, or the mistake: the order of the check that failed, the
/// error, and the worker_id when it was read.
type RowResult<'a> = Result<(&'a str, Row), (u8, SimError, Option<&'a str>)>;

fn read_row<'a>(layout: &Layout, l: &'a str, line: usize, jobs: &mut Vec<&'a str>) -> RowResult<'a> {
    if l.contains('"') {
        return Err((0, row_err(line, "row", "quoted fields are not supported: write plain values".into()), None));
    }
    let mut cells = [""; COLUMNS.len()];
    let mut count = 0;
    for c in l.split(',') {
        if count < cells.len() {
            cells[count] = c.trim();
        }
        count += 1;
    }
    if count != layout.fields {
        return Err((0, row_err(line, "row", format!("has {count} fields, the header has {}", layout.fields)), None));
    }
    let get = |k: usize| layout.col[k].map(|i| cells[i]);
    let id = get(0).unwrap_or_default();
    if id.is_empty() {
        return Err((0, row_err(line, "worker_id", "is empty".into()), None));
    }
    let late = |field: &str, problem: String| (2, row_err(line, field, problem), Some(id));
    let income = parse_yuan_nonneg(get(1).unwrap_or_default()).map_err(|e| late("income_yuan", e.to_string()))?;
    let base = match get(2) {
        None | Some("") => WorkerBase::Lower,
        Some(t) => match parse_yuan_nonneg(t).map_err(|e| late("base_yuan", e.to_string()))? {
            0 => WorkerBase::Lower,
            b => WorkerBase::Declared(b),
        },
    };
    let job = match get(3) {
        None | Some("") => "unknown",
        Some(j) => j,
    };
    let job = match jobs.iter().position(|j| *j == job) {
        Some(i) => i,
        None => {
            jobs.push(job);
            jobs.len() - 1
        }
    };
    let age_months = match get(4) {
        None | Some("") => None,
        Some(t) => {
            let a: Age = t.parse().map_err(|e: flexpension_rules::time::BadAge| late("age", e.to_string()))?;
            if !(16..=70).contains(&a.years) {
                return Err(late("age", format!("{t} is outside 16 to 70")));
            }
            Some(a.total_months() as u16)
        }
    };
    let male = match get(5) {
        None | Some("") => None,
        Some(t) if ["male", "m", "男"].iter().any(|x| t.eq_ignore_ascii_case(x)) => Some(true),
        Some(t) if ["female", "f", "女"].iter().any(|x| t.eq_ignore_ascii_case(x)) => Some(false),
        Some(t) => return Err(late("sex", format!("'{}' is not male or female", t.to_ascii_lowercase()))),
    };
    Ok((id, Row { income, base, job: job.min(usize::from(u16::MAX)) as u16, male, age_months }))
}

/// The first line (in file order) whose worker_id an earlier line already has. Ids are sorted
/// into shards by hash, each shard checked on its own.
fn duplicate(pieces: &[Piece]) -> Option<RowErr> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    type Fixed = BuildHasherDefault<DefaultHasher>;
    const SHARDS: usize = 64;
    let sharded: Vec<Vec<Vec<(&str, usize)>>> = pieces
        .par_iter()
        .map(|p| {
            let mut s = vec![Vec::new(); SHARDS];
            for &(id, line) in &p.ids {
                s[(Fixed::default().hash_one(id) % SHARDS as u64) as usize].push((id, line));
            }
            s
        })
        .collect();
    (0..SHARDS)
        .into_par_iter()
        .filter_map(|s| {
            let mut seen: HashMap<&str, usize, Fixed> = HashMap::default();
            let mut found: Option<(usize, usize, &str)> = None;
            // Pieces in file order, rows in order within each: the first line of an id is kept.
            for &(id, line) in sharded.iter().flat_map(|p| &p[s]) {
                if let Some(&first) = seen.get(id) {
                    if found.is_none_or(|(l, _, _)| line < l) {
                        found = Some((line, first, id));
                    }
                } else {
                    seen.insert(id, line);
                }
            }
            found
        })
        .min_by_key(|&(line, _, _)| line)
        .map(|(line, first, id)| RowErr {
            line,
            stage: 1,
            error: row_err(line, "worker_id", format!("'{id}' already appears on line {first}")),
        })
}

fn listed_worker(id: u64, job: usize, male: Option<bool>, age_months: Option<u16>, income: Fen, base: WorkerBase) -> Worker {
    Worker { male, age_months, ..Worker::plain(id, job.min(usize::from(u16::MAX)) as u16, income, base) }
}

/// Write a population's month as CSV (the same columns), e.g. to hand identical inputs to
/// another tool. A base chosen as a share of the average wage is written in yuan, resolved with
/// `benefit_base_fen`, so reading the file back gives the same month.
pub fn write(p: &Population, incomes: &[Fen], benefit_base_fen: Fen) -> String {
    use flexpension_rules::money::yuan;
    let mut out = String::from("worker_id,income_yuan,base_yuan,job,age,sex\n");
    for (w, inc) in p.workers.iter().zip(incomes) {
        let base = match crate::run::declared_fen(w, benefit_base_fen) {
            0 => String::new(),
            b => yuan(b),
        };
        let age = w.age_months.map(|m| Age::from_months(u32::from(m)).to_string()).unwrap_or_default();
        let sex = match w.male {
            Some(true) => "male",
            Some(false) => "female",
            None => "",
        };
        let job = p.jobs.get(usize::from(w.job)).map(String::as_str).unwrap_or("");
        out.push_str(&format!("{},{},{base},{job},{age},{sex}\n", w.id, yuan(*inc)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_defaults() {
        let p = read("worker_id,income_yuan,base_yuan,job\nA,3800,,rider\nB,4000.5,5000,driver\nC,0,0,\n").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p.listed_incomes.as_deref(), Some(&[380_000, 400_050, 0][..]));
        assert_eq!(p.workers[1].base, WorkerBase::Declared(500_000));
        assert_eq!(p.workers[2].base, WorkerBase::Lower);
        assert_eq!(p.jobs, vec!["rider", "driver", "unknown"]);
    }

    #[test]
    fn errors_name_line_and_field() {
        let cases = [
            ("worker_id,income\n1,3\n", "line 1: income: unknown column"),
            ("worker_id,base_yuan\n1,3\n", "line 1: income_yuan: this column is required"),
            ("worker_id,income_yuan\n1,3800\n2,38a0\n", "line 3: income_yuan: '38a0' is not a number"),
            ("worker_id,income_yuan\n1,3800\n1,3900\n", "line 3: worker_id: '1' already appears on line 2"),
            ("worker_id,income_yuan\n1,-5\n", "line 2: income_yuan: '-5' must not be negative"),
            ("worker_id,income_yuan,base_yuan\n1,5,1.001\n", "line 2: base_yuan: '1.001' has more than 2 decimal places"),
            ("worker_id,income_yuan\n1,5,6\n", "line 2: row: has 3 fields, the header has 2"),
            ("worker_id,income_yuan,age\n1,5,12\n", "line 2: age: 12 is outside 16 to 70"),
            ("worker_id,income_yuan,sex\n1,5,x\n", "line 2: sex: 'x' is not male or female"),
            ("worker_id,income_yuan\n", "line 2: row: no workers"),
        ];
        for (text, want) in cases {
            let e = read(text).unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn writes_what_it_reads() {
        let p =
            read("worker_id,income_yuan,base_yuan,job,age,sex\n0,3800.00,,rider,35y4m,male\n1,5000.10,6000.00,x,40y0m,female\n").unwrap();
        let text = write(&p, p.listed_incomes.as_deref().unwrap(), 843_300);
        assert_eq!(read(&text).unwrap(), p);
    }

    /// Rows over several pieces: file order kept, and the first mistake in the file reported.
    #[test]
    fn a_large_file_reads_as_one() {
        let rows = |edit: &dyn Fn(usize) -> Option<String>| {
            let mut t = String::from("worker_id,income_yuan,job\r\n");
            for i in 0..60_000 {
                t += &edit(i).unwrap_or_else(|| format!("w{i},{}.{:02},job{}\r\n", 3000 + i % 5000, i % 100, (i * 7) % 11));
                if i == 100 {
                    t += "\n  \n";
                }
            }
            t
        };
        let text = rows(&|_| None);
        assert!(text.len() > 4 << 18, "several pieces");
        let p = read(&text).unwrap();
        assert_eq!(p.len(), 60_000);
        assert_eq!(p.jobs, (0..11).map(|k| format!("job{}", (k * 7) % 11)).collect::<Vec<_>>());
        let w = &p.workers[54_321];
        assert_eq!((w.id, p.jobs[usize::from(w.job)].clone()), (54_321, format!("job{}", (54_321 * 7) % 11)));
        assert_eq!(p.listed_incomes.as_ref().unwrap()[54_321], (3000 + 54_321 % 5000) * 100 + 21);
        // Line of row i: header, i rows, two blank lines after row 100.
        let line = |i: usize| i + 2 + if i > 100 { 2 } else { 0 };
        let err = |edit: &dyn Fn(usize) -> Option<String>| read(&rows(edit)).unwrap_err().to_string();
        assert_eq!(
            err(&|i| (i == 50_000).then(|| "w7,1,x\n".to_string())),
            format!("line {}: worker_id: 'w7' already appears on line {}", line(50_000), line(7))
        );
        assert_eq!(
            err(&|i| match i {
                40_000 => Some("w40000,abc,x\n".into()),
                50_000 => Some("w7,1,x\n".into()),
                _ => None,
            }),
            format!("line {}: income_yuan: 'abc' is not a number", line(40_000))
        );
        // On one line the repeated id is found before a bad income, after a bad shape.
        assert!(err(&|i| (i == 30_000).then(|| "w9,abc,x\n".to_string())).contains("'w9' already appears"));
        assert!(err(&|i| (i == 30_000).then(|| "w9,1\n".to_string())).contains("has 2 fields"));
    }
}
