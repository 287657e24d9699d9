//! The streamlined projection agrees with the rules core: the same paid months through
//! `Params::project_account` (official rates, then the assumed one) and `Params::pension` give
//! the same balance and the same pension, to the fen.

use flexpension_rules::explain::Explainer;
use flexpension_rules::pension::{AccountMonth, PensionInput};
use flexpension_rules::{Params, YearMonth};
use flexpension_sim::kernel::Kernel;
use flexpension_sim::projection::{Outcome, Setup, Status, project_worker};
use flexpension_sim::rng::Streams;
use flexpension_sim::{PopParams, Population, declared_fen};

#[test]
fn sample_workers_match_project_account_and_pension() {
    let params = Params::embedded().unwrap();
    let pp = PopParams::embedded(&params.sources).unwrap();
    let start: YearMonth = "2025-06".parse().unwrap();
    let pop = Population::generate(&pp, 400, 11);
    for assumed in ["0", "0.025"] {
        let assumed = flexpension_rules::Dec6::parse(assumed).unwrap();
        let setup = Setup::new(&params, "zj", &pp, start, 45, &pop.workers, assumed).unwrap();
        let kernel = |policy: &str| Kernel::new(&params.scenario("zj", Some(policy), None).unwrap().month_rules(start).unwrap().0).unwrap();
        let law = kernel("current");
        let kernels = [(law, 0.10), (kernel("paper"), 0.10)];
        let streams = Streams::new(11);
        let mut checked = 0;
        for w in &pop.workers {
            let d = declared_fen(w, setup.benefit_base_fen);
            let mut out = [Outcome::default(); 2];
            let mut hist = [Vec::new(), Vec::new()];
            project_worker(&pp, &setup, &streams, w, d, &law, &kernels, &mut out, Some(&mut hist));
            let Some(info) = setup.retire_info(w) else { continue };
            for (o, h) in out.iter().zip(&hist) {
                if !matches!(o.status, Status::Pension | Status::Short) {
                    continue;
                }
                let until = info.retire.add_months(-1).unwrap();
                let h: &Vec<AccountMonth> = h;
                let acc = params.project_account(o.opening_fen, h, until, Some(assumed), &mut Explainer::new()).unwrap();
                assert_eq!(acc.balance_fen, o.balance_fen, "worker {} balance", w.id);
                assert_eq!(h.len() as u32, o.paid_months);
                if o.status == Status::Short {
                    assert!(o.prior_months + o.paid_months < info.min_months);
                    continue;
                }
                let p = params
                    .pension(&PensionInput {
                        retire: info.retire,
                        age: info.age,
                        benefit_base_fen: setup.benefit_base_fen,
                        avg_contribution_index: o.index,
                        months: o.prior_months + o.paid_months,
                        balance_fen: acc.balance_fen,
                    })
                    .unwrap()
                    .value;
                assert_eq!((p.basic_fen, p.personal_fen, p.total_fen), (o.basic_fen, o.personal_fen, o.pension_fen), "worker {}", w.id);
                // The retirement month is the rules core's.
                let birth = start.add_months(-i64::from(w.age_months.unwrap())).unwrap();
                let cat = if w.male.unwrap() { flexpension_rules::Category::Male } else { setup.female_category };
                assert_eq!(params.retirement(birth, cat, start.first_day()).unwrap().value.retirement_month, info.retire);
                checked += 1;
            }
        }
        assert!(checked > 400, "only {checked} projections checked");
    }
}
