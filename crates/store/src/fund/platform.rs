//! What platforms pay (section 5.4 of the paper): collective contracts filed by a union
//! federation and a platform and approved by the agency (备案); the platform's monthly bill
//! (contract shares booked by the month close, the per-order injury premiums, union dues) and
//! its remittances, allocated oldest month first and idempotent on the platform's reference;
//! the yearly tax statement's paid contributions.

use crate::backend::Sql;
use crate::ids::{PlatformId, month_code, month_from_code};
use crate::{Result, StoreError};
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;

/// The longest union name accepted, in characters.
pub const MAX_UNION_NAME: usize = 100;
/// The longest remittance reference accepted, in bytes.
pub const MAX_REMITTANCE_REFERENCE: usize = 64;
/// The longest supplementary insurance text of a contract accepted, in characters.
pub const MAX_SUPPLEMENTARY: usize = 2000;

/// A collective contract as filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    pub platform: PlatformId,
    pub union_name: String,
    /// The platform's share of each active worker's contribution, in basis points (3000 = 30%).
    pub share_bp: i32,
    pub from: YearMonth,
    pub to: Option<YearMonth>,
    pub min_base_fen: Option<Fen>,
    pub supplementary: Option<String>,
}

/// A stored collective contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub id: i64,
    pub platform: i64,
    pub union_name: String,
    pub share_bp: i32,
    pub from: YearMonth,
    pub to: Option<YearMonth>,
    pub min_base_fen: Option<Fen>,
    pub supplementary: Option<String>,
    /// filed, approved or withdrawn.
    pub state: String,
    pub filed_at_us: i64,
    /// When the agency approved or withdrew it.
    pub decided_at_us: Option<i64>,
    /// The staff person who decided; `None` on the command line (the operator) or undecided.
    pub decided_by: Option<i64>,
}

/// A platform's bill for a month (the field names are a contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformBill {
    pub platform: i64,
    pub month: String,
    pub contract_share_fen: Fen,
    /// Of `contract_share_fen`, what the contract's minimum base added to workers' dues.
    pub min_base_topup_fen: Fen,
    pub injury_premium_fen: Fen,
    pub union_dues_fen: Fen,
    pub total_fen: Fen,
    pub paid_fen: Fen,
    pub outstanding_fen: Fen,
    /// Workers the contract share was billed for.
    pub contract_workers: i64,
    /// Active workers (an order or more in the month) the dues were billed for.
    pub active_workers: i64,
    /// The union federation the dues go to, under the contract in force.
    pub union_payee: Option<String>,
}

/// A remittance and where it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Remittance {
    pub platform: i64,
    pub reference: String,
    pub amount_fen: Fen,
    /// The same reference and amount were recorded before: nothing written.
    pub duplicate: bool,
    pub allocations: Vec<Allocation>,
    /// What the platform still owes over all months after this remittance.
    pub outstanding_fen: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub month: String,
    /// contract_share, injury_premium or union_dues.
    pub kind: String,
    pub amount_fen: Fen,
}

const KINDS: [&str; 3] = ["contract_share", "injury_premium", "union_dues"];

fn check_reference(r: &str) -> Result<()> {
    if r.is_empty() || r.len() > MAX_REMITTANCE_REFERENCE || r.trim() != r || r.chars().any(char::is_control) {
        return Err(StoreError::invalid("reference", "must be 1 to 64 bytes, no spaces at the ends, no control characters"));
    }
    Ok(())
}

