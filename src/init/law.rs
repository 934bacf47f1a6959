//! The law of one i.i.d. weight (constant, normal, truncated normal, uniform) and how a value
//! is drawn from it.
//!
//! Every i.i.d. initializer reduces to one of these laws at given fans (see `formula.rs`), so the
//! draws, and the order they take from the stream, are written once, here.

use crate::rng::{self, Rng};

/// The law of one i.i.d. weight, before the gain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Law {
    Const(f64),
    Normal {
        mean: f64,
        sd: f64,
    },
    /// N(mean, sd²) redrawn outside mean ± 2·sd; `sd` is the parent normal's.
    Truncated {
        mean: f64,
        sd: f64,
    },
    /// U[lo, hi); a point mass at `lo` when hi ≤ lo (torch_linear's bias when fan_in = 0).
    Uniform {
        lo: f64,
        hi: f64,
    },
}

impl Law {
    pub(super) fn draw(self, rng: &mut Rng) -> f64 {
        match self {
            Law::Const(v) => v,
            Law::Normal { mean, sd } => mean + sd * rng::normal(rng),
            Law::Truncated { mean, sd } => loop {
                // Rejection, as TF's truncated_normal: P(accept) = 0.954, so ~1.05 draws each.
                let z = rng::normal(rng);
                if z.abs() <= 2.0 {
                    return mean + sd * z;
                }
            },
            Law::Uniform { lo, hi } => {
                if hi <= lo {
                    return lo;
                }
                loop {
                    // Rounding can land lo + (hi−lo)·u on hi itself; redraw to keep [lo, hi).
                    let x = lo + (hi - lo) * rng::uniform(rng);
                    if x < hi {
                        return x;
                    }
                }
            }
        }
    }
}
