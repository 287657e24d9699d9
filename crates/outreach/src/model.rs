//! [`PolicyFit`]: a logistic model of joining on standardised features, fitted by linfa, with
//! each worker's three strongest reasons.

use crate::eval::{self, Evaluation};
use crate::features::{self, FEATURES, M, N, OPTIONAL, Row};
use crate::settings::ModelSettings;
use flexpension_text::Lang;
use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// The model file's format tag: a file of another format is refused.
pub const FORMAT: &str = "flexpension-policy-fit/1";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FitError {
    #[error("enrolled: the training file needs the column, with both 0 and 1 among the training rows")]
    NoOutcomes,
    #[error("model: {0}")]
    Model(String),
    #[error("model file: {0}")]
    File(String),
}

/// The fitted model. Scores are `1 / (1 + e^-(intercept + Σ weight × (x − mean) / scale))`.
///
/// `features` names what it was trained on: the seven of [`FEATURES`], then those of [`OPTIONAL`]
/// every training row had (a model file without them, as every file before them, still loads).
/// A row without an optional feature the model uses counts at the training mean: that feature
/// then moves neither its score nor its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFit {
    pub format: String,
    pub features: Vec<String>,
    /// Each of `features`' number in [`features::nth`]'s numbering (not in the file).
    #[serde(skip)]
    cols: Vec<usize>,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    /// Log-odds per standard deviation of each feature.
    pub weights: Vec<f64>,
    pub intercept: f64,
    /// What it was trained on: a file's name or the synthetic population's seed.
    pub trained_on: String,
    pub training_rows: usize,
    /// Measured on rows it never saw.
    pub heldout: Evaluation,
}

/// One reason: a feature, whether it raises the chance of joining, and by how much (log-odds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub feature: &'static str,
    pub raises: bool,
    pub effect: f64,
    /// The plain-language sentence, in the language asked for.
    pub text: String,
}

/// Which rows are held out: the same ones every time, by a hash of the worker_id.
fn held_out(id: &str, share: f64) -> bool {
    // FNV-1a: stable across machines and versions, unlike the standard library's hasher.
    let h = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    ((h % 10_000) as f64) < share * 10_000.0
}

