//! A complaint's evidence package as a PDF for people (`/me/complaints/{id}/package.pdf`, and
//! the same on the inspection and legal-aid desks): the complaint, the sealed rows (income by
//! month, orders, contributions and payments), the uploads' hashes, the checkpoint and how to
//! check it, in the voucher's font and style. The package itself is attached (`complaint.json`)
//! and everything printed is drawn from it alone, so "what a document prints is covered by its
//! signature": [`check_pdf`] (what `flexpension verify complaint.pdf` does) checks the package
//! against the signed checkpoint, then draws it again and compares the pages byte for byte,
//! naming what differs. An upload's file name is not printed: it was not sealed, its hash was.

use flexpension_store::log::entry::{JournalRow, OrderRow};
use flexpension_store::log::{VerifyOptions, VerifyReport};
use flexpension_store::{EvidencePackage, rfc3339, verify_package};
use flexpension_text::Lang;
use flexpension_voucher::document::{Attachment, Block, Column, DOCUMENT_LAYOUT, PrintedDoc, TableRow, check_document, render_document};
use flexpension_voucher::{PageCheck, extract_file, format_fen};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The attached file's format.
pub const PDF_FORMAT: &str = "flexpension-complaint-pdf/1";
/// The attached file's name.
pub const ATTACHMENT: &str = "complaint.json";
/// The name of the check that binds the pages to the package.
pub const PAGE_CHECK: &str = "printed pages";

/// What the PDF carries: the package, and how it was drawn (the labels' language and the
/// drawing's version, neither of which changes a figure).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attached {
    pub format: String,
    pub layout: String,
    pub lang: String,
    pub package: EvidencePackage,
}

/// The package as a PDF with its labels in `lang`.
pub fn draw(p: &EvidencePackage, lang: Lang) -> Result<Vec<u8>, String> {
    let a = Attached { format: PDF_FORMAT.into(), layout: DOCUMENT_LAYOUT.into(), lang: lang.code().into(), package: p.clone() };
    let data = serde_json::to_vec(&a).map_err(|e| e.to_string())?;
    render_document(&printed(p, lang, data)).map_err(|e| e.to_string())
}

/// Whether a PDF carries a complaint's package (rather than a voucher).
pub fn is_package_pdf(pdf: &[u8]) -> bool {
    extract_file(pdf, ATTACHMENT).is_ok()
}

/// Checks a package PDF offline: the package (its checkpoint, every row, the complaint, the
/// files), then that the pages are exactly what the package draws. `Err` when the PDF carries
/// no package.
pub fn check_pdf(pdf: &[u8], opts: &VerifyOptions) -> Result<VerifyReport, String> {
    let data = extract_file(pdf, ATTACHMENT).map_err(|e| format!("no complaint package in this PDF: {e}"))?;
    let a: Attached = serde_json::from_slice(&data).map_err(|e| format!("the attached package does not parse: {e}"))?;
    let mut report = verify_package(&a.package, opts);
    let res = if a.format != PDF_FORMAT {
        Err(format!("unknown format '{}'", a.format))
    } else if a.layout != DOCUMENT_LAYOUT {
        Err(format!(
            "the pages were drawn with layout '{}'; this program draws '{DOCUMENT_LAYOUT}' and cannot compare them: check it with the version that made it",
            a.layout
        ))
    } else {
        let lang = Lang::parse(Some(&a.lang));
        match check_document(&printed(&a.package, lang, data), pdf) {
            Ok(PageCheck::Same { pages }) => Ok(format!("the {pages} printed page(s) are exactly what the attached package draws")),
            Ok(PageCheck::Differs(what)) => Err(format!("the printed pages are not what the package says: {}", what.join("; "))),
            Err(e) => Err(format!("the package could not be drawn to compare: {e}")),
        }
    };
    report.add(PAGE_CHECK, res);
    Ok(report)
}

/// A time as printed: `2025-05-13 10:00` (China time).
fn at(us: i64) -> String {
    let t = rfc3339(us);
    t.get(..16).map(|s| s.replace('T', " ")).unwrap_or(t)
}

