//! A platform's own credit rating in detail: its months of ratings, the notices they give it
//! (fell under the floor; six months before the run under the floor reaches the sanction; put
//! on the sanctions list), the workers behind a month's figures (masked), and its appeals with
//! the agency's decisions, each filing and decision an entry in the tamper-evident log.

use crate::backend::Sql;
use crate::credit::{RATING_COLUMNS, RatingRow};
use crate::ids::{PlatformId, WorkerId, month_code, month_from_code};
use crate::log::entry::Record;
use crate::people::PersonId;
use crate::{Result, Store, StoreError};
use flexpension_rules::credit::{Grade, Rating};
use flexpension_rules::{Fen, Params, YearMonth};
use serde::Serialize;
use std::collections::HashMap;

/// The longest grounds of an appeal or reasons of a decision (characters).
pub const APPEAL_TEXT_MAX_CHARS: usize = 2_000;
/// Months before a run under the floor reaches the sanction that the platform is warned.
pub const WARN_MONTHS_BEFORE: u32 = 6;

/// Why the agency writes to a platform about its rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The month's insured share fell under the floor.
    FellUnder,
    /// Under the floor month after month: `WARN_MONTHS_BEFORE` more and the years under the
    /// floor in a row reach the sanction.
    SanctionSoon,
    /// Put on the sanctions list.
    Sanctioned,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::FellUnder => "fell_under",
            NoticeKind::SanctionSoon => "sanction_soon",
            NoticeKind::Sanctioned => "sanctioned",
        }
    }
}

/// A notice to a platform, derived from its stored ratings (so it cannot disagree with them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// `YYYY-MM` of the rating that gives it.
    pub month: String,
    pub kind: NoticeKind,
    pub share_bp: Option<u32>,
}

/// One stored monthly rating of a platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatedMonth {
    pub month: YearMonth,
    #[serde(flatten)]
    pub rating: Rating,
}

/// A worker behind a platform's month: active with it (income at least the threshold), and
/// whether a basic pension covered them that month. Masked forms only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatedWorker {
    pub worker: WorkerId,
    pub name: String,
    pub id_masked: String,
    pub income_fen: Fen,
    pub insured: bool,
}

/// An appeal and, once decided, the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appeal {
    pub id: i64,
    pub platform_id: i64,
    pub platform_name: String,
    /// `YYYY-MM` of the rating appealed.
    pub month: String,
    pub filed_at_us: i64,
    pub grounds: String,
    /// `upheld` (the rating is corrected) or `rejected`; None while open.
    pub decision: Option<String>,
    pub reasons: Option<String>,
    pub decided_at_us: Option<i64>,
}