impl crate::Store {
    /// File a collective contract (state `filed`). Refused, nothing written, for an unknown
    /// platform, a share outside 0-100%, an empty or long union name, an end before the start,
    /// or months that overlap another contract of the platform not withdrawn.
    pub async fn file_contract(&self, c: &NewContract) -> Result<Contract> {
        let name = c.union_name.trim();
        if name.is_empty() || name.chars().count() > MAX_UNION_NAME || name.chars().any(char::is_control) {
            return Err(StoreError::invalid("union", "a union federation's name of 1 to 100 characters"));
        }
        if !(0..=10_000).contains(&c.share_bp) {
            return Err(StoreError::invalid("share_bp", "must be 0 to 10000 basis points (10000 = 100%)"));
        }
        if c.to.is_some_and(|t| t < c.from) {
            return Err(StoreError::invalid("to", "the contract ends before it starts"));
        }
        if c.min_base_fen.is_some_and(|b| !(1..=MAX_FEN).contains(&b)) {
            return Err(StoreError::invalid("min_base", "must be more than 0 and at most 10,000,000,000 yuan"));
        }
        let supplementary = c.supplementary.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if supplementary
            .is_some_and(|t| t.chars().count() > MAX_SUPPLEMENTARY || t.chars().any(|ch| ch.is_control() && ch != '\n' && ch != '\r'))
        {
            return Err(StoreError::invalid("supplementary", "at most 2000 characters, no control characters but line breaks"));
        }
        let known: Option<i64> = Sql::new("SELECT id FROM platforms WHERE id = $1").bind(c.platform.0).scalar_optional(self.db()).await?;
        if known.is_none() {
            return Err(StoreError::NotFound { what: "platform", key: c.platform.0.to_string() });
        }
        let (from, to) = (month_code(c.from), c.to.map(month_code).unwrap_or(999_912));
        let mut tx = self.db().begin_write().await?;
        // The platform's row is the lock: two filings at once cannot both pass the overlap check.
        Sql::new("UPDATE platforms SET name = name WHERE id = $1").bind(c.platform.0).execute(&mut tx).await?;
        const OVERLAP: &str = "SELECT id FROM collective_contracts WHERE platform_id = $1 AND state <> 'withdrawn' \
            AND from_month <= $3 AND COALESCE(to_month, 999912) >= $2 ORDER BY id LIMIT 1";
        let clash: Option<i64> = Sql::new(OVERLAP).bind(c.platform.0).bind(from).bind(to).scalar_optional(&mut tx).await?;
        if let Some(id) = clash {
            return Err(StoreError::invalid("from", format!("the months overlap contract {id} of this platform: withdraw it first")));
        }
        let at = self.now_us();
        let id: i64 = Sql::new(
            "INSERT INTO collective_contracts (platform_id, union_name, share_bp, min_base_fen, supplementary, from_month, to_month, state, filed_at_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'filed', $8) RETURNING id",
        )
        .bind(c.platform.0)
        .bind(name)
        .bind(c.share_bp)
        .bind(c.min_base_fen)
        .bind(supplementary)
        .bind(from)
        .bind(c.to.map(month_code))
        .bind(at)
        .scalar(&mut tx)
        .await?;
        let rec = crate::log::entry::Record::new(
            "contract_filed",
            at,
            serde_json::json!({"id": id, "platform": c.platform.0, "union": name, "share_bp": c.share_bp, "from": c.from.to_string(),
                "to": c.to.map(|t| t.to_string())}),
        );
        tx.log_append(&rec, None).await?;
        tx.commit().await?;
        self.contract(id).await?.ok_or_else(|| StoreError::Corrupt(format!("contract {id} not found after filing")))
    }

    /// The agency's decision on a filed contract: `approve` (备案) or withdraw. A withdrawn
    /// contract stops applying from the next close.
    /// `by`: the staff person deciding (`None`: the operator, on the command line); recorded
    /// with the decision and in the log.
    pub async fn decide_contract(&self, id: i64, approve: bool, by: Option<i64>) -> Result<Contract> {
        let c = self.contract(id).await?.ok_or_else(|| StoreError::NotFound { what: "contract", key: id.to_string() })?;
        let (from, to) = match (c.state.as_str(), approve) {
            ("filed", true) => ("filed", "approved"),
            ("filed" | "approved", false) => (c.state.as_str(), "withdrawn"),
            (s, _) => {
                return Err(StoreError::invalid(
                    "state",
                    format!("contract {id} is {s}: it cannot be {}", if approve { "approved" } else { "withdrawn" }),
                ));
            }
        };
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        let n = Sql::new("UPDATE collective_contracts SET state = $1, decided_at_us = $2, decided_by = $3 WHERE id = $4 AND state = $5")
            .bind(to)
            .bind(at)
            .bind(by)
            .bind(id)
            .bind(from)
            .execute(&mut tx)
            .await?;
        if n != 1 {
            return Err(StoreError::invalid("state", format!("contract {id} changed meanwhile")));
        }
        tx.log_append(
            &crate::log::entry::Record::new(
                "contract_decided",
                at,
                serde_json::json!({"id": id, "state": to, "by": if by.is_some() { "staff" } else { "operator" }, "by_id": by}),
            ),
            None,
        )
        .await?;
        tx.commit().await?;
        self.contract(id).await?.ok_or_else(|| StoreError::Corrupt(format!("contract {id} vanished")))
    }

