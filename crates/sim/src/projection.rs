//! Following each worker from the simulated month to their statutory retirement month: months
//! paid or skipped (drawn from the worker's swings and the burden they face), the personal
//! account credited with interest, and the pension at retirement in today's money.
//!
//! Streamlined for speed but exact: the yearly interest and the pension formula are those of the
//! rules core's `Params::project_account` and `Params::pension`, in the same integer steps; a test
//! checks both on sample workers. Everything is in today's wages: base limits, the benefit base
//! and incomes stay at their values for the simulated month.

use crate::error::SimError;
use crate::kernel::Kernel;
use crate::popparams::PopParams;
use crate::population::Worker;
use crate::rng::{Purpose, Streams};
use flexpension_rules::explain::Explainer;
use flexpension_rules::money::div_round;
use flexpension_rules::params::Category;
use flexpension_rules::pension::AccountMonth;
use flexpension_rules::{Age, Dec6, Fen, Params, YearMonth};
use rand::Rng;
use serde::Serialize;
use std::collections::HashMap;

/// What the rules say for one birth month and category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetireInfo {
    pub retire: YearMonth,
    pub age: Age,
    pub min_months: u32,
    pub divisor_tenths: u32,
    pub accrual: Dec6,
    pub years_decimals: u32,
}

/// Everything the per-worker loop needs, resolved once from the rules.
#[derive(Debug, Clone)]
pub struct Setup {
    pub start: YearMonth,
    pub horizon_months: i64,
    pub benefit_base_fen: Fen,
    pub female_category: Category,
    pub assumed_rate: Dec6,
    retire: HashMap<(i64, Category), RetireInfo>,
    /// (credited rate, new-contribution factor) by year from `start`'s year.
    years: Vec<(Dec6, Dec6)>,
    career_start_months: u32,
    shock_thr: u64,
    shock_drop: Dec6,
}

/// One worker's projection under one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    pub status: Status,
    pub prior_months: u32,
    pub paid_months: u32,
    pub opening_fen: Fen,
    pub balance_fen: Fen,
    pub basic_fen: Fen,
    pub personal_fen: Fen,
    pub pension_fen: Fen,
    pub index: Dec6,
    pub replacement_bp: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Retires within the horizon with at least the minimum years: has a pension.
    Pension,
    /// Retires within the horizon short of the minimum years.
    Short,
    BeyondHorizon,
    AtRetirement,
    #[default]
    NoAgeOrSex,
}

fn category(w: &Worker, female: Category) -> Option<Category> {
    w.male.map(|m| if m { Category::Male } else { female })
}

fn birth(w: &Worker, start: YearMonth) -> Option<YearMonth> {
    w.age_months.and_then(|a| start.add_months(-i64::from(a)))
}

