//! Property tests: balance, idempotency, exact reversal, totals equal to the rules engine's,
//! order independence of closes and payments, and commits from stale snapshots.

use flexpension_ledger::*;
use flexpension_rules::contribution::{batch_totals, compute};
use flexpension_rules::pension::AccountMonth;
use flexpension_rules::{Dec6, Explainer, Fen, MonthRules, Params, YearMonth};
use flexpension_testkit::Rng;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const MONTHS: u32 = 4;

fn params() -> &'static Params {
    static P: OnceLock<Params> = OnceLock::new();
    P.get_or_init(|| Params::embedded().expect("params"))
}

/// The rules of 2025-01..04 under both policies, resolved once.
fn rules(policy: usize, month: u32) -> &'static MonthRules {
    static R: OnceLock<Vec<Vec<MonthRules>>> = OnceLock::new();
    let all = R.get_or_init(|| {
        let p = params();
        ["current", "paper"]
            .iter()
            .map(|pol| {
                let s = p.scenario("zj", Some(pol), None).expect("scenario");
                (1..=MONTHS).map(|m| s.month_rules(ym(m)).expect("rules").0).collect()
            })
            .collect()
    });
    &all[policy][month as usize - 1]
}

fn ym(m: u32) -> YearMonth {
    YearMonth::new(2025, m).expect("month")
}

#[derive(Debug, Clone)]
enum Op {
    Close(u32, WorkerMonth),
    Pay(Payment),
}

#[derive(Debug, Clone)]
struct Case {
    policy: usize,
    ops: Vec<Op>,
}

fn worker_month(worker: i64) -> impl Strategy<Value = WorkerMonth> {
    (0i64..1_200_000, prop::option::weighted(0.3, 1i64..3_000_000), prop::bool::weighted(0.85)).prop_map(
        move |(income_fen, declared_base_fen, enrolled)| WorkerMonth { worker: WorkerId(worker), income_fen, declared_base_fen, enrolled },
    )
}

fn payer() -> impl Strategy<Value = Payer> {
    prop_oneof![Just(Payer::SelfPaid), (1i64..3).prop_map(|p| Payer::Platform(PlatformId(p)))]
}

/// Closes of up to 4 workers over 4 months and up to 10 payments, in canonical order (closes by
/// month, then payments).
fn case() -> impl Strategy<Value = Case> {
    let closes = prop::collection::vec((1..=MONTHS, 1i64..=4).prop_flat_map(|(m, w)| worker_month(w).prop_map(move |x| (m, x))), 0..14);
    let pays = prop::collection::vec((1i64..=4, payer(), 1i64..150_000), 0..10);
    (0usize..2, closes, pays).prop_map(|(policy, closes, pays)| {
        // One close per (month, worker): a second would be a correction, not a close.
        let mut seen = BTreeMap::new();
        for (m, w) in closes {
            seen.entry((m, w.worker)).or_insert(w);
        }
        let mut ops: Vec<Op> = seen.into_iter().map(|((m, _), w)| Op::Close(m, w)).collect();
        // Received in the last month: never before a month it pays, in any order of the ops.
        ops.extend(pays.into_iter().enumerate().map(|(i, (w, payer, amount_fen))| {
            Op::Pay(Payment { worker: WorkerId(w), payer, reference: i as i64, amount_fen, period: ym(MONTHS) })
        }));
        Case { policy, ops }
    })
}

fn apply(policy: usize, ops: &[Op]) -> Ledger {
    let mut l = Ledger::new();
    for op in ops {
        apply_one(&mut l, policy, op);
    }
    l
}

fn apply_one(l: &mut Ledger, policy: usize, op: &Op) {
    match op {
        Op::Close(m, w) => l.close_month(ym(*m), &[*w], rules(policy, *m)).map(drop),
        Op::Pay(p) => l.pay(p).map(drop),
    }
    .expect("valid operation");
}

/// Every account's balance recomputed the slow way, from the postings.
fn summed(l: &Ledger) -> Vec<(Account, Fen)> {
    let mut m: BTreeMap<Account, Fen> = BTreeMap::new();
    for e in l.entries() {
        for p in e.postings() {
            *m.entry(p.account).or_default() += p.amount_fen;
        }
    }
    m.into_iter().filter(|(_, v)| *v != 0).collect()
}

