//! The transfer between insurance regions (转移接续) on the store: the application at the
//! receiving agency ([`Store::request_transfer`]), and the handlers of the four signed messages
//! the two agencies exchange, run from the inbox ([`Store::handle_agency_messages`]):
//!
//! | message | from → to | the handler |
//! |---|---|---|
//! | `transfer.request` | receiver → sender | `out::handle_request`: freeze, compute, book out through the inter-region clearing account, sign the voucher, send `transfer.funds` |
//! | `transfer.funds` | sender → receiver | `inbound::handle_funds`: verify the voucher and its proof, book in, add the months, send `transfer.ack` |
//! | `transfer.ack` | receiver → sender | `out::handle_ack`: end the enrolment, unfreeze, completed, send `transfer.closed` |
//! | `transfer.closed` | sender → receiver | completed |
//! | `transfer.refused` | either way | refused with the reason; the sender books the funds back and unfreezes |
//!
//! The states and deadlines are the rules core's `Transfer`. Every step is a row change and a
//! log entry written in one transaction with the message it causes (the outbox), and the message
//! that caused it is marked handled in that same transaction: a handler interrupted half-way runs
//! again from the state stored, each of its steps idempotent (the ledger entry's id, the freeze's
//! reason, the voucher's id are the transfer's).

mod inbound;
mod out;
mod place;
mod quote;
mod refuse;

pub use out::{TRANSFER_VOUCHER_FORMAT, TransferVoucher};
pub use quote::{FORM_SEAL_SECONDS, MAX_QUOTE_STEP_CHARS, MAX_QUOTE_STEPS, QuoteRequest, QuoteStep, TransferQuote};
pub use refuse::{KIND_REFUSE, MAX_REASON as MAX_REFUSAL_REASON};

use crate::backend::{Sql, Tx};
use crate::ids::month_code;
use crate::log::entry::Record;
use crate::{Result, Store, StoreError, WorkerId};
use chrono::NaiveDate;
use flexpension_rules::transfer::{Transfer, TransferDeadlines, TransferEvent, TransferState};
use flexpension_rules::{Params, YearMonth};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most open transfers the officers' queue shows ([`Store::transfer_queue`]).
pub const QUEUE_OPEN: i64 = 500;
/// The most ended transfers it shows after them.
pub const QUEUE_ENDED: i64 = 100;

/// How many inbox messages one call of [`Store::handle_agency_messages`] takes. Small: the
/// server delivers what a batch caused before it takes the next, and a later step that arrived
/// meanwhile goes first (a batch of a hundred held every answer for seconds).
pub const HANDLE_BATCH: i64 = 16;

/// The reasons the sending agency's rules refuse with. They travel between agencies as these
/// words; a page tells them in its reader's language by them (`reason_words` in the server).
pub const REASON_NOT_REGISTERED: &str = "the worker is not registered at the sending agency";
pub const REASON_UNDER_WAY: &str = "another transfer of this worker is under way";
/// Followed by the freeze's own reason.
pub const REASON_FROZEN: &str = "the account is frozen: ";
/// Followed by why.
pub const REASON_FUNDS: &str = "the funds could not be computed: ";
/// The receiving agency's: the funds could not be posted here (followed by why).
pub const REASON_POSTING: &str = "the funds could not be posted: ";
/// The receiving agency's: the sender's transfer voucher did not check (each a reason's start).
pub const REASONS_VOUCHER: [&str; 7] =
    [REASON_NOT_PEER, REASON_OTHER_BUNDLE, REASON_BUNDLE_UNPARSED, REASON_UNVERIFIED, REASON_UNPARSED, REASON_OTHER_TRANSFER, REASON_SUMS];
const REASON_BUNDLE_UNPARSED: &str = "the voucher's proof bundle does not parse";
const REASON_OTHER_TRANSFER: &str = "the voucher is for another transfer";
const REASON_SUMS: &str = "the voucher's amounts or months do not add up";
const REASON_NOT_PEER: &str = "the sender is not a peer";
const REASON_OTHER_BUNDLE: &str = "the proof bundle is for another voucher";
const REASON_UNVERIFIED: &str = "the voucher does not verify: ";
const REASON_UNPARSED: &str = "the voucher does not parse";

