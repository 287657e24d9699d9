//! Grouped bars: one group per x slot, one bar per series, from zero to the value.

use crate::axis::Axis;
use crate::svg::{LegendKind, f, frame, item_title};
use crate::{Chart, colour};
use std::fmt::Write;

pub fn draw(c: &Chart) -> String {
    let axis = Axis::over(c.finite_values());
    let (mut s, plot) = frame(c, &axis, LegendKind::Box);
    let slots = c.slots().max(1);
    let slot = plot.width() / slots as f64;
    let group = slot * 0.8;
    let bar_w = group / c.series.len().max(1) as f64;
    let zero = axis.y(0.0, &plot);
    for (si, ser) in c.series.iter().enumerate() {
        let _ = write!(s, r#"<g class="series" fill="{}">"#, colour(si));
        for (i, v) in ser.values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
            let x = plot.left + slot * i as f64 + (slot - group) / 2.0 + bar_w * si as f64;
            let y = axis.y(*v, &plot);
            let (top, height) = if y <= zero { (y, zero - y) } else { (zero, y - zero) };
            let _ = write!(
                s,
                r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>"#,
                f(x + 0.5),
                f(top),
                f((bar_w - 1.0).max(1.0)),
                f(height),
                item_title(c, si, i, *v)
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}
