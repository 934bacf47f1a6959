//! Orthogonal matrices the way Keras's `Orthogonal` and PyTorch's `orthogonal_` make them.
//!
//! Both draw a Gaussian matrix of shape (max(r, c), min(r, c)), take Q of its QR, multiply Q's
//! columns by sign(diag R) so the result does not depend on the QR routine's sign convention
//! (this makes Q Haar-distributed: Mezzadri 2007, "How to generate random matrices from the
//! classical compact groups", Notices AMS 54:592), and transpose when r < c. The QR is written
//! here, by Householder reflections (Golub & Van Loan, *Matrix Computations* 4th ed., Alg.
//! 5.2.1), so the bytes do not depend on a LAPACK build.

use crate::rng::{self, Rng};

/// A rows × cols matrix (row-major) with orthonormal columns if rows ≥ cols, else orthonormal
/// rows. Keras `Orthogonal.__call__` (keras/src/initializers/random_initializers.py) and torch
/// `orthogonal_` (torch/nn/init.py); the gain is applied by the caller.
pub(super) fn orthogonal(rows: usize, cols: usize, rng: &mut Rng) -> Vec<f64> {
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let (m, n) = (rows.max(cols), rows.min(cols));
    let a: Vec<f64> = (0..m * n).map(|_| rng::normal(rng)).collect();
    let (q, _) = householder_qr(&a, m, n);
    if rows >= cols {
        q
    } else {
        transpose(&q, m, n)
    }
}

/// Thin QR of an m × n row-major matrix with m ≥ n: Q (m × n, orthonormal columns) and R
/// (n × n, upper triangular), with R's diagonal made non-negative by flipping the matching
/// columns of Q and rows of R, so QR = A still holds.
pub(super) fn householder_qr(a: &[f64], m: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    debug_assert!(m >= n && a.len() == m * n);
    let mut r = a.to_vec();
    let mut reflectors: Vec<Vec<f64>> = Vec::with_capacity(n);
    for k in 0..n {
        let norm = (k..m).map(|i| r[i * n + k].powi(2)).sum::<f64>().sqrt();
        if norm == 0.0 {
            // The column is already zero below the diagonal: the reflector is the identity.
            reflectors.push(Vec::new());
            continue;
        }
        // Reflect x onto −sign(x₀)·‖x‖·e₁ so that v₀ = x₀ − α never cancels.
        let alpha = if r[k * n + k] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = (k..m).map(|i| r[i * n + k]).collect();
        v[0] -= alpha;
        reflect(&mut r, n, k, k, &v);
        for i in k + 1..m {
            r[i * n + k] = 0.0;
        }
        reflectors.push(v);
    }
    // Q = H₀ H₁ ⋯ H_{n−1} applied to the first n columns of the identity, last reflector first.
    let mut q = vec![0.0; m * n];
    for i in 0..n {
        q[i * n + i] = 1.0;
    }
    for (k, v) in reflectors.iter().enumerate().rev() {
        if !v.is_empty() {
            reflect(&mut q, n, k, 0, v);
        }
    }
    let mut rr = vec![0.0; n * n];
    for i in 0..n {
        // sign(0) counts as +1: a zero pivot has probability 0 and must not zero a column.
        let s = if r[i * n + i] < 0.0 { -1.0 } else { 1.0 };
        for j in i..n {
            rr[i * n + j] = s * r[i * n + j];
        }
        for row in q.chunks_mut(n) {
            row[i] *= s;
        }
    }
    (q, rr)
}

/// Applies H = I − 2vvᵀ/(vᵀv) to rows k.. and columns from `col0` of a row-major matrix with
/// `n` columns; `v` covers rows k...
fn reflect(x: &mut [f64], n: usize, k: usize, col0: usize, v: &[f64]) {
    let vv: f64 = v.iter().map(|t| t * t).sum();
    for j in col0..n {
        let s: f64 = v
            .iter()
            .enumerate()
            .map(|(i, vi)| vi * x[(k + i) * n + j])
            .sum();
        let f = 2.0 * s / vv;
        for (i, vi) in v.iter().enumerate() {
            x[(k + i) * n + j] -= f * vi;
        }
    }
}

/// The transpose of a rows × cols row-major matrix.
pub(super) fn transpose(w: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut t = vec![0.0; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            t[j * rows + i] = w[i * cols + j];
        }
    }
    t
}
