//! What the store keeps of witnesses: the size each last cosigned, and the cosignature lines
//! added to the checkpoint notes.

use crate::backend::Sql;
use crate::{Result, StoreError};

impl crate::Store {
    /// The tree size `witness` last cosigned (0: never).
    pub async fn log_witness_size(&self, witness: &str) -> Result<u64> {
        let n: Option<i64> = Sql::new("SELECT size FROM log_witnesses WHERE name = $1").bind(witness).scalar_optional(self.db()).await?;
        Ok(n.unwrap_or(0) as u64)
    }

    /// Add a witness's cosignature line to the checkpoint of `size` and remember the size. The
    /// line is checked by the caller (the publisher verifies it against the witness's key).
    pub async fn log_add_cosignature(&self, size: u64, witness: &str, line: &str) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        let note: Option<String> =
            Sql::new("SELECT note FROM log_checkpoints WHERE size = $1").bind(size as i64).scalar_optional(&mut tx).await?;
        let note = note.ok_or_else(|| StoreError::NotFound { what: "checkpoint", key: size.to_string() })?;
        let added = flexpension_tlog::add_signature_lines(&note, &[line.to_string()])
            .map_err(|e| StoreError::invalid("cosignature", e.to_string()))?;
        if added != note {
            Sql::new("UPDATE log_checkpoints SET note = $2, cosigned = cosigned + 1 WHERE size = $1")
                .bind(size as i64)
                .bind(&added)
                .execute(&mut tx)
                .await?;
        }
        Sql::new("INSERT INTO log_witnesses (name, size) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET size = excluded.size")
            .bind(witness)
            .bind(size as i64)
            .execute(&mut tx)
            .await?;
        tx.commit().await
    }
}
