//! Policy variants without editing files: `--set subsidy.share=0.5` replaces one value of a
//! policy for the month being computed, checked as strictly as the files are, and said out loud.
//!
//! Keys: `rate.brackets` (`3999.99:0.12,6000:0.16,:0.20`: inclusive upper limits in yuan, the
//! last one empty), `rate.personal_account`, `subsidy.share` (one share for every income under
//! the ceiling, `0.35`, or bands written like the brackets, `2999.99:0.5,3999.99:0.4,:0.3`),
//! `subsidy.income_below` (yuan: the ceiling; a lower one cuts off the bands above it). A key
//! may name its policy first (`paper.subsidy.share=0.5`). Without one it applies to every policy
//! of the run except `current`: the law stays the baseline a variant is compared with, unless it
//! is the only policy of the run or is named (`current.subsidy.share=0.5`).

use crate::explain::Text;
use crate::money::{Dec6, Fen, parse_yuan_nonneg, yuan};
use crate::params::{Bracket, Brackets, Scenario, SubsidyBand, SubsidyBands};
use crate::time::YearMonth;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariantError {
    #[error("--set {key}: {reason}")]
    Bad { key: String, reason: String },
}

fn bad(key: &str, reason: impl Into<String>) -> VariantError {
    VariantError::Bad { key: key.to_string(), reason: reason.into() }
}

/// The value a variant puts in place of the file's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Brackets(Brackets),
    PersonalAccountRate(Dec6),
    /// A flat share is one open band.
    SubsidyShare(SubsidyBands),
    SubsidyIncomeBelow(Fen),
}

/// One `--set`: an optional policy name, the key and the parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub policy: Option<String>,
    pub key: &'static str,
    pub setting: Setting,
}

/// The policy that is the law: an unqualified `--set` leaves it alone when others are compared.
pub const LAW: &str = "current";

pub const KEYS: [&str; 4] = ["rate.brackets", "rate.personal_account", "subsidy.share", "subsidy.income_below"];

impl Override {
    /// Parse `[policy.]key=value`.
    pub fn parse(text: &str) -> Result<Override, VariantError> {
        let (lhs, value) = text.split_once('=').ok_or_else(|| bad(text.trim(), "write key=value, e.g. subsidy.share=0.5"))?;
        let lhs = lhs.trim();
        let (policy, key) = match KEYS.iter().find(|k| lhs == **k || lhs.ends_with(&format!(".{k}"))) {
            Some(k) if lhs.len() == k.len() => (None, *k),
            Some(k) => (Some(lhs[..lhs.len() - k.len() - 1].to_string()), *k),
            None => return Err(bad(lhs, format!("unknown key (known: {}, optionally after a policy name)", KEYS.join(", ")))),
        };
        let v = value.trim();
        let setting = match key {
            "rate.brackets" => Setting::Brackets(parse_brackets(v).map_err(|r| bad(lhs, r))?),
            "rate.personal_account" => Setting::PersonalAccountRate(parse_share(v).map_err(|r| bad(lhs, r))?),
            "subsidy.share" => Setting::SubsidyShare(parse_subsidy(v).map_err(|r| bad(lhs, r))?),
            _ => Setting::SubsidyIncomeBelow(parse_yuan_nonneg(v).map_err(|e| bad(lhs, format!("{e}")))?),
        };
        Ok(Override { policy, key, setting })
    }

    /// Whether this override is meant for `policy` in a run comparing `all` policies.
    pub fn applies_to(&self, policy: &str, all: &[String]) -> Result<bool, VariantError> {
        match &self.policy {
            Some(p) if !all.iter().any(|a| a == p) => {
                Err(bad(&format!("{p}.{}", self.key), format!("policy '{p}' is not in this run ({})", all.join(", "))))
            }
            Some(p) => Ok(p == policy),
            None if all.len() > 1 => Ok(policy != LAW),
            None => Ok(true),
        }
    }

    /// The value as a person reads it.
    pub fn value_text(&self) -> String {
        match &self.setting {
            Setting::Brackets(b) => b.to_string(),
            Setting::PersonalAccountRate(r) => r.percent(),
            Setting::SubsidyShare(b) => b.to_string(),
            Setting::SubsidyIncomeBelow(f) => format!("{} 元", yuan(*f)),
        }
    }
}

/// What an applied override changed: for reports and explanations.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    pub policy: String,
    pub key: String,
    pub was: String,
    pub now: String,
}

impl Applied {
    pub fn text(&self) -> Text {
        Text::new(
            format!("变体：{}方案的{}从文件中的{}改为{}（不是参数文件中的值）。", self.policy, self.key, self.was, self.now),
            format!("Variant: {} with {} = {} instead of the file's {}.", self.policy, self.key, self.now, self.was),
        )
    }
}

