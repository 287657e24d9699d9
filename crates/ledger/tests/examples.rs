//! Worked examples of the ledger: a worker's year, corrections, interest, and the contracts
//! (ids, JSON) other crates rely on.

use flexpension_ledger::*;
use flexpension_rules::contribution::compute;
use flexpension_rules::pension::AccountMonth;
use flexpension_rules::{Dec6, Explainer, MonthRules, Params, YearMonth};
use std::collections::BTreeMap;

fn ym(y: i32, m: u32) -> YearMonth {
    YearMonth::new(y, m).expect("month")
}

fn rules(p: &Params, policy: &str, month: YearMonth) -> MonthRules {
    p.scenario("zj", Some(policy), None).expect("scenario").month_rules(month).expect("rules").0
}

fn wm(worker: i64, income_fen: i64) -> WorkerMonth {
    WorkerMonth { worker: WorkerId(worker), income_fen, declared_base_fen: None, enrolled: true }
}

fn pay(worker: i64, reference: i64, amount_fen: i64, period: YearMonth) -> Payment {
    Payment { worker: WorkerId(worker), payer: Payer::SelfPaid, reference, amount_fen, period }
}

const W: WorkerId = WorkerId(1);

#[test]
fn a_worker_bills_pays_late_and_is_credited_on_payment() {
    let p = Params::embedded().unwrap();
    let mut l = Ledger::new();
    // Paper policy, 3800 yuan: base 4986 × 12% = 598.32; 8% of the base = 398.88 to the
    // personal account; 40% subsidy = 239.33; the worker pays 358.99.
    for m in 1..=3 {
        let r = rules(&p, "paper", ym(2025, m));
        let new = l.close_month(ym(2025, m), &[wm(1, 380_000)], &r).unwrap();
        assert_eq!(new.len(), 1);
        let due = new[0].due().unwrap();
        assert_eq!((due.contribution_fen, due.personal_account_fen, due.subsidy_fen, due.net_fen), (59_832, 39_888, 23_933, 35_899));
    }
    let net = 35_899;
    assert_eq!(l.balance_fen(&Account::ContributionsReceivable(W)), 3 * net);
    assert_eq!(l.personal_account_fen(W), 0, "nothing is credited before payment");
    assert_eq!(l.status(W, 3), Status::Lapsed { months: 3, arrears_fen: 3 * net, since: ym(2025, 1) });

    // Pays January and 100 yuan towards February.
    let new = l.pay(&pay(1, 1, net + 10_000, ym(2025, 4))).unwrap();
    assert_eq!(new.iter().map(Entry::kind).collect::<Vec<_>>(), [EntryKind::Payment, EntryKind::MonthPaid]);
    assert_eq!(l.personal_account_fen(W), 39_888);
    assert_eq!(l.balance_fen(&Account::SubsidyFund), 23_933);
    assert_eq!(l.balance_fen(&Account::PoolingFund), -(59_832 - 39_888));
    let a = l.arrears(W);
    assert_eq!(a.arrears_fen, 2 * net - 10_000);
    assert_eq!(a.unpaid[0], UnpaidMonth { month: ym(2025, 2), due_fen: net, owed_fen: net - 10_000 });
    assert_eq!(l.status(W, 3), Status::InArrears { months: 2, arrears_fen: 2 * net - 10_000 });

    // Overpays: February and March are credited, the rest is held and pays April at its close.
    l.pay(&pay(1, 2, 2 * net + 5_000, ym(2025, 4))).unwrap();
    assert_eq!(l.status(W, 3), Status::Current);
    assert_eq!(l.arrears(W).credit_fen, 15_000);
    let april = l.close_month(ym(2025, 4), &[wm(1, 200_000)], &rules(&p, "paper", ym(2025, 4))).unwrap();
    assert_eq!(april.iter().map(Entry::kind).collect::<Vec<_>>(), [EntryKind::MonthClose], "15,000 fen does not pay April yet");
    // April's 2000 yuan falls in the paper's lowest subsidy band: half of 598.32 is subsidised.
    assert_eq!(l.status(W, 3), Status::InArrears { months: 1, arrears_fen: 29_916 - 15_000 });
    assert_eq!(l.contribution_record(W, &BTreeMap::new()).months_paid, 3);
    assert_eq!(l.trial_balance_fen(), 0);
}

