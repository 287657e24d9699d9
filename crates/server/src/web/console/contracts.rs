//! Collective contracts on the consoles, in two steps. A platform files a contract with a union
//! federation from `/platform/contracts` (`POST`): it is `filed` and changes nothing yet. The
//! agency's officer sees every contract of the region at `/officer/contracts`, those waiting
//! first, and approves it (备案) or withdraws it (`POST /officer/contracts/{id}/decision`); an
//! approved contract applies from the next month close. The officer's page also lists the
//! platforms whose bills are unpaid after their due day (`super::arrears`). A platform files only for itself (the
//! platform comes from the session, never from the form) and sees only its own contracts.
//! Reading either page writes nothing.

use super::failed;
use crate::AppState;
use crate::guard::{AsOfficer, AsPlatformStaff, Viewer};
use crate::web::people::{Base, LangQuery, denied_with, render};
use crate::web::reply::see_other;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::YearMonth;
use flexpension_rules::money::{parse_scaled, parse_yuan_nonneg, trim_decimal, yuan_grouped};
use flexpension_store::{Contract, MAX_SUPPLEMENTARY, MAX_UNION_NAME, NewContract, PlatformId, StoreError};
use flexpension_text::Lang;
use serde::Deserialize;
use std::collections::HashMap;

/// A contract as a line of the pages.
pub struct Line {
    pub id: i64,
    pub platform: String,
    pub union: String,
    pub share: String,
    pub months: String,
    pub min_base: String,
    pub supplementary: String,
    /// filed, approved or withdrawn.
    pub state: String,
    /// The catalogue key of the state's words.
    pub state_key: &'static str,
    pub filed: String,
    pub decided: String,
}

fn line(lang: Lang, c: Contract, names: &HashMap<i64, String>) -> Line {
    let from = c.from.to_string();
    let months = match c.to {
        Some(to) => lang.f("contracts.months_to", &[("from", &from), ("to", &to.to_string())]),
        None => lang.f("contracts.months_open", &[("from", &from)]),
    };
    Line {
        id: c.id,
        platform: names.get(&c.platform).cloned().unwrap_or_else(|| c.platform.to_string()),
        union: c.union_name,
        share: trim_decimal(i64::from(c.share_bp), 2) + "%",
        months,
        min_base: c.min_base_fen.map_or_else(|| lang.t("contracts.none").to_string(), yuan_grouped),
        supplementary: c.supplementary.unwrap_or_default(),
        state_key: match c.state.as_str() {
            "filed" => "contracts.state_filed",
            "approved" => "contracts.state_approved",
            _ => "contracts.state_withdrawn",
        },
        state: c.state,
        filed: super::credit::day(c.filed_at_us),
        decided: c.decided_at_us.map(super::credit::day).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "people/contracts.html")]
struct OfficerPage {
    base: Base,
    lines: Vec<Line>,
    problem: &'static str,
    /// Platforms with bills unpaid after their due day, the longest overdue first.
    arrears: Vec<super::arrears::Line>,
    rule: super::arrears::Rule,
}

#[derive(Template)]
#[template(path = "people/platform_contracts.html")]
struct PlatformPage {
    base: Base,
    lines: Vec<Line>,
    fields: Vec<Field>,
    /// (field, catalogue key of the problem), in the form's order.
    problems: Vec<(&'static str, &'static str)>,
}

/// One field of the filing form: its name, words, kind, what was typed and its problem.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// `text`, `month` or `textarea`.
    pub kind: &'static str,
    pub inputmode: &'static str,
    /// 0: no limit.
    pub maxlength: usize,
    pub required: bool,
    pub value: String,
    pub problem: Option<&'static str>,
}

fn fields(f: &FileForm, problems: &[(&'static str, &'static str)]) -> Vec<Field> {
    let field = |name: &'static str, kind, inputmode, maxlength, required, value: &str| Field {
        name,
        label: FIELD_WORDS.iter().find(|w| w.0 == name).map_or("", |w| w.1),
        hint: FIELD_WORDS.iter().find(|w| w.0 == name).map_or("", |w| w.2),
        kind,
        inputmode,
        maxlength,
        required,
        value: value.to_string(),
        problem: problems.iter().find(|p| p.0 == name).map(|p| p.1),
    };
    vec![
        field("union", "text", "", MAX_UNION_NAME, true, &f.union),
        field("share", "text", "decimal", 7, true, &f.share),
        field("from", "month", "", 7, true, &f.from),
        field("to", "month", "", 7, false, &f.to),
        field("min_base", "text", "decimal", 16, false, &f.min_base),
        field("supplementary", "textarea", "", MAX_SUPPLEMENTARY, false, &f.supplementary),
    ]
}

