//! Platforms' overdue bills on the consoles, worked out on every read (nothing is stored, so a
//! paid bill clears its reminder at once): the reminder at the top of a platform's `/platform`
//! (how much, which months, how many days overdue, the due-day rule and its source), and the
//! officer's list of platforms in arrears on `/officer/contracts`, the longest overdue first.

use crate::AppState;
use flexpension_rules::YearMonth;
use flexpension_rules::explain::{Explainer, ParamUse};
use flexpension_rules::money::yuan_grouped;
use flexpension_store::PlatformArrears;
use flexpension_text::Lang;
use std::collections::HashMap;

/// The due-day rule in words, with its source and what the explanation warns of it.
pub struct Rule {
    pub text: String,
    pub source: String,
    pub warnings: Vec<String>,
}

/// The reminder a platform in arrears sees.
pub struct Reminder {
    pub total: String,
    /// One line per overdue month, oldest first.
    pub months: Vec<String>,
    pub rule: Rule,
}

/// A platform in arrears on the officer's list.
pub struct Line {
    pub platform: String,
    pub months: String,
    pub amount: String,
    pub days: String,
}

/// The rule of `uses` (the due-day parameter) in `lang`.
pub fn rule(lang: Lang, uses: &[ParamUse]) -> Rule {
    let Some(u) = uses.first() else { return Rule { text: String::new(), source: String::new(), warnings: Vec::new() } };
    let mut ex = Explainer::new();
    ex.uses(u.clone());
    let e = ex.finish(());
    Rule {
        text: lang.f("contracts.arrears_rule", &[("day", &u.value), ("name", u.name.get(lang))]),
        source: u.source.clone(),
        warnings: e.warnings.iter().map(|w| w.get(lang).to_string()).collect(),
    }
}

/// The rule in force for this month's bill, for a page that has no overdue month to show it by.
pub fn rule_now(s: &AppState, lang: Lang) -> Rule {
    match s.params().platform_bill_due(s.region(), s.this_month()) {
        Ok((_, u)) => rule(lang, &[u]),
        Err(_) => rule(lang, &[]),
    }
}

/// Months in a few words: runs of consecutive months as ranges, and how many when more than
/// one ("2025-09 至 2026-08，共12个月", "2025-09, 2025-11 to 2026-01, 4 months").
pub fn months_list(lang: Lang, months: &[YearMonth]) -> String {
    let mut runs: Vec<(YearMonth, YearMonth)> = Vec::new();
    for &m in months {
        match runs.last_mut() {
            Some(run) if run.1.add_months(1) == Some(m) => run.1 = m,
            _ => runs.push((m, m)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .map(
            |(a, b)| {
                if a == b { a.to_string() } else { lang.f("contracts.months_to", &[("from", &a.to_string()), ("to", &b.to_string())]) }
            },
        )
        .collect();
    let mut out = parts.join(lang.t("contracts.list_sep"));
    if months.len() > 1 {
        out.push_str(&lang.f("contracts.month_count", &[("n", &months.len().to_string())]));
    }
    out
}

fn months_of(a: &PlatformArrears) -> Vec<YearMonth> {
    a.months.iter().map(|m| m.month).collect()
}

/// The reminder of a platform in arrears.
pub fn reminder(lang: Lang, a: &PlatformArrears) -> Reminder {
    let total = lang.f(
        "contracts.arrears_total",
        &[("amount", &yuan_grouped(a.arrears_fen)), ("months", &months_list(lang, &months_of(a))), ("days", &a.longest_days().to_string())],
    );
    let months = a
        .months
        .iter()
        .map(|m| {
            lang.f(
                "contracts.arrears_month",
                &[
                    ("month", &m.month.to_string()),
                    ("amount", &yuan_grouped(m.outstanding_fen)),
                    ("due", &m.due_on.to_string()),
                    ("days", &m.days_overdue.to_string()),
                ],
            )
        })
        .collect();
    Reminder { total, months, rule: rule(lang, &a.uses) }
}

/// The officer's lines, in the order given (the longest overdue first).
pub fn lines(lang: Lang, all: &[PlatformArrears], names: &HashMap<i64, String>) -> Vec<Line> {
    all.iter()
        .map(|a| Line {
            platform: names.get(&a.platform).cloned().unwrap_or_else(|| a.platform.to_string()),
            months: months_list(lang, &months_of(a)),
            amount: yuan_grouped(a.arrears_fen),
            days: a.longest_days().to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(list: &[&str]) -> Vec<YearMonth> {
        list.iter().map(|m| m.parse().expect("month")).collect()
    }

    #[test]
    fn months_in_a_few_words() {
        assert_eq!(months_list(Lang::Zh, &ms(&["2025-09"])), "2025-09");
        assert_eq!(months_list(Lang::Zh, &ms(&["2025-11", "2025-12", "2026-01"])), "2025-11 至 2026-01，共3个月");
        assert_eq!(months_list(Lang::En, &ms(&["2025-09", "2025-11", "2025-12", "2026-01"])), "2025-09, 2025-11 to 2026-01, 4 months");
    }
}
