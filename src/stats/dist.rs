//! Tail probabilities and critical values of the normal and chi-squared laws, shared by the
//! tests in this module.
//!
//! Both come from statrs (`statrs::distribution`), whose normal quantile is built on an inverse
//! error function accurate to about 1e-15 and whose chi-squared tail is the regularized upper
//! incomplete gamma function (Abramowitz & Stegun 1964, 26.4.19). Upper tails use `sf` rather
//! than `1 − cdf` so that p-values far below 1e-16 are not rounded to zero.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// The two-sided critical value z with P(|Z| ≤ z) = `confidence` (1.959964 for 0.95).
/// None unless 0 < confidence < 1.
pub fn z_critical(confidence: f64) -> Option<f64> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    Some(Normal::standard().inverse_cdf(0.5 + confidence / 2.0))
}

/// Two-sided p-value 2·min(Φ(z), 1 − Φ(z)) of a standard normal statistic, in [0, 1].
/// NaN only for a NaN z.
pub fn normal_two_sided_p(z: f64) -> f64 {
    let n = Normal::standard();
    (2.0 * n.cdf(z).min(n.sf(z))).clamp(0.0, 1.0)
}

/// Upper tail P(X ≥ x) of a chi-squared law with `df` degrees of freedom, in [0, 1].
/// A statistic of 0 (or below, from rounding) gives 1; an invalid df gives NaN.
pub fn chi_square_upper(x: f64, df: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x).clamp(0.0, 1.0),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_values_and_tails_match_standard_tables() {
        // R: qnorm(0.975) = 1.959963984540054; qnorm(0.995) = 2.575829303548901.
        assert!((z_critical(0.95).unwrap() - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((z_critical(0.99).unwrap() - 2.575_829_303_548_901).abs() < 1e-12);
        assert_eq!(z_critical(1.0), None);
        assert_eq!(z_critical(f64::NAN), None);
        // R: 2 * pnorm(-1.959963984540054) = 0.05.
        let p = normal_two_sided_p(-1.959_963_984_540_054);
        // statrs's erfc is good to about 1e-11 relative here, far below any printed p.
        assert!((p - 0.05).abs() < 1e-10, "{p}");
        assert_eq!(normal_two_sided_p(0.0), 1.0);
        // With 2 df the chi-squared tail is exp(−x/2) exactly: R pchisq(3, 2, lower=FALSE)
        // = 0.2231302.
        assert!((chi_square_upper(3.0, 2.0) - (-1.5f64).exp()).abs() < 1e-14);
        // R: pchisq(3.841459, 1, lower = FALSE) = 0.05.
        assert!((chi_square_upper(3.841_458_820_694_124, 1.0) - 0.05).abs() < 1e-12);
        assert_eq!(chi_square_upper(0.0, 1.0), 1.0);
        assert!(chi_square_upper(1.0, 0.0).is_nan());
    }
}