#[test]
fn closing_again_and_posting_again_change_nothing() {
    let p = Params::embedded().unwrap();
    let r = rules(&p, "current", ym(2025, 3));
    let workers = [wm(1, 500_000), wm(2, 0), WorkerMonth { enrolled: false, ..wm(3, 900_000) }];
    let closes = close_entries(ym(2025, 3), &workers, &r).unwrap();
    assert_eq!(closes.len(), 2, "the worker not enrolled gets no entry");
    let mut l = Ledger::new();
    assert_eq!(l.close_month(ym(2025, 3), &workers, &r).unwrap(), closes.as_slice());
    let before = l.balances();
    assert!(l.close_month(ym(2025, 3), &workers, &r).unwrap().is_empty());
    // A different income does not reopen a closed month either: that is a correction.
    assert!(l.close_month(ym(2025, 3), &[wm(1, 1)], &r).unwrap().is_empty());
    for e in closes.clone() {
        assert_eq!(l.post(e), Ok(false));
    }
    assert_eq!(l.balances(), before);
    assert_eq!(l.entries().len(), 2);
    // The same id with other content is refused.
    let other = close_entries(ym(2025, 3), &[wm(1, 600_000)], &rules(&p, "paper", ym(2025, 3))).unwrap();
    assert!(matches!(l.post(other[0].clone()), Err(LedgerError::Conflict { .. })));
}

#[test]
fn close_refuses_bad_batches_whole() {
    let p = Params::embedded().unwrap();
    let r = rules(&p, "current", ym(2025, 3));
    let e = close_entries(ym(2025, 4), &[wm(1, 1)], &r).unwrap_err();
    assert!(matches!(e, LedgerError::WrongMonth { .. }), "{e}");
    let e = close_entries(ym(2025, 3), &[wm(2, 1), wm(1, 1), wm(2, 5)], &r).unwrap_err();
    assert_eq!(e, LedgerError::DuplicateWorker { worker: WorkerId(2), month: ym(2025, 3) });
    let e = close_entries(ym(2025, 3), &[wm(1, -5)], &r).unwrap_err();
    assert!(e.to_string().contains("income_fen"), "{e}");
    let e = close_entries(ym(2025, 3), &[WorkerMonth { declared_base_fen: Some(0), ..wm(1, 5) }], &r).unwrap_err();
    assert!(e.to_string().contains("declared_base_fen"), "{e}");
    let mut l = Ledger::new();
    assert!(l.close_month(ym(2025, 3), &[wm(1, 1), wm(2, -1)], &r).is_err());
    assert!(l.entries().is_empty(), "nothing posted from a refused batch");
    let e = l.pay(&pay(1, 1, 0, ym(2025, 3))).unwrap_err();
    assert!(e.to_string().contains("amount_fen"), "{e}");
}

