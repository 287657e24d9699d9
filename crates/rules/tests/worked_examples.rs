//! Every example of the reference's worked-examples.md, and the acceptance figures,
//! reproduced to the cent from the shipped parameter files.

use chrono::NaiveDate;
use flexpension_rules::checkdigit;
use flexpension_rules::contribution::ContributionInput;
use flexpension_rules::money::{Dec6, parse_yuan};
use flexpension_rules::pension::PensionInput;
use flexpension_rules::{Age, Category, Params, YearMonth};

fn params() -> Params {
    Params::embedded().expect("shipped parameters load")
}
fn ym(s: &str) -> YearMonth {
    s.parse().unwrap()
}
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

#[test]
fn example_1_benefit_notice_2024() {
    let p = params();
    let out = p
        .pension(&PensionInput {
            retire: ym("2024-04"),
            age: Age { years: 50, months: 0 },
            benefit_base_fen: 807_900,
            avg_contribution_index: Dec6::parse("0.84").unwrap(),
            months: 208,
            balance_fen: parse_yuan("91147.87").unwrap(),
        })
        .unwrap();
    let v = out.value;
    assert_eq!(v.indexed_wage_fen, 678_636);
    assert_eq!(v.years_counted, "17.33");
    assert_eq!(v.basic_fen, 128_808);
    assert_eq!(v.personal_fen, 46_742);
    assert_eq!(v.divisor.to_string(), "195");
    // The notice's total adds Sichuan's local 117.61: 1873.11.
    assert_eq!(v.total_fen + 11_761, 187_311);
}

#[test]
fn example_2_non_integer_age_2025() {
    let p = params();
    let out = p
        .pension(&PensionInput {
            retire: ym("2025-12"),
            age: "60y1m".parse().unwrap(),
            benefit_base_fen: 846_200,
            avg_contribution_index: Dec6::parse("0.872").unwrap(),
            months: 517,
            balance_fen: parse_yuan("111640.05").unwrap(),
        })
        .unwrap();
    let v = out.value;
    assert_eq!(v.divisor.to_string(), "138.4");
    assert_eq!(v.personal_fen, 80_665);
    assert_eq!(v.indexed_wage_fen, 737_886);
    assert_eq!(v.basic_fen, 341_212);
    assert_eq!(v.total_fen, 341_212 + 80_665);
    // Every step names itself in both languages and the divisor's source is cited.
    assert!(out.steps.iter().all(|s| !s.zh.is_empty() && !s.en.is_empty()));
    assert!(out.params.iter().any(|u| u.key == "divisor_by_month" && u.source == "JINAN-DIVISOR"));
    assert!(out.steps.iter().any(|s| s.zh.contains("指数化月平均缴费工资")));
}

#[test]
fn example_2_more_divisors() {
    let p = params();
    let mut ex = flexpension_rules::Explainer::new();
    for (age, want) in
        [("60y1m", "138.4"), ("50y1m", "194.6"), ("60y3m", "137.3"), ("61y7m", "127.9"), ("57y8m", "154"), ("51y11m", "185.4")]
    {
        let d = p.annuity_divisor(age.parse().unwrap(), ym("2026-01"), &mut ex).unwrap();
        assert_eq!(d.to_string(), want, "age {age}");
    }
    // Before the reform months are not counted.
    let d = p.annuity_divisor("60y1m".parse().unwrap(), ym("2024-06"), &mut ex).unwrap();
    assert_eq!(d.to_string(), "139");
    assert!(p.annuity_divisor("70y1m".parse().unwrap(), ym("2026-01"), &mut ex).is_err());
    assert!(p.annuity_divisor("39y".parse().unwrap(), ym("2026-01"), &mut ex).is_err());
}

