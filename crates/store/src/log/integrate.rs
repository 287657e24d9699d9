//! Integration: hash the sequenced entries into the tree and sign a checkpoint.

use super::LogKeys;
use super::prove::MapReader;
use crate::backend::{Sql, Tx};
use crate::{Result, StoreError};
use flexpension_tlog::{Checkpoint, Hash, leaf_hash, sign_note, stored_hash_index, stored_hashes, tree_hash};
use std::collections::HashMap;

/// Entries read per query while integrating.
const PAGE: i64 = 50_000;
/// Stored hashes per insert statement (two parameters each; SQLite looks `$N` names up
/// linearly, so a statement is kept small).
const INSERT_ROWS: usize = 250;

/// What an integration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrated {
    pub size: u64,
    pub root: Hash,
    /// Entries hashed in by this call (0: the tree was current).
    pub added: u64,
    /// The latest checkpoint, signed by the region (cosignatures are added later).
    pub note: String,
}

/// The hashes a tree of size `n` needs to grow: one complete subtree per set bit of `n`.
pub(crate) fn frontier(n: u64) -> Vec<u64> {
    (0..64u32).filter(|l| n >> l & 1 == 1).map(|l| stored_hash_index(l, (n >> l) - 1)).collect()
}

/// The right edge of the tree while entries are hashed into it: only the stored hashes the next
/// entries and the root can need (its `frontier`), so memory stays at a few dozen hashes.
pub(crate) struct Edge {
    size: u64,
    hashes: HashMap<u64, Hash>,
}

impl Edge {
    /// The edge of a tree of `size` entries, from its frontier's stored hashes.
    pub(crate) fn new(size: u64, hashes: HashMap<u64, Hash>) -> Edge {
        Edge { size, hashes }
    }