#[test]
fn a_correction_reverses_and_recredits() {
    let p = Params::embedded().unwrap();
    let r = rules(&p, "paper", ym(2025, 1));
    let mut l = Ledger::new();
    l.close_month(ym(2025, 1), &[wm(1, 380_000)], &r).unwrap();
    l.pay(&pay(1, 1, 100_000, ym(2025, 1))).unwrap();
    let pa_before = l.personal_account_fen(W);
    assert_eq!(pa_before, 39_888);
    // A late earning lifts January's income above 6000 yuan: the rate becomes 20%, no subsidy.
    let new = l.correct_month(&wm(1, 700_000), &r, ym(2025, 2)).unwrap();
    let kinds: Vec<EntryKind> = new.iter().map(Entry::kind).collect();
    assert_eq!(kinds, [EntryKind::Reversal, EntryKind::Reversal, EntryKind::MonthClose, EntryKind::MonthPaid]);
    assert_eq!(new[0].reference(), Some(&EntryId::new(W, Subject::MonthPaid { month: ym(2025, 1), seq: 0 })));
    assert_eq!(new[3].id().to_string(), "1/paid/2025-01/1");
    let c = compute(&r, 700_000, None);
    assert_eq!(l.personal_account_fen(W), c.personal_account_fen);
    assert_eq!(l.arrears(W).credit_fen, 100_000 - c.net_fen);
    assert!(l.correct_month(&wm(1, 700_000), &r, ym(2025, 2)).unwrap().is_empty(), "same figures: nothing to do");
    // Enrolment withdrawn: the close is reversed and the money becomes credit.
    l.correct_month(&WorkerMonth { enrolled: false, ..wm(1, 700_000) }, &r, ym(2025, 2)).unwrap();
    assert_eq!((l.personal_account_fen(W), l.arrears(W).credit_fen, l.status(W, 3)), (0, 100_000, Status::Uninsured));
    let e = l.correct_month(&wm(2, 1), &r, ym(2025, 2)).unwrap_err();
    assert!(matches!(e, LedgerError::NotClosed { .. }));
}

#[test]
fn reversals_are_exact_once_and_only_of_originals() {
    let p = Params::embedded().unwrap();
    let r = rules(&p, "current", ym(2025, 5));
    let mut l = Ledger::new();
    l.close_month(ym(2025, 5), &[wm(1, 0)], &r).unwrap();
    let before = l.balances();
    let pid = EntryId::new(W, Subject::Payment { payer: Payer::Platform(PlatformId(7)), reference: 55 });
    l.pay(&Payment { worker: W, payer: Payer::Platform(PlatformId(7)), reference: 55, amount_fen: 200_000, period: ym(2025, 5) }).unwrap();
    assert_eq!(l.balance_fen(&Account::Clearing(Payer::Platform(PlatformId(7)))), 200_000);
    let paid = EntryId::new(W, Subject::MonthPaid { month: ym(2025, 5), seq: 0 });
    assert!(matches!(l.reverse(&paid, ym(2025, 6)), Err(LedgerError::NotReversible { .. })));
    let new = l.reverse(&pid, ym(2025, 6)).unwrap();
    assert_eq!(new.len(), 2, "the payment's reversal and the crediting's");
    assert_eq!(l.balances(), before);
    assert!(matches!(l.reverse(&pid, ym(2025, 6)), Err(LedgerError::NotReversible { .. })));
    assert!(matches!(l.reverse(&pid.reversed(), ym(2025, 6)), Err(LedgerError::NotReversible { .. })));
    // A hand-made reversal that is not an exact negation is refused.
    let close = EntryId::new(W, Subject::Close { month: ym(2025, 5), rev: 0 });
    let half = l.entry(&close).unwrap().postings().iter().map(|p| Posting { account: p.account, amount_fen: -p.amount_fen / 2 }).collect();
    assert!(matches!(
        Entry::new(close.reversed(), ym(2025, 6), Some(close), half, None).map(|e| l.post(e)),
        Ok(Err(LedgerError::Malformed { .. }))
    ));
}

#[test]
fn entries_must_balance_and_stay_in_their_shard() {
    let id = EntryId::new(W, Subject::Interest { year: 2025, seq: 0 });
    let m = ym(2025, 12);
    let e =
        Entry::new(id, m, None, vec![Posting::debit(Account::InterestExpense, 5), Posting::credit(Account::PersonalAccount(W), 4)], None);
    assert_eq!(e, Err(LedgerError::Unbalanced { id, sum_fen: 1 }));
    let e = Entry::new(
        id,
        m,
        None,
        vec![Posting::debit(Account::InterestExpense, 5), Posting::credit(Account::PersonalAccount(WorkerId(2)), 5)],
        None,
    );
    assert!(matches!(e, Err(LedgerError::Malformed { .. })));
    let e = Entry::new(id, m, Some(id), vec![], None);
    assert!(matches!(e, Err(LedgerError::Malformed { .. })));
    let e = Entry::new(
        id,
        m,
        None,
        vec![Posting::debit(Account::InterestExpense, i64::MAX), Posting::credit(Account::PoolingFund, i64::MAX)],
        None,
    );
    assert!(matches!(e, Err(LedgerError::Malformed { .. })));
}

