//! The transfer between two regions' stores (one SQLite, one PostgreSQL, both ways round): a
//! worker with 36 paid months in Zhejiang moves to Anhui; the messages go from one store's
//! outbox to the other's inbox as the server's delivery job would carry them (repeated, to
//! check the handlers run once); and the refusals.

mod common;

use common::*;
use flexpension_ledger::{Payer, Payment};
use flexpension_rules::{Params, YearMonth};
use flexpension_store::*;
use flexpension_tlog::message::AgeWindow;
use std::sync::Arc;

/// The shipped parameters with test holiday calendars for the years the transfer's deadlines
/// fall in.
static TEST_PARAMS: std::sync::LazyLock<Params> =
    std::sync::LazyLock::new(|| flexpension_testkit::params::with_test_calendars().expect("test parameters"));

fn scenario() -> flexpension_rules::Scenario<'static> {
    TEST_PARAMS.scenario("zj", None, None).expect("zj")
}

const WINDOW: AgeWindow = AgeWindow { max_age_s: 600, max_ahead_s: 60 };

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

/// The 36 months paid in Zhejiang.
fn months() -> Vec<YearMonth> {
    (0..36).map(|i| ym("2025-01").add_months(i).expect("month")).collect()
}

/// Both stores' time: 2028-01-14 10:00 in China.
fn clock_now() -> chrono::DateTime<chrono::Utc> {
    "2028-01-14T02:00:00Z".parse().expect("time")
}

async fn open(kind: Kind, region: &str, clock: &Arc<FixedClock>) -> Option<Ctx> {
    Ctx::with_options(kind, OpenOptions { region: Some(region.into()), clock: clock.clone(), ..OpenOptions::default() }).await
}

/// Zhejiang (the sender): worker 0 enrolled from 2023-01 with income every month, 36 months
/// closed and paid in full. Gives the worker's ID number and id.
async fn zj_worker(s: &Store) -> (String, WorkerId) {
    let f = fixture(s, 2).await;
    let (idn, w) = (f.workers[0].0.clone(), f.workers[0].1.id);
    s.enrol(&NewEnrolment { worker: w, scheme: Scheme::EmployeePension, from: ym("2025-01"), to: None, basis: Basis::PlatformIncome })
        .await
        .expect("enrol");
    let rows: Vec<[String; 6]> = months()
        .iter()
        .enumerate()
        .map(|(k, m)| [format!("o{k}"), idn.clone(), "6000".into(), format!("{m}-10T10:00:00+08:00"), "ride_hailing".into(), "g1".into()])
        .collect();
    let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]]).collect();
    let r = s
        .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&refs)), Format::Csv, &IngestOptions::request(clock_now(), None))
        .await
        .expect("ingest");
    assert_eq!(r.rejected, 0, "{r:#?}");
    for m in months() {
        s.close_month(&scenario(), m, &CloseOptions::new(ym("2028-01"))).await.expect("close");
    }
    let owed = s.worker_statement(w, 3).await.expect("statement").arrears_fen;
    s.pay(&Payment { worker: w, payer: Payer::SelfPaid, reference: 1, amount_fen: owed, period: ym("2028-01") }).await.expect("pay");
    let st = s.worker_statement(w, 3).await.expect("statement");
    assert_eq!((st.months_paid, st.arrears_fen), (36, 0));
    (idn, w)
}

/// Anhui (the receiver): the same person registered there.
async fn ah_worker(s: &Store, idn: &str) -> WorkerId {
    s.add_region("ah", "安徽省").await.expect("region");
    s.add_grid(&NewGrid { code: "h1".into(), name: "合肥市蜀山区1号网格".into(), region: "ah".into() }).await.expect("grid");
    let w = s
        .add_worker(&NewWorker {
            id_number: idn.into(),
            name: "张三".into(),
            phone: "13800000001".into(),
            hukou_region: "340102".into(),
            home_grid: "h1".into(),
        })
        .await
        .expect("worker");
    w.id
}

async fn peer(a: &Store, a_code: &str, b: &Store, b_code: &str) {
    let p = NewPeer { code: b_code.into(), url: "http://127.0.0.1:9".into(), verifier_key: b.log_keys().verifier_key() };
    a.add_peer(a_code, &p, false).await.expect("peer");
}

