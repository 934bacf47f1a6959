//! Kaplan–Meier estimate of the "not yet converged" curve from right-censored epochs.
//!
//! A trial that never converged is censored at the epoch budget: it tells us only that its
//! time to converge exceeds the budget. The product-limit estimator (Kaplan & Meier 1958, JASA
//! 53:457) uses exactly that information; Greenwood's formula (Greenwood 1926) gives its
//! variance. Confidence bands use survfit's default `conf.type = "log"`,
//! exp(log S ± z·se(log S)) with the upper end capped at 1 (R package survival, Therneau;
//! Kalbfleisch & Prentice 2002, §1.4). Quantiles and their intervals follow Brookmeyer &
//! Crowley (1982, Biometrics 38:29) — the interval is where the band crosses the level — with
//! survival's `quantile.survfit` rules for flat stretches, so results match R to the digit.
//!
//! Conventions (all those of R's `survfit`): an event and a censoring at the same time count the
//! censored trial as still at risk at that time; S is right-continuous, so S(t) already includes
//! the events at t.

use std::collections::HashSet;

use super::dist::z_critical;

/// One event time of the curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The event time (an epoch).
    pub time: f64,
    /// Trials with time ≥ `time`, censored or not.
    pub at_risk: u64,
    /// Trials that converged at `time`.
    pub events: u64,
    /// S(time): the estimated fraction not converged by `time`, events at `time` included.
    pub survival: f64,
    /// Greenwood standard error of log S, √Σ d/(n(n − d)) — R's `survfit(...)$std.err`. None
    /// once S reaches 0, where the formula divides by zero.
    pub se_log: Option<f64>,
    /// Greenwood standard error of S itself, S·`se_log` — the `std.err` column of R's
    /// `summary(survfit(...))`. None where `se_log` is.
    pub std_err: Option<f64>,
}

/// A Kaplan–Meier curve: one step per distinct event time.
#[derive(Clone, Debug, PartialEq)]
pub struct Survival {
    /// Number of trials.
    pub n: u64,
    /// The largest observed time, censored or not: the end of follow-up.
    pub last_time: f64,
    pub steps: Vec<Step>,
}

/// A quantile of the time-to-event law with its confidence limits. Each is None where the
/// curve (or band) never falls far enough, as R prints NA: with many trials that never converge
/// the median itself is often None while its lower limit is not.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantileCi {
    pub estimate: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// Kaplan–Meier estimate from `(time, event)` pairs, `event` = converged (false = censored).
///
/// None for empty input or any time that is negative or not finite.
pub fn kaplan_meier(data: &[(f64, bool)]) -> Option<Survival> {
    if data.is_empty() || data.iter().any(|&(t, _)| !(t.is_finite() && t >= 0.0)) {
        return None;
    }
    let mut sorted = data.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = sorted.len() as u64;
    let mut at_risk = n;
    let mut survival = 1.0;
    let mut greenwood = 0.0;
    let mut steps = Vec::new();
    for group in sorted.chunk_by(|a, b| a.0 == b.0) {
        let events = group.iter().filter(|&&(_, e)| e).count() as u64;
        if events > 0 {
            let (nr, d) = (at_risk as f64, events as f64);
            survival *= (nr - d) / nr;
            let se_log = if events < at_risk {
                greenwood += d / (nr * (nr - d));
                Some(greenwood.sqrt())
            } else {
                None
            };
            steps.push(Step {
                time: group[0].0,
                at_risk,
                events,
                survival,
                se_log,
                std_err: se_log.map(|s| s * survival),
            });
        }
        at_risk -= group.len() as u64;
    }
    Some(Survival {
        n,
        last_time: sorted[sorted.len() - 1].0,
        steps,
    })
}

/// survfit's tolerance for "the curve sits exactly at the level": √(machine epsilon).
const FLAT_TOL: f64 = 1.490_116_119_384_765_6e-8;

