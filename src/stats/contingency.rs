//! Tests of association in contingency tables: Fisher's exact test for 2×2 tables and
//! Pearson's chi-squared test for r×c tables.
//!
//! Fisher's test (Fisher 1935, *The Design of Experiments*, §2; two-sided p as in Agresti 2002,
//! *Categorical Data Analysis* 2nd ed., §3.5.1) conditions on both margins, so it is exact for
//! the small counts of rare outcomes (e.g. 2 of 40 trials diverging). The two-sided p sums the
//! hypergeometric probabilities no larger than the observed one, with R `fisher.test`'s
//! relative tolerance 1 + 1e-7 so that tables as likely as the observed one are not lost to
//! rounding. Pearson's test (Pearson 1900; Agresti 2002, §3.2) serves larger r×c tables such as
//! node × outcome, where the asymptotic law is adequate.

use statrs::function::factorial::ln_binomial;

use super::dist::chi_square_upper;

/// Fisher's exact test of a 2×2 table `[[a, b], [c, d]]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FisherExact {
    /// Two-sided p-value.
    pub p_value: f64,
    /// The sample (unconditional) odds ratio ad/(bc) — not R's conditional maximum-likelihood
    /// estimate, which `fisher.test` reports (6.408309 rather than 9 for the tea table).
    /// `f64::INFINITY` when bc = 0 < ad; None when ad = bc = 0, where it is undefined.
    pub odds_ratio: Option<f64>,
}

/// Fisher's exact test, two-sided, for `[[a, b], [c, d]]`. Never fails: an all-zero table
/// has a single possible arrangement and p = 1.
pub fn fisher_exact(table: [[u64; 2]; 2]) -> FisherExact {
    let [[a, b], [c, d]] = table;
    // a given the margins is hypergeometric: first-column total m, second n, first-row k.
    let (m, n, k) = (a + c, b + d, a + b);
    let lo = k.saturating_sub(n);
    let hi = k.min(m);
    let ln_p = |x: u64| ln_binomial(m, x) + ln_binomial(n, k - x) - ln_binomial(m + n, k);
    let logs: Vec<f64> = (lo..=hi).map(ln_p).collect();
    // Work relative to the most likely table so that no term underflows to 0.
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let rel: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
    let observed = rel[(a - lo) as usize];
    let total: f64 = rel.iter().sum();
    let tail: f64 = rel.iter().filter(|&&r| r <= observed * (1.0 + 1e-7)).sum();
    let (ad, bc) = (a as f64 * d as f64, b as f64 * c as f64);
    let odds_ratio = if bc > 0.0 {
        Some(ad / bc)
    } else if ad > 0.0 {
        Some(f64::INFINITY)
    } else {
        None
    };
    FisherExact {
        p_value: (tail / total).clamp(0.0, 1.0),
        odds_ratio,
    }
}

/// Pearson's chi-squared test of independence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChiSquareTest {
    /// Σ (O − E)² / E, without Yates's continuity correction.
    pub statistic: f64,
    /// (r − 1)(c − 1), counting only rows and columns with a nonzero total.
    pub df: u64,
    pub p_value: f64,
    /// The smallest expected count: below about 5 the chi-squared law is a poor guide
    /// (Cochran 1954, Biometrics 10:417), and Fisher's test is the better choice for 2×2.
    pub min_expected: f64,
}

