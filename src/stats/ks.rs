//! One-sample Kolmogorov–Smirnov test: do these samples come from this continuous law?
//!
//! The initializer tests use it with a fixed seed and p > 1e-4 as acceptance, as PyTorch's
//! `TestNNInit` does with `scipy.stats.kstest`, but on ≥ 10,000 samples so a 5% error in a scale
//! is rejected. The p-value is asymptotic with Stephens' finite-n correction (Press, Teukolsky,
//! Vetterling & Flannery, *Numerical Recipes* 3rd ed., §14.3.3 and §6.14.12; Stephens 1970,
//! JRSS B 32:115). Marsaglia, Tsang & Wang (2003, J. Stat. Softw. 8(18)) give the exact law;
//! at the sample sizes used here the two agree far below the 1e-4 threshold that matters.

/// The KS statistic D = sup |F_n − F| and its p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KsResult {
    pub statistic: f64,
    pub p_value: f64,
}

/// Tests `samples` against the continuous CDF `cdf`.
///
/// D is exact: max over the sorted samples x_(i) of max(i/n − F(x_(i)), F(x_(i)) − (i−1)/n).
/// A NaN sample or CDF value makes both fields NaN, so `p_value > alpha` is false. An empty
/// sample has nothing to reject: D = 0, p = 1.
pub fn ks_one_sample(samples: &[f64], cdf: impl Fn(f64) -> f64) -> KsResult {
    let n = samples.len();
    if n == 0 {
        return KsResult {
            statistic: 0.0,
            p_value: 1.0,
        };
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let nf = n as f64;
    let mut d = 0.0_f64;
    for (i, &x) in sorted.iter().enumerate() {
        let f = cdf(x);
        if f.is_nan() {
            return KsResult {
                statistic: f64::NAN,
                p_value: f64::NAN,
            };
        }
        d = d.max((i + 1) as f64 / nf - f).max(f - i as f64 / nf);
    }
    let en = nf.sqrt();
    KsResult {
        statistic: d,
        p_value: q_ks((en + 0.12 + 0.11 / en) * d),
    }
}

/// Kolmogorov's survival function Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}.
///
/// That series converges slowly for small λ, so below 1.18 (the switch point Numerical Recipes
/// uses) this computes 1 − P_KS(λ) from the Jacobi-theta form
/// P_KS(λ) = (√(2π)/λ) Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)}, which converges fast there.
pub fn q_ks(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    let q = if lambda < 1.18 {
        1.0 - p_ks_theta(lambda)
    } else {
        q_ks_series(lambda)
    };
    q.clamp(0.0, 1.0)
}

fn q_ks_series(lambda: f64) -> f64 {
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = (-2.0 * k * k * lambda * lambda).exp();
        sum += sign * term;
        if term <= 1e-17 * sum.abs() {
            break;
        }
        sign = -sign;
    }
    2.0 * sum
}

