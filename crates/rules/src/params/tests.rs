//! Loading refuses bad data with an error naming file, key and problem.

use super::*;

fn files() -> Vec<(String, String)> {
    EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
}

/// Load the shipped files with one of them edited.
fn load_with(name: &str, edit: impl Fn(&str) -> String) -> Result<Params, ParamError> {
    let mut f = files();
    let slot = f.iter_mut().find(|(n, _)| n == name).expect("file exists");
    slot.1 = edit(&slot.1);
    Params::load(&f)
}

fn err(r: Result<Params, ParamError>) -> String {
    r.expect_err("must be refused").to_string()
}

#[test]
fn shipped_parameters_load() {
    let p = Params::embedded().unwrap();
    assert_eq!(p.region_codes(), ["ah", "zj"]);
    assert_eq!(p.policy_names(), ["current", "paper"]);
    assert_eq!(p.overlay_names(), ["paper-2024"]);
}

#[test]
fn overlapping_periods_are_refused() {
    let e = err(load_with("regions/zj.toml", |t| {
        t.replacen("effective_to = \"2024-12-31\"\nvalue = \"4812\"", "effective_to = \"2025-02-01\"\nvalue = \"4812\"", 1)
    }));
    assert!(e.contains("regions/zj.toml") && e.contains("base_lower") && e.contains("overlap"), "{e}");
}

#[test]
fn gaps_are_refused() {
    let e = err(load_with("regions/zj.toml", |t| {
        t.replacen("effective_to = \"2024-12-31\"\nvalue = \"4812\"", "effective_to = \"2024-11-30\"\nvalue = \"4812\"", 1)
    }));
    assert!(e.contains("base_lower") && e.contains("gap"), "{e}");
}

#[test]
fn unsourced_values_are_refused() {
    let e = err(load_with("national.toml", |t| {
        t.replacen(
            "source = \"GF2005-38\"\nconfidence = \"S\"\nnote_en = \"Each full year",
            "confidence = \"S\"\nnote_en = \"Each full year",
            1,
        )
    }));
    assert!(e.contains("national.toml") && e.contains("accrual_per_year[0]") && e.contains("source is missing"), "{e}");
    let e = err(load_with("national.toml", |t| t.replacen("source = \"GF2005-38\"", "source = \"NOPE\"", 1)));
    assert!(e.contains("'NOPE' is not in sources.toml"), "{e}");
}

#[test]
fn bad_values_and_typos_are_refused() {
    let e = err(load_with("policies/paper.toml", |t| t.replace("share = \"0.40\"", "share = \"0.60\"")));
    assert!(e.contains("policies/paper.toml") && e.contains("subsidy_share[0]") && e.contains("outside the allowed"), "{e}");
    let e = err(load_with("regions/zj.toml", |t| {
        format!("{t}\n[[base_uper]]\neffective_from = \"2025-01-01\"\nvalue = \"1\"\nsource = \"REPOS\"\nconfidence = \"W\"\n")
    }));
    assert!(e.contains("base_uper") && e.contains("unknown parameter"), "{e}");
    let e = err(load_with("regions/zj.toml", |t| t.replace("[[base_upper]]", "[[base_uper]]")));
    assert!(e.contains("base_upper: missing"), "{e}");
    let e = err(load_with("national.toml", |t| t.replacen("value = \"0.01\"", "value = \"1.5\"", 1)));
    assert!(e.contains("accrual_per_year") && e.contains("above 1"), "{e}");
    let e = err(load_with("national.toml", |t| t.replace("47 = 208", "47 = 230")));
    assert!(e.contains("divisor_table") && e.contains("fall"), "{e}");
    let e = err(load_with("policies/paper.toml", |t| t.replace("{ rate = \"0.20\" },", "")));
    assert!(e.contains("rate_brackets") && e.contains("last bracket"), "{e}");
    let e = err(load_with("national.toml", |t| t.replacen("confidence = \"S\"", "confidence = \"sure\"", 1)));
    assert!(e.contains("confidence 'sure'"), "{e}");
    let e = err(load_with("national.toml", |t| t.replacen("effective_from = \"2006-01-01\"", "effective_from = \"2006-13-01\"", 1)));
    assert!(e.contains("not a date"), "{e}");
    let e = err(load_with("national.toml", |t| format!("{t}\n[[oops\n")));
    assert!(e.starts_with("national.toml:"), "{e}");
}

