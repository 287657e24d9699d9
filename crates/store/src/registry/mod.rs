//! The registry: regions and grids here; platforms with their API keys and workers in the
//! submodules.

mod hukou;
mod platforms;
mod workers;

pub(crate) use hukou::{hukou_province, is_division};
pub(crate) use workers::CheckedWorker;

use crate::backend::{BatchTx, Sql};
use crate::ids::GridId;
use crate::model::{Grid, NewGrid, Region};
use crate::{Result, Store, StoreError};
use std::collections::HashMap;

/// Lookups per statement when resolving many hashes or codes at once.
pub(crate) const KEYS_PER_LOOKUP: usize = 500;

pub(crate) fn check_text(field: &'static str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(StoreError::invalid(field, "is empty"));
    }
    if t.chars().count() > max {
        return Err(StoreError::invalid(field, format!("is longer than {max} characters")));
    }
    if t.chars().any(char::is_control) {
        return Err(StoreError::invalid(field, "has control characters"));
    }
    Ok(t.to_string())
}

pub(crate) fn check_code(field: &'static str, s: &str) -> Result<String> {
    let t = check_text(field, s, 64)?;
    if !t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(StoreError::invalid(field, "use letters, digits, '-', '_' and '.' only"));
    }
    Ok(t)
}

impl Store {
    /// Add an insurance region; adding the same code and name again is a no-op.
    pub async fn add_region(&self, code: &str, name: &str) -> Result<Region> {
        let code = check_code("code", code)?;
        let name = check_text("name", name, 100)?;
        Sql::new("INSERT INTO regions (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING")
            .bind(&code)
            .bind(&name)
            .execute(self.db())
            .await?;
        let existing: Option<String> = Sql::new("SELECT name FROM regions WHERE code = $1").bind(&code).scalar_optional(self.db()).await?;
        match existing {
            Some(n) if n == name => Ok(Region { code, name }),
            _ => Err(StoreError::Exists { what: "region", key: code }),
        }
    }

    pub async fn regions(&self) -> Result<Vec<Region>> {
        let rows: Vec<(String, String)> = Sql::new("SELECT code, name FROM regions ORDER BY code").fetch_all(self.db()).await?;
        Ok(rows.into_iter().map(|(code, name)| Region { code, name }).collect())
    }

    /// Add a grid cell of a known region. Grid codes are unique across regions.
    pub async fn add_grid(&self, g: &NewGrid) -> Result<Grid> {
        let code = check_code("code", &g.code)?;
        let name = check_text("name", &g.name, 100)?;
        let region = check_code("region", &g.region)?;
        let known: Option<i64> =
            Sql::new("SELECT CAST(1 AS BIGINT) FROM regions WHERE code = $1").bind(&region).scalar_optional(self.db()).await?;
        if known.is_none() {
            return Err(StoreError::NotFound { what: "region", key: region });
        }
        let r = Sql::new("INSERT INTO grids (code, name, region_code) VALUES ($1, $2, $3) RETURNING id")
            .bind(&code)
            .bind(&name)
            .bind(&region)
            .scalar(self.db())
            .await;
        match r {
            Ok(id) => Ok(Grid { id: GridId(id), code, name, region }),
            Err(e) if e.is_unique_violation() => Err(StoreError::Exists { what: "grid", key: code }),
            Err(e) => Err(e),
        }
    }

    pub async fn grids(&self, region: Option<&str>) -> Result<Vec<Grid>> {
        let rows: Vec<(i64, String, String, String)> =
            Sql::new("SELECT id, code, name, region_code FROM grids WHERE $1 IS NULL OR region_code = $1 ORDER BY code")
                .bind(region)
                .fetch_all(self.db())
                .await?;
        Ok(rows.into_iter().map(|(id, code, name, region)| Grid { id: GridId(id), code, name, region }).collect())
    }

    /// Grid codes -> ids (None when unknown), through the in-process cache.
    pub(crate) async fn resolve_grids(&self, tx: &mut BatchTx, codes: &[String]) -> Result<Vec<Option<i64>>> {
        let mut out = vec![None; codes.len()];
        let mut missing = Vec::new();
        {
            let cache = self.inner.grids.lock().unwrap_or_else(|e| e.into_inner());
            for (i, c) in codes.iter().enumerate() {
                match cache.get(c) {
                    Some(&id) => out[i] = Some(id),
                    None => missing.push(i),
                }
            }
        }
        for part in missing.chunks(KEYS_PER_LOOKUP) {
            let keys: Vec<&str> = part.iter().map(|&i| codes[i].as_str()).collect();
            let found: HashMap<String, i64> = tx.grid_ids(&keys).await?.into_iter().collect();
            let mut cache = self.inner.grids.lock().unwrap_or_else(|e| e.into_inner());
            for &i in part {
                if let Some(&id) = found.get(&codes[i]) {
                    out[i] = Some(id);
                    cache.insert(codes[i].clone(), id);
                }
            }
        }
        Ok(out)
    }
}
