//! `/officer/outreach`: the policy-fit profile of the latest scored month — how good the model
//! is (held-out AUC, predicted against observed), which scheme fits how many, and the workers not
//! yet enrolled who are most likely to join, with the three reasons in plain words: whom a grid
//! worker should visit first.

use super::{failed, region_name};
use crate::AppState;
use crate::guard::AsOfficer;
use crate::web::people::{Base, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_chart::{Chart, Series};
use flexpension_outreach::{PolicyFit, features};
use flexpension_store::{OutreachRun, OutreachTarget};
use flexpension_text::Lang;
use serde::Deserialize;

/// Targets one page shows.
pub const TARGETS_SHOWN: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct OutreachQuery {
    pub lang: Option<String>,
    pub grid: Option<String>,
}

pub struct Target {
    pub name: String,
    pub contact: String,
    pub grid: String,
    pub chance: String,
    pub scheme: String,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "people/outreach.html")]
struct Page {
    base: Base,
    scored: bool,
    heading: String,
    model_note: String,
    auc_note: String,
    calibration: String,
    mix: Vec<(String, String, String)>,
    targets: Vec<Target>,
    grids: Vec<(String, String)>,
    grid: String,
    /// The notices, the quiz's awareness and the arms' uplift (label, value).
    notices: Vec<(String, String)>,
}

pub async fn page(State(s): State<AppState>, AsOfficer(v, region): AsOfficer, q: Query<OutreachQuery>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let lang = Lang::parse(lang_q);
    let grid = q.grid.as_deref().map(str::trim).filter(|g| !g.is_empty()).map(str::to_string);
    let (Ok(run), Ok(mix), Ok(targets), Ok(grids)) = (
        store.outreach_run().await,
        store.outreach_mix().await,
        store.outreach_targets(grid.as_deref(), TARGETS_SHOWN).await,
        store.grids(Some(&region)).await,
    ) else {
        return failed(lang_q);
    };
    let Ok(notices) = crate::web::inbox::officer_figures(&s, store, lang, s.now().timestamp_micros()).await else { return failed(lang_q) };
    let mut base = Base::of(&v, lang_q, "fit.title", "/officer/outreach");
    base.subject = region_name(&s, lang, &region);
    base.console("officer");
    let page = match run {
        None => Page {
            base,
            scored: false,
            heading: lang.t("fit.title").into(),
            model_note: lang.t("fit.none_yet").into(),
            auc_note: String::new(),
            calibration: String::new(),
            mix: Vec::new(),
            targets: Vec::new(),
            grids: Vec::new(),
            grid: String::new(),
            notices,
        },
        Some(run) => Page {
            heading: lang.f("fit.heading", &[("month", &run.month)]),
            model_note: lang.f("fit.model_note", &[("source", &source(lang, &run.trained_on)), ("workers", &run.workers.to_string())]),
            auc_note: lang.f("fit.auc_note", &[("n", &format!("{:.0}", run.auc_ppm as f64 / 10_000.0))]),
            calibration: calibration(lang, &run),
            mix: mix
                .into_iter()
                .map(|(product, n, enrolled)| (lang.t(scheme_key(&product)).to_string(), n.to_string(), enrolled.to_string()))
                .collect(),
            targets: targets.iter().map(|t| target(lang, t)).collect(),
            grids: grids.into_iter().map(|g| (g.code, g.name)).collect(),
            grid: grid.unwrap_or_default(),
            notices,
            scored: true,
            base,
        },
    };
    render(StatusCode::OK, page.render())
}

/// What the model learnt from, in the page's language (`crate::outreach::model` names it).
fn source(lang: Lang, trained_on: &str) -> String {
    if trained_on.starts_with(crate::outreach::SYNTHETIC) && trained_on.contains(crate::outreach::STORE_TOO_WEAK) {
        lang.t("fit.source_synthetic_weak").into()
    } else if trained_on.starts_with(crate::outreach::SYNTHETIC) {
        lang.t("fit.source_synthetic").into()
    } else if trained_on.starts_with(crate::outreach::STORE) {
        lang.t("fit.source_store").into()
    } else {
        trained_on.into()
    }
}

fn scheme_key(code: &str) -> &'static str {
    match code {
        "employee_pension" => "fit.scheme_employee_pension",
        "residents_pension" => "fit.scheme_residents_pension",
        _ => "fit.scheme_injury_cover",
    }
}

/// Predicted against observed on the held-out rows, by tenths of the predictions.
fn calibration(lang: Lang, run: &OutreachRun) -> String {
    let Ok(fit) = PolicyFit::from_json(&run.model) else { return String::new() };
    let bins = &fit.heldout.calibration;
    Chart::new(lang.t("fit.calibration_title"))
        .desc(lang.t("fit.calibration_desc"))
        .x_labels((1..=bins.len()).map(|i| i.to_string()))
        .series(Series::new(lang.t("fit.predicted"), bins.iter().map(|b| b.predicted * 100.0).collect()))
        .series(Series::new(lang.t("fit.observed"), bins.iter().map(|b| b.observed * 100.0).collect()))
        .y_label("%")
        .id("calibration")
        .size(560, 220)
        .bars()
}

fn target(lang: Lang, t: &OutreachTarget) -> Target {
    let yuan = |fen: i64| flexpension_rules::money::yuan_grouped(fen);
    let scheme = match t.base_fen {
        Some(b) => lang.f("fit.scheme_at_base", &[("scheme", lang.t(scheme_key(&t.product))), ("base", &yuan(b))]),
        None => lang.t(scheme_key(&t.product)).into(),
    };
    Target {
        name: t.name.clone(),
        contact: format!("{} · {}", t.id_masked, t.phone_masked),
        grid: t.grid.clone(),
        chance: format!("{:.0}%", t.p_ppm as f64 / 10_000.0),
        scheme,
        reasons: t.reasons.split(',').filter_map(|r| reason(lang, r)).collect(),
    }
}

/// `months_active+45` as the sentence of its feature and direction, with the value.
fn reason(lang: Lang, code: &str) -> Option<String> {
    let at = code.find(['+', '-'])?;
    let (feature, rest) = code.split_at(at);
    // The seven, or an optional one (`grids`, `ever_enrolled`) when the model had it.
    let f = features::nth(features::index(feature)?)?;
    let value: f64 = rest[1..].parse().ok()?;
    let key = if rest.starts_with('+') { f.raises } else { f.lowers };
    let shown = match feature {
        "income_cv" | "night_share" => format!("{:.0}%", value * 100.0),
        _ => format!("{value:.0}"),
    };
    Some(lang.f(key, &[("value", &shown)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_back_in_both_languages() {
        assert_eq!(reason(Lang::Zh, "months_active+45").as_deref(), Some("已经跑了45个月：把这当长期工作"));
        assert_eq!(reason(Lang::En, "income_cv-0.5").as_deref(), Some("Income goes up and down (by about 50%): afraid of missing months"));
        assert_eq!(reason(Lang::Zh, "grids-11").as_deref(), Some("接单跑了11片地方：担心换地方后社保跟不过去"));
        assert_eq!(reason(Lang::En, "ever_enrolled+1").as_deref(), Some("Paid in before: knows how it works, and those years still count"));
        assert_eq!(reason(Lang::En, "nothing+1"), None);
        assert_eq!(reason(Lang::En, "age"), None);
    }
}
