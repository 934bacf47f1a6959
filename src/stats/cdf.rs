//! Cumulative distribution functions of the laws initializers draw from, for goodness-of-fit
//! tests.
//!
//! They return NaN for impossible parameters instead of an error: a NaN CDF makes the KS
//! p-value NaN, so any `p > alpha` acceptance fails loudly rather than passing by accident.

use statrs::distribution::{Continuous, ContinuousCDF, Normal};

fn standard() -> Normal {
    // Mean 0 and sd 1 are always valid parameters, so this never fails.
    Normal::standard()
}

/// CDF of N(mean, sd²) at `x`; NaN when `sd` is not positive and finite.
pub fn normal_cdf(x: f64, mean: f64, sd: f64) -> f64 {
    if !(sd > 0.0 && sd.is_finite()) {
        return f64::NAN;
    }
    standard().cdf((x - mean) / sd)
}

/// CDF of the uniform law on [lo, hi); NaN unless lo < hi.
pub fn uniform_cdf(x: f64, lo: f64, hi: f64) -> f64 {
    if lo.is_nan() || hi.is_nan() || lo >= hi {
        return f64::NAN;
    }
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// CDF of N(mean, sd²) conditioned on [lo, hi]: (Φ(x) − Φ(lo)) / (Φ(hi) − Φ(lo)) in standard
/// units (Johnson, Kotz & Balakrishnan 1994, *Continuous Univariate Distributions* 1, §10.1).
/// `sd` is the parent normal's, not the truncated law's. NaN for impossible parameters.
pub fn truncated_normal_cdf(x: f64, mean: f64, sd: f64, lo: f64, hi: f64) -> f64 {
    if !(sd > 0.0 && sd.is_finite() && lo < hi) {
        return f64::NAN;
    }
    if x <= lo {
        return 0.0;
    }
    if x >= hi {
        return 1.0;
    }
    let n = standard();
    let (a, b, z) = ((lo - mean) / sd, (hi - mean) / sd, (x - mean) / sd);
    let (fa, fb) = (n.cdf(a), n.cdf(b));
    ((n.cdf(z) - fa) / (fb - fa)).clamp(0.0, 1.0)
}

/// Mean and variance of N(mean, sd²) truncated to [lo, hi] (same reference as above):
/// with α, β the standardized bounds and Z = Φ(β) − Φ(α),
/// mean + sd·(φ(α) − φ(β))/Z and sd²·[1 + (αφ(α) − βφ(β))/Z − ((φ(α) − φ(β))/Z)²].
/// NaN for impossible parameters. This is where Keras's 0.87962566103423978 comes from: the
/// standard deviation of a unit normal truncated at ±2.
pub fn truncated_normal_mean_var(mean: f64, sd: f64, lo: f64, hi: f64) -> (f64, f64) {
    if !(sd > 0.0 && sd.is_finite() && lo < hi) {
        return (f64::NAN, f64::NAN);
    }
    let n = standard();
    let (a, b) = ((lo - mean) / sd, (hi - mean) / sd);
    let z = n.cdf(b) - n.cdf(a);
    // φ(±∞)·(±∞) is 0 in the limit; spell it out so infinite bounds do not make NaN.
    let term = |t: f64| if t.is_finite() { t * n.pdf(t) } else { 0.0 };
    let shift = (n.pdf(a) - n.pdf(b)) / z;
    let var = sd * sd * (1.0 + (term(a) - term(b)) / z - shift * shift);
    (mean + sd * shift, var)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_cdf_matches_its_parent_inside_and_clamps_outside() {
        assert_eq!(truncated_normal_cdf(-3.0, 0.0, 1.0, -2.0, 2.0), 0.0);
        assert_eq!(truncated_normal_cdf(2.5, 0.0, 1.0, -2.0, 2.0), 1.0);
        assert!((truncated_normal_cdf(0.0, 0.0, 1.0, -2.0, 2.0) - 0.5).abs() < 1e-15);
        // Infinite bounds give back the untruncated law.
        let t = truncated_normal_cdf(0.7, 0.1, 2.0, f64::NEG_INFINITY, f64::INFINITY);
        assert!((t - normal_cdf(0.7, 0.1, 2.0)).abs() < 1e-15);
        assert!(truncated_normal_cdf(0.0, 0.0, 0.0, -1.0, 1.0).is_nan());
        assert!(uniform_cdf(0.0, 1.0, 1.0).is_nan());
    }

    #[test]
    fn truncated_moments_reduce_to_the_parent_and_pin_keras_constant() {
        let (m, v) = truncated_normal_mean_var(0.3, 1.5, f64::NEG_INFINITY, f64::INFINITY);
        assert!(
            (m - 0.3).abs() < 1e-15 && (v - 2.25).abs() < 1e-12,
            "{m} {v}"
        );
        // Reference: keras/src/initializers/random_initializers.py, VarianceScaling, which
        // divides by the literal 0.87962566103423978, which its comment traces to scipy.stats.
        // truncnorm.std(a=-2, b=2, loc=0, scale=1).
        let (m, v) = truncated_normal_mean_var(0.0, 1.0, -2.0, 2.0);
        assert!(m.abs() < 1e-15);
        assert!(
            (v.sqrt() - 0.879_625_661_034_239_8).abs() < 1e-12,
            "{}",
            v.sqrt()
        );
    }
}
