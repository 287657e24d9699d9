//! Peer agencies, the signed messages between agencies (outbox and inbox) and the freeze of a
//! worker's account, on both backends.

mod common;

use common::ledger::*;
use common::*;
use flexpension_ledger::{Payer, Payment};
use flexpension_store::*;
use flexpension_tlog::message::{AgeWindow, Envelope, MessageError};
use flexpension_tlog::{NoteSigner, verify_message};

const WINDOW: AgeWindow = AgeWindow { max_age_s: 600, max_ahead_s: 60 };

fn js_key() -> NoteSigner {
    NoteSigner::new("flexpension.js/log", [9; 32]).expect("key")
}

fn js() -> NewPeer {
    NewPeer { code: "js".into(), url: "http://127.0.0.1:9/".into(), verifier_key: js_key().verifier_key() }
}

fn now_s() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}

fn from_js(id: u8, created_at: i64) -> Envelope {
    Envelope {
        sender: "js".into(),
        receiver: "zj".into(),
        id: [id; 16],
        kind: "test.ping".into(),
        created_at,
        body: serde_json::json!({"n": id}),
    }
}

pub mod cases {
    use super::*;

    pub async fn peers_added_checked_listed(ctx: Ctx) {
        let s = &ctx.store;
        assert_eq!(s.add_peer("zj", &js(), false).await.unwrap(), PeerAdded::Added);
        assert_eq!(s.add_peer("zj", &js(), false).await.unwrap(), PeerAdded::Unchanged, "same data: a no-op");
        let moved = NewPeer { url: "https://si.js.example".into(), ..js() };
        assert!(matches!(s.add_peer("zj", &moved, false).await, Err(StoreError::Exists { what: "peer", .. })));
        assert_eq!(s.peers().await.unwrap()[0].url, "http://127.0.0.1:9", "unchanged after the refusal, trailing slash dropped");
        assert_eq!(s.add_peer("zj", &moved, true).await.unwrap(), PeerAdded::Replaced);
        assert_eq!(s.peer("js").await.unwrap().unwrap().url, "https://si.js.example");
        for (bad, field) in [
            (NewPeer { code: "zj".into(), ..js() }, "code"),
            (NewPeer { code: "J1".into(), ..js() }, "code"),
            (NewPeer { code: "x".into(), ..js() }, "code"),
            (NewPeer { url: "ftp://a".into(), ..js() }, "url"),
            (NewPeer { url: "http://".into(), ..js() }, "url"),
            (NewPeer { verifier_key: "nonsense".into(), ..js() }, "key"),
        ] {
            let e = s.add_peer("zj", &bad, false).await.expect_err("refused");
            assert_eq!(e.field(), Some(field), "{bad:?}: {e}");
        }
        let sh = NewPeer { code: "sh".into(), url: "http://127.0.0.1:10".into(), verifier_key: js_key().verifier_key() };
        s.add_peer("zj", &sh, false).await.unwrap();
        let codes: Vec<String> = s.peers().await.unwrap().into_iter().map(|p| p.code).collect();
        assert_eq!(codes, ["js", "sh"]);
    }

