//! Workers: generated from the population parameters for a seed, or listed in a CSV file. A
//! generated worker has a usual monthly income; each month's income swings around it, drawn
//! from the worker's own random stream, so any month of any worker can be asked for on its own.

use crate::popparams::{BaseChoice, PopParams};
use crate::rng::{Cumulative, Draws, LANES, Purpose, Streams, unit};
use flexpension_rules::injury::OrderType;
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Dec6, Fen, YearMonth};
use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::Serialize;

/// The base a worker declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerBase {
    /// The region's lower limit.
    Lower,
    /// A share of the region's benefit base (the average wage).
    OfAverageWage(Dec6),
    /// An amount, as listed in a CSV file.
    Declared(Fen),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Worker {
    pub id: u64,
    /// Index into `Population::jobs`.
    pub job: u16,
    pub male: Option<bool>,
    /// Age in months in the population's month; `None` when a CSV gives none.
    pub age_months: Option<u16>,
    pub local_hukou: bool,
    pub below_junior_college: bool,
    pub labour_contract: bool,
    pub platform_contract: bool,
    pub union_member: bool,
    pub large_swings: bool,
    /// Indices into the job's platform names; `platform_count` of them are used.
    pub platform_ids: [u8; 3],
    pub platform_count: u8,
    /// The usual month's income from all platforms.
    pub usual_income_fen: Fen,
    pub base: WorkerBase,
    /// Share of the months since the career start already paid before today, in millionths.
    pub prior_coverage_ppm: u32,
}

impl Worker {
    /// A worker known only by income, job and base (a listed row, or a slot to draw into): one
    /// platform, every yes-or-no attribute no, no sex or age.
    pub fn plain(id: u64, job: u16, usual_income_fen: Fen, base: WorkerBase) -> Worker {
        Worker {
            id,
            job,
            male: None,
            age_months: None,
            local_hukou: false,
            below_junior_college: false,
            labour_contract: false,
            platform_contract: false,
            union_member: false,
            large_swings: false,
            platform_ids: [0; 3],
            platform_count: 1,
            usual_income_fen,
            base,
            prior_coverage_ppm: 0,
        }
    }

    pub fn platforms(&self) -> &[u8] {
        &self.platform_ids[..usize::from(self.platform_count.min(3))]
    }
}

/// Where a population came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    Generated { seed: u64 },
    Listed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub origin: Origin,
    /// Job labels (codes), indexed by `Worker::job`.
    pub jobs: Vec<String>,
    pub workers: Vec<Worker>,
    /// A listed population's incomes for its one month, as given.
    pub(crate) listed_incomes: Option<Vec<Fen>>,
}

/// One platform's share of a worker's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformMonth {
    pub platform: String,
    pub income_fen: Fen,
    pub orders: u32,
}

/// A worker's month: income and how it splits over platforms, with the order type for the
/// per-order injury premium (`None` for jobs outside the pilot industries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerMonth {
    pub month: YearMonth,
    pub income_fen: Fen,
    pub shock: bool,
    pub order_type: Option<OrderType>,
    pub platforms: Vec<PlatformMonth>,
}

impl Population {
    /// `n` workers for `seed`: worker `i` depends on (seed, i) only.
    pub fn generate(pp: &PopParams, n: usize, seed: u64) -> Population {
        let streams = Streams::new(seed);
        let t = Tables::new(pp);
        let mut workers = vec![Worker::plain(0, 0, 0, WorkerBase::Lower); n];
        by_lanes::<_, 3>(
            &mut workers,
            &streams,
            Purpose::Attributes,
            |p| p as u64,
            |pos, draws, group| {
                for (l, (w, r)) in group.iter_mut().zip(draws.iter_mut()).enumerate() {
                    *w = draw_worker(pp, &t, r, (pos + l) as u64);
                }
            },
        );
        Population {
            origin: Origin::Generated { seed },
            jobs: pp.jobs.iter().map(|j| j.code.clone()).collect(),
            workers,
            listed_incomes: None,
        }
    }

    pub fn len(&self) -> usize {
        self.workers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }

    /// Every worker's income in `month` (a listed population's given incomes, whatever the month).
    pub fn month_incomes(&self, pp: &PopParams, month: YearMonth) -> Vec<Fen> {
        match (&self.listed_incomes, &self.origin) {
            (Some(inc), _) => inc.clone(),
            (None, Origin::Generated { seed }) => {
                let streams = Streams::new(*seed);
                let mut out = vec![0; self.workers.len()];
                let ws = &self.workers;
                by_lanes::<_, 1>(
                    &mut out,
                    &streams,
                    Purpose::Month(month.index()),
                    |p| ws[p].id,
                    |pos, draws, group| {
                        for (l, (inc, r)) in group.iter_mut().zip(draws.iter_mut()).enumerate() {
                            let w = &ws[pos + l];
                            *inc = month_draw(pp, r, w.usual_income_fen, w.large_swings).0;
                        }
                    },
                );
                out
            }
            (None, Origin::Listed) => self.workers.iter().map(|w| w.usual_income_fen).collect(),
        }
    }

