//! Signed messages between two social-insurance agencies (对端经办机构, peer agencies): an
//! envelope (sender and receiver region, a random 128-bit id, a kind, the time it was made and a
//! JSON body) written as the text of a C2SP signed note and signed with the sender's log key, so
//! a peer checks it with the verifier key that `log key` prints.
//!
//! The text is canonical: fixed lines in a fixed order, the body as compact JSON on one line.
//! Its first line names the format, so it can never read as a checkpoint (whose first line is a
//! log origin, which has no spaces) signed by the same key.
//!
//! ```text
//! flexpension agency message v1
//! from zj
//! to js
//! id 0123456789abcdef0123456789abcdef
//! kind transfer.request
//! created 1767225600
//! body {"worker":1}
//! ```
//!
//! [`verify_message`] is pure: the caller looks the sender's key up ([`peek_message`] reads the
//! sender before anything is trusted) and passes the time now and the window.

use crate::note::{NoteSigner, NoteVerifier, parse_note, sign_note, verify_note};

/// The first line of every message text.
pub const MESSAGE_HEADER: &str = "flexpension agency message v1";
/// The largest body, in bytes of compact JSON.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// One message between agencies, before signing or after verifying.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The sending agency's region code (转出地 for a transfer).
    pub sender: String,
    /// The receiving agency's region code.
    pub receiver: String,
    /// Random 128 bits, chosen by the sender: with the sender, the message's key.
    pub id: [u8; 16],
    /// What the body is, e.g. `transfer.request`: lowercase letters, digits, `.`, `_`, `-`.
    pub kind: String,
    /// When the sender made it, Unix seconds.
    pub created_at: i64,
    pub body: serde_json::Value,
}

/// How old (or how far ahead of our clock) a message may be, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeWindow {
    pub max_age_s: i64,
    pub max_ahead_s: i64,
}

/// Why a message is refused. Each case is its own variant so that the HTTP answer can say which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("malformed agency message: {0}")]
    Malformed(String),
    #[error("the message is for region '{to}', not for this agency ('{us}')")]
    WrongReceiver { to: String, us: String },
    #[error("the sender '{0}' is not a known peer agency")]
    UnknownSender(String),
    #[error("the message is not signed by the key of peer '{0}'")]
    BadSignature(String),
    #[error("the message is stale: made {age_s} s ago, at most {max_s} s are accepted")]
    Stale { age_s: i64, max_s: i64 },
    #[error("the message is from the future: made {ahead_s} s ahead of our clock, at most {max_s} s are accepted")]
    Future { ahead_s: i64, max_s: i64 },
}

impl MessageError {
    /// A short stable code for the API's error shape.
    pub fn code(&self) -> &'static str {
        match self {
            MessageError::Malformed(_) => "malformed_message",
            MessageError::WrongReceiver { .. } => "wrong_receiver",
            MessageError::UnknownSender(_) => "unknown_sender",
            MessageError::BadSignature(_) => "bad_signature",
            MessageError::Stale { .. } => "stale_message",
            MessageError::Future { .. } => "future_message",
        }
    }
}