impl Scenario<'_> {
    /// Replace the value of the policy's record in force in `month`; a subsidy share must fall
    /// in that record's `allowed` range when it has one.
    pub fn apply_override(&mut self, o: &Override, month: YearMonth) -> Result<Applied, VariantError> {
        let date = month.first_day();
        let name = self.policy.name.clone();
        let key = match &o.policy {
            Some(p) => format!("{p}.{}", o.key),
            None => o.key.to_string(),
        };
        let none_in_force = |e: crate::params::ParamError| bad(&key, format!("policy '{name}' has no value in force in {month}: {e}"));
        let p = &mut self.policy;
        let (was, now) = match &o.setting {
            Setting::Brackets(b) => {
                let d = p.rate_brackets.at(date).map_err(none_in_force)?;
                let (from, was) = (d.from, d.value.to_string());
                p.rate_brackets.set_value(from, b.clone());
                (was, b.to_string())
            }
            Setting::PersonalAccountRate(r) => {
                let d = p.personal_account_rate.at(date).map_err(none_in_force)?;
                let (from, was) = (d.from, d.value.percent());
                p.personal_account_rate.set_value(from, *r);
                (was, r.percent())
            }
            Setting::SubsidyShare(b) => {
                let d = p.subsidy_share.at(date).map_err(none_in_force)?;
                if let Some((lo, hi)) = d.allowed
                    && let Some(out) = b.0.iter().find(|x| !(lo..=hi).contains(&x.share))
                {
                    return Err(bad(
                        &key,
                        format!(
                            "{} is outside the range policy '{name}' allows, {} to {}",
                            out.share.percent(),
                            lo.percent(),
                            hi.percent()
                        ),
                    ));
                }
                let (from, was) = (d.from, d.value.to_string());
                p.subsidy_share.set_value(from, b.clone());
                (was, b.to_string())
            }
            Setting::SubsidyIncomeBelow(f) => {
                let d = p.subsidy_income_below.at(date).map_err(none_in_force)?;
                let (from, was) = (d.from, format!("{} 元", yuan(d.value)));
                p.subsidy_income_below.set_value(from, *f);
                (was, format!("{} 元", yuan(*f)))
            }
        };
        Ok(Applied { policy: name, key: o.key.to_string(), was, now })
    }
}

/// A share or rate between 0 and 1, written as a decimal ("0.5") or a percentage ("50%").
fn parse_share(v: &str) -> Result<Dec6, String> {
    let d = match v.strip_suffix('%') {
        Some(p) => Dec6::parse(p).map(|d| Dec6(d.0 / 100)).map_err(|e| e.to_string())?,
        None => Dec6::parse(v).map_err(|e| e.to_string())?,
    };
    if !(Dec6::ZERO..=Dec6::ONE).contains(&d) {
        return Err(format!("{v} must be between 0 and 1 (write 0.5 or 50% for a half)"));
    }
    Ok(d)
}

/// `3999.99:0.12,6000:0.16,:0.20`: rising inclusive limits in yuan, the last one open.
fn parse_brackets(v: &str) -> Result<Brackets, String> {
    let parts = parse_limits(v, ("bracket", "rate"), "6000:0.16 (the last :0.20)")?;
    Ok(Brackets(parts.into_iter().map(|(up_to_fen, rate)| Bracket { up_to_fen, rate }).collect()))
}

/// One share (`0.35` or `35%`) for every income under the ceiling, or bands written like the
/// brackets: `2999.99:0.5,3999.99:0.4,:0.3`.
fn parse_subsidy(v: &str) -> Result<SubsidyBands, String> {
    if !v.contains(':') {
        return parse_share(v).map(SubsidyBands::flat);
    }
    let parts = parse_limits(v, ("band", "share"), "3999.99:0.4 (the last :0.3)")?;
    Ok(SubsidyBands(parts.into_iter().map(|(up_to_fen, share)| SubsidyBand { up_to_fen, share }).collect()))
}

