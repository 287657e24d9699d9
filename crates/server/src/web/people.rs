//! The pages of people who log in: what every such page shows around its content ([`Base`]),
//! refusals as pages, and a worker's own page (`/me`): a summary card first, then the months
//! one line each with details on tap. The consoles of platforms and officers are in
//! [`super::console`]. Who sees what is decided by the extractors of [`crate::guard`].

use super::html;
use crate::guard::{AsWorker, Viewer};
use crate::{AppState, assets};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flexpension_rules::money::{yuan, yuan_grouped};
use flexpension_text::Lang;
use serde::Deserialize;

/// Months a worker's page lists (newest first).
pub const MY_MONTHS: usize = 24;

/// What every page of this kind shows around its content.
pub struct Base {
    pub lang: Lang,
    pub title: String,
    /// Whose page it is (a region, a platform, a worker): a name, shown after the title.
    pub subject: String,
    pub css: String,
    pub icon: String,
    pub switch_href: String,
    /// The session's CSRF token (empty: no logout form).
    pub csrf: String,
    pub who: String,
    /// `console` for the back-office pages (wider); empty for the phone pages.
    pub body_class: &'static str,
    /// The console's menu: (href, label key, whether it is this page).
    pub nav: Vec<(String, &'static str, bool)>,
}

impl Base {
    /// `path` may carry a query (the page's month and filters): the language switch keeps it.
    pub fn new(lang: Option<&str>, title_key: &str, path: &str, csrf: &str, who: &str) -> Base {
        let lang = match lang {
            Some(l) => Lang::parse(Some(l)),
            None => super::lang::current(),
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        let switch_href = format!("{path}{sep}lang={}", lang.other().code());
        Base {
            lang,
            title: lang.t(title_key).to_string(),
            subject: String::new(),
            css: assets::url("app.css"),
            icon: assets::url("icon.svg"),
            switch_href,
            csrf: csrf.to_string(),
            who: who.to_string(),
            body_class: "",
            nav: Vec::new(),
        }
    }

    /// A back-office page of `role` (`officer`, `inspector`, `legal_aid` or `platform`): wide,
    /// with the console's menu.
    pub fn console(&mut self, role: &str) {
        self.body_class = "console";
        let l = self.lang.code();
        let items: &[(&str, &'static str)] = match role {
            "officer" => &[
                ("/officer", "console.nav_dashboard"),
                ("/officer/workers", "console.nav_workers"),
                ("/officer/outreach", "fit.nav_outreach"),
                ("/officer/alerts", "grid.nav_alerts"),
                ("/officer/fund", "fundpage.nav"),
                ("/officer/contracts", "contracts.nav"),
                ("/officer/transfers", "transfers.nav"),
                ("/officer/access-log", "grid.nav_access"),
                ("/officer/appeals", "ratings.nav_appeals"),
                ("/officer/complaints", "rights.queue_nav"),
            ],
            "inspector" => &[("/inspection/complaints", "rights.queue_nav")],
            "legal_aid" => &[("/legal-aid/complaints", "rights.queue_nav"), ("/legal-aid/union", "unionpage.desk_nav")],
            _ => &[
                ("/platform", "console.nav_platform"),
                ("/platform/credit", "ratings.nav_credit"),
                ("/platform/contracts", "contracts.nav"),
            ],
        };
        let here = self.switch_href.split('?').next().unwrap_or("").to_string();
        self.nav = items.iter().map(|(href, key)| (format!("{href}?lang={l}"), *key, here == *href)).collect();
    }

    pub(crate) fn of(v: &Viewer, lang: Option<&str>, title_key: &str, path: &str) -> Base {
        Base::new(lang, title_key, path, &v.session.csrf, &v.session.person.login)
    }
}

pub fn render(status: StatusCode, body: askama::Result<String>) -> Response {
    match body {
        Ok(b) => {
            let mut res = html(status, b);
            // Personal pages: no cache may keep them.
            res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            res
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

#[derive(Template)]
#[template(path = "people/denied.html")]
struct Denied {
    base: Base,
    problem: &'static str,
}

/// A refusal as a page: what happened and a link to log in.
pub fn denied_with(status: StatusCode, lang: Option<&str>, problem: &'static str) -> Response {
    render(status, Denied { base: Base::new(lang, "people.login_title", "/login", "", ""), problem }.render())
}

/// The page for a refusal of the guard.
pub fn denied_page(status: StatusCode) -> Response {
    let problem = match status {
        StatusCode::UNAUTHORIZED => "people.err_log_in_first",
        StatusCode::FORBIDDEN => "people.err_not_yours",
        _ => "people.err_try_later",
    };
    denied_with(status, None, problem)
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

fn failed(lang: Option<&str>) -> Response {
    denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
}

// ---- worker ----

/// A month in one line, with its details behind a tap.
struct MonthLine {
    month: String,
    income: String,
    /// The month's bill in one phrase ("paid in full", "owes 12.00"); empty: not closed yet.
    state: String,
    owes: bool,
    /// (platform name, income, settlements)
    by_platform: Vec<(String, String, String)>,
    /// (label key, value) of the month close; empty: not closed yet.
    closed: Vec<(&'static str, String)>,
}

/// The summary card once a month is closed.
struct Summary {
    month: String,
    pay: String,
    paid: String,
    arrears: String,
    owes: bool,
    standing: &'static str,
    years: u32,
    months_paid: u32,
    balance: String,
}

/// A closed month's lines. What a platform pays under a collective contract is its own line and
/// not in "you pay" or "paid" (the worker's own money).
fn closed_lines(c: &flexpension_store::StatementMonth) -> Vec<(&'static str, String)> {
    let mut lines = vec![
        ("people.c_base", yuan_grouped(c.base_fen)),
        ("people.c_rate", format!("{}.{:02}%", c.rate_bp / 100, c.rate_bp % 100)),
        ("people.c_contribution", yuan_grouped(c.contribution_fen)),
        ("people.c_subsidy", yuan_grouped(c.subsidy_fen)),
    ];
    if c.platform_fen > 0 {
        lines.push(("people.c_platform", yuan_grouped(c.platform_fen)));
    }
    lines.extend([
        ("console.c_you_pay", yuan_grouped(own_net(c))),
        ("people.c_paid", yuan_grouped(own_paid(c))),
        ("people.c_due", yuan_grouped(c.due_fen)),
    ]);
    lines
}

/// The worker's own part of a month's due, after the subsidy and the platforms' contract shares.
fn own_net(c: &flexpension_store::StatementMonth) -> i64 {
    c.net_fen - c.platform_fen
}

/// What the worker paid of the month themselves.
fn own_paid(c: &flexpension_store::StatementMonth) -> i64 {
    (c.paid_fen - c.platform_fen).max(0)
}

fn standing_key(s: &flexpension_ledger::Status) -> &'static str {
    use flexpension_ledger::Status;
    match s {
        Status::Uninsured => "people.standing_uninsured",
        Status::Current => "people.standing_current",
        Status::InArrears { .. } => "people.standing_in_arrears",
        Status::Lapsed { .. } => "people.standing_lapsed",
    }
}

#[derive(Template)]
#[template(path = "people/me.html")]
struct MePage {
    base: Base,
    name: String,
    id_masked: String,
    months: Vec<MonthLine>,
    summary: Option<Summary>,
    calc_href: String,
    /// (scheme key, months in words)
    enrolments: Vec<(String, String)>,
    /// Transfers of the worker's insurance to this region, newest first.
    transfers: Vec<TransferLines>,
    /// The regions a worker may move from (peer agencies): (code, name); none, no button.
    peers: Vec<(String, String)>,
    /// A transfer is under way: no second button.
    transfer_open: bool,
    /// Why the last application was refused (a catalogue key), shown in the form.
    transfer_problem: Option<&'static str>,
    /// Where the pension would be paid if the worker retired now (article 6), once a transfer
    /// was made: the place, and the rule in plain words.
    benefit_place: Option<(String, String)>,
    /// Nothing closed here yet but months moved in: how many, in words (with the voucher
    /// button, whose voucher covers them).
    moved: Option<String>,
    /// The worker's notices and the awareness quiz (`web/inbox.rs`).
    inbox: crate::web::inbox::Inbox,
    /// The pension savings account's balance in one line, when the worker has one.
    savings: Option<String>,
}

/// A transfer on the worker's page: where from, each step with its statutory deadline and
/// whether it is done, what moved, or why it was refused.
struct TransferLines {
    from: String,
    /// (words, done)
    steps: Vec<(String, bool)>,
    moved: Option<String>,
    refused: Option<String>,
    /// The transfer voucher's PDF, once the region left has sent it.
    pdf: Option<String>,
}

fn transfer_lines(s: &AppState, lang: flexpension_text::Lang, t: &flexpension_store::TransferRecord) -> TransferLines {
    use flexpension_rules::transfer::TransferState as S;
    let region = s
        .params()
        .region(&t.peer)
        .map(|r| if lang.code() == "zh" { r.name_zh.clone() } else { r.name_en.clone() })
        .unwrap_or_else(|_| t.peer.clone());
    let d = &t.deadlines;
    let posted = matches!(t.state, S::Posted | S::Completed);
    let steps = vec![
        (lang.f("people.transfer_applied", &[("date", &d.application.to_string())]), true),
        (lang.f("people.transfer_handover", &[("date", &d.handover_due.to_string())]), posted),
        (lang.f("people.transfer_completion", &[("date", &d.completion_due.to_string())]), t.state == S::Completed),
    ];
    let moved =
        posted.then(|| lang.f("people.transfer_moved", &[("months", &t.months.to_string()), ("account", &yuan_grouped(t.account_fen))]));
    let refused = (t.state == S::Refused).then(|| {
        let why = crate::web::transfer::reason_words(lang, t.reason.as_deref().unwrap_or(""));
        lang.f("people.transfer_refused", &[("reason", &why)])
    });
    let from = if t.direction == "in" {
        lang.f("people.transfer_in_from", &[("region", &region)])
    } else {
        lang.f("people.transfer_out_to", &[("region", &region)])
    };
    let pdf = (t.direction == "in" && t.voucher.is_some()).then(|| format!("/me/transfers/{}/voucher.pdf?lang={}", t.id, lang.code()));
    TransferLines { from, steps, moved, refused, pdf }
}

pub async fn me(State(s): State<AppState>, AsWorker(v, worker): AsWorker, q: Query<LangQuery>) -> Response {
    me_page(&s, &v, worker, q.lang.as_deref(), None).await
}

/// The worker's page; with `transfer_problem` (a catalogue key), answered 422 with the problem
/// shown in the transfer form, so the worker can correct it there.
pub(crate) async fn me_page(
    s: &AppState,
    v: &crate::guard::Viewer,
    worker: flexpension_store::WorkerId,
    lang: Option<&str>,
    transfer_problem: Option<&'static str>,
) -> Response {
    let Some(store) = s.store() else { return failed(lang) };
    let base = Base::of(v, lang, "people.me_title", "/me");
    let shown = base.lang;
    let Ok(Some(w)) = store.worker(worker).await else { return failed(lang) };
    let Ok(months) = crate::api::people::my_months(store, worker, MY_MONTHS).await else { return failed(lang) };
    let Ok(enrolments) = store.enrolments(worker).await else { return failed(lang) };
    let Ok(st) = crate::api::people::my_statement(s, store, worker).await else { return failed(lang) };
    let Ok(transfers) = store.worker_transfers(worker).await else { return failed(lang) };
    let Ok(peers) = store.peers().await else { return failed(lang) };
    let transfer_open = transfers.iter().any(|t| t.state.is_open());
    // Months moved in by transfers count with those paid here; and where the pension would be paid.
    let (counted, place) = if transfers.is_empty() {
        (None, None)
    } else {
        let Ok((c, p)) = store.counted(s.params(), worker).await else { return failed(lang) };
        (Some(c), p)
    };
    let benefit_place = place.map(|p| {
        let name = if base.lang.is_en() { p.value.place_en.clone() } else { p.value.place_zh.clone() };
        let why = p.steps.last().map(|t| if base.lang.is_en() { t.en.clone() } else { t.zh.clone() }).unwrap_or_default();
        (name, why)
    });
    let inbox = crate::web::inbox::load(store, worker, shown, s.now().timestamp_micros()).await;
    let Ok(savings) = store.savings_status(s.params(), worker, s.this_month().year()).await else { return failed(lang) };
    let savings = (!savings.history.is_empty()).then(|| shown.f("choice.me_savings", &[("balance", &yuan_grouped(savings.balance_fen))]));
    let moved_in = counted.as_ref().map_or(0, |c| c.months.saturating_sub(st.months_paid));
    let (years, months_paid) = counted.as_ref().map_or((st.years_counted, st.months_paid), |c| (c.years, c.months));
    let moved = (st.months.is_empty() && moved_in > 0).then(|| {
        shown.f(
            "people.moved_in_only",
            &[("months", &moved_in.to_string()), ("years", &(moved_in / 12).to_string()), ("rest", &(moved_in % 12).to_string())],
        )
    });
    let summary = st.months.last().map(|m| Summary {
        month: m.month.to_string(),
        pay: yuan_grouped(own_net(m)),
        paid: yuan_grouped(own_paid(m)),
        arrears: yuan_grouped(st.arrears_fen),
        owes: st.arrears_fen > 0,
        standing: standing_key(&st.status),
        years,
        months_paid,
        balance: yuan_grouped(st.personal_account_fen),
    });
    // The calculator gets up to 12 of the latest months, oldest first, and the latest as "this month".
    let recent: Vec<String> = months.iter().take(12).rev().map(|m| yuan(m.income_fen)).collect();
    let mut calc_href = format!("/?lang={}", shown.code());
    if let Some(latest) = months.first() {
        calc_href.push_str(&format!("&month={}&income={}&incomes={}", latest.month, yuan(latest.income_fen), recent.join("%2C")));
    }
    let count = |n: i64| flexpension_rules::money::group_digits(&n.to_string());
    let page = MePage {
        name: w.name,
        id_masked: w.id_masked,
        months: months
            .iter()
            .map(|m| {
                let c = st.months.iter().find(|c| c.month == m.month);
                let state = match c {
                    None => String::new(),
                    Some(c) if c.due_fen > 0 => shown.f("console.month_owes", &[("amount", &yuan_grouped(c.due_fen))]),
                    Some(_) => shown.t("console.month_paid_up").to_string(),
                };
                MonthLine {
                    month: m.month.to_string(),
                    income: yuan_grouped(m.income_fen),
                    state,
                    owes: c.is_some_and(|c| c.due_fen > 0),
                    by_platform: m
                        .by_platform
                        .iter()
                        .map(|p| (p.platform_name.clone(), yuan_grouped(p.income_fen), count(p.orders)))
                        .collect(),
                    closed: c.map(closed_lines).unwrap_or_default(),
                }
            })
            .collect(),
        summary,
        calc_href,
        enrolments: enrolments
            .iter()
            .map(|e| {
                let to = e.to.map(|t| t.to_string()).unwrap_or_else(|| shown.t("people.open_ended").to_string());
                (format!("people.scheme_{}", e.scheme.as_str()), format!("{} – {}", e.from, to))
            })
            .collect(),
        transfers: transfers.iter().map(|t| transfer_lines(s, shown, t)).collect(),
        peers: peers
            .iter()
            .map(|p| {
                let name = s
                    .params()
                    .region(&p.code)
                    .map_or_else(|_| p.code.clone(), |r| if shown.code() == "zh" { r.name_zh.clone() } else { r.name_en.clone() });
                (p.code.clone(), name)
            })
            .collect(),
        transfer_open,
        transfer_problem,
        benefit_place,
        moved,
        inbox,
        savings,
        base,
    };
    render(if transfer_problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }, page.render())
}
