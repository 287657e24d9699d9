//! The receiving agency (转入地) on `transfer.funds`: the voucher's signature and its log proof
//! are checked against the sender's key, the funds are booked in through the inter-region
//! clearing account, the months are added (each counted once) and the sender is acknowledged.
//! A voucher that does not verify or does not match the transfer is refused with the reason.
//! A worker insured at the sender up to the transfer is insured here from the transfer month
//! (the sender ends its enrolment the month before): the transfer continues the insurance.

use super::out::TransferVoucher;
use super::{Inbound, KIND_ACK, KIND_REFUSED, insert_months, ledger_reference, log_step, mark_handled, set_state};
use crate::backend::{Sql, Tx};
use crate::journal::ledger_error;
use crate::log::bundle::{ProofBundle, VerifyOptions, verify_bundle};
use crate::{Result, Store, StoreError, WorkerId};
use flexpension_ledger::{Account, Entry, EntryId, Posting, RegionCode, Subject};
use flexpension_rules::transfer::{TransferEvent, TransferState};

impl Store {
    /// `transfer.funds` at the receiver.
    pub(crate) async fn handle_funds(&self, m: &Inbound) -> Result<()> {
        let Some(t) = self.peer_transfer(m, "in").await? else { return self.mark_handled_alone(m).await };
        let own = self.own_region().await?;
        if t.state == TransferState::Refused {
            // Funds for a transfer refused here: the sender must book them back.
            let reason = t.reason.clone().unwrap_or_else(|| "refused".into());
            let at = self.now_us();
            let mut tx = self.db().begin_write().await?;
            let env = self.new_agency_message(&own, &t.peer, KIND_REFUSED, serde_json::json!({"transfer": t.id, "reason": reason}))?;
            tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
            mark_handled(&mut tx, m, at).await?;
            return tx.commit().await;
        }
        let Ok(next) = t.transfer().step(&TransferEvent::Post) else { return self.mark_handled_alone(m).await };
        let Some(w) = t.worker.map(WorkerId) else { return self.mark_handled_alone(m).await };
        let checked = self.check_voucher(m, &t.id, &own).await?;
        let (v, note, bundle) = match checked {
            Ok(x) => x,
            Err(reason) => return self.refuse_in(&t.id, &t.peer, w, &reason, m).await,
        };
        let from = RegionCode::new(&t.peer).ok_or_else(|| StoreError::invalid("peer", "not a region code"))?;
        let pa = v.account_fen;
        let id = EntryId::new(w, Subject::Transfer { reference: ledger_reference(&t.id)?, inbound: true });
        let period = self.this_month();
        let postings = vec![
            Posting::debit(Account::InterRegion(from), v.pool_transfer_fen + pa),
            Posting::credit(Account::PersonalAccount(w), pa),
            Posting::credit(Account::PoolingFund, v.pool_transfer_fen),
        ];
        let booked = self
            .with_workers("transfer in", w.0, w.0, &[w.0], |l| {
                if l.entry(&id).is_none() {
                    l.post(Entry::new(id, period, None, postings, None).map_err(ledger_error)?).map_err(ledger_error)?;
                }
                Ok(())
            })
            .await;
        match booked {
            Ok(_) => {}
            Err(e @ (StoreError::Db(_) | StoreError::Corrupt(_))) => return Err(e),
            Err(e) => return self.refuse_in(&t.id, &t.peer, w, &format!("{}{e}", super::REASON_POSTING), m).await,
        }
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        Sql::new(
            "UPDATE transfers SET months = $2, pool_transfer_fen = $3, account_fen = $4, interest_fen = $5, voucher = $6, bundle = $7 WHERE id = $1",
        )
        .bind(&t.id)
        .bind(v.months.len() as i64)
        .bind(v.pool_transfer_fen)
        .bind(v.account_fen)
        .bind(v.interest_fen)
        .bind(&note)
        .bind(&bundle)
        .execute(&mut tx)
        .await?;
        insert_months(&mut tx, &t.id, w.0, &v.moved()).await?;
        if v.insured {
            continue_insurance(&mut tx, w, period, at).await?;
        }
        set_state(&mut tx, &t.id, &next, at).await?;
        let env = self.new_agency_message(&own, &t.peer, KIND_ACK, serde_json::json!({"transfer": t.id}))?;
        tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
        log_step(&mut tx, &t.id, "posted", w.0, at).await?;
        mark_handled(&mut tx, m, at).await?;
        tx.commit().await
    }

