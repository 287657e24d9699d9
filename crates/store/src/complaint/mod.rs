//! Complaints (一键维权) on the store: a worker files one against a platform with uploads; the
//! store seals the evidence (the worker's orders on that platform in the months named, as the
//! platform's signed batches hold them, and their journal entries for those months), records
//! everything, logs the filing with the evidence list's digest, and delivers it at once to labour
//! inspection and union legal aid. Every step after is a log entry with who and when; a
//! platform that does not answer in time is escalated once and the breach kept for its credit.
//! The evidence package (`package.rs`) proves it all offline.

mod package;
mod queries;

pub use package::{EvidencePackage, PACKAGE_FORMAT, PackageUpload, SealedComplaint, verify_package};
pub use queries::{Breach, ComplaintSummary, SlaReport};

use crate::backend::{Sql, Tx};
use crate::log::entry::{JournalRow, OrderRow, Record, row_bytes};
use crate::people::PersonId;
use crate::{PlatformId, Result, Store, StoreError, WorkerId};
use flexpension_ledger::Subject;
use flexpension_rules::complaint::{self as rules, Action, Actor, Kind, MAX_MONTHS, MAX_TEXT_CHARS, Outcome, State, UploadType};
use flexpension_rules::{Params, YearMonth};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// At most this many orders sealed into one complaint's evidence.
pub const MAX_EVIDENCE_ORDERS: usize = 5_000;

/// A complaint as the worker files it.
#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub worker: WorkerId,
    pub platform: PlatformId,
    pub kind: Kind,
    pub months: Vec<YearMonth>,
    /// What happened, in the worker's words.
    pub text: String,
    pub uploads: Vec<NewUpload>,
}

/// A file the worker attaches.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An upload as stored (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadInfo {
    pub n: i64,
    pub name: String,
    /// Detected from the content.
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

/// One step of a complaint: who did what, when, and the state after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub seq: i64,
    /// file, deliver, respond, mediate, resolve, close, take, note, escalate.
    pub action: String,
    /// worker, platform, inspector, legal_aid, system.
    pub actor: String,
    /// The worker's or the platform's number; for inspection and legal aid, the person's.
    pub actor_id: Option<i64>,
    pub state: String,
    pub outcome: Option<String>,
    pub text: Option<String>,
    pub at_us: i64,
    pub log_idx: i64,
}

/// A complaint with its uploads' descriptions and its steps. `state`, `due_at` (in
/// [`Complaint::due_at`]) and `breached` are the CLI's contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complaint {
    /// What a listing shows of it (flattened: the JSON has one level).
    #[serde(flatten)]
    pub summary: ComplaintSummary,
    pub escalated: bool,
    pub uploads: Vec<UploadInfo>,
    pub steps: Vec<Step>,
}

impl Complaint {
    /// The deadline as RFC 3339 in China time.
    pub fn due_at(&self) -> String {
        rfc3339(self.summary.due_at_us)
    }
}

/// A time as RFC 3339 in China time (UTC+8).
pub fn rfc3339(at_us: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    chrono::DateTime::from_timestamp_micros(at_us).map(|t| t.with_timezone(&tz).to_rfc3339()).unwrap_or_default()
}

/// One sealed item of evidence: a row exactly as its log entry holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Item {
    /// `order` or `journal`.
    pub what: String,
    /// The order id or the journal entry id.
    pub key: String,
    /// The log entry holding the row.
    pub index: u64,
    /// The row's canonical bytes.
    pub data: String,
}