#[test]
fn subsidy_bands_are_checked() {
    let p = Params::embedded().unwrap();
    let d = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let bands = &p.policy("paper").unwrap().subsidy_share.at(d).unwrap().value;
    assert_eq!(bands.shares_text(), "50%/40%/30%");
    for income in [0, 299_999, 300_000, 399_999, 400_000, 499_999, 500_000, i64::MAX] {
        assert_eq!(bands.share_at(income), bands.find(income).1.share, "{income}");
    }
    // The law's single "0" is one band paying nothing.
    assert!(p.policy("current").unwrap().subsidy_share.at(d).unwrap().value.is_zero());
    let paper = |from: &str, to: &str| err(load_with("policies/paper.toml", |t| t.replace(from, to)));
    // Each band's share within the allowed 30%-50%: the zero share belongs above the ceiling.
    let e = paper("{ share = \"0.30\" }", "{ share = \"0\" }");
    assert!(e.contains("subsidy_share[0]") && e.contains("band 2 (the last band): 0 is outside the allowed 0.3..0.5"), "{e}");
    let e = paper("up_to = \"2999.99\", share = \"0.50\"", "up_to = \"2999.99\", share = \"0.25\"");
    assert!(e.contains("band 0 (the band up to 2999.99 yuan): 0.25 is outside"), "{e}");
    // A band limit at or above the ceiling would leave the bands after it no income.
    for limit in ["4999.99", "5000", "7000"] {
        let e = paper("up_to = \"3999.99\", share", &format!("up_to = \"{limit}\", share"));
        assert!(e.contains("policies/paper.toml") && e.contains("subsidy_share[0]") && e.contains("band 1 ends at"), "{limit}: {e}");
        assert!(e.contains("subsidy_income_below from 2024-01-01 is 5000.00 yuan"), "{e}");
    }
    assert!(load_with("policies/paper.toml", |t| t.replace("up_to = \"3999.99\", share", "up_to = \"4999.98\", share")).is_ok());
    let e = paper("{ share = \"0.30\" },", "");
    assert!(e.contains("subsidy_share[0]") && e.contains("the last band must have no up_to"), "{e}");
    let e = paper("up_to = \"3999.99\", share", "up_to = \"2000\", share");
    assert!(e.contains("band 1: limits must rise"), "{e}");
    let e = paper("up_to = \"3999.99\", share", "up_to = \"3999.99\", rate");
    assert!(e.contains("band 1: unknown field 'rate'"), "{e}");
    // One share for every income under the ceiling is still written as a plain value.
    let flat = load_with("policies/paper.toml", |t| {
        let start = t.find("value = [\n  { up_to = \"2999.99\"").unwrap();
        let end = start + t[start..].find("]\n").unwrap() + 2;
        format!("{}value = \"0.45\"\n{}", &t[..start], &t[end..])
    })
    .unwrap();
    assert_eq!(flat.policy("paper").unwrap().subsidy_share.at(d).unwrap().value.to_string(), "45%");
}

#[test]
fn holiday_calendars_are_checked() {
    let e = err(load_with("holidays/2025.toml", |t| t.replace("working_days_in_year = 248", "working_days_in_year = 250")));
    assert!(e.contains("holidays/2025.toml") && e.contains("248"), "{e}");
    let e = err(load_with("holidays/2026.toml", |t| t.replacen("\"2026-01-04\"", "\"2026-01-01\"", 1)));
    assert!(e.contains("both an off day and a make-up"), "{e}");
}

