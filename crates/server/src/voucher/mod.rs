//! The contribution voucher (参保缴费凭证): the worker's closed months as a signed note of the
//! region, logged (its digest only) in the tamper-evident log, rendered as a PDF whose QR code
//! opens `/verify/voucher/{id}?code=…`. The PDF also carries the proof bundle, so
//! `flexpension verify` checks it offline.
//!
//! The signed body holds everything the printed page shows, and drawing is deterministic: the
//! page is bound to the signature by drawing the signed data again and comparing
//! ([`check_pdf`]). The check code printed beside the QR code is derived from the signed note,
//! so only someone holding the voucher has it; the verify page asks for it.

mod check;
mod moved;

pub use check::{PAGE_CHECK, check_payload, check_pdf, figures};
pub use moved::{TransferProof, VoucherBodyTransfer};

use crate::AppState;
use flexpension_rules::YearMonth;
use flexpension_store::log::{ProofBundle, VoucherRecord};
use flexpension_store::{Store, StoreError, WorkerId};
use flexpension_voucher::{Lang, VoucherDoc, VoucherMonth, VoucherSavings};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The signed voucher's body format and version: v2 holds all the page shows.
pub const VOUCHER_FORMAT: &str = "flexpension-voucher/v2";

/// What the region signs: one line of compact JSON. Fields marked default are v2's (a v1 body,
/// issued before the page was bound to the signature, lacks them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherBody {
    pub format: String,
    pub id: String,
    pub region: String,
    /// The region's name as printed.
    #[serde(default)]
    pub region_name: String,
    /// The labels' language, `zh` or `en`.
    #[serde(default)]
    pub lang: String,
    /// The drawing's version ([`flexpension_voucher::LAYOUT`]).
    #[serde(default)]
    pub layout: String,
    /// The public address the QR code points at (before `/verify/voucher/…`).
    #[serde(default)]
    pub verify_base: String,
    /// The region's verifier key, as printed at the bottom.
    #[serde(default)]
    pub key: String,
    pub worker: i64,
    pub name: String,
    pub id_masked: String,
    pub issued_at: String,
    pub months: Vec<VoucherBodyMonth>,
    pub months_paid: u32,
    pub years_counted: u32,
    pub balance_fen: i64,
    pub total_paid_fen: i64,
    /// The pension savings account when the worker has one (absent otherwise, so a voucher of
    /// a worker without one signs and draws as before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savings: Option<VoucherBodySavings>,
    /// Months moved in from other regions by transfers (absent when none: such a voucher signs
    /// and draws as before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transferred: Vec<VoucherBodyTransfer>,
}

/// The pension savings account as signed: the balance when issued and the year's deposits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherBodySavings {
    pub balance_fen: i64,
    pub year: i32,
    pub deposited_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherBodyMonth {
    pub month: String,
    pub base_fen: i64,
    pub contribution_fen: i64,
    pub subsidy_fen: i64,
    pub net_fen: i64,
    pub paid_fen: i64,
    /// Still owed when issued (the status printed: paid when 0).
    #[serde(default)]
    pub due_fen: i64,
}

impl VoucherBody {
    /// The body of a signed voucher note (its first line).
    pub fn from_note(note: &str) -> Option<VoucherBody> {
        serde_json::from_str(note.lines().next()?).ok()
    }