    /// The voucher and its bundle, checked: signed by the sender's log key, in its log under a
    /// checkpoint it signed, about this transfer from that sender to this region, with amounts
    /// that add up. `Err(reason)` refuses the transfer; the outer error is the store's.
    async fn check_voucher(
        &self,
        m: &Inbound,
        id: &str,
        own: &str,
    ) -> Result<std::result::Result<(TransferVoucher, String, String), String>> {
        let Some(peer) = self.peer(&m.sender).await? else { return Ok(Err(super::REASON_NOT_PEER.into())) };
        let note = m.body.get("voucher").and_then(|v| v.as_str()).unwrap_or("");
        let bundle_text = m.body.get("bundle").and_then(|v| v.as_str()).unwrap_or("");
        let Ok(bundle) = serde_json::from_str::<ProofBundle>(bundle_text) else {
            return Ok(Err(super::REASON_BUNDLE_UNPARSED.into()));
        };
        if bundle.voucher.as_deref() != Some(note) {
            return Ok(Err(super::REASON_OTHER_BUNDLE.into()));
        }
        let opts = VerifyOptions { log_key: peer.verifier_key.clone(), witness_keys: Vec::new(), quorum: None, id_number: None };
        let report = verify_bundle(&bundle, &opts);
        if !report.ok() {
            let failed: Vec<String> = report.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
            return Ok(Err(format!("{}{}", super::REASON_UNVERIFIED, failed.join("; "))));
        }
        let Some(v) = TransferVoucher::from_note(note) else { return Ok(Err(super::REASON_UNPARSED.into())) };
        if v.transfer != id || v.from != m.sender || v.to != own {
            return Ok(Err(super::REASON_OTHER_TRANSFER.into()));
        }
        let months_ok = v.moved().len() == v.months.len();
        if !months_ok || v.account_fen < 0 || v.pool_transfer_fen < 0 || v.account_fen.checked_add(v.pool_transfer_fen) != Some(v.total_fen)
        {
            return Ok(Err(super::REASON_SUMS.into()));
        }
        Ok(Ok((v, note.to_string(), bundle_text.to_string())))
    }

    /// Refuse an incoming transfer and tell the sender why.
    async fn refuse_in(&self, id: &str, peer: &str, w: WorkerId, reason: &str, m: &Inbound) -> Result<()> {
        let Some(t) = self.transfer(id).await? else { return self.mark_handled_alone(m).await };
        let reason: String = reason.chars().filter(|c| !c.is_control()).take(300).collect();
        let next = t.transfer().step(&TransferEvent::Refuse(reason.clone())).ok().filter(|_| t.state != TransferState::Refused);
        let Some(next) = next else { return self.mark_handled_alone(m).await };
        let own = self.own_region().await?;
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        set_state(&mut tx, id, &next, at).await?;
        let env = self.new_agency_message(&own, peer, KIND_REFUSED, serde_json::json!({"transfer": id, "reason": reason}))?;
        tx.enqueue_agency_message(&env, &self.log_keys().signer, at).await?;
        log_step(&mut tx, id, "refused", w.0, at).await?;
        mark_handled(&mut tx, m, at).await?;
        tx.commit().await
    }
}

/// Continue the worker's employee pension here from `month`, unless an enrolment here already
/// covers it or the worker holds the other basic pension here (then what they have stays).
async fn continue_insurance(tx: &mut Tx, w: WorkerId, month: flexpension_rules::YearMonth, at: i64) -> Result<()> {
    let e = crate::NewEnrolment {
        worker: w,
        scheme: crate::Scheme::EmployeePension,
        from: month,
        to: None,
        basis: crate::Basis::PlatformIncome,
    };
    match tx.insert_enrolment(&e, at).await {
        // The overlap is checked before anything is written: the transaction goes on.
        Ok(_) | Err(StoreError::Invalid { .. } | StoreError::Exists { .. } | StoreError::Frozen { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}