/// The message kinds of a transfer.
pub const KIND_REQUEST: &str = "transfer.request";
pub const KIND_FUNDS: &str = "transfer.funds";
pub const KIND_ACK: &str = "transfer.ack";
pub const KIND_CLOSED: &str = "transfer.closed";
pub const KIND_REFUSED: &str = "transfer.refused";

/// A transfer as this agency keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferRecord {
    pub id: String,
    /// `in`: this agency receives (转入地); `out`: it sends (转出地).
    pub direction: String,
    /// The other agency's region.
    pub peer: String,
    pub worker: Option<i64>,
    pub state: TransferState,
    /// Why it was refused.
    pub reason: Option<String>,
    pub deadlines: TransferDeadlines,
    /// The date the current step is due by (none once over).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub due: Option<NaiveDate>,
    /// The current step is past its statutory deadline.
    pub overdue: bool,
    /// Contribution months moved.
    pub months: i64,
    pub pool_transfer_fen: i64,
    /// The personal-account balance moved, with interest to the transfer month.
    pub account_fen: i64,
    /// Of which interest to the transfer month.
    pub interest_fen: i64,
    /// The signed transfer voucher (a note by the sending region's log key).
    pub voucher: Option<String>,
    /// The voucher's proof bundle (JSON): `flexpension verify` checks it offline.
    pub bundle: Option<String>,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    direction: String,
    peer: String,
    worker_id: Option<i64>,
    state: String,
    reason: Option<String>,
    applied_on: String,
    review_due: String,
    handover_due: String,
    completion_due: String,
    working_days: i64,
    months: i64,
    pool_transfer_fen: i64,
    account_fen: i64,
    interest_fen: i64,
    voucher: Option<String>,
    bundle: Option<String>,
    created_at_us: i64,
    updated_at_us: i64,
}

const COLUMNS: &str = "id, direction, peer, worker_id, state, reason, applied_on, review_due, handover_due, completion_due, \
    CAST(working_days AS BIGINT) AS working_days, CAST(months AS BIGINT) AS months, pool_transfer_fen, account_fen, interest_fen, \
    voucher, bundle, created_at_us, updated_at_us FROM transfers";

fn date(s: &str) -> Result<NaiveDate> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("transfer: '{s}' is not a date")))
}

fn record(r: Row, today: NaiveDate) -> Result<TransferRecord> {
    let state: TransferState = r.state.parse().map_err(|_| StoreError::Corrupt(format!("transfer {}: state '{}'", r.id, r.state)))?;
    let deadlines = TransferDeadlines {
        application: date(&r.applied_on)?,
        review_due: date(&r.review_due)?,
        handover_due: date(&r.handover_due)?,
        completion_due: date(&r.completion_due)?,
        working_days: u32::try_from(r.working_days).unwrap_or(0),
    };
    let t = Transfer::at(state, deadlines, r.reason.clone());
    Ok(TransferRecord {
        id: r.id,
        direction: r.direction,
        peer: r.peer,
        worker: r.worker_id,
        state,
        reason: r.reason,
        deadlines,
        due: t.due(),
        overdue: t.overdue(today),
        months: r.months,
        pool_transfer_fen: r.pool_transfer_fen,
        account_fen: r.account_fen,
        interest_fen: r.interest_fen,
        voucher: r.voucher,
        bundle: r.bundle,
        created_at_us: r.created_at_us,
        updated_at_us: r.updated_at_us,
    })
}

impl TransferRecord {
    pub(crate) fn transfer(&self) -> Transfer {
        Transfer::at(self.state, self.deadlines, self.reason.clone())
    }
}

/// One region's share of a worker's record: months and whole years counted there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionMonths {
    pub region: String,
    pub months: u32,
    pub years: u32,
}

/// A worker's months and years counted by region, and combined (a month counts once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthsByRegion {
    pub by_region: Vec<RegionMonths>,
    pub months: u32,
    pub years: u32,
}

