//! The population parameter file (`params/sim/population.toml`): every figure with its source,
//! checked when read. Shares become `f64` here because they only drive random draws; money stays
//! in fen.

use crate::error::SimError;
use flexpension_rules::injury::OrderType;
use flexpension_rules::money::parse_yuan_nonneg;
use flexpension_rules::params::Source;
use flexpension_rules::{Dec6, Fen};
use std::collections::BTreeMap;
use toml::{Table, Value};

/// The copy compiled into the binary.
pub const EMBEDDED: &str = include_str!("../../../params/sim/population.toml");
pub const EMBEDDED_NAME: &str = "sim/population.toml";

/// Where one figure comes from: reports list the figures they rest on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Figure {
    pub key: String,
    pub value: String,
    pub source: String,
    pub confidence: String,
    pub note: Option<String>,
}

/// The base a worker declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseChoice {
    /// The region's lower limit (no declared base).
    Lower,
    /// A share of the region's benefit base (the average wage).
    OfAverageWage(Dec6),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub order_type: Option<OrderType>,
    pub platform_names: Vec<String>,
    pub share: f64,
    pub income_median_fen: Fen,
    pub income_spread: f64,
    pub male_share: f64,
    pub yuan_per_order_fen: Fen,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub income_3000_7000_min: f64,
    pub large_swings: (f64, f64),
    pub labour_contract: (f64, f64),
    pub below_junior_college: (f64, f64),
    pub union_member_max: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PopParams {
    pub labour_contract: f64,
    pub platform_contract: f64,
    pub below_junior_college: f64,
    pub union_member: f64,
    pub large_swings: f64,
    pub local_hukou: f64,
    pub platform_count_shares: Vec<f64>,
    /// (from, to inclusive, share)
    pub age_bands: Vec<(u32, u32, f64)>,
    pub base_choices: Vec<(BaseChoice, f64)>,
    pub large_spread: f64,
    pub small_spread: f64,
    pub shock_chance: f64,
    pub shock_drop: Dec6,
    pub gap_chance_large: f64,
    pub gap_chance_small: f64,
    pub shock_gap_chance: f64,
    pub burden_sensitivity: f64,
    pub max_gap_chance: f64,
    pub prior_coverage_max: f64,
    pub career_start_age: u32,
    pub assumed_credited_rate: Dec6,
    pub income_bands_fen: Vec<Fen>,
    pub jobs: Vec<Job>,
    pub calibration: Calibration,
    pub figures: Vec<Figure>,
}

impl PopParams {
    /// The embedded file, checked against the sources of the rule data.
    pub fn embedded(sources: &BTreeMap<String, Source>) -> Result<PopParams, SimError> {
        PopParams::parse(EMBEDDED_NAME, EMBEDDED, sources)
    }

    pub fn parse(file: &str, text: &str, sources: &BTreeMap<String, Source>) -> Result<PopParams, SimError> {
        let table: Table = text.parse().map_err(|e: toml::de::Error| err(file, "", e.to_string()))?;
        let mut r = Reader { file, table, sources, figures: Vec::new() };
        let jobs = r.jobs()?;
        let p = PopParams {
            labour_contract: r.share("attributes.labour_contract")?,
            platform_contract: r.share("attributes.platform_contract")?,
            below_junior_college: r.share("attributes.below_junior_college")?,
            union_member: r.share("attributes.union_member")?,
            large_swings: r.share("attributes.large_swings")?,
            local_hukou: r.share("attributes.local_hukou")?,
            platform_count_shares: r.share_list("platforms.count_shares")?,
            age_bands: r.age_bands("age.bands")?,
            base_choices: r.base_choices("base_choice.shares")?,
            large_spread: r.positive("swings.large_spread")?,
            small_spread: r.positive("swings.small_spread")?,
            shock_chance: r.share("swings.shock_chance")?,
            shock_drop: r.dec("swings.shock_drop", true)?,
            gap_chance_large: r.share("lapse.gap_chance_large")?,
            gap_chance_small: r.share("lapse.gap_chance_small")?,
            shock_gap_chance: r.share("lapse.shock_gap_chance")?,
            burden_sensitivity: r.positive("lapse.burden_sensitivity")?,
            max_gap_chance: r.share("lapse.max_gap_chance")?,
            prior_coverage_max: r.share("lapse.prior_coverage_max")?,
            career_start_age: r.whole("lapse.career_start_age")?,
            assumed_credited_rate: r.dec("projection.assumed_credited_rate", true)?,
            income_bands_fen: r.yuan_list("report.income_bands")?,
            calibration: Calibration {
                income_3000_7000_min: r.share("calibration.income_3000_7000_min")?,
                large_swings: r.pair("calibration.large_swings")?,
                labour_contract: r.pair("calibration.labour_contract")?,
                below_junior_college: r.pair("calibration.below_junior_college")?,
                union_member_max: r.share("calibration.union_member_max")?,
            },
            jobs,
            figures: Vec::new(),
        };
        let figures = std::mem::take(&mut r.figures);
        r.done()?;
        Ok(PopParams { figures, ..p })
    }

