//! MetaInit (Dauphin & Schoenholz 2019, "MetaInit: Initializing learning by learning to
//! initialize", NeurIPS; Algorithm 1).
//!
//! MetaInit looks for a start where one gradient step changes the gradient little, by
//! minimizing the gradient quotient
//!
//!   GQ(θ) = (1/N) Σᵢ |(gᵢ − (H·g)ᵢ) / (gᵢ + ε·sᵢ) − 1|,  sᵢ = +1 where gᵢ ≥ 0, else −1,
//!
//! over the N parameters, g the loss gradient on a batch, H its Hessian, ε = 10⁻⁵: g − H·g is
//! the first-order expansion of the gradient after the step θ − g. It tunes only the norm of
//! each weight matrix (the paper's `len(p.size()) >= 2`), by sign descent with momentum:
//! μⱼ ← momentum·μⱼ − lr·sign(∂GQ/∂‖Wⱼ‖), then Wⱼ ← Wⱼ·(‖Wⱼ‖ + μⱼ)/‖Wⱼ‖.
//!
//! Two choices of initbench's where the paper leaves room:
//! - **The batches are training rows** (seeded, as GradInit's authors run MetaInit in their
//!   `gradinit_utils.metainit`), so it is data-dependent like LSUV.
//! - **The sign of ∂GQ/∂‖Wⱼ‖ is a central difference** of GQ at ‖Wⱼ‖·(1 ± 10⁻⁴), where the
//!   paper differentiates GQ by autograd (third derivatives of the loss). A step that would
//!   take a norm through zero (the paper's update would flip the matrix's sign) stops at 1%
//!   of it.

use candle_core::Result;

use super::{dot, Batch, Problem, Tensors};

pub struct Settings {
    pub steps: u32,
    pub lr: f64,
    pub momentum: f64,
    /// Rows in each step's batch.
    pub batch: usize,
}

/// What MetaInit found.
pub struct MetaInitFit {
    /// The network to train.
    pub theta: Tensors,
    /// GQ at each step, before it.
    pub quotients: Vec<f64>,
}

/// The paper's ε in the quotient's denominator.
const EPS: f64 = 1e-5;
/// The relative change of a norm in the central difference.
const DELTA: f64 = 1e-4;

/// GQ at `theta` on `batch` (see the module doc).
pub fn gradient_quotient(problem: &Problem, theta: &Tensors, batch: &Batch) -> Result<f64> {
    let (_, g) = problem.gradient(theta, batch)?;
    let hg = problem.hvp(theta, &g, batch)?;
    let mut sum = 0.0;
    let mut n = 0usize;
    for (g, hg) in g.iter().zip(&hg) {
        for (&g, &p) in g.iter().zip(hg) {
            let s = if g >= 0.0 { 1.0 } else { -1.0 };
            sum += ((g - p) / (g + EPS * s) - 1.0).abs();
        }
        n += g.len();
    }
    Ok(sum / n as f64)
}

/// Tunes the weight norms of `theta0` (see the module doc).
pub fn metainit(
    problem: &Problem,
    theta0: &Tensors,
    s: &Settings,
    seed: u64,
) -> Result<MetaInitFit> {
    let mut theta = theta0.clone();
    let weights = theta.len() / 2;
    let mut memory = vec![0.0; weights];
    let mut draws = problem.draws(s.batch, seed);
    let mut quotients = Vec::with_capacity(s.steps as usize);
    for _ in 0..s.steps {
        let batch = problem.batch(&draws.next())?;
        quotients.push(gradient_quotient(problem, &theta, &batch)?);
        let mut signs = vec![0.0; weights];
        for (j, sign) in signs.iter_mut().enumerate() {
            if theta[2 * j].iter().all(|&w| w == 0.0) {
                continue;
            }
            let at = |f: f64| -> Result<f64> {
                let mut t = theta.clone();
                t[2 * j].iter_mut().for_each(|w| *w *= f);
                gradient_quotient(problem, &t, &batch)
            };
            let d = at(1.0 + DELTA)? - at(1.0 - DELTA)?;
            *sign = if d > 0.0 {
                1.0
            } else if d < 0.0 {
                -1.0
            } else {
                0.0
            };
        }
        for j in 0..weights {
            let w = &mut theta[2 * j];
            let n = dot(w, w).sqrt();
            if n == 0.0 {
                continue;
            }
            memory[j] = s.momentum * memory[j] - s.lr * signs[j];
            let target = (n + memory[j]).max(0.01 * n);
            w.iter_mut().for_each(|x| *x *= target / n);
        }
    }
    Ok(MetaInitFit { theta, quotients })
}
