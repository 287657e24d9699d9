//! Reading and checking the parameter files. Pure: takes file names and texts, not paths.

use super::ParamError;
use super::convert::{boolean, brackets, category, date_field, dec6, rate, subsidy_bands, yuan};
use super::model::*;
use super::national::read_national;
use super::provinces::Provinces;
use crate::explain::Text;
use crate::money::yuan as yuan_text;
use crate::workdays::{Calendar, HolidayYear};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use toml::{Table, Value};

/// The parameter files compiled into the binary, so it runs from anywhere; `--params DIR`
/// reads the same files from disk instead.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("sources.toml", include_str!("../../../../params/sources.toml")),
    ("national.toml", include_str!("../../../../params/national.toml")),
    ("regions/ah.toml", include_str!("../../../../params/regions/ah.toml")),
    ("regions/zj.toml", include_str!("../../../../params/regions/zj.toml")),
    ("policies/current.toml", include_str!("../../../../params/policies/current.toml")),
    ("policies/paper.toml", include_str!("../../../../params/policies/paper.toml")),
    ("overlays/paper-2024.toml", include_str!("../../../../params/overlays/paper-2024.toml")),
    ("provinces.toml", include_str!("../../../../params/provinces.toml")),
    ("holidays/2025.toml", include_str!("../../../../params/holidays/2025.toml")),
    ("holidays/2026.toml", include_str!("../../../../params/holidays/2026.toml")),
];

/// All the rule data, checked.
#[derive(Debug, Clone)]
pub struct Params {
    pub sources: BTreeMap<String, Source>,
    pub national: National,
    pub regions: BTreeMap<String, Region>,
    pub policies: BTreeMap<String, Policy>,
    pub overlays: BTreeMap<String, Overlay>,
    /// The mainland provinces (GB/T 2260 prefixes and the two-letter codes).
    pub provinces: Provinces,
    pub(crate) calendar: Calendar,
}

impl Params {
    /// The parameters compiled into the binary.
    pub fn embedded() -> Result<Params, ParamError> {
        let files: Vec<(String, String)> = EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        Params::load(&files)
    }

    /// Load from (relative file name, text) pairs: `sources.toml`, `national.toml`,
    /// `regions/*.toml`, `policies/*.toml`, `overlays/*.toml`, `holidays/*.toml`.
    pub fn load(files: &[(String, String)]) -> Result<Params, ParamError> {
        let find = |name: &str| {
            files
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| ParamError::Syntax { file: name.to_string(), message: "file is missing".into() })
        };
        let (sf, st) = find("sources.toml")?;
        let sources = read_sources(sf, st)?;
        let (nf, nt) = find("national.toml")?;
        let national = read_national(Reader::new(nf, nt, &sources)?)?;
        let (pf, pt) = find("provinces.toml")?;
        let provinces = Provinces::read(pf, pt, &sources)?;
        let mut regions = BTreeMap::new();
        let mut policies = BTreeMap::new();
        let mut overlays = BTreeMap::new();
        let mut years = Vec::new();
        for (name, text) in files {
            let dir = name.split_once('/').map(|(d, _)| d);
            match dir {
                Some("regions") => {
                    let r = read_region(Reader::new(name, text, &sources)?)?;
                    regions.insert(r.code.clone(), r);
                }
                Some("policies") => {
                    let p = read_policy(Reader::new(name, text, &sources)?)?;
                    policies.insert(p.name.clone(), p);
                }
                Some("overlays") => {
                    let o = read_overlay(Reader::new(name, text, &sources)?)?;
                    overlays.insert(o.name.clone(), o);
                }
                Some("holidays") => years.push(read_holidays(Reader::new(name, text, &sources)?)?),
                _ => {}
            }
        }
        for r in regions.values() {
            if provinces.find(&r.code).is_none() {
                return Err(invalid(&r.base_lower.file, "region.code", format!("'{}' is not a province code in provinces.toml", r.code)));
            }
            super::cities::check(r, &provinces)?;
            if !policies.contains_key(&r.default_policy) {
                return Err(invalid(&r.base_lower.file, "region.default_policy", format!("no policy named '{}'", r.default_policy)));
            }
        }
        for o in overlays.values() {
            let r = regions.get(&o.region).ok_or_else(|| invalid(&o.file, "overlay.region", format!("no region '{}'", o.region)))?;
            o.apply(&mut r.clone())?;
        }
        Ok(Params { sources, national, regions, policies, overlays, provinces, calendar: Calendar::new(years) })
    }
}

