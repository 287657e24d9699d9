//! The transfer voucher (转移凭证) as a PDF for the worker (`/me/transfers/{id}/voucher.pdf`):
//! what moved from which region to which, month by month, in the voucher's font and style. The
//! sending region's signed voucher and its proof bundle are attached (`transfer.json`) and
//! everything printed is drawn from the signed voucher alone, so what the document prints is
//! covered by the sender's signature: [`check_pdf`] (what `flexpension verify voucher.pdf`
//! does) checks the bundle against the sender's log key, that it is this voucher's, then draws
//! the voucher again and compares the pages, naming what differs.

use flexpension_rules::money::yuan_grouped;
use flexpension_store::TransferVoucher;
use flexpension_store::log::bundle::{ProofBundle, verify_bundle};
use flexpension_store::log::{VerifyOptions, VerifyReport};
pub use flexpension_text::Lang;
use flexpension_voucher::document::{Attachment, Block, Column, DOCUMENT_LAYOUT, PrintedDoc, TableRow, check_document, render_document};
use flexpension_voucher::{PageCheck, extract_file};
use serde::{Deserialize, Serialize};

/// The attached file's format.
pub const PDF_FORMAT: &str = "flexpension-transfer-pdf/1";
/// The attached file's name.
pub const ATTACHMENT: &str = "transfer.json";
/// The name of the check that binds the pages to the voucher.
pub const PAGE_CHECK: &str = "printed pages";

/// What the PDF carries: the signed voucher (the sender's note), its proof bundle, and how it
/// was drawn (the labels' language and the drawing's version, neither of which changes a figure).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attached {
    pub format: String,
    pub layout: String,
    pub lang: String,
    pub voucher: String,
    pub bundle: ProofBundle,
}

/// The voucher (`note`, the sender's signed text) with its `bundle` as a PDF in `lang`.
pub fn draw(note: &str, bundle: &ProofBundle, lang: Lang) -> Result<Vec<u8>, String> {
    let v = TransferVoucher::from_note(note).ok_or("not a transfer voucher")?;
    let a = Attached {
        format: PDF_FORMAT.into(),
        layout: DOCUMENT_LAYOUT.into(),
        lang: lang.code().into(),
        voucher: note.into(),
        bundle: bundle.clone(),
    };
    let data = serde_json::to_vec(&a).map_err(|e| e.to_string())?;
    render_document(&printed(&v, lang, data)).map_err(|e| e.to_string())
}

/// Whether a PDF carries a transfer voucher.
pub fn is_transfer_pdf(pdf: &[u8]) -> bool {
    extract_file(pdf, ATTACHMENT).is_ok()
}

/// Checks a transfer voucher PDF offline against the sending region's log key (`opts`): the
/// bundle and the voucher's signature in it, that the attached voucher is the bundle's, then that
/// the pages are exactly what the voucher draws. `Err` when the PDF carries no transfer voucher.
pub fn check_pdf(pdf: &[u8], opts: &VerifyOptions) -> Result<VerifyReport, String> {
    let data = extract_file(pdf, ATTACHMENT).map_err(|e| format!("no transfer voucher in this PDF: {e}"))?;
    let a: Attached = serde_json::from_slice(&data).map_err(|e| format!("the attached voucher does not parse: {e}"))?;
    let mut report = verify_bundle(&a.bundle, opts);
    let same = a.bundle.voucher.as_deref() == Some(a.voucher.as_str());
    report.add(
        "voucher",
        if same {
            Ok("the attached voucher is the one the bundle proves".into())
        } else {
            Err("the attached voucher is not the bundle's".into())
        },
    );
    let res = match TransferVoucher::from_note(&a.voucher) {
        _ if a.format != PDF_FORMAT => Err(format!("unknown format '{}'", a.format)),
        _ if a.layout != DOCUMENT_LAYOUT => Err(format!(
            "the pages were drawn with layout '{}'; this program draws '{DOCUMENT_LAYOUT}' and cannot compare them: check it with the version that made it",
            a.layout
        )),
        None => Err("the attached voucher is not a transfer voucher".into()),
        Some(v) => match check_document(&printed(&v, Lang::parse(Some(&a.lang)), data), pdf) {
            Ok(PageCheck::Same { pages }) => Ok(format!("the {pages} printed page(s) are exactly what the signed voucher draws")),
            Ok(PageCheck::Differs(what)) => Err(format!("the printed pages are not what the signed voucher says: {}", what.join("; "))),
            Err(e) => Err(format!("the voucher could not be drawn to compare: {e}")),
        },
    };
    report.add(PAGE_CHECK, res);
    Ok(report)
}

fn fact(l: Lang, key: &str, what: &str, value: String) -> (String, String, String) {
    (what.into(), l.t(&format!("transfers.pdf_l_{key}")).to_string(), value)
}

fn col(l: Lang, key: &str, what: &str, share: u32, right: bool) -> Column {
    Column { label: l.t(&format!("transfers.pdf_c_{key}")).to_string(), what: what.into(), share, right }
}

