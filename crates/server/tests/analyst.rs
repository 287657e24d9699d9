//! The analysts' page over real HTTP: its figures are the simulation library's, to the fen.

mod common;

use flexpension_rules::Params;
use flexpension_sim::{PopulationSpec, SimReport, SimRequest};

/// One simulation runs at a time: tests running side by side may be told 503; wait and ask again.
fn get(path: &str) -> common::Reply {
    for _ in 0..600 {
        let r = common::get(path);
        if r.status != 503 {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{path}: still busy after a minute");
}

fn library(workers: usize, seed: u64, sets: &[&str]) -> SimReport {
    let params = Params::embedded().expect("params");
    let req = SimRequest {
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..SimRequest::new(
            PopulationSpec::Generated { workers, seed },
            flexpension_server::DEFAULT_REGION,
            "2025-06".parse().expect("month"),
        )
    };
    flexpension_sim::run(&params, &req).expect("run")
}

/// The exact figure of a totals cell: `<td id="contribution-paper" data-fen="...">`.
fn fen(html: &str, id: &str) -> i64 {
    let at = html.find(&format!(r#"id="{id}" data-fen=""#)).unwrap_or_else(|| panic!("no cell {id}"));
    let rest = &html[at + id.len() + 16..];
    rest[..rest.find('"').expect("end")].parse().expect("fen")
}

const RUN: &str = "/analyst?lang=en&run=1&workers=2000&seed=7&month=2025-06&policy=current&policy=paper";

#[test]
fn the_empty_page_is_a_form_with_the_files_values() {
    let r = get("/analyst");
    assert_eq!(r.status, 200);
    let b = &r.body;
    assert!(b.contains(r#"<html lang="zh-CN">"#));
    assert!(b.contains(r#"<form id="sim" class="card" action="/analyst" method="get">"#), "a plain GET form");
    for name in ["workers", "seed", "month", "policy", "edges", "rates", "subsidy", "years", "sets"] {
        assert!(b.contains(&format!(r#"name="{name}""#)), "input {name}");
    }
    assert!(b.contains(r#"value="20000""#) && b.contains(r#"value="3999.99, 6000""#) && b.contains(r#"value="0.12, 0.16, 0.20""#));
    assert!(
        b.contains(r#"value="2999.99:0.50, 3999.99:0.40, :0.30""#) && b.contains("30%-50%"),
        "the subsidy bands and their allowed range"
    );
    assert!(b.contains(r#"name="month" type="month" value="2025-03""#), "this month by default");
    assert!(!b.contains("<svg"), "no results before a run");
    assert!(get("/analyst?lang=en").body.contains("Sample size (workers)"));
}

#[test]
fn in_chinese_the_jobs_charts_and_region_are_named_in_chinese() {
    let r = get(&RUN.replace("lang=en", "lang=zh"));
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &r.body;
    for s in ["外卖骑手", "缴费负担分布：浙江", "人数占比（%）", "给技术人员"] {
        assert!(b.contains(s), "missing {s}");
    }
    assert!(!b.contains("delivery rider") && !b.contains("Contribution burden") && !b.contains("% of workers"));
    assert!(!b.contains("其他 --set"), "no CLI jargon in the form");
}

#[test]
fn a_run_shows_the_librarys_totals_tables_charts_and_command() {
    let r = get(RUN);
    assert_eq!(r.status, 200, "{}", r.body);
    let lib = library(2000, 7, &[]);
    for name in ["current", "paper"] {
        let p = &lib.policies[name];
        assert_eq!(fen(&r.body, &format!("contribution-{name}")), p.totals.contribution_fen, "{name}");
        assert_eq!(fen(&r.body, &format!("subsidy-{name}")), p.totals.subsidy_fen, "{name}");
        assert_eq!(fen(&r.body, &format!("net-{name}")), p.totals.net_fen, "{name}");
    }
    let b = &r.body;
    for s in [
        "table class=\"compare totals\"",
        "id=\"by-band\"",
        "id=\"by-job\"",
        "<svg",
        "delivery rider",
        "Over the paper&#39;s 10% benchmark",
    ] {
        assert!(b.contains(s), "missing {s}");
    }
    assert!(b.contains("flexpension simulate --population 2000 --seed 7 --month 2025-06 --policy current --policy paper --en"));
    assert!(b.contains("This is a synthetic population"), "the report's warnings");
    assert!(!b.contains("Variant in use"), "the file's values are no variant");
}

#[test]
fn json_is_the_cli_json() {
    let r = get(&format!("{RUN}&format=json"));
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    // Byte for byte what `flexpension simulate --json` prints.
    let cli = serde_json::to_string_pretty(&library(2000, 7, &[])).expect("json") + "\n";
    assert!(r.body == cli, "the JSON differs from the library's");
}

#[test]
fn the_subsidy_share_changes_the_subsidy_total() {
    let at = |share: &str| get(&format!("{RUN}&format=json&subsidy={share}")).json();
    let (low, high) = (at("0.3"), at("50%"));
    let subsidy = |v: &serde_json::Value, p: &str| v["policies"][p]["subsidy_fen"].as_i64().expect("subsidy_fen");
    assert!(subsidy(&high, "paper") > subsidy(&low, "paper"), "{} vs {}", subsidy(&high, "paper"), subsidy(&low, "paper"));
    assert_eq!(subsidy(&low, "current"), subsidy(&high, "current"), "the law is left alone");
    assert_eq!(subsidy(&high, "paper"), library(2000, 7, &["paper.subsidy.share=50%"]).policies["paper"].totals.subsidy_fen);
    assert_eq!(high["policies"]["paper"]["variant"][0]["now"], "50%");
    // Bands typed in the field are a schedule: the lowest incomes get the most.
    let banded = at("2999.99:0.5,:0.3");
    assert_eq!(banded["policies"]["paper"]["rules"]["subsidy_share"], "50%/30%");
    let s = subsidy(&banded, "paper");
    assert!(subsidy(&low, "paper") < s && s < subsidy(&high, "paper"), "{s}");
    assert_eq!(s, library(2000, 7, &["paper.subsidy.share=2999.99:0.5,:0.3"]).policies["paper"].totals.subsidy_fen);
}

#[test]
fn a_bracket_rate_is_a_variant_said_out_loud() {
    let r = get(&format!("{RUN}&rates=0.10,0.16,0.20"));
    assert_eq!(r.status, 200);
    let lib = library(2000, 7, &["paper.rate.brackets=3999.99:0.10,6000:0.16,:0.20"]);
    assert_eq!(fen(&r.body, "contribution-paper"), lib.policies["paper"].totals.contribution_fen);
    assert_eq!(fen(&r.body, "contribution-current"), lib.policies["current"].totals.contribution_fen);
    assert!(r.body.contains("Variant in use"));
    assert!(r.body.contains("--set paper.rate.brackets=3999.99:0.10,6000:0.16,:0.20"));
}

#[test]
fn bad_fields_are_named_with_the_reason() {
    for (query, field, reason) in [
        ("workers=abc", "workers", "is not a whole number"),
        ("workers=500000", "workers", "outside 1 to 200000"),
        ("workers=50000&years=10", "workers", "at most 20000"),
        ("seed=x", "seed", "not a whole number"),
        ("month=June", "month", "not a month"),
        ("subsidy=0.9", "subsidy", "outside the range"),
        ("edges=6000,4000", "edges", "must be above"),
        ("rates=0.1,0.2", "rates", "give 3 rates"),
        ("years=99", "years", "outside 0 to 60"),
        ("sets=paper.no.such.key%3D1", "sets", "unknown key"),
        ("run=1&workers=10", "policy", "tick at least one policy"),
        ("month=2019-06", "month", "no value"),
    ] {
        let r = get(&format!("/analyst?lang=en&workers=10&{query}"));
        assert_eq!(r.status, 422, "{query}");
        assert!(r.body.contains(&format!(r#"data-field="{field}""#)), "{query}: field {field} not named");
        assert!(r.body.contains(reason), "{query}: reason '{reason}' missing");
        assert!(r.body.contains(r#"<form id="sim""#), "{query}: the form again");
    }
    let r = get("/analyst?lang=en&workers=0&format=json");
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "workers");
}
