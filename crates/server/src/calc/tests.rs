use super::*;

fn p() -> Params {
    Params::embedded().unwrap()
}
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

#[test]
fn contribution_contract_fields() {
    let r = ContributionRequest {
        region: Some("zj".into()),
        month: "2025-03".into(),
        income: NumText::Int(3800),
        base: None,
        policy: None,
        overlay: None,
    };
    let v = serde_json::to_value(contribution(&p(), &r).unwrap()).unwrap();
    for f in ["base_fen", "rate", "contribution_fen", "personal_account_fen", "pooling_fen", "subsidy_fen", "net_fen", "burden", "steps"] {
        assert!(v.get(f).is_some(), "missing {f}");
    }
    assert_eq!(v["contribution_fen"], 99_720);
    assert_eq!(v["burden"], "0.2624");
    assert_eq!(v["rate"], "0.20");
}

#[test]
fn errors_name_the_field() {
    let r = ContributionRequest { region: None, month: "2025-13".into(), income: "3800".into(), base: None, policy: None, overlay: None };
    assert_eq!(contribution(&p(), &r).unwrap_err().field, "month");
    let r = ContributionRequest { region: None, month: "2025-03".into(), income: "-5".into(), base: None, policy: None, overlay: None };
    assert_eq!(contribution(&p(), &r).unwrap_err().field, "income");
    let r = ContributionRequest {
        region: None,
        month: "2025-03".into(),
        income: "5".into(),
        base: None,
        policy: Some("nope".into()),
        overlay: None,
    };
    let e = contribution(&p(), &r).unwrap_err();
    assert_eq!((e.field.as_str(), e.error), ("policy", "unknown_name"));
    let r = ContributionRequest { region: None, month: "2023-03".into(), income: "5".into(), base: None, policy: None, overlay: None };
    assert_eq!(contribution(&p(), &r).unwrap_err().error, "no_parameter");
    let r = RetirementRequest { birth: "1971-04".into(), sex: "x".into(), category: None, region: None };
    assert_eq!(retirement(&p(), &r, today()).unwrap_err().field, "sex");
    let r = WorkdaysRequest { from: "2025-09-26".into(), add: Some("7".into()), to: Some("2025-10-01".into()) };
    assert_eq!(workdays(&p(), &r).unwrap_err().field, "add");
}

#[test]
fn female_default_category_is_the_regions() {
    let r = RetirementRequest { birth: "1971-04".into(), sex: "female".into(), category: None, region: None };
    let out = retirement(&p(), &r, today()).unwrap();
    assert_eq!(out.result.retirement_month.to_string(), "2026-08");
    assert!(out.explanation.warnings.iter().any(|w| w.en.contains("No category given")));
}

#[test]
fn other_calculators() {
    let r = PensionRequest {
        region: Some("zj".into()),
        retire: "2025-12".into(),
        age: "60y1m".into(),
        benefit_base: "8462".into(),
        index: "0.872".into(),
        months: NumText::Int(517),
        balance: "111640.05".into(),
    };
    let v = serde_json::to_value(pension(&p(), &r).unwrap()).unwrap();
    assert_eq!((v["basic_fen"].as_i64(), v["personal_fen"].as_i64(), v["divisor"].as_str()), (Some(341_212), Some(80_665), Some("138.4")));
    let v = serde_json::to_value(workdays(&p(), &WorkdaysRequest { from: "2025-09-26".into(), add: Some("7".into()), to: None }).unwrap())
        .unwrap();
    assert_eq!(v["date"], "2025-10-13");
    let r = InjuryRequest { order_type: "instant_delivery".into(), orders: NumText::Int(1200), level: None, date: None, region: None };
    assert_eq!(injury(&p(), &r, today()).unwrap().result.premium_fen, 8_400);
    let v = id_check(&IdCheckRequest { number: "11010519491231002X".into(), kind: None }).unwrap();
    assert!(v.valid);
    let e =
        estimate(&p(), &EstimateRequest { region: None, policy: None, base: None, month: "2025-03".into(), years: "15".into(), age: None })
            .unwrap();
    assert!(e.result.total_fen > 0 && e.base_fen == 498_600);
}
