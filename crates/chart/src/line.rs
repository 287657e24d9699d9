//! Lines: one per series through the slot centres, a point at each finite value, a gap where a
//! value is missing. Dash patterns tell the lines apart without colour.

use crate::axis::Axis;
use crate::svg::{LegendKind, f, frame, item_title};
use crate::{Chart, colour};
use std::fmt::Write;

const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

pub fn dash_attr(series: usize) -> String {
    match DASHES[series % DASHES.len()] {
        "" => String::new(),
        d => format!(r#" stroke-dasharray="{d}""#),
    }
}

pub fn draw(c: &Chart) -> String {
    let axis = Axis::over(c.finite_values());
    let (mut s, plot) = frame(c, &axis, LegendKind::Line);
    let slot = plot.width() / c.slots().max(1) as f64;
    for (si, ser) in c.series.iter().enumerate() {
        let xy = |i: usize, v: f64| (plot.left + slot * (i as f64 + 0.5), axis.y(v, &plot));
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in ser.values.iter().enumerate() {
            if v.is_finite() {
                let (x, y) = xy(i, *v);
                let _ = write!(d, "{}{} {}", if pen_down { "L" } else { "M" }, f(x), f(y));
                pen_down = true;
            } else {
                pen_down = false;
            }
        }
        let _ = write!(s, r#"<g class="series" stroke="{}" fill="{}">"#, colour(si), colour(si));
        if !d.is_empty() {
            let _ = write!(s, r#"<path class="line" d="{d}" fill="none" stroke-width="2.5" stroke-linejoin="round"{}/>"#, dash_attr(si));
        }
        for (i, v) in ser.values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
            let (x, y) = xy(i, *v);
            let _ = write!(
                s,
                r#"<circle class="point" cx="{}" cy="{}" r="3.5" stroke="none"><title>{}</title></circle>"#,
                f(x),
                f(y),
                item_title(c, si, i, *v)
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}
