//! Earnings ingest cases.

use crate::common::*;
use flexpension_rules::YearMonth;
use flexpension_rules::injury::OrderType;
use flexpension_store::*;
use flexpension_testkit::resident_id;

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

async fn ingest(ctx: &Ctx, p: PlatformId, body: Vec<u8>) -> IngestReport {
    ctx.store
        .ingest_earnings(p, &zj(), std::io::Cursor::new(body), Format::Csv, &IngestOptions::request(now(), None))
        .await
        .expect("ingest")
}

/// The aggregate equals the stored rows for every (worker, month) of the fixture.
async fn assert_consistent(ctx: &Ctx, f: &Fixture, months: &[&str]) {
    for (_, w) in &f.workers {
        for m in months {
            let kept = ctx.store.worker_month_income(w.id, ym(m)).await.unwrap();
            let rows = ctx.store.worker_month_income_from_rows(w.id, ym(m)).await.unwrap();
            assert_eq!(kept, rows, "worker {} month {m}", w.id);
        }
    }
}

pub async fn ingest_accepts_and_aggregates(ctx: Ctx) {
    let f = fixture(&ctx.store, 2).await;
    let (w0, w1) = (&f.workers[0].0, &f.workers[1].0);
    let body = csv(&[
        ["o1", w0, "100.50", "2025-09-01T10:00:00+08:00", "ride_hailing", "g1"],
        ["o2", w0, "20", "2025-09-15 12:00:00", "instant_delivery", "g1"],
        ["o3", w1, "35.5", "2025-10-01T00:30:00+08:00", "same_city_freight", "g2"],
        // 16:30 UTC on 31 August is 00:30 on 1 September in China: September's income.
        ["o4", w0, "10", "2025-08-31T16:30:00Z", "instant_delivery", "g2"],
    ]);
    let r = ingest(&ctx, f.a.id, body).await;
    assert_eq!((r.accepted, r.duplicate, r.conflicting, r.rejected), (4, 0, 0, 0), "{r:#?}");
    assert_eq!(r.income_fen, 10_050 + 2_000 + 3_550 + 1_000);
    // 0.01 + 0.07 × 2 + 0.18 yuan.
    assert_eq!(r.premium_fen, 1 + 14 + 18);
    assert_eq!(r.batches.len(), 1);
    assert!(r.errors.is_empty());

    let sept = ctx.store.worker_month_income(f.workers[0].1.id, ym("2025-09")).await.unwrap();
    assert_eq!((sept.income_fen, sept.orders), (13_050, 3));
    assert_eq!(sept.by_platform.len(), 1);
    assert_eq!(sept.by_platform[0].platform, f.a.id);
    assert_eq!(sept.by_platform[0].platform_name, "骑手平台A");
    let oct = ctx.store.worker_month_income(f.workers[1].1.id, ym("2025-10")).await.unwrap();
    assert_eq!((oct.income_fen, oct.orders), (3_550, 1));
    let none = ctx.store.worker_month_income(f.workers[1].1.id, ym("2025-09")).await.unwrap();
    assert_eq!((none.income_fen, none.orders, none.by_platform.len()), (0, 0, 0));
    assert_eq!(ctx.store.worker_income_months(f.workers[0].1.id).await.unwrap(), vec![ym("2025-09")]);

    let p = ctx.store.injury_premiums(f.a.id, ym("2025-09")).await.unwrap();
    let got: Vec<(OrderType, i64, i64)> = p.iter().map(|t| (t.order_type, t.orders, t.premium_fen)).collect();
    assert_eq!(got, vec![(OrderType::RideHailing, 1, 1), (OrderType::InstantDelivery, 2, 14)]);
    let p = ctx.store.injury_premiums(f.a.id, ym("2025-10")).await.unwrap();
    assert_eq!(p.iter().map(|t| t.premium_fen).sum::<i64>(), 18);
    assert_eq!(ctx.store.platform_order_totals(f.a.id).await.unwrap(), (4, 16_600));
    assert_consistent(&ctx, &f, &["2025-09", "2025-10"]).await;
    assert_eq!(ctx.scalar("SELECT CAST(SUM(accepted) AS BIGINT) FROM batches").await, 4);
}

