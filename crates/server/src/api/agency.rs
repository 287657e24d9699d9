//! `POST /api/v1/agency/messages`: a peer agency (对端经办机构) delivers a signed message. No
//! cookie and no API key: the signature by the sender's log key, checked against the key this
//! agency stored for that peer (`flexpension peer add`), is the authentication. The message is
//! checked (receiver, known sender, signature, age within the parameter window) and stored once
//! in the inbox; every delivery of one message gets the same acknowledgement, so the sender may
//! retry until it has one.

use super::ApiError;
use crate::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use flexpension_store::{AgencyAck, StoreError};
use flexpension_tlog::message::AgeWindow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest request body, bytes (a message's JSON body is at most 32 KiB).
pub const MAX_AGENCY_MESSAGE_BYTES: usize = 64 * 1024;

/// A delivered message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyDelivery {
    /// The signed message: the envelope's canonical text, a blank line and the sender's
    /// signature line (a C2SP signed note by the sender's log key).
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "flexpension agency message v1\nfrom js\nto zj\nid 0123456789abcdef0123456789abcdef\nkind transfer.request\ncreated 1767225600\nbody {}\n\n— flexpension.js/log AAAA...\n"
    )]
    pub message: String,
}

/// The acknowledgement: the same for every delivery of one message.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AgencyAckAnswer {
    /// This agency's region.
    pub receiver: String,
    pub sender: String,
    /// The message id (32 hex digits).
    pub id: String,
    /// When the message was first received, microseconds since the Unix epoch.
    pub received_at_us: i64,
}

impl From<AgencyAck> for AgencyAckAnswer {
    fn from(a: AgencyAck) -> AgencyAckAnswer {
        AgencyAckAnswer { receiver: a.receiver, sender: a.sender, id: a.id, received_at_us: a.received_at_us }
    }
}

/// The message age window in force today (parameters `agency_message_max_age_seconds`,
/// `agency_message_max_ahead_seconds`).
pub fn window(s: &AppState) -> Result<AgeWindow, ApiError> {
    crate::quote::age_window(s.params(), s.today()).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_parameter", e, ""))
}

/// A peer's JSON body (at most 64 KiB), the store and the message age window in force.
async fn delivery(s: &AppState, req: Request) -> Result<(AgencyDelivery, flexpension_store::Store, AgeWindow), ApiError> {
    let kind = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if kind.split(';').next().unwrap_or("").trim() != "application/json" {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send application/json", "content-type"));
    }
    let bytes = axum::body::to_bytes(req.into_body(), MAX_AGENCY_MESSAGE_BYTES).await.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("at most {MAX_AGENCY_MESSAGE_BYTES} bytes"), "body")
    })?;
    let d: AgencyDelivery = super::input::from_json(&bytes)?;
    Ok((d, super::people::store(s)?.clone(), window(s)?))
}

/// Deliver a signed message from a peer agency (idempotent per sender and message id)
///
/// JSON `{"message": "<signed note>"}`, at most 64 KiB. The message must be for this agency's
/// region, from a peer it knows, signed by that peer's log key, made at most
/// `agency_message_max_age_seconds` ago and at most `agency_message_max_ahead_seconds` ahead of
/// this server's clock. A message delivered again is stored once and answered the same.
#[utoipa::path(post, path = "/agency/messages", tag = "agency", operation_id = "agency_messages_post",
    request_body(content = AgencyDelivery, content_type = "application/json"),
    responses(
        (status = 200, description = "received (now or before): the acknowledgement", body = AgencyAckAnswer),
        (status = 400, description = "malformed, unknown_field, missing_field (not the JSON asked for), malformed_message (not a message in canonical form), stale_message, future_message", body = crate::calc::CalcError),
        (status = 401, description = "bad_signature: not signed by the key stored for the sender", body = crate::calc::CalcError),
        (status = 403, description = "unknown_sender: the sender is not a peer of this agency", body = crate::calc::CalcError),
        (status = 409, description = "exists: this message id was received from the sender with other content", body = crate::calc::CalcError),
        (status = 413, description = "payload_too_large: more than 64 KiB", body = crate::calc::CalcError),
        (status = 415, description = "unsupported_media_type: not application/json", body = crate::calc::CalcError),
        (status = 421, description = "wrong_receiver: the message is for another region", body = crate::calc::CalcError),
        (status = 503, description = "no_store or store_unavailable: send it again later", body = crate::calc::CalcError),
    ))]
pub async fn agency_messages(State(s): State<AppState>, req: Request) -> Result<Json<AgencyAckAnswer>, ApiError> {
    let (d, store, window) = delivery(&s, req).await?;
    match store.receive_agency_message(s.region(), &d.message, window).await {
        Ok(ack) => {
            s.agency_wake().notify_one();
            Ok(Json(ack.into()))
        }
        Err(e @ StoreError::Message(_)) => {
            tracing::warn!(reason = e.code(), error = %e, "agency message refused");
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The sending agency's answer to a quote: a signed `transfer.quoted` message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyQuoteAnswer {
    /// The answer: the envelope's canonical text with the figures in its body, a blank line and
    /// this agency's signature line.
    pub message: String,
}

/// How many quotes this agency answers at once; more wait for none and get 503 (each reads a
/// worker's whole ledger).
pub const MAX_QUOTES_AT_ONCE: usize = 8;

static QUOTES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_QUOTES_AT_ONCE);

/// Answer a peer agency's quote: what would move for a worker today (nothing stored)
///
/// JSON `{"message": "<signed transfer.quote>"}`, checked as a delivered message is (for this
/// region, from a known peer, its signature, its age). The answer is a signed
/// `transfer.quoted` with the months, the pooling-fund transfer, the personal account with
/// interest and the explanation, or the reason a transfer would be refused now. Nothing is
/// frozen or written: the transfer itself computes again when it runs.
#[utoipa::path(post, path = "/agency/quote", tag = "agency", operation_id = "agency_quote_post",
    request_body(content = AgencyDelivery, content_type = "application/json"),
    responses(
        (status = 200, description = "the signed answer", body = AgencyQuoteAnswer),
        (status = 400, description = "malformed, unknown_field, missing_field, malformed_message, stale_message, future_message", body = crate::calc::CalcError),
        (status = 401, description = "bad_signature: not signed by the key stored for the sender", body = crate::calc::CalcError),
        (status = 403, description = "unknown_sender: the sender is not a peer of this agency", body = crate::calc::CalcError),
        (status = 413, description = "payload_too_large: more than 64 KiB", body = crate::calc::CalcError),
        (status = 415, description = "unsupported_media_type: not application/json", body = crate::calc::CalcError),
        (status = 421, description = "wrong_receiver: the message is for another region", body = crate::calc::CalcError),
        (status = 422, description = "invalid_input: the message is not a transfer.quote", body = crate::calc::CalcError),
        (status = 503, description = "busy (more than 8 quotes at once), no_store or store_unavailable: ask again later", body = crate::calc::CalcError),
    ))]
pub async fn agency_quote(State(s): State<AppState>, req: Request) -> Result<Json<AgencyQuoteAnswer>, ApiError> {
    let (d, store, window) = delivery(&s, req).await?;
    let Ok(_turn) = QUOTES.try_acquire() else {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", format!("more than {MAX_QUOTES_AT_ONCE} quotes at once"), ""));
    };
    match store.answer_quote(s.params(), s.region(), &d.message, window).await {
        Ok(message) => Ok(Json(AgencyQuoteAnswer { message })),
        Err(e @ StoreError::Message(_)) => {
            tracing::warn!(reason = e.code(), error = %e, "agency quote refused");
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}
