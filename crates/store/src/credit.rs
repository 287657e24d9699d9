//! Platform credit ratings on the store: count each platform's active and insured worker-months
//! (from the month incomes and the pension enrolments), let the rules core grade them, and keep
//! one rating per platform and month, lowered for the complaints it left unanswered past their
//! deadline in the month (`complaint_breaches`). A rating that changes is an entry in the
//! tamper-evident log; a run that changes nothing writes nothing.

use crate::backend::Sql;
use crate::ids::{PlatformId, month_code, month_from_code};
use crate::log::entry::Record;
use crate::{Result, Store, StoreError};
use flexpension_rules::credit::{Counts, CreditRules, Grade, Rating, rate};
use flexpension_rules::{Params, YearMonth};
use serde::Serialize;
use std::collections::HashMap;

/// A platform's rating in a month. The fields `active`, `insured`, `share_bp`, `grade` and
/// `sanctioned` are a contract (`credit run --json`); `breaches` (missed complaint deadlines in
/// the month) and `breach_steps` (the grade steps they took off) came later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformRating {
    pub platform_id: i64,
    pub name: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Active and insured workers, insured ÷ active in basis points (absent when the platform
    /// had no active worker), the grade, the missed complaint deadlines and the steps they took
    /// off, the years under the floor, sanctioned or not.
    #[serde(flatten)]
    pub rating: Rating,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditReport {
    /// `YYYY-MM`.
    pub month: String,
    pub platforms: Vec<PlatformRating>,
    /// Ratings new or changed by this run (each logged).
    pub changed: u64,
}

/// The columns of a stored rating, for a SELECT (prefixed with the table's alias `c.`).
pub(crate) const RATING_COLUMNS: &str =
    "c.platform_id, c.active, c.insured, c.share_bp, c.grade, c.breaches, c.breach_steps, c.years_under, c.sanctioned";

/// A stored rating, as its columns (counts as BIGINT, the grade's code, sanctioned as 0/1).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct RatingRow {
    pub(crate) platform_id: i64,
    active: i64,
    insured: i64,
    share_bp: Option<i64>,
    grade: Option<String>,
    breaches: i64,
    breach_steps: i64,
    years_under: i64,
    sanctioned: i64,
}

impl RatingRow {
    pub(crate) fn rating(&self) -> Rating {
        let count = |v: i64| u32::try_from(v).unwrap_or(0);
        Rating {
            active: u64::try_from(self.active).unwrap_or(0),
            insured: u64::try_from(self.insured).unwrap_or(0),
            share_bp: self.share_bp.and_then(|s| u32::try_from(s).ok()),
            grade: self.grade.as_deref().and_then(Grade::parse),
            breaches: count(self.breaches),
            breach_steps: count(self.breach_steps),
            years_under: count(self.years_under),
            sanctioned: self.sanctioned == 1,
        }
    }
}

/// A stored rating with its platform's name and month, for the listing.
#[derive(sqlx::FromRow)]
struct Listed {
    name: String,
    month: i32,
    #[sqlx(flatten)]
    r: RatingRow,
}