fn p_ks_theta(lambda: f64) -> f64 {
    let c = std::f64::consts::PI * std::f64::consts::PI / (8.0 * lambda * lambda);
    let mut sum = 0.0;
    for k in 1..=100 {
        let odd = (2 * k - 1) as f64;
        let term = (-odd * odd * c).exp();
        sum += term;
        if term <= 1e-17 * sum {
            break;
        }
    }
    (std::f64::consts::TAU).sqrt() / lambda * sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    fn u01(x: f64) -> f64 {
        x.clamp(0.0, 1.0)
    }

    #[test]
    fn statistic_matches_hand_computed_values() {
        // By hand: against U(0,1), i/n − x_i = .15 .30 .40 .20 .05 and x_i − (i−1)/n =
        // .05 −.10 −.20 0 .15, so D = 0.4 from the "above" side (what scipy.stats.kstest
        // reports as its statistic for this sample).
        let r = ks_one_sample(&[0.6, 0.05, 0.95, 0.2, 0.1], u01);
        assert!((r.statistic - 0.4).abs() < 1e-15, "{r:?}");
        // Stephens-corrected p for n = 5, D = 0.4: λ = (√5 + 0.12 + 0.11/√5)·0.4 = 0.96210...,
        // Q_KS(λ) = 2(e^{−2λ²} − e^{−8λ²} + e^{−18λ²}) = 0.31285..., evaluated by hand with
        // Python's math module from the series (scipy would give its exact small-n value
        // instead, which is why only D is compared with scipy).
        assert!((r.p_value - 0.312_853).abs() < 1e-5, "{r:?}");
        // The maximum on the other side: x_i − (i−1)/n = .3 .3 .3 .2 .1, so D = 0.3.
        let r = ks_one_sample(&[0.3, 0.5, 0.7, 0.8, 0.9], u01);
        assert!((r.statistic - 0.3).abs() < 1e-15, "{r:?}");
        // Evenly spread points sit 1/(2n) from the diagonal: D = 0.1.
        let r = ks_one_sample(&[0.1, 0.3, 0.5, 0.7, 0.9], u01);
        assert!((r.statistic - 0.1).abs() < 1e-15, "{r:?}");
        // One point at the median: D = max(1 − 0.5, 0.5 − 0) = 0.5.
        let r = ks_one_sample(&[0.0], |x| crate::stats::normal_cdf(x, 0.0, 1.0));
        assert!((r.statistic - 0.5).abs() < 1e-15, "{r:?}");
    }

    #[test]
    fn q_ks_matches_the_standard_table() {
        // Asymptotic critical values √n·D_α from Massey (1951, JASA 46:68, Table 1, last row),
        // the table every KS textbook reprints: each λ is Q_KS⁻¹(α) rounded to two decimals, so
        // α must lie between Q_KS(λ + 0.005) and Q_KS(λ − 0.005).
        for (lambda, alpha) in [
            (1.07, 0.20),
            (1.14, 0.15),
            (1.22, 0.10),
            (1.36, 0.05),
            (1.63, 0.01),
        ] {
            assert!(
                q_ks(lambda + 0.005) < alpha && alpha < q_ks(lambda - 0.005),
                "{lambda}"
            );
        }
        // The values the brief quotes: Q(1.36) ≈ 0.049, Q(1.63) ≈ 0.0098.
        assert!((q_ks(1.36) - 0.0495).abs() < 5e-4, "{}", q_ks(1.36));
        assert!((q_ks(1.63) - 0.0098).abs() < 1e-4, "{}", q_ks(1.63));
        assert_eq!(q_ks(0.0), 1.0);
        assert!(q_ks(0.2) > 0.999_999 && q_ks(10.0) < 1e-80);
    }

    #[test]
    fn both_forms_of_the_kolmogorov_law_agree_where_they_meet() {
        // Jacobi's theta identity makes the two series the same function; check it on both sides
        // of the switch point so the branch choice cannot introduce a jump.
        for lambda in [0.8, 1.0, 1.17, 1.18, 1.19, 1.4, 2.0] {
            let a = q_ks_series(lambda);
            let b = 1.0 - p_ks_theta(lambda);
            assert!((a - b).abs() < 1e-13, "{lambda}: {a} vs {b}");
        }
    }

    #[test]
    fn p_values_are_uniform_under_the_null_and_nan_fails() {
        // Property: when the law is right, P(p < 0.05) ≈ 0.05. 400 replicates of n = 200; the
        // count of rejections is Binomial(400, 0.05): mean 20, sd 4.4, so 5..=40 is > 3 sd.
        let mut rng = rng::stream(11, 0);
        let mut rejected = 0;
        for _ in 0..400 {
            let xs: Vec<f64> = (0..200).map(|_| rng::uniform(&mut rng)).collect();
            if ks_one_sample(&xs, u01).p_value < 0.05 {
                rejected += 1;
            }
        }
        assert!((5..=40).contains(&rejected), "{rejected}");
        let r = ks_one_sample(&[0.1, f64::NAN], u01);
        let accepted = r.p_value > 1e-4;
        assert!(r.p_value.is_nan() && !accepted);
        assert_eq!(ks_one_sample(&[], u01).p_value, 1.0);
    }
}