impl PolicyFit {
    /// Fit on the labelled rows not held out; measure on the held-out ones.
    pub fn fit(rows: &[Row], s: &ModelSettings, trained_on: &str) -> Result<PolicyFit, FitError> {
        let labelled: Vec<&Row> = rows.iter().filter(|r| r.enrolled.is_some()).collect();
        let (test, train): (Vec<&Row>, Vec<&Row>) = labelled.into_iter().partition(|r| held_out(&r.worker_id, s.heldout_share.value));
        let outcome = |r: &&Row| r.enrolled == Some(true);
        let joined = train.iter().filter(|r| outcome(r)).count();
        if joined == 0 || joined == train.len() {
            return Err(FitError::NoOutcomes);
        }
        // The seven always; an optional feature when every labelled row has it.
        let cols: Vec<usize> =
            (0..N).chain((0..M).filter(|&i| train.iter().chain(&test).all(|r| r.more[i].is_some())).map(|i| N + i)).collect();
        let k = cols.len();
        let value = |r: &Row, j: usize| r.value(cols[j]).unwrap_or(0.0);
        let n = train.len() as f64;
        let mut mean = vec![0.0; k];
        let mut scale = vec![0.0; k];
        for r in &train {
            for (j, m) in mean.iter_mut().enumerate() {
                *m += value(r, j) / n;
            }
        }
        for r in &train {
            for (j, v) in scale.iter_mut().enumerate() {
                *v += (value(r, j) - mean[j]).powi(2) / n;
            }
        }
        // A feature that never varies gets scale 1: its weight stays 0, nothing divides by 0.
        let scale: Vec<f64> = scale.into_iter().map(|v| if v > 1e-12 { v.sqrt() } else { 1.0 }).collect();
        let x = Array2::from_shape_fn((train.len(), k), |(i, j)| (value(train[i], j) - mean[j]) / scale[j]);
        let y: Array1<bool> = train.iter().map(outcome).collect();
        let fitted = LogisticRegression::default()
            .alpha(s.l2.value)
            .max_iterations(s.max_iterations.value)
            .fit(&Dataset::new(x, y))
            .map_err(|e| FitError::Model(e.to_string()))?;
        // linfa calls the rarer class positive: turn the model round to predict joining.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        let mut fit = PolicyFit {
            format: FORMAT.into(),
            features: cols.iter().filter_map(|&j| features::nth(j)).map(|f| f.column.to_string()).collect(),
            cols,
            mean,
            scale,
            weights: fitted.params().iter().map(|w| sign * w).collect(),
            intercept: sign * fitted.intercept(),
            trained_on: trained_on.into(),
            training_rows: train.len(),
            heldout: Evaluation { rows: 0, enrolled: 0, auc: 0.5, brier: 0.0, baseline_brier: 0.0, calibration: Vec::new() },
        };
        let scores: Vec<f64> = test.iter().map(|r| fit.score(r)).collect();
        let labels: Vec<bool> = test.iter().map(outcome).collect();
        fit.heldout = eval::evaluate(&scores, &labels, s.calibration_bins.value).ok_or(FitError::NoOutcomes)?;
        Ok(fit)
    }

    /// Feature `k` of the model's own: its log-odds for this row (0 at the training mean, and for
    /// an optional feature the row does not have).
    fn effect(&self, r: &Row, k: usize) -> f64 {
        let v = r.value(self.cols[k]).unwrap_or(self.mean[k]);
        self.weights[k] * (v - self.mean[k]) / self.scale[k]
    }

    fn logit(&self, r: &Row) -> f64 {
        self.intercept + (0..self.cols.len()).map(|k| self.effect(r, k)).sum::<f64>()
    }

    /// The propensity to join, 0 to 1.
    pub fn score(&self, r: &Row) -> f64 {
        1.0 / (1.0 + (-self.logit(r)).exp())
    }

    /// The three features that move this worker's score most, strongest first.
    pub fn reasons(&self, r: &Row, lang: Lang) -> Vec<Reason> {
        // A feature the row does not have is no reason, even when few others move the score.
        let mut effects: Vec<(usize, f64)> =
            (0..self.cols.len()).filter(|&k| r.value(self.cols[k]).is_some()).map(|k| (k, self.effect(r, k))).collect();
        effects.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        effects
            .into_iter()
            .take(3)
            .filter_map(|(k, effect)| {
                let f = features::nth(self.cols[k])?;
                let key = if effect >= 0.0 { f.raises } else { f.lowers };
                let v = r.value(self.cols[k])?;
                Some(Reason { feature: f.column, raises: effect >= 0.0, effect, text: lang.f(key, &[("value", &shown(f.column, v))]) })
            })
            .collect()
    }

    /// The model as JSON, for `--model`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Read a model file: its format this version's, its features the seven of [`FEATURES`] in
    /// order, then any of [`OPTIONAL`] in order (a file from before them has none).
    pub fn from_json(text: &str) -> Result<PolicyFit, FitError> {
        let mut fit: PolicyFit = serde_json::from_str(text).map_err(|e| FitError::File(e.to_string()))?;
        let columns: Vec<&str> = FEATURES.iter().map(|f| f.column).collect();
        let cols: Option<Vec<usize>> = fit.features.iter().map(|c| features::index(c)).collect();
        let in_order =
            cols.as_ref().is_some_and(|c| c.len() >= N && c.iter().enumerate().all(|(k, &j)| if k < N { j == k } else { j > c[k - 1] }));
        if fit.format != FORMAT || !in_order {
            let optional: Vec<&str> = OPTIONAL.iter().map(|f| f.column).collect();
            return Err(FitError::File(format!(
                "not a {FORMAT} model with the features {}, then any of {}",
                columns.join(", "),
                optional.join(", ")
            )));
        }
        fit.cols = cols.unwrap_or_default();
        let k = fit.cols.len();
        let finite = |v: &[f64]| v.len() == k && v.iter().all(|x| x.is_finite());
        if !finite(&fit.mean)
            || !finite(&fit.weights)
            || !finite(&fit.scale)
            || fit.scale.iter().any(|s| *s <= 0.0)
            || !fit.intercept.is_finite()
        {
            return Err(FitError::File(format!(
                "weights, means and scales must be {k} finite numbers each (one a feature), scales above 0"
            )));
        }
        Ok(fit)
    }
}