/// Pearson's chi-squared test of independence for an r×c table of counts (`table[row][col]`).
///
/// Matches R `chisq.test(m, correct = FALSE)`; for tables larger than 2×2 R applies no
/// correction anyway. Rows and columns whose total is 0 carry no information and are dropped
/// (R would return NaN). None when the rows differ in length or fewer than two nonzero rows or
/// columns remain.
pub fn chi_square_independence(table: &[Vec<u64>]) -> Option<ChiSquareTest> {
    let cols = table.first()?.len();
    if table.iter().any(|r| r.len() != cols) {
        return None;
    }
    let row_totals: Vec<f64> = table.iter().map(|r| r.iter().sum::<u64>() as f64).collect();
    let col_totals: Vec<f64> = (0..cols)
        .map(|j| table.iter().map(|r| r[j]).sum::<u64>() as f64)
        .collect();
    let rows: Vec<usize> = (0..table.len()).filter(|&i| row_totals[i] > 0.0).collect();
    let keep: Vec<usize> = (0..cols).filter(|&j| col_totals[j] > 0.0).collect();
    if rows.len() < 2 || keep.len() < 2 {
        return None;
    }
    let total: f64 = row_totals.iter().sum();
    let mut statistic = 0.0;
    let mut min_expected = f64::INFINITY;
    for &i in &rows {
        for &j in &keep {
            let expected = row_totals[i] * col_totals[j] / total;
            statistic += (table[i][j] as f64 - expected).powi(2) / expected;
            min_expected = min_expected.min(expected);
        }
    }
    let df = ((rows.len() - 1) * (keep.len() - 1)) as u64;
    Some(ChiSquareTest {
        statistic,
        df,
        p_value: chi_square_upper(statistic, df as f64),
        min_expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_matches_r() {
        // Fisher's tea-tasting experiment, R ?fisher.test example TeaTasting:
        // fisher.test(matrix(c(3, 1, 1, 3), nrow = 2)) gives p-value = 0.4857 (exactly 17/35).
        let r = fisher_exact([[3, 1], [1, 3]]);
        assert!((r.p_value - 17.0 / 35.0).abs() < 1e-12, "{r:?}");
        assert_eq!(r.odds_ratio, Some(9.0));
        // [[10, 2], [3, 15]]: R fisher.test(matrix(c(10, 3, 2, 15), nrow = 2))$p.value
        // = 0.0005367241, the sum of dhyper(x, 13, 17, 12) over x with dhyper ≤ dhyper(10)
        // (x = 0..3 and 10..12), evaluated exactly in rational arithmetic with Python.
        let r = fisher_exact([[10, 2], [3, 15]]);
        assert!((r.p_value - 5.367_241_191_434e-4).abs() < 1e-12, "{r:?}");
        assert_eq!(r.odds_ratio, Some(25.0));
        // The test is symmetric under transposition and under swapping rows.
        let t = fisher_exact([[10, 3], [2, 15]]);
        let s = fisher_exact([[3, 15], [10, 2]]);
        assert!((t.p_value - r.p_value).abs() < 1e-15 && (s.p_value - r.p_value).abs() < 1e-15);
    }

    #[test]
    fn fisher_edges() {
        let r = fisher_exact([[0, 0], [0, 0]]);
        assert_eq!((r.p_value, r.odds_ratio), (1.0, None));
        let r = fisher_exact([[5, 0], [0, 5]]);
        // Only the two extreme tables are as unlikely: 2 / C(10, 5) = 2/252.
        assert!((r.p_value - 2.0 / 252.0).abs() < 1e-15, "{r:?}");
        assert_eq!(r.odds_ratio, Some(f64::INFINITY));
        // A large balanced table: p must be 1 (every table is at most as likely as the mode).
        let r = fisher_exact([[500, 500], [500, 500]]);
        assert!((r.p_value - 1.0).abs() < 1e-12, "{r:?}");
        // Thousands of trials do not underflow.
        let r = fisher_exact([[3000, 10], [10, 3000]]);
        assert!(r.p_value >= 0.0 && r.p_value < 1e-300, "{r:?}");
    }

    #[test]
    fn chi_square_matches_agresti_party_by_gender() {
        // Agresti (2007, *An Introduction to Categorical Data Analysis* 2nd ed., p. 39),
        // party identification by gender; R ?chisq.test example:
        // chisq.test(as.table(rbind(c(762, 327, 468), c(484, 239, 477))))
        // gives X-squared = 30.07, df = 2, p-value = 2.954e-07.
        let table = vec![vec![762, 327, 468], vec![484, 239, 477]];
        let r = chi_square_independence(&table).unwrap();
        assert!((r.statistic - 30.07).abs() < 5e-3, "{r:?}");
        assert_eq!(r.df, 2);
        assert!((r.p_value - 2.954e-7).abs() < 5e-11, "{r:?}");
        // With 2 df the p-value is exp(−X²/2) exactly.
        assert!((r.p_value - (-r.statistic / 2.0).exp()).abs() < 1e-18);
        // Smallest row total × smallest column total / n = 1200 · 566 / 2757.
        assert!((r.min_expected - 1200.0 * 566.0 / 2757.0).abs() < 1e-9);
    }

    #[test]
    fn chi_square_edges() {
        assert_eq!(chi_square_independence(&[]), None);
        assert_eq!(chi_square_independence(&[vec![1, 2], vec![3]]), None);
        assert_eq!(chi_square_independence(&[vec![1, 2]]), None);
        // A zero column is dropped: same answer as without it.
        let with = chi_square_independence(&[vec![10, 0, 5], vec![3, 0, 9]]).unwrap();
        let without = chi_square_independence(&[vec![10, 5], vec![3, 9]]).unwrap();
        assert_eq!(with, without);
        assert_eq!(with.df, 1);
        // Perfect independence: statistic 0, p = 1.
        let r = chi_square_independence(&[vec![2, 4], vec![3, 6]]).unwrap();
        assert!(r.statistic.abs() < 1e-12 && r.p_value == 1.0, "{r:?}");
        assert_eq!(chi_square_independence(&[vec![0, 0], vec![0, 0]]), None);
    }
}