    /// The page this body draws, with its signed `note` (for the check code) and `payload`
    /// attached. `Err` for a body that does not say all the page shows (v1).
    pub fn face(&self, note: &str, payload: Vec<u8>) -> Result<VoucherDoc, String> {
        if self.format != VOUCHER_FORMAT {
            return Err(format!(
                "the voucher is of format '{}', issued before its page was bound to its signature: ask for a new voucher",
                self.format
            ));
        }
        let lang = Lang::parse(Some(&self.lang));
        let code = check_code(note);
        Ok(VoucherDoc {
            lang,
            voucher_id: self.id.clone(),
            region_name: self.region_name.clone(),
            region_code: self.region.clone(),
            worker_name: self.name.clone(),
            id_masked: self.id_masked.clone(),
            issued_at: self.issued_at.clone(),
            months: self
                .months
                .iter()
                .map(|m| VoucherMonth {
                    month: m.month.clone(),
                    base_fen: m.base_fen,
                    amount_fen: m.net_fen,
                    paid_fen: m.paid_fen,
                    status: lang.t(if m.due_fen == 0 { "voucher.status_paid" } else { "voucher.status_owed" }).to_string(),
                })
                .collect(),
            years_counted: {
                // With months moved in, the years counted are both regions' together.
                let counted = self.months_paid + self.transferred.iter().map(|t| t.months).sum::<u32>();
                lang.f("voucher.years_months", &[("years", &(counted / 12).to_string()), ("months", &(counted % 12).to_string())])
            },
            transferred: moved::lines(self, lang),
            balance_fen: self.balance_fen,
            total_paid_fen: self.total_paid_fen,
            savings: self.savings.map(|v| VoucherSavings { balance_fen: v.balance_fen, year: v.year, deposited_fen: v.deposited_fen }),
            verify_url: verify_url(&self.verify_base, &self.id, &code),
            check_code: code,
            signature_line: lang.f("voucher.signed_with", &[("key", &self.key)]),
            payload,
        })
    }
}

/// The address a voucher's QR code holds: its page, with the check code.
pub fn verify_url(base: &str, id: &str, code: &str) -> String {
    format!("{base}/verify/voucher/{id}?code={code}")
}

/// The domain tag of the check code.
const CHECK_TAG: &[u8] = b"flexpension/voucher-check/v1\n";
/// Crockford's base 32: no I, L, O or U, so a code read aloud or typed is hard to get wrong.
const BASE32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The check code printed on a voucher: 40 bits of SHA-256(tag ‖ the note's signature lines) in
/// base 32, as `XXXX-XXXX`. Only the region can make the signature (over the body, which holds
/// the random number), so nobody without the voucher can make the code, and the log's digest
/// (another hash) does not give it. It does not change when someone edits the stored body: the
/// verify page then finds the voucher and says it was changed, rather than unknown.
pub fn check_code(note: &str) -> String {
    let signatures = note.rsplit_once("\n\n").map_or(note, |(_, s)| s);
    let mut h = Sha256::new();
    h.update(CHECK_TAG);
    h.update(signatures.as_bytes());
    let bits = h.finalize()[..5].iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
    let chars: String = (0..8).rev().map(|k| char::from(BASE32[((bits >> (5 * k)) & 31) as usize])).collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// A typed code as compared: capitals, without spaces or dashes, and the letters Crockford's
/// base 32 reads as digits (O as 0, I and L as 1). At most 16 characters are kept.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(16)
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// Whether `given` is the check code of `note`, compared in constant time.
pub fn code_matches(given: &str, note: &str) -> bool {
    crate::web::login::same(&normalize_code(given), &normalize_code(&check_code(note)))
}

/// A new voucher number: the region and 80 random bits, `ZJ-XXXX-XXXX-XXXX-XXXX`. Nothing in it
/// says whose it is or when it was made, and it cannot be guessed.
fn new_id(region: &str) -> Result<String, VoucherIssueError> {
    let mut b = [0u8; 10];
    getrandom::fill(&mut b).map_err(|e| VoucherIssueError::Render(format!("no randomness: {e}")))?;
    let bits = b.iter().fold(0u128, |acc, x| acc << 8 | u128::from(*x));
    let chars: Vec<char> = (0..16).rev().map(|k| char::from(BASE32[((bits >> (5 * k)) & 31) as usize])).collect();
    let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
    Ok(format!("{}-{}", region.to_uppercase(), groups.join("-")))
}

/// The payload embedded in the PDF: the proof bundle, whose `voucher` is the signed note.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoucherPayload {
    pub bundle: ProofBundle,
    /// The sending regions' signed transfer vouchers with their proofs, for the months the body
    /// says were moved in (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfers: Vec<TransferProof>,
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
    /// The check code printed on it.
    pub check_code: String,
    /// What its QR code opens (with the check code).
    pub verify_url: String,
}

/// Issue a voucher for `worker`'s closed months in `from..=to` (all when absent): sign it, log
/// its digest, and draw it.
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
    let lang_name = |code: &str| crate::web::console::region_name(state, lang, code);
    // Months moved in count with the whole record (not with a range asked for).
    let moved_in = if from.is_none() && to.is_none() { moved::transfers_in(store, worker, lang_name).await? } else { Vec::new() };
    if months.is_empty() && moved_in.is_empty() {
        return Err(VoucherIssueError::Input("no closed contribution months in that range".into()));
    }
    let region_name =
        state.params().scenario(state.region(), None, None).map_err(|e| VoucherIssueError::Input(e.to_string()))?.region.name_zh.clone();
    let now = state.now() + chrono::TimeDelta::hours(8);
    let year = state.this_month().year();
    let sv = store.savings_status(state.params(), worker, year).await?;
    let savings =
        (!sv.history.is_empty()).then_some(VoucherBodySavings { balance_fen: sv.balance_fen, year, deposited_fen: sv.deposited_fen });
    let id = new_id(state.region())?;
    let keys = store.log_keys();
    let body = VoucherBody {
        format: VOUCHER_FORMAT.into(),
        id: id.clone(),
        region: state.region().to_string(),
        region_name,
        lang: lang.code().to_string(),
        layout: flexpension_voucher::LAYOUT.to_string(),
        verify_base: state.public_url().to_string(),
        key: keys.verifier_key().to_string(),
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
                due_fen: m.due_fen,
            })
            .collect(),
        months_paid: st.months_paid,
        years_counted: st.years_counted,
        balance_fen: st.personal_account_fen,
        total_paid_fen: months.iter().map(|m| m.paid_fen).sum(),
        savings,
        transferred: moved_in.into_iter().map(|(t, _)| t).collect(),
    };
    let text = format!("{}\n", serde_json::to_string(&body).map_err(|e| VoucherIssueError::Render(e.to_string()))?);
    let note = flexpension_tlog::sign_note(&text, &keys.signer).map_err(|e| VoucherIssueError::Render(e.to_string()))?;
    let log_idx = store.record_voucher(&id, worker, &note).await?;
    let record = VoucherRecord { id: id.clone(), worker: worker.0, note: note.clone(), log_idx };
    crate::log::publish(state).await.map_err(VoucherIssueError::Render)?;
    let pdf = draw(state, store, &record).await?;
    let check_code = check_code(&note);
    Ok(Issued { verify_url: verify_url(&body.verify_base, &id, &check_code), id, pdf, body, check_code })
}

