//! Measurements of a freshly initialized population, from its first full-batch forward and
//! backward pass: the quantities the initialization literature uses to predict whether a
//! network will train (gradient norms, activation spread, saturation, dead units, symmetry).

use candle_core::{DType, Result, Tensor};

use super::member::Member;
use super::network::{Forward, Gradients};
use super::outcome::Diagnostics;
use crate::model::{Activation, Architecture, Family};

pub fn measure(
    arch: &Architecture,
    fwd: &Forward,
    grads: &Gradients,
    members: &[Member],
) -> Result<Vec<Diagnostics>> {
    let loss = per_member(&fwd.head.loss)?;
    let g_first = frobenius(&grads.weights[0])?;
    let g_last = frobenius(&grads.weights[arch.depth])?;
    let a_first = std(&fwd.hidden_a[0])?;
    let a_last = std(&fwd.hidden_a[arch.depth - 1])?;
    let saturated = match arch.activation.family() {
        Family::Saturating => Some(saturated_fraction(arch.activation, &fwd.hidden_a)?),
        _ => None,
    };
    let dead = match arch.activation.family() {
        Family::Rectifier => Some(dead_fraction(&fwd.hidden_z)?),
        _ => None,
    };
    let dims = arch.dims();
    Ok((0..members.len())
        .map(|i| Diagnostics {
            loss: loss[i],
            grad_norm_first: g_first[i],
            grad_norm_last: g_last[i],
            act_std_first: a_first[i],
            act_std_last: a_last[i],
            saturated_frac: saturated.as_ref().map(|s| s[i]),
            dead_frac: dead.as_ref().map(|d| d[i]),
            symmetric: members[i].is_symmetric(&dims),
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

fn saturated_fraction(act: Activation, hidden_a: &[Tensor]) -> Result<Vec<f64>> {
    let mut count: Option<Tensor> = None;
    let mut total = 0usize;
    for a in hidden_a {
        let a = a.to_dtype(DType::F64)?;
        // Within 1% of the range's ends: sigmoid's (0, 1) maps to (−1, 1), where 1% of the
        // range is 0.02; tanh and softsign already span (−1, 1).
        let hit = match act {
            Activation::Sigmoid => a.affine(2.0, -1.0)?.abs()?.ge(0.98)?,
            _ => a.abs()?.ge(0.99)?,
        };
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