impl Store {
    /// Rate every platform for `month`.
    pub async fn credit_run(&self, params: &Params, month: YearMonth) -> Result<CreditReport> {
        let rules = params.credit_rules(month).map_err(|e| StoreError::invalid("month", e.to_string()))?;
        let months = i64::from(rules.floor_years) * 12;
        let first =
            month.add_months(1 - months).ok_or_else(|| StoreError::invalid("month", "the years before it start before the calendar"))?;
        let counts = self.credit_counts(&rules, first).await?;
        let breaches = self.complaint_breach_counts(month).await?;
        let mut tx = self.db().begin_write().await?;
        let stored: Vec<RatingRow> = Sql::built(format!("SELECT {RATING_COLUMNS} FROM credit_ratings c WHERE c.month = $1"))
            .bind(month_code(month))
            .fetch_all(&mut tx)
            .await?;
        let stored: HashMap<i64, RatingRow> = stored.into_iter().map(|r| (r.platform_id, r)).collect();
        let mut report = CreditReport { month: month.to_string(), platforms: Vec::new(), changed: 0 };
        let at = self.now_us();
        for p in self.platforms().await? {
            let per_month = counts.get(&p.id.0);
            let at_month = |m: YearMonth| per_month.and_then(|c| c.get(&m)).copied().unwrap_or_default();
            let years: Vec<Counts> = (0..rules.floor_years)
                .rev()
                .map(|k| {
                    let end = i64::from(k) * 12;
                    (0..12)
                        .filter_map(|j| month.add_months(-end - j))
                        .map(at_month)
                        .fold(Counts::default(), |a, c| Counts { active: a.active + c.active, insured: a.insured + c.insured })
                })
                .collect();
            let r = rate(&rules, at_month(month), &years, breaches.get(&p.id.0).copied().unwrap_or(0)).value;
            let row = as_row(p.id, &r);
            if stored.get(&p.id.0) != Some(&row) {
                self.keep_rating(&mut tx, &row, month, at).await?;
                report.changed += 1;
            }
            report.platforms.push(rating(p.id.0, p.name, month, &r));
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Active and insured worker-months per platform and month, from `first` to the rules' month.
    pub(crate) async fn credit_counts(&self, rules: &CreditRules, first: YearMonth) -> Result<HashMap<i64, HashMap<YearMonth, Counts>>> {
        let rows: Vec<(i64, i32, i64, i64)> = Sql::new(
            "SELECT mi.platform_id, mi.month, COUNT(*), CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM enrolments e \
               WHERE e.worker_id = mi.worker_id AND e.scheme IN ('employee_pension', 'residents_pension') \
               AND e.from_month <= mi.month AND (e.to_month IS NULL OR e.to_month >= mi.month)) THEN 1 ELSE 0 END) AS BIGINT) \
             FROM month_income mi WHERE mi.month BETWEEN $1 AND $2 AND mi.income_fen >= $3 GROUP BY mi.platform_id, mi.month",
        )
        .bind(month_code(first))
        .bind(month_code(rules.month))
        .bind(rules.earning_threshold_fen)
        .fetch_all(self.db())
        .await?;
        let mut out: HashMap<i64, HashMap<YearMonth, Counts>> = HashMap::new();
        for (p, m, active, insured) in rows {
            let m = month_from_code(m).ok_or_else(|| StoreError::Corrupt(format!("month_income month {m}")))?;
            let c = Counts { active: u64::try_from(active).unwrap_or(0), insured: u64::try_from(insured).unwrap_or(0) };
            out.entry(p).or_default().insert(m, c);
        }
        Ok(out)
    }

    async fn keep_rating(&self, tx: &mut crate::backend::Tx, r: &RatingRow, month: YearMonth, at: i64) -> Result<()> {
        let data = serde_json::json!({
            "platform": r.platform_id, "month": month.to_string(), "active": r.active, "insured": r.insured,
            "share_bp": r.share_bp, "grade": r.grade, "breaches": r.breaches, "breach_steps": r.breach_steps,
            "sanctioned": r.sanctioned == 1,
        });
        let idx = tx.log_append(&Record::new("credit_rating", at, data), None).await?;
        Sql::new("DELETE FROM credit_ratings WHERE platform_id = $1 AND month = $2")
            .bind(r.platform_id)
            .bind(month_code(month))
            .execute(&mut *tx)
            .await?;
        Sql::new(
            "INSERT INTO credit_ratings (platform_id, month, active, insured, share_bp, grade, breaches, breach_steps, years_under, sanctioned, log_idx) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(r.platform_id)
        .bind(month_code(month))
        .bind(r.active)
        .bind(r.insured)
        .bind(r.share_bp)
        .bind(r.grade.clone())
        .bind(r.breaches)
        .bind(r.breach_steps)
        .bind(r.years_under)
        .bind(r.sanctioned)
        .bind(idx)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// The ratings of the latest month rated, every platform (public: no worker is named): the
    /// sanctioned first, then by share, lowest first, those without active workers last.
    pub async fn credit_ratings(&self) -> Result<Vec<PlatformRating>> {
        let rows: Vec<Listed> = Sql::built(format!(
            "SELECT {RATING_COLUMNS}, p.name, c.month FROM credit_ratings c JOIN platforms p ON p.id = c.platform_id \
             WHERE c.month = (SELECT MAX(month) FROM credit_ratings) ORDER BY c.sanctioned DESC, CASE WHEN c.share_bp IS NULL THEN 1 ELSE 0 END, c.share_bp, p.name",
        ))
        .fetch_all(self.db())
        .await?;
        rows.into_iter()
            .map(|Listed { name, month, r }| {
                let month = month_from_code(month).ok_or_else(|| StoreError::Corrupt(format!("credit month {month}")))?;
                Ok(PlatformRating { platform_id: r.platform_id, name, month: month.to_string(), rating: r.rating() })
            })
            .collect()
    }
}

fn as_row(p: PlatformId, r: &Rating) -> RatingRow {
    RatingRow {
        platform_id: p.0,
        active: i64::try_from(r.active).unwrap_or(i64::MAX),
        insured: i64::try_from(r.insured).unwrap_or(i64::MAX),
        share_bp: r.share_bp.map(i64::from),
        grade: r.grade.map(|g| g.as_str().to_string()),
        breaches: i64::from(r.breaches),
        breach_steps: i64::from(r.breach_steps),
        years_under: i64::from(r.years_under),
        sanctioned: i64::from(r.sanctioned),
    }
}

fn rating(platform_id: i64, name: String, month: YearMonth, r: &Rating) -> PlatformRating {
    PlatformRating { platform_id, name, month: month.to_string(), rating: r.clone() }
}
