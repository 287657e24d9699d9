//! The analysts' page at `/analyst`: the policy microsimulation (`flexpension_sim`) behind a
//! plain GET form, so a run works without JavaScript and its address reproduces it.
//!
//! The fields become a [`SimRequest`] exactly as `flexpension simulate` builds one: the bracket
//! and subsidy fields turn into `--set paper.rate.brackets=...` and `--set paper.subsidy.share=...`
//! (only when they differ from the parameter file's values for the month, so an untouched form is
//! no variant), and the free-text lines are further `--set`s. The page shows the equivalent command
//! line. `format=json` answers the JSON of `flexpension simulate --json`.
//!
//! One run at a time: a second request while one runs is answered 503 at once (the run itself is
//! on a blocking thread, and keeps its permit until it ends even when the client goes away).

use super::i18n::{ANALYST, Ui};
use crate::{AppState, assets};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_rules::money::{parse_yuan_nonneg, trim_decimal, yuan};
use flexpension_rules::params::Brackets;
use flexpension_rules::variant::{Override, Setting};
use flexpension_rules::{Dec6, Params, YearMonth};
use flexpension_sim::report::PolicyReport;
use flexpension_sim::stats::GroupReport;
use flexpension_sim::{PopulationSpec, SimError, SimReport, SimRequest, charts};
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// The sample size the form starts with.
pub const DEFAULT_WORKERS: usize = 20_000;
/// The largest sample one request may ask for.
pub const MAX_WORKERS: usize = 200_000;
/// The largest sample with a projection to retirement (which follows every worker for years).
pub const MAX_WORKERS_PROJECTED: usize = 20_000;
/// The most years a projection may look ahead (the simulation's own limit).
pub const MAX_YEARS: u32 = 60;
const MAX_SET_LINES: usize = 20;
/// The policy the bracket and subsidy fields change.
const PAPER: &str = "paper";
/// The law: listed first.
const LAW: &str = flexpension_rules::variant::LAW;

/// One simulation at a time, for the whole process.
static RUNS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(1)));

/// The page's words (`i18n::ANALYST`) in the page's language; other keys fall back to the
/// shared catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    ui: Ui,
}

