//! The pension savings account (个人养老储蓄账户, the paper's 5.2) on the store: occasional
//! income declared by the worker or a platform, deposits up to the year's room, and payments
//! from the account to arrears months — each deposit and payment a journal entry written in the
//! transaction that read the worker's entries, so the balance is always the journal's sum.

use crate::backend::Sql;
use crate::journal::{PaymentReport, ledger_error};
use crate::log::entry::Record;
use crate::{PlatformId, Result, Store, StoreError};
use flexpension_ledger::{Account, EntryId, Payer, Payment, SavingsDeposit, Subject, WorkerId};
use flexpension_rules::money::yuan;
use flexpension_rules::savings::SavingsRoom;
use flexpension_rules::{Fen, Params, YearMonth};
use serde::Serialize;

/// One movement of the savings account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsMove {
    pub entry_id: String,
    /// `YYYY-MM`, the month it was booked in.
    pub period: String,
    /// `deposit` or `payment` (to contributions).
    pub kind: &'static str,
    /// Positive in, negative out.
    pub amount_fen: Fen,
}

/// A worker's savings account for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsStatus {
    pub year: i32,
    pub balance_fen: Fen,
    pub occasional_income_fen: Fen,
    pub deposited_fen: Fen,
    pub limit_fen: Fen,
    pub room_fen: Fen,
    /// The deposit's entry (on a deposit), or empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    /// The same deposit (reference) was already recorded: nothing was written.
    pub duplicate: bool,
    pub history: Vec<SavingsMove>,
}

/// Who declares occasional income: the worker, or a platform on its earnings API.
pub fn declarer_key(platform: Option<i64>) -> String {
    platform.map_or_else(|| "worker".to_string(), |p| format!("platform/{p}"))
}

impl Store {
    /// The year's occasional income: each declarer's latest declaration, summed.
    pub async fn occasional_income(&self, worker: WorkerId, year: i32) -> Result<Fen> {
        const SQL: &str = "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM occasional_income WHERE worker_id = $1 AND year = $2";
        Sql::new(SQL).bind(worker.0).bind(year).scalar(self.db()).await
    }

    /// Declare `year`'s occasional income (偶然所得) as `platform` (or the worker, `None`): it
    /// replaces that declarer's earlier figure for the year. Refused (field `occasional_fen`)
    /// when the year's deposits would be over the new room.
    pub async fn declare_occasional(
        &self,
        params: &Params,
        worker: WorkerId,
        year: i32,
        platform: Option<i64>,
        amount_fen: Fen,
    ) -> Result<SavingsStatus> {
        self.declare(params, Declaration { worker, year, platform, amount_fen, reference: None }).await
    }

    async fn declare(&self, params: &Params, d: Declaration<'_>) -> Result<SavingsStatus> {
        let Declaration { worker, year, platform, amount_fen, reference } = d;
        if !(0..=flexpension_rules::money::MAX_FEN).contains(&amount_fen) {
            return Err(StoreError::invalid("occasional_fen", "must be between 0 and 10,000,000,000 yuan"));
        }
        self.check_worker_year(worker, year).await?;
        let key = declarer_key(platform);
        let l = self.read_workers(worker.0, worker.0).await?;
        let deposited = l.savings_deposited_fen(worker, year);
        const OTHERS: &str = "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM occasional_income \
            WHERE worker_id = $1 AND year = $2 AND declarer <> $3";
        let others: i64 = Sql::new(OTHERS).bind(worker.0).bind(year).bind(&key).scalar(self.db()).await?;
        let room = self.room(params, year, others + amount_fen, deposited)?;
        if room.limit_fen < deposited {
            return Err(StoreError::invalid(
                "occasional_fen",
                format!(
                    "{} yuan has been deposited from {year}'s occasional income, more than {} yuan allows ({} yuan)",
                    yuan(deposited),
                    yuan(others + amount_fen),
                    yuan(room.limit_fen)
                ),
            ));
        }
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        Sql::new(
            "INSERT INTO occasional_income (worker_id, year, declarer, amount_fen, declared_at_us) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (worker_id, year, declarer) DO UPDATE SET amount_fen = excluded.amount_fen, declared_at_us = excluded.declared_at_us",
        )
        .bind(worker.0)
        .bind(year)
        .bind(&key)
        .bind(amount_fen)
        .bind(at)
        .execute(&mut tx)
        .await?;
        if let (Some(p), Some(r)) = (platform, reference) {
            Sql::new(
                "INSERT INTO occasional_references (platform_id, reference, worker_id, year, amount_fen, declared_at_us) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(p)
            .bind(r)
            .bind(worker.0)
            .bind(year)
            .bind(amount_fen)
            .bind(at)
            .execute(&mut tx)
            .await?;
        }
        let mut fields = serde_json::json!({"amount_fen": amount_fen, "declarer": key, "worker": worker.0, "year": year});
        if let Some(r) = reference {
            fields["reference"] = serde_json::Value::from(r);
        }
        let rec = Record::new("occasional_income", at, fields);
        tx.log_append(&rec, None).await?;
        tx.commit().await?;
        self.savings_status(params, worker, year).await
    }

    /// A platform declares `year`'s occasional income of one of its workers on the platform
    /// API, under its own `reference` (1 to 64 bytes). The same reference with the same worker,
    /// year and amount again writes nothing (`duplicate`); the same reference with other data
    /// is refused (`Exists`). A worker the platform has never reported earnings for is not
    /// found: a platform declares only for its own workers. Otherwise as
    /// [`Store::declare_occasional`], the reference written in the same transaction.
    pub async fn declare_occasional_by_platform(
        &self,
        params: &Params,
        platform: PlatformId,
        worker: WorkerId,
        year: i32,
        amount_fen: Fen,
        reference: &str,
    ) -> Result<SavingsStatus> {
        if reference.is_empty() || reference.len() > 64 || reference.trim() != reference || reference.chars().any(char::is_control) {
            return Err(StoreError::invalid("reference", "must be 1 to 64 bytes, no spaces at the ends, no control characters"));
        }
        const OWN: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM month_income WHERE platform_id = $1 AND worker_id = $2 LIMIT 1) t";
        let own: i64 = Sql::new(OWN).bind(platform.0).bind(worker.0).scalar(self.db()).await?;
        if own == 0 {
            return Err(StoreError::NotFound { what: "worker of this platform", key: worker.to_string() });
        }
        const SAME: &str = "SELECT worker_id, year, amount_fen FROM occasional_references WHERE platform_id = $1 AND reference = $2";
        let same: Option<(i64, i32, i64)> = Sql::new(SAME).bind(platform.0).bind(reference).fetch_optional(self.db()).await?;
        if let Some(same) = same {
            if same != (worker.0, year, amount_fen) {
                return Err(StoreError::Exists { what: "declaration with other data", key: reference.to_string() });
            }
            let mut s = self.savings_status(params, worker, year).await?;
            s.duplicate = true;
            return Ok(s);
        }
        self.declare(params, Declaration { worker, year, platform: Some(platform.0), amount_fen, reference: Some(reference) }).await
    }

