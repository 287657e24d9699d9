//! `POST /me/transfer`: the worker's one button on `/me` that asks to move their pension
//! insurance here from another region (转移接续). The form carries the session's CSRF token, the
//! region left and the worker's own ID number (the old region finds the account by it); the
//! answer goes back to `/me`, where the steps and their statutory deadlines show; a refused
//! application shows `/me` again with the problem in the form.

use crate::AppState;
use crate::guard::AsWorker;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_store::StoreError;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TransferForm {
    csrf: String,
    lang: Option<String>,
    from: String,
    id_number: String,
}

pub async fn apply(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Form(f): Form<TransferForm>) -> Response {
    use crate::web::people::denied_with;
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    match store.find_worker(f.id_number.trim()).await {
        Ok(Some(w)) if w.id == worker => {}
        Ok(_) | Err(StoreError::Invalid { .. }) => {
            return crate::web::people::me_page(&s, &v, worker, lang, Some("people.transfer_err_id")).await;
        }
        Err(_) => return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later"),
    }
    match store.request_transfer(s.params(), f.id_number.trim(), f.from.trim()).await {
        Ok(_) => {
            s.agency_wake().notify_one();
            let code = flexpension_text::Lang::parse(lang).code();
            crate::web::reply::see_other(format!("/me?lang={code}#transfers"))
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