/// Each field's label and hint.
const FIELD_WORDS: [(&str, &str, &str); 6] = [
    ("union", "contracts.f_union", "contracts.f_union_hint"),
    ("share", "contracts.f_share", "contracts.f_share_hint"),
    ("from", "contracts.f_from", "contracts.f_from_hint"),
    ("to", "contracts.f_to", "contracts.f_to_hint"),
    ("min_base", "contracts.f_min_base", "contracts.f_min_base_hint"),
    ("supplementary", "contracts.f_supplementary", "contracts.f_supplementary_hint"),
];

/// The filing form as typed (kept when it is shown again with its problems).
#[derive(Deserialize, Default)]
pub struct FileForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    union: String,
    #[serde(default)]
    share: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    min_base: String,
    #[serde(default)]
    supplementary: String,
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    decision: String,
}

/// The form's fields in order, each with the catalogue key of what is wrong with it.
const FIELD_PROBLEMS: [(&str, &str); 6] = [
    ("union", "contracts.err_union"),
    ("share", "contracts.err_share"),
    ("from", "contracts.err_from"),
    ("to", "contracts.err_to"),
    ("min_base", "contracts.err_min_base"),
    ("supplementary", "contracts.err_supplementary"),
];

fn problem_of(field: &'static str) -> (&'static str, &'static str) {
    FIELD_PROBLEMS.iter().copied().find(|p| p.0 == field).unwrap_or(("from", "contracts.err_from"))
}

/// A month typed as YYYY-MM; empty is `None`.
fn month(text: &str) -> Result<Option<YearMonth>, ()> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| ()),
    }
}

/// The form read into a contract of `platform`, or the problems of its fields (each named once,
/// in the form's order). The store checks the rest (names, ranges, overlaps).
fn read(platform: PlatformId, f: &FileForm) -> Result<NewContract, Vec<(&'static str, &'static str)>> {
    let mut problems = Vec::new();
    if f.union.trim().is_empty() {
        problems.push(problem_of("union"));
    }
    // Percent with at most two decimals is basis points: "30" is 3000, "12.5" is 1250.
    let share = parse_scaled(f.share.trim().trim_end_matches('%').trim(), 2).ok().filter(|bp| (0..=10_000).contains(bp));
    if share.is_none() {
        problems.push(problem_of("share"));
    }
    let from = month(&f.from).ok().flatten();
    if from.is_none() {
        problems.push(problem_of("from"));
    }
    let to = month(&f.to);
    if to.is_err() {
        problems.push(problem_of("to"));
    }
    let min_base = match f.min_base.trim() {
        "" => Ok(None),
        t => parse_yuan_nonneg(t).map(Some).map_err(|_| ()),
    };
    if min_base.is_err() {
        problems.push(problem_of("min_base"));
    }
    match (share, from, to, min_base) {
        (Some(share_bp), Some(from), Ok(to), Ok(min_base_fen)) if problems.is_empty() => Ok(NewContract {
            platform,
            union_name: f.union.clone(),
            share_bp: share_bp as i32,
            from,
            to,
            min_base_fen,
            supplementary: Some(f.supplementary.clone()).filter(|s| !s.trim().is_empty()),
        }),
        _ => Err(problems),
    }
}

async fn platform_page(
    s: &AppState,
    v: &Viewer,
    platform: PlatformId,
    form: FileForm,
    problems: Vec<(&'static str, &'static str)>,
) -> Response {
    let lang_q = form.lang.clone();
    let lang_q = lang_q.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let (Ok(mine), Ok(Some(p))) = (store.platform_contracts(platform).await, store.platform(platform).await) else {
        return failed(lang_q);
    };
    let mut base = Base::of(v, lang_q, "contracts.platform_title", "/platform/contracts");
    base.subject = p.name.clone();
    base.console("platform");
    let names = HashMap::from([(p.id.0, p.name)]);
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let lang = base.lang;
    let lines = mine.into_iter().rev().map(|c| line(lang, c, &names)).collect();
    let page = PlatformPage { base, lines, fields: fields(&form, &problems), problems };
    render(status, page.render())
}

/// `/platform/contracts`: the platform's own contracts with their state, newest first, and the
/// form to file one.
pub async fn platform(State(s): State<AppState>, AsPlatformStaff(v, platform): AsPlatformStaff, Query(q): Query<LangQuery>) -> Response {
    platform_page(&s, &v, platform, FileForm { lang: q.lang, ..FileForm::default() }, Vec::new()).await
}