    pub async fn outbox_signed_retried_delivered(ctx: Ctx) {
        let s = &ctx.store;
        let env = s.new_agency_message("zj", "js", "test.ping", serde_json::json!({"n": 1})).unwrap();
        assert!(matches!(s.enqueue_agency_message(&env).await, Err(StoreError::NotFound { what: "peer", .. })), "unknown receiver");
        s.add_peer("zj", &js(), false).await.unwrap();
        let id = s.enqueue_agency_message(&env).await.unwrap();
        assert_eq!(id.len(), 32);
        let due = s.due_agency_messages(10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].id.as_str(), due[0].url.as_str(), due[0].attempts), (id.as_str(), "http://127.0.0.1:9", 0));
        // Signed by this store's log key, for js.
        let got = verify_message(&due[0].signed, "js", Some(&s.log_keys().signer.verifier()), now_s(), WINDOW).unwrap();
        assert_eq!(got, env);
        s.agency_delivery_failed(due[0].row, "connection refused").await.unwrap();
        assert!(s.due_agency_messages(10).await.unwrap().is_empty(), "waits before the next attempt");
        let o = &s.agency_outbox().await.unwrap()[0];
        assert_eq!((o.attempts, o.last_error.as_deref()), (1, Some("connection refused")));
        assert!(o.next_attempt_at_us > o.delivered_at_us.unwrap_or(0));
        ctx.sql("UPDATE agency_outbox SET next_attempt_at_us = 0").await;
        let due = s.due_agency_messages(10).await.unwrap();
        s.agency_message_delivered(due[0].row).await.unwrap();
        s.agency_message_delivered(due[0].row).await.unwrap();
        let o = &s.agency_outbox().await.unwrap()[0];
        assert!(o.delivered_at_us.is_some() && o.last_error.is_none());
        assert!(s.due_agency_messages(10).await.unwrap().is_empty());
    }

    pub async fn inbox_verifies_and_deduplicates(ctx: Ctx) {
        let s = &ctx.store;
        let m = from_js(1, now_s()).sign(&js_key()).unwrap();
        let code = |r: Result<AgencyAck>| r.expect_err("refused").code();
        assert_eq!(code(s.receive_agency_message("zj", &m, WINDOW).await), "unknown_sender");
        s.add_peer("zj", &js(), false).await.unwrap();
        let ack = s.receive_agency_message("zj", &m, WINDOW).await.unwrap();
        assert_eq!((ack.sender.as_str(), ack.receiver.as_str(), ack.id.as_str()), ("js", "zj", "01010101010101010101010101010101"));
        assert_eq!(s.receive_agency_message("zj", &m, WINDOW).await.unwrap(), ack, "a second delivery: the same answer");
        assert_eq!(s.agency_inbox().await.unwrap().len(), 1, "stored once");
        let forged = from_js(2, now_s()).sign(&NoteSigner::new("flexpension.js/log", [8; 32]).unwrap()).unwrap();
        assert_eq!(code(s.receive_agency_message("zj", &forged, WINDOW).await), "bad_signature");
        assert_eq!(code(s.receive_agency_message("sh", &m, WINDOW).await), "wrong_receiver");
        let old = from_js(3, now_s() - 3600).sign(&js_key()).unwrap();
        assert!(matches!(s.receive_agency_message("zj", &old, WINDOW).await, Err(StoreError::Message(MessageError::Stale { .. }))));
        let ahead = from_js(4, now_s() + 3600).sign(&js_key()).unwrap();
        assert_eq!(code(s.receive_agency_message("zj", &ahead, WINDOW).await), "future_message");
        assert_eq!(code(s.receive_agency_message("zj", "garbage", WINDOW).await), "malformed_message");
        // The same id again with another body: refused, the first kept.
        let mut other = from_js(1, now_s());
        other.body = serde_json::json!({"n": 99});
        let other = other.sign(&js_key()).unwrap();
        assert!(matches!(s.receive_agency_message("zj", &other, WINDOW).await, Err(StoreError::Exists { .. })));
        let inbox = s.agency_inbox().await.unwrap();
        assert_eq!((inbox.len(), inbox[0].body.as_str(), inbox[0].kind.as_str()), (1, "{\"n\":1}", "test.ping"));
    }

    pub async fn freeze_refuses_close_payments_enrolment(ctx: Ctx) {
        let s = &ctx.store;
        let f = fixture(s, 3).await;
        enrol_with_income(s, &f, 2, |i, k| 3000 + i * 100 + k, usize::MAX).await;
        let (w0, w2) = (f.workers[0].1.id, f.workers[2].1.id);
        let opts = CloseOptions::new(ym("2025-12"));
        s.close_month(&zj(), ym("2025-09"), &opts).await.expect("close before the freeze");
        let entries = ctx.scalar("SELECT COUNT(*) FROM log_entries").await;
        assert!(matches!(s.freeze_worker(w0, "  ").await, Err(StoreError::Invalid { field: "reason", .. })));
        assert!(matches!(s.freeze_worker(WorkerId(999_999), "x").await, Err(StoreError::NotFound { what: "worker", .. })));
        let fr = s.freeze_worker(w0, "transfer to js").await.unwrap();
        assert_eq!(fr.reason, "transfer to js");
        assert!(matches!(s.freeze_worker(w0, "again").await, Err(StoreError::Exists { what: "freeze", .. })));
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM log_entries").await, entries + 1, "the freeze is a log entry");
        assert_eq!(s.freeze(w0).await.unwrap(), Some(fr.clone()));

        let frozen = |e: StoreError| {
            assert_eq!(e.code(), "frozen", "{e}");
            assert!(e.to_string().contains("frozen (transfer to js)"), "{e}");
            e.to_string()
        };
        let msg = frozen(s.close_month(&zj(), ym("2025-10"), &opts).await.expect_err("close refused"));
        assert!(msg.contains("the close of 2025-10"), "{msg}");
        assert!(s.month_close(ym("2025-10")).await.unwrap().is_none(), "nothing closed");
        let pay = Payment { worker: w0, payer: Payer::SelfPaid, reference: 1, amount_fen: 100, period: ym("2025-10") };
        let msg = frozen(s.pay(&pay).await.expect_err("payment refused"));
        assert!(msg.contains("a payment"), "{msg}");
        let e = NewEnrolment { worker: w0, scheme: Scheme::Medical, from: ym("2025-09"), to: None, basis: Basis::PlatformIncome };
        let msg = frozen(s.enrol(&e).await.expect_err("enrolment refused"));
        assert!(msg.contains("a new enrolment"), "{msg}");
        let file = format!(
            "reference,id_number,amount_yuan,month,payer\nF-1,{},10.00,2025-10,self\nF-2,{},10.00,2025-10,self\n",
            f.workers[0].0, f.workers[1].0
        );
        let r = s.pay_file(file.as_bytes(), 10, None).await.unwrap();
        assert_eq!((r.accepted, r.rejected), (1, 1), "{r:#?}");
        assert_eq!((r.errors[0].line, r.errors[0].code), (2, RowErrorCode::Frozen));
        assert!(r.errors[0].reason.contains("transfer to js"), "{r:#?}");
        // Another worker is not held up.
        let e2 = NewEnrolment { worker: w2, ..e.clone() };
        s.enrol(&e2).await.expect("others enrol");
        // A worker import that would enrol a frozen worker: a row error naming the freeze.
        s.freeze_worker(w2, "transfer to sh").await.unwrap();
        let csv =
            format!("{}{}", flexpension_testkit::WORKERS_CSV_HEADER, flexpension_testkit::worker_line(&f.workers[2].0, 2, "g1", "2025-09"));
        let r = s.import_workers(csv.as_bytes(), &WorkerImportOptions { rows_per_batch: 10, max_errors: 10 }).await.unwrap();
        assert_eq!((r.duplicate, r.enrolled, r.errors.len()), (1, 0, 1), "{r:#?}");
        assert_eq!((r.errors[0].line, r.errors[0].code), (2, RowErrorCode::Frozen), "{r:#?}");
        assert!(r.errors[0].reason.contains("transfer to sh"), "{r:#?}");
        s.unfreeze_worker(w2).await.unwrap();

        assert!(matches!(s.unfreeze_worker(w2).await, Err(StoreError::NotFound { what: "freeze", .. })));
        assert_eq!(s.unfreeze_worker(w0).await.unwrap(), fr);
        assert_eq!(s.freeze(w0).await.unwrap(), None);
        s.close_month(&zj(), ym("2025-10"), &opts).await.expect("closes again after the unfreeze");
        s.pay(&pay).await.expect("pays again");
        s.enrol(&e).await.expect("enrols again");
        s.log_integrate().await.unwrap();
        let audit = s.log_audit().await.unwrap();
        assert!(audit.ok(), "{:?}", audit.problems);
    }

    /// The check under the journal's lock: a reclose that would reverse the bill of a worker
    /// no longer enrolled (so not caught before the close) is refused when they are frozen.
    pub async fn reclose_touching_a_frozen_worker(ctx: Ctx) {
        let s = &ctx.store;
        let f = fixture(s, 2).await;
        enrol_with_income(s, &f, 2, |i, k| 3000 + i * 100 + k, usize::MAX).await;
        let w0 = f.workers[0].1.id;
        let opts = CloseOptions::new(ym("2025-12"));
        s.close_month(&zj(), ym("2025-09"), &opts).await.expect("close");
        s.close_month(&zj(), ym("2025-10"), &opts).await.expect("close");
        let e = s.enrolments(w0).await.unwrap()[0].id;
        s.end_enrolment(e, ym("2025-09")).await.expect("end");
        s.freeze_worker(w0, "transfer to js").await.unwrap();
        let entries = ctx.scalar("SELECT COUNT(*) FROM journal_entries").await;
        let reopen = CloseOptions { reopen: true, ..opts };
        let err = s.close_month(&zj(), ym("2025-10"), &reopen).await.expect_err("refused");
        assert_eq!(err.code(), "frozen", "{err}");
        assert!(err.to_string().contains("reclose"), "{err}");
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM journal_entries").await, entries, "nothing written");
        s.unfreeze_worker(w0).await.unwrap();
        s.close_month(&zj(), ym("2025-10"), &reopen).await.expect("reclosed after the unfreeze");
    }
}

mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn peers_added_checked_listed() {
        run(Kind::Sqlite, cases::peers_added_checked_listed).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outbox_signed_retried_delivered() {
        run(Kind::Sqlite, cases::outbox_signed_retried_delivered).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inbox_verifies_and_deduplicates() {
        run(Kind::Sqlite, cases::inbox_verifies_and_deduplicates).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn freeze_refuses_close_payments_enrolment() {
        run(Kind::Sqlite, cases::freeze_refuses_close_payments_enrolment).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reclose_touching_a_frozen_worker() {
        run(Kind::Sqlite, cases::reclose_touching_a_frozen_worker).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn peers_added_checked_listed() {
        run(Kind::Postgres, cases::peers_added_checked_listed).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outbox_signed_retried_delivered() {
        run(Kind::Postgres, cases::outbox_signed_retried_delivered).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inbox_verifies_and_deduplicates() {
        run(Kind::Postgres, cases::inbox_verifies_and_deduplicates).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn freeze_refuses_close_payments_enrolment() {
        run(Kind::Postgres, cases::freeze_refuses_close_payments_enrolment).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reclose_touching_a_frozen_worker() {
        run(Kind::Postgres, cases::reclose_touching_a_frozen_worker).await;
    }
}