#[test]
fn example_7_retirement_months() {
    let p = params();
    let rows = [
        ("1964-12", Category::Male, "2024-12", 60, 0, "15"),
        ("1965-01", Category::Male, "2025-02", 60, 1, "15"),
        ("1965-04", Category::Male, "2025-05", 60, 1, "15"),
        ("1965-05", Category::Male, "2025-07", 60, 2, "15"),
        ("1971-04", Category::Female55, "2026-08", 55, 4, "15"),
        ("1976-08", Category::Male, "2039-07", 62, 11, "20"),
        ("1976-09", Category::Male, "2039-09", 63, 0, "20"),
        ("1970-01", Category::Female55, "2025-02", 55, 1, "15"),
        ("1981-09", Category::Female55, "2039-09", 58, 0, "20"),
        ("1975-01", Category::Female50, "2025-02", 50, 1, "15"),
        ("1984-11", Category::Female50, "2039-11", 55, 0, "20"),
    ];
    for (birth, cat, month, y, m, min) in rows {
        let r = p.retirement(ym(birth), cat, today()).unwrap().value;
        assert_eq!(r.retirement_month.to_string(), month, "born {birth}");
        assert_eq!((r.age_years, r.age_months), (y, m), "born {birth}");
        assert_eq!(r.min_contribution_years, min, "born {birth}");
    }
    let r = p.retirement(ym("1970-06"), Category::Male, today()).unwrap().value;
    // 1970-06: m = 65, delay 17 -> 61y5m (2031-11); minimum 16 years in 2031; earliest 60y0m.
    assert_eq!(r.retirement_month.to_string(), "2031-11");
    assert_eq!(r.min_contribution_years, "16");
    assert_eq!(r.earliest_month.to_string(), "2030-06");
}

#[test]
fn example_13_check_digits() {
    for ok in ["11010519491231002X", "440524188001010014", "91350100M000100Y43", "91440300708461136T", "91110108551385082Q"] {
        assert!(checkdigit::check(ok, None).valid, "{ok}");
    }
    for bad in ["110105194912310021", "110105195001010014", "91350200M000000510", "91350128M00000019A"] {
        assert!(!checkdigit::check(bad, None).valid, "{bad}");
    }
}

fn contribution(
    policy: &str,
    overlay: Option<&str>,
    month: &str,
    income: &str,
) -> flexpension_rules::Explained<flexpension_rules::ContributionView> {
    let p = params();
    let s = p.scenario("zj", Some(policy), overlay).unwrap();
    s.contribution(&ContributionInput { month: ym(month), income_fen: parse_yuan(income).unwrap(), declared_base_fen: None }).unwrap()
}

#[test]
fn acceptance_zhejiang_march_2025() {
    let c = contribution("current", None, "2025-03", "3800");
    assert_eq!(c.value.base_fen, 498_600);
    assert_eq!(c.value.contribution_fen, 99_720);
    assert_eq!(c.value.rate, "0.20");
    assert_eq!(c.value.burden.as_deref(), Some("0.2624"));
    assert_eq!(c.value.personal_account_fen, 39_888);
    assert_eq!(c.value.pooling_fen, 59_832);
    assert_eq!(c.value.subsidy_fen, 0);
    assert!(c.value.over_benchmark);
    // The explanation says where 4986 comes from and that the 10% benchmark is not an ILO rule.
    assert!(c.params.iter().any(|u| u.key == "zj.base_lower" && u.source == "ZJ2025-52"));
    assert!(c.warnings.iter().any(|w| w.en.contains("no ILO instrument")));
    assert!(c.steps.iter().any(|s| s.zh.contains("缴费基数")));

    let c = contribution("paper", None, "2025-03", "3800");
    assert_eq!(c.value.rate, "0.12");
    assert_eq!(c.value.contribution_fen, 59_832);
    assert_eq!(c.value.subsidy_fen, 23_933); // 40% of 598.32 = 239.328 -> 239.33
    assert_eq!(c.value.net_fen, 59_832 - 23_933);
    assert!(c.warnings.iter().any(|w| w.en.contains("the paper's proposal, not the law")));
}

