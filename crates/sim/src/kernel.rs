//! The contribution of one worker-month, specialised for the simulation's hot loop: the month's
//! rules flattened into integers, brackets found without branches, and every product in `i64`
//! (inputs are clamped to 10^12 fen and rates to 10^6 millionths, so no product passes 10^18).
//! A property test proves it equal to the rules core's `contribution::compute`.

use flexpension_rules::contribution::{BatchTotals, Contribution};
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Fen, MonthRules};
use rayon::prelude::*;

/// Brackets the kernel handles; the rules core allows more, the simulation refuses them.
pub const MAX_BRACKETS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    lower: Fen,
    upper: Fen,
    /// Inclusive upper limits, unused ones `Fen::MAX`.
    ups: [Fen; MAX_BRACKETS - 1],
    rates: [i64; MAX_BRACKETS],
    pa_rate: i64,
    share: i64,
    below: Fen,
    bench: i64,
}

const M: i64 = 1_000_000;

impl Kernel {
    /// `None` when the rules have more brackets than the kernel holds or a lower limit above
    /// the upper one.
    pub fn new(r: &MonthRules) -> Option<Kernel> {
        let b = &r.brackets.0;
        if b.is_empty() || b.len() > MAX_BRACKETS || r.base_lower_fen > r.base_upper_fen {
            return None;
        }
        let mut ups = [Fen::MAX; MAX_BRACKETS - 1];
        let mut rates = [b[b.len() - 1].rate.0; MAX_BRACKETS];
        for (i, br) in b.iter().enumerate() {
            rates[i] = br.rate.0;
            if i < MAX_BRACKETS - 1 {
                ups[i] = br.up_to_fen.unwrap_or(Fen::MAX);
            }
        }
        Some(Kernel {
            lower: r.base_lower_fen,
            upper: r.base_upper_fen,
            ups,
            rates,
            pa_rate: r.personal_account_rate.0,
            share: r.subsidy_share.0,
            below: r.subsidy_income_below_fen,
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
        let subsidy = if inc < self.below { (contribution * self.share + M / 2) / M } else { 0 };
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
    /// the number of bracket limits so each loop compares only as many as there are.
    pub fn totals_seq(&self, incomes: &[Fen], bases: &[Fen]) -> BatchTotals {
        match self.ups.iter().take_while(|&&u| u != Fen::MAX).count() {
            0 => self.totals_n::<0>(incomes, bases),
            1 => self.totals_n::<1>(incomes, bases),
            2 => self.totals_n::<2>(incomes, bases),
            3 => self.totals_n::<3>(incomes, bases),
            4 => self.totals_n::<4>(incomes, bases),
            5 => self.totals_n::<5>(incomes, bases),
            6 => self.totals_n::<6>(incomes, bases),
            _ => self.totals_n::<7>(incomes, bases),
        }
    }

    fn totals_n<const N: usize>(&self, incomes: &[Fen], bases: &[Fen]) -> BatchTotals {
        let mut ups = [Fen::MAX; N];
        ups.copy_from_slice(&self.ups[..N]);
        // Most workers declare no base: their contribution depends on the bracket alone.
        let lower = self.lower.min(self.upper);
        let c0: [Fen; MAX_BRACKETS] = std::array::from_fn(|b| (lower * self.rates[b] + M / 2) / M);
        let pa0: [Fen; MAX_BRACKETS] = std::array::from_fn(|b| ((lower * self.pa_rate + M / 2) / M).min(c0[b]));
        let mut t = BatchTotals::default();
        for (&income, &declared) in incomes.iter().zip(bases) {
            let inc = income.clamp(0, MAX_FEN);
            let idx = ups.iter().map(|&u| usize::from(inc > u)).sum::<usize>();
            let (c, pa) = if declared > 0 {
                let base = declared.min(MAX_FEN).max(self.lower).min(self.upper);
                let c = (base * self.rates[idx] + M / 2) / M;
                (c, ((base * self.pa_rate + M / 2) / M).min(c))
            } else {
                (c0[idx], pa0[idx])
            };
            let s = if inc < self.below { (c * self.share + M / 2) / M } else { 0 };
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
    use flexpension_rules::params::{Bracket, Brackets};
    use flexpension_rules::{Dec6, YearMonth};
    use proptest::prelude::*;

    fn rules_strategy() -> impl Strategy<Value = MonthRules> {
        (
            (0i64..2_000_000, 0i64..5_000_000),
            proptest::collection::vec((1i64..3_000_000, 0i64..=1_000_000), 0..MAX_BRACKETS),
            0i64..=1_000_000,
            (0i64..=1_000_000, 0i64..2_000_000),
            (0i64..=1_000_000, 0i64..=1_000_000),
        )
            .prop_map(|((lo, span), steps, last, (pa, share_below), (share, bench))| {
                let mut up = 0;
                let mut b: Vec<Bracket> = steps
                    .into_iter()
                    .map(|(step, rate)| {
                        up += step;
                        Bracket { up_to_fen: Some(up), rate: Dec6(rate) }
                    })
                    .collect();
                b.push(Bracket { up_to_fen: None, rate: Dec6(last) });
                MonthRules {
                    month: YearMonth::new(2025, 1).unwrap(),
                    base_lower_fen: lo,
                    base_upper_fen: lo + span,
                    brackets: Brackets(b),
                    personal_account_rate: Dec6(pa),
                    subsidy_share: Dec6(share),
                    subsidy_income_below_fen: share_below,
                    burden_benchmark: Dec6(bench),
                }
            })
    }

    fn money() -> impl Strategy<Value = Fen> {
        prop_oneof![-1_000i64..10_000_000, 0i64..=MAX_FEN, Just(0), Just(MAX_FEN), Just(MAX_FEN + 5), Just(-1)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn kernel_equals_compute(r in rules_strategy(), rows in proptest::collection::vec((money(), money()), 1..40)) {
            let k = Kernel::new(&r).unwrap();
            for &(inc, base) in &rows {
                let want = compute(&r, inc.clamp(0, MAX_FEN), (base > 0).then_some(base.min(MAX_FEN)));
                prop_assert_eq!(k.one(inc, base), want, "income {} base {}", inc, base);
            }
            let (incomes, bases): (Vec<Fen>, Vec<Fen>) = rows.iter().copied().unzip();
            prop_assert_eq!(k.totals_seq(&incomes, &bases), batch_totals(&r, &incomes, Some(&bases)));
        }
    }

    #[test]
    fn too_many_brackets_are_refused() {
        let b = (0..9).map(|i| Bracket { up_to_fen: if i < 8 { Some(i + 1) } else { None }, rate: Dec6(0) }).collect();
        let r = MonthRules {
            month: YearMonth::new(2025, 1).unwrap(),
            base_lower_fen: 1,
            base_upper_fen: 2,
            brackets: Brackets(b),
            personal_account_rate: Dec6(0),
            subsidy_share: Dec6(0),
            subsidy_income_below_fen: 0,
            burden_benchmark: Dec6(0),
        };
        assert!(Kernel::new(&r).is_none());
    }
}
