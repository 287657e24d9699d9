//! Data in: control characters in any field, CSV quotes left open and the cap on listed row
//! errors, for earnings batches (CSV and JSON lines) and worker imports.

use crate::common::*;
use flexpension_store::*;

const T: &str = "2025-09-01T10:00:00+08:00";

async fn ingest(ctx: &Ctx, p: PlatformId, body: Vec<u8>, format: Format) -> IngestReport {
    ctx.store
        .ingest_earnings(p, &zj(), std::io::Cursor::new(body), format, &IngestOptions::request(now(), None))
        .await
        .expect("a batch with bad rows is still processed")
}

fn lines_fields(r: &[RowError]) -> Vec<(u64, &str, RowErrorCode)> {
    r.iter().map(|e| (e.line, e.field, e.code)).collect()
}

pub async fn ingest_refuses_control_characters(ctx: Ctx) {
    let f = fixture(&ctx.store, 1).await;
    let w = f.workers[0].0.clone();
    // Each field in turn carries a control character; the last row carries a tab, which is data.
    let rows: Vec<[String; 6]> = vec![
        ["c1\0x".into(), w.clone(), "10".into(), T.into(), "ride_hailing".into(), "g1".into()],
        ["c2".into(), format!("{w}\0"), "10".into(), T.into(), "ride_hailing".into(), "g1".into()],
        ["c3".into(), w.clone(), "1\u{0}0".into(), T.into(), "ride_hailing".into(), "g1".into()],
        ["c4".into(), w.clone(), "10".into(), format!("{T}\u{0}"), "ride_hailing".into(), "g1".into()],
        ["c5".into(), w.clone(), "10".into(), T.into(), "ride_hailing\u{0}".into(), "g1".into()],
        ["c6".into(), w.clone(), "10".into(), T.into(), "ride_hailing".into(), "g\u{0}1".into()],
        ["c7".into(), w.clone(), "10".into(), T.into(), "ride_hailing".into(), "g1\u{1b}[2J".into()],
        ["c8\u{7f}".into(), w.clone(), "10".into(), T.into(), "ride_hailing".into(), "g1".into()],
        ["ok\t1".into(), w.clone(), "10".into(), T.into(), "ride_hailing".into(), "g1".into()],
    ];
    let refs: Vec<[&str; 6]> = rows.iter().map(|r| r.each_ref().map(String::as_str)).collect();
    let r = ingest(&ctx, f.a.id, csv(&refs), Format::Csv).await;
    assert_eq!((r.accepted, r.rejected), (1, 8), "{r:#?}");
    use RowErrorCode::Malformed;
    assert_eq!(
        lines_fields(&r.errors),
        vec![
            (2, "order_id", Malformed),
            (3, "id_number", Malformed),
            (4, "amount_yuan", Malformed),
            (5, "settled_at", Malformed),
            (6, "order_type", Malformed),
            (7, "grid", Malformed),
            (8, "grid", Malformed),
            (9, "order_id", Malformed),
        ],
        "{r:#?}"
    );
    assert!(r.errors[0].reason.contains("U+0000 NUL"), "{}", r.errors[0].reason);
    assert!(r.errors[6].reason.contains("U+001B"), "{}", r.errors[6].reason);
    // The resident ID is never quoted, not even around the NUL.
    assert!(!r.errors[1].reason.contains(&w[..10]), "{}", r.errors[1].reason);
    // Only the good row is stored, in full: nothing truncated at a NUL.
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM earnings").await, 1);
    assert_eq!(ctx.scalar("SELECT CAST(LENGTH(order_id) AS BIGINT) FROM earnings").await, 4);

    // JSON lines: an escaped NUL or escape character in any field is the same row error.
    let row = |order: &str, grid: &str| {
        format!(
            "{{\"order_id\":\"{order}\",\"id_number\":\"{w}\",\"amount_yuan\":\"10\",\"settled_at\":\"{T}\",\"order_type\":\"instant_delivery\",\"grid\":\"{grid}\"}}\n"
        )
    };
    let body = [row("j1\\u0000", "g1"), row("j2", "g2\\u0000"), row("j3", "g2\\u001b"), row("j4", "g2")].concat();
    let r = ingest(&ctx, f.a.id, body.into_bytes(), Format::JsonLines).await;
    assert_eq!((r.accepted, r.rejected), (1, 3), "{r:#?}");
    assert_eq!(lines_fields(&r.errors), vec![(1, "order_id", Malformed), (2, "grid", Malformed), (3, "grid", Malformed)]);
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM earnings").await, 2);
}

