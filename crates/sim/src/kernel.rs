//! The contribution of one worker-month, specialised for the simulation's hot loop: the month's
//! rules flattened into integers, the rate bracket and the subsidy band found together without
//! branches, and every product in `i64` (inputs are clamped to 10^12 fen and rates to 10^6
//! millionths, so no product passes 10^18). A property test proves it equal to the rules core's
//! `contribution::compute`.

use flexpension_rules::contribution::{BatchTotals, Contribution};
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Fen, MonthRules};
use rayon::prelude::*;

/// Income segments the kernel handles: the rate brackets' and the subsidy bands' limits and the
/// subsidy's ceiling, merged. The rules core allows more; the simulation refuses them.
pub const MAX_SEGMENTS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    lower: Fen,
    upper: Fen,
    /// Inclusive upper limits of the segments, rising; unused ones `Fen::MAX`.
    ups: [Fen; MAX_SEGMENTS - 1],
    /// How many of `ups` are used.
    n_ups: usize,
    /// Each segment's rate and subsidy share (0 from the ceiling up), in millionths.
    rates: [i64; MAX_SEGMENTS],
    shares: [i64; MAX_SEGMENTS],
    pa_rate: i64,
    bench: i64,
}

const M: i64 = 1_000_000;

impl Kernel {
    /// `None` when the rules split incomes into more segments than the kernel holds or have a
    /// lower limit above the upper one.
    pub fn new(r: &MonthRules) -> Option<Kernel> {
        if r.brackets.0.is_empty() || r.subsidy_share.0.is_empty() || r.base_lower_fen > r.base_upper_fen {
            return None;
        }
        let below = r.subsidy_income_below_fen;
        // Incomes are clamped to MAX_FEN, so a limit at or past it never splits anything; a band
        // limit at or past the ceiling neither: from the ceiling up the share is 0.
        let mut edges: Vec<Fen> = r.brackets.0.iter().filter_map(|b| b.up_to_fen).collect();
        edges.extend(r.subsidy_share.0.iter().filter_map(|b| b.up_to_fen).filter(|&u| u < below - 1));
        edges.extend((below > 0).then_some(below - 1));
        edges.retain(|&u| (0..MAX_FEN).contains(&u));
        edges.sort_unstable();
        edges.dedup();
        if edges.len() > MAX_SEGMENTS - 1 {
            return None;
        }
        let mut ups = [Fen::MAX; MAX_SEGMENTS - 1];
        ups[..edges.len()].copy_from_slice(&edges);
        // Each segment's values are those of its highest income (the last: one past the last limit).
        let top = |k: usize| edges.get(k).copied().unwrap_or_else(|| edges.last().map_or(0, |u| u + 1));
        let rate = |inc: Fen| r.brackets.find(inc).1.rate.0;
        let share = |inc: Fen| if inc < below { r.subsidy_share.find(inc).1.share.0 } else { 0 };
        let last = edges.len();
        Some(Kernel {
            lower: r.base_lower_fen,
            upper: r.base_upper_fen,
            ups,
            n_ups: last,
            rates: std::array::from_fn(|k| rate(top(k.min(last)))),
            shares: std::array::from_fn(|k| share(top(k.min(last)))),
            pa_rate: r.personal_account_rate.0,
            bench: r.burden_benchmark.0,
        })
    }

    /// `declared_fen <= 0` means no declared base (the lower limit), as in `batch_totals`.
    #[inline(always)]
    fn money(&self, income_fen: Fen, declared_fen: Fen) -> (Fen, Fen, i64, Fen, Fen, Fen) {
        let inc = income_fen.clamp(0, MAX_FEN);
        let base = if declared_fen > 0 { declared_fen.min(MAX_FEN) } else { self.lower }.max(self.lower).min(self.upper);
        let idx = self.ups.iter().map(|&u| usize::from(inc > u)).sum::<usize>();
        let rate = self.rates[idx];
        // Half-up rounding of non-negative amounts: (x + M/2) / M.
        let contribution = (base * rate + M / 2) / M;
        let pa = ((base * self.pa_rate + M / 2) / M).min(contribution);
        let subsidy = (contribution * self.shares[idx] + M / 2) / M;
        (inc, base, rate, contribution, pa, subsidy)
    }

    /// The same result as `contribution::compute(rules, income, declared)`.
    #[inline(always)]
    pub fn one(&self, income_fen: Fen, declared_fen: Fen) -> Contribution {
        let (inc, base_fen, rate, contribution_fen, pa, subsidy_fen) = self.money(income_fen, declared_fen);
        let net_fen = contribution_fen - subsidy_fen;
        Contribution {
            base_fen,
            rate: flexpension_rules::Dec6(rate),
            contribution_fen,
            personal_account_fen: pa,
            pooling_fen: contribution_fen - pa,
            subsidy_fen,
            net_fen,
            burden_bp: (inc > 0).then(|| (net_fen * 10_000 + inc / 2) / inc),
            over_benchmark: inc > 0 && net_fen * M > self.bench * inc,
        }
    }