#[test]
fn year_end_interest_matches_the_rules_core() {
    let p = Params::embedded().unwrap();
    let mut l = Ledger::new();
    for m in 1..=12 {
        l.close_month(ym(2024, m), &[wm(1, 500_000)], &rules(&p, "current", ym(2024, m))).unwrap();
    }
    l.pay(&pay(1, 1, 100_000_000, ym(2024, 6))).unwrap();
    let pa_2024 = l.personal_account_fen(W);
    let i24 = l.credit_interest(2024, &p, None).unwrap().to_vec();
    let projected = p
        .project_account(
            0,
            &[AccountMonth { month: ym(2024, 12), personal_account_fen: pa_2024 }],
            ym(2024, 12),
            None,
            &mut Explainer::new(),
        )
        .unwrap();
    assert_eq!(i24.len(), 1);
    assert_eq!(l.personal_account_fen(W), projected.balance_fen);
    assert_eq!(i24[0].id().to_string(), "1/interest/2024/0");
    assert!(l.credit_interest(2024, &p, None).unwrap().is_empty(), "a year is credited once");
    // 2025: the opening balance earns the full rate; two months of 2025 earn the factor.
    for m in 1..=2 {
        l.close_month(ym(2025, m), &[wm(1, 500_000)], &rules(&p, "current", ym(2025, m))).unwrap();
    }
    let added = l.personal_account_fen(W) - projected.balance_fen;
    l.credit_interest(2025, &p, None).unwrap();
    let again = p
        .project_account(
            projected.balance_fen,
            &[AccountMonth { month: ym(2025, 12), personal_account_fen: added }],
            ym(2025, 12),
            None,
            &mut Explainer::new(),
        )
        .unwrap();
    assert_eq!(l.personal_account_fen(W), again.balance_fen);
    // Reversing 2024's interest late (booked in 2025) and crediting it again changes nothing:
    // the reversal counts against 2024, not as a 2025 withdrawal.
    let before = l.personal_account_fen(W);
    l.reverse(i24[0].id(), ym(2025, 12)).unwrap();
    assert_eq!(l.personal_account_fen(W), before - (projected.balance_fen - pa_2024));
    let again_2024 = l.credit_interest(2024, &p, None).unwrap().to_vec();
    assert_eq!(again_2024[0].id().to_string(), "1/interest/2024/1");
    assert_eq!(l.personal_account_fen(W), before);
    assert!(l.credit_interest(2025, &p, None).unwrap().is_empty(), "2025 is still credited");
    // 2026 has no official rate: an error unless one is assumed.
    let e = l.credit_interest(2026, &p, None).unwrap_err();
    assert!(e.to_string().contains("credited_rate"), "{e}");
    assert_eq!(l.credit_interest(2026, &p, Some(Dec6(20_000))).unwrap().len(), 1);
    assert_eq!(l.trial_balance_fen(), 0);
}

#[test]
fn contribution_record_counts_paid_months_and_the_index() {
    let p = Params::embedded().unwrap();
    let mut l = Ledger::new();
    for m in 1..=4 {
        let w = WorkerMonth { declared_base_fen: Some(843_300), ..wm(1, 500_000) };
        l.close_month(ym(2025, m), &[w], &rules(&p, "current", ym(2025, m))).unwrap();
    }
    // Pays three of the four months: 20% of 8433 yuan each.
    l.pay(&pay(1, 1, 3 * 168_660, ym(2025, 4))).unwrap();
    let wages = BTreeMap::from([(2025, 843_300)]);
    let r = l.contribution_record(W, &wages);
    assert_eq!((r.months_paid, r.avg_contribution_index, r.personal_account_fen), (3, Some(Dec6::ONE), 3 * 67_464));
    let pension = p.pension(&r.pension_input(ym(2045, 6), "60".parse().unwrap(), 843_300).unwrap()).unwrap();
    assert_eq!(pension.value.years_counted, "0.25");
    let r = l.contribution_record(W, &BTreeMap::from([(2024, 1)]));
    assert!(r.pension_input(ym(2045, 6), "60".parse().unwrap(), 843_300).is_none());
    assert_eq!((r.avg_contribution_index, r.missing_wage_years), (None, vec![2025]));
    assert_eq!(lapse_after_months(&p, ym(2025, 4)).unwrap(), 3);
}

