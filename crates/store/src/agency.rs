//! Signed messages between agencies, delivered at least once and handled once: the outbox is
//! written in the transaction of the change that causes a message ([`Tx::enqueue_agency_message`])
//! and drained by the server's delivery job with retries and exponential backoff (attempts and
//! the next attempt are stored, nothing lives only in memory); the inbox is keyed by sender and
//! message id, so a message received twice is stored once and answered with the same
//! acknowledgement. The envelope and its check are the pure `flexpension_tlog::message`.

use crate::backend::{Sql, Tx};
use crate::{Result, Store, StoreError};
use flexpension_tlog::message::{AgeWindow, Envelope, id_hex};
use flexpension_tlog::{NoteSigner, peek_message, verify_message};
use serde::Serialize;

/// The wait after the first failed delivery; each further failure doubles it.
pub const DELIVERY_BACKOFF_FIRST_US: i64 = 1_000_000;
/// The longest wait between two delivery attempts (one hour).
pub const DELIVERY_BACKOFF_MAX_US: i64 = 3_600_000_000;

/// The wait before the next attempt after `attempts` failed ones (1 s, 2 s, 4 s, ... 1 h).
pub fn delivery_backoff_us(attempts: i32) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 32) as u32;
    DELIVERY_BACKOFF_FIRST_US.saturating_mul(1i64 << doublings).min(DELIVERY_BACKOFF_MAX_US)
}

/// A message waiting in the outbox (or delivered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// The outbox row.
    pub row: i64,
    /// The message id (32 hex digits).
    pub id: String,
    pub receiver: String,
    /// The peer's URL at the time of reading.
    pub url: String,
    pub kind: String,
    /// The signed message as sent.
    pub signed: String,
    pub attempts: i32,
    pub next_attempt_at_us: i64,
    pub last_error: Option<String>,
    pub delivered_at_us: Option<i64>,
}

/// A message stored in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxMessage {
    pub sender: String,
    pub id: String,
    pub kind: String,
    /// When the sender made it, Unix seconds.
    pub created_at_s: i64,
    /// The body, compact JSON.
    pub body: String,
    pub received_at_us: i64,
}

/// The receiver's answer to a delivered message: the same for every delivery of one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyAck {
    pub receiver: String,
    pub sender: String,
    pub id: String,
    /// When the message was first received, microseconds since the Unix epoch.
    pub received_at_us: i64,
}

type OutboxRow = (i64, String, String, String, String, String, i32, i64, Option<String>, Option<i64>);

fn outbox_from(
    (row, id, receiver, url, kind, signed, attempts, next_attempt_at_us, last_error, delivered_at_us): OutboxRow,
) -> OutboxMessage {
    OutboxMessage { row, id, receiver, url, kind, signed, attempts, next_attempt_at_us, last_error, delivered_at_us }
}

const OUTBOX_COLUMNS: &str = "o.id, o.message_id, o.receiver, p.url, o.kind, o.signed, o.attempts, o.next_attempt_at_us, o.last_error, o.delivered_at_us \
     FROM agency_outbox o JOIN peers p ON p.code = o.receiver";

impl Tx {
    /// Sign `env` with `signer` (the store's log key) and put it in the outbox, due now, in this
    /// transaction: the message leaves if and only if the change that causes it commits.
    pub(crate) async fn enqueue_agency_message(&mut self, env: &Envelope, signer: &NoteSigner, at_us: i64) -> Result<String> {
        let known: Option<String> =
            Sql::new("SELECT code FROM peers WHERE code = $1").bind(&env.receiver).scalar_optional(&mut *self).await?;
        if known.is_none() {
            return Err(StoreError::NotFound { what: "peer", key: env.receiver.clone() });
        }
        let signed = env.sign(signer)?;
        let id = id_hex(&env.id);
        Sql::new(
            "INSERT INTO agency_outbox (message_id, receiver, kind, signed, created_at_us, attempts, next_attempt_at_us) VALUES ($1, $2, $3, $4, $5, 0, $5)",
        )
        .bind(&id)
        .bind(&env.receiver)
        .bind(&env.kind)
        .bind(signed)
        .bind(at_us)
        .execute(&mut *self)
        .await?;
        Ok(id)
    }
}

impl Store {
    /// A new message from `sender` (this agency's region) to the peer `receiver`: a fresh random
    /// id, made now by the store's clock.
    pub fn new_agency_message(&self, sender: &str, receiver: &str, kind: &str, body: serde_json::Value) -> Result<Envelope> {
        let r = crate::ids::random32().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        let mut id = [0u8; 16];
        id.copy_from_slice(&r[..16]);
        Ok(Envelope {
            sender: sender.to_string(),
            receiver: receiver.to_string(),
            id,
            kind: kind.to_string(),
            created_at: self.now_us().div_euclid(1_000_000),
            body,
        })
    }

