//! Layout and drawing: A4 portrait, y grows downwards, units are PDF points.

use std::ops::Range;

use krilla::Document;
use krilla::color::luma;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;

use crate::font::Face;
use crate::money::format_fen_wide;
use crate::{Lang, PAYLOAD_FILE_NAME, VoucherDoc, VoucherError, qr};

pub(crate) const PAGE_W: f32 = 595.276;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN: f32 = 51.0; // 18 mm
pub(crate) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Nothing of the body goes below this line; the footer sits under it.
pub(crate) const BODY_BOTTOM: f32 = PAGE_H - MARGIN - 8.0;
pub(crate) const FOOTER_Y: f32 = PAGE_H - 30.0;

const TABLE_TOP_FIRST: f32 = 224.0;
const TABLE_TOP_NEXT: f32 = MARGIN + 40.0;
pub(crate) const HEADER_ROW_H: f32 = 21.0;
pub(crate) const ROW_H: f32 = 17.0;
pub(crate) const ROW_SIZE: f32 = 10.0;

/// Side of the QR code's square, quiet zone included: 48 mm, so the code itself is at least
/// ~37 mm wide for any URL over 26 bytes (version 3 and up).
const QR_SIDE: f32 = 48.0 * 72.0 / 25.4;
/// The column under the QR code (URL, plain-words line) is a little wider than the code.
const QR_COL_W: f32 = QR_SIDE + 50.0;
const URL_SIZE: f32 = 7.0;
const URL_LINE: f32 = 9.0;
/// The plain-words line sits under the summary, left of the QR code.
const LEFT_COL_W: f32 = CONTENT_W - QR_COL_W - 10.0;
const NOTE_SIZE: f32 = 10.0;
const NOTE_LINE: f32 = 14.0;
const NOTE_GAP: f32 = 16.0;
const SUMMARY_SIZE: f32 = 11.0;
const SUMMARY_LINE: f32 = 22.0;
const CODE_SIZE: f32 = 12.0;
const CODE_LINE: f32 = 18.0;
const SIG_SIZE: f32 = 9.0;
const SIG_LINE: f32 = 13.0;

/// The words printed around the data, from the text catalogue's `voucher` screen.
struct Labels {
    lang: Lang,
    title: &'static str,
    continued: &'static str,
    region: &'static str,
    name: &'static str,
    id: &'static str,
    issued: &'static str,
    voucher_id: &'static str,
    columns: [&'static str; 5],
    total_row: &'static str,
    years: &'static str,
    total_paid: &'static str,
    balance: &'static str,
    savings_balance: &'static str,
    scan: &'static str,
    check_code: &'static str,
}

impl Labels {
    fn of(lang: Lang) -> Labels {
        let t = |key: &'static str| lang.t(key);
        Labels {
            lang,
            title: t("voucher.title"),
            continued: t("voucher.continued"),
            region: t("voucher.region"),
            name: t("voucher.name"),
            id: t("voucher.id"),
            issued: t("voucher.issued"),
            voucher_id: t("voucher.voucher_id"),
            columns: [t("voucher.col_month"), t("voucher.col_base"), t("voucher.col_due"), t("voucher.col_paid"), t("voucher.col_status")],
            total_row: t("voucher.total_row"),
            years: t("voucher.years"),
            total_paid: t("voucher.total_paid"),
            balance: t("voucher.balance"),
            savings_balance: t("voucher.savings_balance"),
            scan: t("voucher.scan"),
            check_code: t("voucher.check_code"),
        }
    }

    /// A label as printed before its value: "姓名：", "Name: ".
    fn label(&self, label: &str) -> String {
        self.lang.f("voucher.label", &[("label", label)])
    }

