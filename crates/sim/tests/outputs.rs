//! The table, the CSV and the charts say what the report says, variants included.

use flexpension_rules::{Lang, Params};
use flexpension_sim::{PopulationSpec, SimRequest, charts, render, run};

#[test]
fn table_csv_and_charts() {
    let params = Params::embedded().unwrap();
    let mut req = SimRequest::new(PopulationSpec::Generated { workers: 3_000, seed: 1 }, "zj", "2025-06".parse().unwrap());
    req.years = Some(40);
    req.sets = vec!["paper.subsidy.share=0.5".into()];
    let rep = run(&params, &req).unwrap();
    let t = render::table(&rep, Lang::En);
    assert!(t.contains("VARIANT IN USE"));
    assert!(t.contains("Variant: paper with subsidy.share = 50% instead of the file's ≤2999.99: 50%; ≤3999.99: 40%; >3999.99: 30%"), "{t}");
    assert!(t.contains("subsidy 50% below 5000.00 yuan"), "{t}");
    assert_eq!((rep.policies["paper"].rules.subsidy_share.as_str(), rep.policies["paper"].rules.subsidy_bands.as_str()), ("50%", "50%"));
    assert!(t.contains("today's money") && t.contains("short of min"));
    let current = &rep.policies["current"];
    assert!(t.contains(&flexpension_rules::money::yuan(current.totals.contribution_fen)));
    let csv = render::csv(&rep);
    let rows: Vec<&str> = csv.lines().collect();
    let cols = rows[0].split(',').count();
    assert!(rows.iter().all(|r| r.split(',').count() == cols), "ragged CSV");
    assert!(rows.iter().any(|r| r.starts_with(&format!("current,,month,all,3000,{},0,", current.totals.contribution_fen))));
    assert!(rows.iter().any(|r| r.starts_with("paper,subsidy.share=50%,projection,all,")));
    let burden = charts::burden_distribution(&rep);
    assert!(burden.starts_with("<svg") && burden.contains("paper (variant)"));
    assert!(charts::replacement_by_band(&rep).unwrap().contains("<svg"));
    req.years = None;
    assert!(charts::replacement_by_band(&run(&params, &req).unwrap()).is_none());
    // The file's bands: each share with its limit, then the ceiling.
    req.sets.clear();
    let rep = run(&params, &req).unwrap();
    let t = render::table(&rep, Lang::En);
    assert!(t.contains("subsidy ≤2999.99: 50%; ≤3999.99: 40%; >3999.99: 30%; none from 5000.00 yuan"), "{t}");
    assert!(t.contains("subsidy 0% below 0.00 yuan"), "{t}");
    let r = &rep.policies["paper"].rules;
    assert_eq!((r.subsidy_share.as_str(), r.subsidy_income_below_fen), ("50%/40%/30%", 500_000));
}