    /// Hash the next entry in; returns the stored hashes it makes, by id.
    pub(crate) fn push(&mut self, entry: &[u8]) -> Result<Vec<(u64, Hash)>> {
        let n = self.size;
        let start = stored_hash_index(0, n);
        let made: Vec<(u64, Hash)> = stored_hashes(n, &leaf_hash(entry), &MapReader(&self.hashes))
            .map_err(tlog)?
            .into_iter()
            .zip(start..)
            .map(|(h, id)| (id, h))
            .collect();
        self.hashes.extend(made.iter().copied());
        self.size += 1;
        let keep = frontier(self.size);
        self.hashes.retain(|k, _| keep.contains(k));
        Ok(made)
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    pub(crate) fn root(&self) -> Result<Hash> {
        if self.size == 0 { Ok(flexpension_tlog::empty_root()) } else { tree_hash(self.size, &MapReader(&self.hashes)).map_err(tlog) }
    }
}

fn tlog(e: flexpension_tlog::TlogError) -> StoreError {
    StoreError::Corrupt(format!("log: {e}"))
}

impl crate::Store {
    /// Hash every sequenced entry into the tree and sign a checkpoint of the new size. Safe to
    /// call at any time from any process: one integration runs at a time, and a call with
    /// nothing new returns the latest checkpoint.
    pub async fn log_integrate(&self) -> Result<Integrated> {
        let _one = self.inner.integrating.lock().await;
        // Nothing new (the publisher asks every few seconds): answer from the latest checkpoint
        // without taking the write lock that ingest and the close need.
        let head: (i64, i64) = Sql::new(HEAD).fetch_one(self.db()).await?;
        if head.0 == head.1
            && let Some((size, note)) = self.log_checkpoint().await?
            && size == head.1 as u64
        {
            let text = flexpension_tlog::parse_note(&note).map_err(tlog)?.text;
            let root = Checkpoint::parse(&text).map_err(tlog)?.root;
            return Ok(Integrated { size, root, added: 0, note });
        }
        let mut tx = self.db().begin_write().await?;
        tx.lock_log_tree().await?;
        let r = integrate(&mut tx, &self.inner.log_keys, self.now_us()).await?;
        tx.commit().await?;
        Ok(r)
    }
}

const HEAD: &str = "SELECT size, integrated FROM log_head WHERE id = 1";

/// Integrate inside the transaction that holds the tree: hash the new entries in a page at a
/// time, store the hashes they make, and sign a checkpoint at `at_us` if the size grew.
async fn integrate(tx: &mut Tx, keys: &LogKeys, at_us: i64) -> Result<Integrated> {
    let (size, done): (i64, i64) = Sql::new(HEAD).fetch_one(&mut *tx).await?;
    let (size, done) = (size as u64, done as u64);
    let mut map: HashMap<u64, Hash> = HashMap::new();
    let want = frontier(done);
    if !want.is_empty() {
        let ids = want.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let rows: Vec<(i64, Vec<u8>)> =
            Sql::built(format!("SELECT id, hash FROM log_hashes WHERE id IN ({ids})")).fetch_all(&mut *tx).await?;
        for (id, h) in rows {
            map.insert(id as u64, to_hash(&h, id)?);
        }
    }
    let mut edge = Edge::new(done, map);
    let mut new_rows: Vec<(i64, Hash)> = Vec::new();
    while edge.size() < size {
        let n = edge.size();
        let page: Vec<(i64, Vec<u8>)> = Sql::new("SELECT idx, body FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
            .bind(n as i64)
            .bind((n as i64 + PAGE).min(size as i64))
            .fetch_all(&mut *tx)
            .await?;
        if page.is_empty() {
            return Err(StoreError::Corrupt(format!("log entry {n} is missing (head says {size})")));
        }
        for (idx, body) in page {
            if idx as u64 != edge.size() {
                return Err(StoreError::Corrupt(format!("log entry {} is missing (found {idx})", edge.size())));
            }
            new_rows.extend(edge.push(&body)?.into_iter().map(|(id, h)| (id as i64, h)));
        }
        for chunk in new_rows.chunks(INSERT_ROWS) {
            insert_hashes(tx, chunk).await?;
        }
        new_rows.clear();
    }
    let root = edge.root()?;
    let latest: Option<String> = Sql::new("SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1").scalar_optional(&mut *tx).await?;
    let note = match latest {
        Some(note) if size == done => note,
        _ => {
            let text = Checkpoint { origin: keys.origin.clone(), size, root, extensions: Vec::new() }.to_text();
            let note = sign_note(&text, &keys.signer).map_err(tlog)?;
            Sql::new("INSERT INTO log_checkpoints (size, note, at_us) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING")
                .bind(size as i64)
                .bind(&note)
                .bind(at_us)
                .execute(&mut *tx)
                .await?;
            Sql::new("UPDATE log_head SET integrated = $1 WHERE id = 1").bind(size as i64).execute(&mut *tx).await?;
            note
        }
    };
    Ok(Integrated { size, root, added: size - done, note })
}

/// One multi-row insert of stored hashes.
async fn insert_hashes(tx: &mut Tx, rows: &[(i64, Hash)]) -> Result<()> {
    let values: Vec<String> = (0..rows.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
    let sql = Sql::built(format!("INSERT INTO log_hashes (id, hash) VALUES {}", values.join(",")));
    rows.iter().fold(sql, |q, (id, h)| q.bind(*id).bind(h.0.to_vec())).execute(tx).await?;
    Ok(())
}

pub(crate) fn to_hash(bytes: &[u8], id: i64) -> Result<Hash> {
    let a: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Corrupt(format!("log hash {id} is not 32 bytes")))?;
    Ok(Hash(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontier_of_six_is_two_subtrees() {
        // Leaves 0-3 (level 2, node 0) and 4-5 (level 1, node 2).
        assert_eq!(frontier(6), vec![stored_hash_index(1, 2), stored_hash_index(2, 0)]);
        assert!(frontier(0).is_empty());
    }
}
