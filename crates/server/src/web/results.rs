//! What the calculator page shows, worked out with the same calculators as the API
//! ([`crate::calc`]) and put into words in the page's language.

use super::charts;
use super::form::{Form, split_incomes};
use crate::calc::{self, CalcError, ContributionRequest, ContributionResponse, EstimateRequest, Explanation, NumText, ResidentsRequest};
use flexpension_rules::money::{div_round, trim_decimal, yuan, yuan_grouped};
use flexpension_rules::{Dec6, Params, YearMonth};
use flexpension_text::Lang;

/// The two rule sets compared side by side: today's law and the paper's proposal.
pub const POLICIES: [(&str, &str); 2] = [("current", "calculator.col_current"), ("paper", "calculator.col_paper")];

/// Something the worker has to fix, in their language, with the technical reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub detail: String,
}

pub struct Column {
    pub title: String,
    pub base: String,
    pub rate: String,
    pub contribution: String,
    pub subsidy: String,
    pub net: String,
    pub burden: String,
    pub burden_note: String,
    pub over: bool,
    pub pension: String,
}

pub struct MonthRow {
    pub label: String,
    pub income: String,
    pub nets: Vec<String>,
}

pub struct Months {
    pub intro: String,
    pub rows: Vec<MonthRow>,
    pub totals: Vec<String>,
    pub total_income: String,
    pub ranges: Vec<String>,
    pub chart: String,
}

pub struct SourceLine {
    pub name: String,
    pub value: String,
    pub origin: String,
    pub since: String,
    pub confidence: String,
}

pub struct Results {
    pub heading: String,
    pub columns: Vec<Column>,
    pub pension_hint: String,
    pub same_pension: bool,
    pub residents: String,
    pub chart: String,
    pub min_years_note: String,
    pub months: Option<Months>,
    pub warnings: Vec<String>,
    pub explanations: Vec<(String, Vec<String>)>,
    pub sources: Vec<SourceLine>,
}

/// Everything for one request, or the problems with the form.
pub fn compute(p: &Params, f: &Form, lang: Lang) -> Result<Results, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut all = Vec::new();
    let mut columns = Vec::new();
    let mut explanations = Vec::new();
    let mut pensions = Vec::new();
    for (policy, title_key) in POLICIES {
        let c = calc::contribution(p, &contribution_request(f, &f.income, policy));
        let e = calc::estimate(p, &estimate_request(f, policy, &f.years));
        match (c, e) {
            (Ok(c), Ok(e)) => {
                columns.push(column(lang, lang.t(title_key), &c, e.result.total_fen));
                let steps = c.explanation.steps.iter().chain(&e.explanation.steps).map(|s| s.get(lang).to_string()).collect();
                explanations.push((lang.f("calculator.steps_title", &[("policy", lang.t(title_key))]), steps));
                pensions.push(e.result.total_fen);
                all.push(c.explanation);
                all.push(e.explanation);
            }
            (c, e) => {
                problems.extend(c.err().into_iter().chain(e.err()).map(|e| problem(lang, &e)));
            }
        }
    }
    let residents = calc::residents(p, &residents_request(f, &f.years));
    let residents = match residents {
        Ok(r) => r,
        Err(e) => {
            problems.push(problem(lang, &e));
            return Err(dedup(problems));
        }
    };
    let months = months(p, f, lang);
    let months = match months {
        Ok(m) => m,
        Err(e) => {
            problems.push(e);
            None
        }
    };
    if !problems.is_empty() {
        return Err(dedup(problems));
    }
    explanations.push((
        lang.t("calculator.steps_residents").to_string(),
        residents.explanation.steps.iter().map(|s| s.get(lang).to_string()).collect(),
    ));
    let residents_result = residents.result;
    all.push(residents.explanation);
    let base_fen = calc::estimate(p, &estimate_request(f, "current", "15")).map(|e| e.base_fen).unwrap_or(0);
    let chart = charts::pension_by_years(p, f, lang, base_fen);
    Ok(Results {
        heading: lang.f("calculator.results_for", &[("month", f.month.trim()), ("income", &money(&f.income))]),
        columns,
        pension_hint: lang.f("calculator.row_pension_hint", &[("years", f.years.trim())]),
        same_pension: pensions.windows(2).all(|w| w[0] == w[1]),
        residents: lang.f(
            "calculator.residents_text",
            &[
                ("grade", &plain_yuan(residents_result.grade_fen)),
                ("years", f.years.trim()),
                ("total", &yuan_grouped(residents_result.total_fen)),
            ],
        ),
        chart,
        min_years_note: min_years_note(p, f, lang),
        months,
        warnings: warnings(&all, lang),
        explanations,
        sources: sources(&all, lang),
    })
}