    /// The savings account of `worker` for `year`: balance, room, history.
    pub async fn savings_status(&self, params: &Params, worker: WorkerId, year: i32) -> Result<SavingsStatus> {
        let l = self.read_workers(worker.0, worker.0).await?;
        let occasional = self.occasional_income(worker, year).await?;
        let deposited = l.savings_deposited_fen(worker, year);
        let room = self.room(params, year, occasional, deposited)?;
        Ok(SavingsStatus {
            year,
            balance_fen: l.savings_fen(worker),
            occasional_income_fen: occasional,
            deposited_fen: deposited,
            limit_fen: room.limit_fen,
            room_fen: room.room_fen,
            entry_id: None,
            duplicate: false,
            history: history(&l, worker),
        })
    }

    /// Deposit into the savings account from `year`'s occasional income. Refused (field
    /// `amount_fen`, nothing written) over the room left. `reference` numbers the deposit for
    /// retries; without one it is the next number.
    pub async fn deposit_savings(
        &self,
        params: &Params,
        worker: WorkerId,
        year: i32,
        amount_fen: Fen,
        reference: Option<i64>,
    ) -> Result<SavingsStatus> {
        if !(1..=flexpension_rules::money::MAX_FEN).contains(&amount_fen) {
            return Err(StoreError::invalid("amount_fen", "must be more than 0 and at most 10,000,000,000 yuan"));
        }
        self.check_worker_year(worker, year).await?;
        if let Some(f) = self.freeze(worker).await? {
            return Err(f.refusal("a savings deposit"));
        }
        let occasional = self.occasional_income(worker, year).await?;
        let period = self.this_month();
        let ((id, duplicate), _) = self
            .with_workers("savings_deposit", worker.0, worker.0, &[worker.0], |l| {
                let reference = reference.unwrap_or(l.savings_deposits(worker) as i64 + 1);
                let id = EntryId::new(worker, Subject::SavingsDeposit { year, reference });
                if l.entry(&id).is_some() {
                    let d = SavingsDeposit { worker, year, reference, amount_fen, period };
                    l.deposit_savings(&d).map_err(ledger_error)?;
                    return Ok((id, true));
                }
                let room = self.room(params, year, occasional, l.savings_deposited_fen(worker, year))?;
                if amount_fen > room.room_fen {
                    return Err(StoreError::invalid(
                        "amount_fen",
                        format!(
                            "{} yuan is over the room left for {year}: {} yuan ({} of {} yuan occasional income, {} yuan deposited)",
                            yuan(amount_fen),
                            yuan(room.room_fen),
                            yuan(room.limit_fen),
                            yuan(occasional),
                            yuan(room.deposited_fen)
                        ),
                    ));
                }
                l.deposit_savings(&SavingsDeposit { worker, year, reference, amount_fen, period }).map_err(ledger_error)?;
                Ok((id, false))
            })
            .await?;
        let mut s = self.savings_status(params, worker, year).await?;
        s.entry_id = Some(id.to_string());
        s.duplicate = duplicate;
        Ok(s)
    }

