//! The initializers that are not i.i.d. and have no algorithm of their own: Keras's identity,
//! PyTorch's sparse, and the deterministic ZerO and IDInit. (Orthogonal lives in
//! `orthogonal.rs`, LSUV in `lsuv.rs`.)
//!
//! All see the matrix's shape rather than only the fans, which is why they are kept apart from
//! the i.i.d. laws. Sparse, ZerO and IDInit are defined on PyTorch's [fan_out, fan_in] weight
//! (which side is longer decides what they do) and transposed for Keras's layout.

use super::{orthogonal, Layout};
use crate::rng::{self, Rng};

/// Keras Identity: ops.eye(*shape), ones on the main diagonal even if not square.
pub(super) fn identity(rows: usize, cols: usize) -> Vec<f64> {
    let mut w = vec![0.0; rows * cols];
    for i in 0..rows.min(cols) {
        w[i * cols + i] = 1.0;
    }
    w
}

/// torch.nn.init.sparse_ on the [fan_out, fan_in] weight: N(0, std²) everywhere, then in each
/// column the first ceil(sparsity·rows) rows of a fresh random permutation set to zero. The
/// normals are drawn first (row-major), then one permutation per column, as torch does.
pub(super) fn sparse(
    fan_in: usize,
    fan_out: usize,
    layout: Layout,
    sparsity: f64,
    std: f64,
    rng: &mut Rng,
) -> Vec<f64> {
    let (rows, cols) = (fan_out, fan_in);
    let mut w: Vec<f64> = (0..rows * cols).map(|_| std * rng::normal(rng)).collect();
    let zeros = ((sparsity * rows as f64).ceil() as usize).min(rows);
    for c in 0..cols {
        let perm = rng::permutation(rng, rows);
        for &r in &perm[..zeros] {
            w[r * cols + c] = 0.0;
        }
    }
    in_layout(w, rows, cols, layout)
}

/// ZerO (Zhao, Schäfer & Anandkumar 2022, Algorithm 1) on the [fan_out, fan_in] weight W, as
/// the authors' released `ZerO_Init_on_matrix` computes it: W = eye(fan_out, fan_in) when
/// fan_out ≤ fan_in (the identity or a partial identity), else W = H[:fan_out, :fan_in] / √p,
/// H the p × p Sylvester–Hadamard matrix, p = 2^⌈log₂ fan_out⌉. The paper's Algorithm 1 writes
/// the factor as 2^−(m−1)/2, √2 larger than the code's 2^−m/2; the code is what the paper's
/// experiments ran, so it is followed here. Sylvester's H has H[i][j] = (−1)^popcount(i & j).
pub(super) fn zer_o(fan_in: usize, fan_out: usize, layout: Layout) -> Vec<f64> {
    let (rows, cols) = (fan_out, fan_in);
    let w = if rows <= cols {
        identity(rows, cols)
    } else {
        let p = rows.next_power_of_two();
        let c = 1.0 / (p as f64).sqrt();
        (0..rows * cols)
            .map(|k| {
                let (i, j) = (k / cols, k % cols);
                if (i & j).count_ones() % 2 == 0 {
                    c
                } else {
                    -c
                }
            })
            .collect()
    };
    in_layout(w, rows, cols, layout)
}

/// IDInit's identity-preserving IDI_τ (Pan et al. 2025, §3.1) on the [fan_out, fan_in] weight:
/// τ where i ≡ j (mod min(fan_out, fan_in)), else 0. A square weight is τ·I; a non-square one
/// repeats the identity along its longer side instead of padding it with zeros, so no row or
/// column is empty and the layer keeps the rank of its shorter side.
pub(super) fn idinit(fan_in: usize, fan_out: usize, layout: Layout, tau: f64) -> Vec<f64> {
    let (rows, cols) = (fan_out, fan_in);
    let n = rows.min(cols);
    let w = (0..rows * cols)
        .map(|k| {
            if (k / cols) % n == (k % cols) % n {
                tau
            } else {
                0.0
            }
        })
        .collect();
    in_layout(w, rows, cols, layout)
}

/// A [fan_out, fan_in] matrix written in `layout`.
fn in_layout(w: Vec<f64>, rows: usize, cols: usize, layout: Layout) -> Vec<f64> {
    match layout {
        Layout::OutIn => w,
        Layout::InOut => orthogonal::transpose(&w, rows, cols),
    }
}
