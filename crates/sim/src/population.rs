//! Workers: generated from the population parameters for a seed, or listed in a CSV file. A
//! generated worker has a usual monthly income; each month's income swings around it, drawn
//! from the worker's own random stream, so any month of any worker can be asked for on its own.

use crate::popparams::{BaseChoice, PopParams};
use crate::rng::{Purpose, Streams, pick, unit};
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
        let workers = (0..n).into_par_iter().with_min_len(4096).map(|i| draw_worker(pp, &streams, i as u64)).collect();
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
                self.workers.par_iter().with_min_len(4096).map(|w| month_draw(pp, &streams, w, month).0).collect()
            }
            (None, Origin::Listed) => self.workers.iter().map(|w| w.usual_income_fen).collect(),
        }
    }

    /// Worker `i`'s month with its split over platforms and order counts (for the demo's orders).
    pub fn worker_month(&self, pp: &PopParams, i: usize, month: YearMonth) -> Option<WorkerMonth> {
        let w = self.workers.get(i)?;
        let (income_fen, shock) = match (&self.listed_incomes, &self.origin) {
            (Some(inc), _) => (*inc.get(i)?, false),
            (None, Origin::Generated { seed }) => month_draw(pp, &Streams::new(*seed), w, month),
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

fn draw_worker(pp: &PopParams, streams: &Streams, i: u64) -> Worker {
    let mut r = streams.rng(i, Purpose::Attributes);
    let job_i = pick(&mut r, pp.jobs.iter().map(|j| j.share));
    let job = &pp.jobs[job_i];
    let z: f64 = r.sample(StandardNormal);
    let usual = (job.income_median_fen as f64 * (job.income_spread * z).exp()).round().clamp(0.0, MAX_FEN as f64) as Fen;
    let (from, to, _) = pp.age_bands[pick(&mut r, pp.age_bands.iter().map(|b| b.2))];
    let years = from + (unit(&mut r) * f64::from(to - from + 1)) as u32;
    let age_months = (years.min(to) * 12 + (unit(&mut r) * 12.0) as u32).min(u32::from(u16::MAX)) as u16;
    let mut yes = |p: f64| unit(&mut r) < p;
    let male = yes(job.male_share);
    let local_hukou = yes(pp.local_hukou);
    let below_junior_college = yes(pp.below_junior_college);
    let labour_contract = yes(pp.labour_contract);
    let platform_contract = yes(pp.platform_contract);
    let union_member = yes(pp.union_member);
    let large_swings = yes(pp.large_swings);
    let count = (pick(&mut r, pp.platform_count_shares.iter().copied()) + 1).min(job.platform_names.len()).min(3);
    // Distinct platforms of the job, in random order.
    let mut ids: Vec<u8> = (0..job.platform_names.len().min(255) as u8).collect();
    for k in 0..count {
        let len = ids.len();
        let j = k + (unit(&mut r) * (len - k) as f64) as usize;
        ids.swap(k, j.min(len - 1));
    }
    let mut platform_ids = [0u8; 3];
    platform_ids[..count].copy_from_slice(&ids[..count]);
    let base = match pp.base_choices[pick(&mut r, pp.base_choices.iter().map(|b| b.1))].0 {
        BaseChoice::Lower => WorkerBase::Lower,
        BaseChoice::OfAverageWage(d) => WorkerBase::OfAverageWage(d),
    };
    let prior_coverage_ppm = (unit(&mut r) * pp.prior_coverage_max * 1e6) as u32;
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

/// The month's income: the usual income moved by this month's swing, cut in a shock month.
fn month_draw(pp: &PopParams, streams: &Streams, w: &Worker, month: YearMonth) -> (Fen, bool) {
    let mut r = streams.rng(w.id, Purpose::Month(month.index()));
    let z: f64 = r.sample(StandardNormal);
    let spread = if w.large_swings { pp.large_spread } else { pp.small_spread };
    let swung = (w.usual_income_fen as f64 * (spread * z).exp()).round().clamp(0.0, MAX_FEN as f64) as Fen;
    let shock = w.large_swings && unit(&mut r) < pp.shock_chance;
    if shock { (swung - pp.shock_drop.of(swung), true) } else { (swung, false) }
}
