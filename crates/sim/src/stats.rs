//! Group totals with exact burden statistics: integer sums and a histogram of burdens in basis
//! points (0.01%), so the mean and the median come out the same for any split of the work.

use flexpension_rules::contribution::{BatchTotals, Contribution};
use serde::Serialize;

/// Burdens of 100% or more share the last bucket.
pub const HIST_TOP_BP: usize = 10_000;

/// The histogram bucket of a burden in basis points.
#[inline]
pub fn burden_bucket(burden_bp: i64) -> usize {
    (burden_bp.max(0) as usize).min(HIST_TOP_BP)
}

/// A group's integer sums: its totals in fen, added up as the rules core adds a batch, and the
/// sum of its burdens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub totals: BatchTotals,
    pub burden_sum_bp: i64,
}

impl Sums {
    /// Count a worker-month in; its burden's histogram bucket when it has a burden.
    #[inline]
    pub fn add(&mut self, c: &Contribution) -> Option<usize> {
        self.totals.add(c);
        let b = c.burden_bp?;
        self.burden_sum_bp += b;
        Some(burden_bucket(b))
    }

    pub fn merge(&mut self, o: &Sums) {
        self.totals += o.totals;
        self.burden_sum_bp += o.burden_sum_bp;
    }
}

/// A group's sums and the histogram of its burdens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acc {
    pub sums: Sums,
    /// Workers with a burden (income above zero), by burden in basis points.
    pub hist: Vec<u64>,
}

impl Default for Acc {
    fn default() -> Acc {
        Acc { sums: Sums::default(), hist: vec![0; HIST_TOP_BP + 1] }
    }
}

impl Acc {
    #[inline]
    pub fn add(&mut self, c: &Contribution) {
        if let Some(b) = self.sums.add(c) {
            self.hist[b] += 1;
        }
    }

    pub fn merge(&mut self, o: &Acc) {
        self.sums.merge(&o.sums);
        self.hist.iter_mut().zip(&o.hist).for_each(|(a, b)| *a += b);
    }

    pub fn with_burden(&self) -> u64 {
        self.hist.iter().sum()
    }

    /// The lower median of the burdens, in basis points.
    pub fn median_bp(&self) -> Option<i64> {
        median_of_hist(&self.hist)
    }

    pub fn group(&self, group: String) -> GroupReport {
        let n = self.with_burden();
        let t = &self.sums.totals;
        GroupReport {
            group,
            workers: t.workers,
            contribution_fen: t.contribution_fen,
            subsidy_fen: t.subsidy_fen,
            net_fen: t.net_fen,
            over_benchmark: t.over_benchmark,
            over_benchmark_share: share(t.over_benchmark, t.workers),
            mean_burden: (n > 0).then(|| self.sums.burden_sum_bp as f64 / n as f64 / 10_000.0),
            median_burden: self.median_bp().map(|b| b as f64 / 10_000.0),
        }
    }
}

/// The lower median of a histogram whose bucket `i` counts the value `i`.
pub fn median_of_hist(hist: &[u64]) -> Option<i64> {
    let n: u64 = hist.iter().sum();
    if n == 0 {
        return None;
    }
    let half = n.div_ceil(2);
    let mut acc = 0;
    for (i, c) in hist.iter().enumerate() {
        acc += c;
        if acc >= half {
            return Some(i as i64);
        }
    }
    None
}

pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// A group's month under one policy. Shares and burdens are fractions (0.2113 = 21.13%).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupReport {
    pub group: String,
    pub workers: u64,
    pub contribution_fen: i64,
    pub subsidy_fen: i64,
    pub net_fen: i64,
    pub over_benchmark: u64,
    pub over_benchmark_share: f64,
    pub mean_burden: Option<f64>,
    /// The lower median, exact to 0.01%.
    pub median_burden: Option<f64>,
}

/// Income band labels for lower edges `e1 < e2 < ...` (yuan): `<e1`, `e1-e2`, ..., `≥en`.
pub fn band_labels(edges_fen: &[i64]) -> Vec<String> {
    let y = |f: i64| flexpension_rules::money::trim_decimal(f, 2);
    let mut out = Vec::with_capacity(edges_fen.len() + 1);
    if let Some(first) = edges_fen.first() {
        out.push(format!("<{}", y(*first)));
    }
    for w in edges_fen.windows(2) {
        out.push(format!("{}-{}", y(w[0]), y(w[1])));
    }
    if let Some(last) = edges_fen.last() {
        out.push(format!("≥{}", y(*last)));
    }
    if out.is_empty() {
        out.push("all".into());
    }
    out
}

/// The band an income falls in: the number of edges at or below it.
#[inline]
pub fn band_of(edges_fen: &[i64], income_fen: i64) -> usize {
    edges_fen.iter().map(|&e| usize::from(income_fen >= e)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_bands() {
        assert_eq!(median_of_hist(&[0, 2, 1, 1]), Some(1));
        assert_eq!(median_of_hist(&[0, 1, 1, 1, 1]), Some(2));
        assert_eq!(median_of_hist(&[0, 0]), None);
        let edges = [300_000, 400_000];
        assert_eq!(band_labels(&edges), vec!["<3000", "3000-4000", "≥4000"]);
        assert_eq!((band_of(&edges, 299_999), band_of(&edges, 300_000), band_of(&edges, 400_000)), (0, 1, 2));
    }
}
