//! The platform workers' union federation (工会联合会, section 5.4 of the paper): a worker joins
//! or leaves from the phone, and a member asks the union for one of its services (legal aid,
//! skills training, counselling). Each request is a small case like a complaint: filed by the
//! worker, taken and answered by the union's staff, or closed by the worker; every step is
//! stored with who and when and logged. Membership costs the worker nothing: the union's dues
//! are billed to the platforms (`journal/contract.rs`).

use crate::backend::{Sql, Tx};
use crate::complaint::sha256_hex;
use crate::log::entry::Record;
use crate::{Result, Store, StoreError, WorkerId};
use flexpension_rules::complaint::MAX_TEXT_CHARS;
use serde::Serialize;

/// Open requests (requested or taken) one worker may have at once: a flood of requests from
/// one account stops here.
pub const MAX_OPEN_UNION_REQUESTS: i64 = 5;

/// Requests one queue page lists at most.
pub const UNION_QUEUE_LIMIT: i64 = 500;

/// What a member may ask the union for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnionService {
    /// 法律援助: a lawyer's help with a dispute.
    LegalAid,
    /// 技能培训: skills training.
    Skills,
    /// 心理咨询: someone to talk to.
    Counselling,
}

impl UnionService {
    pub const ALL: [UnionService; 3] = [UnionService::LegalAid, UnionService::Skills, UnionService::Counselling];

    pub fn as_str(self) -> &'static str {
        match self {
            UnionService::LegalAid => "legal_aid",
            UnionService::Skills => "skills",
            UnionService::Counselling => "counselling",
        }
    }

    pub fn parse(s: &str) -> Option<UnionService> {
        UnionService::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Requested,
    /// The union's staff took it on.
    Taken,
    /// Answered: the help was given or arranged.
    Done,
    /// The worker withdrew it.
    Closed,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Requested => "requested",
            RequestState::Taken => "taken",
            RequestState::Done => "done",
            RequestState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<RequestState> {
        [RequestState::Requested, RequestState::Taken, RequestState::Done, RequestState::Closed].into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        matches!(self, RequestState::Requested | RequestState::Taken)
    }
}

/// Who moves a request on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnionActor {
    /// The worker who filed it (their own requests only).
    Worker(WorkerId),
    /// The union's staff (a person id), within their region.
    Staff(i64),
}

/// A worker's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub joined_at_us: i64,
}

/// One request for a union service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnionRequest {
    pub id: i64,
    pub worker: i64,
    pub service: UnionService,
    pub text: String,
    pub state: RequestState,
    pub filed_at_us: i64,
    pub answer: Option<String>,
    pub updated_at_us: i64,
}

type RequestRow = (i64, i64, String, String, String, i64, Option<String>, i64);
const REQUEST_COLUMNS: &str = "r.id, r.worker_id, r.service, r.text, r.state, r.filed_at_us, r.answer, r.updated_at_us";

fn request_from(r: RequestRow) -> Result<UnionRequest> {
    let service = UnionService::parse(&r.2).ok_or_else(|| StoreError::Corrupt(format!("union request {}: service '{}'", r.0, r.2)))?;
    let state = RequestState::parse(&r.4).ok_or_else(|| StoreError::Corrupt(format!("union request {}: state '{}'", r.0, r.4)))?;
    Ok(UnionRequest { id: r.0, worker: r.1, service, text: r.3, state, filed_at_us: r.5, answer: r.6, updated_at_us: r.7 })
}

/// A worker's or the union's words: trimmed, 1 to [`MAX_TEXT_CHARS`] characters (empty allowed
/// when `may_be_empty`), no control characters but line breaks and tabs.
fn words(field: &'static str, text: &str, may_be_empty: bool) -> Result<String> {
    let t = text.trim();
    if t.is_empty() && !may_be_empty {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(StoreError::invalid(field, format!("at most {MAX_TEXT_CHARS} characters")));
    }
    if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(StoreError::invalid(field, "must not contain control characters"));
    }
    Ok(t.to_string())
}

impl Store {
    /// The worker's membership, if they are a member now.
    pub async fn union_membership(&self, worker: WorkerId) -> Result<Option<Membership>> {
        let at: Option<i64> = Sql::new("SELECT joined_at_us FROM union_members WHERE worker_id = $1 AND left_at_us IS NULL")
            .bind(worker.0)
            .scalar_optional(self.db())
            .await?;
        Ok(at.map(|joined_at_us| Membership { joined_at_us }))
    }

