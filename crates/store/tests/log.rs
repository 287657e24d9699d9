//! The tamper-evident log on the store (docs/LOG.md), on both backends: every account event is an
//! entry; proofs from the store verify against the signed checkpoint; proof bundles verify
//! offline and name what broke when anything in them, or in the store, is changed.

mod common;

use common::*;
use flexpension_ledger::{Payer, Payment};
use flexpension_rules::YearMonth;
use flexpension_store::log::{VerifyOptions, verify_bundle};
use flexpension_store::*;
use flexpension_tlog::{Checkpoint, Hash, leaf_hash, verify_consistency, verify_inclusion, verify_note};

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

/// Workers enrolled and paid with income in 2025-09, the month closed, some payments.
async fn setup(ctx: &Ctx) -> Fixture {
    let f = fixture(&ctx.store, 6).await;
    for (_, w) in &f.workers {
        let e = NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym("2025-09"), to: None, basis: Basis::PlatformIncome };
        ctx.store.enrol(&e).await.expect("enrol");
    }
    let rows: Vec<[String; 6]> = f
        .workers
        .iter()
        .enumerate()
        .map(|(i, (idn, _))| {
            [
                format!("o{i}"),
                idn.clone(),
                format!("{}", 3000 + 700 * i),
                "2025-09-10T10:00:00+08:00".into(),
                "ride_hailing".into(),
                "g1".into(),
            ]
        })
        .collect();
    let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]]).collect();
    let r = ctx
        .store
        .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&refs)), Format::Csv, &IngestOptions::request(now(), None))
        .await
        .expect("ingest");
    assert_eq!(r.accepted, 6);
    ctx.store.close_month(&zj(), ym("2025-09"), &CloseOptions::new(ym("2025-10"))).await.expect("close");
    let w = &f.workers[0].1;
    let p = Payment { worker: w.id, payer: Payer::SelfPaid, reference: 1, amount_fen: 50_000, period: ym("2025-10") };
    ctx.store.pay(&p).await.expect("pay");
    f
}