/// The shipped parameters, for the regions' names (the same in every build that draws or checks
/// a voucher; a region they do not know is printed by its code).
static PARAMS: std::sync::LazyLock<Option<flexpension_rules::Params>> =
    std::sync::LazyLock::new(|| flexpension_rules::Params::embedded().ok());

fn region(l: Lang, code: &str) -> String {
    match PARAMS.as_ref().and_then(|p| p.region(code).ok()) {
        Some(r) => format!("{} ({code})", if l.is_en() { &r.name_en } else { &r.name_zh }),
        None => code.to_string(),
    }
}

/// What the voucher prints, in `lang`, with `data` attached. Only the signed voucher's own
/// contents are used, in its order, so the same voucher draws the same pages.
pub fn printed(v: &TransferVoucher, l: Lang, data: Vec<u8>) -> PrintedDoc {
    let (from, to) = (region(l, &v.from), region(l, &v.to));
    let blocks = vec![
        Block::Facts(vec![
            fact(l, "id", "transfer", v.transfer.clone()),
            fact(l, "worker", "worker", v.id_masked.clone()),
            fact(l, "from", "from", from.clone()),
            fact(l, "to", "to", to.clone()),
            fact(l, "at", "signed at", v.at.clone()),
            fact(
                l,
                "months",
                "months",
                l.f("transfers.pdf_months", &[("months", &v.months.len().to_string()), ("years", &v.years.to_string())]),
            ),
            fact(
                l,
                "account",
                "personal account",
                l.f("transfers.pdf_account", &[("account", &yuan_grouped(v.account_fen)), ("interest", &yuan_grouped(v.interest_fen))]),
            ),
            fact(l, "pool", "pooling fund", yuan_grouped(v.pool_transfer_fen)),
            fact(l, "total", "total", yuan_grouped(v.total_fen)),
        ]),
        Block::Heading(l.t("transfers.pdf_h_months").into()),
        Block::Table {
            what: "months".into(),
            columns: vec![
                col(l, "month", "month", 200, false),
                col(l, "region", "region", 200, false),
                col(l, "base", "base", 200, true),
                col(l, "contribution", "contribution", 200, true),
                col(l, "account", "personal account", 200, true),
            ],
            rows: v
                .months
                .iter()
                .map(|(m, r, base, contribution, pa)| TableRow {
                    name: m.clone(),
                    cells: vec![m.clone(), r.clone(), yuan_grouped(*base), yuan_grouped(*contribution), yuan_grouped(*pa)],
                })
                .collect(),
        },
        Block::Heading(l.t("transfers.pdf_h_check").into()),
        Block::Paragraph { what: "how to check it".into(), text: l.f("transfers.pdf_how", &[("from", &from)]) },
    ];
    PrintedDoc {
        lang: l,
        title: l.t("transfers.pdf_title").into(),
        subtitle: l.f("transfers.pdf_subtitle", &[("from", &from), ("to", &to)]),
        footer: l.f("transfers.pdf_footer", &[("id", &v.transfer)]),
        blocks,
        attachment: Attachment { name: ATTACHMENT.into(), description: "Pension transfer voucher".into(), data },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voucher() -> TransferVoucher {
        TransferVoucher {
            transfer: "ah-zj-0001".into(),
            from: "zj".into(),
            to: "ah".into(),
            worker: 7,
            id_masked: "3301**********0018".into(),
            at: "2026-12-07T10:00:00+08:00".into(),
            months: vec![
                ("2026-08".into(), "zj".into(), 498_600, 79_776, 39_888),
                ("2026-09".into(), "zj".into(), 498_600, 79_776, 39_888),
            ],
            years: 0,
            pool_transfer_fen: 119_664,
            account_fen: 80_100,
            interest_fen: 324,
            total_fen: 199_764,
            insured: true,
        }
    }

    #[test]
    fn the_pages_are_what_the_voucher_draws_and_an_edited_figure_is_named() {
        let v = voucher();
        for l in [Lang::Zh, Lang::En] {
            let doc = printed(&v, l, b"{}".to_vec());
            let pdf = render_document(&doc).expect("draw");
            assert_eq!(check_document(&doc, &pdf).expect("check"), PageCheck::Same { pages: 1 });
            // The same attachment, a month's contribution edited on the page: named.
            let mut edited = doc.clone();
            if let Some(Block::Table { rows, .. }) = edited.blocks.iter_mut().find(|b| matches!(b, Block::Table { .. })) {
                rows[1].cells[3] = "1,797.76".into();
            }
            let forged = render_document(&edited).expect("draw");
            match check_document(&doc, &forged).expect("check") {
                PageCheck::Differs(what) => assert!(what.iter().any(|w| w.contains("2026-09") && w.contains("contribution")), "{what:?}"),
                other => panic!("an edited figure passed: {other:?}"),
            }
        }
    }

    #[test]
    fn every_word_is_in_both_languages() {
        let doc = printed(&voucher(), Lang::En, Vec::new());
        assert!(!doc.title.starts_with("transfers.") && !doc.subtitle.contains("{"), "{doc:?}");
        for b in &doc.blocks {
            if let Block::Facts(f) = b {
                assert!(f.iter().all(|(_, label, _)| !label.starts_with("transfers.")), "{f:?}");
            }
        }
    }
}