/// The first key left in a table once every known key was taken (dotted, e.g. `a.b`): a
/// file with a key nobody reads has a typo.
pub fn leftover_key(t: &Table) -> Option<String> {
    fn walk(prefix: &str, t: &Table) -> Option<String> {
        t.iter().find_map(|(k, v)| match v {
            Value::Table(inner) if inner.is_empty() => None,
            Value::Table(inner) => walk(&format!("{prefix}{k}."), inner),
            _ => Some(format!("{prefix}{k}")),
        })
    }
    walk("", t)
}

/// Remove the value at a dotted path ("injury_premium.ride_hailing") from a TOML table, so that
/// whatever is left after reading a file is an unknown key. Other data files (the simulation's)
/// read the same way.
pub fn take_path(table: &mut Table, path: &str) -> Option<Value> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop()?;
    let mut t = table;
    for p in parts {
        t = t.get_mut(p)?.as_table_mut()?;
    }
    t.remove(last)
}

pub(super) fn invalid(file: &str, key: &str, problem: impl Into<String>) -> ParamError {
    ParamError::Invalid { file: file.to_string(), key: key.to_string(), problem: problem.into() }
}

fn read_sources(file: &str, text: &str) -> Result<BTreeMap<String, Source>, ParamError> {
    let table: Table = text.parse().map_err(|e: toml::de::Error| ParamError::Syntax { file: file.into(), message: e.to_string() })?;
    let mut out = BTreeMap::new();
    for (id, v) in table {
        let t = v.as_table().ok_or_else(|| invalid(file, &id, "a source must be a table"))?;
        let field = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        if field("title").is_empty() {
            return Err(invalid(file, &id, "a source needs a title"));
        }
        out.insert(id.clone(), Source { id, title: field("title"), doc_no: field("doc_no"), url: field("url") });
    }
    Ok(out)
}

/// Takes keys out of one file's table; whatever is left at the end is an unknown key.
pub(super) struct Reader<'a> {
    pub(super) file: &'a str,
    table: Table,
    sources: &'a BTreeMap<String, Source>,
}

impl<'a> Reader<'a> {
    fn new(file: &'a str, text: &str, sources: &'a BTreeMap<String, Source>) -> Result<Reader<'a>, ParamError> {
        let table = text.parse().map_err(|e: toml::de::Error| ParamError::Syntax { file: file.into(), message: e.to_string() })?;
        Ok(Reader { file, table, sources })
    }

    fn take(&mut self, path: &str) -> Option<Value> {
        take_path(&mut self.table, path)
    }

    fn text(&mut self, path: &str) -> Result<String, ParamError> {
        match self.take(path) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            _ => Err(invalid(self.file, path, "missing or not a text")),
        }
    }

    fn opt_series<T>(&mut self, key: &str, conv: impl Fn(&Value) -> Result<T, String>) -> Result<Option<Series<T>>, ParamError> {
        let Some(v) = self.take(key) else {
            return Ok(None);
        };
        let arr = v.as_array().ok_or_else(|| invalid(self.file, key, "must be a list of dated values ([[key]] tables)"))?;
        let mut items = Vec::with_capacity(arr.len());
        for (i, rec) in arr.iter().enumerate() {
            let at = format!("{key}[{i}]");
            let t = rec.as_table().ok_or_else(|| invalid(self.file, &at, "a dated value must be a table"))?;
            items.push(self.dated(&at, t, &conv)?);
        }
        let s = Series { key: key.to_string(), file: self.file.to_string(), items };
        check_periods(&s)?;
        Ok(Some(s))
    }

    pub(super) fn series<T>(&mut self, key: &str, conv: impl Fn(&Value) -> Result<T, String>) -> Result<Series<T>, ParamError> {
        self.opt_series(key, conv)?.ok_or_else(|| invalid(self.file, key, "missing"))
    }

    fn dated<T>(&self, at: &str, t: &Table, conv: &impl Fn(&Value) -> Result<T, String>) -> Result<Dated<T>, ParamError> {
        const FIELDS: [&str; 8] = ["effective_from", "effective_to", "value", "source", "confidence", "note_en", "note_zh", "allowed"];
        if let Some(k) = t.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(invalid(self.file, at, format!("unknown field '{k}'")));
        }
        let e = |p: String| invalid(self.file, at, p);
        let from = date_field(t, "effective_from").map_err(e)?.ok_or_else(|| e("effective_from is missing".into()))?;
        let to = date_field(t, "effective_to").map_err(e)?;
        let value = t.get("value").ok_or_else(|| e("value is missing".into()))?;
        let value = conv(value).map_err(|p| e(format!("value: {p}")))?;
        let source = t.get("source").and_then(Value::as_str).unwrap_or("");
        if source.is_empty() {
            return Err(e("source is missing: every value needs one".into()));
        }
        if !self.sources.contains_key(source) {
            return Err(e(format!("source '{source}' is not in sources.toml")));
        }
        let conf = t.get("confidence").and_then(Value::as_str).unwrap_or("");
        let confidence = Confidence::parse(conf).ok_or_else(|| e(format!("confidence '{conf}' is not one of P, S, W, M, C, PROPOSAL")))?;
        let note = match (t.get("note_zh").and_then(Value::as_str), t.get("note_en").and_then(Value::as_str)) {
            (Some(zh), Some(en)) => Some(Text::new(zh, en)),
            (None, None) => None,
            _ => {
                return Err(e("give a note in both note_zh and note_en, or neither".into()));
            }
        };
        let allowed = match t.get("allowed") {
            None => None,
            Some(a) => {
                let a = a.as_array().filter(|a| a.len() == 2).ok_or_else(|| e("allowed must be [min, max]".into()))?;
                let lo = dec6(&a[0]).map_err(|p| e(format!("allowed: {p}")))?;
                let hi = dec6(&a[1]).map_err(|p| e(format!("allowed: {p}")))?;
                Some((lo, hi))
            }
        };
        Ok(Dated { from, to, value, source: source.to_string(), confidence, note, allowed })
    }

    fn done(self) -> Result<(), ParamError> {
        match leftover_key(&self.table) {
            Some(k) => Err(invalid(self.file, &k, "unknown parameter (a typo?)")),
            None => Ok(()),
        }
    }

    /// `value`, once every key of the file has been read: a key left over is a typo.
    pub(super) fn finish<T>(self, value: T) -> Result<T, ParamError> {
        self.done().map(|()| value)
    }
}