/// A transfer reference for the ledger: the transfer id's number.
pub(crate) fn ledger_reference(id: &str) -> Result<i64> {
    crate::journal::payment_reference(id).map_err(|e| StoreError::invalid("transfer", format!("'{id}' {e}")))
}

/// Check a transfer id from a message: the sender's choice, so only its shape.
pub(crate) fn check_transfer_id(id: &str) -> Result<String> {
    let ok = (3..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok { Ok(id.to_string()) } else { Err(StoreError::invalid("transfer", "not a transfer id")) }
}

/// Article 6's temporary account, used by the application: a man of 50 or more, or a woman of
/// 40 or more, moving to a province that is not their hukou's keeps the relationship where it
/// is; here only a temporary contribution account would be opened (`Params::temporary_account`),
/// so the transfer is refused with the rule's explanation. A hukou of unknown province (a
/// worker registered before it was kept): the rule cannot be applied, and is not.
pub(crate) fn temporary_account_check(params: &Params, w: &crate::Worker, own: &str, today: NaiveDate) -> Result<()> {
    let Some(hukou) = w.hukou_province.as_deref() else { return Ok(()) };
    let here = params.provinces.find(own).map(|p| p.code.clone()).unwrap_or_else(|| own.to_string());
    let age = YearMonth::of_date(today).index().saturating_sub(w.birth_month.index()).div_euclid(12).max(0);
    let sex = match w.sex {
        crate::Sex::Male => flexpension_rules::transfer::Sex::Male,
        crate::Sex::Female => flexpension_rules::transfer::Sex::Female,
    };
    let t = params
        .temporary_account(sex, u32::try_from(age).unwrap_or(0), hukou == here, today)
        .map_err(|e| StoreError::invalid("date", e.to_string()))?;
    if t.value.temporary {
        let why: Vec<String> = t.steps.iter().map(|s| s.en.clone()).collect();
        return Err(StoreError::invalid("temporary_account", why.join(" ")));
    }
    Ok(())
}

impl Store {
    /// The store's region (a store made before regions is Zhejiang's).
    pub(crate) async fn own_region(&self) -> Result<String> {
        Ok(self.region().await?.unwrap_or_else(|| "zj".to_string()))
    }

    /// Today in China (UTC+8) by the store's clock.
    pub fn today(&self) -> NaiveDate {
        let s = self.now_us().div_euclid(1_000_000) + 8 * 3600;
        chrono::DateTime::from_timestamp(s, 0).map(|d| d.date_naive()).unwrap_or_default()
    }

    /// The receiving agency's application (转入申请): the worker must be registered here and
    /// the sending region must be a peer. While a transfer of the worker is open here, the same
    /// request gives it back (`false`: nothing new). Writes the transfer, its log entry and the
    /// request to the sender (the outbox) in one transaction.
    pub async fn request_transfer(&self, params: &Params, id_number: &str, from: &str) -> Result<(TransferRecord, bool)> {
        self.request_transfer_by(params, id_number, from, None).await
    }

    /// [`Store::request_transfer`] made by staff person `by` (an officer at the counter): the
    /// log's entry names them, as a refusal's does.
    pub async fn request_transfer_by(
        &self,
        params: &Params,
        id_number: &str,
        from: &str,
        by: Option<i64>,
    ) -> Result<(TransferRecord, bool)> {
        let own = self.own_region().await?;
        if from == own {
            return Err(StoreError::invalid("from", format!("'{from}' is this agency's own region")));
        }
        if self.peer(from).await?.is_none() {
            return Err(StoreError::NotFound { what: "peer", key: from.to_string() });
        }
        let masked = flexpension_rules::checkdigit::mask(id_number.trim());
        let w = self.find_worker(id_number.trim()).await?.ok_or(StoreError::NotFound { what: "worker registered here", key: masked })?;
        if let Some(t) = self.open_transfer(w.id, "in").await? {
            return Ok((t, false));
        }
        temporary_account_check(params, &w, &own, self.today())?;
        if let Some(t) = self.open_transfer(w.id, "in").await? {
            return Ok((t, false));
        }
        let today = self.today();
        let t = Transfer::apply(params, today).map_err(|e| StoreError::invalid("date", e.to_string()))?.value;
        let r = crate::ids::random32().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        let id = format!("{own}-{from}-{}", r[..10].iter().map(|b| format!("{b:02x}")).collect::<String>());
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        let inserted = insert(&mut tx, &id, "in", from, Some(w.id.0), &t, at).await;
        if let Err(e) = inserted {
            // Another request of the same worker won the race: give that one.
            drop(tx);
            return match self.open_transfer(w.id, "in").await? {
                Some(t) => Ok((t, false)),
                None => Err(e),
            };
        }
        let body = serde_json::json!({"transfer": id, "id_number": id_number.trim(), "applied": today.to_string()});
        let env = self.new_agency_message(&own, from, KIND_REQUEST, body)?;
        tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
        match by {
            None => log_step(&mut tx, &id, "applied", w.id.0, at).await?,
            Some(by) => {
                let data = serde_json::json!({"by": "staff", "by_id": by, "step": "applied", "transfer": id, "worker": w.id.0});
                tx.log_append(&Record::new("transfer", at, data), None).await?;
            }
        }
        tx.commit().await?;
        let t = self.transfer(&id).await?.ok_or_else(|| StoreError::Corrupt("a transfer just made is missing".into()))?;
        Ok((t, true))
    }

    /// One transfer by id.
    pub async fn transfer(&self, id: &str) -> Result<Option<TransferRecord>> {
        let row: Option<Row> = Sql::built(format!("SELECT {COLUMNS} WHERE id = $1")).bind(id).fetch_optional(self.db()).await?;
        row.map(|r| record(r, self.today())).transpose()
    }

    /// Every transfer here: open ones first, overdue before the rest, then the newest.
    pub async fn transfers(&self) -> Result<Vec<TransferRecord>> {
        let rows: Vec<Row> = Sql::built(format!("SELECT {COLUMNS} ORDER BY created_at_us DESC, id")).fetch_all(self.db()).await?;
        let today = self.today();
        let mut v: Vec<TransferRecord> = rows.into_iter().map(|r| record(r, today)).collect::<Result<_>>()?;
        v.sort_by_key(|t| (!t.state.is_open(), !t.overdue, std::cmp::Reverse(t.created_at_us)));
        Ok(v)
    }

    /// The officers' queue: the open transfers (at most [`QUEUE_OPEN`], the oldest) overdue first,
    /// then the rest by application, then the latest ended ones (at most [`QUEUE_ENDED`]).
    pub async fn transfer_queue(&self) -> Result<Vec<TransferRecord>> {
        let open: Vec<Row> =
            Sql::built(format!("SELECT {COLUMNS} WHERE state NOT IN ('completed', 'refused') ORDER BY created_at_us, id LIMIT $1"))
                .bind(QUEUE_OPEN)
                .fetch_all(self.db())
                .await?;
        let ended: Vec<Row> =
            Sql::built(format!("SELECT {COLUMNS} WHERE state IN ('completed', 'refused') ORDER BY updated_at_us DESC, id LIMIT $1"))
                .bind(QUEUE_ENDED)
                .fetch_all(self.db())
                .await?;
        let today = self.today();
        let mut open: Vec<TransferRecord> = open.into_iter().map(|r| record(r, today)).collect::<Result<_>>()?;
        open.sort_by_key(|t| (!t.overdue, t.due, t.created_at_us));
        for r in ended {
            open.push(record(r, today)?);
        }
        Ok(open)
    }

    /// A worker's transfers, newest first.
    pub async fn worker_transfers(&self, worker: WorkerId) -> Result<Vec<TransferRecord>> {
        let rows: Vec<Row> = Sql::built(format!("SELECT {COLUMNS} WHERE worker_id = $1 ORDER BY created_at_us DESC, id"))
            .bind(worker.0)
            .fetch_all(self.db())
            .await?;
        let today = self.today();
        rows.into_iter().map(|r| record(r, today)).collect()
    }

    pub(crate) async fn open_transfer(&self, worker: WorkerId, direction: &str) -> Result<Option<TransferRecord>> {
        let row: Option<Row> = Sql::built(format!(
            "SELECT {COLUMNS} WHERE worker_id = $1 AND direction = $2 AND state NOT IN ('completed', 'refused') LIMIT 1"
        ))
        .bind(worker.0)
        .bind(direction)
        .fetch_optional(self.db())
        .await?;
        row.map(|r| record(r, self.today())).transpose()
    }

    /// A worker's months and years counted by region: months paid here (less those moved out)
    /// and months brought in by completed transfers, each month once.
    pub async fn months_by_region(&self, worker: WorkerId) -> Result<MonthsByRegion> {
        Ok(by_region(&self.month_regions(worker).await?))
    }

    /// Handle the inbox messages not yet handled, at most [`HANDLE_BATCH`]: the steps nearest
    /// a transfer's end first (closed or refused, an officer's refusal here, then
    /// acknowledgements, then funds, then new requests), each oldest first, so that under a thousand requests at once the first
    /// transfers finish while later ones wait rather than all finishing after the last is
    /// started; gives how many were handled. A message whose
    /// handler fails stays for the next call.
    pub async fn handle_agency_messages(&self, params: &Params) -> Result<usize> {
        const SQL: &str = "SELECT i.sender, i.message_id, i.kind, i.body FROM agency_inbox i WHERE NOT EXISTS \
            (SELECT 1 FROM agency_handled h WHERE h.sender = i.sender AND h.message_id = i.message_id) \
            ORDER BY CASE i.kind WHEN 'transfer.closed' THEN 0 WHEN 'transfer.refused' THEN 0 WHEN 'transfer.refuse' THEN 0 WHEN 'transfer.ack' THEN 1 \
            WHEN 'transfer.funds' THEN 2 ELSE 3 END, i.received_at_us, i.sender, i.message_id LIMIT $1";
        let rows: Vec<(String, String, String, String)> = Sql::new(SQL).bind(HANDLE_BATCH).fetch_all(self.db()).await?;
        let mut handled = 0;
        let mut first_error = None;
        for (sender, id, kind, body) in rows {
            let msg = Inbound { sender, id, body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null) };
            let r = match kind.as_str() {
                KIND_REQUEST => self.handle_request(params, &msg).await,
                KIND_FUNDS => self.handle_funds(&msg).await,
                KIND_ACK => self.handle_ack(&msg).await,
                KIND_CLOSED => self.handle_closed(&msg).await,
                KIND_REFUSED => self.handle_refused(&msg).await,
                KIND_REFUSE => self.handle_local_refuse(&msg).await,
                _ => self.mark_handled_alone(&msg).await,
            };
            match r {
                Ok(()) => handled += 1,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if handled == 0 => Err(e),
            _ => Ok(handled),
        }
    }

    async fn mark_handled_alone(&self, m: &Inbound) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        mark_handled(&mut tx, m, self.now_us()).await?;
        tx.commit().await
    }

    /// `transfer.closed` at the receiver: the sender closed the relation; completed.
    async fn handle_closed(&self, m: &Inbound) -> Result<()> {
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        if let Some(t) = self.peer_transfer(m, "in").await?
            && let Ok(next) = t.transfer().step(&TransferEvent::Complete)
        {
            set_state(&mut tx, &t.id, &next, at).await?;
            log_step(&mut tx, &t.id, "completed", t.worker.unwrap_or(0), at).await?;
        }
        mark_handled(&mut tx, m, at).await?;
        tx.commit().await
    }

    /// `transfer.refused`: the other agency refused, with a reason.
    async fn handle_refused(&self, m: &Inbound) -> Result<()> {
        let reason = m.body.get("reason").and_then(|r| r.as_str()).unwrap_or("refused").to_string();
        if let Some(t) = self.peer_transfer(m, "out").await? {
            return self.refuse_out(&t, &reason, Some(m), false).await;
        }
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        if let Some(t) = self.peer_transfer(m, "in").await?
            && t.state != TransferState::Refused
            && let Ok(next) = t.transfer().step(&TransferEvent::Refuse(reason.chars().take(300).collect()))
        {
            set_state(&mut tx, &t.id, &next, at).await?;
            log_step(&mut tx, &t.id, "refused", t.worker.unwrap_or(0), at).await?;
        }
        mark_handled(&mut tx, m, at).await?;
        tx.commit().await
    }

    /// The transfer a message names, when it is this agency's with that peer in `direction`.
    async fn peer_transfer(&self, m: &Inbound, direction: &str) -> Result<Option<TransferRecord>> {
        let Some(id) = m.transfer_id() else { return Ok(None) };
        Ok(self.transfer(&id).await?.filter(|t| t.peer == m.sender && t.direction == direction))
    }
}

