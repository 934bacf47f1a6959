//! The tensor path's elementwise work for one network, element by element: every function
//! here is the composition of candle ops that `model::activation` and `model::head` write,
//! with each op's own rounding (candle's `affine(m, a)` is `v * m + a` in f32, two roundings;
//! a comparison cast to f32 is 1 or 0), so the bits are the same. The tests compare them with
//! those compositions.

// `x * -1.0 + 1.0` and `x * 1.0 + c` spell out candle's `affine(−1, 1)` and `affine(1, c)`
// as written, so each line can be read against its tensor expression.
#![allow(clippy::neg_multiply, clippy::identity_op)]

use crate::model::activation::{SELU_ALPHA, SELU_LAMBDA};
use crate::model::Activation;

/// A hidden activation the dense path computes, with its constants in f32 as candle casts
/// them.
#[derive(Clone, Copy, Debug)]
pub enum Act {
    Linear,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu { slope: f32, one_minus: f32 },
    Elu { alpha: f32 },
    Selu,
    Silu,
    Softsign,
}

const LAMBDA: f32 = SELU_LAMBDA as f32;
const ALPHA: f32 = SELU_ALPHA as f32;
const LAMBDA_ALPHA: f32 = (SELU_LAMBDA * SELU_ALPHA) as f32;

impl Act {
    pub fn of(a: Activation) -> Option<Act> {
        Some(match a {
            Activation::Linear => Act::Linear,
            Activation::Sigmoid => Act::Sigmoid,
            Activation::Tanh => Act::Tanh,
            Activation::Relu => Act::Relu,
            Activation::LeakyRelu { slope } => Act::LeakyRelu {
                slope: slope as f32,
                one_minus: (1.0 - slope) as f32,
            },
            Activation::Elu { alpha } => Act::Elu {
                alpha: alpha as f32,
            },
            Activation::Selu => Act::Selu,
            Activation::Silu => Act::Silu,
            Activation::Softsign => Act::Softsign,
            // erf and log1p-style compositions are left to candle.
            Activation::Gelu | Activation::Softplus => return None,
        })
    }

    /// f(z).
    #[inline]
    pub fn forward(self, z: f32) -> f32 {
        match self {
            Act::Linear => z,
            Act::Sigmoid => sigmoid(z),
            Act::Tanh => z.tanh(),
            Act::Relu => z.max(0.0),
            Act::LeakyRelu { slope, .. } => maximum(z, z * slope + 0.0),
            Act::Elu { alpha } => elu(z, alpha),
            Act::Selu => elu(z, ALPHA) * LAMBDA + 0.0,
            Act::Silu => z * sigmoid(z),
            Act::Softsign => z / (z.abs() * 1.0 + 1.0),
        }
    }

    /// f'(z) given z and a = f(z), as `Activation::derivative` computes it (ReLU's is applied
    /// by [`relu_backward`] instead).
    #[inline]
    pub fn derivative(self, z: f32, a: f32) -> f32 {
        match self {
            Act::Linear => 1.0,
            Act::Sigmoid => a * (a * -1.0 + 1.0),
            Act::Tanh => (a * a) * -1.0 + 1.0,
            Act::Relu => positive(z),
            Act::LeakyRelu { slope, one_minus } => positive(z) * one_minus + slope,
            Act::Elu { alpha } => {
                let p = positive(z);
                p + (p * -1.0 + 1.0) * (a * 1.0 + alpha)
            }
            Act::Selu => {
                let p = positive(z);
                (p * LAMBDA + 0.0) + (p * -1.0 + 1.0) * (a * 1.0 + LAMBDA_ALPHA)
            }
            Act::Silu => {
                let s = sigmoid(z);
                s * ((z * (s * -1.0 + 1.0)) * 1.0 + 1.0)
            }
            Act::Softsign => {
                let d = z.abs() * 1.0 + 1.0;
                (d * d).recip()
            }
        }
    }

    /// Whether the backward pass needs the pre-activations z (else a is enough).
    pub fn needs_z(self) -> bool {
        !matches!(self, Act::Linear | Act::Sigmoid | Act::Tanh | Act::Relu)
    }
}

