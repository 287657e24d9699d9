//! The registry: regions, grids, platforms with their API keys, and workers.

use crate::backend::{BatchTx, in_tx, with_pool};
use crate::ids::{ApiKey, GridId, Hash32, PlatformId, WorkerId, check_phone, check_resident_id, mask_phone, month_code, month_from_code};
use crate::model::{Grid, NewGrid, NewPlatform, NewWorker, Platform, Region, RevenueBand, Sex, Worker};
use crate::store::WORKER_CACHE_MAX;
use crate::{Result, Store, StoreError};
use flexpension_rules::YearMonth;
use flexpension_rules::checkdigit::{mask, uscc};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// Lookups per statement when resolving many hashes or codes at once.
const KEYS_PER_LOOKUP: usize = 500;

pub(crate) fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn check_text(field: &'static str, s: &str, max: usize) -> Result<String> {
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

fn check_code(field: &'static str, s: &str) -> Result<String> {
    let t = check_text(field, s, 64)?;
    if !t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(StoreError::invalid(field, "use letters, digits, '-', '_' and '.' only"));
    }
    Ok(t)
}

/// `IN ($first, ..., $first+n-1)`.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 6);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('$');
        s.push_str(&(first + i).to_string());
    }
    s
}

const WORKER_COLUMNS: &str = "w.id, w.id_masked, w.birth_month, w.sex, w.name, w.phone_masked, w.hukou_region, g.code";

fn worker_from_row<R: Row>(r: &R) -> Result<Worker>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Type<R::Database> + for<'d> sqlx::Decode<'d, R::Database>,
    i32: sqlx::Type<R::Database> + for<'d> sqlx::Decode<'d, R::Database>,
    String: sqlx::Type<R::Database> + for<'d> sqlx::Decode<'d, R::Database>,
{
    let birth: i32 = r.try_get(2)?;
    let sex: String = r.try_get(3)?;
    Ok(Worker {
        id: WorkerId(r.try_get(0)?),
        id_masked: r.try_get(1)?,
        birth_month: month_from_code(birth).ok_or_else(|| StoreError::Corrupt(format!("birth month {birth}")))?,
        sex: Sex::parse(&sex),
        name: r.try_get(4)?,
        phone_masked: r.try_get(5)?,
        hukou_region: r.try_get(6)?,
        home_grid: r.try_get(7)?,
    })
}

/// A checked new worker, with the personal numbers already hashed.
pub(crate) struct CheckedWorker {
    pub id_hash: Hash32,
    pub id_masked: String,
    pub birth_month: i32,
    pub sex: Sex,
    pub name: String,
    pub phone_hash: Hash32,
    pub phone_masked: String,
    pub hukou_region: String,
    pub home_grid: String,
}

/// Insert a checked worker inside an open transaction; refuses unknown region or grid and a
/// resident ID already registered. Evaluates to `Result<i64>` (the new id).
macro_rules! insert_worker {
    ($tx:ident, $c:expr) => {
        async {
            let c = &$c;
            let region: Option<i64> =
                sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM regions WHERE code = $1").bind(&c.hukou_region).fetch_optional(&mut *$tx).await?;
            if region.is_none() {
                return Err($crate::StoreError::NotFound { what: "region", key: c.hukou_region.clone() });
            }
            let grid: Option<i64> =
                sqlx::query_scalar("SELECT id FROM grids WHERE code = $1").bind(&c.home_grid).fetch_optional(&mut *$tx).await?;
            let Some(grid) = grid else {
                return Err($crate::StoreError::NotFound { what: "grid", key: c.home_grid.clone() });
            };
            let r = sqlx::query_scalar(
                "INSERT INTO workers (id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, hukou_region, home_grid_id, created_at_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id_hash) DO NOTHING RETURNING id",
            )
            .bind(c.id_hash.to_vec())
            .bind(&c.id_masked)
            .bind(c.birth_month)
            .bind(c.sex.as_str())
            .bind(&c.name)
            .bind(c.phone_hash.to_vec())
            .bind(&c.phone_masked)
            .bind(&c.hukou_region)
            .bind(grid)
            .bind($crate::registry::now_us())
            .fetch_optional(&mut *$tx)
            .await?;
            r.ok_or_else(|| $crate::StoreError::Exists { what: "worker with this resident ID", key: c.id_masked.clone() })
        }
        .await
    };
}
pub(crate) use insert_worker;

impl Store {
    // ---- regions and grids ----

    /// Add an insurance region; adding the same code and name again is a no-op.
    pub async fn add_region(&self, code: &str, name: &str) -> Result<Region> {
        let code = check_code("code", code)?;
        let name = check_text("name", name, 100)?;
        let existing: Option<String> = with_pool!(&self.inner.backend, p => {
            sqlx::query("INSERT INTO regions (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING")
                .bind(&code)
                .bind(&name)
                .execute(p)
                .await?;
            sqlx::query_scalar("SELECT name FROM regions WHERE code = $1").bind(&code).fetch_optional(p).await?
        });
        match existing {
            Some(n) if n == name => Ok(Region { code, name }),
            _ => Err(StoreError::Exists { what: "region", key: code }),
        }
    }

