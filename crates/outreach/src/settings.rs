//! `params/outreach.toml`: every figure the policy-fit profile uses, with its source, read and
//! checked once.

use chrono::NaiveDate;
use flexpension_rules::params::Source;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The copy compiled into the binary.
pub const EMBEDDED: &str = include_str!("../../../params/outreach.toml");
pub const EMBEDDED_NAME: &str = "outreach.toml";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{file}: {reason}")]
    Parse { file: String, reason: String },
    #[error("{file}: {key}: {reason}")]
    Value { file: String, key: String, reason: String },
}

/// One figure with its provenance.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure<T> {
    pub value: T,
    pub source: String,
    pub confidence: String,
    pub since: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    pub heldout_share: Figure<f64>,
    pub l2: Figure<f64>,
    pub max_iterations: Figure<u64>,
    pub calibration_bins: Figure<usize>,
    pub synthetic_workers: Figure<usize>,
    pub synthetic_seed: Figure<u64>,
    /// From and to o'clock (China time).
    pub night_hours: Figure<[u32; 2]>,
    pub min_store_outcomes: Figure<usize>,
    pub min_store_auc: Figure<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSettings {
    pub injury_only_below: Figure<f64>,
    pub residents_income_below: Figure<f64>,
}

/// How synthetic workers join: log-odds per unit of each feature away from its centre.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticSettings {
    pub intercept: Figure<f64>,
    pub age: Figure<f64>,
    pub migrant: Figure<f64>,
    pub months_active: Figure<f64>,
    pub platforms: Figure<f64>,
    pub income_yuan: Figure<f64>,
    pub income_cv: Figure<f64>,
    pub night_share: Figure<f64>,
    pub grids: Figure<f64>,
    pub ever_enrolled: Figure<f64>,
    pub months_active_max: Figure<u32>,
    pub night_share_max: Figure<f64>,
    pub income_cv_swings: Figure<[f64; 2]>,
    pub income_cv_steady: Figure<[f64; 2]>,
    /// Grid cells a synthetic worker's orders come from: drawn from 1 to this.
    pub grids_max: Figure<u32>,
    /// A synthetic worker whose past months are at least this share paid had an enrolment that ended.
    pub ever_enrolled_from: Figure<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub model: ModelSettings,
    pub product: ProductSettings,
    pub synthetic: SyntheticSettings,
    pub notices: NoticeSettings,
}

/// When notices may go out (see `[notices]`): windows are `HH:MM-HH:MM`, China time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSettings {
    pub peak_instant_delivery: Figure<Vec<String>>,
    pub peak_ride_hailing: Figure<Vec<String>>,
    pub peak_same_city_freight: Figure<Vec<String>>,
    pub quiet: Figure<Vec<String>>,
    pub week_cap: Figure<u32>,
    pub min_gap_hours: Figure<u32>,
    pub break_minutes: Figure<u32>,
    pub history_days: Figure<u32>,
    pub fallback: Figure<Vec<String>>,
    pub holdout_share: Figure<f64>,
    /// Right answers of the five-question quiz that count a worker as aware.
    pub aware_correct: Figure<u32>,
}

impl Settings {
    pub fn embedded(sources: &BTreeMap<String, Source>) -> Result<Settings, SettingsError> {
        Settings::parse(EMBEDDED_NAME, EMBEDDED, sources)
    }

    /// Read a file's text; every source must be listed and every value in its range.
    pub fn parse(file: &str, text: &str, sources: &BTreeMap<String, Source>) -> Result<Settings, SettingsError> {
        let s: Settings = toml::from_str(text).map_err(|e| SettingsError::Parse { file: file.into(), reason: e.to_string() })?;
        let bad = |key: &str, reason: String| SettingsError::Value { file: file.into(), key: key.into(), reason };
        for (key, source) in s.sources() {
            if !sources.contains_key(source) {
                return Err(bad(key, format!("source '{source}' is not in sources.toml")));
            }
        }
        let m = &s.model;
        let unit = |key: &str, v: f64, lo: f64, hi: f64| {
            if (lo..=hi).contains(&v) { Ok(()) } else { Err(bad(key, format!("{v} is outside {lo}..={hi}"))) }
        };
        unit("model.heldout_share", m.heldout_share.value, 0.05, 0.5)?;
        unit("model.l2", m.l2.value, 0.0, 100.0)?;
        unit("model.min_store_auc", m.min_store_auc.value, 0.5, 1.0)?;
        unit("product.injury_only_below", s.product.injury_only_below.value, 0.0, 1.0)?;
        unit("product.residents_income_below", s.product.residents_income_below.value, 0.0, 1.0)?;
        unit("synthetic.night_share_max", s.synthetic.night_share_max.value, 0.0, 1.0)?;
        unit("synthetic.ever_enrolled_from", s.synthetic.ever_enrolled_from.value, 0.0, 1.0)?;
        if !(1..=1000).contains(&s.synthetic.grids_max.value) {
            return Err(bad("synthetic.grids_max", "must be 1 to 1000".into()));
        }
        if !(1..=10_000).contains(&m.max_iterations.value) {
            return Err(bad("model.max_iterations", "must be 1 to 10000".into()));
        }
        if !(2..=100).contains(&m.calibration_bins.value) {
            return Err(bad("model.calibration_bins", "must be 2 to 100".into()));
        }
        if !(100..=crate::features::MAX_ROWS).contains(&m.synthetic_workers.value) {
            return Err(bad("model.synthetic_workers", format!("must be 100 to {}", crate::features::MAX_ROWS)));
        }
        unit("notices.holdout_share", s.notices.holdout_share.value, 0.0, 0.9)?;
        if !(1..=crate::card::QUIZ_QUESTIONS as u32).contains(&s.notices.aware_correct.value) {
            return Err(bad("notices.aware_correct", format!("must be 1 to {}", crate::card::QUIZ_QUESTIONS)));
        }
        crate::notice::NoticeRules::new(&s.notices).map_err(|(key, reason)| bad(key, reason))?;
        let [from, to] = m.night_hours.value;
        if from > 23 || to > 23 || from == to {
            return Err(bad("model.night_hours", "two different hours from 0 to 23".into()));
        }
        if s.synthetic.months_active_max.value == 0 {
            return Err(bad("synthetic.months_active_max", "must be at least 1".into()));
        }
        for (key, [lo, hi]) in [
            ("synthetic.income_cv_swings", s.synthetic.income_cv_swings.value),
            ("synthetic.income_cv_steady", s.synthetic.income_cv_steady.value),
        ] {
            if !(0.0 <= lo && lo <= hi && hi <= 10.0) {
                return Err(bad(key, format!("[{lo}, {hi}] must rise within 0..=10")));
            }
        }
        Ok(s)
    }

