//! Benchmarks of the microsimulation, run by `bench/sim.sh`.
//!
//! `sim_bench month --workers N --rounds R --out DIR`: generates N workers (seed 1, month
//! 2025-06), writes their incomes and declared bases (little-endian i64 fen) and both policies'
//! rules to DIR for `bench/sim_numpy.py`, then times the exact totals of one month under current
//! law and the paper's proposal, R rounds; prints JSON with every round, the median and totals.
//!
//! `sim_bench rules --out FILE`: writes both policies' rules for the month (and the region's
//! benefit base) as JSON, for `bench/sim_numpy_whole.py`. `--region CODE` in every mode (default:
//! the first region in params/).
//!
//! `sim_bench stages --workers N --rounds R [--years Y]`: where a whole `simulate --json` run's
//! time goes, in process: loading the parameters, each stage the run reports, the JSON text.
//!
//! `sim_bench project --workers N --years Y --rounds R`: times a whole `simulate` run with a
//! projection to retirement (generation, month report and projection), R rounds.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::disallowed_macros,
    reason = "a benchmark reads its arguments and the clock, writes files and prints"
)]

use flexpension_rules::{Params, YearMonth};
use flexpension_sim::kernel::Kernel;
use flexpension_sim::{PopParams, Population, PopulationSpec, SimRequest, declared_fen};
use serde_json::json;
use std::time::Instant;

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

fn write_i64(path: &std::path::Path, v: &[i64]) -> std::io::Result<()> {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes)
}

/// Marks the time of each stage a run reports.
struct Spans(Instant, std::sync::Mutex<Vec<(String, f64)>>);

impl flexpension_sim::Progress for Spans {
    fn stage(&self, name: &str, _total: u64) {
        let t = self.0.elapsed().as_secs_f64();
        if let Ok(mut v) = self.1.lock() {
            v.push((name.to_string(), t));
        }
    }
}

