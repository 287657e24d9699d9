//! One month of a population: every worker's income, declared base and job (drawn straight
//! from the seed for a generated population whose run needs no more, else taken from the
//! workers), and the month's report under a policy, the population's shares and the residents'
//! comparison. Parallel in fixed parts; every sum is an integer, so the result is the same on any
//! number of threads.

use crate::kernel::Kernel;
use crate::popparams::PopParams;
use crate::population::{MonthWorker, Population, Tables, Worker, draw_month_worker, month_draw};
use crate::report::{PolicyReport, PopulationReport, ResidentsGrade, ResidentsReport};
use crate::rng::{Draws, LANES, Purpose, Streams};
use crate::stats::{Acc, HIST_TOP_BP, Sums, band_of, share};
use crate::{Progress, WorkerBase};
use flexpension_rules::{Fen, Params, YearMonth};
use rayon::prelude::*;

/// Workers a part of the parallel work takes at a time.
const CHUNK: usize = 1 << 14;

/// Attribute counts for the population report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    usual_3000_7000: u64,
    large_swings: u64,
    labour_contract: u64,
    below_junior_college: u64,
    union_member: u64,
}

impl Counts {
    #[inline]
    fn add(&mut self, usual: Fen, large: bool, labour: bool, below_college: bool, union: bool) {
        self.usual_3000_7000 += u64::from(in_3000_7000(usual));
        self.large_swings += u64::from(large);
        self.labour_contract += u64::from(labour);
        self.below_junior_college += u64::from(below_college);
        self.union_member += u64::from(union);
    }

    fn merge(mut self, o: Counts) -> Counts {
        self.usual_3000_7000 += o.usual_3000_7000;
        self.large_swings += o.large_swings;
        self.labour_contract += o.labour_contract;
        self.below_junior_college += o.below_junior_college;
        self.union_member += o.union_member;
        self
    }
}

fn in_3000_7000(fen: Fen) -> bool {
    (300_000..=700_000).contains(&fen)
}

/// What the month report reads of every worker.
pub(crate) struct MonthInputs {
    pub jobs: Vec<u16>,
    pub incomes: Vec<Fen>,
    /// Declared bases in fen; 0 means the region's lower limit.
    pub declared: Vec<Fen>,
    pub counts: Counts,
}

pub(crate) fn declared_of(base: WorkerBase, benefit_base_fen: Fen) -> Fen {
    match base {
        WorkerBase::Lower => 0,
        WorkerBase::OfAverageWage(d) => d.of(benefit_base_fen),
        WorkerBase::Declared(f) => f,
    }
}

impl MonthInputs {
    /// `n` generated workers' month straight from their streams: the same figures as
    /// `Population::generate` then `month_incomes`, without the attributes the month does not use.
    pub(crate) fn generated(pp: &PopParams, n: usize, seed: u64, month: YearMonth, benefit_base_fen: Fen) -> MonthInputs {
        let streams = Streams::new(seed);
        let t = Tables::new(pp);
        let (mut jobs, mut incomes, mut declared) = (vec![0u16; n], vec![0; n], vec![0; n]);
        let counts = jobs
            .par_chunks_mut(CHUNK)
            .zip(incomes.par_chunks_mut(CHUNK))
            .zip(declared.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, ((jobs, incomes), declared))| {
                let mut counts = Counts::default();
                let groups = jobs.chunks_mut(LANES).zip(incomes.chunks_mut(LANES)).zip(declared.chunks_mut(LANES));
                for (pos, ((j, inc), dec)) in (c * CHUNK..).step_by(LANES).zip(groups) {
                    let ids = std::array::from_fn(|l| (pos + l) as u64);
                    let mut attrs = Draws::lanes::<3>(&streams, ids, Purpose::Attributes);
                    let mut months = Draws::lanes::<1>(&streams, ids, Purpose::Month(month.index()));
                    for l in 0..j.len() {
                        let w: MonthWorker = draw_month_worker(pp, &t, &mut attrs[l]);
                        j[l] = w.job;
                        inc[l] = month_draw(pp, &mut months[l], w.usual_income_fen, w.large_swings).0;
                        dec[l] = declared_of(w.base, benefit_base_fen);
                        counts.add(w.usual_income_fen, w.large_swings, w.labour_contract, w.below_junior_college, w.union_member);
                    }
                }
                counts
            })
            .reduce(Counts::default, Counts::merge);
        MonthInputs { jobs, incomes, declared, counts }
    }

    /// The month of workers already drawn or listed.
    pub(crate) fn of_population(pop: &Population, pp: &PopParams, month: YearMonth, benefit_base_fen: Fen) -> MonthInputs {
        let ws = &pop.workers;
        let counts = ws
            .par_chunks(CHUNK)
            .map(|ws| {
                let mut c = Counts::default();
                for w in ws {
                    c.add(w.usual_income_fen, w.large_swings, w.labour_contract, w.below_junior_college, w.union_member);
                }
                c
            })
            .reduce(Counts::default, Counts::merge);
        MonthInputs {
            jobs: ws.iter().map(|w| w.job).collect(),
            incomes: pop.month_incomes(pp, month),
            declared: ws.iter().map(|w: &Worker| declared_of(w.base, benefit_base_fen)).collect(),
            counts,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.incomes.len()
    }
}

