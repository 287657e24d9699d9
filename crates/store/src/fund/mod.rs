//! The provincial special fund (省级统管、市级发放, section 5.2 of the paper) on the store: the
//! province appropriates money to a city for a year, the month close grants each worker's
//! subsidy from the city's allocation (`journal/funded.rs`), and the report says what was
//! appropriated, committed (granted for months not yet paid), paid (granted for months paid in
//! full) and what is left. The balance never goes below zero: the close grants under a lock on
//! the city's row and the database refuses a granted total above the appropriated one.
//!
//! A worker's city is the part of their home grid's code before the first '-'
//! (`hz-xh-001` is in `hz`); a grid code without '-' is a city of its own.

mod arrears;
mod platform;

pub use arrears::PlatformArrears;
pub use platform::{
    Allocation, Contract, MAX_REMITTANCE_REFERENCE, MAX_SUPPLEMENTARY, MAX_UNION_NAME, NewContract, PlatformBill, Remittance, WorkerShare,
};

use crate::backend::Sql;
use crate::ids::month_from_code;
use crate::journal::CloseOptions;
use crate::{Result, StoreError};
use flexpension_rules::fund::Shortfall;
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Fen, Scenario, YearMonth};
use serde::Serialize;
use std::collections::BTreeMap;

/// The years an appropriation may be for.
pub const FUND_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// The most one appropriation may carry: the largest amount the ledger accepts (10 billion yuan).
pub const MAX_APPROPRIATION_FEN: Fen = MAX_FEN;

/// The city of a grid code.
pub fn city_of_grid(grid_code: &str) -> String {
    grid_code.split('-').next().unwrap_or(grid_code).to_string()
}

/// One appropriation recorded (split over cities when no city was named).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appropriation {
    pub region: String,
    pub year: i32,
    /// (city, amount in fen) as allocated.
    pub cities: Vec<(String, Fen)>,
    pub amount_fen: Fen,
    /// Queued subsidies granted from the new money (worker-months corrected).
    pub released_fen: Fen,
    pub released_months: u64,
}

/// The fund's figures: for a city, a month or the whole year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FundFigures {
    pub appropriated_fen: Fen,
    /// Granted for months not yet paid in full.
    pub committed_fen: Fen,
    /// Granted for months paid in full (drawn).
    pub paid_fen: Fen,
    /// appropriated − paid − committed.
    pub balance_fen: Fen,
    /// Asked by the rules but not granted and waiting for the next appropriation.
    pub queued_fen: Fen,
    /// Asked by the rules and not granted (queued or cut by pro-rating).
    pub unfunded_fen: Fen,
}

/// A month and city's grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundMonthCity {
    pub month: YearMonth,
    pub city: String,
    pub workers: i64,
    pub requested_fen: Fen,
    pub granted_fen: Fen,
    pub paid_fen: Fen,
    pub queued_fen: Fen,
}

/// `fund report`: the contract fields at the top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundReport {
    pub region: String,
    pub year: Option<i32>,
    pub appropriated_fen: Fen,
    pub committed_fen: Fen,
    pub paid_fen: Fen,
    pub balance_fen: Fen,
    pub queued_fen: Fen,
    pub cities: BTreeMap<String, FundFigures>,
    pub months: Vec<FundMonthCity>,
}

/// A worker-month's grant, for the worker's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerGrant {
    pub month: YearMonth,
    pub city: String,
    pub requested_fen: Fen,
    pub granted_fen: Fen,
    pub queued_fen: Fen,
    pub policy: String,
}

/// Is a grant's month paid in full (a live crediting)? SQL over `fund_grants g`.
const PAID: &str = "((SELECT COUNT(*) FROM journal_entries j WHERE j.worker_id = g.worker_id AND j.month = g.month AND j.kind = 'month_paid') \
    > (SELECT COUNT(*) FROM journal_entries j WHERE j.worker_id = g.worker_id AND j.month = g.month AND j.kind = 'reversal' AND j.entry_id LIKE '%/paid/%'))";

