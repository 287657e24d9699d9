//! A document of headed blocks (label and value lines, paragraphs, tables that run over pages)
//! in the voucher's font and style, with a data file attached: what the complaint's evidence
//! package looks like for people. Like the voucher it draws the same bytes for the same
//! [`PrintedDoc`] (under [`DOCUMENT_LAYOUT`]), so [`check_document`] compares a PDF with a fresh
//! drawing of the data it carries and names what differs.
//!
//! Every string is printed as given: the caller formats the data and chooses the labels. The
//! page is planned first (what goes where, on which page), then drawn, so that each page can say
//! how many there are.

use krilla::Document;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

use crate::compare::{PageCheck, compare};
use crate::font::Face;
use crate::render::{BODY_BOTTOM, CONTENT_W, FOOTER_Y, HEADER_ROW_H, MARGIN, PAGE_H, PAGE_W, Pen, ROW_H, ROW_SIZE};
use crate::{Lang, VoucherError};

/// The version of the drawing; any change to what a [`PrintedDoc`] draws must bump it.
pub const DOCUMENT_LAYOUT: &str = "flexpension-document-pdf/1";

const LABEL_W: f32 = 130.0;
const FACT_SIZE: f32 = 10.5;
const FACT_LINE: f32 = 15.0;
const PARA_SIZE: f32 = 10.0;
const PARA_LINE: f32 = 14.0;
/// A heading's height: the gap above it, its line, the gap under its rule.
const HEADING_H: f32 = 38.0;
const HEADING_GAP: f32 = 26.0;
const CELL_PAD: f32 = 4.0;
const FIRST_TOP: f32 = MARGIN + 84.0;
const NEXT_TOP: f32 = MARGIN + 40.0;

/// What is printed, and the data attached.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintedDoc {
    pub lang: Lang,
    /// Centred at the top of the first page, and at the top of the others.
    pub title: String,
    /// Under the title.
    pub subtitle: String,
    /// At the foot of every page, left of the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
    pub attachment: Attachment,
}

/// The attached data file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    /// e.g. `complaint.json`.
    pub name: String,
    pub description: String,
    pub data: Vec<u8>,
}

/// A part of the document, top to bottom. `what` names a part in English where a difference
/// is reported ("orders, row A-1, amount").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    /// Label and value lines: (what, label, value); a long value wraps under itself.
    Facts(Vec<(String, String, String)>),
    /// A paragraph, wrapped.
    Paragraph {
        what: String,
        text: String,
    },
    /// A table; its header is drawn again on each page it runs over.
    Table {
        what: String,
        columns: Vec<Column>,
        rows: Vec<TableRow>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub label: String,
    /// In English, for naming a difference.
    pub what: String,
    /// Its share of the page's width, in thousandths (the shares of a table add up to 1000).
    pub share: u32,
    pub right: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// In English, for naming a difference (an order's id, a month).
    pub name: String,
    pub cells: Vec<String>,
}

/// One thing to draw.
enum Op {
    Text { what: String, x: f32, y: f32, size: f32, lightness: u8, text: String },
    Line { y: f32, width: f32, lightness: u8 },
    Shade { y: f32, h: f32, lightness: u8 },
}