    fn page(&self, page: usize, pages: usize) -> String {
        self.lang.f("voucher.page", &[("page", &page.to_string()), ("pages", &pages.to_string())])
    }
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// Table columns: left edge, right edge, alignment.
const COLUMNS: [(f32, f32, Align); 5] = [
    (MARGIN, MARGIN + 95.0, Align::Left),
    (MARGIN + 95.0, MARGIN + 195.0, Align::Right),
    (MARGIN + 195.0, MARGIN + 295.0, Align::Right),
    (MARGIN + 295.0, MARGIN + 395.0, Align::Right),
    (MARGIN + 410.0, PAGE_W - MARGIN, Align::Left),
];
const CELL_PAD: f32 = 6.0;
/// The columns' names where a difference is reported (always English).
const EN_COLUMNS: [&str; 5] = ["month", "base", "amount due", "paid", "status"];

/// What one page holds: a slice of the table (the totals row counts as the item after the
/// last month), and whether the closing block (summary, QR code, signature) goes on it.
struct PagePlan {
    items: Range<usize>,
    closing: bool,
}

fn table_capacity(top: f32) -> usize {
    let rows = ((BODY_BOTTOM - top - HEADER_ROW_H) / ROW_H).floor();
    if rows < 1.0 { 1 } else { rows as usize }
}

fn table_top(page: usize) -> f32 {
    if page == 0 { TABLE_TOP_FIRST } else { TABLE_TOP_NEXT }
}

/// Splits the table across pages and finds room for the closing block.
fn plan(months: usize, closing_h: f32) -> Vec<PagePlan> {
    let items = months + 1; // + the totals row
    let mut pages = Vec::new();
    let mut next = 0;
    while next < items {
        let cap = table_capacity(table_top(pages.len()));
        let end = (next + cap).min(items);
        pages.push(PagePlan { items: next..end, closing: false });
        next = end;
    }
    let last = pages.len() - 1;
    let used = table_top(last) + HEADER_ROW_H + pages[last].items.len() as f32 * ROW_H;
    if BODY_BOTTOM - used >= closing_h {
        pages[last].closing = true;
    } else {
        pages.push(PagePlan { items: items..items, closing: true });
    }
    pages
}

/// The closing block's wrapped text, measured once for both planning and drawing.
struct Closing {
    /// The summary's (what, label, value) lines.
    summary: Vec<(&'static str, String, String)>,
    url_lines: Vec<String>,
    note_lines: Vec<String>,
    sig_lines: Vec<String>,
}

impl Closing {
    const GAP_TOP: f32 = 18.0;
    const GAP_SIG: f32 = 18.0;

    /// Most lines the URL or the signature may take; beyond that they are cut short with
    /// "…" so the block always fits on a page (the QR code carries the whole URL anyway).
    const MAX_LINES: usize = 8;

    fn new(face: &Face, doc: &VoucherDoc, l: &Labels) -> Closing {
        let capped = |mut lines: Vec<String>| {
            if lines.len() > Self::MAX_LINES {
                lines.truncate(Self::MAX_LINES);
                if let Some(last) = lines.last_mut() {
                    last.pop();
                    last.push('…');
                }
            }
            lines
        };
        let mut summary = vec![
            ("years counted", l.years.to_string(), doc.years_counted.clone()),
            ("total paid", l.total_paid.to_string(), format_fen_wide(i128::from(doc.total_paid_fen))),
            ("personal account balance", l.balance.to_string(), format_fen_wide(i128::from(doc.balance_fen))),
        ];
        if let Some(sv) = &doc.savings {
            summary.push(("pension savings balance", l.savings_balance.to_string(), format_fen_wide(i128::from(sv.balance_fen))));
            let label = l.lang.f("voucher.savings_deposited", &[("year", &sv.year.to_string())]);
            summary.push(("savings deposited in the year", label, format_fen_wide(i128::from(sv.deposited_fen))));
        }
        for t in doc.transferred.iter().take(crate::MAX_TRANSFER_LINES) {
            summary.push(("months moved in", t.label.clone(), t.value.clone()));
        }
        Closing {
            summary,
            url_lines: capped(face.wrap(printed_url(&doc.verify_url), URL_SIZE, QR_COL_W)),
            note_lines: face.wrap(l.scan, NOTE_SIZE, LEFT_COL_W),
            sig_lines: capped(face.wrap(&doc.signature_line, SIG_SIZE, CONTENT_W)),
        }
    }

    fn qr_column_h(&self) -> f32 {
        QR_SIDE + 2.0 + self.url_lines.len() as f32 * URL_LINE + CODE_LINE
    }

