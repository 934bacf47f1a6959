//! GradInit (Zhu, Ni, Xu, Kong, Huang & Goldstein 2021, "GradInit: Learning to Initialize
//! Neural Networks for Stable and Efficient Training", NeurIPS; Algorithm 1), as the
//! authors' `gradinit_utils.gradinit` and `RescaleAdam` run it.
//!
//! Each parameter tensor θⱼ = αⱼ·θⱼ⁰ gets a scale αⱼ, initially 1. Every iteration draws two
//! batches S₀, S₁ and takes g, the gradient of the loss on S₀ ∪ S₁:
//!
//! - If ‖g‖ₚ > γ (p = 2 for SGD and momentum, 1 for Adam), the scales take a step that
//!   shrinks ‖g‖ₚ: ∂‖g‖ₚ/∂αⱼ = ⟨(H·q)ⱼ, θⱼ⁰⟩ with q = ∂‖g‖ₚ/∂g (g/‖g‖₂, or sign g).
//! - Otherwise they take a step on the loss after the optimizer's first step,
//!   L(S₀ ∪ S₂; θ − η·A[g]) / η, with S₂ a third batch, η the trial's learning rate and A[g]
//!   = g/‖g‖₂ for SGD (the authors' `--gradinit-normalize-grad`) or sign g for Adam (its
//!   first step). A[g] is held fixed (the authors detach it), so the derivative is
//!   ⟨∇L(θ′)ⱼ, θⱼ⁰⟩ / η.
//!
//! The steps are Adam's on each scale (β = 0.9, 0.999, ε = 10⁻⁸), with separate moments for
//! the two kinds of step, the derivative clipped to ±1 (the authors' `--gradinit-grad-clip
//! 1`), and each weight scale held at least `min_scale` (bias scales at least 0). A tensor
//! whose base draw is all zero (zero biases, a zeroed branch) has no direction to scale and is
//! left as it is, and an iteration whose derivative is not finite (a start whose loss
//! overflows) changes nothing.

use candle_core::Result;

use super::{axpy, dot, norm, Batch, Problem, Tensors};
use crate::train::Optimizer;

/// The authors' CIFAR script's values (`launch/run_gradinit.sh`) are the spec's defaults.
pub struct Settings {
    pub iters: u32,
    /// τ, the scales' Adam learning rate.
    pub lr: f64,
    pub gamma: f64,
    pub min_scale: f64,
    /// Rows in each of S₀, S₁, S₂.
    pub batch: usize,
}

/// What GradInit found.
pub struct GradInitFit {
    /// αⱼ·θⱼ⁰, the network to train.
    pub theta: Tensors,
    /// One scale per tensor, w₀, b₀, w₁, …
    pub scales: Vec<f64>,
    /// ‖g‖ₚ at each iteration, before its step.
    pub grad_norms: Vec<f64>,
}

#[derive(Default)]
struct Moments {
    m: f64,
    v: f64,
    steps: i32,
}

impl Moments {
    /// Adam's step for one scalar with bias correction: lr·m̂/(√v̂ + ε).
    fn step(&mut self, g: f64, lr: f64) -> f64 {
        let (b1, b2, eps) = (0.9, 0.999, 1e-8);
        self.steps += 1;
        self.m = b1 * self.m + (1.0 - b1) * g;
        self.v = b2 * self.v + (1.0 - b2) * g * g;
        let (c1, c2) = (1.0 - b1.powi(self.steps), 1.0 - b2.powi(self.steps));
        lr / c1 * self.m / ((self.v / c2).sqrt() + eps)
    }
}

