//! The pure ledger of flexpension: money in fen, a chart of accounts, an append-only
//! double-entry journal, the month close as a function, payments, year-end interest, and what
//! is derived from them (balances, arrears, lapse, months paid, the month report). No I/O, no
//! SQL, no clock: months and amounts come in as arguments, entries go out for the store.
//!
//! # The double-entry design
//!
//! Amounts are signed `i64` fen: a debit is positive, a credit negative; every entry sums to 0
//! and so does the whole ledger (the trial balance).
//!
//! Flexible workers' personal accounts are credited on actual payment (实缴记账): a month that
//! is billed but never paid must not grow the account, count as a contribution month or draw
//! the subsidy. So the close bills, and the crediting waits for the money:
//!
//! | event | postings |
//! |---|---|
//! | **month close** (`MonthClose`) | Dr `ContributionsReceivable(w)` net / Cr `DeferredContributions(w)` net |
//! | **payment** (`Payment`) | Dr `Clearing(payer)` amount / Cr `ContributionsReceivable(w)` amount |
//! | **month paid in full** (`MonthPaid`) | Dr `DeferredContributions(w)` net + Dr `SubsidyFund` subsidy / Cr `PersonalAccount(w)` personal share + Cr `PoolingFund` pooling share |
//! | **year end** (`InterestCredit`) | Dr `InterestExpense` / Cr `PersonalAccount(w)` |
//! | **transfer out** (`TransferOut`) | Dr `PersonalAccount(w)` balance + Dr `PoolingFund` pooling transfer / Cr `InterRegion(to)` sum |
//! | **transfer in** (`TransferIn`) | Dr `InterRegion(from)` sum / Cr `PersonalAccount(w)` balance + Cr `PoolingFund` pooling transfer |
//! | **savings deposit** (`SavingsDeposit`) | Dr `SavingsHeld` amount / Cr `Savings(w)` amount |
//! | **payment from savings** (`Payment`, payer `Savings`) | Dr `Savings(w)` amount / Cr `ContributionsReceivable(w)` amount |
//! | **correction** (`Reversal`) | the exact negation of the original, referencing it |
//!
//! `net = contribution − subsidy` and `contribution = personal share + pooling share`, all
//! from the rules engine's `compute`. Money is applied to the oldest month first; a month is
//! credited once the money received covers it and every older month; a partial payment waits
//! on the receivable, an overpayment is a credit balance there and pays later months as they
//! close. The subsidy follows the worker's payment because the paper's subsidy is a share of
//! the contribution actually paid.
//!
//! Which months are credited is a function of the live closes and the total received only
//! (`Ledger::reconcile`), so closes and payments applied in any order end in the same balances;
//! a crediting that stops holding (a close corrected, a payment reversed) is reversed.
//!
//! # Ids, idempotency, sharding
//!
//! Entry ids are deterministic (`42/close/2025-03/0`, `42/payment/platform/7/991`,
//! `42/paid/2025-03/0`, `42/interest/2025/0`, a reversal adds `/reversal`) and carry the worker
//! id first; account keys of a worker carry it too (`pa/42`), and an entry may touch only its
//! own worker's accounts and the fund-wide ones. Posting an entry whose id exists is a no-op
//! when identical and an error otherwise, so a store can insert on conflict do nothing.
//! Closing a closed month again produces nothing.
//!
//! # For the store
//!
//! Each operation (`Ledger::close_month`, `pay`, `reverse`, `correct_month`,
//! `credit_interest`) returns the entries it appended: persist exactly those, in that order. A
//! worker's state needs only that worker's entries (`Ledger::from_entries` on them), so work
//! can be split by worker. Two operations on one worker computed from the same snapshot may
//! both commit (different ids) or collide on an id (a unique-key conflict: retry on fresh
//! state); either way, `Ledger::reconcile` for the worker after commit brings the creditings to
//! the one right answer (the property tests check this). Serialising operations per worker (a
//! lock on the worker row) avoids the repair altogether. The fund-wide balances are sums over
//! entries, so their order never matters.
//!
//! # Amounts of the month report
//!
//! `MonthReport` is per contribution month: `contribution_fen = subsidy_fen + paid_fen +
//! arrears_fen`, with `paid_fen` what the workers have paid towards that month so far;
//! `subsidy_fen` is the subsidy billed, `subsidy_paid_fen` the part drawn (months paid in full).
//!
//! # What is refused
//!
//! A payment received before the oldest month it pays (`period`), a year's interest after a
//! later year's (`InterestOrder`). What needs a clock or the registry (months in the future,
//! closes out of order, unknown payers, retirement age) is the store's to refuse.
//!
//! | module | what |
//! |---|---|
//! | `check` | The checks an entry passes before it joins the ledger, and what it changes |
//! | `close` | Month close as a function: (month, workers' incomes and enrolment, rules) -> close entries |
//! | `entry` | Journal entries: an id, the accounting month it is booked in, a reference and postings that sum to zero |
//! | `error` | What can go wrong; every error names the entry, account or worker |
//! | `idmap` | Hash maps keyed by the store's numbers: worker books and the entry index |
//! | `ids` | Identifiers: workers, platforms, the chart of accounts and journal entry ids |
//! | `interest` | Year end: credit the year's interest (记账利息) to every personal account, computed from the rules core's credited rates |
//! | `ledger` | The in-memory ledger: the journal plus what is derived from it (balances, arrears, months paid) |
//! | `ops` | Operations on the ledger: close, pay, reverse, credit interest; each returns the entries it posted |
//! | `record` | What is derived per worker: arrears and credit, the lapse status, and the contribution record the benefit formula needs |
//! | `report` | The month report: the figures of `flexpension report month --json` |
//! | `savings` | The pension savings account (个人养老储蓄账户): deposits, and payments from it |

mod check;
mod close;
mod entry;
mod error;
mod fund;
mod idmap;
mod ids;
mod interest;
mod ledger;
mod ops;
mod record;
mod report;
mod savings;

pub use close::{WorkerMonth, close_entries};
pub use entry::{Due, Entry, MAX_POSTINGS, Posting, close_postings, paid_postings, payment_postings};
pub use error::LedgerError;
pub use fund::granted;
pub use ids::{Account, BadId, EntryId, EntryKind, Payer, PlatformId, RegionCode, Subject, WorkerId};
pub use ledger::Ledger;
pub use ops::Payment;
pub use record::{Arrears, ContributionRecord, Status, UnpaidMonth, lapse_after_months};
pub use report::{MonthFigures, MonthReport};
pub use savings::SavingsDeposit;