    /// Totals over a slice, one thread, no burden division: the benchmark's loop. Dispatches on
    /// the number of segment limits so each loop compares only as many as there are (up to 7;
    /// more compare all 15, the unused ones never true).
    pub fn totals_seq(&self, incomes: &[Fen], bases: &[Fen]) -> BatchTotals {
        match self.n_ups {
            0 => self.totals_n::<0>(incomes, bases),
            1 => self.totals_n::<1>(incomes, bases),
            2 => self.totals_n::<2>(incomes, bases),
            3 => self.totals_n::<3>(incomes, bases),
            4 => self.totals_n::<4>(incomes, bases),
            5 => self.totals_n::<5>(incomes, bases),
            6 => self.totals_n::<6>(incomes, bases),
            7 => self.totals_n::<7>(incomes, bases),
            _ => self.totals_n::<{ MAX_SEGMENTS - 1 }>(incomes, bases),
        }
    }

    fn totals_n<const N: usize>(&self, incomes: &[Fen], bases: &[Fen]) -> BatchTotals {
        let mut ups = [Fen::MAX; N];
        ups.copy_from_slice(&self.ups[..N]);
        // Most workers declare no base: their contribution and subsidy depend on the segment alone.
        let lower = self.lower.min(self.upper);
        let c0: [Fen; MAX_SEGMENTS] = std::array::from_fn(|b| (lower * self.rates[b] + M / 2) / M);
        let pa0: [Fen; MAX_SEGMENTS] = std::array::from_fn(|b| ((lower * self.pa_rate + M / 2) / M).min(c0[b]));
        let s0: [Fen; MAX_SEGMENTS] = std::array::from_fn(|b| (c0[b] * self.shares[b] + M / 2) / M);
        let mut t = BatchTotals::default();
        for (&income, &declared) in incomes.iter().zip(bases) {
            let inc = income.clamp(0, MAX_FEN);
            let idx = ups.iter().map(|&u| usize::from(inc > u)).sum::<usize>();
            let (c, pa, s) = if declared > 0 {
                let base = declared.min(MAX_FEN).max(self.lower).min(self.upper);
                let c = (base * self.rates[idx] + M / 2) / M;
                (c, ((base * self.pa_rate + M / 2) / M).min(c), (c * self.shares[idx] + M / 2) / M)
            } else {
                (c0[idx], pa0[idx], s0[idx])
            };
            let net = c - s;
            t.contribution_fen += c;
            t.personal_account_fen += pa;
            t.subsidy_fen += s;
            t.net_fen += net;
            t.over_benchmark += u64::from(inc > 0 && net * M > self.bench * inc);
        }
        t.workers = incomes.len().min(bases.len()) as u64;
        t.pooling_fen = t.contribution_fen - t.personal_account_fen;
        t
    }