    pub async fn contract(&self, id: i64) -> Result<Option<Contract>> {
        Ok(self.contracts_where("id = $1", id).await?.into_iter().next())
    }

    /// A platform's contracts, oldest first.
    pub async fn platform_contracts(&self, platform: PlatformId) -> Result<Vec<Contract>> {
        self.contracts_where("platform_id = $1", platform.0).await
    }

    /// Every contract of the store's region: those waiting for a decision (filed) first, oldest
    /// first, then the approved, then the withdrawn.
    pub async fn contracts(&self) -> Result<Vec<Contract>> {
        let mut all = self.contracts_where("id > $1", 0).await?;
        all.sort_by_key(|c| (["filed", "approved", "withdrawn"].iter().position(|s| *s == c.state).unwrap_or(3), c.id));
        Ok(all)
    }

    async fn contracts_where(&self, cond: &str, v: i64) -> Result<Vec<Contract>> {
        type Row = (i64, i64, String, i32, Option<i64>, Option<String>, i32, Option<i32>, String, i64, Option<i64>, Option<i64>);
        let sql = format!(
            "SELECT id, platform_id, union_name, share_bp, min_base_fen, supplementary, from_month, to_month, state, filed_at_us, \
             decided_at_us, decided_by FROM collective_contracts WHERE {cond} ORDER BY id"
        );
        let rows: Vec<Row> = Sql::built(sql).bind(v).fetch_all(self.db()).await?;
        rows.into_iter()
            .map(|r| {
                let bad = || StoreError::Corrupt(format!("contract {} months", r.0));
                Ok(Contract {
                    id: r.0,
                    platform: r.1,
                    union_name: r.2,
                    share_bp: r.3,
                    min_base_fen: r.4,
                    supplementary: r.5,
                    from: month_from_code(r.6).ok_or_else(bad)?,
                    to: r.7.map(|t| month_from_code(t).ok_or_else(bad)).transpose()?,
                    state: r.8,
                    filed_at_us: r.9,
                    decided_at_us: r.10,
                    decided_by: r.11,
                })
            })
            .collect()
    }

    /// The approved contracts in force in `month`.
    pub(crate) async fn contracts_in_force(&self, month: YearMonth) -> Result<Vec<Contract>> {
        let code = month_code(month);
        let all = self.contracts_where("state = 'approved' AND from_month <= $1", i64::from(code)).await?;
        Ok(all.into_iter().filter(|c| c.to.is_none_or(|t| t >= month)).collect())
    }

    /// A platform's bill for `month`.
    pub async fn platform_bill(&self, platform: PlatformId, month: YearMonth) -> Result<PlatformBill> {
        let code = month_code(month);
        let owed = self.owed(platform, Some(code)).await?;
        let get = |k: &str| owed.iter().filter(|o| o.1 == k).map(|o| o.2).sum::<Fen>();
        let (contract_share_fen, injury_premium_fen, union_dues_fen) = (get("contract_share"), get("injury_premium"), get("union_dues"));
        const PAID: &str =
            "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM platform_allocations WHERE platform_id = $1 AND month = $2";
        let paid_fen: i64 = Sql::new(PAID).bind(platform.0).bind(code).scalar(self.db()).await?;
        const N: &str =
            "SELECT CAST(COUNT(*) AS BIGINT) FROM platform_charges WHERE platform_id = $1 AND month = $2 AND kind = 'contract_share'";
        let contract_workers: i64 = Sql::new(N).bind(platform.0).bind(code).scalar(self.db()).await?;
        const TOPUP: &str = "SELECT CAST(COALESCE(SUM(topup_fen), 0) AS BIGINT) FROM platform_charges WHERE platform_id = $1 AND month = $2 AND kind = 'contract_share'";
        let min_base_topup_fen: i64 = Sql::new(TOPUP).bind(platform.0).bind(code).scalar(self.db()).await?;
        const ACTIVE: &str = "SELECT CAST(COUNT(*) AS BIGINT) FROM month_income WHERE platform_id = $1 AND month = $2 AND orders > 0";
        let active_workers: i64 = Sql::new(ACTIVE).bind(platform.0).bind(code).scalar(self.db()).await?;
        let union_payee = self.contracts_in_force(month).await?.into_iter().find(|c| c.platform == platform.0).map(|c| c.union_name);
        let total_fen = contract_share_fen + injury_premium_fen + union_dues_fen;
        Ok(PlatformBill {
            platform: platform.0,
            month: month.to_string(),
            contract_share_fen,
            min_base_topup_fen,
            injury_premium_fen,
            union_dues_fen,
            total_fen,
            paid_fen,
            outstanding_fen: total_fen - paid_fen,
            contract_workers,
            active_workers,
            union_payee,
        })
    }

