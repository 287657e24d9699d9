//! An officer of the receiving agency refuses a transfer applied for here, with a reason the
//! worker reads (e.g. the registration here is wrong). Only while the sender has sent nothing
//! back (`applied`): afterwards the sender's voucher decides. The refusal is not written by the
//! officer's request itself but queued as a local command in the inbox and carried out by the
//! agency job, which runs the transfer's handlers one at a time: it cannot cross the handling
//! of the sender's funds for the same transfer. Funds that arrive after it are sent back by
//! `handle_funds` (the sender books them back and unfreezes).

use super::{Inbound, KIND_REFUSED, check_transfer_id, mark_handled, set_state};
use crate::backend::Sql;
use crate::log::entry::Record;
use crate::{Result, Store, StoreError};
use flexpension_rules::transfer::{TransferEvent, TransferState};

/// The inbox's sender for commands of this agency itself: not a region code (those are lowercase
/// letters only), so no peer's message can ever pass for one.
pub(crate) const LOCAL: &str = "@local";
/// The kind of the local command that refuses a transfer.
pub const KIND_REFUSE: &str = "transfer.refuse";
/// The longest refusal reason, in characters.
pub const MAX_REASON: usize = 300;

impl Store {
    /// Ask that transfer `id`, applied for here and still waiting for the sender, be refused for
    /// `reason` by staff person `by`. Refused (nothing written) for an unknown transfer, one
    /// sent from here, one past `applied`, or a blank, over-long or control-character reason.
    /// Asking twice is the same request. The agency job carries it out (and wakes for it).
    pub async fn request_transfer_refusal(&self, id: &str, reason: &str, by: i64) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON || reason.chars().any(char::is_control) {
            return Err(StoreError::invalid("reason", format!("must be 1 to {MAX_REASON} characters, no control characters")));
        }
        let t = self.transfer(id).await?.ok_or_else(|| StoreError::NotFound { what: "transfer", key: id.to_string() })?;
        if t.direction != "in" || t.state != TransferState::Applied {
            return Err(StoreError::invalid(
                "state",
                format!(
                    "transfer {id} is {} ({}): only one applied for here and not yet answered can be refused",
                    t.state.as_str(),
                    t.direction
                ),
            ));
        }
        let now = self.now_us();
        let body = serde_json::json!({"by": by, "reason": reason, "transfer": t.id}).to_string();
        Sql::new(
            "INSERT INTO agency_inbox (sender, message_id, kind, created_at_s, body, signed, received_at_us) VALUES ($1, $2, $3, $4, $5, '', $6) \
             ON CONFLICT (sender, message_id) DO NOTHING",
        )
        .bind(LOCAL)
        .bind(format!("refuse-{}", t.id))
        .bind(KIND_REFUSE)
        .bind(now / 1_000_000)
        .bind(body)
        .bind(now)
        .execute(self.db())
        .await?;
        Ok(())
    }

    /// The local refusal, run by the agency job: refused with the reason and the sender told,
    /// when the transfer is still `applied`; otherwise nothing but the command marked done.
    pub(crate) async fn handle_local_refuse(&self, m: &Inbound) -> Result<()> {
        let id = m.body.get("transfer").and_then(|t| t.as_str()).and_then(|t| check_transfer_id(t).ok());
        let t = match id {
            Some(id) if m.sender == LOCAL => self.transfer(&id).await?,
            _ => None,
        };
        let Some(t) = t.filter(|t| t.direction == "in" && t.state == TransferState::Applied) else {
            return self.mark_handled_alone(m).await;
        };
        let reason: String = m.body.get("reason").and_then(|r| r.as_str()).unwrap_or("").chars().take(MAX_REASON).collect();
        let by = m.body.get("by").and_then(|b| b.as_i64()).unwrap_or(0);
        let Ok(next) = t.transfer().step(&TransferEvent::Refuse(reason.clone())) else { return self.mark_handled_alone(m).await };
        let own = self.own_region().await?;
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        set_state(&mut tx, &t.id, &next, at).await?;
        let env = self.new_agency_message(&own, &t.peer, KIND_REFUSED, serde_json::json!({"transfer": t.id, "reason": reason}))?;
        tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
        let data = serde_json::json!({"by": "staff", "by_id": by, "step": "refused", "transfer": t.id, "worker": t.worker.unwrap_or(0)});
        tx.log_append(&Record::new("transfer", at, data), None).await?;
        mark_handled(&mut tx, m, at).await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_peer_can_pass_for_a_local_command() {
        // A peer's code is a region code, and a peer's messages are stored under it.
        assert!(!flexpension_tlog::is_region_code(LOCAL));
        assert!(flexpension_tlog::is_region_code("local"), "the reason for the '@'");
    }
}