/// A region code: 2 to 8 lowercase ASCII letters (`zj`, `js`).
pub fn is_region_code(s: &str) -> bool {
    (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
}

fn is_kind(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// The id as 32 lowercase hex digits.
pub fn id_hex(id: &[u8; 16]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_id(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(id)
}

fn malformed(why: impl Into<String>) -> MessageError {
    MessageError::Malformed(why.into())
}

impl Envelope {
    /// The canonical text that is signed. Refuses fields out of shape.
    pub fn text(&self) -> Result<String, MessageError> {
        for (what, code) in [("sender", &self.sender), ("receiver", &self.receiver)] {
            if !is_region_code(code) {
                return Err(malformed(format!("{what} '{code}' is not a region code (2 to 8 lowercase letters)")));
            }
        }
        if !is_kind(&self.kind) {
            return Err(malformed(format!("kind '{}' is not 1 to 64 of a-z 0-9 . _ -", self.kind)));
        }
        if self.created_at < 0 {
            return Err(malformed("created is before 1970"));
        }
        let body = serde_json::to_string(&self.body).map_err(|e| malformed(format!("body: {e}")))?;
        if body.len() > MAX_BODY_BYTES {
            return Err(malformed(format!("body of {} bytes, at most {MAX_BODY_BYTES}", body.len())));
        }
        Ok(format!(
            "{MESSAGE_HEADER}\nfrom {}\nto {}\nid {}\nkind {}\ncreated {}\nbody {body}\n",
            self.sender,
            self.receiver,
            id_hex(&self.id),
            self.kind,
            self.created_at
        ))
    }

    /// The signed message: the text, a blank line, the sender's signature line.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, MessageError> {
        sign_note(&self.text()?, signer).map_err(|e| malformed(e.to_string()))
    }

    /// Read a message text (no signature) back, refusing anything not in canonical form.
    pub fn parse_text(text: &str) -> Result<Envelope, MessageError> {
        let lines: Vec<&str> = text.strip_suffix('\n').ok_or_else(|| malformed("no final newline"))?.split('\n').collect();
        let [header, from, to, id, kind, created, body] = lines[..] else {
            return Err(malformed(format!("{} lines, want 7", lines.len())));
        };
        if header != MESSAGE_HEADER {
            return Err(malformed(format!("first line is not '{MESSAGE_HEADER}'")));
        }
        let value = |line: &str, name: &str| -> Result<String, MessageError> {
            line.strip_prefix(name)
                .and_then(|r| r.strip_prefix(' '))
                .map(str::to_string)
                .ok_or_else(|| malformed(format!("want a '{name}' line")))
        };
        let body_text = value(body, "body")?;
        let env = Envelope {
            sender: value(from, "from")?,
            receiver: value(to, "to")?,
            id: parse_id(&value(id, "id")?).ok_or_else(|| malformed("id is not 32 lowercase hex digits"))?,
            kind: value(kind, "kind")?,
            created_at: value(created, "created")?.parse().map_err(|_| malformed("created is not whole seconds"))?,
            body: serde_json::from_str(&body_text).map_err(|e| malformed(format!("body: {e}")))?,
        };
        // Canonical: writing it again gives the same text (one spelling of each message).
        if env.text()? != text {
            return Err(malformed("not in canonical form"));
        }
        Ok(env)
    }
}

/// The envelope of a signed message, signature NOT checked: to find whose key to check it with.
pub fn peek_message(signed: &str) -> Result<Envelope, MessageError> {
    let note = parse_note(signed).map_err(|e| malformed(e.to_string()))?;
    Envelope::parse_text(&note.text)
}

/// Check a signed message for us (`us`): the receiver, the sender's key (`None`: not a known
/// peer), the signature, then its age against `now_s` (Unix seconds).
pub fn verify_message(
    signed: &str,
    us: &str,
    sender_key: Option<&NoteVerifier>,
    now_s: i64,
    window: AgeWindow,
) -> Result<Envelope, MessageError> {
    let env = peek_message(signed)?;
    if env.receiver != us {
        return Err(MessageError::WrongReceiver { to: env.receiver, us: us.to_string() });
    }
    let key = sender_key.ok_or_else(|| MessageError::UnknownSender(env.sender.clone()))?;
    verify_note(signed, key).map_err(|_| MessageError::BadSignature(env.sender.clone()))?;
    let age = now_s.saturating_sub(env.created_at);
    if age > window.max_age_s {
        return Err(MessageError::Stale { age_s: age, max_s: window.max_age_s });
    }
    if -age > window.max_ahead_s {
        return Err(MessageError::Future { ahead_s: -age, max_s: window.max_ahead_s });
    }
    Ok(env)
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
