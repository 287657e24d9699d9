//! The tamper-evident log on the store (issue 5; docs/LOG.md): every account event is an entry
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

/// Reserve the next log index inside an open transaction (`&mut *tx`). Evaluates to
/// `Result<i64>`.
macro_rules! log_reserve {
    ($conn:expr) => {
        async {
            let idx: i64 =
                sqlx::query_scalar("UPDATE log_head SET size = size + 1 WHERE id = 1 RETURNING size - 1").fetch_one($conn).await?;
            Ok::<i64, $crate::StoreError>(idx)
        }
        .await
    };
}
pub(crate) use log_reserve;

/// Insert the entry at a reserved index. `$rows` is the packed row hashes of a batch entry.
macro_rules! log_insert {
    ($conn:expr, $idx:expr, $record:expr, $rows:expr) => {
        async {
            let rec: &$crate::log::entry::Record = $record;
            let rows: Option<Vec<u8>> = $rows;
            sqlx::query("INSERT INTO log_entries (idx, kind, body, rows, at_us) VALUES ($1, $2, $3, $4, $5)")
                .bind($idx)
                .bind(&rec.kind)
                .bind(rec.to_bytes())
                .bind(rows)
                .bind(rec.at_us)
                .execute($conn)
                .await?;
            Ok::<(), $crate::StoreError>(())
        }
        .await
    };
}
pub(crate) use log_insert;

/// Sequence one entry in an open transaction: `log_append!(&mut *tx, &record, rows)`.
/// Call it last before the commit: on PostgreSQL the head row stays locked until then.
macro_rules! log_append {
    ($tx:ident, $record:expr, $rows:expr) => {
        async {
            let idx = $crate::log::log_reserve!(&mut *$tx)?;
            $crate::log::log_insert!(&mut *$tx, idx, $record, $rows)?;
            Ok::<i64, $crate::StoreError>(idx)
        }
        .await
    };
}
pub(crate) use log_append;
