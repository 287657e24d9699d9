//! Evidence for people: a worker's proof bundle for a month and their contribution voucher, a
//! platform's proof bundle for an order row, and the public page a voucher's QR code opens.
//! Access: the worker's own records (session), the platform's own orders (API key), an
//! officer's region's workers (session); the verify page shows only what the voucher itself
//! prints.

use crate::AppState;
use crate::api::ApiError;
use crate::api::input::from_form;
use crate::api::people::{month_in, store};
use crate::guard::{AsOfficer, AsWorker};
use crate::voucher::{VoucherBody, VoucherIssueError, issue};
use axum::Router;
use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use flexpension_store::log::{ProofBundle, VerifyOptions, VerifyReport, verify_bundle};
use flexpension_store::{Store, StoreError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/me/voucher.pdf", get(my_voucher)).route("/verify/voucher/{id}", get(verify_page))
}

/// The proof bundles, relative to `/api/v1` (mounted, and described, by [`crate::api`]).
pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::default().routes(routes!(my_proof)).routes(routes!(order_proof)).routes(routes!(officer_proof))
}

/// Bring the log up to date (and cosigned, as far as the witnesses answer) before proving.
async fn publish_first(s: &AppState) -> Result<(), ApiError> {
    crate::log::publish(s).await.map(|_| ()).map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "log_unavailable", e, ""))
}

fn attachment(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonthQuery {
    month: String,
}

/// `GET /api/v1/me/proof?month=YYYY-MM`: the worker's proof bundle for a closed month.
#[utoipa::path(get, path = "/me/proof", tag = "worker", operation_id = "me_proof_get", security(("session" = [])),
    summary = "The worker's own proof bundle for a closed month",
    description = "The month's close entry of the tamper-evident log with its inclusion proof and the cosigned checkpoint \
        (format flexpension-proof/v1, see docs/LOG.md). Check it offline with `flexpension verify FILE --log-key K`.",
    params(("month" = String, Query, description = "YYYY-MM, a closed month", example = "2025-09")),
    responses(
        (status = 200, description = "the proof bundle, as a download", body = flexpension_store::log::ProofBundle),
        (status = 400, description = "missing_field, unknown_field or invalid_input (the month)", body = crate::calc::CalcError),
        (status = 401, description = "unauthenticated: no live session (log in at /login)", body = crate::calc::CalcError),
        (status = 403, description = "forbidden: the account has another role", body = crate::calc::CalcError),
        (status = 404, description = "not_found: the month is not closed, or no cosigned checkpoint covers it yet", body = crate::calc::CalcError),
        (status = 503, description = "no_store, store_unavailable or log_unavailable", body = crate::calc::CalcError),
    ))]