pub async fn ingest_premium_by_date_and_level(ctx: Ctx) {
    let f = fixture(&ctx.store, 1).await;
    let w = f.workers[0].0.as_str();
    // 30 yuan orders of the worker in grid g1: only the time and the order type differ.
    let order = |id, at, kind| [id, w, "30", at, kind, "g1"];
    let body = csv(&[
        // Zhejiang's injury cover starts on 2025-08-21: no premium before.
        order("b1", "2025-08-20T23:59:59+08:00", "instant_delivery"),
        order("b2", "2025-08-21T00:00:00+08:00", "instant_delivery"),
        order("b3", "2024-05-01T08:00:00+08:00", "instant_delivery"),
        order("b4", "2025-11-01T08:00:00+08:00", "ride_hailing"),
    ]);
    // Platform B pays the high instant-delivery level (0.25 yuan); ride hailing stays 0.01.
    let r = ingest(&ctx, f.b.id, body).await;
    assert_eq!(r.accepted, 4, "{r:#?}");
    assert_eq!(r.premium_fen, 25 + 1);
    let aug = ctx.store.injury_premiums(f.b.id, ym("2025-08")).await.unwrap();
    assert_eq!(aug.len(), 1);
    assert_eq!((aug[0].orders, aug[0].premium_fen), (2, 25));
    let may = ctx.store.injury_premiums(f.b.id, ym("2024-05")).await.unwrap();
    assert_eq!((may[0].orders, may[0].premium_fen), (1, 0));
}

