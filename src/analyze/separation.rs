//! Which single features of the initial weights separate trials that train from trials that
//! do not.
//!
//! For each feature (first-layer std, spectral norm, initial loss, ...) two views:
//! - the **AUC**, P(feature of a success > feature of a failure) + ½P(tie), from the
//!   Mann–Whitney U of successes (x) against failures (y) with its Hanley–McNeil 95% interval
//!   (`stats::mann_whitney`). 0.5 is no separation; near 1 successes have higher values, near 0
//!   lower ones. Features are ranked by |AUC − 0.5|.
//! - the best **threshold rule**, "feature > t fails" or "feature ≤ t fails": among the cuts
//!   midway between consecutive distinct observed values, and both directions, the one whose
//!   prediction (failure on the selected side, success on the other) is most accurate; ties go
//!   to the rule selecting more trials, then to the lower threshold, then to "above". Its
//!   failure rate is the observed share of failures among the trials it selects. The rule is
//!   fitted and scored on the same trials, so its accuracy is optimistic (in-sample).
//!
//! Non-finite values (NaN, ±∞: e.g. a spectral norm that overflowed) are skipped feature by
//! feature: that trial counts for the features where it is finite (`n_skipped` says how many
//! were dropped). When the remaining trials are all successes or all failures there is no AUC:
//! it is reported as 0.5 with the uninformative interval (0, 1). A feature with fewer than two
//! distinct finite values has no cut: its rule selects nothing (`selected` = 0,
//! `failure_rate` NaN) and reads "no variation".

use crate::stats;

/// A one-feature rule predicting failure on one side of a threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdRule {
    /// The cut: midway between two consecutive distinct observed values (the only value for a
    /// feature without variation; NaN when it has no finite values).
    pub threshold: f64,
    /// true: the rule predicts failure when value > threshold; false: when value ≤ threshold.
    pub above: bool,
    /// Share of failures among the trials the rule selects; NaN when it selects none.
    pub failure_rate: f64,
    /// Trials on the failing side.
    pub selected: usize,
    /// Share of trials classified correctly (failures selected, successes not), in-sample.
    pub accuracy: f64,
}

impl ThresholdRule {
    /// The rule in words, e.g. "first-layer std > 2.1: 94% fail, n = 412", or
    /// "first-layer std: no variation".
    pub fn describe(&self, feature: &str) -> String {
        if self.selected == 0 {
            return format!("{feature}: no variation");
        }
        format!(
            "{feature} {} {}: {} fail, n = {}",
            if self.above { ">" } else { "≤" },
            format_number(self.threshold),
            format_percent(self.failure_rate),
            self.selected
        )
    }
}

/// How one feature separates successes from failures.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureSeparation {
    pub feature: String,
    /// P(success's value > failure's value) + ½P(tie); 0.5 when a class is empty.
    pub auc: f64,
    /// Hanley–McNeil 95% Wald interval, clipped to [0, 1] (a point at AUC 0 or 1); (0, 1) when a
    /// class is empty.
    pub auc_ci: (f64, f64),
    /// Mann–Whitney two-sided p (normal approximation, tie- and continuity-corrected); 1 when a
    /// class is empty. For adjusting across features with `stats::holm`/`benjamini_hochberg`.
    pub p_value: f64,
    /// Successes and failures with a finite value of this feature.
    pub n_success: usize,
    pub n_failure: usize,
    /// Trials skipped because this feature's value was not finite.
    pub n_skipped: usize,
    pub rule: ThresholdRule,
}

impl FeatureSeparation {
    /// The rule in words, with this feature's name.
    pub fn describe(&self) -> String {
        self.rule.describe(&self.feature)
    }
}

/// One [`FeatureSeparation`] per feature, most separating first (|AUC − 0.5| descending; equal
/// ones keep the order of `names`). `values[trial][feature]`, `success[trial]`.
///
/// # Panics
/// When `values` and `success` differ in length or a trial's row is not `names.len()` long.
pub fn separate(names: &[String], values: &[Vec<f64>], success: &[bool]) -> Vec<FeatureSeparation> {
    assert_eq!(
        values.len(),
        success.len(),
        "separate: values and outcomes differ in length"
    );
    assert!(
        values.iter().all(|row| row.len() == names.len()),
        "separate: every trial needs one value per feature"
    );
    let mut out: Vec<FeatureSeparation> = names
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let column: Vec<f64> = values.iter().map(|row| row[f]).collect();
            separate_one(name, &column, success)
        })
        .collect();
    out.sort_by(|a, b| (b.auc - 0.5).abs().total_cmp(&(a.auc - 0.5).abs()));
    out
}

