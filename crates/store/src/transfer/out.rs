//! The sending agency (转出地): on a request it freezes the worker's account, computes what
//! moves (the personal account with interest to the transfer month, the pooling-fund transfer
//! of article 4, every month with its base), books it out through the inter-region clearing
//! account, signs the transfer voucher (a note by the region's log key, logged and proved like a
//! contribution voucher) and sends it; on the acknowledgement it ends the enrolment, unfreezes
//! and closes the relation as transferred out; on a refusal it books the funds back.

use super::{
    Inbound, MovedMonth, TransferRecord, check_transfer_id, insert, insert_months, ledger_reference, log_step, mark_handled, set_state,
};
use super::{KIND_CLOSED, KIND_FUNDS, KIND_REFUSED};
use crate::backend::Sql;
use crate::journal::ledger_error;
use crate::{Result, Store, StoreError, WorkerId};
use flexpension_ledger::{Account, Entry, EntryId, EntryKind, Posting, RegionCode, Subject};
use flexpension_rules::pension::AccountMonth;
use flexpension_rules::transfer::{PaidMonth, Transfer, TransferEvent, TransferState};
use flexpension_rules::{Explainer, Fen, Params, YearMonth};
use serde::{Deserialize, Serialize};

/// The voucher note's first line.
pub const TRANSFER_VOUCHER_FORMAT: &str = "flexpension transfer voucher v1";

/// What the transfer voucher says (its second line, compact JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferVoucher {
    pub transfer: String,
    pub from: String,
    pub to: String,
    /// The sending agency's worker number.
    pub worker: i64,
    pub id_masked: String,
    pub at: String,
    /// Each month: [YYYY-MM, region paid in, base, contribution, personal-account share] (fen).
    pub months: Vec<(String, String, i64, i64, i64)>,
    pub years: u32,
    pub pool_transfer_fen: Fen,
    pub account_fen: Fen,
    pub interest_fen: Fen,
    pub total_fen: Fen,
    /// The worker's employee pension was open here up to the transfer: the receiver continues
    /// it from the transfer month (absent in vouchers made before this field: false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insured: bool,
}

impl TransferVoucher {
    pub fn note_text(&self) -> String {
        format!("{TRANSFER_VOUCHER_FORMAT}\n{}\n", serde_json::to_string(self).unwrap_or_default())
    }

    /// The voucher in a note's text (the signature checked elsewhere).
    pub fn from_note(note: &str) -> Option<TransferVoucher> {
        let mut lines = note.lines();
        if lines.next()? != TRANSFER_VOUCHER_FORMAT {
            return None;
        }
        serde_json::from_str(lines.next()?).ok()
    }

    pub(crate) fn moved(&self) -> Vec<MovedMonth> {
        self.months.iter().filter_map(|(m, r, b, c, p)| Some((m.parse().ok()?, r.clone(), *b, *c, *p))).collect()
    }
}

fn region_code(code: &str) -> Result<RegionCode> {
    RegionCode::new(code).ok_or_else(|| StoreError::invalid("region", format!("'{code}' is not a region code")))
}

/// What moves, as [`Store::compute_moving`] finds it.
pub(crate) struct Moving {
    pub moved: Vec<MovedMonth>,
    pub funds: flexpension_rules::Explained<flexpension_rules::transfer::TransferFunds>,
    /// Interest to the transfer month, in `funds`' personal account.
    pub interest: Fen,
}

/// A month paid in full here, with its close's figures.
pub(crate) struct PaidHere {
    pub month: YearMonth,
    pub base_fen: Fen,
    pub contribution_fen: Fen,
    pub personal_account_fen: Fen,
}

impl Store {
    /// The worker's months paid in full here, with the month close's figures, oldest first.
    pub(crate) async fn paid_months(&self, worker: WorkerId) -> Result<Vec<PaidHere>> {
        let l = self.read_workers(worker.0, worker.0).await?;
        let mut out = Vec::new();
        for e in l.entries() {
            if e.kind() != EntryKind::MonthPaid || l.entry(&e.id().reversed()).is_some() {
                continue;
            }
            let (Subject::MonthPaid { month, .. }, Some(close)) = (e.id().subject, e.reference().and_then(|r| l.entry(r))) else {
                continue;
            };
            let Some(d) = close.due() else { continue };
            out.push(PaidHere {
                month,
                base_fen: d.base_fen,
                contribution_fen: d.contribution_fen,
                personal_account_fen: d.personal_account_fen,
            });
        }
        out.sort_by_key(|m| m.month);
        Ok(out)
    }

