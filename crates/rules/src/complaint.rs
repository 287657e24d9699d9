//! Complaints (一键维权, section 5.4 of the paper): what a worker can complain about, the states a
//! complaint goes through and who may move it, the platform's response deadline (a dated
//! parameter, `complaint.response_hours`), and the limits on what a worker uploads, whose type
//! is read from the content, never from the name.
//!
//! Times are microseconds since the Unix epoch, passed in: this module reads no clock.

use crate::explain::{Explained, Explainer, ParamUse};
use crate::params::{ParamError, Params};
use chrono::{DateTime, NaiveDate};
use serde::Serialize;

/// At most this many bytes in one upload (5 MiB: a phone photo or a scanned page).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// At most this many uploads on one complaint.
pub const MAX_UPLOADS: usize = 6;
/// At most this many characters in a complaint's or a response's text.
pub const MAX_TEXT_CHARS: usize = 2000;
/// At most this many months named in one complaint.
pub const MAX_MONTHS: usize = 12;
/// The content types an upload may have, as detected from its first bytes.
pub const ALLOWED_UPLOAD_TYPES: [UploadType; 5] = [UploadType::Jpeg, UploadType::Png, UploadType::Webp, UploadType::Heic, UploadType::Pdf];

const HOUR_US: i64 = 3_600_000_000;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Orders done but not paid.
    UnpaidOrders,
    /// Money taken off the pay.
    Deductions,
    /// The worker's account on the platform blocked.
    AccountBlocked,
    /// Hurt at work.
    Injury,
    /// A contract platform did not pay the contributions it owes.
    ContributionsUnpaid,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 6] =
        [Kind::UnpaidOrders, Kind::Deductions, Kind::AccountBlocked, Kind::Injury, Kind::ContributionsUnpaid, Kind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::UnpaidOrders => "unpaid_orders",
            Kind::Deductions => "deductions",
            Kind::AccountBlocked => "account_blocked",
            Kind::Injury => "injury",
            Kind::ContributionsUnpaid => "contributions_unpaid",
            Kind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Recorded, with its evidence package sealed in the log.
    Filed,
    /// Sent to labour inspection, union legal aid and the platform.
    Delivered,
    /// The platform answered.
    Responded,
    /// Inspection or legal aid is mediating.
    InMediation,
    /// Settled, with an outcome.
    Resolved,
    /// The worker closed it.
    Closed,
}

impl State {
    pub const ALL: [State; 6] = [State::Filed, State::Delivered, State::Responded, State::InMediation, State::Resolved, State::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Filed => "filed",
            State::Delivered => "delivered",
            State::Responded => "responded",
            State::InMediation => "in_mediation",
            State::Resolved => "resolved",
            State::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Resolved and closed complaints take no further step.
    pub fn is_final(self) -> bool {
        matches!(self, State::Resolved | State::Closed)
    }
}

/// How a resolved complaint ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The worker got what they asked for.
    Upheld,
    /// Part of it.
    PartlyUpheld,
    /// The complaint was not upheld.
    NotUpheld,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Upheld, Outcome::PartlyUpheld, Outcome::NotUpheld];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Upheld => "upheld",
            Outcome::PartlyUpheld => "partly_upheld",
            Outcome::NotUpheld => "not_upheld",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who moves a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Worker,
    Platform,
    /// Labour inspection (劳动监察).
    Inspector,
    /// Union legal aid (工会法律援助).
    LegalAid,
    /// The system itself (delivery, escalation).
    System,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Worker => "worker",
            Actor::Platform => "platform",
            Actor::Inspector => "inspector",
            Actor::LegalAid => "legal_aid",
            Actor::System => "system",
        }
    }
}

/// A step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    Deliver,
    Respond,
    Mediate,
    Resolve(Outcome),
    Close,
    /// Union legal aid takes the worker's case on (the state stays as it is).
    Take,
    /// Union legal aid notes what it did or found (the state stays as it is).
    Note,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deliver => "deliver",
            Action::Respond => "respond",
            Action::Mediate => "mediate",
            Action::Resolve(_) => "resolve",
            Action::Close => "close",
            Action::Take => "take",
            Action::Note => "note",
        }
    }

    /// Whether the step must say something: an answer, a resolution's reasons, a note.
    pub fn needs_text(self) -> bool {
        matches!(self, Action::Respond | Action::Resolve(_) | Action::Note)
    }
}

/// A step refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a {actor} may not {action} a complaint")]
    NotAllowed { actor: &'static str, action: &'static str },
    #[error("a complaint that is {state} takes no '{action}' step")]
    WrongState { state: &'static str, action: &'static str },
}

