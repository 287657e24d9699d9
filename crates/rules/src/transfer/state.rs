//! The transfer itself as a state machine (国办发〔2009〕66号, article 8): the application at the
//! receiving agency, the sending agency's freeze and handover, the receiving agency's posting,
//! and the sender's close of the relation. Each open state has the statutory deadline of its
//! step, counted in working days on the official holiday calendar from the application
//! (`Params::transfer_deadlines`). A refusal, with its reason, is possible from any open state.
//! Pure: the dates come in as arguments; the store keeps the state and drives the steps.

use super::{TransferDeadlines, TransferError};
use crate::explain::Explained;
use crate::params::Params;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The longest refusal reason, in characters.
pub const MAX_REFUSAL_REASON: usize = 300;

/// Where a transfer stands. The names are what `transfer show` prints as `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    /// Step 1: the application is accepted at the receiving agency and its request is on the way
    /// to the sending agency (the review step: the acceptance letter).
    Applied,
    /// Step 2: the sending agency froze the account and computed what moves.
    Frozen,
    /// Step 2 done: the signed voucher and the funds are on the way to the receiving agency.
    Sent,
    /// Step 3: the receiving agency verified and posted the funds and months, and acknowledged.
    Posted,
    /// The sending agency closed the relation as transferred out (or, at the receiver, heard so).
    Completed,
    /// Refused with a reason; the account is unfrozen.
    Refused,
}

impl TransferState {
    pub const ALL: [TransferState; 6] = [
        TransferState::Applied,
        TransferState::Frozen,
        TransferState::Sent,
        TransferState::Posted,
        TransferState::Completed,
        TransferState::Refused,
    ];

    /// The name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferState::Applied => "applied",
            TransferState::Frozen => "frozen",
            TransferState::Sent => "sent",
            TransferState::Posted => "posted",
            TransferState::Completed => "completed",
            TransferState::Refused => "refused",
        }
    }

    /// Is the transfer still under way?
    pub fn is_open(self) -> bool {
        !matches!(self, TransferState::Completed | TransferState::Refused)
    }
}

impl std::fmt::Display for TransferState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TransferState {
    type Err = TransferError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TransferState::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| TransferError::Input { field: "state", problem: format!("'{s}' is not a transfer state") })
    }
}

/// What happens to a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEvent {
    /// The sending agency froze the account and computed the funds.
    Freeze,
    /// The sending agency signed the voucher and sent it with the funds.
    Send,
    /// The receiving agency verified and posted the funds and the months.
    Post,
    /// The relation is closed as transferred out.
    Complete,
    /// Either agency refused, with a reason.
    Refuse(String),
}

/// A transfer's state, its dates and, when refused, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transfer {
    pub state: TransferState,
    pub deadlines: TransferDeadlines,
    pub reason: Option<String>,
}

/// A step the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("a transfer that is {from} cannot {what}")]
    NotAllowed { from: TransferState, what: &'static str },
    #[error("a refusal needs a reason of 1 to {MAX_REFUSAL_REASON} characters without control characters")]
    BadReason,
}

impl Transfer {
    /// A new application on `application` (the receiving agency's date): its deadlines come
    /// from the holiday calendar and the three step limits in force.
    pub fn apply(params: &Params, application: NaiveDate) -> Result<Explained<Transfer>, TransferError> {
        let d = params.transfer_deadlines(application)?;
        let t = Transfer { state: TransferState::Applied, deadlines: d.value, reason: None };
        Ok(Explained { value: t, steps: d.steps, params: d.params, warnings: d.warnings })
    }

    /// A transfer in a known state with its deadlines (read back from a store).
    pub fn at(state: TransferState, deadlines: TransferDeadlines, reason: Option<String>) -> Transfer {
        Transfer { state, deadlines, reason }
    }

    /// The date the current step is due by; `None` once the transfer is over.
    pub fn due(&self) -> Option<NaiveDate> {
        let d = &self.deadlines;
        match self.state {
            TransferState::Applied => Some(d.review_due),
            TransferState::Frozen => Some(d.handover_due),
            TransferState::Sent | TransferState::Posted => Some(d.completion_due),
            TransferState::Completed | TransferState::Refused => None,
        }
    }

    /// Is the current step past its statutory deadline on `today`?
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.due().is_some_and(|d| today > d)
    }

    /// The state after `event`, or why it cannot happen. Repeating the event that led to the
    /// current state is allowed and changes nothing (handlers run at least once).
    pub fn step(&self, event: &TransferEvent) -> Result<Transfer, StepError> {
        use TransferState as S;
        let to = |state| Ok(Transfer { state, ..self.clone() });
        match (self.state, event) {
            (S::Refused, TransferEvent::Refuse(_)) => Ok(self.clone()),
            (s, TransferEvent::Refuse(r)) if s.is_open() => {
                let r = r.trim();
                if r.is_empty() || r.chars().count() > MAX_REFUSAL_REASON || r.chars().any(char::is_control) {
                    return Err(StepError::BadReason);
                }
                Ok(Transfer { state: S::Refused, reason: Some(r.to_string()), ..self.clone() })
            }
            (S::Applied | S::Frozen, TransferEvent::Freeze) => to(S::Frozen),
            (S::Applied | S::Frozen | S::Sent, TransferEvent::Send) => to(S::Sent),
            (S::Applied | S::Sent | S::Posted, TransferEvent::Post) => to(S::Posted),
            (S::Sent | S::Posted | S::Completed, TransferEvent::Complete) => to(S::Completed),
            (from, e) => Err(StepError::NotAllowed { from, what: event_name(e) }),
        }
    }
}

