//! What the analysts' page shows: the template's data (the form with its hints and problems,
//! the results as tables and charts) and the way figures are written.

use super::form::{Form, PaperFile, Problem, policy_names};
use super::{MAX_WORKERS, MAX_WORKERS_PROJECTED, PAPER};
use crate::{AppState, assets};
use askama::Template;
use flexpension_rules::money::yuan;
use flexpension_sim::{PopulationSpec, SimRequest};
use flexpension_text::Lang;

/// One figure of the totals table; `fen` when it is money (the exact figure, for checking).
pub struct Cell {
    pub text: String,
    pub fen: Option<i64>,
    pub id: String,
}

pub struct TotalRow {
    pub label: &'static str,
    pub class: &'static str,
    pub cells: Vec<Cell>,
}

pub struct Column {
    pub name: String,
    pub title: String,
    pub variant: bool,
    pub rules: String,
}

pub struct GroupRow {
    pub group: String,
    pub workers: String,
    /// Per policy: mean burden, median burden, share over 10%, net per worker.
    pub cells: Vec<[String; 4]>,
}

pub struct ProjRow {
    pub title: String,
    pub projected: String,
    pub short: String,
    pub mean: String,
    pub median: String,
    pub replacement: String,
}

/// The results as the page shows them.
pub struct View {
    pub summary: String,
    pub variant: bool,
    pub columns: Vec<Column>,
    pub totals: Vec<TotalRow>,
    /// Title, table id and rows: by income band, then by job type.
    pub groups: Vec<(&'static str, &'static str, Vec<GroupRow>)>,
    pub projection: Vec<ProjRow>,
    pub burden_svg: String,
    pub replacement_svg: Option<String>,
    pub warnings: Vec<String>,
    pub command: String,
}

pub struct PolicyChoice {
    pub name: String,
    pub title: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "analyst.html")]
pub struct Page<'a> {
    lang: Lang,
    form: &'a Form,
    switch_query: String,
    json_query: String,
    css: String,
    icon: String,
    policies: Vec<PolicyChoice>,
    workers_hint: String,
    /// The hints of the bracket and subsidy fields, when the file has the paper for the month.
    paper_hint: Option<(String, String)>,
    problems: &'a [Problem],
    notes: &'a [String],
    results: Option<View>,
}

impl<'a> Page<'a> {
    /// The form as filled in, its problems or notes, and the results when there are any.
    pub fn new(s: &AppState, form: &'a Form, lang: Lang, problems: &'a [Problem], notes: &'a [String], results: Option<View>) -> Page<'a> {
        let p = s.params();
        let month = form.month.trim().parse().unwrap_or(s.this_month());
        let policies = policy_names(p)
            .into_iter()
            .map(|name| {
                let title = p.policy(&name).map(|x| if lang.is_en() { x.title_en.clone() } else { x.title_zh.clone() }).unwrap_or_default();
                PolicyChoice { checked: form.ticked(&name), title, name }
            })
            .collect();
        let paper_hint = p.policy(PAPER).ok().and_then(|pol| {
            let file = PaperFile::of(p, month)?;
            let brackets = pol.rate_brackets.at(month.first_day()).ok()?.value.to_string();
            let range = file.allowed.map_or_else(|| "0%-100%".into(), |(lo, hi)| format!("{}-{}", lo.percent(), hi.percent()));
            Some((lang.f("analyst.edges_hint", &[("brackets", &brackets)]), lang.f("analyst.subsidy_hint", &[("range", &range)])))
        });
        let workers_hint =
            lang.f("analyst.workers_hint", &[("max", &count(MAX_WORKERS as u64)), ("cap", &count(MAX_WORKERS_PROJECTED as u64))]);
        Page {
            lang,
            form,
            switch_query: form.query(lang.other().code(), false),
            json_query: form.query(lang.code(), true),
            css: assets::url("app.css"),
            icon: assets::url("icon.svg"),
            policies,
            workers_hint,
            paper_hint,
            problems,
            notes,
            results,
        }
    }

    fn invalid(&self, field: &str) -> bool {
        self.problems.iter().any(|p| p.field == field)
    }
}

/// `flexpension simulate ...` for the same request.
pub fn command_line(req: &SimRequest, en: bool) -> String {
    let mut args: Vec<String> = vec!["flexpension".into(), "simulate".into()];
    let mut push = |k: &str, v: String| {
        args.push(k.into());
        args.push(v);
    };
    if let PopulationSpec::Generated { workers, seed } = &req.population {
        push("--population", workers.to_string());
        push("--seed", seed.to_string());
    }
    if req.region != crate::DEFAULT_REGION {
        push("--region", req.region.clone());
    }
    push("--month", req.month.to_string());
    for p in &req.policies {
        push("--policy", p.clone());
    }
    for s in &req.sets {
        push("--set", s.clone());
    }
    if let Some(y) = req.years {
        push("--years", y.to_string());
    }
    if en {
        args.push("--en".into());
    }
    args.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ")
}

pub fn shell_quote(a: &str) -> String {
    if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_.,:=/%+@".contains(c)) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', r"'\''"))
    }
}

/// "114,110,272.80" for 11411027280 fen.
pub fn money(fen: i64) -> String {
    let y = yuan(fen);
    let (sign, rest) = y.strip_prefix('-').map_or(("", y.as_str()), |r| ("-", r));
    let (int, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    format!("{sign}{}.{frac}", group(int))
}

pub fn count(n: u64) -> String {
    group(&n.to_string())
}

fn group(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.2}%", x * 100.0)).unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped() {
        assert_eq!(money(11411027280), "114,110,272.80");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(99720), "997.20");
        assert_eq!(count(1000), "1,000");
    }

    #[test]
    fn the_command_line_names_the_region_only_when_it_is_not_the_default() {
        let req = SimRequest::new(PopulationSpec::Generated { workers: 5, seed: 2 }, crate::DEFAULT_REGION, "2025-06".parse().unwrap());
        let other = SimRequest { region: "elsewhere".into(), ..req.clone() };
        assert!(!command_line(&req, false).contains("--region"));
        assert!(command_line(&other, false).contains("--region elsewhere"));
    }
}
