//! The simulation's results pinned to the fen: what `run` and `Population::generate` gave before
//! the speed work on the whole simulate command, for a few seeds and sizes, on one thread and on
//! two. Any change meant to make the simulation faster must leave every figure here as it is. A deliberate
//! change of the rules (params/) or of the population model moves these figures: then update
//! them in the same commit and say why.

use flexpension_rules::{Params, YearMonth};
use flexpension_sim::{PopParams, Population, PopulationSpec, SimReport, SimRequest, run};
use serde_json::Value;

fn on_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap().install(f)
}

/// FNV-1a over bytes: a stable digest (the standard hasher may change between releases).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The figures of a report: each policy's totals in full, and a digest of everything else
/// computed from the population (histogram, bands, jobs, population shares, residents). Titles,
/// rule texts and parameter provenance are left out: they are not results.
fn figures(r: &SimReport) -> String {
    let mut out = String::new();
    for (name, p) in &r.policies {
        out += &format!(
            "{name}: workers {} contribution {} pa {} pooling {} subsidy {} net {} over {}; ",
            p.totals.workers,
            p.totals.contribution_fen,
            p.totals.personal_account_fen,
            p.totals.pooling_fen,
            p.totals.subsidy_fen,
            p.totals.net_fen,
            p.totals.over_benchmark
        );
    }
    let mut rest = serde_json::to_value(r).unwrap();
    for p in rest["policies"].as_object_mut().unwrap().values_mut() {
        let p = p.as_object_mut().unwrap();
        for k in ["title_zh", "title_en", "rules", "variant", "params"] {
            p.remove(k);
        }
    }
    let keep: Value = serde_json::json!({
        "policies": rest["policies"],
        "population": rest["population"],
        "residents": rest["residents"],
        "income_bands": rest["income_bands"],
    });
    out += &format!("digest {:016x}", fnv(keep.to_string().as_bytes()));
    out
}

fn month() -> YearMonth {
    "2025-06".parse().unwrap()
}

fn generated(workers: usize, seed: u64) -> SimRequest {
    SimRequest::new(PopulationSpec::Generated { workers, seed }, "zj", month())
}

// The paper's subsidy became a schedule by income band (50%/40%/30% under 5000 yuan, was a flat
// 40%): the paper's subsidy, net, over-benchmark count and digest moved, nothing else. The flat
// 40% as a variant still gives the figures pinned before (`FLAT_40`).
const PINNED: [(usize, u64, &str); 3] = [
    (
        1_000,
        1,
        "current: workers 1000 contribution 114581952 pa 45832757 pooling 68749195 subsidy 0 net 114581952 over 986; \
         paper: workers 1000 contribution 92584783 pa 45832757 pooling 46752026 subsidy 14171266 net 78413517 over 900; \
         digest 229b7edcf3da3b6e",
    ),
    (
        30_000,
        7,
        "current: workers 30000 contribution 3418639524 pa 1367455231 pooling 2051184293 subsidy 0 net 3418639524 over 29668; \
         paper: workers 30000 contribution 2759982954 pa 1367455231 pooling 1392527723 subsidy 422662639 net 2337320315 over 27585; \
         digest d8deaec7db99af3f",
    ),
    (
        200_000,
        2025,
        "current: workers 200000 contribution 22786461486 pa 9114580612 pooling 13671880874 subsidy 0 net 22786461486 over 197749; \
         paper: workers 200000 contribution 18405192236 pa 9114580612 pooling 9290611624 subsidy 2804196145 net 15600996091 over 183998; \
         digest c4101ac8ecb52566",
    ),
];

/// The figures pinned when the paper's subsidy was a flat 40%.
const FLAT_40: [(usize, u64, &str); 2] = [
    (
        1_000,
        1,
        "current: workers 1000 contribution 114581952 pa 45832757 pooling 68749195 subsidy 0 net 114581952 over 986; \
         paper: workers 1000 contribution 92584783 pa 45832757 pooling 46752026 subsidy 15934688 net 76650095 over 855; \
         digest 65f40ed559122762",
    ),
    (
        30_000,
        7,
        "current: workers 30000 contribution 3418639524 pa 1367455231 pooling 2051184293 subsidy 0 net 3418639524 over 29668; \
         paper: workers 30000 contribution 2759982954 pa 1367455231 pooling 1392527723 subsidy 478097294 net 2281885660 over 26291; \
         digest 9b747af56ce5f458",
    ),
];

#[test]
fn a_flat_share_gives_the_figures_pinned_before_the_bands() {
    let params = Params::embedded().unwrap();
    for (workers, seed, want) in FLAT_40 {
        let mut req = generated(workers, seed);
        req.sets = vec!["paper.subsidy.share=0.4".into()];
        assert_eq!(figures(&on_threads(2, || run(&params, &req).unwrap())), want);
    }
}

#[test]
fn month_reports_are_pinned_on_one_and_two_threads() {
    let params = Params::embedded().unwrap();
    let mut wrong = Vec::new();
    for (workers, seed, want) in PINNED {
        let req = generated(workers, seed);
        for threads in [1, 2] {
            let got = figures(&on_threads(threads, || run(&params, &req).unwrap()));
            if got != want {
                wrong.push(format!("({workers}, {seed}, \"{got}\") on {threads} threads"));
            }
        }
    }
    assert!(wrong.is_empty(), "results moved:\n{}", wrong.join("\n"));
}

/// Every attribute of every generated worker and every month income, not just what the month
/// report uses: the projection and the demo read the rest.
fn population_digest(pp: &PopParams, n: usize, seed: u64) -> String {
    let pop = Population::generate(pp, n, seed);
    let mut bytes = Vec::new();
    for w in &pop.workers {
        bytes.extend(format!("{w:?}").as_bytes());
    }
    let incomes: Vec<String> = ["2025-06", "2031-01"]
        .iter()
        .map(|m| format!("{:016x}", fnv(format!("{:?}", pop.month_incomes(pp, m.parse().unwrap())).as_bytes())))
        .collect();
    let split = pop.worker_month(pp, 3, month()).unwrap();
    format!("workers {:016x} incomes {} split {:?}", fnv(&bytes), incomes.join(" "), split.platforms)
}

const PINNED_POPULATION: &str = "workers 25091be02f4b828d incomes ef6e0f0e3098fe84 4f80a41dfc3779f1 \
    split [PlatformMonth { platform: \"快递网点A\", income_fen: 439991, orders: 2933 }]";

#[test]
fn generated_workers_are_pinned_on_one_and_two_threads() {
    let params = Params::embedded().unwrap();
    let pp = PopParams::embedded(&params.sources).unwrap();
    for threads in [1, 2] {
        assert_eq!(on_threads(threads, || population_digest(&pp, 20_000, 11)), PINNED_POPULATION, "{threads} threads");
    }
}

#[test]
fn a_projection_is_pinned() {
    let params = Params::embedded().unwrap();
    let mut req = generated(3_000, 5);
    req.years = Some(40);
    let digest = |req: &SimRequest| {
        let r = on_threads(2, || run(&params, req).unwrap());
        let proj: Vec<String> =
            r.policies.iter().map(|(n, p)| format!("{n} {:016x}", fnv(serde_json::to_string(&p.projection).unwrap().as_bytes()))).collect();
        proj.join(" ")
    };
    assert_eq!(digest(&req), "current 7765d89790556518 paper 4f6f11e4bc938425");
    // The flat 40% the paper's subsidy was before its bands.
    req.sets = vec!["paper.subsidy.share=0.4".into()];
    assert_eq!(digest(&req), "current 7765d89790556518 paper c794c92952a5841f");
}