impl Setup {
    pub fn new(
        params: &Params,
        region: &str,
        pp: &PopParams,
        start: YearMonth,
        years: u32,
        workers: &[Worker],
        assumed_rate: Dec6,
    ) -> Result<Setup, SimError> {
        let scen = params.scenario(region, None, None)?;
        let today = start.first_day();
        let female_category = scen.region.female_flexible_category.at(today)?.value;
        // Today's money: the latest benefit base, as the rules core's estimate uses.
        let benefit_base_fen = scen
            .region
            .benefit_base
            .latest()
            .map(|d| d.value)
            .filter(|v| *v > 0)
            .ok_or_else(|| SimError::request("region", format!("region '{region}' has no benefit base")))?;
        let mut retire = HashMap::new();
        for w in workers {
            let (Some(b), Some(c)) = (birth(w, start), category(w, female_category)) else { continue };
            if let std::collections::hash_map::Entry::Vacant(e) = retire.entry((b.index(), c)) {
                let r = params.retirement(b, c, today)?.value;
                let age = Age { years: r.age_years, months: r.age_months };
                let d = params.annuity_divisor(age, r.retirement_month, &mut Explainer::new())?;
                let date = r.retirement_month.first_day();
                let accrual = params.national.accrual_per_year.at(date)?.value;
                let years_decimals = params.national.years_decimals.at(date)?.value;
                e.insert(RetireInfo {
                    retire: r.retirement_month,
                    age,
                    min_months: r.min_contribution_months,
                    divisor_tenths: d.0,
                    accrual,
                    years_decimals,
                });
            }
        }
        let horizon_months = i64::from(years) * 12;
        let last_year = start.year() + years as i32 + 1;
        let mut rates = Vec::new();
        for y in start.year()..=last_year {
            let date = YearMonth::new(y, 1).map(|m| m.first_day()).unwrap_or_default();
            let rate = params.national.credited_rate.at(date).map(|d| d.value).unwrap_or(assumed_rate);
            let factor = params.national.new_contribution_interest_factor.at(date)?.value;
            rates.push((rate, factor));
        }
        Ok(Setup {
            start,
            horizon_months,
            benefit_base_fen,
            female_category,
            assumed_rate,
            retire,
            years: rates,
            career_start_months: pp.career_start_age * 12,
            shock_thr: prob_thr(pp.shock_chance),
            shock_drop: pp.shock_drop,
        })
    }

    pub fn retire_info(&self, w: &Worker) -> Option<RetireInfo> {
        let b = birth(w, self.start)?;
        self.retire.get(&(b.index(), category(w, self.female_category)?)).copied()
    }

    fn year_rates(&self, year: i32) -> (Dec6, Dec6) {
        let i = (year - self.start.year()).max(0) as usize;
        self.years.get(i).or(self.years.last()).copied().unwrap_or((self.assumed_rate, Dec6::ZERO))
    }
}

/// A probability as a threshold on a 16-bit draw (resolution 1/65536: one 32-bit draw serves
/// both the shock and the gap of a month, half the random bytes of two draws).
fn prob_thr(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * 65_536.0) as u64
}

/// How a policy treats a worker: the personal-account credit and the chance of a gap, in an
/// ordinary month and in a shock month.
#[derive(Debug, Clone, Copy)]
struct Terms {
    pa: [Fen; 2],
    gap_thr: [u64; 2],
}

fn terms(pp: &PopParams, setup: &Setup, k: &Kernel, bench: f64, w: &Worker, declared: Fen) -> Terms {
    let usual = w.usual_income_fen;
    let shocked = usual - setup.shock_drop.of(usual);
    let base_gap = if w.large_swings { pp.gap_chance_large } else { pp.gap_chance_small };
    let one = |income: Fen, extra: f64| {
        let c = k.one(income, declared);
        let burden = if income > 0 { c.net_fen as f64 / income as f64 } else { f64::INFINITY };
        let p = (base_gap + extra + pp.burden_sensitivity * (burden - bench).max(0.0)).min(pp.max_gap_chance);
        (c.personal_account_fen, prob_thr(p))
    };
    let (pa0, g0) = one(usual, 0.0);
    let (pa1, g1) = one(shocked, pp.shock_gap_chance);
    Terms { pa: [pa0, pa1], gap_thr: [g0, g1] }
}

/// Interest for a year as `project_account` credits it (pro rata to `last_month`).
#[inline]
fn year_interest(balance: Fen, year_contrib: Fen, (rate, factor): (Dec6, Dec6), last_month: u32) -> Fen {
    let full = i128::from(balance) * i128::from(rate.0) + i128::from(year_contrib) * i128::from(rate.0) * i128::from(factor.0) / 1_000_000;
    div_round(full * i128::from(last_month), 12 * 1_000_000) as Fen
}