impl crate::Store {
    /// The cities of a region: those of its grids.
    pub async fn fund_cities(&self, region: &str) -> Result<Vec<String>> {
        let codes: Vec<String> =
            Sql::new("SELECT code FROM grids WHERE region_code = $1 ORDER BY code").bind(region).scalars(self.db()).await?;
        let mut cities: Vec<String> = codes.iter().map(|c| city_of_grid(c)).collect();
        cities.dedup();
        cities.sort();
        cities.dedup();
        Ok(cities)
    }

    /// Record an appropriation by the province for `year`: to `city`, or split evenly over the
    /// region's cities (the remainder to the first). One transaction, logged. Refused, nothing
    /// written, for an unknown city, a year outside 2000-2100, or an amount not above zero or
    /// above 10 billion yuan.
    pub async fn fund_appropriate(&self, region: &str, year: i32, city: Option<&str>, amount_fen: Fen) -> Result<Appropriation> {
        if !FUND_YEARS.contains(&year) {
            return Err(StoreError::invalid("year", format!("{year} is not a year from 2000 to 2100")));
        }
        if !(1..=MAX_APPROPRIATION_FEN).contains(&amount_fen) {
            return Err(StoreError::invalid("amount", "must be more than 0 and at most 10,000,000,000 yuan"));
        }
        let known = self.fund_cities(region).await?;
        if known.is_empty() {
            return Err(StoreError::NotFound { what: "region with grids", key: region.to_string() });
        }
        let cities: Vec<(String, Fen)> = match city {
            Some(c) if known.iter().any(|k| k == c) => vec![(c.to_string(), amount_fen)],
            Some(c) => {
                return Err(StoreError::invalid(
                    "city",
                    format!("'{c}' is not a city of region {region} (its cities: {})", known.join(", ")),
                ));
            }
            None => {
                let n = known.len() as i64;
                let each = amount_fen / n;
                known.iter().enumerate().map(|(i, c)| (c.clone(), each + if i == 0 { amount_fen - each * n } else { 0 })).collect()
            }
        };
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        for (c, amount) in cities.iter().filter(|(_, a)| *a > 0) {
            Sql::new("INSERT INTO fund_appropriations (region, year, city, amount_fen, at_us) VALUES ($1, $2, $3, $4, $5)")
                .bind(region)
                .bind(year)
                .bind(c)
                .bind(*amount)
                .bind(at)
                .execute(&mut tx)
                .await?;
            let n = Sql::new(
                "INSERT INTO fund_cities (region, year, city, appropriated_fen, granted_fen) VALUES ($1, $2, $3, $4, 0) \
                 ON CONFLICT (region, year, city) DO UPDATE SET appropriated_fen = fund_cities.appropriated_fen + excluded.appropriated_fen \
                 WHERE fund_cities.appropriated_fen + excluded.appropriated_fen <= $5",
            )
            .bind(region)
            .bind(year)
            .bind(c)
            .bind(*amount)
            .bind(MAX_FEN * 100)
            .execute(&mut tx)
            .await?;
            if n != 1 {
                return Err(StoreError::invalid(
                    "amount",
                    format!("city {c}'s appropriations for {year} would pass 1,000,000,000,000 yuan"),
                ));
            }
        }
        let rec = crate::log::entry::Record::new(
            "fund_appropriation",
            at,
            serde_json::json!({"region": region, "year": year, "amount_fen": amount_fen,
                "cities": cities.iter().map(|(c, a)| serde_json::json!({"city": c, "amount_fen": a})).collect::<Vec<_>>()}),
        );
        tx.log_append(&rec, None).await?;
        tx.commit().await?;
        Ok(Appropriation { region: region.to_string(), year, cities, amount_fen, released_fen: 0, released_months: 0 })
    }

