//! Confidence intervals for a binomial proportion and for a difference of two proportions.
//!
//! Wilson's score interval (Wilson 1927, JASA 22:209) inverts the score test instead of the
//! Wald test, so it stays inside [0, 1] and keeps close to nominal coverage for small n and for
//! proportions near 0 or 1 (Agresti & Coull 1998, Am. Stat. 52:119; Newcombe 1998, Stat. Med.
//! 17:857, method 3) — the regime of "3 of 500 trials converged". The difference of two
//! independent proportions uses Newcombe's hybrid score interval (Newcombe 1998, Stat. Med.
//! 17:873, method 10), which combines the two Wilson intervals and inherits their behaviour at
//! the boundaries, where the Wald difference interval collapses to zero width.

use super::dist::z_critical;

/// Wilson score interval for `successes` out of `n` at the given two-sided `confidence`.
///
/// The same interval as R `prop.test(x, n, correct = FALSE)$conf.int` and
/// `binom::binom.wilson`. None when n = 0, successes > n, or confidence is not in (0, 1).
/// The bound at a boundary count is exact: 0/n gives a lower bound of exactly 0 and n/n an
/// upper bound of exactly 1 (the formula reaches them only up to rounding).
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Option<(f64, f64)> {
    if n == 0 || successes > n {
        return None;
    }
    let z = z_critical(confidence)?;
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * nf);
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let denom = 1.0 + z2 / nf;
    let lower = if successes == 0 {
        0.0
    } else {
        ((centre - half) / denom).max(0.0)
    };
    let upper = if successes == n {
        1.0
    } else {
        ((centre + half) / denom).min(1.0)
    };
    Some((lower, upper))
}

/// A difference p₁ − p₂ with its confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProportionDifference {
    pub difference: f64,
    pub lower: f64,
    pub upper: f64,
}

/// p₁ − p₂ = x1/n1 − x2/n2 with Newcombe's hybrid score interval (method 10):
/// with (l_i, u_i) the Wilson intervals, the bounds are
/// D − √((p₁ − l₁)² + (u₂ − p₂)²) and D + √((u₁ − p₁)² + (p₂ − l₂)²).
/// None when either sample is empty, a count exceeds its n, or confidence is not in (0, 1).
pub fn proportion_difference(
    x1: u64,
    n1: u64,
    x2: u64,
    n2: u64,
    confidence: f64,
) -> Option<ProportionDifference> {
    let (l1, u1) = wilson(x1, n1, confidence)?;
    let (l2, u2) = wilson(x2, n2, confidence)?;
    let p1 = x1 as f64 / n1 as f64;
    let p2 = x2 as f64 / n2 as f64;
    let d = p1 - p2;
    let below = ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let above = ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Some(ProportionDifference {
        difference: d,
        lower: (d - below).max(-1.0),
        upper: (d + above).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_matches_newcombe_table_i() {
        // Newcombe (1998, Stat. Med. 17:857), Table I, method 3 (score interval without
        // continuity correction), printed to 4 decimals; the same numbers as R
        // prop.test(x, n, correct = FALSE)$conf.int.
        for (x, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (l, u) = wilson(x, n, 0.95).unwrap();
            assert!(close(l, lo, 5e-5) && close(u, hi, 5e-5), "{x}/{n}: {l} {u}");
        }
    }

    #[test]
    fn wilson_edges_are_exact_and_symmetric() {
        let (l, u) = wilson(0, 20, 0.95).unwrap();
        assert_eq!(l, 0.0);
        // x/n and (n − x)/n give mirror-image intervals.
        let (l2, u2) = wilson(20, 20, 0.95).unwrap();
        assert_eq!(u2, 1.0);
        assert!(close(l2, 1.0 - u, 1e-15));
        let (a, b) = wilson(7, 19, 0.9).unwrap();
        let (c, d) = wilson(12, 19, 0.9).unwrap();
        assert!(close(a, 1.0 - d, 1e-15) && close(b, 1.0 - c, 1e-15));
        assert_eq!(wilson(0, 0, 0.95), None);
        assert_eq!(wilson(3, 2, 0.95), None);
        assert_eq!(wilson(1, 2, 1.5), None);
        // One trial, no success: the upper bound is z²/(n + z²) = 0.7935 (by hand).
        let z2 = 1.959_963_984_540_054_f64.powi(2);
        assert!(close(wilson(0, 1, 0.95).unwrap().1, z2 / (1.0 + z2), 1e-15));
    }

    #[test]
    fn difference_matches_newcombe_table_ii() {
        // Newcombe (1998, Stat. Med. 17:873), Table II, method 10, to 4 decimals.
        for (x1, n1, x2, n2, d, lo, hi) in [
            (56, 70, 48, 80, 0.2, 0.0524, 0.3339),
            (9, 10, 3, 10, 0.6, 0.1705, 0.8090),
            (5, 56, 0, 29, 0.0893, -0.0381, 0.1926),
            (0, 10, 0, 20, 0.0, -0.1611, 0.2775),
            (10, 10, 0, 20, 1.0, 0.6791, 1.0),
        ] {
            let r = proportion_difference(x1, n1, x2, n2, 0.95).unwrap();
            assert!(
                close(r.difference, d, 5e-5)
                    && close(r.lower, lo, 5e-5)
                    && close(r.upper, hi, 5e-5),
                "{x1}/{n1} - {x2}/{n2}: {r:?}"
            );
        }
        assert_eq!(proportion_difference(1, 0, 1, 2, 0.95), None);
    }
}
