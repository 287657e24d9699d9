//! Checking a voucher PDF offline (what `flexpension verify voucher.pdf` does): the proof bundle
//! it carries (the region's signature on the voucher, its log entry, the witnesses), that its
//! pages are exactly what the signed data draws, and the signed figures for a person to compare
//! with the paper.

use super::{VoucherBody, VoucherPayload, check_code};
use flexpension_store::log::{ProofBundle, VerifyOptions, VerifyReport, verify_bundle};
use flexpension_voucher::{PageCheck, check_pages, extract_payload, format_fen};

/// The name of the check that binds the page to the signature.
pub const PAGE_CHECK: &str = "voucher page";

/// Checks a voucher PDF with the keys in `opts`. `Err` when the file is no voucher (no
/// attachment, or one that is not a voucher's data); every other problem is a failed check.
pub fn check_pdf(pdf: &[u8], opts: &VerifyOptions) -> Result<VerifyReport, String> {
    let payload = extract_payload(pdf).map_err(|e| format!("no voucher data in this PDF: {e}"))?;
    let p: VoucherPayload = serde_json::from_slice(&payload).map_err(|e| format!("the voucher data does not parse: {e}"))?;
    let mut report = verify_bundle(&p.bundle, opts);
    match signed_body(&report, &p.bundle) {
        None => {
            report.add(PAGE_CHECK, Err("the page cannot be compared: the attached data holds no voucher signed by the region".into()));
        }
        Some((note, body)) => {
            let res = if body.layout != flexpension_voucher::LAYOUT && !body.layout.is_empty() {
                Err(format!(
                    "the voucher was drawn with page layout '{}'; this program draws '{}' and cannot compare the page: \
                     check it with the version that issued it",
                    body.layout,
                    flexpension_voucher::LAYOUT
                ))
            } else {
                body.face(note, payload).and_then(|doc| match check_pages(&doc, pdf) {
                    Ok(PageCheck::Same { pages }) => {
                        Ok(format!("the printed page{} exactly what the signed voucher draws", if pages == 1 { " is" } else { "s are" }))
                    }
                    Ok(PageCheck::Differs(what)) => Err(format!("the printed voucher is not the signed one: {}", what.join("; "))),
                    Err(e) => Err(format!("the signed voucher could not be drawn to compare: {e}")),
                })
            };
            report.add(PAGE_CHECK, res);
            super::moved::check(&mut report, &body, &p.transfers);
            report.summary.extend(figures(&body, note));
        }
    }
    Ok(report)
}

/// The voucher a bundle carries when the report found it signed by the region.
fn signed_body<'a>(report: &VerifyReport, bundle: &'a ProofBundle) -> Option<(&'a str, VoucherBody)> {
    let signed = report.checks.iter().any(|c| c.name == "voucher" && c.ok);
    let note = bundle.voucher.as_deref().filter(|_| signed)?;
    Some((note, VoucherBody::from_note(note)?))
}

/// The signed figures as lines: who and when, each month (base, due, paid, status), the totals.
pub fn figures(body: &VoucherBody, note: &str) -> Vec<String> {
    let mut lines = vec![
        format!("voucher {} issued {} to {} ({}), check code {}", body.id, body.issued_at, body.name, body.id_masked, check_code(note)),
        format!("{:<9} {:>14} {:>14} {:>14}  status", "month", "base", "due", "paid"),
    ];
    for m in &body.months {
        // As printed: v2 says what was still owed; a v1 body only what was paid.
        let paid = if body.format == super::VOUCHER_FORMAT { m.due_fen == 0 } else { m.paid_fen >= m.net_fen };
        let status = if paid { "paid" } else { "owed" };
        lines.push(format!(
            "{:<9} {:>14} {:>14} {:>14}  {status}",
            m.month,
            format_fen(m.base_fen),
            format_fen(m.net_fen),
            format_fen(m.paid_fen)
        ));
    }
    let due: i64 = body.months.iter().map(|m| m.net_fen).fold(0, i64::saturating_add);
    lines.push(format!(
        "total due {}, total paid {}; personal account balance {}; months paid {} (years counted {})",
        format_fen(due),
        format_fen(body.total_paid_fen),
        format_fen(body.balance_fen),
        body.months_paid,
        body.years_counted
    ));
    lines.extend(super::moved::figures(body));
    if let Some(sv) = &body.savings {
        lines.push(format!(
            "pension savings account balance {}; deposited in {} {}",
            format_fen(sv.balance_fen),
            sv.year,
            format_fen(sv.deposited_fen)
        ));
    }
    lines
}

/// For a voucher's data without its PDF (saved with pdfdetach): the bundle's checks and the
/// signed figures; there is no page to compare.
pub fn check_payload(p: &VoucherPayload, opts: &VerifyOptions) -> VerifyReport {
    let mut report = verify_bundle(&p.bundle, opts);
    if let Some((note, body)) = signed_body(&report, &p.bundle) {
        report.summary.push("(the voucher's data only: no printed page to compare)".into());
        super::moved::check(&mut report, &body, &p.transfers);
        report.summary.extend(figures(&body, note));
    }
    report
}