/// A feature's value as the worker would say it.
fn shown(column: &str, v: f64) -> String {
    match column {
        "income_cv" | "night_share" => format!("{:.0}%", v * 100.0),
        // A share of the training rows, never shown as a value: the sentence needs none.
        "ever_enrolled" => String::new(),
        _ => format!("{v:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use flexpension_rules::Params;

    fn settings() -> Settings {
        Settings::embedded(&Params::embedded().expect("params").sources).expect("settings")
    }

    /// Rows whose joining depends on age only, perfectly: the model must find it.
    fn by_age(n: usize) -> Vec<Row> {
        (0..n)
            .map(|i| {
                let age = 20.0 + (i % 40) as f64;
                let noise = (i % 7) as f64 / 10.0;
                Row {
                    worker_id: format!("w{i}"),
                    x: [age, (i % 2) as f64, 12.0, 1.0, 4000.0 + noise, 0.3, noise],
                    enrolled: Some(age >= 40.0),
                    more: [None; M],
                }
            })
            .collect()
    }

    #[test]
    fn finds_the_feature_that_decides_and_beats_a_constant() {
        let s = settings();
        let fit = PolicyFit::fit(&by_age(4000), &s.model, "test").unwrap();
        let (age, rest) = (fit.weights[0], &fit.weights[1..]);
        assert!(age > 1.0 && rest.iter().all(|w| w.abs() < age / 4.0), "{:?}", fit.weights);
        assert!(fit.heldout.auc > 0.95, "{:?}", fit.heldout);
        assert!(fit.heldout.brier < fit.heldout.baseline_brier);
        assert!(fit.heldout.rows > 400 && fit.heldout.rows < 1200, "held out {}", fit.heldout.rows);
        let old = Row { worker_id: "o".into(), x: [58.0, 0.0, 12.0, 1.0, 4000.0, 0.3, 0.0], enrolled: None, more: [None; M] };
        let young = Row { x: [21.0, 0.0, 12.0, 1.0, 4000.0, 0.3, 0.0], ..old.clone() };
        assert!(fit.score(&old) > 0.9 && fit.score(&young) < 0.1);
        let why = fit.reasons(&old, Lang::Zh);
        assert_eq!((why[0].feature, why[0].raises), ("age", true));
        assert!(why[0].text.contains("58"), "{}", why[0].text);
        assert_eq!(why.len(), 3);
    }

    #[test]
    fn one_outcome_only_cannot_train() {
        let rows: Vec<Row> = by_age(100).into_iter().map(|r| Row { enrolled: Some(true), ..r }).collect();
        assert_eq!(PolicyFit::fit(&rows, &settings().model, "t").unwrap_err(), FitError::NoOutcomes);
    }

    #[test]
    fn the_file_round_trips_and_a_forged_one_is_refused() {
        let fit = PolicyFit::fit(&by_age(1000), &settings().model, "t").unwrap();
        assert_eq!(PolicyFit::from_json(&fit.to_json()).unwrap(), fit);
        let bad = fit.to_json().replacen(FORMAT, "other/1", 1);
        assert!(PolicyFit::from_json(&bad).is_err());
        let mut nan = fit.clone();
        nan.scale[2] = 0.0;
        assert!(PolicyFit::from_json(&nan.to_json()).is_err());
        assert!(PolicyFit::from_json("{").is_err());
        let shuffled = fit.to_json().replacen("\"age\"", "\"grids\"", 1);
        assert!(PolicyFit::from_json(&shuffled).is_err(), "the seven come first, in order");
    }

    /// Joining by age and by an ended enrolment: with the column the model uses it, names it among
    /// the reasons, and scores a row without it at the training mean.
    fn with_history(n: usize) -> Vec<Row> {
        by_age(n)
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let ever = (i / 3) % 2 == 0;
                let age = r.x[0];
                Row {
                    enrolled: Some(age >= 40.0 || (ever && age >= 30.0)),
                    more: [Some((i % 9) as f64), Some(f64::from(u8::from(ever)))],
                    ..r
                }
            })
            .collect()
    }

    #[test]
    fn the_optional_features_are_used_when_the_training_rows_have_them() {
        let s = settings();
        let fit = PolicyFit::fit(&with_history(4000), &s.model, "t").unwrap();
        assert_eq!(fit.features.len(), N + 2);
        assert_eq!(&fit.features[N..], ["grids", "ever_enrolled"]);
        assert!(fit.weights[N + 1] > 1.0 && fit.weights[N].abs() < 0.3, "{:?}", fit.weights);
        let back = PolicyFit::from_json(&fit.to_json()).unwrap();
        assert_eq!(back, fit);
        let row = Row { worker_id: "h".into(), x: [35.0, 0.0, 12.0, 1.0, 4000.0, 0.3, 0.0], enrolled: None, more: [Some(3.0), Some(1.0)] };
        let never = Row { more: [Some(3.0), Some(0.0)], ..row.clone() };
        let unknown = Row { more: [None, None], ..row.clone() };
        assert!(fit.score(&row) > fit.score(&unknown) && fit.score(&unknown) > fit.score(&never));
        let why = back.reasons(&row, Lang::En);
        assert!(why.iter().any(|w| w.feature == "ever_enrolled" && w.raises), "{why:?}");
        let why = fit.reasons(&unknown, Lang::En);
        assert!(why.len() == 3 && why.iter().all(|w| w.feature != "ever_enrolled" && w.feature != "grids"), "{why:?}");
        // A file with one optional column only: that one is used.
        let one: Vec<Row> = with_history(2000).into_iter().map(|r| Row { more: [None, r.more[1]], ..r }).collect();
        assert_eq!(PolicyFit::fit(&one, &s.model, "t").unwrap().features.last().map(String::as_str), Some("ever_enrolled"));
    }

    #[test]
    fn a_model_file_from_before_the_optional_features_still_loads_and_scores() {
        // The shape every model file had before `grids` and `ever_enrolled` (no such field, seven features).
        let old = r#"{"format":"flexpension-policy-fit/1",
            "features":["age","migrant","months_active","platforms","income_yuan","income_cv","night_share"],
            "mean":[35.0,0.4,30.0,1.3,5000.0,0.3,0.2],"scale":[9.0,0.5,20.0,0.5,2000.0,0.15,0.17],
            "weights":[0.49,-0.34,0.42,-0.11,0.57,-0.24,-0.14],"intercept":-1.3,
            "trained_on":"synthetic population","training_rows":79676,
            "heldout":{"rows":20324,"enrolled":4876,"auc":0.739,"brier":0.1568,"baseline_brier":0.1824,"calibration":[{"rows":2032,"predicted":0.051,"observed":0.055}]}}"#;
        let fit = PolicyFit::from_json(old).expect("an old model file");
        assert_eq!(fit.features.len(), N);
        let row = Row { worker_id: "a".into(), x: [50.0, 0.0, 60.0, 1.0, 6500.0, 0.1, 0.05], enrolled: None, more: [None; M] };
        let with = Row { more: [Some(9.0), Some(1.0)], ..row.clone() };
        assert_eq!(fit.score(&row), fit.score(&with), "a model without them ignores them");
        assert!(fit.score(&row) > 0.5);
        assert_eq!(fit.reasons(&with, Lang::Zh).len(), 3);
    }
}