    /// Join the union. Joining again while a member changes nothing and gives the membership
    /// there is (a retried form counts once).
    pub async fn join_union(&self, worker: WorkerId) -> Result<Membership> {
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        lock_worker(&mut tx, worker).await?;
        let now: Option<(i64, Option<i64>)> = Sql::new("SELECT joined_at_us, left_at_us FROM union_members WHERE worker_id = $1")
            .bind(worker.0)
            .fetch_optional(&mut tx)
            .await?;
        if let Some((joined_at_us, None)) = now {
            return Ok(Membership { joined_at_us });
        }
        let idx = tx.log_append(&Record::new("union_join", at, serde_json::json!({"worker": worker.0})), None).await?;
        let sql = if now.is_some() {
            "UPDATE union_members SET joined_at_us = $2, left_at_us = NULL, log_idx = $3 WHERE worker_id = $1"
        } else {
            "INSERT INTO union_members (worker_id, joined_at_us, log_idx) VALUES ($1, $2, $3)"
        };
        Sql::new(sql).bind(worker.0).bind(at).bind(idx).execute(&mut tx).await?;
        tx.commit().await?;
        Ok(Membership { joined_at_us: at })
    }

    /// Leave the union; gives false (and writes nothing) when the worker is not a member.
    /// Requests still open stay open: the help already asked for is not taken away.
    pub async fn leave_union(&self, worker: WorkerId) -> Result<bool> {
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        lock_worker(&mut tx, worker).await?;
        let n = Sql::new("UPDATE union_members SET left_at_us = $2 WHERE worker_id = $1 AND left_at_us IS NULL")
            .bind(worker.0)
            .bind(at)
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Ok(false);
        }
        tx.log_append(&Record::new("union_leave", at, serde_json::json!({"worker": worker.0})), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A member asks for a service. Refused for a non-member, empty or long words, or more than
    /// [`MAX_OPEN_UNION_REQUESTS`] open; the same open request sent again gives the one there is.
    pub async fn request_union_service(&self, worker: WorkerId, service: UnionService, text: &str) -> Result<UnionRequest> {
        let text = words("text", text, false)?;
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        lock_worker(&mut tx, worker).await?;
        let member: Option<i64> = Sql::new("SELECT worker_id FROM union_members WHERE worker_id = $1 AND left_at_us IS NULL")
            .bind(worker.0)
            .scalar_optional(&mut tx)
            .await?;
        if member.is_none() {
            return Err(StoreError::invalid("worker", "only members can ask the union for its services: join first"));
        }
        let open = format!(
            "SELECT {REQUEST_COLUMNS} FROM union_requests r WHERE r.worker_id = $1 AND r.state IN ('requested', 'taken') ORDER BY r.id"
        );
        let open: Vec<RequestRow> = Sql::built(open).bind(worker.0).fetch_all(&mut tx).await?;
        if let Some(same) = open.iter().find(|r| r.2 == service.as_str() && r.3 == text) {
            return request_from(same.clone());
        }
        if open.len() as i64 >= MAX_OPEN_UNION_REQUESTS {
            return Err(StoreError::invalid(
                "service",
                format!("at most {MAX_OPEN_UNION_REQUESTS} requests may be open at once: wait for an answer or close one"),
            ));
        }
        let id: i64 = Sql::new(
            "INSERT INTO union_requests (worker_id, service, text, state, filed_at_us, updated_at_us, log_idx) \
             VALUES ($1, $2, $3, 'requested', $4, $4, -1) RETURNING id",
        )
        .bind(worker.0)
        .bind(service.as_str())
        .bind(text.as_str())
        .bind(at)
        .scalar(&mut tx)
        .await?;
        let data =
            serde_json::json!({"request": id, "worker": worker.0, "service": service.as_str(), "text_sha256": sha256_hex(text.as_bytes())});
        let idx = tx.log_append(&Record::new("union_request", at, data), None).await?;
        Sql::new("UPDATE union_requests SET log_idx = $1 WHERE id = $2").bind(idx).bind(id).execute(&mut tx).await?;
        tx.commit().await?;
        self.union_request(id).await?.ok_or_else(|| StoreError::Corrupt(format!("union request {id} not found after filing")))
    }

    /// One request.
    pub async fn union_request(&self, id: i64) -> Result<Option<UnionRequest>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM union_requests r WHERE r.id = $1");
        let row: Option<RequestRow> = Sql::built(sql).bind(id).fetch_optional(self.db()).await?;
        row.map(request_from).transpose()
    }