pub async fn ingest_rejects_each_bad_input(ctx: Ctx) {
    let f = fixture(&ctx.store, 1).await;
    let w = f.workers[0].0.as_str();
    let stranger = resident_id("110105", "19800101", 7);
    let mut body = csv(&[
        ["x1", w, "12", "2025-09-01T10:00:00", "ride_hailing", "g1"], // placeholder, replaced below
        ["x2", "110105194912310021", "12", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["x3", &stranger, "12", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["x4", w, "-5", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["x5", w, "0", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["x6", w, "60000", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["x7", w, "12a", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["x8", w, "12", "2025-09-01T10:00:00", "taxi", "g1"],
        ["x9", w, "12", "yesterday", "ride_hailing", "g1"],
        ["x10", w, "12", "2026-01-05T00:00:00+08:00", "ride_hailing", "g1"],
        ["x11", w, "12", "2023-12-01T10:00:00", "ride_hailing", "g1"],
        ["x12", w, "12", "2025-09-01T10:00:00", "ride_hailing", "g404"],
        ["ok", w, "12", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["", w, "12", "2025-09-01T10:00:00", "ride_hailing", "g1"],
    ]);
    // Line 2: a row with too few fields.
    let text = String::from_utf8(body.clone()).unwrap();
    let line2 = text.lines().nth(1).unwrap().to_string();
    body = text.replacen(&line2, "x1,only,three", 1).into_bytes();
    // Line 16: not UTF-8.
    body.extend_from_slice(b"x13,");
    body.extend_from_slice(w.as_bytes());
    body.extend_from_slice(b",12,2025-09-01T10:00:00,ride_hailing,g\xff1\n");
    let r = ingest(&ctx, f.a.id, body).await;
    assert_eq!((r.accepted, r.rejected, r.duplicate, r.conflicting), (1, 14, 0, 0), "{r:#?}");
    let got: Vec<(u64, &str, RowErrorCode)> = r.errors.iter().map(|e| (e.line, e.field, e.code)).collect();
    use RowErrorCode::*;
    assert_eq!(
        got,
        vec![
            (2, "line", Malformed),
            (3, "id_number", InvalidId),
            (4, "id_number", UnknownWorker),
            (5, "amount_yuan", Amount),
            (6, "amount_yuan", Amount),
            (7, "amount_yuan", Amount),
            (8, "amount_yuan", Amount),
            (9, "order_type", OrderType),
            (10, "settled_at", SettledAt),
            (11, "settled_at", SettledAt),
            (12, "settled_at", NoRules),
            (13, "grid", UnknownGrid),
            (15, "order_id", Malformed),
            (16, "grid", Malformed),
        ]
    );
    let reason = |line: u64| r.errors.iter().find(|e| e.line == line).map(|e| e.reason.clone()).unwrap_or_default();
    assert!(reason(3).contains("should be X"), "{}", reason(3));
    assert!(reason(5).contains("more than 0") || reason(5).contains("negative"), "{}", reason(5));
    assert!(reason(7).contains("50000"), "{}", reason(7));
    assert!(reason(11).contains("future"), "{}", reason(11));
    assert!(reason(12).contains("2023-12"), "{}", reason(12));
    // Nothing of the rejected rows is stored.
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM earnings").await, 1);
    assert_eq!(ctx.scalar("SELECT CAST(SUM(orders) AS BIGINT) FROM month_income").await, 1);

    // A header missing a column refuses the input as a whole.
    let e = ctx
        .store
        .ingest_earnings(
            f.a.id,
            &zj(),
            std::io::Cursor::new(b"order_id,amount_yuan\n".to_vec()),
            Format::Csv,
            &IngestOptions::request(now(), None),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid { field: "header", .. }), "{e}");
    // An unknown platform is refused.
    let e = ctx
        .store
        .ingest_earnings(PlatformId(9_999), &zj(), std::io::Cursor::new(Vec::new()), Format::Csv, &IngestOptions::request(now(), None))
        .await;
    assert!(matches!(e, Err(StoreError::NotFound { what: "platform", .. })));
}

pub async fn ingest_is_idempotent(ctx: Ctx) {
    let f = fixture(&ctx.store, 2).await;
    let (w0, w1) = (f.workers[0].0.as_str(), f.workers[1].0.as_str());
    let first = [
        ["o1", w0, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["o2", w0, "20", "2025-09-02T10:00:00", "ride_hailing", "g1"],
        ["o3", w0, "30", "2025-09-03T10:00:00", "ride_hailing", "g1"],
    ];
    let r = ingest(&ctx, f.a.id, csv(&first)).await;
    assert_eq!(r.accepted, 3);
    // The same batch again: all duplicates, nothing written.
    let r = ingest(&ctx, f.a.id, csv(&first)).await;
    assert_eq!((r.accepted, r.duplicate, r.conflicting, r.rejected), (0, 3, 0, 0));
    assert!(r.errors.is_empty());

    let r = ingest(
        &ctx,
        f.a.id,
        csv(&[
            ["o1", w0, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"], // duplicate
            ["o2", w0, "21", "2025-09-02T10:00:00", "ride_hailing", "g1"], // other amount
            ["o3", w1, "30", "2025-09-03T10:00:00", "ride_hailing", "g1"], // other worker
            ["o4", w0, "40", "2025-09-04T10:00:00", "ride_hailing", "g1"], // new
            ["o4", w0, "40", "2025-09-04T10:00:00", "ride_hailing", "g1"], // repeat in batch
            ["o5", w0, "50", "2025-09-05T10:00:00", "ride_hailing", "g1"], // new
            ["o5", w0, "55", "2025-09-05T10:00:00", "ride_hailing", "g1"], // conflict in batch
            ["o2", w0, "20", "2025-09-02T10:00:01", "ride_hailing", "g1"], // other time
            ["o2", w0, "20", "2025-09-02T10:00:00", "ride_hailing", "g1"], // repeat of the stored o2
        ]),
    )
    .await;
    assert_eq!((r.accepted, r.duplicate, r.conflicting, r.rejected), (2, 3, 4, 0), "{r:#?}");
    let conflicts: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.reason.as_str())).collect();
    assert_eq!(conflicts.len(), 4);
    assert!(conflicts[0].0 == 3 && conflicts[0].1.contains("already recorded with a different amount"), "{conflicts:?}");
    assert!(conflicts[1].0 == 4 && conflicts[1].1.contains("different worker"), "{conflicts:?}");
    assert!(conflicts[2].0 == 8 && conflicts[2].1.contains("earlier in this batch with a different amount"), "{conflicts:?}");
    assert!(conflicts[3].0 == 9 && conflicts[3].1.contains("different settled_at"), "{conflicts:?}");
    assert!(r.errors.iter().all(|e| e.code == RowErrorCode::Conflict && e.field == "order_id"));

    // What is stored is the first version of each order.
    let m = ctx.store.worker_month_income(f.workers[0].1.id, ym("2025-09")).await.unwrap();
    assert_eq!((m.income_fen, m.orders), (15_000, 5));
    assert_eq!(ctx.store.worker_month_income(f.workers[1].1.id, ym("2025-09")).await.unwrap().orders, 0);
    // Order ids are per platform: B's o1 is another order.
    let r = ingest(&ctx, f.b.id, csv(&first[..1])).await;
    assert_eq!(r.accepted, 1);
    assert_consistent(&ctx, &f, &["2025-09"]).await;
}

pub async fn ingest_jsonl(ctx: Ctx) {
    let f = fixture(&ctx.store, 1).await;
    let w = &f.workers[0].0;
    let body = format!(
        "{{\"order_id\":\"j1\",\"id_number\":\"{w}\",\"amount_yuan\":\"12.50\",\"settled_at\":\"2025-09-01T10:00:00+08:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n\
         \n\
         {{\"order_id\":1002,\"id_number\":\"{w}\",\"amount_yuan\":7.5,\"settled_at\":\"2025-09-01T11:00:00\",\"order_type\":\"instant_delivery\",\"grid\":\"g2\"}}\n\
         {{\"order_id\":\"j3\",\"id_number\":110105194912310021,\"amount_yuan\":1,\"settled_at\":\"2025-09-01T11:00:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n\
         {{\"order_id\":\"j4\", broken\n\
         {{\"order_id\":\"j5\",\"amount_yuan\":1}}\n\
         {{\"order_id\":\"j6\",\"id_number\":\"{w}\",\"amount_yuan\":true,\"settled_at\":\"2025-09-01T11:00:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n"
    );
    let r = ctx
        .store
        .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(body.into_bytes()), Format::JsonLines, &IngestOptions::request(now(), None))
        .await
        .unwrap();
    assert_eq!((r.accepted, r.rejected), (2, 4), "{r:#?}");
    let got: Vec<(u64, &str, RowErrorCode)> = r.errors.iter().map(|e| (e.line, e.field, e.code)).collect();
    assert_eq!(
        got,
        vec![
            (4, "id_number", RowErrorCode::InvalidId),
            (5, "line", RowErrorCode::Malformed),
            (6, "line", RowErrorCode::Malformed),
            (7, "amount_yuan", RowErrorCode::Malformed)
        ]
    );
    assert!(r.errors[2].reason.contains("missing field"), "{}", r.errors[2].reason);
    let m = ctx.store.worker_month_income(f.workers[0].1.id, ym("2025-09")).await.unwrap();
    assert_eq!(m.income_fen, 2_000);
    assert_eq!("jsonl".parse::<Format>().unwrap(), Format::JsonLines);
}

pub async fn ingest_nonce_replay(ctx: Ctx) {
    let f = fixture(&ctx.store, 1).await;
    let w = &f.workers[0].0;
    let body = csv(&[["n1", w, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"]]);
    let opts = IngestOptions::request(now(), Some("nonce-1".into()));
    let r = ctx.store.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(body.clone()), Format::Csv, &opts).await.unwrap();
    assert_eq!(r.accepted, 1);
    let batches = ctx.scalar("SELECT COUNT(*) FROM batches").await;
    // A replayed request is refused as a whole; nothing is written, not even a batch row.
    let other = csv(&[["n2", w, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"]]);
    let e = ctx.store.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(other.clone()), Format::Csv, &opts).await.unwrap_err();
    assert!(matches!(e, StoreError::NonceReused));
    assert_eq!(e.code(), "nonce_reused");
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM earnings").await, 1);
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM batches").await, batches);
    // The same nonce from another platform is another nonce.
    let r = ctx.store.ingest_earnings(f.b.id, &zj(), std::io::Cursor::new(other), Format::Csv, &opts).await.unwrap();
    assert_eq!(r.accepted, 1);
    // An empty batch still remembers its nonce.
    let empty = IngestOptions::request(now(), Some("nonce-empty".into()));
    let r = ctx.store.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&[])), Format::Csv, &empty).await.unwrap();
    assert_eq!((r.accepted, r.batches.len()), (0, 1));
    assert!(!ctx.store.remember_nonce(f.a.id, "nonce-empty", now()).await.unwrap());

    // The standalone form.
    assert!(ctx.store.remember_nonce(f.a.id, "nonce-2", now()).await.unwrap());
    assert!(!ctx.store.remember_nonce(f.a.id, "nonce-2", now()).await.unwrap());
    assert!(matches!(ctx.store.remember_nonce(f.a.id, "", now()).await, Err(StoreError::Invalid { field: "nonce", .. })));
    let later = now() + chrono::Duration::seconds(1);
    assert_eq!(ctx.store.forget_nonces_before(later).await.unwrap(), 4);
    assert!(ctx.store.remember_nonce(f.a.id, "nonce-2", now()).await.unwrap());
}

pub async fn ingest_rolls_back_on_db_failure(ctx: Ctx) {
    let f = fixture(&ctx.store, 2).await;
    let (w0, w1) = (f.workers[0].0.as_str(), f.workers[1].0.as_str());
    ingest(&ctx, f.a.id, csv(&[["r0", w0, "5", "2025-09-01T10:00:00", "ride_hailing", "g1"]])).await;
    let snapshot = || async {
        let mut v = Vec::new();
        for t in ["earnings", "month_income", "injury_premiums", "batches", "nonces"] {
            v.push(ctx.scalar(&format!("SELECT COUNT(*) FROM {t}")).await);
        }
        v.push(ctx.scalar("SELECT CAST(COALESCE(SUM(income_fen), 0) AS BIGINT) FROM month_income").await);
        v.push(ctx.scalar("SELECT CAST(COALESCE(SUM(premium_fen), 0) AS BIGINT) FROM injury_premiums").await);
        v
    };
    let before = snapshot().await;
    // A failure late in the transaction: after the rows, on the aggregate of the second worker.
    let victim = f.workers[1].1.id.0;
    match ctx.kind {
        Kind::Sqlite => {
            ctx.sql(&format!(
                "CREATE TRIGGER boom BEFORE INSERT ON month_income WHEN NEW.worker_id = {victim} BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            ))
            .await
        }
        Kind::Postgres => {
            ctx.sql(&format!(
                "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.worker_id = {victim} THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$; \
                 CREATE TRIGGER boom BEFORE INSERT ON month_income FOR EACH ROW EXECUTE FUNCTION boom();"
            ))
            .await
        }
    }
    let body = csv(&[
        ["r1", w0, "10", "2025-10-01T10:00:00", "instant_delivery", "g1"],
        ["r0", w0, "6", "2025-09-01T10:00:00", "ride_hailing", "g1"], // a conflict
        ["r2", w1, "20", "2025-11-01T10:00:00", "instant_delivery", "g1"],
        ["bad", w1, "-1", "2025-11-01T10:00:00", "instant_delivery", "g1"],
    ]);
    let opts = IngestOptions::request(now(), Some("retry-me".into()));
    let e = ctx.store.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(body.clone()), Format::Csv, &opts).await.unwrap_err();
    assert!(matches!(e, StoreError::Db(_) | StoreError::Sqlite { .. }), "{e}");
    assert!(e.to_string().contains("injected failure"), "{e}");
    assert_eq!(snapshot().await, before, "a failed batch must leave every table as it was");

    // The retry after the failure (same nonce) goes through once the fault is gone.
    match ctx.kind {
        Kind::Sqlite => ctx.sql("DROP TRIGGER boom").await,
        Kind::Postgres => ctx.sql("DROP TRIGGER boom ON month_income").await,
    }
    let r = ctx.store.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(body), Format::Csv, &opts).await.unwrap();
    assert_eq!((r.accepted, r.conflicting, r.rejected), (2, 1, 1), "{r:#?}");
    assert_consistent(&ctx, &f, &["2025-09", "2025-10", "2025-11"]).await;
}

pub async fn ingest_in_chunks(ctx: Ctx) {
    let f = fixture(&ctx.store, 2).await;
    let (w0, w1) = (f.workers[0].0.as_str(), f.workers[1].0.as_str());
    let body = csv(&[
        ["c1", w0, "1", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["c2", w1, "2", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["c3", w0, "3", "2025-10-01T10:00:00", "ride_hailing", "g1"],
        ["c1", w0, "1", "2025-09-01T10:00:00", "ride_hailing", "g1"], // duplicate of batch 1
        ["c2", w1, "9", "2025-09-01T10:00:00", "ride_hailing", "g1"], // conflict with batch 1
        ["bad", w1, "x", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["c4", w1, "4", "2025-12-01T10:00:00", "ride_hailing", "g2"],
    ]);
    let opts = IngestOptions { rows_per_batch: Some(2), max_errors: 1, ..IngestOptions::file(now()) };
    let r = ctx.store.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(body), Format::Csv, &opts).await.unwrap();
    assert_eq!((r.accepted, r.duplicate, r.conflicting, r.rejected), (4, 1, 1, 1), "{r:#?}");
    assert_eq!(r.batches.len(), 4);
    // Only the first error is kept; the rest are counted.
    assert_eq!((r.errors.len(), r.errors_omitted), (1, 1));
    assert_eq!(r.errors[0].line, 6);
    assert_eq!(ctx.scalar("SELECT CAST(SUM(accepted) AS BIGINT) FROM batches").await, 4);
    assert_eq!(ctx.scalar("SELECT CAST(SUM(rejected) AS BIGINT) FROM batches").await, 1);
    assert_consistent(&ctx, &f, &["2025-09", "2025-10", "2025-12"]).await;
}

pub async fn ingest_concurrent_batches(ctx: Ctx) {
    let f = fixture(&ctx.store, 4).await;
    let ids: Vec<String> = f.workers.iter().map(|(i, _)| i.clone()).collect();
    // Rounds of four batches sharing half their orders, sent at once: some take the path for
    // new orders while others find orders stored and take the careful one, all adding to the
    // same month incomes and premiums (their locks taken in one order, or they deadlock).
    const ROUNDS: u32 = 6;
    for round in 0..ROUNDS {
        let mut tasks = Vec::new();
        for k in 0..4u32 {
            let mut rows = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
            for i in (k * 50)..(k * 50 + 100) {
                let w = &ids[(i % 4) as usize];
                rows.push_str(&format!(
                    "r{round}k{i},{w},{}.{:02},2025-{:02}-03T10:00:00,instant_delivery,g1\n",
                    1 + i % 7,
                    i % 100,
                    9 + i % 3
                ));
            }
            let store = ctx.store.clone();
            let p = f.a.id;
            tasks.push(tokio::spawn(async move {
                store
                    .ingest_earnings(p, &zj(), std::io::Cursor::new(rows.into_bytes()), Format::Csv, &IngestOptions::request(now(), None))
                    .await
            }));
        }
        let mut accepted = 0;
        let mut duplicate = 0;
        for t in tasks {
            let r = t.await.unwrap().unwrap();
            assert_eq!(r.conflicting, 0);
            accepted += r.accepted;
            duplicate += r.duplicate;
        }
        // Orders k0..k249 of the round, each accepted exactly once.
        assert_eq!((accepted, duplicate), (250, 150), "round {round}");
    }
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM earnings").await, 250 * i64::from(ROUNDS));
    assert_consistent(&ctx, &f, &["2025-09", "2025-10", "2025-11"]).await;
    let premiums: i64 = ctx.scalar("SELECT CAST(SUM(premium_fen) AS BIGINT) FROM injury_premiums").await;
    assert_eq!(premiums, 250 * 7 * i64::from(ROUNDS));
}

pub async fn income_across_platforms(ctx: Ctx) {
    let f = fixture(&ctx.store, 1).await;
    let w = f.workers[0].0.as_str();
    ingest(
        &ctx,
        f.a.id,
        csv(&[
            ["a1", w, "100", "2025-09-01T10:00:00", "ride_hailing", "g1"],
            ["a2", w, "0.01", "2025-09-30T23:59:59", "ride_hailing", "g1"],
        ]),
    )
    .await;
    ingest(&ctx, f.b.id, csv(&[["b1", w, "50", "2025-09-10T10:00:00", "instant_delivery", "g2"]])).await;
    let m = ctx.store.worker_month_income(f.workers[0].1.id, ym("2025-09")).await.unwrap();
    assert_eq!((m.income_fen, m.orders), (15_001, 3));
    let by: Vec<(PlatformId, i64, i64)> = m.by_platform.iter().map(|p| (p.platform, p.income_fen, p.orders)).collect();
    assert_eq!(by, vec![(f.a.id, 10_001, 2), (f.b.id, 5_000, 1)]);
    assert_eq!(m, ctx.store.worker_month_income_from_rows(f.workers[0].1.id, ym("2025-09")).await.unwrap());
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["month"], "2025-09");
    assert_eq!(json["by_platform"][1]["platform_name"], "配送平台B");
}