fn event_name(e: &TransferEvent) -> &'static str {
    match e {
        TransferEvent::Freeze => "be frozen",
        TransferEvent::Send => "be sent",
        TransferEvent::Post => "be posted",
        TransferEvent::Complete => "be completed",
        TransferEvent::Refuse(_) => "be refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransferEvent as E;
    use TransferState as S;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn params() -> Params {
        Params::embedded().unwrap()
    }

    #[test]
    fn the_statutory_path_with_its_deadlines() {
        let p = params();
        let t = Transfer::apply(&p, date(2026, 3, 2)).unwrap().value;
        assert_eq!(t.state, S::Applied);
        // Working days on the holiday calendar: each step 15 of them, from the previous due date.
        let d = p.transfer_deadlines(date(2026, 3, 2)).unwrap().value;
        assert_eq!(t.due(), Some(d.review_due));
        assert!(d.review_due > date(2026, 3, 2) && d.handover_due > d.review_due && d.completion_due > d.handover_due);
        let t = t.step(&E::Freeze).unwrap();
        assert_eq!((t.state, t.due()), (S::Frozen, Some(d.handover_due)));
        let t = t.step(&E::Send).unwrap();
        assert_eq!((t.state, t.due()), (S::Sent, Some(d.completion_due)));
        let t = t.step(&E::Post).unwrap();
        assert_eq!(t.state, S::Posted);
        let t = t.step(&E::Complete).unwrap();
        assert_eq!((t.state, t.due()), (S::Completed, None));
        assert!(!t.overdue(date(2030, 1, 1)));
    }

    #[test]
    fn the_receiver_goes_from_applied_to_posted_and_the_sender_from_applied_to_sent() {
        let t = Transfer::apply(&params(), date(2026, 3, 2)).unwrap().value;
        assert_eq!(t.step(&E::Post).unwrap().state, S::Posted);
        assert_eq!(t.step(&E::Send).unwrap().state, S::Sent);
    }

    #[test]
    fn overdue_after_the_due_date_only() {
        let t = Transfer::apply(&params(), date(2026, 3, 2)).unwrap().value;
        let due = t.due().unwrap();
        assert!(!t.overdue(due));
        assert!(t.overdue(due.succ_opt().unwrap()));
    }

    #[test]
    fn refusal_from_every_open_state_keeps_its_reason() {
        let t = Transfer::apply(&params(), date(2026, 3, 2)).unwrap().value;
        for s in [S::Applied, S::Frozen, S::Sent, S::Posted] {
            let x = Transfer::at(s, t.deadlines, None).step(&E::Refuse(" no such worker ".into())).unwrap();
            assert_eq!((x.state, x.reason.as_deref()), (S::Refused, Some("no such worker")));
            assert_eq!(x.due(), None);
        }
        assert_eq!(t.step(&E::Refuse("  ".into())), Err(StepError::BadReason));
        assert_eq!(t.step(&E::Refuse("a\nb".into())), Err(StepError::BadReason));
        let done = Transfer::at(S::Completed, t.deadlines, None);
        assert!(matches!(done.step(&E::Refuse("late".into())), Err(StepError::NotAllowed { from: S::Completed, .. })));
    }

    #[test]
    fn repeats_change_nothing_and_wrong_orders_are_refused() {
        let t = Transfer::apply(&params(), date(2026, 3, 2)).unwrap().value;
        let f = t.step(&E::Freeze).unwrap();
        assert_eq!(f.step(&E::Freeze).unwrap(), f);
        let c = Transfer::at(S::Completed, t.deadlines, None);
        assert_eq!(c.step(&E::Complete).unwrap(), c);
        let r = t.step(&E::Refuse("x".into())).unwrap();
        assert_eq!(r.step(&E::Refuse("y".into())).unwrap(), r);
        assert!(t.step(&E::Complete).is_err(), "nothing completes before the funds are sent");
        assert!(f.step(&E::Post).is_err(), "the sender does not post");
        assert!(c.step(&E::Freeze).is_err());
        assert!(r.step(&E::Send).is_err(), "a refused transfer stays refused");
    }

    #[test]
    fn states_print_and_parse_back() {
        for s in TransferState::ALL {
            assert_eq!(s.as_str().parse::<TransferState>().unwrap(), s);
        }
        assert!("done".parse::<TransferState>().is_err());
    }
}
