//! Platforms' arrears on their bills (平台欠费): the months whose bill (contract shares, injury
//! premiums, union dues) is still unpaid after its due day (`flexpension_rules::platform_bill`).
//! Worked out on every read from the charges, the premiums and the remittances' allocations:
//! nothing is stored, so a reminder clears itself the moment the money is allocated.

use crate::backend::Sql;
use crate::ids::{PlatformId, month_from_code};
use crate::{Result, StoreError};
use chrono::NaiveDate;
use flexpension_rules::explain::ParamUse;
use flexpension_rules::platform_bill::{BillDue, overdue_months};
use flexpension_rules::{Fen, Params, YearMonth};
use std::collections::BTreeMap;

/// A platform's overdue months on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformArrears {
    pub platform: i64,
    /// Oldest first.
    pub months: Vec<BillDue>,
    /// What the overdue months still owe together.
    pub arrears_fen: Fen,
    /// The due-day parameters the months were judged by.
    pub uses: Vec<ParamUse>,
}

impl PlatformArrears {
    /// The most days any of its months is overdue.
    pub fn longest_days(&self) -> i64 {
        self.months.iter().map(|m| m.days_overdue).max().unwrap_or(0)
    }
}

impl crate::Store {
    /// The months a platform (every platform, with `None`) still owes something for, payments
    /// deducted: (platform, month, outstanding), by platform and month.
    pub async fn platform_unpaid_months(&self, platform: Option<PlatformId>) -> Result<Vec<(i64, YearMonth, Fen)>> {
        // 0 is no platform's id (they start at 1): it asks for all of them.
        let p = platform.map_or(0, |p| p.0);
        const CHARGES: &str = "SELECT platform_id, month, CAST(SUM(amount_fen) AS BIGINT) FROM platform_charges \
            WHERE ($1 = 0 OR platform_id = $1) GROUP BY platform_id, month";
        const INJURY: &str = "SELECT platform_id, month, CAST(SUM(premium_fen) AS BIGINT) FROM injury_premiums \
            WHERE ($1 = 0 OR platform_id = $1) GROUP BY platform_id, month";
        const PAID: &str = "SELECT platform_id, month, CAST(SUM(amount_fen) AS BIGINT) FROM platform_allocations \
            WHERE ($1 = 0 OR platform_id = $1) GROUP BY platform_id, month";
        let mut balance: BTreeMap<(i64, i32), Fen> = BTreeMap::new();
        for (sql, sign) in [(CHARGES, 1), (INJURY, 1), (PAID, -1)] {
            let rows: Vec<(i64, i32, i64)> = Sql::new(sql).bind(p).fetch_all(self.db()).await?;
            for (platform, month, fen) in rows {
                *balance.entry((platform, month)).or_default() += sign * fen;
            }
        }
        balance
            .into_iter()
            .filter(|(_, fen)| *fen > 0)
            .map(|((platform, code), fen)| {
                let month = month_from_code(code).ok_or_else(|| StoreError::Corrupt(format!("platform {platform}'s bill month {code}")))?;
                Ok((platform, month, fen))
            })
            .collect()
    }

    /// The platforms in arrears on `today` (only `platform`, when named), each with its overdue
    /// months under the region's due day: the longest overdue first. A month the parameters
    /// give no due day for is refused (`month`), never guessed.
    pub async fn platform_arrears(
        &self,
        params: &Params,
        region: &str,
        platform: Option<PlatformId>,
        today: NaiveDate,
    ) -> Result<Vec<PlatformArrears>> {
        let mut by_platform: BTreeMap<i64, Vec<(YearMonth, Fen)>> = BTreeMap::new();
        for (p, month, fen) in self.platform_unpaid_months(platform).await? {
            by_platform.entry(p).or_default().push((month, fen));
        }
        let mut out = Vec::new();
        for (p, unpaid) in by_platform {
            let (months, uses) = overdue_months(params, region, &unpaid, today).map_err(|e| StoreError::invalid("month", e.to_string()))?;
            if !months.is_empty() {
                let arrears_fen = months.iter().map(|m| m.outstanding_fen).sum();
                out.push(PlatformArrears { platform: p, months, arrears_fen, uses });
            }
        }
        out.sort_by_key(|a| (std::cmp::Reverse(a.longest_days()), a.platform));
        Ok(out)
    }
}