/// Draws an issued voucher again (its page is the same each time; the proof it carries is under
/// the latest checkpoint, cosigned when the witnesses have). Writes nothing.
pub async fn draw(state: &AppState, store: &Store, v: &VoucherRecord) -> Result<Vec<u8>, VoucherIssueError> {
    let body = VoucherBody::from_note(&v.note).ok_or_else(|| VoucherIssueError::Render("the stored voucher does not parse".into()))?;
    let mut bundle = match store.bundle_voucher(&v.id, state.witnesses().quorum).await {
        Err(StoreError::NotFound { .. }) => store.bundle_voucher(&v.id, 0).await?.1,
        other => other?.1,
    };
    bundle.voucher = Some(v.note.clone());
    let transfers = if body.transferred.is_empty() {
        Vec::new()
    } else {
        let named: Vec<&str> = body.transferred.iter().map(|t| t.transfer.as_str()).collect();
        let all = moved::transfers_in(store, WorkerId(v.worker), |c| c.to_string()).await?;
        all.into_iter().filter(|(t, _)| named.contains(&t.transfer.as_str())).map(|(_, p)| p).collect()
    };
    let payload = serde_json::to_vec(&VoucherPayload { bundle, transfers }).map_err(|e| VoucherIssueError::Render(e.to_string()))?;
    let doc = body.face(&v.note, payload).map_err(VoucherIssueError::Input)?;
    flexpension_voucher::render_pdf(&doc).map_err(|e| VoucherIssueError::Render(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "{\"id\":\"ZJ-1\"}\n\n\u{2014} zj.flexpension AAAAsig1\n";

    #[test]
    fn check_codes_are_short_stable_and_typo_tolerant() {
        let code = check_code(NOTE);
        assert_eq!(code.len(), 9);
        assert_eq!(code, check_code(NOTE));
        assert_ne!(code, check_code(&NOTE.replace("sig1", "sig2")), "another signature, another code");
        // The body edited behind the signature's back: the same code, so the page says "changed".
        assert_eq!(code, check_code(&NOTE.replace("ZJ-1", "ZJ-2")));
        assert!(code.bytes().all(|c| c == b'-' || BASE32.contains(&c)), "{code}");
        assert!(code_matches(&code, NOTE));
        assert!(code_matches(&code.to_lowercase().replace('-', " "), NOTE));
        assert!(!code_matches("", NOTE));
        assert!(!code_matches(&check_code("another\n\nsig\n"), NOTE));
        assert_eq!(normalize_code(" o1-il z "), "0111Z");
    }

    /// A fixed voucher draws to fixed bytes. When this fails, the drawing changed (layout,
    /// labels, the font, krilla): bump `flexpension_voucher::LAYOUT`, then set the new digest.
    #[test]
    fn the_drawing_is_fixed_for_its_layout() {
        let body = VoucherBody {
            format: VOUCHER_FORMAT.into(),
            id: "ZJ-7F3A-K9QD-2MXC-8HTR".into(),
            region: "zj".into(),
            region_name: "浙江省".into(),
            lang: "zh".into(),
            layout: flexpension_voucher::LAYOUT.into(),
            verify_base: "https://verify.example".into(),
            key: "zj.flexpension+1a2b3c4d+AAAA".into(),
            worker: 7,
            name: "王小明".into(),
            id_masked: "3301**********0018".into(),
            issued_at: "2025-11-03 10:00".into(),
            months: (9..=12)
                .map(|m| VoucherBodyMonth {
                    month: format!("2025-{m:02}"),
                    base_fen: 422_700,
                    contribution_fen: 67_632,
                    subsidy_fen: 0,
                    net_fen: 67_632,
                    paid_fen: if m == 12 { 20_000 } else { 67_632 },
                    due_fen: if m == 12 { 47_632 } else { 0 },
                })
                .collect(),
            months_paid: 3,
            years_counted: 0,
            balance_fen: 162_316,
            total_paid_fen: 222_896,
            savings: None,
            transferred: Vec::new(),
        };
        let pdf = flexpension_voucher::render_pdf(&body.face(NOTE, b"{}".to_vec()).expect("a v2 body")).expect("render");
        let digest = flexpension_tlog::Hash(Sha256::digest(&pdf).into()).to_hex();
        assert_eq!(
            (flexpension_voucher::LAYOUT, digest.as_str()),
            ("flexpension-voucher-pdf/1", "44d313124d9fe637d2fad3d49e695eaa33a2b869dfb687b9057bb023c24e20a0"),
            "the voucher's drawing changed: bump LAYOUT and set the digest"
        );
    }

    #[test]
    fn the_savings_account_is_signed_only_when_there_is_one() {
        let mut body = VoucherBody::from_note(r#"{"format":"flexpension-voucher/v2","id":"ZJ-1","region":"zj","worker":1,"name":"A","id_masked":"3301**********0018","issued_at":"2025-11-03 10:00","months":[],"months_paid":0,"years_counted":0,"balance_fen":0,"total_paid_fen":0}"#).expect("body");
        assert_eq!(body.savings, None);
        assert!(!serde_json::to_string(&body).expect("json").contains("savings"), "an old voucher signs the same bytes");
        body.savings = Some(VoucherBodySavings { balance_fen: 500_000, year: 2025, deposited_fen: 500_000 });
        let text = serde_json::to_string(&body).expect("json");
        assert!(text.contains(r#""savings":{"balance_fen":500000,"year":2025,"deposited_fen":500000}"#), "{text}");
        assert_eq!(VoucherBody::from_note(&text).expect("back"), body);
        let doc = body.face(NOTE, Vec::new()).expect("face");
        assert_eq!(doc.savings.map(|s| (s.balance_fen, s.year, s.deposited_fen)), Some((500_000, 2025, 500_000)));
        let lines = check::figures(&body, NOTE);
        assert!(lines.last().is_some_and(|l| l == "pension savings account balance 5000.00; deposited in 2025 5000.00"), "{lines:?}");
    }

    #[test]
    fn voucher_numbers_are_random_and_say_nothing() {
        let (a, b) = (new_id("zj").expect("id"), new_id("zj").expect("id"));
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert_eq!(id.len(), "ZJ-XXXX-XXXX-XXXX-XXXX".len(), "{id}");
            assert!(id.starts_with("ZJ-") && id[3..].split('-').all(|g| g.len() == 4), "{id}");
        }
    }
}
