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
    let per_layer = fwd
        .hidden_a
        .iter()
        .map(|a| a.to_dtype(DType::F64)?.flatten_from(1)?.to_vec2::<f64>())
        .collect::<Result<Vec<_>>>()?;
    let members = per_layer.first().map_or(0, Vec::len);
    Ok((0..members)
        .map(|i| {
            let layers: Vec<&[f64]> = per_layer.iter().map(|a| &a[i][..]).collect();
            layer_points(act, epoch, &layers)
        })
        .collect())
}

/// One member's statistics of each hidden layer, from the layer's activations over (training
/// sample, unit) in row order. The sums run in f64 in that order, the mean's first and then
/// the squared deviations' from it, as candle sums a contiguous f64 tensor: the host's
/// forward pass and the tensor path's give the same bits.
pub fn layer_points<T: Copy + Into<f64>>(
    act: Activation,
    epoch: u32,
    layers: &[&[T]],
) -> Vec<LayerPoint> {
    // candle's `affine(1 / cells, 0)`, the + 0 included: it turns −0 into +0.
    let mean_of = |sum: f64, cells: usize| sum * (1.0 / cells as f64) + 0.0;
    let means: Vec<f64> = side_by_side(layers, |_, v| v)
        .into_iter()
        .zip(layers)
        .map(|(sum, a)| mean_of(sum, a.len()))
        .collect();
    let squares = side_by_side(layers, |l, v| {
        let d = v - means[l];
        d * d
    });
    let saturating = act.family() == Family::Saturating;
    layers
        .iter()
        .enumerate()
        .map(|(layer, a)| LayerPoint {
            epoch,
            layer,
            act_mean: means[layer],
            act_std: mean_of(squares[layer], a.len()).sqrt(),
            // A count is exact in any order, as candle's f64 sum of ones and zeros is.
            saturated_frac: saturating.then(|| {
                let hits = a.iter().filter(|&&v| is_saturated(act, v.into())).count();
                mean_of(hits as f64, a.len())
            }),
        })
        .collect()
}

/// Σ f(l, v) over each layer l's values v in order, from +0. Each sum is a chain of dependent
/// additions, so four layers' chains run side by side, each in its own order.
#[inline(always)]
fn side_by_side<T: Copy + Into<f64>>(layers: &[&[T]], f: impl Fn(usize, f64) -> f64) -> Vec<f64> {
    let mut sums = vec![0.0f64; layers.len()];
    for (g, group) in layers.chunks(4).enumerate() {
        let l = 4 * g;
        let mut done = 0;
        if let [a, b, c, d] = group {
            done = a.len().min(b.len()).min(c.len()).min(d.len());
            let mut acc = [0.0f64; 4];
            for (((&va, &vb), &vc), &vd) in a[..done]
                .iter()
                .zip(&b[..done])
                .zip(&c[..done])
                .zip(&d[..done])
            {
                acc[0] += f(l, va.into());
                acc[1] += f(l + 1, vb.into());
                acc[2] += f(l + 2, vc.into());
                acc[3] += f(l + 3, vd.into());
            }
            sums[l..l + 4].copy_from_slice(&acc);
        }
        for (j, a) in group.iter().enumerate() {
            let mut sum = sums[l + j];
            for &v in &a[done..] {
                sum += f(l + j, v.into());
            }
            sums[l + j] = sum;
        }
    }
    sums
}

/// [`saturated`] for one activation.
fn is_saturated(act: Activation, a: f64) -> bool {
    match act {
        Activation::Sigmoid => (a * 2.0 + -1.0).abs() >= 0.98,
        _ => a.abs() >= 0.99,
    }
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

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device, Tensor};

    use super::*;

    /// The statistics as candle's reductions take them over [members, rows, units].
    fn by_candle(act: Activation, a: &Tensor) -> Vec<(f64, f64, f64)> {
        let a = a.to_dtype(DType::F64).unwrap();
        let cells = (a.dims3().unwrap().1 * a.dims3().unwrap().2) as f64;
        let mean = a
            .sum_keepdim((1, 2))
            .unwrap()
            .affine(1.0 / cells, 0.0)
            .unwrap();
        let sd = a
            .broadcast_sub(&mean)
            .unwrap()
            .sqr()
            .unwrap()
            .sum((1, 2))
            .unwrap()
            .affine(1.0 / cells, 0.0)
            .unwrap()
            .sqrt()
            .unwrap();
        let sat = saturated(act, &a)
            .unwrap()
            .to_dtype(DType::F64)
            .unwrap()
            .sum((1, 2))
            .unwrap()
            .affine(1.0 / cells, 0.0)
            .unwrap();
        let v = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let (m, s, h) = (v(&mean), v(&sd), v(&sat));
        (0..m.len()).map(|i| (m[i], s[i], h[i])).collect()
    }

    /// Bits, not tolerances: the sums in order, each layer's own while they run side by
    /// side (six layers of different lengths: a group of four, then two), the affine's + 0,
    /// the thresholds.
    #[test]
    fn layer_points_give_candles_bits() {
        let dev = Device::Cpu;
        for act in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
            // Magnitudes from about 2⁻⁴⁰ to 2⁴⁰, so that even the f32 activations' f64 sum
            // rounds, and any other order of summing gives other bits; values past the
            // saturation thresholds too.
            let layers: Vec<Tensor> = [37, 30, 41, 37, 12, 50]
                .into_iter()
                .map(|rows| {
                    let normal = || Tensor::randn(0f32, 1.0, (1, rows, 29), &dev).unwrap();
                    let x = (normal() * (normal() * 6.0).unwrap().exp().unwrap()).unwrap();
                    match act {
                        Activation::Sigmoid => candle_nn::ops::sigmoid(&x).unwrap(),
                        Activation::Tanh => x.tanh().unwrap(),
                        _ => x.relu().unwrap(),
                    }
                })
                .collect();
            let values: Vec<Vec<f32>> = layers
                .iter()
                .map(|a| a.flatten_all().unwrap().to_vec1().unwrap())
                .collect();
            let slices: Vec<&[f32]> = values.iter().map(Vec::as_slice).collect();
            let got = layer_points(act, 3, &slices);
            for (layer, (a, got)) in layers.iter().zip(&got).enumerate() {
                let w = by_candle(act, a)[0];
                assert_eq!(got.layer, layer);
                assert_eq!(got.act_mean.to_bits(), w.0.to_bits(), "{act:?} {layer}");
                assert_eq!(got.act_std.to_bits(), w.1.to_bits(), "{act:?} {layer}");
                match got.saturated_frac {
                    Some(s) => {
                        assert!(s > 0.0, "{act:?}: the sample reaches saturation");
                        assert_eq!(s.to_bits(), w.2.to_bits(), "{act:?}");
                    }
                    None => assert_eq!(act, Activation::Relu),
                }
            }
        }
        // In f64 (the tensor path's other dtype) a cell can sit on a threshold: it counts.
        for (act, edge) in [(Activation::Tanh, 0.99), (Activation::Sigmoid, 0.01)] {
            let a = Tensor::new(&[[[edge, 0.5], [0.75, 0.25]]], &dev).unwrap();
            let values = a.flatten_all().unwrap().to_vec1::<f64>().unwrap();
            let got = layer_points(act, 0, &[&values[..]])[0];
            assert_eq!(got.saturated_frac, Some(by_candle(act, &a)[0].2));
            assert_eq!(got.saturated_frac, Some(0.25));
        }
    }
}
