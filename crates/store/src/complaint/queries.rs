//! Reading complaints (one, a worker's, a platform's, the officers' queue), the response
//! deadline run that escalates unanswered complaints once, and the breaches a platform's credit
//! can count.

use super::{Complaint, Step, UploadInfo, insert_step};
use crate::backend::Sql;
use crate::log::entry::Record;
use crate::{PlatformId, Result, Store, StoreError, WorkerId};
use flexpension_rules::YearMonth;
use flexpension_rules::complaint::{Actor, Kind, Outcome, State};
use serde::Serialize;

/// A line of a listing: no uploads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintSummary {
    pub id: i64,
    pub worker: i64,
    pub platform: i64,
    pub platform_name: String,
    pub kind: Kind,
    pub months: Vec<String>,
    /// What happened, in the worker's words.
    pub text: String,
    pub state: State,
    pub outcome: Option<Outcome>,
    pub filed_at_us: i64,
    pub due_at_us: i64,
    pub responded_at_us: Option<i64>,
    pub breached: bool,
}

/// What a deadline run found. `breached` is the CLI's contract (`complaint sla --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaReport {
    /// Every complaint past its deadline unanswered at that time.
    pub breached: Vec<i64>,
    /// Those escalated by this run (each once, ever).
    pub escalated: Vec<i64>,
}

/// A platform's missed deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Breach {
    pub complaint_id: i64,
    pub platform_id: i64,
    pub due_at_us: i64,
    pub at_us: i64,
    pub log_idx: i64,
}

type Row = (i64, i64, i64, String, String, String, String, Option<String>, i64, i64, Option<i64>, Option<i64>, String);
/// A complaint's columns with its platform's name, read into a [`Row`].
const SELECT: &str = "SELECT c.id, c.worker_id, c.platform_id, c.kind, c.months, c.text, c.state, c.outcome, c.filed_at_us, \
     c.due_at_us, c.responded_at_us, c.breached_at_us, p.name FROM complaints c JOIN platforms p ON p.id = c.platform_id";

/// A row as a listing's line, `breached` as of `now`; and whether a deadline run escalated it.
fn summary(row: Row, now: i64) -> Result<(ComplaintSummary, bool)> {
    let (id, worker, platform, kind, months, text, state, outcome, filed, due, responded, breached_at, platform_name) = row;
    let state = State::parse(&state).ok_or_else(|| corrupt(id, "state"))?;
    let summary = ComplaintSummary {
        id,
        worker,
        platform,
        platform_name,
        kind: Kind::parse(&kind).ok_or_else(|| corrupt(id, "kind"))?,
        months: months.split(',').map(str::to_string).collect(),
        text,
        state,
        outcome: outcome.as_deref().and_then(Outcome::parse),
        filed_at_us: filed,
        due_at_us: due,
        responded_at_us: responded,
        breached: is_breached(due, responded, breached_at, state, now),
    };
    Ok((summary, breached_at.is_some()))
}

fn corrupt(id: i64, what: &str) -> StoreError {
    StoreError::Corrupt(format!("complaint {id}: {what}"))
}

/// Unanswered by the deadline, as of `now`: recorded by a run, or past it now.
fn is_breached(due: i64, responded: Option<i64>, breached_at: Option<i64>, state: State, now: i64) -> bool {
    breached_at.is_some() || (!state.is_final() && now >= due && responded.is_none_or(|r| r >= due))
}

