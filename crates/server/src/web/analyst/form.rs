//! The analysts' form: read from the query string (every value kept as typed, so it can be
//! shown back with a message), filled with the parameter file's values, and checked into a
//! [`SimRequest`] exactly as `flexpension simulate` builds one. The bracket and subsidy fields
//! become `--set paper.rate.brackets=...` and `--set paper.subsidy.share=...` only when they
//! differ from the file's values for the month, so an untouched form is no variant; the
//! free-text lines are further `--set`s. The subsidy field takes one share for every income
//! under the ceiling (`0.4`) or the bands as `--set` writes them (`2999.99:0.5, 3999.99:0.4, :0.3`).

use super::{DEFAULT_WORKERS, LAW, MAX_SET_LINES, MAX_WORKERS, MAX_WORKERS_PROJECTED, MAX_YEARS, PAPER};
use crate::web::form::capped_fields;
use flexpension_rules::money::{parse_yuan_nonneg, trim_decimal};
use flexpension_rules::params::{Brackets, SubsidyBands};
use flexpension_rules::variant::{Override, Setting};
use flexpension_rules::{Dec6, Params, YearMonth};
use flexpension_sim::{PopulationSpec, SimRequest};
use flexpension_text::Lang;

/// The form as it arrives: every value kept as typed, so it can be shown back with a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub lang: Option<String>,
    /// Anything besides the language was sent: run the simulation.
    pub submitted: bool,
    /// The form's own marker: with it, no ticked policy is a mistake rather than "the default".
    pub run: bool,
    pub workers: String,
    pub seed: String,
    pub month: String,
    /// `None` when no `policy` was sent.
    pub policies: Option<Vec<String>>,
    pub edges: String,
    pub rates: String,
    pub subsidy: String,
    pub years: String,
    pub sets: String,
    pub json: bool,
}

impl Form {
    pub fn parse(query: &str) -> Form {
        let mut f = Form::default();
        for (k, v) in capped_fields(query, |k| if k == "sets" { 4000 } else { 300 }) {
            match k.as_str() {
                "lang" => {
                    f.lang = Some(v);
                    continue;
                }
                "workers" => f.workers = v,
                "seed" => f.seed = v,
                "month" => f.month = v,
                "policy" => f.policies.get_or_insert_with(Vec::new).push(v.trim().to_string()),
                "edges" => f.edges = v,
                "rates" => f.rates = v,
                "subsidy" => f.subsidy = v,
                "years" => f.years = v,
                "sets" => f.sets = v,
                "run" => f.run = true,
                "format" => f.json = v.trim().eq_ignore_ascii_case("json"),
                _ => continue,
            }
            f.submitted = true;
        }
        f
    }

    /// Empty fields take the page's defaults: the paper's values from the parameter file for the
    /// month (this month when the month is not readable).
    pub fn fill_defaults(&mut self, p: &Params, this_month: YearMonth) {
        let set = |s: &mut String, d: String| {
            if s.trim().is_empty() {
                *s = d;
            }
        };
        set(&mut self.workers, DEFAULT_WORKERS.to_string());
        set(&mut self.seed, "1".into());
        set(&mut self.month, this_month.to_string());
        set(&mut self.years, "0".into());
        if let Some(d) = PaperFile::of(p, self.month.trim().parse().unwrap_or(this_month)) {
            set(&mut self.edges, d.edges);
            set(&mut self.rates, d.rates);
            set(&mut self.subsidy, d.subsidy);
        }
        if self.policies.is_none() && !self.run {
            self.policies = Some(policy_names(p).into_iter().filter(|n| *n == LAW || *n == PAPER).collect());
        }
    }

    pub fn ticked(&self, name: &str) -> bool {
        self.policies.as_ref().is_some_and(|v| v.iter().any(|p| p == name))
    }

    /// The form as a query string in `lang`; `json` adds `format=json`.
    pub fn query(&self, lang: &str, json: bool) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("lang", lang);
        if !self.submitted {
            return q.finish();
        }
        for (k, v) in [("workers", &self.workers), ("seed", &self.seed), ("month", &self.month)] {
            q.append_pair(k, v);
        }
        for p in self.policies.iter().flatten() {
            q.append_pair("policy", p);
        }
        for (k, v) in [("edges", &self.edges), ("rates", &self.rates), ("subsidy", &self.subsidy), ("years", &self.years)] {
            q.append_pair(k, v);
        }
        if !self.sets.trim().is_empty() {
            q.append_pair("sets", &self.sets);
        }
        q.append_pair("run", "1");
        if json {
            q.append_pair("format", "json");
        }
        q.finish()
    }
}

