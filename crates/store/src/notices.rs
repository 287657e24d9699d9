//! Outreach notices (paper 5.3): the notices planned for workers not enrolled (the treated arm; the
//! holdout's rows carry no card, so the arms can be compared), what the scheduler needs to plan
//! them (the latest run's targets, their order times, their notices so far), the worker's inbox,
//! the platform's pull and its delivery reports (once per report id), and the awareness quiz.
//! Times are microseconds since the epoch; a notice's day is China time.

use crate::backend::Sql;
use crate::earnings::order_type_from_code;
use crate::ids::{month_code, month_from_code};
use crate::model::Sex;
use crate::{PlatformId, Result, Store, StoreError, WorkerId};
use flexpension_rules::YearMonth;
use flexpension_rules::complaint::china_day;
use flexpension_rules::injury::OrderType;
use std::collections::HashMap;

/// At most this many workers are planned in one run (a province's targets in a day).
pub const MAX_NOTICES_PER_RUN: i64 = 200_000;
/// At most this many notices are listed at once (an inbox, a platform's pull).
pub const MAX_NOTICES_LISTED: i64 = 500;
/// A report may be dated at most this far ahead of the store's clock (clock skew).
pub const REPORT_AHEAD_US: i64 = 5 * 60 * 1_000_000;
/// A report id is 1 to this many printable characters.
pub const MAX_REPORT_ID: usize = 64;
/// A request carries at most this many reports.
pub const MAX_REPORTS: usize = 500;
/// A quiz holds at most this many answers from one worker.
pub const MAX_QUIZ_ANSWERS: usize = 20;

/// What the scheduler needs to plan one worker's notice.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeInput {
    pub worker_id: i64,
    /// The scheme the latest outreach run found fits (its code).
    pub product: String,
    pub base_fen: Option<i64>,
    /// The run's three reasons, strongest first.
    pub reasons: String,
    pub birth_month: YearMonth,
    pub sex: Sex,
    /// Order settlement times in the window asked for.
    pub orders_us: Vec<i64>,
    /// The order type the worker settled most in the window.
    pub kind: Option<OrderType>,
    /// The due times of the worker's treated notices so far, and their cards.
    pub sent_us: Vec<i64>,
    pub seen: Vec<String>,
}

/// A notice to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotice {
    pub worker_id: i64,
    /// `treated` or `holdout`.
    pub arm: String,
    /// The card (none for the holdout).
    pub card: Option<String>,
    pub figures: String,
    pub due_at_us: Option<i64>,
}

/// A notice as kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct OutreachNotice {
    pub id: i64,
    pub worker_id: i64,
    pub card: Option<String>,
    pub figures: String,
    pub due_at_us: Option<i64>,
    pub read_at_us: Option<i64>,
    pub delivered_at_us: Option<i64>,
    pub opened_at_us: Option<i64>,
    pub acted_at_us: Option<i64>,
}

/// A notice as its platform pulls it: the worker masked.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct PlatformNotice {
    pub id: i64,
    pub id_masked: String,
    pub card: Option<String>,
    pub figures: String,
    pub due_at_us: Option<i64>,
}

/// What a platform reports of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeEvent {
    Delivered,
    Opened,
    Acted,
}

impl NoticeEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeEvent::Delivered => "delivered",
            NoticeEvent::Opened => "opened",
            NoticeEvent::Acted => "acted",
        }
    }
}

/// One report of a platform: its own id (the idempotency key), the notice, what happened, when.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeReport {
    pub report_id: String,
    pub notice: i64,
    pub event: NoticeEvent,
    pub at_us: i64,
}

/// How the notices stand: notices planned (treated), holdout rows, due, read by the worker, and what platforms
/// reported.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct NoticeCounts {
    pub treated: i64,
    pub holdout: i64,
    pub due: i64,
    pub read: i64,
    pub delivered: i64,
    pub opened: i64,
    pub acted: i64,
}

/// An arm's workers and how many of them are enrolled now.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArmOutcome {
    pub arm: String,
    pub workers: i64,
    pub enrolled: i64,
}

