//! The self-service terminal (智能自助终端): one-time sign-in codes, the text messages that carry
//! them, and the terminal's short sessions (migration `0061_kiosk.sql`).
//!
//! The server makes the ticket, the code and their keyed hashes (it holds the key and the OS
//! randomness); the store sees only the hashes. A ticket is stored for an unknown ID number too,
//! with no worker and a code nobody receives, so both are answered and counted alike. Times
//! come from the store's clock.

use crate::backend::Sql;
use crate::people::PersonId;
use crate::{Result, Store, StoreError, WorkerId};
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

/// At most this many characters in one text message.
pub const MAX_SMS_CHARS: usize = 200;
/// At most this many texts handed to a sender at once.
pub const MAX_SMS_BATCH: i64 = 100;

/// What a try at a code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The right code for a registered worker: used up now.
    Good(WorkerId),
    /// Not the code (or a ticket with no worker behind it); this many tries are left.
    Wrong { left: u32 },
    /// Every try at this code is spent: ask for a new one.
    NoTriesLeft,
    /// No such ticket, or the code has expired or was used.
    Expired,
}

/// A text message waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    pub id: i64,
    pub worker: WorkerId,
    /// "138****5678": the adapter finds the full number in the registry by the worker.
    pub phone_masked: String,
    pub body: String,
    pub created_at_us: i64,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

