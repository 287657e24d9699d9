//! Collective contracts applied by the month close (section 5.4 of the paper): for each
//! approved contract in force, the platform's share of each of its active workers' contribution
//! is booked in the worker's journal as money owed by the platform (a payment by payer
//! `platform:ID` with the deterministic reference `-YYYYMM`: the worker's due falls by it and the
//! platform's clearing account carries the payable), and billed to the platform
//! (`platform_charges`). A worker on several contract platforms is shared by income. Union dues
//! (active workers × the dated dues) are billed to the platform for the union federation.
//! A contract's minimum base raises the base the close bills its active workers on
//! (`contract_floors`); the platform pays what that adds to the worker's due (the top-up), so a
//! worker never pays more because of a contract.
//! Applying twice changes nothing: the payment ids and the charge keys are the same.

use super::{apply, ledger_error};
use crate::Result;
use crate::backend::Sql;
use crate::fund::Contract;
use crate::ids::month_code;
use flexpension_ledger::{Due, EntryId, Payer, Payment, PlatformId, Subject, WorkerId};
use flexpension_rules::contribution::compute;
use flexpension_rules::{Fen, MonthRules, YearMonth};
use std::collections::HashMap;

/// Workers per transaction when booking contract shares.
const CHUNK: usize = 500;

/// The payment reference of a contract share for `month`.
pub(crate) fn share_reference(month: YearMonth) -> i64 {
    -i64::from(month_code(month))
}

/// The minimum base each worker is billed on under the contracts in force: for a worker active
/// (an order or more) on the platform of a contract with a minimum base, the highest such
/// minimum and the contract that set it (on a tie, the older contract). `active`: (worker,
/// platform) pairs with orders in the month.
pub(crate) fn contract_floors(contracts: &[Contract], active: &[(i64, i64)]) -> HashMap<i64, (Fen, i64)> {
    let mut floors: HashMap<i64, (Fen, i64)> = HashMap::new();
    for &(w, p) in active {
        for c in contracts.iter().filter(|c| c.platform == p) {
            let Some(min) = c.min_base_fen else { continue };
            let e = floors.entry(w).or_insert((min, c.id));
            if min > e.0 || (min == e.0 && c.id < e.1) {
                *e = (min, c.id);
            }
        }
    }
    floors
}

impl crate::Store {
    /// The approved contracts in force in `month` that set a minimum base (for `with_bases`).
    pub(crate) async fn floor_contracts(&self, month: YearMonth) -> Result<Vec<Contract>> {
        Ok(self.contracts_in_force(month).await?.into_iter().filter(|c| c.min_base_fen.is_some()).collect())
    }

    /// Book the contract shares and union dues of `month` (after its close under `rules`).
    /// `dues_fen` is the union dues per active worker in force.
    pub(crate) async fn apply_contracts(&self, month: YearMonth, dues_fen: Fen, rules: &MonthRules) -> Result<u64> {
        let contracts = self.contracts_in_force(month).await?;
        if contracts.is_empty() {
            return Ok(0);
        }
        let code = month_code(month);
        // Every active worker's income by platform this month.
        const INCOMES: &str = "SELECT worker_id, platform_id, income_fen, orders FROM month_income WHERE month = $1 ORDER BY worker_id";
        let rows: Vec<(i64, i64, i64, i64)> = Sql::new(INCOMES).bind(code).fetch_all(self.db()).await?;
        let mut total: HashMap<i64, Fen> = HashMap::new();
        for r in &rows {
            *total.entry(r.0).or_default() += r.2;
        }
        let active: Vec<(i64, i64)> = rows.iter().filter(|r| r.3 > 0).map(|r| (r.0, r.1)).collect();
        let floors = contract_floors(&contracts, &active);
        let ctx = Shares { month, rules, total: &total, floors: &floors };
        let mut booked = 0u64;
        for c in &contracts {
            let active: Vec<(i64, Fen)> = rows.iter().filter(|r| r.1 == c.platform && r.3 > 0).map(|r| (r.0, r.2)).collect();
            for chunk in active.chunks(CHUNK) {
                booked += self.book_shares(&ctx, c, chunk).await?;
            }
            let dues = dues_fen.saturating_mul(active.len() as i64);
            Sql::new(
                "INSERT INTO platform_charges (platform_id, month, kind, worker_id, amount_fen, contract_id) VALUES ($1, $2, 'union_dues', 0, $3, $4) \
                 ON CONFLICT (platform_id, month, kind, worker_id) DO NOTHING",
            )
            .bind(c.platform)
            .bind(code)
            .bind(dues)
            .bind(c.id)
            .execute(self.db())
            .await?;
        }
        Ok(booked)
    }