    /// Every figure's key and source.
    fn sources(&self) -> Vec<(&'static str, &str)> {
        let (m, p, y) = (&self.model, &self.product, &self.synthetic);
        vec![
            ("model.heldout_share", &m.heldout_share.source),
            ("model.l2", &m.l2.source),
            ("model.max_iterations", &m.max_iterations.source),
            ("model.calibration_bins", &m.calibration_bins.source),
            ("model.synthetic_workers", &m.synthetic_workers.source),
            ("model.synthetic_seed", &m.synthetic_seed.source),
            ("model.night_hours", &m.night_hours.source),
            ("model.min_store_outcomes", &m.min_store_outcomes.source),
            ("model.min_store_auc", &m.min_store_auc.source),
            ("product.injury_only_below", &p.injury_only_below.source),
            ("product.residents_income_below", &p.residents_income_below.source),
            ("synthetic.intercept", &y.intercept.source),
            ("synthetic.age", &y.age.source),
            ("synthetic.migrant", &y.migrant.source),
            ("synthetic.months_active", &y.months_active.source),
            ("synthetic.platforms", &y.platforms.source),
            ("synthetic.income_yuan", &y.income_yuan.source),
            ("synthetic.income_cv", &y.income_cv.source),
            ("synthetic.night_share", &y.night_share.source),
            ("synthetic.grids", &y.grids.source),
            ("synthetic.ever_enrolled", &y.ever_enrolled.source),
            ("synthetic.grids_max", &y.grids_max.source),
            ("synthetic.ever_enrolled_from", &y.ever_enrolled_from.source),
            ("synthetic.months_active_max", &y.months_active_max.source),
            ("synthetic.night_share_max", &y.night_share_max.source),
            ("synthetic.income_cv_swings", &y.income_cv_swings.source),
            ("synthetic.income_cv_steady", &y.income_cv_steady.source),
            ("notices.peak_instant_delivery", &self.notices.peak_instant_delivery.source),
            ("notices.peak_ride_hailing", &self.notices.peak_ride_hailing.source),
            ("notices.peak_same_city_freight", &self.notices.peak_same_city_freight.source),
            ("notices.quiet", &self.notices.quiet.source),
            ("notices.week_cap", &self.notices.week_cap.source),
            ("notices.min_gap_hours", &self.notices.min_gap_hours.source),
            ("notices.break_minutes", &self.notices.break_minutes.source),
            ("notices.history_days", &self.notices.history_days.source),
            ("notices.fallback", &self.notices.fallback.source),
            ("notices.holdout_share", &self.notices.holdout_share.source),
            ("notices.aware_correct", &self.notices.aware_correct.source),
        ]
        .into_iter()
        .map(|(k, s)| (k, s.as_str()))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexpension_rules::Params;

    fn sources() -> BTreeMap<String, Source> {
        Params::embedded().expect("embedded params").sources
    }

    #[test]
    fn the_embedded_file_loads_with_sources() {
        let s = Settings::embedded(&sources()).expect("outreach.toml");
        assert_eq!(s.model.heldout_share.source, "DESIGN");
        assert!(s.synthetic.age.value > 0.0);
    }

    #[test]
    fn mistakes_name_the_key() {
        let text = EMBEDDED.replace("heldout_share = { value = 0.2", "heldout_share = { value = 0.9");
        let e = Settings::parse("x.toml", &text, &sources()).unwrap_err().to_string();
        assert!(e.contains("model.heldout_share") && e.contains("0.9"), "{e}");
        let text = EMBEDDED.replace("source = \"ASSUMPTION\"", "source = \"NOWHERE\"");
        let e = Settings::parse("x.toml", &text, &sources()).unwrap_err().to_string();
        assert!(e.contains("NOWHERE"), "{e}");
        let e = Settings::parse("x.toml", "[model]\nheldout_share = 1", &sources()).unwrap_err().to_string();
        assert!(e.starts_with("x.toml:"), "{e}");
    }
}
