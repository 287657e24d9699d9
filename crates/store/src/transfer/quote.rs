//! The worker's preview before a transfer (转移试算): the receiving agency asks the sending one,
//! in a signed `transfer.quote`, what would move for a worker today; the sender answers at once
//! with a signed `transfer.quoted` carrying the amounts and their explanation, computed exactly
//! as its freeze would ([`Store::compute_moving`]). Nothing is stored or frozen on either side:
//! the quote is a question and answer over HTTP, not an inbox message, and the real transfer
//! computes again when it runs. The answer names the request's id, so an old answer cannot be
//! passed off for another question.

use crate::{Result, Store, StoreError, WorkerId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flexpension_rules::Params;
use flexpension_tlog::message::{AgeWindow, id_hex};
use flexpension_tlog::{peek_message, verify_message};
use serde::{Deserialize, Serialize};

pub const KIND_QUOTE: &str = "transfer.quote";
pub const KIND_QUOTED: &str = "transfer.quoted";

/// The most explanation steps an answer may carry, and the longest step (characters, per
/// language): the receiver shows a peer's text to its worker and keeps it bounded.
pub const MAX_QUOTE_STEPS: usize = 20;
pub const MAX_QUOTE_STEP_CHARS: usize = 1000;

/// One explanation step of the answer, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteStep {
    pub zh: String,
    pub en: String,
}

/// What would move today, as the sending agency computes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferQuote {
    /// The sending region.
    pub from: String,
    /// Why the sending agency would refuse the transfer now; nothing else is filled then.
    pub refusal: Option<String>,
    /// Contribution months that would move (years counted: `months / 12`).
    pub months: i64,
    /// The first and last of them, `YYYY-MM`.
    pub first_month: Option<String>,
    pub last_month: Option<String>,
    pub pool_transfer_fen: i64,
    /// The personal account with interest to this month.
    pub account_fen: i64,
    pub interest_fen: i64,
    pub total_fen: i64,
    /// How the figures were found, the rules and their sources named.
    pub steps: Vec<QuoteStep>,
}

/// A question ready to post to the sending agency: its URL, the signed message, its id.
#[derive(Debug, Clone)]
pub struct QuoteRequest {
    pub url: String,
    pub signed: String,
    pub id: String,
}

/// How long the worker's ID number, sealed into the preview's confirm form, stays good.
pub const FORM_SEAL_SECONDS: i64 = 30 * 60;

impl Store {
    /// Seal the worker's ID number for the preview's confirm form (so the page never holds it
    /// in clear), bound to the worker and good for [`FORM_SEAL_SECONDS`]; base64url.
    pub fn seal_id_for_form(&self, worker: WorkerId, id_number: &str) -> Result<String> {
        let nonce = crate::ids::random32().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        let mut header = nonce[..16].to_vec();
        header.extend_from_slice(&(self.now_us().div_euclid(1_000_000) + FORM_SEAL_SECONDS).to_be_bytes());
        header.extend_from_slice(&worker.0.to_be_bytes());
        let sealed =
            self.pepper().seal_form(&header, id_number.trim().as_bytes()).ok_or_else(|| StoreError::invalid("id_number", "too long"))?;
        Ok(URL_SAFE_NO_PAD.encode(sealed))
    }

    /// Open what [`Store::seal_id_for_form`] sealed for `worker`: an error when it was changed,
    /// is another worker's, or is older than [`FORM_SEAL_SECONDS`].
    pub fn open_id_from_form(&self, worker: WorkerId, sealed: &str) -> Result<String> {
        let bad = || StoreError::invalid("sealed", "the form is changed or too old: start again");
        let s = sealed.trim();
        if s.len() > 4 * (32 + 32 + 16) / 3 + 4 {
            return Err(bad());
        }
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let (header, value) = self.pepper().open_form(&bytes, 32).ok_or_else(bad)?;
        let until = i64::from_be_bytes(header[16..24].try_into().map_err(|_| bad())?);
        let whose = i64::from_be_bytes(header[24..32].try_into().map_err(|_| bad())?);
        if whose != worker.0 || self.now_us().div_euclid(1_000_000) > until {
            return Err(bad());
        }
        String::from_utf8(value).map_err(|_| bad())
    }

    /// At the receiving agency: the signed question to `from` for the worker with `id_number`
    /// (checked registered here and not held by the temporary-account rule, as the application
    /// is). Nothing is written.
    pub async fn quote_request(&self, params: &Params, id_number: &str, from: &str) -> Result<QuoteRequest> {
        let own = self.own_region().await?;
        if from == own {
            return Err(StoreError::invalid("from", format!("'{from}' is this agency's own region")));
        }
        let peer = self.peer(from).await?.ok_or_else(|| StoreError::NotFound { what: "peer", key: from.to_string() })?;
        let masked = flexpension_rules::checkdigit::mask(id_number.trim());
        let w = self.find_worker(id_number.trim()).await?.ok_or(StoreError::NotFound { what: "worker registered here", key: masked })?;
        super::temporary_account_check(params, &w, &own, self.today())?;
        let env = self.new_agency_message(&own, from, KIND_QUOTE, serde_json::json!({"id_number": id_number.trim()}))?;
        let signed = env.sign(&self.log_keys().signer)?;
        Ok(QuoteRequest { url: peer.url, signed, id: id_hex(&env.id) })
    }