impl Survival {
    /// S(t), the estimated fraction of trials not converged by time t (so 1 − S(t) is the
    /// fraction converged by epoch t). 1 before the first event; None for a NaN t or a t past
    /// the end of follow-up, where the data say nothing.
    pub fn survival_at(&self, t: f64) -> Option<f64> {
        if t.is_nan() || t > self.last_time {
            return None;
        }
        let k = self.steps.partition_point(|s| s.time <= t);
        Some(if k == 0 {
            1.0
        } else {
            self.steps[k - 1].survival
        })
    }

    /// Pointwise log-transformed confidence band (lower, upper) at each step, as survfit's
    /// default `conf.type = "log"`; None at a step where S = 0 (R gives NA there). None overall
    /// unless 0 < confidence < 1.
    pub fn band(&self, confidence: f64) -> Option<Vec<Option<(f64, f64)>>> {
        let z = z_critical(confidence)?;
        Some(
            self.steps
                .iter()
                .map(|s| match s.se_log {
                    Some(se) if s.survival > 0.0 => Some((
                        s.survival * (-z * se).exp(),
                        (s.survival * (z * se).exp()).min(1.0),
                    )),
                    _ => None,
                })
                .collect(),
        )
    }

    /// The time by which a fraction `p` of trials has converged — the smallest step time with
    /// 1 − S ≥ p, or, when 1 − S equals p on a flat stretch, the midpoint of that stretch (the
    /// end of follow-up closes a final stretch) — with the Brookmeyer–Crowley interval from
    /// the log band at `confidence`: the same rule applied to each band edge.
    ///
    /// None unless 0 < p ≤ 1 and 0 < confidence < 1.
    pub fn quantile(&self, p: f64, confidence: f64) -> Option<QuantileCi> {
        if !(p > 0.0 && p <= 1.0) {
            return None;
        }
        let band = self.band(confidence)?;
        // survfit prepends the start of follow-up (time 0, nothing converged) to each curve.
        let times: Vec<f64> = std::iter::once(0.0)
            .chain(self.steps.iter().map(|s| s.time))
            .collect();
        let curve = |f: &dyn Fn(usize) -> Option<f64>| -> Vec<Option<f64>> {
            std::iter::once(Some(0.0))
                .chain((0..self.steps.len()).map(f))
                .collect()
        };
        let estimate = curve(&|i| Some(1.0 - self.steps[i].survival));
        let lower = curve(&|i| band[i].map(|(lo, _)| 1.0 - lo));
        let upper = curve(&|i| band[i].map(|(_, hi)| 1.0 - hi));
        Some(QuantileCi {
            estimate: crossing(&times, &estimate, p, self.last_time),
            lower: crossing(&times, &lower, p, self.last_time),
            upper: crossing(&times, &upper, p, self.last_time),
        })
    }

    /// Median time to converge (p = 0.5); None when fewer than half are known to converge.
    pub fn median(&self) -> Option<f64> {
        self.quantile(0.5, 0.95)?.estimate
    }

    /// The median with its Brookmeyer–Crowley interval at `confidence`.
    pub fn median_ci(&self, confidence: f64) -> Option<QuantileCi> {
        self.quantile(0.5, confidence)
    }
}

