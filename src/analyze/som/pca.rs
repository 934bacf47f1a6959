//! The data's mean and leading principal components, by power iteration: they place the
//! map's linear initialization and choose its grid's side ratio.

use crate::rng;

/// Fixed seed of the power iteration's start vector (not the user's seed: the linear
/// initialization is the same for every seed).
const PCA_SEED: u64 = 0x5043_4100; // "PCA\0"

/// The mean and the leading principal components of a data set.
pub(super) struct Pcs {
    pub(super) mean: Vec<f64>,
    /// (variance, unit vector), largest variance first; a component with variance 0 has a zero
    /// vector.
    pub(super) components: Vec<(f64, Vec<f64>)>,
}

/// The `k` largest principal components by power iteration with deflation on the centred data
/// (never forming the covariance matrix, so it stays O(n·d) per iteration for wide weight
/// vectors). Deterministic: the start vectors come from a fixed stream.
pub(super) fn principal_components(data: &[Vec<f64>], k: usize) -> Pcs {
    let n = data.len();
    let dim = data.first().map_or(0, Vec::len);
    let mut mean = vec![0.0; dim];
    for r in data {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += x;
        }
    }
    for m in &mut mean {
        *m /= n.max(1) as f64;
    }
    // Row after row in one buffer.
    let centred: Vec<f64> = data
        .iter()
        .flat_map(|r| r.iter().zip(&mean).map(|(x, m)| x - m))
        .collect();
    let mut components: Vec<(f64, Vec<f64>)> = Vec::new();
    if n < 2 || dim == 0 {
        return Pcs {
            mean,
            components: (0..k).map(|_| (0.0, vec![0.0; dim])).collect(),
        };
    }
    // C·v = Xᵀ(X·v)/(n − 1), projected off the components already found.
    let cov_times = |v: &[f64], found: &[(f64, Vec<f64>)]| -> Vec<f64> {
        let mut out = vec![0.0; dim];
        for r in centred.chunks_exact(dim) {
            let p = dot(r, v);
            for (o, x) in out.iter_mut().zip(r) {
                *o += p * x;
            }
        }
        for o in &mut out {
            *o /= (n - 1) as f64;
        }
        orthogonalize(&mut out, found);
        out
    };
    for c in 0..k.min(dim) {
        let mut start = rng::stream(PCA_SEED, c as u64);
        let mut v: Vec<f64> = (0..dim).map(|_| rng::normal(&mut start)).collect();
        orthogonalize(&mut v, &components);
        let mut lambda = 0.0;
        if normalize(&mut v) {
            for _ in 0..300 {
                let mut u = cov_times(&v, &components);
                lambda = dot(&u, &v);
                if !normalize(&mut u) {
                    lambda = 0.0;
                    v.iter_mut().for_each(|x| *x = 0.0);
                    break;
                }
                let change: f64 = u.iter().zip(&v).map(|(a, b)| (a - b).powi(2)).sum();
                v = u;
                if change < 1e-20 {
                    break;
                }
            }
        } else {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
        components.push((lambda.max(0.0), v));
    }
    while components.len() < k {
        components.push((0.0, vec![0.0; dim]));
    }
    Pcs { mean, components }
}

pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Scales `v` to unit length; false (leaving it unchanged) when its length is 0 or not finite.
fn normalize(v: &mut [f64]) -> bool {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter_mut().for_each(|x| *x /= norm);
        true
    } else {
        false
    }
}

/// Removes from `v` its projection on each (unit or zero) vector in `basis`.
fn orthogonalize(v: &mut [f64], basis: &[(f64, Vec<f64>)]) {
    for (_, b) in basis {
        let p = dot(v, b);
        for (x, y) in v.iter_mut().zip(b) {
            *x -= p * y;
        }
    }
}
