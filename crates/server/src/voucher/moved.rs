//! Months moved in from other regions on the contribution voucher: the receiving region signs,
//! for each transfer, where from, how many months and which, the sending region's key and the
//! SHA-256 of the sending region's signed transfer voucher; the PDF carries those vouchers with
//! their proofs. `flexpension verify` then checks each one with the key the receiving region
//! vouched for, so one file proves the months of both regions.

use super::VoucherBody;
use flexpension_store::log::{ProofBundle, VerifyOptions, VerifyReport, verify_bundle};
use flexpension_store::{Store, StoreError, TransferVoucher, WorkerId};
use flexpension_voucher::{Lang, VoucherLine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One transfer's months as the receiving region signs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherBodyTransfer {
    pub transfer: String,
    /// The sending region, its code and printed name.
    pub from: String,
    pub from_name: String,
    pub months: u32,
    /// The first and last month moved, `YYYY-MM`.
    pub first: String,
    pub last: String,
    /// The sending region's verifier key, as this region holds it for that peer.
    pub key: String,
    /// SHA-256 (hex) of the sending region's signed transfer voucher.
    pub digest: String,
}

/// A sending region's signed transfer voucher and its proof bundle, carried in the PDF.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransferProof {
    pub note: String,
    pub bundle: ProofBundle,
}

fn digest(note: &str) -> String {
    Sha256::digest(note.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The worker's transfers in that carried their months here (posted or completed), oldest
/// first, with the proofs to attach.
pub(super) async fn transfers_in(
    store: &Store,
    worker: WorkerId,
    name: impl Fn(&str) -> String,
) -> Result<Vec<(VoucherBodyTransfer, TransferProof)>, StoreError> {
    use flexpension_rules::transfer::TransferState as S;
    let mut out = Vec::new();
    let mut list = store.worker_transfers(worker).await?;
    list.sort_by_key(|t| t.created_at_us);
    for t in list.into_iter().filter(|t| t.direction == "in" && matches!(t.state, S::Posted | S::Completed)) {
        let (Some(note), Some(bundle)) = (t.voucher, t.bundle) else { continue };
        let (Some(v), Ok(bundle), Some(peer)) =
            (TransferVoucher::from_note(&note), serde_json::from_str::<ProofBundle>(&bundle), store.peer(&t.peer).await?)
        else {
            continue;
        };
        let (first, last) = (v.months.first().map(|m| m.0.clone()), v.months.last().map(|m| m.0.clone()));
        let entry = VoucherBodyTransfer {
            transfer: t.id,
            from_name: name(&t.peer),
            from: t.peer,
            months: u32::try_from(v.months.len()).unwrap_or(u32::MAX),
            first: first.unwrap_or_default(),
            last: last.unwrap_or_default(),
            key: peer.verifier_key,
            digest: digest(&note),
        };
        out.push((entry, TransferProof { note, bundle }));
    }
    Ok(out)
}

/// The printed lines: "浙江省转入（2023-01起）" "36个月" (the transfer's id and its months
/// one by one are in the signed body and in the sending region's voucher).
pub(super) fn lines(body: &VoucherBody, lang: Lang) -> Vec<VoucherLine> {
    body.transferred
        .iter()
        .map(|t| VoucherLine {
            label: lang.f("voucher.moved_in", &[("region", &t.from_name), ("first", &t.first)]),
            value: lang.f("voucher.moved_months", &[("months", &t.months.to_string())]),
        })
        .collect()
}

/// The signed lines for a person to compare.
pub(super) fn figures(body: &VoucherBody) -> Vec<String> {
    body.transferred
        .iter()
        .map(|t| {
            format!("moved in from {} ({}): {} months {} to {}, transfer {}", t.from_name, t.from, t.months, t.first, t.last, t.transfer)
        })
        .collect()
}

/// Each transfer the signed body names: its voucher attached (by digest), signed by the key
/// the body names, proved in that region's log, and saying the months the body says.
pub(super) fn check(report: &mut VerifyReport, body: &VoucherBody, proofs: &[TransferProof]) {
    for t in &body.transferred {
        let name = format!("months from {}", t.from);
        let Some(p) = proofs.iter().find(|p| digest(&p.note) == t.digest) else {
            report.add(name, Err(format!("the transfer voucher of {} is not attached", t.transfer)));
            continue;
        };
        let mut bundle = p.bundle.clone();
        bundle.voucher = Some(p.note.clone());
        let opts = VerifyOptions { log_key: t.key.clone(), witness_keys: Vec::new(), quorum: None, id_number: None };
        let r = verify_bundle(&bundle, &opts);
        let v = TransferVoucher::from_note(&p.note);
        let res = if !r.ok() {
            let failed: Vec<String> = r.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
            Err(format!("{}'s transfer voucher does not verify: {}", t.from, failed.join("; ")))
        } else if v.as_ref().is_none_or(|v| v.months.len() != t.months as usize || v.transfer != t.transfer) {
            Err(format!("{}'s transfer voucher says other months than this voucher", t.from))
        } else {
            Ok(format!("{} months signed by {} and proved in its log (key vouched for by this voucher's region)", t.months, t.from))
        };
        report.add(name, res);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(transferred: Vec<VoucherBodyTransfer>) -> VoucherBody {
        let mut b: VoucherBody = serde_json::from_value(serde_json::json!({
            "format": super::super::VOUCHER_FORMAT, "id": "AH-1", "region": "ah", "worker": 1, "name": "张三",
            "id_masked": "3301**********0018", "issued_at": "2026-12-07 10:00", "months": [], "months_paid": 0,
            "years_counted": 0, "balance_fen": 0, "total_paid_fen": 0
        }))
        .expect("body");
        b.transferred = transferred;
        b
    }

    fn entry(note: &str) -> VoucherBodyTransfer {
        VoucherBodyTransfer {
            transfer: "ah-zj-01".into(),
            from: "zj".into(),
            from_name: "浙江省".into(),
            months: 36,
            first: "2023-01".into(),
            last: "2025-12".into(),
            key: "zj.flexpension+1a2b3c4d+AAAA".into(),
            digest: digest(note),
        }
    }

    #[test]
    fn each_transfer_named_must_be_attached_and_verify() {
        let note = "flexpension transfer voucher v1\n{}\n\n\u{2014} zj sig\n";
        let b = body(vec![entry(note)]);
        // Not attached, or another voucher attached: named.
        let mut r = VerifyReport::default();
        check(&mut r, &b, &[]);
        assert!(!r.ok() && r.checks[0].detail.contains("not attached"), "{r:?}");
        let bundle = ProofBundle::new("zj", String::new(), Vec::new(), None);
        let other = TransferProof { note: note.replace("{}", "{\"x\":1}"), bundle: bundle.clone() };
        let mut r = VerifyReport::default();
        check(&mut r, &b, &[other]);
        assert!(!r.ok() && r.checks[0].detail.contains("not attached"), "a changed voucher has another digest: {r:?}");
        // Attached but not signed by the key the body names: fails.
        let mut r = VerifyReport::default();
        check(&mut r, &b, &[TransferProof { note: note.into(), bundle }]);
        assert!(!r.ok() && r.checks[0].detail.contains("does not verify"), "{r:?}");
        // No transfers: nothing checked, the lines and figures empty.
        let mut r = VerifyReport::default();
        check(&mut r, &body(Vec::new()), &[]);
        assert!(r.checks.is_empty() && figures(&body(Vec::new())).is_empty());
        let l = lines(&b, Lang::Zh);
        assert_eq!((l[0].label.as_str(), l[0].value.as_str()), ("浙江省转入（2023-01起）", "36个月"));
    }
}