fn check_text(field: &'static str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(StoreError::invalid(field, "write it out"));
    }
    if t.chars().count() > APPEAL_TEXT_MAX_CHARS {
        return Err(StoreError::invalid(field, format!("at most {APPEAL_TEXT_MAX_CHARS} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(StoreError::invalid(field, "no control characters"));
    }
    Ok(t.to_string())
}

/// A stored rating with its month.
#[derive(sqlx::FromRow)]
struct RatingCols {
    month: i32,
    #[sqlx(flatten)]
    r: RatingRow,
}
type AppealRow = (i64, i64, String, i32, i64, String, Option<String>, Option<String>, Option<i64>);

impl Store {
    /// Every stored rating of one platform, oldest first.
    pub async fn credit_history(&self, platform: PlatformId) -> Result<Vec<RatedMonth>> {
        let rows: Vec<RatingCols> =
            Sql::built(format!("SELECT {RATING_COLUMNS}, c.month FROM credit_ratings c WHERE c.platform_id = $1 ORDER BY c.month"))
                .bind(platform.0)
                .fetch_all(self.db())
                .await?;
        rows.into_iter()
            .map(|RatingCols { month: m, r }| {
                let month = month_from_code(m).ok_or_else(|| StoreError::Corrupt(format!("credit month {m}")))?;
                Ok(RatedMonth { month, rating: r.rating() })
            })
            .collect()
    }

    /// The notices a platform's ratings give it, newest first:
    /// - a month under the floor after one that was not (or none): it fell under;
    /// - the first month, not yet sanctioned, from which `WARN_MONTHS_BEFORE` more months under
    ///   the floor put it on the list: the rating of that later month would find every year of
    ///   `credit.floor_years` under the floor (its earlier years are already known and under,
    ///   and so are the months of its last year up to now);
    /// - the first month sanctioned.
    ///
    /// Derived from the stored ratings and the month counts their runs read, so a notice never
    /// disagrees with the ratings.
    pub async fn credit_notices(&self, params: &Params, platform: PlatformId) -> Result<Vec<Notice>> {
        let history = self.credit_history(platform).await?;
        let (Some(first), Some(last)) = (history.first(), history.last()) else { return Ok(Vec::new()) };
        let rules = params.credit_rules(last.month).map_err(|e| StoreError::invalid("month", e.to_string()))?;
        let from = first
            .month
            .add_months(-i64::from(rules.floor_years) * 12)
            .ok_or_else(|| StoreError::invalid("month", "the years before it start before the calendar"))?;
        let counts: HashMap<YearMonth, (u64, u64)> = self
            .credit_counts(&rules, from)
            .await?
            .remove(&platform.0)
            .unwrap_or_default()
            .into_iter()
            .map(|(m, c)| (m, (c.active, c.insured)))
            .collect();
        let mut out = Vec::new();
        let (mut was_under, mut was_warned, mut was_sanctioned) = (false, false, false);
        for r in &history {
            let Ok(rules) = params.credit_rules(r.month) else { continue };
            // The 12 months ending with `end` (only those up to `upto`), under the floor?
            let under = |end: YearMonth, upto: YearMonth| {
                let (mut active, mut insured) = (0u64, 0u64);
                for j in 0..12 {
                    if let Some(m) = end.add_months(-j).filter(|m| *m <= upto) {
                        let c = counts.get(&m).copied().unwrap_or_default();
                        active += c.0;
                        insured += c.1;
                    }
                }
                active > 0 && i128::from(insured) * 1_000_000 < i128::from(active) * i128::from(rules.floor.0)
            };
            // The share under the floor: a grade lowered to D by missed deadlines is not that.
            let month_under = r.rating.share_grade() == Some(Grade::D);
            if month_under && !was_under {
                out.push(Notice { month: r.month.to_string(), kind: NoticeKind::FellUnder, share_bp: r.rating.share_bp });
            }
            let later = r.month.add_months(i64::from(WARN_MONTHS_BEFORE));
            let warned = !r.rating.sanctioned
                && later.is_some_and(|later| {
                    (0..i64::from(rules.floor_years)).all(|k| later.add_months(-12 * k).is_some_and(|end| under(end, r.month)))
                });
            if warned && !was_warned {
                out.push(Notice { month: r.month.to_string(), kind: NoticeKind::SanctionSoon, share_bp: r.rating.share_bp });
            }
            if r.rating.sanctioned && !was_sanctioned {
                out.push(Notice { month: r.month.to_string(), kind: NoticeKind::Sanctioned, share_bp: r.rating.share_bp });
            }
            (was_under, was_warned, was_sanctioned) = (month_under, warned, r.rating.sanctioned);
        }
        out.reverse();
        Ok(out)
    }

    /// The workers behind `platform`'s rating of `month`: those its income made active (at least
    /// the monitor's earning threshold), insured first flagged, by worker id.
    pub async fn credit_workers(&self, params: &Params, platform: PlatformId, month: YearMonth) -> Result<Vec<RatedWorker>> {
        let rules = params.credit_rules(month).map_err(|e| StoreError::invalid("month", e.to_string()))?;
        let rows: Vec<(i64, String, String, i64, i64)> = Sql::new(
            "SELECT w.id, w.name, w.id_masked, mi.income_fen, CASE WHEN EXISTS (SELECT 1 FROM enrolments e \
               WHERE e.worker_id = mi.worker_id AND e.scheme IN ('employee_pension', 'residents_pension') \
               AND e.from_month <= mi.month AND (e.to_month IS NULL OR e.to_month >= mi.month)) THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END \
             FROM month_income mi JOIN workers w ON w.id = mi.worker_id \
             WHERE mi.platform_id = $1 AND mi.month = $2 AND mi.income_fen >= $3 ORDER BY w.id",
        )
        .bind(platform.0)
        .bind(month_code(month))
        .bind(rules.earning_threshold_fen)
        .fetch_all(self.db())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, id_masked, income_fen, insured)| RatedWorker {
                worker: WorkerId(id),
                name,
                id_masked,
                income_fen,
                insured: insured == 1,
            })
            .collect())
    }

    /// A platform's staff appeal against the rating of `month` (which must be stored); one open
    /// appeal per platform and month. Logged.
    pub async fn file_appeal(&self, platform: PlatformId, person: PersonId, month: YearMonth, grounds: &str) -> Result<i64> {
        let grounds = check_text("grounds", grounds)?;
        let rated: Option<(i64,)> = Sql::new("SELECT platform_id FROM credit_ratings WHERE platform_id = $1 AND month = $2")
            .bind(platform.0)
            .bind(month_code(month))
            .fetch_optional(self.db())
            .await?;
        if rated.is_none() {
            return Err(StoreError::NotFound { what: "rating", key: format!("{platform} {month}") });
        }
        let at = self.now_us();
        let rec =
            Record::new("credit_appeal", at, serde_json::json!({"platform": platform.0, "month": month.to_string(), "grounds": grounds}));
        let mut tx = self.db().begin_write().await?;
        let idx = tx.log_append(&rec, None).await?;
        let r = Sql::new(
            "INSERT INTO credit_appeals (platform_id, month, person_id, filed_at_us, grounds, filed_log_idx) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(platform.0)
        .bind(month_code(month))
        .bind(person.0)
        .bind(at)
        .bind(&grounds)
        .bind(idx)
        .scalar::<i64>(&mut tx)
        .await;
        let id = match r {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::Exists { what: "open appeal", key: format!("{platform} {month}") });
            }
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(id)
    }

    /// The agency decides an open appeal of a platform of any region (platforms are national):
    /// `upheld` or `rejected`, with its reasons. Logged; a decided appeal is not decided again.
    pub async fn decide_appeal(&self, person: PersonId, appeal: i64, upheld: bool, reasons: &str) -> Result<()> {
        let reasons = check_text("reasons", reasons)?;
        let decision = if upheld { "upheld" } else { "rejected" };
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        let open: Option<(i64, i32)> = Sql::new("SELECT platform_id, month FROM credit_appeals WHERE id = $1 AND decision IS NULL")
            .bind(appeal)
            .fetch_optional(&mut tx)
            .await?;
        let Some((platform, month)) = open else { return Err(StoreError::NotFound { what: "open appeal", key: appeal.to_string() }) };
        let month = month_from_code(month).map(|m| m.to_string()).unwrap_or_default();
        let rec = Record::new(
            "credit_appeal_decision",
            at,
            serde_json::json!({"appeal": appeal, "platform": platform, "month": month, "decision": decision, "reasons": reasons}),
        );
        let idx = tx.log_append(&rec, None).await?;
        Sql::new(
            "UPDATE credit_appeals SET decided_by = $2, decided_at_us = $3, decision = $4, reasons = $5, decided_log_idx = $6 \
             WHERE id = $1 AND decision IS NULL",
        )
        .bind(appeal)
        .bind(person.0)
        .bind(at)
        .bind(decision)
        .bind(&reasons)
        .bind(idx)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appeals, newest first: one platform's, or every platform's (the agency's list).
    pub async fn appeals(&self, platform: Option<PlatformId>) -> Result<Vec<Appeal>> {
        let rows: Vec<AppealRow> = Sql::new(
            "SELECT a.id, a.platform_id, p.name, a.month, a.filed_at_us, a.grounds, a.decision, a.reasons, a.decided_at_us \
             FROM credit_appeals a JOIN platforms p ON p.id = a.platform_id WHERE ($1 IS NULL OR a.platform_id = $1) \
             ORDER BY a.filed_at_us DESC, a.id DESC",
        )
        .bind(platform.map(|p| p.0))
        .fetch_all(self.db())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, platform_id, platform_name, m, filed_at_us, grounds, decision, reasons, decided_at_us)| Appeal {
                id,
                platform_id,
                platform_name,
                month: month_from_code(m).map(|m| m.to_string()).unwrap_or_default(),
                filed_at_us,
                grounds,
                decision,
                reasons,
                decided_at_us,
            })
            .collect())
    }
}
