//! Login throttling counters (docs/PEOPLE.md). The server decides what a counter is for and
//! makes its key (a keyed hash of a login text, a client address or a device cookie); here a
//! key is just bytes, and claiming an attempt is one statement, so parallel requests each see
//! their own count and no two see the same.

use crate::backend::Sql;
use crate::ids::random32;
use crate::store::meta_value;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};

/// Bytes of the secret the server keys its login hashes, form tokens and device cookies with.
pub const LOGIN_SECRET_LEN: usize = 32;

/// One claimed attempt: how many attempts the key has in its window, this one included, and
/// when the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub attempts: i64,
    pub window_end: DateTime<Utc>,
}

impl Store {
    /// The store's login secret, made once with the OS CSPRNG (like the pepper, in
    /// `store_meta`): every server process on this store mints and checks the same tokens.
    pub async fn login_secret(&self) -> Result<[u8; LOGIN_SECRET_LEN]> {
        let fresh = random32().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?.to_vec();
        let value = meta_value(self.db(), "login_secret", fresh).await?;
        value.try_into().map_err(|_| StoreError::Corrupt("the login secret in store_meta is not 32 bytes".into()))
    }

    /// Count one attempt under `key`, atomically: a window of `window` starts at the first
    /// attempt; an attempt after it ends starts a new one at 1.
    pub async fn throttle_claim(&self, key: &[u8], now: DateTime<Utc>, window: TimeDelta) -> Result<Claim> {
        let now_us = now.timestamp_micros();
        let end_us = (now + window).timestamp_micros();
        // SET expressions read the row as it was, so both CASEs test the old window.
        let (attempts, end): (i64, i64) = Sql::new(
            "INSERT INTO login_throttle (key, attempts, window_end_us) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET \
             attempts = CASE WHEN login_throttle.window_end_us <= $3 THEN 1 ELSE login_throttle.attempts + 1 END, \
             window_end_us = CASE WHEN login_throttle.window_end_us <= $3 THEN $2 ELSE login_throttle.window_end_us END \
             RETURNING attempts, window_end_us",
        )
        .bind(key)
        .bind(end_us)
        .bind(now_us)
        .fetch_one(self.db())
        .await?;
        let window_end = DateTime::from_timestamp_micros(end).ok_or_else(|| StoreError::Corrupt(format!("throttle window end {end}")))?;
        Ok(Claim { attempts, window_end })
    }

    /// Give back one claimed attempt (it was not used to check a password, or it succeeded).
    pub async fn throttle_release(&self, key: &[u8]) -> Result<()> {
        Sql::new("UPDATE login_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0").bind(key).execute(self.db()).await?;
        Ok(())
    }

    /// Forget every attempt under `key` (a good password ends the count).
    pub async fn throttle_reset(&self, key: &[u8]) -> Result<()> {
        Sql::new("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(self.db()).await?;
        Ok(())
    }

    /// Drop counters whose window ended before `now`; returns how many.
    pub async fn throttle_sweep(&self, now: DateTime<Utc>) -> Result<u64> {
        Sql::new("DELETE FROM login_throttle WHERE window_end_us <= $1").bind(now.timestamp_micros()).execute(self.db()).await
    }
}
