//! The self-service terminal (智能自助终端, section 5.3 of the paper): how long a sign-in code
//! is good for, how many tries it has, how many codes may be sent an hour, and when an idle
//! terminal signs out. All design values (`kiosk_*` in `params/national.toml`), looked up by day.

use crate::explain::ParamUse;
use crate::params::{ParamError, Params};
use chrono::NaiveDate;

/// The terminal's rules in force on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct KioskRules {
    /// A code is good for this many seconds after it is sent.
    pub code_ttl_seconds: u32,
    /// Tries at one code; then a new one must be asked for.
    pub code_attempts: u32,
    /// Codes an hour for one ID number (known or not).
    pub code_sends_per_hour: u32,
    /// Codes an hour from one client address, over all ID numbers.
    pub code_sends_per_client_hour: u32,
    /// A terminal's session ends after this many seconds without a request.
    pub idle_seconds: u32,
    pub uses: Vec<ParamUse>,
}

impl Params {
    /// The terminal's rules in force on `day` (China time).
    pub fn kiosk_rules(&self, day: NaiveDate) -> Result<KioskRules, ParamError> {
        let k = &self.national.kiosk;
        let (ttl, u1) = self.lookup(&k.code_ttl_seconds, day, |v| v.to_string())?;
        let (attempts, u2) = self.lookup(&k.code_attempts, day, |v| v.to_string())?;
        let (per_id, u3) = self.lookup(&k.code_sends_per_hour, day, |v| v.to_string())?;
        let (per_client, u4) = self.lookup(&k.code_sends_per_client_hour, day, |v| v.to_string())?;
        let (idle, u5) = self.lookup(&k.idle_seconds, day, |v| v.to_string())?;
        Ok(KioskRules {
            code_ttl_seconds: *ttl,
            code_attempts: *attempts,
            code_sends_per_hour: *per_id,
            code_sends_per_client_hour: *per_client,
            idle_seconds: *idle,
            uses: vec![u1, u2, u3, u4, u5],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_rules_are_dated_design_values() {
        let p = Params::embedded().expect("params");
        let r = p.kiosk_rules(NaiveDate::from_ymd_opt(2026, 1, 1).expect("day")).expect("rules");
        assert_eq!((r.code_ttl_seconds, r.code_attempts, r.idle_seconds), (300, 5, 120));
        assert_eq!((r.code_sends_per_hour, r.code_sends_per_client_hour), (3, 30));
        assert_eq!(r.uses.len(), 5);
    }
}