/// The plan: the pages' operations, filled top to bottom.
struct Plan<'f> {
    face: &'f Face,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Plan<'_> {
    fn page(&mut self) -> &mut Vec<Op> {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Room for `h` more points on this page, or a new page.
    fn room(&mut self, h: f32, doc: &PrintedDoc) {
        if self.y + h > BODY_BOTTOM {
            self.new_page(doc);
        }
    }

    /// A new page, headed with the title and subtitle in small type.
    fn new_page(&mut self, doc: &PrintedDoc) {
        {
            self.pages.push(Vec::new());
            self.y = NEXT_TOP;
            let (title, size) = self.face.fit_text(&doc.title, 12.0, 6.0, CONTENT_W * 0.5);
            let sub_w = CONTENT_W - self.face.width(&title, size) - 20.0;
            let (sub, sub_size) = self.face.fit_text(&doc.subtitle, 9.0, 5.0, sub_w);
            let sub_x = PAGE_W - MARGIN - self.face.width(&sub, sub_size);
            let p = self.page();
            p.push(Op::Text { what: "title".into(), x: MARGIN, y: MARGIN + 14.0, size, lightness: 0, text: title });
            p.push(Op::Text { what: "subtitle".into(), x: sub_x, y: MARGIN + 14.0, size: sub_size, lightness: 90, text: sub });
            p.push(Op::Line { y: MARGIN + 22.0, width: 0.8, lightness: 0 });
        }
    }

    fn text(&mut self, what: String, x: f32, size: f32, lightness: u8, text: String) {
        let y = self.y;
        self.page().push(Op::Text { what, x, y, size, lightness, text });
    }

    fn heading(&mut self, doc: &PrintedDoc, t: &str) {
        // A heading keeps at least three lines of what follows with it.
        self.room(HEADING_H + 3.0 * ROW_H, doc);
        self.y += HEADING_GAP;
        let (t, size) = self.face.fit_text(t, 13.0, 7.0, CONTENT_W);
        self.text(format!("heading “{t}”"), MARGIN, size, 0, t);
        let y = self.y + 6.0;
        self.page().push(Op::Line { y, width: 0.6, lightness: 120 });
        self.y += HEADING_H - HEADING_GAP;
    }

    fn facts(&mut self, doc: &PrintedDoc, facts: &[(String, String, String)]) {
        let wrapped: Vec<Vec<String>> = facts
            .iter()
            .map(|(_, _, value)| value.split('\n').flat_map(|v| self.face.wrap(v, FACT_SIZE, CONTENT_W - LABEL_W)).collect())
            .collect();
        // The lines stay together when they fit on one page.
        let h: f32 = wrapped.iter().map(|l| l.len() as f32 * FACT_LINE + 4.0).sum();
        if h <= BODY_BOTTOM - NEXT_TOP {
            self.room(h, doc);
        }
        for ((what, label, _), lines) in facts.iter().zip(&wrapped) {
            for (i, line) in lines.iter().enumerate() {
                self.room(FACT_LINE, doc);
                self.y += FACT_LINE;
                if i == 0 {
                    let (l, size) = self.face.fit_text(label, FACT_SIZE, 6.0, LABEL_W - 8.0);
                    self.text(format!("label of {what}"), MARGIN, size, 90, l);
                }
                let name = if lines.len() == 1 { what.clone() } else { format!("{what}, line {}", i + 1) };
                self.text(name, MARGIN + LABEL_W, FACT_SIZE, 0, line.clone());
            }
            self.y += 4.0;
        }
    }

    fn paragraph(&mut self, doc: &PrintedDoc, what: &str, text: &str) {
        let lines: Vec<String> = text.split('\n').flat_map(|t| self.face.wrap(t, PARA_SIZE, CONTENT_W)).collect();
        for (i, line) in lines.into_iter().enumerate() {
            self.room(PARA_LINE, doc);
            self.y += PARA_LINE;
            self.text(format!("{what}, line {}", i + 1), MARGIN, PARA_SIZE, 30, line);
        }
        self.y += 6.0;
    }

    fn table(&mut self, doc: &PrintedDoc, what: &str, columns: &[Column], rows: &[TableRow]) {
        let edges = column_edges(columns);
        self.room(HEADER_ROW_H + ROW_H, doc);
        self.table_header(what, columns, &edges);
        for (k, row) in rows.iter().enumerate() {
            if self.y + ROW_H > BODY_BOTTOM {
                self.new_page(doc);
                self.table_header(what, columns, &edges);
            }
            if k % 2 == 1 {
                let y = self.y;
                self.page().push(Op::Shade { y, h: ROW_H, lightness: 246 });
            }
            let baseline = self.y + 12.5;
            for (c, (col, (left, right))) in columns.iter().zip(&edges).enumerate() {
                let cell = row.cells.get(c).map(String::as_str).unwrap_or("");
                self.cell(format!("{what}, row {}, {}", row.name, col.what), *left, *right, col.right, baseline, ROW_SIZE, 0, cell);
            }
            self.y += ROW_H;
            let y = self.y;
            self.page().push(Op::Line { y, width: 0.3, lightness: 200 });
        }
        self.y += 8.0;
    }

    fn table_header(&mut self, what: &str, columns: &[Column], edges: &[(f32, f32)]) {
        let y = self.y;
        self.page().push(Op::Shade { y, h: HEADER_ROW_H, lightness: 232 });
        for (col, (left, right)) in columns.iter().zip(edges) {
            self.cell(format!("{what}, header"), *left, *right, col.right, y + 14.5, 9.0, 30, &col.label);
        }
        self.y += HEADER_ROW_H;
        let y = self.y;
        self.page().push(Op::Line { y, width: 0.8, lightness: 60 });
    }

    #[allow(clippy::too_many_arguments)]
    fn cell(&mut self, what: String, left: f32, right: f32, align_right: bool, y: f32, size: f32, lightness: u8, text: &str) {
        let (text, size) = self.face.fit_text(text, size, 5.0, right - left - 2.0 * CELL_PAD);
        let x = if align_right { right - CELL_PAD - self.face.width(&text, size) } else { left + CELL_PAD };
        self.page().push(Op::Text { what, x, y, size, lightness, text });
    }
}

/// Each column's left and right edge, from the shares.
fn column_edges(columns: &[Column]) -> Vec<(f32, f32)> {
    let total: u32 = columns.iter().map(|c| c.share).sum::<u32>().max(1);
    let mut x = MARGIN;
    columns
        .iter()
        .map(|c| {
            let w = CONTENT_W * c.share as f32 / total as f32;
            let e = (x, x + w);
            x += w;
            e
        })
        .collect()
}

/// Draws the document as an A4 PDF.
pub fn render_document(doc: &PrintedDoc) -> Result<Vec<u8>, VoucherError> {
    render_traced(doc).map(|(pdf, _)| pdf)
}

/// Is `pdf` exactly what `doc` draws (with `doc.attachment` as read out of `pdf`)? What differs
/// is named.
pub fn check_document(doc: &PrintedDoc, pdf: &[u8]) -> Result<PageCheck, VoucherError> {
    let (expected, drawn) = render_traced(doc)?;
    Ok(compare(&expected, &drawn, pdf, "document"))
}

fn render_traced(doc: &PrintedDoc) -> Result<(Vec<u8>, Vec<crate::render::Drawn>), VoucherError> {
    let face = Face::get()?;
    let mut plan = Plan { face, pages: vec![Vec::new()], y: FIRST_TOP };
    for b in &doc.blocks {
        match b {
            Block::Heading(t) => plan.heading(doc, t),
            Block::Facts(f) => plan.facts(doc, f),
            Block::Paragraph { what, text } => plan.paragraph(doc, what, text),
            Block::Table { what, columns, rows } => plan.table(doc, what, columns, rows),
        }
    }
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new().title(doc.title.clone()).language(doc.lang.html_lang().to_string()).creator("flexpension".to_string()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(VoucherError::Pdf("page size".into()))?;
    let mut drawn = Vec::new();
    let count = plan.pages.len();
    for (index, ops) in plan.pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut pen = Pen { s: &mut surface, face, page: index, drawn: &mut drawn };
        if index == 0 {
            let (title, size) = face.fit_text(&doc.title, 20.0, 10.0, CONTENT_W);
            pen.text_center("title", PAGE_W / 2.0, MARGIN + 24.0, size, 0, &title);
            pen.hline(MARGIN, PAGE_W - MARGIN, MARGIN + 40.0, 1.2, 0);
            let (sub, size) = face.fit_text(&doc.subtitle, 10.5, 6.0, CONTENT_W);
            pen.text_center("subtitle", PAGE_W / 2.0, MARGIN + 58.0, size, 90, &sub);
        }
        for op in ops {
            match op {
                Op::Text { what, x, y, size, lightness, text } => pen.text_at(what, *x, *y, *size, *lightness, text),
                Op::Line { y, width, lightness } => pen.hline(MARGIN, PAGE_W - MARGIN, *y, *width, *lightness),
                Op::Shade { y, h, lightness } => pen.rect(MARGIN, *y, CONTENT_W, *h, *lightness),
            }
        }
        let (footer, size) = face.fit_text(&doc.footer, 8.0, 5.0, CONTENT_W * 0.7);
        pen.text_at("footer", MARGIN, FOOTER_Y, size, 110, &footer);
        let n = doc.lang.f("voucher.page", &[("page", &(index + 1).to_string()), ("pages", &count.to_string())]);
        pen.text_right("page number", PAGE_W - MARGIN, FOOTER_Y, 8.0, 110, &n);
        surface.finish();
        page.finish();
    }
    let mime = MimeType::new("application/json").ok_or(VoucherError::Pdf("mime type".into()))?;
    document
        .embed_file(EmbeddedFile {
            path: doc.attachment.name.clone(),
            mime_type: Some(mime),
            description: Some(doc.attachment.description.clone()),
            association_kind: AssociationKind::Data,
            data: doc.attachment.data.clone().into(),
            modification_date: None,
            compress: Some(true),
            location: None,
        })
        .ok_or(VoucherError::Pdf("embedded file could not be added".into()))?;
    let pdf = document.finish().map_err(|e| VoucherError::Pdf(format!("{e:?}")))?;
    Ok((pdf, drawn))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rows: usize) -> PrintedDoc {
        let columns = vec![
            Column { label: "订单号".into(), what: "order".into(), share: 400, right: false },
            Column { label: "金额（元）".into(), what: "amount".into(), share: 600, right: true },
        ];
        PrintedDoc {
            lang: Lang::Zh,
            title: "投诉证据包".into(),
            subtitle: "投诉 7".into(),
            footer: "complaint 7".into(),
            blocks: vec![
                Block::Facts(vec![("kind".into(), "发生了什么".into(), "跑了单没给钱".into())]),
                Block::Paragraph { what: "text".into(), text: "三月的单没有结算。\n四月也没有。".repeat(20) },
                Block::Heading("订单".into()),
                Block::Table {
                    what: "orders".into(),
                    columns,
                    rows: (0..rows).map(|i| TableRow { name: format!("o{i}"), cells: vec![format!("o{i}"), format!("{i}.00")] }).collect(),
                },
            ],
            attachment: Attachment { name: "complaint.json".into(), description: "data".into(), data: b"{}".to_vec() },
        }
    }

    #[test]
    fn the_same_document_draws_the_same_bytes_and_a_change_is_named() {
        let doc = sample(3);
        let pdf = render_document(&doc).expect("pdf");
        assert_eq!(render_document(&doc).expect("again"), pdf);
        assert_eq!(check_document(&doc, &pdf).expect("check"), PageCheck::Same { pages: 1 });
        assert_eq!(crate::extract_file(&pdf, "complaint.json").expect("attached"), b"{}");
        let mut other = doc.clone();
        if let Block::Table { rows, .. } = &mut other.blocks[3] {
            rows[1].cells[1] = "9.00".into();
        }
        let PageCheck::Differs(what) = check_document(&doc, &render_document(&other).expect("other")).expect("check") else {
            panic!("a changed amount passed")
        };
        assert!(what.iter().any(|w| w.contains("orders, row o1, amount") && w.contains("“1.00”") && w.contains("“9.00”")), "{what:?}");
    }

    #[test]
    fn a_long_table_runs_over_pages_with_its_header() {
        let (pdf, drawn) = render_traced(&sample(150)).expect("pdf");
        let pages = drawn.iter().map(|d| d.page).max().unwrap_or(0) + 1;
        assert!(pages >= 3, "{pages} pages");
        let headers = drawn.iter().filter(|d| d.what == "orders, header" && d.text == "订单号").count();
        assert_eq!(headers, pages, "the header on every page");
        assert_eq!(drawn.iter().filter(|d| d.what.ends_with(", order")).count(), 150, "every row once");
        assert!(drawn.iter().all(|d| d.page < pages) && pdf.starts_with(b"%PDF"));
        let last = drawn.iter().rfind(|d| d.what == "page number").map(|d| d.text.clone());
        assert_eq!(last, Some(format!("第 {pages} 页 / 共 {pages} 页")));
    }
}
