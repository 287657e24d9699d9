//! Platforms and their API keys.

use super::check_text;
use crate::backend::Sql;
use crate::ids::{ApiKey, PlatformId};
use crate::model::{NewPlatform, Platform, RevenueBand};
use crate::{Result, Store, StoreError};
use flexpension_rules::checkdigit::uscc;

impl Store {
    /// Register a platform; returns it with its first API key (the only time the key is shown).
    pub async fn add_platform(&self, np: &NewPlatform) -> Result<(Platform, ApiKey)> {
        let name = check_text("name", &np.name, 200)?;
        let code = np.uscc.trim().to_ascii_uppercase();
        uscc(&code).map_err(|r| StoreError::invalid("uscc", format!("not a valid unified social credit code: {r}")))?;
        let key = ApiKey::generate().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        let hash = ApiKey::hash(key.expose());
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        let added = Sql::new(
            "INSERT INTO platforms (name, uscc, revenue_band, injury_high_level, created_at_us) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&name)
        .bind(&code)
        .bind(np.revenue_band.as_str())
        .bind(np.injury_high_level)
        .bind(at)
        .scalar(&mut tx)
        .await;
        let id = match added {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => return Err(StoreError::Exists { what: "platform with this credit code", key: code }),
            Err(e) => return Err(e),
        };
        Sql::new("INSERT INTO api_keys (key_hash, platform_id, created_at_us) VALUES ($1, $2, $3)")
            .bind(hash)
            .bind(id)
            .bind(at)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        let platform =
            Platform { id: PlatformId(id), name, uscc: code, revenue_band: np.revenue_band, injury_high_level: np.injury_high_level };
        Ok((platform, key))
    }

    pub async fn platform(&self, id: PlatformId) -> Result<Option<Platform>> {
        let row: Option<(i64, String, String, String, bool)> =
            Sql::new("SELECT id, name, uscc, revenue_band, injury_high_level FROM platforms WHERE id = $1")
                .bind(id.0)
                .fetch_optional(self.db())
                .await?;
        row.map(platform_from).transpose()
    }

    pub async fn platforms(&self) -> Result<Vec<Platform>> {
        let rows: Vec<(i64, String, String, String, bool)> =
            Sql::new("SELECT id, name, uscc, revenue_band, injury_high_level FROM platforms ORDER BY id").fetch_all(self.db()).await?;
        rows.into_iter().map(platform_from).collect()
    }

    /// The platform an API key belongs to (None for an unknown or revoked key). Looked up by
    /// the key's SHA-256, so no comparison of secrets happens here.
    pub async fn platform_by_api_key(&self, key: &str) -> Result<Option<Platform>> {
        let hash = ApiKey::hash(key);
        let id: Option<i64> = Sql::new("SELECT platform_id FROM api_keys WHERE key_hash = $1 AND revoked_at_us IS NULL")
            .bind(hash)
            .scalar_optional(self.db())
            .await?;
        match id {
            Some(id) => self.platform(PlatformId(id)).await,
            None => Ok(None),
        }
    }

    /// A new API key for a platform; with `revoke_others`, its earlier keys stop working.
    pub async fn new_api_key(&self, platform: PlatformId, revoke_others: bool) -> Result<ApiKey> {
        if self.platform(platform).await?.is_none() {
            return Err(StoreError::NotFound { what: "platform", key: platform.to_string() });
        }
        let key = ApiKey::generate().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        let hash = ApiKey::hash(key.expose());
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        if revoke_others {
            Sql::new("UPDATE api_keys SET revoked_at_us = $2 WHERE platform_id = $1 AND revoked_at_us IS NULL")
                .bind(platform.0)
                .bind(at)
                .execute(&mut tx)
                .await?;
        }
        Sql::new("INSERT INTO api_keys (key_hash, platform_id, created_at_us) VALUES ($1, $2, $3)")
            .bind(hash)
            .bind(platform.0)
            .bind(at)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(key)
    }
}

fn platform_from((id, name, uscc, band, high): (i64, String, String, String, bool)) -> Result<Platform> {
    let revenue_band: RevenueBand = band.parse().map_err(StoreError::Corrupt)?;
    Ok(Platform { id: PlatformId(id), name, uscc, revenue_band, injury_high_level: high })
}
