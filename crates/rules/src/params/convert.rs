//! Turning one TOML value into a typed parameter value: each function says what it accepts in
//! its error, which the loader puts after the file and key.

use super::model::*;
use crate::money::{Dec6, Fen, parse_yuan_nonneg};
use crate::time::YearMonth;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use toml::{Table, Value};

pub(super) fn date_field(t: &Table, k: &str) -> Result<Option<NaiveDate>, String> {
    match t.get(k) {
        None => Ok(None),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| format!("{k} '{s}' is not a date (YYYY-MM-DD)")),
        Some(Value::Datetime(d)) => d.to_string().parse().map(Some).map_err(|_| format!("{k} '{d}' is not a date (YYYY-MM-DD)")),
        Some(v) => Err(format!("{k} '{v}' is not a date (YYYY-MM-DD)")),
    }
}

/// A decimal written as a string, an integer or a float (floats via their shortest exact text).
fn decimal_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(f.to_string()),
        other => Err(format!("'{other}' is not a number")),
    }
}

pub(super) fn dec6(v: &Value) -> Result<Dec6, String> {
    let s = decimal_text(v)?;
    let d = Dec6::parse(&s).map_err(|e| e.to_string())?;
    if d.0 < 0 {
        return Err(format!("'{s}' must not be negative"));
    }
    Ok(d)
}

pub(super) fn rate(v: &Value) -> Result<Dec6, String> {
    let d = dec6(v)?;
    if d > Dec6::ONE {
        return Err(format!("rate {d} is above 1 (write 0.2 for 20%)"));
    }
    Ok(d)
}

pub(super) fn yuan(v: &Value) -> Result<Fen, String> {
    parse_yuan_nonneg(&decimal_text(v)?).map_err(|e| e.to_string())
}

pub(super) fn count(v: &Value) -> Result<u32, String> {
    v.as_integer().and_then(|i| u32::try_from(i).ok()).ok_or_else(|| format!("'{v}' is not a whole number ≥ 0"))
}

pub(super) fn month(v: &Value) -> Result<YearMonth, String> {
    v.as_str().ok_or_else(|| format!("'{v}' is not a month (YYYY-MM)"))?.parse::<YearMonth>().map_err(|e| e.to_string())
}

pub(super) fn boolean(v: &Value) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("'{v}' is not true or false"))
}

pub(super) fn brackets(v: &Value) -> Result<Brackets, String> {
    let arr = v.as_array().ok_or("brackets must be a list")?;
    let mut out: Vec<Bracket> = Vec::new();
    for (i, b) in arr.iter().enumerate() {
        let t = b.as_table().ok_or(format!("bracket {i} must be a table {{ up_to, rate }}"))?;
        if let Some(k) = t.keys().find(|k| *k != "up_to" && *k != "rate") {
            return Err(format!("bracket {i}: unknown field '{k}'"));
        }
        let r = rate(t.get("rate").ok_or(format!("bracket {i} has no rate"))?)?;
        let up = t.get("up_to").map(yuan).transpose().map_err(|e| format!("bracket {i}: {e}"))?;
        if let (Some(prev), Some(up)) = (out.last().and_then(|b| b.up_to_fen), up)
            && up <= prev
        {
            return Err(format!("bracket {i}: limits must rise"));
        }
        if out.last().is_some_and(|b| b.up_to_fen.is_none()) {
            return Err(format!("bracket {i}: comes after the open last bracket"));
        }
        out.push(Bracket { up_to_fen: up, rate: r });
    }
    match out.last() {
        Some(b) if b.up_to_fen.is_none() => Ok(Brackets(out)),
        Some(_) => Err("the last bracket must have no up_to (it takes every higher income)".into()),
        None => Err("needs at least one bracket".into()),
    }
}