/// [`separate`] for a single feature: `values[trial]`, `success[trial]`.
///
/// # Panics
/// When `values` and `success` differ in length.
pub fn separate_one(feature: &str, values: &[f64], success: &[bool]) -> FeatureSeparation {
    assert_eq!(
        values.len(),
        success.len(),
        "separate_one: values and outcomes differ in length"
    );
    let finite: Vec<(f64, bool)> = values
        .iter()
        .zip(success)
        .filter(|(v, _)| v.is_finite())
        .map(|(&v, &s)| (v, s))
        .collect();
    let x: Vec<f64> = finite.iter().filter(|p| p.1).map(|p| p.0).collect();
    let y: Vec<f64> = finite.iter().filter(|p| !p.1).map(|p| p.0).collect();
    let (auc, auc_ci, p_value) = match stats::mann_whitney(&x, &y) {
        Some(mw) => (
            mw.auc,
            mw.auc_ci(0.95).expect("0.95 is a valid confidence"),
            mw.p_value,
        ),
        None => (0.5, (0.0, 1.0), 1.0),
    };
    FeatureSeparation {
        feature: feature.to_string(),
        auc,
        auc_ci,
        p_value,
        n_success: x.len(),
        n_failure: y.len(),
        n_skipped: values.len() - finite.len(),
        rule: best_rule(values, success),
    }
}

/// The most accurate single-threshold rule for one feature (see the module notes), skipping
/// non-finite values.
///
/// # Panics
/// When `values` and `success` differ in length.
pub fn best_rule(values: &[f64], success: &[bool]) -> ThresholdRule {
    assert_eq!(
        values.len(),
        success.len(),
        "best_rule: values and outcomes differ in length"
    );
    let mut pairs: Vec<(f64, bool)> = values
        .iter()
        .zip(success)
        .filter(|(v, _)| v.is_finite())
        .map(|(&v, &s)| (v, s))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = pairs.len();
    let failures = pairs.iter().filter(|p| !p.1).count();
    let successes = n - failures;
    // (correct, selected, threshold, above, failures selected) of the best rule so far.
    let mut best: Option<(usize, usize, f64, bool, usize)> = None;
    let mut fail_below = 0usize;
    for i in 0..n.saturating_sub(1) {
        fail_below += usize::from(!pairs[i].1);
        let (a, b) = (pairs[i].0, pairs[i + 1].0);
        if a == b {
            continue;
        }
        let cut = midpoint(a, b);
        let k = i + 1; // trials at or below the cut
        let succ_below = k - fail_below;
        // "≤ cut fails": failures below are right, successes above are right.
        let below = (
            fail_below + (successes - succ_below),
            k,
            cut,
            false,
            fail_below,
        );
        // "> cut fails": failures above are right, successes below are right.
        let above = (
            (failures - fail_below) + succ_below,
            n - k,
            cut,
            true,
            failures - fail_below,
        );
        // Candidates come in increasing threshold order, so keeping the incumbent on a full
        // tie prefers the lower threshold; at one threshold "above" is offered first.
        for cand in [above, below] {
            let better = match best {
                None => true,
                Some(inc) => (cand.0, cand.1) > (inc.0, inc.1),
            };
            if better {
                best = Some(cand);
            }
        }
    }
    match best {
        Some((correct, selected, threshold, above, failed)) => ThresholdRule {
            threshold,
            above,
            failure_rate: failed as f64 / selected as f64,
            selected,
            accuracy: correct as f64 / n as f64,
        },
        None => ThresholdRule {
            threshold: pairs.first().map_or(f64::NAN, |p| p.0),
            above: true,
            failure_rate: f64::NAN,
            selected: 0,
            // Selecting nothing predicts success for everyone.
            accuracy: if n > 0 {
                successes as f64 / n as f64
            } else {
                f64::NAN
            },
        },
    }
}

/// A cut between a < b that separates them under "value > cut": halfway, or a itself when the
/// halfway point rounds to b (adjacent floats).
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a / 2.0 + b / 2.0;
    if m >= a && m < b {
        m
    } else {
        a
    }
}