#[test]
fn overlay_must_match_a_period() {
    let e = err(load_with("overlays/paper-2024.toml", |t| t.replace("effective_to = \"2024-12-31\"", "effective_to = \"2024-06-30\"")));
    assert!(e.contains("paper-2024.toml") && e.contains("matches no period"), "{e}");
}

#[test]
fn lookups_outside_every_range_fail() {
    let p = Params::embedded().unwrap();
    let s = p.scenario("zj", None, None).unwrap();
    let d = chrono::NaiveDate::from_ymd_opt(2023, 12, 31).unwrap();
    let e = s.region.base_lower.at(d).unwrap_err().to_string();
    assert!(e.contains("values start on 2024-01-01"), "{e}");
    let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let e = p.national.credited_rate.at(d).unwrap_err().to_string();
    assert!(e.contains("ended on 2025-12-31"), "{e}");
    assert!(p.scenario("sh", None, None).unwrap_err().to_string().contains("unknown region 'sh'"));
}

#[test]
fn lapse_threshold_is_dated_and_positive() {
    let p = Params::embedded().unwrap();
    let d = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let (n, u) = p.lookup(&p.national.lapse_after_months, d, |v| v.to_string()).unwrap();
    assert_eq!((*n, u.source.as_str()), (3, "DESIGN"));
    let e = err(load_with("national.toml", |t| t.replace("value = 3\nsource = \"DESIGN\"", "value = 0\nsource = \"DESIGN\"")));
    assert!(e.contains("lapse_after_months") && e.contains("at least 1"), "{e}");
}

#[test]
fn anhui_loads_and_computes_a_contribution() {
    use crate::contribution::ContributionInput;
    let p = Params::embedded().unwrap();
    let s = p.scenario("ah", None, None).unwrap();
    assert_eq!((s.region.name_en.as_str(), s.policy.name.as_str()), ("Anhui", "current"));
    // Income below the lower limit: the base is Anhui's 4227 yuan, 20% of it is 845.40 yuan.
    let input = ContributionInput { month: "2025-03".parse().unwrap(), income_fen: 300_000, declared_base_fen: None };
    let c = s.contribution(&input).unwrap();
    assert_eq!((c.value.base_fen, c.value.contribution_fen), (422_700, 84_540));
    // Its weak figures say so, naming the region's file values.
    assert!(c.params.iter().any(|u| u.key == "ah.base_lower" && u.value.contains("4227")), "{:?}", c.params);
    assert!(!c.warnings.is_empty());
    // The overlay reproducing the paper belongs to Zhejiang, not to Anhui.
    assert!(p.scenario("ah", None, Some("paper-2024")).is_err());
}

#[test]
fn province_list_and_transfer_rules_are_checked() {
    let e = err(load_with("provinces.toml", |t| t.replacen("prefix = \"11\"", "prefix = \"33\"", 1)));
    assert!(e.contains("provinces.toml") && e.contains("listed twice"), "{e}");
    let e = err(load_with("provinces.toml", |t| t.replacen("prefix = \"11\"", "prefix = \"1\"", 1)));
    assert!(e.contains("province[0].prefix") && e.contains("two digits"), "{e}");
    let e = err(load_with("provinces.toml", |t| t.replacen("code = \"ah\"", "code = \"xx\"", 1)));
    assert!(e.contains("region.code") && e.contains("'ah' is not a province code"), "{e}");
    let e = err(load_with("provinces.toml", |t| t.replacen("source = \"GBT2260\"", "source = \"NOPE\"", 1)));
    assert!(e.contains("'NOPE' is not in sources.toml"), "{e}");
    let e = err(load_with("national.toml", |t| t.replace("value = \"1998-01\"", "value = \"1998-13\"")));
    assert!(e.contains("transfer.pool_from_month") && e.contains("not a month"), "{e}");
    let e = err(load_with("national.toml", |t| t.replace("[[transfer.review_working_days]]", "[[transfer.review_workdays]]")));
    assert!(e.contains("transfer.review_working_days: missing"), "{e}");
}
