//! The rule data: dated, sourced parameters read from `params/`, checked when loaded.
//!
//! A parameter is a list of dated values. Each value has `effective_from`, an optional inclusive
//! `effective_to` (left out: it runs until the next value starts, or for ever when last), the
//! value itself, a `source` (an ID in `sources.toml`) and a confidence tag. Loading refuses
//! overlapping or missing date ranges, unknown sources and unknown keys, naming file and key.
//! Looking a value up for a date no range covers is an error, never a default.

mod cities;
mod convert;
mod load;
mod model;
mod national;
mod provinces;

pub use cities::{Cities, City};
pub use load::{EMBEDDED, Params, leftover_key, take_path};
pub use model::*;
pub use provinces::{Province, Provinces};

use crate::explain::{ParamUse, param_use};
use crate::workdays::Calendar;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What went wrong with the rule data or a lookup in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {key}: {problem}")]
    Invalid { file: String, key: String, problem: String },
    /// A lookup found nothing in force on `date`. Its message is shown to users (the API, the
    /// pages), so it names the parameter and the date, not the file it lives in (`file` is
    /// kept for operators and tests).
    #[error("no value of {key} for {date}: {problem}")]
    NoValue { file: String, key: String, date: NaiveDate, problem: String },
    #[error("unknown {what} '{name}' (known: {known})")]
    Unknown { what: &'static str, name: String, known: String },
}

/// One region under one policy, with an overlay applied: what calculators read.
#[derive(Debug, Clone)]
pub struct Scenario<'a> {
    pub params: &'a Params,
    pub region: Region,
    pub policy: Policy,
    pub overlay: Option<&'a Overlay>,
}

impl Params {
    /// Look up a dated value and record where it came from.
    pub fn lookup<'s, T>(&self, s: &'s Series<T>, date: NaiveDate, show: impl Fn(&T) -> String) -> Result<(&'s T, ParamUse), ParamError> {
        let d = s.at(date)?;
        let source = self.sources.get(&d.source).cloned().unwrap_or_default();
        Ok((&d.value, param_use(&s.key, d, show(&d.value), &source)))
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The region under a policy (default: the region's own) with an optional overlay.
    pub fn scenario(&self, region: &str, policy: Option<&str>, overlay: Option<&str>) -> Result<Scenario<'_>, ParamError> {
        let mut r = pick(&self.regions, "region", region)?.clone();
        let policy = pick(&self.policies, "policy", policy.unwrap_or(&r.default_policy))?.clone();
        let overlay = match overlay {
            None => None,
            Some(name) => {
                let o = pick(&self.overlays, "overlay", name)?;
                if o.region != r.code {
                    return Err(ParamError::Invalid {
                        file: o.file.clone(),
                        key: "overlay.region".into(),
                        problem: format!("overlay '{}' applies to region '{}', not '{}'", o.name, o.region, r.code),
                    });
                }
                o.apply(&mut r)?;
                Some(o)
            }
        };
        Ok(Scenario { params: self, region: r, policy, overlay })
    }

    pub fn region_codes(&self) -> Vec<&str> {
        self.regions.keys().map(String::as_str).collect()
    }
    pub fn policy_names(&self) -> Vec<&str> {
        self.policies.keys().map(String::as_str).collect()
    }
    pub fn overlay_names(&self) -> Vec<&str> {
        self.overlays.keys().map(String::as_str).collect()
    }
    pub fn policy(&self, name: &str) -> Result<&Policy, ParamError> {
        pick(&self.policies, "policy", name)
    }
    pub fn region(&self, code: &str) -> Result<&Region, ParamError> {
        pick(&self.regions, "region", code)
    }
}

fn pick<'m, T>(map: &'m BTreeMap<String, T>, what: &'static str, name: &str) -> Result<&'m T, ParamError> {
    map.get(name).ok_or_else(|| ParamError::Unknown {
        what,
        name: name.to_string(),
        known: map.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}

#[cfg(test)]
mod tests;
