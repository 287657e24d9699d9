//! The payment file (a bank's or platform's remittance file), on both backends: good rows are
//! booked exactly as single payments in the order of the month received; each bad row is
//! refused by line and field with nothing of it written; a retried file writes nothing; a file
//! over the row limit is refused whole.

mod common;

use common::ledger::*;
use common::*;
use flexpension_ledger::{Ledger, Payer, Payment, PlatformId};
use flexpension_store::*;

/// `n` workers enrolled from September with income in each month, the months closed; plus one
/// worker registered but never enrolled (the last of `workers`).
async fn setup(ctx: &Ctx, n: u32) -> Fixture {
    let s = &ctx.store;
    let mut f = fixture(s, n + 1).await;
    enrol_with_income(s, &f, n as usize, |i, k| 3000 + (i * 700 + k * 900) % 5000, usize::MAX).await;
    for m in MONTHS {
        s.close_month(&zj(), ym(m), &CloseOptions::new(ym("2025-12"))).await.expect("close");
    }
    f.workers.truncate(n as usize + 1);
    f
}

async fn counts(ctx: &Ctx) -> (i64, i64) {
    (ctx.scalar("SELECT COUNT(*) FROM journal_entries").await, ctx.scalar("SELECT COUNT(*) FROM journal_postings").await)
}

pub mod cases {
    use super::*;

    pub async fn a_file_books_as_single_payments_and_refuses_by_row(ctx: Ctx) {
        let f = setup(&ctx, 3).await;
        let s = &ctx.store;
        let (w0, w1, w2) = (&f.workers[0], &f.workers[1], &f.workers[2]);
        let stranger = &f.workers[3];
        let due0 = s.worker_statement(w0.1.id, 3).await.expect("statement").months[0].due_fen;
        let a = f.a.id.0;
        // Worker 0's two rows are listed newest first: they are booked oldest month first.
        let file = format!(
            "reference,id_number,amount_yuan,month,payer\n\
             B-2,{i0},{y2},2025-11,self\n\
             B-1,{i0},{y1},2025-09,self\n\
             007,{i1},150.00,2025-10,platform:{a}\n\
             7,{i1},150.00,2025-10,platform:{a}\n\
             P-1,{i2},99.99,2025-12,self\n\
             X-1,{i1},10.00,2099-01,self\n\
             X-2,{i1},10.00,2025-08,self\n\
             X-3,{i1},10.00,2025-10,platform:999\n\
             X-4,{is},10.00,2025-10,self\n\
             X-5,12345,10.00,2025-10,self\n\
             X-6,{i1},-3,2025-10,self\n\
             ,{i1},10.00,2025-10,self\n\
             X-7,{i1},10.00,2025-10,bank\n\
             X-8,{i1},10.00\n",
            i0 = w0.0,
            i1 = w1.0,
            i2 = w2.0,
            is = stranger.0,
            y1 = flexpension_rules::money::yuan(due0),
            y2 = flexpension_rules::money::yuan(1_000),
        );
        let r = s.pay_file(file.as_bytes(), 100, None).await.expect("file");
        assert_eq!((r.rows, r.accepted, r.duplicate, r.rejected), (14, 5, 0, 9), "{r:#?}");
        let got: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(
            got,
            [
                (7, "month"),
                (8, "month"),
                (9, "payer"),
                (10, "id_number"),
                (11, "id_number"),
                (12, "amount_yuan"),
                (13, "reference"),
                (14, "payer"),
                (15, "row")
            ],
            "{r:#?}"
        );
        assert!(r.errors.iter().all(|e| !e.reason.contains(&w1.0)), "resident IDs are never quoted in clear");
        assert_eq!(r.months_credited, 1, "worker 0's September");
        assert_eq!(r.amount_fen, due0 + 1_000 + 2 * 15_000 + 9_999);

        // The same payments one by one, in the order booked, on a pure ledger from the same closes.
        let mut entries = Vec::new();
        for (_, w) in &f.workers {
            entries.extend(s.worker_entries(w.id).await.expect("entries"));
        }
        let closes: Vec<_> = entries.iter().filter(|e| e.kind() == flexpension_ledger::EntryKind::MonthClose).cloned().collect();
        let mut l = Ledger::from_entries(closes).expect("closes");
        let p = |w: &Worker, reference: &str, payer: Payer, amount_fen: i64, m: &str| Payment {
            worker: w.id,
            payer,
            reference: payment_reference(reference).expect("reference"),
            amount_fen,
            period: ym(m),
        };
        let platform = Payer::Platform(PlatformId(a));
        for pay in [
            p(&w0.1, "B-1", Payer::SelfPaid, due0, "2025-09"),
            p(&w0.1, "B-2", Payer::SelfPaid, 1_000, "2025-11"),
            p(&w1.1, "007", platform, 15_000, "2025-10"),
            p(&w1.1, "7", platform, 15_000, "2025-10"),
            p(&w2.1, "P-1", Payer::SelfPaid, 9_999, "2025-12"),
        ] {
            l.pay(&pay).expect("pays");
        }
        let mut want: Vec<(String, i64)> = l.balances().into_iter().map(|(a, v)| (a.to_string(), v)).collect();
        want.sort();
        assert_eq!(s.account_balances().await.expect("balances"), want);
        assert_eq!(s.trial_balance().await.expect("trial"), 0);

        // The same file again: every good row is a duplicate, nothing is written.
        let before = counts(&ctx).await;
        let again = s.pay_file(file.as_bytes(), 100, None).await.expect("again");
        assert_eq!((again.accepted, again.duplicate, again.rejected), (0, 5, 9), "{again:#?}");
        assert_eq!(counts(&ctx).await, before);
        // A reference reused with another amount is refused by line.
        let other = format!("reference,id_number,amount_yuan,month,payer\nB-1,{},1.00,2025-11,self\n", w0.0);
        let r = s.pay_file(other.as_bytes(), 100, Some("zj")).await.expect("conflict");
        assert_eq!((r.accepted, r.rejected, r.errors[0].line, r.errors[0].field), (0, 1, 2, "reference"));
        assert_eq!(counts(&ctx).await, before);
        // An officer of another region: the worker is unknown there, and nothing is written.
        let r = s.pay_file(other.as_bytes(), 100, Some("sh")).await.expect("scoped");
        assert_eq!((r.accepted, r.rejected, r.errors[0].field), (0, 1, "id_number"), "{r:#?}");
        assert!(r.errors[0].reason.contains("of region sh"), "{r:#?}");
        assert_eq!(counts(&ctx).await, before);
    }

