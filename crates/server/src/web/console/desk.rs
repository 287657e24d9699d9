//! The complaint desks of a region's labour inspection (劳动监察, `/inspection/complaints`, role
//! `inspector`) and union legal aid (工会法律援助, `/legal-aid/complaints`, role `legal_aid`):
//! the queue of the open complaints of the region's workers (past their deadline first, then the
//! oldest), one complaint with its steps and the steps the desk may take (inspection: mediate,
//! resolve with an outcome and its reasons; legal aid: take the case on, add a note), and the
//! evidence package as data for `flexpension verify`. Opening a complaint and every download
//! are written to the access log before anything is shown, as a grid worker's reveal is;
//! another region's complaint is not found. The queue shows masked ID numbers only.

use super::complaints::{QueuePage, download, rows, short_time};
use super::failed;
use crate::AppState;
use crate::guard::{AsInspector, AsLegalAid, Viewer};
use crate::web::people::{Base, LangQuery, denied_with, render};
use crate::web::reply::see_other;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::complaint::{self as rules, Action, Actor, Outcome, State as CState};
use flexpension_store::{Complaint, Store, StoreError, WorkerId};
use flexpension_text::Lang;
use serde::Deserialize;

/// Which desk a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    Inspection,
    LegalAid,
}

impl Desk {
    /// Where its pages are.
    pub fn path(self) -> &'static str {
        match self {
            Desk::Inspection => "/inspection/complaints",
            Desk::LegalAid => "/legal-aid/complaints",
        }
    }

    /// Its console's menu (`Base::console`).
    fn role(self) -> &'static str {
        match self {
            Desk::Inspection => "inspector",
            Desk::LegalAid => "legal_aid",
        }
    }

    pub fn actor(self) -> Actor {
        match self {
            Desk::Inspection => Actor::Inspector,
            Desk::LegalAid => Actor::LegalAid,
        }
    }

    fn key(self, what: &str) -> String {
        let desk = match self {
            Desk::Inspection => "inspection",
            Desk::LegalAid => "legal_aid",
        };
        format!("rights.desk_{desk}_{what}")
    }

    /// The steps a desk's forms offer.
    fn actions(self) -> &'static [&'static str] {
        match self {
            Desk::Inspection => &["mediate", "resolve"],
            Desk::LegalAid => &["take", "note"],
        }
    }
}

/// A desk's person: who, and the region they serve.
struct Clerk<'a> {
    v: &'a Viewer,
    region: &'a str,
    desk: Desk,
}

async fn queue(s: &AppState, c: Clerk<'_>, lang: Option<&str>) -> Response {
    let Some(store) = s.store() else { return failed(lang) };
    let path = c.desk.path();
    let mut base = Base::of(c.v, lang, &c.desk.key("title"), path);
    base.console(c.desk.role());
    base.subject = super::region_name(s, base.lang, c.region);
    let Ok(list) = store.region_complaint_queue(c.region).await else { return failed(lang) };
    let Ok(rows) = rows(store, base.lang, list, |id| (format!("{path}/{id}"), format!("{path}/{id}/package.pdf"))).await else {
        return failed(lang);
    };
    let intro = base.lang.t(&c.desk.key("intro")).to_string();
    render(StatusCode::OK, QueuePage { base, intro, rows }.render())
}

struct StepLine {
    at: String,
    what: String,
    text: String,
}