/// The month code (YYYYMM) in China time (UTC+8) of a time in microseconds, as an order's
/// `month` is stored; `None` out of chrono's range.
fn cn_month(us: i64) -> Option<i32> {
    china_day(us).map(|d| month_code(YearMonth::of_date(d)))
}

/// `YYYYMMDD` of a day.
pub fn day_code(d: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    d.year() * 10_000 + d.month() as i32 * 100 + d.day() as i32
}

impl Store {
    /// The latest outreach run's workers not enrolled, not yet planned on `day`, at most `limit`
    /// (and [`MAX_NOTICES_PER_RUN`]), with their orders settled from `since_us` to `until_us` and
    /// their treated notices so far.
    pub async fn notice_inputs(&self, day: i32, since_us: i64, until_us: i64, limit: i64) -> Result<Vec<NoticeInput>> {
        type Target = (i64, String, Option<i64>, String, i32, String);
        let targets: Vec<Target> = Sql::new(
            "SELECT s.worker_id, s.product, s.base_fen, s.reasons, w.birth_month, w.sex FROM outreach_scores s JOIN workers w ON w.id = s.worker_id \
             WHERE s.month = (SELECT MAX(month) FROM outreach_runs) AND NOT s.enrolled \
             AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.worker_id = s.worker_id AND n.planned_on = $1) \
             ORDER BY s.p_ppm DESC, s.worker_id LIMIT $2",
        )
        .bind(day)
        .bind(limit.clamp(0, MAX_NOTICES_PER_RUN))
        .fetch_all(self.db())
        .await?;
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: std::collections::HashSet<i64> = targets.iter().map(|t| t.0).collect();
        let mut orders: HashMap<i64, (Vec<i64>, [u32; 4])> = HashMap::new();
        // The months of the window too (an order's month is its settlement's, in China time):
        // both backends find a month's orders without reading the others (SQLite's key starts
        // with the month, PostgreSQL has a BRIN index on it).
        let rows: Vec<(i64, i64, i16)> = Sql::new(
            "SELECT worker_id, settled_at_us, order_type FROM earnings \
             WHERE month BETWEEN $3 AND $4 AND settled_at_us >= $1 AND settled_at_us <= $2",
        )
        .bind(since_us)
        .bind(until_us)
        .bind(cn_month(since_us).unwrap_or(i32::MIN))
        .bind(cn_month(until_us).unwrap_or(i32::MAX))
        .fetch_all(self.db())
        .await?;
        for (w, at, kind) in rows.into_iter().filter(|r| wanted.contains(&r.0)) {
            let e = orders.entry(w).or_default();
            e.0.push(at);
            e.1[kind.clamp(0, 3) as usize] += 1;
        }
        let mut sent: HashMap<i64, (Vec<i64>, Vec<String>)> = HashMap::new();
        let rows: Vec<(i64, Option<i64>, Option<String>)> =
            Sql::new("SELECT worker_id, due_at_us, card FROM notices WHERE arm = 'treated' ORDER BY id").fetch_all(self.db()).await?;
        for (w, due, card) in rows.into_iter().filter(|r| wanted.contains(&r.0)) {
            let e = sent.entry(w).or_default();
            e.0.extend(due);
            e.1.extend(card);
        }
        targets
            .into_iter()
            .map(|(worker_id, product, base_fen, reasons, birth, sex)| {
                let birth_month = month_from_code(birth).ok_or_else(|| StoreError::Corrupt(format!("birth month {birth}")))?;
                let (orders_us, counts) = orders.remove(&worker_id).unwrap_or_default();
                let kind =
                    (1..=3i16).filter(|k| counts[*k as usize] > 0).max_by_key(|k| (counts[*k as usize], -k)).and_then(order_type_from_code);
                let (sent_us, seen) = sent.remove(&worker_id).unwrap_or_default();
                Ok(NoticeInput {
                    worker_id,
                    product,
                    base_fen,
                    reasons,
                    birth_month,
                    sex: Sex::parse(&sex),
                    orders_us,
                    kind,
                    sent_us,
                    seen,
                })
            })
            .collect()
    }

