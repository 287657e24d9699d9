//! The tamper-evident log on the store (docs/LOG.md): every account event is an entry
//! of an RFC 9162 Merkle log (`flexpension_tlog`), signed by the region as C2SP checkpoints and
//! cosigned by witnesses.
//!
//! Two steps, as in Trillian and Tessera. *Sequencing* happens inside the event's own
//! transaction: `log_head.size` is bumped and the entry inserted, so an event and its entry
//! commit together and indices have no gaps. *Integration* ([`crate::Store::log_integrate`])
//! later hashes the new entries into the tree's stored hashes and signs a checkpoint; it never
//! holds the lock events wait for.

mod audit;
pub mod bundle;
pub mod entry;
mod integrate;
mod keys;
mod prove;
mod witness;

pub use audit::AuditReport;
pub use bundle::{BUNDLE_FORMAT, BundleProof, Check, ProofBundle, RowProof, VerifyOptions, VerifyReport, WorkerOpening, verify_bundle};
pub use integrate::Integrated;
pub(crate) use keys::load as keys_load;
pub use keys::{DEFAULT_ORIGIN, LogKeys};
pub use prove::VoucherRecord;

use crate::Result;
use crate::backend::{Sql, Tx};
use entry::Record;

/// Sequencing, in the event's own transaction.
impl Tx {
    /// Reserve the next log index. On PostgreSQL the head row stays locked until the
    /// transaction ends: reserve last, just before the commit.
    pub(crate) async fn log_reserve(&mut self) -> Result<i64> {
        Sql::new("UPDATE log_head SET size = size + 1 WHERE id = 1 RETURNING size - 1").scalar(self).await
    }

    /// Insert the entry at a reserved index; `rows` is the packed row hashes of a batch entry.
    pub(crate) async fn log_insert(&mut self, idx: i64, rec: &Record, rows: Option<Vec<u8>>) -> Result<()> {
        Sql::new("INSERT INTO log_entries (idx, kind, body, rows, at_us) VALUES ($1, $2, $3, $4, $5)")
            .bind(idx)
            .bind(&rec.kind)
            .bind(rec.to_bytes())
            .bind(rows)
            .bind(rec.at_us)
            .execute(self)
            .await?;
        Ok(())
    }

    /// Sequence one entry: reserve its index and insert it. Call it last before the commit.
    pub(crate) async fn log_append(&mut self, rec: &Record, rows: Option<Vec<u8>>) -> Result<i64> {
        let idx = self.log_reserve().await?;
        self.log_insert(idx, rec, rows).await?;
        Ok(idx)
    }
}