    fn summary_column_h(&self) -> f32 {
        self.summary.len() as f32 * SUMMARY_LINE + NOTE_GAP + self.note_lines.len() as f32 * NOTE_LINE
    }

    fn columns_h(&self) -> f32 {
        self.qr_column_h().max(self.summary_column_h())
    }

    fn height(&self) -> f32 {
        Self::GAP_TOP + self.columns_h() + Self::GAP_SIG + self.sig_lines.len() as f32 * SIG_LINE
    }
}

/// The URL as printed: without its query (the check code it carries is printed on its own line).
fn printed_url(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// One run of text as drawn: its page, what it is (in English, for naming a difference), and
/// the text. Each is one text object of the page's content stream, in drawing order.
#[derive(Debug, Clone)]
pub(crate) struct Drawn {
    pub(crate) page: usize,
    pub(crate) what: String,
    pub(crate) text: String,
}

pub(crate) fn render(doc: &VoucherDoc) -> Result<Vec<u8>, VoucherError> {
    render_traced(doc).map(|(pdf, _)| pdf)
}

/// The PDF and the runs of text it draws, in order.
pub(crate) fn render_traced(doc: &VoucherDoc) -> Result<(Vec<u8>, Vec<Drawn>), VoucherError> {
    let face = Face::get()?;
    let mut drawn = Vec::new();
    let labels = Labels::of(doc.lang);
    let l = &labels;
    let closing = Closing::new(face, doc, l);
    let pages = plan(doc.months.len(), closing.height());

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", l.title, doc.voucher_id))
            .language(doc.lang.html_lang().to_string())
            .creator("flexpension".to_string()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(VoucherError::Pdf("page size".into()))?;
    for (index, page_plan) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut pen = Pen { s: &mut surface, face, page: index, drawn: &mut drawn };
        let top = if index == 0 {
            draw_first_header(&mut pen, doc, l);
            TABLE_TOP_FIRST
        } else {
            draw_next_header(&mut pen, doc, l);
            TABLE_TOP_NEXT
        };
        let mut y = top;
        if !page_plan.items.is_empty() {
            y = draw_table(&mut pen, doc, l, top, page_plan.items.clone());
        }
        if page_plan.closing {
            draw_closing(&mut pen, doc, l, &closing, y)?;
        }
        pen.text_at("footer voucher ID", MARGIN, FOOTER_Y, 8.0, 110, &doc.voucher_id);
        pen.text_right("page number", PAGE_W - MARGIN, FOOTER_Y, 8.0, 110, &l.page(index + 1, pages.len()));
        surface.finish();
        page.finish();
    }

    let mime = MimeType::new("application/json").ok_or(VoucherError::Pdf("mime type".into()))?;
    document
        .embed_file(EmbeddedFile {
            path: PAYLOAD_FILE_NAME.to_string(),
            mime_type: Some(mime),
            description: Some("Signed machine-readable voucher".to_string()),
            association_kind: AssociationKind::Data,
            data: doc.payload.clone().into(),
            modification_date: None,
            compress: Some(true),
            location: None,
        })
        .ok_or(VoucherError::Pdf("embedded file could not be added".into()))?;
    let pdf = document.finish().map_err(|e| VoucherError::Pdf(format!("{e:?}")))?;
    Ok((pdf, drawn))
}

/// A surface plus the face, with the few drawing operations the voucher needs; it notes each
/// run of text it draws.
pub(crate) struct Pen<'a, 'b> {
    pub(crate) s: &'a mut Surface<'b>,
    pub(crate) face: &'static Face,
    pub(crate) page: usize,
    pub(crate) drawn: &'a mut Vec<Drawn>,
}

impl Pen<'_, '_> {
    fn fill_luma(&mut self, lightness: u8) {
        self.s.set_stroke(None);
        self.s.set_fill(Some(Fill { paint: luma::Color::new(lightness).into(), ..Fill::default() }));
    }

    /// `text` with its baseline's left end at `(x, y)`; `what` names it (see [`Drawn`]).
    pub(crate) fn text_at(&mut self, what: &str, x: f32, y: f32, size: f32, lightness: u8, text: &str) {
        let glyphs = self.face.layout(text);
        if glyphs.is_empty() {
            return;
        }
        self.fill_luma(lightness);
        self.s.draw_glyphs(Point::from_xy(x, y), &glyphs, self.face.pdf.clone(), text, size, false);
        self.drawn.push(Drawn { page: self.page, what: what.to_string(), text: text.to_string() });
    }

    pub(crate) fn text_right(&mut self, what: &str, right: f32, y: f32, size: f32, lightness: u8, text: &str) {
        let w = self.face.width(text, size);
        self.text_at(what, right - w, y, size, lightness, text);
    }

    pub(crate) fn text_center(&mut self, what: &str, center: f32, y: f32, size: f32, lightness: u8, text: &str) {
        let w = self.face.width(text, size);
        self.text_at(what, center - w / 2.0, y, size, lightness, text);
    }

    /// A horizontal rule.
    pub(crate) fn hline(&mut self, x0: f32, x1: f32, y: f32, width: f32, lightness: u8) {
        let mut pb = PathBuilder::new();
        pb.move_to(x0, y);
        pb.line_to(x1, y);
        if let Some(path) = pb.finish() {
            self.s.set_fill(None);
            self.s.set_stroke(Some(Stroke { paint: luma::Color::new(lightness).into(), width, ..Stroke::default() }));
            self.s.draw_path(&path);
            self.s.set_stroke(None);
        }
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, lightness: u8) {
        let mut pb = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            pb.push_rect(rect);
        }
        if let Some(path) = pb.finish() {
            self.fill_luma(lightness);
            self.s.draw_path(&path);
        }
    }

    /// One table cell: shrunk to fit its column if need be. `row` names the row (a month).
    fn cell(&mut self, row: &str, column: usize, y: f32, size: f32, lightness: u8, text: &str) {
        let (left, right, align) = COLUMNS[column];
        let room = right - left - 2.0 * CELL_PAD;
        let (text, size) = self.face.fit_text(text, size, 5.0, room);
        let what = format!("{row}, {}", EN_COLUMNS[column]);
        match align {
            Align::Left => self.text_at(&what, left + CELL_PAD, y, size, lightness, &text),
            Align::Right => self.text_right(&what, right - CELL_PAD, y, size, lightness, &text),
        }
    }
}

fn draw_first_header(pen: &mut Pen, doc: &VoucherDoc, l: &Labels) {
    pen.text_center("title", PAGE_W / 2.0, MARGIN + 24.0, 22.0, 0, l.title);
    pen.hline(MARGIN, PAGE_W - MARGIN, MARGIN + 40.0, 1.2, 0);
    let region = if doc.region_code.is_empty() {
        doc.region_name.clone()
    } else {
        l.lang.f("voucher.region_code", &[("name", &doc.region_name), ("code", &doc.region_code)])
    };
    let rows: [(&str, &str, &str); 5] = [
        ("region", l.region, &region),
        ("name", l.name, &doc.worker_name),
        ("ID number", l.id, &doc.id_masked),
        ("issued at", l.issued, &doc.issued_at),
        ("voucher ID", l.voucher_id, &doc.voucher_id),
    ];
    let label_w = 95.0;
    let mut y = MARGIN + 66.0;
    for (what, label, value) in rows {
        pen.text_at(&format!("label of {what}"), MARGIN, y, 10.5, 90, &l.label(label));
        let (value, size) = pen.face.fit_text(value, 11.0, 6.0, CONTENT_W - label_w);
        pen.text_at(what, MARGIN + label_w, y, size, 0, &value);
        y += 20.0;
    }
}

fn draw_next_header(pen: &mut Pen, doc: &VoucherDoc, l: &Labels) {
    pen.text_at("title", MARGIN, MARGIN + 14.0, 12.0, 0, l.continued);
    let who = format!("{}  {}  {}", doc.worker_name, doc.id_masked, doc.voucher_id);
    let room = CONTENT_W - pen.face.width(l.continued, 12.0) - 20.0;
    let (who, size) = pen.face.fit_text(&who, 9.0, 5.0, room);
    pen.text_right("name, ID number and voucher ID", PAGE_W - MARGIN, MARGIN + 14.0, size, 90, &who);
    pen.hline(MARGIN, PAGE_W - MARGIN, MARGIN + 22.0, 0.8, 0);
}

/// Draws the header row and the given items (months, and the totals row as the item after
/// the last month); returns the y under the table.
fn draw_table(pen: &mut Pen, doc: &VoucherDoc, l: &Labels, top: f32, items: Range<usize>) -> f32 {
    pen.rect(MARGIN, top, CONTENT_W, HEADER_ROW_H, 232);
    for (column, label) in l.columns.iter().enumerate() {
        pen.cell("table header", column, top + 14.5, 9.5, 30, label);
    }
    pen.hline(MARGIN, PAGE_W - MARGIN, top + HEADER_ROW_H, 0.8, 60);
    let mut y = top + HEADER_ROW_H;
    for item in items {
        let baseline = y + 12.5;
        if let Some(m) = doc.months.get(item) {
            if item % 2 == 1 {
                pen.rect(MARGIN, y, CONTENT_W, ROW_H, 246);
            }
            let row = format!("row {}", m.month);
            pen.cell(&row, 0, baseline, ROW_SIZE, 0, &m.month);
            pen.cell(&row, 1, baseline, ROW_SIZE, 0, &format_fen_wide(i128::from(m.base_fen)));
            pen.cell(&row, 2, baseline, ROW_SIZE, 0, &format_fen_wide(i128::from(m.amount_fen)));
            pen.cell(&row, 3, baseline, ROW_SIZE, 0, &format_fen_wide(i128::from(m.paid_fen)));
            pen.cell(&row, 4, baseline, ROW_SIZE, 0, &m.status);
            y += ROW_H;
            pen.hline(MARGIN, PAGE_W - MARGIN, y, 0.3, 200);
        } else {
            let due: i128 = doc.months.iter().map(|m| i128::from(m.amount_fen)).sum();
            let paid: i128 = doc.months.iter().map(|m| i128::from(m.paid_fen)).sum();
            pen.hline(MARGIN, PAGE_W - MARGIN, y, 0.8, 60);
            pen.cell("totals row", 0, baseline, ROW_SIZE, 0, l.total_row);
            pen.cell("totals row", 2, baseline, ROW_SIZE, 0, &format_fen_wide(due));
            pen.cell("totals row", 3, baseline, ROW_SIZE, 0, &format_fen_wide(paid));
            y += ROW_H;
            pen.hline(MARGIN, PAGE_W - MARGIN, y, 0.8, 60);
        }
    }
    y
}

fn draw_closing(pen: &mut Pen, doc: &VoucherDoc, l: &Labels, closing: &Closing, table_end: f32) -> Result<(), VoucherError> {
    let top = table_end + Closing::GAP_TOP;

    // Left: the summary.
    let left_w = LEFT_COL_W;
    let mut y = top + 16.0;
    for (what, label, value) in &closing.summary {
        let label = l.label(label);
        let (label, label_size) = pen.face.fit_text(&label, SUMMARY_SIZE, 6.0, left_w * 0.65);
        pen.text_at(&format!("label of {what}"), MARGIN, y, label_size, 60, &label);
        let value_x = MARGIN + pen.face.width(&label, label_size) + 4.0;
        let (value, value_size) = pen.face.fit_text(value, SUMMARY_SIZE + 1.0, 6.0, MARGIN + left_w - value_x);
        pen.text_at(what, value_x, y, value_size, 0, &value);
        y += SUMMARY_LINE;
    }
    y += NOTE_GAP - SUMMARY_LINE + NOTE_LINE;
    for line in &closing.note_lines {
        pen.text_at("how to check it", MARGIN, y, NOTE_SIZE, 0, line);
        y += NOTE_LINE;
    }

    // Right: QR code, the URL under it, the plain-words line.
    let col_center = PAGE_W - MARGIN - QR_COL_W / 2.0;
    let qr_x = col_center - QR_SIDE / 2.0;
    pen.rect(qr_x, top, QR_SIDE, QR_SIDE, 255);
    let qr_path = qr::qr_path(&doc.verify_url, qr_x, top, QR_SIDE)?;
    pen.fill_luma(0);
    pen.s.draw_path(&qr_path);
    let mut y = top + QR_SIDE + 2.0;
    for line in &closing.url_lines {
        y += URL_LINE;
        pen.text_center("verify address", col_center, y - 2.0, URL_SIZE, 40, line);
    }
    let code = l.lang.f("voucher.check_code_line", &[("label", l.check_code), ("code", &doc.check_code)]);
    let (code, code_size) = pen.face.fit_text(&code, CODE_SIZE, 6.0, QR_COL_W);
    pen.text_center("check code", col_center, y + CODE_LINE - 3.0, code_size, 0, &code);

    // Across the bottom: the signature line.
    let mut y = top + closing.columns_h() + Closing::GAP_SIG;
    pen.hline(MARGIN, PAGE_W - MARGIN, y - 10.0, 0.5, 150);
    for line in &closing.sig_lines {
        y += SIG_LINE;
        pen.text_at("signing key line", MARGIN, y - 3.0, SIG_SIZE, 30, line);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_block_always_fits_a_page() {
        let face = Face::get().expect("font");
        let doc = VoucherDoc {
            verify_url: "https://x.example/".repeat(200),
            signature_line: "签发：浙江省社会保险事业管理中心".repeat(200),
            savings: Some(crate::VoucherSavings { balance_fen: i64::MAX, year: 2026, deposited_fen: i64::MAX }),
            transferred: vec![
                crate::VoucherLine {
                    label: "由浙江省转入（zj-ah-0123456789abcdef0123）：".repeat(3),
                    value: "36个月 2023-01–2025-12".into()
                };
                9
            ],
            ..VoucherDoc::default()
        };
        let closing = Closing::new(face, &doc, &Labels::of(Lang::Zh));
        assert_eq!(closing.sig_lines.len(), Closing::MAX_LINES);
        assert!(closing.sig_lines[Closing::MAX_LINES - 1].ends_with('…'));
        assert!(TABLE_TOP_NEXT + closing.height() < BODY_BOTTOM);
    }

    #[test]
    fn the_savings_account_is_drawn_only_when_there_is_one() {
        let whats = |doc: &VoucherDoc| -> Vec<(String, String)> {
            render_traced(doc).expect("render").1.into_iter().map(|d| (d.what, d.text)).collect()
        };
        let mut doc = crate::sample::sample_doc(Lang::Zh, (2026, 0), 3, |_| 1);
        let without = whats(&doc);
        assert!(!without.iter().any(|(w, _)| w.contains("savings")), "{without:?}");
        doc.savings = Some(crate::VoucherSavings { balance_fen: 123_456, year: 2026, deposited_fen: 200_000 });
        let with = whats(&doc);
        assert!(with.contains(&("pension savings balance".into(), "1234.56".into())), "{with:?}");
        assert!(with.contains(&("savings deposited in the year".into(), "2000.00".into())), "{with:?}");
        assert!(with.contains(&("label of savings deposited in the year".into(), "2026年存入养老储蓄（元）：".into())), "{with:?}");
        assert_eq!(with.len(), without.len() + 4);
    }

    #[test]
    fn labels_come_from_the_catalogue_in_both_languages() {
        let (zh, en) = (Labels::of(Lang::Zh), Labels::of(Lang::En));
        assert_eq!((zh.title, en.title), ("参保缴费凭证", "Contribution voucher"));
        assert_eq!((zh.label(zh.name), en.label(en.name)), ("姓名：".to_string(), "Name: ".to_string()));
        assert_eq!(en.page(2, 3), "Page 2 of 3");
        assert_eq!(zh.page(2, 3), "第 2 页 / 共 3 页");
        assert_eq!(en.columns[4], "Status");
    }

    #[test]
    fn sixty_months_run_over_pages_and_every_row_is_placed_once() {
        for months in [0, 1, 14, 27, 28, 29, 30, 60, 61, 200] {
            let pages = plan(months, 260.0);
            let mut next = 0;
            for p in &pages {
                assert_eq!(p.items.start, next);
                next = p.items.end;
            }
            assert_eq!(next, months + 1, "{months} months");
            assert_eq!(pages.iter().filter(|p| p.closing).count(), 1);
            assert!(pages.last().is_some_and(|p| p.closing));
        }
        assert!(plan(60, 260.0).len() >= 2);
    }
}