/// Learns the scales of `theta0` for `optimizer` (see the module doc).
pub fn gradinit(
    problem: &Problem,
    theta0: &Tensors,
    optimizer: Optimizer,
    s: &Settings,
    seed: u64,
) -> Result<GradInitFit> {
    let k = theta0.len();
    let base_norm: Vec<f64> = theta0.iter().map(|t| dot(t, t).sqrt()).collect();
    let floor = |j: usize| {
        if j.is_multiple_of(2) {
            s.min_scale
        } else {
            0.0
        }
    };
    let mut scales = vec![1.0; k];
    let mut objective: Vec<Moments> = (0..k).map(|_| Moments::default()).collect();
    let mut constraint: Vec<Moments> = (0..k).map(|_| Moments::default()).collect();
    let mut draws = problem.draws(s.batch, seed);
    let mut grad_norms = Vec::with_capacity(s.iters as usize);
    for _ in 0..s.iters {
        let (s0, s1) = (draws.next(), draws.next());
        let first = problem.batch(&[s0.clone(), s1].concat())?;
        let mut second = || problem.batch(&[s0.clone(), draws.next()].concat());
        let step = derivative(
            problem,
            theta0,
            &scales,
            optimizer,
            s.gamma,
            &first,
            &mut second,
        )?;
        grad_norms.push(step.grad_norm);
        let moments = if step.constrained {
            &mut constraint
        } else {
            &mut objective
        };
        // A start whose loss overflows has no derivative to follow: its scales stay, and it
        // trains (and diverges) as drawn.
        if step.d.iter().any(|d| !d.is_finite()) {
            continue;
        }
        for j in 0..k {
            if base_norm[j] == 0.0 {
                continue;
            }
            let dj = step.d[j].clamp(-1.0, 1.0);
            scales[j] = (scales[j] - moments[j].step(dj, s.lr)).max(floor(j));
        }
    }
    Ok(GradInitFit {
        theta: scaled(theta0, &scales),
        scales,
        grad_norms,
    })
}

/// One GradInit iteration's derivative with respect to the scales.
pub struct Derivative {
    /// ‖g‖ₚ on the first batch.
    pub grad_norm: f64,
    /// Whether ‖g‖ₚ > γ, so that `d` is the derivative of ‖g‖ₚ rather than of the loss after
    /// the step.
    pub constrained: bool,
    /// Per tensor, before clipping.
    pub d: Vec<f64>,
}

/// The derivative of the module doc's objective at `scales`, on `first` (S₀ ∪ S₁) and, where
/// the gradient norm is within γ, on the batch `second` gives (S₀ ∪ S₂; drawn only then, so
/// the batches' order depends only on the seed and the branches taken).
pub fn derivative(
    problem: &Problem,
    theta0: &Tensors,
    scales: &[f64],
    optimizer: Optimizer,
    gamma: f64,
    first: &Batch,
    second: &mut dyn FnMut() -> Result<Batch>,
) -> Result<Derivative> {
    let adam = optimizer.adaptive();
    let eta = optimizer.lr();
    let theta = scaled(theta0, scales);
    let (_, g) = problem.gradient(&theta, first)?;
    let grad_norm = if adam {
        g.iter().flatten().map(|x| x.abs()).sum()
    } else {
        norm(&g)
    };
    // A[g] for the objective, and ∂‖g‖ₚ/∂g for the constraint: the same vector (0 for a
    // gradient of 0, which has no direction).
    let q: Tensors = if adam {
        sign(&g)
    } else {
        let inv = if grad_norm > 0.0 {
            1.0 / grad_norm
        } else {
            0.0
        };
        g.iter()
            .map(|t| t.iter().map(|x| x * inv).collect())
            .collect()
    };
    let constrained = grad_norm > gamma;
    let d_theta = if constrained {
        problem.hvp(&theta, &q, first)?
    } else {
        let stepped = axpy(&theta, -eta, &q);
        let (_, u) = problem.gradient(&stepped, &second()?)?;
        u.into_iter()
            .map(|t| t.into_iter().map(|x| x / eta).collect())
            .collect()
    };
    let d = d_theta.iter().zip(theta0).map(|(d, t)| dot(d, t)).collect();
    Ok(Derivative {
        grad_norm,
        constrained,
        d,
    })
}

/// αⱼ·θⱼ⁰ for every tensor.
pub(super) fn scaled(theta0: &Tensors, scales: &[f64]) -> Tensors {
    theta0
        .iter()
        .zip(scales)
        .map(|(t, a)| t.iter().map(|x| a * x).collect())
        .collect()
}

/// sign g, 0 where g is 0 (torch.sign).
fn sign(g: &Tensors) -> Tensors {
    g.iter()
        .map(|t| {
            t.iter()
                .map(|&x| if x == 0.0 { 0.0 } else { x.signum() })
                .collect()
        })
        .collect()
}
