//! The language of a screen and its lookups.

use crate::catalogue::{CATALOGUE, fill};

/// A language people read the app in. Chinese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// `en` (any case, spaces around allowed) is English; anything else, or nothing, Chinese.
    pub fn parse(code: Option<&str>) -> Lang {
        if code.is_some_and(|c| c.trim().eq_ignore_ascii_case("en")) { Lang::En } else { Lang::Zh }
    }

    /// The code a `lang` query parameter or `--lang` takes: `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of an HTML `lang` attribute (and of a PDF's language tag).
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language: where a language switch leads.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// The text of `key` (`screen.name`) in this language. A missing key is shown as itself,
    /// never a panic; a test makes sure no key the code names is missing.
    pub fn t(self, key: &str) -> &str {
        match CATALOGUE.get(key) {
            Some(e) => e.get(self),
            None => key,
        }
    }

    /// The text of `key` with its `{name}` placeholders filled from `args`. A placeholder
    /// without a value stays as written; values are inserted as given, never read again.
    pub fn f(self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes() {
        assert_eq!(Lang::parse(None), Lang::Zh);
        assert_eq!(Lang::parse(Some(" EN ")), Lang::En);
        assert_eq!(Lang::parse(Some("fr")), Lang::Zh);
        assert_eq!((Lang::Zh.code(), Lang::En.html_lang(), Lang::Zh.other()), ("zh", "en", Lang::En));
        assert!(Lang::En.is_en() && !Lang::default().is_en());
    }

    #[test]
    fn looks_up_and_fills() {
        assert_eq!(Lang::Zh.t("calculator.submit"), "计算");
        assert_eq!(Lang::En.t("calculator.submit"), "Calculate");
        assert_eq!(Lang::En.f("calculator.years_n", &[("n", "15")]), "15 y");
        assert_eq!(Lang::Zh.f("calculator.years_n", &[("n", "15")]), "15年");
        assert_eq!(Lang::En.t("calculator.no_such_key"), "calculator.no_such_key");
    }
}