impl Words {
    pub fn t(&self, key: &'static str) -> &'static str {
        match ANALYST.iter().find(|(k, _, _)| *k == key) {
            Some((_, _, en)) if self.ui.is_en() => en,
            Some((_, zh, _)) => zh,
            None => self.ui.t(key),
        }
    }

    pub fn f(&self, key: &'static str, args: &[(&str, &str)]) -> String {
        args.iter().fold(self.t(key).to_string(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
    }
}

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
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let cap = if k == "sets" { 4000 } else { 300 };
            let v: String = v.chars().take(cap).collect();
            match k.as_ref() {
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
    fn fill_defaults(&mut self, p: &Params, this_month: YearMonth) {
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

    fn ticked(&self, name: &str) -> bool {
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
struct PaperFile {
    edges: String,
    rates: String,
    subsidy: String,
    brackets: Brackets,
    share: Dec6,
    /// The subsidy share's allowed range, when the file gives one.
    allowed: Option<(Dec6, Dec6)>,
}

impl PaperFile {
    fn of(p: &Params, month: YearMonth) -> Option<PaperFile> {
        let policy = p.policy(PAPER).ok()?;
        let day = month.first_day();
        let b = policy.rate_brackets.at(day).ok()?;
        let s = policy.subsidy_share.at(day).ok()?;
        let edges = b.value.0.iter().filter_map(|x| x.up_to_fen).map(|f| trim_decimal(f, 2)).collect::<Vec<_>>().join(", ");
        let rates = b.value.0.iter().map(|x| x.rate.rate_string()).collect::<Vec<_>>().join(", ");
        Some(PaperFile { edges, rates, subsidy: s.value.rate_string(), brackets: b.value.clone(), share: s.value, allowed: s.allowed })
    }
}

/// Policy names, the law first.
fn policy_names(p: &Params) -> Vec<String> {
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

fn label_key(field: &str) -> &'static str {
    match field {
        "workers" => "an_workers",
        "seed" => "an_seed",
        "month" => "an_month",
        "policy" => "an_policies",
        "edges" => "an_edges",
        "rates" => "an_rates",
        "subsidy" => "an_subsidy",
        "years" => "an_years",
        "sets" => "an_sets",
        _ => "an_problems",
    }
}

struct Problems {
    w: Words,
    list: Vec<Problem>,
}

impl Problems {
    fn add(&mut self, field: &'static str, message: String, detail: Option<String>) {
        self.list.push(Problem { field, label: self.w.t(label_key(field)), message, detail });
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
pub struct Built {
    pub request: SimRequest,
    /// Said on the page, not errors.
    pub notes: Vec<String>,
}

/// Turn the (defaults-filled) form into a request, or say every field that is wrong.
pub fn build(p: &Params, region: &str, f: &Form, ui: Ui) -> Result<Built, Vec<Problem>> {
    let w = Words { ui };
    let mut pr = Problems { w, list: Vec::new() };
    let whole = |v: &str| w.f("an_e_whole", &[("v", v.trim())]);
    let workers = match f.workers.trim().replace([',', '_'], "").parse::<usize>() {
        Ok(n) if (1..=MAX_WORKERS).contains(&n) => Some(n),
        Ok(n) => {
            pr.add("workers", w.f("an_e_range", &[("v", &n.to_string()), ("lo", "1"), ("hi", &MAX_WORKERS.to_string())]), None);
            None
        }
        Err(_) => {
            pr.add("workers", whole(&f.workers), None);
            None
        }
    };
    let seed = f.seed.trim().parse::<u64>().map_err(|_| pr.add("seed", whole(&f.seed), None)).ok();
    let month = f.month.trim().parse::<YearMonth>().map_err(|_| pr.add("month", w.f("an_e_month", &[("v", f.month.trim())]), None)).ok();
    let years = match f.years.trim().parse::<u32>() {
        Ok(y) if y <= MAX_YEARS => Some(y),
        Ok(y) => {
            pr.add("years", w.f("an_e_range", &[("v", &y.to_string()), ("lo", "0"), ("hi", &MAX_YEARS.to_string())]), None);
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
        pr.add("workers", w.f("an_e_cap", &[("cap", &MAX_WORKERS_PROJECTED.to_string()), ("v", &n.to_string())]), None);
    }

    let known = policy_names(p);
    let mut policies: Vec<String> = Vec::new();
    for name in f.policies.iter().flatten() {
        if !known.contains(name) {
            pr.add("policy", w.f("an_e_unknown_policy", &[("v", name)]), Some(known.join(", ")));
        } else if !policies.contains(name) {
            policies.push(name.clone());
        }
    }
    policies.sort_by_key(|n| (n != LAW, n.clone()));
    if policies.is_empty() && !pr.has("policy") {
        pr.add("policy", w.t("an_e_policy").to_string(), None);
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
        notes.push(w.t("an_unused").to_string());
    }

    let lines: Vec<&str> = f.sets.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    if lines.len() > MAX_SET_LINES {
        pr.add("sets", w.f("an_e_lines", &[("max", &MAX_SET_LINES.to_string())]), None);
    } else {
        for (i, line) in lines.iter().enumerate() {
            // Pasted from a command line: `--set 'paper.subsidy.share=0.5'`.
            let l = line.strip_prefix("--set").map(str::trim_start).unwrap_or(line);
            let l = l.trim_start_matches('=').trim_matches(|c| c == '\'' || c == '"').trim();
            if !l.contains('=') {
                pr.add("sets", w.f("an_e_line", &[("i", &(i + 1).to_string()), ("v", line)]), None);
            } else {
                sets.push(l.to_string());
            }
        }
    }

    match (workers, seed, month, years) {
        (Some(workers), Some(seed), Some(month), Some(years)) if pr.list.is_empty() => Ok(Built {
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
    let w = pr.w;
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
            Err(_) => pr.add("edges", w.f("an_e_edge", &[("i", &(i + 1).to_string()), ("v", e)]), None),
        }
    }
    if !pr.has("edges") && fen.windows(2).any(|x| x[1] <= x[0]) {
        pr.add("edges", w.t("an_e_rising").to_string(), None);
    }
    let max = flexpension_sim::kernel::MAX_BRACKETS;
    if edges.len() + 1 > max {
        pr.add("edges", w.f("an_e_brackets", &[("max", &max.to_string())]), None);
    }
    if rates.len() != edges.len() + 1 {
        pr.add("rates", w.f("an_e_count", &[("n", &(edges.len() + 1).to_string()), ("got", &rates.len().to_string())]), None);
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
            Err(e) => pr.add("rates", w.t("an_e_sim").to_string(), Some(e.to_string())),
            Ok(o) => {
                let same = matches!((&o.setting, file), (Setting::Brackets(b), Some(d)) if *b == d.brackets);
                if !same {
                    match check(&o) {
                        Ok(()) => sets.push(set),
                        Err(e) => pr.add("edges", w.t("an_e_sim").to_string(), Some(e)),
                    }
                }
            }
        }
    }

    let set = format!("{PAPER}.subsidy.share={}", f.subsidy.trim());
    match Override::parse(&set) {
        Err(e) => pr.add("subsidy", w.t("an_e_sim").to_string(), Some(e.to_string())),
        Ok(o) => {
            let same = matches!((&o.setting, file), (Setting::SubsidyShare(s), Some(d)) if *s == d.share);
            let outside = match (&o.setting, file.and_then(|d| d.allowed)) {
                (Setting::SubsidyShare(s), Some((lo, hi))) if !(lo..=hi).contains(s) => Some((s.percent(), lo.percent(), hi.percent())),
                _ => None,
            };
            if let Some((v, lo, hi)) = outside {
                pr.add("subsidy", w.f("an_e_range", &[("v", &v), ("lo", &lo), ("hi", &hi)]), check(&o).err());
            } else if !same {
                match check(&o) {
                    Ok(()) => sets.push(set),
                    Err(e) => pr.add("subsidy", w.t("an_e_sim").to_string(), Some(e)),
                }
            }
        }
    }
}

/// The field a simulation error blames.
fn blamed(e: &SimError) -> &'static str {
    use flexpension_rules::ParamError;
    match e {
        SimError::Request { field: "population", .. } => "workers",
        SimError::Request { field: "years", .. } => "years",
        SimError::Request { field: "policy", .. } => "policy",
        SimError::Request { field: "region", .. } => "",
        SimError::Param(ParamError::NoValue { .. }) => "month",
        SimError::Param(ParamError::Unknown { what: "policy", .. }) => "policy",
        SimError::Pension(_) => "years",
        _ => "sets",
    }
}

/// Whether the analyst's input is to blame: as the CLI decides, and a month the parameters
/// have no value for.
fn at_fault(e: &SimError) -> bool {
    use flexpension_rules::ParamError;
    e.is_input() || matches!(e, SimError::Param(ParamError::NoValue { .. } | ParamError::Unknown { .. }))
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
    if req.region != "zj" {
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

fn shell_quote(a: &str) -> String {
    if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_.,:=/%+@".contains(c)) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', r"'\''"))
    }
}

/// "114,110,272.80" for 11411027280 fen.
fn money(fen: i64) -> String {
    let y = yuan(fen);
    let (sign, rest) = y.strip_prefix('-').map_or(("", y.as_str()), |r| ("-", r));
    let (int, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    format!("{sign}{}.{frac}", group(int))
}

fn count(n: u64) -> String {
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

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.2}%", x * 100.0)).unwrap_or_else(|| "-".into())
}

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

fn view(r: &SimReport, req: &SimRequest, w: Words) -> View {
    let ui = w.ui;
    let pols: Vec<(&String, &PolicyReport)> = r.policy_order.iter().filter_map(|n| r.policies.get(n).map(|p| (n, p))).collect();
    let seed = match &req.population {
        PopulationSpec::Generated { seed, .. } => seed.to_string(),
        PopulationSpec::Csv { .. } => "-".into(),
    };
    let summary = w.f(
        "an_summary",
        &[("workers", &count(r.population.workers)), ("seed", &seed), ("region", &r.region), ("month", &r.month.to_string())],
    );
    let columns = pols
        .iter()
        .map(|(n, p)| Column {
            name: n.to_string(),
            title: if ui.is_en() { p.title_en.clone() } else { p.title_zh.clone() },
            variant: !p.variant.is_empty(),
            rules: w.f(
                "an_rules",
                &[
                    ("brackets", &p.rules.brackets),
                    ("lower", &yuan(p.rules.base_lower_fen)),
                    ("upper", &yuan(p.rules.base_upper_fen)),
                    ("share", &p.rules.subsidy_share),
                    ("below", &yuan(p.rules.subsidy_income_below_fen)),
                ],
            ),
        })
        .collect();
    let row = |label: &'static str, class: &'static str, key: &str, f: &dyn Fn(&PolicyReport) -> (String, Option<i64>)| TotalRow {
        label: w.t(label),
        class,
        cells: pols
            .iter()
            .map(|(n, p)| {
                let (text, fen) = f(p);
                Cell { text, fen, id: format!("{key}-{n}") }
            })
            .collect(),
    };
    let m = |fen: i64| (money(fen), Some(fen));
    let totals = vec![
        row("an_r_workers", "", "workers", &|p| (count(p.workers), None)),
        row("an_r_contribution", "contribution", "contribution", &|p| m(p.contribution_fen)),
        row("an_r_personal", "sub", "personal", &|p| m(p.personal_account_fen)),
        row("an_r_pooling", "sub", "pooling", &|p| m(p.pooling_fen)),
        row("an_r_subsidy", "", "subsidy", &|p| m(p.subsidy_fen)),
        row("an_r_net", "net", "net", &|p| m(p.net_fen)),
        row("an_r_mean", "", "mean", &|p| (pct(p.mean_burden), None)),
        row("an_r_median", "", "median", &|p| (pct(p.median_burden), None)),
        row("an_r_over", "", "over", &|p| (format!("{} ({})", pct(Some(p.over_benchmark_share)), count(p.over_benchmark)), None)),
    ];
    let groups = |pick: &dyn Fn(&PolicyReport) -> &Vec<GroupReport>| -> Vec<GroupRow> {
        let Some((_, first)) = pols.first() else { return Vec::new() };
        pick(first)
            .iter()
            .enumerate()
            .map(|(i, g)| GroupRow {
                group: g.group.clone(),
                workers: count(g.workers),
                cells: pols
                    .iter()
                    .map(|(_, p)| match pick(p).get(i) {
                        Some(x) => {
                            let per =
                                if x.workers > 0 { money((x.net_fen * 2 + x.workers as i64) / (2 * x.workers as i64)) } else { "-".into() };
                            [pct(x.mean_burden), pct(x.median_burden), pct(Some(x.over_benchmark_share)), per]
                        }
                        None => Default::default(),
                    })
                    .collect(),
            })
            .collect()
    };
    let groups = vec![(w.t("an_by_band"), "by-band", groups(&|p| &p.by_income_band)), (w.t("an_by_job"), "by-job", groups(&|p| &p.by_job))];
    let opt_money = |v: Option<i64>| v.map(money).unwrap_or_else(|| "-".into());
    let projection = pols
        .iter()
        .filter_map(|(n, p)| {
            let pr = p.projection.as_ref()?;
            Some(ProjRow {
                title: n.to_string(),
                projected: count(pr.projected),
                short: format!("{} ({})", count(pr.all.short_of_minimum), pct(Some(pr.all.short_of_minimum_share))),
                mean: opt_money(pr.all.pension_mean_fen),
                median: opt_money(pr.all.pension_median_fen),
                replacement: pct(pr.all.replacement_median),
            })
        })
        .collect();
    // The report's warnings already say every variant value.
    let warnings = r.warnings.iter().map(|t| ui.pick(t).to_string()).collect();
    View {
        summary,
        variant: r.is_variant(),
        columns,
        totals,
        groups,
        projection,
        burden_svg: charts::burden_distribution(r),
        replacement_svg: charts::replacement_by_band(r),
        warnings,
        command: command_line(req, ui.is_en()),
    }
}

pub struct PolicyChoice {
    pub name: String,
    pub title: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "analyst.html")]
struct Page<'a> {
    ui: Ui,
    w: Words,
    form: &'a Form,
    lang_code: &'static str,
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

impl Page<'_> {
    fn invalid(&self, field: &str) -> bool {
        self.problems.iter().any(|p| p.field == field)
    }
}

/// `GET /analyst`.
pub async fn page(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let mut form = Form::parse(q.as_deref().unwrap_or(""));
    let ui = Ui::parse(form.lang.as_deref());
    let w = Words { ui };
    form.fill_defaults(s.params(), s.this_month());
    if !form.submitted {
        return render(&s, &form, ui, &[], &[], None, StatusCode::OK);
    }
    let built = match build(s.params(), s.region(), &form, ui) {
        Ok(b) => b,
        Err(problems) => return refuse(&s, &form, ui, &problems, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let Ok(permit) = RUNS.clone().try_acquire_owned() else {
        let mut res = (StatusCode::SERVICE_UNAVAILABLE, w.t("an_busy")).into_response();
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return res;
    };
    let state = s.clone();
    let req = built.request.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        flexpension_sim::run(state.params(), &req)
    })
    .await;
    match ran {
        Ok(Ok(report)) if form.json => match serde_json::to_string_pretty(&report) {
            Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body + "\n").into_response(),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, w.t("an_e_failed")).into_response(),
        },
        Ok(Ok(report)) => {
            let v = view(&report, &built.request, w);
            render(&s, &form, ui, &[], &built.notes, Some(v), StatusCode::OK)
        }
        Ok(Err(e)) if at_fault(&e) => {
            let field = blamed(&e);
            let p = Problem { field, label: w.t(label_key(field)), message: w.t("an_e_sim").to_string(), detail: Some(e.to_string()) };
            refuse(&s, &form, ui, &[p], StatusCode::UNPROCESSABLE_ENTITY)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "analyst simulation failed");
            let p = Problem { field: "", label: w.t("an_problems"), message: w.t("an_e_failed").to_string(), detail: Some(e.to_string()) };
            refuse(&s, &form, ui, &[p], StatusCode::INTERNAL_SERVER_ERROR)
        }
        Err(e) => {
            tracing::error!(error = %e, "analyst simulation panicked");
            let p = Problem { field: "", label: w.t("an_problems"), message: w.t("an_e_failed").to_string(), detail: None };
            refuse(&s, &form, ui, &[p], StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The form again with the problems (or, for `format=json`, them as JSON).
fn refuse(s: &AppState, form: &Form, ui: Ui, problems: &[Problem], status: StatusCode) -> Response {
    if form.json {
        let first = problems.first();
        let body = serde_json::json!({
            "error": if status.is_server_error() { "internal" } else { "invalid" },
            "field": first.map(|p| p.field).unwrap_or(""),
            "message": first.map(|p| format!("{}: {}", p.label, p.message)).unwrap_or_default(),
            "problems": problems.iter().map(|p| serde_json::json!({"field": p.field, "message": p.message, "detail": p.detail})).collect::<Vec<_>>(),
        });
        return (status, axum::Json(body)).into_response();
    }
    render(s, form, ui, problems, &[], None, status)
}

fn render(
    s: &AppState,
    form: &Form,
    ui: Ui,
    problems: &[Problem],
    notes: &[String],
    results: Option<View>,
    status: StatusCode,
) -> Response {
    let w = Words { ui };
    let p = s.params();
    let month = form.month.trim().parse().unwrap_or(s.this_month());
    let policies = policy_names(p)
        .into_iter()
        .map(|name| {
            let title = p.policy(&name).map(|x| if ui.is_en() { x.title_en.clone() } else { x.title_zh.clone() }).unwrap_or_default();
            PolicyChoice { checked: form.ticked(&name), title, name }
        })
        .collect();
    let paper_hint = p.policy(PAPER).ok().and_then(|pol| {
        let file = PaperFile::of(p, month)?;
        let brackets = pol.rate_brackets.at(month.first_day()).ok()?.value.to_string();
        let range = file.allowed.map_or_else(|| "0%-100%".into(), |(lo, hi)| format!("{}-{}", lo.percent(), hi.percent()));
        Some((w.f("an_edges_hint", &[("brackets", &brackets)]), w.f("an_subsidy_hint", &[("range", &range)])))
    });
    let workers_hint = w.f("an_workers_hint", &[("max", &count(MAX_WORKERS as u64)), ("cap", &count(MAX_WORKERS_PROJECTED as u64))]);
    let page = Page {
        ui,
        w,
        form,
        lang_code: if ui.is_en() { "en" } else { "zh" },
        switch_query: form.query(ui.other_code(), false),
        json_query: form.query(if ui.is_en() { "en" } else { "zh" }, true),
        css: assets::url("app.css"),
        icon: assets::url("icon.svg"),
        policies,
        workers_hint,
        paper_hint,
        problems,
        notes,
        results,
    };
    match page.render() {
        Ok(b) => super::html(status, b),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Every key this file and its template name is in `ANALYST`, in both languages, with the
    /// same placeholders; every key there is used.
    #[test]
    fn words_exist_in_both_languages() {
        let sources = [include_str!("analyst.rs"), include_str!("../../templates/analyst.html")];
        let mut used: Vec<String> = Vec::new();
        for s in sources {
            for part in s.split("\"an_").skip(1) {
                let k = format!("an_{}", part.split('"').next().unwrap_or(""));
                if k.len() > 3 && k.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    used.push(k);
                }
            }
        }
        for k in &used {
            assert!(ANALYST.iter().any(|(key, _, _)| key == k), "'{k}' is used but not in i18n::ANALYST");
        }
        let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let holes = |s: &str| {
            let mut h: Vec<String> = s.split('{').skip(1).filter_map(|p| p.split('}').next()).map(str::to_string).collect();
            h.sort();
            h
        };
        for (k, zh, en) in ANALYST {
            assert!(used.iter().any(|u| u == k), "'{k}' is in i18n::ANALYST but never used");
            assert!(cjk(zh) && !cjk(en), "{k}: languages mixed up");
            assert_eq!(holes(zh), holes(en), "{k}: placeholders differ");
            assert_eq!(ANALYST.iter().filter(|(x, _, _)| x == k).count(), 1, "{k} twice");
        }
    }

    #[test]
    fn defaults_come_from_the_parameter_file() {
        let f = filled("");
        assert!(!f.submitted);
        assert_eq!((f.workers.as_str(), f.seed.as_str(), f.month.as_str(), f.years.as_str()), ("20000", "1", "2025-06", "0"));
        assert_eq!((f.edges.as_str(), f.rates.as_str(), f.subsidy.as_str()), ("3999.99, 6000", "0.12, 0.16, 0.20", "0.40"));
        assert_eq!(f.policies.as_deref(), Some(&["current".to_string(), "paper".to_string()][..]));
    }

    #[test]
    fn an_untouched_form_is_the_papers_comparison_without_variant() {
        let f = filled("run=1&policy=current&policy=paper&workers=1000");
        let b = build(&params(), "zj", &f, Ui::parse(Some("en"))).unwrap();
        assert_eq!(
            b.request,
            SimRequest { sets: vec![], ..SimRequest::new(PopulationSpec::Generated { workers: 1000, seed: 1 }, ym("2025-06")) }
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
        let b = build(&params(), "zj", &f, Ui::parse(None)).unwrap();
        assert_eq!(
            b.request.sets,
            ["paper.rate.brackets=3999.99:10%,6000:0.16,:0.2", "paper.subsidy.share=50%", "paper.subsidy.income_below=6000"]
        );
        assert_eq!(b.request.years, Some(10));
        assert!(command_line(&b.request, false).contains("--set paper.rate.brackets=3999.99:10%,6000:0.16,:0.2 --set"));
        assert_eq!(shell_quote("a b'c"), r"'a b'\''c'");
    }

    #[test]
    fn every_bad_field_is_named() {
        let en = Ui::parse(Some("en"));
        let fields =
            |q: &str| -> Vec<&'static str> { build(&params(), "zj", &filled(q), en).unwrap_err().into_iter().map(|p| p.field).collect() };
        assert_eq!(fields("run=1&workers=abc&seed=-1&month=2025-13&years=61"), ["workers", "seed", "month", "years", "policy"]);
        assert_eq!(fields("workers=300000"), ["workers"]);
        assert_eq!(fields("workers=20001&years=5"), ["workers"]);
        assert_eq!(fields("edges=6000,4000"), ["edges"]);
        assert_eq!(fields("edges=4000&rates=0.1,0.2,0.3"), ["rates"]);
        assert_eq!(fields("rates=0.1,1.5,0.2"), ["rates"]);
        assert_eq!(fields("subsidy=0.6"), ["subsidy"]);
        assert_eq!(fields("sets=nonsense"), ["sets"]);
        assert_eq!(fields("policy=nope"), ["policy"]);
        let p = &build(&params(), "zj", &filled("subsidy=0.6"), en).unwrap_err()[0];
        assert_eq!(p.label, "Subsidy share");
        assert!(p.detail.as_deref().is_some_and(|d| d.contains("30%") && d.contains("50%")), "{p:?}");
    }

    #[test]
    fn fields_for_the_paper_without_the_paper_are_said_unused() {
        let b = build(&params(), "zj", &filled("run=1&policy=current&subsidy=0.5"), Ui::parse(None)).unwrap();
        assert!(b.request.sets.is_empty());
        assert_eq!(b.notes.len(), 1);
    }

    #[test]
    fn money_is_grouped() {
        assert_eq!(money(11411027280), "114,110,272.80");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(money(99720), "997.20");
        assert_eq!(count(1000), "1,000");
    }

    #[tokio::test]
    async fn busy_while_another_run_holds_the_permit() {
        let state = AppState::new(Arc::new(params()));
        let held = RUNS.clone().try_acquire_owned().unwrap();
        let res = page(State(state.clone()), RawQuery(Some("workers=10&lang=en".into()))).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        drop(held);
        let res = page(State(state), RawQuery(Some("workers=10&lang=en".into()))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}