/// `limit:share,...,:share`: rising inclusive limits in yuan, the last one open. `what` names a
/// part and its value in errors ("bracket", "rate") and `example` shows one.
fn parse_limits(v: &str, (what, unit): (&str, &str), example: &str) -> Result<Vec<(Option<Fen>, Dec6)>, String> {
    let mut out: Vec<(Option<Fen>, Dec6)> = Vec::new();
    for (i, part) in v.split(',').enumerate() {
        let (up, rate) = part.split_once(':').ok_or(format!("{what} {}: write up_to:{unit}, e.g. {example}", i + 1))?;
        if out.last().is_some_and(|b| b.0.is_none()) {
            return Err(format!("{what} {}: comes after the open last {what}", i + 1));
        }
        let up_to_fen = match up.trim() {
            "" => None,
            t => Some(parse_yuan_nonneg(t).map_err(|e| format!("{what} {}: {e}", i + 1))?),
        };
        if let (Some(prev), Some(u)) = (out.last().and_then(|b| b.0), up_to_fen)
            && u <= prev
        {
            return Err(format!("{what} {}: limits must rise", i + 1));
        }
        out.push((up_to_fen, parse_share(rate.trim()).map_err(|e| format!("{what} {}: {e}", i + 1))?));
    }
    match out.last() {
        Some(b) if b.0.is_none() => Ok(out),
        _ => Err(format!("the last {what} must be open: end with ,:{unit}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Params;

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    #[test]
    fn parses_keys_and_values() {
        let o = Override::parse("rate.brackets=3999.99:0.12,6000:0.16,:0.20").unwrap();
        assert_eq!(o.policy, None);
        assert_eq!(o.value_text(), "≤3999.99: 12%; ≤6000.00: 16%; >6000.00: 20%");
        let o = Override::parse("paper.subsidy.share=50%").unwrap();
        assert_eq!((o.policy.as_deref(), o.setting.clone()), (Some("paper"), Setting::SubsidyShare(SubsidyBands::flat(Dec6(500_000)))));
        let o = Override::parse("subsidy.share=2999.99:0.5, 3999.99:40%, :0.3").unwrap();
        assert_eq!(o.value_text(), "≤2999.99: 50%; ≤3999.99: 40%; >3999.99: 30%");
        assert!(matches!(Override::parse("subsidy.income_below=5000").unwrap().setting, Setting::SubsidyIncomeBelow(500_000)));
        for bad in [
            "subsidy.share",
            "subsidy.shar=0.5",
            "subsidy.share=1.5",
            "rate.brackets=6000:0.16,4000:0.1,:0.2",
            "rate.brackets=4000:0.1",
            "subsidy.share=3999.99:0.4,2999.99:0.5,:0.3",
            "subsidy.share=2999.99:0.5,3999.99:0.4",
            "subsidy.share=2999.99:0.5,:0.4,:0.3",
            "subsidy.share=2999.99:1.5,:0.3",
        ] {
            let e = Override::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("--set "), "{bad}: {e}");
        }
    }

    #[test]
    fn applies_in_force_value_and_checks_allowed_range() {
        let p = Params::embedded().unwrap();
        let mut s = p.scenario("zj", Some("paper"), None).unwrap();
        let m = ym("2025-06");
        let a = s.apply_override(&Override::parse("subsidy.share=0.5").unwrap(), m).unwrap();
        assert_eq!((a.was.as_str(), a.now.as_str()), ("≤2999.99: 50%; ≤3999.99: 40%; >3999.99: 30%", "50%"));
        assert_eq!(s.month_rules(m).unwrap().0.subsidy_share, SubsidyBands::flat(Dec6(500_000)));
        let e = s.apply_override(&Override::parse("subsidy.share=0.6").unwrap(), m).unwrap_err().to_string();
        assert!(e.contains("subsidy.share") && e.contains("30%") && e.contains("50%"), "{e}");
        // Every band of a schedule must lie in the range; the one outside is named.
        let e = s.apply_override(&Override::parse("subsidy.share=1999.99:0.5,:0.2").unwrap(), m).unwrap_err().to_string();
        assert!(e.contains("20% is outside") && e.contains("30% to 50%"), "{e}");
        let a = s.apply_override(&Override::parse("subsidy.share=3999.99:0.45,:0.35").unwrap(), m).unwrap();
        assert_eq!(a.now, "≤3999.99: 45%; >3999.99: 35%");
        let bands = s.month_rules(m).unwrap().0.subsidy_share;
        assert_eq!((bands.find(399_999).1.share, bands.find(400_000).1.share), (Dec6(450_000), Dec6(350_000)));
        s.apply_override(&Override::parse("rate.brackets=:0.1").unwrap(), m).unwrap();
        assert_eq!(s.month_rules(m).unwrap().0.brackets.0.len(), 1);
        // The file itself is untouched.
        assert_eq!(p.scenario("zj", Some("paper"), None).unwrap().month_rules(m).unwrap().0.subsidy_share.shares_text(), "50%/40%/30%");
    }

    #[test]
    fn an_unqualified_key_leaves_the_law_alone() {
        let all = vec!["current".to_string(), "paper".to_string()];
        let o = Override::parse("subsidy.share=0.5").unwrap();
        assert!(o.applies_to("paper", &all).unwrap() && !o.applies_to("current", &all).unwrap());
        assert!(o.applies_to("current", &["current".to_string()]).unwrap());
        let o = Override::parse("paper.subsidy.share=0.5").unwrap();
        assert!(o.applies_to("paper", &all).unwrap() && !o.applies_to("current", &all).unwrap());
        assert!(Override::parse("other.subsidy.share=0.5").unwrap().applies_to("paper", &all).is_err());
    }
}