/// a = f(z + b) row by row (`b` one bias a column), and the pre-activations into `keep_z`
/// when it is not empty: the activation chosen once, outside the loop, so that ReLU's loop
/// vectorizes (with the wider instruction sets where the CPU has them).
pub fn bias_act(act: Act, z: &[f32], b: &[f32], a: &mut [f32], keep_z: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F.
            return unsafe { bias_act_avx512(act, z, b, a, keep_z) };
        }
        if is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { bias_act_avx2(act, z, b, a, keep_z) };
        }
    }
    bias_act_any(act, z, b, a, keep_z)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn bias_act_avx512(act: Act, z: &[f32], b: &[f32], a: &mut [f32], keep_z: &mut [f32]) {
    bias_act_any(act, z, b, a, keep_z)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn bias_act_avx2(act: Act, z: &[f32], b: &[f32], a: &mut [f32], keep_z: &mut [f32]) {
    bias_act_any(act, z, b, a, keep_z)
}

#[inline(always)]
fn bias_act_any(act: Act, z: &[f32], b: &[f32], a: &mut [f32], keep_z: &mut [f32]) {
    let o = b.len();
    if let Act::Relu = act {
        for (ar, zr) in a.chunks_exact_mut(o).zip(z.chunks_exact(o)) {
            for ((av, &zv), &bj) in ar.iter_mut().zip(zr).zip(b) {
                *av = (zv + bj).max(0.0);
            }
        }
        return;
    }
    for (r, (ar, zr)) in a.chunks_exact_mut(o).zip(z.chunks_exact(o)).enumerate() {
        for (j, ((av, &zv), &bj)) in ar.iter_mut().zip(zr).zip(b).enumerate() {
            let v = zv + bj;
            if let Some(k) = keep_z.get_mut(r * o + j) {
                *k = v;
            }
            *av = act.forward(v);
        }
    }
}

/// da · ReLU'(z) from the activations, as `ops::relu_backward` computes it.
#[inline]
pub fn relu_backward(da: f32, a: f32) -> f32 {
    da * if a > 0.0 { 1.0 } else { 0.0 }
}

#[inline]
fn sigmoid(z: f32) -> f32 {
    ((-z).exp() * 1.0 + 1.0).recip()
}

#[inline]
fn positive(z: f32) -> f32 {
    if z > 0.0 {
        1.0
    } else {
        0.0
    }
}

/// candle's `maximum`: the second only when the first is smaller (so a NaN first stays).
#[inline]
fn maximum(x: f32, y: f32) -> f32 {
    if x < y {
        y
    } else {
        x
    }
}

/// candle's `minimum`.
#[inline]
fn minimum(x: f32, y: f32) -> f32 {
    if x > y {
        y
    } else {
        x
    }
}

#[inline]
fn elu(z: f32, alpha: f32) -> f32 {
    let p = positive(z);
    let neg = minimum(z, 0.0).exp() * alpha + -alpha;
    p * z + (p * -1.0 + 1.0) * neg
}

/// Softmax with cross-entropy for one row of logits `z` and one-hot `t`: writes dL/dz of the
/// batch's mean loss, (softmax(z) − t) / n, into `dz`, as `Head::forward` then
/// `Head::backward` compute it (log-softmax shifted by the row's max, its exp the output).
#[inline]
pub fn softmax_ce_backward(z: &[f32], t: &[f32], inv_n: f32, dz: &mut [f32]) {
    let (max, lse) = log_softmax_shift(z);
    for ((d, &v), &y) in dz.iter_mut().zip(z).zip(t) {
        let o = ((v - max) - lse).exp();
        *d = (o - y) * inv_n + 0.0;
    }
}

/// A row's max and the log of its shifted exponentials' sum, log p = (z − max) − lse, as
/// `log_softmax` computes them: candle's max is the first element, replaced by each larger
/// one (so a NaN first stays), and its sum over fewer than 32 elements adds in order from 0.
#[inline]
pub fn log_softmax_shift(z: &[f32]) -> (f32, f32) {
    let mut max = z[0];
    for &v in &z[1..] {
        if max < v {
            max = v;
        }
    }
    let mut sum = 0.0f32;
    for &v in z {
        sum += (v - max).exp();
    }
    (max, sum.ln())
}

/// The largest number of classes [`softmax_ce_backward`] takes.
pub const MAX_CLASSES: usize = 31;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Head, Loss, OutputActivation};
    use candle_core::{Device, Tensor};

    fn inputs() -> Vec<f32> {
        let mut v: Vec<f32> = (0..20_001)
            .map(|i| (i as f32 - 10_000.0) / 1_000.0)
            .collect();
        v.extend([
            0.0,
            -0.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-30,
            -1e-30,
            88.0,
            -104.0,
            1e30,
            -1e30,
        ]);
        v
    }

    /// The first index where the bits differ, with both values, so a failure stays readable.
    /// NaNs count as equal: which operand's payload an instruction passes on is the
    /// compiler's choice, and a NaN is a NaN to every reader of the results.
    fn first_difference(a: &[f32], b: &[f32]) -> Option<(usize, f32, f32)> {
        assert_eq!(a.len(), b.len());
        (0..a.len())
            .find(|&i| a[i].to_bits() != b[i].to_bits() && !(a[i].is_nan() && b[i].is_nan()))
            .map(|i| (i, a[i], b[i]))
    }

    fn all() -> Vec<Activation> {
        vec![
            Activation::Linear,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Relu,
            Activation::LeakyRelu { slope: 0.01 },
            Activation::LeakyRelu { slope: 0.3 },
            Activation::Elu { alpha: 1.0 },
            Activation::Elu { alpha: 0.7 },
            Activation::Selu,
            Activation::Silu,
            Activation::Softsign,
        ]
    }

    #[test]
    fn activations_and_derivatives_have_candles_bits() {
        let x = inputs();
        let z = Tensor::from_slice(&x, x.len(), &Device::Cpu).unwrap();
        for a in all() {
            let act = Act::of(a).unwrap();
            let fa = a.forward(&z).unwrap();
            let want_f: Vec<f32> = fa.to_vec1().unwrap();
            let got_f: Vec<f32> = x.iter().map(|&v| act.forward(v)).collect();
            assert_eq!(first_difference(&got_f, &want_f), None, "{a:?} forward");
            let want_d: Vec<f32> = a.derivative(&z, &fa).unwrap().to_vec1().unwrap();
            let got_d: Vec<f32> = x
                .iter()
                .zip(&got_f)
                .map(|(&v, &f)| act.derivative(v, f))
                .collect();
            assert_eq!(first_difference(&got_d, &want_d), None, "{a:?} derivative");
        }
        assert!(Act::of(Activation::Gelu).is_none());
    }

    #[test]
    fn relu_backward_has_the_custom_ops_bits() {
        let x = inputs();
        let da: Vec<f32> = x.iter().rev().copied().collect();
        let dev = Device::Cpu;
        let a = Tensor::from_slice(&x, x.len(), &dev)
            .unwrap()
            .relu()
            .unwrap();
        let want: Vec<f32> =
            crate::train::ops::relu_backward(&Tensor::from_slice(&da, x.len(), &dev).unwrap(), &a)
                .unwrap()
                .to_vec1()
                .unwrap();
        let av: Vec<f32> = a.to_vec1().unwrap();
        let got: Vec<f32> = da
            .iter()
            .zip(&av)
            .map(|(&d, &a)| relu_backward(d, a))
            .collect();
        assert_eq!(first_difference(&got, &want), None);
    }

    #[test]
    fn softmax_cross_entropy_gradient_has_the_heads_bits() {
        let head = Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap();
        let dev = Device::Cpu;
        for k in [2usize, 3, 10, 31] {
            let n = 37;
            let z: Vec<f32> = (0..n * k)
                .map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 37.0)
                .collect();
            let labels: Vec<u32> = (0..n as u32).map(|i| i * 5 % k as u32).collect();
            let t: Vec<f32> = head.targets(&labels, k).iter().map(|&v| v as f32).collect();
            let zt = Tensor::from_slice(&z, (1, n, k), &dev).unwrap();
            let tt = Tensor::from_slice(&t, (n, k), &dev).unwrap();
            let pass = head.forward(&zt, &tt).unwrap();
            let want: Vec<f32> = head
                .backward(&zt, &pass, &tt)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let mut got = vec![0.0; n * k];
            let inv_n = (1.0 / n as f64) as f32;
            for r in 0..n {
                softmax_ce_backward(
                    &z[r * k..(r + 1) * k],
                    &t[r * k..(r + 1) * k],
                    inv_n,
                    &mut got[r * k..(r + 1) * k],
                );
            }
            assert_eq!(first_difference(&got, &want), None, "{k} classes");
        }
    }
}