/// Carry every due message from `from` to `to` (each delivered twice), then let `to` handle
/// its inbox. Gives how many were carried.
async fn carry(from: &Store, to: &Store, to_code: &str) -> usize {
    let due = from.due_agency_messages(100).await.expect("due");
    for m in &due {
        let a = to.receive_agency_message(to_code, &m.signed, WINDOW).await.expect("received");
        assert_eq!(to.receive_agency_message(to_code, &m.signed, WINDOW).await.expect("again"), a, "replayed: the same ack");
        from.agency_message_delivered(m.row).await.expect("delivered");
    }
    to.handle_agency_messages(&TEST_PARAMS).await.expect("handled");
    assert_eq!(to.handle_agency_messages(&TEST_PARAMS).await.expect("nothing left"), 0);
    due.len()
}

async fn pump(zj: &Store, ah: &Store) {
    for _ in 0..10 {
        let n = carry(ah, zj, "zj").await + carry(zj, ah, "ah").await;
        if n == 0 {
            return;
        }
    }
    panic!("messages still flowing after 10 rounds");
}

fn fund(balances: &[(String, i64)], account: &str) -> i64 {
    balances.iter().filter(|(a, _)| a == account).map(|(_, v)| v).sum()
}

/// Both stores on one clock.
async fn both(sender: Kind, receiver: Kind, case: impl AsyncFnOnce(&Store, &Store, &FixedClock)) {
    let clock = Arc::new(FixedClock::new(clock_now().timestamp_micros()));
    let Some(zj) = open(sender, "zj", &clock).await else { return };
    let Some(ah) = open(receiver, "ah", &clock).await else {
        zj.cleanup().await;
        return;
    };
    case(&zj.store, &ah.store, &clock).await;
    zj.cleanup().await;
    ah.cleanup().await;
}

