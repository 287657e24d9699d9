//! Workers: registration, lookup by resident ID or phone (through keyed hashes only), and the
//! ingest's hash-to-id resolution.

use super::{KEYS_PER_LOOKUP, check_code, check_text};
use crate::backend::{BatchTx, Sql, Tx};
use crate::ids::{Hash32, WorkerId, check_phone, check_resident_id, mask_phone, month_code, month_from_code};
use crate::log::entry::{Record, WorkerRow, pack, row_hash};
use crate::model::{NewWorker, Sex, Worker};
use crate::store::WORKER_CACHE_MAX;
use crate::{Result, Store, StoreError};
use flexpension_rules::YearMonth;
use flexpension_rules::checkdigit::mask;
use std::collections::HashMap;

const WORKER_COLUMNS: &str = "w.id, w.id_masked, w.birth_month, w.sex, w.name, w.phone_masked, w.hukou_region, w.hukou_province, g.code";

/// The columns of `WORKER_COLUMNS`, in order.
type WorkerCols = (i64, String, i32, String, String, String, String, Option<String>, String);

fn worker_from((id, id_masked, birth, sex, name, phone_masked, hukou_region, hukou_province, home_grid): WorkerCols) -> Result<Worker> {
    Ok(Worker {
        id: WorkerId(id),
        id_masked,
        birth_month: month_from_code(birth).ok_or_else(|| StoreError::Corrupt(format!("birth month {birth}")))?,
        sex: Sex::parse(&sex),
        name,
        phone_masked,
        hukou_region,
        hukou_province,
        home_grid,
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
    /// The province the hukou lies in (from a division code's prefix, or a region code that is a
    /// province code).
    pub hukou_province: Option<String>,
    pub home_grid: String,
    /// The salt and commitment the log knows the worker's ID by.
    pub id_salt: [u8; 32],
    pub id_commit: flexpension_tlog::Hash,
}

/// Registration inside an open transaction.
impl Tx {
    /// Insert a checked worker registered at `at_us`; refuses an unknown region (a division code
    /// needs none) or grid and a resident ID already registered. Returns the new id.
    pub(crate) async fn insert_worker(&mut self, c: &CheckedWorker, at_us: i64) -> Result<i64> {
        let region: Option<i64> = if super::is_division(&c.hukou_region) {
            Some(1)
        } else {
            Sql::new("SELECT CAST(1 AS BIGINT) FROM regions WHERE code = $1").bind(&c.hukou_region).scalar_optional(&mut *self).await?
        };
        if region.is_none() {
            return Err(StoreError::NotFound { what: "region", key: c.hukou_region.clone() });
        }
        let grid: Option<i64> = Sql::new("SELECT id FROM grids WHERE code = $1").bind(&c.home_grid).scalar_optional(&mut *self).await?;
        let Some(grid) = grid else {
            return Err(StoreError::NotFound { what: "grid", key: c.home_grid.clone() });
        };
        let id: Option<i64> = Sql::new(
            "INSERT INTO workers (id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, hukou_region, home_grid_id, \
             created_at_us, id_salt, id_commit, hukou_province) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id_hash) DO NOTHING RETURNING id",
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
        .bind(at_us)
        .bind(c.id_salt.to_vec())
        .bind(c.id_commit.0.to_vec())
        .bind(c.hukou_province.as_deref())
        .scalar_optional(self)
        .await?;
        id.ok_or_else(|| StoreError::Exists { what: "worker with this resident ID", key: c.id_masked.clone() })
    }

    /// Log newly registered workers (id, ID commitment, hukou region) as one batch entry at
    /// `at_us`, in the transaction that registered them.
    pub(crate) async fn log_workers(&mut self, rows: &[(i64, flexpension_tlog::Hash, String)], at_us: i64) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let wr: Vec<WorkerRow> =
            rows.iter().map(|(w, c, r)| WorkerRow { worker: *w, id_commit: c.to_hex(), hukou_region: r.clone() }).collect();
        let hashes: Vec<flexpension_tlog::Hash> = wr.iter().map(row_hash).collect();
        let rec = Record::new("workers", at_us, serde_json::json!({"workers": rows.len()})).with_rows(&hashes);
        let idx = self.log_append(&rec, Some(pack(&hashes))).await?;
        // The ids are numbers the database just gave out, never input.
        let ids: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        Sql::built(format!("UPDATE workers SET log_idx = $1 WHERE id IN ({})", ids.join(","))).bind(idx).execute(self).await?;
        Ok(())
    }
}

impl Store {
    /// Check a new worker: resident ID (GB 11643), phone, name, and that region and grid exist.
    pub(crate) fn check_worker(&self, w: &NewWorker) -> Result<CheckedWorker> {
        let id_salt = crate::ids::random32().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        self.check_worker_salted(w, id_salt)
    }

    /// [`Store::check_worker`] with the salt of the ID commitment given (fresh OS randomness,
    /// drawn for many rows at once by the import).
    pub(crate) fn check_worker_salted(&self, w: &NewWorker, id_salt: [u8; 32]) -> Result<CheckedWorker> {
        let (id, birth) =
            check_resident_id(&w.id_number).map_err(|r| StoreError::invalid("id_number", format!("not a valid resident ID: {r}")))?;
        let phone = check_phone(&w.phone).map_err(|r| StoreError::invalid("phone", r))?;
        // The 17th character is odd for men, even for women (GB 11643).
        let sex = if (id.as_bytes()[16] - b'0').is_multiple_of(2) { Sex::Female } else { Sex::Male };
        let hukou_region = check_code("hukou_region", &w.hukou_region)?;
        Ok(CheckedWorker {
            id_salt,
            id_commit: crate::log::entry::id_commitment(&id_salt, &id),
            id_hash: self.pepper().resident_id(id.as_bytes()),
            id_masked: mask(&id),
            birth_month: month_code(YearMonth::of_date(birth)),
            sex,
            name: check_text("name", &w.name, 100)?,
            phone_hash: self.pepper().phone(phone.as_bytes()),
            phone_masked: mask_phone(&phone),
            hukou_province: super::hukou_province(&hukou_region)?,
            hukou_region,
            home_grid: check_code("home_grid", &w.home_grid)?,
        })
    }

    /// Register a worker. No labour contract is asked for: the resident ID, a phone and the
    /// home grid are enough. The same resident ID twice is [`StoreError::Exists`].
    pub async fn add_worker(&self, w: &NewWorker) -> Result<Worker> {
        let c = self.check_worker(w)?;
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        let id = tx.insert_worker(&c, at).await?;
        tx.log_workers(&[(id, c.id_commit, c.hukou_region.clone())], at).await?;
        tx.commit().await?;
        self.worker(WorkerId(id)).await?.ok_or_else(|| StoreError::Corrupt("a worker just added is missing".into()))
    }

    pub async fn worker(&self, id: WorkerId) -> Result<Option<Worker>> {
        let sql = format!("SELECT {WORKER_COLUMNS} FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.id = $1");
        Sql::built(sql).bind(id.0).fetch_optional(self.db()).await?.map(worker_from).transpose()
    }

    /// Find a worker by resident ID (hashed with the pepper; the clear number goes nowhere).
    pub async fn find_worker(&self, id_number: &str) -> Result<Option<Worker>> {
        let (id, _) =
            check_resident_id(id_number).map_err(|r| StoreError::invalid("id_number", format!("not a valid resident ID: {r}")))?;
        let hash = self.pepper().resident_id(id.as_bytes()).to_vec();
        let sql = format!("SELECT {WORKER_COLUMNS} FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.id_hash = $1");
        Sql::built(sql).bind(hash).fetch_optional(self.db()).await?.map(worker_from).transpose()
    }

    /// Workers registered with this phone number (a phone may be shared in a family).
    pub async fn find_workers_by_phone(&self, phone: &str) -> Result<Vec<Worker>> {
        let digits = check_phone(phone).map_err(|r| StoreError::invalid("phone", r))?;
        let hash = self.pepper().phone(digits.as_bytes()).to_vec();
        let sql =
            format!("SELECT {WORKER_COLUMNS} FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.phone_hash = $1 ORDER BY w.id");
        Sql::built(sql).bind(hash).fetch_all(self.db()).await?.into_iter().map(worker_from).collect()
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