/// The state after `action` by `actor` from `from`, or why not. Who may do what: the system
/// delivers a filed complaint; the platform responds to a delivered one (or answers again while
/// it is being mediated); labour inspection mediates and resolves (with an outcome); union
/// legal aid takes the worker's case on and notes what it does, which moves no state (a note
/// may follow a resolution: the worker may still need help); the worker closes their own
/// complaint at any time before it is final.
pub fn next(from: State, action: Action, actor: Actor) -> Result<State, TransitionError> {
    use {Action as A, Actor as W, State as S};
    let allowed = match action {
        A::Deliver => actor == W::System,
        A::Respond => actor == W::Platform,
        A::Mediate | A::Resolve(_) => actor == W::Inspector,
        A::Take | A::Note => actor == W::LegalAid,
        A::Close => actor == W::Worker,
    };
    if !allowed {
        return Err(TransitionError::NotAllowed { actor: actor.as_str(), action: action.as_str() });
    }
    let to = match (from, action) {
        (S::Filed, A::Deliver) => S::Delivered,
        (S::Delivered | S::Responded, A::Respond) => S::Responded,
        (S::InMediation, A::Respond) => S::InMediation,
        (S::Filed | S::Delivered | S::Responded, A::Mediate) => S::InMediation,
        (S::Delivered | S::Responded | S::InMediation, A::Resolve(_)) => S::Resolved,
        (s, A::Close) if !s.is_final() => S::Closed,
        (s, A::Take) if !s.is_final() => s,
        (s, A::Note) if s != S::Closed => s,
        (s, a) => return Err(TransitionError::WrongState { state: s.as_str(), action: a.as_str() }),
    };
    Ok(to)
}

/// The response deadline in force on a day.
#[derive(Debug, Clone)]
pub struct ComplaintRules {
    pub response_hours: u32,
    pub uses: Vec<ParamUse>,
}

impl Params {
    /// The complaint rules in force on `day` (the day a complaint is filed, China time).
    pub fn complaint_rules(&self, day: NaiveDate) -> Result<ComplaintRules, ParamError> {
        let (h, u) = self.lookup(&self.national.complaint_response_hours, day, |v| v.to_string())?;
        Ok(ComplaintRules { response_hours: *h, uses: vec![u] })
    }
}

/// The China (UTC+8) calendar day of a time, for dated parameters.
pub fn china_day(at_us: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_micros(at_us.saturating_add(8 * HOUR_US)).map(|t| t.date_naive())
}

/// When the platform must have responded to a complaint filed at `filed_at_us`.
pub fn due_at_us(r: &ComplaintRules, filed_at_us: i64) -> i64 {
    filed_at_us.saturating_add(i64::from(r.response_hours) * HOUR_US)
}

/// A complaint's deadline at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sla {
    pub due_at_us: i64,
    /// Unanswered at or after the deadline.
    pub breached: bool,
}

/// Is a complaint filed at `filed_at_us`, first answered at `responded_at_us` (if ever),
/// past its deadline at `now_us`? At exactly the deadline it is: the platform had the whole
/// window. An answer given after the deadline does not undo a breach.
pub fn sla(r: &ComplaintRules, filed_at_us: i64, responded_at_us: Option<i64>, now_us: i64) -> Explained<Sla> {
    let mut ex = Explainer::new();
    for u in &r.uses {
        ex.uses(u.clone());
    }
    let due = due_at_us(r, filed_at_us);
    let h = r.response_hours;
    let breached = match responded_at_us {
        Some(at) if at < due => {
            let took = (at - filed_at_us).max(0) / HOUR_US;
            ex.step(
                format!("平台在投诉后{took}小时内作了答复，没有超过{h}小时的时限。"),
                format!("The platform answered within {took} hours of the complaint, inside the {h}-hour limit."),
            );
            false
        }
        _ if now_us < due => {
            let left = (due - now_us) / HOUR_US;
            ex.step(
                format!("平台还没有答复；时限为{h}小时，还剩约{left}小时。"),
                format!("The platform has not answered yet; it has {h} hours, about {left} hours are left."),
            );
            false
        }
        _ => {
            ex.step(
                format!("平台没有在{h}小时内答复：已超时，投诉升级到劳动监察，并计入平台信用。"),
                format!("The platform did not answer within {h} hours: the deadline has passed, the complaint goes up to labour inspection and counts against the platform's credit."),
            );
            true
        }
    };
    ex.finish(Sla { due_at_us: due, breached })
}