    /// Totals over the whole population on the current rayon pool. Integer sums, so the result
    /// is the same for any number of threads.
    pub fn totals(&self, incomes: &[Fen], bases: &[Fen]) -> BatchTotals {
        const CHUNK: usize = 1 << 16;
        incomes.par_chunks(CHUNK).zip(bases.par_chunks(CHUNK)).map(|(i, b)| self.totals_seq(i, b)).reduce(
            BatchTotals::default,
            |mut a, b| {
                a += b;
                a
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexpension_rules::contribution::{batch_totals, compute};
    use flexpension_rules::params::{Bracket, Brackets, SubsidyBand, SubsidyBands};
    use flexpension_rules::{Dec6, Params, YearMonth};
    use proptest::prelude::*;

    /// Rising limits from steps, each with its value, then the open last one.
    fn limits(steps: Vec<(i64, i64)>, last: i64) -> Vec<(Option<Fen>, Dec6)> {
        let mut up = 0;
        let mut v: Vec<(Option<Fen>, Dec6)> = steps
            .into_iter()
            .map(|(step, x)| {
                up += step;
                (Some(up), Dec6(x))
            })
            .collect();
        v.push((None, Dec6(last)));
        v
    }

    fn rules_strategy() -> impl Strategy<Value = MonthRules> {
        (
            (0i64..2_000_000, 0i64..5_000_000),
            (proptest::collection::vec((1i64..3_000_000, 0i64..=1_000_000), 0..8), 0i64..=1_000_000),
            (proptest::collection::vec((1i64..300_000, 0i64..=1_000_000), 0..6), 0i64..=1_000_000),
            (0i64..=1_000_000, prop_oneof![0i64..2_000_000, Just(0), Just(MAX_FEN + 1)]),
            0i64..=1_000_000,
        )
            .prop_map(|((lo, span), (steps, last), (band_steps, band_last), (pa, below), bench)| MonthRules {
                month: YearMonth::new(2025, 1).unwrap(),
                base_lower_fen: lo,
                base_upper_fen: lo + span,
                brackets: Brackets(limits(steps, last).into_iter().map(|(up_to_fen, rate)| Bracket { up_to_fen, rate }).collect()),
                personal_account_rate: Dec6(pa),
                subsidy_share: SubsidyBands(
                    limits(band_steps, band_last).into_iter().map(|(up_to_fen, share)| SubsidyBand { up_to_fen, share }).collect(),
                ),
                subsidy_income_below_fen: below,
                burden_benchmark: Dec6(bench),
            })
    }

    fn money() -> impl Strategy<Value = Fen> {
        prop_oneof![-1_000i64..10_000_000, 0i64..=MAX_FEN, Just(0), Just(MAX_FEN), Just(MAX_FEN + 5), Just(-1)]
    }

    /// Every limit of the rules and the fen either side of it.
    fn edges(r: &MonthRules) -> Vec<Fen> {
        let ups = r.brackets.0.iter().filter_map(|b| b.up_to_fen).chain(r.subsidy_share.0.iter().filter_map(|b| b.up_to_fen));
        ups.chain([r.subsidy_income_below_fen]).flat_map(|u| [u - 1, u, u + 1]).collect()
    }

    /// The kernel gives what the rules core gives, one by one and in total.
    fn agrees(r: &MonthRules, rows: &[(Fen, Fen)]) -> Result<(), TestCaseError> {
        let k = Kernel::new(r).unwrap();
        for &(inc, base) in rows {
            let want = compute(r, inc.clamp(0, MAX_FEN), (base > 0).then_some(base.min(MAX_FEN)));
            prop_assert_eq!(k.one(inc, base), want, "income {} base {}", inc, base);
        }
        let (incomes, bases): (Vec<Fen>, Vec<Fen>) = rows.iter().copied().unzip();
        prop_assert_eq!(k.totals_seq(&incomes, &bases), batch_totals(r, &incomes, Some(&bases)));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn kernel_equals_compute(r in rules_strategy(), rows in proptest::collection::vec((money(), money()), 1..40)) {
            agrees(&r, &rows)?;
            let at_edges: Vec<(Fen, Fen)> = edges(&r).into_iter().flat_map(|e| [(e, 0), (e, rows[0].1)]).collect();
            agrees(&r, &at_edges)?;
        }
    }

    #[test]
    fn the_papers_bands_agree_at_their_edges() {
        let p = Params::embedded().unwrap();
        for month in ["2024-06", "2025-06"] {
            let r = p.scenario("zj", Some("paper"), None).unwrap().month_rules(month.parse().unwrap()).unwrap().0;
            let incomes = [0, 1, 299_999, 300_000, 399_999, 400_000, 499_999, 500_000, 600_000, 600_001, MAX_FEN];
            let rows: Vec<(Fen, Fen)> = incomes.iter().flat_map(|&i| [(i, 0), (i, 900_000), (i, 100)]).collect();
            agrees(&r, &rows).unwrap();
            // Half the contribution at 2999.99 yuan, 40% from 3000, 30% from 4000, none from 5000.
            let k = Kernel::new(&r).unwrap();
            let share = |inc: Fen| {
                let c = k.one(inc, 0);
                (c.subsidy_fen * 100 + c.contribution_fen / 2) / c.contribution_fen
            };
            assert_eq!([299_999, 300_000, 399_999, 400_000, 499_999, 500_000].map(share), [50, 40, 40, 30, 30, 0]);
        }
    }

    #[test]
    fn too_many_segments_are_refused() {
        let rules = |n: i64| MonthRules {
            month: YearMonth::new(2025, 1).unwrap(),
            base_lower_fen: 1,
            base_upper_fen: 2,
            brackets: Brackets((0..=n).map(|i| Bracket { up_to_fen: (i < n).then_some(2 * i + 1), rate: Dec6(0) }).collect()),
            personal_account_rate: Dec6(0),
            // Band limits between the brackets', then the ceiling: 2n + 1 limits in all.
            subsidy_share: SubsidyBands(
                (0..=n).map(|i| SubsidyBand { up_to_fen: (i < n).then_some(2 * i + 2), share: Dec6(300_000) }).collect(),
            ),
            subsidy_income_below_fen: 2 * n + 10,
            burden_benchmark: Dec6(0),
        };
        assert!(Kernel::new(&rules(7)).is_some());
        assert!(Kernel::new(&rules(8)).is_none());
    }
}