impl Store {
    /// One complaint with its uploads' descriptions and steps.
    pub async fn complaint(&self, id: i64) -> Result<Option<Complaint>> {
        let row: Option<Row> = Sql::built(format!("{SELECT} WHERE c.id = $1")).bind(id).fetch_optional(self.db()).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (summary, escalated) = summary(row, self.now_us())?;
        let uploads: Vec<(i64, String, String, i64, String)> =
            Sql::new("SELECT n, name, content_type, size, sha256 FROM complaint_uploads WHERE complaint_id = $1 ORDER BY n")
                .bind(id)
                .fetch_all(self.db())
                .await?;
        let steps: Vec<Step> = Sql::new(
            "SELECT seq, action, actor, actor_id, state, outcome, text, at_us, log_idx FROM complaint_steps WHERE complaint_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(self.db())
        .await?;
        Ok(Some(Complaint {
            summary,
            escalated,
            uploads: uploads
                .into_iter()
                .map(|(n, name, content_type, size, sha256)| UploadInfo { n, name, content_type, size, sha256 })
                .collect(),
            steps,
        }))
    }

    /// An upload's bytes (for those who may see them: the worker, inspection, legal aid).
    pub async fn complaint_upload(&self, id: i64, n: i64) -> Result<Option<(String, Vec<u8>)>> {
        Sql::new("SELECT content_type, bytes FROM complaint_uploads WHERE complaint_id = $1 AND n = $2")
            .bind(id)
            .bind(n)
            .fetch_optional(self.db())
            .await
    }

    async fn summaries(&self, filter: &'static str, arg: Option<i64>, order: &'static str) -> Result<Vec<ComplaintSummary>> {
        let mut q = Sql::built(format!("{SELECT} {filter} ORDER BY {order} LIMIT 1000"));
        if let Some(a) = arg {
            q = q.bind(a);
        }
        let rows: Vec<Row> = q.fetch_all(self.db()).await?;
        let now = self.now_us();
        rows.into_iter().map(|r| summary(r, now).map(|(s, _)| s)).collect()
    }

    /// A worker's complaints, the newest first (at most 1000).
    pub async fn worker_complaints(&self, worker: WorkerId) -> Result<Vec<ComplaintSummary>> {
        self.summaries("WHERE c.worker_id = $1", Some(worker.0), "c.id DESC").await
    }

    /// The complaints against a platform, the newest first (at most 1000).
    pub async fn platform_complaints(&self, platform: PlatformId) -> Result<Vec<ComplaintSummary>> {
        self.summaries("WHERE c.platform_id = $1", Some(platform.0), "c.id DESC").await
    }

    /// The officers' queue (inspection, legal aid): open complaints, overdue first, then by
    /// deadline (at most 1000).
    pub async fn complaint_queue(&self) -> Result<Vec<ComplaintSummary>> {
        let mut v = self.summaries("WHERE c.state NOT IN ('resolved', 'closed')", None, "c.due_at_us, c.id").await?;
        v.sort_by_key(|c| (!c.breached, c.due_at_us, c.id));
        Ok(v)
    }

    /// The queue of a region's labour inspection or union legal aid: the open complaints of the
    /// region's workers (home grid), those past their deadline first, then the oldest (at most
    /// 1000).
    pub async fn region_complaint_queue(&self, region: &str) -> Result<Vec<ComplaintSummary>> {
        let rows: Vec<Row> = Sql::built(format!(
            "{SELECT} WHERE c.state NOT IN ('resolved', 'closed') AND c.worker_id IN \
             (SELECT w.id FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE g.region_code = $1) \
             ORDER BY c.filed_at_us, c.id LIMIT 1000"
        ))
        .bind(region)
        .fetch_all(self.db())
        .await?;
        let now = self.now_us();
        let mut v: Vec<ComplaintSummary> = rows.into_iter().map(|r| summary(r, now).map(|(s, _)| s)).collect::<Result<_>>()?;
        v.sort_by_key(|c| (!c.breached, c.filed_at_us, c.id));
        Ok(v)
    }

    /// One complaint, when its worker belongs to `region` (home grid); another region's is none.
    pub async fn region_complaint(&self, id: i64, region: &str) -> Result<Option<Complaint>> {
        let ours: Option<i64> = Sql::new(
            "SELECT c.id FROM complaints c JOIN workers w ON w.id = c.worker_id JOIN grids g ON g.id = w.home_grid_id \
             WHERE c.id = $1 AND g.region_code = $2",
        )
        .bind(id)
        .bind(region)
        .scalar_optional(self.db())
        .await?;
        match ours {
            Some(_) => self.complaint(id).await,
            None => Ok(None),
        }
    }

    /// The deadline run at `now_us` (passed in: a test clock, or the server's): every complaint
    /// unanswered at its deadline is breached; those not yet escalated are escalated to
    /// inspection now, each exactly once, with a log entry and a breach kept for the platform's
    /// credit.
    pub async fn complaint_sla(&self, now_us: i64) -> Result<SlaReport> {
        let candidates: Vec<(i64, i64, i64, String, Option<i64>)> = Sql::new(
            "SELECT id, platform_id, due_at_us, state, breached_at_us FROM complaints \
             WHERE due_at_us <= $1 AND (responded_at_us IS NULL OR responded_at_us >= due_at_us) ORDER BY id",
        )
        .bind(now_us)
        .fetch_all(self.db())
        .await?;
        let mut report = SlaReport { breached: Vec::new(), escalated: Vec::new() };
        for (id, platform, due, state, breached_at) in candidates {
            let state = State::parse(&state).ok_or_else(|| corrupt(id, "state"))?;
            if breached_at.is_some() {
                report.breached.push(id);
                continue;
            }
            if state.is_final() {
                continue;
            }
            let mut tx = self.db().begin_write().await?;
            let claimed = Sql::new("UPDATE complaints SET breached_at_us = $1 WHERE id = $2 AND breached_at_us IS NULL")
                .bind(now_us)
                .bind(id)
                .execute(&mut tx)
                .await?;
            if claimed == 0 {
                drop(tx);
                report.breached.push(id);
                continue;
            }
            let seq: i64 = Sql::new("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM complaint_steps WHERE complaint_id = $1")
                .bind(id)
                .scalar(&mut tx)
                .await?;
            let data = serde_json::json!({"complaint": id, "platform": platform, "due_at_us": due, "escalated_to": "inspector"});
            let idx = tx.log_append(&Record::new("complaint_breach", now_us, data), None).await?;
            Sql::new("INSERT INTO complaint_breaches (complaint_id, platform_id, due_at_us, at_us, log_idx) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(platform)
                .bind(due)
                .bind(now_us)
                .bind(idx)
                .execute(&mut tx)
                .await?;
            insert_step(&mut tx, id, seq, "escalate", Actor::System, None, state, None, None, now_us, idx).await?;
            tx.commit().await?;
            report.breached.push(id);
            report.escalated.push(id);
        }
        Ok(report)
    }

    /// How many missed deadlines each platform has whose deadline fell in `period` (China
    /// time): what the credit run counts.
    pub(crate) async fn complaint_breach_counts(&self, period: YearMonth) -> Result<std::collections::HashMap<i64, u32>> {
        let (from, to) = month_bounds_us(period).ok_or_else(|| StoreError::invalid("month", "outside the calendar"))?;
        let rows: Vec<(i64, i64)> = Sql::new(
            "SELECT platform_id, CAST(COUNT(*) AS BIGINT) FROM complaint_breaches WHERE due_at_us >= $1 AND due_at_us < $2 GROUP BY platform_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(|(p, n)| (p, u32::try_from(n).unwrap_or(u32::MAX))).collect())
    }

    /// A platform's missed deadlines whose deadline fell in `period` (China time), for its credit.
    pub async fn complaint_breaches(&self, platform: PlatformId, period: YearMonth) -> Result<Vec<Breach>> {
        let (from, to) = month_bounds_us(period).ok_or_else(|| StoreError::invalid("period", "outside the calendar"))?;
        Sql::new(
            "SELECT complaint_id, platform_id, due_at_us, at_us, log_idx FROM complaint_breaches \
             WHERE platform_id = $1 AND due_at_us >= $2 AND due_at_us < $3 ORDER BY due_at_us, complaint_id",
        )
        .bind(platform.0)
        .bind(from)
        .bind(to)
        .fetch_all(self.db())
        .await
    }
}

/// The first microsecond of a month in China time, and of the next.
fn month_bounds_us(m: YearMonth) -> Option<(i64, i64)> {
    let start = |m: YearMonth| m.first_day().and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_micros() - 8 * 3_600_000_000);
    Some((start(m)?, start(m.add_months(1)?)?))
}
