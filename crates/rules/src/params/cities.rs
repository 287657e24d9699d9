//! A region's prefecture-level cities (地级市): the GB/T 2260 code (the first four digits of a
//! division code, `3301`), the names, and the prefix this deployment's grid codes use for the
//! city (`hz` in `hz-xh-001`). The special fund reports by city (the grid code before its first
//! '-'); the pages show the city's name for that key. A dated list in the region file
//! (`[[cities]]`, its `value` an array of tables), optional: a region without one shows keys.

use super::{ParamError, Params, Provinces, Region};
use crate::explain::{Lang, ParamUse};
use chrono::NaiveDate;
use serde::Serialize;
use toml::Value;

/// One prefecture-level city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct City {
    /// GB/T 2260: four digits, the province's two first.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The prefix of the city's grid codes here (lower-case letters and digits, not all
    /// digits); empty when grid codes start with the city's digits instead.
    pub grid: String,
}

impl City {
    pub fn name(&self, lang: Lang) -> &str {
        if lang.is_en() { &self.name_en } else { &self.name_zh }
    }
}

/// A region's cities, in the file's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cities(pub Vec<City>);

impl Cities {
    /// The city a key names: its code (`3301`), a division or grid code that starts with its
    /// digits (`330106`, `3301-xh`), or its grid prefix (`hz`, any case).
    pub fn find(&self, key: &str) -> Option<&City> {
        let k = key.trim().to_ascii_lowercase();
        let digits = k.len() >= 4 && k.bytes().take(4).all(|b| b.is_ascii_digit());
        self.0.iter().find(|c| if digits { k.starts_with(&c.code) } else { !c.grid.is_empty() && c.grid == k })
    }
}

/// The list as a region file gives it: `[{ code, name_zh, name_en, grid }, ...]`, each code and
/// grid prefix once.
pub(super) fn cities(v: &Value) -> Result<Cities, String> {
    let rows = v.as_array().filter(|a| !a.is_empty()).ok_or("must be a non-empty list of { code, name_zh, name_en, grid } tables")?;
    let mut out: Vec<City> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let t = row.as_table().ok_or_else(|| format!("city {i} must be a table"))?;
        if let Some(k) = t.keys().find(|k| !["code", "name_zh", "name_en", "grid"].contains(&k.as_str())) {
            return Err(format!("city {i}: unknown field '{k}'"));
        }
        let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::trim).unwrap_or("").to_string();
        let c = City { code: text("code"), name_zh: text("name_zh"), name_en: text("name_en"), grid: text("grid") };
        if c.code.len() != 4 || !c.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("city {i}: code '{}' is not four digits (GB/T 2260)", c.code));
        }
        if c.name_zh.is_empty() || c.name_en.is_empty() {
            return Err(format!("city {}: give name_zh and name_en", c.code));
        }
        let grid_ok = c.grid.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) && !c.grid.bytes().all(|b| b.is_ascii_digit());
        if t.contains_key("grid") && !grid_ok {
            return Err(format!("city {}: grid '{}' must be lower-case letters and digits, not digits alone", c.code, c.grid));
        }
        if let Some(o) = out.iter().find(|o| o.code == c.code || (!c.grid.is_empty() && o.grid == c.grid)) {
            return Err(format!("city {}: its code or grid prefix is {}'s too", c.code, o.code));
        }
        out.push(c);
    }
    Ok(Cities(out))
}

/// Every city of `r` lies in its province: the code starts with the province's GB/T prefix.
pub(super) fn check(r: &Region, provinces: &Provinces) -> Result<(), ParamError> {
    let (Some(list), Some(p)) = (&r.cities, provinces.find(&r.code)) else { return Ok(()) };
    for d in &list.items {
        if let Some(c) = d.value.0.iter().find(|c| !c.code.starts_with(&p.prefix)) {
            return Err(super::load::invalid(
                &list.file,
                &list.key,
                format!("{} {} is not in {} (its codes start with {})", c.code, c.name_en, p.name_en, p.prefix),
            ));
        }
    }
    Ok(())
}