    /// `transfer.request` at the sender.
    pub(crate) async fn handle_request(&self, params: &Params, m: &Inbound) -> Result<()> {
        let Some(id) = m.body.get("transfer").and_then(|t| t.as_str()).and_then(|t| check_transfer_id(t).ok()) else {
            return self.refuse_unknown(m, "?", "the request names no transfer").await;
        };
        if let Some(t) = self.transfer(&id).await? {
            if t.direction != "out" || t.peer != m.sender {
                return self.refuse_unknown(m, &id, "this transfer id is taken").await;
            }
            return self.resume_out(params, t, m).await;
        }
        let id_number = m.body.get("id_number").and_then(|v| v.as_str()).unwrap_or("");
        let applied = m.body.get("applied").and_then(|v| v.as_str()).and_then(|d| d.parse().ok()).unwrap_or_else(|| self.today());
        let t = Transfer::apply(params, applied).or_else(|_| Transfer::apply(params, self.today()));
        let t = t.map_err(|e| StoreError::invalid("date", e.to_string()))?.value;
        let worker = match self.find_worker(id_number).await {
            Ok(w) => w,
            Err(StoreError::Invalid { .. }) => None,
            Err(e) => return Err(e),
        };
        let refusal = match &worker {
            None => Some(super::REASON_NOT_REGISTERED.to_string()),
            Some(w) => self.out_refusal(w.id).await?,
        };
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        let wid = worker.map(|w| w.id.0);
        if let Some(reason) = refusal {
            let t = t.step(&TransferEvent::Refuse(reason.clone())).map_err(|e| StoreError::invalid("transfer", e.to_string()))?;
            insert(&mut tx, &id, "out", &m.sender, wid, &t, at).await?;
            let own = self.own_region().await?;
            let env = self.new_agency_message(&own, &m.sender, KIND_REFUSED, serde_json::json!({"transfer": id, "reason": reason}))?;
            tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
            log_step(&mut tx, &id, "refused", wid.unwrap_or(0), at).await?;
            mark_handled(&mut tx, m, at).await?;
            return tx.commit().await;
        }
        insert(&mut tx, &id, "out", &m.sender, wid, &t, at).await?;
        log_step(&mut tx, &id, "requested", wid.unwrap_or(0), at).await?;
        tx.commit().await?;
        let t = self.transfer(&id).await?.ok_or_else(|| StoreError::Corrupt("a transfer just made is missing".into()))?;
        self.resume_out(params, t, m).await
    }

    /// Why a transfer of a worker registered here cannot start now: another is under way, or
    /// the account is frozen.
    pub(crate) async fn out_refusal(&self, w: WorkerId) -> Result<Option<String>> {
        if self.open_transfer(w, "out").await?.is_some() {
            return Ok(Some(super::REASON_UNDER_WAY.to_string()));
        }
        Ok(self.freeze(w).await?.map(|f| format!("{}{}", super::REASON_FROZEN, f.reason)))
    }

    /// A request that cannot be matched to a transfer: answered with a refusal, nothing kept.
    async fn refuse_unknown(&self, m: &Inbound, id: &str, reason: &str) -> Result<()> {
        let at = self.now_us();
        let own = self.own_region().await?;
        let mut tx = self.db().begin_write().await?;
        let env = self.new_agency_message(&own, &m.sender, KIND_REFUSED, serde_json::json!({"transfer": id, "reason": reason}))?;
        tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
        mark_handled(&mut tx, m, at).await?;
        tx.commit().await
    }

    /// Carry an outgoing transfer on from its stored state (a handler interrupted runs again).
    async fn resume_out(&self, params: &Params, mut t: TransferRecord, m: &Inbound) -> Result<()> {
        let Some(w) = t.worker.map(WorkerId) else { return self.mark_handled_alone(m).await };
        if t.state == TransferState::Applied {
            match self.freeze_and_compute(params, &t, w).await {
                Ok(()) => {}
                Err(e @ (StoreError::Db(_) | StoreError::Corrupt(_))) => return Err(e),
                Err(e) => return self.refuse_out(&t, &format!("{}{e}", super::REASON_FUNDS), Some(m), true).await,
            }
            t = self.transfer(&t.id).await?.ok_or_else(|| StoreError::Corrupt("transfer missing".into()))?;
        }
        if t.state == TransferState::Frozen {
            return self.book_sign_send(&t, w, m).await;
        }
        self.mark_handled_alone(m).await
    }