    /// One request of a worker of `region` (by home grid); another region's is not found.
    pub async fn region_union_request(&self, id: i64, region: &str) -> Result<Option<UnionRequest>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM union_requests r JOIN workers w ON w.id = r.worker_id JOIN grids g ON g.id = w.home_grid_id \
             WHERE r.id = $1 AND g.region_code = $2"
        );
        let row: Option<RequestRow> = Sql::built(sql).bind(id).bind(region).fetch_optional(self.db()).await?;
        row.map(request_from).transpose()
    }

    /// A worker's requests, newest first.
    pub async fn worker_union_requests(&self, worker: WorkerId) -> Result<Vec<UnionRequest>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM union_requests r WHERE r.worker_id = $1 ORDER BY r.id DESC");
        let rows: Vec<RequestRow> = Sql::built(sql).bind(worker.0).fetch_all(self.db()).await?;
        rows.into_iter().map(request_from).collect()
    }

    /// The union's queue in a region (the workers' home grids): open requests first, oldest
    /// first, then the latest answered; at most [`UNION_QUEUE_LIMIT`].
    pub async fn union_queue(&self, region: &str) -> Result<Vec<UnionRequest>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM union_requests r JOIN workers w ON w.id = r.worker_id JOIN grids g ON g.id = w.home_grid_id \
             WHERE g.region_code = $1 ORDER BY CASE WHEN r.state IN ('requested', 'taken') THEN 0 ELSE 1 END, \
             CASE WHEN r.state IN ('requested', 'taken') THEN r.filed_at_us ELSE -r.updated_at_us END, r.id LIMIT $2"
        );
        let rows: Vec<RequestRow> = Sql::built(sql).bind(region).bind(UNION_QUEUE_LIMIT).fetch_all(self.db()).await?;
        rows.into_iter().map(request_from).collect()
    }

    /// Move a request on: the staff take it (requested → taken) or answer it (requested or
    /// taken → done, with words for the worker); the worker closes their own open one. Anything
    /// else is refused and nothing is written. `region`: the staff's region (their scope).
    pub async fn union_request_step(
        &self,
        id: i64,
        to: RequestState,
        by: UnionActor,
        region: Option<&str>,
        answer: &str,
    ) -> Result<UnionRequest> {
        let answer = words("answer", answer, to != RequestState::Done)?;
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        let sql = format!(
            "SELECT {REQUEST_COLUMNS}, g.region_code FROM union_requests r JOIN workers w ON w.id = r.worker_id \
             JOIN grids g ON g.id = w.home_grid_id WHERE r.id = $1"
        );
        type Row = (i64, i64, String, String, String, i64, Option<String>, i64, String);
        let row: Option<Row> = Sql::built(sql).bind(id).fetch_optional(&mut tx).await?;
        let not_found = || StoreError::NotFound { what: "union request", key: id.to_string() };
        let row = row.ok_or_else(not_found)?;
        let visible = match by {
            UnionActor::Worker(w) => w.0 == row.1,
            UnionActor::Staff(_) => region.is_none_or(|g| g == row.8),
        };
        if !visible {
            return Err(not_found());
        }
        let r = request_from((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7))?;
        let allowed = match (by, r.state, to) {
            (UnionActor::Staff(_), RequestState::Requested, RequestState::Taken) => true,
            (UnionActor::Staff(_), RequestState::Requested | RequestState::Taken, RequestState::Done) => true,
            (UnionActor::Worker(_), s, RequestState::Closed) => s.is_open(),
            _ => false,
        };
        if !allowed {
            return Err(StoreError::invalid("state", format!("request {id} is {}: it cannot become {}", r.state.as_str(), to.as_str())));
        }
        let answer = (!answer.is_empty()).then_some(answer);
        let n = Sql::new(
            "UPDATE union_requests SET state = $1, answer = COALESCE($2, answer), updated_at_us = $3 WHERE id = $4 AND state = $5",
        )
        .bind(to.as_str())
        .bind(answer.clone())
        .bind(at)
        .bind(id)
        .bind(r.state.as_str())
        .execute(&mut tx)
        .await?;
        if n != 1 {
            return Err(StoreError::invalid("state", format!("request {id} changed meanwhile: look again")));
        }
        let (actor, actor_id) = match by {
            UnionActor::Worker(w) => ("worker", w.0),
            UnionActor::Staff(p) => ("union_staff", p),
        };
        let data = serde_json::json!({"request": id, "state": to.as_str(), "by": actor, "by_id": actor_id,
            "answer_sha256": answer.as_deref().map(|a| sha256_hex(a.as_bytes()))});
        tx.log_append(&Record::new("union_request_step", at, data), None).await?;
        tx.commit().await?;
        self.union_request(id).await?.ok_or_else(not_found)
    }
}

/// Lock the worker's row for a membership change; an unknown worker is not found.
async fn lock_worker(tx: &mut Tx, worker: WorkerId) -> Result<()> {
    let n = Sql::new("UPDATE workers SET id = id WHERE id = $1").bind(worker.0).execute(&mut *tx).await?;
    if n == 0 {
        return Err(StoreError::NotFound { what: "worker", key: worker.to_string() });
    }
    Ok(())
}
