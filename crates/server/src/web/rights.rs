//! A worker's complaints on the phone (一键维权): `/me/complaints` lists them with the form to
//! file one (what happened, which platform, which months, photos, screenshots or PDFs), and
//! `/me/complaints/{id}` shows where one stands, `/me/complaints/{id}/package.pdf` is its
//! evidence package as a PDF. Uploads are checked by the rules core, by
//! content, before anything is stored; the whole request is bounded by [`MAX_COMPLAINT_BODY`].
//! A worker reaches only their own complaints: the scope comes from the session.

use super::people::{Base, LangQuery, denied_with, render};
use crate::AppState;
use crate::guard::AsWorker;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::YearMonth;
use flexpension_rules::complaint::{self as rules, Kind, MAX_MONTHS, MAX_TEXT_CHARS, MAX_UPLOAD_BYTES, MAX_UPLOADS, UploadError};
use flexpension_store::{NewComplaint, NewUpload, PlatformId, Store, WorkerId, rfc3339};

/// The largest complaint request: every file at its limit and the form's fields.
pub const MAX_COMPLAINT_BODY: usize = MAX_UPLOADS * MAX_UPLOAD_BYTES + 64 * 1024;
/// Months offered as boxes to tick: the worker's latest months with income.
const OFFERED_MONTHS: usize = 6;

struct Line {
    id: i64,
    kind: String,
    platform: String,
    months: String,
    state: String,
    breached: bool,
}

#[derive(Template)]
#[template(path = "people/complaints.html")]
struct ListPage {
    base: Base,
    intro: String,
    files_hint: String,
    lines: Vec<Line>,
    kinds: Vec<(&'static str, String)>,
    platforms: Vec<(i64, String)>,
    months: Vec<String>,
    error: String,
    max_files: usize,
}

struct StepLine {
    at: String,
    what: String,
    text: String,
}

#[derive(Template)]
#[template(path = "people/complaint.html")]
struct ShowPage {
    base: Base,
    id: i64,
    kind: String,
    platform: String,
    months: String,
    state: String,
    state_code: &'static str,
    outcome: String,
    due: String,
    breached: bool,
    text: String,
    files: Vec<(String, String)>,
    steps: Vec<StepLine>,
}

fn kind_words(base: &Base, k: Kind) -> String {
    base.lang.t(&format!("rights.kind_{}", k.as_str())).to_string()
}

fn hours(s: &AppState) -> u32 {
    rules::china_day(s.now().timestamp_micros()).and_then(|d| s.params().complaint_rules(d).ok()).map_or(72, |r| r.response_hours)
}

async fn list_page(s: &AppState, store: &Store, base: Base, worker: WorkerId, error: String, status: StatusCode) -> Response {
    let lang = base.lang.code().to_string();
    let (Ok(mine), Ok(platforms), Ok(months)) =
        (store.worker_complaints(worker).await, store.platforms().await, store.worker_income_months(worker).await)
    else {
        return denied_with(StatusCode::SERVICE_UNAVAILABLE, Some(&lang), "people.err_try_later");
    };
    let mut months: Vec<String> = months.iter().rev().take(OFFERED_MONTHS).map(|m| m.to_string()).collect();
    months.sort();
    let page = ListPage {
        intro: base.lang.f("rights.intro", &[("hours", &hours(s).to_string())]),
        files_hint: base
            .lang
            .f("rights.f_files_hint", &[("count", &MAX_UPLOADS.to_string()), ("mb", &(MAX_UPLOAD_BYTES >> 20).to_string())]),
        lines: mine
            .iter()
            .map(|c| Line {
                id: c.id,
                kind: kind_words(&base, c.kind),
                platform: c.platform_name.clone(),
                months: c.months.join(", "),
                state: base.lang.t(&format!("rights.state_{}", c.state.as_str())).to_string(),
                breached: c.breached,
            })
            .collect(),
        kinds: Kind::ALL.iter().map(|k| (k.as_str(), kind_words(&base, *k))).collect(),
        platforms: platforms.into_iter().map(|p| (p.id.0, p.name)).collect(),
        months,
        error,
        max_files: MAX_UPLOADS,
        base,
    };
    render(status, page.render())
}

/// `GET /me/complaints`: the worker's complaints and the form.
pub async fn list(State(s): State<AppState>, AsWorker(v, worker): AsWorker, q: Query<LangQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let base = Base::of(&v, lang, "rights.title", "/me/complaints");
    list_page(&s, store, base, worker, String::new(), StatusCode::OK).await
}

/// The form as sent.
#[derive(Default)]
struct Filed {
    csrf: String,
    lang: Option<String>,
    kind: String,
    platform: String,
    months: Vec<String>,
    typed_months: String,
    text: String,
    files: Vec<NewUpload>,
    too_many: bool,
}

async fn read_form(mut m: Multipart) -> Result<Filed, ()> {
    let mut f = Filed::default();
    while let Some(field) = m.next_field().await.map_err(|_| ())? {
        let name = field.name().unwrap_or("").to_string();
        if name == "files" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| ())?;
            if file_name.is_empty() && bytes.is_empty() {
                continue; // no file chosen
            }
            if f.files.len() >= MAX_UPLOADS {
                f.too_many = true;
                continue;
            }
            f.files.push(NewUpload { name: file_name, bytes: bytes.to_vec() });
            continue;
        }
        let text = field.text().await.map_err(|_| ())?;
        match name.as_str() {
            "csrf" => f.csrf = text,
            "lang" => f.lang = Some(text),
            "kind" => f.kind = text,
            "platform" => f.platform = text,
            "months" => f.months.push(text),
            "typed_months" => f.typed_months = text,
            "text" => f.text = text,
            _ => {}
        }
    }
    Ok(f)
}