/// The subsidy share by income band: one share for every income under the ceiling ("0.40"), or
/// a list of `{ up_to, share }` with rising inclusive limits in yuan, the last with none.
pub(super) fn subsidy_bands(v: &Value) -> Result<SubsidyBands, String> {
    let Some(arr) = v.as_array() else {
        return rate(v).map(SubsidyBands::flat).map_err(|e| format!("{e} (write one share, or a list of {{ up_to, share }})"));
    };
    let mut out: Vec<SubsidyBand> = Vec::new();
    for (i, b) in arr.iter().enumerate() {
        let t = b.as_table().ok_or(format!("band {i} must be a table {{ up_to, share }}"))?;
        if let Some(k) = t.keys().find(|k| *k != "up_to" && *k != "share") {
            return Err(format!("band {i}: unknown field '{k}'"));
        }
        let share = rate(t.get("share").ok_or(format!("band {i} has no share"))?).map_err(|e| format!("band {i}: {e}"))?;
        let up = t.get("up_to").map(yuan).transpose().map_err(|e| format!("band {i}: {e}"))?;
        if out.last().is_some_and(|b| b.up_to_fen.is_none()) {
            return Err(format!("band {i}: comes after the open last band"));
        }
        if let (Some(prev), Some(up)) = (out.last().and_then(|b| b.up_to_fen), up)
            && up <= prev
        {
            return Err(format!("band {i}: limits must rise"));
        }
        out.push(SubsidyBand { up_to_fen: up, share });
    }
    match out.last() {
        Some(b) if b.up_to_fen.is_none() => Ok(SubsidyBands(out)),
        Some(_) => Err("the last band must have no up_to (it runs up to subsidy_income_below)".into()),
        None => Err("needs at least one band".into()),
    }
}

pub(super) fn divisor_table(v: &Value) -> Result<DivisorTable, String> {
    let t = v.as_table().ok_or("must be a table of age = months")?;
    let mut out = BTreeMap::new();
    for (age, months) in t {
        let a: u32 = age.parse().map_err(|_| format!("age '{age}' is not a whole number"))?;
        out.insert(a, count(months)?);
    }
    let ages: Vec<u32> = out.keys().copied().collect();
    if ages.windows(2).any(|w| w[1] != w[0] + 1) || ages.is_empty() {
        return Err("ages must be consecutive".into());
    }
    if out.values().collect::<Vec<_>>().windows(2).any(|w| w[1] >= w[0]) {
        return Err("divisors must fall as age rises".into());
    }
    Ok(DivisorTable(out))
}

pub(super) fn reform(v: &Value) -> Result<Reform, String> {
    let t = v.as_table().ok_or("must be a table of categories")?;
    let mut out = BTreeMap::new();
    for (name, r) in t {
        let cat = Category::parse(name).ok_or(format!("unknown category '{name}' (male, female55, female50)"))?;
        let r = r.as_table().ok_or(format!("{name} must be a table"))?;
        let get = |k: &str| r.get(k).ok_or(format!("{name}.{k} is missing"));
        let start = get("start_birth_month")?.as_str().ok_or(format!("{name}.start_birth_month must be YYYY-MM"))?;
        let rule = ReformRule {
            start_birth_month: start.parse::<YearMonth>().map_err(|e| e.to_string())?,
            original_age_years: count(get("original_age_years")?)?,
            step_birth_months: count(get("step_birth_months")?)?.max(1),
            max_delay_months: count(get("max_delay_months")?)?,
        };
        out.insert(cat, rule);
    }
    for c in [Category::Male, Category::Female55, Category::Female50] {
        if !out.contains_key(&c) {
            return Err(format!("category {} is missing", c.as_str()));
        }
    }
    Ok(Reform(out))
}

pub(super) fn min_years(v: &Value) -> Result<MinYearsRule, String> {
    let t = v.as_table().ok_or("must be a table")?;
    let get = |k: &str| t.get(k).ok_or(format!("{k} is missing")).and_then(count);
    Ok(MinYearsRule {
        base_months: get("base_months")?,
        first_rise_year: i32::try_from(get("first_rise_year")?).map_err(|e| e.to_string())?,
        rise_months_per_year: get("rise_months_per_year")?,
        max_months: get("max_months")?,
    })
}

pub(super) fn grades(v: &Value) -> Result<Vec<Fen>, String> {
    let arr = v.as_array().ok_or("must be a list of yuan amounts")?;
    let g: Vec<Fen> = arr.iter().map(yuan).collect::<Result<_, _>>()?;
    if g.is_empty() || g.windows(2).any(|w| w[1] <= w[0]) {
        return Err("grades must rise".into());
    }
    Ok(g)
}

pub(super) fn shortfall(v: &Value) -> Result<crate::fund::Shortfall, String> {
    v.as_str().and_then(crate::fund::Shortfall::parse).ok_or(format!("'{v}' is not queue or prorate"))
}

pub(super) fn category(v: &Value) -> Result<Category, String> {
    v.as_str().and_then(Category::parse).ok_or(format!("'{v}' is not male, female55 or female50"))
}