    /// Worker `i`'s month with its split over platforms and order counts (for the demo's orders).
    pub fn worker_month(&self, pp: &PopParams, i: usize, month: YearMonth) -> Option<WorkerMonth> {
        let w = self.workers.get(i)?;
        let (income_fen, shock) = match (&self.listed_incomes, &self.origin) {
            (Some(inc), _) => (*inc.get(i)?, false),
            (None, Origin::Generated { seed }) => {
                let streams = Streams::new(*seed);
                month_draw(pp, &mut Draws::one(&streams, w.id, Purpose::Month(month.index())), w.usual_income_fen, w.large_swings)
            }
            (None, Origin::Listed) => (w.usual_income_fen, false),
        };
        let job = pp.job_index(self.jobs.get(usize::from(w.job))?).map(|j| &pp.jobs[j]);
        let seed = match self.origin {
            Origin::Generated { seed } => seed,
            Origin::Listed => 0,
        };
        let mut r = Streams::new(seed).rng(w.id, Purpose::Split(month.index()));
        let weights: Vec<f64> = w.platforms().iter().map(|_| 0.5 + unit(&mut r)).collect();
        let total: f64 = weights.iter().sum();
        let mut left = income_fen;
        let mut platforms = Vec::new();
        for (k, (&p, wt)) in w.platforms().iter().zip(&weights).enumerate() {
            // The last platform takes what is left, so the parts add up to the fen.
            let part = if k + 1 == weights.len() { left } else { ((income_fen as f64) * wt / total).floor() as Fen };
            left -= part;
            let name = job.and_then(|j| j.platform_names.get(usize::from(p))).cloned().unwrap_or_else(|| format!("platform-{p}"));
            let per_order = job.map(|j| j.yuan_per_order_fen).unwrap_or(1).max(1);
            let orders = u32::try_from((part + per_order / 2) / per_order).unwrap_or(u32::MAX);
            platforms.push(PlatformMonth { platform: name, income_fen: part, orders: if part > 0 { orders.max(1) } else { 0 } });
        }
        Some(WorkerMonth { month, income_fen, shock, order_type: job.and_then(|j| j.order_type), platforms })
    }
}

/// The population parameters' shares as cumulative tables, made once per run.
pub(crate) struct Tables {
    job: Cumulative,
    age: Cumulative,
    count: Cumulative,
    base: Cumulative,
}

impl Tables {
    pub(crate) fn new(pp: &PopParams) -> Tables {
        Tables {
            job: Cumulative::new(pp.jobs.iter().map(|j| j.share)),
            age: Cumulative::new(pp.age_bands.iter().map(|b| b.2)),
            count: Cumulative::new(pp.platform_count_shares.iter().copied()),
            base: Cumulative::new(pp.base_choices.iter().map(|b| b.1)),
        }
    }
}

/// Worker `i` from its attribute stream `r` (positioned at its start).
fn draw_worker(pp: &PopParams, t: &Tables, r: &mut Draws, i: u64) -> Worker {
    let job_i = t.job.index(r.unit());
    let job = &pp.jobs[job_i];
    let usual = usual_income(job, r.sample(StandardNormal));
    let (from, to, _) = pp.age_bands[t.age.index(r.unit())];
    let years = from + (r.unit() * f64::from(to - from + 1)) as u32;
    let age_months = (years.min(to) * 12 + (r.unit() * 12.0) as u32).min(u32::from(u16::MAX)) as u16;
    let mut yes = |p: f64| r.unit() < p;
    let male = yes(job.male_share);
    let local_hukou = yes(pp.local_hukou);
    let below_junior_college = yes(pp.below_junior_college);
    let labour_contract = yes(pp.labour_contract);
    let platform_contract = yes(pp.platform_contract);
    let union_member = yes(pp.union_member);
    let large_swings = yes(pp.large_swings);
    let count = platform_count(job, t, r);
    // Distinct platforms of the job, in random order.
    let mut ids = [0u8; 256];
    let len = job.platform_names.len().min(255);
    ids.iter_mut().take(len).enumerate().for_each(|(k, id)| *id = k as u8);
    for k in 0..count {
        let j = k + (r.unit() * (len - k) as f64) as usize;
        ids.swap(k, j.min(len - 1));
    }
    let mut platform_ids = [0u8; 3];
    platform_ids[..count].copy_from_slice(&ids[..count]);
    let base = worker_base(pp, t, r);
    let prior_coverage_ppm = (r.unit() * pp.prior_coverage_max * 1e6) as u32;
    Worker {
        id: i,
        job: job_i as u16,
        male: Some(male),
        age_months: Some(age_months),
        local_hukou,
        below_junior_college,
        labour_contract,
        platform_contract,
        union_member,
        large_swings,
        platform_ids,
        platform_count: count as u8,
        usual_income_fen: usual,
        base,
        prior_coverage_ppm,
    }
}