    /// What the platform owes by (month, kind), before payments: charges and injury premiums.
    async fn owed(&self, platform: PlatformId, month: Option<i32>) -> Result<Vec<(i32, String, Fen)>> {
        let (lo, hi) = month.map_or((0, 999_912), |m| (m, m));
        const CHARGES: &str = "SELECT month, kind, CAST(SUM(amount_fen) AS BIGINT) FROM platform_charges \
            WHERE platform_id = $1 AND month >= $2 AND month <= $3 GROUP BY month, kind";
        const INJURY: &str = "SELECT month, CAST(SUM(premium_fen) AS BIGINT) FROM injury_premiums \
            WHERE platform_id = $1 AND month >= $2 AND month <= $3 GROUP BY month";
        let mut out: Vec<(i32, String, Fen)> = Sql::new(CHARGES).bind(platform.0).bind(lo).bind(hi).fetch_all(self.db()).await?;
        let inj: Vec<(i32, i64)> = Sql::new(INJURY).bind(platform.0).bind(lo).bind(hi).fetch_all(self.db()).await?;
        out.extend(inj.into_iter().map(|(m, v)| (m, "injury_premium".to_string(), v)));
        out.sort_by_key(|(m, k, _)| (*m, KINDS.iter().position(|x| x == k).unwrap_or(9)));
        Ok(out)
    }

