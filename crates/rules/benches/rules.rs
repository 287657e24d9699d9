//! Rules-core benchmarks: the batch contribution (worker-months per second on one core) and one
//! fully explained calculation. Results go to docs/PERFORMANCE.md.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flexpension_rules::contribution::{ContributionInput, batch, batch_totals};
use flexpension_rules::{Params, YearMonth};
use flexpension_testkit::incomes_fen;
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let p = Params::embedded().expect("parameters load");
    let month = YearMonth::new(2025, 3).expect("month");
    let n = 1_000_000;
    let inc = incomes_fen(n, 1);
    let mut g = c.benchmark_group("batch_contribution");
    g.throughput(Throughput::Elements(n as u64));
    // Baseline: just reading and summing the same incomes, the floor any batch pays.
    g.bench_with_input("baseline_sum", &inc, |b, inc| b.iter(|| black_box(inc).iter().sum::<i64>()));
    for policy in ["current", "paper"] {
        let s = p.scenario("zj", Some(policy), None).expect("scenario");
        let (rules, _) = s.month_rules(month).expect("rules");
        let mut out = Vec::with_capacity(n);
        g.bench_with_input(BenchmarkId::new("results", policy), &inc, |b, inc| b.iter(|| batch(&rules, black_box(inc), None, &mut out)));
        g.bench_with_input(BenchmarkId::new("totals", policy), &inc, |b, inc| b.iter(|| batch_totals(&rules, black_box(inc), None)));
    }
    g.finish();

    let mut g = c.benchmark_group("explained");
    for policy in ["current", "paper"] {
        let s = p.scenario("zj", Some(policy), None).expect("scenario");
        let input = ContributionInput { month, income_fen: 380_000, declared_base_fen: None };
        g.bench_function(BenchmarkId::new("contribution", policy), |b| b.iter(|| s.contribution(black_box(&input))));
    }
    let s = p.scenario("zj", Some("paper"), None).expect("scenario");
    g.bench_function("contribution_with_json", |b| {
        let input = ContributionInput { month, income_fen: 380_000, declared_base_fen: None };
        b.iter(|| serde_json::to_string(&s.contribution(black_box(&input)).expect("ok")).expect("json"))
    });
    g.finish();
}

criterion_group! {
    name = rules;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(rules);
