//! The mainland provinces from `params/provinces.toml`: the two-letter code the parameter files
//! use (`zj`), the GB/T 2260 prefix (`33`, the first two digits of every administrative division
//! code) and the names. Transfers decide by province, and a worker's hukou is a division code.

use super::ParamError;
use super::model::Confidence;
use crate::explain::Text;
use crate::params::Source;
use std::collections::BTreeMap;
use toml::{Table, Value};

/// One province (省级行政区).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    /// Two lower-case letters (ISO 3166-2:CN without `CN-`), as region files use.
    pub code: String,
    /// The GB/T 2260 prefix: two digits.
    pub prefix: String,
    pub name_zh: String,
    pub name_en: String,
}

/// The province list and where it comes from.
#[derive(Debug, Clone, Default)]
pub struct Provinces {
    pub list: Vec<Province>,
    pub source: String,
    pub confidence: Option<Confidence>,
    pub note: Option<Text>,
}

/// Why a code names no province.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionError {
    #[error("'{0}' is not a 6-digit administrative division code")]
    Shape(String),
    #[error("'{code}' starts with {prefix}, which is no mainland province prefix (GB/T 2260)")]
    Prefix { code: String, prefix: String },
}

fn invalid(file: &str, key: &str, problem: impl Into<String>) -> ParamError {
    ParamError::Invalid { file: file.to_string(), key: key.to_string(), problem: problem.into() }
}

impl Provinces {
    /// Read `provinces.toml`: `source`, `confidence`, optional notes, and `[[province]]` tables.
    pub(crate) fn read(file: &str, text: &str, sources: &BTreeMap<String, Source>) -> Result<Provinces, ParamError> {
        let mut t: Table = text.parse().map_err(|e: toml::de::Error| ParamError::Syntax { file: file.into(), message: e.to_string() })?;
        let text_of = |t: &mut Table, k: &str| match t.remove(k) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            _ => Err(invalid(file, k, "missing or not a text")),
        };
        let source = text_of(&mut t, "source")?;
        if !sources.contains_key(&source) {
            return Err(invalid(file, "source", format!("'{source}' is not in sources.toml")));
        }
        let conf = text_of(&mut t, "confidence")?;
        let confidence =
            Confidence::parse(&conf).ok_or_else(|| invalid(file, "confidence", format!("'{conf}' is not a confidence tag")))?;
        let note = match (t.remove("note_zh"), t.remove("note_en")) {
            (Some(Value::String(zh)), Some(Value::String(en))) => Some(Text::new(zh, en)),
            (None, None) => None,
            _ => return Err(invalid(file, "note_zh", "give a note in both note_zh and note_en, or neither")),
        };
        let rows = match t.remove("province") {
            Some(Value::Array(a)) => a,
            _ => return Err(invalid(file, "province", "missing: a list of [[province]] tables")),
        };
        if let Some(k) = t.keys().next() {
            return Err(invalid(file, k, "unknown key (a typo?)"));
        }
        let mut list: Vec<Province> = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            let at = format!("province[{i}]");
            let Value::Table(mut row) = row else { return Err(invalid(file, &at, "must be a table")) };
            let mut field = |k: &str| text_of(&mut row, k).map_err(|_| invalid(file, &format!("{at}.{k}"), "missing or not a text"));
            let p = Province { code: field("code")?, prefix: field("prefix")?, name_zh: field("name_zh")?, name_en: field("name_en")? };
            if let Some(k) = row.keys().next() {
                return Err(invalid(file, &format!("{at}.{k}"), "unknown field"));
            }
            if p.code.len() != 2 || !p.code.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(invalid(file, &format!("{at}.code"), format!("'{}' is not two lower-case letters", p.code)));
            }
            if p.prefix.len() != 2 || !p.prefix.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(file, &format!("{at}.prefix"), format!("'{}' is not two digits", p.prefix)));
            }
            if list.iter().any(|q| q.code == p.code || q.prefix == p.prefix) {
                return Err(invalid(file, &at, format!("{} / {} is listed twice", p.code, p.prefix)));
            }
            list.push(p);
        }
        if list.is_empty() {
            return Err(invalid(file, "province", "has no provinces"));
        }
        Ok(Provinces { list, source, confidence: Some(confidence), note })
    }

    /// The province named by its two-letter code (`zj`, any case) or its two-digit prefix (`33`).
    pub fn find(&self, code: &str) -> Option<&Province> {
        let c = code.trim().to_ascii_lowercase();
        self.list.iter().find(|p| p.code == c || p.prefix == c)
    }

    /// The province of a 6-digit administrative division code (`330106` is Zhejiang).
    pub fn of_division(&self, code: &str) -> Result<&Province, DivisionError> {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DivisionError::Shape(code.to_string()));
        }
        let prefix = &code[..2];
        self.list
            .iter()
            .find(|p| p.prefix == prefix)
            .ok_or_else(|| DivisionError::Prefix { code: code.to_string(), prefix: prefix.to_string() })
    }

    /// The known codes, for error messages: `ah, bj, ...`.
    pub fn codes(&self) -> String {
        self.list.iter().map(|p| p.code.as_str()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use crate::params::Params;

    #[test]
    fn provinces_by_code_prefix_and_division() {
        let p = Params::embedded().unwrap();
        let pr = &p.provinces;
        assert_eq!(pr.list.len(), 31);
        assert_eq!(pr.find("zj").map(|p| p.prefix.as_str()), Some("33"));
        assert_eq!(pr.find("34").map(|p| p.code.as_str()), Some("ah"));
        assert_eq!(pr.find("SH").map(|p| p.name_en.as_str()), Some("Shanghai"));
        assert!(pr.find("xx").is_none() && pr.find("99").is_none());
        assert_eq!(pr.of_division("330106").map(|p| p.code.as_str()), Ok("zj"));
        assert_eq!(pr.of_division("340102").map(|p| p.code.as_str()), Ok("ah"));
        assert!(pr.of_division("990101").unwrap_err().to_string().contains("no mainland province prefix"));
        assert!(pr.of_division("81000").unwrap_err().to_string().contains("6-digit"));
        assert!(pr.of_division("810000").is_err(), "Hong Kong is not in the mainland list");
        // Every region file names a province.
        for code in p.region_codes() {
            assert!(pr.find(code).is_some(), "{code}");
        }
    }
}
