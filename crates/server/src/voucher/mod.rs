//! The contribution voucher (参保缴费凭证): the worker's closed months as a signed note of the
//! region, logged (its digest) in the tamper-evident log, rendered as a PDF whose QR code opens
//! `/verify/voucher/{id}`. The PDF also carries the proof bundle, so `flexpension verify` checks
//! it offline.

use crate::AppState;
use flexpension_rules::YearMonth;
use flexpension_store::log::ProofBundle;
use flexpension_store::{Store, StoreError, WorkerId};
use flexpension_voucher::{Lang, VoucherDoc, VoucherMonth};
use serde::{Deserialize, Serialize};

/// The signed voucher's body format and version.
pub const VOUCHER_FORMAT: &str = "flexpension-voucher/v1";

/// What the region signs: one line of compact JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherBody {
    pub format: String,
    pub id: String,
    pub region: String,
    pub worker: i64,
    pub name: String,
    pub id_masked: String,
    pub issued_at: String,
    pub months: Vec<VoucherBodyMonth>,
    pub months_paid: u32,
    pub years_counted: u32,
    pub balance_fen: i64,
    pub total_paid_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherBodyMonth {
    pub month: String,
    pub base_fen: i64,
    pub contribution_fen: i64,
    pub subsidy_fen: i64,
    pub net_fen: i64,
    pub paid_fen: i64,
}

impl VoucherBody {
    /// The body of a signed voucher note (its first line).
    pub fn from_note(note: &str) -> Option<VoucherBody> {
        serde_json::from_str(note.lines().next()?).ok()
    }
}

/// The payload embedded in the PDF: the proof bundle, whose `voucher` is the signed note.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoucherPayload {
    pub bundle: ProofBundle,
}

#[derive(Debug, thiserror::Error)]
pub enum VoucherIssueError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the voucher could not be made: {0}")]
    Render(String),
}

/// An issued voucher.
pub struct Issued {
    pub id: String,
    pub pdf: Vec<u8>,
    pub body: VoucherBody,
}

/// Issue a voucher for `worker`'s closed months in `from..=to` (all when absent).
pub async fn issue(
    state: &AppState,
    store: &Store,
    worker: WorkerId,
    from: Option<YearMonth>,
    to: Option<YearMonth>,
    lang: Lang,
) -> Result<Issued, VoucherIssueError> {
    let w = store.worker(worker).await?.ok_or_else(|| VoucherIssueError::Input("no such worker".into()))?;
    let lapse =
        flexpension_ledger::lapse_after_months(state.params(), state.this_month()).map_err(|e| VoucherIssueError::Input(e.to_string()))?;
    let st = store.worker_statement(worker, lapse).await?;
    let months: Vec<_> = st.months.iter().filter(|m| from.is_none_or(|f| m.month >= f) && to.is_none_or(|t| m.month <= t)).collect();
    if months.is_empty() {
        return Err(VoucherIssueError::Input("no closed contribution months in that range".into()));
    }
    let region =
        state.params().scenario(state.region(), None, None).map_err(|e| VoucherIssueError::Input(e.to_string()))?.region.name_zh.clone();
    let now = chrono::Utc::now() + chrono::TimeDelta::hours(8);
    let tail = flexpension_tlog::leaf_hash(format!("{}{}", worker.0, now.timestamp_nanos_opt().unwrap_or(0)).as_bytes()).to_hex();
    let id = format!("{}-{}-{:06}-{}", state.region().to_uppercase(), now.format("%Y%m%d"), worker.0, tail[..6].to_uppercase());
    let body = VoucherBody {
        format: VOUCHER_FORMAT.into(),
        id: id.clone(),
        region: state.region().to_string(),
        worker: worker.0,
        name: w.name.clone(),
        id_masked: w.id_masked.clone(),
        issued_at: now.format("%Y-%m-%d %H:%M").to_string(),
        months: months
            .iter()
            .map(|m| VoucherBodyMonth {
                month: m.month.to_string(),
                base_fen: m.base_fen,
                contribution_fen: m.contribution_fen,
                subsidy_fen: m.subsidy_fen,
                net_fen: m.net_fen,
                paid_fen: m.paid_fen,
            })
            .collect(),
        months_paid: st.months_paid,
        years_counted: st.years_counted,
        balance_fen: st.personal_account_fen,
        total_paid_fen: months.iter().map(|m| m.paid_fen).sum(),
    };
    let text = format!("{}\n", serde_json::to_string(&body).map_err(|e| VoucherIssueError::Render(e.to_string()))?);
    let keys = store.log_keys();
    let note = flexpension_tlog::sign_note(&text, &keys.signer).map_err(|e| VoucherIssueError::Render(e.to_string()))?;
    store.record_voucher(&id, worker, &note).await?;
    crate::log::publish(state).await.map_err(VoucherIssueError::Render)?;
    let (_, mut bundle) = store.bundle_voucher(&id, 0).await?;
    bundle.voucher = Some(note);
    let payload = serde_json::to_vec(&VoucherPayload { bundle }).map_err(|e| VoucherIssueError::Render(e.to_string()))?;
    let doc = VoucherDoc {
        lang,
        voucher_id: id.clone(),
        region_name: region,
        region_code: state.region().to_string(),
        worker_name: w.name.clone(),
        id_masked: w.id_masked.clone(),
        issued_at: body.issued_at.clone(),
        months: months
            .iter()
            .map(|m| VoucherMonth {
                month: m.month.to_string(),
                base_fen: m.base_fen,
                amount_fen: m.net_fen,
                paid_fen: m.paid_fen,
                status: lang.t(if m.due_fen == 0 { "voucher.status_paid" } else { "voucher.status_owed" }).to_string(),
            })
            .collect(),
        years_counted: lang
            .f("voucher.years_months", &[("years", &(st.months_paid / 12).to_string()), ("months", &(st.months_paid % 12).to_string())]),
        balance_fen: st.personal_account_fen,
        total_paid_fen: body.total_paid_fen,
        verify_url: format!("{}/verify/voucher/{id}", state.public_url()),
        signature_line: lang.f("voucher.signed_with", &[("key", &keys.verifier_key().to_string())]),
        payload,
    };
    let pdf = flexpension_voucher::render_pdf(&doc).map_err(|e| VoucherIssueError::Render(e.to_string()))?;
    Ok(Issued { id, pdf, body })
}
