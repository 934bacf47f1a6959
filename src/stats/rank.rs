//! Mann–Whitney U (Wilcoxon rank-sum) test and the AUC it estimates.
//!
//! U counts the (x, y) pairs with x > y, ties counting ½ (Mann & Whitney 1947, Ann. Math.
//! Stat. 18:50), so U/(n₁n₂) is the probability of superiority P(X > Y) + ½P(X = Y) — the
//! area under the ROC curve of "x scores above y" (Bamber 1975, J. Math. Psychol. 12:387).
//! That AUC is how the analysis says which feature of the initial weights separates trials
//! that train from trials that do not, and Cliff's delta (Cliff 1993, Psychol. Bull. 114:494)
//! is the same number on [−1, 1]. The p-value is the normal approximation with tie and
//! continuity corrections exactly as R `wilcox.test(x, y, exact = FALSE, correct = TRUE)`
//! (Hollander & Wolfe 1999, *Nonparametric Statistical Methods* 2nd ed., §4.1); the AUC's
//! standard error is Hanley & McNeil's (1982, Radiology 143:29, eq. 2).

use super::dist::{normal_two_sided_p, z_critical};

/// R `wilcox.test` computes exact p-values for tie-free samples below this size in each group.
const EXACT_BELOW: usize = 50;

/// The result of comparing samples x and y.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannWhitney {
    /// U for x: pairs with x > y plus half the tied pairs (R's `W`).
    pub u: f64,
    /// Standardized U − n₁n₂/2, continuity- and tie-corrected; 0 when every value is tied.
    pub z: f64,
    /// Two-sided p from `z` (R `exact = FALSE, correct = TRUE`); 1 when every value is tied.
    pub p_value: f64,
    /// Exact two-sided p (R's default) when both samples have fewer than 50 values and there
    /// are no ties; None otherwise.
    pub p_exact: Option<f64>,
    /// U/(n₁n₂): P(X > Y) + ½P(X = Y).
    pub auc: f64,
    /// Hanley–McNeil standard error of `auc`, x playing the "abnormal" (higher) group.
    pub auc_se: f64,
    pub n_x: usize,
    pub n_y: usize,
}

impl MannWhitney {
    /// Wald interval auc ± z·se, clipped to [0, 1]. The Hanley–McNeil se is 0 at auc = 0 or 1,
    /// so the interval is then a point: read a perfect separation with the sample sizes in
    /// mind. None unless 0 < confidence < 1.
    pub fn auc_ci(&self, confidence: f64) -> Option<(f64, f64)> {
        let z = z_critical(confidence)?;
        Some((
            (self.auc - z * self.auc_se).max(0.0),
            (self.auc + z * self.auc_se).min(1.0),
        ))
    }

    /// Cliff's delta, P(X > Y) − P(X < Y) = 2·AUC − 1.
    pub fn cliffs_delta(&self) -> f64 {
        2.0 * self.auc - 1.0
    }

    /// Cliff's delta's interval, the AUC interval mapped by 2a − 1.
    pub fn cliffs_delta_ci(&self, confidence: f64) -> Option<(f64, f64)> {
        let (lo, hi) = self.auc_ci(confidence)?;
        Some((2.0 * lo - 1.0, 2.0 * hi - 1.0))
    }
}

/// Mann–Whitney test of x against y. None when either sample is empty or contains NaN.
pub fn mann_whitney(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    if x.is_empty() || y.is_empty() || x.iter().chain(y).any(|v| v.is_nan()) {
        return None;
    }
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Midranks for ties; Σ(t³ − t) over tie groups for the variance.
    let mut rank_sum_x = 0.0;
    let mut tie_term = 0.0;
    let mut start = 0usize;
    for group in all.chunk_by(|a, b| a.0 == b.0) {
        let t = group.len() as f64;
        let midrank = start as f64 + (t + 1.0) / 2.0;
        rank_sum_x += midrank * group.iter().filter(|v| v.1).count() as f64;
        tie_term += t * t * t - t;
        start += group.len();
    }
    let u = rank_sum_x - n1 * (n1 + 1.0) / 2.0;
    let n = n1 + n2;
    // n ≥ 2 here, so n(n − 1) > 0.
    let variance = n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    let centred = u - n1 * n2 / 2.0;
    // R moves the statistic half a unit toward the mean, and not at all when it sits on it.
    let correction = if centred > 0.0 {
        0.5
    } else if centred < 0.0 {
        -0.5
    } else {
        0.0
    };
    let (z, p_value) = if variance > 0.0 {
        let z = (centred - correction) / variance.sqrt();
        (z, normal_two_sided_p(z))
    } else {
        (0.0, 1.0)
    };
    let p_exact = if tie_term == 0.0 && x.len() < EXACT_BELOW && y.len() < EXACT_BELOW {
        Some(exact_two_sided(u, x.len(), y.len()))
    } else {
        None
    };
    let auc = u / (n1 * n2);
    Some(MannWhitney {
        u,
        z,
        p_value,
        p_exact,
        auc,
        auc_se: hanley_mcneil_se(auc, n1, n2),
        n_x: x.len(),
        n_y: y.len(),
    })
}