/// The paper's values in the parameter file for a month, as the form writes them.
pub struct PaperFile {
    pub edges: String,
    pub rates: String,
    pub subsidy: String,
    pub brackets: Brackets,
    pub share: SubsidyBands,
    /// The subsidy share's allowed range, when the file gives one.
    pub allowed: Option<(Dec6, Dec6)>,
}

impl PaperFile {
    pub fn of(p: &Params, month: YearMonth) -> Option<PaperFile> {
        let policy = p.policy(PAPER).ok()?;
        let day = month.first_day();
        let b = policy.rate_brackets.at(day).ok()?;
        let s = policy.subsidy_share.at(day).ok()?;
        let edges = b.value.0.iter().filter_map(|x| x.up_to_fen).map(|f| trim_decimal(f, 2)).collect::<Vec<_>>().join(", ");
        let rates = b.value.0.iter().map(|x| x.rate.rate_string()).collect::<Vec<_>>().join(", ");
        Some(PaperFile {
            edges,
            rates,
            subsidy: subsidy_text(&s.value),
            brackets: b.value.clone(),
            share: s.value.clone(),
            allowed: s.allowed,
        })
    }
}

/// The subsidy bands as the form writes them: "2999.99:0.50, 3999.99:0.40, :0.30", or "0.40".
fn subsidy_text(b: &SubsidyBands) -> String {
    match b.0.as_slice() {
        [one] => one.share.rate_string(),
        bands => bands
            .iter()
            .map(|x| format!("{}:{}", x.up_to_fen.map(|f| trim_decimal(f, 2)).unwrap_or_default(), x.share.rate_string()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Policy names, the law first.
pub fn policy_names(p: &Params) -> Vec<String> {
    let mut v: Vec<String> = p.policy_names().into_iter().map(str::to_string).collect();
    v.sort_by_key(|n| (n != LAW, n.clone()));
    v
}

/// A field the analyst must correct, or a run that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The input's `name` ("" when no field is at fault).
    pub field: &'static str,
    pub label: &'static str,
    pub message: String,
    pub detail: Option<String>,
}

/// The catalogue key of a field's label (the problems' heading when no field is at fault).
pub fn label_key(field: &str) -> &'static str {
    match field {
        "workers" => "analyst.workers",
        "seed" => "analyst.seed",
        "month" => "analyst.month",
        "policy" => "analyst.policies",
        "edges" => "analyst.edges",
        "rates" => "analyst.rates",
        "subsidy" => "analyst.subsidy",
        "years" => "analyst.years",
        "sets" => "analyst.sets",
        _ => "analyst.problems",
    }
}

struct Problems {
    lang: Lang,
    list: Vec<Problem>,
}

impl Problems {
    fn add(&mut self, field: &'static str, message: String, detail: Option<String>) {
        self.list.push(Problem { field, label: self.lang.t(label_key(field)), message, detail });
    }
    fn has(&self, field: &str) -> bool {
        self.list.iter().any(|p| p.field == field)
    }
}

/// Split "4000, 6000" (commas, Chinese commas, semicolons, spaces).
fn items(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；')).filter(|p| !p.is_empty()).collect()
}

/// What the form asks for.
#[derive(Debug, Clone)]
pub struct Checked {
    pub request: SimRequest,
    /// Said on the page, not errors.
    pub notes: Vec<String>,
}

/// Turn the (defaults-filled) form into a request for `region`, or say every field that is wrong.
pub fn check(p: &Params, region: &str, f: &Form, lang: Lang) -> Result<Checked, Vec<Problem>> {
    let mut pr = Problems { lang, list: Vec::new() };
    let whole = |v: &str| lang.f("analyst.e_whole", &[("v", v.trim())]);
    let workers = match f.workers.trim().replace([',', '_'], "").parse::<usize>() {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) => Some(n),
        Ok(n) => {
            pr.add("workers", lang.f("analyst.e_range", &[("v", &n.to_string()), ("lo", "1"), ("hi", &MAX_WORKERS.to_string())]), None);
            None
        }
        Err(_) => {
            pr.add("workers", whole(&f.workers), None);
            None
        }
    };
    let seed = f.seed.trim().parse::<u64>().map_err(|_| pr.add("seed", whole(&f.seed), None)).ok();
    let month =
        f.month.trim().parse::<YearMonth>().map_err(|_| pr.add("month", lang.f("analyst.e_month", &[("v", f.month.trim())]), None)).ok();
    let years = match f.years.trim().parse::<u32>() {
        Ok(y) if y <= MAX_YEARS => Some(y),
        Ok(y) => {
            pr.add("years", lang.f("analyst.e_range", &[("v", &y.to_string()), ("lo", "0"), ("hi", &MAX_YEARS.to_string())]), None);
            None
        }
        Err(_) => {
            pr.add("years", whole(&f.years), None);
            None
        }
    };
    if let (Some(n), Some(y)) = (workers, years)
        && y > 0
        && n > MAX_WORKERS_PROJECTED
    {
        pr.add("workers", lang.f("analyst.e_cap", &[("cap", &MAX_WORKERS_PROJECTED.to_string()), ("v", &n.to_string())]), None);
    }

    let known = policy_names(p);
    let mut policies: Vec<String> = Vec::new();
    for name in f.policies.iter().flatten() {
        if !known.contains(name) {
            pr.add("policy", lang.f("analyst.e_unknown_policy", &[("v", name)]), Some(known.join(", ")));
        } else if !policies.contains(name) {
            policies.push(name.clone());
        }
    }
    policies.sort_by_key(|n| (n != LAW, n.clone()));
    if policies.is_empty() && !pr.has("policy") {
        pr.add("policy", lang.t("analyst.e_policy").to_string(), None);
    }

    let mut sets = Vec::new();
    let mut notes = Vec::new();
    let file = month.and_then(|m| PaperFile::of(p, m));
    // Without the paper's record for the month (and nothing typed), the run says what is missing.
    let typed = [&f.edges, &f.rates, &f.subsidy].iter().any(|v| !v.trim().is_empty());
    if policies.iter().any(|n| n == PAPER) {
        if let Some(m) = month
            && (file.is_some() || typed)
        {
            paper_sets(p, region, m, f, file.as_ref(), &mut pr, &mut sets);
        }
    } else if file
        .as_ref()
        .is_some_and(|d| [(&f.edges, &d.edges), (&f.rates, &d.rates), (&f.subsidy, &d.subsidy)].iter().any(|(a, b)| items(a) != items(b)))
    {
        notes.push(lang.t("analyst.unused").to_string());
    }

    let lines: Vec<&str> = f.sets.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    if lines.len() > MAX_SET_LINES {
        pr.add("sets", lang.f("analyst.e_lines", &[("max", &MAX_SET_LINES.to_string())]), None);
    } else {
        for (i, line) in lines.iter().enumerate() {
            // Pasted from a command line: `--set 'paper.subsidy.share=0.5'`.
            let l = line.strip_prefix("--set").map(str::trim_start).unwrap_or(line);
            let l = l.trim_start_matches('=').trim_matches(|c| c == '\'' || c == '"').trim();
            if !l.contains('=') {
                pr.add("sets", lang.f("analyst.e_line", &[("i", &(i + 1).to_string()), ("v", line)]), None);
            } else {
                sets.push(l.to_string());
            }
        }
    }

    match (workers, seed, month, years) {
        (Some(workers), Some(seed), Some(month), Some(years)) if pr.list.is_empty() => Ok(Checked {
            request: SimRequest {
                population: PopulationSpec::Generated { workers, seed },
                region: region.to_string(),
                policies,
                overlay: None,
                month,
                sets,
                years: (years > 0).then_some(years),
                pop_params: None,
            },
            notes,
        }),
        _ => Err(pr.list),
    }
}

/// The bracket and subsidy fields as `--set paper....` strings, checked against the paper's
/// record for the month; none when they equal the file's values.
fn paper_sets(p: &Params, region: &str, month: YearMonth, f: &Form, file: Option<&PaperFile>, pr: &mut Problems, sets: &mut Vec<String>) {
    let lang = pr.lang;
    // Checked on a scratch scenario: the same checks the run makes, with the field to blame.
    let check = |o: &Override| -> Result<(), String> {
        let mut scen = p.scenario(region, Some(PAPER), None).map_err(|e| e.to_string())?;
        scen.apply_override(o, month).map(|_| ()).map_err(|e| e.to_string())
    };

    let edges = items(&f.edges);
    let rates = items(&f.rates);
    let mut fen = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        match parse_yuan_nonneg(e) {
            Ok(v) => fen.push(v),
            Err(_) => pr.add("edges", lang.f("analyst.e_edge", &[("i", &(i + 1).to_string()), ("v", e)]), None),
        }
    }
    if !pr.has("edges") && fen.windows(2).any(|x| x[1] <= x[0]) {
        pr.add("edges", lang.t("analyst.e_rising").to_string(), None);
    }
    let max = flexpension_sim::kernel::MAX_SEGMENTS;
    if edges.len() + 1 > max {
        pr.add("edges", lang.f("analyst.e_brackets", &[("max", &max.to_string())]), None);
    }
    if rates.len() != edges.len() + 1 {
        pr.add("rates", lang.f("analyst.e_count", &[("n", &(edges.len() + 1).to_string()), ("got", &rates.len().to_string())]), None);
    }
    if !pr.has("edges") && !pr.has("rates") {
        let text: Vec<String> = edges
            .iter()
            .map(|e| e.to_string())
            .chain(std::iter::once(String::new()))
            .zip(&rates)
            .map(|(e, r)| format!("{e}:{r}"))
            .collect();
        let set = format!("{PAPER}.rate.brackets={}", text.join(","));
        match Override::parse(&set) {
            Err(e) => pr.add("rates", lang.t("analyst.e_sim").to_string(), Some(e.to_string())),
            Ok(o) => {
                let same = matches!((&o.setting, file), (Setting::Brackets(b), Some(d)) if *b == d.brackets);
                if !same {
                    match check(&o) {
                        Ok(()) => sets.push(set),
                        Err(e) => pr.add("edges", lang.t("analyst.e_sim").to_string(), Some(e)),
                    }
                }
            }
        }
    }

    // Bands typed with spaces or Chinese commas become the `--set` value without them.
    let set = format!("{PAPER}.subsidy.share={}", items(&f.subsidy.replace('：', ":")).join(","));
    match Override::parse(&set) {
        Err(e) => pr.add("subsidy", lang.t("analyst.e_sim").to_string(), Some(e.to_string())),
        Ok(o) => {
            let same = matches!((&o.setting, file), (Setting::SubsidyShare(s), Some(d)) if *s == d.share);
            let outside = match (&o.setting, file.and_then(|d| d.allowed)) {
                (Setting::SubsidyShare(s), Some((lo, hi))) => {
                    s.0.iter().find(|b| !(lo..=hi).contains(&b.share)).map(|b| (b.share.percent(), lo.percent(), hi.percent()))
                }
                _ => None,
            };
            if let Some((v, lo, hi)) = outside {
                pr.add("subsidy", lang.f("analyst.e_range", &[("v", &v), ("lo", &lo), ("hi", &hi)]), check(&o).err());
            } else if !same {
                match check(&o) {
                    Ok(()) => sets.push(set),
                    Err(e) => pr.add("subsidy", lang.t("analyst.e_sim").to_string(), Some(e)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_REGION;
    use crate::web::analyst::view::{command_line, shell_quote};

    fn params() -> Params {
        Params::embedded().unwrap()
    }

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    fn filled(q: &str) -> Form {
        let mut f = Form::parse(q);
        f.fill_defaults(&params(), ym("2025-06"));
        f
    }

    #[test]
    fn defaults_come_from_the_parameter_file() {
        let f = filled("");
        assert!(!f.submitted);
        assert_eq!((f.workers.as_str(), f.seed.as_str(), f.month.as_str(), f.years.as_str()), ("20000", "1", "2025-06", "0"));
        assert_eq!(
            (f.edges.as_str(), f.rates.as_str(), f.subsidy.as_str()),
            ("3999.99, 6000", "0.12, 0.16, 0.20", "2999.99:0.50, 3999.99:0.40, :0.30")
        );
        assert_eq!(f.policies.as_deref(), Some(&["current".to_string(), "paper".to_string()][..]));
    }

    #[test]
    fn an_untouched_form_is_the_papers_comparison_without_variant() {
        let f = filled("run=1&policy=current&policy=paper&workers=1000");
        let b = check(&params(), DEFAULT_REGION, &f, Lang::parse(Some("en"))).unwrap();
        assert_eq!(
            b.request,
            SimRequest {
                sets: vec![],
                ..SimRequest::new(PopulationSpec::Generated { workers: 1000, seed: 1 }, DEFAULT_REGION, ym("2025-06"))
            }
        );
        assert_eq!(
            command_line(&b.request, true),
            "flexpension simulate --population 1000 --seed 1 --month 2025-06 --policy current --policy paper --en"
        );
    }

    #[test]
    fn fields_become_sets() {
        let f = filled(
            "run=1&policy=current&policy=paper&rates=10%25,0.16,0.2&subsidy=50%25&sets=--set+%27paper.subsidy.income_below%3D6000%27%0D%0A%23+note&years=10",
        );
        let b = check(&params(), DEFAULT_REGION, &f, Lang::parse(None)).unwrap();
        assert_eq!(
            b.request.sets,
            ["paper.rate.brackets=3999.99:10%,6000:0.16,:0.2", "paper.subsidy.share=50%", "paper.subsidy.income_below=6000"]
        );
        assert_eq!(b.request.years, Some(10));
        assert!(command_line(&b.request, false).contains("--set paper.rate.brackets=3999.99:10%,6000:0.16,:0.2 --set"));
        assert_eq!(shell_quote("a b'c"), r"'a b'\''c'");
        // Bands typed with spaces and Chinese commas; the file's own bands typed again are no variant.
        let f = filled("run=1&policy=current&policy=paper&subsidy=2999.99%EF%BC%9A0.45%EF%BC%8C+%3A35%25");
        let b = check(&params(), DEFAULT_REGION, &f, Lang::parse(None)).unwrap();
        assert_eq!(b.request.sets, ["paper.subsidy.share=2999.99:0.45,:35%"]);
        let f = filled("run=1&policy=current&policy=paper&subsidy=2999.99:0.5,3999.99:40%25,:0.3");
        assert!(check(&params(), DEFAULT_REGION, &f, Lang::parse(None)).unwrap().request.sets.is_empty());
    }

    #[test]
    fn every_bad_field_is_named() {
        let en = Lang::parse(Some("en"));
        let fields = |q: &str| -> Vec<&'static str> {
            check(&params(), DEFAULT_REGION, &filled(q), en).unwrap_err().into_iter().map(|p| p.field).collect()
        };
        assert_eq!(fields("run=1&workers=abc&seed=-1&month=2025-13&years=61"), ["workers", "seed", "month", "years", "policy"]);
        assert_eq!(fields("workers=300000"), ["workers"]);
        assert_eq!(fields("workers=20001&years=5"), ["workers"]);
        assert_eq!(fields("edges=6000,4000"), ["edges"]);
        assert_eq!(fields("edges=4000&rates=0.1,0.2,0.3"), ["rates"]);
        assert_eq!(fields("rates=0.1,1.5,0.2"), ["rates"]);
        assert_eq!(fields("subsidy=0.6"), ["subsidy"]);
        assert_eq!(fields("subsidy=2999.99:0.5,:0.2"), ["subsidy"]);
        assert_eq!(fields("subsidy=2999.99:0.5"), ["subsidy"]);
        assert_eq!(fields("sets=nonsense"), ["sets"]);
        assert_eq!(fields("policy=nope"), ["policy"]);
        let p = &check(&params(), DEFAULT_REGION, &filled("subsidy=0.6"), en).unwrap_err()[0];
        assert_eq!(p.label, "Subsidy share");
        assert!(p.detail.as_deref().is_some_and(|d| d.contains("30%") && d.contains("50%")), "{p:?}");
    }

    #[test]
    fn fields_for_the_paper_without_the_paper_are_said_unused() {
        let b = check(&params(), DEFAULT_REGION, &filled("run=1&policy=current&subsidy=0.5"), Lang::parse(None)).unwrap();
        assert!(b.request.sets.is_empty());
        assert_eq!(b.notes.len(), 1);
    }
}