pub fn contribution_request(f: &Form, income: &str, policy: &str) -> ContributionRequest {
    ContributionRequest {
        region: Some(f.region.clone()),
        month: f.month.clone(),
        income: NumText::from(income),
        base: Some(NumText::from(f.base.as_str())),
        policy: Some(policy.into()),
        overlay: None,
    }
}

pub fn estimate_request(f: &Form, policy: &str, years: &str) -> EstimateRequest {
    EstimateRequest {
        region: Some(f.region.clone()),
        policy: Some(policy.into()),
        base: Some(NumText::from(f.base.as_str())),
        month: f.month.clone(),
        years: NumText::from(years),
        age: None,
    }
}

pub fn residents_request(f: &Form, years: &str) -> ResidentsRequest {
    ResidentsRequest {
        grade: NumText::from(f.grade.as_str()),
        years: NumText::from(years),
        month: f.month.clone(),
        income: Some(NumText::from(f.income.as_str())),
    }
}

fn column(lang: Lang, title: &str, c: &ContributionResponse, pension_fen: i64) -> Column {
    let v = &c.result;
    let pct = |s: &str| Dec6::parse(s).map(|d| d.percent()).unwrap_or_else(|_| s.to_string());
    let benchmark = pct(&v.benchmark);
    let (burden, burden_note) = match &v.burden {
        Some(b) if v.over_benchmark => (pct(b), lang.f("calculator.burden_over", &[("benchmark", &benchmark)])),
        Some(b) => (pct(b), lang.f("calculator.burden_ok", &[("benchmark", &benchmark)])),
        None => ("–".into(), lang.t("calculator.burden_none").into()),
    };
    Column {
        title: title.to_string(),
        base: yuan_grouped(v.base_fen),
        rate: pct(&v.rate),
        contribution: yuan_grouped(v.contribution_fen),
        subsidy: yuan_grouped(v.subsidy_fen),
        net: yuan_grouped(v.net_fen),
        burden,
        burden_note,
        over: v.over_benchmark,
        pension: yuan_grouped(pension_fen),
    }
}

/// The several-months table, when incomes were given.
fn months(p: &Params, f: &Form, lang: Lang) -> Result<Option<Months>, Problem> {
    let bad = |detail: String| Problem { message: lang.t("calculator.err_incomes").into(), detail };
    let Some(parts) = split_incomes(&f.incomes) else {
        return Err(bad("more than 12 amounts".into()));
    };
    if parts.is_empty() {
        return Ok(None);
    }
    let mut rows = Vec::new();
    let mut nets: Vec<Vec<i64>> = vec![Vec::new(); POLICIES.len()];
    let mut incomes = Vec::new();
    for (i, income) in parts.iter().enumerate() {
        let mut row =
            MonthRow { label: lang.f("calculator.month_n", &[("n", &(i + 1).to_string())]), income: String::new(), nets: Vec::new() };
        for (j, (policy, _)) in POLICIES.iter().enumerate() {
            let c = calc::contribution(p, &contribution_request(f, income, policy)).map_err(|e| bad(format!("{income}: {}", e.message)))?;
            row.income = yuan_grouped(c.result.income_fen);
            row.nets.push(yuan_grouped(c.result.net_fen));
            nets[j].push(c.result.net_fen);
            if j == 0 {
                incomes.push(c.result.income_fen);
            }
        }
        rows.push(row);
    }
    let total_income: i64 = incomes.iter().sum();
    let ranges = POLICIES
        .iter()
        .zip(&nets)
        .map(|((_, title), n)| {
            let total: i64 = n.iter().sum();
            let share = if total_income > 0 {
                trim_decimal(div_round(i128::from(total) * 10_000, i128::from(total_income)) as i64, 2) + "%"
            } else {
                "–".into()
            };
            let lo = n.iter().min().copied().unwrap_or(0);
            let hi = n.iter().max().copied().unwrap_or(0);
            let policy = lang.t(title);
            if lo == hi {
                lang.f("calculator.months_same", &[("policy", policy), ("amount", &yuan_grouped(lo)), ("share", &share)])
            } else {
                lang.f(
                    "calculator.months_range",
                    &[("policy", policy), ("lo", &yuan_grouped(lo)), ("hi", &yuan_grouped(hi)), ("share", &share)],
                )
            }
        })
        .collect();
    Ok(Some(Months {
        intro: lang.f("calculator.months_intro", &[("month", f.month.trim())]),
        chart: charts::net_by_month(lang, &rows, &nets),
        totals: nets.iter().map(|n| yuan_grouped(n.iter().sum())).collect(),
        total_income: yuan_grouped(total_income),
        rows,
        ranges,
    }))
}

