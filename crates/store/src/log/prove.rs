//! Reading the log: checkpoints, proofs, tiles, entry bundles, and self-contained proof bundles
//! for one record.

use super::entry::{JournalRow, OrderRow, Record, WorkerRow, row_bytes, row_hash, unpack};
use super::integrate::to_hash;
use crate::backend::Sql;
use crate::{PlatformId, Result, StoreError, WorkerId};
use flexpension_tlog::{Hash, HashReader, Tile, TlogError, inclusion_proof_of, prove_record, prove_tree, read_tile_data, tree_hash};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;

use super::bundle::{BundleProof, ProofBundle, RowProof, WorkerOpening};

/// Serves stored hashes from a map; a missing one is an error, never a zero hash.
pub(crate) struct MapReader<'a>(pub &'a HashMap<u64, Hash>);

impl HashReader for MapReader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> std::result::Result<Vec<Hash>, TlogError> {
        indexes.iter().map(|i| self.0.get(i).copied().ok_or(TlogError::MissingHash { index: *i, have: self.0.len() as u64 })).collect()
    }
}

/// Notes which hashes an algorithm asks for. The proof algorithms choose indexes from the
/// sizes alone, so a dry run with zero hashes learns them all; one query then fetches them.
#[derive(Default)]
struct Recorder(RefCell<Vec<u64>>);

impl HashReader for Recorder {
    fn read_hashes(&self, indexes: &[u64]) -> std::result::Result<Vec<Hash>, TlogError> {
        self.0.borrow_mut().extend_from_slice(indexes);
        Ok(vec![Hash::default(); indexes.len()])
    }
}

fn tlog(e: TlogError) -> StoreError {
    StoreError::Corrupt(format!("log: {e}"))
}

/// A voucher as issued: its signed note and its log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherRecord {
    pub id: String,
    pub worker: i64,
    pub note: String,
    pub log_idx: u64,
}

impl crate::Store {
    /// Run `f` over the stored hashes it needs, fetched in one query.
    async fn with_hashes<T>(&self, f: impl Fn(&dyn HashReader) -> std::result::Result<T, TlogError>) -> Result<T> {
        let rec = Recorder::default();
        let _ = f(&rec);
        let mut want = rec.0.into_inner();
        want.sort_unstable();
        want.dedup();
        let map = self.read_hashes(&want).await?;
        f(&MapReader(&map)).map_err(tlog)
    }

