//! A population listed in CSV, so results can be checked against other tools on identical
//! inputs. Columns (header required, any order): `worker_id`, `income_yuan` (the month's income
//! from all platforms), and optionally `base_yuan` (declared base; empty or 0 = the region's
//! lower limit), `job` (a label to group by), `age` (years, or `35y4m`) and `sex`
//! (`male`/`female`), which the projection needs. Plain comma-separated values, no quoting.

use crate::error::SimError;
use crate::population::{Origin, Population, Worker, WorkerBase};
use flexpension_rules::money::parse_yuan_nonneg;
use flexpension_rules::{Age, Fen};
use std::collections::HashMap;

pub const COLUMNS: [&str; 6] = ["worker_id", "income_yuan", "base_yuan", "job", "age", "sex"];

/// Read a population from CSV text. Errors name the line (the header is line 1) and the column.
pub fn read(text: &str) -> Result<Population, SimError> {
    let mut lines = text.strip_prefix('\u{feff}').unwrap_or(text).lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let row_err = |line: usize, field: &str, problem: String| SimError::Row { line, field: field.to_string(), problem };
    let (_, header) = lines.next().ok_or_else(|| row_err(1, "header", "the file is empty".into()))?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let mut col = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        if !COLUMNS.contains(n) {
            return Err(row_err(1, n, format!("unknown column (known: {})", COLUMNS.join(", "))));
        }
        if col.insert(*n, i).is_some() {
            return Err(row_err(1, n, "appears twice".into()));
        }
    }
    for need in ["worker_id", "income_yuan"] {
        if !col.contains_key(need) {
            return Err(row_err(1, need, "this column is required".into()));
        }
    }
    let mut jobs: Vec<String> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut workers = Vec::new();
    let mut incomes = Vec::new();
    for (line, l) in lines {
        if l.trim().is_empty() {
            continue;
        }
        if l.contains('"') {
            return Err(row_err(line, "row", "quoted fields are not supported: write plain values".into()));
        }
        let cells: Vec<&str> = l.split(',').map(str::trim).collect();
        if cells.len() != names.len() {
            return Err(row_err(line, "row", format!("has {} fields, the header has {}", cells.len(), names.len())));
        }
        let get = |name: &str| col.get(name).map(|&i| cells[i]);
        let id = get("worker_id").unwrap_or_default();
        if id.is_empty() {
            return Err(row_err(line, "worker_id", "is empty".into()));
        }
        if let Some(first) = seen.insert(id.to_string(), line) {
            return Err(row_err(line, "worker_id", format!("'{id}' already appears on line {first}")));
        }
        let income = parse_yuan_nonneg(get("income_yuan").unwrap_or_default()).map_err(|e| row_err(line, "income_yuan", e.to_string()))?;
        let base = match get("base_yuan") {
            None | Some("") => WorkerBase::Lower,
            Some(t) => match parse_yuan_nonneg(t).map_err(|e| row_err(line, "base_yuan", e.to_string()))? {
                0 => WorkerBase::Lower,
                b => WorkerBase::Declared(b),
            },
        };
        let job = match get("job") {
            None | Some("") => "unknown",
            Some(j) => j,
        };
        let job_i = match jobs.iter().position(|j| j == job) {
            Some(i) => i,
            None => {
                jobs.push(job.to_string());
                jobs.len() - 1
            }
        };
        let age_months = match get("age") {
            None | Some("") => None,
            Some(t) => {
                let a: Age = t.parse().map_err(|e: flexpension_rules::time::BadAge| row_err(line, "age", e.to_string()))?;
                if !(16..=70).contains(&a.years) {
                    return Err(row_err(line, "age", format!("{t} is outside 16 to 70")));
                }
                Some(a.total_months() as u16)
            }
        };
        let male = match get("sex").map(str::to_ascii_lowercase).as_deref() {
            None | Some("") => None,
            Some("male" | "m" | "男") => Some(true),
            Some("female" | "f" | "女") => Some(false),
            Some(other) => return Err(row_err(line, "sex", format!("'{other}' is not male or female"))),
        };
        workers.push(listed_worker(workers.len() as u64, job_i, male, age_months, income, base));
        incomes.push(income);
    }
    if workers.is_empty() {
        return Err(row_err(2, "row", "no workers: the file has a header only".into()));
    }
    Ok(Population { origin: Origin::Listed, jobs, workers, listed_incomes: Some(incomes) })
}

fn listed_worker(id: u64, job: usize, male: Option<bool>, age_months: Option<u16>, income: Fen, base: WorkerBase) -> Worker {
    Worker {
        id,
        job: job.min(u16::MAX as usize) as u16,
        male,
        age_months,
        local_hukou: false,
        below_junior_college: false,
        labour_contract: false,
        platform_contract: false,
        union_member: false,
        large_swings: false,
        platform_ids: [0; 3],
        platform_count: 1,
        usual_income_fen: income,
        base,
        prior_coverage_ppm: 0,
    }
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
}