/// The digest of the evidence: every item and every upload, in order, one line each.
pub(crate) fn evidence_digest(items: &[Item], uploads: &[(i64, String, i64, String)]) -> String {
    let mut h = Sha256::new();
    for i in items {
        h.update(format!("{}\t{}\t{}\t{}\n", i.what, i.key, i.index, i.data).as_bytes());
    }
    for (n, sha, size, ty) in uploads {
        h.update(format!("upload\t{n}\t{sha}\t{size}\t{ty}\n").as_bytes());
    }
    hex(&h.finalize())
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(crate) fn sha256_hex(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

fn invalid(field: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::invalid(field, reason.into())
}

impl Store {
    /// File a complaint: check it, seal its evidence, store it with its uploads, log it, and
    /// deliver it. Returns the complaint as delivered.
    pub async fn file_complaint(&self, params: &Params, c: &NewComplaint) -> Result<Complaint> {
        let now = self.now_us();
        let day = rules::china_day(now).ok_or_else(|| StoreError::Corrupt(format!("clock {now}")))?;
        let r = params.complaint_rules(day).map_err(|e| invalid("filed_at", e.to_string()))?;
        if c.months.is_empty() || c.months.len() > MAX_MONTHS {
            return Err(invalid("months", format!("name 1 to {MAX_MONTHS} months")));
        }
        let mut months = c.months.clone();
        months.sort();
        months.dedup();
        let text = c.text.trim();
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(invalid("text", format!("at most {MAX_TEXT_CHARS} characters")));
        }
        if self.worker(c.worker).await?.is_none() {
            return Err(StoreError::NotFound { what: "worker", key: c.worker.to_string() });
        }
        let Some(platform) = self.platform(c.platform).await? else {
            return Err(StoreError::NotFound { what: "platform", key: c.platform.to_string() });
        };
        let mut uploads: Vec<(i64, String, i64, String)> = Vec::new();
        let mut types: Vec<UploadType> = Vec::new();
        for (i, u) in c.uploads.iter().enumerate() {
            let t = rules::check_upload(&u.name, &u.bytes, i).map_err(|e| invalid("uploads", e.to_string()))?;
            types.push(t);
            uploads.push((i as i64 + 1, sha256_hex(&u.bytes), u.bytes.len() as i64, t.mime().to_string()));
        }
        let items = self.evidence_items(c.worker, c.platform, &months).await?;
        let digest = evidence_digest(&items, &uploads);
        let due = rules::due_at_us(&r, now);
        let month_list: Vec<String> = months.iter().map(|m| m.to_string()).collect();
        let items_json = serde_json::to_string(&items).map_err(|e| StoreError::Corrupt(e.to_string()))?;

        let mut tx = self.db().begin_write().await?;
        let id: i64 = Sql::new(
            "INSERT INTO complaints (worker_id, platform_id, kind, months, text, state, filed_at_us, due_at_us, evidence, items, log_idx) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, -1) RETURNING id",
        )
        .bind(c.worker.0)
        .bind(c.platform.0)
        .bind(c.kind.as_str())
        .bind(month_list.join(","))
        .bind(text)
        .bind(State::Filed.as_str())
        .bind(now)
        .bind(due)
        .bind(&digest)
        .bind(items_json)
        .scalar(&mut tx)
        .await?;
        for (u, (n, sha, size, ty)) in c.uploads.iter().zip(&uploads) {
            Sql::new("INSERT INTO complaint_uploads (complaint_id, n, name, content_type, size, sha256, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(*n)
                .bind(clean_name(&u.name))
                .bind(ty.as_str())
                .bind(*size)
                .bind(sha.as_str())
                .bind(u.bytes.clone())
                .execute(&mut tx)
                .await?;
        }
        let data = serde_json::json!({
            // The platform's name is public (the credit page shows it): logged, a printed
            // package may show it as sealed.
            "complaint": id, "worker": c.worker.0, "platform": c.platform.0, "platform_name": platform.name, "kind": c.kind.as_str(), "months": month_list,
            "due_at_us": due, "text_sha256": sha256_hex(text.as_bytes()),
            "orders": items.iter().filter(|i| i.what == "order").count(), "journal": items.iter().filter(|i| i.what == "journal").count(),
            "uploads": uploads.iter().map(|u| u.1.clone()).collect::<Vec<_>>(), "evidence": digest,
        });
        let idx = tx.log_append(&Record::new("complaint", now, data), None).await?;
        Sql::new("UPDATE complaints SET log_idx = $1 WHERE id = $2").bind(idx).bind(id).execute(&mut tx).await?;
        insert_step(&mut tx, id, 1, "file", Actor::Worker, Some(c.worker.0), State::Filed, None, None, now, idx).await?;
        // Routing: inspection and legal aid see it at once; the platform through its API.
        self.step_in(&mut tx, id, State::Filed, Action::Deliver, Actor::System, None, None, now).await?;
        tx.commit().await?;
        self.complaint(id).await?.ok_or_else(|| StoreError::NotFound { what: "complaint", key: id.to_string() })
    }

    /// The worker's orders on the platform in the months, and their journal entries for them,
    /// each as its log entry holds it.
    async fn evidence_items(&self, worker: WorkerId, platform: PlatformId, months: &[YearMonth]) -> Result<Vec<Item>> {
        type R = (i32, String, i64, i64, i32, i64, i64, Option<i64>);
        let mut items = Vec::new();
        for m in months {
            let rows: Vec<R> = Sql::new(
                "SELECT e.month, e.order_id, e.amount_fen, e.settled_at_us, CAST(e.order_type AS INTEGER), e.grid_id, e.premium_fen, b.log_idx \
                 FROM earnings e JOIN batches b ON b.id = e.batch_id WHERE e.platform_id = $1 AND e.worker_id = $2 AND e.month = $3 \
                 ORDER BY e.settled_at_us, e.order_id",
            )
            .bind(platform.0)
            .bind(worker.0)
            .bind(crate::ids::month_code(*m))
            .fetch_all(self.db())
            .await?;
            for (month, order_id, amount_fen, settled_at_us, order_type, grid, premium_fen, idx) in rows {
                let idx = idx.ok_or_else(|| StoreError::NotFound { what: "logged batch of order", key: order_id.clone() })?;
                let row = OrderRow::stored(
                    platform.0,
                    order_id.clone(),
                    worker.0,
                    (month, amount_fen, settled_at_us, order_type, grid, premium_fen),
                );
                let mut buf = Vec::new();
                row.write(&mut buf);
                items.push(Item {
                    what: "order".into(),
                    key: order_id,
                    index: idx as u64,
                    data: String::from_utf8_lossy(&buf).into_owned(),
                });
                if items.len() > MAX_EVIDENCE_ORDERS {
                    return Err(invalid("months", format!("more than {MAX_EVIDENCE_ORDERS} orders in these months: name fewer months")));
                }
            }
        }
        let entries = self.worker_entries(worker).await?;
        let about = |e: &flexpension_ledger::Entry| match e.id().subject {
            Subject::Close { month, .. } | Subject::MonthPaid { month, .. } => months.contains(&month),
            _ => months.contains(&e.period()),
        };
        for e in entries.iter().filter(|e| about(e)) {
            let id = e.id().to_string();
            let idx: Option<Option<i64>> = Sql::new("SELECT log_idx FROM journal_entries WHERE worker_id = $1 AND entry_id = $2")
                .bind(worker.0)
                .bind(&id)
                .scalar_optional(self.db())
                .await?;
            let idx = idx.flatten().ok_or_else(|| StoreError::NotFound { what: "logged journal entry", key: id.clone() })?;
            let data = String::from_utf8_lossy(&row_bytes(&JournalRow::of(e))).into_owned();
            items.push(Item { what: "journal".into(), key: id, index: idx as u64, data });
        }
        Ok(items)
    }

    /// A step on a complaint by `actor` (with their id: the worker's or the platform's number;
    /// none for the system, or inspection and legal aid acting from the command line). A
    /// platform or a worker may act only on their own complaints; anyone else's is not found.
    pub async fn complaint_step(
        &self,
        id: i64,
        actor: Actor,
        actor_id: Option<i64>,
        action: Action,
        text: Option<&str>,
    ) -> Result<Complaint> {
        self.step(id, actor, actor_id, None, action, text).await
    }

    /// A step by a labour inspector or a union legal-aid officer (`person`) of `region`: the
    /// complaint of a worker of another region (home grid) is not found.
    pub async fn complaint_step_in_region(
        &self,
        id: i64,
        actor: Actor,
        person: PersonId,
        region: &str,
        action: Action,
        text: Option<&str>,
    ) -> Result<Complaint> {
        if !matches!(actor, Actor::Inspector | Actor::LegalAid) {
            return Err(invalid("actor", "only inspection and legal aid act for a region"));
        }
        self.step(id, actor, Some(person.0), Some(region), action, text).await
    }

    async fn step(
        &self,
        id: i64,
        actor: Actor,
        actor_id: Option<i64>,
        region: Option<&str>,
        action: Action,
        text: Option<&str>,
    ) -> Result<Complaint> {
        let now = self.now_us();
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if text.is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS) {
            return Err(invalid("text", format!("at most {MAX_TEXT_CHARS} characters")));
        }
        if action.needs_text() && text.is_none() {
            return Err(invalid("text", format!("a '{}' step says something (the answer, the reasons, the note)", action.as_str())));
        }
        let mut tx = self.db().begin_write().await?;
        let row: Option<(i64, i64, String, String)> = Sql::new(
            "SELECT c.worker_id, c.platform_id, c.state, g.region_code FROM complaints c \
             JOIN workers w ON w.id = c.worker_id JOIN grids g ON g.id = w.home_grid_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut tx)
        .await?;
        let not_found = || StoreError::NotFound { what: "complaint", key: id.to_string() };
        let (worker, platform, state, worker_region) = row.ok_or_else(not_found)?;
        let mine = match actor {
            Actor::Platform => actor_id == Some(platform),
            Actor::Worker => actor_id == Some(worker),
            _ => region.is_none_or(|r| r == worker_region),
        };
        if !mine {
            return Err(not_found());
        }
        if action == Action::Take {
            let taken: i64 = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM complaint_steps WHERE complaint_id = $1 AND action = 'take'")
                .bind(id)
                .scalar(&mut tx)
                .await?;
            if taken > 0 {
                return Err(invalid("action", "union legal aid has already taken this case on"));
            }
        }
        let from = State::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("complaint {id} state '{state}'")))?;
        self.step_in(&mut tx, id, from, action, actor, actor_id, text, now).await?;
        if action == Action::Respond {
            Sql::new("UPDATE complaints SET responded_at_us = $1 WHERE id = $2 AND responded_at_us IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        self.complaint(id).await?.ok_or_else(not_found)
    }

    /// Apply a step inside a transaction: the rules core decides, then the state, the step row
    /// and its log entry.
    #[allow(clippy::too_many_arguments)]
    async fn step_in(
        &self,
        tx: &mut Tx,
        id: i64,
        from: State,
        action: Action,
        actor: Actor,
        actor_id: Option<i64>,
        text: Option<&str>,
        at: i64,
    ) -> Result<State> {
        let to = rules::next(from, action, actor).map_err(|e| invalid("action", e.to_string()))?;
        let outcome = match action {
            Action::Resolve(o) => Some(o),
            _ => None,
        };
        let seq: i64 = Sql::new("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM complaint_steps WHERE complaint_id = $1")
            .bind(id)
            .scalar(&mut *tx)
            .await?;
        let data = serde_json::json!({
            "complaint": id, "seq": seq, "action": action.as_str(), "actor": actor.as_str(), "actor_id": actor_id,
            "state": to.as_str(), "outcome": outcome.map(Outcome::as_str), "text_sha256": text.map(|t| sha256_hex(t.as_bytes())),
        });
        Sql::new("UPDATE complaints SET state = $1, outcome = COALESCE($2, outcome) WHERE id = $3")
            .bind(to.as_str())
            .bind(outcome.map(Outcome::as_str))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let idx = tx.log_append(&Record::new("complaint_step", at, data), None).await?;
        insert_step(tx, id, seq, action.as_str(), actor, actor_id, to, outcome, text, at, idx).await?;
        Ok(to)
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_step(
    tx: &mut Tx,
    id: i64,
    seq: i64,
    action: &str,
    actor: Actor,
    actor_id: Option<i64>,
    state: State,
    outcome: Option<Outcome>,
    text: Option<&str>,
    at: i64,
    idx: i64,
) -> Result<()> {
    Sql::new(
        "INSERT INTO complaint_steps (complaint_id, seq, action, actor, actor_id, state, outcome, text, at_us, log_idx) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(seq)
    .bind(action)
    .bind(actor.as_str())
    .bind(actor_id)
    .bind(state.as_str())
    .bind(outcome.map(Outcome::as_str))
    .bind(text)
    .bind(at)
    .bind(idx)
    .execute(tx)
    .await?;
    Ok(())
}

/// A file name kept for people: its last path part, control characters dropped, at most 100
/// characters.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let s: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    if s.is_empty() { "file".into() } else { s }
}