async fn completes(zj: &Store, ah: &Store, clock: &FixedClock) {
    let (idn, zw) = zj_worker(zj).await;
    let aw = ah_worker(ah, &idn).await;
    peer(zj, "zj", ah, "ah").await;
    peer(ah, "ah", zj, "zj").await;
    let before_zj = zj.account_balances().await.unwrap();
    let pa_before = -fund(&before_zj, &format!("pa/{}", zw.0));
    let pool_before = fund(&before_zj, "pooling");
    assert!(pa_before > 0 && pool_before < 0);

    // The worker's preview first: the sender answers what would move, and nothing is written.
    let req = ah.quote_request(&TEST_PARAMS, &idn, "zj").await.expect("quote request");
    let answer = zj.answer_quote(&TEST_PARAMS, "zj", &req.signed, WINDOW).await.expect("answer");
    let q = ah.read_quote("zj", &req, &answer, WINDOW).await.expect("read the answer");
    assert_eq!((q.refusal.as_deref(), q.months, q.from.as_str()), (None, 36, "zj"), "{q:#?}");
    assert_eq!((q.first_month.as_deref(), q.last_month.as_deref()), (Some("2025-01"), Some("2027-12")));
    assert_eq!(q.total_fen, q.account_fen + q.pool_transfer_fen);
    assert!(q.steps.iter().any(|s| s.zh.contains("国办发") && s.en.contains("Article 4")), "{:#?}", q.steps);
    assert!(q.steps.iter().any(|s| s.en.contains("interest")), "the interest is explained");
    assert_eq!((zj.freeze(zw).await.unwrap(), zj.transfers().await.unwrap().len(), zj.agency_inbox().await.unwrap().len()), (None, 0, 0));
    // The confirm form carries the ID number sealed: it opens for this worker only, unchanged,
    // within its time.
    let sealed = ah.seal_id_for_form(aw, &idn).expect("seal");
    assert!(!sealed.contains(&idn) && !sealed.to_ascii_uppercase().contains(&idn[6..14]));
    assert_eq!(ah.open_id_from_form(aw, &sealed).expect("open"), idn);
    assert!(ah.open_id_from_form(WorkerId(aw.0 + 1), &sealed).is_err(), "another worker's");
    let flipped = format!("{}{}", &sealed[..40], if &sealed[40..41] == "A" { "B" } else { "A" }) + &sealed[41..];
    assert!(ah.open_id_from_form(aw, &flipped).is_err(), "a changed byte");
    assert!(ah.open_id_from_form(aw, "zz").is_err() && ah.open_id_from_form(aw, "").is_err());
    assert!(zj.open_id_from_form(aw, &sealed).is_err(), "another store's key");
    clock.set(clock_now().timestamp_micros() + (FORM_SEAL_SECONDS + 1) * 1_000_000);
    assert!(ah.open_id_from_form(aw, &sealed).is_err(), "too old");
    clock.set(clock_now().timestamp_micros());
    let other = ah.quote_request(&TEST_PARAMS, &idn, "zj").await.expect("a second question");
    assert!(ah.read_quote("zj", &other, &answer, WINDOW).await.is_err(), "an answer to another question");
    let forged = req.signed.replacen("\"id_number\"", "\"id_numbex\"", 1);
    assert!(matches!(zj.answer_quote(&TEST_PARAMS, "zj", &forged, WINDOW).await, Err(StoreError::Message(_))), "an edited question");
    assert!(zj.answer_quote(&TEST_PARAMS, "zj", &answer.replace("transfer.quoted", "transfer.quote"), WINDOW).await.is_err());
    assert!(matches!(
        ah.quote_request(&TEST_PARAMS, "110101199001011237", "zj").await,
        Err(StoreError::NotFound { .. } | StoreError::Invalid { .. })
    ));
    assert!(matches!(ah.quote_request(&TEST_PARAMS, &idn, "js").await, Err(StoreError::NotFound { what: "peer", .. })));

    let (t, new) = ah.request_transfer(&TEST_PARAMS, &idn, "zj").await.expect("request");
    assert!(new);
    assert_eq!((t.state.as_str(), t.direction.as_str(), t.peer.as_str()), ("applied", "in", "zj"));
    assert!(t.due.is_some() && !t.overdue);
    let (again, new) = ah.request_transfer(&TEST_PARAMS, &idn, "zj").await.expect("again");
    assert!(!new && again.id == t.id, "a second request while one is open gives the same transfer");

    pump(zj, ah).await;

    let got = ah.transfer(&t.id).await.unwrap().unwrap();
    let sent = zj.transfer(&t.id).await.unwrap().unwrap();
    assert_eq!((got.state.as_str(), sent.state.as_str()), ("completed", "completed"), "{got:#?} {sent:#?}");
    assert_eq!((got.months, sent.months), (36, 36));
    assert_eq!(got.pool_transfer_fen, sent.pool_transfer_fen);
    assert_eq!(got.account_fen, sent.account_fen);
    assert_eq!(
        (q.months, q.pool_transfer_fen, q.account_fen, q.interest_fen),
        (sent.months, sent.pool_transfer_fen, sent.account_fen, sent.interest_fen),
        "the preview was what moved"
    );
    assert!(got.account_fen >= pa_before, "the balance moves with interest to the transfer month");
    // Article 4: 12% of the bases of the months paid.
    let bases: i64 = zj.worker_statement(zw, 3).await.unwrap().months.iter().map(|m| m.base_fen).sum();
    assert_eq!(sent.pool_transfer_fen, (bases * 12 + 50) / 100);

    // Both ledgers balance; over both regions every fund is unchanged and the clearing
    // accounts cancel.
    assert_eq!((zj.trial_balance().await.unwrap(), ah.trial_balance().await.unwrap()), (0, 0));
    let (bz, ba) = (zj.account_balances().await.unwrap(), ah.account_balances().await.unwrap());
    assert_eq!(fund(&bz, "region/ah") + fund(&ba, "region/zj"), 0);
    assert_eq!(fund(&ba, "region/zj"), sent.account_fen + sent.pool_transfer_fen);
    assert_eq!(fund(&bz, &format!("pa/{}", zw.0)), 0, "nothing left in the sender's personal account");
    assert_eq!(-fund(&ba, &format!("pa/{}", aw.0)), sent.account_fen);
    assert_eq!(fund(&bz, "pooling") + fund(&ba, "pooling"), pool_before, "the pooling fund over both regions");
    assert_eq!(fund(&bz, "pooling") - pool_before, sent.pool_transfer_fen);
    assert_eq!(fund(&bz, "interest") + fund(&ba, "interest"), sent.interest_fen + fund(&before_zj, "interest"));

    // The months and years once, at the receiver; none left at the sender.
    let r = ah.months_by_region(aw).await.unwrap();
    assert_eq!((r.months, r.years), (36, 3));
    assert_eq!(r.by_region, vec![RegionMonths { region: "zj".into(), months: 36, years: 3 }]);
    assert_eq!(zj.months_by_region(zw).await.unwrap().months, 0);
    // Article 6 on the result: the hukou is in Anhui and the relationship is here now: rule 1.
    let bp = ah.benefit_place(&TEST_PARAMS, aw).await.unwrap().expect("a benefit place");
    assert_eq!((bp.value.place.as_str(), bp.value.rule, bp.value.current.as_deref()), ("ah", 1, Some("ah")), "{bp:#?}");
    assert!(bp.steps.iter().any(|t| t.en.contains("zj 3")), "the years by place: {:#?}", bp.steps);
    assert!(zj.benefit_place(&TEST_PARAMS, zw).await.unwrap().is_none(), "nothing counted at the sender any more");

    // The sender unfroze the worker and ended the enrolment; its voucher verifies offline.
    assert_eq!(zj.freeze(zw).await.unwrap(), None);
    assert!(zj.enrolments(zw).await.unwrap().iter().all(|e| e.to == Some(ym("2027-12"))), "ended the month before");
    // The receiver continues the insurance from the transfer month, with no gap and no month twice.
    let here = ah.enrolments(aw).await.unwrap();
    assert_eq!(here.iter().map(|e| (e.scheme, e.from, e.to)).collect::<Vec<_>>(), vec![(Scheme::EmployeePension, ym("2028-01"), None)]);
    let bundle: flexpension_store::log::bundle::ProofBundle = serde_json::from_str(got.bundle.as_deref().unwrap()).unwrap();
    let opts = flexpension_store::log::bundle::VerifyOptions {
        log_key: zj.log_keys().verifier_key(),
        witness_keys: vec![],
        quorum: None,
        id_number: None,
    };
    assert!(flexpension_store::log::bundle::verify_bundle(&bundle, &opts).ok());
    let v = TransferVoucher::from_note(got.voucher.as_deref().unwrap()).unwrap();
    assert_eq!((v.months.len(), v.years, v.from.as_str(), v.to.as_str()), (36, 3, "zj", "ah"));

    // Every step is in both logs, and both audits hold.
    zj.log_integrate().await.unwrap();
    ah.log_integrate().await.unwrap();
    assert!(zj.log_audit().await.unwrap().ok());
    assert!(ah.log_audit().await.unwrap().ok());

    // The receiver's list: the one transfer, over; nothing overdue.
    let list = ah.transfers().await.unwrap();
    assert_eq!((list.len(), list[0].overdue, list[0].due), (1, false, None));
    assert_eq!(zj.agency_outbox().await.unwrap().iter().filter(|m| m.delivered_at_us.is_none()).count(), 0);
}