/// Periods must start in order, end after they start, and neither overlap nor leave gaps.
fn check_periods<T>(s: &Series<T>) -> Result<(), ParamError> {
    let bad = |p: String| invalid(&s.file, &s.key, p);
    if s.items.is_empty() {
        return Err(bad("has no values".into()));
    }
    for d in &s.items {
        if let Some(to) = d.to
            && to < d.from
        {
            return Err(bad(format!("period {}..{} ends before it starts", d.from, to)));
        }
    }
    for w in s.items.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if b.from <= a.from {
            return Err(bad(format!("values must be in date order with distinct starts: {} then {}", a.from, b.from)));
        }
        if let Some(to) = a.to {
            if to >= b.from {
                return Err(bad(format!("periods overlap: one ends {to}, the next starts {}", b.from)));
            }
            if to.succ_opt() != Some(b.from) {
                return Err(bad(format!("gap between {to} and {}: no value covers the days between", b.from)));
            }
        }
    }
    Ok(())
}

fn read_region(mut r: Reader) -> Result<Region, ParamError> {
    let code = r.text("region.code")?;
    let region = Region {
        name_zh: r.text("region.name_zh")?,
        name_en: r.text("region.name_en")?,
        default_policy: r.text("region.default_policy")?,
        base_lower: r.series("base_lower", yuan)?,
        base_upper: r.series("base_upper", yuan)?,
        benefit_base: r.series("benefit_base", yuan)?,
        female_flexible_category: r.series("female_flexible_category", category)?,
        injury_cover_from: r.series("injury_cover_from", boolean)?,
        platform_bill_due_day: r.series("platform_bill_due_day", crate::platform_bill::due_day)?,
        cities: r.opt_series("cities", super::cities::cities)?,
        code,
    };
    if !r.file.ends_with(&format!("/{}.toml", region.code)) {
        return Err(invalid(r.file, "region.code", format!("'{}' does not match the file name", region.code)));
    }
    r.finish(region)
}

fn read_policy(mut r: Reader) -> Result<Policy, ParamError> {
    let p = Policy {
        name: r.text("policy.name")?,
        title_zh: r.text("policy.title_zh")?,
        title_en: r.text("policy.title_en")?,
        rate_brackets: r.series("rate_brackets", brackets)?,
        personal_account_rate: r.series("personal_account_rate", rate)?,
        subsidy_share: r.series("subsidy_share", subsidy_bands)?,
        subsidy_income_below: r.series("subsidy_income_below", yuan)?,
    };
    check_subsidy(r.file, &p)?;
    r.finish(p)
}

