//! The worker's button on `/me` that moves their pension insurance here from another region
//! (转移接续), in two steps: `POST /me/transfer/preview` asks the region left what would move
//! (a signed quote, `Store::quote_request`) and shows the amounts with their explanation and a
//! confirm button; `POST /me/transfer` applies. Both forms carry the session's CSRF token, the
//! region left and the worker's own ID number (the old region finds the account by it). After
//! applying, `/me` shows the steps and their statutory deadlines; a refused application shows
//! `/me` again with the problem in the form.

use crate::AppState;
use crate::guard::AsWorker;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_store::{Store, StoreError, TransferQuote, WorkerId};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TransferForm {
    csrf: String,
    lang: Option<String>,
    from: String,
    /// Typed on `/me`.
    #[serde(default)]
    id_number: String,
    /// Or, from the preview's confirm button, sealed (`Store::seal_id_for_form`).
    #[serde(default)]
    sealed: String,
}

/// The form's token and the ID number (typed, or sealed by the preview) are the worker's own:
/// the store and the number, else the answer to give.
async fn check_form(s: &AppState, v: &crate::guard::Viewer, worker: WorkerId, f: &TransferForm) -> Result<(Store, String), Response> {
    use crate::web::people::denied_with;
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return Err(denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired"));
    }
    let Some(store) = s.store() else { return Err(denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")) };
    if !f.sealed.is_empty() {
        return match store.open_id_from_form(worker, &f.sealed) {
            Ok(id) => Ok((store.clone(), id)),
            Err(_) => Err(denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired")),
        };
    }
    match store.find_worker(f.id_number.trim()).await {
        Ok(Some(w)) if w.id == worker => Ok((store.clone(), f.id_number.trim().to_string())),
        Ok(_) | Err(StoreError::Invalid { .. }) => {
            Err(crate::web::people::me_page(s, v, worker, lang, Some("people.transfer_err_id")).await)
        }
        Err(_) => Err(denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")),
    }
}

pub async fn apply(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Form(f): Form<TransferForm>) -> Response {
    use crate::web::people::denied_with;
    let lang = f.lang.as_deref();
    let (store, id_number) = match check_form(&s, &v, worker, &f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match store.request_transfer(s.params(), &id_number, f.from.trim()).await {
        Ok(_) => {
            s.agency_wake().notify_one();
            let code = flexpension_text::Lang::parse(lang).code();
            crate::web::reply::see_other(format!("/me?lang={code}#transfers"))
        }
        Err(StoreError::Invalid { field: "temporary_account", .. }) => {
            crate::web::people::me_page(&s, &v, worker, lang, Some("people.transfer_err_temporary")).await
        }
        Err(StoreError::NotFound { .. } | StoreError::Invalid { .. }) => {
            crate::web::people::me_page(&s, &v, worker, lang, Some("people.transfer_err_region")).await
        }
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a transfer could not be applied for");
            denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

/// `GET /me/transfers/{id}/voucher.pdf`: the worker's own transfer voucher as a PDF, once the
/// region left has sent its signed voucher (`crate::transfer_pdf`); labels in `lang` (else the
/// page's). Anyone else's transfer, or one without a voucher yet: not found.
pub async fn voucher_pdf(
    State(s): State<AppState>,
    AsWorker(_, worker): AsWorker,
    axum::extract::Path(id): axum::extract::Path<String>,
    q: axum::extract::Query<crate::web::people::LangQuery>,
) -> Response {
    use crate::web::people::denied_with;
    let lang = q.lang.as_deref();
    let l = match lang {
        Some(x) => flexpension_text::Lang::parse(Some(x)),
        None => crate::web::lang::current(),
    };
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let Ok(mine) = store.worker_transfers(worker).await else {
        return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later");
    };
    let found = mine.into_iter().find(|t| t.id == id && t.direction == "in").and_then(|t| Some((t.voucher?, t.bundle?)));
    let Some((note, bundle)) = found else { return denied_with(StatusCode::NOT_FOUND, lang, "transfers.err_none") };
    let drawn = serde_json::from_str::<flexpension_store::log::bundle::ProofBundle>(&bundle)
        .map_err(|e| e.to_string())
        .and_then(|b| crate::transfer_pdf::draw(&note, &b, l));
    match drawn {
        Ok(pdf) => crate::evidence::pdf_attachment(pdf, &format!("transfer-{id}.pdf")),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e), "a transfer voucher could not be drawn");
            denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

/// How many quotes this server asks at once; a worker past it sees the form without figures
/// (and may still apply): each holds a connection to a peer for up to `quote::QUOTE_WAIT`.
pub const MAX_QUOTES_ASKED: usize = 8;

static ASKED: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_QUOTES_ASKED);

#[derive(askama::Template)]
#[template(path = "people/transfer_preview.html")]
struct PreviewPage {
    base: crate::web::people::Base,
    from: String,
    from_name: String,
    /// The ID number sealed for the confirm form: the page never holds it in clear.
    sealed: String,
    id_masked: String,
    /// The figures, or none when the region left could not be asked.
    quote: Option<QuoteLines>,
    /// The region left would refuse now: why (its words).
    refusal: Option<String>,
}

struct QuoteLines {
    months: String,
    years: String,
    span: String,
    account: String,
    interest: String,
    pool: String,
    total: String,
    steps: Vec<String>,
}

/// `POST /me/transfer/preview`: ask the region left what would move, and show it with a
/// confirm button. Nothing is stored; when the region left does not answer in time, the page
/// says so and the worker may still apply (the tracker shows the amounts once it answers).
pub async fn preview(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Form(f): Form<TransferForm>) -> Response {
    use crate::web::people::denied_with;
    let lang = f.lang.as_deref();
    let (store, id_number) = match check_form(&s, &v, worker, &f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let from = f.from.trim().to_string();
    let req = match store.quote_request(s.params(), &id_number, &from).await {
        Ok(r) => r,
        Err(StoreError::Invalid { field: "temporary_account", .. }) => {
            return crate::web::people::me_page(&s, &v, worker, lang, Some("people.transfer_err_temporary")).await;
        }
        Err(StoreError::NotFound { .. } | StoreError::Invalid { .. }) => {
            return crate::web::people::me_page(&s, &v, worker, lang, Some("people.transfer_err_region")).await;
        }
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a transfer quote could not be made");
            return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later");
        }
    };
    let answer = ask(&s, &store, &from, &req).await;
    let base = crate::web::people::Base::of(&v, lang, "people.transfer_preview_title", "/me");
    let l = base.lang;
    let (quote, refusal) = match answer {
        Some(q) if q.refusal.is_some() => (None, q.refusal.map(|r| reason_words(l, &r))),
        Some(q) => (Some(lines(l, &q)), None),
        None => (None, None),
    };
    let Ok(sealed) = store.seal_id_for_form(worker, &id_number) else {
        return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later");
    };
    let page = PreviewPage {
        from_name: crate::web::console::region_name(&s, l, &from),
        from,
        id_masked: flexpension_rules::checkdigit::mask(&id_number),
        sealed,
        quote,
        refusal,
        base,
    };
    crate::web::people::render(StatusCode::OK, askama::Template::render(&page))
}

/// Ask the region left (`crate::quote::ask_peer`); none when it cannot be had now: busy here,
/// the peer down or slow, or an answer that does not check.
pub(crate) async fn ask(s: &AppState, store: &Store, from: &str, req: &flexpension_store::QuoteRequest) -> Option<TransferQuote> {
    let _turn = ASKED.try_acquire().ok()?;
    let window = crate::quote::age_window(s.params(), s.today()).ok()?;
    match crate::quote::ask_peer(store, from, req, window).await {
        Ok(q) => Some(q),
        Err(e) => {
            tracing::warn!(peer = %from, error = %e, "a transfer quote could not be had");
            None
        }
    }
}

fn lines(l: flexpension_text::Lang, q: &TransferQuote) -> QuoteLines {
    use flexpension_rules::money::yuan_grouped;
    let span = match (&q.first_month, &q.last_month) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => String::new(),
    };
    QuoteLines {
        months: q.months.to_string(),
        years: l.f("people.transfer_preview_years", &[("years", &(q.months / 12).to_string()), ("months", &(q.months % 12).to_string())]),
        span,
        account: yuan_grouped(q.account_fen),
        interest: yuan_grouped(q.interest_fen),
        pool: yuan_grouped(q.pool_transfer_fen),
        total: yuan_grouped(q.total_fen),
        steps: q.steps.iter().map(|t| if l.is_en() { t.en.clone() } else { t.zh.clone() }).collect(),
    }
}

/// A refusal's reason in the reader's words: the reasons the agencies' rules give (in English,
/// as they travel between agencies) told in plain words of the page's language; an officer's
/// own words as written.
pub(crate) fn reason_words(l: flexpension_text::Lang, reason: &str) -> String {
    use flexpension_store::{REASON_FROZEN, REASON_FUNDS, REASON_NOT_REGISTERED, REASON_POSTING, REASON_UNDER_WAY, REASONS_VOUCHER};
    let r = reason.trim();
    if r == REASON_NOT_REGISTERED {
        return l.t("transfers.why_not_registered").to_string();
    }
    if r == REASON_UNDER_WAY {
        return l.t("transfers.why_under_way").to_string();
    }
    if let Some(why) = r.strip_prefix(REASON_FROZEN) {
        return l.f("transfers.why_frozen", &[("why", why)]);
    }
    if r.starts_with(REASON_FUNDS) || r.starts_with(REASON_POSTING) {
        return l.t("transfers.why_funds").to_string();
    }
    if REASONS_VOUCHER.iter().any(|v| r.starts_with(v)) {
        return l.t("transfers.why_voucher").to_string();
    }
    r.to_string()
}

#[cfg(test)]
mod tests {
    use super::reason_words;
    use flexpension_text::Lang;

    #[test]
    fn the_rules_reasons_are_told_in_plain_words_and_an_officers_are_kept() {
        let zh = |r: &str| reason_words(Lang::Zh, r);
        assert_eq!(zh("the worker is not registered at the sending agency"), "原参保地查不到这个人的参保登记。");
        assert_eq!(zh("another transfer of this worker is under way"), "这个人的另一笔转移还在办理中。");
        assert_eq!(zh("the account is frozen: under audit"), "原参保地暂停了这个账户（under audit）。");
        assert!(zh("the voucher does not verify: voucher: bad signature").starts_with("转移凭证没有通过核验"));
        assert!(reason_words(Lang::En, "the funds could not be computed: no rates").starts_with("The region left could not"));
        assert!(zh("the voucher's amounts or months do not add up").starts_with("转移凭证没有通过核验"));
        assert_eq!(zh("在本地登记的身份信息有误，请到窗口核对"), "在本地登记的身份信息有误，请到窗口核对");
    }
}
