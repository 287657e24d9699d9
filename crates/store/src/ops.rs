//! What the operations team reads off a running store: the figures behind `/metrics` (the log's
//! size and checkpoint, each witness's lag, the jobs' queues), the readiness check behind
//! `/readyz` (the database answers, its migrations are the ones this binary knows), and an
//! online backup of a SQLite store (`VACUUM INTO`, safe while the server writes).

use crate::backend::{BackendKind, Sql};
use crate::{Result, Store, StoreError};
use std::path::Path;

/// The store's figures for monitoring, read in a few small queries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpsFigures {
    /// Entries sequenced in the log.
    pub log_size: i64,
    /// Entries integrated into the Merkle tree.
    pub log_integrated: i64,
    /// The size of the latest signed checkpoint (0: none yet).
    pub checkpoint_size: i64,
    /// When the latest checkpoint was signed (microseconds since the epoch).
    pub checkpoint_at_us: Option<i64>,
    /// Each witness by name: the log size it last cosigned.
    pub witnesses: Vec<(String, i64)>,
    /// Agency messages not yet delivered to their peers.
    pub outbox_pending: i64,
    /// Peers' messages received and not yet handled.
    pub inbox_pending: i64,
    /// Risk alerts open for grid workers.
    pub alerts_open: i64,
    /// Complaints waiting for the platform's answer, their deadline not yet passed (the
    /// deadline job's timers).
    pub complaints_waiting: i64,
    /// Outreach notices planned for a worker, neither delivered by a platform nor read on `/me`.
    pub notices_waiting: i64,
    /// The terminal's sign-in texts not yet handed to a gateway (blanked ones are not counted).
    pub texts_unsent: i64,
}

/// What `/readyz` asks of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// Migrations this binary carries.
    pub migrations_known: i64,
    /// Of those, applied successfully to the database.
    pub migrations_applied: i64,
    /// Applied to the database but unknown to this binary (a newer version migrated it).
    pub migrations_unknown: i64,
}

impl Readiness {
    /// The database's schema is exactly the one this binary was built for.
    pub fn current(&self) -> bool {
        self.migrations_applied == self.migrations_known && self.migrations_unknown == 0
    }
}

impl Store {
    /// The monitoring figures (see [`OpsFigures`]).
    pub async fn ops_figures(&self) -> Result<OpsFigures> {
        let db = self.db();
        let (log_size, log_integrated): (i64, i64) =
            Sql::new("SELECT size, integrated FROM log_head WHERE id = 1").fetch_optional(db).await?.unwrap_or((0, 0));
        let cp: Option<(i64, i64)> =
            Sql::new("SELECT size, at_us FROM log_checkpoints ORDER BY size DESC LIMIT 1").fetch_optional(db).await?;
        let witnesses: Vec<(String, i64)> = Sql::new("SELECT name, size FROM log_witnesses ORDER BY name").fetch_all(db).await?;
        let count = |sql: &'static str| Sql::new(sql).scalar::<i64>(db);
        Ok(OpsFigures {
            log_size,
            log_integrated,
            checkpoint_size: cp.map_or(0, |c| c.0),
            checkpoint_at_us: cp.map(|c| c.1),
            witnesses,
            outbox_pending: count("SELECT COUNT(*) FROM agency_outbox WHERE delivered_at_us IS NULL").await?,
            inbox_pending: count(
                "SELECT COUNT(*) FROM agency_inbox i WHERE NOT EXISTS \
                 (SELECT 1 FROM agency_handled h WHERE h.sender = i.sender AND h.message_id = i.message_id)",
            )
            .await?,
            alerts_open: count("SELECT COUNT(*) FROM alerts WHERE closed_month IS NULL").await?,
            complaints_waiting: count("SELECT COUNT(*) FROM complaints WHERE responded_at_us IS NULL AND breached_at_us IS NULL").await?,
            notices_waiting: count(
                "SELECT COUNT(*) FROM notices WHERE card IS NOT NULL AND delivered_at_us IS NULL AND read_at_us IS NULL",
            )
            .await?,
            texts_unsent: count("SELECT COUNT(*) FROM sms_outbox WHERE sent_at_us IS NULL AND body <> ''").await?,
        })
    }

    /// The database answers and its migrations are this binary's (see [`Readiness`]).
    pub async fn readiness(&self) -> Result<Readiness> {
        let known: Vec<i64> = match self.kind() {
            BackendKind::Sqlite => crate::backend::migrations::sqlite().iter().map(|m| m.version).collect(),
            BackendKind::Postgres => crate::backend::migrations::POSTGRES.iter().map(|m| m.version).collect(),
        };
        let applied: Vec<i64> = Sql::new("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version").scalars(self.db()).await?;
        let migrations_applied = applied.iter().filter(|v| known.contains(v)).count() as i64;
        let migrations_unknown = applied.len() as i64 - migrations_applied;
        Ok(Readiness { migrations_known: known.len() as i64, migrations_applied, migrations_unknown })
    }

    /// Copy a SQLite store into `out` while it is in use (`VACUUM INTO`: one consistent
    /// snapshot, written pages only). `out` must not exist. PostgreSQL stores are copied with
    /// `pg_dump` (docs/OPERATIONS.md), not here.
    pub async fn backup_into(&self, out: &Path) -> Result<()> {
        if self.kind() != BackendKind::Sqlite {
            return Err(StoreError::invalid("db", "a PostgreSQL store is backed up with pg_dump, not by the store"));
        }
        if out.exists() {
            return Err(StoreError::invalid("out", format!("{} exists; give a new file", out.display())));
        }
        let path = out.to_str().ok_or_else(|| StoreError::invalid("out", "the path is not valid UTF-8"))?;
        Sql::new("VACUUM INTO $1").bind(path.to_string()).execute(self.db()).await?;
        Ok(())
    }
}
