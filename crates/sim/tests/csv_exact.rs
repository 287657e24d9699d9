//! Totals on a CSV population equal an independent computation of the same rules: straight
//! from the parameter values, in integers, with remainder-based rounding instead of the rules
//! core's `compute` or the simulation's kernel.

use flexpension_rules::{Params, YearMonth};
use flexpension_sim::{PopulationSpec, SimRequest, run};
use flexpension_testkit::Rng;

/// Half-up division of a non-negative amount by 10^6, via the remainder.
fn round_millionths(x: u128) -> u128 {
    let (q, r) = (x / 1_000_000, x % 1_000_000);
    if 2 * r >= 1_000_000 { q + 1 } else { q }
}

struct Totals {
    contribution: i128,
    subsidy: i128,
    net: i128,
    over: u64,
}

fn independent(params: &Params, policy: &str, month: YearMonth, rows: &[(i64, i64)]) -> Totals {
    let date = month.first_day();
    let region = &params.regions["zj"];
    let pol = &params.policies[policy];
    let lower = region.base_lower.at(date).unwrap().value as u128;
    let upper = region.base_upper.at(date).unwrap().value as u128;
    let brackets = &pol.rate_brackets.at(date).unwrap().value.0;
    let bands = &pol.subsidy_share.at(date).unwrap().value.0;
    let below = pol.subsidy_income_below.at(date).unwrap().value as u128;
    let bench = params.national.burden_benchmark.at(date).unwrap().value.0 as u128;
    let mut t = Totals { contribution: 0, subsidy: 0, net: 0, over: 0 };
    for &(income, base) in rows {
        let income = income as u128;
        let base = if base > 0 { (base as u128).max(lower).min(upper) } else { lower };
        // The last bracket whose predecessor's limit lies below the income.
        let i = brackets.iter().rposition(|b| b.up_to_fen.is_none_or(|u| income <= u as u128)).unwrap();
        let i = (0..=i).find(|&j| brackets[j].up_to_fen.is_none_or(|u| income <= u as u128)).unwrap();
        let c = round_millionths(base * brackets[i].rate.0 as u128);
        // The first band whose inclusive limit the income does not pass, under the ceiling only.
        let share = bands.iter().find(|b| b.up_to_fen.is_none_or(|u| income <= u as u128)).unwrap().share.0 as u128;
        let s = if income < below { round_millionths(c * share) } else { 0 };
        let net = c - s;
        t.contribution += c as i128;
        t.subsidy += s as i128;
        t.net += net as i128;
        t.over += u64::from(income > 0 && net * 1_000_000 > bench * income);
    }
    t
}

#[test]
fn csv_totals_match_an_independent_computation() {
    let params = Params::embedded().unwrap();
    // A fixed pseudo-random population, bracket and subsidy band edges and zero included.
    let mut rng = Rng::new(1);
    let mut rows = vec![
        (0, 0),
        (399_999, 0),
        (400_000, 0),
        (600_000, 0),
        (600_001, 0),
        (499_999, 0),
        (500_000, 0),
        (299_999, 0),
        (300_000, 0),
        (299_999, 700_000),
        (100, 3_000_000),
    ];
    for _ in 0..20_000 {
        let income = rng.below(1_500_000) as i64;
        let base = if rng.below(4) == 0 { rng.below(3_000_000) as i64 + 1 } else { 0 };
        rows.push((income, base));
    }
    let mut csv = String::from("worker_id,income_yuan,base_yuan\n");
    for (i, (inc, base)) in rows.iter().enumerate() {
        let b = if *base > 0 { format!("{}.{:02}", base / 100, base % 100) } else { String::new() };
        csv.push_str(&format!("w{i},{}.{:02},{b}\n", inc / 100, inc % 100));
    }
    for month in ["2025-06", "2026-01"] {
        let m: YearMonth = month.parse().unwrap();
        let rep = run(&params, &SimRequest::new(PopulationSpec::Csv { text: csv.clone() }, "zj", m)).unwrap();
        for policy in ["current", "paper"] {
            let want = independent(&params, policy, m, &rows);
            let got = &rep.policies[policy];
            assert_eq!(got.totals.workers, rows.len() as u64);
            assert_eq!(i128::from(got.totals.contribution_fen), want.contribution, "{policy} {month}");
            assert_eq!(i128::from(got.totals.subsidy_fen), want.subsidy, "{policy} {month}");
            assert_eq!(i128::from(got.totals.net_fen), want.net, "{policy} {month}");
            assert_eq!(got.totals.over_benchmark, want.over, "{policy} {month}");
        }
    }
}

#[test]
fn a_generated_population_written_as_csv_gives_the_same_month() {
    let params = Params::embedded().unwrap();
    let m: YearMonth = "2025-06".parse().unwrap();
    let req = SimRequest::new(PopulationSpec::Generated { workers: 5_000, seed: 3 }, "zj", m);
    let text = flexpension_sim::population_csv(&params, &req).unwrap();
    let generated = run(&params, &req).unwrap();
    let listed = run(&params, &SimRequest::new(PopulationSpec::Csv { text }, "zj", m)).unwrap();
    for policy in ["current", "paper"] {
        let (a, b) = (&generated.policies[policy], &listed.policies[policy]);
        assert_eq!(
            (a.totals.workers, a.totals.contribution_fen, a.totals.subsidy_fen, a.totals.net_fen, a.totals.over_benchmark),
            (b.totals.workers, b.totals.contribution_fen, b.totals.subsidy_fen, b.totals.net_fen, b.totals.over_benchmark)
        );
        assert_eq!(a.by_income_band, b.by_income_band);
    }
}
