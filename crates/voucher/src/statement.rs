//! A platform's tax statement as a one-page A4 PDF, in the voucher's font and style: a title,
//! label and value lines, and the notes (the explanation, and that it is the paper's proposal,
//! not law) wrapped under them.

use krilla::Document;
use krilla::color::luma;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;

use crate::font::Face;
use crate::{Lang, VoucherError};

const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 51.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Notes stop above this line; what does not fit is left out (the CSV and API carry it all).
const BODY_BOTTOM: f32 = PAGE_H - MARGIN;

/// What the statement prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementDoc {
    pub lang: Lang,
    pub title: String,
    /// (label, value), one line each.
    pub lines: Vec<(String, String)>,
    /// Paragraphs under the figures.
    pub notes: Vec<String>,
}

/// Render the statement.
pub fn render_statement(doc: &StatementDoc) -> Result<Vec<u8>, VoucherError> {
    let face = Face::get()?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new().title(doc.title.clone()).language(doc.lang.html_lang().to_string()).creator("flexpension".to_string()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(VoucherError::Pdf("page size".into()))?;
    let mut page = document.start_page_with(settings);
    let mut s = page.surface();
    let mut text = |x: f32, y: f32, size: f32, lightness: u8, t: &str| {
        let glyphs = face.layout(t);
        if glyphs.is_empty() {
            return;
        }
        s.set_stroke(None);
        s.set_fill(Some(Fill { paint: luma::Color::new(lightness).into(), ..Fill::default() }));
        s.draw_glyphs(Point::from_xy(x, y), &glyphs, face.pdf.clone(), t, size, false);
    };
    let (title, size) = face.fit_text(&doc.title, 18.0, 10.0, CONTENT_W);
    text(MARGIN, MARGIN + 20.0, size, 0, &title);
    let mut y = MARGIN + 60.0;
    for (label, value) in &doc.lines {
        let (label, ls) = face.fit_text(label, 11.0, 6.0, CONTENT_W * 0.45);
        text(MARGIN, y, ls, 80, &label);
        let (value, vs) = face.fit_text(value, 12.0, 6.0, CONTENT_W * 0.5);
        let w = face.width(&value, vs);
        text(PAGE_W - MARGIN - w, y, vs, 0, &value);
        y += 22.0;
    }
    y += 12.0;
    'notes: for n in &doc.notes {
        for line in face.wrap(n, 10.0, CONTENT_W) {
            if y > BODY_BOTTOM {
                break 'notes;
            }
            text(MARGIN, y, 10.0, 40, &line);
            y += 14.0;
        }
        y += 6.0;
    }
    s.finish();
    page.finish();
    document.finish().map_err(|e| VoucherError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_renders_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            let doc = StatementDoc {
                lang,
                title: "2026 年度平台缴费税收说明".into(),
                lines: vec![("已缴".into(), "1,234.56".into()), ("加计扣除".into(), "1,851.84".into())],
                notes: vec!["这是论文的建议，还不是法律。".repeat(30)],
            };
            let pdf = render_statement(&doc).expect("pdf");
            assert!(pdf.starts_with(b"%PDF"));
        }
    }
}
