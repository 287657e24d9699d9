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
    assert!(t.contains("VARIANT IN USE") && t.contains("Variant: paper with subsidy.share = 50% instead of the file's 40%"));
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
}
