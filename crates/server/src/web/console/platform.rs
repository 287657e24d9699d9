//! `/platform`: a platform's portal, on the latest month it has income for unless asked: the
//! month's workers, income and injury premiums, premiums month by month (12 months), its
//! workers by standing, and the list of them with search and CSV (`/platform/workers.csv`); the
//! month's bill (contract share, injury premiums, union dues, paid) and its tax statements by
//! year (`/platform/statement/{year}.pdf` and `.csv`, drawn afresh: reading writes nothing). Bills
//! unpaid after their due day put a reminder at the top (`super::arrears`), worked out on read.

use super::list::{self, ListQuery, Selection, Standing};
use super::workers::{csv_response, page_of};
use super::{bad_month, failed, lapse_after, month_shown, trend, trend_months};
use crate::AppState;
use crate::guard::AsPlatformStaff;
use crate::web::people::{Base, denied_with, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::YearMonth;
use flexpension_rules::money::{group_digits, yuan_grouped};
use flexpension_store::{FUND_YEARS, PlatformBill, PlatformId, RevenueBand, Store};
use flexpension_text::Lang;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "people/platform_top.html")]
struct Top {
    lang: Lang,
    heading: String,
    workers: String,
    income: String,
    premium: String,
    by_standing: Vec<(&'static str, &'static str, String)>,
    premiums: Vec<(String, String)>,
    chart: String,
    bill_heading: String,
    /// (id, label key, amount) of the month's bill.
    bill: Vec<(&'static str, &'static str, String)>,
    union_payee: Option<String>,
    /// (year, PDF link text, CSV link text), newest first.
    statements: Vec<(i32, String, String)>,
    /// Bills unpaid after their due day: the reminder at the top.
    reminder: Option<super::arrears::Reminder>,
    /// When the month's bill falls due, and how late it is when it is.
    bill_due: String,
    bill_overdue: String,
}

/// The month's bill as the page's lines.
/// The month's bill as the page's lines; what the contract's minimum base added, under the
/// contract share, only when it added something.
fn bill_lines(b: &PlatformBill) -> Vec<(&'static str, &'static str, String)> {
    let mut lines = vec![("bill-contract", "fundpage.contract_share", yuan_grouped(b.contract_share_fen))];
    if b.min_base_topup_fen > 0 {
        lines.push(("bill-topup", "fundpage.min_base_topup", yuan_grouped(b.min_base_topup_fen)));
    }
    lines.extend([
        ("bill-injury", "fundpage.injury_premiums", yuan_grouped(b.injury_premium_fen)),
        ("bill-dues", "fundpage.union_dues", yuan_grouped(b.union_dues_fen)),
        ("bill-total", "fundpage.bill_total", yuan_grouped(b.total_fen)),
        ("bill-paid", "fundpage.bill_paid", yuan_grouped(b.paid_fen)),
        ("bill-outstanding", "fundpage.bill_outstanding", yuan_grouped(b.outstanding_fen)),
    ]);
    lines
}

/// The years a statement is offered for: those of the months shown, newest first.
fn statement_years(lang: Lang, months: &[YearMonth]) -> Vec<(i32, String, String)> {
    let mut years: Vec<i32> = months.iter().map(|m| m.year()).filter(|y| FUND_YEARS.contains(y)).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    years
        .into_iter()
        .map(|y| {
            let ys = y.to_string();
            (y, lang.f("fundpage.statement_pdf", &[("year", &ys)]), lang.f("fundpage.statement_csv", &[("year", &ys)]))
        })
        .collect()
}

async fn rows_of(s: &AppState, store: &Store, platform: PlatformId, month: YearMonth) -> Option<(Vec<list::Row>, HashMap<i64, String>)> {
    let (Ok(workers), Ok(standings), Ok(platforms)) =
        (store.console_workers(month, None, Some(platform)).await, store.standings(lapse_after(s, month)).await, store.platforms().await)
    else {
        return None;
    };
    Some((list::rows(workers, &standings), list::names(&platforms)))
}

async fn month_of(s: &AppState, store: &Store, platform: PlatformId, asked: Option<&str>) -> Result<YearMonth, ()> {
    month_shown(asked, store.latest_income_month(Some(platform)).await.ok().flatten(), s.this_month())
}

