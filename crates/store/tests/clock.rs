//! The store reads no clock of its own: every time it writes comes from the clock it was opened
//! with. With a fixed clock, each stored `*_at_us` is exactly the time the clock said.

mod common;

use common::*;
use flexpension_rules::YearMonth;
use flexpension_store::log::entry::Record;
use flexpension_store::*;
use std::sync::Arc;

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

/// 2026-01-02T03:04:05.000006Z and later, steps of a day: far from the real time.
const T0: i64 = 1_767_323_045_000_006;
const DAY: i64 = 86_400_000_000;

/// The time in the body of the last log entry of `kind`, and in its row.
async fn entry_time(ctx: &Ctx, kind: &str) -> (i64, i64) {
    let idx = ctx.scalar(&format!("SELECT MAX(idx) FROM log_entries WHERE kind = '{kind}'")).await;
    let (body, _) = ctx.store.log_entry(idx as u64).await.expect("entry");
    let rec: Record = serde_json::from_slice(&body).expect("record");
    assert_eq!(rec.kind, kind);
    (rec.at_us, ctx.scalar(&format!("SELECT at_us FROM log_entries WHERE idx = {idx}")).await)
}

async fn fixed_clock_times_are_stored(kind: Kind) {
    let clock = Arc::new(FixedClock::new(T0));
    let Some(ctx) = Ctx::with_options(kind, OpenOptions { clock: clock.clone(), ..OpenOptions::default() }).await else { return };
    let f = fixture(&ctx.store, 2).await;
    assert_eq!(ctx.scalar("SELECT MIN(created_at_us) FROM workers").await, T0);
    assert_eq!(ctx.scalar("SELECT MAX(created_at_us) FROM platforms").await, T0);
    assert_eq!(entry_time(&ctx, "workers").await, (T0, T0));

    clock.set(T0 + DAY);
    for (_, w) in &f.workers {
        let e = NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym("2025-09"), to: None, basis: Basis::PlatformIncome };
        ctx.store.enrol(&e).await.expect("enrol");
    }
    assert_eq!(ctx.scalar("SELECT MAX(created_at_us) FROM enrolments").await, T0 + DAY);
    assert_eq!(entry_time(&ctx, "enrolment").await, (T0 + DAY, T0 + DAY));

    clock.set(T0 + DAY + 1);
    let id = worker_id_number(99);
    let input = format!("id_number,name,phone,hukou_region,grid,pension_from\n{id},工人99,13800000099,zj,g1,2025-09\n");
    let imported = ctx.store.import_workers(input.as_bytes(), &WorkerImportOptions::default()).await.expect("import");
    assert_eq!((imported.added, imported.enrolled), (1, 1));
    assert_eq!(ctx.scalar("SELECT MAX(created_at_us) FROM workers").await, T0 + DAY + 1);
    assert_eq!(entry_time(&ctx, "workers").await, (T0 + DAY + 1, T0 + DAY + 1));
    assert_eq!(entry_time(&ctx, "enrolments").await, (T0 + DAY + 1, T0 + DAY + 1));

    // The ingest's own `now` decides which settlement times are in the future and when the
    // batch was received; the batch's log entry is stamped by the store's clock.
    clock.set(T0 + 2 * DAY);
    let body = csv(&[["o1", f.workers[0].0.as_str(), "100", "2025-09-10T10:00:00+08:00", "ride_hailing", "g1"]]);
    let r = ctx
        .store
        .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(body), Format::Csv, &IngestOptions::request(now(), None))
        .await
        .expect("ingest");
    assert_eq!(r.accepted, 1);
    assert_eq!(ctx.scalar("SELECT MAX(received_at_us) FROM batches").await, now().timestamp_micros());
    assert_eq!(entry_time(&ctx, "earnings_batch").await, (T0 + 2 * DAY, T0 + 2 * DAY));

    clock.set(T0 + 3 * DAY);
    let closed = ctx.store.close_month(&zj(), ym("2025-09"), &CloseOptions::new(ym("2025-10"))).await.expect("close");
    assert_eq!(closed.close.expect("recorded").at_us, T0 + 3 * DAY);
    assert_eq!(ctx.store.month_close(ym("2025-09")).await.expect("read").expect("recorded").at_us, T0 + 3 * DAY);
    assert_eq!(entry_time(&ctx, "journal").await, (T0 + 3 * DAY, T0 + 3 * DAY));
    assert_eq!(entry_time(&ctx, "month_close").await, (T0 + 3 * DAY, T0 + 3 * DAY));

    clock.set(T0 + 4 * DAY);
    let done = ctx.store.log_integrate().await.expect("integrate");
    assert_eq!(ctx.scalar(&format!("SELECT at_us FROM log_checkpoints WHERE size = {}", done.size)).await, T0 + 4 * DAY);
    ctx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_fixed_clock_times_are_stored() {
    fixed_clock_times_are_stored(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_fixed_clock_times_are_stored() {
    fixed_clock_times_are_stored(Kind::Postgres).await;
}