/// `POST /platform/contracts`: file a contract of the session's platform (state `filed`).
/// Problems are shown on the form, each naming its field; nothing is written then.
pub async fn file(State(s): State<AppState>, AsPlatformStaff(v, platform): AsPlatformStaff, Form(f): Form<FileForm>) -> Response {
    let lang_q = f.lang.clone();
    let lang_q = lang_q.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang_q, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang_q) };
    let nc = match read(platform, &f) {
        Ok(nc) => nc,
        Err(problems) => return platform_page(&s, &v, platform, f, problems).await,
    };
    match store.file_contract(&nc).await {
        Ok(c) => see_other(format!("/platform/contracts?lang={}#contract-{}", Lang::parse(lang_q).code(), c.id)),
        Err(StoreError::Invalid { field, .. }) => {
            let p = match field {
                "union" => problem_of("union"),
                "share_bp" => problem_of("share"),
                "to" => problem_of("to"),
                "min_base" => problem_of("min_base"),
                "supplementary" => problem_of("supplementary"),
                // The store names `from` for months that overlap another contract.
                _ => ("from", "contracts.err_overlap"),
            };
            platform_page(&s, &v, platform, f, vec![p]).await
        }
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a contract could not be filed");
            failed(lang_q)
        }
    }
}

async fn officer_page(s: &AppState, v: &Viewer, lang_q: Option<&str>, status: StatusCode, problem: &'static str) -> Response {
    let Some(store) = s.store() else { return failed(lang_q) };
    let (Ok(all), Ok(platforms), Ok(arrears)) =
        (store.contracts().await, store.platforms().await, store.platform_arrears(s.params(), s.region(), None, s.today()).await)
    else {
        return failed(lang_q);
    };
    let mut base = Base::of(v, lang_q, "contracts.title", "/officer/contracts");
    base.subject = super::region_name(s, base.lang, s.region());
    base.console("officer");
    let names = super::list::names(&platforms);
    let lang = base.lang;
    let lines = all.into_iter().map(|c| line(lang, c, &names)).collect();
    let rule = super::arrears::rule_now(s, lang);
    let arrears = super::arrears::lines(lang, &arrears, &names);
    render(status, OfficerPage { base, lines, problem, arrears, rule }.render())
}

/// `/officer/contracts`: every contract of the region, those waiting for a decision first, then
/// the platforms whose bills are overdue.
pub async fn officer(State(s): State<AppState>, AsOfficer(v, _): AsOfficer, Query(q): Query<LangQuery>) -> Response {
    officer_page(&s, &v, q.lang.as_deref(), StatusCode::OK, "").await
}

/// `POST /officer/contracts/{id}/decision`: `approve` a filed contract (备案) or `withdraw` a
/// filed or approved one.
pub async fn decide(State(s): State<AppState>, AsOfficer(v, _): AsOfficer, Path(id): Path<i64>, Form(f): Form<DecisionForm>) -> Response {
    let lang_q = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang_q, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang_q) };
    let approve = match f.decision.trim() {
        "approve" => true,
        "withdraw" => false,
        _ => return denied_with(StatusCode::UNPROCESSABLE_ENTITY, lang_q, "contracts.err_decision"),
    };
    match store.decide_contract(id, approve, Some(v.session.person.id.0)).await {
        Ok(c) => see_other(format!("/officer/contracts?lang={}#contract-{}", Lang::parse(lang_q).code(), c.id)),
        Err(StoreError::Invalid { .. }) => officer_page(&s, &v, lang_q, StatusCode::CONFLICT, "contracts.err_state").await,
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang_q, "contracts.err_no_contract"),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a contract decision could not be recorded");
            failed(lang_q)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(share: &str, from: &str, to: &str, min_base: &str) -> FileForm {
        FileForm {
            union: "市总工会".into(),
            share: share.into(),
            from: from.into(),
            to: to.into(),
            min_base: min_base.into(),
            ..FileForm::default()
        }
    }

    #[test]
    fn the_form_is_read_into_a_contract_or_its_problems() {
        let p = PlatformId(7);
        let c = read(p, &form("12.5", "2025-09", "", "4,000")).map(|c| c.share_bp);
        assert_eq!(c, Err(vec![("min_base", "contracts.err_min_base")]), "a thousands separator is not a number");
        let c = read(p, &form(" 30% ", "2025-09", "2026-08", "4986.5")).expect("read");
        assert_eq!((c.platform, c.share_bp, c.to.map(|t| t.to_string()), c.min_base_fen), (p, 3000, Some("2026-08".into()), Some(498_650)));
        assert_eq!(read(p, &form("12.5", "2025-09", "", "")).map(|c| c.share_bp), Ok(1250));
        let bad = read(p, &form("100.01", "2025-13", "soon", "-1")).map(|c| c.share_bp);
        let fields: Vec<&str> = bad.expect_err("refused").iter().map(|p| p.0).collect();
        assert_eq!(fields, ["share", "from", "to", "min_base"]);
        let blank = read(p, &FileForm { union: " ".into(), ..form("30", "2025-09", "", "") }).map(|c| c.share_bp);
        assert_eq!(blank, Err(vec![("union", "contracts.err_union")]));
        assert!(read(p, &form("0.001", "2025-09", "", "")).is_err(), "more than two decimals of a percent");
    }
}