fn col(l: Lang, key: &str, what: &str, share: u32, right: bool) -> Column {
    Column { label: l.t(&format!("voucher.pkg_c_{key}")).to_string(), what: what.into(), share, right }
}

fn fact(l: Lang, key: &str, what: &str, value: String) -> (String, String, String) {
    (what.into(), l.t(&format!("voucher.pkg_l_{key}")).to_string(), value)
}

/// What the package prints, in `lang`, with `data` attached (the [`Attached`] package, as
/// JSON). Only the package's own contents are used, in its order, so the same package draws
/// the same pages.
pub fn printed(p: &EvidencePackage, l: Lang, data: Vec<u8>) -> PrintedDoc {
    let c = &p.complaint;
    let id = c.id.to_string();
    let kind_key = format!("rights.kind_{}", c.kind);
    let kind = if flexpension_text::has(&kind_key) { l.t(&kind_key).to_string() } else { c.kind.clone() };
    let platform = match &c.platform_name {
        Some(name) => l.f("voucher.pkg_platform", &[("name", name), ("id", &c.platform.to_string())]),
        None => l.f("voucher.pkg_platform_no", &[("id", &c.platform.to_string())]),
    };
    let text = if c.text.trim().is_empty() { "—".to_string() } else { c.text.trim().to_string() };
    let mut blocks = vec![
        Block::Heading(l.t("voucher.pkg_h_complaint").into()),
        Block::Facts(vec![
            fact(l, "id", "complaint number", id.clone()),
            fact(l, "worker", "worker number", c.worker.to_string()),
            fact(l, "platform", "platform", platform),
            fact(l, "kind", "what happened", kind),
            fact(l, "months", "months", c.months.join(", ")),
            fact(l, "filed", "filed at", at(c.filed_at_us)),
            fact(l, "due", "deadline", at(c.due_at_us)),
            fact(l, "text", "the worker's words", text),
        ]),
    ];

    // The rows as the package holds them (each checked against its signed batch).
    let (mut orders, mut journal) = (Vec::new(), Vec::new());
    let mut by_month: BTreeMap<i32, (u64, i64, i64)> = BTreeMap::new();
    for b in &p.bundle.proofs {
        let (Some((what, key)), Some(row)) = (b.what.split_once(' '), &b.row) else { continue };
        match what {
            "order" => {
                if let Ok(o) = serde_json::from_str::<OrderRow>(&row.data) {
                    let m = by_month.entry(o.month).or_default();
                    m.0 += 1;
                    m.1 = m.1.saturating_add(o.amount_fen);
                    m.2 = m.2.saturating_add(o.premium_fen);
                    orders.push(TableRow {
                        name: key.into(),
                        cells: vec![
                            o.order_id.clone(),
                            month_of(o.month),
                            at(o.settled_at_us),
                            format_fen(o.amount_fen),
                            format_fen(o.premium_fen),
                        ],
                    });
                }
            }
            "journal" => {
                if let Ok(j) = serde_json::from_str::<JournalRow>(&row.data) {
                    journal.push(journal_row(l, key, &j));
                }
            }
            _ => {}
        }
    }
    let none = |what: &str| Block::Paragraph { what: what.into(), text: l.t("voucher.pkg_none").into() };
    blocks.push(Block::Heading(l.t("voucher.pkg_h_income").into()));
    if by_month.is_empty() {
        blocks.push(none("income"));
    } else {
        let rows = by_month
            .iter()
            .map(|(m, (n, fen, premium))| TableRow {
                name: month_of(*m),
                cells: vec![month_of(*m), n.to_string(), format_fen(*fen), format_fen(*premium)],
            })
            .collect();
        let columns = vec![
            col(l, "month", "month", 250, false),
            col(l, "orders", "orders", 200, true),
            col(l, "income", "income", 300, true),
            col(l, "premium", "injury premium", 250, true),
        ];
        blocks.push(Block::Table { what: "income".into(), columns, rows });
    }
    let order_count = orders.len();
    blocks.push(Block::Heading(l.t("voucher.pkg_h_orders").into()));
    if orders.is_empty() {
        blocks.push(none("orders"));
    } else {
        let columns = vec![
            col(l, "order", "order", 300, false),
            col(l, "month", "month", 130, false),
            col(l, "settled", "settled at", 230, false),
            col(l, "amount", "amount", 190, true),
            col(l, "premium", "injury premium", 150, true),
        ];
        blocks.push(Block::Table { what: "orders".into(), columns, rows: orders });
    }
    let journal_count = journal.len();
    blocks.push(Block::Heading(l.t("voucher.pkg_h_journal").into()));
    if journal.is_empty() {
        blocks.push(none("journal"));
    } else {
        let columns = vec![
            col(l, "entry", "entry", 300, false),
            col(l, "month", "month", 150, false),
            col(l, "base", "base", 250, true),
            col(l, "amount", "amount", 300, true),
        ];
        blocks.push(Block::Table { what: "journal".into(), columns, rows: journal });
    }
    blocks.push(Block::Heading(l.t("voucher.pkg_h_files").into()));
    if p.uploads.is_empty() {
        blocks.push(none("files"));
    } else {
        let rows = p
            .uploads
            .iter()
            .map(|u| TableRow {
                name: format!("file {}", u.n),
                cells: vec![u.n.to_string(), u.content_type.clone(), u.size.to_string(), u.sha256.clone()],
            })
            .collect();
        let columns = vec![
            col(l, "n", "number", 60, true),
            col(l, "type", "type", 170, false),
            col(l, "size", "size", 120, true),
            col(l, "sha256", "SHA-256", 650, false),
        ];
        blocks.push(Block::Table { what: "files".into(), columns, rows });
    }

    // The record: the checkpoint every row is proved against, and how to check it.
    let cp = flexpension_tlog::parse_note(&p.bundle.checkpoint).ok().and_then(|n| flexpension_tlog::Checkpoint::parse(&n.text).ok());
    let (origin, size, root) =
        cp.map_or_else(|| (p.bundle.origin.clone(), String::new(), String::new()), |c| (c.origin, c.size.to_string(), c.root.to_base64()));
    let entry = p.bundle.proofs.first().map(|f| f.index.to_string()).unwrap_or_default();
    let sealed = l.f(
        "voucher.pkg_sealed",
        &[("orders", &order_count.to_string()), ("journal", &journal_count.to_string()), ("files", &p.uploads.len().to_string())],
    );
    blocks.push(Block::Heading(l.t("voucher.pkg_h_record").into()));
    blocks.push(Block::Facts(vec![
        fact(l, "origin", "log", origin),
        fact(l, "size", "checkpoint size", size.clone()),
        fact(l, "root", "checkpoint root hash", root),
        fact(l, "entry", "the complaint's entry", entry),
        fact(l, "sealed", "sealed", sealed),
    ]));
    blocks.push(Block::Heading(l.t("voucher.pkg_h_check").into()));
    blocks.push(Block::Paragraph { what: "how to check it".into(), text: l.f("voucher.pkg_how", &[("id", &id)]) });
    PrintedDoc {
        lang: l,
        title: l.t("voucher.pkg_title").into(),
        subtitle: l.f("voucher.pkg_subtitle", &[("id", &id)]),
        footer: l.f("voucher.pkg_footer", &[("id", &id), ("size", &size)]),
        blocks,
        attachment: Attachment { name: ATTACHMENT.into(), description: "Complaint evidence package".into(), data },
    }
}

fn month_of(code: i32) -> String {
    format!("{}-{:02}", code / 100, code % 100)
}

/// A journal entry as a line: what it is, its month, the base (a close's), the amount (a
/// close's net due; otherwise the entry's debits).
fn journal_row(l: Lang, key: &str, j: &JournalRow) -> TableRow {
    let kind_key = format!("voucher.pkg_kind_{}", j.kind);
    let kind = if flexpension_text::has(&kind_key) { l.t(&kind_key).to_string() } else { j.kind.clone() };
    let (base, amount) = match j.due {
        Some(d) => (format_fen(d[1]), d[6]),
        None => (String::new(), j.postings.iter().map(|(_, a)| *a).filter(|a| *a > 0).fold(0i64, i64::saturating_add)),
    };
    TableRow { name: key.into(), cells: vec![kind, j.period.clone(), base, format_fen(amount)] }
}