    async fn read_hashes(&self, ids: &[u64]) -> Result<HashMap<u64, Hash>> {
        let mut map = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT id, hash FROM log_hashes WHERE id IN ({})",
                chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
            );
            let rows: Vec<(i64, Vec<u8>)> = Sql::built(sql).fetch_all(self.db()).await?;
            for (id, h) in rows {
                map.insert(id as u64, to_hash(&h, id)?);
            }
        }
        Ok(map)
    }

    /// The latest signed checkpoint (with the cosignatures collected so far): (size, note).
    pub async fn log_checkpoint(&self) -> Result<Option<(u64, String)>> {
        let row: Option<(i64, String)> =
            Sql::new("SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1").fetch_optional(self.db()).await?;
        Ok(row.map(|(s, n)| (s as u64, n)))
    }

    /// The latest checkpoint that `quorum` witnesses have cosigned, if any.
    pub async fn log_cosigned_checkpoint(&self, quorum: usize) -> Result<Option<(u64, String)>> {
        let row: Option<(i64, String)> = Sql::new("SELECT size, note FROM log_checkpoints WHERE cosigned >= $1 ORDER BY size DESC LIMIT 1")
            .bind(quorum as i32)
            .fetch_optional(self.db())
            .await?;
        Ok(row.map(|(s, n)| (s as u64, n)))
    }

    /// The signed checkpoint of one size.
    pub async fn log_checkpoint_at(&self, size: u64) -> Result<Option<String>> {
        Sql::new("SELECT note FROM log_checkpoints WHERE size = $1").bind(size as i64).scalar_optional(self.db()).await
    }

    /// Entries integrated into the tree so far.
    pub async fn log_integrated(&self) -> Result<u64> {
        let n: i64 = Sql::new("SELECT integrated FROM log_head WHERE id = 1").scalar(self.db()).await?;
        Ok(n as u64)
    }

    async fn check_size(&self, size: u64) -> Result<()> {
        let n = self.log_integrated().await?;
        if size > n {
            return Err(StoreError::invalid("size", format!("the tree has {n} entries integrated; {size} is beyond it")));
        }
        Ok(())
    }

    /// The root of the tree of `size` entries (any size up to the integrated one).
    pub async fn log_root(&self, size: u64) -> Result<Hash> {
        self.check_size(size).await?;
        if size == 0 {
            return Ok(flexpension_tlog::empty_root());
        }
        self.with_hashes(|r| tree_hash(size, r)).await
    }

    /// An entry's bytes.
    pub async fn log_entry(&self, index: u64) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
        let row: Option<(Vec<u8>, Option<Vec<u8>>)> =
            Sql::new("SELECT body, rows FROM log_entries WHERE idx = $1").bind(index as i64).fetch_optional(self.db()).await?;
        row.ok_or_else(|| StoreError::NotFound { what: "log entry", key: index.to_string() })
    }

    /// The inclusion proof of entry `index` in the tree of `size`: (leaf hash, root, proof).
    pub async fn log_inclusion(&self, index: u64, size: u64) -> Result<(Hash, Hash, Vec<Hash>)> {
        self.check_size(size).await?;
        if index >= size {
            return Err(StoreError::invalid("index", format!("entry {index} is not in a tree of {size}")));
        }
        let (body, _) = self.log_entry(index).await?;
        let (root, proof) = self.with_hashes(|r| Ok((tree_hash(size, r)?, prove_record(size, index, r)?))).await?;
        Ok((flexpension_tlog::leaf_hash(&body), root, proof))
    }

    /// The consistency proof between the trees of `old` and `new` entries: (old root, new
    /// root, proof).
    pub async fn log_consistency(&self, old: u64, new: u64) -> Result<(Hash, Hash, Vec<Hash>)> {
        self.check_size(new).await?;
        if old > new {
            return Err(StoreError::invalid("old", format!("{old} is larger than the new size {new}")));
        }
        let empty = flexpension_tlog::empty_root();
        self.with_hashes(|r| {
            let old_root = if old == 0 { empty } else { tree_hash(old, r)? };
            let new_root = if new == 0 { empty } else { tree_hash(new, r)? };
            let proof = if old == 0 || old == new { Vec::new() } else { prove_tree(new, old, r)? };
            Ok((old_root, new_root, proof))
        })
        .await
    }

    /// A C2SP tlog-tiles hash tile (must lie within the latest checkpoint).
    pub async fn log_tile(&self, t: &Tile) -> Result<Vec<u8>> {
        let (size, _) = self.log_checkpoint().await?.ok_or_else(|| StoreError::NotFound { what: "checkpoint", key: "latest".into() })?;
        let end = (t.n * 256 + u64::from(t.w)) << (u32::from(t.l) * 8);
        if end > size {
            return Err(StoreError::NotFound { what: "tile", key: t.path() });
        }
        self.with_hashes(|r| read_tile_data(t, r)).await
    }

    /// The entries `first..first+count` (a tlog-tiles entry bundle's contents).
    pub async fn log_entries(&self, first: u64, count: u64) -> Result<Vec<Vec<u8>>> {
        let rows: Vec<(i64, Vec<u8>)> = Sql::new("SELECT idx, body FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
            .bind(first as i64)
            .bind((first + count) as i64)
            .fetch_all(self.db())
            .await?;
        if rows.len() as u64 != count {
            return Err(StoreError::NotFound { what: "log entries", key: format!("{first}+{count}") });
        }
        Ok(rows.into_iter().map(|(_, b)| b).collect())
    }

    /// One entry's proof to the tree of `size`, with the proof of row `row` of its batch tree.
    pub(crate) async fn bundle_proof(&self, what: &str, index: u64, size: u64, row: Option<(Vec<u8>, Hash)>) -> Result<BundleProof> {
        // `size` is a signed checkpoint's: the tree has it; only the entry must lie inside it.
        if index >= size {
            return Err(StoreError::NotFound { what: "cosigned checkpoint covering entry", key: index.to_string() });
        }
        let (body, rows) = self.log_entry(index).await?;
        let inclusion = self.with_hashes(|r| prove_record(size, index, r)).await?;
        let row = match row {
            None => None,
            Some((data, h)) => {
                let hashes =
                    rows.as_deref().and_then(unpack).ok_or_else(|| StoreError::Corrupt(format!("log entry {index} has no rows")))?;
                let pos = hashes
                    .iter()
                    .position(|x| *x == h)
                    .ok_or_else(|| StoreError::Corrupt(format!("the stored record differs from what log entry {index} holds")))?;
                let proof = inclusion_proof_of(&hashes, pos as u64).map_err(tlog)?;
                Some(RowProof {
                    index: pos as u64,
                    count: hashes.len() as u64,
                    data: String::from_utf8_lossy(&data).into_owned(),
                    proof: hex(&proof),
                })
            }
        };
        Ok(BundleProof { what: what.into(), index, entry: String::from_utf8_lossy(&body).into_owned(), inclusion: hex(&inclusion), row })
    }

    /// The checkpoint a bundle is proved against: the latest cosigned by `quorum` witnesses
    /// (or the latest, with no witnesses) that covers entry `need`.
    pub(crate) async fn bundle_checkpoint(&self, quorum: usize, need: u64) -> Result<(u64, String)> {
        let pick = if quorum == 0 { self.log_checkpoint().await? } else { self.log_cosigned_checkpoint(quorum).await? };
        match pick {
            Some((size, note)) if size > need => Ok((size, note)),
            _ => Err(StoreError::NotFound { what: "cosigned checkpoint covering entry", key: need.to_string() }),
        }
    }

    /// The worker's registration row proof and the opening of their ID commitment.
    pub(crate) async fn worker_part(&self, worker: i64, size: u64) -> Result<(BundleProof, WorkerOpening)> {
        type Row = (Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>, String, String);
        let row: Option<Row> = Sql::new("SELECT id_salt, id_commit, log_idx, hukou_region, id_masked FROM workers WHERE id = $1")
            .bind(worker)
            .fetch_optional(self.db())
            .await?;
        let Some((Some(salt), Some(commit), Some(idx), hukou_region, id_masked)) = row else {
            return Err(StoreError::NotFound { what: "logged worker", key: worker.to_string() });
        };
        let wr = WorkerRow { worker, id_commit: to_hash(&commit, worker)?.to_hex(), hukou_region };
        let h = row_hash(&wr);
        let proof = self.bundle_proof("worker", idx as u64, size, Some((row_bytes(&wr), h))).await?;
        Ok((proof, WorkerOpening { worker, id_salt: to_hash(&salt, worker)?.to_hex(), id_masked }))
    }

    /// A proof bundle for a worker's month close (their bill for `month`): the journal row, the
    /// worker's registration, the opening of their ID commitment, and the checkpoint.
    pub async fn bundle_worker_month(&self, worker: WorkerId, month: flexpension_rules::YearMonth, quorum: usize) -> Result<ProofBundle> {
        // The close that stands: after corrections (a reversal and a new close) the latest one.
        let entries = self.worker_entries(worker).await?;
        let e = entries
            .iter()
            .filter(|e| !e.id().reversal)
            .filter_map(|e| match e.id().subject {
                flexpension_ledger::Subject::Close { month: m, rev } if m == month => Some((rev, e)),
                _ => None,
            })
            .max_by_key(|(rev, _)| *rev)
            .map(|(_, e)| e)
            .ok_or_else(|| StoreError::NotFound { what: "month close", key: format!("{worker} {month}") })?;
        let entry_id = e.id().to_string();
        let idx: Option<Option<i64>> = Sql::new("SELECT log_idx FROM journal_entries WHERE worker_id = $1 AND entry_id = $2")
            .bind(worker.0)
            .bind(&entry_id)
            .scalar_optional(self.db())
            .await?;
        let idx =
            idx.flatten().ok_or_else(|| StoreError::NotFound { what: "logged month close", key: format!("{worker} {month}") })? as u64;
        let jr = JournalRow::of(e);
        let (size, checkpoint) = self.bundle_checkpoint(quorum, idx).await?;
        let record = self.bundle_proof("month_close", idx, size, Some((row_bytes(&jr), row_hash(&jr)))).await?;
        let (wp, opening) = self.worker_part(worker.0, size).await?;
        Ok(ProofBundle::new(&self.inner.log_keys.origin, checkpoint, vec![record, wp], Some(opening)))
    }

    /// A proof bundle for one order row of a platform (the platform's own evidence).
    pub async fn bundle_order(&self, platform: PlatformId, order_id: &str, quorum: usize) -> Result<ProofBundle> {
        type R = (i32, i64, i64, i64, i32, i64, i64, i64);
        let row: Option<R> = Sql::new("SELECT month, worker_id, amount_fen, settled_at_us, CAST(order_type AS INTEGER), grid_id, premium_fen, batch_id FROM earnings WHERE platform_id = $1 AND order_id = $2")
                .bind(platform.0)
                .bind(order_id)
                .fetch_optional(self.db()).await?;
        let (month, worker, amount_fen, settled_at_us, order_type, grid, premium_fen, batch) =
            row.ok_or_else(|| StoreError::NotFound { what: "order", key: order_id.to_string() })?;
        let idx: Option<Option<i64>> = Sql::new("SELECT log_idx FROM batches WHERE id = $1").bind(batch).scalar_optional(self.db()).await?;
        let idx = idx.flatten().ok_or_else(|| StoreError::NotFound { what: "logged batch", key: batch.to_string() })? as u64;
        let or =
            OrderRow::stored(platform.0, order_id.to_string(), worker, (month, amount_fen, settled_at_us, order_type, grid, premium_fen));
        let (size, checkpoint) = self.bundle_checkpoint(quorum, idx).await?;
        let mut bytes = Vec::new();
        or.write(&mut bytes);
        let h = flexpension_tlog::leaf_hash(&bytes);
        let record = self.bundle_proof("order", idx, size, Some((bytes, h))).await?;
        Ok(ProofBundle::new(&self.inner.log_keys.origin, checkpoint, vec![record], None))
    }

    /// A proof bundle for an issued voucher (its log entry; the voucher's note is the record).
    pub async fn bundle_voucher(&self, id: &str, quorum: usize) -> Result<(VoucherRecord, ProofBundle)> {
        let v = self.voucher(id).await?.ok_or_else(|| StoreError::NotFound { what: "voucher", key: id.to_string() })?;
        let (size, checkpoint) = self.bundle_checkpoint(quorum, v.log_idx).await?;
        let record = self.bundle_proof("voucher", v.log_idx, size, None).await?;
        Ok((v, ProofBundle::new(&self.inner.log_keys.origin, checkpoint, vec![record], None)))
    }

    /// An issued voucher.
    pub async fn voucher(&self, id: &str) -> Result<Option<VoucherRecord>> {
        let row: Option<(String, i64, String, i64)> =
            Sql::new("SELECT id, worker_id, note, log_idx FROM vouchers WHERE id = $1").bind(id).fetch_optional(self.db()).await?;
        Ok(row.map(|(id, worker, note, log_idx)| VoucherRecord { id, worker, note, log_idx: log_idx as u64 }))
    }

    /// The worker's latest contribution voucher.
    pub async fn latest_voucher(&self, worker: WorkerId) -> Result<Option<VoucherRecord>> {
        let row: Option<(String, i64, String, i64)> =
            // A transfer voucher (the sending agency's, `crate::TransferVoucher`) is not a contribution voucher.
            Sql::new(
                "SELECT id, worker_id, note, log_idx FROM vouchers WHERE worker_id = $1 AND note NOT LIKE 'flexpension transfer voucher%' \
                 ORDER BY log_idx DESC LIMIT 1",
            )
                .bind(worker.0)
                .fetch_optional(self.db())
                .await?;
        Ok(row.map(|(id, worker, note, log_idx)| VoucherRecord { id, worker, note, log_idx: log_idx as u64 }))
    }

    /// Record an issued voucher: its signed note, and a log entry with only the note's digest
    /// (docs/LOG.md): the public log says a voucher was issued, not whose or which. The note
    /// holds a signature nobody but the region can make, so the digest cannot be found by
    /// trying names, months or numbers.
    pub async fn record_voucher(&self, id: &str, worker: WorkerId, note: &str) -> Result<u64> {
        let digest = flexpension_tlog::Hash(sha2::Sha256::digest(note.as_bytes()).into());
        let now = self.now_us();
        let mut rec = Record::new("voucher", now, serde_json::json!({"digest": digest.to_hex()}));
        rec.v = super::entry::VOUCHER_RECORD_VERSION;
        let mut tx = self.db().begin_write().await?;
        let idx = tx.log_append(&rec, None).await?;
        Sql::new("INSERT INTO vouchers (id, worker_id, note, log_idx, at_us) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(worker.0)
            .bind(note)
            .bind(idx)
            .bind(now)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(idx as u64)
    }
}

use sha2::Digest;

fn hex(hs: &[Hash]) -> Vec<String> {
    hs.iter().map(Hash::to_hex).collect()
}