    /// Grant the queued subsidies of `region`'s `year` from what the cities have now, oldest
    /// month first: each such worker-month is reclosed (a correction booked in `at`) with the
    /// larger grant. Months closed under another policy are reclosed under it.
    pub async fn fund_release_queue(&self, scenario: &Scenario<'_>, year: i32, at: YearMonth) -> Result<(u64, Fen)> {
        let region = scenario.region.code.clone();
        const Q: &str = "SELECT g.worker_id, g.month, g.granted_fen FROM fund_grants g JOIN fund_cities c \
            ON c.region = g.region AND c.city = g.city AND c.year = $2 \
            WHERE g.region = $1 AND g.queued_fen > 0 AND g.month >= $3 AND g.month <= $4 AND c.appropriated_fen > c.granted_fen \
            ORDER BY g.month, g.worker_id";
        let rows: Vec<(i64, i32, i64)> =
            Sql::new(Q).bind(&region).bind(year).bind(year * 100 + 1).bind(year * 100 + 12).fetch_all(self.db()).await?;
        let (mut months, mut released) = (0u64, 0i64);
        let mut by_month: BTreeMap<i32, Vec<(i64, i64)>> = BTreeMap::new();
        for (w, m, g) in rows {
            by_month.entry(m).or_default().push((w, g));
        }
        for (code, workers) in by_month {
            let month = month_from_code(code).ok_or_else(|| StoreError::Corrupt(format!("fund_grants month {code}")))?;
            let policy = self.month_close(month).await?.map(|c| c.policy);
            let kept = match &policy {
                Some(p) if *p != scenario.policy.name => Some(
                    scenario
                        .params
                        .scenario(&region, Some(p), scenario.overlay.map(|o| o.name.as_str()))
                        .map_err(|e| StoreError::invalid("policy", e.to_string()))?,
                ),
                _ => None,
            };
            let s = kept.as_ref().unwrap_or(scenario);
            let (rules, _) = s.month_rules(month).map_err(|e| StoreError::invalid("month", e.to_string()))?;
            let shortfall = s.params.fund_rules(month.first_day()).map_err(|e| StoreError::invalid("month", e.to_string()))?.shortfall;
            if shortfall != Shortfall::Queue {
                continue;
            }
            let Some(funded) = self.funded_month(&region, month, &rules, shortfall).await? else { continue };
            let mut ages = crate::journal::AgeLimits::new(s.params, &s.region, month)?;
            let opts = CloseOptions { reopen: true, at: at.max(month), ..CloseOptions::new(at) };
            let floors = self.floor_contracts(month).await?;
            for (w, before) in workers {
                let billed = self.billed_one(month, w, &rules, &floors, &mut ages).await?;
                let Some(b) = billed else { continue };
                self.close_one_funded(month, b, &rules, &opts, &funded).await?;
                let after: Option<i64> = Sql::new("SELECT granted_fen FROM fund_grants WHERE worker_id = $1 AND month = $2")
                    .bind(w)
                    .bind(code)
                    .scalar_optional(self.db())
                    .await?;
                let d = after.unwrap_or(before) - before;
                if d > 0 {
                    months += 1;
                    released += d;
                }
            }
        }
        Ok((months, released))
    }