#[test]
fn acceptance_paper_overlay_june_2024() {
    let c = contribution("current", Some("paper-2024"), "2024-06", "3800");
    assert_eq!(c.value.base_fen, 422_700);
    assert_eq!(c.value.contribution_fen, 84_540);
    let c = contribution("paper", Some("paper-2024"), "2024-06", "3800");
    assert_eq!(c.value.contribution_fen, 50_724);
    assert!(c.warnings.iter().any(|w| w.en.contains("overlay")));
    // Without the overlay the 2024 figure is the (weak) 4812, and the note says the paper differs.
    let c = contribution("current", None, "2024-06", "3800");
    assert_eq!(c.value.base_fen, 481_200);
    assert!(c.warnings.iter().any(|w| w.en.contains("4227")));
}

#[test]
fn paper_bracket_edges() {
    for (income, rate) in [("3999.99", "0.12"), ("4000", "0.16"), ("6000", "0.16"), ("6000.01", "0.20")] {
        assert_eq!(contribution("paper", None, "2025-03", income).value.rate, rate, "income {income}");
    }
}

#[test]
fn paper_subsidy_bands_at_their_edges() {
    // Zhejiang 2025: base 4986; 12% below 4000 is 598.32, 16% from 4000 is 797.76.
    for (income, share, subsidy) in [
        ("0", "50%", 29_916),
        ("2999.99", "50%", 29_916),
        ("3000", "40%", 23_933),
        ("3999.99", "40%", 23_933),
        ("4000", "30%", 23_933),
        ("4999.99", "30%", 23_933),
    ] {
        let c = contribution("paper", None, "2025-03", income);
        assert_eq!(c.value.subsidy_fen, subsidy, "income {income}");
        assert_eq!(c.value.net_fen, c.value.contribution_fen - subsidy, "income {income}");
        // The step names the band, the share and the parameter by its plain name, pointing to the
        // figures used, which give its key and source; workers read no source codes.
        let step = c.steps.iter().find(|s| s.en.starts_with("Subsidy:")).expect("a subsidy step");
        assert!(step.zh.contains(share) && step.zh.contains("「补贴比例」") && step.zh.contains("用到的数字和出处"), "{}", step.zh);
        assert!(step.en.contains(share) && step.en.contains("subsidy share") && step.en.contains("Figures used"), "{}", step.en);
        assert!(!step.zh.contains("PAPER") && !step.en.contains("PAPER"));
        let (band_zh, band_en) = match income {
            "0" | "2999.99" => ("在不超过2999.99元这一档", "in the band up to 2999.99 yuan"),
            "3000" | "3999.99" => ("在3000.00元到3999.99元这一档", "in the band from 3000.00 to 3999.99 yuan"),
            _ => ("在4000.00元到4999.99元这一档", "in the band from 4000.00 to 4999.99 yuan"),
        };
        assert!(step.zh.contains(band_zh) && step.en.contains(band_en), "{step:?}");
        let u = c.params.iter().find(|u| u.key == "paper.subsidy_share").expect("the schedule is listed");
        assert_eq!((u.source.as_str(), u.value.as_str()), ("PAPER", "≤2999.99: 50%; ≤3999.99: 40%; >3999.99: 30%"));
    }
    let c = contribution("paper", None, "2025-03", "5000");
    assert_eq!(c.value.subsidy_fen, 0);
    assert!(c.steps.iter().any(|s| s.en == "Subsidy: only incomes below 5000.00 yuan a month get one, so none this month."));
    // The law has none at all.
    let c = contribution("current", None, "2025-03", "2000");
    assert_eq!(c.value.subsidy_fen, 0);
    assert!(c.steps.iter().any(|s| s.en == "There is no subsidy based on income."));
}

#[test]
fn month_outside_every_range_is_an_error() {
    let p = params();
    let s = p.scenario("zj", None, None).unwrap();
    let e = s.contribution(&ContributionInput { month: ym("2023-06"), income_fen: 380_000, declared_base_fen: None }).unwrap_err();
    let msg = e.to_string();
    // Users read this message: the parameter and the date, not the server's file name.
    assert!(msg.contains("base_lower") && msg.contains("2023-06-01") && !msg.contains(".toml"), "{msg}");
    use flexpension_rules::contribution::ContributionError;
    use flexpension_rules::params::ParamError;
    assert!(matches!(&e, ContributionError::Param(ParamError::NoValue { file, .. }) if file == "regions/zj.toml"), "{e:?}");
}

