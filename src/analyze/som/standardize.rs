//! Per-column z-scores, so that features with different units weigh alike in the map's
//! distances.

/// z-scores each column: (x − mean)/sd with the sample sd (n − 1 denominator). Columns with
/// sd = 0 (or fewer than 2 rows) become 0. Returns the scaled rows and each column's
/// (mean, sd). Rows must all have the first row's length. Non-finite values are not treated
/// specially: they make their column's mean and sd non-finite.
pub fn standardize(data: &[Vec<f64>]) -> (Vec<Vec<f64>>, Vec<(f64, f64)>) {
    let dim = data.first().map_or(0, Vec::len);
    assert!(
        data.iter().all(|r| r.len() == dim),
        "standardize: rows differ in length"
    );
    let n = data.len() as f64;
    let params: Vec<(f64, f64)> = (0..dim)
        .map(|j| {
            let mean = data.iter().map(|r| r[j]).sum::<f64>() / n;
            let sd = if data.len() > 1 {
                (data.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            (mean, sd)
        })
        .collect();
    let scaled = data
        .iter()
        .map(|r| {
            r.iter()
                .zip(&params)
                .map(|(&x, &(m, s))| if s > 0.0 { (x - m) / s } else { 0.0 })
                .collect()
        })
        .collect();
    (scaled, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardize_z_scores_and_constant_columns() {
        let data = vec![vec![1.0, 5.0], vec![2.0, 5.0], vec![3.0, 5.0]];
        let (z, params) = standardize(&data);
        assert_eq!(params, vec![(2.0, 1.0), (5.0, 0.0)]);
        assert_eq!(z, vec![vec![-1.0, 0.0], vec![0.0, 0.0], vec![1.0, 0.0]]);
        assert_eq!(standardize(&[]), (vec![], vec![]));
    }
}
