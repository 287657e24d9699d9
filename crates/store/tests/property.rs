//! Property: after random batches with duplicates, conflicts and bad rows, every month income
//! equals the sum of the stored rows, and the counts match a plain model of the semantics
//! (the first version of an order id stands; the same again is a duplicate, other data a
//! conflict). Small sizes, on both backends.

mod common;

use common::*;
use flexpension_rules::YearMonth;
use flexpension_store::{Format, IngestOptions, PlatformId};
use proptest::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone)]
struct Row {
    order: u8,
    worker: u8,
    amount: u8,
    day: u8,
    bad: bool,
}

#[derive(Debug, Clone)]
struct Batch {
    platform: u8,
    /// None: one transaction (written in steps of `chunk_rows`); Some: committed every n rows.
    rows_per_batch: Option<usize>,
    chunk_rows: usize,
    rows: Vec<Row>,
}

/// Days around a month end, so orders fall in August, September and October.
const DAYS: [&str; 4] = ["2025-08-31T23:00:00", "2025-09-01T00:30:00", "2025-09-30T12:00:00", "2025-10-01T09:00:00"];
const AMOUNTS: [&str; 3] = ["1.00", "2.50", "9.99"];
const MONTHS: [&str; 3] = ["2025-08", "2025-09", "2025-10"];

fn row() -> impl Strategy<Value = Row> {
    (0u8..8, 0u8..3, 0u8..3, 0u8..4, prop::bool::weighted(0.1)).prop_map(|(order, worker, amount, day, bad)| Row {
        order,
        worker,
        amount,
        day,
        bad,
    })
}

fn batches() -> impl Strategy<Value = Vec<Batch>> {
    let batch = (0u8..2, prop::option::of(1usize..4), 1usize..6, prop::collection::vec(row(), 0..12))
        .prop_map(|(platform, rows_per_batch, chunk_rows, rows)| Batch { platform, rows_per_batch, chunk_rows, rows });
    prop::collection::vec(batch, 1..6)
}

async fn check(kind: Kind, batches: Vec<Batch>) {
    run(kind, move |ctx| async move {
        let f = fixture(&ctx.store, 3).await;
        let platforms = [f.a.id, f.b.id];
        // Model: (platform, order) -> (worker, amount, day) of the standing version.
        let mut standing: HashMap<(u8, u8), (u8, u8, u8)> = HashMap::new();
        for b in &batches {
            let mut body = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
            let (mut acc, mut dup, mut con, mut rej) = (0, 0, 0, 0);
            for r in &b.rows {
                let amount = if r.bad { "0" } else { AMOUNTS[r.amount as usize] };
                body.push_str(&format!(
                    "o{},{},{amount},{},instant_delivery,g1\n",
                    r.order, f.workers[r.worker as usize].0, DAYS[r.day as usize]
                ));
                if r.bad {
                    rej += 1;
                    continue;
                }
                match standing.get(&(b.platform, r.order)) {
                    None => {
                        standing.insert((b.platform, r.order), (r.worker, r.amount, r.day));
                        acc += 1;
                    }
                    Some(s) if *s == (r.worker, r.amount, r.day) => dup += 1,
                    Some(_) => con += 1,
                }
            }
            let opts = IngestOptions { rows_per_batch: b.rows_per_batch, chunk_rows: b.chunk_rows, ..IngestOptions::request(now(), None) };
            let p: PlatformId = platforms[b.platform as usize];
            let rep = ctx.store.ingest_earnings(p, &zj(), std::io::Cursor::new(body.into_bytes()), Format::Csv, &opts).await.unwrap();
            assert_eq!((rep.accepted, rep.duplicate, rep.conflicting, rep.rejected), (acc, dup, con, rej), "{b:?}\n{rep:#?}");
        }
        for (wi, (_, w)) in f.workers.iter().enumerate() {
            for m in MONTHS {
                let month: YearMonth = m.parse().unwrap();
                let kept = ctx.store.worker_month_income(w.id, month).await.unwrap();
                let rows = ctx.store.worker_month_income_from_rows(w.id, month).await.unwrap();
                assert_eq!(kept, rows);
                let model: i64 = standing
                    .values()
                    .filter(|(worker, _, day)| *worker as usize == wi && month_of(*day) == m)
                    .map(|(_, amount, _)| [100, 250, 999][*amount as usize])
                    .sum();
                assert_eq!(kept.income_fen, model, "worker {wi} {m}");
            }
        }
    })
    .await;
}

fn month_of(day: u8) -> &'static str {
    match day {
        0 => "2025-08",
        1 | 2 => "2025-09",
        _ => "2025-10",
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn month_income_equals_rows_sqlite(b in batches()) {
        runtime().block_on(check(Kind::Sqlite, b));
    }

    #[test]
    fn month_income_equals_rows_postgres(b in batches()) {
        runtime().block_on(check(Kind::Postgres, b));
    }
}
