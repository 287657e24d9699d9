//! SVG charts of a report, drawn with the project's chart crate: how burdens spread under each
//! policy, and the replacement rate by income band.

use crate::report::SimReport;
use flexpension_chart::{Chart, Series};

/// Burden bins in percentage points: [0,5), [5,10), ... and 30 or more.
const BIN_PP: usize = 5;
const LAST_PP: usize = 30;

/// The words of the charts, so a page can draw them in its language. `{region}`, `{month}`
/// and `{name}` are filled in.
#[derive(Debug, Clone)]
pub struct ChartWords {
    pub burden_title: String,
    pub burden_desc: String,
    pub burden_x: String,
    pub burden_y: String,
    pub replacement_title: String,
    pub replacement_desc: String,
    pub replacement_x: String,
    pub replacement_y: String,
    /// A variant policy's series name.
    pub variant: String,
}

impl Default for ChartWords {
    fn default() -> ChartWords {
        ChartWords {
            burden_title: "Contribution burden, {region} {month}".into(),
            burden_desc: "Share of workers by net contribution as a share of the month's income, under each policy; the paper's benchmark is 10%.".into(),
            burden_x: "net contribution ÷ income".into(),
            burden_y: "% of workers".into(),
            replacement_title: "Replacement rate at retirement, {region} from {month}".into(),
            replacement_desc: "Median monthly pension at statutory retirement, in today's money, as a share of the worker's usual monthly income, by income band (yuan); workers short of the minimum years are left out.".into(),
            replacement_x: "usual monthly income (yuan)".into(),
            replacement_y: "median replacement rate, %".into(),
            variant: "{name} (variant)".into(),
        }
    }
}

fn fill(t: &str, r: &SimReport) -> String {
    t.replace("{region}", &r.region).replace("{month}", &r.month.to_string())
}

/// Share of workers by burden (net cost ÷ income), one bar per policy in each bin.
pub fn burden_distribution(r: &SimReport) -> String {
    burden_distribution_in(r, &ChartWords::default(), &|n| n.to_string())
}

/// [`burden_distribution`] in other words; `policy` names a policy.
pub fn burden_distribution_in(r: &SimReport, w: &ChartWords, policy: &dyn Fn(&str) -> String) -> String {
    let bins = LAST_PP / BIN_PP + 1;
    let labels: Vec<String> =
        (0..bins).map(|b| if b + 1 == bins { format!("≥{LAST_PP}%") } else { format!("{}-{}%", b * BIN_PP, (b + 1) * BIN_PP) }).collect();
    let mut chart = Chart::new(fill(&w.burden_title, r))
        .desc(fill(&w.burden_desc, r))
        .x_label(w.burden_x.as_str())
        .y_label(w.burden_y.as_str())
        .x_labels(labels)
        .id("burden");
    for name in &r.policy_order {
        let Some(p) = r.policies.get(name) else { continue };
        let total: u64 = p.burden_histogram.iter().sum();
        let mut v = vec![0u64; bins];
        for (pp, c) in p.burden_histogram.iter().enumerate() {
            v[(pp / BIN_PP).min(bins - 1)] += c;
        }
        let values = v.iter().map(|&c| if total > 0 { c as f64 * 100.0 / total as f64 } else { f64::NAN }).collect();
        chart = chart.series(Series::new(series_name(r, name, w, policy), values));
    }
    chart.bars()
}

/// Median replacement rate (pension ÷ usual income) by income band, one bar per policy; `None`
/// without a projection.
pub fn replacement_by_band(r: &SimReport) -> Option<String> {
    replacement_by_band_in(r, &ChartWords::default(), &|n| n.to_string())
}

/// [`replacement_by_band`] in other words; `policy` names a policy.
pub fn replacement_by_band_in(r: &SimReport, w: &ChartWords, policy: &dyn Fn(&str) -> String) -> Option<String> {
    let first = r.policy_order.iter().find_map(|n| r.policies.get(n)?.projection.as_ref())?;
    let labels: Vec<String> = first.by_income_band.iter().map(|g| g.group.clone()).collect();
    let mut chart = Chart::new(fill(&w.replacement_title, r))
        .desc(fill(&w.replacement_desc, r))
        .x_label(w.replacement_x.as_str())
        .y_label(w.replacement_y.as_str())
        .x_labels(labels)
        .id("replacement");
    for name in &r.policy_order {
        let Some(pr) = r.policies.get(name).and_then(|p| p.projection.as_ref()) else { continue };
        let values = pr.by_income_band.iter().map(|g| g.replacement_median.map(|x| x * 100.0).unwrap_or(f64::NAN)).collect();
        chart = chart.series(Series::new(series_name(r, name, w, policy), values));
    }
    Some(chart.bars())
}

fn series_name(r: &SimReport, name: &str, w: &ChartWords, policy: &dyn Fn(&str) -> String) -> String {
    let shown = policy(name);
    match r.policies.get(name) {
        Some(p) if !p.variant.is_empty() => w.variant.replace("{name}", &shown),
        _ => shown,
    }
}