    /// Pay `month`'s arrears from the savings account: the money pays the oldest unpaid month
    /// first, so every unpaid month up to `month` is paid with it. Refused (field `month`,
    /// nothing written) for a month not owed, a month too old to be paid back
    /// (`backpay.max_months`), or more than the account holds.
    pub async fn pay_from_savings(&self, params: &Params, worker: WorkerId, month: YearMonth) -> Result<PaymentReport> {
        if self.worker(worker).await?.is_none() {
            return Err(StoreError::NotFound { what: "worker", key: worker.to_string() });
        }
        if let Some(f) = self.freeze(worker).await? {
            return Err(f.refusal("a payment"));
        }
        let now = self.this_month();
        let (report, _) = self
            .with_workers("payment", worker.0, worker.0, &[worker.0], |l| {
                let a = l.arrears(worker);
                let unpaid: Vec<(YearMonth, Fen)> = a.unpaid.iter().map(|u| (u.month, u.owed_fen)).collect();
                if !unpaid.iter().any(|u| u.0 == month) {
                    return Err(StoreError::invalid("month", format!("{month} is not owed: nothing to pay")));
                }
                let rules = params.back_payment(&unpaid, now).map_err(|e| StoreError::invalid("month", e.to_string()))?;
                let amount: Fen = unpaid.iter().filter(|u| u.0 <= month).map(|u| u.1).sum();
                if let Some(old) = rules.value.iter().find(|b| b.month <= month && !b.payable) {
                    return Err(StoreError::invalid(
                        "month",
                        format!(
                            "{} is too long ago to be paid back now ({})",
                            old.month,
                            rules.steps.first().map_or("", |s| s.en.as_str())
                        ),
                    ));
                }
                let balance = l.savings_fen(worker);
                if amount > balance {
                    return Err(StoreError::invalid(
                        "month",
                        format!(
                            "paying up to {month} takes {} yuan (older months are paid first); the savings account holds {} yuan",
                            yuan(amount),
                            yuan(balance)
                        ),
                    ));
                }
                let reference = l.savings_payments(worker) as i64 + 1;
                let p = Payment { worker, payer: Payer::Savings, reference, amount_fen: amount, period: now };
                let id = EntryId::new(worker, Subject::Payment { payer: Payer::Savings, reference });
                let new = l.pay(&p).map_err(ledger_error)?;
                let credited = crate::journal::credited_months(new);
                let after = l.arrears(worker);
                Ok(PaymentReport {
                    worker: worker.0,
                    entry_id: id.to_string(),
                    amount_fen: amount,
                    duplicate: false,
                    credited_months: credited,
                    arrears_fen: after.arrears_fen,
                    credit_fen: after.credit_fen,
                })
            })
            .await?;
        Ok(report)
    }

    fn room(&self, params: &Params, year: i32, occasional: Fen, deposited: Fen) -> Result<SavingsRoom> {
        params.savings_room(year, occasional, deposited).map(|r| r.value).map_err(|e| StoreError::invalid("year", e.to_string()))
    }

    /// The worker is registered and the year one that can be declared now.
    async fn check_worker_year(&self, worker: WorkerId, year: i32) -> Result<()> {
        self.check_year(year)?;
        if self.worker(worker).await?.is_none() {
            return Err(StoreError::NotFound { what: "worker", key: worker.to_string() });
        }
        Ok(())
    }

    fn check_year(&self, year: i32) -> Result<()> {
        let now = self.this_month().year();
        if year > now || year < 2000 {
            return Err(StoreError::invalid("year", format!("{year} is not a year that can be declared now (this year is {now})")));
        }
        Ok(())
    }
}

/// The savings account's movements, in journal order.
fn history(l: &flexpension_ledger::Ledger, worker: WorkerId) -> Vec<SavingsMove> {
    let acct = Account::Savings(worker);
    l.entries()
        .iter()
        .filter(|e| e.id().worker == worker)
        .filter_map(|e| {
            let amount: Fen = e.postings().iter().filter(|p| p.account == acct).map(|p| -p.amount_fen).sum();
            (amount != 0).then(|| SavingsMove {
                entry_id: e.id().to_string(),
                period: e.period().to_string(),
                kind: if amount > 0 { "deposit" } else { "payment" },
                amount_fen: amount,
            })
        })
        .collect()
}

/// One declaration of a year's occasional income: by the worker (`platform: None`) or by a
/// platform under its reference.
struct Declaration<'a> {
    worker: WorkerId,
    year: i32,
    platform: Option<i64>,
    amount_fen: Fen,
    reference: Option<&'a str>,
}
