//! The contribution voucher (参保缴费凭证) as a PDF.
//!
//! [`render_pdf`] is pure: it takes a [`VoucherDoc`] and returns the bytes of an A4 PDF that
//! carries its own font (a subset of Noto Sans SC, shipped in `assets/fonts/` and subset once
//! more into each PDF, so the document renders Chinese on machines without any CJK font), a
//! vector QR code holding [`VoucherDoc::verify_url`], and the signed machine-readable voucher
//! attached as the embedded file `voucher.json`. [`extract_payload`] reads that attachment
//! back out of a PDF this crate produced, and [`check_pages`] tells whether a PDF is exactly
//! what a [`VoucherDoc`] draws (rendering is deterministic), naming what differs when not.
//!
//! | module | what |
//! |---|---|
//! | `compare` | Is a PDF exactly the voucher its signed data draws? Rendering is deterministic (same document, same bytes), so it re-renders and compares |
//! | `document` | Any other signed data for people (a complaint's evidence package): headed blocks of facts, paragraphs and tables over pages, the data attached, checked the same way |
//! | `extract` | Reading `voucher.json` (or another attached file) back out of a PDF: a small reader for the PDFs this crate writes |
//! | `font` | The bundled face: loading it once, and laying out a line of text with its advances |
//! | `money` | Fen to yuan, in integer arithmetic |
//! | `qr` | The QR code as vector rectangles |
//! | `render` | Layout and drawing: A4 portrait, y grows downwards, units are PDF points |
//! | `sample` | A sample voucher with a made-up worker, for previews, tests and fuzzing |

mod compare;
pub mod document;
mod extract;
mod font;
mod money;
mod qr;
mod render;
pub mod sample;
pub mod statement;

pub use compare::{PageCheck, check_pages};
pub use extract::{extract_file, extract_payload};
pub use money::format_fen;

/// The version of the drawing: the same [`VoucherDoc`] gives the same bytes under the same
/// `LAYOUT`. Any change that changes the output (layout, labels, the font, krilla) must bump it:
/// a voucher is checked by drawing its signed data again, and a program of another layout
/// cannot compare its pages.
pub const LAYOUT: &str = "flexpension-voucher-pdf/1";

/// Name of the embedded file that carries [`VoucherDoc::payload`].
pub const PAYLOAD_FILE_NAME: &str = "voucher.json";

/// The language of the voucher's labels (the `voucher` screen of `flexpension-text`). The data
/// is printed as given either way.
pub use flexpension_text::Lang;

/// Everything printed on a voucher; every string is printed as given (preformatted by the
/// caller), money is in fen and printed as yuan with two decimals.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoucherDoc {
    /// Language of the labels.
    pub lang: Lang,
    /// e.g. "ZJ-2026-000123-7F3A".
    pub voucher_id: String,
    /// e.g. "浙江省".
    pub region_name: String,
    /// e.g. "zj".
    pub region_code: String,
    /// e.g. "王小明".
    pub worker_name: String,
    /// e.g. "330106********1234".
    pub id_masked: String,
    /// e.g. "2026-11-29 18:30".
    pub issued_at: String,
    /// One table row each, in the order given; the table runs over as many pages as needed.
    pub months: Vec<VoucherMonth>,
    /// e.g. "3年2个月" / "3 y 2 m".
    pub years_counted: String,
    /// Personal pension account balance, in fen.
    pub balance_fen: i64,
    /// Total paid, in fen (printed as given, not recomputed from `months`).
    pub total_paid_fen: i64,
    /// The pension savings account (个人养老储蓄账户), printed under the balance when the worker
    /// has one; `None` draws the page exactly as before it existed.
    pub savings: Option<VoucherSavings>,
    /// Months brought in from other regions by transfers, one summary line each (label and
    /// value preformatted), at most [`MAX_TRANSFER_LINES`] drawn; none draws the page as before.
    pub transferred: Vec<VoucherLine>,
    /// Encoded in the QR code and printed in small type under it (without its query).
    pub verify_url: String,
    /// The short code printed beside the QR code that the verify page asks for, e.g. "7F3A-K9QD".
    pub check_code: String,
    /// Printed at the bottom of the last page.
    pub signature_line: String,
    /// The signed machine-readable voucher, attached as the embedded file `voucher.json`.
    pub payload: Vec<u8>,
}

/// The pension savings account on the voucher: its balance and one year's deposits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoucherSavings {
    /// The balance, in fen.
    pub balance_fen: i64,
    /// The year the deposits are of, e.g. 2026.
    pub year: i32,
    /// Deposited from that year's occasional income, in fen.
    pub deposited_fen: i64,
}

/// A summary line of its own: what it says before the value, and the value, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoucherLine {
    pub label: String,
    pub value: String,
}

/// The most transfer lines a voucher draws (the closing block stays on one page).
pub const MAX_TRANSFER_LINES: usize = 6;

/// One month of contributions: one row of the voucher's table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoucherMonth {
    /// e.g. "2026-03".
    pub month: String,
    /// Contribution base, in fen.
    pub base_fen: i64,
    /// Amount due, in fen.
    pub amount_fen: i64,
    /// Amount paid, in fen.
    pub paid_fen: i64,
    /// e.g. "已缴" / "欠缴", preformatted.
    pub status: String,
}

/// Why a voucher could not be rendered or its payload not read back.
#[derive(Debug, thiserror::Error)]
pub enum VoucherError {
    /// The bundled font could not be parsed (a broken build, not bad input).
    #[error("the bundled font could not be loaded")]
    Font,
    /// The verification URL does not fit in a QR code.
    #[error("the verification URL cannot be encoded as a QR code: {0}")]
    Qr(String),
    /// krilla refused to write the document.
    #[error("PDF could not be written: {0}")]
    Pdf(String),
    /// The PDF has no embedded data file of the name asked for (`voucher.json`, `complaint.json`).
    #[error("the PDF has no embedded data file of this kind")]
    PayloadMissing,
    /// The PDF or its embedded file could not be parsed.
    #[error("the PDF could not be read: {0}")]
    Malformed(&'static str),
}

/// Renders the voucher as an A4 portrait PDF.
pub fn render_pdf(doc: &VoucherDoc) -> Result<Vec<u8>, VoucherError> {
    render::render(doc)
}