    /// Step 2: freeze the account (the reason names the transfer, so a rerun finds its own
    /// freeze) and compute what moves; the transfer becomes `frozen` with its amounts and months.
    async fn freeze_and_compute(&self, params: &Params, t: &TransferRecord, w: WorkerId) -> Result<()> {
        let reason = format!("transfer {} to {}", t.id, t.peer);
        match self.freeze(w).await? {
            Some(f) if f.reason == reason => {}
            Some(f) => return Err(StoreError::invalid("worker", format!("{}{}", super::REASON_FROZEN, f.reason))),
            None => {
                self.freeze_worker(w, &reason).await?;
            }
        }
        let Moving { moved, funds, interest } = self.compute_moving(params, w).await?;
        let funds = funds.value;
        let next = t.transfer().step(&TransferEvent::Freeze).map_err(|e| StoreError::invalid("transfer", e.to_string()))?;
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        Sql::new("UPDATE transfers SET months = $2, pool_transfer_fen = $3, account_fen = $4, interest_fen = $5 WHERE id = $1")
            .bind(&t.id)
            .bind(i64::from(funds.months))
            .bind(funds.pool_transfer_fen)
            .bind(funds.personal_account_fen)
            .bind(interest)
            .execute(&mut tx)
            .await?;
        insert_months(&mut tx, &t.id, w.0, &moved).await?;
        set_state(&mut tx, &t.id, &next, at).await?;
        log_step(&mut tx, &t.id, "frozen", w.0, at).await?;
        tx.commit().await
    }

    /// What would move for the worker today: every month paid here and brought in by earlier
    /// transfers, the personal account with interest to this month, and the pooling-fund
    /// transfer of article 4 with its explanation. Reads only: the transfer's freeze and the
    /// worker's preview ([`Store::quote_transfer`]) share it.
    pub(crate) async fn compute_moving(&self, params: &Params, w: WorkerId) -> Result<Moving> {
        let own = self.own_region().await?;
        let today = self.today();
        let this_month = self.this_month();
        let mut moved: Vec<MovedMonth> = Vec::new();
        let paid = self.paid_months(w).await?;
        for p in &paid {
            moved.push((p.month, own.clone(), p.base_fen, p.contribution_fen, p.personal_account_fen));
        }
        // Months brought in by earlier transfers move on with the rest.
        const IN: &str = "SELECT m.region, CAST(m.month AS BIGINT), m.base_fen, m.contribution_fen, m.personal_account_fen \
            FROM transfer_months m JOIN transfers t ON t.id = m.transfer_id \
            WHERE m.worker_id = $1 AND t.direction = 'in' AND t.state IN ('posted', 'completed')";
        let earlier: Vec<(String, i64, i64, i64, i64)> = Sql::new(IN).bind(w.0).fetch_all(self.db()).await?;
        for (region, code, b, c, p) in earlier {
            if let Some(m) = crate::ids::month_from_code(code as i32)
                && !moved.iter().any(|x| x.0 == m)
            {
                moved.push((m, region, b, c, p));
            }
        }
        moved.sort_by_key(|m| m.0);
        let l = self.read_workers(w.0, w.0).await?;
        let balance = -l.balance_fen(&Account::PersonalAccount(w));
        let credited_years: Vec<i32> = l
            .entries()
            .iter()
            .filter_map(|e| match e.id().subject {
                Subject::Interest { year, .. } if !e.id().reversal && l.entry(&e.id().reversed()).is_none() => Some(year),
                _ => None,
            })
            .collect();
        let last_credited = credited_years.into_iter().max();
        let interest = interest_to(params, balance, &paid, last_credited, this_month);
        let months: Vec<PaidMonth> = moved.iter().map(|m| PaidMonth { month: m.0, base_fen: m.2 }).collect();
        let mut funds =
            params.transfer_funds(&months, balance + interest, today).map_err(|e| StoreError::invalid("transfer", e.to_string()))?;
        let (b, i) = (flexpension_rules::money::yuan(balance), flexpension_rules::money::yuan(interest));
        funds.steps.insert(
            funds.steps.len().saturating_sub(1),
            flexpension_rules::Text::new(
                format!("个人账户现有{b}元，加上算到{this_month}的利息{i}元（按公布的记账利率）。"),
                format!(
                    "The personal account holds {b} yuan, plus {i} yuan of interest to {this_month} (at the published crediting rate)."
                ),
            ),
        );
        Ok(Moving { moved, funds, interest })
    }

