//! One network's forward pass and loss written in candle ops, for candle's autograd.
//!
//! The reference path trains with it, and the learned initializers (GradInit, MetaInit) take
//! their gradients from it. It shares nothing with the cohort engine but the hidden
//! activations' scalar definitions, so tests that compare the two compare two codes.

use candle_core::{Result, Tensor};
use candle_nn::{loss, ops};

use crate::model::activation::{SELU_ALPHA, SELU_LAMBDA};
use crate::model::{
    Activation, Architecture, Head, Loss, Norm, OutputActivation, Role, LAYER_NORM_EPS,
};

/// The output layer's pre-activations z for the rows of `x`. `params` holds w₀, b₀, w₁, b₁, …
/// (weights [in, out]), then with trained branch multipliers each block's α (shape [1]), then
/// with scalar biases each layer's after the first (shape [1]); layer l computes
/// ((h + cₗ)·wₗ)·mult[l] + bₗ.
pub fn logits(arch: &Architecture, params: &[Tensor], mult: &[f64], x: &Tensor) -> Result<Tensor> {
    forward(arch, params, mult, x, None, None)
}

/// [`logits`], with each activated layer's units on the side of the activation's kink that
/// `sides` gives (as [`sides`] records them) rather than the side their own z is on. A central
/// difference of gradients taken with the sides of the point it is centred on is the
/// derivative autograd would give there, even where the perturbation moves a unit across a
/// ReLU's kink (a jump in the gradient that would otherwise be divided by the tiny step).
/// Activations without a kink in their slope ignore `sides`.
pub fn logits_on(
    arch: &Architecture,
    params: &[Tensor],
    mult: &[f64],
    x: &Tensor,
    sides: &[Tensor],
) -> Result<Tensor> {
    forward(arch, params, mult, x, Some(sides), None)
}

/// The side of its kink each unit is on in [`logits`]'s pass: [z > 0], one tensor per
/// activated layer, for [`logits_on`].
pub fn sides(
    arch: &Architecture,
    params: &[Tensor],
    mult: &[f64],
    x: &Tensor,
) -> Result<Vec<Tensor>> {
    let mut out = Vec::new();
    forward(arch, params, mult, x, None, Some(&mut out))?;
    Ok(out)
}

fn forward(
    arch: &Architecture,
    params: &[Tensor],
    mult: &[f64],
    x: &Tensor,
    sides: Option<&[Tensor]>,
    mut record: Option<&mut Vec<Tensor>>,
) -> Result<Tensor> {
    let mut activated = 0;
    let mut act = |z: &Tensor| -> Result<Tensor> {
        if let Some(r) = record.as_deref_mut() {
            r.push(z.gt(0.0)?.to_dtype(z.dtype())?);
        }
        let a = match sides {
            Some(s) => on_side(arch.activation, z, &s[activated]),
            None => activate(arch.activation, z),
        };
        activated += 1;
        a
    };
    // Layer normalization over the width written out in candle ops, for autograd.
    let layer_norm = |x: &Tensor| -> Result<Tensor> {
        let centred = x.broadcast_sub(&x.mean_keepdim(1)?)?;
        let sd = (centred.sqr()?.mean_keepdim(1)? + LAYER_NORM_EPS)?.sqrt()?;
        centred.broadcast_div(&sd)
    };
    let norm = arch.residual.map_or(Norm::None, |r| r.norm);
    let mut h = x.clone();
    let mut stream = h.clone();
    for l in 0..arch.layers() {
        let pre = norm == Norm::Pre && matches!(arch.role(l), Role::BranchIn | Role::Output);
        if pre {
            h = layer_norm(&h)?;
        }
        if let Some(r) = arch.residual.filter(|r| r.scalar_biases && l > 0) {
            let alphas = if r.trained { arch.blocks() } else { 0 };
            h = h.broadcast_add(&params[2 * arch.layers() + alphas + l - 1])?;
        }
        let z = (h.matmul(&params[2 * l])? * mult[l])?.broadcast_add(&params[2 * l + 1])?;
        h = match arch.role(l) {
            Role::Output => z,
            Role::BranchOut => {
                let branch = match arch.residual {
                    Some(r) if r.trained => {
                        z.broadcast_mul(&params[2 * arch.layers() + (l - 1) / 2])?
                    }
                    r => (z * r.map_or(1.0, |r| r.scale))?,
                };
                stream = (&stream + branch)?;
                if norm == Norm::Post {
                    stream = layer_norm(&stream)?;
                }
                stream.clone()
            }
            Role::Hidden => {
                stream = act(&z)?;
                stream.clone()
            }
            Role::BranchIn => act(&z)?,
        };
    }
    Ok(h)
}

/// The head's loss of logits `z` against one-hot or regression targets `t` and class labels
/// `y`, in candle-nn's own definition of each loss (means over rows, and over outputs for the
/// squared error).
pub fn loss(head: Head, z: &Tensor, t: &Tensor, y: &Tensor) -> Result<Tensor> {
    match (head.activation, head.loss) {
        (OutputActivation::Linear, Loss::Mse) => loss::mse(z, t),
        (OutputActivation::Sigmoid, Loss::Mse) => loss::mse(&ops::sigmoid(z)?, t),
        (OutputActivation::Softmax, Loss::Mse) => loss::mse(&ops::softmax(z, 1)?, t),
        (OutputActivation::Sigmoid, Loss::CrossEntropy) => {
            loss::binary_cross_entropy_with_logit(z, t)
        }
        (OutputActivation::Softmax, Loss::CrossEntropy) => loss::cross_entropy(z, y),
        (OutputActivation::Linear, Loss::CrossEntropy) => unreachable!("rejected by Head::new"),
    }
}

/// φ(z) with the branch of a piecewise activation chosen by `side` (1 for z's positive
/// branch): ReLU z·side, leaky ReLU z·(slope + (1 − slope)·side), ELU and SELU side·z +
/// (1 − side)·α(eᶻ − 1) (× λ for SELU; eᶻ capped at e⁵⁰, where that branch is not taken).
fn on_side(a: Activation, z: &Tensor, side: &Tensor) -> Result<Tensor> {
    let exp_branch = |alpha: f64| -> Result<Tensor> {
        let neg = z.minimum(50.0)?.exp()?.affine(alpha, -alpha)?;
        side.mul(z)? + side.affine(-1.0, 1.0)?.mul(&neg)?
    };
    match a {
        Activation::Relu => z.mul(side),
        Activation::LeakyRelu { slope } => z.mul(&side.affine(1.0 - slope, slope)?),
        Activation::Elu { alpha } => exp_branch(alpha),
        Activation::Selu => exp_branch(SELU_ALPHA)?.affine(SELU_LAMBDA, 0.0),
        _ => a.forward(z),
    }
}

/// φ(z) for autograd. ReLU is written z·[z > 0], whose derivative at 0 is 0, PyTorch's and
/// the engine's convention: candle's `relu` differentiates to 1 there, and a row whose units in
/// the layer below are all off reaches z = 0 exactly (with zero biases).
fn activate(a: Activation, z: &Tensor) -> Result<Tensor> {
    match a {
        Activation::Relu => z.mul(&z.gt(0.0)?.to_dtype(z.dtype())?),
        _ => a.forward(z),
    }
}
