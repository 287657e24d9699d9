//! A training table from the survey-calibrated synthetic population: before a store has enough
//! joiners and non-joiners of its own, the model learns from workers drawn like the paper's
//! survey, whose joining follows `[synthetic]` of `params/outreach.toml`. The optional features
//! are synthetic too: `grids` drawn from the worker's own stream, `ever_enrolled` from the
//! population's prior coverage (the share of past months already paid).

use crate::features::{M, N, Row};
use crate::settings::SyntheticSettings;
use flexpension_sim::rng::unit;
use flexpension_sim::{PopParams, Population};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The centres the synthetic log-odds are measured from, in the order of [`crate::FEATURES`],
/// then `grids` and `ever_enrolled`.
const CENTRES: [f64; N + M] = [35.0, 0.0, 24.0, 1.0, 5000.0, 0.3, 0.2, 4.0, 0.0];

/// `n` workers of the population for `seed`, each with the features and whether they joined.
pub fn table(pp: &PopParams, s: &SyntheticSettings, n: usize, seed: u64) -> Vec<Row> {
    let pop = Population::generate(pp, n, seed);
    let coef = [
        s.age.value,
        s.migrant.value,
        s.months_active.value,
        s.platforms.value,
        s.income_yuan.value,
        s.income_cv.value,
        s.night_share.value,
        s.grids.value,
        s.ever_enrolled.value,
    ];
    pop.workers
        .iter()
        .map(|w| {
            // One stream per worker: worker i's row depends on (seed, i) only.
            let mut r = ChaCha8Rng::seed_from_u64(seed ^ w.id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let [lo, hi] = if w.large_swings { s.income_cv_swings.value } else { s.income_cv_steady.value };
            let x = [
                w.age_months.map_or(CENTRES[0], |m| f64::from(m / 12)),
                f64::from(u8::from(!w.local_hukou)),
                (1.0 + unit(&mut r) * f64::from(s.months_active_max.value)).floor().min(f64::from(s.months_active_max.value)),
                f64::from(w.platform_count),
                (w.usual_income_fen / 100) as f64,
                lo + unit(&mut r) * (hi - lo),
                unit(&mut r) * s.night_share_max.value,
            ];
            let grids = (1.0 + unit(&mut r) * f64::from(s.grids_max.value)).floor().min(f64::from(s.grids_max.value));
            let ever = f64::from(u8::from(f64::from(w.prior_coverage_ppm) / 1e6 >= s.ever_enrolled_from.value));
            let all = [x[0], x[1], x[2], x[3], x[4], x[5], x[6], grids, ever];
            let logit = s.intercept.value + (0..N + M).map(|j| coef[j] * (all[j] - CENTRES[j])).sum::<f64>();
            let joined = unit(&mut r) < 1.0 / (1.0 + (-logit).exp());
            Row { worker_id: format!("s{}", w.id), x, enrolled: Some(joined), more: [Some(grids), Some(ever)] }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PolicyFit;
    use crate::settings::Settings;
    use flexpension_rules::Params;

    #[test]
    fn the_model_recovers_the_assumed_directions() {
        let params = Params::embedded().expect("params");
        let s = Settings::embedded(&params.sources).expect("settings");
        let pp = PopParams::embedded(&params.sources).expect("population");
        let rows = table(&pp, &s.synthetic, 20_000, 7);
        assert_eq!(rows, table(&pp, &s.synthetic, 20_000, 7), "the same seed gives the same table");
        let share = rows.iter().filter(|r| r.enrolled == Some(true)).count() as f64 / rows.len() as f64;
        assert!((0.1..0.6).contains(&share), "joined {share}");
        let fit = PolicyFit::fit(&rows, &s.model, "synthetic").unwrap();
        let y = &s.synthetic;
        let assumed = [
            y.age.value,
            y.migrant.value,
            y.months_active.value,
            y.platforms.value,
            y.income_yuan.value,
            y.income_cv.value,
            y.night_share.value,
            y.grids.value,
            y.ever_enrolled.value,
        ];
        assert_eq!(fit.features.len(), assumed.len(), "{:?}", fit.features);
        let ever = rows.iter().filter(|r| r.more[1] == Some(1.0)).count() as f64 / rows.len() as f64;
        assert!((0.2..0.8).contains(&ever), "ever enrolled {ever}");
        for (j, (w, a)) in fit.weights.iter().zip(assumed).enumerate() {
            assert_eq!(w.signum(), a.signum(), "feature {j}: weight {w} against the assumed {a}");
        }
        assert!(fit.heldout.auc > 0.6 && fit.heldout.brier < fit.heldout.baseline_brier, "{:?}", fit.heldout);
    }
}