/// One part's sums: per (income band, job) cell the totals, and per band and per job the
/// burden histogram (basis points). "All" is the sum of the bands; each worker is counted once.
struct Part {
    cells: Vec<Sums>,
    /// `(bands + jobs) × (HIST_TOP_BP + 1)`: band histograms first, then the jobs'.
    hist: Vec<u32>,
}

const HIST: usize = HIST_TOP_BP + 1;

/// The month under one policy: totals, burdens, and the same by income band and by job.
pub(crate) fn month_report(
    k: &Kernel,
    rep: &mut PolicyReport,
    m: &MonthInputs,
    edges: &[Fen],
    band_names: &[String],
    job_names: &[String],
    progress: &dyn Progress,
) {
    let (nb, nj) = (band_names.len().max(1), job_names.len().max(1));
    let n = m.len();
    // A few parts per thread: each has its own sums, merged at the end.
    let parts = (rayon::current_num_threads() * 2).clamp(1, n.div_ceil(CHUNK).max(1));
    let per = n.div_ceil(parts).max(1);
    let sums = (0..parts)
        .into_par_iter()
        .map(|p| {
            let mut part = Part { cells: vec![Sums::default(); nb * nj], hist: vec![0u32; (nb + nj) * HIST] };
            let range = (p * per).min(n)..((p + 1) * per).min(n);
            for start in range.clone().step_by(CHUNK) {
                let end = (start + CHUNK).min(range.end);
                let rows = m.incomes[start..end].iter().zip(&m.declared[start..end]).zip(&m.jobs[start..end]);
                for ((&i, &d), &job) in rows {
                    let c = k.one(i, d);
                    let band = band_of(edges, i).min(nb - 1);
                    let job = usize::from(job).min(nj - 1);
                    if let Some(b) = part.cells[band * nj + job].add(&c) {
                        part.hist[band * HIST + b] += 1;
                        part.hist[(nb + job) * HIST + b] += 1;
                    }
                }
                progress.advance((end - start) as u64);
            }
            part
        })
        .reduce_with(|mut a, b| {
            a.cells.iter_mut().zip(&b.cells).for_each(|(x, y)| x.merge(y));
            a.hist.iter_mut().zip(&b.hist).for_each(|(x, y)| *x += y);
            a
        });
    let Some(sums) = sums else { return };
    let acc = |cells: &mut dyn Iterator<Item = &Sums>, hist: &[u32]| {
        let mut sums = Sums::default();
        cells.for_each(|x| sums.merge(x));
        Acc { sums, hist: hist.iter().map(|&c| u64::from(c)).collect() }
    };
    let band = |b: usize| acc(&mut sums.cells[b * nj..(b + 1) * nj].iter(), &sums.hist[b * HIST..(b + 1) * HIST]);
    let job = |j: usize| acc(&mut sums.cells.iter().skip(j).step_by(nj), &sums.hist[(nb + j) * HIST..(nb + j + 1) * HIST]);
    let bands: Vec<Acc> = (0..nb).map(band).collect();
    let mut all = Acc::default();
    bands.iter().for_each(|b| all.merge(b));
    rep.set_totals(&all.sums.totals, all.group(String::new()));
    // Whole percentage points: bucket p holds burdens from p% up to (p+1)%.
    let mut hist = vec![0u64; 101];
    for (bp, c) in all.hist.iter().enumerate() {
        hist[(bp / 100).min(100)] += c;
    }
    rep.burden_histogram = hist;
    rep.by_income_band = band_names.iter().zip(&bands).map(|(n, a)| a.group(n.clone())).collect();
    rep.by_job = job_names.iter().enumerate().map(|(j, n)| job(j).group(n.clone())).filter(|g| g.workers > 0).collect();
}

