//! The policy-fit profile on a store: the store's table, a model (the store's own when it holds
//! enough joiners and non-joiners, else the synthetic population's), every worker scored and
//! kept for the month. Fitting and scoring run off the async threads.

use flexpension_outreach::product::{self, BaseLimits};
use flexpension_outreach::{PolicyFit, Row, Settings, synth};
use flexpension_rules::{Lang, Params, YearMonth};
use flexpension_sim::PopParams;
use flexpension_store::{OutreachRun, OutreachScore, Store};

/// How a model's source begins: the synthetic population's, or the store's own workers'.
pub const SYNTHETIC: &str = "synthetic population";
pub const STORE: &str = "this store's workers";
/// Said when the store's own model was fitted but told joiners apart too poorly to be used.
pub const STORE_TOO_WEAK: &str = "this store's own data did not tell joiners apart";

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum OutreachError {
    #[error("{0}")]
    Store(#[from] flexpension_store::StoreError),
    #[error("{0}")]
    Rules(String),
}

fn rules(e: impl std::fmt::Display) -> OutreachError {
    OutreachError::Rules(e.to_string())
}

/// The store's table for `month` as the model's rows (`w` + the worker number).
pub async fn table(store: &Store, settings: &Settings, month: YearMonth) -> Result<Vec<Row>, OutreachError> {
    let [from, to] = settings.model.night_hours.value;
    let got = store.outreach_features(month, (from, to)).await?;
    Ok(got
        .into_iter()
        .map(|g| Row {
            worker_id: format!("w{}", g.worker),
            x: [
                f64::from(g.age.clamp(16, 80)),
                f64::from(u8::from(g.migrant)),
                f64::from(g.months_active.min(600)),
                f64::from(g.platforms.min(20)),
                (g.income_fen as f64 / 100.0).clamp(0.0, 1_000_000.0),
                g.income_cv.min(10.0),
                g.night_share,
            ],
            enrolled: Some(g.enrolled),
            more: [Some(f64::from(g.grids.min(1000))), Some(f64::from(u8::from(g.ever_enrolled)))],
        })
        .collect())
}

/// The model: fitted on `rows` when each outcome has `model.min_store_outcomes` rows and the fit
/// ranks its held-out workers at least `model.min_store_auc` well; else on the synthetic
/// population of `[model]`'s size and seed, its source saying why.
pub fn model(params: &Params, s: &Settings, rows: &[Row], source: &str) -> Result<PolicyFit, OutreachError> {
    let joined = rows.iter().filter(|r| r.enrolled == Some(true)).count();
    let min = s.model.min_store_outcomes.value;
    let mut why = String::new();
    if joined >= min && rows.len() - joined >= min {
        let own = PolicyFit::fit(rows, &s.model, source).map_err(rules)?;
        if own.heldout.auc >= s.model.min_store_auc.value {
            return Ok(own);
        }
        why = format!("; {STORE_TOO_WEAK} (AUC {:.3})", own.heldout.auc);
    }
    let (n, seed) = (s.model.synthetic_workers.value, s.model.synthetic_seed.value);
    let pp = PopParams::embedded(&params.sources).map_err(rules)?;
    let synthetic = synth::table(&pp, &s.synthetic, n, seed);
    PolicyFit::fit(&synthetic, &s.model, &format!("{SYNTHETIC}, {n} workers, seed {seed}{why}")).map_err(rules)
}

/// Score every worker of the store for `month` under `region`'s base limits and keep the run.
pub async fn run(store: &Store, params: &Params, region: &str, month: YearMonth) -> Result<OutreachRun, OutreachError> {
    let settings = Settings::embedded(&params.sources).map_err(rules)?;
    let scenario = params.scenario(region, None, None).map_err(rules)?;
    let (limits, _) = scenario.month_rules(month).map_err(rules)?;
    let limits = BaseLimits { lower_fen: limits.base_lower_fen, upper_fen: limits.base_upper_fen };
    let rows = table(store, &settings, month).await?;
    let params = params.clone();
    let (run, scores) = tokio::task::spawn_blocking(move || -> Result<_, OutreachError> {
        let fit = model(&params, &settings, &rows, &format!("{STORE}, {month}"))?;
        let scores: Vec<OutreachScore> = rows.iter().filter_map(|r| score(&fit, &settings, limits, r)).collect();
        let run = OutreachRun {
            month: month.to_string(),
            model: fit.to_json(),
            trained_on: fit.trained_on.clone(),
            auc_ppm: (fit.heldout.auc * 1e6).round() as i64,
            workers: scores.len() as i64,
        };
        Ok((run, scores))
    })
    .await
    .map_err(rules)??;
    store.outreach_keep(month, &run, &scores).await?;
    Ok(run)
}

fn score(fit: &PolicyFit, s: &Settings, limits: BaseLimits, r: &Row) -> Option<OutreachScore> {
    let worker_id = r.worker_id.strip_prefix('w')?.parse().ok()?;
    let p = fit.score(r);
    let product = product::best(r, p, &s.product, limits, Lang::Zh);
    let reasons: Vec<String> = fit
        .reasons(r, Lang::Zh)
        .iter()
        .map(|why| format!("{}{}{}", why.feature, if why.raises { '+' } else { '-' }, r.get(why.feature).unwrap_or(0.0)))
        .collect();
    Some(OutreachScore {
        worker_id,
        p_ppm: (p * 1e6).round() as i64,
        product: product.product.code().to_string(),
        base_fen: product.base_fen,
        reasons: reasons.join(","),
        enrolled: r.enrolled == Some(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(label: impl Fn(usize, f64) -> bool) -> Vec<Row> {
        (0..3000)
            .map(|i| {
                let age = 20.0 + (i % 40) as f64;
                let x = [age, (i % 2) as f64, 12.0, 1.0, 4000.0, 0.3, 0.1];
                Row { worker_id: format!("w{i}"), x, enrolled: Some(label(i, age)), more: [None; flexpension_outreach::features::M] }
            })
            .collect()
    }

    #[test]
    fn the_stores_own_model_only_when_it_tells_joiners_apart() {
        let params = Params::embedded().expect("params");
        let s = Settings::embedded(&params.sources).expect("settings");
        let own = model(&params, &s, &rows(|_, age| age >= 40.0), "store").expect("model");
        assert_eq!(own.trained_on, "store");
        // A coin from the index (a multiplicative hash), unrelated to any feature.
        let coin = |i: usize, _| (i.wrapping_mul(2_654_435_761) >> 7).is_multiple_of(2);
        let fallback = model(&params, &s, &rows(coin), "store").expect("model");
        assert!(fallback.trained_on.starts_with(SYNTHETIC) && fallback.trained_on.contains(STORE_TOO_WEAK), "{}", fallback.trained_on);
        let few = model(&params, &s, &rows(|_, age| age >= 40.0)[..100], "store").expect("model");
        assert!(few.trained_on.starts_with(SYNTHETIC) && !few.trained_on.contains(STORE_TOO_WEAK), "{}", few.trained_on);
    }
}