pub async fn ingest_names_an_open_quote(ctx: Ctx) {
    let f = fixture(&ctx.store, 1).await;
    let w = f.workers[0].0.as_str();
    let body = format!(
        "order_id,id_number,amount_yuan,settled_at,order_type,grid\n\
         q1,{w},10,{T},ride_hailing,g1\n\
         \"q2,{w},10,{T},ride_hailing,g1\n\
         q3,{w},10,{T},ride_hailing,g1\n\
         q4,{w},10,{T},ride_hailing,g1\n"
    );
    let r = ingest(&ctx, f.a.id, body.into_bytes(), Format::Csv).await;
    assert_eq!((r.accepted, r.rejected), (1, 1), "{r:#?}");
    assert_eq!(lines_fields(&r.errors), vec![(3, "line", RowErrorCode::Malformed)]);
    let reason = &r.errors[0].reason;
    assert!(reason.contains("quote") && reason.contains("through line 5"), "{reason}");
    assert!(!reason.contains(w), "{reason}");
    // A quoted field that closes on its line is fine.
    let body = format!("order_id,id_number,amount_yuan,settled_at,order_type,grid\n\"q5,a\",{w},10,{T},ride_hailing,g1\n");
    let r = ingest(&ctx, f.a.id, body.into_bytes(), Format::Csv).await;
    assert_eq!((r.accepted, r.rejected), (1, 0), "{r:#?}");
}

pub async fn ingest_caps_the_error_list(ctx: Ctx) {
    let f = fixture(&ctx.store, 1).await;
    let w = f.workers[0].0.as_str();
    let bad = MAX_REPORTED_ERRORS + 1_500;
    let mut body = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for i in 0..bad {
        body.push_str(&format!("b{i},{w},not-a-number,{T},ride_hailing,g1\n"));
    }
    body.push_str(&format!("good,{w},10,{T},ride_hailing,g1\n"));
    let r = ingest(&ctx, f.a.id, body.into_bytes(), Format::Csv).await;
    assert_eq!((r.accepted, r.rejected), (1, bad as u64));
    assert_eq!(r.errors.len(), MAX_REPORTED_ERRORS);
    assert_eq!(r.errors_omitted, 1_500);
    // The first errors are listed, in line order.
    assert_eq!((r.errors[0].line, r.errors[MAX_REPORTED_ERRORS - 1].line), (2, MAX_REPORTED_ERRORS as u64 + 1));
}

pub async fn import_refuses_control_characters(ctx: Ctx) {
    let s = &ctx.store;
    s.add_region("zj", "浙江省").await.unwrap();
    s.add_grid(&NewGrid { code: "g1".into(), name: "一号".into(), region: "zj".into() }).await.unwrap();
    let id = |n| worker_id_number(n);
    let csv = format!(
        "id_number,name,phone,hukou_region,grid,pension_from\n\
         {}\0,甲,13800000001,zj,g1,\n\
         {},乙\0,13800000002,zj,g1,\n\
         {},丙,1380000\u{1b}0003,zj,g1,\n\
         {},丁,13800000004,zj\0,g1,\n\
         {},戊,13800000005,zj,g1\0,\n\
         {},己,13800000006,zj,g1,2025-01\0\n\
         {},庚,13800000007,zj,g1,\n\
         \"{},辛,13800000008,zj,g1,\n\
         {},壬,13800000009,zj,g1,\n",
        id(1),
        id(2),
        id(3),
        id(4),
        id(5),
        id(6),
        id(7),
        id(8),
        id(9),
    );
    let opts = WorkerImportOptions { rows_per_batch: 3, max_errors: 100 };
    let r = s.import_workers(csv.as_bytes(), &opts).await.unwrap();
    let got: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.field)).collect();
    assert_eq!(
        got,
        vec![(2, "id_number"), (3, "name"), (4, "phone"), (5, "hukou_region"), (6, "grid"), (7, "pension_from"), (9, "line")],
        "{r:#?}"
    );
    assert!(r.errors.iter().all(|e| e.code == RowErrorCode::Malformed), "{r:#?}");
    assert!(r.errors[0].reason.contains("NUL") && !r.errors[0].reason.contains(&id(1)[..8]), "{}", r.errors[0].reason);
    assert!(r.errors[6].reason.contains("through line 10"), "{}", r.errors[6].reason);
    // The row after the open quote was swallowed by it, and the error says so.
    assert_eq!((r.added, r.rejected), (1, 7), "{r:#?}");
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM workers").await, 1);
}