    pub async fn limits_and_header(ctx: Ctx) {
        let f = setup(&ctx, 1).await;
        let s = &ctx.store;
        let before = counts(&ctx).await;
        let row = format!("R-{{}},{},1.00,2025-10,self\n", f.workers[0].0);
        let mut file = String::from("reference,id_number,amount_yuan,month,payer\n");
        for i in 0..4 {
            file.push_str(&row.replace("{}", &i.to_string()));
        }
        let e = s.pay_file(file.as_bytes(), 3, None).await.expect_err("over the row limit");
        assert_eq!(e.field(), Some("rows"));
        assert_eq!(counts(&ctx).await, before, "nothing written");
        let e = s.pay_file("reference,id_number,amount\n".as_bytes(), 3, None).await.expect_err("bad header");
        assert_eq!(e.field(), Some("header"));
        let r = s.pay_file(file.as_bytes(), 4, Some("zj")).await.expect("within the limit");
        assert_eq!(r.accepted, 4);
    }

    /// A single payment is a few small statements and two small COPYs: none may wait on the
    /// network. With Nagle's algorithm on (sqlx 0.9.0) each COPY to PostgreSQL waited 40 ms for
    /// the server's delayed acknowledgement: 11 payments a second instead of hundreds.
    pub async fn single_payments_do_not_wait_on_the_network(ctx: Ctx) {
        let f = setup(&ctx, 1).await;
        let s = &ctx.store;
        let mut took = Vec::new();
        for reference in 0..11 {
            let p = Payment { worker: f.workers[0].1.id, payer: Payer::SelfPaid, reference, amount_fen: 100, period: ym("2025-12") };
            let t = std::time::Instant::now();
            s.pay(&p).await.expect("pay");
            took.push(t.elapsed());
        }
        took.sort();
        assert!(took[5] < std::time::Duration::from_millis(40), "median {:?} of {took:?}", took[5]);
    }
}

// Each case on each backend.
mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_books_as_single_payments_and_refuses_by_row() {
        run(Kind::Sqlite, cases::a_file_books_as_single_payments_and_refuses_by_row).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn limits_and_header() {
        run(Kind::Sqlite, cases::limits_and_header).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn single_payments_do_not_wait_on_the_network() {
        run(Kind::Sqlite, cases::single_payments_do_not_wait_on_the_network).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_books_as_single_payments_and_refuses_by_row() {
        run(Kind::Postgres, cases::a_file_books_as_single_payments_and_refuses_by_row).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn limits_and_header() {
        run(Kind::Postgres, cases::limits_and_header).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn single_payments_do_not_wait_on_the_network() {
        run(Kind::Postgres, cases::single_payments_do_not_wait_on_the_network).await;
    }
}