/// `f64::round` (half away from zero), without the library call it makes on a machine without
/// SSE4.1: below 2^52 a non-negative value's whole and fractional parts are exact.
#[inline]
fn round(x: f64) -> f64 {
    if (0.0..4_503_599_627_370_496.0).contains(&x) {
        let whole = (x as i64) as f64;
        if x - whole >= 0.5 { whole + 1.0 } else { whole }
    } else {
        x.round()
    }
}

#[inline]
fn usual_income(job: &crate::popparams::Job, z: f64) -> Fen {
    round(job.income_median_fen as f64 * (job.income_spread * z).exp()).clamp(0.0, MAX_FEN as f64) as Fen
}

#[inline]
fn platform_count(job: &crate::popparams::Job, t: &Tables, r: &mut Draws) -> usize {
    (t.count.index(r.unit()) + 1).min(job.platform_names.len()).min(3)
}

#[inline]
fn worker_base(pp: &PopParams, t: &Tables, r: &mut Draws) -> WorkerBase {
    match pp.base_choices[t.base.index(r.unit())].0 {
        BaseChoice::Lower => WorkerBase::Lower,
        BaseChoice::OfAverageWage(d) => WorkerBase::OfAverageWage(d),
    }
}

/// What a month's report needs of a generated worker, drawn from the same stream positions as
/// [`draw_worker`] but passing over the draws it does not need (age, sex, hukou, platforms,
/// months paid before) without computing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MonthWorker {
    pub job: u16,
    pub usual_income_fen: Fen,
    pub base: WorkerBase,
    pub below_junior_college: bool,
    pub labour_contract: bool,
    pub union_member: bool,
    pub large_swings: bool,
}

pub(crate) fn draw_month_worker(pp: &PopParams, t: &Tables, r: &mut Draws) -> MonthWorker {
    let job_i = t.job.index(r.unit());
    let job = &pp.jobs[job_i];
    let usual = usual_income(job, r.sample(StandardNormal));
    // Age band, year, month, sex, hukou.
    r.skip(5);
    let below_junior_college = r.unit() < pp.below_junior_college;
    let labour_contract = r.unit() < pp.labour_contract;
    r.skip(1); // platform contract
    let union_member = r.unit() < pp.union_member;
    let large_swings = r.unit() < pp.large_swings;
    let count = platform_count(job, t, r);
    r.skip(count); // the platforms' order
    let base = worker_base(pp, t, r);
    MonthWorker { job: job_i as u16, usual_income_fen: usual, base, below_junior_college, labour_contract, union_member, large_swings }
}

/// The month's income: the usual income moved by this month's swing, cut in a shock month.
/// `r` is the worker's stream at `Purpose::Month`.
#[inline]
pub(crate) fn month_draw(pp: &PopParams, r: &mut Draws, usual_income_fen: Fen, large_swings: bool) -> (Fen, bool) {
    let z: f64 = r.sample(StandardNormal);
    let spread = if large_swings { pp.large_spread } else { pp.small_spread };
    let swung = round(usual_income_fen as f64 * (spread * z).exp()).clamp(0.0, MAX_FEN as f64) as Fen;
    let shock = large_swings && r.unit() < pp.shock_chance;
    if shock { (swung - pp.shock_drop.of(swung), true) } else { (swung, false) }
}

/// Workers in groups of `LANES`, in parallel: `f(position of the group, its streams, its slots)`
/// where the stream of the worker at position `p` is `id_of(p)`'s.
fn by_lanes<T: Send, const B: usize>(
    out: &mut [T],
    streams: &Streams,
    purpose: Purpose,
    id_of: impl Fn(usize) -> u64 + Sync,
    f: impl Fn(usize, &mut [Draws; LANES], &mut [T]) + Sync,
) {
    const CHUNK: usize = 1 << 13;
    let n = out.len();
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, slots)| {
        for (g, group) in slots.chunks_mut(LANES).enumerate() {
            let pos = c * CHUNK + g * LANES;
            let ids = std::array::from_fn(|l| if pos + l < n { id_of(pos + l) } else { 0 });
            let mut draws = Draws::lanes::<B>(streams, ids, purpose);
            f(pos, &mut draws, group);
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_is_f64_round() {
        let mut x = 0.0f64;
        let special =
            [0.5, 1.5, 2.5, 0.499_999_999_999_999_94, 4_503_599_627_370_495.5, 4_503_599_627_370_496.0, 1e300, -0.5, -2.5, f64::NAN];
        for v in special {
            assert_eq!(super::round(v).to_bits(), v.round().to_bits(), "{v}");
        }
        let mut r = flexpension_testkit::Rng::new(8);
        for _ in 0..200_000 {
            x = (r.below(1 << 40) as f64) / 1024.0 + x.fract();
            assert_eq!(super::round(x), x.round(), "{x}");
            let y = f64::from_bits(r.below(u64::MAX) & 0x7fff_ffff_ffff_ffff);
            assert_eq!(super::round(y).to_bits(), y.round().to_bits(), "{y}");
        }
    }
}