/// The type of an upload, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UploadType {
    Jpeg,
    Png,
    Webp,
    Heic,
    Pdf,
}

impl UploadType {
    pub fn mime(self) -> &'static str {
        match self {
            UploadType::Jpeg => "image/jpeg",
            UploadType::Png => "image/png",
            UploadType::Webp => "image/webp",
            UploadType::Heic => "image/heic",
            UploadType::Pdf => "application/pdf",
        }
    }

    pub fn from_mime(s: &str) -> Option<UploadType> {
        ALLOWED_UPLOAD_TYPES.into_iter().find(|t| t.mime() == s)
    }

    /// The file name endings that claim this type.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            UploadType::Jpeg => &["jpg", "jpeg"],
            UploadType::Png => &["png"],
            UploadType::Webp => &["webp"],
            UploadType::Heic => &["heic", "heif"],
            UploadType::Pdf => &["pdf"],
        }
    }
}

/// The type the content is, from its signature; `None` for anything else.
pub fn detect_type(bytes: &[u8]) -> Option<UploadType> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(UploadType::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(UploadType::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(UploadType::Webp)
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1" | b"heim" | b"heis") {
        Some(UploadType::Heic)
    } else if bytes.starts_with(b"%PDF-") {
        Some(UploadType::Pdf)
    } else {
        None
    }
}

/// An upload refused, in words a worker can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("'{name}' is empty")]
    Empty { name: String },
    #[error("'{name}' is {size} bytes; a file may be at most {max} bytes")]
    TooLarge { name: String, size: usize, max: usize },
    #[error("a complaint may carry at most {max} files")]
    TooMany { max: usize },
    #[error("'{name}' is not a photo, screenshot or PDF (JPEG, PNG, WebP, HEIC or PDF)")]
    NotAllowed { name: String },
    #[error("'{name}' is named as {claimed} but its content is {found}")]
    Mismatch { name: String, claimed: &'static str, found: &'static str },
}