    /// Put one message in the outbox in a transaction of its own; gives its id.
    pub async fn enqueue_agency_message(&self, env: &Envelope) -> Result<String> {
        let mut tx = self.db().begin_write().await?;
        let id = tx.enqueue_agency_message(env, &self.log_keys().signer, self.now_us()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Messages not yet delivered whose next attempt is due, oldest first, at most `limit`.
    pub async fn due_agency_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} WHERE o.delivered_at_us IS NULL AND o.next_attempt_at_us <= $1 ORDER BY o.next_attempt_at_us, o.id LIMIT $2"
        );
        let rows: Vec<OutboxRow> = Sql::built(sql).bind(self.now_us()).bind(limit).fetch_all(self.db()).await?;
        Ok(rows.into_iter().map(outbox_from).collect())
    }

    /// The whole outbox, oldest first.
    pub async fn agency_outbox(&self) -> Result<Vec<OutboxMessage>> {
        let rows: Vec<OutboxRow> = Sql::built(format!("SELECT {OUTBOX_COLUMNS} ORDER BY o.id")).fetch_all(self.db()).await?;
        Ok(rows.into_iter().map(outbox_from).collect())
    }

    /// The receiver acknowledged the message: it is delivered (a second call changes nothing).
    pub async fn agency_message_delivered(&self, row: i64) -> Result<()> {
        Sql::new("UPDATE agency_outbox SET delivered_at_us = $2, last_error = NULL WHERE id = $1 AND delivered_at_us IS NULL")
            .bind(row)
            .bind(self.now_us())
            .execute(self.db())
            .await?;
        Ok(())
    }

    /// A delivery attempt failed: count it, keep why, and wait longer before the next one.
    pub async fn agency_delivery_failed(&self, row: i64, error: &str) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        let attempts: Option<i32> = Sql::new("SELECT attempts FROM agency_outbox WHERE id = $1 AND delivered_at_us IS NULL")
            .bind(row)
            .scalar_optional(&mut tx)
            .await?;
        if let Some(a) = attempts {
            let a = a.saturating_add(1);
            let error: String = error.chars().take(500).collect();
            Sql::new("UPDATE agency_outbox SET attempts = $2, next_attempt_at_us = $3, last_error = $4 WHERE id = $1")
                .bind(row)
                .bind(a)
                .bind(self.now_us().saturating_add(delivery_backoff_us(a)))
                .bind(error)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await
    }

    /// Receive a signed message for this agency (`us`): check it (receiver, known sender, the
    /// sender's signature, its age in `window`) and store it once. The answer is the same for
    /// every delivery of one message; the same id with other content is refused.
    pub async fn receive_agency_message(&self, us: &str, signed: &str, window: AgeWindow) -> Result<AgencyAck> {
        let sender = peek_message(signed)?.sender;
        let key = match self.peer(&sender).await? {
            Some(p) => Some(p.verifier()?),
            None => None,
        };
        let now_us = self.now_us();
        let env = verify_message(signed, us, key.as_ref(), now_us.div_euclid(1_000_000), window)?;
        let id = id_hex(&env.id);
        let body = serde_json::to_string(&env.body).map_err(|e| StoreError::Corrupt(format!("message body: {e}")))?;
        let mut tx = self.db().begin_write().await?;
        Sql::new(
            "INSERT INTO agency_inbox (sender, message_id, kind, created_at_s, body, signed, received_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (sender, message_id) DO NOTHING",
        )
        .bind(&env.sender)
        .bind(&id)
        .bind(&env.kind)
        .bind(env.created_at)
        .bind(body)
        .bind(signed)
        .bind(now_us)
        .execute(&mut tx)
        .await?;
        let (stored, received_at_us): (String, i64) =
            Sql::new("SELECT signed, received_at_us FROM agency_inbox WHERE sender = $1 AND message_id = $2")
                .bind(&env.sender)
                .bind(&id)
                .fetch_one(&mut tx)
                .await?;
        if stored != signed {
            return Err(StoreError::Exists { what: "agency message", key: format!("{id} from {} with other content", env.sender) });
        }
        tx.commit().await?;
        Ok(AgencyAck { receiver: us.to_string(), sender: env.sender, id, received_at_us })
    }

    /// The inbox, in the order received.
    pub async fn agency_inbox(&self) -> Result<Vec<InboxMessage>> {
        let rows: Vec<(String, String, String, i64, String, i64)> = Sql::new(
            "SELECT sender, message_id, kind, created_at_s, body, received_at_us FROM agency_inbox ORDER BY received_at_us, sender, message_id",
        )
        .fetch_all(self.db())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(sender, id, kind, created_at_s, body, received_at_us)| InboxMessage {
                sender,
                id,
                kind,
                created_at_s,
                body,
                received_at_us,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(delivery_backoff_us(1), 1_000_000);
        assert_eq!(delivery_backoff_us(2), 2_000_000);
        assert_eq!(delivery_backoff_us(4), 8_000_000);
        assert_eq!(delivery_backoff_us(13), DELIVERY_BACKOFF_MAX_US);
        assert_eq!(delivery_backoff_us(i32::MAX), DELIVERY_BACKOFF_MAX_US);
        assert_eq!(delivery_backoff_us(0), 1_000_000);
    }
}