fn min_years_note(p: &Params, f: &Form, lang: Lang) -> String {
    let Ok(month) = f.month.trim().parse::<YearMonth>() else { return String::new() };
    let Ok((rule, _)) = p.lookup(&p.national.min_contribution_years, month.first_day(), |_| String::new()) else { return String::new() };
    let years = |m: u32| if m.is_multiple_of(12) { (m / 12).to_string() } else { format!("{:.1}", f64::from(m) / 12.0) };
    lang.f(
        "calculator.min_years_note",
        &[("min", &years(rule.base_months)), ("max", &years(rule.max_months)), ("year", &rule.first_rise_year.to_string())],
    )
}

fn warnings(all: &[Explanation], lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in all.iter().flat_map(|e| &e.warnings) {
        let w = in_units_of(lang, w.get(lang));
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

fn sources(all: &[Explanation], lang: Lang) -> Vec<SourceLine> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for u in all.iter().flat_map(|e| &e.params) {
        if seen.contains(&(&u.key, u.effective_from)) {
            continue;
        }
        seen.push((&u.key, u.effective_from));
        let conf = serde_json::to_value(u.confidence).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        // Sources whose stored title is not in the page's language have a plain title in the catalogue.
        let key = format!("calculator.source_{}", u.source);
        let title = if flexpension_text::has(&key) { lang.t(&key).to_string() } else { u.source_title.clone() };
        let origin = if u.doc_no.is_empty() { title } else { format!("{title}（{}）", u.doc_no) };
        out.push(SourceLine {
            name: u.name.get(lang).to_string(),
            value: in_units_of(lang, &u.value),
            origin,
            since: lang.f("calculator.from_date", &[("date", &u.effective_from.to_string())]),
            confidence: lang.t(&format!("calculator.conf_{conf}")).to_string(),
        });
    }
    out
}

/// A parameter's value as the rules write it (`4986.00 元`) with the unit in the page's language.
fn in_units_of(lang: Lang, s: &str) -> String {
    if lang.is_en() { s.replace(" 元", " yuan").replace('元', " yuan") } else { s.to_string() }
}

fn problem(lang: Lang, e: &CalcError) -> Problem {
    let key = match (e.error, e.field.as_str()) {
        ("no_parameter", _) => "calculator.err_no_parameter",
        (_, "income") => "calculator.err_income",
        (_, "month") => "common.err_month",
        (_, "base") => "calculator.err_base",
        (_, "years") => "calculator.err_years",
        (_, "grade") => "calculator.err_grade",
        _ => "calculator.err_other",
    };
    Problem { message: lang.t(key).to_string(), detail: format!("{}: {}", e.field, e.message) }
}

fn dedup(ps: Vec<Problem>) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    for p in ps {
        if !out.iter().any(|q| q.message == p.message) {
            out.push(p);
        }
    }
    out
}

/// "100" for whole yuan, "100.50" otherwise: grade labels.
pub fn plain_yuan(fen: i64) -> String {
    if fen % 100 == 0 { (fen / 100).to_string() } else { yuan(fen) }
}

/// An amount as the worker typed it, printed back with two decimals when it parses.
fn money(s: &str) -> String {
    flexpension_rules::money::parse_yuan(s).map(yuan_grouped).unwrap_or_else(|_| s.trim().to_string())
}

/// The residents' pension grades on offer in the form's month (or the latest known).
pub fn grades(p: &Params, f: &Form) -> Vec<String> {
    let s = &p.national.residents_grades;
    let dated = f.month.trim().parse::<YearMonth>().ok().and_then(|m| s.at(m.first_day()).ok()).or_else(|| s.latest());
    dated.map(|d| d.value.iter().map(|g| plain_yuan(*g)).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys built at run time: each confidence code and each insurance scheme has a text.
    #[test]
    fn every_confidence_code_and_scheme_has_a_text() {
        for code in ["P", "S", "W", "M", "C", "PROPOSAL"] {
            assert!(flexpension_rules::params::Confidence::parse(code).is_some(), "{code} is a confidence code");
            assert!(flexpension_text::has(&format!("calculator.conf_{code}")), "no text for confidence {code}");
        }
        for s in flexpension_store::Scheme::ALL {
            assert!(flexpension_text::has(&format!("people.scheme_{}", s.as_str())), "no text for scheme {}", s.as_str());
        }
        assert_eq!(Lang::En.t("calculator.conf_PROPOSAL"), "the paper's proposal, not law");
    }
}
