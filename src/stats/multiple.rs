//! Adjusted p-values for families of tests, as R `p.adjust`.
//!
//! The analysis tests many features of the initial weights at once, so raw p-values overstate
//! the evidence. Holm's step-down procedure (Holm 1979, Scand. J. Stat. 6:65) controls the
//! family-wise error rate under any dependence and is uniformly more powerful than plain
//! Bonferroni; Benjamini & Hochberg (1995, JRSS B 57:289) control the false discovery rate
//! instead, for screening. Both return adjusted values in the input order, capped at 1, so
//! "adjusted p < α" is the decision rule.

/// Holm-adjusted p-values, `p.adjust(p, "holm")`: the i-th smallest becomes
/// max over j ≤ i of (m − j + 1)·p₍ⱼ₎, capped at 1.
///
/// As in R, m counts every entry, NaN ones too (they are tests whose p is missing), and a NaN
/// entry stays NaN. Empty input gives an empty vector.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len() as f64;
    let order = ascending(p);
    let mut out = p.to_vec();
    let mut running = 0.0_f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max((m - rank as f64) * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

/// [`holm`] over the tests that could run (`Some`); the family is those tests alone, and the
/// others stay `None`.
pub fn holm_present(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let present: Vec<f64> = p.iter().flatten().copied().collect();
    let mut adjusted = holm(&present).into_iter();
    p.iter().map(|x| x.and_then(|_| adjusted.next())).collect()
}

/// Benjamini–Hochberg adjusted p-values (q-values), `p.adjust(p, "BH")`: the i-th smallest
/// becomes min over j ≥ i of m·p₍ⱼ₎/j, capped at 1. NaN handling as for [`holm`].
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len() as f64;
    let order = ascending(p);
    let mut out = p.to_vec();
    let mut running = f64::INFINITY;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(m / (rank + 1) as f64 * p[i]);
        out[i] = running.min(1.0);
    }
    out
}

/// Indices of the non-NaN entries by increasing p; a stable sort keeps ties in input order,
/// which does not change any adjusted value.
fn ascending(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() < 1e-12 || (g.is_nan() && w.is_nan()),
                "{got:?}"
            );
        }
    }

    #[test]
    fn holm_present_adjusts_over_the_tests_that_ran() {
        // The family is the three present p-values: 0.01·3, then max(0.03, 0.02·2), 0.04.
        let got = holm_present(&[Some(0.02), None, Some(0.01), Some(0.04), None]);
        assert_eq!(got[1], None);
        assert_eq!(got[4], None);
        let present: Vec<f64> = got.iter().flatten().copied().collect();
        assert_close(&present, &[0.04, 0.03, 0.04]);
    }

    #[test]
    fn holm_matches_p_adjust() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
        assert_close(&holm(&[0.01, 0.04, 0.03, 0.005]), &[0.03, 0.06, 0.06, 0.02]);
        // Capped at 1: p.adjust(c(0.5, 0.4), "holm") = 0.8 0.8 (2·0.4, then max(0.8, 0.5)).
        assert_close(&holm(&[0.5, 0.4]), &[0.8, 0.8]);
        assert_close(&holm(&[0.9, 0.6]), &[1.0, 1.0]);
        // R counts NA entries in m: p.adjust(c(0.01, NA, 0.02), "holm") = 0.03 NA 0.04.
        assert_close(&holm(&[0.01, f64::NAN, 0.02]), &[0.03, f64::NAN, 0.04]);
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn bh_matches_p_adjust() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
        // (sorted .005 .01 .03 .04 times 4/1, 4/2, 4/3, 4/4 = .02 .02 .04 .04, then the
        // running minimum from the largest down).
        assert_close(
            &benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005]),
            &[0.02, 0.04, 0.04, 0.02],
        );
        assert_close(&benjamini_hochberg(&[0.04, 0.03]), &[0.04, 0.04]);
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