/// A message taken from the inbox.
pub(crate) struct Inbound {
    pub sender: String,
    pub id: String,
    pub body: serde_json::Value,
}

impl Inbound {
    fn transfer_id(&self) -> Option<String> {
        self.body.get("transfer").and_then(|t| t.as_str()).and_then(|t| check_transfer_id(t).ok())
    }
}

/// The months counted, by the region each was paid in, and combined.
pub(crate) fn by_region(months: &BTreeMap<YearMonth, String>) -> MonthsByRegion {
    let mut by: BTreeMap<String, u32> = BTreeMap::new();
    for r in months.values() {
        *by.entry(r.clone()).or_default() += 1;
    }
    let total = months.len() as u32;
    MonthsByRegion {
        by_region: by.into_iter().map(|(region, months)| RegionMonths { region, months, years: months / 12 }).collect(),
        months: total,
        years: total / 12,
    }
}

pub(crate) async fn mark_handled(tx: &mut Tx, m: &Inbound, at: i64) -> Result<()> {
    Sql::new(
        "INSERT INTO agency_handled (sender, message_id, handled_at_us) VALUES ($1, $2, $3) ON CONFLICT (sender, message_id) DO NOTHING",
    )
    .bind(&m.sender)
    .bind(&m.id)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

pub(crate) async fn insert(tx: &mut Tx, id: &str, direction: &str, peer: &str, worker: Option<i64>, t: &Transfer, at: i64) -> Result<()> {
    let d = &t.deadlines;
    Sql::new(
        "INSERT INTO transfers (id, direction, peer, worker_id, state, reason, applied_on, review_due, handover_due, completion_due, \
         working_days, created_at_us, updated_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(id)
    .bind(direction)
    .bind(peer)
    .bind(worker)
    .bind(t.state.as_str())
    .bind(t.reason.clone())
    .bind(d.application.to_string())
    .bind(d.review_due.to_string())
    .bind(d.handover_due.to_string())
    .bind(d.completion_due.to_string())
    .bind(i32::try_from(d.working_days).unwrap_or(i32::MAX))
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

pub(crate) async fn set_state(tx: &mut Tx, id: &str, t: &Transfer, at: i64) -> Result<()> {
    Sql::new("UPDATE transfers SET state = $2, reason = $3, updated_at_us = $4 WHERE id = $1")
        .bind(id)
        .bind(t.state.as_str())
        .bind(t.reason.clone())
        .bind(at)
        .execute(tx)
        .await?;
    Ok(())
}

/// A step of a transfer in the region's log: which transfer, which step, whose account (the
/// worker number; no personal data).
pub(crate) async fn log_step(tx: &mut Tx, id: &str, step: &str, worker: i64, at: i64) -> Result<()> {
    tx.log_append(&Record::new("transfer", at, serde_json::json!({"step": step, "transfer": id, "worker": worker})), None).await?;
    Ok(())
}

/// One month moved, as the voucher lists it: [month code, base, contribution, personal account].
pub(crate) type MovedMonth = (YearMonth, String, i64, i64, i64);

pub(crate) async fn insert_months(tx: &mut Tx, id: &str, worker: i64, months: &[MovedMonth]) -> Result<()> {
    for (m, region, base, contribution, pa) in months {
        Sql::new(
            "INSERT INTO transfer_months (transfer_id, worker_id, region, month, base_fen, contribution_fen, personal_account_fen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (transfer_id, month) DO NOTHING",
        )
        .bind(id)
        .bind(worker)
        .bind(region.as_str())
        .bind(month_code(*m))
        .bind(*base)
        .bind(*contribution)
        .bind(*pa)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