type Kernels = Vec<(&'static str, Kernel)>;

/// Both policies' month rules as `bench/sim_numpy.py` reads them, with the region's benefit base
/// (for bases declared as a share of the average wage), and their kernels.
fn rules_json(
    params: &Params,
    region: &str,
    month: YearMonth,
) -> Result<(serde_json::Map<String, serde_json::Value>, Kernels), Box<dyn std::error::Error>> {
    let bb = params.regions.get(region).and_then(|r| r.benefit_base.latest()).map(|d| d.value).ok_or("no benefit base")?;
    let mut rules = serde_json::Map::new();
    let mut kernels = Vec::new();
    for name in ["current", "paper"] {
        let r = params.scenario(region, Some(name), None)?.month_rules(month)?.0;
        let b = &r.brackets.0;
        rules.insert(
            name.into(),
            json!({
                "lower": r.base_lower_fen, "upper": r.base_upper_fen,
                "ups": b.iter().filter_map(|x| x.up_to_fen).collect::<Vec<_>>(),
                "rates": b.iter().map(|x| x.rate.0).collect::<Vec<_>>(),
                "pa_rate": r.personal_account_rate.0,
                "share_ups": r.subsidy_share.0.iter().filter_map(|x| x.up_to_fen).collect::<Vec<_>>(),
                "shares": r.subsidy_share.0.iter().map(|x| x.share.0).collect::<Vec<_>>(),
                "below": r.subsidy_income_below_fen, "bench": r.burden_benchmark.0,
                "benefit_base": bb,
            }),
        );
        kernels.push((name, Kernel::new(&r).ok_or("too many brackets")?));
    }
    Ok((rules, kernels))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let workers: usize = arg(&args, "--workers", "10000000").parse()?;
    let rounds: usize = arg(&args, "--rounds", "5").parse()?;
    let month: YearMonth = "2025-06".parse()?;
    let params = Params::embedded()?;
    // Zhejiang, the region the benchmark figures were measured in; else the first one loaded.
    let codes = params.region_codes();
    let default_region = codes.iter().find(|c| **c == "zj").or(codes.first()).map(|r| r.to_string()).unwrap_or_default();
    let region = arg(&args, "--region", &default_region);
    let threads = rayon::current_num_threads();
    match args.get(1).map(String::as_str) {
        Some("rules") => {
            let (rules, _) = rules_json(&params, &region, month)?;
            std::fs::write(arg(&args, "--out", "rules.json"), serde_json::to_string(&rules)?)?;
        }
        Some("month") => {
            let out = std::path::PathBuf::from(arg(&args, "--out", "."));
            let pp = PopParams::embedded(&params.sources)?;
            let t = Instant::now();
            let pop = Population::generate(&pp, workers, 1);
            let incomes = pop.month_incomes(&pp, month);
            let bb = params.regions[&region].benefit_base.latest().map(|d| d.value).unwrap_or(0);
            let bases: Vec<i64> = pop.workers.iter().map(|w| declared_fen(w, bb)).collect();
            let generate_s = t.elapsed().as_secs_f64();
            drop(pop);
            write_i64(&out.join("incomes.i64"), &incomes)?;
            write_i64(&out.join("bases.i64"), &bases)?;
            let (rules, kernels) = rules_json(&params, &region, month)?;
            std::fs::write(out.join("rules.json"), serde_json::to_string(&rules)?)?;
            let mut times = Vec::new();
            let mut totals = serde_json::Map::new();
            for _ in 0..rounds {
                let t = Instant::now();
                for (name, k) in &kernels {
                    let tot = k.totals(&incomes, &bases);
                    totals.insert(name.to_string(), serde_json::to_value(tot)?);
                }
                times.push(t.elapsed().as_secs_f64());
            }
            let med = median(&times);
            let wm = (workers * kernels.len()) as f64;
            println!(
                "{}",
                json!({"what": "one month, two policies, exact totals", "threads": threads, "workers": workers, "worker_months": wm,
                       "generate_s": generate_s, "rounds_s": times, "median_s": med, "worker_months_per_s": wm / med, "totals": totals})
            );
        }
        Some("project") => {
            let years: u32 = arg(&args, "--years", "40").parse()?;
            let mut req = SimRequest::new(PopulationSpec::Generated { workers, seed: 1 }, &region, month);
            req.years = Some(years);
            let mut times = Vec::new();
            let mut projected = 0;
            for _ in 0..rounds {
                let t = Instant::now();
                let rep = flexpension_sim::run(&params, &req)?;
                times.push(t.elapsed().as_secs_f64());
                projected = rep.policies["paper"].projection.as_ref().map(|p| p.projected).unwrap_or(0);
            }
            println!(
                "{}",
                json!({"what": "simulate with a projection to retirement: generation, month report, projection under two policies",
                       "threads": threads, "workers": workers, "years": years, "projected": projected, "rounds_s": times, "median_s": median(&times)})
            );
        }
        Some("stages") => {
            // Where a whole `simulate --json` run's time goes: spans between the stages the run
            // reports, then the JSON text.
            let mut req = SimRequest::new(PopulationSpec::Generated { workers, seed: 1 }, &region, month);
            req.years = args.iter().position(|a| a == "--years").and_then(|i| args.get(i + 1)).and_then(|y| y.parse().ok());
            let mut rounds_out = Vec::new();
            for _ in 0..rounds {
                let t = Instant::now();
                let p = Params::embedded()?;
                let spans = Spans(t, std::sync::Mutex::new(vec![("load params".to_string(), t.elapsed().as_secs_f64())]));
                let rep = flexpension_sim::run_with(&p, &req, &spans)?;
                let mut v = spans.1.into_inner().map_err(|_| "poisoned")?;
                v.push(("end of run".into(), t.elapsed().as_secs_f64()));
                let text = serde_json::to_string_pretty(&rep)?;
                v.push((format!("JSON ({} bytes)", text.len()), t.elapsed().as_secs_f64()));
                rounds_out.push(v);
            }
            // Median time from each mark to the next.
            let names: Vec<String> = rounds_out[0].iter().map(|(n, _)| n.clone()).collect();
            let mut spans = serde_json::Map::new();
            for (k, n) in names.iter().enumerate() {
                let d: Vec<f64> = rounds_out.iter().map(|r| r[k].1 - if k == 0 { 0.0 } else { r[k - 1].1 }).collect();
                spans.insert(format!("{k:02} until {n}"), json!(median(&d)));
            }
            let total: Vec<f64> = rounds_out.iter().map(|r| r[r.len() - 1].1).collect();
            println!("{}", json!({"threads": threads, "workers": workers, "median_s": median(&total), "spans_s": spans}));
        }
        _ => return Err("usage: sim_bench rules|month|project|stages --workers N --rounds R [--out DIR] [--years Y]".into()),
    }
    Ok(())
}