/// Check one upload, the `already`-th and later of the complaint: its size, its type from the
/// content, and that a name ending in a known type agrees with the content.
pub fn check_upload(name: &str, bytes: &[u8], already: usize) -> Result<UploadType, UploadError> {
    if already >= MAX_UPLOADS {
        return Err(UploadError::TooMany { max: MAX_UPLOADS });
    }
    if bytes.is_empty() {
        return Err(UploadError::Empty { name: name.into() });
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge { name: name.into(), size: bytes.len(), max: MAX_UPLOAD_BYTES });
    }
    let found = detect_type(bytes);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let claimed = ext.as_deref().and_then(|e| ALLOWED_UPLOAD_TYPES.into_iter().find(|t| t.extensions().contains(&e)));
    match (found, claimed) {
        (None, Some(c)) => Err(UploadError::Mismatch { name: name.into(), claimed: c.mime(), found: "something else" }),
        (None, None) => Err(UploadError::NotAllowed { name: name.into() }),
        (Some(f), Some(c)) if f != c => Err(UploadError::Mismatch { name: name.into(), claimed: c.mime(), found: f.mime() }),
        (Some(f), _) => Ok(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> ComplaintRules {
        Params::embedded().expect("params").complaint_rules(NaiveDate::from_ymd_opt(2025, 5, 1).expect("day")).expect("rules")
    }

    #[test]
    fn the_paper_gives_72_clock_hours() {
        let r = rules();
        assert_eq!(r.response_hours, 72);
        assert_eq!(r.uses[0].key, "complaint.response_hours");
        assert_eq!(due_at_us(&r, 0), 72 * HOUR_US);
    }

    #[test]
    fn unanswered_at_72_hours_is_breached_answered_at_71_is_not() {
        let r = rules();
        let f = 1_746_000_000_000_000;
        let at = |h: i64| f + h * HOUR_US;
        assert!(!sla(&r, f, None, at(71)).value.breached);
        assert!(!sla(&r, f, None, at(72) - 1).value.breached);
        let e = sla(&r, f, None, at(72));
        assert!(e.value.breached && e.steps[0].en.contains("72 hours"), "{:?}", e.steps);
        assert!(e.params.iter().any(|p| p.key == "complaint.response_hours"));
        assert!(e.warnings.iter().any(|w| w.en.contains("proposal")), "{:?}", e.warnings);
        assert!(!sla(&r, f, Some(at(71)), at(500)).value.breached, "answered at 71 h");
        assert!(sla(&r, f, Some(at(73)), at(500)).value.breached, "a late answer does not undo the breach");
    }

    #[test]
    fn transitions_and_who_may_make_them() {
        use {Action as A, Actor as W, State as S};
        assert_eq!(next(S::Filed, A::Deliver, W::System), Ok(S::Delivered));
        assert_eq!(next(S::Delivered, A::Respond, W::Platform), Ok(S::Responded));
        assert_eq!(next(S::Responded, A::Mediate, W::Inspector), Ok(S::InMediation));
        assert!(matches!(next(S::Responded, A::Mediate, W::LegalAid), Err(TransitionError::NotAllowed { .. })));
        assert!(matches!(next(S::InMediation, A::Resolve(Outcome::Upheld), W::LegalAid), Err(TransitionError::NotAllowed { .. })));
        assert_eq!(next(S::Delivered, A::Take, W::LegalAid), Ok(S::Delivered), "taking a case moves no state");
        assert_eq!(next(S::InMediation, A::Note, W::LegalAid), Ok(S::InMediation));
        assert_eq!(next(S::Resolved, A::Note, W::LegalAid), Ok(S::Resolved), "a note may follow a resolution");
        assert!(matches!(next(S::Resolved, A::Take, W::LegalAid), Err(TransitionError::WrongState { .. })));
        assert!(matches!(next(S::Closed, A::Note, W::LegalAid), Err(TransitionError::WrongState { .. })));
        assert!(matches!(next(S::Delivered, A::Take, W::Inspector), Err(TransitionError::NotAllowed { .. })));
        assert!(matches!(next(S::Delivered, A::Note, W::Platform), Err(TransitionError::NotAllowed { .. })));
        assert!(Action::Note.needs_text() && Action::Resolve(Outcome::Upheld).needs_text() && !Action::Take.needs_text());
        assert_eq!(next(S::InMediation, A::Respond, W::Platform), Ok(S::InMediation));
        assert_eq!(next(S::InMediation, A::Resolve(Outcome::Upheld), W::Inspector), Ok(S::Resolved));
        assert_eq!(next(S::Delivered, A::Close, W::Worker), Ok(S::Closed));
        assert!(matches!(next(S::Delivered, A::Respond, W::Worker), Err(TransitionError::NotAllowed { .. })));
        assert!(matches!(next(S::Delivered, A::Resolve(Outcome::Upheld), W::Platform), Err(TransitionError::NotAllowed { .. })));
        assert!(matches!(next(S::Filed, A::Respond, W::Platform), Err(TransitionError::WrongState { .. })));
        assert!(matches!(next(S::Resolved, A::Close, W::Worker), Err(TransitionError::WrongState { .. })));
        assert!(matches!(next(S::Closed, A::Respond, W::Platform), Err(TransitionError::WrongState { .. })));
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn uploads_are_typed_by_content() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        assert_eq!(check_upload("photo.JPG", &jpeg, 0), Ok(UploadType::Jpeg));
        assert_eq!(check_upload("photo", &jpeg, 0), Ok(UploadType::Jpeg), "no ending: the content decides");
        assert_eq!(check_upload("doc.pdf", b"%PDF-1.7\n", 5), Ok(UploadType::Pdf));
        assert!(matches!(check_upload("shot.png", &jpeg, 0), Err(UploadError::Mismatch { claimed: "image/png", found: "image/jpeg", .. })));
        assert!(matches!(check_upload("photo.jpg", b"MZ\x90\0 not a photo", 0), Err(UploadError::Mismatch { .. })));
        assert!(matches!(check_upload("run.exe", b"MZ\x90\0", 0), Err(UploadError::NotAllowed { .. })));
        assert!(matches!(check_upload("a.jpg", &jpeg, MAX_UPLOADS), Err(UploadError::TooMany { .. })));
        assert!(matches!(check_upload("a.jpg", &[], 0), Err(UploadError::Empty { .. })));
        let mut big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        assert!(matches!(check_upload("big.jpg", &big, 0), Err(UploadError::TooLarge { .. })));
        assert_eq!(check_upload("big.jpg", &big[..MAX_UPLOAD_BYTES], 0), Ok(UploadType::Jpeg));
        let mut heic = b"\0\0\0\x18ftypheic".to_vec();
        heic.extend_from_slice(&[0; 8]);
        assert_eq!(detect_type(&heic), Some(UploadType::Heic));
        assert_eq!(detect_type(b"RIFF\0\0\0\0WEBPVP8 "), Some(UploadType::Webp));
    }
}