pub async fn every_event_is_logged_and_proves(ctx: Ctx) {
    let before = ctx.store.log_integrate().await.expect("integrate");
    let f = setup(&ctx).await;
    let done = ctx.store.log_integrate().await.expect("integrate");
    // fixture: workers (one batch per add_worker); 6 enrolments; 1 earnings batch; the close's
    // journal chunk and its month_close; the payment's journal write.
    let kinds: Vec<(String, i64)> = {
        let mut v = Vec::new();
        for k in ["workers", "enrolment", "earnings_batch", "journal", "month_close"] {
            v.push((k.to_string(), ctx.scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM log_entries WHERE kind = '{k}'")).await));
        }
        v
    };
    assert_eq!(
        kinds,
        vec![
            ("workers".into(), 6),
            ("enrolment".into(), 6),
            ("earnings_batch".into(), 1),
            ("journal".into(), 2),
            ("month_close".into(), 1)
        ]
    );
    assert_eq!(ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entries WHERE log_idx IS NULL").await, 0);
    assert_eq!(ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM batches WHERE accepted > 0 AND log_idx IS NULL").await, 0);
    // The checkpoint is signed by the log's key and names the tree the store proves from.
    let note = verify_note(&done.note, &flexpension_tlog::NoteVerifier::parse(&ctx.store.log_keys().verifier_key()).expect("vkey"))
        .expect("signed");
    let cp = Checkpoint::parse(&note.text).expect("checkpoint");
    assert_eq!((cp.size, cp.root), (done.size, done.root));
    for i in 0..done.size {
        let (leaf, root, proof) = ctx.store.log_inclusion(i, done.size).await.expect("inclusion");
        assert_eq!(root, cp.root);
        let (body, _) = ctx.store.log_entry(i).await.expect("entry");
        assert_eq!(leaf, leaf_hash(&body));
        verify_inclusion(&leaf, i, done.size, &proof, &cp.root).expect("verifies");
    }
    // Consistency between every earlier size and now.
    for old in [1, before.size.max(1), done.size / 2, done.size - 1] {
        let (o, n, proof) = ctx.store.log_consistency(old, done.size).await.expect("consistency");
        assert_eq!(n, cp.root);
        verify_consistency(old, done.size, &o, &n, &proof).expect("consistent");
    }
    // Integrating again changes nothing; a size beyond the tree is an input error.
    assert_eq!(ctx.store.log_integrate().await.expect("again").size, done.size);
    assert!(matches!(ctx.store.log_inclusion(0, done.size + 1).await, Err(StoreError::Invalid { .. })));
    let _ = f;
}

pub async fn bundles_verify_offline(ctx: Ctx) {
    let f = setup(&ctx).await;
    ctx.store.log_integrate().await.expect("integrate");
    let (idn, w) = &f.workers[0];
    let b = ctx.store.bundle_worker_month(w.id, ym("2025-09"), 0).await.expect("bundle");
    let r = verify_bundle(&b, &verify_opts(&ctx, Some(idn)));
    assert!(r.ok(), "{}", r.to_text());
    assert!(r.checks.iter().any(|c| c.name == "ID number" && c.ok));
    // Another person's ID number is caught.
    let r = verify_bundle(&b, &verify_opts(&ctx, Some(&f.workers[1].0)));
    assert!(!r.ok() && r.checks.iter().any(|c| c.name == "ID number" && !c.ok), "{}", r.to_text());
    // A changed figure in the record breaks its row proof, and says so.
    let mut t = b.clone();
    let row = t.proofs[0].row.as_mut().expect("row");
    row.data = row.data.replacen("\"postings\"", "\"x\":1,\"postings\"", 1);
    let r = verify_bundle(&t, &verify_opts(&ctx, None));
    assert!(r.checks.iter().any(|c| c.name == "month_close row in its batch" && !c.ok), "{}", r.to_text());
    // A changed entry no longer leads to the checkpoint's root.
    let mut t = b.clone();
    t.proofs[0].entry = t.proofs[0].entry.replace("\"op\":\"close\"", "\"op\":\"clos\"");
    let r = verify_bundle(&t, &verify_opts(&ctx, None));
    assert!(r.checks.iter().any(|c| c.name == "month_close entry in the log" && !c.ok && c.detail.contains("root")), "{}", r.to_text());
    // A changed checkpoint fails its signature; another log's key is refused.
    let mut t = b.clone();
    t.checkpoint = t.checkpoint.replacen('\n', "\n1", 1);
    assert!(verify_bundle(&t, &verify_opts(&ctx, None)).checks.iter().any(|c| c.name == "checkpoint signature" && !c.ok));
    let other = flexpension_tlog::NoteSigner::generate("flexpension.zj/log");
    let o = VerifyOptions { log_key: other.verifier_key(), ..verify_opts(&ctx, None) };
    assert!(!verify_bundle(&b, &o).ok());
    // After a correction (more income found, the month closed again) the bundle proves the
    // close that stands.
    let extra = [["o0-late", idn.as_str(), "2500", "2025-09-20T10:00:00+08:00", "ride_hailing", "g1"]];
    ctx.store
        .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&extra)), Format::Csv, &IngestOptions::request(now(), None))
        .await
        .expect("ingest");
    let reopen = CloseOptions { reopen: true, ..CloseOptions::new(ym("2025-10")) };
    ctx.store.close_month(&zj(), ym("2025-09"), &reopen).await.expect("reclose");
    ctx.store.log_integrate().await.expect("integrate");
    let b2 = ctx.store.bundle_worker_month(w.id, ym("2025-09"), 0).await.expect("bundle after correction");
    let r = verify_bundle(&b2, &verify_opts(&ctx, Some(idn)));
    assert!(r.ok(), "{}", r.to_text());
    let row = &b2.proofs[0].row.as_ref().expect("row").data;
    assert!(row.contains("/close/2025-09/1"), "{row}");
    // A platform's order row.
    let b = ctx.store.bundle_order(f.a.id, "o3", 0).await.expect("order bundle");
    let r = verify_bundle(&b, &verify_opts(&ctx, None));
    assert!(r.ok(), "{}", r.to_text());
    assert!(r.summary.iter().any(|l| l.contains("\"order_id\":\"o3\"")));
    // Not the other platform's.
    assert!(matches!(ctx.store.bundle_order(f.b.id, "o3", 0).await, Err(StoreError::NotFound { .. })));
    // A quorum nobody met: no checkpoint to prove against.
    assert!(matches!(ctx.store.bundle_order(f.a.id, "o3", 1).await, Err(StoreError::NotFound { .. })));
}

pub async fn tampered_store_is_caught(ctx: Ctx) {
    let f = setup(&ctx).await;
    let done = ctx.store.log_integrate().await.expect("integrate");
    let w = &f.workers[2].1;
    ctx.store.bundle_worker_month(w.id, ym("2025-09"), 0).await.expect("bundle before");
    let drop_triggers = match ctx.kind {
        Kind::Sqlite => "DROP TRIGGER journal_entries_no_update; DROP TRIGGER log_hashes_no_update; DROP TRIGGER log_entries_no_update;",
        Kind::Postgres => {
            "DROP TRIGGER journal_entries_append_only ON journal_entries; DROP TRIGGER log_hashes_append_only ON log_hashes; DROP TRIGGER log_entries_append_only ON log_entries;"
        }
    };
    ctx.sql(drop_triggers).await;
    assert!(ctx.store.log_audit().await.expect("audit").ok(), "an untouched log audits clean");
    // A changed record: the store refuses to prove it (the logged row differs).
    ctx.sql(&format!("UPDATE journal_entries SET base_fen = base_fen + 1 WHERE worker_id = {} AND kind = 'month_close'", w.id.0)).await;
    let e = ctx.store.bundle_worker_month(w.id, ym("2025-09"), 0).await.expect_err("tampered record");
    assert!(e.to_string().contains("differs"), "{e}");
    // A changed stored hash: proofs from it no longer lead to the signed root.
    let cp_root = done.root;
    ctx.sql("UPDATE log_hashes SET hash = hash WHERE id = 0").await;
    let first = ctx.scalar("SELECT CAST(MIN(id) AS BIGINT) FROM log_hashes").await;
    let blob = match ctx.kind {
        Kind::Sqlite => "X'0000000000000000000000000000000000000000000000000000000000000000'",
        Kind::Postgres => "'\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea",
    };
    ctx.sql(&format!("UPDATE log_hashes SET hash = {blob} WHERE id = {first}")).await;
    // Leaf 0's hash is leaf 1's sibling: leaf 1's proof from storage no longer verifies.
    let (leaf, _, proof) = ctx.store.log_inclusion(1, done.size).await.expect("inclusion");
    let err = verify_inclusion(&leaf, 1, done.size, &proof, &cp_root).expect_err("changed node");
    assert!(err.to_string().contains("root"), "{err}");
    // A changed entry: its leaf no longer proves into the signed root.
    ctx.sql("UPDATE log_entries SET kind = kind WHERE idx = 3").await;
    let (body, _) = ctx.store.log_entry(3).await.expect("entry");
    let mut changed = body.clone();
    changed.push(b' ');
    let (_, _, proof3) = ctx.store.log_inclusion(3, done.size).await.expect("inclusion");
    let err = verify_inclusion(&leaf_hash(&changed), 3, done.size, &proof3, &cp_root).expect_err("changed entry");
    assert!(err.to_string().contains("root"), "{err}");
    // The audit recomputes everything and names each change: the hash, an entry, a checkpoint.
    let audit = ctx.store.log_audit().await.expect("audit");
    assert!(audit.problems.iter().any(|p| p.starts_with(&format!("entry 0: its stored leaf hash (hash {first})"))), "{:?}", audit.problems);
    let body3 = match ctx.kind {
        Kind::Sqlite => "UPDATE log_entries SET body = body || X'20' WHERE idx = 3",
        Kind::Postgres => "UPDATE log_entries SET body = body || '\\x20'::bytea WHERE idx = 3",
    };
    ctx.sql(body3).await;
    ctx.sql(&format!(
        "UPDATE log_checkpoints SET note = replace(note, '\n{}\n', '\n{}\n') WHERE size = {}",
        done.size,
        done.size + 1,
        done.size
    ))
    .await;
    let audit = ctx.store.log_audit().await.expect("audit");
    assert!(audit.problems.iter().any(|p| p.starts_with("entry 3:")), "{:?}", audit.problems);
    assert!(audit.problems.iter().any(|p| p.starts_with(&format!("checkpoint {}:", done.size))), "{:?}", audit.problems);
    let _: Hash = leaf;
}

pub async fn voucher_is_logged(ctx: Ctx) {
    let f = setup(&ctx).await;
    let w = &f.workers[0].1;
    let note = flexpension_tlog::sign_note("{\"voucher\":1}\n", &ctx.store.log_keys().signer).expect("sign");
    let idx = ctx.store.record_voucher("ZJ-TEST-1", w.id, &note).await.expect("record");
    ctx.store.log_integrate().await.expect("integrate");
    let (v, mut b) = ctx.store.bundle_voucher("ZJ-TEST-1", 0).await.expect("bundle");
    assert_eq!((v.log_idx, v.worker), (idx, w.id.0));
    // The public entry says a voucher was issued, not which or whose: the note's digest only.
    let entry: serde_json::Value = serde_json::from_str(&b.proofs[0].entry).expect("entry");
    assert_eq!(entry["v"], 2, "{entry}");
    let digest = flexpension_tlog::Hash(<sha2::Sha256 as sha2::Digest>::digest(note.as_bytes()).into()).to_hex();
    assert_eq!(entry["data"], serde_json::json!({ "digest": digest }), "{entry}");
    assert!(!b.proofs[0].entry.contains("ZJ-TEST-1") && !b.proofs[0].entry.contains("worker"), "{entry}");
    b.voucher = Some(v.note.clone());
    let r = verify_bundle(&b, &verify_opts(&ctx, None));
    assert!(r.ok(), "{}", r.to_text());
    // One changed character of the voucher: its signature fails.
    b.voucher = Some(v.note.replace("\"voucher\":1", "\"voucher\":2"));
    let r = verify_bundle(&b, &verify_opts(&ctx, None));
    assert!(r.checks.iter().any(|c| c.name == "voucher" && !c.ok), "{}", r.to_text());
    // A bundle stripped of its proofs proves nothing.
    let mut empty = b.clone();
    empty.proofs.clear();
    let r = verify_bundle(&empty, &verify_opts(&ctx, None));
    assert!(!r.ok() && r.checks.iter().any(|c| c.name == "record" && !c.ok), "{}", r.to_text());
    // The same id twice is refused and logs nothing.
    let size = ctx.store.log_integrate().await.expect("integrate").size;
    assert!(ctx.store.record_voucher("ZJ-TEST-1", w.id, &note).await.is_err());
    assert_eq!(ctx.scalar("SELECT CAST(size AS BIGINT) FROM log_head").await as u64, size);
    // A worker's latest voucher; none for another worker.
    assert_eq!(ctx.store.latest_voucher(w.id).await.expect("latest").map(|v| v.id), Some("ZJ-TEST-1".to_string()));
    let second = flexpension_tlog::sign_note("{\"voucher\":2}\n", &ctx.store.log_keys().signer).expect("sign");
    ctx.store.record_voucher("ZJ-TEST-2", w.id, &second).await.expect("record");
    assert_eq!(ctx.store.latest_voucher(w.id).await.expect("latest").map(|v| v.id), Some("ZJ-TEST-2".to_string()));
    assert_eq!(ctx.store.latest_voucher(f.workers[1].1.id).await.expect("latest"), None);
}

/// Workers registered by an import (in bulk: a batch's `workers` and `enrolments` entries, each
/// row naming its entry) prove like those added one by one: the bundle of a closed month
/// verifies, with the worker's ID opened.
pub async fn imported_workers_prove(ctx: Ctx) {
    let s = &ctx.store;
    s.add_region("zj", "浙江省").await.expect("region");
    s.add_grid(&NewGrid { code: "g1".into(), name: "一号".into(), region: "zj".into() }).await.expect("grid");
    let ids: Vec<String> = (0..5).map(worker_id_number).collect();
    let mut input = String::from("id_number,name,phone,hukou_region,grid,pension_from\n");
    for (i, id) in ids.iter().enumerate() {
        input.push_str(&format!("{id},工人{i},1380000000{i},zj,g1,2025-09\n"));
    }
    // The first worker again in the same batch: a duplicate, enrolled once.
    input.push_str(&format!("{},工人0,13800000000,zj,g1,2025-09\n", ids[0]));
    let r = s.import_workers(input.as_bytes(), &WorkerImportOptions { rows_per_batch: 4, max_errors: 10 }).await.expect("import");
    assert_eq!((r.added, r.duplicate, r.enrolled, r.rejected, r.conflicting), (5, 1, 5, 0, 0), "{r:#?}");
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM workers WHERE log_idx IS NULL").await, 0);
    assert_eq!(ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM log_entries WHERE kind = 'workers'").await, 2);
    assert_eq!(ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM log_entries WHERE kind = 'enrolments'").await, 2);
    let (a, _) = s
        .add_platform(&NewPlatform { name: "A".into(), uscc: USCC_A.into(), revenue_band: RevenueBand::From100m, injury_high_level: false })
        .await
        .expect("platform");
    let rows: Vec<[&str; 6]> = vec![["i1", &ids[4], "3000", "2025-09-10T10:00:00+08:00", "ride_hailing", "g1"]];
    let opts_in = IngestOptions::request(now(), None);
    let got = s.ingest_earnings(a.id, &zj(), std::io::Cursor::new(csv(&rows)), Format::Csv, &opts_in).await.expect("ingest");
    assert_eq!(got.accepted, 1);
    s.close_month(&zj(), ym("2025-09"), &CloseOptions::new(ym("2025-10"))).await.expect("close");
    s.log_integrate().await.expect("integrate");
    let w = s.find_worker(&ids[4]).await.expect("find").expect("registered");
    let b = s.bundle_worker_month(w.id, ym("2025-09"), 0).await.expect("bundle");
    let v = verify_bundle(&b, &verify_opts(&ctx, Some(&ids[4])));
    assert!(v.ok(), "{}", v.to_text());
    assert!(v.checks.iter().any(|c| c.name == "ID number" && c.ok));
}

mod cases {
    pub use super::{
        bundles_verify_offline, every_event_is_logged_and_proves, imported_workers_prove, tampered_store_is_caught, voucher_is_logged,
    };
}

// Each case on each backend: `sqlite::case` and `postgres::case`.
mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_event_is_logged_and_proves() {
        run(Kind::Sqlite, cases::every_event_is_logged_and_proves).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bundles_verify_offline() {
        run(Kind::Sqlite, cases::bundles_verify_offline).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn imported_workers_prove() {
        run(Kind::Sqlite, cases::imported_workers_prove).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tampered_store_is_caught() {
        run(Kind::Sqlite, cases::tampered_store_is_caught).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn voucher_is_logged() {
        run(Kind::Sqlite, cases::voucher_is_logged).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_event_is_logged_and_proves() {
        run(Kind::Postgres, cases::every_event_is_logged_and_proves).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bundles_verify_offline() {
        run(Kind::Postgres, cases::bundles_verify_offline).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn imported_workers_prove() {
        run(Kind::Postgres, cases::imported_workers_prove).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tampered_store_is_caught() {
        run(Kind::Postgres, cases::tampered_store_is_caught).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn voucher_is_logged() {
        run(Kind::Postgres, cases::voucher_is_logged).await;
    }
}