/// The residents' pension at each grade after its minimum years, against the month's incomes.
/// `median` is the lower median of the incomes above zero.
pub(crate) fn residents(params: &Params, month: YearMonth, incomes: &[Fen], median: Option<Fen>) -> Option<ResidentsReport> {
    let date = month.first_day();
    let n = &params.national;
    let grades = n.residents_grades.at(date).ok()?.value.clone();
    let years = n.residents_min_years.at(date).ok()?.value;
    let basic = n.residents_basic_pension.at(date).ok()?.value;
    let median = median?;
    let positive = incomes.par_iter().filter(|&&i| i > 0).count() as u64;
    let mut out = Vec::new();
    for g in grades {
        let p = params.residents_pension(g, years, month, None).ok()?.value;
        let under = incomes.par_iter().filter(|&&i| i > 0 && p.total_fen * 10 < i).count() as u64;
        out.push(ResidentsGrade {
            grade_fen: g,
            pension_fen: p.total_fen,
            replacement_under_10pct: share(under, positive),
            replacement_at_median_income: p.total_fen as f64 / median as f64,
        });
    }
    Some(ResidentsReport { years, basic_fen: basic, grades: out })
}

/// Buckets of the median search: incomes by 2.56 yuan up to 167,772 yuan, the rest in the last.
const MEDIAN_SHIFT: u32 = 8;
const MEDIAN_BUCKETS: usize = 1 << 16;

#[inline]
fn bucket(v: Fen) -> usize {
    ((v.max(0) >> MEDIAN_SHIFT) as usize).min(MEDIAN_BUCKETS - 1)
}

/// The lower medians of all values and of those above zero, exact: one parallel pass counts the
/// values by bucket, then each median is selected among the few values of its bucket.
pub(crate) fn medians(v: &[Fen]) -> (Option<Fen>, Option<Fen>) {
    let parts = rayon::current_num_threads().clamp(1, v.len().div_ceil(CHUNK).max(1));
    let per = v.len().div_ceil(parts).max(1);
    let Some(counts) = v
        .par_chunks(per)
        .map(|part| {
            let mut h = vec![0u32; MEDIAN_BUCKETS];
            part.iter().for_each(|&x| h[bucket(x)] += 1);
            h
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        })
    else {
        return (None, None);
    };
    let not_positive = v.par_iter().filter(|&&x| x <= 0).count();
    let positive = v.len() - not_positive;
    // The value of rank `k` (from 0) in sorted order.
    let nth = |k: usize| -> Fen {
        let mut below = 0usize;
        for (b, &c) in counts.iter().enumerate() {
            let c = c as usize;
            if k < below + c {
                let mut inside: Vec<Fen> = v.par_iter().copied().filter(|&x| bucket(x) == b).collect();
                return *inside.select_nth_unstable(k - below).1;
            }
            below += c;
        }
        0
    };
    let all = (!v.is_empty()).then(|| nth((v.len() - 1) / 2));
    let pos = (positive > 0).then(|| nth(not_positive + (positive - 1) / 2));
    (all, pos)
}

/// `median` is the lower median of all the month's incomes.
pub(crate) fn population_report(pop: &Population, m: &MonthInputs, median: Option<Fen>) -> PopulationReport {
    let n = m.len() as u64;
    let c = m.counts;
    PopulationReport {
        origin: pop.origin.clone(),
        workers: n,
        jobs: pop.jobs.clone(),
        usual_income_3000_7000: share(c.usual_3000_7000, n),
        month_income_3000_7000: share(m.incomes.par_iter().filter(|&&i| in_3000_7000(i)).count() as u64, n),
        median_month_income_fen: median.unwrap_or(0),
        large_swings: share(c.large_swings, n),
        labour_contract: share(c.labour_contract, n),
        below_junior_college: share(c.below_junior_college, n),
        union_member: share(c.union_member, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_lower_median(v: impl Iterator<Item = Fen>) -> Option<Fen> {
        let mut s: Vec<Fen> = v.collect();
        s.sort_unstable();
        (!s.is_empty()).then(|| s[(s.len() - 1) / 2])
    }

    #[test]
    fn medians_are_exact() {
        let mut rng = flexpension_testkit::Rng::new(3);
        let cases: Vec<Vec<Fen>> = vec![
            vec![],
            vec![0],
            vec![0, 0, 5],
            vec![-3, 0, 7, 7, 1],
            // Beyond the last bucket, and many equal values.
            vec![1 << 40, 1 << 41, 3, 1 << 40],
            (0..100_000).map(|_| rng.below(2_000_000) as Fen - 1_000).collect(),
            (0..70_000).map(|i| if i % 3 == 0 { 0 } else { 400_000 + rng.below(1_000) as Fen }).collect(),
        ];
        for v in cases {
            let want = (sorted_lower_median(v.iter().copied()), sorted_lower_median(v.iter().copied().filter(|&x| x > 0)));
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                assert_eq!(pool.install(|| medians(&v)), want, "{} values", v.len());
            }
        }
    }
}
