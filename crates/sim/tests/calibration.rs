//! The generated population matches the paper's survey within the tolerances stated in
//! params/sim/population.toml, on 100,000 workers.

use flexpension_rules::Params;
use flexpension_sim::{PopParams, PopulationSpec, SimRequest, run};

#[test]
fn survey_shares_are_met() {
    let params = Params::embedded().unwrap();
    let pp = PopParams::embedded(&params.sources).unwrap();
    let req = SimRequest::new(PopulationSpec::Generated { workers: 100_000, seed: 2025 }, "zj", "2025-06".parse().unwrap());
    let rep = run(&params, &req).unwrap();
    let p = &rep.population;
    let c = &pp.calibration;
    let within = |name: &str, got: f64, (target, tol): (f64, f64)| {
        assert!((got - target).abs() <= tol, "{name}: {got:.4} is not within {target} ± {tol}");
    };
    assert!(p.usual_income_3000_7000 > c.income_3000_7000_min, "usual income 3000-7000: {:.4}", p.usual_income_3000_7000);
    within("large swings", p.large_swings, c.large_swings);
    within("labour contract", p.labour_contract, c.labour_contract);
    within("below junior college", p.below_junior_college, c.below_junior_college);
    assert!(p.union_member < c.union_member_max, "union members: {:.4}", p.union_member);
    // Every job appears in roughly its share.
    for (i, job) in pp.jobs.iter().enumerate() {
        let pop = flexpension_sim::Population::generate(&pp, 20_000, 7);
        let n = pop.workers.iter().filter(|w| usize::from(w.job) == i).count() as f64 / 20_000.0;
        assert!((n - job.share).abs() < 0.015, "{}: {n}", job.code);
    }
}
