//! The calculator form as it arrives in the query string. Lenient on purpose: unknown keys are
//! ignored and every value is kept as typed, so the page can show it back with a message.

use flexpension_rules::YearMonth;

/// The most months the "several months" field takes.
pub const MAX_MONTHS: usize = 12;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub lang: Option<String>,
    pub region: String,
    pub income: String,
    pub month: String,
    pub years: String,
    pub incomes: String,
    pub base: String,
    pub grade: String,
}

impl Form {
    /// Read the query string; missing fields get the page's defaults (the server's region,
    /// this month).
    pub fn parse(query: &str, this_month: YearMonth, region: &str) -> Form {
        let mut f = Form::default();
        for (k, v) in capped_fields(query, |_| 200) {
            match k.as_str() {
                "lang" => f.lang = Some(v),
                "region" => f.region = v,
                "income" => f.income = v,
                "month" => f.month = v,
                "years" => f.years = v,
                "incomes" => f.incomes = v,
                "base" => f.base = v,
                "grade" => f.grade = v,
                _ => {}
            }
        }
        let default = |s: &mut String, d: String| {
            if s.trim().is_empty() {
                *s = d;
            }
        };
        default(&mut f.region, region.into());
        default(&mut f.month, this_month.to_string());
        default(&mut f.years, "15".into());
        default(&mut f.grade, "100".into());
        f
    }

    /// Whether there is anything to calculate: an income was entered.
    pub fn submitted(&self) -> bool {
        !self.income.trim().is_empty()
    }

    /// Whether any of the optional fields was used (to show them open).
    pub fn has_options(&self) -> bool {
        !self.incomes.trim().is_empty() || !self.base.trim().is_empty() || self.grade.trim() != "100"
    }

    /// The same form as a query string, in another language: the language switch link.
    pub fn query_with_lang(&self, lang: &str) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("lang", lang);
        if self.submitted() {
            for (k, v) in [
                ("region", &self.region),
                ("income", &self.income),
                ("month", &self.month),
                ("years", &self.years),
                ("incomes", &self.incomes),
                ("base", &self.base),
                ("grade", &self.grade),
            ] {
                if !v.trim().is_empty() {
                    q.append_pair(k, v);
                }
            }
        }
        q.finish()
    }
}

/// Split "3800, 5200 2600" (commas, Chinese commas, spaces, semicolons) into the amounts.
/// `None` when there are more than [`MAX_MONTHS`].
/// The query's fields in order, each value cut to `cap(name)` characters: a page keeps no more
/// of a field than it can use, whatever a client sends.
pub fn capped_fields<'a>(query: &'a str, cap: impl Fn(&str) -> usize + 'a) -> impl Iterator<Item = (String, String)> + 'a {
    form_urlencoded::parse(query.as_bytes()).map(move |(k, v)| {
        let v = v.chars().take(cap(&k)).collect();
        (k.into_owned(), v)
    })
}

pub fn split_incomes(s: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> =
        s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；')).filter(|p| !p.is_empty()).collect();
    (parts.len() <= MAX_MONTHS).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym() -> YearMonth {
        "2026-11".parse().unwrap()
    }

    #[test]
    fn defaults_and_values() {
        let f = Form::parse("income=3800&month=&x=1", ym(), crate::DEFAULT_REGION);
        assert_eq!((f.income.as_str(), f.month.as_str(), f.years.as_str(), f.grade.as_str()), ("3800", "2026-11", "15", "100"));
        assert!(f.submitted() && !f.has_options());
        let f = Form::parse("", ym(), crate::DEFAULT_REGION);
        assert!(!f.submitted());
        let f = Form::parse("income=1&incomes=1%2C2", ym(), crate::DEFAULT_REGION);
        assert!(f.has_options());
        assert_eq!(f.query_with_lang("en"), "lang=en&region=zj&income=1&month=2026-11&years=15&incomes=1%2C2&grade=100");
    }

    #[test]
    fn splits_incomes() {
        assert_eq!(split_incomes("3800, 5200 2600，100、7;8"), Some(vec!["3800", "5200", "2600", "100", "7", "8"]));
        assert_eq!(split_incomes(" "), Some(vec![]));
        assert_eq!(split_incomes(&"1 ".repeat(13)), None);
    }
}