#[test]
fn workdays_with_holidays() {
    let p = params();
    let cal = p.calendar();
    let d = NaiveDate::from_ymd_opt(2025, 9, 26).unwrap();
    assert_eq!(cal.add(d, 7).unwrap().value, NaiveDate::from_ymd_opt(2025, 10, 13).unwrap());
    let a = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let b = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    assert!(cal.between(a, b).is_err(), "2024 has no calendar loaded");
    let a = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    // 2025 has 248 working days; 2025-01-01 itself is a holiday and not counted anyway.
    assert_eq!(cal.between(a, b).unwrap().value, 248);
    assert!(cal.add(NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(), 30).is_err(), "2027 is not published");
    // The transfer's statutory 45 working days from the start of 2026.
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let end = cal.add(start, 45).unwrap().value;
    assert_eq!(cal.between(start, end).unwrap().value, 45);
}

#[test]
fn injury_premiums() {
    let p = params();
    let date = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
    use flexpension_rules::injury::OrderType;
    let r = p.injury_premium(OrderType::InstantDelivery, 1200, false, date, None).unwrap();
    assert_eq!(r.value.premium_fen, 8_400);
    assert_eq!(p.injury_premium(OrderType::InstantDelivery, 1200, true, date, None).unwrap().value.premium_fen, 30_000);
    assert_eq!(p.injury_premium(OrderType::RideHailing, 1200, false, date, None).unwrap().value.premium_fen, 1_200);
    assert_eq!(p.injury_premium(OrderType::SameCityFreight, 10, false, date, None).unwrap().value.premium_fen, 180);
    let zj = p.scenario("zj", None, None).unwrap().region;
    let early = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
    assert!(p.injury_premium(OrderType::RideHailing, 1, false, early, Some(&zj)).is_err());
    assert!(p.injury_premium(OrderType::RideHailing, 1, false, date, Some(&zj)).is_ok());
}

#[test]
fn residents_pension_matches_the_papers_range() {
    let p = params();
    let r = p.residents_pension(10_000, 15, ym("2025-06"), Some(380_000)).unwrap().value;
    // (100 + 30) × 15 = 1950; 1950 / 139 = 14.03; + 143 = 157.03 yuan a month.
    assert_eq!(r.account_fen, 195_000);
    assert_eq!(r.personal_fen, 1_403);
    assert_eq!(r.total_fen, 15_703);
    assert!(r.replacement_bp.unwrap() < 1_000, "under 10%");
    assert!(p.residents_pension(12_345, 15, ym("2025-06"), None).is_err());
}

/// The year's contributions earn rate × 1.083 × ½: the annual method (年度计算法) of the
/// personal-account rules, 劳办发〔1997〕116号, not the 2017 credited-rate notice (which sets
/// the rate) and not the monthly-product method (月积数法) of the same rules.
#[test]
fn interest_factor_names_its_method_and_source() {
    let p = params();
    let d = p.national.new_contribution_interest_factor.at(today()).expect("factor");
    assert_eq!(d.value, Dec6(541_500), "1.083 × 1/2");
    assert_eq!(d.source, "LB1997-116");
    assert_eq!(p.sources[&d.source].doc_no, "劳办发〔1997〕116号");
    let note = d.note.as_ref().expect("note");
    assert!(note.zh.contains("年度计算法") && !note.zh.contains("月积数法"), "{note:?}");
    assert!(note.en.contains("Annual method"), "{note:?}");
    // The credited rate itself stays with the 2017 notice.
    let rate = p.national.credited_rate.at(NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()).expect("rate");
    assert_eq!(rate.source, "RSB2017-31");
}

/// 延缴: continuing past the statutory age is a sourced rule parameter.
#[test]
fn continued_contribution_past_retirement_is_a_sourced_parameter() {
    let p = params();
    let d = p.national.continued_contribution_until_min_years.at(today()).expect("rule");
    assert!(d.value);
    assert_eq!(p.sources[&d.source].doc_no, "主席令第35号");
}