    /// Steps 2 and 3: book the funds out, sign and log the voucher, prove it, send it.
    async fn book_sign_send(&self, t: &TransferRecord, w: WorkerId, m: &Inbound) -> Result<()> {
        let own = self.own_region().await?;
        let to = region_code(&t.peer)?;
        let interest = t.interest_fen;
        let pa = t.account_fen - interest;
        let total = t.account_fen + t.pool_transfer_fen;
        let id = EntryId::new(w, Subject::Transfer { reference: ledger_reference(&t.id)?, inbound: false });
        let period = self.this_month();
        let postings = vec![
            Posting::debit(Account::PersonalAccount(w), pa),
            Posting::debit(Account::InterestExpense, interest),
            Posting::debit(Account::PoolingFund, t.pool_transfer_fen),
            Posting::credit(Account::InterRegion(to), total),
        ];
        self.with_workers_when("transfer out", w.0, w.0, &[w.0], true, |l| {
            if l.entry(&id).is_none() {
                l.post(Entry::new(id, period, None, postings, None).map_err(ledger_error)?).map_err(ledger_error)?;
            }
            Ok(())
        })
        .await?;
        let note = match self.voucher(&t.id).await? {
            Some(v) => v.note,
            None => {
                let worker = self.worker(w).await?.ok_or(StoreError::NotFound { what: "worker", key: w.to_string() })?;
                let months: Vec<(i64, i64, i64, i64, String)> = Sql::new(
                    "SELECT CAST(month AS BIGINT), base_fen, contribution_fen, personal_account_fen, region FROM transfer_months \
                     WHERE transfer_id = $1 ORDER BY month",
                )
                .bind(&t.id)
                .fetch_all(self.db())
                .await?;
                let months: Vec<(String, String, i64, i64, i64)> = months
                    .into_iter()
                    .filter_map(|(c, b, k, p, r)| Some((crate::ids::month_from_code(c as i32)?.to_string(), r, b, k, p)))
                    .collect();
                // Insured up to the transfer: an employee pension begun before this month and
                // open through last month, the one `handle_ack` ends with last month.
                let last = self.this_month().add_months(-1);
                let insured = self.enrolments(w).await?.iter().any(|e| {
                    e.scheme == crate::Scheme::EmployeePension && last.is_some_and(|l| e.from <= l && e.to.is_none_or(|to| to >= l))
                });
                let v = TransferVoucher {
                    insured,
                    transfer: t.id.clone(),
                    from: own.clone(),
                    to: t.peer.clone(),
                    worker: w.0,
                    id_masked: worker.id_masked.clone(),
                    at: self.today().to_string(),
                    years: (months.len() / 12) as u32,
                    months,
                    pool_transfer_fen: t.pool_transfer_fen,
                    account_fen: t.account_fen,
                    interest_fen: interest,
                    total_fen: total,
                };
                let note = flexpension_tlog::sign_note(&v.note_text(), &self.log_keys().signer)
                    .map_err(|e| StoreError::Corrupt(format!("voucher note: {e}")))?;
                self.record_voucher(&t.id, w, &note).await?;
                note
            }
        };
        self.log_integrate().await?;
        let (_, mut bundle) = self.bundle_voucher(&t.id, 0).await?;
        bundle.voucher = Some(note.clone());
        let bundle = serde_json::to_string(&bundle).map_err(|e| StoreError::Corrupt(format!("bundle: {e}")))?;
        let next = t.transfer().step(&TransferEvent::Send).map_err(|e| StoreError::invalid("transfer", e.to_string()))?;
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        Sql::new("UPDATE transfers SET voucher = $2, bundle = $3 WHERE id = $1")
            .bind(&t.id)
            .bind(&note)
            .bind(&bundle)
            .execute(&mut tx)
            .await?;
        set_state(&mut tx, &t.id, &next, at).await?;
        let body = serde_json::json!({"transfer": t.id, "voucher": note, "bundle": bundle});
        let env = self.new_agency_message(&own, &t.peer, KIND_FUNDS, body)?;
        tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
        log_step(&mut tx, &t.id, "sent", w.0, at).await?;
        mark_handled(&mut tx, m, at).await?;
        tx.commit().await
    }