pub async fn page(State(s): State<AppState>, AsPlatformStaff(v, platform): AsPlatformStaff, Query(q): Query<ListQuery>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let lang = Lang::parse(lang_q);
    let Ok(month) = month_of(&s, store, platform, q.month.as_deref()).await else { return bad_month(lang_q) };
    let sel = match Selection::read(&q) {
        Ok(sel) => sel,
        Err(key) => return denied_with(StatusCode::BAD_REQUEST, lang_q, key),
    };
    let months = trend_months(month);
    let (Some(first), Some(&last)) = (months.first().copied(), months.last()) else { return failed(lang_q) };
    let (Some((all, names)), Ok(premiums), Ok(bill), Ok(arrears)) = (
        rows_of(&s, store, platform, month).await,
        store.premiums_by_month(Some(platform), None, first, last).await,
        store.platform_bill(platform, month).await,
        store.platform_arrears(s.params(), s.region(), Some(platform), s.today()).await,
    ) else {
        return failed(lang_q);
    };
    let Ok(due) = s.params().platform_bill_status(s.region(), month, bill.outstanding_fen, s.today()) else { return failed(lang_q) };
    let due = due.value;
    let premium_of = |m: YearMonth| premiums.iter().find(|p| p.0 == m).map_or(0, |p| p.1);
    let m = month.to_string();
    let top = Top {
        lang,
        heading: lang.f("console.month_figures", &[("month", &m)]),
        workers: group_digits(&all.len().to_string()),
        income: yuan_grouped(all.iter().map(|r| r.w.income_fen).sum()),
        premium: yuan_grouped(premium_of(month)),
        by_standing: Standing::ALL
            .iter()
            .map(|st| (st.code(), st.key(), group_digits(&all.iter().filter(|r| r.standing == *st).count().to_string())))
            .collect(),
        premiums: months.iter().rev().map(|m| (m.to_string(), yuan_grouped(premium_of(*m)))).collect(),
        chart: trend(
            lang,
            "trend-premiums",
            lang.t("console.fig_premiums"),
            &months,
            months.iter().map(|m| premium_of(*m) as f64 / 100.0).collect(),
        ),
        bill_heading: lang.f("fundpage.bill_title", &[("month", &m)]),
        bill: bill_lines(&bill),
        union_payee: bill.union_payee.clone(),
        statements: statement_years(lang, &months),
        reminder: arrears.first().map(|a| super::arrears::reminder(lang, a)),
        bill_due: lang.f("contracts.bill_due_on", &[("month", &m), ("due", &due.due_on.to_string())]),
        bill_overdue: if due.overdue {
            lang.f("contracts.bill_overdue", &[("days", &due.days_overdue.to_string())])
        } else {
            String::new()
        },
    }
    .render();
    let Ok(top) = top else { return failed(lang_q) };
    let rows = list::select(all, &sel);
    let query = sel.query(&m, lang);
    let name = store.platform(platform).await.ok().flatten().map(|p| p.name).unwrap_or_default();
    let mut base =
        Base::of(&v, lang_q, "people.platform_title", &format!("/platform?{}", query.replace(&format!("&lang={}", lang.code()), "")));
    base.subject = name;
    base.console("platform");
    let mut page = page_of(
        base,
        "/platform",
        &m,
        sel,
        &rows,
        &names,
        Vec::new(),
        Vec::new(),
        &query,
        format!("/platform/workers.csv?{query}"),
        "",
        lang.f("console.platform_workers_intro", &[("month", &m)]),
    );
    page.top = top;
    render(StatusCode::OK, page.render())
}

pub async fn csv(State(s): State<AppState>, AsPlatformStaff(_, platform): AsPlatformStaff, Query(q): Query<ListQuery>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let Ok(month) = month_of(&s, store, platform, q.month.as_deref()).await else { return bad_month(lang_q) };
    let sel = match Selection::read(&q) {
        Ok(sel) => sel,
        Err(key) => return denied_with(StatusCode::BAD_REQUEST, lang_q, key),
    };
    let Some((all, names)) = rows_of(&s, store, platform, month).await else { return failed(lang_q) };
    let rows = list::select(all, &sel);
    csv_response(list::csv(Lang::parse(lang_q), &month.to_string(), &rows, &names), &format!("workers-{month}.csv"))
}

/// `/platform/statement/{year}.pdf` or `.csv`: the platform's own tax statement for the year,
/// drawn afresh (nothing is written), in the language asked for.
pub async fn statement(
    State(s): State<AppState>,
    AsPlatformStaff(_, platform): AsPlatformStaff,
    Path(file): Path<String>,
    Query(q): Query<crate::web::people::LangQuery>,
) -> Response {
    let lang_q = q.lang.as_deref();
    let lang = Lang::parse(lang_q);
    let Some(store) = s.store() else { return failed(lang_q) };
    let (year, pdf) = match (file.strip_suffix(".pdf"), file.strip_suffix(".csv")) {
        (Some(y), _) => (y, true),
        (None, Some(y)) => (y, false),
        _ => return crate::web::denied_page(StatusCode::NOT_FOUND),
    };
    let Some(year) = year.parse::<i32>().ok().filter(|y| FUND_YEARS.contains(y)) else {
        return crate::web::denied_page(StatusCode::NOT_FOUND);
    };
    let (Ok(Some(p)), Ok(paid)) = (store.platform(platform).await, store.platform_contributions_paid(platform, year).await) else {
        return failed(lang_q);
    };
    let Ok(e) = flexpension_rules::fund::tax_statement(s.params(), year, paid, p.revenue_band == RevenueBand::Below100m) else {
        return crate::web::denied_page(StatusCode::NOT_FOUND);
    };
    if !pdf {
        return csv_response(crate::statement::statement_csv(&p, &e, lang), &format!("statement-{year}.csv"));
    }
    match flexpension_voucher::statement::render_statement(&crate::statement::statement_doc(&p, &e, lang)) {
        Ok(bytes) => crate::evidence::pdf_attachment(bytes, &format!("statement-{year}.pdf")),
        Err(err) => {
            tracing::error!(error = %err, "drawing a tax statement failed");
            failed(lang_q)
        }
    }
}
