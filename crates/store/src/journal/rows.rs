//! The journal's rows read back: entries rebuilt through the ledger's checks. (New entries are
//! written by the backend: `Tx::write_journal`.)
//!
//! Postings that follow from what is stored are not written ([`postings_derived`]): a close's
//! come from its due, a crediting's from the due of the close it credits, a payment's from the
//! amount on its row. Reading derives them again when an entry of those kinds has no stored
//! postings (entries written before this rule keep theirs, and are read as stored). The log's
//! row of an entry is the same either way.

use crate::{Result, StoreError};
use flexpension_ledger::{Account, Due, Entry, EntryId, EntryKind, Posting, Subject, close_postings, paid_postings, payment_postings};
use flexpension_rules::YearMonth;
use std::collections::HashMap;

/// Are `e`'s postings left unwritten, to be derived on reading? A month close's (from its due),
/// a crediting's (from its close's due) and a payment's (from its amount, [`payment_amount`]);
/// interest, transfers, deposits and reversals keep theirs.
pub(crate) fn postings_derived(e: &Entry) -> bool {
    matches!(e.kind(), EntryKind::MonthClose | EntryKind::MonthPaid) || payment_amount(e).is_some()
}

/// The amount kept on a payment's row in place of its postings: `Some` only for a payment (not
/// its reversal) whose postings are exactly those [`payment_postings`] derives from it (as the
/// ledger's check requires).
pub(crate) fn payment_amount(e: &Entry) -> Option<i64> {
    let amount = e.postings().first()?.amount_fen;
    (payment_postings(*e.id(), amount)?[..] == *e.postings()).then_some(amount)
}

/// One row of the entries ⟕ postings read, in (worker, seq, line) order.
pub(crate) type JoinRow = (
    i64,
    String,
    i32,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// Entries with their postings of the workers `worker_id BETWEEN $1 AND $2`, in replay order.
/// The range is stated on both tables: PostgreSQL does not carry it across the join, and with
/// estimates behind a fast-growing journal it hashed every posting to read one worker's
/// (0.2 s per payment at 350,000 postings).
pub(crate) const SELECT_RANGE: &str = "SELECT e.worker_id, e.entry_id, e.period, e.reference, e.income_fen, e.base_fen, \
    e.contribution_fen, e.personal_account_fen, e.pooling_fen, e.subsidy_fen, e.net_fen, p.account, p.amount_fen, e.amount_fen \
    FROM journal_entries e LEFT JOIN journal_postings p ON p.worker_id = e.worker_id AND p.entry_id = e.entry_id \
    AND p.worker_id BETWEEN $1 AND $2 WHERE e.worker_id BETWEEN $1 AND $2 ORDER BY e.worker_id, e.seq, p.line";

/// A close's stored due columns (income, base, contribution, personal account, pooling,
/// subsidy, net), all there or none.
pub(crate) type DueColumns = (Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// The due of a close's columns; `None` when any is missing (an entry that is not a close).
pub(crate) fn due_of(c: DueColumns) -> Option<Due> {
    let (
        Some(income_fen),
        Some(base_fen),
        Some(contribution_fen),
        Some(personal_account_fen),
        Some(pooling_fen),
        Some(subsidy_fen),
        Some(net_fen),
    ) = c
    else {
        return None;
    };
    Some(Due { income_fen, base_fen, contribution_fen, personal_account_fen, pooling_fen, subsidy_fen, net_fen })
}

fn corrupt(id: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("journal entry {id}: {what}"))
}

/// Rebuild entries from joined rows; each passes `Entry::new` again, so a stored row that does
/// not balance or does not fit its kind is reported, never used.
pub(crate) fn entries_from(rows: Vec<JoinRow>) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut cur: Option<(String, JoinRow, Vec<Posting>)> = None;
    // The dues of the closes read so far, for creditings without stored postings (a crediting
    // follows its close in the worker's order).
    let mut closes: HashMap<EntryId, Due> = HashMap::new();
    let mut finish = |(id, r, mut postings): (String, JoinRow, Vec<Posting>)| -> Result<Entry> {
        let eid: EntryId = id.parse().map_err(|e| corrupt(&id, e))?;
        let period = crate::ids::month_from_code(r.2).ok_or_else(|| corrupt(&id, "period"))?;
        let reference = r.3.as_deref().map(|s| s.parse::<EntryId>().map_err(|e| corrupt(&id, e))).transpose()?;
        let due = due_of((r.4, r.5, r.6, r.7, r.8, r.9, r.10));
        match (eid.kind(), due, reference) {
            (EntryKind::MonthClose, Some(d), _) => {
                closes.insert(eid, d);
                if postings.is_empty() {
                    postings = close_postings(eid, &d).to_vec();
                }
            }
            (EntryKind::MonthPaid, _, Some(close)) if postings.is_empty() => {
                let d = closes.get(&close).ok_or_else(|| corrupt(&id, "credits a close not read before it"))?;
                postings = paid_postings(eid, d).to_vec();
            }
            (EntryKind::Payment, _, _) if postings.is_empty() => {
                let amount = r.13.ok_or_else(|| corrupt(&id, "a payment without its postings or its amount"))?;
                postings = payment_postings(eid, amount).ok_or_else(|| corrupt(&id, "not a payment's id"))?.to_vec();
            }
            _ => {}
        }
        Entry::new(eid, period, reference, postings, due).map_err(|e| corrupt(&id, e))
    };
    for r in rows {
        let posting = match (&r.11, r.12) {
            (Some(a), Some(amount_fen)) => Some(Posting { account: a.parse::<Account>().map_err(|e| corrupt(&r.1, e))?, amount_fen }),
            _ => None,
        };
        match &mut cur {
            Some((id, prev, postings)) if *id == r.1 && prev.0 == r.0 => postings.extend(posting),
            _ => {
                if let Some(done) = cur.take() {
                    out.push(finish(done)?);
                }
                cur = Some((r.1.clone(), r, posting.into_iter().collect()));
            }
        }
    }
    if let Some(done) = cur.take() {
        out.push(finish(done)?);
    }
    Ok(out)
}

pub(crate) fn kind_str(k: EntryKind) -> &'static str {
    match k {
        EntryKind::MonthClose => "month_close",
        EntryKind::Payment => "payment",
        EntryKind::MonthPaid => "month_paid",
        EntryKind::InterestCredit => "interest_credit",
        EntryKind::TransferOut => "transfer_out",
        EntryKind::TransferIn => "transfer_in",
        EntryKind::Reversal => "reversal",
        EntryKind::SavingsDeposit => "savings_deposit",
    }
}

/// The contribution month an entry is about (closes, creditings and their reversals).
pub(crate) fn subject_month(id: &EntryId) -> Option<YearMonth> {
    match id.subject {
        Subject::Close { month, .. } | Subject::MonthPaid { month, .. } => Some(month),
        _ => None,
    }
}