    /// `transfer.ack` at the sender: the receiver posted the funds and the months. The relation
    /// here is closed as transferred out: the open employee-pension enrolment ends, the freeze
    /// is lifted, the transfer is completed, and the receiver is told.
    pub(crate) async fn handle_ack(&self, m: &Inbound) -> Result<()> {
        let Some(t) = self.peer_transfer(m, "out").await? else { return self.mark_handled_alone(m).await };
        let Ok(next) = t.transfer().step(&TransferEvent::Complete) else { return self.mark_handled_alone(m).await };
        if let Some(w) = t.worker.map(WorkerId) {
            let last = self.this_month().add_months(-1);
            for e in self.enrolments(w).await? {
                if let Some(last) = last
                    && e.scheme == crate::Scheme::EmployeePension
                    && e.from <= last
                    && e.to.is_none_or(|to| to > last)
                {
                    self.end_enrolment(e.id, last).await?;
                }
            }
            if self.freeze(w).await?.is_some_and(|f| f.reason.contains(&t.id)) {
                self.unfreeze_worker(w).await?;
            }
        }
        let at = self.now_us();
        let own = self.own_region().await?;
        let mut tx = self.db().begin_write().await?;
        if t.state != TransferState::Completed {
            set_state(&mut tx, &t.id, &next, at).await?;
            let env = self.new_agency_message(&own, &t.peer, KIND_CLOSED, serde_json::json!({"transfer": t.id}))?;
            tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
            log_step(&mut tx, &t.id, "completed", t.worker.unwrap_or(0), at).await?;
        }
        mark_handled(&mut tx, m, at).await?;
        tx.commit().await
    }

    /// Refuse an outgoing transfer: the funds booked out come back (the entry is reversed), the
    /// freeze is lifted, and, when `tell`, the receiver hears why.
    /// Refused already (a second refusal: the receiver bounces funds that crossed its own
    /// refusal): nothing more is booked or logged.
    pub(crate) async fn refuse_out(&self, t: &TransferRecord, reason: &str, m: Option<&Inbound>, tell: bool) -> Result<()> {
        let reason: String = reason.chars().filter(|c| !c.is_control()).take(300).collect();
        let next = t.transfer().step(&TransferEvent::Refuse(reason.clone())).ok().filter(|_| t.state != TransferState::Refused);
        let Some(next) = next else {
            if let Some(m) = m {
                return self.mark_handled_alone(m).await;
            }
            return Ok(());
        };
        if let Some(w) = t.worker.map(WorkerId) {
            let id = EntryId::new(w, Subject::Transfer { reference: ledger_reference(&t.id)?, inbound: false });
            let period = self.this_month();
            self.with_workers_when("transfer refused", w.0, w.0, &[w.0], true, |l| {
                if l.entry(&id).is_some() && l.entry(&id.reversed()).is_none() {
                    l.reverse(&id, period).map_err(ledger_error)?;
                }
                Ok(())
            })
            .await?;
            if self.freeze(w).await?.is_some_and(|f| f.reason.contains(&t.id)) {
                self.unfreeze_worker(w).await?;
            }
        }
        let at = self.now_us();
        let own = self.own_region().await?;
        let mut tx = self.db().begin_write().await?;
        set_state(&mut tx, &t.id, &next, at).await?;
        if tell {
            let env = self.new_agency_message(&own, &t.peer, KIND_REFUSED, serde_json::json!({"transfer": t.id, "reason": reason}))?;
            tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
        }
        log_step(&mut tx, &t.id, "refused", t.worker.unwrap_or(0), at).await?;
        if let Some(m) = m {
            mark_handled(&mut tx, m, at).await?;
        }
        tx.commit().await
    }
}

/// Interest on the personal account from the end of the last year credited to `until` (the
/// transfer month), by the rules core's projection (the annual method, the partial year in
/// proportion to its months). A year without a published rate uses the latest published one;
/// with none at all, no interest.
fn interest_to(params: &Params, balance: Fen, paid: &[PaidHere], last_credited: Option<i32>, until: YearMonth) -> Fen {
    let after = |m: &YearMonth| last_credited.is_none_or(|y| m.year() > y) && *m <= until;
    let history: Vec<AccountMonth> = paid
        .iter()
        .filter(|p| after(&p.month))
        .map(|p| AccountMonth { month: p.month, personal_account_fen: p.personal_account_fen })
        .collect();
    let opening = balance - history.iter().map(|h| h.personal_account_fen).sum::<Fen>();
    let from = last_credited.map_or_else(|| history.first().map_or(until.year(), |h| h.month.year()), |y| y + 1);
    if from > until.year() {
        return 0;
    }
    let mut ex = Explainer::new();
    if let Ok(p) = params.project_account(opening, &history, until, None, &mut ex) {
        return p.interest_fen;
    }
    for back in 0..10 {
        let day = chrono::NaiveDate::from_ymd_opt(until.year() - back, 1, 1).unwrap_or_default();
        if let Ok((r, _)) = params.lookup(&params.national.credited_rate, day, |v| v.percent())
            && let Ok(p) = params.project_account(opening, &history, until, Some(*r), &mut Explainer::new())
        {
            return p.interest_fen;
        }
    }
    0
}
