//! What is derived per worker: arrears and credit, the lapse status, and the contribution record
//! the benefit formula needs. Nothing here is stored; it is all read off the journal.

use crate::error::LedgerError;
use crate::ids::WorkerId;
use crate::ledger::{Ledger, WorkerBook};
use flexpension_rules::money::div_round;
use flexpension_rules::pension::PensionInput;
use flexpension_rules::{Age, Dec6, Fen, Params, YearMonth};
use serde::Serialize;
use std::collections::BTreeMap;

/// A closed month not paid in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UnpaidMonth {
    pub month: YearMonth,
    pub due_fen: Fen,
    /// What is still owed (less than `due_fen` when partly paid).
    pub owed_fen: Fen,
}

/// What a worker owes, month by month, and any money held as credit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Arrears {
    pub arrears_fen: Fen,
    pub credit_fen: Fen,
    pub unpaid: Vec<UnpaidMonth>,
}

/// A worker's standing, derived from the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// 未参保: no month ever closed (or every close reversed).
    Uninsured,
    /// Every closed month is paid.
    Current,
    /// Some months unpaid, fewer than the lapse threshold.
    InArrears { months: u32, arrears_fen: Fen },
    /// 断保: at least the threshold of closed months unpaid, since `since` (the oldest).
    Lapsed {
        months: u32,
        arrears_fen: Fen,
        /// `YYYY-MM`.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        since: YearMonth,
    },
}

/// What the benefit formula needs from the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContributionRecord {
    /// Months paid in full (实缴), the months counted.
    pub months_paid: u32,
    pub personal_account_fen: Fen,
    /// 平均缴费指数: the mean over paid months of base ÷ that year's average wage; `None` when a
    /// year's wage is unknown (listed in `missing_wage_years`) or no month is paid. JSON: "1.234567".
    #[serde(serialize_with = "decimal_text")]
    pub avg_contribution_index: Option<Dec6>,
    pub missing_wage_years: Vec<i32>,
}

impl ContributionRecord {
    /// The benefit formula's input for a retirement, once the index is known.
    pub fn pension_input(&self, retire: YearMonth, age: Age, benefit_base_fen: Fen) -> Option<PensionInput> {
        Some(PensionInput {
            retire,
            age,
            benefit_base_fen,
            avg_contribution_index: self.avg_contribution_index?,
            months: self.months_paid,
            balance_fen: self.personal_account_fen,
        })
    }
}

/// The lapse threshold (`lapse_after_months`, national.toml) in force in `month`.
pub fn lapse_after_months(params: &Params, month: YearMonth) -> Result<u32, LedgerError> {
    let (n, _) = params.lookup(&params.national.lapse_after_months, month.first_day(), |v| v.to_string())?;
    Ok(*n)
}

/// Money received spread over the live closed months oldest first: (month, due, paid part).
pub(crate) fn allocation<'a>(l: &'a Ledger, book: &'a WorkerBook) -> impl Iterator<Item = (YearMonth, Fen, Fen)> + 'a {
    let dues = book.months.iter().filter_map(|m| m.close.map(|i| (m.month, l.entries[i].due().map_or(0, |d| d.net_fen))));
    // Received = what was billed − what is still receivable.
    let mut left = dues.clone().map(|d| d.1).sum::<Fen>() - book.receivable_fen;
    dues.map(move |(m, due)| {
        let paid = left.clamp(0, due);
        left -= paid;
        (m, due, paid)
    })
}

impl Ledger {
    /// Months paid in full (实缴), the months that count towards the minimum years.
    pub fn months_paid(&self, worker: WorkerId) -> u32 {
        self.books.get(&worker).map_or(0, |b| u32::try_from(b.months.iter().filter(|m| m.paid.is_some()).count()).unwrap_or(u32::MAX))
    }

    pub fn arrears(&self, worker: WorkerId) -> Arrears {
        let Some(book) = self.books.get(&worker) else { return Arrears::default() };
        let unpaid: Vec<UnpaidMonth> = allocation(self, book)
            .filter(|(_, due, paid)| paid < due)
            .map(|(month, due_fen, paid)| UnpaidMonth { month, due_fen, owed_fen: due_fen - paid })
            .collect();
        Arrears { arrears_fen: book.receivable_fen.max(0), credit_fen: (-book.receivable_fen).max(0), unpaid }
    }

    /// Lapsed once `lapse_after_months` closed months are unpaid (see `lapse_after_months()`).
    /// Money held as credit pays months as they close, so a prepaid worker never lapses.
    pub fn status(&self, worker: WorkerId, lapse_after_months: u32) -> Status {
        let has_close = self.books.get(&worker).is_some_and(|b| b.months.iter().any(|m| m.close.is_some()));
        if !has_close {
            return Status::Uninsured;
        }
        let a = self.arrears(worker);
        let months = u32::try_from(a.unpaid.len()).unwrap_or(u32::MAX);
        match a.unpaid.first() {
            None => Status::Current,
            Some(first) if months >= lapse_after_months => Status::Lapsed { months, arrears_fen: a.arrears_fen, since: first.month },
            Some(_) => Status::InArrears { months, arrears_fen: a.arrears_fen },
        }
    }

    /// Months paid, the personal account and the average contribution index. `average_wage_fen`
    /// maps a contribution year to the average monthly wage its bases are measured against (in
    /// practice the previous year's published average, the figure the base limits come from).
    pub fn contribution_record(&self, worker: WorkerId, average_wage_fen: &BTreeMap<i32, Fen>) -> ContributionRecord {
        let mut months_paid = 0u32;
        // Bases summed per year, so each year's wage divides once.
        let mut bases: BTreeMap<i32, i128> = BTreeMap::new();
        if let Some(book) = self.books.get(&worker) {
            for m in book.months.iter().filter(|m| m.paid.is_some()) {
                let base = m.close.and_then(|i| self.entries[i].due()).map_or(0, |d| d.base_fen);
                months_paid += 1;
                *bases.entry(m.month.year()).or_default() += i128::from(base);
            }
        }
        let missing_wage_years: Vec<i32> = bases.keys().copied().filter(|y| average_wage_fen.get(y).is_none_or(|w| *w <= 0)).collect();
        let avg_contribution_index = (missing_wage_years.is_empty() && months_paid > 0).then(|| {
            // Each year's base ÷ wage to 12 places, averaged and rounded once to 6 places.
            let sum: i128 =
                bases.iter().filter_map(|(y, b)| average_wage_fen.get(y).map(|w| div_round(b * 1_000_000_000_000, i128::from(*w)))).sum();
            Dec6(div_round(sum, i128::from(months_paid) * 1_000_000) as i64)
        });
        ContributionRecord {
            months_paid,
            personal_account_fen: self.personal_account_fen(worker),
            avg_contribution_index,
            missing_wage_years,
        }
    }
}

/// An exact decimal travels as its text, never as a float.
fn decimal_text<S: serde::Serializer>(v: &Option<Dec6>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}
