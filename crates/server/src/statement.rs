//! A platform's tax statement for a year (the paper's proposal, not law) as the words of its
//! PDF and as CSV: shared by `flexpension platform statement --out` and the platform's portal
//! (`/platform/statement/{year}.pdf`, `/platform/statement/{year}.csv`). Drawing one writes
//! nothing: the figures are read from the store and the parameters each time.

use flexpension_rules::explain::{Explained, Text};
use flexpension_rules::fund::TaxStatement;
use flexpension_store::Platform;
use flexpension_voucher::Lang;
use flexpension_voucher::statement::StatementDoc;

/// The CSV's header (amounts in fen).
pub const CSV_HEADER: &str = "year,platform,name,uscc,paid_fen,deduction_fen,tax_effect_fen,immediate_refund,notes\n";

/// The words and figures of a platform's tax statement for the PDF.
pub fn statement_doc(p: &Platform, e: &Explained<TaxStatement>, lang: Lang) -> StatementDoc {
    StatementDoc {
        lang,
        title: lang.f("statement.statement_title", &[("year", &e.value.year.to_string())]),
        lines: vec![
            (lang.t("statement.platform").to_string(), format!("{} ({})", p.name, p.uscc)),
            (lang.t("statement.paid").to_string(), flexpension_voucher::format_fen(e.value.paid_fen)),
            (lang.t("statement.deduction").to_string(), flexpension_voucher::format_fen(e.value.deduction_fen)),
            (lang.t("statement.tax_effect").to_string(), flexpension_voucher::format_fen(e.value.tax_effect_fen)),
            (
                lang.t("statement.refund").to_string(),
                lang.t(if e.value.immediate_refund { "statement.yes" } else { "statement.no" }).to_string(),
            ),
        ],
        notes: notes(e, lang),
    }
}

/// The warnings (the paper's proposal, not law) then the steps, in `lang`.
fn notes(e: &Explained<TaxStatement>, lang: Lang) -> Vec<String> {
    e.warnings.iter().chain(e.steps.iter()).map(|t: &Text| t.get(lang).to_string()).collect()
}

fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The statement as CSV: the header and one line; the notes joined by " | ".
pub fn statement_csv(p: &Platform, e: &Explained<TaxStatement>, lang: Lang) -> String {
    let v = &e.value;
    let cols = [
        v.year.to_string(),
        p.id.0.to_string(),
        field(&p.name),
        field(&p.uscc),
        v.paid_fen.to_string(),
        v.deduction_fen.to_string(),
        v.tax_effect_fen.to_string(),
        v.immediate_refund.to_string(),
        field(&notes(e, lang).join(" | ")),
    ];
    format!("{CSV_HEADER}{}\n", cols.join(","))
}