/// Project one worker under each policy (`kernels[k]`, benchmark `benches[k]`), with the same
/// random draws for every policy so that differences come from the policies alone. `law` is the
/// region's own policy, which valued the months paid before today. With `histories`, the paid
/// months are recorded for checking against the rules core.
#[allow(clippy::too_many_arguments)]
pub fn project_worker(
    pp: &PopParams,
    setup: &Setup,
    streams: &Streams,
    w: &Worker,
    declared: Fen,
    law: &Kernel,
    kernels: &[(Kernel, f64)],
    out: &mut [Outcome],
    mut histories: Option<&mut [Vec<AccountMonth>]>,
) {
    let status = |s| Outcome { status: s, ..Outcome::default() };
    let Some(info) = setup.retire_info(w) else {
        out.iter_mut().for_each(|o| *o = status(Status::NoAgeOrSex));
        return;
    };
    let months_left = info.retire.index() - setup.start.index();
    if months_left <= 0 || months_left > setup.horizon_months {
        let s = if months_left <= 0 { Status::AtRetirement } else { Status::BeyondHorizon };
        out.iter_mut().for_each(|o| *o = status(s));
        return;
    }
    let until = info.retire.add_months(-1).unwrap_or(info.retire);
    let age = u32::from(w.age_months.unwrap_or(0));
    let prior = (u64::from(age.saturating_sub(setup.career_start_months)) * u64::from(w.prior_coverage_ppm) / 1_000_000) as u32;
    let opening = law.one(w.usual_income_fen, declared).personal_account_fen * i64::from(prior);
    const MAXP: usize = 8;
    let np = kernels.len().min(MAXP).min(out.len());
    let mut t = [Terms { pa: [0; 2], gap_thr: [0; 2] }; MAXP];
    for (slot, (k, bench)) in t.iter_mut().zip(kernels) {
        *slot = terms(pp, setup, k, *bench, w, declared);
    }
    let mut balance = [opening; MAXP];
    let mut year_contrib = [0 as Fen; MAXP];
    let mut paid = [0u32; MAXP];
    let mut r = streams.rng(w.id, Purpose::Projection);
    // Months as plain indices (year × 12 + month − 1): cheaper than YearMonth arithmetic here.
    let last_i = until.index();
    for i in setup.start.index()..=last_i {
        let (year, month) = ((i / 12) as i32, (i % 12 + 1) as u32);
        let draw = r.next_u32();
        let shock = w.large_swings && u64::from(draw & 0xffff) < setup.shock_thr;
        let u = u64::from(draw >> 16);
        for k in 0..np {
            if u >= t[k].gap_thr[usize::from(shock)] {
                let pa = t[k].pa[usize::from(shock)];
                year_contrib[k] += pa;
                paid[k] += 1;
                if let Some(h) = histories.as_deref_mut()
                    && let Some(m) = YearMonth::from_index(i)
                {
                    h[k].push(AccountMonth { month: m, personal_account_fen: pa });
                }
            }
        }
        let last = i == last_i;
        if month == 12 || last {
            // project_account credits the years from the first paid one; with none, only the last.
            let rates = setup.year_rates(year);
            for k in 0..np {
                if paid[k] > 0 || last {
                    balance[k] += year_contrib[k] + year_interest(balance[k], year_contrib[k], rates, month);
                }
                year_contrib[k] = 0;
            }
        }
    }
    let c = setup.benefit_base_fen;
    let index = Dec6(div_round(i128::from(law.one(w.usual_income_fen, declared).base_fen) * 1_000_000, i128::from(c)) as i64);
    for k in 0..np {
        let months = prior + paid[k];
        let mut o = Outcome {
            status: Status::Short,
            prior_months: prior,
            paid_months: paid[k],
            opening_fen: opening,
            balance_fen: balance[k],
            index,
            ..Outcome::default()
        };
        if months >= info.min_months {
            let (basic, personal) = pension_parts(&info, c, index, months, balance[k]);
            o.status = Status::Pension;
            o.basic_fen = basic;
            o.personal_fen = personal;
            o.pension_fen = basic + personal;
            o.replacement_bp =
                (w.usual_income_fen > 0).then(|| div_round(i128::from(basic + personal) * 10_000, i128::from(w.usual_income_fen)) as i64);
        }
        out[k] = o;
    }
}

