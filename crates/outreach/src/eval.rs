//! Measures of a propensity model on held-out rows: how well it ranks (AUC), how close its
//! probabilities are (Brier score, calibration bins), each next to a constant baseline.

use serde::{Deserialize, Serialize};

/// A model's measures on labelled rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub rows: usize,
    pub enrolled: usize,
    /// The chance that a random joiner scores above a random non-joiner (0.5: no better than a
    /// coin; a constant model scores 0.5).
    pub auc: f64,
    /// Mean squared error of the probabilities (lower is better).
    pub brier: f64,
    /// The Brier score of the constant model that predicts the share of joiners for everyone.
    pub baseline_brier: f64,
    pub calibration: Vec<Bin>,
}

/// Rows grouped by predicted propensity: what the model said against what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub rows: usize,
    pub predicted: f64,
    pub observed: f64,
}

/// AUC by ranks (Mann-Whitney), ties counted half. `None` without both outcomes.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len().min(labels.len())).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut pos) = (0.0, 0u64);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let mean_rank = (i + j + 2) as f64 / 2.0;
        for &k in &order[i..=j] {
            if labels[k] {
                rank_sum += mean_rank;
                pos += 1;
            }
        }
        i = j + 1;
    }
    let neg = order.len() as u64 - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let (p, n) = (pos as f64, neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

pub fn brier(scores: &[f64], labels: &[bool]) -> f64 {
    let n = scores.len().min(labels.len()).max(1) as f64;
    scores.iter().zip(labels).map(|(s, &l)| (s - f64::from(u8::from(l))).powi(2)).sum::<f64>() / n
}

/// `bins` groups of (nearly) equal size by predicted propensity.
pub fn calibration(scores: &[f64], labels: &[bool], bins: usize) -> Vec<Bin> {
    let mut order: Vec<usize> = (0..scores.len().min(labels.len())).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let bins = bins.clamp(1, order.len().max(1));
    (0..bins)
        .map(|b| {
            let part = &order[b * order.len() / bins..(b + 1) * order.len() / bins];
            let n = part.len().max(1) as f64;
            Bin {
                rows: part.len(),
                predicted: part.iter().map(|&k| scores[k]).sum::<f64>() / n,
                observed: part.iter().filter(|&&k| labels[k]).count() as f64 / n,
            }
        })
        .filter(|b| b.rows > 0)
        .collect()
}

/// Every measure, or `None` without both outcomes among the rows.
pub fn evaluate(scores: &[f64], labels: &[bool], bins: usize) -> Option<Evaluation> {
    let enrolled = labels.iter().filter(|&&l| l).count();
    let share = enrolled as f64 / labels.len().max(1) as f64;
    Some(Evaluation {
        rows: labels.len(),
        enrolled,
        auc: auc(scores, labels)?,
        brier: brier(scores, labels),
        baseline_brier: brier(&vec![share; labels.len()], labels),
        calibration: calibration(scores, labels, bins),
    })
}

/// The normal quantile of a two-sided 95% interval (a property of the normal distribution, not
/// a rule value).
pub const Z95: f64 = 1.959_963_984_540_054;

/// A difference of two proportions with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uplift {
    /// Joined ÷ workers, in each arm.
    pub treated: f64,
    pub holdout: f64,
    /// `treated − holdout`.
    pub diff: f64,
    pub low: f64,
    pub high: f64,
}

/// The enrolment uplift of the treated arm over the holdout: `joined` of `workers` in each, the
/// Wald interval `d ± z·√(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀)`. `None` when an arm is empty or a count
/// exceeds its arm.
pub fn uplift(treated: (u64, u64), holdout: (u64, u64)) -> Option<Uplift> {
    let ((n1, k1), (n0, k0)) = (treated, holdout);
    if n1 == 0 || n0 == 0 || k1 > n1 || k0 > n0 {
        return None;
    }
    let (p1, p0) = (k1 as f64 / n1 as f64, k0 as f64 / n0 as f64);
    let se = (p1 * (1.0 - p1) / n1 as f64 + p0 * (1.0 - p0) / n0 as f64).sqrt();
    let diff = p1 - p0;
    Some(Uplift { treated: p1, holdout: p0, diff, low: diff - Z95 * se, high: diff + Z95 * se })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uplift_matches_a_hand_computation() {
        // 60 of 200 treated joined (30%), 20 of 100 held out (20%): d = 0.1;
        // se = √(0.3·0.7/200 + 0.2·0.8/100) = √(0.00105 + 0.0016) = √0.00265 = 0.0514782;
        // 1.959964 × 0.0514782 = 0.1008954: the interval is −0.0008954 to 0.2008954.
        let u = uplift((200, 60), (100, 20)).expect("both arms");
        assert!((u.diff - 0.1).abs() < 1e-12 && (u.treated - 0.3).abs() < 1e-12 && (u.holdout - 0.2).abs() < 1e-12);
        assert!((u.low - -0.000_895_4).abs() < 1e-6, "{}", u.low);
        assert!((u.high - 0.200_895_4).abs() < 1e-6, "{}", u.high);
        assert_eq!(uplift((0, 0), (10, 1)), None);
        assert_eq!(uplift((10, 11), (10, 1)), None);
        // No one joined anywhere: no difference and no width.
        let z = uplift((10, 0), (10, 0)).expect("arms");
        assert_eq!((z.diff, z.low, z.high), (0.0, 0.0, 0.0));
    }

    #[test]
    fn auc_of_known_orderings() {
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]), Some(0.0));
        // A constant model ties everything: exactly a coin.
        assert_eq!(auc(&[0.3; 6], &[true, false, true, false, false, true]), Some(0.5));
        // One of the four joiner/non-joiner pairs is ordered wrongly.
        assert_eq!(auc(&[0.1, 0.6, 0.5, 0.9], &[false, false, true, true]), Some(0.75));
        assert_eq!(auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn brier_and_calibration() {
        assert_eq!(brier(&[1.0, 0.0], &[true, false]), 0.0);
        assert_eq!(brier(&[0.5, 0.5], &[true, false]), 0.25);
        let scores = [0.1, 0.1, 0.9, 0.9];
        let bins = calibration(&scores, &[false, false, true, false], 2);
        assert_eq!(bins, vec![Bin { rows: 2, predicted: 0.1, observed: 0.0 }, Bin { rows: 2, predicted: 0.9, observed: 0.5 }]);
        let e = evaluate(&scores, &[false, false, true, false], 2).unwrap();
        assert_eq!((e.rows, e.enrolled), (4, 1));
        assert!((e.baseline_brier - 0.1875).abs() < 1e-12);
    }
}