/// A step form the page offers: the action, and for a resolution the outcomes.
struct Offer {
    action: &'static str,
    outcomes: Vec<(&'static str, String)>,
    /// The button's words.
    label: String,
    /// The text box's label (reasons, a note, required); empty: no text box.
    text_label: String,
}

#[derive(Template)]
#[template(path = "people/complaint_desk.html")]
struct CasePage {
    base: Base,
    path: &'static str,
    id: i64,
    kind: String,
    platform: String,
    worker: String,
    months: String,
    state: String,
    state_code: &'static str,
    outcome: String,
    filed: String,
    due: String,
    breached: bool,
    taken: bool,
    text: String,
    /// (name, type, size in bytes, SHA-256)
    files: Vec<(String, String, i64, String)>,
    steps: Vec<StepLine>,
    offers: Vec<Offer>,
    problem: &'static str,
}

/// The complaint `id` of the clerk's region, its opening recorded in the access log first.
/// `Err`: the answer to send (not found, the store failed).
async fn opened(store: &Store, c: &Clerk<'_>, id: i64, what: &str, lang: Option<&str>) -> Result<Complaint, Response> {
    let complaint = match store.region_complaint(id, c.region).await {
        Ok(Some(x)) => x,
        Ok(None) => return Err(denied_with(StatusCode::NOT_FOUND, lang, "people.err_not_yours")),
        Err(_) => return Err(failed(lang)),
    };
    let why = format!("complaint {id}");
    if store.record_access_why(c.v.session.person.id, WorkerId(complaint.summary.worker), what, &why).await.is_err() {
        return Err(failed(lang));
    }
    Ok(complaint)
}

async fn case(s: &AppState, c: Clerk<'_>, id: i64, lang: Option<&str>, status: StatusCode, problem: &'static str) -> Response {
    let Some(store) = s.store() else { return failed(lang) };
    let complaint = match opened(store, &c, id, "complaint", lang).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let path = c.desk.path();
    let mut base = Base::of(c.v, lang, &c.desk.key("title"), &format!("{path}/{id}"));
    base.console(c.desk.role());
    let l = base.lang;
    base.subject = l.f("rights.desk_case", &[("id", &id.to_string())]);
    let worker = match store.worker(WorkerId(complaint.summary.worker)).await {
        Ok(Some(w)) => format!("{} · {}", w.name, w.id_masked),
        Ok(None) => String::new(),
        Err(_) => return failed(lang),
    };
    let Complaint { summary: sm, uploads, steps, .. } = complaint;
    let taken = steps.iter().any(|st| st.action == Action::Take.as_str());
    let offers = offers(c.desk, sm.state, taken, l);
    let page = CasePage {
        path,
        id,
        kind: l.t(&format!("rights.kind_{}", sm.kind.as_str())).to_string(),
        platform: sm.platform_name,
        worker,
        months: sm.months.join(", "),
        state: l.t(&format!("rights.state_{}", sm.state.as_str())).to_string(),
        state_code: sm.state.as_str(),
        outcome: sm.outcome.map(|o| l.t(&format!("rights.outcome_{}", o.as_str())).to_string()).unwrap_or_default(),
        filed: short_time(sm.filed_at_us),
        due: short_time(sm.due_at_us),
        breached: sm.breached,
        taken,
        text: sm.text,
        files: uploads.into_iter().map(|u| (u.name, u.content_type, u.size, u.sha256)).collect(),
        steps: steps
            .iter()
            .map(|st| StepLine {
                at: short_time(st.at_us),
                what: l.t(&format!("rights.d_act_{}", st.action)).to_string(),
                text: st.text.clone().unwrap_or_default(),
            })
            .collect(),
        offers,
        problem,
        base,
    };
    render(status, page.render())
}

/// The steps the rules allow this desk now.
fn offers(desk: Desk, state: CState, taken: bool, l: Lang) -> Vec<Offer> {
    desk.actions()
        .iter()
        .filter_map(|&a| {
            let action = parse_action(a, Some(Outcome::Upheld))?;
            if rules::next(state, action, desk.actor()).is_err() || (action == Action::Take && taken) {
                return None;
            }
            let outcomes = match action {
                Action::Resolve(_) => {
                    Outcome::ALL.iter().map(|o| (o.as_str(), l.t(&format!("rights.outcome_{}", o.as_str())).to_string())).collect()
                }
                _ => Vec::new(),
            };
            let text_label = if action.needs_text() { l.t(&format!("rights.desk_text_{a}")).to_string() } else { String::new() };
            Some(Offer { action: a, outcomes, label: l.t(&format!("rights.desk_do_{a}")).to_string(), text_label })
        })
        .collect()
}

fn parse_action(a: &str, outcome: Option<Outcome>) -> Option<Action> {
    match a {
        "mediate" => Some(Action::Mediate),
        "resolve" => outcome.map(Action::Resolve),
        "take" => Some(Action::Take),
        "note" => Some(Action::Note),
        _ => None,
    }
}

/// The form of a step.
#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    text: String,
}

async fn step(s: &AppState, c: Clerk<'_>, id: i64, f: StepForm) -> Response {
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&c.v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang) };
    let action = parse_action(f.action.trim(), Outcome::parse(f.outcome.trim())).filter(|a| c.desk.actions().contains(&a.as_str()));
    let Some(action) = action else {
        return case(s, c, id, lang, StatusCode::UNPROCESSABLE_ENTITY, "rights.err_step").await;
    };
    let text = Some(f.text.as_str()).filter(|_| action.needs_text());
    let person = c.v.session.person.id;
    match store.complaint_step_in_region(id, c.desk.actor(), person, c.region, action, text).await {
        Ok(_) => see_other(format!("{}/{id}?lang={}", c.desk.path(), Lang::parse(lang).code())),
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang, "people.err_not_yours"),
        Err(e @ StoreError::Invalid { .. }) => {
            let problem = if e.field() == Some("text") { "rights.err_step_text" } else { "rights.err_step" };
            case(s, c, id, lang, StatusCode::UNPROCESSABLE_ENTITY, problem).await
        }
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a complaint step could not be recorded");
            failed(lang)
        }
    }
}