fn reports(l: &Ledger) -> Vec<MonthReport> {
    (1..=MONTHS).map(|m| l.month_report(ym(m))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn entries_balance_and_balances_are_sums_of_postings(c in case(), seed in any::<u64>()) {
        // An arbitrary order, so out-of-order closes and early payments occur.
        let mut ops = c.ops.clone();
        Rng::new(seed).shuffle(&mut ops);
        let l = apply(c.policy, &ops);
        for e in l.entries() {
            prop_assert_eq!(e.postings().iter().map(|p| i128::from(p.amount_fen)).sum::<i128>(), 0, "{}", e.id());
        }
        prop_assert_eq!(l.balances(), summed(&l));
        prop_assert_eq!(l.trial_balance_fen(), 0);
        let rebuilt = Ledger::from_entries(l.entries().to_vec()).expect("replays");
        prop_assert_eq!(rebuilt.balances(), l.balances());
    }

    #[test]
    fn only_balanced_entries_can_be_built(amounts in prop::collection::vec(-1_000_000i64..1_000_000, 1..6)) {
        let id = EntryId::new(WorkerId(1), Subject::Interest { year: 2025, seq: 0 });
        let accounts = [Account::InterestExpense, Account::PersonalAccount(WorkerId(1))];
        let postings: Vec<Posting> = amounts.iter().enumerate().map(|(i, a)| Posting { account: accounts[i % 2], amount_fen: *a }).collect();
        let sum: i64 = amounts.iter().sum();
        let e = Entry::new(id, ym(12), None, postings, None);
        prop_assert_eq!(e.is_ok(), sum == 0);
    }

    #[test]
    fn a_month_closed_twice_changes_nothing(c in case(), bump in 1i64..500_000) {
        let mut l = apply(c.policy, &c.ops);
        let (entries, balances) = (l.entries().to_vec(), l.balances());
        for op in &c.ops {
            if let Op::Close(m, w) = op {
                // The same close again, and again with another income: a closed month stays closed.
                prop_assert!(l.close_month(ym(*m), &[*w], rules(c.policy, *m)).expect("ok").is_empty());
                let other = WorkerMonth { income_fen: w.income_fen + bump, ..*w };
                prop_assert!(l.close_month(ym(*m), &[other], rules(c.policy, *m)).expect("ok").is_empty());
            }
        }
        // Posting every entry again: each is found and nothing changes.
        for e in &entries {
            prop_assert_eq!(l.post(e.clone()), Ok(false));
        }
        prop_assert_eq!(l.entries(), entries.as_slice());
        prop_assert_eq!(l.balances(), balances);
    }

    #[test]
    fn a_reversal_restores_balances_exactly(c in case(), w in 1i64..=4, amount in 1i64..400_000, income in 0i64..1_200_000) {
        let mut l = apply(c.policy, &c.ops);
        let (before, reports_before) = (l.balances(), reports(&l));
        // A payment and its reversal, with every crediting they caused.
        let p = Payment { worker: WorkerId(w), payer: Payer::SelfPaid, reference: 999, amount_fen: amount, period: ym(MONTHS) };
        l.pay(&p).expect("pays");
        let id = EntryId::new(p.worker, Subject::Payment { payer: p.payer, reference: 999 });
        l.reverse(&id, ym(MONTHS)).expect("reverses");
        prop_assert_eq!(l.balances(), before.clone());
        prop_assert_eq!(reports(&l), reports_before.clone());
        // A correction and the correction back.
        if let Some(Op::Close(m, wm)) = c.ops.iter().find(|o| matches!(o, Op::Close(_, x) if x.enrolled)) {
            l.correct_month(&WorkerMonth { income_fen: income, ..*wm }, rules(c.policy, *m), ym(MONTHS)).expect("corrects");
            l.correct_month(wm, rules(c.policy, *m), ym(MONTHS)).expect("corrects back");
            prop_assert_eq!(l.balances(), before.clone());
            prop_assert_eq!(reports(&l), reports_before);
        }
        // At the lowest level: any entry followed by its reversal.
        let mut raw = l.clone();
        let e = Entry::new(EntryId::new(WorkerId(w), Subject::Payment { payer: Payer::SelfPaid, reference: 1000 }), ym(1), None,
            vec![Posting::debit(Account::Clearing(Payer::SelfPaid), amount), Posting::credit(Account::ContributionsReceivable(WorkerId(w)), amount)], None).expect("entry");
        let r = Entry::reversal_of(&e, ym(2)).expect("reversal");
        raw.post(e).expect("posts");
        raw.post(r).expect("posts");
        prop_assert_eq!(raw.balances(), before);
    }

    #[test]
    fn contribution_totals_equal_the_rules_engine(policy in 0usize..2, month in 1..=MONTHS,
        ws in prop::collection::vec((0i64..1_500_000, prop::option::of(1i64..3_000_000), prop::bool::weighted(0.9)), 0..40)) {
        let workers: Vec<WorkerMonth> = ws.iter().enumerate()
            .map(|(i, &(income_fen, declared_base_fen, enrolled))| WorkerMonth { worker: WorkerId(i as i64), income_fen, declared_base_fen, enrolled })
            .collect();
        let r = rules(policy, month);
        let entries = close_entries(ym(month), &workers, r).expect("closes");
        let enrolled: Vec<&WorkerMonth> = workers.iter().filter(|w| w.enrolled).collect();
        prop_assert_eq!(entries.len(), enrolled.len());
        let sum = |f: fn(&Due) -> Fen| entries.iter().map(|e| f(e.due().expect("due"))).sum::<Fen>();
        let by_rules = |f: fn(&flexpension_rules::Contribution) -> Fen| enrolled.iter().map(|w| f(&compute(r, w.income_fen, w.declared_base_fen))).sum::<Fen>();
        prop_assert_eq!(sum(|d| d.contribution_fen), by_rules(|c| c.contribution_fen));
        prop_assert_eq!(sum(|d| d.personal_account_fen), by_rules(|c| c.personal_account_fen));
        prop_assert_eq!(sum(|d| d.pooling_fen), by_rules(|c| c.pooling_fen));
        prop_assert_eq!(sum(|d| d.subsidy_fen), by_rules(|c| c.subsidy_fen));
        prop_assert_eq!(sum(|d| d.net_fen), by_rules(|c| c.net_fen));
        let incomes: Vec<Fen> = enrolled.iter().map(|w| w.income_fen).collect();
        let bases: Vec<Fen> = enrolled.iter().map(|w| w.declared_base_fen.unwrap_or(0)).collect();
        let t = batch_totals(r, &incomes, Some(&bases));
        prop_assert_eq!((sum(|d| d.contribution_fen), sum(|d| d.subsidy_fen), sum(|d| d.net_fen)), (t.contribution_fen, t.subsidy_fen, t.net_fen));
        let mut l = Ledger::new();
        l.close_month(ym(month), &workers, r).expect("closes");
        let rep = l.month_report(ym(month));
        prop_assert_eq!((rep.workers, rep.contribution_fen, rep.subsidy_fen), (t.workers, t.contribution_fen, t.subsidy_fen));
        prop_assert_eq!(rep.subsidy_fen + rep.paid_fen + rep.arrears_fen, rep.contribution_fen);
        prop_assert_eq!(l.balance_fen(&Account::PoolingFund), 0, "nothing is credited before payment");
    }

    #[test]
    fn year_end_interest_is_the_rules_cores(c in case(), assumed in 0i64..60_000) {
        let p = params();
        let mut l = apply(c.policy, &c.ops);
        let before: Vec<Fen> = (1..=4).map(|w| l.personal_account_fen(WorkerId(w))).collect();
        let new = l.credit_interest(2025, p, None).expect("2025 has a rate").to_vec();
        for (w, pa) in (1..=4).zip(&before) {
            let history = [AccountMonth { month: ym(12), personal_account_fen: *pa }];
            let want = p.project_account(0, &history, ym(12), None, &mut Explainer::new()).expect("projects");
            prop_assert_eq!(l.personal_account_fen(WorkerId(w)), want.balance_fen);
        }
        prop_assert!(new.iter().all(|e| e.kind() == EntryKind::InterestCredit && e.period() == ym(12)));
        prop_assert!(l.credit_interest(2025, p, None).expect("again").is_empty());
        // 2026 has no official rate: refused whole unless a rate is assumed.
        let n = l.entries().len();
        prop_assert!(l.credit_interest(2026, p, None).is_err());
        prop_assert_eq!(l.entries().len(), n);
        l.credit_interest(2026, p, Some(Dec6(assumed))).expect("assumed");
        prop_assert_eq!(l.trial_balance_fen(), 0);
        prop_assert_eq!(l.balances(), summed(&l));
    }

    #[test]
    fn closes_and_payments_in_any_order_end_the_same(c in case(), seed in any::<u64>()) {
        let canonical = apply(c.policy, &c.ops);
        let mut shuffled = c.ops.clone();
        Rng::new(seed).shuffle(&mut shuffled);
        let other = apply(c.policy, &shuffled);
        prop_assert_eq!(other.balances(), canonical.balances());
        prop_assert_eq!(reports(&other), reports(&canonical));
        for w in 1..=4 {
            prop_assert_eq!(other.arrears(WorkerId(w)), canonical.arrears(WorkerId(w)));
            prop_assert_eq!(other.status(WorkerId(w), 3), canonical.status(WorkerId(w), 3));
        }
        // No fen lost or doubled: cash in equals payments; what was credited is what was paid for.
        let paid: Fen = c.ops.iter().map(|o| if let Op::Pay(p) = o { p.amount_fen } else { 0 }).sum();
        let cash: Fen = other.balances().iter().filter(|(a, _)| matches!(a, Account::Clearing(_))).map(|(_, v)| v).sum();
        prop_assert_eq!(cash, paid);
        let credited: Fen = (1..=4).map(|w| other.personal_account_fen(WorkerId(w))).sum::<Fen>() - other.balance_fen(&Account::PoolingFund);
        let dues: Fen = (1..=4).flat_map(|w| other.arrears(WorkerId(w)).unpaid).map(|u| u.owed_fen).sum();
        let rep = reports(&other);
        let billed: Fen = rep.iter().map(|r| r.contribution_fen - r.subsidy_fen).sum();
        prop_assert_eq!(dues, rep.iter().map(|r| r.arrears_fen).sum::<Fen>());
        prop_assert_eq!(credited, rep.iter().map(|r| r.contribution_fen).sum::<Fen>() - uncredited(&other, c.policy, &c.ops));
        prop_assert_eq!(billed - dues + (1..=4).map(|w| other.arrears(WorkerId(w)).credit_fen).sum::<Fen>(), paid);
    }
}

/// The ledger's invariants: trial balance 0; each personal account = the personal share (8%)
/// of its months paid in full plus its interest; the subsidy fund draws only for months paid.
fn invariants(l: &Ledger) -> Result<(), TestCaseError> {
    prop_assert_eq!(l.trial_balance_fen(), 0);
    prop_assert_eq!(l.balances(), summed(l));
    let live = |e: &&Entry| l.entry(&e.id().reversed()).is_none();
    let mut pa: BTreeMap<WorkerId, Fen> = BTreeMap::new();
    let mut subsidy = 0;
    for e in l.entries().iter().filter(live) {
        match e.kind() {
            EntryKind::MonthPaid => {
                let due = e.reference().and_then(|r| l.entry(r)).and_then(Entry::due).expect("a crediting references its close");
                *pa.entry(e.id().worker).or_default() += due.personal_account_fen;
                subsidy += due.subsidy_fen;
            }
            EntryKind::InterestCredit => {
                let interest: Fen = e.postings().iter().filter(|p| p.account == Account::InterestExpense).map(|p| p.amount_fen).sum();
                *pa.entry(e.id().worker).or_default() += interest;
            }
            _ => {}
        }
    }
    for w in l.workers() {
        prop_assert_eq!(l.personal_account_fen(w), pa.get(&w).copied().unwrap_or(0), "worker {}", w);
    }
    prop_assert_eq!(l.balance_fen(&Account::SubsidyFund), subsidy);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Refused operations (money received before the month it pays, a year's interest after a
    /// later year's) change nothing, and the invariants hold throughout.
    #[test]
    fn refusals_change_nothing_and_invariants_hold(c in case(), seed in any::<u64>(), w in 1i64..=4, amount in 1i64..400_000, back in 1i64..30) {
        let p = params();
        let mut ops = c.ops.clone();
        Rng::new(seed).shuffle(&mut ops);
        let mut l = apply(c.policy, &ops);
        invariants(&l)?;
        if let Some(first) = l.arrears(WorkerId(w)).unpaid.first().map(|u| u.month) {
            let early = Payment { worker: WorkerId(w), payer: Payer::SelfPaid, reference: 5_000, amount_fen: amount, period: first.add_months(-back).expect("month") };
            let before = l.entries().to_vec();
            prop_assert!(l.pay(&early).is_err());
            prop_assert_eq!(l.entries(), before.as_slice());
        }
        // Out-of-order years: 2026 (at an assumed rate), then 2025 is refused if anyone has 2026's.
        l.credit_interest(2026, p, Some(Dec6(15_000))).expect("2026");
        invariants(&l)?;
        let credited_2026 = l.entries().iter().any(|e| matches!(e.id().subject, Subject::Interest { year: 2026, .. }));
        let before = l.entries().to_vec();
        let r = l.credit_interest(2025, p, None).map(|n| n.len());
        if credited_2026 {
            prop_assert!(r.is_err());
            prop_assert_eq!(l.entries(), before.as_slice());
        }
        invariants(&l)?;
        // More money after the interest: creditings still follow, invariants still hold.
        l.pay(&Payment { worker: WorkerId(w), payer: Payer::SelfPaid, reference: 5_001, amount_fen: amount, period: ym(MONTHS) }).expect("pays");
        invariants(&l)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// The store's concurrency question: two operations computed on the same stale snapshot and
    /// committed one after the other. Deterministic ids turn a duplicate crediting into a
    /// unique-key conflict (or an identical no-op); a conflicting commit is retried on fresh
    /// state; and a reconcile after commit repairs what neither saw. The end state must equal
    /// the serial one.
    #[test]
    fn stale_snapshots_committed_and_reconciled_equal_serial(c in case(), seed in any::<u64>(), k in any::<prop::sample::Index>()) {
        let mut ops = c.ops.clone();
        Rng::new(seed).shuffle(&mut ops);
        prop_assume!(ops.len() >= 2);
        let k = k.index(ops.len() - 1);
        let snapshot = apply(c.policy, &ops[..k]);
        let run = |l: &Ledger, op: &Op| -> Vec<Entry> {
            let mut l = l.clone();
            let n = l.entries().len();
            apply_one(&mut l, c.policy, op);
            l.entries()[n..].to_vec()
        };
        let (ea, eb) = (run(&snapshot, &ops[k]), run(&snapshot, &ops[k + 1]));
        let mut merged = snapshot.clone();
        for e in ea {
            merged.post(e).expect("the first commit fits");
        }
        let mut attempt = merged.clone();
        if eb.into_iter().try_for_each(|e| attempt.post(e).map(drop)).is_ok() {
            merged = attempt;
        } else {
            apply_one(&mut merged, c.policy, &ops[k + 1]);
        }
        for w in 1..=4 {
            merged.reconcile(WorkerId(w), ym(MONTHS)).expect("reconciles");
        }
        let mut serial = apply(c.policy, &ops[..k + 2]);
        for op in &ops[k + 2..] {
            apply_one(&mut merged, c.policy, op);
            apply_one(&mut serial, c.policy, op);
        }
        prop_assert_eq!(merged.balances(), serial.balances());
        prop_assert_eq!(reports(&merged), reports(&serial));
        prop_assert_eq!(merged.trial_balance_fen(), 0);
    }
}

/// Gross contributions of the months not credited (not paid in full).
fn uncredited(l: &Ledger, policy: usize, ops: &[Op]) -> Fen {
    ops.iter()
        .filter_map(|o| match o {
            Op::Close(m, w) if w.enrolled => {
                let unpaid = l.arrears(w.worker).unpaid.iter().any(|u| u.month == ym(*m));
                unpaid.then(|| compute(rules(policy, *m), w.income_fen, w.declared_base_fen).contribution_fen)
            }
            _ => None,
        })
        .sum()
}