/// Every band's share lies in its record's `allowed` range, and every band limit leaves room
/// below the ceiling in force over the same days: a band the ceiling cuts off is a typo.
fn check_subsidy(file: &str, p: &Policy) -> Result<(), ParamError> {
    let (shares, ceilings) = (&p.subsidy_share.items, &p.subsidy_income_below.items);
    for (i, d) in shares.iter().enumerate() {
        let at = format!("subsidy_share[{i}]");
        for (j, b) in d.value.0.iter().enumerate() {
            if let Some((lo, hi)) = d.allowed
                && !(lo..=hi).contains(&b.share)
            {
                let band = b.up_to_fen.map_or_else(|| "the last band".to_string(), |u| format!("the band up to {} yuan", yuan_text(u)));
                return Err(invalid(file, &at, format!("band {j} ({band}): {} is outside the allowed {lo}..{hi}", b.share)));
            }
        }
        for (k, c) in ceilings.iter().enumerate() {
            if !overlaps((d.from, end_of(shares, i)), (c.from, end_of(ceilings, k))) {
                continue;
            }
            if let Some((j, up)) = d.value.0.iter().enumerate().find_map(|(j, b)| b.up_to_fen.filter(|u| u + 1 >= c.value).map(|u| (j, u)))
            {
                return Err(invalid(
                    file,
                    &at,
                    format!(
                        "band {j} ends at {} yuan, but subsidy_income_below from {} is {} yuan: the bands after it would get no income",
                        yuan_text(up),
                        c.from,
                        yuan_text(c.value)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The last day of record `i` of a contiguous series (`None`: no end).
fn end_of<T>(items: &[Dated<T>], i: usize) -> Option<NaiveDate> {
    items[i].to.or_else(|| items.get(i + 1).and_then(|n| n.from.pred_opt()))
}

fn overlaps(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    a.1.is_none_or(|end| b.0 <= end) && b.1.is_none_or(|end| a.0 <= end)
}

fn read_overlay(mut r: Reader) -> Result<Overlay, ParamError> {
    let o = Overlay {
        name: r.text("overlay.name")?,
        file: r.file.to_string(),
        region: r.text("overlay.region")?,
        title_zh: r.text("overlay.title_zh")?,
        title_en: r.text("overlay.title_en")?,
        base_lower: r.opt_series("base_lower", yuan)?,
        base_upper: r.opt_series("base_upper", yuan)?,
        benefit_base: r.opt_series("benefit_base", yuan)?,
    };
    r.finish(o)
}

fn read_holidays(mut r: Reader) -> Result<HolidayYear, ParamError> {
    let file = r.file.to_string();
    let e = |k: &str, p: String| invalid(&file, k, p);
    let year =
        r.take("year").and_then(|v| v.as_integer()).and_then(|y| i32::try_from(y).ok()).ok_or_else(|| e("year", "missing".into()))?;
    let source = r.text("source")?;
    if !r.sources.contains_key(&source) {
        return Err(e("source", format!("'{source}' is not in sources.toml")));
    }
    let conf = r.text("confidence")?;
    let confidence = Confidence::parse(&conf).ok_or_else(|| e("confidence", format!("'{conf}' is not a confidence tag")))?;
    let stated = r.take("working_days_in_year").and_then(|v| v.as_integer());
    let mut dates = |k: &str| -> Result<BTreeSet<NaiveDate>, ParamError> {
        let v = r.take(k).ok_or_else(|| e(k, "missing".into()))?;
        let arr = v.as_array().ok_or_else(|| e(k, "must be a list of dates".into()))?;
        let mut set = BTreeSet::new();
        for d in arr {
            let s = d.as_str().unwrap_or("");
            let date: NaiveDate = s.parse().map_err(|_| e(k, format!("'{d}' is not a date (YYYY-MM-DD)")))?;
            if chrono::Datelike::year(&date) != year {
                return Err(e(k, format!("{date} is not in {year}")));
            }
            if !set.insert(date) {
                return Err(e(k, format!("{date} is listed twice")));
            }
        }
        Ok(set)
    };
    let off = dates("off_days")?;
    let makeup = dates("makeup_workdays")?;
    if let Some(d) = off.intersection(&makeup).next() {
        return Err(e("makeup_workdays", format!("{d} is both an off day and a make-up working day")));
    }
    r.done()?;
    let y = HolidayYear { year, off, makeup, source, confidence };
    if let Some(stated) = stated
        && i64::from(y.working_days()) != stated
    {
        return Err(e("working_days_in_year", format!("says {stated}, but the lists give {}", y.working_days())));
    }
    Ok(y)
}