impl Store {
    /// Keep a new code under `ticket_hash` for `worker` (None: an unknown ID number), good for
    /// `ttl`; for a worker, queue `text` to their registered phone in the same transaction.
    /// Gives the queued text's id.
    pub async fn kiosk_code_issue(
        &self,
        ticket_hash: &[u8],
        worker: Option<WorkerId>,
        code_hash: &[u8],
        ttl: TimeDelta,
        text: &str,
    ) -> Result<Option<i64>> {
        if ticket_hash.len() != 32 || code_hash.len() != 32 {
            return Err(StoreError::invalid("ticket", "give 32-byte keyed hashes"));
        }
        if text.chars().count() > MAX_SMS_CHARS {
            return Err(StoreError::invalid("text", format!("at most {MAX_SMS_CHARS} characters")));
        }
        let now = self.now_us();
        let expires = now.saturating_add(ttl.num_microseconds().unwrap_or(i64::MAX));
        let mut tx = self.db().begin_write().await?;
        // Spent and expired codes go on the way; so does the text of an expired code.
        Sql::new("DELETE FROM kiosk_codes WHERE expires_at_us < $1").bind(now).execute(&mut tx).await?;
        Sql::new("UPDATE sms_outbox SET body = '' WHERE expires_at_us < $1 AND body <> ''").bind(now).execute(&mut tx).await?;
        Sql::new(
            "INSERT INTO kiosk_codes (ticket_hash, worker_id, code_hash, created_at_us, expires_at_us, attempts) VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(ticket_hash.to_vec())
        .bind(worker.map(|w| w.0))
        .bind(code_hash.to_vec())
        .bind(now)
        .bind(expires)
        .execute(&mut tx)
        .await?;
        let mut queued = None;
        if let Some(w) = worker {
            let masked: Option<String> =
                Sql::new("SELECT phone_masked FROM workers WHERE id = $1").bind(w.0).scalar_optional(&mut tx).await?;
            let masked = masked.ok_or_else(|| StoreError::NotFound { what: "worker", key: w.to_string() })?;
            let id: i64 = Sql::new(
                "INSERT INTO sms_outbox (worker_id, phone_masked, body, created_at_us, expires_at_us) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(w.0)
            .bind(masked)
            .bind(text)
            .bind(now)
            .bind(expires)
            .scalar(&mut tx)
            .await?;
            queued = Some(id);
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// One try at the code of `ticket_hash`: counted first, in one statement, so parallel tries
    /// cannot pass the limit of `max_attempts`; a right code is used up at once.
    pub async fn kiosk_code_check(&self, ticket_hash: &[u8], code_hash: &[u8], max_attempts: u32) -> Result<CodeCheck> {
        let now = self.now_us();
        let max = i64::from(max_attempts);
        let row: Option<(Option<i64>, Vec<u8>, i64)> = Sql::new(
            "UPDATE kiosk_codes SET attempts = attempts + 1 \
             WHERE ticket_hash = $1 AND used_at_us IS NULL AND expires_at_us >= $2 AND attempts < $3 \
             RETURNING worker_id, code_hash, attempts",
        )
        .bind(ticket_hash.to_vec())
        .bind(now)
        .bind(max)
        .fetch_optional(self.db())
        .await?;
        let Some((worker, stored, attempts)) = row else {
            // Nothing counted: tell a spent code from a gone one.
            let live: Option<i64> =
                Sql::new("SELECT attempts FROM kiosk_codes WHERE ticket_hash = $1 AND used_at_us IS NULL AND expires_at_us >= $2")
                    .bind(ticket_hash.to_vec())
                    .bind(now)
                    .scalar_optional(self.db())
                    .await?;
            return Ok(if live.is_some() { CodeCheck::NoTriesLeft } else { CodeCheck::Expired });
        };
        let same = stored.len() == code_hash.len() && stored.iter().zip(code_hash).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0;
        match worker {
            Some(w) if same => {
                let n = Sql::new("UPDATE kiosk_codes SET used_at_us = $1 WHERE ticket_hash = $2 AND used_at_us IS NULL")
                    .bind(now)
                    .bind(ticket_hash.to_vec())
                    .execute(self.db())
                    .await?;
                Ok(if n == 1 { CodeCheck::Good(WorkerId(w)) } else { CodeCheck::Expired })
            }
            _ => Ok(CodeCheck::Wrong { left: u32::try_from((max - attempts).max(0)).unwrap_or(0) }),
        }
    }

    /// The account a worker signs in to at a terminal: their person of role worker (the
    /// oldest, when there are several). None: the worker has no account here.
    pub async fn kiosk_person(&self, worker: WorkerId) -> Result<Option<PersonId>> {
        let id: Option<i64> =
            Sql::new("SELECT MIN(id) FROM people WHERE worker_id = $1 AND role = 'worker'").bind(worker.0).scalar(self.db()).await?;
        Ok(id.map(PersonId))
    }

    /// Texts not yet sent, oldest first (at most [`MAX_SMS_BATCH`]); blanked ones are left out.
    pub async fn sms_pending(&self) -> Result<Vec<OutgoingSms>> {
        let rows: Vec<(i64, i64, String, String, i64)> = Sql::new(
            "SELECT id, worker_id, phone_masked, body, created_at_us FROM sms_outbox \
             WHERE sent_at_us IS NULL AND body <> '' AND expires_at_us >= $1 ORDER BY id LIMIT $2",
        )
        .bind(self.now_us())
        .bind(MAX_SMS_BATCH)
        .fetch_all(self.db())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, w, phone_masked, body, created_at_us)| OutgoingSms { id, worker: WorkerId(w), phone_masked, body, created_at_us })
            .collect())
    }

    /// A text was handed to the gateway: marked sent, its words (the code) blanked.
    pub async fn sms_sent(&self, id: i64) -> Result<()> {
        Sql::new("UPDATE sms_outbox SET sent_at_us = $1, body = '' WHERE id = $2").bind(self.now_us()).bind(id).execute(self.db()).await?;
        Ok(())
    }

    /// A terminal's session was used at `now`: it lives `idle` longer. Never shortens a session
    /// (a worker's own 12-hour one that opens a terminal page keeps its time), never revives one
    /// that is over.
    pub async fn kiosk_touch(&self, token: &str, now: DateTime<Utc>, idle: TimeDelta) -> Result<()> {
        let until = (now + idle).timestamp_micros();
        Sql::new("UPDATE sessions SET expires_at_us = $1 WHERE token_hash = $2 AND expires_at_us >= $3 AND expires_at_us < $1")
            .bind(until)
            .bind(token_hash(token))
            .bind(now.timestamp_micros())
            .execute(self.db())
            .await?;
        Ok(())
    }
}
