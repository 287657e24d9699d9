//! The value axis: round ("nice") tick values that always include zero, and number printing.

use crate::svg::Plot;

#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    /// Decimals needed to print every tick exactly.
    pub decimals: usize,
}

impl Axis {
    /// An axis over the values, always including zero so bars and lines are not exaggerated.
    pub fn over(values: impl Iterator<Item = f64>) -> Axis {
        let (mut lo, mut hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if (hi - lo).abs() < f64::EPSILON {
            hi = lo + 1.0;
        }
        let step = nice_step((hi - lo) / 4.0);
        lo = (lo / step).floor() * step;
        hi = (hi / step).ceil() * step;
        let n = ((hi - lo) / step).round() as usize;
        // Compute each tick from its index so rounding errors do not add up.
        let ticks: Vec<f64> = (0..=n).map(|i| clean(lo + step * i as f64, step)).collect();
        Axis { lo, hi, ticks, decimals: decimals_for(step) }
    }

    /// The y coordinate of a value in the plot.
    pub fn y(&self, v: f64, p: &Plot) -> f64 {
        p.bottom - (v - self.lo) / (self.hi - self.lo) * p.height()
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nf = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nf * mag
}

/// Snap a tick to the step's precision: 0.30000000000000004 becomes 0.3.
fn clean(v: f64, step: f64) -> f64 {
    let scale = 10f64.powi(decimals_for(step) as i32);
    let r = (v * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r }
}

fn decimals_for(step: f64) -> usize {
    (0..=6usize)
        .find(|d| {
            let s = step * 10f64.powi(*d as i32);
            (s - s.round()).abs() < 1e-6 * s.abs().max(1.0)
        })
        .unwrap_or(6)
}

/// "12,345.60": thousands grouped, `decimals` places. Not finite prints as "–".
pub fn format_number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3 + 1);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let negative = v < 0.0 && text.bytes().any(|b| matches!(b, b'1'..=b'9'));
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A value for a tooltip: up to two decimals, trailing zeros dropped.
pub fn format_value(v: f64) -> String {
    let s = format_number(v, 2);
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_include_zero() {
        let a = Axis::over([1234.0, 3456.0].into_iter());
        assert_eq!(a.ticks, vec![0.0, 1000.0, 2000.0, 3000.0, 4000.0]);
        let a = Axis::over([-3.0, 7.0].into_iter());
        assert!(a.ticks.contains(&0.0) && a.lo <= -3.0 && a.hi >= 7.0);
        let a = Axis::over([0.3].into_iter());
        assert_eq!(a.ticks, vec![0.0, 0.1, 0.2, 0.3]);
        assert_eq!(a.decimals, 1);
        // No values, or all zero: still a usable axis.
        let a = Axis::over(std::iter::empty());
        assert_eq!((a.lo, a.hi > a.lo), (0.0, true));
    }

    #[test]
    fn numbers_print_for_people() {
        assert_eq!(format_number(1234567.5, 2), "1,234,567.50");
        assert_eq!(format_number(-1000.0, 0), "-1,000");
        assert_eq!(format_number(-0.001, 2), "0.00");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_value(997.2), "997.2");
        assert_eq!(format_value(1000.0), "1,000");
        assert_eq!(format_number(f64::NAN, 2), "–");
    }
}