/// The evidence package as data, proved against the latest checkpoint that covers its filing
/// (the filing publishes the log; a GET publishes nothing).
async fn package_json(s: &AppState, c: Clerk<'_>, id: i64, lang: Option<&str>) -> Response {
    let Some(store) = s.store() else { return failed(lang) };
    if let Err(r) = opened(store, &c, id, "complaint_package", lang).await {
        return r;
    }
    match store.complaint_package(id, s.witnesses().quorum).await {
        Ok(p) => match serde_json::to_vec_pretty(&p) {
            Ok(body) => download(body, "application/json", &format!("complaint-{id}.json")),
            Err(_) => failed(lang),
        },
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang, "rights.err_not_sealed"),
        Err(_) => failed(lang),
    }
}

/// The evidence package as a PDF for people, its download in the access log first.
async fn package_pdf(s: &AppState, c: Clerk<'_>, id: i64, lang: Option<&str>) -> Response {
    let Some(store) = s.store() else { return failed(lang) };
    if let Err(r) = opened(store, &c, id, "complaint_package_pdf", lang).await {
        return r;
    }
    crate::web::rights::package_pdf_of(s, store, id, lang).await
}

// ---- the routes: each desk's guard, then the shared page ----

/// `GET /inspection/complaints`.
pub async fn inspection_queue(State(s): State<AppState>, AsInspector(v, r): AsInspector, q: Query<LangQuery>) -> Response {
    queue(&s, Clerk { v: &v, region: &r, desk: Desk::Inspection }, q.lang.as_deref()).await
}

/// `GET /legal-aid/complaints`.
pub async fn legal_aid_queue(State(s): State<AppState>, AsLegalAid(v, r): AsLegalAid, q: Query<LangQuery>) -> Response {
    queue(&s, Clerk { v: &v, region: &r, desk: Desk::LegalAid }, q.lang.as_deref()).await
}

/// `GET /inspection/complaints/{id}`.
pub async fn inspection_case(
    State(s): State<AppState>,
    AsInspector(v, r): AsInspector,
    Path(id): Path<i64>,
    q: Query<LangQuery>,
) -> Response {
    case(&s, Clerk { v: &v, region: &r, desk: Desk::Inspection }, id, q.lang.as_deref(), StatusCode::OK, "").await
}

/// `GET /legal-aid/complaints/{id}`.
pub async fn legal_aid_case(State(s): State<AppState>, AsLegalAid(v, r): AsLegalAid, Path(id): Path<i64>, q: Query<LangQuery>) -> Response {
    case(&s, Clerk { v: &v, region: &r, desk: Desk::LegalAid }, id, q.lang.as_deref(), StatusCode::OK, "").await
}

/// `POST /inspection/complaints/{id}`: mediate, or resolve with an outcome and its reasons.
pub async fn inspection_step(
    State(s): State<AppState>,
    AsInspector(v, r): AsInspector,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Response {
    step(&s, Clerk { v: &v, region: &r, desk: Desk::Inspection }, id, f).await
}

/// `POST /legal-aid/complaints/{id}`: take the case on, or add a note.
pub async fn legal_aid_step(
    State(s): State<AppState>,
    AsLegalAid(v, r): AsLegalAid,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Response {
    step(&s, Clerk { v: &v, region: &r, desk: Desk::LegalAid }, id, f).await
}

/// `GET /inspection/complaints/{id}/package.json`.
pub async fn inspection_package(
    State(s): State<AppState>,
    AsInspector(v, r): AsInspector,
    Path(id): Path<i64>,
    q: Query<LangQuery>,
) -> Response {
    package_json(&s, Clerk { v: &v, region: &r, desk: Desk::Inspection }, id, q.lang.as_deref()).await
}

/// `GET /legal-aid/complaints/{id}/package.json`.
pub async fn legal_aid_package(
    State(s): State<AppState>,
    AsLegalAid(v, r): AsLegalAid,
    Path(id): Path<i64>,
    q: Query<LangQuery>,
) -> Response {
    package_json(&s, Clerk { v: &v, region: &r, desk: Desk::LegalAid }, id, q.lang.as_deref()).await
}

/// `GET /inspection/complaints/{id}/package.pdf`.
pub async fn inspection_pdf(
    State(s): State<AppState>,
    AsInspector(v, r): AsInspector,
    Path(id): Path<i64>,
    q: Query<LangQuery>,
) -> Response {
    package_pdf(&s, Clerk { v: &v, region: &r, desk: Desk::Inspection }, id, q.lang.as_deref()).await
}

/// `GET /legal-aid/complaints/{id}/package.pdf`.
pub async fn legal_aid_pdf(State(s): State<AppState>, AsLegalAid(v, r): AsLegalAid, Path(id): Path<i64>, q: Query<LangQuery>) -> Response {
    package_pdf(&s, Clerk { v: &v, region: &r, desk: Desk::LegalAid }, id, q.lang.as_deref()).await
}