#[test]
fn json_contracts() {
    let p = Params::embedded().unwrap();
    let mut l = Ledger::new();
    let r = rules(&p, "paper", ym(2025, 3));
    l.close_month(ym(2025, 3), &[wm(1, 380_000), wm(2, 800_000)], &r).unwrap();
    l.pay(&pay(1, 1, 35_899, ym(2025, 3))).unwrap();
    let report = serde_json::to_value(l.month_report(ym(2025, 3))).unwrap();
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected =
        ["workers", "income_fen", "contribution_fen", "subsidy_fen", "subsidy_paid_fen", "paid_fen", "arrears_fen", "trial_balance_fen"];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    let c2 = compute(&r, 800_000, None);
    assert_eq!(report["contribution_fen"], 59_832 + c2.contribution_fen);
    assert_eq!(report["paid_fen"], 35_899);
    assert_eq!(report["arrears_fen"], c2.net_fen);
    assert_eq!(report["trial_balance_fen"], 0);

    let json = serde_json::to_string(l.entries()).unwrap();
    assert!(json.contains(r#""id":"1/close/2025-03/0","kind":"month_close","period":"2025-03""#), "{json}");
    assert!(json.contains(r#"{"account":"receivable/1","amount_fen":35899}"#), "{json}");
    let back: Vec<Entry> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, l.entries());
    let rebuilt = Ledger::from_entries(back).unwrap();
    assert_eq!(rebuilt.balances(), l.balances());
    // A stored entry that does not balance is refused on reading.
    let tampered = json.replacen("35899", "35898", 1);
    assert!(serde_json::from_str::<Vec<Entry>>(&tampered).is_err());
    let wrong_kind = json.replacen(r#""kind":"month_close""#, r#""kind":"payment""#, 1);
    assert!(serde_json::from_str::<Vec<Entry>>(&wrong_kind).is_err());
}

#[test]
fn stored_entries_that_do_not_fit_are_refused() {
    let p = Params::embedded().unwrap();
    let r = rules(&p, "current", ym(2025, 3));
    let mut full = Ledger::new();
    full.close_month(ym(2025, 3), &[wm(1, 500_000)], &r).unwrap();
    full.pay(&pay(1, 1, 100_000, ym(2025, 3))).unwrap();
    let [close, payment, paid] = [0, 1, 2].map(|i| full.entries()[i].clone());
    assert_eq!(paid.kind(), EntryKind::MonthPaid);
    let malformed = |r: Result<bool, LedgerError>| matches!(r, Err(LedgerError::Malformed { .. }));
    // A crediting needs its month's live close before it.
    assert!(malformed(Ledger::new().post(paid.clone())));
    // A second revision without the first.
    let rev1 = Entry::new(
        EntryId::new(W, Subject::Close { month: ym(2025, 3), rev: 1 }),
        ym(2025, 3),
        None,
        close.postings().to_vec(),
        close.due().copied(),
    )
    .unwrap();
    assert!(malformed(Ledger::new().post(rev1)));
    // A close's due that does not add up, or postings that are not the due's.
    let mut due = *close.due().unwrap();
    due.pooling_fen += 1;
    assert!(Entry::new(*close.id(), ym(2025, 3), None, close.postings().to_vec(), Some(due)).is_err());
    let mut due = *close.due().unwrap();
    due.net_fen -= 1;
    due.subsidy_fen += 1;
    assert!(Entry::new(*close.id(), ym(2025, 3), None, close.postings().to_vec(), Some(due)).is_err());
    // A payment that credits the wrong account.
    let wrong = Entry::new(
        *payment.id(),
        ym(2025, 3),
        None,
        vec![Posting::debit(Account::Clearing(Payer::SelfPaid), 5), Posting::credit(Account::PoolingFund, 5)],
        None,
    )
    .unwrap();
    assert!(malformed(Ledger::new().post(wrong)));
    // Interest booked outside its year.
    let interest = Entry::new(
        EntryId::new(W, Subject::Interest { year: 2025, seq: 0 }),
        ym(2026, 1),
        None,
        vec![Posting::debit(Account::InterestExpense, 5), Posting::credit(Account::PersonalAccount(W), 5)],
        None,
    )
    .unwrap();
    assert!(malformed(Ledger::new().post(interest)));
    // A close may not be reversed while its month stands credited.
    let mut l = Ledger::from_entries([close.clone(), payment, paid]).unwrap();
    assert!(malformed(l.post(Entry::reversal_of(&close, ym(2025, 4)).unwrap())));
    // A reversal of what is not there.
    assert!(matches!(Ledger::new().post(Entry::reversal_of(&close, ym(2025, 4)).unwrap()), Err(LedgerError::UnknownEntry { .. })));
}

/// Money cannot have been received before the oldest month it pays, and a
/// crediting is never booked before its month (so it earns no interest for a year before it).
#[test]
fn a_payment_is_not_received_before_the_month_it_pays() {
    let p = Params::embedded().unwrap();
    let mut l = Ledger::new();
    l.close_month(ym(2025, 3), &[wm(1, 380_000)], &rules(&p, "paper", ym(2025, 3))).unwrap();
    let n = l.entries().len();
    let e = l.pay(&pay(1, 1, 100_000, ym(2024, 12))).unwrap_err();
    assert!(matches!(e, LedgerError::Input { field: "period", .. }), "{e}");
    assert_eq!(l.entries().len(), n, "nothing posted");
    // Money held as credit before a month closes pays it at the close, booked in that month.
    let mut l = Ledger::new();
    l.pay(&pay(1, 1, 100_000, ym(2024, 12))).unwrap();
    let new = l.close_month(ym(2025, 3), &[wm(1, 380_000)], &rules(&p, "paper", ym(2025, 3))).unwrap();
    let paid = new.iter().find(|e| e.kind() == EntryKind::MonthPaid).expect("credited at the close");
    assert_eq!(paid.period(), ym(2025, 3));
    // So 2024 earns nothing on it.
    assert!(l.credit_interest(2024, &p, None).unwrap().is_empty());
}

/// A year's interest after a later year's is refused whole.
#[test]
fn interest_is_credited_in_year_order() {
    let p = Params::embedded().unwrap();
    let mut l = Ledger::new();
    for m in [11, 12] {
        l.close_month(ym(2024, m), &[wm(1, 380_000), wm(2, 500_000)], &rules(&p, "current", ym(2024, m))).unwrap();
    }
    l.pay(&pay(1, 1, 2_000_000, ym(2024, 12))).unwrap();
    l.pay(&pay(2, 1, 2_000_000, ym(2024, 12))).unwrap();
    l.credit_interest(2025, &p, None).unwrap();
    let n = l.entries().len();
    let e = l.credit_interest(2024, &p, None).unwrap_err();
    assert!(matches!(e, LedgerError::InterestOrder { year: 2024, later: 2025, .. }), "{e}");
    assert_eq!(l.entries().len(), n, "nothing posted");
}

/// The month report's subsidy drawn is the subsidy of the months paid.
#[test]
fn month_report_gives_the_subsidy_drawn() {
    let p = Params::embedded().unwrap();
    let mut l = Ledger::new();
    let r = rules(&p, "paper", ym(2025, 1));
    l.close_month(ym(2025, 1), &[wm(1, 380_000), wm(2, 380_000)], &r).unwrap();
    let rep = l.month_report(ym(2025, 1));
    assert_eq!((rep.subsidy_fen, rep.subsidy_paid_fen), (2 * 23_933, 0));
    l.pay(&pay(1, 1, 35_899, ym(2025, 1))).unwrap();
    let rep = l.month_report(ym(2025, 1));
    assert_eq!((rep.subsidy_fen, rep.subsidy_paid_fen), (2 * 23_933, 23_933));
    assert_eq!(rep.subsidy_paid_fen, l.balance_fen(&Account::SubsidyFund));
    let json = serde_json::to_value(rep).unwrap();
    assert_eq!(json["subsidy_paid_fen"], 23_933);
}

#[test]
fn a_transfer_goes_through_one_regions_clearing_and_can_be_booked_back() {
    let ah = Account::InterRegion(RegionCode::new("ah").unwrap());
    let out = EntryId::new(W, Subject::Transfer { reference: 5, inbound: false });
    let good = vec![
        Posting::debit(Account::PersonalAccount(W), 700),
        Posting::debit(Account::InterestExpense, 10),
        Posting::debit(Account::PoolingFund, 300),
        Posting::credit(ah, 1010),
    ];
    let mut l = Ledger::new();
    let e = Entry::new(out, ym(2026, 3), None, good.clone(), None).unwrap();
    assert_eq!(e.kind(), EntryKind::TransferOut);
    assert!(l.post(e.clone()).unwrap());
    assert!(!l.post(e).unwrap(), "the same transfer again: a no-op");
    assert_eq!(l.balance_fen(&ah), -1010);
    // Booked back when refused: the exact negation.
    l.reverse(&out, ym(2026, 3)).unwrap();
    assert_eq!((l.balance_fen(&ah), l.balance_fen(&Account::PersonalAccount(W))), (0, 0));
    // In: the mirror image, no interest; wrong shapes refused.
    let inn = EntryId::new(W, Subject::Transfer { reference: 6, inbound: true });
    let mirror =
        vec![Posting::debit(ah, 1000), Posting::credit(Account::PersonalAccount(W), 700), Posting::credit(Account::PoolingFund, 300)];
    assert!(l.post(Entry::new(inn, ym(2026, 3), None, mirror, None).unwrap()).unwrap());
    let bad = [
        // Out with the signs of in.
        vec![Posting::credit(Account::PersonalAccount(W), 700), Posting::debit(ah, 700)],
        // Through no region's clearing.
        vec![Posting::debit(Account::PersonalAccount(W), 700), Posting::credit(Account::SubsidyFund, 700)],
        // Through two.
        vec![
            Posting::debit(Account::PersonalAccount(W), 700),
            Posting::credit(ah, 300),
            Posting::credit(Account::InterRegion(RegionCode::new("js").unwrap()), 400),
        ],
    ];
    for (i, postings) in bad.into_iter().enumerate() {
        let id = EntryId::new(W, Subject::Transfer { reference: 10 + i as i64, inbound: false });
        assert!(l.post(Entry::new(id, ym(2026, 3), None, postings, None).unwrap()).is_err(), "case {i}");
    }
}

#[test]
fn a_payments_postings_follow_from_its_amount() {
    let p = Params::embedded().unwrap();
    let mut l = Ledger::new();
    l.close_month(ym(2025, 1), &[wm(1, 380_000)], &rules(&p, "paper", ym(2025, 1))).unwrap();
    for payer in [Payer::SelfPaid, Payer::Platform(PlatformId(7))] {
        let new = l.pay(&Payment { worker: W, payer, reference: 9, amount_fen: 12_345, period: ym(2025, 2) }).unwrap();
        let e = &new[0];
        assert_eq!(e.kind(), EntryKind::Payment);
        let derived = payment_postings(*e.id(), 12_345).expect("a payment");
        assert_eq!(e.postings(), &derived[..], "{payer:?}");
        // Another amount gives other postings: the amount is what the store must keep.
        assert_ne!(e.postings(), &payment_postings(*e.id(), 12_346).unwrap()[..]);
        assert_eq!(payment_postings(e.id().reversed(), 12_345), None, "a reversal keeps its own postings");
    }
    let close = l.entries().iter().find(|e| e.kind() == EntryKind::MonthClose).unwrap();
    assert_eq!(payment_postings(*close.id(), 1), None);
}