impl Params {
    /// The region's cities in force on `day`, with the parameter's use; `None` when the region
    /// lists none (or none for that day).
    pub fn cities(&self, region: &str, day: NaiveDate) -> Option<(&Cities, ParamUse)> {
        let list = self.region(region).ok()?.cities.as_ref()?;
        self.lookup(list, day, |c| format!("{} cities", c.0.len())).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("day")
    }

    #[test]
    fn zhejiangs_eleven_cities_by_code_division_or_grid_prefix() {
        let p = Params::embedded().expect("params");
        let (c, u) = p.cities("zj", day("2026-01-01")).expect("zj lists its cities");
        assert_eq!((c.0.len(), u.source.as_str()), (11, "GBT2260"));
        assert_eq!(c.0.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), (1..=11).map(|n| format!("33{n:02}")).collect::<Vec<_>>());
        let hz = c.find("3301").expect("3301");
        assert_eq!((hz.name(Lang::Zh), hz.name(Lang::En)), ("杭州市", "Hangzhou"));
        assert_eq!(c.find("hz").map(|c| c.code.as_str()), Some("3301"));
        assert_eq!(c.find("HZ").map(|c| c.code.as_str()), Some("3301"));
        assert_eq!(c.find("330302").map(|c| c.name_en.as_str()), Some("Wenzhou"));
        assert_eq!(c.find("3311").map(|c| c.name_zh.as_str()), Some("丽水市"));
        assert_eq!(c.find("huz").map(|c| c.code.as_str()), Some("3305"), "Huzhou's grids are not Hangzhou's");
        for none in ["g1", "3401", "33", ""] {
            assert!(c.find(none).is_none(), "{none}");
        }
        assert!(p.cities("ah", day("2026-01-01")).is_none(), "Anhui lists none: its keys are shown");
    }

    #[test]
    fn a_bad_list_is_refused_naming_the_city() {
        let t = |s: &str| -> Value { s.parse::<toml::Table>().expect("toml")["v"].clone() };
        let good = r#"v = [{ code = "3301", name_zh = "杭州市", name_en = "Hangzhou", grid = "hz" }]"#;
        assert_eq!(cities(&t(good)).map(|c| c.0.len()), Ok(1));
        for (bad, says) in [
            (r#"v = []"#, "non-empty"),
            (r#"v = [{ code = "331", name_zh = "x", name_en = "x" }]"#, "four digits"),
            (r#"v = [{ code = "3301", name_zh = "", name_en = "x" }]"#, "name_zh"),
            (r#"v = [{ code = "3301", name_zh = "杭州市", name_en = "Hangzhou", grid = "Hz" }]"#, "lower-case"),
            (r#"v = [{ code = "3301", name_zh = "杭州市", name_en = "Hangzhou", grid = "33" }]"#, "not digits alone"),
            (r#"v = [{ code = "3301", name_zh = "杭州市", name_en = "Hangzhou", town = "x" }]"#, "unknown field 'town'"),
            (
                r#"v = [{ code = "3301", name_zh = "a", name_en = "a", grid = "hz" }, { code = "3305", name_zh = "b", name_en = "b", grid = "hz" }]"#,
                "3301's too",
            ),
        ] {
            let e = cities(&t(bad)).expect_err(bad);
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn a_city_outside_the_province_is_refused_on_loading() {
        let files: Vec<(String, String)> = crate::params::EMBEDDED
            .iter()
            .map(|(n, t)| {
                (n.to_string(), if *n == "regions/zj.toml" { t.replace("code = \"3311\"", "code = \"3411\"") } else { t.to_string() })
            })
            .collect();
        let e = Params::load(&files).expect_err("refused").to_string();
        assert!(e.contains("regions/zj.toml") && e.contains("cities") && e.contains("3411") && e.contains("start with 33"), "{e}");
    }
}