    /// One transaction: the shares of a chunk of a contract's active workers.
    async fn book_shares(&self, ctx: &Shares<'_>, c: &Contract, chunk: &[(i64, Fen)]) -> Result<u64> {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else { return Ok(0) };
        let (lo, hi, month) = (first.0, last.0, ctx.month);
        let ids: Vec<i64> = chunk.iter().map(|x| x.0).collect();
        let reference = share_reference(month);
        let payer = Payer::Platform(PlatformId(c.platform));
        // The workers' own bases: the share is of the contribution at them.
        let chosen = self.chosen_bases(month, lo, hi).await?;
        let mut tx = self.db().begin_write().await?;
        tx.lock_workers(lo, hi, &ids).await?;
        tx.check_none_frozen(lo, hi, &ids, "a contract share").await?;
        let rows = tx.read_journal(lo, hi).await?;
        let (shares, new) = apply(rows, |l| {
            // Shares of other platforms already booked for the month, by worker.
            let mut other: HashMap<WorkerId, Fen> = HashMap::new();
            for e in l.entries() {
                if let Subject::Payment { payer: Payer::Platform(_), reference: r } = e.id().subject
                    && r == reference
                    && !e.id().reversal
                {
                    *other.entry(e.id().worker).or_default() +=
                        e.postings().iter().filter(|p| p.amount_fen > 0).map(|p| p.amount_fen).sum::<Fen>();
                }
            }
            let mut shares: Vec<(i64, Fen, Fen)> = Vec::new();
            for &(w, income) in chunk {
                let worker = WorkerId(w);
                let id = EntryId::new(worker, Subject::Payment { payer, reference });
                if l.entry(&id).is_some() {
                    continue;
                }
                let Some(due) = l.live_due(worker, month).copied() else { continue };
                let room = due.net_fen - other.get(&worker).copied().unwrap_or(0);
                let (amount, topup) = ctx.share_of(w, &due, chosen.get(&w).copied(), c, income, room);
                if amount == 0 {
                    continue;
                }
                l.pay(&Payment { worker, payer, reference, amount_fen: amount, period: month }).map_err(ledger_error)?;
                *other.entry(worker).or_default() += amount;
                shares.push((w, amount, topup));
            }
            Ok(shares)
        })?;
        for (w, amount, topup) in &shares {
            Sql::new(
                "INSERT INTO platform_charges (platform_id, month, kind, worker_id, amount_fen, contract_id, topup_fen) \
                 VALUES ($1, $2, 'contract_share', $3, $4, $5, $6) ON CONFLICT (platform_id, month, kind, worker_id) DO NOTHING",
            )
            .bind(c.platform)
            .bind(month_code(month))
            .bind(*w)
            .bind(*amount)
            .bind(c.id)
            .bind(*topup)
            .execute(&mut tx)
            .await?;
        }
        let logged = self.inner.log_journal.load(std::sync::atomic::Ordering::Relaxed);
        self.write_logged(&mut tx, &new.rows(), logged, ("contract share", lo, hi)).await?;
        tx.commit().await?;
        Ok(shares.len() as u64)
    }
}

/// What every chunk of a month's contract shares needs.
struct Shares<'a> {
    month: YearMonth,
    rules: &'a MonthRules,
    /// Each worker's income over all platforms.
    total: &'a HashMap<i64, Fen>,
    floors: &'a HashMap<i64, (Fen, i64)>,
}

impl Shares<'_> {
    /// What contract `c`'s platform pays towards worker `w`'s month: its share of the
    /// contribution at the worker's own base (by its part of their income), plus, when its
    /// contract's minimum base raised the base, all the raise added to the worker's due;
    /// together at most `room`. Returns (amount, the top-up part of it).
    fn share_of(&self, w: i64, due: &Due, own_base: Option<Fen>, c: &Contract, income: Fen, room: Fen) -> (Fen, Fen) {
        let own = compute(self.rules, due.income_fen, own_base);
        let all = self.total.get(&w).copied().unwrap_or(income).max(1);
        // contribution × share × (this platform's income / all income), half up.
        let num = i128::from(own.contribution_fen) * i128::from(c.share_bp) * i128::from(income);
        let den = 10_000i128 * i128::from(all);
        let share = ((2 * num + den) / (2 * den)) as Fen;
        let raised = self.floors.get(&w).is_some_and(|f| f.1 == c.id) && due.base_fen > own.base_fen;
        let topup = if raised { (compute(self.rules, due.income_fen, Some(due.base_fen)).net_fen - own.net_fen).max(0) } else { 0 };
        let amount = share.saturating_add(topup).min(room).max(0);
        (amount, topup.min(amount))
    }
}