    pub fn job_index(&self, code: &str) -> Option<usize> {
        self.jobs.iter().position(|j| j.code == code)
    }
}

fn err(file: &str, key: &str, problem: impl Into<String>) -> SimError {
    SimError::PopParams { file: file.to_string(), key: key.to_string(), problem: problem.into() }
}

const CONFIDENCE: [&str; 5] = ["S", "W", "M", "C", "P"];

/// Takes figures out of the table; whatever is left at the end is an unknown key.
struct Reader<'a> {
    file: &'a str,
    table: Table,
    sources: &'a BTreeMap<String, Source>,
    figures: Vec<Figure>,
}

impl Reader<'_> {
    fn take(&mut self, path: &str) -> Option<Value> {
        flexpension_rules::params::take_path(&mut self.table, path)
    }

    /// A figure `{ value, source, confidence, note }`: returns its value, records its provenance.
    fn figure(&mut self, key: &str) -> Result<Value, SimError> {
        let v = self.take(key).ok_or_else(|| err(self.file, key, "missing"))?;
        let fig = self.provenance(key, &v)?;
        let value = v.get("value").cloned().ok_or_else(|| err(self.file, key, "value is missing"))?;
        self.figures.push(fig);
        Ok(value)
    }

    fn provenance(&self, key: &str, v: &Value) -> Result<Figure, SimError> {
        let t = v.as_table().ok_or_else(|| err(self.file, key, "must be { value, source, confidence }"))?;
        if let Some(k) = t.keys().find(|k| !["value", "source", "confidence", "note"].contains(&k.as_str())) {
            return Err(err(self.file, key, format!("unknown field '{k}'")));
        }
        let text = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let source = text("source");
        if !self.sources.contains_key(&source) {
            return Err(err(self.file, key, format!("source '{source}' is not in sources.toml (every figure needs one)")));
        }
        let confidence = text("confidence");
        if !CONFIDENCE.contains(&confidence.as_str()) {
            return Err(err(self.file, key, format!("confidence '{confidence}' is not one of {}", CONFIDENCE.join(", "))));
        }
        let value = t.get("value").map(show).unwrap_or_default();
        let note = t.get("note").and_then(Value::as_str).map(str::to_string);
        Ok(Figure { key: key.to_string(), value, source, confidence, note })
    }

    fn dec(&mut self, key: &str, unit: bool) -> Result<Dec6, SimError> {
        let v = self.figure(key)?;
        dec_of(&v, unit).map_err(|p| err(self.file, key, p))
    }

    fn share(&mut self, key: &str) -> Result<f64, SimError> {
        Ok(self.dec(key, true)?.0 as f64 / 1e6)
    }

    fn positive(&mut self, key: &str) -> Result<f64, SimError> {
        Ok(self.dec(key, false)?.0 as f64 / 1e6)
    }

    fn whole(&mut self, key: &str) -> Result<u32, SimError> {
        let v = self.figure(key)?;
        v.as_integer().and_then(|i| u32::try_from(i).ok()).ok_or_else(|| err(self.file, key, "must be a whole number"))
    }

    fn pair(&mut self, key: &str) -> Result<(f64, f64), SimError> {
        let v = self.figure(key)?;
        match v.as_array().map(Vec::as_slice) {
            Some([a, b]) => {
                let f = |x: &Value| dec_of(x, true).map(|d| d.0 as f64 / 1e6).map_err(|p| err(self.file, key, p));
                Ok((f(a)?, f(b)?))
            }
            _ => Err(err(self.file, key, "must be [target, tolerance]")),
        }
    }

    fn list(&mut self, key: &str) -> Result<Vec<Value>, SimError> {
        let v = self.figure(key)?;
        v.as_array().cloned().filter(|a| !a.is_empty()).ok_or_else(|| err(self.file, key, "must be a non-empty list"))
    }

    /// Shares that must add up to exactly 1.
    fn share_list(&mut self, key: &str) -> Result<Vec<f64>, SimError> {
        let items = self.list(key)?;
        let d: Vec<Dec6> = items.iter().map(|v| dec_of(v, true)).collect::<Result<_, _>>().map_err(|p| err(self.file, key, p))?;
        sums_to_one(&d).map_err(|p| err(self.file, key, p))?;
        Ok(d.iter().map(|d| d.0 as f64 / 1e6).collect())
    }

    fn yuan_list(&mut self, key: &str) -> Result<Vec<Fen>, SimError> {
        let items = self.list(key)?;
        let out: Vec<Fen> = items.iter().map(yuan_of).collect::<Result<_, _>>().map_err(|p| err(self.file, key, p))?;
        if out.windows(2).any(|w| w[1] <= w[0]) {
            return Err(err(self.file, key, "must rise"));
        }
        Ok(out)
    }

    fn age_bands(&mut self, key: &str) -> Result<Vec<(u32, u32, f64)>, SimError> {
        let items = self.list(key)?;
        let mut out = Vec::new();
        let mut shares = Vec::new();
        for (i, b) in items.iter().enumerate() {
            let bad = |p: &str| err(self.file, &format!("{key}[{i}]"), p);
            let [from, to, share] = b.as_array().map(Vec::as_slice).unwrap_or(&[]) else {
                return Err(bad("must be [from, to, share]"));
            };
            let age = |v: &Value| v.as_integer().and_then(|a| u32::try_from(a).ok()).filter(|a| (16..=70).contains(a));
            let (Some(from), Some(to)) = (age(from), age(to)) else { return Err(bad("ages must be whole numbers from 16 to 70")) };
            if to < from || out.last().is_some_and(|(_, t, _)| from <= *t) {
                return Err(bad("bands must rise and not overlap"));
            }
            let s = dec_of(share, true).map_err(|p| bad(&p))?;
            shares.push(s);
            out.push((from, to, s.0 as f64 / 1e6));
        }
        sums_to_one(&shares).map_err(|p| err(self.file, key, p))?;
        Ok(out)
    }

    fn base_choices(&mut self, key: &str) -> Result<Vec<(BaseChoice, f64)>, SimError> {
        let items = self.list(key)?;
        let mut out = Vec::new();
        let mut shares = Vec::new();
        for (i, b) in items.iter().enumerate() {
            let bad = |p: &str| err(self.file, &format!("{key}[{i}]"), p);
            let [choice, share] = b.as_array().map(Vec::as_slice).unwrap_or(&[]) else {
                return Err(bad("must be [choice, share]"));
            };
            let c = match choice.as_str() {
                Some("lower") => BaseChoice::Lower,
                _ => BaseChoice::OfAverageWage(
                    dec_of(choice, false).map_err(|p| bad(&format!("choice is \"lower\" or a share of the average wage: {p}")))?,
                ),
            };
            if let BaseChoice::OfAverageWage(d) = c
                && !(Dec6(600_000)..=Dec6(3_000_000)).contains(&d)
            {
                return Err(bad("a base must be 0.6 to 3 times the average wage"));
            }
            let s = dec_of(share, true).map_err(|p| bad(&p))?;
            shares.push(s);
            out.push((c, s.0 as f64 / 1e6));
        }
        sums_to_one(&shares).map_err(|p| err(self.file, key, p))?;
        Ok(out)
    }

    fn jobs(&mut self) -> Result<Vec<Job>, SimError> {
        let Some(Value::Array(items)) = self.take("jobs") else {
            return Err(err(self.file, "jobs", "missing: give at least one [[jobs]]"));
        };
        let mut jobs = Vec::new();
        let mut shares = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let Value::Table(t) = item else { return Err(err(self.file, &format!("jobs[{i}]"), "must be a table")) };
            let mut sub = Reader { file: self.file, table: t, sources: self.sources, figures: Vec::new() };
            let text = |r: &mut Reader, k: &str| match r.take(k) {
                Some(Value::String(s)) if !s.is_empty() => Ok(s),
                _ => Err(err(r.file, &format!("jobs[{i}].{k}"), "missing or not a text")),
            };
            let code = text(&mut sub, "code")?;
            let at = |k: &str| format!("jobs.{code}.{k}");
            let order_type = match text(&mut sub, "order_type")?.as_str() {
                "none" => None,
                o => Some(o.parse::<OrderType>().map_err(|e| err(self.file, &at("order_type"), e))?),
            };
            let platform_names = match sub.take("platform_names") {
                Some(Value::Array(a)) if !a.is_empty() => {
                    a.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>().unwrap_or_default()
                }
                _ => Vec::new(),
            };
            if platform_names.is_empty() {
                return Err(err(self.file, &at("platform_names"), "must be a non-empty list of names"));
            }
            let name_zh = text(&mut sub, "name_zh")?;
            let name_en = text(&mut sub, "name_en")?;
            let fig = |r: &mut Reader, k: &str| -> Result<Value, SimError> {
                let v = r.take(k).ok_or_else(|| err(r.file, &at(k), "missing"))?;
                let f = r.provenance(&at(k), &v)?;
                r.figures.push(f);
                v.get("value").cloned().ok_or_else(|| err(r.file, &at(k), "value is missing"))
            };
            let share = dec_of(&fig(&mut sub, "share")?, true).map_err(|p| err(self.file, &at("share"), p))?;
            let median = yuan_of(&fig(&mut sub, "income_median")?).map_err(|p| err(self.file, &at("income_median"), p))?;
            let spread = dec_of(&fig(&mut sub, "income_spread")?, false).map_err(|p| err(self.file, &at("income_spread"), p))?;
            let male = dec_of(&fig(&mut sub, "male_share")?, true).map_err(|p| err(self.file, &at("male_share"), p))?;
            let per_order = yuan_of(&fig(&mut sub, "yuan_per_order")?).map_err(|p| err(self.file, &at("yuan_per_order"), p))?;
            if median <= 0 || per_order <= 0 {
                return Err(err(self.file, &at("income_median"), "income and yuan per order must be more than 0"));
            }
            if jobs.iter().any(|j: &Job| j.code == code) {
                return Err(err(self.file, &at("code"), "is listed twice"));
            }
            self.figures.append(&mut sub.figures);
            sub.done()?;
            shares.push(share);
            jobs.push(Job {
                code,
                name_zh,
                name_en,
                order_type,
                platform_names,
                share: share.0 as f64 / 1e6,
                income_median_fen: median,
                income_spread: spread.0 as f64 / 1e6,
                male_share: male.0 as f64 / 1e6,
                yuan_per_order_fen: per_order,
            });
        }
        sums_to_one(&shares).map_err(|p| err(self.file, "jobs.*.share", p))?;
        Ok(jobs)
    }

    fn done(self) -> Result<(), SimError> {
        match flexpension_rules::params::leftover_key(&self.table) {
            Some(k) => Err(err(self.file, &k, "unknown parameter (a typo?)")),
            None => Ok(()),
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// A decimal written as text or a number; `unit` keeps it between 0 and 1.
fn dec_of(v: &Value, unit: bool) -> Result<Dec6, String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        other => return Err(format!("'{other}' is not a number")),
    };
    let d = Dec6::parse(&text).map_err(|e| e.to_string())?;
    if d.0 < 0 || (unit && d > Dec6::ONE) {
        return Err(format!("'{text}' must be {}", if unit { "between 0 and 1" } else { "0 or more" }));
    }
    Ok(d)
}

