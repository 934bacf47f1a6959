//! The initializers that are not i.i.d. and have no algorithm of their own: Keras's identity
//! and PyTorch's sparse. (Orthogonal lives in `orthogonal.rs`, LSUV in `lsuv.rs`.)
//!
//! Both see the layout's shape rather than only the fans, which is why they are kept apart from
//! the i.i.d. laws.

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
    match layout {
        Layout::OutIn => w,
        Layout::InOut => orthogonal::transpose(&w, rows, cols),
    }
}
