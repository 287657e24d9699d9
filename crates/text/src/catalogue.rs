//! The catalogue's files, read once into one map from `screen.name` to its texts.

use crate::Lang;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// Each screen's name (the first part of its keys) and its file, compiled in.
pub const SCREENS: &[(&str, &str)] = &[
    ("common", include_str!("../catalogue/common.toml")),
    ("calculator", include_str!("../catalogue/calculator.toml")),
    ("people", include_str!("../catalogue/people.toml")),
    ("console", include_str!("../catalogue/console.toml")),
    ("analyst", include_str!("../catalogue/analyst.toml")),
    ("verify", include_str!("../catalogue/verify.toml")),
    ("ratings", include_str!("../catalogue/ratings.toml")),
    ("fit", include_str!("../catalogue/fit.toml")),
    ("inbox", include_str!("../catalogue/inbox.toml")),
    ("grid", include_str!("../catalogue/grid.toml")),
    ("rights", include_str!("../catalogue/rights.toml")),
    ("unionpage", include_str!("../catalogue/unionpage.toml")),
    ("choice", include_str!("../catalogue/choice.toml")),
    ("kiosk", include_str!("../catalogue/kiosk.toml")),
    ("statement", include_str!("../catalogue/statement.toml")),
    ("fundpage", include_str!("../catalogue/fundpage.toml")),
    ("contracts", include_str!("../catalogue/contracts.toml")),
    ("transfers", include_str!("../catalogue/transfers.toml")),
    ("voucher", include_str!("../catalogue/voucher.toml")),
    ("cli", include_str!("../catalogue/cli.toml")),
    ("params", include_str!("../catalogue/params.toml")),
];

/// One text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub zh: String,
    pub en: String,
}

impl Entry {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Parsed on first use. A file that does not parse leaves its keys missing (they show as
/// themselves, and the tests fail) rather than panicking in a request.
pub(crate) static CATALOGUE: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    let mut all = HashMap::new();
    for (screen, source) in SCREENS {
        let entries: BTreeMap<String, Entry> = toml::from_str(source).unwrap_or_default();
        all.extend(entries.into_iter().map(|(name, e)| (format!("{screen}.{name}"), e)));
    }
    all
});

/// Whether the catalogue has `key`.
pub fn has(key: &str) -> bool {
    CATALOGUE.contains_key(key)
}

/// Every entry with its key, sorted by key.
pub fn entries() -> Vec<(&'static str, &'static Entry)> {
    let mut v: Vec<(&'static str, &'static Entry)> = CATALOGUE.iter().map(|(k, e)| (k.as_str(), e)).collect();
    v.sort_by_key(|(k, _)| *k);
    v
}

/// `text` with each `{name}` replaced by its value in `args`, in one pass.
pub(crate) fn fill(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| args.iter().find(|(k, _)| *k == &after[..close]).map(|(_, v)| (close, *v)));
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_once() {
        assert_eq!(fill("{a} and {b}", &[("a", "{b}"), ("b", "2")]), "{b} and 2");
        assert_eq!(fill("{missing} {", &[("a", "1")]), "{missing} {");
        assert_eq!(fill("no holes", &[]), "no holes");
        assert_eq!(fill("{n}年", &[("n", "15")]), "15年");
    }

    #[test]
    fn every_file_parses() {
        for (screen, source) in SCREENS {
            let parsed: Result<BTreeMap<String, Entry>, _> = toml::from_str(source);
            assert!(parsed.as_ref().is_ok_and(|m| !m.is_empty()), "{screen}.toml: {parsed:?}");
        }
        assert_eq!(entries().len(), CATALOGUE.len());
    }
}
