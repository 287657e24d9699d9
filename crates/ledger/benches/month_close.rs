//! Month close of 1,000,000 worker-months in memory, next to the rules engine's pure batch for
//! the same workers: `batch_totals` (totals only), `close_entries` (the pure close: one entry per
//! worker) and `Ledger::close_month` (posting, indexing and reconciling with money held).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use flexpension_ledger::{Ledger, Payer, Payment, WorkerId, WorkerMonth, close_entries};
use flexpension_rules::contribution::batch_totals;
use flexpension_rules::{Params, YearMonth};
use flexpension_testkit::incomes_fen;
use std::hint::black_box;

const N: usize = 1_000_000;

fn benches(c: &mut Criterion) {
    let p = Params::embedded().expect("parameters load");
    let month = YearMonth::new(2025, 3).expect("month");
    // The rules bench's incomes, so figures compare.
    let inc = incomes_fen(N, 1);
    let workers: Vec<WorkerMonth> = inc
        .iter()
        .enumerate()
        .map(|(i, &income_fen)| WorkerMonth { worker: WorkerId(i as i64), income_fen, declared_base_fen: None, enrolled: true })
        .collect();
    // Every worker holds 2,000 yuan of credit, so each close is also credited at once.
    let mut prepaid = Ledger::new();
    for w in &workers {
        let pay = Payment { worker: w.worker, payer: Payer::SelfPaid, reference: 1, amount_fen: 200_000, period: month };
        prepaid.pay(&pay).expect("pays");
    }
    let mut g = c.benchmark_group("month_close_1m");
    g.throughput(Throughput::Elements(N as u64));
    for policy in ["current", "paper"] {
        let s = p.scenario("zj", Some(policy), None).expect("scenario");
        let (rules, _) = s.month_rules(month).expect("rules");
        g.bench_function(format!("rules_batch_totals/{policy}"), |b| b.iter(|| batch_totals(&rules, black_box(&inc), None)));
        g.bench_function(format!("close_entries/{policy}"), |b| {
            b.iter_with_large_drop(|| close_entries(month, black_box(&workers), &rules).expect("closes"))
        });
        g.bench_function(format!("ledger_close_month/{policy}"), |b| {
            b.iter_batched(
                Ledger::new,
                |mut l| {
                    black_box(l.close_month(month, &workers, &rules).expect("closes").len());
                    l
                },
                BatchSize::PerIteration,
            )
        });
    }
    let (rules, _) = p.scenario("zj", Some("paper"), None).expect("scenario").month_rules(month).expect("rules");
    g.bench_function("ledger_close_month_prepaid/paper", |b| {
        b.iter_batched(
            || prepaid.clone(),
            |mut l| {
                black_box(l.close_month(month, &workers, &rules).expect("closes").len());
                l
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = month_close;
    config = Criterion::default().sample_size(10).warm_up_time(std::time::Duration::from_secs(1)).measurement_time(std::time::Duration::from_secs(10));
    targets = benches
}
criterion_main!(month_close);
