//! The set-up the journal, refusal and payment-file tests share: workers enrolled in the
//! employee pension from September with income in each month of `MONTHS`.

use super::{Fixture, csv, now, zj};
use flexpension_ledger::Ledger;
use flexpension_rules::YearMonth;
use flexpension_store::{Basis, Format, IngestOptions, NewEnrolment, Scheme, Store};

/// The months the workers earn in.
pub const MONTHS: [&str; 3] = ["2025-09", "2025-10", "2025-11"];

pub fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

/// Enrol the first `n` workers of `f` in the employee pension from 2025-09 and give the i-th
/// of them `yuan(i, k)` yuan in the k-th month of `MONTHS` (none where it is 0), ingested in
/// batches of `per_batch` rows from platforms A and B in turn (A alone when one batch holds
/// them all). Every row must be accepted.
pub async fn enrol_with_income(store: &Store, f: &Fixture, n: usize, yuan: impl Fn(usize, usize) -> usize, per_batch: usize) {
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (i, (idn, w)) in f.workers.iter().enumerate().take(n) {
        let e = NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym("2025-09"), to: None, basis: Basis::PlatformIncome };
        store.enrol(&e).await.expect("enrol");
        for (k, m) in MONTHS.iter().enumerate() {
            let y = yuan(i, k);
            if y > 0 {
                rows.push([
                    format!("o{i}-{k}"),
                    idn.clone(),
                    format!("{y}"),
                    format!("{m}-10T10:00:00+08:00"),
                    "ride_hailing".into(),
                    "g1".into(),
                ]);
            }
        }
    }
    let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]]).collect();
    for (i, chunk) in refs.chunks(per_batch.max(1)).enumerate() {
        let p = if i % 2 == 0 { f.a.id } else { f.b.id };
        let r = store
            .ingest_earnings(p, &zj(), std::io::Cursor::new(csv(chunk)), Format::Csv, &IngestOptions::request(now(), None))
            .await
            .expect("ingest");
        assert_eq!(r.rejected, 0, "{r:#?}");
    }
}

/// Balances from the stored postings equal the ledger rebuilt from the stored entries of `f`'s
/// workers, and everything sums to zero. Gives the rebuilt ledger.
pub async fn assert_balanced(store: &Store, f: &Fixture) -> Ledger {
    let mut entries = Vec::new();
    for (_, w) in &f.workers {
        entries.extend(store.worker_entries(w.id).await.expect("entries"));
    }
    let l = Ledger::from_entries(entries).expect("replay");
    let mut from_ledger: Vec<(String, i64)> = l.balances().into_iter().map(|(a, v)| (a.to_string(), v)).collect();
    from_ledger.sort();
    assert_eq!(store.account_balances().await.expect("balances"), from_ledger);
    assert_eq!(store.trial_balance().await.expect("trial"), 0);
    l
}
