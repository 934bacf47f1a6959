//! Descriptive statistics: mean, standard deviation, median and sample quantiles.
//!
//! The standard deviation divides by n − 1 (the unbiased variance; R `sd`) and is computed with
//! Welford's one-pass update (Welford 1962, Technometrics 4:419), which does not lose digits
//! when the mean is large relative to the spread — accuracies of 0.98 ± 0.001 are typical.
//! Quantiles use R's default definition, type 7 (Hyndman & Fan 1996, Am. Stat. 50:361): linear
//! interpolation between order statistics at h = (n − 1)p, so the median of an even sample is
//! the mean of its middle two values.
//!
//! Every function returns None for empty input or input containing NaN, so a missing value
//! never silently becomes a number.

fn clean(xs: &[f64]) -> bool {
    !xs.is_empty() && !xs.iter().any(|x| x.is_nan())
}

/// Arithmetic mean; None for empty input or any NaN.
pub fn mean(xs: &[f64]) -> Option<f64> {
    if !clean(xs) {
        return None;
    }
    Some(xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Sample standard deviation with divisor n − 1; None for fewer than 2 values or any NaN.
pub fn sd(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 || !clean(xs) {
        return None;
    }
    let (mut m, mut s) = (0.0, 0.0);
    for (k, &x) in xs.iter().enumerate() {
        let d = x - m;
        m += d / (k + 1) as f64;
        s += d * (x - m);
    }
    Some((s / (xs.len() - 1) as f64).sqrt())
}

/// Median (mean of the two middle values for even n); None for empty input or any NaN.
pub fn median(xs: &[f64]) -> Option<f64> {
    quantile(xs, 0.5)
}

/// Type-7 sample quantile at probability `p` in [0, 1] (R `quantile(xs, p)`); None for empty
/// input, any NaN, or p outside [0, 1].
pub fn quantile(xs: &[f64], p: f64) -> Option<f64> {
    if !clean(xs) {
        return None;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_sorted(&sorted, p)
}

/// Type-7 quantile of data already sorted ascending (no NaN check); None when empty or p is
/// outside [0, 1].
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    // Written as a weighted sum only when needed, so equal neighbours (or infinities) come
    // back unchanged instead of as inf − inf.
    Some(if frac == 0.0 || sorted[lo] == sorted[hi] {
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[hi] - sorted[lo])
    })
}

/// Tukey's box for one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxStats {
    pub n: usize,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub whisker_lo: f64,
    pub whisker_hi: f64,
    pub outliers: Vec<f64>,
}

impl BoxStats {
    pub fn new(xs: &[f64]) -> Option<Self> {
        let q1 = quantile(xs, 0.25)?;
        let median = quantile(xs, 0.5)?;
        let q3 = quantile(xs, 0.75)?;
        let iqr = q3 - q1;
        let (lo_fence, hi_fence) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
        let inside = xs
            .iter()
            .copied()
            .filter(|&x| x >= lo_fence && x <= hi_fence);
        let whisker_lo = inside.clone().fold(f64::INFINITY, f64::min).min(q1);
        let whisker_hi = inside.fold(f64::NEG_INFINITY, f64::max).max(q3);
        let outliers = xs
            .iter()
            .copied()
            .filter(|&x| x < lo_fence || x > hi_fence)
            .collect();
        Some(BoxStats {
            n: xs.len(),
            q1,
            median,
            q3,
            whisker_lo,
            whisker_hi,
            outliers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_r() {
        // R: x <- c(2, 4, 4, 4, 5, 5, 7, 9); mean(x) = 5; sd(x) = 2.13809 (= sqrt(32/7));
        // median(x) = 4.5.
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&x), Some(5.0));
        assert!((sd(&x).unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-14);
        assert_eq!(median(&x), Some(4.5));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        // R: quantile(1:10, c(0.1, 0.25, 0.9)) = 1.90 3.25 9.10 (type 7).
        let y: Vec<f64> = (1..=10).map(f64::from).collect();
        for (p, q) in [
            (0.1, 1.9),
            (0.25, 3.25),
            (0.9, 9.1),
            (0.0, 1.0),
            (1.0, 10.0),
        ] {
            assert!((quantile(&y, p).unwrap() - q).abs() < 1e-12, "{p}");
        }
    }

    #[test]
    fn welford_keeps_digits_with_a_large_mean() {
        // sd of 1e9 + (1, 2, 3) is exactly 1; the naive Σx² − n·mean² formula loses it.
        let x = [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0];
        assert!((sd(&x).unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(mean(&[]), None);
        assert_eq!(sd(&[1.0]), None);
        assert_eq!(median(&[]), None);
        assert_eq!(mean(&[1.0, f64::NAN]), None);
        assert_eq!(quantile(&[1.0], 1.5), None);
        assert_eq!(sd(&[3.0, 3.0]), Some(0.0));
        assert_eq!(median(&[f64::INFINITY, f64::INFINITY]), Some(f64::INFINITY));
    }

    #[test]
    fn tukey_box() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 100.0];
        let b = BoxStats::new(&xs).unwrap();
        assert_eq!((b.q1, b.median, b.q3), (3.0, 5.0, 7.0));
        assert_eq!((b.whisker_lo, b.whisker_hi), (1.0, 8.0));
        assert_eq!(b.outliers, vec![100.0]);
        assert!(BoxStats::new(&[]).is_none());
    }
}