fn upload_problem(base: &Base, e: &UploadError) -> String {
    let mb = (MAX_UPLOAD_BYTES >> 20).to_string();
    let l = base.lang;
    match e {
        UploadError::Empty { name } => l.f("rights.err_empty", &[("name", name)]),
        UploadError::TooLarge { name, .. } => l.f("rights.err_too_big", &[("name", name), ("mb", &mb)]),
        UploadError::TooMany { max } => l.f("rights.err_too_many", &[("count", &max.to_string())]),
        UploadError::NotAllowed { name } => l.f("rights.err_type", &[("name", name)]),
        UploadError::Mismatch { name, .. } => l.f("rights.err_mismatch", &[("name", name)]),
    }
}

/// `POST /me/complaints` (multipart): file a complaint in the worker's own name.
pub async fn file(State(s): State<AppState>, AsWorker(v, worker): AsWorker, form: Multipart) -> Response {
    let Ok(f) = read_form(form).await else {
        return denied_with(StatusCode::BAD_REQUEST, None, "people.err_try_later");
    };
    let lang = f.lang.as_deref();
    if !super::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let base = Base::of(&v, lang, "rights.title", "/me/complaints");
    let l = base.lang;
    let refuse = |base: Base, e: String| list_page(&s, store, base, worker, e, StatusCode::UNPROCESSABLE_ENTITY);
    let Some(kind) = Kind::parse(f.kind.trim()) else { return refuse(base, l.t("rights.err_kind").to_string()).await };
    let Some(platform) = f.platform.trim().parse::<i64>().ok() else { return refuse(base, l.t("rights.err_platform").to_string()).await };
    let typed = f.typed_months.split([',', '，', ' ']).map(str::trim).filter(|m| !m.is_empty()).map(str::to_string);
    let months: Option<Vec<YearMonth>> = f.months.iter().cloned().chain(typed).map(|m| m.trim().parse::<YearMonth>().ok()).collect();
    let Some(months) = months.filter(|m| !m.is_empty() && m.len() <= MAX_MONTHS) else {
        return refuse(base, l.t("rights.err_months").to_string()).await;
    };
    if f.text.trim().chars().count() > MAX_TEXT_CHARS {
        return refuse(base, l.t("rights.err_text").to_string()).await;
    }
    if f.too_many {
        let e = upload_problem(&base, &UploadError::TooMany { max: MAX_UPLOADS });
        return refuse(base, e).await;
    }
    for (i, u) in f.files.iter().enumerate() {
        if let Err(e) = rules::check_upload(&u.name, &u.bytes, i) {
            let e = upload_problem(&base, &e);
            return refuse(base, e).await;
        }
    }
    let c = NewComplaint { worker, platform: PlatformId(platform), kind, months, text: f.text, uploads: f.files };
    match store.file_complaint(s.params(), &c).await {
        Ok(c) => {
            // Seal the filing under a signed checkpoint now, so its evidence package can be
            // drawn at once (every GET only reads); the publisher's round would do it anyway.
            if let Err(e) = crate::log::publish(&s).await {
                tracing::warn!(error = %e, "publishing the log after a complaint failed; the publisher will");
            }
            crate::web::reply::see_other(format!("/me/complaints/{}?lang={}", c.summary.id, base.lang.code()))
        }
        Err(e) if e.code() == "not_found" => refuse(base, l.t("rights.err_platform").to_string()).await,
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a complaint could not be filed");
            denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

/// `GET /me/complaints/{id}`: one of the worker's complaints; anyone else's is not found.
pub async fn show(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Path(id): Path<i64>, q: Query<LangQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let c = match store.complaint(id).await {
        Ok(Some(c)) if c.summary.worker == worker.0 => c,
        Ok(_) => return super::not_found(axum::extract::RawQuery(None)).await,
        Err(_) => return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later"),
    };
    let (uploads, steps, c) = (c.uploads, c.steps, c.summary);
    let base = Base::of(&v, lang, "rights.title", &format!("/me/complaints/{id}"));
    let l = base.lang;
    let page = ShowPage {
        id: c.id,
        kind: kind_words(&base, c.kind),
        platform: c.platform_name,
        months: c.months.join(", "),
        state: l.t(&format!("rights.state_{}", c.state.as_str())).to_string(),
        state_code: c.state.as_str(),
        outcome: c.outcome.map(|o| l.t(&format!("rights.outcome_{}", o.as_str())).to_string()).unwrap_or_default(),
        due: local_time(c.due_at_us),
        breached: c.breached,
        files: uploads.iter().map(|u| (u.name.clone(), u.content_type.clone())).collect(),
        steps: steps
            .iter()
            .map(|st| StepLine {
                at: local_time(st.at_us),
                what: l.t(&format!("rights.act_{}", st.action)).to_string(),
                // What the platform, inspection and legal aid wrote (answers, reasons, notes).
                text: if matches!(st.actor.as_str(), "platform" | "inspector" | "legal_aid") {
                    st.text.clone().unwrap_or_default()
                } else {
                    String::new()
                },
            })
            .collect(),
        text: c.text,
        base,
    };
    render(StatusCode::OK, page.render())
}

/// `GET /me/complaints/{id}/package.pdf`: the worker's own complaint's evidence package as a
/// PDF (its pages bound to the package it carries); anyone else's is not found. Writes nothing:
/// the package is proved against the latest checkpoint already published.
pub async fn package_pdf(State(s): State<AppState>, AsWorker(_, worker): AsWorker, Path(id): Path<i64>, q: Query<LangQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    match store.complaint(id).await {
        Ok(Some(c)) if c.summary.worker == worker.0 => {}
        Ok(_) => return super::not_found(axum::extract::RawQuery(None)).await,
        Err(_) => return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later"),
    }
    package_pdf_of(&s, store, id, lang).await
}

/// The evidence package of complaint `id` as a PDF download, labels in `lang` (else the page's).
pub(crate) async fn package_pdf_of(s: &AppState, store: &Store, id: i64, lang: Option<&str>) -> Response {
    let l = match lang {
        Some(x) => flexpension_text::Lang::parse(Some(x)),
        None => super::lang::current(),
    };
    let p = match store.complaint_package(id, s.witnesses().quorum).await {
        Ok(p) => p,
        Err(flexpension_store::StoreError::NotFound { .. }) => return denied_with(StatusCode::NOT_FOUND, lang, "rights.err_not_sealed"),
        Err(_) => return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later"),
    };
    match crate::complaint_pdf::draw(&p, l) {
        Ok(pdf) => crate::evidence::pdf_attachment(pdf, &format!("complaint-{id}.pdf")),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e), "a complaint's package could not be drawn");
            denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

/// `2025-05-13 10:00` in China time.
fn local_time(at_us: i64) -> String {
    let t = rfc3339(at_us);
    t.get(..16).map(|s| s.replace('T', " ")).unwrap_or(t)
}
