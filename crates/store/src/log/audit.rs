//! The operator's audit: recompute the whole tree from the stored entries and compare it with
//! every stored hash and every signed checkpoint, naming the first thing that differs. A proof
//! catches tampering with what it covers; the audit covers everything the store holds.

use super::integrate::{Edge, to_hash};
use crate::backend::Sql;
use crate::{Result, StoreError};
use flexpension_tlog::{Checkpoint, Hash, NoteVerifier, stored_hash_index, verify_note};
use std::collections::HashMap;

const PAGE: i64 = 50_000;

/// What the audit found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditReport {
    pub entries: u64,
    pub hashes: u64,
    pub checkpoints: u64,
    /// Each thing that differs, in plain words; empty when the log is intact.
    pub problems: Vec<String>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Problems listed at most; the first is what matters.
const MAX_PROBLEMS: usize = 20;

fn problem(r: &mut AuditReport, p: String) {
    if r.problems.len() < MAX_PROBLEMS {
        r.problems.push(p);
    }
}

impl crate::Store {
    /// Recompute the tree from the entries up to the integrated size: every stored hash must be
    /// the recomputed one, and every checkpoint must be signed by the region's key and name the
    /// recomputed root of its size.
    pub async fn log_audit(&self) -> Result<AuditReport> {
        let n_total = self.log_integrated().await?;
        let verifier =
            NoteVerifier::parse(&self.inner.log_keys.verifier_key()).map_err(|e| StoreError::Corrupt(format!("log key: {e}")))?;
        let cps: Vec<(i64, String)> = Sql::new("SELECT size, note FROM log_checkpoints ORDER BY size").fetch_all(self.db()).await?;
        let mut want_roots: HashMap<u64, Vec<String>> = HashMap::new();
        let mut report = AuditReport { entries: n_total, hashes: 0, checkpoints: cps.len() as u64, problems: Vec::new() };
        for (size, note) in cps {
            match verify_note(&note, &verifier)
                .map_err(|e| e.to_string())
                .and_then(|n| Checkpoint::parse(&n.text).map_err(|e| e.to_string()))
            {
                Ok(cp) if cp.size == size as u64 => want_roots.entry(cp.size).or_default().push(cp.root.to_hex()),
                Ok(cp) => problem(&mut report, format!("checkpoint {size}: its note says size {}", cp.size)),
                Err(e) => problem(&mut report, format!("checkpoint {size}: {e}")),
            }
        }
        let mut edge = Edge::new(0, HashMap::new());
        while edge.size() < n_total {
            let n = edge.size();
            let entries: Vec<(i64, Vec<u8>)> = Sql::new("SELECT idx, body FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
                .bind(n as i64)
                .bind((n as i64 + PAGE).min(n_total as i64))
                .fetch_all(self.db())
                .await?;
            let (lo, hi) = (stored_hash_index(0, n), stored_hash_index(0, (n + entries.len() as u64).min(n_total)));
            let stored: Vec<(i64, Vec<u8>)> = Sql::new("SELECT id, hash FROM log_hashes WHERE id >= $1 AND id < $2 ORDER BY id")
                .bind(lo as i64)
                .bind(hi as i64)
                .fetch_all(self.db())
                .await?;
            let stored: HashMap<u64, Hash> = stored.into_iter().map(|(i, h)| Ok((i as u64, to_hash(&h, i)?))).collect::<Result<_>>()?;
            if entries.is_empty() {
                problem(&mut report, format!("entry {n} is missing"));
                break;
            }
            for (idx, body) in entries {
                let n = edge.size();
                if idx as u64 != n {
                    problem(&mut report, format!("entry {n} is missing"));
                    return Ok(report);
                }
                for (k, (id, h)) in edge.push(&body)?.into_iter().enumerate() {
                    match stored.get(&id) {
                        Some(s) if *s == h => {}
                        Some(_) if k == 0 => problem(
                            &mut report,
                            format!(
                                "entry {n}: its stored leaf hash (hash {id}) differs from the hash of the entry as stored — the entry or its hash was changed"
                            ),
                        ),
                        Some(_) => problem(
                            &mut report,
                            format!("hash {id} (over entries up to {n}) differs from the one recomputed from the entries"),
                        ),
                        None => problem(&mut report, format!("hash {id} is missing")),
                    }
                    report.hashes += 1;
                }
                if let Some(roots) = want_roots.get(&edge.size()) {
                    let root = edge.root()?;
                    for r in roots {
                        if *r != root.to_hex() {
                            problem(
                                &mut report,
                                format!("checkpoint {}: its root {r} is not the root recomputed from the entries ({root})", edge.size()),
                            );
                        }
                    }
                }
            }
        }
        Ok(report)
    }
}