    /// Keep the notices planned on `day`, one per worker and day: a worker already planned that
    /// day keeps what they have. Gives how many rows were added. Nothing is kept when one is
    /// wrong.
    pub async fn plan_notices(&self, day: i32, notices: &[NewNotice]) -> Result<usize> {
        if notices.len() as i64 > MAX_NOTICES_PER_RUN {
            return Err(StoreError::invalid("notices", format!("at most {MAX_NOTICES_PER_RUN} in a run")));
        }
        for n in notices {
            match (n.arm.as_str(), &n.card, n.due_at_us) {
                ("treated", Some(c), Some(_)) if !c.is_empty() => {}
                // Treated, but no room this day (the cap, the gap) or no card that fits: kept, so
                // a rerun the same day adds nothing and the arm counts every treated worker.
                ("treated" | "holdout", None, None) => {}
                _ => return Err(StoreError::invalid("arm", "treated or holdout; a card and a time together, or neither")),
            }
        }
        let now = self.now_us();
        let mut tx = self.db().begin_write().await?;
        let mut added = 0;
        for n in notices {
            added += Sql::new(
                "INSERT INTO notices (worker_id, planned_on, arm, card, figures, due_at_us, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (worker_id, planned_on) DO NOTHING",
            )
            .bind(n.worker_id)
            .bind(day)
            .bind(n.arm.clone())
            .bind(n.card.clone())
            .bind(n.figures.clone())
            .bind(n.due_at_us)
            .bind(now)
            .execute(&mut tx)
            .await? as usize;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// A worker's treated notices due by `now_us`, the newest first.
    pub async fn worker_notices(&self, worker: WorkerId, now_us: i64) -> Result<Vec<OutreachNotice>> {
        Sql::new(
            "SELECT id, worker_id, card, figures, due_at_us, read_at_us, delivered_at_us, opened_at_us, acted_at_us FROM notices \
             WHERE worker_id = $1 AND arm = 'treated' AND due_at_us <= $2 ORDER BY due_at_us DESC, id DESC LIMIT $3",
        )
        .bind(worker.0)
        .bind(now_us)
        .bind(MAX_NOTICES_LISTED)
        .fetch_all(self.db())
        .await
    }

    /// The worker has read their notice: true when this marked it, false when it was read
    /// already. Another worker's notice, or one not yet due, is not found.
    pub async fn mark_notice_read(&self, worker: WorkerId, id: i64) -> Result<bool> {
        let now = self.now_us();
        let changed = Sql::new(
            "UPDATE notices SET read_at_us = $3 WHERE id = $1 AND worker_id = $2 AND arm = 'treated' AND due_at_us <= $3 AND read_at_us IS NULL",
        )
        .bind(id)
        .bind(worker.0)
        .bind(now)
        .execute(self.db())
        .await?;
        if changed > 0 {
            return Ok(true);
        }
        let known: Option<i64> =
            Sql::new("SELECT id FROM notices WHERE id = $1 AND worker_id = $2 AND arm = 'treated' AND due_at_us <= $3")
                .bind(id)
                .bind(worker.0)
                .bind(now)
                .scalar_optional(self.db())
                .await?;
        match known {
            Some(_) => Ok(false),
            None => Err(StoreError::NotFound { what: "notice", key: id.to_string() }),
        }
    }

    /// The notices due by `now_us` and not yet delivered, of the workers who earn on this
    /// platform (and no other's), oldest first, at most `limit`.
    pub async fn platform_notices(&self, platform: PlatformId, now_us: i64, limit: i64) -> Result<Vec<PlatformNotice>> {
        Sql::new(
            "SELECT n.id, w.id_masked, n.card, n.figures, n.due_at_us FROM notices n JOIN workers w ON w.id = n.worker_id \
             WHERE n.arm = 'treated' AND n.due_at_us <= $2 AND n.delivered_at_us IS NULL \
             AND EXISTS (SELECT 1 FROM month_income m WHERE m.worker_id = n.worker_id AND m.platform_id = $1) \
             ORDER BY n.due_at_us, n.id LIMIT $3",
        )
        .bind(platform.0)
        .bind(now_us)
        .bind(limit.clamp(0, MAX_NOTICES_LISTED))
        .fetch_all(self.db())
        .await
    }

    /// A platform's report on a notice of one of its workers, once per report id: true when it
    /// was new, false for a replay of the same report (nothing changes). A report id used for
    /// another notice or event is refused; a notice of another platform's worker is not found.
    pub async fn notice_report(&self, platform: PlatformId, report_id: &str, notice: i64, event: NoticeEvent, at_us: i64) -> Result<bool> {
        let report = NoticeReport { report_id: report_id.to_string(), notice, event, at_us };
        Ok(self.notice_reports(platform, std::slice::from_ref(&report)).await?.first().copied().unwrap_or(false))
    }

    /// Reports in one transaction, each as [`Store::notice_report`]: whether each was new. One
    /// refused report keeps none of them.
    pub async fn notice_reports(&self, platform: PlatformId, reports: &[NoticeReport]) -> Result<Vec<bool>> {
        if reports.len() > MAX_REPORTS {
            return Err(StoreError::invalid("reports", format!("at most {MAX_REPORTS} in one request")));
        }
        let now = self.now_us();
        for r in reports {
            let id = r.report_id.as_str();
            if id.trim() != id || id.is_empty() || id.chars().count() > MAX_REPORT_ID || id.chars().any(char::is_control) {
                return Err(StoreError::invalid("report_id", format!("1 to {MAX_REPORT_ID} printable characters, no spaces at the ends")));
            }
            if r.at_us > now + REPORT_AHEAD_US {
                return Err(StoreError::invalid("at", "in the future"));
            }
        }
        let mut tx = self.db().begin_write().await?;
        let mut out = Vec::with_capacity(reports.len());
        for r in reports {
            let known: Option<(i64, String)> =
                Sql::new("SELECT notice_id, event FROM notice_reports WHERE platform_id = $1 AND report_id = $2")
                    .bind(platform.0)
                    .bind(r.report_id.clone())
                    .fetch_optional(&mut tx)
                    .await?;
            if let Some((n, e)) = known {
                if n == r.notice && e == r.event.as_str() {
                    out.push(false);
                    continue;
                }
                return Err(StoreError::invalid("report_id", format!("{} is already used for another report", r.report_id)));
            }
            let visible: Option<i64> = Sql::new(
                "SELECT n.id FROM notices n WHERE n.id = $1 AND n.arm = 'treated' AND n.due_at_us <= $3 \
                 AND EXISTS (SELECT 1 FROM month_income m WHERE m.worker_id = n.worker_id AND m.platform_id = $2)",
            )
            .bind(r.notice)
            .bind(platform.0)
            .bind(now)
            .scalar_optional(&mut tx)
            .await?;
            if visible.is_none() {
                return Err(StoreError::NotFound { what: "notice", key: r.notice.to_string() });
            }
            Sql::new("INSERT INTO notice_reports (platform_id, report_id, notice_id, event, at_us, received_at_us) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(platform.0)
                .bind(r.report_id.clone())
                .bind(r.notice)
                .bind(r.event.as_str().to_string())
                .bind(r.at_us)
                .bind(now)
                .execute(&mut tx)
                .await?;
            let set = match r.event {
                NoticeEvent::Delivered => "UPDATE notices SET delivered_at_us = $2 WHERE id = $1 AND delivered_at_us IS NULL",
                NoticeEvent::Opened => "UPDATE notices SET opened_at_us = $2 WHERE id = $1 AND opened_at_us IS NULL",
                NoticeEvent::Acted => "UPDATE notices SET acted_at_us = $2 WHERE id = $1 AND acted_at_us IS NULL",
            };
            Sql::new(set).bind(r.notice).bind(r.at_us).execute(&mut tx).await?;
            out.push(true);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Keep a worker's quiz answers (question id, option chosen, right or not), each replacing
    /// their earlier answer to that question.
    pub async fn quiz_answer(&self, worker: WorkerId, answers: &[(String, i32, bool)]) -> Result<()> {
        if answers.is_empty() || answers.len() > MAX_QUIZ_ANSWERS {
            return Err(StoreError::invalid("answers", format!("1 to {MAX_QUIZ_ANSWERS} answers")));
        }
        if let Some((q, _, _)) = answers.iter().find(|(q, a, _)| q.is_empty() || q.len() > 64 || *a < 0) {
            return Err(StoreError::invalid("answers", format!("'{q}': a question id and an option from 0")));
        }
        let now = self.now_us();
        let mut tx = self.db().begin_write().await?;
        for (q, a, right) in answers {
            Sql::new(
                "INSERT INTO quiz_answers (worker_id, question, answer, correct, answered_at_us) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (worker_id, question) DO UPDATE SET answer = excluded.answer, correct = excluded.correct, answered_at_us = excluded.answered_at_us",
            )
            .bind(worker.0)
            .bind(q.clone())
            .bind(*a)
            .bind(*right)
            .bind(now)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A worker's answers: (question id, option chosen, right or not).
    pub async fn worker_quiz(&self, worker: WorkerId) -> Result<Vec<(String, i32, bool)>> {
        Sql::new("SELECT question, answer, correct FROM quiz_answers WHERE worker_id = $1 ORDER BY question")
            .bind(worker.0)
            .fetch_all(self.db())
            .await
    }

    /// Workers who answered the quiz, and how many of them got at least `aware_correct` right.
    pub async fn quiz_awareness(&self, aware_correct: u32) -> Result<(i64, i64)> {
        let rows: Vec<(i64, i64)> =
            Sql::new("SELECT worker_id, CAST(SUM(CASE WHEN correct THEN 1 ELSE 0 END) AS BIGINT) FROM quiz_answers GROUP BY worker_id")
                .fetch_all(self.db())
                .await?;
        Ok((rows.len() as i64, rows.iter().filter(|(_, right)| *right >= i64::from(aware_correct)).count() as i64))
    }

    /// Each arm's workers (planned at least once) and how many of them are enrolled now (an
    /// open enrolment in any scheme).
    pub async fn notice_arms(&self) -> Result<Vec<ArmOutcome>> {
        let rows: Vec<(String, i64, i64)> = Sql::new(
            "SELECT a.arm, COUNT(*), CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM enrolments e WHERE e.worker_id = a.worker_id AND e.to_month IS NULL) \
             THEN 1 ELSE 0 END) AS BIGINT) FROM (SELECT DISTINCT worker_id, arm FROM notices) a GROUP BY a.arm ORDER BY a.arm",
        )
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(|(arm, workers, enrolled)| ArmOutcome { arm, workers, enrolled }).collect())
    }

    /// Every worker planned at least once, with their arm.
    pub async fn planned_workers(&self) -> Result<Vec<(i64, String)>> {
        Sql::new("SELECT DISTINCT worker_id, arm FROM notices ORDER BY worker_id").fetch_all(self.db()).await
    }

    /// How the notices stand at `now_us`.
    pub async fn notice_counts(&self, now_us: i64) -> Result<NoticeCounts> {
        let r: (i64, i64, i64, i64, i64, i64, i64) = Sql::new(
            "SELECT CAST(COALESCE(SUM(CASE WHEN arm = 'treated' AND card IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN arm = 'holdout' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN due_at_us <= $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             COUNT(read_at_us), COUNT(delivered_at_us), COUNT(opened_at_us), COUNT(acted_at_us) FROM notices",
        )
        .bind(now_us)
        .fetch_one(self.db())
        .await?;
        Ok(NoticeCounts { treated: r.0, holdout: r.1, due: r.2, read: r.3, delivered: r.4, opened: r.5, acted: r.6 })
    }
}

#[cfg(test)]
mod tests {
    use super::cn_month;

    #[test]
    fn an_orders_month_is_taken_in_china_time() {
        let us = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("time").timestamp_micros();
        // 16:00 UTC on the last day of March is midnight of April 1st in China.
        assert_eq!(cn_month(us("2025-03-31T15:59:59.999999Z")), Some(202503));
        assert_eq!(cn_month(us("2025-03-31T16:00:00Z")), Some(202504));
        assert_eq!(cn_month(us("2024-12-31T16:00:00Z")), Some(202501));
        assert_eq!(cn_month(-1), Some(197001));
        assert_eq!(cn_month(i64::MAX), None);
    }
}