async fn my_proof(State(s): State<AppState>, AsWorker(_, worker): AsWorker, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let q: MonthQuery = from_form(q.as_deref().unwrap_or("").as_bytes())?;
    let m = month_in("month", &q.month)?;
    publish_first(&s).await?;
    let b = store.bundle_worker_month(worker, m, s.witnesses().quorum).await.map_err(ApiError::from)?;
    Ok(attachment(serde_json::to_vec_pretty(&b).unwrap_or_default(), "application/json", &format!("proof-{m}.json")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficerQuery {
    worker: i64,
    month: String,
}

/// `GET /api/v1/officer/proof?worker=ID&month=YYYY-MM`: an officer's proof bundle for a worker of
/// their region (home grid), e.g. for an arbitration. Another region's worker is 404, as if absent.
#[utoipa::path(get, path = "/officer/proof", tag = "officer", operation_id = "officer_proof_get", security(("session" = [])),
    summary = "A proof bundle for a worker of the officer's region and a closed month",
    description = "For an arbitration, say. A worker of another region (home grid) is 404, as if absent. The format is the \
        worker's own (flexpension-proof/v1, see docs/LOG.md).",
    params(
        ("worker" = i64, Query, description = "the worker's number", example = 1),
        ("month" = String, Query, description = "YYYY-MM, a closed month", example = "2025-09"),
    ),
    responses(
        (status = 200, description = "the proof bundle, as a download", body = flexpension_store::log::ProofBundle),
        (status = 400, description = "missing_field, unknown_field or invalid_input", body = crate::calc::CalcError),
        (status = 401, description = "unauthenticated: no live session (log in at /login)", body = crate::calc::CalcError),
        (status = 403, description = "forbidden: the account has another role", body = crate::calc::CalcError),
        (status = 404, description = "not_found: no such worker in the officer's region, the month is not closed, or not yet cosigned", body = crate::calc::CalcError),
        (status = 503, description = "no_store, store_unavailable or log_unavailable", body = crate::calc::CalcError),
    ))]
async fn officer_proof(State(s): State<AppState>, AsOfficer(_, region): AsOfficer, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let q: OfficerQuery = from_form(q.as_deref().unwrap_or("").as_bytes())?;
    let m = month_in("month", &q.month)?;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such worker in your region", "worker");
    let w = store.worker(flexpension_store::WorkerId(q.worker)).await.map_err(ApiError::from)?.ok_or_else(not_found)?;
    let grids = store.grids(Some(&region)).await.map_err(ApiError::from)?;
    if !grids.iter().any(|g| g.code == w.home_grid) {
        return Err(not_found());
    }
    publish_first(&s).await?;
    let b = store.bundle_worker_month(w.id, m, s.witnesses().quorum).await.map_err(ApiError::from)?;
    Ok(attachment(serde_json::to_vec_pretty(&b).unwrap_or_default(), "application/json", &format!("proof-{}-{m}.json", q.worker)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderQuery {
    order_id: String,
}

/// `GET /api/v1/platform/proof?order_id=...`: a platform's proof bundle for one of its rows.
#[utoipa::path(get, path = "/platform/proof", tag = "platform", operation_id = "platform_proof_get",
    summary = "A proof bundle for one of the platform's order rows",
    description = "API key only. The row, its earnings-batch entry of the tamper-evident log, the proof of the row in the \
        batch's tree and of the entry in the log, and the cosigned checkpoint (format flexpension-proof/v1, see docs/LOG.md). \
        Check it offline with `flexpension verify FILE --log-key K`.",
    security(("bearer" = []), ("api_key" = [])),
    params(("order_id" = String, Query, description = "the platform's own order id", example = "A-20250910-0001")),
    responses(
        (status = 200, description = "the proof bundle, as a download", body = flexpension_store::log::ProofBundle),
        (status = 400, description = "missing_field, unknown_field or invalid_input (order_id)", body = crate::calc::CalcError),
        (status = 401, description = "unauthenticated or bad_api_key", body = crate::calc::CalcError),
        (status = 404, description = "not_found: no such order of this platform, or no cosigned checkpoint covers it yet", body = crate::calc::CalcError),
        (status = 503, description = "no_store, store_unavailable or log_unavailable", body = crate::calc::CalcError),
    ))]
async fn order_proof(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let caller = crate::api::platform::auth::authenticate(store, req.headers()).await?;
    let q: OrderQuery = from_form(req.uri().query().unwrap_or("").as_bytes())?;
    let id = q.order_id.trim();
    if id.is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", "give the order id", "order_id"));
    }
    publish_first(&s).await?;
    let b = store.bundle_order(caller.platform.id, id, s.witnesses().quorum).await.map_err(ApiError::from)?;
    Ok(attachment(serde_json::to_vec_pretty(&b).unwrap_or_default(), "application/json", "proof-order.json"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoucherQuery {
    from: Option<String>,
    to: Option<String>,
    lang: Option<String>,
}

/// `GET /me/voucher.pdf[?from=YYYY-MM&to=YYYY-MM&lang=en]`: the worker's voucher.
async fn my_voucher(State(s): State<AppState>, AsWorker(_, worker): AsWorker, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let q: VoucherQuery = from_form(q.as_deref().unwrap_or("").as_bytes())?;
    let month = |field: &str, v: &Option<String>| v.as_deref().filter(|m| !m.trim().is_empty()).map(|m| month_in(field, m)).transpose();
    let (from, to) = (month("from", &q.from)?, month("to", &q.to)?);
    let lang = if q.lang.as_deref() == Some("en") { flexpension_voucher::Lang::En } else { flexpension_voucher::Lang::Zh };
    match issue(&s, store, worker, from, to, lang).await {
        Ok(v) => Ok(attachment(v.pdf, "application/pdf", &format!("voucher-{}.pdf", v.id))),
        Err(VoucherIssueError::Input(m)) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", m, "from")),
        Err(VoucherIssueError::Store(e)) => Err(ApiError::from(e)),
        Err(VoucherIssueError::Render(m)) => {
            tracing::error!(error = %m, "a voucher could not be made");
            Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the voucher could not be made; try again", ""))
        }
    }
}

/// Check an issued voucher against this server's keys: the region's signature, its entry in the
/// log under the current (cosigned) checkpoint, and the witnesses.
pub async fn check_voucher(s: &AppState, store: &Store, id: &str) -> Result<(VoucherReport, Option<VoucherBody>), StoreError> {
    let quorum = s.witnesses().quorum;
    // Bring the log up to date first, so a voucher issued a moment ago is already covered.
    if let Err(e) = crate::log::publish(s).await {
        tracing::warn!(error = %e, "publishing the log before a voucher check failed");
    }
    let (v, mut b): (_, ProofBundle) = store.bundle_voucher(id, quorum).await?;
    b.voucher = Some(v.note.clone());
    let opts = VerifyOptions {
        log_key: store.log_keys().verifier_key(),
        witness_keys: s.witnesses().peers.iter().map(|p| p.key.clone()).collect(),
        quorum: Some(quorum),
        id_number: None,
    };
    let report = verify_bundle(&b, &opts);
    Ok((VoucherReport { report, tree_size: tree_size(&b), index: v.log_idx }, VoucherBody::from_note(&v.note)))
}

fn tree_size(b: &ProofBundle) -> u64 {
    flexpension_tlog::parse_note(&b.checkpoint).ok().and_then(|n| flexpension_tlog::Checkpoint::parse(&n.text).ok()).map_or(0, |c| c.size)
}

pub struct VoucherReport {
    pub report: VerifyReport,
    pub tree_size: u64,
    pub index: u64,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn yuan(fen: i64) -> String {
    flexpension_rules::money::yuan(fen)
}

/// `GET /verify/voucher/{id}`: what the QR code opens. Plain words: genuine and unchanged, or
/// what is wrong.
async fn verify_page(State(s): State<AppState>, Path(id): Path<String>, q: Query<LangQuery>) -> Response {
    let en = q.lang.as_deref() == Some("en");
    let t = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let (status, verdict, detail, table) = match s.store() {
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            t("暂时无法核验，请稍后再试。", "Cannot check right now; try again later."),
            String::new(),
        ),
        Some(store) => match check_voucher(&s, store, &id).await {
            Ok((r, body)) if r.report.ok() => {
                let mut table = String::new();
                if let Some(b) = body {
                    table.push_str(&format!(
                        "<p>{} {}　{} {}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
                        t("姓名", "Name"),
                        esc(&b.name),
                        t("证件号", "ID"),
                        esc(&b.id_masked),
                        t("月份", "Month"),
                        t("缴费基数", "Base"),
                        t("应缴", "Due"),
                        t("已缴", "Paid")
                    ));
                    for m in &b.months {
                        table.push_str(&format!(
                            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            esc(&m.month),
                            yuan(m.base_fen),
                            yuan(m.net_fen),
                            yuan(m.paid_fen)
                        ));
                    }
                    table.push_str(&format!(
                        "</tbody></table><p>{} {}　{} {}</p>",
                        t("个人账户余额", "Personal account balance"),
                        yuan(b.balance_fen),
                        t("已缴合计", "Total paid"),
                        yuan(b.total_paid_fen)
                    ));
                }
                let witnesses = s.witnesses().quorum;
                let detail = match (en, witnesses) {
                    (true, 0) => format!(
                        "This voucher was issued by the social insurance agency and has not been changed. It is entry {} of the tamper-evident record ({} entries). Check that the amounts below match the paper.",
                        r.index + 1,
                        r.tree_size
                    ),
                    (true, k) => format!(
                        "This voucher was issued by the social insurance agency and has not been changed. It is entry {} of the tamper-evident record ({} entries), confirmed by {k} independent witnesses. Check that the amounts below match the paper.",
                        r.index + 1,
                        r.tree_size
                    ),
                    (false, 0) => format!(
                        "本凭证由社保经办机构签发，内容没有被改动过，已记入防篡改记录（第 {} 条，共 {} 条）。请核对下面的金额与纸面是否一致。",
                        r.index + 1,
                        r.tree_size
                    ),
                    (false, k) => format!(
                        "本凭证由社保经办机构签发，内容没有被改动过，已记入防篡改记录（第 {} 条，共 {} 条），并经 {k} 个独立见证方确认。请核对下面的金额与纸面是否一致。",
                        r.index + 1,
                        r.tree_size
                    ),
                };
                (StatusCode::OK, "verified", "", format!("<p class=\"detail\">{}</p>{table}", esc(&detail)))
            }
            Ok((r, _)) => {
                let broke: Vec<String> = r.report.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
                (
                    StatusCode::OK,
                    "failed",
                    t(
                        "未通过核验：这张凭证可能被改动过或不是真的。请到社保窗口询问。",
                        "NOT verified: this voucher may have been changed or is not genuine. Ask at the social insurance office.",
                    ),
                    format!("<pre>{}</pre>", esc(&broke.join("\n"))),
                )
            }
            Err(StoreError::NotFound { what: "voucher", .. }) => (
                StatusCode::NOT_FOUND,
                "unknown",
                t("查不到这张凭证：编号不对，或不是本机构签发的。", "No such voucher: the number is wrong, or it was not issued here."),
                String::new(),
            ),
            Err(e) => {
                tracing::error!(error = %e, "voucher check failed");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    t("暂时无法核验，请稍后再试。", "Cannot check right now; try again later."),
                    String::new(),
                )
            }
        },
    };
    let headline = match verdict {
        "verified" => t("✔ 已核验：凭证真实、未被修改", "✔ Verified: genuine and unchanged"),
        "failed" => t("✘ 未通过核验", "✘ Not verified"),
        "unknown" => t("✘ 查无此凭证", "✘ Unknown voucher"),
        _ => t("暂时无法核验", "Cannot check now"),
    };
    let other = if en { format!("/verify/voucher/{}", esc(&id)) } else { format!("/verify/voucher/{}?lang=en", esc(&id)) };
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"verify\">\
         <h1>{title}</h1><p class=\"voucher-id\">{idl} {id}</p><p id=\"verdict\" class=\"verdict {verdict}\" data-verdict=\"{verdict}\">{headline}</p>\
         <p>{detail}</p>{table}<p><a href=\"{other}\">{switch}</a></p></main></body></html>",
        lang = if en { "en" } else { "zh-CN" },
        title = t("参保缴费凭证核验", "Contribution voucher check"),
        idl = t("凭证编号", "Voucher"),
        id = esc(&id),
        switch = t("English", "中文"),
    );
    let mut r = (status, Html(html)).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
