//! Writing SVG text: escaping, the frame every chart shares (title, legend, axes) and text width.

use crate::axis::{Axis, format_number, format_value};
use crate::{Chart, colour};
use std::fmt::Write;

/// Escape text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0 at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Estimated width of text in px: CJK and other wide characters take a full em, others ~0.6.
pub fn text_width(s: &str, font_size: f64) -> f64 {
    s.chars().map(|c| if is_wide(c) { 1.0 } else { 0.6 }).sum::<f64>() * font_size
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// Break text into lines no wider than `max` px: at spaces, or between wide characters.
pub fn wrap(s: &str, font_size: f64, max: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    // Words are runs of narrow characters; each wide character is a word by itself.
    let mut words: Vec<String> = Vec::new();
    for c in s.chars() {
        if is_wide(c) || c == ' ' {
            words.push(c.to_string());
        } else if let Some(w) = words.last_mut().filter(|w| !w.chars().any(|c| is_wide(c) || c == ' ')) {
            w.push(c);
        } else {
            words.push(c.to_string());
        }
    }
    for w in words {
        if !line.is_empty() && text_width(&line, font_size) + text_width(&w, font_size) > max {
            lines.push(line.trim_end().to_string());
            line = String::new();
            if w == " " {
                continue;
            }
        }
        line.push_str(&w);
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Coordinates with one decimal: enough for a screen, short to send.
pub fn f(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() { format!("{}", r as i64) } else { format!("{r:.1}") }
}

pub const FONT: f64 = 12.0;
pub const TITLE_FONT: f64 = 15.0;
const PAD: f64 = 8.0;

/// The plot area, in viewBox units.
#[derive(Debug, Clone, Copy)]
pub struct Plot {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Plot {
    pub fn width(&self) -> f64 {
        self.right - self.left
    }
    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }
}

/// Open the SVG and draw what both chart kinds share: title, legend, y grid and ticks, axis
/// labels and x labels (centred on each slot). Returns the text so far and the plot area.
pub fn frame(c: &Chart, axis: &Axis, legend_kind: LegendKind) -> (String, Plot) {
    let (w, h) = (f64::from(c.width), f64::from(c.height));
    let id = escape(&c.id);
    let mut s = String::with_capacity(4096);
    let desc_ref = if c.desc.is_empty() { String::new() } else { format!(" {id}-desc") };
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{id}-title{desc_ref}" font-family="{}" font-size="{}">"#,
        c.width,
        c.height,
        escape(&c.font_family),
        FONT
    );
    let _ = write!(s, r#"<title id="{id}-title">{}</title>"#, escape(&c.title));
    if !c.desc.is_empty() {
        let _ = write!(s, r#"<desc id="{id}-desc">{}</desc>"#, escape(&c.desc));
    }
    s.push_str(r##"<rect x="0" y="0" width="100%" height="100%" fill="#fff"/>"##);

    // Title, wrapped to the width.
    let mut y = PAD;
    for line in wrap(&c.title, TITLE_FONT, w - 2.0 * PAD) {
        y += TITLE_FONT * 1.2;
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="{}" font-weight="bold" fill="#222">{}</text>"##,
            f(PAD),
            f(y),
            TITLE_FONT,
            escape(&line)
        );
    }

    // Legend: swatch and name, flowing into rows.
    y += 6.0;
    let mut x = PAD;
    let row = FONT * 1.5;
    if !c.series.is_empty() {
        y += row;
    }
    for (i, ser) in c.series.iter().enumerate() {
        let item = 16.0 + text_width(&ser.name, FONT) + 12.0;
        if x > PAD && x + item > w - PAD {
            x = PAD;
            y += row;
        }
        let sy = y - FONT * 0.8;
        match legend_kind {
            LegendKind::Box => {
                let _ =
                    write!(s, r#"<rect class="legend-swatch" x="{}" y="{}" width="11" height="11" fill="{}"/>"#, f(x), f(sy), colour(i));
            }
            LegendKind::Line => {
                let _ = write!(
                    s,
                    r#"<line class="legend-swatch" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>"#,
                    f(x),
                    f(sy + 5.5),
                    f(x + 12.0),
                    f(sy + 5.5),
                    colour(i),
                    crate::line::dash_attr(i)
                );
            }
        }
        let _ = write!(s, r##"<text x="{}" y="{}" fill="#222">{}</text>"##, f(x + 16.0), f(y), escape(&ser.name));
        x += item;
    }

    // Space for the y tick labels and the rotated y label on the left.
    let tick_w = axis.ticks.iter().map(|t| text_width(&format_number(*t, axis.decimals), FONT)).fold(0.0, f64::max);
    let y_label_w = if c.y_label.is_empty() { 0.0 } else { FONT * 1.4 };
    let x_label_h = if c.x_label.is_empty() { 0.0 } else { FONT * 1.6 };
    let plot = Plot { left: PAD + y_label_w + tick_w + 6.0, top: y + 16.0, right: w - PAD - 4.0, bottom: h - PAD - x_label_h - FONT * 1.5 };
    let plot = Plot { top: plot.top.min(plot.bottom - 20.0), ..plot };

    // Grid lines and tick labels.
    for t in &axis.ticks {
        let ty = axis.y(*t, &plot);
        let stroke = if *t == 0.0 { "#888" } else { "#ddd" };
        let _ = write!(
            s,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="1"/>"#,
            f(plot.left),
            f(ty),
            f(plot.right),
            f(ty)
        );
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#444">{}</text>"##,
            f(plot.left - 4.0),
            f(ty + FONT * 0.35),
            escape(&format_number(*t, axis.decimals))
        );
    }
    if !c.y_label.is_empty() {
        let (lx, ly) = (PAD + FONT, (plot.top + plot.bottom) / 2.0);
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#444" transform="rotate(-90 {} {})">{}</text>"##,
            f(lx),
            f(ly),
            f(lx),
            f(ly),
            escape(&c.y_label)
        );
    }

    // X labels: centred on each slot, thinned out when they would overlap.
    let n = c.slots().max(1);
    let slot = plot.width() / n as f64;
    let widest = c.x_labels.iter().map(|l| text_width(l, FONT)).fold(0.0, f64::max);
    let every = ((widest + 4.0) / slot).ceil().max(1.0) as usize;
    for (i, l) in c.x_labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let lx = plot.left + slot * (i as f64 + 0.5);
        let _ =
            write!(s, r##"<text x="{}" y="{}" text-anchor="middle" fill="#444">{}</text>"##, f(lx), f(plot.bottom + FONT * 1.3), escape(l));
    }
    if !c.x_label.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#444">{}</text>"##,
            f((plot.left + plot.right) / 2.0),
            f(h - PAD),
            escape(&c.x_label)
        );
    }
    (s, plot)
}

#[derive(Debug, Clone, Copy)]
pub enum LegendKind {
    Box,
    Line,
}

/// The `<title>` of one bar or point: "series, x label: value".
pub fn item_title(c: &Chart, series: usize, slot: usize, v: f64) -> String {
    let name = c.series.get(series).map(|s| s.name.as_str()).unwrap_or("");
    let x = c.x_labels.get(slot).map(String::as_str).unwrap_or("");
    escape(&format!("{name}, {x}: {}", format_value(v)))
}