async fn refusals(zj: &Store, ah: &Store, clock: &FixedClock) {
    let (idn, zw) = zj_worker(zj).await;
    // Not a peer yet.
    assert!(matches!(ah.request_transfer(&TEST_PARAMS, &idn, "zj").await, Err(StoreError::NotFound { what: "peer", .. })));
    peer(zj, "zj", ah, "ah").await;
    peer(ah, "ah", zj, "zj").await;
    assert!(matches!(ah.request_transfer(&TEST_PARAMS, &idn, "js").await, Err(StoreError::NotFound { what: "peer", .. })));
    assert!(matches!(ah.request_transfer(&TEST_PARAMS, &idn, "ah").await, Err(StoreError::Invalid { field: "from", .. })));
    // Not registered at the receiver.
    let e = ah.request_transfer(&TEST_PARAMS, &idn, "zj").await.expect_err("not registered");
    assert!(matches!(e, StoreError::NotFound { .. }) && !e.to_string().contains(&idn[6..14]), "{e}");
    assert!(ah.transfers().await.unwrap().is_empty(), "nothing half-done");

    // Registered here but unknown at the sender: refused with the reason, nothing frozen.
    let other = worker_id_number(7);
    let aw = ah_worker(ah, &other).await;
    // The temporary-account rule (article 6): at 52, with the hukou in Zhejiang, moving to Anhui
    // keeps the relationship where it is: the preview and the application are refused with the
    // rule, nothing written. With the hukou in Anhui (moving home), the same age moves in full.
    for (n, hukou) in [(9, "330106"), (10, "340102")] {
        let idn = flexpension_testkit::worker_id(n, 1975..1976);
        let nw = NewWorker {
            id_number: idn,
            name: "王五".into(),
            phone: format!("138000000{n:02}"),
            hukou_region: hukou.into(),
            home_grid: "h1".into(),
        };
        ah.add_worker(&nw).await.unwrap();
    }
    let (away, home) = (flexpension_testkit::worker_id(9, 1975..1976), flexpension_testkit::worker_id(10, 1975..1976));
    let before = ah.transfers().await.unwrap().len();
    let e = ah.request_transfer(&TEST_PARAMS, &away, "zj").await.expect_err("temporary account");
    assert!(matches!(&e, StoreError::Invalid { field: "temporary_account", reason } if reason.contains("50")), "{e}");
    assert!(matches!(ah.quote_request(&TEST_PARAMS, &away, "zj").await, Err(StoreError::Invalid { field: "temporary_account", .. })));
    assert_eq!(ah.transfers().await.unwrap().len(), before, "nothing written");
    assert!(ah.quote_request(&TEST_PARAMS, &home, "zj").await.is_ok(), "moving home: the full transfer");
    let req = ah.quote_request(&TEST_PARAMS, &other, "zj").await.unwrap();
    let q = ah.read_quote("zj", &req, &zj.answer_quote(&TEST_PARAMS, "zj", &req.signed, WINDOW).await.unwrap(), WINDOW).await.unwrap();
    assert!(q.refusal.as_deref().is_some_and(|r| r.contains("not registered")), "{q:?}");
    let (t, _) = ah.request_transfer(&TEST_PARAMS, &other, "zj").await.unwrap();
    pump(zj, ah).await;
    let t = ah.transfer(&t.id).await.unwrap().unwrap();
    assert_eq!(t.state.as_str(), "refused");
    assert!(t.reason.as_deref().unwrap().contains("not registered"), "{t:?}");
    assert!(ah.months_by_region(aw).await.unwrap().months == 0);

    // While frozen for a transfer, a payment and the close are refused at the sender.
    ah.add_worker(&NewWorker {
        id_number: idn.clone(),
        name: "李四".into(),
        phone: "13800000002".into(),
        hukou_region: "330106".into(),
        home_grid: "h1".into(),
    })
    .await
    .unwrap();
    // The sender's officer holds the account (a freeze with a reason): the preview and the
    // request are refused with that reason, and nothing moves.
    zj.freeze_worker(zw, "under audit").await.unwrap();
    let req = ah.quote_request(&TEST_PARAMS, &idn, "zj").await.unwrap();
    let q = ah.read_quote("zj", &req, &zj.answer_quote(&TEST_PARAMS, "zj", &req.signed, WINDOW).await.unwrap(), WINDOW).await.unwrap();
    assert!(q.refusal.as_deref().is_some_and(|r| r.contains("under audit")), "{q:?}");
    let (held, _) = ah.request_transfer(&TEST_PARAMS, &idn, "zj").await.unwrap();
    pump(zj, ah).await;
    let held = ah.transfer(&held.id).await.unwrap().unwrap();
    assert!(held.state.as_str() == "refused" && held.reason.as_deref().is_some_and(|r| r.contains("under audit")), "{held:?}");
    assert_eq!(zj.freeze(zw).await.unwrap().map(|f| f.reason), Some("under audit".to_string()), "the officer's hold stays");
    zj.unfreeze_worker(zw).await.unwrap();

    let (t, _) = ah.request_transfer(&TEST_PARAMS, &idn, "zj").await.unwrap();
    carry(ah, zj, "zj").await;
    assert_eq!(zj.transfer(&t.id).await.unwrap().unwrap().state.as_str(), "sent");
    // The preview while it runs: the sender says why it would refuse another, with no figures.
    let req = ah.quote_request(&TEST_PARAMS, &idn, "zj").await.unwrap();
    let q = ah.read_quote("zj", &req, &zj.answer_quote(&TEST_PARAMS, "zj", &req.signed, WINDOW).await.unwrap(), WINDOW).await.unwrap();
    assert!(q.refusal.as_deref().is_some_and(|r| r.contains("under way")) && q.months == 0 && q.steps.is_empty(), "{q:?}");
    let pay = Payment { worker: zw, payer: Payer::SelfPaid, reference: 2, amount_fen: 100, period: ym("2028-01") };
    assert_eq!(zj.pay(&pay).await.expect_err("frozen").code(), "frozen");
    // February: January is over and may close, but not while the worker is frozen. (The
    // message window is minutes, so the clock comes back before the next delivery.)
    clock.set(clock_now().timestamp_micros() + 20 * 86_400_000_000);
    let close = zj.close_month(&scenario(), ym("2028-01"), &CloseOptions::new(ym("2028-02"))).await;
    assert_eq!(close.expect_err("frozen").code(), "frozen");
    clock.set(clock_now().timestamp_micros());
    // A forged voucher: the receiver refuses, the sender books the funds back and unfreezes.
    let balances = zj.account_balances().await.unwrap();
    assert_eq!(fund(&balances, &format!("pa/{}", zw.0)), 0);
    let due = zj.due_agency_messages(10).await.unwrap();
    assert_eq!(due.len(), 1);
    let mut forged = flexpension_tlog::peek_message(&due[0].signed).unwrap();
    let other_key = flexpension_tlog::NoteSigner::new("flexpension.zj/log", [3; 32]).unwrap();
    let note = forged.body["voucher"].as_str().unwrap().to_string();
    let text = note.split("\n\n").next().unwrap().replace("\"account_fen\":", "\"account_fen\":1");
    forged.body["voucher"] = serde_json::Value::String(flexpension_tlog::sign_note(&format!("{text}\n"), &other_key).unwrap());
    forged.id = [7; 16];
    ah.receive_agency_message("ah", &forged.sign(&zj.log_keys().signer).unwrap(), WINDOW).await.unwrap();
    zj.agency_message_delivered(due[0].row).await.unwrap();
    ah.handle_agency_messages(&TEST_PARAMS).await.unwrap();
    let t_in = ah.transfer(&t.id).await.unwrap().unwrap();
    assert_eq!(t_in.state.as_str(), "refused");
    assert!(
        t_in.reason.as_deref().unwrap().contains("does not verify") || t_in.reason.as_deref().unwrap().contains("another voucher"),
        "{t_in:?}"
    );
    pump(zj, ah).await;
    let t_out = zj.transfer(&t.id).await.unwrap().unwrap();
    assert_eq!(t_out.state.as_str(), "refused");
    assert_eq!(zj.freeze(zw).await.unwrap(), None, "unfrozen");
    let after = zj.account_balances().await.unwrap();
    assert!(fund(&after, &format!("pa/{}", zw.0)) < 0, "the funds are back");
    assert_eq!(fund(&after, "region/ah"), 0);
    assert_eq!(ah.account_balances().await.unwrap(), vec![], "nothing booked at the receiver");
    assert_eq!((zj.trial_balance().await.unwrap(), ah.trial_balance().await.unwrap()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_sqlite_to_postgres() {
    both(Kind::Sqlite, Kind::Postgres, completes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_postgres_to_sqlite() {
    both(Kind::Postgres, Kind::Sqlite, completes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_sqlite_to_postgres() {
    both(Kind::Sqlite, Kind::Postgres, refusals).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_postgres_to_sqlite() {
    both(Kind::Postgres, Kind::Sqlite, refusals).await;
}
