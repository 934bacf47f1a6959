//! Measurements of a freshly initialized population, from its first full-batch forward and
//! backward pass: the quantities the initialization literature uses to predict whether a
//! network will train (gradient norms, activation spread, saturation, dead units, symmetry).

use std::borrow::Borrow;

use candle_core::{DType, Result, Tensor};

use super::member::Member;
use super::network::{Forward, Gradients};
use super::outcome::{Diagnostics, LayerPoint};
use crate::model::{Activation, Architecture, Family, Role};

pub fn measure(
    arch: &Architecture,
    fwd: &Forward,
    grads: &Gradients,
    members: &[impl Borrow<Member>],
) -> Result<Vec<Diagnostics>> {
    let loss = per_member(&fwd.head.loss)?;
    let g_first = frobenius(&grads.weights[0])?;
    let g_last = frobenius(&grads.weights[arch.depth])?;
    let a_first = std(&fwd.hidden_a[0])?;
    let a_last = std(&fwd.hidden_a[arch.depth - 1])?;
    // The layers with an activation: a residual branch's last layer only adds to the stream.
    let activated = |ts: &[Tensor]| -> Vec<Tensor> {
        (0..arch.depth)
            .filter(|&l| arch.role(l) != Role::BranchOut)
            .map(|l| ts[l].clone())
            .collect()
    };
    let saturated = match arch.activation.family() {
        Family::Saturating => Some(saturated_fraction(
            arch.activation,
            &activated(&fwd.hidden_a),
        )?),
        _ => None,
    };
    let dead = match arch.activation.family() {
        Family::Rectifier => Some(dead_fraction(&activated(&fwd.hidden_z))?),
        _ => None,
    };
    Ok((0..members.len())
        .map(|i| Diagnostics {
            loss: loss[i],
            grad_norm_first: g_first[i],
            grad_norm_last: g_last[i],
            act_std_first: a_first[i],
            act_std_last: a_last[i],
            saturated_frac: saturated.as_ref().map(|s| s[i]),
            dead_frac: dead.as_ref().map(|d| d[i]),
            symmetric: members[i].borrow().is_symmetric(arch),
        })
        .collect())
}

fn per_member(t: &Tensor) -> Result<Vec<f64>> {
    t.to_dtype(DType::F64)?.to_vec1()
}

/// √Σw² over everything but the population axis.
fn frobenius(t: &Tensor) -> Result<Vec<f64>> {
    per_member(&t.to_dtype(DType::F64)?.sqr()?.sum((1, 2))?.sqrt()?)
}

/// Population standard deviation over everything but the population axis.
fn std(t: &Tensor) -> Result<Vec<f64>> {
    let t = t.to_dtype(DType::F64)?;
    let (_, n, w) = t.dims3()?;
    let mean = t.sum_keepdim((1, 2))?.affine(1.0 / (n * w) as f64, 0.0)?;
    let var = t
        .broadcast_sub(&mean)?
        .sqr()?
        .sum((1, 2))?
        .affine(1.0 / (n * w) as f64, 0.0)?;
    per_member(&var.sqrt()?)
}

/// Every hidden layer's activation mean, spread and saturated fraction, per member: what
/// Glorot & Bengio (2010, Fig. 2–4) follow over training. `fwd` is a full-batch forward pass
/// on the training split, so the numbers are over (unit, training sample) pairs, as at init.
pub fn layer_stats(act: Activation, epoch: u32, fwd: &Forward) -> Result<Vec<Vec<LayerPoint>>> {
    let saturating = act.family() == Family::Saturating;
    let mut per_layer = Vec::with_capacity(fwd.hidden_a.len());
    for a in &fwd.hidden_a {
        let a = a.to_dtype(DType::F64)?;
        let (_, n, w) = a.dims3()?;
        let cells = (n * w) as f64;
        let mean = per_member(&a.sum((1, 2))?.affine(1.0 / cells, 0.0)?)?;
        let sd = std(&a)?;
        let sat = if saturating {
            Some(per_member(
                &saturated(act, &a)?
                    .to_dtype(DType::F64)?
                    .sum((1, 2))?
                    .affine(1.0 / cells, 0.0)?,
            )?)
        } else {
            None
        };
        per_layer.push((mean, sd, sat));
    }
    let members = per_layer.first().map_or(0, |l| l.0.len());
    Ok((0..members)
        .map(|i| {
            per_layer
                .iter()
                .enumerate()
                .map(|(layer, (mean, sd, sat))| LayerPoint {
                    epoch,
                    layer,
                    act_mean: mean[i],
                    act_std: sd[i],
                    saturated_frac: sat.as_ref().map(|s| s[i]),
                })
                .collect()
        })
        .collect())
}

/// 1 where an activation is within 1% of its range's ends, else 0: sigmoid's (0, 1) maps to
/// (−1, 1), where 1% of the range is 0.02; tanh and softsign already span (−1, 1).
fn saturated(act: Activation, a: &Tensor) -> Result<Tensor> {
    match act {
        Activation::Sigmoid => a.affine(2.0, -1.0)?.abs()?.ge(0.98),
        _ => a.abs()?.ge(0.99),
    }
}

fn saturated_fraction(act: Activation, hidden_a: &[Tensor]) -> Result<Vec<f64>> {
    let mut count: Option<Tensor> = None;
    let mut total = 0usize;
    for a in hidden_a {
        let hit = saturated(act, &a.to_dtype(DType::F64)?)?;
        let (_, n, w) = hit.dims3()?;
        total += n * w;
        let c = hit.to_dtype(DType::F64)?.sum((1, 2))?;
        count = Some(match count {
            Some(prev) => prev.add(&c)?,
            None => c,
        });
    }
    let count = per_member(&count.expect("at least one hidden layer"))?;
    Ok(count.into_iter().map(|c| c / total as f64).collect())
}

fn dead_fraction(hidden_z: &[Tensor]) -> Result<Vec<f64>> {
    let mut dead: Option<Tensor> = None;
    let mut units = 0usize;
    for z in hidden_z {
        let z = z.to_dtype(DType::F64)?;
        let d = z
            .max_keepdim(1)?
            .le(0.0)?
            .to_dtype(DType::F64)?
            .sum((1, 2))?;
        units += z.dims3()?.2;
        dead = Some(match dead {
            Some(prev) => prev.add(&d)?,
            None => d,
        });
    }
    let dead = per_member(&dead.expect("at least one hidden layer"))?;
    Ok(dead.into_iter().map(|d| d / units as f64).collect())
}