    /// The fund's report for the store's region: every year, or one.
    pub async fn fund_report(&self, region: &str, year: Option<i32>) -> Result<FundReport> {
        let (y0, y1) = year.map_or((0, 9999), |y| (y, y));
        const CITIES: &str = "SELECT city, CAST(SUM(appropriated_fen) AS BIGINT) FROM fund_cities WHERE region = $1 AND year >= $2 AND year <= $3 GROUP BY city ORDER BY city";
        let apps: Vec<(String, i64)> = Sql::new(CITIES).bind(region).bind(y0).bind(y1).fetch_all(self.db()).await?;
        let sql = format!(
            "SELECT g.month, g.city, CAST(COUNT(*) AS BIGINT), CAST(SUM(g.requested_fen) AS BIGINT), CAST(SUM(g.granted_fen) AS BIGINT), \
             CAST(SUM(CASE WHEN {PAID} THEN g.granted_fen ELSE 0 END) AS BIGINT), CAST(SUM(g.queued_fen) AS BIGINT) \
             FROM fund_grants g WHERE g.region = $1 AND g.month >= $2 AND g.month <= $3 GROUP BY g.month, g.city ORDER BY g.month, g.city"
        );
        let rows: Vec<(i32, String, i64, i64, i64, i64, i64)> =
            Sql::built(sql).bind(region).bind(y0 * 100 + 1).bind(y1 * 100 + 12).fetch_all(self.db()).await?;
        let mut cities: BTreeMap<String, FundFigures> = BTreeMap::new();
        for (c, a) in apps {
            cities.entry(c).or_default().appropriated_fen = a;
        }
        let mut months = Vec::with_capacity(rows.len());
        for (m, city, workers, requested, granted, paid, queued) in rows {
            let month = month_from_code(m).ok_or_else(|| StoreError::Corrupt(format!("fund_grants month {m}")))?;
            let f = cities.entry(city.clone()).or_default();
            f.committed_fen += granted - paid;
            f.paid_fen += paid;
            f.queued_fen += queued;
            f.unfunded_fen += requested - granted;
            months.push(FundMonthCity {
                month,
                city,
                workers,
                requested_fen: requested,
                granted_fen: granted,
                paid_fen: paid,
                queued_fen: queued,
            });
        }
        let mut r = FundReport {
            region: region.to_string(),
            year,
            appropriated_fen: 0,
            committed_fen: 0,
            paid_fen: 0,
            balance_fen: 0,
            queued_fen: 0,
            cities,
            months,
        };
        for f in r.cities.values_mut() {
            f.balance_fen = f.appropriated_fen - f.paid_fen - f.committed_fen;
            r.appropriated_fen += f.appropriated_fen;
            r.committed_fen += f.committed_fen;
            r.paid_fen += f.paid_fen;
            r.queued_fen += f.queued_fen;
        }
        r.balance_fen = r.appropriated_fen - r.paid_fen - r.committed_fen;
        Ok(r)
    }

    /// The years the fund of `region` has appropriations or grants for, oldest first.
    pub async fn fund_years(&self, region: &str) -> Result<Vec<i32>> {
        const SQL: &str = "SELECT year FROM fund_cities WHERE region = $1 \
            UNION SELECT CAST(month / 100 AS INTEGER) FROM fund_grants WHERE region = $1 ORDER BY 1";
        Sql::new(SQL).bind(region).scalars(self.db()).await
    }

    /// A worker's grants from the fund, by month (for their statement).
    pub async fn worker_fund_grants(&self, worker: i64) -> Result<Vec<WorkerGrant>> {
        const SQL: &str =
            "SELECT month, city, requested_fen, granted_fen, queued_fen, policy FROM fund_grants WHERE worker_id = $1 ORDER BY month";
        let rows: Vec<(i32, String, i64, i64, i64, String)> = Sql::new(SQL).bind(worker).fetch_all(self.db()).await?;
        rows.into_iter()
            .map(|(m, city, requested_fen, granted_fen, queued_fen, policy)| {
                let month = month_from_code(m).ok_or_else(|| StoreError::Corrupt(format!("fund_grants month {m}")))?;
                Ok(WorkerGrant { month, city, requested_fen, granted_fen, queued_fen, policy })
            })
            .collect()
    }

    /// Check the fund's books: each city's granted total equals its grants and never passes
    /// what was appropriated, and appropriated equals the appropriations recorded.
    pub async fn fund_check(&self, region: &str) -> Result<()> {
        const SQL: &str = "SELECT c.year, c.city, c.appropriated_fen, c.granted_fen, \
            CAST(COALESCE((SELECT SUM(a.amount_fen) FROM fund_appropriations a WHERE a.region = c.region AND a.year = c.year AND a.city = c.city), 0) AS BIGINT), \
            CAST(COALESCE((SELECT SUM(g.granted_fen) FROM fund_grants g WHERE g.region = c.region AND g.city = c.city AND g.month >= c.year * 100 + 1 AND g.month <= c.year * 100 + 12), 0) AS BIGINT) \
            FROM fund_cities c WHERE c.region = $1";
        let rows: Vec<(i32, String, i64, i64, i64, i64)> = Sql::new(SQL).bind(region).fetch_all(self.db()).await?;
        for (y, c, app, granted, apps, grants) in rows {
            if granted > app || granted < 0 || app != apps || granted != grants {
                return Err(StoreError::Corrupt(format!(
                    "fund {y} {c}: appropriated {app} (recorded {apps}), granted {granted} (grants {grants})"
                )));
            }
        }
        Ok(())
    }
}