/// Where the cumulative curve `f` (1 − S or 1 − a band edge; None where undefined) reaches `p`:
/// survival's `findq` (quantile.survfit.R). Repeated values are dropped keeping the first, then
/// the point with the smallest value ≥ p − tol is taken, as `approx(method = "constant", f = 1)`
/// does after sorting by value. For the estimate and the lower edge, which only rise, that is
/// the first crossing; the upper edge can dip, and this keeps R's choice there. A value within
/// tol of p marks a flat stretch at the level: the answer is its midpoint, and a stretch that is
/// the last value of the curve ends at the end of follow-up.
fn crossing(times: &[f64], f: &[Option<f64>], p: f64, end: f64) -> Option<f64> {
    let max = f
        .iter()
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if max < p {
        return None;
    }
    let mut seen = HashSet::new();
    let (xs, ys): (Vec<f64>, Vec<Option<f64>>) = times
        .iter()
        .zip(f)
        .filter(|&(_, y)| seen.insert(y.map(f64::to_bits)))
        .map(|(&x, &y)| (x, y))
        .unzip();
    let first_at_or_above = |shift: f64| {
        ys.iter()
            .enumerate()
            .filter_map(|(i, y)| y.map(|v| (i, v + shift)))
            .filter(|&(_, v)| v >= p)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    };
    let i1 = first_at_or_above(FLAT_TOL)?;
    if let Some(Some(last)) = ys.last() {
        if (p - last).abs() < FLAT_TOL {
            return Some((xs[i1] + end) / 2.0);
        }
    }
    let i2 = first_at_or_above(-FLAT_TOL)?;
    Some((xs[i1] + xs[i2]) / 2.0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The Maintained arm of the `aml` data (Miller 1981, *Survival Analysis*, p. 49; R
    /// `survival::aml`): weeks to relapse, `false` = censored.
    pub(crate) const AML_MAINTAINED: [(f64, bool); 11] = [
        (9.0, true),
        (13.0, true),
        (13.0, false),
        (18.0, true),
        (23.0, true),
        (28.0, false),
        (31.0, true),
        (34.0, true),
        (45.0, false),
        (48.0, true),
        (161.0, false),
    ];

    #[test]
    fn aml_maintained_matches_summary_survfit() {
        // R: summary(survfit(Surv(time, status) ~ 1, data = aml, subset = x == "Maintained"))
        //  time n.risk n.event survival std.err lower 95% CI upper 95% CI
        //     9     11       1    0.909  0.0867       0.7541        1.000
        //    13     10       1    0.818  0.1163       0.6192        1.000
        //    18      8       1    0.716  0.1397       0.4884        1.000
        //    23      7       1    0.614  0.1526       0.3769        0.999
        //    31      5       1    0.491  0.1642       0.2549        0.946
        //    34      4       1    0.368  0.1627       0.1549        0.875
        //    48      2       1    0.184  0.1535       0.0359        0.944
        let expected = [
            (9.0, 11, 0.909, 0.0867, 0.7541, 1.000),
            (13.0, 10, 0.818, 0.1163, 0.6192, 1.000),
            (18.0, 8, 0.716, 0.1397, 0.4884, 1.000),
            (23.0, 7, 0.614, 0.1526, 0.3769, 0.999),
            (31.0, 5, 0.491, 0.1642, 0.2549, 0.946),
            (34.0, 4, 0.368, 0.1627, 0.1549, 0.875),
            (48.0, 2, 0.184, 0.1535, 0.0359, 0.944),
        ];
        let km = kaplan_meier(&AML_MAINTAINED).unwrap();
        let band = km.band(0.95).unwrap();
        assert_eq!(km.steps.len(), expected.len());
        for ((s, b), (t, n, surv, se, lo, hi)) in km.steps.iter().zip(&band).zip(expected) {
            let (l, u) = b.unwrap();
            assert_eq!((s.time, s.at_risk, s.events), (t, n, 1), "{s:?}");
            assert!((s.survival - surv).abs() < 5e-4, "{s:?}");
            assert!((s.std_err.unwrap() - se).abs() < 5e-5, "{s:?}");
            assert!(
                (l - lo).abs() < 5e-5 && (u - hi).abs() < 5e-4,
                "{t}: {l} {u}"
            );
        }
        // R: print(survfit(...)) gives median 31, 0.95LCL 18, 0.95UCL NA.
        let m = km.median_ci(0.95).unwrap();
        assert_eq!(
            m,
            QuantileCi {
                estimate: Some(31.0),
                lower: Some(18.0),
                upper: None
            }
        );
        assert_eq!(km.median(), Some(31.0));
        assert_eq!(km.n, 11);
        assert_eq!(km.last_time, 161.0);
    }

    #[test]
    fn quantiles_match_survival_package_tests() {
        // Therneau's own checks of quantile.survfit, survival package tests/quantile.R, data
        // `test1` (the row with status NA dropped, as survfit does). Levels 1 − qq with
        // qq = c(13/14, 6/7, 2/3, .5, 9/35, .1) include exact hits on flat stretches.
        let levels = [1.0 / 14.0, 1.0 / 7.0, 1.0 / 3.0, 0.5, 26.0 / 35.0, 0.9];
        let check = |data: &[(f64, bool)], est: [Option<f64>; 6], low: [Option<f64>; 6]| {
            let km = kaplan_meier(data).unwrap();
            for ((p, e), l) in levels.iter().zip(est).zip(low) {
                let q = km.quantile(*p, 0.95).unwrap();
                // All `upper` limits are NA in that file: the upper band never leaves 1 - tol.
                assert_eq!(
                    q,
                    QuantileCi {
                        estimate: e,
                        lower: l,
                        upper: None
                    },
                    "p = {p}"
                );
            }
        };
        let all = [
            (9.0, true),
            (1.0, true),
            (1.0, false),
            (6.0, true),
            (6.0, true),
            (8.0, false),
            (10.0, false),
        ];
        // quantile = c(1, 3.5, 6, 9, 9.5, NA); lower = c(1, 1, 1, 6, 6, 9).
        check(
            &all,
            [Some(1.0), Some(3.5), Some(6.0), Some(9.0), Some(9.5), None],
            [
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(6.0),
                Some(6.0),
                Some(9.0),
            ],
        );
        // Stratum x = 0: quantile c(6, 6, 9, 9, NA, NA); lower c(6, 6, 6, 6, 9, 9).
        let x0 = [(9.0, true), (6.0, true), (8.0, false), (10.0, false)];
        check(
            &x0,
            [Some(6.0), Some(6.0), Some(9.0), Some(9.0), None, None],
            [
                Some(6.0),
                Some(6.0),
                Some(6.0),
                Some(6.0),
                Some(9.0),
                Some(9.0),
            ],
        );
        // Stratum x = 1 reaches S = 0, where the log band is NA: quantile c(1, 1, 3.5, 6, 6,
        // 6); lower c(1, 1, 1, 1, NA, NA).
        let x1 = [(1.0, true), (1.0, false), (6.0, true)];
        check(
            &x1,
            [
                Some(1.0),
                Some(1.0),
                Some(3.5),
                Some(6.0),
                Some(6.0),
                Some(6.0),
            ],
            [Some(1.0), Some(1.0), Some(1.0), Some(1.0), None, None],
        );
    }

    #[test]
    fn step_lookup_and_degenerate_inputs() {
        let km = kaplan_meier(&AML_MAINTAINED).unwrap();
        assert_eq!(km.survival_at(0.0), Some(1.0));
        assert_eq!(km.survival_at(8.9), Some(1.0));
        assert_eq!(km.survival_at(9.0), Some(10.0 / 11.0));
        assert_eq!(km.survival_at(12.0), Some(10.0 / 11.0));
        assert_eq!(km.survival_at(161.0), Some(km.steps[6].survival));
        assert_eq!(km.survival_at(161.5), None);
        assert_eq!(km.survival_at(f64::NAN), None);
        assert_eq!(kaplan_meier(&[]), None);
        assert_eq!(kaplan_meier(&[(1.0, true), (f64::NAN, false)]), None);
        assert_eq!(kaplan_meier(&[(-1.0, true)]), None);
        // Nothing converged within the budget: a flat curve, no median, no limits.
        let none = kaplan_meier(&[(100.0, false); 5]).unwrap();
        assert!(none.steps.is_empty());
        assert_eq!(none.survival_at(50.0), Some(1.0));
        let q = none.median_ci(0.95).unwrap();
        assert_eq!((q.estimate, q.lower, q.upper), (None, None, None));
        // Everything converged at once: S = 0, no standard error, median at that time.
        let all = kaplan_meier(&[(3.0, true); 4]).unwrap();
        assert_eq!(all.steps[0].survival, 0.0);
        assert_eq!(all.steps[0].std_err, None);
        assert_eq!(all.median(), Some(3.0));
        // Half converge at 2 and the rest are censored at 10: S sits at 0.5 until the end of
        // follow-up, so the median is the midpoint (2 + 10)/2, as survfit reports.
        let half = kaplan_meier(&[(2.0, true), (2.0, true), (10.0, false), (10.0, false)]);
        assert_eq!(half.unwrap().median(), Some(6.0));
        assert_eq!(km.quantile(0.0, 0.95), None);
        assert_eq!(km.quantile(0.5, 1.0), None);
    }
}
