//! `sqlite::memory:` keeps one connection, so every call must run on it without waiting for a
//! second one (an ingest resolves workers inside its own transaction).

mod common;

use common::*;
use flexpension_rules::YearMonth;
use flexpension_store::{Format, IngestOptions, Store};

#[tokio::test]
async fn in_memory_store_ingests() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let f = fixture(&store, 2).await;
    let w = f.workers[0].0.as_str();
    let body =
        csv(&[["m1", w, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"], ["m2", w, "5", "2025-09-02T10:00:00", "ride_hailing", "g2"]]);
    let opts = IngestOptions { chunk_rows: 1, ..IngestOptions::request(now(), Some("n".into())) };
    let r = store.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(body), Format::Csv, &opts).await.unwrap();
    assert_eq!(r.accepted, 2);
    let month: YearMonth = "2025-09".parse().unwrap();
    assert_eq!(store.worker_month_income(f.workers[0].1.id, month).await.unwrap().income_fen, 1_500);
    assert!(Store::open("mysql://x").await.is_err());
}