    pub async fn regions(&self) -> Result<Vec<Region>> {
        let rows: Vec<(String, String)> = with_pool!(&self.inner.backend, p => {
            sqlx::query_as("SELECT code, name FROM regions ORDER BY code").fetch_all(p).await?
        });
        Ok(rows.into_iter().map(|(code, name)| Region { code, name }).collect())
    }

    /// Add a grid cell of a known region. Grid codes are unique across regions.
    pub async fn add_grid(&self, g: &NewGrid) -> Result<Grid> {
        let code = check_code("code", &g.code)?;
        let name = check_text("name", &g.name, 100)?;
        let region = check_code("region", &g.region)?;
        let r: std::result::Result<i64, sqlx::Error> = with_pool!(&self.inner.backend, p => {
            let known: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM regions WHERE code = $1").bind(&region).fetch_optional(p).await?;
            if known.is_none() {
                return Err(StoreError::NotFound { what: "region", key: region });
            }
            sqlx::query_scalar("INSERT INTO grids (code, name, region_code) VALUES ($1, $2, $3) RETURNING id")
                .bind(&code)
                .bind(&name)
                .bind(&region)
                .fetch_one(p)
                .await
        });
        match r {
            Ok(id) => Ok(Grid { id: GridId(id), code, name, region }),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Exists { what: "grid", key: code }),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn grids(&self, region: Option<&str>) -> Result<Vec<Grid>> {
        let rows: Vec<(i64, String, String, String)> = with_pool!(&self.inner.backend, p => {
            sqlx::query_as("SELECT id, code, name, region_code FROM grids WHERE $1 IS NULL OR region_code = $1 ORDER BY code")
                .bind(region)
                .fetch_all(p)
                .await?
        });
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

    // ---- platforms ----

    /// Register a platform; returns it with its first API key (the only time the key is shown).
    pub async fn add_platform(&self, np: &NewPlatform) -> Result<(Platform, ApiKey)> {
        let name = check_text("name", &np.name, 200)?;
        let code = np.uscc.trim().to_ascii_uppercase();
        uscc(&code).map_err(|r| StoreError::invalid("uscc", format!("not a valid unified social credit code: {r}")))?;
        let key = ApiKey::generate().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        let hash = ApiKey::hash(key.expose());
        let at = now_us();
        let r: std::result::Result<i64, sqlx::Error> = in_tx!(&self.inner.backend, tx => {
            async {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO platforms (name, uscc, revenue_band, injury_high_level, created_at_us) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&name)
                .bind(&code)
                .bind(np.revenue_band.as_str())
                .bind(np.injury_high_level)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO api_keys (key_hash, platform_id, created_at_us) VALUES ($1, $2, $3)")
                    .bind(&hash)
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                Ok::<i64, sqlx::Error>(id)
            }
            .await
        });
        match r {
            Ok(id) => Ok((
                Platform { id: PlatformId(id), name, uscc: code, revenue_band: np.revenue_band, injury_high_level: np.injury_high_level },
                key,
            )),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Exists { what: "platform with this credit code", key: code }),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn platform(&self, id: PlatformId) -> Result<Option<Platform>> {
        let row: Option<(i64, String, String, String, bool)> = with_pool!(&self.inner.backend, p => {
            sqlx::query_as("SELECT id, name, uscc, revenue_band, injury_high_level FROM platforms WHERE id = $1")
                .bind(id.0)
                .fetch_optional(p)
                .await?
        });
        row.map(platform_from).transpose()
    }

    pub async fn platforms(&self) -> Result<Vec<Platform>> {
        let rows: Vec<(i64, String, String, String, bool)> = with_pool!(&self.inner.backend, p => {
            sqlx::query_as("SELECT id, name, uscc, revenue_band, injury_high_level FROM platforms ORDER BY id").fetch_all(p).await?
        });
        rows.into_iter().map(platform_from).collect()
    }

    /// The platform an API key belongs to (None for an unknown or revoked key). Looked up by
    /// the key's SHA-256, so no comparison of secrets happens here.
    pub async fn platform_by_api_key(&self, key: &str) -> Result<Option<Platform>> {
        let hash = ApiKey::hash(key);
        let id: Option<i64> = with_pool!(&self.inner.backend, p => {
            sqlx::query_scalar("SELECT platform_id FROM api_keys WHERE key_hash = $1 AND revoked_at_us IS NULL")
                .bind(&hash)
                .fetch_optional(p)
                .await?
        });
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
        let at = now_us();
        let r: Result<()> = in_tx!(&self.inner.backend, tx => {
            async {
                if revoke_others {
                    sqlx::query("UPDATE api_keys SET revoked_at_us = $2 WHERE platform_id = $1 AND revoked_at_us IS NULL")
                        .bind(platform.0)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("INSERT INTO api_keys (key_hash, platform_id, created_at_us) VALUES ($1, $2, $3)")
                    .bind(&hash)
                    .bind(platform.0)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                Ok::<(), StoreError>(())
            }
            .await
        });
        r.map(|_| key)
    }

    // ---- workers ----

    /// Check a new worker: resident ID (GB 11643), phone, name, and that region and grid exist.
    pub(crate) fn check_worker(&self, w: &NewWorker) -> Result<CheckedWorker> {
        let (id, birth) =
            check_resident_id(&w.id_number).map_err(|r| StoreError::invalid("id_number", format!("not a valid resident ID: {r}")))?;
        let phone = check_phone(&w.phone).map_err(|r| StoreError::invalid("phone", r))?;
        // The 17th character is odd for men, even for women (GB 11643).
        let sex = if (id.as_bytes()[16] - b'0').is_multiple_of(2) { Sex::Female } else { Sex::Male };
        Ok(CheckedWorker {
            id_hash: self.pepper().resident_id(id.as_bytes()),
            id_masked: mask(&id),
            birth_month: month_code(YearMonth::of_date(birth)),
            sex,
            name: check_text("name", &w.name, 100)?,
            phone_hash: self.pepper().phone(phone.as_bytes()),
            phone_masked: mask_phone(&phone),
            hukou_region: check_code("hukou_region", &w.hukou_region)?,
            home_grid: check_code("home_grid", &w.home_grid)?,
        })
    }

    /// Register a worker. No labour contract is asked for: the resident ID, a phone and the
    /// home grid are enough. The same resident ID twice is [`StoreError::Exists`].
    pub async fn add_worker(&self, w: &NewWorker) -> Result<Worker> {
        let c = self.check_worker(w)?;
        let r: Result<i64> = in_tx!(&self.inner.backend, tx => insert_worker!(tx, c));
        let id = r?;
        self.worker(WorkerId(id)).await?.ok_or_else(|| StoreError::Corrupt("a worker just added is missing".into()))
    }

    pub async fn worker(&self, id: WorkerId) -> Result<Option<Worker>> {
        let sql = format!("SELECT {WORKER_COLUMNS} FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.id = $1");
        with_pool!(&self.inner.backend, p => {
            let row = sqlx::query(AssertSqlSafe(sql)).bind(id.0).fetch_optional(p).await?;
            row.as_ref().map(worker_from_row).transpose()
        })
    }

    /// Find a worker by resident ID (hashed with the pepper; the clear number goes nowhere).
    pub async fn find_worker(&self, id_number: &str) -> Result<Option<Worker>> {
        let (id, _) =
            check_resident_id(id_number).map_err(|r| StoreError::invalid("id_number", format!("not a valid resident ID: {r}")))?;
        let hash = self.pepper().resident_id(id.as_bytes()).to_vec();
        let sql = format!("SELECT {WORKER_COLUMNS} FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.id_hash = $1");
        with_pool!(&self.inner.backend, p => {
            let row = sqlx::query(AssertSqlSafe(sql)).bind(hash).fetch_optional(p).await?;
            row.as_ref().map(worker_from_row).transpose()
        })
    }

    /// Workers registered with this phone number (a phone may be shared in a family).
    pub async fn find_workers_by_phone(&self, phone: &str) -> Result<Vec<Worker>> {
        let digits = check_phone(phone).map_err(|r| StoreError::invalid("phone", r))?;
        let hash = self.pepper().phone(digits.as_bytes()).to_vec();
        let sql =
            format!("SELECT {WORKER_COLUMNS} FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.phone_hash = $1 ORDER BY w.id");
        with_pool!(&self.inner.backend, p => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(hash).fetch_all(p).await?;
            rows.iter().map(worker_from_row).collect()
        })
    }

    /// Keyed ID hashes -> worker ids (None when unknown), through the in-process cache.
    pub(crate) async fn resolve_workers(&self, tx: &mut BatchTx, ids: &[(Hash32, String)]) -> Result<Vec<Option<i64>>> {
        let mut out = vec![None; ids.len()];
        let mut missing = Vec::new();
        {
            let cache = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner());
            for (i, (h, _)) in ids.iter().enumerate() {
                match cache.get(h) {
                    Some(&w) => out[i] = Some(w),
                    None => missing.push(i),
                }
            }
        }
        for part in missing.chunks(KEYS_PER_LOOKUP) {
            let keys: Vec<&[u8]> = part.iter().map(|&i| &ids[i].0[..]).collect();
            let found: HashMap<Vec<u8>, i64> = tx.worker_ids(&keys).await?.into_iter().collect();
            let mut cache = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() + found.len() > WORKER_CACHE_MAX {
                cache.clear();
            }
            for &i in part {
                if let Some(&w) = found.get(&ids[i].0[..]) {
                    out[i] = Some(w);
                    cache.insert(ids[i].0, w);
                }
            }
        }
        Ok(out)
    }
}

fn platform_from((id, name, uscc, band, high): (i64, String, String, String, bool)) -> Result<Platform> {
    let revenue_band: RevenueBand = band.parse().map_err(StoreError::Corrupt)?;
    Ok(Platform { id: PlatformId(id), name, uscc, revenue_band, injury_high_level: high })
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