    /// At the sending agency: answer a peer's signed question (checked as a delivered message
    /// is: for us, from a known peer, its signature, its age) with a signed answer. Reads only.
    pub async fn answer_quote(&self, params: &Params, us: &str, signed: &str, window: AgeWindow) -> Result<String> {
        let sender = peek_message(signed)?.sender;
        let key = match self.peer(&sender).await? {
            Some(p) => Some(p.verifier()?),
            None => None,
        };
        let env = verify_message(signed, us, key.as_ref(), self.now_us().div_euclid(1_000_000), window)?;
        if env.kind != KIND_QUOTE {
            return Err(StoreError::invalid("kind", format!("'{}' is not a {KIND_QUOTE}", env.kind)));
        }
        let id_number = env.body.get("id_number").and_then(|v| v.as_str()).unwrap_or("");
        let own = self.own_region().await?;
        let mut q = TransferQuote {
            from: own.clone(),
            refusal: None,
            months: 0,
            first_month: None,
            last_month: None,
            pool_transfer_fen: 0,
            account_fen: 0,
            interest_fen: 0,
            total_fen: 0,
            steps: Vec::new(),
        };
        let worker = match self.find_worker(id_number).await {
            Ok(w) => w,
            Err(StoreError::Invalid { .. }) => None,
            Err(e) => return Err(e),
        };
        match worker {
            None => q.refusal = Some(super::REASON_NOT_REGISTERED.to_string()),
            Some(w) => match self.out_refusal(w.id).await? {
                Some(r) => q.refusal = Some(r),
                None => match self.compute_moving(params, w.id).await {
                    Ok(m) => {
                        q.months = m.moved.len() as i64;
                        q.first_month = m.moved.first().map(|x| x.0.to_string());
                        q.last_month = m.moved.last().map(|x| x.0.to_string());
                        q.pool_transfer_fen = m.funds.value.pool_transfer_fen;
                        q.account_fen = m.funds.value.personal_account_fen;
                        q.interest_fen = m.interest;
                        q.total_fen = m.funds.value.total_fen;
                        q.steps = m.funds.steps.into_iter().map(|t| QuoteStep { zh: t.zh, en: t.en }).collect();
                    }
                    Err(e @ (StoreError::Db(_) | StoreError::Corrupt(_))) => return Err(e),
                    Err(e) => q.refusal = Some(format!("{}{e}", super::REASON_FUNDS)),
                },
            },
        }
        let body = serde_json::json!({"request": id_hex(&env.id), "quote": q});
        let answer = self.new_agency_message(&own, &env.sender, KIND_QUOTED, body)?;
        Ok(answer.sign(&self.log_keys().signer)?)
    }

    /// At the receiving agency: check the answer to the question `req` sent to `from` (signed
    /// by that peer, for us, naming that question) and read the figures, its text bounded.
    pub async fn read_quote(&self, from: &str, req: &QuoteRequest, signed: &str, window: AgeWindow) -> Result<TransferQuote> {
        let own = self.own_region().await?;
        let key = self.peer(from).await?.ok_or_else(|| StoreError::NotFound { what: "peer", key: from.to_string() })?.verifier()?;
        let env = verify_message(signed, &own, Some(&key), self.now_us().div_euclid(1_000_000), window)?;
        let wrong = |why: &str| StoreError::invalid("quote", why.to_string());
        if env.sender != from || env.kind != KIND_QUOTED {
            return Err(wrong("not an answer from the region asked"));
        }
        if env.body.get("request").and_then(|v| v.as_str()) != Some(req.id.as_str()) {
            return Err(wrong("the answer is to another question"));
        }
        let mut q: TransferQuote =
            serde_json::from_value(env.body.get("quote").cloned().unwrap_or_default()).map_err(|e| wrong(&format!("not a quote: {e}")))?;
        if q.from != from || [q.months, q.pool_transfer_fen, q.account_fen, q.interest_fen, q.total_fen].iter().any(|v| *v < 0) {
            return Err(wrong("the figures do not hold together"));
        }
        q.steps.truncate(MAX_QUOTE_STEPS);
        for s in &mut q.steps {
            s.zh = s.zh.chars().take(MAX_QUOTE_STEP_CHARS).collect();
            s.en = s.en.chars().take(MAX_QUOTE_STEP_CHARS).collect();
        }
        if let Some(r) = &mut q.refusal {
            *r = r.chars().take(MAX_QUOTE_STEP_CHARS).collect();
        }
        Ok(q)
    }
}