fn yuan_of(v: &Value) -> Result<Fen, String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        other => return Err(format!("'{other}' is not an amount of yuan")),
    };
    parse_yuan_nonneg(&text).map_err(|e| e.to_string())
}

fn sums_to_one(shares: &[Dec6]) -> Result<(), String> {
    let total: i64 = shares.iter().map(|d| d.0).sum();
    if total != Dec6::ONE.0 {
        return Err(format!("shares add up to {}, not 1", Dec6(total)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexpension_rules::Params;

    #[test]
    fn the_embedded_file_loads_with_sources() {
        let params = Params::embedded().unwrap();
        let p = PopParams::embedded(&params.sources).unwrap();
        assert_eq!(p.jobs.len(), 6);
        assert_eq!(p.labour_contract, 0.3469);
        assert!(p.figures.iter().any(|f| f.key == "attributes.large_swings" && f.source == "PAPER"));
        assert!(p.figures.iter().all(|f| params.sources.contains_key(&f.source)));
    }

    #[test]
    fn mistakes_name_the_key() {
        let params = Params::embedded().unwrap();
        let cases = [
            ("\"0.3469\", source = \"PAPER\"", "\"0.3469\", source = \"NOPE\"", "attributes.labour_contract"),
            ("[\"0.55\", \"0.33\", \"0.12\"]", "[\"0.55\", \"0.33\"]", "platforms.count_shares"),
            ("[calibration]", "[calibration]\ntypo = 1", "calibration.typo"),
            ("income_median = { value = \"4900\"", "income_median = { value = \"-4900\"", "jobs.rider.income_median"),
        ];
        for (from, to, key) in cases {
            let text = EMBEDDED.replacen(from, to, 1);
            assert_ne!(text, EMBEDDED, "{from}");
            let e = PopParams::parse("p.toml", &text, &params.sources).unwrap_err().to_string();
            assert!(e.starts_with(&format!("p.toml: {key}")), "{e}");
        }
    }
}
