//! The page's two charts, drawn with `flexpension-chart`.

use super::form::Form;
use super::results::{MonthRow, POLICIES, estimate_request, plain_yuan, residents_request};
use crate::calc;
use flexpension_chart::{Chart, Series};
use flexpension_rules::Params;
use flexpension_rules::money::yuan;
use flexpension_text::Lang;

/// Years contributed shown along the pension chart.
pub const CHART_YEARS: [u32; 7] = [10, 15, 20, 25, 30, 35, 40];

fn to_yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

/// Monthly pension by years contributed: each policy's estimate (one series when they agree)
/// and the residents' pension at the chosen grade. A year the calculators refuse is a gap.
pub fn pension_by_years(p: &Params, f: &Form, lang: Lang, base_fen: i64) -> String {
    let employee: Vec<Vec<f64>> = POLICIES
        .iter()
        .map(|(policy, _)| {
            CHART_YEARS
                .iter()
                .map(|y| calc::estimate(p, &estimate_request(f, policy, &y.to_string())).map_or(f64::NAN, |e| to_yuan(e.result.total_fen)))
                .collect()
        })
        .collect();
    let residents: Vec<f64> = CHART_YEARS
        .iter()
        .map(|y| calc::residents(p, &residents_request(f, &y.to_string())).map_or(f64::NAN, |r| to_yuan(r.result.total_fen)))
        .collect();
    let grade = flexpension_rules::money::parse_yuan(&f.grade).map(plain_yuan).unwrap_or_default();
    let mut chart = Chart::new(lang.t("calculator.chart_title"))
        .desc(lang.f("calculator.chart_desc", &[("base", &yuan(base_fen))]))
        .x_label(lang.t("calculator.chart_x"))
        .y_label(lang.t("calculator.chart_y"))
        .x_labels(CHART_YEARS.iter().map(|y| lang.f("calculator.years_n", &[("n", &y.to_string())])))
        .id("pension-chart")
        .size(390, 280);
    let same = employee.windows(2).all(|w| w[0].iter().zip(&w[1]).all(|(a, b)| a == b || (a.is_nan() && b.is_nan())));
    if same {
        chart = chart.series(Series::new(lang.t("calculator.series_employee_same"), employee.into_iter().next().unwrap_or_default()));
    } else {
        for ((_, title), values) in POLICIES.iter().zip(employee) {
            chart = chart.series(Series::new(lang.f("calculator.series_employee", &[("policy", lang.t(title))]), values));
        }
    }
    chart.series(Series::new(lang.f("calculator.series_residents", &[("grade", &grade)]), residents)).bars()
}

/// What the worker pays each month of the several-months table, per policy.
pub fn net_by_month(lang: Lang, rows: &[MonthRow], nets: &[Vec<i64>]) -> String {
    let mut chart = Chart::new(lang.t("calculator.months_chart_title"))
        .x_label(lang.t("calculator.months_chart_x"))
        .y_label(lang.t("calculator.chart_y"))
        .x_labels(rows.iter().enumerate().map(|(i, _)| (i + 1).to_string()))
        .id("months-chart")
        .size(390, 240);
    for ((_, title), n) in POLICIES.iter().zip(nets) {
        chart = chart.series(Series::new(lang.t(title), n.iter().map(|f| to_yuan(*f)).collect()));
    }
    chart.bars()
}