/// The monthly pension as `Params::pension` computes it: (basic, personal account).
pub fn pension_parts(info: &RetireInfo, c: Fen, index: Dec6, months: u32, balance: Fen) -> (Fen, Fen) {
    let indexed = index.of(c);
    let scale = 10i64.pow(info.years_decimals);
    let years = div_round(i128::from(months) * i128::from(scale), 12) as i64;
    let avg = div_round(i128::from(c) + i128::from(indexed), 2) as i64;
    let basic = div_round(i128::from(avg) * i128::from(years) * i128::from(info.accrual.0), i128::from(scale) * 1_000_000) as i64;
    let personal = div_round(i128::from(balance) * 10, i128::from(info.divisor_tenths.max(1))) as i64;
    (basic, personal)
}

/// A group's projection. Pensions are monthly, in today's money.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjGroup {
    pub group: String,
    /// Workers retiring within the horizon.
    pub workers: u64,
    pub short_of_minimum: u64,
    pub short_of_minimum_share: f64,
    pub pension_mean_fen: Option<Fen>,
    pub pension_median_fen: Option<Fen>,
    pub replacement_mean: Option<f64>,
    pub replacement_median: Option<f64>,
    pub contribution_years_mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectionReport {
    pub horizon_years: u32,
    /// Always true: incomes, base limits and the benefit base stay at today's values.
    pub in_todays_money: bool,
    pub benefit_base_fen: Fen,
    pub assumed_credited_rate: String,
    pub projected: u64,
    pub beyond_horizon: u64,
    pub at_or_past_retirement: u64,
    pub without_age_or_sex: u64,
    pub all: ProjGroup,
    pub by_income_band: Vec<ProjGroup>,
    pub by_job: Vec<ProjGroup>,
    pub by_sex: Vec<ProjGroup>,
}

/// Collects outcomes into groups.
#[derive(Debug, Default, Clone)]
pub struct GroupAcc {
    workers: u64,
    short: u64,
    months: u64,
    pensions: Vec<Fen>,
    replacements: Vec<i64>,
}

impl GroupAcc {
    pub fn add(&mut self, o: &Outcome) {
        if !matches!(o.status, Status::Pension | Status::Short) {
            return;
        }
        self.workers += 1;
        self.months += u64::from(o.prior_months + o.paid_months);
        if o.status == Status::Short {
            self.short += 1;
            return;
        }
        self.pensions.push(o.pension_fen);
        if let Some(r) = o.replacement_bp {
            self.replacements.push(r);
        }
    }

    pub fn merge(&mut self, mut o: GroupAcc) {
        self.workers += o.workers;
        self.short += o.short;
        self.months += o.months;
        self.pensions.append(&mut o.pensions);
        self.replacements.append(&mut o.replacements);
    }

    pub fn finish(mut self, group: String) -> ProjGroup {
        let mean = |v: &[i64]| (!v.is_empty()).then(|| div_round(i128::from(v.iter().sum::<i64>()), v.len() as i128) as i64);
        let median = |v: &mut Vec<i64>| {
            if v.is_empty() {
                return None;
            }
            let mid = (v.len() - 1) / 2;
            Some(*v.select_nth_unstable(mid).1)
        };
        ProjGroup {
            group,
            workers: self.workers,
            short_of_minimum: self.short,
            short_of_minimum_share: crate::stats::share(self.short, self.workers),
            pension_mean_fen: mean(&self.pensions),
            pension_median_fen: median(&mut self.pensions),
            replacement_mean: mean(&self.replacements).map(|b| b as f64 / 10_000.0),
            replacement_median: median(&mut self.replacements).map(|b| b as f64 / 10_000.0),
            contribution_years_mean: (self.workers > 0).then(|| self.months as f64 / self.workers as f64 / 12.0),
        }
    }
}