/// Hanley & McNeil (1982) eq. 2 with Q₁ = A/(2 − A), Q₂ = 2A²/(1 + A): the exponential
/// approximation to the two pair-covariance terms.
fn hanley_mcneil_se(a: f64, n_abnormal: f64, n_normal: f64) -> f64 {
    let q1 = a / (2.0 - a);
    let q2 = 2.0 * a * a / (1.0 + a);
    let var = (a * (1.0 - a) + (n_abnormal - 1.0) * (q1 - a * a) + (n_normal - 1.0) * (q2 - a * a))
        / (n_abnormal * n_normal);
    var.max(0.0).sqrt()
}

/// Exact two-sided p of U for tie-free samples, as R: 2·min(P(U ≤ u), P(U ≥ u)), capped at 1.
///
/// Counts arrangements by the recurrence N(i, j, u) = N(i − 1, j, u − j) + N(i, j − 1, u)
/// (the largest value is either an x, beating all j y's, or a y), the one behind R's
/// `cwilcox`; only additions, so no cancellation.
fn exact_two_sided(u: f64, m: usize, n: usize) -> f64 {
    // counts[j] holds the distribution of U for i x's (current row) and j y's.
    let mut counts: Vec<Vec<f64>> = vec![vec![1.0]; n + 1];
    for i in 1..=m {
        let mut row: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
        row.push(vec![1.0]);
        for j in 1..=n {
            let mut dist = vec![0.0; i * j + 1];
            for (k, &c) in counts[j].iter().enumerate() {
                dist[k + j] += c;
            }
            for (k, &c) in row[j - 1].iter().enumerate() {
                dist[k] += c;
            }
            row.push(dist);
        }
        counts = row;
    }
    let dist = &counts[n];
    let total: f64 = dist.iter().sum();
    let u = u.round() as usize;
    let below: f64 = dist[..=u].iter().sum::<f64>() / total;
    let above: f64 = dist[u..].iter().sum::<f64>() / total;
    (2.0 * below.min(above)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    #[test]
    fn hollander_wolfe_example_matches_wilcox_test() {
        // R ?wilcox.test, Hollander & Wolfe (1973, p. 69): permeability constants.
        let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
        let y = [1.15, 0.88, 0.90, 0.74, 1.21];
        let r = mann_whitney(&x, &y).unwrap();
        // wilcox.test(x, y, alternative = "g") prints W = 35, p-value = 0.1272 (exact), so
        // the exact two-sided p is 2 × 0.1272 = 0.2544: 2·P(W ≥ 35) = 2 · 382/3003, counted
        // exactly in Python from the same recurrence as R's cwilcox.
        assert_eq!(r.u, 35.0);
        let exact = r.p_exact.unwrap();
        assert!((exact - 0.254_412_254_412_254_5).abs() < 1e-12, "{r:?}");
        // wilcox.test(x, y, exact = FALSE, correct = TRUE): z = (35 − 25 − 0.5)/√(10·5·16/12)
        // = 1.163508, p = 2·(1 − Φ(z)) = 0.2446236 — R's formula evaluated by hand (the
        // 0.2544 sometimes quoted for this call is the exact p above).
        assert!((r.z - 1.163_507_627_822).abs() < 1e-9, "{r:?}");
        assert!((r.p_value - 0.244_623_605_127).abs() < 1e-9, "{r:?}");
        assert!((r.auc - 0.7).abs() < 1e-15);
        assert!((r.cliffs_delta() - 0.4).abs() < 1e-15);
    }

    #[test]
    fn airquality_ties_match_wilcox_test() {
        // R ?wilcox.test: wilcox.test(Ozone ~ Month, data = airquality,
        // subset = Month %in% c(5, 8)) prints "Wilcoxon rank sum test with continuity
        // correction", W = 127.5, p-value = 0.0001208 (ties force the normal approximation).
        // Ozone readings for May and August from R's `datasets::airquality`, NAs dropped.
        let may = [
            41., 36., 12., 18., 28., 23., 19., 8., 7., 16., 11., 14., 18., 14., 34., 6., 30., 11.,
            1., 11., 4., 32., 23., 45., 115., 37.,
        ];
        let aug = [
            39., 9., 16., 78., 35., 66., 122., 89., 110., 44., 28., 65., 22., 59., 23., 31., 44.,
            21., 9., 45., 168., 73., 76., 118., 84., 85.,
        ];
        let r = mann_whitney(&may, &aug).unwrap();
        assert_eq!(r.u, 127.5);
        assert!((r.p_value - 1.208e-4).abs() < 5e-8, "{r:?}");
        assert_eq!(r.p_exact, None);
        // U_x + U_y = n₁n₂ and the test is symmetric.
        let s = mann_whitney(&aug, &may).unwrap();
        assert_eq!(s.u, 26.0 * 26.0 - 127.5);
        assert!((s.p_value - r.p_value).abs() < 1e-15 && (s.z + r.z).abs() < 1e-15);
    }

    #[test]
    fn hanley_mcneil_worked_example() {
        // Hanley & McNeil (1982), Table 1: CT images of 58 normal and 51 abnormal patients
        // rated 1 (definitely normal) to 5 (definitely abnormal); counts per rating
        // normal 33, 6, 6, 11, 2 and abnormal 3, 2, 2, 11, 33. The paper's Wilcoxon area is
        // 0.893 (0.893171 unrounded). Its SE by eq. 2 with that area is 0.0324866, evaluated
        // by hand in Python; the printed SE in the paper was not available here to compare.
        let expand = |counts: [usize; 5]| -> Vec<f64> {
            (0..5)
                .flat_map(|r| std::iter::repeat_n(r as f64 + 1.0, counts[r]))
                .collect()
        };
        let abnormal = expand([3, 2, 2, 11, 33]);
        let normal = expand([33, 6, 6, 11, 2]);
        let r = mann_whitney(&abnormal, &normal).unwrap();
        assert!((r.auc - 0.893).abs() < 5e-4, "{r:?}");
        assert!((r.auc - 0.893_171_061_528).abs() < 1e-10, "{r:?}");
        assert!((r.auc_se - 0.032_486_579_6).abs() < 1e-9, "{r:?}");
        let (lo, hi) = r.auc_ci(0.95).unwrap();
        assert!((lo - (r.auc - 1.959_963_984_540_054 * r.auc_se)).abs() < 1e-12);
        assert!(hi < 1.0 && (hi - lo - 2.0 * 1.959_963_984_540_054 * r.auc_se).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(mann_whitney(&[], &[1.0]), None);
        assert_eq!(mann_whitney(&[1.0, f64::NAN], &[1.0]), None);
        // Everything tied: no evidence either way.
        let r = mann_whitney(&[2.0; 4], &[2.0; 3]).unwrap();
        assert_eq!((r.u, r.z, r.p_value, r.auc), (6.0, 0.0, 1.0, 0.5));
        // One against one, no tie: U = 1, exact p = 1 (each order has probability ½).
        let r = mann_whitney(&[2.0], &[1.0]).unwrap();
        assert_eq!((r.u, r.p_exact), (1.0, Some(1.0)));
        // Perfect separation: AUC 1, interval collapses to a point (documented), delta 1.
        let r = mann_whitney(&[5.0, 6.0, 7.0], &[1.0, 2.0]).unwrap();
        assert_eq!(r.auc, 1.0);
        assert_eq!(r.auc_ci(0.95), Some((1.0, 1.0)));
        assert_eq!(r.cliffs_delta_ci(0.95), Some((1.0, 1.0)));
        // Exact p for complete separation of 3 vs 2: 2 · 1/C(5, 2) = 0.2.
        assert!((r.p_exact.unwrap() - 0.2).abs() < 1e-15);
        assert_eq!(r.auc_ci(2.0), None);
    }

    #[test]
    fn p_values_are_uniform_under_the_null() {
        // 500 pairs of samples (30 and 20 values) from one normal law, rounded to 1 decimal so
        // that ties occur; rejections at 5% ≈ Binomial(500, 0.05): accept 2%–9%.
        let mut rng = rng::stream(22, 0);
        let mut below = 0;
        for _ in 0..500 {
            let mut draw = |k: usize| -> Vec<f64> {
                (0..k)
                    .map(|_| (rng::normal(&mut rng) * 10.0).round() / 10.0)
                    .collect()
            };
            let (x, y) = (draw(30), draw(20));
            let r = mann_whitney(&x, &y).unwrap();
            assert!((0.0..=1.0).contains(&r.p_value));
            if r.p_value < 0.05 {
                below += 1;
            }
        }
        assert!((10..=45).contains(&below), "{below}");
    }
}
