//! The params loader: the embedded parameter files with one of them (chosen by the first byte)
//! replaced by the input. No panic; when the set loads, every region's scenario under every
//! policy and overlay is built and its contribution rules for a few months compute for a few
//! incomes without panicking (arithmetic overflow included: fuzz builds check it).
#![no_main]

use flexpension_rules::contribution::compute;
use flexpension_rules::params::EMBEDDED;
use flexpension_rules::{Params, YearMonth};
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: flexpension_fuzz::init(), |data: &[u8]| {
    let Some((&which, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let mut files: Vec<(String, String)> = EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let i = which as usize % files.len();
    files[i].1 = text.to_string();
    let Ok(params) = Params::load(&files) else { return };
    for region in params.region_codes() {
        let mut scenarios = vec![params.scenario(region, None, None)];
        scenarios.extend(params.policy_names().into_iter().map(|p| params.scenario(region, Some(p), None)));
        scenarios.extend(params.overlay_names().into_iter().map(|o| params.scenario(region, None, Some(o))));
        for s in scenarios.into_iter().flatten() {
            for (y, m) in [(2020, 1), (2025, 9), (2026, 12), (2030, 6)] {
                let Some(month) = YearMonth::new(y, m) else { continue };
                let Ok((rules, _)) = s.month_rules(month) else { continue };
                for income in [0, 1, 423_000, 10_000_000, 1_000_000_000] {
                    let _ = compute(&rules, income, None);
                    let _ = compute(&rules, income, Some(income));
                }
            }
        }
    }
});
