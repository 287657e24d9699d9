//! The one message catalogue of the web page: `i18n/ui.toml`, compiled in.

use flexpension_rules::{Lang, Text};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub const SOURCE: &str = include_str!("../../i18n/ui.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub zh: String,
    pub en: String,
}

/// Parsed once. A broken catalogue shows keys instead of words (and fails the tests), never panics.
pub static CATALOGUE: LazyLock<BTreeMap<String, Entry>> = LazyLock::new(|| toml::from_str(SOURCE).unwrap_or_default());

/// The page's language, with the lookups templates need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    pub lang: Lang,
}

impl Ui {
    pub fn new(lang: Lang) -> Ui {
        Ui { lang }
    }

    pub fn parse(code: Option<&str>) -> Ui {
        Ui::new(if code.is_some_and(|c| c.trim().eq_ignore_ascii_case("en")) { Lang::En } else { Lang::Zh })
    }

    /// The text of `key`; the key itself when missing (a test makes sure none is).
    pub fn t<'k>(&self, key: &'k str) -> &'k str {
        match CATALOGUE.get(key) {
            Some(e) if self.lang == Lang::En => &e.en,
            Some(e) => &e.zh,
            None => key,
        }
    }

    /// The text of `key` with `{name}` placeholders filled in.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        args.iter().fold(self.t(key).to_string(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
    }

    /// One of a bilingual pair from the rules core.
    pub fn pick<'a>(&self, t: &'a Text) -> &'a str {
        t.get(self.lang)
    }

    /// `lang` attribute of the page.
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The `lang` query value of the other language, for the switch link.
    pub fn other_code(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        }
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys the code and templates name: `t("key")`, `f("key"` and `"key"` string literals of
    /// the catalogue's shape in the web code.
    fn used_keys() -> Vec<String> {
        let sources = [
            include_str!("mod.rs"),
            include_str!("results.rs"),
            include_str!("charts.rs"),
            include_str!("../../templates/page.html"),
            include_str!("../../templates/results.html"),
            include_str!("../../templates/switch.html"),
            include_str!("../../templates/not_found.html"),
            include_str!("people.rs"),
            include_str!("login.rs"),
            include_str!("../../templates/people/base.html"),
            include_str!("../../templates/people/login.html"),
            include_str!("../../templates/people/denied.html"),
            include_str!("../../templates/people/me.html"),
            include_str!("../../templates/people/listing.html"),
        ];
        let mut keys = Vec::new();
        for s in sources {
            for call in [".t(", ".f("] {
                for part in s.split(call).skip(1) {
                    if let Some(k) = part.trim_start().strip_prefix('"').and_then(|p| p.split('"').next()) {
                        keys.push(k.to_string());
                    }
                }
            }
            // Keys passed around as values: ("current", "col_current"), "err_income", ...
            for part in s.split('"').skip(1).step_by(2) {
                if (["col_", "err_", "ledger_", "c_", "standing_"].iter().any(|p| part.starts_with(p)) || part.ends_with("_title"))
                    && !part.ends_with('_')
                {
                    keys.push(part.to_string());
                }
            }
        }
        // Built at run time from the confidence codes of the rules core.
        keys.extend(["P", "S", "W", "M", "C", "PROPOSAL"].iter().map(|c| format!("conf_{c}")));
        // Built at run time from the store's scheme names (the worker's page).
        keys.extend(flexpension_store::Scheme::ALL.iter().map(|s| format!("scheme_{}", s.as_str())));
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn catalogue_parses_and_every_key_has_both_languages() {
        let parsed: BTreeMap<String, Entry> = toml::from_str(SOURCE).expect("ui.toml parses");
        assert!(parsed.len() > 50);
        let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for (k, e) in &parsed {
            assert!(!e.zh.trim().is_empty() && !e.en.trim().is_empty(), "{k} lacks a language");
            // The language switch shows the other language's own name, so it is the exception.
            if k != "other_lang" {
                assert!(cjk(&e.zh), "{k}: zh has no Chinese: {}", e.zh);
                assert!(!cjk(&e.en) || e.en.contains("缴费基数"), "{k}: en has Chinese: {}", e.en);
            }
            // The same placeholders in both languages.
            let holes = |s: &str| {
                let mut h: Vec<String> = s.split('{').skip(1).filter_map(|p| p.split('}').next()).map(str::to_string).collect();
                h.sort();
                h
            };
            assert_eq!(holes(&e.zh), holes(&e.en), "{k}: placeholders differ");
        }
    }

    #[test]
    fn every_key_used_exists_and_every_key_is_used() {
        let used = used_keys();
        for k in &used {
            assert!(CATALOGUE.contains_key(k), "'{k}' is used but not in ui.toml");
        }
        for k in CATALOGUE.keys() {
            assert!(used.contains(k), "'{k}' is in ui.toml but never used");
        }
    }

    #[test]
    fn lookups() {
        let zh = Ui::parse(None);
        let en = Ui::parse(Some("EN"));
        assert_eq!((zh.html_lang(), en.html_lang()), ("zh-CN", "en"));
        assert_eq!(zh.t("submit"), "计算");
        assert_eq!(en.f("years_n", &[("n", "15")]), "15 y");
        assert_eq!(en.t("no_such_key"), "no_such_key");
    }
}
