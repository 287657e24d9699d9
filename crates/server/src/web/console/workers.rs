//! The officer's worker list (`/officer/workers`, its CSV at `/officer/workers.csv`) and one
//! worker's page (`/officer/workers/{id}`): enrolments, months, payments, the proof of each
//! closed month, and a voucher issued on the worker's behalf. Opening the page and issuing the
//! voucher are recorded in the access log. A worker of another region is not found.

use super::list::{self, Line, ListQuery, PAGE_SIZES, SORTS, Selection, Standing};
use super::{bad_month, failed, lapse_after, month_shown, region_name};
use crate::AppState;
use crate::guard::AsOfficer;
use crate::web::people::{Base, denied_with, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_rules::money::yuan_grouped;
use flexpension_store::{Store, WorkerId};
use flexpension_text::Lang;
use serde::Deserialize;

/// The list page (also the platform's, with `action` its own).
#[derive(Template)]
#[template(path = "people/workers.html")]
pub struct ListPage {
    pub base: Base,
    pub action: &'static str,
    pub month: String,
    pub sel: Selection,
    pub grids: Vec<(String, String)>,
    /// (id, name); empty: no platform filter (the platform's own page).
    pub platforms: Vec<(String, String)>,
    pub platform: String,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub sorts: Vec<(&'static str, &'static str)>,
    pub sizes: Vec<(usize, String)>,
    pub status: &'static str,
    pub page_label: String,
    pub lines: Vec<Line>,
    pub found: String,
    pub prev_href: String,
    pub next_href: String,
    pub csv_href: String,
    /// The worker page's path prefix (`/officer/workers/`); empty: rows do not link.
    pub open_prefix: &'static str,
    pub intro: String,
    /// What the page shows above the list (HTML drawn by its own template); empty for none.
    pub top: String,
}

/// The rows the officer's query selects, with the platform names.
async fn selected(
    s: &AppState,
    store: &Store,
    region: &str,
    month: flexpension_rules::YearMonth,
    sel: &Selection,
) -> Option<(Vec<list::Row>, std::collections::HashMap<i64, String>)> {
    let (Ok(workers), Ok(standings), Ok(platforms)) =
        (store.console_workers(month, Some(region), None).await, store.standings(lapse_after(s, month)).await, store.platforms().await)
    else {
        return None;
    };
    Some((list::select(list::rows(workers, &standings), sel), list::names(&platforms)))
}

async fn latest(store: &Store) -> Option<flexpension_rules::YearMonth> {
    match store.latest_closed_month().await.ok().flatten() {
        Some(m) => Some(m),
        None => store.latest_income_month(None).await.ok().flatten(),
    }
}

pub async fn list_page(State(s): State<AppState>, AsOfficer(v, region): AsOfficer, Query(q): Query<ListQuery>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let lang = Lang::parse(lang_q);
    let Ok(month) = month_shown(q.month.as_deref(), latest(store).await, s.this_month()) else { return bad_month(lang_q) };
    let sel = match Selection::read(&q) {
        Ok(sel) => sel,
        Err(key) => return denied_with(StatusCode::BAD_REQUEST, lang_q, key),
    };
    let (Some((rows, names)), Ok(grids)) = (selected(&s, store, &region, month, &sel).await, store.grids(Some(&region)).await) else {
        return failed(lang_q);
    };
    let m = month.to_string();
    let query = sel.query(&m, lang);
    let mut base = Base::of(
        &v,
        lang_q,
        "console.workers_title",
        &format!("/officer/workers?{}", sel.query(&m, lang).replace(&format!("&lang={}", lang.code()), "")),
    );
    base.subject = region_name(&s, lang, &region);
    base.console("officer");
    let mut names_sorted: Vec<(String, String)> = names.iter().map(|(id, n)| (id.to_string(), n.clone())).collect();
    names_sorted.sort();
    let page = page_of(
        base,
        "/officer/workers",
        &m,
        sel.clone(),
        &rows,
        &names,
        grids.into_iter().map(|g| (g.code, g.name)).collect(),
        names_sorted,
        &query,
        format!("/officer/workers.csv?{query}"),
        "/officer/workers/",
        lang.f("console.workers_intro", &[("month", &m)]),
    );
    render(StatusCode::OK, page.render())
}

/// The list page of `rows` (all the selection keeps) showing the selection's page.
#[allow(clippy::too_many_arguments)]
pub fn page_of(
    base: Base,
    action: &'static str,
    month: &str,
    sel: Selection,
    rows: &[list::Row],
    names: &std::collections::HashMap<i64, String>,
    grids: Vec<(String, String)>,
    platforms: Vec<(String, String)>,
    query: &str,
    csv_href: String,
    open_prefix: &'static str,
    intro: String,
) -> ListPage {
    let lang = base.lang;
    let (pages, page) = list::pages(rows.len(), &sel);
    let href = |p: usize| format!("{action}?{query}&page={p}");
    let lines = rows.iter().skip((page - 1) * sel.size).take(sel.size).map(|r| list::line(r, names)).collect();
    ListPage {
        action,
        month: month.to_string(),
        platform: sel.platform.map(|p| p.0.to_string()).unwrap_or_default(),
        grids,
        platforms,
        statuses: Standing::ALL.iter().map(|s| (s.code(), s.key())).collect(),
        sorts: SORTS.to_vec(),
        sizes: PAGE_SIZES.iter().map(|z| (*z, lang.f("console.per_page", &[("n", &z.to_string())]))).collect(),
        status: sel.status.map_or("", |s| s.code()),
        page_label: lang.f("console.page_of", &[("page", &page.to_string()), ("pages", &pages.to_string())]),
        lines,
        found: lang.f("console.found", &[("n", &flexpension_rules::money::group_digits(&rows.len().to_string()))]),
        prev_href: if page > 1 { href(page - 1) } else { String::new() },
        next_href: if page < pages { href(page + 1) } else { String::new() },
        csv_href,
        open_prefix,
        intro,
        top: String::new(),
        sel,
        base,
    }
}

/// A CSV download.
pub fn csv_response(body: String, name: &str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

pub async fn list_csv(State(s): State<AppState>, AsOfficer(_, region): AsOfficer, Query(q): Query<ListQuery>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let Ok(month) = month_shown(q.month.as_deref(), latest(store).await, s.this_month()) else { return bad_month(lang_q) };
    let sel = match Selection::read(&q) {
        Ok(sel) => sel,
        Err(key) => return denied_with(StatusCode::BAD_REQUEST, lang_q, key),
    };
    let Some((rows, names)) = selected(&s, store, &region, month, &sel).await else { return failed(lang_q) };
    csv_response(list::csv(Lang::parse(lang_q), &month.to_string(), &rows, &names), &format!("workers-{month}.csv"))
}

// ---- one worker ----

struct MonthLine {
    month: String,
    income: String,
    contribution: String,
    paid: String,
    due: String,
    proof_href: String,
}

#[derive(Template)]
#[template(path = "people/worker.html")]
struct WorkerPage {
    base: Base,
    number: i64,
    name: String,
    id_masked: String,
    phone_masked: String,
    grid_name: String,
    standing: &'static str,
    arrears: String,
    years: u32,
    months_paid: u32,
    balance: String,
    enrolments: Vec<(String, String)>,
    months: Vec<MonthLine>,
    /// (month booked, amount, who paid: label key)
    payments: Vec<(String, String, &'static str)>,
    accesses: Vec<(String, String, &'static str)>,
    back_href: String,
}

#[derive(Deserialize)]
pub struct LangOnly {
    lang: Option<String>,
}

/// The worker if they are of the officer's region (home grid).
async fn in_region(store: &Store, region: &str, id: i64) -> Result<Option<flexpension_store::Worker>, ()> {
    let w = store.worker(WorkerId(id)).await.map_err(|_| ())?;
    let Some(w) = w else { return Ok(None) };
    let grids = store.grids(Some(region)).await.map_err(|_| ())?;
    Ok(grids.iter().any(|g| g.code == w.home_grid).then_some(w))
}

fn access_key(what: &str) -> &'static str {
    match what {
        "voucher" => "console.access_voucher",
        _ => "console.access_view",
    }
}

pub async fn worker_page(
    State(s): State<AppState>,
    AsOfficer(v, region): AsOfficer,
    Path(id): Path<String>,
    Query(q): Query<LangOnly>,
) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let lang = Lang::parse(lang_q);
    let w = match id.parse::<i64>() {
        Ok(n) => match in_region(store, &region, n).await {
            Ok(Some(w)) => w,
            Ok(None) => return denied_with(StatusCode::NOT_FOUND, lang_q, "console.err_no_worker"),
            Err(()) => return failed(lang_q),
        },
        Err(_) => return denied_with(StatusCode::NOT_FOUND, lang_q, "console.err_no_worker"),
    };
    // The view is recorded before anything is shown: no record, no page.
    if store.record_access(v.session.person.id, w.id, "view").await.is_err() {
        return failed(lang_q);
    }
    let lapse = lapse_after(&s, s.this_month());
    let (Ok(st), Ok(enrolments), Ok(accesses), Ok(grids)) = (
        store.worker_statement(w.id, lapse).await,
        store.enrolments(w.id).await,
        store.accesses(w.id, 20).await,
        store.grids(Some(&region)).await,
    ) else {
        return failed(lang_q);
    };
    let Ok(incomes) = crate::api::people::my_months(store, w.id, crate::web::people::MY_MONTHS).await else { return failed(lang_q) };
    let Ok(entries) = store.worker_entries(w.id).await else { return failed(lang_q) };
    let (standing, _) = list::Standing::of(Some(&st.status));
    let months = incomes
        .iter()
        .map(|m| {
            let c = st.months.iter().find(|c| c.month == m.month);
            MonthLine {
                month: m.month.to_string(),
                income: yuan_grouped(m.income_fen),
                contribution: c.map(|c| yuan_grouped(c.contribution_fen)).unwrap_or_default(),
                paid: c.map(|c| yuan_grouped(c.paid_fen)).unwrap_or_default(),
                due: c.map(|c| yuan_grouped(c.due_fen)).unwrap_or_default(),
                proof_href: c.map(|_| format!("/api/v1/officer/proof?worker={}&month={}", w.id.0, m.month)).unwrap_or_default(),
            }
        })
        .collect();
    let path = format!("/officer/workers/{}", w.id.0);
    let mut base = Base::of(&v, lang_q, "console.worker_title", &path);
    base.subject = w.name.clone();
    base.console("officer");
    let page = WorkerPage {
        number: w.id.0,
        grid_name: grids.iter().find(|g| g.code == w.home_grid).map(|g| g.name.clone()).unwrap_or_default(),
        name: w.name,
        id_masked: w.id_masked,
        phone_masked: w.phone_masked,
        standing: standing.key(),
        arrears: yuan_grouped(st.arrears_fen),
        years: st.years_counted,
        months_paid: st.months_paid,
        balance: yuan_grouped(st.personal_account_fen),
        enrolments: enrolments
            .iter()
            .map(|e| {
                let to = e.to.map(|t| t.to_string()).unwrap_or_else(|| lang.t("people.open_ended").to_string());
                (format!("people.scheme_{}", e.scheme.as_str()), format!("{} – {}", e.from, to))
            })
            .collect(),
        months,
        payments: payments(&entries),
        accesses: accesses
            .iter()
            .map(|a| {
                let at = chrono::DateTime::from_timestamp_micros(a.at_us)
                    .map(|t| (t + chrono::TimeDelta::hours(8)).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default();
                (at, a.login.clone(), access_key(&a.what))
            })
            .collect(),
        back_href: format!("/officer/workers?lang={}", lang.code()),
        base,
    };
    render(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
pub struct VoucherForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
}

/// `POST /officer/workers/{id}/voucher`: issue the worker's voucher on their behalf (recorded in
/// the access log) and hand over the PDF.
pub async fn voucher(
    State(s): State<AppState>,
    AsOfficer(v, region): AsOfficer,
    Path(id): Path<i64>,
    Form(f): Form<VoucherForm>,
) -> Response {
    let lang_q = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang_q, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang_q) };
    let w = match in_region(store, &region, id).await {
        Ok(Some(w)) => w,
        Ok(None) => return denied_with(StatusCode::NOT_FOUND, lang_q, "console.err_no_worker"),
        Err(()) => return failed(lang_q),
    };
    if store.record_access(v.session.person.id, w.id, "voucher").await.is_err() {
        return failed(lang_q);
    }
    match crate::voucher::issue(&s, store, w.id, None, None, flexpension_voucher::Lang::parse(lang_q)).await {
        Ok(issued) => crate::evidence::pdf_attachment(issued.pdf, &format!("voucher-{}.pdf", issued.id)),
        Err(crate::voucher::VoucherIssueError::Input(_)) => denied_with(StatusCode::UNPROCESSABLE_ENTITY, lang_q, "voucher.err_no_months"),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a voucher on a worker's behalf could not be issued");
            failed(lang_q)
        }
    }
}

/// The money received for a worker, newest first: (month booked, amount, who paid). Reversed
/// payments are left out.
fn payments(entries: &[flexpension_ledger::Entry]) -> Vec<(String, String, &'static str)> {
    use flexpension_ledger::{Account, EntryKind, Payer, Subject};
    let reversed: Vec<_> = entries.iter().filter(|e| e.kind() == EntryKind::Reversal).map(|e| e.id().subject).collect();
    let mut out: Vec<(flexpension_rules::YearMonth, i64, &'static str)> = entries
        .iter()
        .filter(|e| e.kind() == EntryKind::Payment && !reversed.contains(&e.id().subject))
        .map(|e| {
            let amount = e.postings().iter().filter(|p| matches!(p.account, Account::Clearing(_))).map(|p| p.amount_fen).sum();
            let by = match e.id().subject {
                Subject::Payment { payer: Payer::Platform(_), .. } => "console.paid_by_platform",
                _ => "console.paid_by_self",
            };
            (e.period(), amount, by)
        })
        .collect();
    out.sort_by_key(|p| std::cmp::Reverse(p.0));
    out.into_iter().map(|(m, fen, by)| (m.to_string(), yuan_grouped(fen), by)).collect()
}
