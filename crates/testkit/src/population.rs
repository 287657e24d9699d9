//! Test populations: incomes for the batch benchmarks, and workers as `import workers` reads
//! them (`Store::import_workers`).

use crate::{Rng, phone};

/// The region of test workers.
pub const REGION: &str = "zj";

/// Header of the workers' CSV.
pub const WORKERS_CSV_HEADER: &str = "id_number,name,phone,hukou_region,grid,pension_from\n";

/// `n` monthly incomes in fen, uniform over 0 to 12,000 yuan, drawn from `seed`. The rules and
/// ledger benchmarks share them, so their figures compare.
pub fn incomes_fen(n: usize, seed: u64) -> Vec<i64> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.below(1_200_000) as i64).collect()
}

/// The n-th test worker's name.
pub fn worker_name(n: u32) -> String {
    format!("工人{n}")
}

/// One line of the workers' CSV for the n-th test worker: [`worker_name`], [`phone`], [`REGION`],
/// the grid and the first month in the employee pension (empty: not enrolled).
pub fn worker_line(id_number: &str, n: u32, grid: &str, pension_from: &str) -> String {
    format!("{id_number},{},{},{REGION},{grid},{pension_from}\n", worker_name(n), phone(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomes_span_the_range() {
        let v = incomes_fen(100_000, 1);
        assert_eq!(v, incomes_fen(100_000, 1));
        assert_ne!(v, incomes_fen(100_000, 2));
        assert!(v.iter().all(|x| (0..1_200_000).contains(x)));
        let below_half = v.iter().filter(|x| **x < 600_000).count();
        assert!((49_000..51_000).contains(&below_half), "{below_half}");
    }

    #[test]
    fn worker_lines_match_the_header() {
        let line = worker_line("11010519491231002X", 3, "g1", "2025-01");
        assert_eq!(line, "11010519491231002X,工人3,13800000003,zj,g1,2025-01\n");
        assert_eq!(line.split(',').count(), WORKERS_CSV_HEADER.split(',').count());
    }
}
