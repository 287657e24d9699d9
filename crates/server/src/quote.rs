//! Asking the region left what a transfer would move (转移试算), for the worker's preview
//! (`POST /me/transfer/preview`, `POST /api/v1/me/transfers/quote`) and the CLI's
//! `transfer quote`: post the signed question (`Store::quote_request`) to the peer's
//! `/api/v1/agency/quote` and check its signed answer (`Store::read_quote`).

use flexpension_rules::Params;
use flexpension_store::{QuoteRequest, Store, TransferQuote};
use flexpension_tlog::message::AgeWindow;
use std::time::Duration;

/// How long a quote may take, the peer's answer included.
pub const QUOTE_WAIT: Duration = Duration::from_secs(5);

/// The message age window in force on `today` (parameters `agency_message_max_age_seconds`,
/// `agency_message_max_ahead_seconds`).
pub fn age_window(p: &Params, today: chrono::NaiveDate) -> Result<AgeWindow, String> {
    let (age, _) = p.lookup(&p.national.agency_message_max_age_seconds, today, |v| v.to_string()).map_err(|e| e.to_string())?;
    let (ahead, _) = p.lookup(&p.national.agency_message_max_ahead_seconds, today, |v| v.to_string()).map_err(|e| e.to_string())?;
    Ok(AgeWindow { max_age_s: i64::from(*age), max_ahead_s: i64::from(*ahead) })
}

/// Ask `from` the question `req` and check its answer within [`QUOTE_WAIT`]; why not, else.
pub async fn ask_peer(store: &Store, from: &str, req: &QuoteRequest, window: AgeWindow) -> Result<TransferQuote, String> {
    let url = format!("{}/api/v1/agency/quote", req.url);
    let body = serde_json::json!({ "message": req.signed }).to_string();
    let answer =
        tokio::task::spawn_blocking(move || crate::jobs::post_json_within(&url, body, QUOTE_WAIT)).await.map_err(|e| e.to_string())??;
    let text = match answer {
        (200, text) => text,
        (code, text) => return Err(format!("HTTP {code}: {}", text.chars().take(200).collect::<String>())),
    };
    let signed = serde_json::from_str::<crate::api::agency::AgencyQuoteAnswer>(&text).map_err(|e| format!("not an answer: {e}"))?.message;
    store.read_quote(from, req, &signed, window).await.map_err(|e| e.to_string())
}
