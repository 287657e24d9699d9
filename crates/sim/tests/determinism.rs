//! The same seed gives the same report, to the fen, on one thread and on two.

use flexpension_rules::Params;
use flexpension_sim::{PopulationSpec, SimRequest, run};

fn on_threads(n: usize, req: &SimRequest, params: &Params) -> flexpension_sim::SimReport {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    pool.install(|| run(params, req).unwrap())
}

#[test]
fn one_and_two_threads_agree() {
    let params = Params::embedded().unwrap();
    let mut req = SimRequest::new(PopulationSpec::Generated { workers: 20_000, seed: 42 }, "zj", "2025-06".parse().unwrap());
    req.years = Some(40);
    let one = on_threads(1, &req, &params);
    let two = on_threads(2, &req, &params);
    assert_eq!(one, two);
    let p = &one.policies["paper"];
    assert!(p.totals.contribution_fen > 0 && p.totals.subsidy_fen > 0 && p.projection.is_some());
    // A different seed gives a different population.
    req.population = PopulationSpec::Generated { workers: 20_000, seed: 43 };
    assert_ne!(on_threads(2, &req, &params).policies["paper"].totals.contribution_fen, p.totals.contribution_fen);
}

#[test]
fn a_worker_does_not_depend_on_the_population_size() {
    let params = Params::embedded().unwrap();
    let pp = flexpension_sim::PopParams::embedded(&params.sources).unwrap();
    let small = flexpension_sim::Population::generate(&pp, 1_000, 9);
    let large = flexpension_sim::Population::generate(&pp, 50_000, 9);
    assert_eq!(small.workers[..], large.workers[..1_000]);
    let m = "2025-06".parse().unwrap();
    assert_eq!(small.month_incomes(&pp, m)[..], large.month_incomes(&pp, m)[..1_000]);
    let wm = large.worker_month(&pp, 7, m).unwrap();
    assert_eq!(wm.platforms.iter().map(|p| p.income_fen).sum::<i64>(), wm.income_fen);
}
