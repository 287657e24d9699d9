//! `/credit`: the platforms' credit ratings of the latest month rated, for anyone (counts only,
//! no worker named), in plain words: how many of each platform's workers have a pension, the
//! grade, the complaints it left unanswered past their deadline (which lower the grade), and who
//! is on the sanctions list. Reads only.

use super::html;
use crate::{AppState, assets};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flexpension_rules::money::trim_decimal;
use flexpension_rules::{Rate, YearMonth};
use flexpension_store::PlatformRating;
use flexpension_text::Lang;

/// One platform's line, ready to print.
struct Row {
    platform_id: i64,
    name: String,
    workers: String,
    share: String,
    grade: &'static str,
    breaches: String,
    status: String,
    sanctioned: bool,
}

#[derive(Template)]
#[template(path = "credit.html")]
struct CreditPage {
    lang: Lang,
    css: String,
    icon: String,
    intro: Option<String>,
    rule: Option<String>,
    breach_rule: Option<String>,
    rows: Vec<Row>,
    /// Said when there are no rows.
    message: String,
    switch_href: String,
}

/// `GET /credit[?lang=en]`.
pub async fn page(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let lang = super::lang_of(q.as_deref());
    let (status, ratings, message) = match s.store().map(|st| st.credit_ratings()) {
        None => (StatusCode::SERVICE_UNAVAILABLE, Vec::new(), lang.t("ratings.unavailable")),
        Some(f) => match f.await {
            Ok(r) => (StatusCode::OK, r, lang.t("ratings.none")),
            Err(e) => {
                tracing::error!(error = %e, "reading the credit ratings failed");
                (StatusCode::SERVICE_UNAVAILABLE, Vec::new(), lang.t("ratings.unavailable"))
            }
        },
    };
    let rules = ratings.first().and_then(|r| r.month.parse::<YearMonth>().ok()).and_then(|m| s.params().credit_rules(m).ok());
    let (intro, rule, floor) = match (&rules, ratings.first()) {
        (Some(c), Some(r)) => {
            let floor = c.floor.percent();
            let intro = lang.f("ratings.intro", &[("month", &r.month), ("threshold", &trim_decimal(c.earning_threshold_fen, 2))]);
            let rule = lang.f("ratings.rule", &[("years", &c.floor_years.to_string()), ("floor", &floor)]);
            (Some(intro), Some(rule), floor)
        }
        _ => (None, None, Rate::ZERO.percent()),
    };
    let hours = ratings
        .first()
        .and_then(|r| r.month.parse::<YearMonth>().ok())
        .and_then(|m| s.params().complaint_rules(m.first_day()).ok())
        .map(|c| c.response_hours);
    let breach_rule = match (&rules, hours) {
        (Some(c), Some(h)) => Some(lang.f("ratings.breach_rule", &[("hours", &h.to_string()), ("per", &c.breaches_per_step.to_string())])),
        _ => None,
    };
    let rows = ratings.iter().map(|r| row(lang, r, &floor)).collect();
    let page = CreditPage {
        lang,
        css: assets::url("app.css"),
        icon: assets::url("icon.svg"),
        intro,
        rule,
        breach_rule,
        rows,
        message: message.to_string(),
        switch_href: format!("/credit?lang={}", lang.other().code()),
    };
    match page.render() {
        Ok(b) => html(status, b),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

fn row(lang: Lang, r: &PlatformRating, floor: &str) -> Row {
    let (workers, share) = match r.rating.share_bp {
        Some(bp) => (format!("{} / {}", r.rating.insured, r.rating.active), format!("{}.{:02}%", bp / 100, bp % 100)),
        None => (lang.t("ratings.no_workers").to_string(), "—".to_string()),
    };
    let status = if r.rating.sanctioned {
        lang.t("ratings.status_sanctioned").to_string()
    } else if r.rating.years_under > 0 {
        lang.f("ratings.status_under", &[("n", &r.rating.years_under.to_string()), ("floor", floor)])
    } else {
        lang.t("ratings.status_ok").to_string()
    };
    Row {
        platform_id: r.platform_id,
        name: r.name.clone(),
        workers,
        share,
        grade: r.rating.grade.map_or("—", |g| g.as_str()),
        breaches: match r.rating.breach_steps {
            0 => r.rating.breaches.to_string(),
            steps => lang.f("ratings.breaches_steps", &[("n", &r.rating.breaches.to_string()), ("steps", &steps.to_string())]),
        },
        status,
        sanctioned: r.rating.sanctioned,
    }
}