    /// Record a platform's remittance against its bill, allocated oldest month first (within a
    /// month: contract shares, injury premiums, union dues). The same reference and amount again
    /// is a no-op (`duplicate`); the same reference with another amount is refused (`Exists`);
    /// more than the platform owes over all months is refused. One transaction.
    pub async fn platform_pay(&self, platform: PlatformId, amount_fen: Fen, reference: &str) -> Result<Remittance> {
        check_reference(reference)?;
        if !(1..=MAX_FEN).contains(&amount_fen) {
            return Err(StoreError::invalid("amount", "must be more than 0 and at most 10,000,000,000 yuan"));
        }
        let known: Option<i64> = Sql::new("SELECT id FROM platforms WHERE id = $1").bind(platform.0).scalar_optional(self.db()).await?;
        if known.is_none() {
            return Err(StoreError::NotFound { what: "platform", key: platform.0.to_string() });
        }
        let mut tx = self.db().begin_write().await?;
        Sql::new("UPDATE platforms SET name = name WHERE id = $1").bind(platform.0).execute(&mut tx).await?;
        const SAME: &str = "SELECT id, amount_fen FROM platform_remittances WHERE platform_id = $1 AND reference = $2";
        let same: Option<(i64, i64)> = Sql::new(SAME).bind(platform.0).bind(reference).fetch_optional(&mut tx).await?;
        if let Some((id, amount)) = same {
            drop(tx);
            if amount != amount_fen {
                return Err(StoreError::Exists { what: "remittance with another amount", key: reference.to_string() });
            }
            let allocations = self.allocations(id).await?;
            let outstanding_fen = self.platform_outstanding(platform).await?;
            return Ok(Remittance {
                platform: platform.0,
                reference: reference.to_string(),
                amount_fen,
                duplicate: true,
                allocations,
                outstanding_fen,
            });
        }
        let owed = self.owed(platform, None).await?;
        const PAID: &str =
            "SELECT month, kind, CAST(SUM(amount_fen) AS BIGINT) FROM platform_allocations WHERE platform_id = $1 GROUP BY month, kind";
        let paid: Vec<(i32, String, i64)> = Sql::new(PAID).bind(platform.0).fetch_all(&mut tx).await?;
        let open: Vec<(i32, String, Fen)> = owed
            .into_iter()
            .map(|(m, k, v)| {
                let p: Fen = paid.iter().filter(|x| x.0 == m && x.1 == k).map(|x| x.2).sum();
                (m, k, v - p)
            })
            .filter(|x| x.2 > 0)
            .collect();
        let outstanding: Fen = open.iter().map(|x| x.2).sum();
        if amount_fen > outstanding {
            return Err(StoreError::invalid(
                "amount",
                format!(
                    "{} yuan is more than the platform owes ({} yuan)",
                    flexpension_rules::money::yuan(amount_fen),
                    flexpension_rules::money::yuan(outstanding)
                ),
            ));
        }
        let at = self.now_us();
        let id: i64 =
            Sql::new("INSERT INTO platform_remittances (platform_id, reference, amount_fen, at_us) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(platform.0)
                .bind(reference)
                .bind(amount_fen)
                .bind(at)
                .scalar(&mut tx)
                .await?;
        let mut left = amount_fen;
        let mut allocations = Vec::new();
        for (m, k, v) in open {
            if left == 0 {
                break;
            }
            let a = v.min(left);
            left -= a;
            Sql::new("INSERT INTO platform_allocations (remittance_id, platform_id, month, kind, amount_fen) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(platform.0)
                .bind(m)
                .bind(&k)
                .bind(a)
                .execute(&mut tx)
                .await?;
            let month = month_text(m);
            allocations.push(Allocation { month, kind: k, amount_fen: a });
        }
        let rec = crate::log::entry::Record::new(
            "platform_remittance",
            at,
            serde_json::json!({"platform": platform.0, "reference": reference, "amount_fen": amount_fen}),
        );
        tx.log_append(&rec, None).await?;
        tx.commit().await?;
        Ok(Remittance {
            platform: platform.0,
            reference: reference.to_string(),
            amount_fen,
            duplicate: false,
            allocations,
            outstanding_fen: outstanding - amount_fen,
        })
    }

    async fn allocations(&self, remittance: i64) -> Result<Vec<Allocation>> {
        const SQL: &str = "SELECT month, kind, amount_fen FROM platform_allocations WHERE remittance_id = $1 ORDER BY month, kind";
        let rows: Vec<(i32, String, i64)> = Sql::new(SQL).bind(remittance).fetch_all(self.db()).await?;
        Ok(rows.into_iter().map(|(m, kind, amount_fen)| Allocation { month: month_text(m), kind, amount_fen }).collect())
    }

    /// What a platform owes over all months, payments deducted.
    pub async fn platform_outstanding(&self, platform: PlatformId) -> Result<Fen> {
        let owed: Fen = self.owed(platform, None).await?.iter().map(|x| x.2).sum();
        const PAID: &str = "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM platform_allocations WHERE platform_id = $1";
        let paid: i64 = Sql::new(PAID).bind(platform.0).scalar(self.db()).await?;
        Ok(owed - paid)
    }

    /// What a platform paid toward its workers' pension contributions for the months of `year`
    /// (its contract shares paid), for the tax statement.
    pub async fn platform_contributions_paid(&self, platform: PlatformId, year: i32) -> Result<Fen> {
        const SQL: &str = "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM platform_allocations \
            WHERE platform_id = $1 AND kind = 'contract_share' AND month >= $2 AND month <= $3";
        Sql::new(SQL).bind(platform.0).bind(year * 100 + 1).bind(year * 100 + 12).scalar(self.db()).await
    }
}

/// A platform's share of a worker's month under a collective contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerShare {
    pub month: String,
    pub platform: i64,
    pub amount_fen: Fen,
    /// Of `amount_fen`, what raising the base to the contract's minimum added.
    pub topup_fen: Fen,
}

impl crate::Store {
    /// What platforms pay of a worker's contributions under collective contracts, by month.
    pub async fn worker_contract_shares(&self, worker: i64) -> Result<Vec<WorkerShare>> {
        const SQL: &str = "SELECT month, platform_id, amount_fen, topup_fen FROM platform_charges WHERE worker_id = $1 AND kind = 'contract_share' ORDER BY month, platform_id";
        let rows: Vec<(i32, i64, i64, i64)> = Sql::new(SQL).bind(worker).fetch_all(self.db()).await?;
        Ok(rows
            .into_iter()
            .map(|(m, platform, amount_fen, topup_fen)| WorkerShare { month: month_text(m), platform, amount_fen, topup_fen })
            .collect())
    }
}

/// A stored month code as text (YYYY-MM; empty for a code no month has).
fn month_text(code: i32) -> String {
    month_from_code(code).map(|m| m.to_string()).unwrap_or_default()
}