/// Four significant digits without trailing zeros ("3.5", "2.1", "0.001234", "1.5e7").
fn format_number(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let magnitude = x.abs().log10().floor();
    if !(-4.0..6.0).contains(&magnitude) {
        return format!("{x:.3e}");
    }
    let decimals = (3.0 - magnitude).max(0.0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A rate as a whole percentage, with one decimal where rounding would say 0% or 100% of a
/// rate that is neither.
fn format_percent(p: f64) -> String {
    let pct = 100.0 * p;
    let rounded = pct.round();
    if (rounded == 0.0 && pct > 0.0) || (rounded == 100.0 && pct < 100.0) {
        format!("{pct:.1}%")
    } else {
        format!("{rounded:.0}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    #[test]
    fn hand_computed_example() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let success = [false, false, false, true, true, true];
        let s = separate_one("x", &values, &success);
        assert_eq!(s.auc, 1.0);
        assert_eq!((s.n_success, s.n_failure, s.n_skipped), (3, 3, 0));
        assert_eq!(
            s.rule,
            ThresholdRule {
                threshold: 3.5,
                above: false,
                failure_rate: 1.0,
                selected: 3,
                accuracy: 1.0
            }
        );
        assert_eq!(s.describe(), "x ≤ 3.5: 100% fail, n = 3");
        // Reversed: high values fail.
        let success = [true, true, true, false, false, false];
        let s = separate_one("x", &values, &success);
        assert_eq!(s.auc, 0.0);
        assert_eq!((s.rule.threshold, s.rule.above), (3.5, true));
        assert_eq!(s.describe(), "x > 3.5: 100% fail, n = 3");
    }

    #[test]
    fn imperfect_rule_and_ties() {
        // Failures at 1, 2, 4; successes at 3, 5, 6. Best accuracy 5/6 at "≤ 2.5" (2 of 2
        // fail) and at "≤ 4.5" (3 of 4 fail): the tie goes to the larger selection.
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let success = [false, false, true, false, true, true];
        let r = best_rule(&values, &success);
        assert_eq!((r.threshold, r.above, r.selected), (4.5, false, 4));
        assert_eq!((r.failure_rate, r.accuracy), (0.75, 5.0 / 6.0));
        assert_eq!(r.describe("w"), "w ≤ 4.5: 75% fail, n = 4");
        // Tied values are never split.
        let values = [1.0, 1.0, 2.0, 2.0];
        let success = [false, true, true, true];
        let r = best_rule(&values, &success);
        assert_eq!((r.threshold, r.above, r.selected), (1.5, false, 2));
        assert_eq!(r.failure_rate, 0.5);
    }

    #[test]
    fn label_plus_noise_separates() {
        let mut r = rng::stream(1, 0);
        let n = 400;
        let success: Vec<bool> = (0..n).map(|i| i % 3 != 0).collect();
        let label = |s: bool| if s { 1.0 } else { 0.0 };
        let values: Vec<Vec<f64>> = success
            .iter()
            .map(|&s| {
                vec![
                    label(s) + 0.15 * rng::normal(&mut r),
                    rng::normal(&mut r),
                    -label(s) + 0.15 * rng::normal(&mut r),
                ]
            })
            .collect();
        let names: Vec<String> = ["up", "noise", "down"].map(String::from).to_vec();
        let out = separate(&names, &values, &success);
        assert_eq!(out[2].feature, "noise");
        let up = out.iter().find(|s| s.feature == "up").unwrap();
        assert!(up.auc > 0.98, "{up:?}");
        assert!(up.rule.accuracy >= 0.95 && !up.rule.above, "{up:?}");
        assert!((0.3..0.7).contains(&up.rule.threshold), "{up:?}");
        assert!(up.rule.failure_rate > 0.9);
        let down = out.iter().find(|s| s.feature == "down").unwrap();
        assert!(down.auc < 0.02, "{down:?}");
        assert!(down.rule.accuracy >= 0.95 && down.rule.above, "{down:?}");
        assert!((-0.7..-0.3).contains(&down.rule.threshold), "{down:?}");
        let noise = &out[2];
        assert!(noise.auc_ci.0 <= 0.5 && 0.5 <= noise.auc_ci.1, "{noise:?}");
        assert!(noise.p_value > 0.05);
        assert_eq!((noise.n_success, noise.n_failure), (266, 134));
    }

    #[test]
    fn non_finite_values_are_skipped_and_constants_have_no_variation() {
        let names: Vec<String> = vec!["a".into(), "flat".into()];
        let values = vec![
            vec![1.0, 2.0],
            vec![f64::NAN, 2.0],
            vec![3.0, 2.0],
            vec![f64::INFINITY, 2.0],
        ];
        let success = [false, true, true, false];
        let out = separate(&names, &values, &success);
        assert_eq!(out[0].feature, "a");
        assert_eq!(
            (out[0].n_success, out[0].n_failure, out[0].n_skipped),
            (1, 1, 2)
        );
        assert_eq!(out[0].auc, 1.0);
        assert_eq!(out[0].describe(), "a ≤ 2: 100% fail, n = 1");
        let flat = &out[1];
        assert_eq!((flat.auc, flat.rule.selected), (0.5, 0));
        assert!(flat.rule.failure_rate.is_nan());
        assert_eq!(flat.rule.accuracy, 0.5);
        assert_eq!(flat.describe(), "flat: no variation");
        // One class only: no AUC, an uninformative interval.
        let s = separate_one("b", &[1.0, 2.0], &[true, true]);
        assert_eq!((s.auc, s.auc_ci, s.p_value), (0.5, (0.0, 1.0), 1.0));
        // Nothing finite.
        let s = separate_one("c", &[f64::NAN], &[true]);
        assert_eq!((s.rule.selected, s.n_skipped), (0, 1));
        assert!(s.rule.threshold.is_nan());
    }

    #[test]
    fn wording() {
        let rule = ThresholdRule {
            threshold: 2.1,
            above: true,
            failure_rate: 0.9412,
            selected: 412,
            accuracy: 0.9,
        };
        assert_eq!(
            rule.describe("first-layer std"),
            "first-layer std > 2.1: 94% fail, n = 412"
        );
        let rule = ThresholdRule {
            failure_rate: 0.998,
            threshold: 0.000_123_456,
            ..rule
        };
        assert_eq!(rule.describe("g"), "g > 0.0001235: 99.8% fail, n = 412");
        assert_eq!(format_number(12_345_678.0), "1.235e7");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_percent(0.001), "0.1%");
        assert_eq!(midpoint(1.0, 1.0 + f64::EPSILON), 1.0);
    }
}
