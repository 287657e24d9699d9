//! The signed-in screen: the bill and standing, the voucher to print, the way out.

use super::*;

fn standing_key(st: &flexpension_ledger::Status) -> &'static str {
    use flexpension_ledger::Status;
    match st {
        Status::Uninsured => "people.standing_uninsured",
        Status::Current => "people.standing_current",
        Status::InArrears { .. } => "people.standing_in_arrears",
        Status::Lapsed { .. } => "people.standing_lapsed",
    }
}

/// The session was used: it lives the idle time longer.
async fn touch(s: &AppState, store: &Store, v: &Viewer, r: &KioskRules) {
    if let Err(e) = store.kiosk_touch(&v.token, s.now(), TimeDelta::seconds(i64::from(r.idle_seconds))).await {
        store_failed(&e);
    }
}

async fn me_page(s: &AppState, v: &Viewer, worker: flexpension_store::WorkerId, lang: Option<&str>, problem: &'static str) -> Response {
    let Some(store) = s.store() else { return Denied::NoStore.into_response() };
    let Some(r) = rules(s) else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    touch(s, store, v, &r).await;
    let failed = || trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
    let Ok(Some(w)) = store.worker(worker).await else { return failed() };
    let Ok(st) = crate::api::people::my_statement(s, store, worker).await else { return failed() };
    let Ok(transfers) = store.worker_transfers(worker).await else { return failed() };
    let Ok(complaints) = store.worker_complaints(worker).await else { return failed() };
    let k = Kiosk::new(lang, "kiosk.title", "/kiosk/me", &v.session.csrf, r.idle_seconds);
    let l = k.base.lang;
    let region_name = |code: &str| {
        s.params().region(code).map_or_else(|_| code.to_string(), |x| if l.is_en() { x.name_en.clone() } else { x.name_zh.clone() })
    };
    let (bill_title, bill) = match st.months.last() {
        Some(m) => (
            l.f("kiosk.me_bill", &[("month", &m.month.to_string())]),
            vec![
                ("kiosk.me_pay", yuan_grouped(m.net_fen), false),
                ("kiosk.me_paid", yuan_grouped(m.paid_fen), false),
                ("kiosk.me_owes", yuan_grouped(st.arrears_fen), st.arrears_fen > 0),
            ],
        ),
        None => (l.t("kiosk.me_no_months").to_string(), Vec::new()),
    };
    let transfers = transfers
        .iter()
        .take(SHOWN)
        .map(|t| {
            let place = region_name(&t.peer);
            let from = if t.direction == "in" {
                l.f("people.transfer_in_from", &[("region", &place)])
            } else {
                l.f("people.transfer_out_to", &[("region", &place)])
            };
            let d = &t.deadlines;
            use flexpension_rules::transfer::TransferState as S;
            let state = match t.state {
                S::Completed => l.f("people.transfer_completion", &[("date", &d.completion_due.to_string())]),
                S::Posted => l.f("people.transfer_handover", &[("date", &d.handover_due.to_string())]),
                S::Refused => {
                    l.f("people.transfer_refused", &[("reason", &crate::web::transfer::reason_words(l, t.reason.as_deref().unwrap_or("")))])
                }
                _ => l.f("people.transfer_applied", &[("date", &d.application.to_string())]),
            };
            format!("{from}: {state}")
        })
        .collect();
    let complaints = complaints
        .iter()
        .take(SHOWN)
        .map(|c| {
            format!(
                "{} · {} · {}",
                c.platform_name,
                l.t(&format!("rights.kind_{}", c.kind.as_str())),
                l.t(&format!("rights.state_{}", c.state.as_str()))
            )
        })
        .collect();
    let page = MePage {
        // The name is data, not words of the page's language: marked so.
        hello: l.f("kiosk.me_hello", &[("name", &format!("<span translate=\"no\">{}</span>", escape(&mask_name(&w.name))))]),
        bill_title,
        bill,
        standing: standing_key(&st.status),
        problem,
        transfers,
        complaints,
        k,
    };
    let status = if problem.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(status, page.render())
}

/// Anyone not signed in (or signed out by the idle time) goes back to the start.
fn to_start(lang: Option<&str>) -> Response {
    see_other(format!("/kiosk{}", lang_suffix(lang.unwrap_or(""))))
}

pub async fn me(State(s): State<AppState>, who: Result<AsWorker, Denied>, q: Query<LangQuery>) -> Response {
    match who {
        Ok(AsWorker(v, worker)) => me_page(&s, &v, worker, q.lang.as_deref(), "").await,
        Err(Denied::StoreFailed { .. } | Denied::NoStore) => {
            trouble(q.lang.as_deref(), StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later")
        }
        Err(_) => to_start(q.lang.as_deref()),
    }
}

/// Issue the voucher as `/me` does (a POST with the session's token) and answer its PDF,
/// shown in the browser (the terminal prints it from there).
pub async fn voucher(State(s): State<AppState>, who: Result<AsWorker, Denied>, Form(f): Form<CsrfForm>) -> Response {
    let lang = Some(f.lang.as_str());
    let Ok(AsWorker(v, worker)) = who else { return to_start(lang) };
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return trouble(lang, StatusCode::FORBIDDEN, "kiosk.err_form_expired");
    }
    let Some(store) = s.store() else { return Denied::NoStore.into_response() };
    if let Some(r) = rules(&s) {
        touch(&s, store, &v, &r).await;
    }
    match crate::voucher::issue(&s, store, worker, None, None, flexpension_voucher::Lang::parse(lang)).await {
        Ok(issued) => {
            tracing::info!("kiosk: a voucher printed");
            let mut res = crate::evidence::pdf_attachment(issued.pdf, &format!("voucher-{}.pdf", issued.id));
            if let Ok(d) = HeaderValue::from_str(&format!("inline; filename=\"voucher-{}.pdf\"", issued.id)) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, d);
            }
            res
        }
        Err(crate::voucher::VoucherIssueError::Input(_)) => me_page(&s, &v, worker, lang, "kiosk.err_no_months").await,
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "kiosk: a voucher could not be issued");
            trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later")
        }
    }
}

/// Sign out (the big "finished" button, or the page itself after the idle time).
pub async fn finish(State(s): State<AppState>, headers: HeaderMap, who: Result<Viewer, Denied>, Form(f): Form<CsrfForm>) -> Response {
    let mut res = to_start(Some(&f.lang));
    if let Ok(v) = who {
        if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
            return trouble(Some(&f.lang), StatusCode::FORBIDDEN, "kiosk.err_form_expired");
        }
        if let Some(store) = s.store()
            && let Err(e) = store.close_session(&v.token).await
        {
            store_failed(&e);
            return trouble(Some(&f.lang), StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
        tracing::info!("kiosk: signed out");
    }
    set_cookie(&mut res, format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", secure(&headers)));
    res
}
