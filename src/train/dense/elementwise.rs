//! The tensor path's elementwise work for one network, element by element: every function
//! here is the composition of candle ops that `model::activation` and `model::head` write,
//! with each op's own rounding (candle's `affine(m, a)` is `v * m + a` in f32, two roundings;
//! a comparison cast to f32 is 1 or 0), so the bits are the same. The tests compare them with
//! those compositions.

// `x * -1.0 + 1.0` and `x * 1.0 + c` spell out candle's `affine(−1, 1)` and `affine(1, c)`
// as written, so each line can be read against its tensor expression.
#![allow(clippy::neg_multiply, clippy::identity_op)]

use super::libm;
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

/// The libm an activation is computed with: the platform's, one element a call, or
/// [`libm`]'s copies of glibc's, which vectorize and give the same bits where
/// [`libm::matches_platform`] says so.
pub trait Math {
    fn exp(x: f32) -> f32;
    fn tanh(x: f32) -> f32;
    /// [`Math::tanh`] of every element, in place.
    #[inline(always)]
    fn tanh_in_place(v: &mut [f32]) {
        for x in v {
            *x = Self::tanh(*x);
        }
    }
}

pub struct Platform;

impl Math for Platform {
    #[inline(always)]
    fn exp(x: f32) -> f32 {
        x.exp()
    }
    #[inline(always)]
    fn tanh(x: f32) -> f32 {
        x.tanh()
    }
}

pub struct Glibc;

impl Math for Glibc {
    #[inline(always)]
    fn exp(x: f32) -> f32 {
        libm::expf(x)
    }
    #[inline(always)]
    fn tanh(x: f32) -> f32 {
        libm::tanhf(x)
    }
    #[inline(always)]
    fn tanh_in_place(v: &mut [f32]) {
        libm::tanhf_in_place(v)
    }
}

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
    #[inline(always)]
    pub fn forward<M: Math>(self, z: f32) -> f32 {
        match self {
            Act::Linear => z,
            Act::Sigmoid => sigmoid::<M>(z),
            Act::Tanh => M::tanh(z),
            Act::Relu => z.max(0.0),
            Act::LeakyRelu { slope, .. } => maximum(z, z * slope + 0.0),
            Act::Elu { alpha } => elu::<M>(z, alpha),
            Act::Selu => elu::<M>(z, ALPHA) * LAMBDA + 0.0,
            Act::Silu => z * sigmoid::<M>(z),
            Act::Softsign => z / (z.abs() * 1.0 + 1.0),
        }
    }

    /// f'(z) given z and a = f(z), as `Activation::derivative` computes it (ReLU's is applied
    /// by [`relu_backward`] instead).
    #[inline(always)]
    pub fn derivative<M: Math>(self, z: f32, a: f32) -> f32 {
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
                let s = sigmoid::<M>(z);
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

    /// Whether f or f' calls exp or tanh.
    fn calls_libm(self) -> bool {
        matches!(
            self,
            Act::Sigmoid | Act::Tanh | Act::Elu { .. } | Act::Selu | Act::Silu
        )
    }
}

/// The instruction set the elementwise loops are compiled for, and the libm they call.
#[derive(Clone, Copy)]
enum Lanes {
    Avx512 { glibc: bool },
    Avx2 { glibc: bool },
    Scalar,
}

fn lanes(calls_libm: bool) -> Lanes {
    #[cfg(target_arch = "x86_64")]
    {
        // glibc's expf takes the fused multiply-adds these CPUs have (AVX-512F implies FMA).
        let glibc = calls_libm && libm::matches_platform();
        if is_x86_feature_detected!("avx512f") {
            return Lanes::Avx512 { glibc };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Lanes::Avx2 { glibc };
        }
    }
    let _ = calls_libm;
    Lanes::Scalar
}

/// Declares `$name`, which runs `$body` (generic over `M: Math`) compiled for the widest
/// instruction set the CPU has, with glibc's vectorizing libm where `$calls` (the body calls
/// exp or tanh) and it gives the platform's bits, else the platform's.
macro_rules! dispatch {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) = $body:ident if $calls:expr) => {
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) {
            match lanes($calls) {
                #[cfg(target_arch = "x86_64")]
                Lanes::Avx512 { glibc } => {
                    #[target_feature(enable = "avx512f")]
                    unsafe fn wide<M: Math>($($arg: $ty),*) {
                        $body::<M>($($arg),*)
                    }
                    // SAFETY: the CPU has AVX-512F.
                    unsafe {
                        if glibc {
                            wide::<Glibc>($($arg),*)
                        } else {
                            wide::<Platform>($($arg),*)
                        }
                    }
                }
                #[cfg(target_arch = "x86_64")]
                Lanes::Avx2 { glibc } => {
                    #[target_feature(enable = "avx2,fma")]
                    unsafe fn wide<M: Math>($($arg: $ty),*) {
                        $body::<M>($($arg),*)
                    }
                    // SAFETY: the CPU has AVX2 and FMA.
                    unsafe {
                        if glibc {
                            wide::<Glibc>($($arg),*)
                        } else {
                            wide::<Platform>($($arg),*)
                        }
                    }
                }
                _ => $body::<Platform>($($arg),*),
            }
        }
    };
}

dispatch! {
    /// a = f(z + b) row by row (`b` one bias a column), and the pre-activations into
    /// `keep_z` when it is not empty.
    fn bias_act(act: Act, z: &[f32], b: &[f32], a: &mut [f32], keep_z: &mut [f32]) = bias_act_any if act.calls_libm()
}

dispatch! {
    /// dL/dz = dL/da · f'(z) for a layer's activations `a` and, when f' needs them, its
    /// pre-activations `z` (else `z` is empty).
    fn act_backward(act: Act, da: &[f32], a: &[f32], z: &[f32], dz: &mut [f32]) = act_backward_any if act.calls_libm()
}

/// Runs `$body` with `$f` bound to `$act` rebuilt in each arm, so that the matches in
/// [`Act::forward`] and [`Act::derivative`] fold away and each arm's loop vectorizes.
macro_rules! per_act {
    ($act:expr, $f:ident => $body:expr) => {
        match $act {
            Act::Linear => {
                let $f = Act::Linear;
                $body
            }
            Act::Sigmoid => {
                let $f = Act::Sigmoid;
                $body
            }
            Act::Tanh => {
                let $f = Act::Tanh;
                $body
            }
            Act::Relu => {
                let $f = Act::Relu;
                $body
            }
            Act::LeakyRelu { slope, one_minus } => {
                let $f = Act::LeakyRelu { slope, one_minus };
                $body
            }
            Act::Elu { alpha } => {
                let $f = Act::Elu { alpha };
                $body
            }
            Act::Selu => {
                let $f = Act::Selu;
                $body
            }
            Act::Silu => {
                let $f = Act::Silu;
                $body
            }
            Act::Softsign => {
                let $f = Act::Softsign;
                $body
            }
        }
    };
}

dispatch! {
    /// v = e^v for each element.
    fn exp_in_place(v: &mut [f32]) = exp_any if true
}

#[inline(always)]
fn exp_any<M: Math>(v: &mut [f32]) {
    for x in v {
        *x = M::exp(*x);
    }
}

#[inline(always)]
fn bias_act_any<M: Math>(act: Act, z: &[f32], b: &[f32], a: &mut [f32], keep_z: &mut [f32]) {
    // A loop written out in each arm, not a closure: the loop must inline its activation
    // (which a closure of this size does not) to vectorize and take the FMA instructions.
    let o = b.len();
    if let Act::Tanh = act {
        // z + b for the whole layer first, then tanh over it: tanhf's stages run a block at
        // a time (`libm::tanhf_in_place`). The sum is written out rather than taken from a
        // call of this function with `Act::Linear`: a recursive function is not inlined into
        // `dispatch!`'s target-feature wrappers, and compiled without them it ran twice as slow.
        let rows = a.chunks_exact_mut(o).zip(z.chunks_exact(o));
        if keep_z.is_empty() {
            for (ar, zr) in rows {
                for ((av, &zv), &bj) in ar.iter_mut().zip(zr).zip(b) {
                    *av = zv + bj;
                }
            }
        } else {
            for ((ar, zr), kr) in rows.zip(keep_z.chunks_exact_mut(o)) {
                for (((av, &zv), &bj), kv) in ar.iter_mut().zip(zr).zip(b).zip(kr) {
                    *kv = zv + bj;
                    *av = *kv;
                }
            }
        }
        M::tanh_in_place(&mut a[..z.len()]);
        return;
    }
    per_act!(act, f => {
        let rows = a.chunks_exact_mut(o).zip(z.chunks_exact(o));
        if keep_z.is_empty() {
            for (ar, zr) in rows {
                for ((av, &zv), &bj) in ar.iter_mut().zip(zr).zip(b) {
                    *av = f.forward::<M>(zv + bj);
                }
            }
        } else {
            for ((ar, zr), kr) in rows.zip(keep_z.chunks_exact_mut(o)) {
                for (((av, &zv), &bj), kv) in ar.iter_mut().zip(zr).zip(b).zip(kr) {
                    let v = zv + bj;
                    *kv = v;
                    *av = f.forward::<M>(v);
                }
            }
        }
    })
}

#[inline(always)]
fn act_backward_any<M: Math>(act: Act, da: &[f32], a: &[f32], z: &[f32], dz: &mut [f32]) {
    per_act!(act, f => match f {
        Act::Relu => {
            for ((d, &g), &av) in dz.iter_mut().zip(da).zip(a) {
                *d = relu_backward(g, av);
            }
        }
        _ if f.needs_z() => {
            for (((d, &g), &av), &zv) in dz.iter_mut().zip(da).zip(a).zip(z) {
                *d = g * f.derivative::<M>(zv, av);
            }
        }
        _ => {
            for ((d, &g), &av) in dz.iter_mut().zip(da).zip(a) {
                *d = g * f.derivative::<M>(0.0, av);
            }
        }
    })
}

/// da · ReLU'(z) from the activations, as `ops::relu_backward` computes it.
#[inline(always)]
pub fn relu_backward(da: f32, a: f32) -> f32 {
    da * if a > 0.0 { 1.0 } else { 0.0 }
}

#[inline(always)]
fn sigmoid<M: Math>(z: f32) -> f32 {
    (M::exp(-z) * 1.0 + 1.0).recip()
}

#[inline(always)]
fn positive(z: f32) -> f32 {
    if z > 0.0 {
        1.0
    } else {
        0.0
    }
}

/// candle's `maximum`: the second only when the first is smaller (so a NaN first stays).
#[inline(always)]
fn maximum(x: f32, y: f32) -> f32 {
    if x < y {
        y
    } else {
        x
    }
}

/// candle's `minimum`.
#[inline(always)]
fn minimum(x: f32, y: f32) -> f32 {
    if x > y {
        y
    } else {
        x
    }
}

#[inline(always)]
fn elu<M: Math>(z: f32, alpha: f32) -> f32 {
    let p = positive(z);
    let neg = M::exp(minimum(z, 0.0)) * alpha + -alpha;
    p * z + (p * -1.0 + 1.0) * neg
}

/// Softmax with cross-entropy for a batch of logits [n, K] (in `dz` on entry) and one-hot
/// targets `t`: writes dL/dz of the batch's mean loss, (softmax(z) − t) / n, into `dz`, as
/// `Head::forward` then `Head::backward` compute it (log-softmax shifted by the row's max,
/// its exp the output). `exps` holds n · K and `lse` n, as scratch.
pub fn softmax_ce_backward(
    dz: &mut [f32],
    t: &[f32],
    k: usize,
    inv_n: f32,
    exps: &mut [f32],
    lse: &mut [f32],
) {
    log_softmax(dz, k, exps, lse);
    exp_in_place(dz);
    for (d, &y) in dz.iter_mut().zip(t) {
        *d = (*d - y) * inv_n + 0.0;
    }
}

/// log p = (z − max) − lse for each row of `z` [n, k], in place, as `log_softmax` computes
/// it: candle's max is the first element, replaced by each larger one (so a NaN first
/// stays), and its sum of the shifted exponentials over fewer than 32 elements adds in order
/// from 0. `exps` holds n · k and `lse` n, as scratch.
pub fn log_softmax(z: &mut [f32], k: usize, exps: &mut [f32], lse: &mut [f32]) {
    for row in z.chunks_exact_mut(k) {
        let mut max = row[0];
        for &v in &row[1..] {
            if max < v {
                max = v;
            }
        }
        for v in row {
            *v -= max;
        }
    }
    exps.copy_from_slice(z);
    exp_in_place(exps);
    for (l, row) in lse.iter_mut().zip(exps.chunks_exact(k)) {
        let mut sum = 0.0f32;
        for &e in row {
            sum += e;
        }
        *l = sum.ln();
    }
    for (row, &l) in z.chunks_exact_mut(k).zip(&*lse) {
        for v in row {
            *v -= l;
        }
    }
}

/// The largest number of classes [`log_softmax`] takes (candle's row sum adds in order
/// only below 32).
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

    /// Both libms where the platform's is glibc's (the dispatched loops take [`Glibc`] then),
    /// element by element and through the vectorized loops, against candle's ops.
    #[test]
    fn activations_and_derivatives_have_candles_bits() {
        let x = inputs();
        let n = x.len();
        let z = Tensor::from_slice(&x, n, &Device::Cpu).unwrap();
        // z + (−0) is z for every z, −0 included.
        let no_bias = vec![-0.0f32; n];
        for a in all() {
            let act = Act::of(a).unwrap();
            let fa = a.forward(&z).unwrap();
            let want_f: Vec<f32> = fa.to_vec1().unwrap();
            let want_d: Vec<f32> = a.derivative(&z, &fa).unwrap().to_vec1().unwrap();

            let got_f: Vec<f32> = x.iter().map(|&v| act.forward::<Platform>(v)).collect();
            assert_eq!(first_difference(&got_f, &want_f), None, "{a:?} forward");
            let got_d: Vec<f32> = x
                .iter()
                .zip(&got_f)
                .map(|(&v, &f)| act.derivative::<Platform>(v, f))
                .collect();
            assert_eq!(first_difference(&got_d, &want_d), None, "{a:?} derivative");

            let (mut vf, mut kept) = (vec![0.0; n], vec![0.0; n]);
            bias_act(act, &x, &no_bias, &mut vf, &mut kept);
            assert_eq!(first_difference(&vf, &want_f), None, "{a:?} loop forward");
            assert_eq!(first_difference(&kept, &x), None, "{a:?} kept z");
            if act.needs_z() {
                let mut no_keep = vec![0.0; n];
                bias_act(act, &x, &no_bias, &mut no_keep, &mut []);
                assert_eq!(first_difference(&no_keep, &want_f), None, "{a:?} unkept");
            }
            if !matches!(act, Act::Relu) {
                let z_in: &[f32] = if act.needs_z() { &x } else { &[] };
                let mut vd = vec![0.0; n];
                act_backward(act, &vec![1.0; n], &vf, z_in, &mut vd);
                assert_eq!(
                    first_difference(&vd, &want_d),
                    None,
                    "{a:?} loop derivative"
                );
            }
        }
        assert!(Act::of(Activation::Gelu).is_none());
    }

    #[test]
    #[ignore = "all 2^32 inputs, about a minute: cargo test --release -- --ignored"]
    fn the_vectorized_loops_give_the_platforms_bits_for_every_input() {
        assert!(
            libm::matches_platform(),
            "this libm is not the glibc dense::libm copies"
        );
        let width = 1 << 16;
        let no_bias = vec![-0.0f32; width];
        let (mut e, mut t) = (vec![0.0; width], vec![0.0; width]);
        for start in (0..=u32::MAX).step_by(width) {
            let x: Vec<f32> = (start..=start + (width - 1) as u32)
                .map(f32::from_bits)
                .collect();
            e.copy_from_slice(&x);
            exp_in_place(&mut e);
            bias_act(Act::Tanh, &x, &no_bias, &mut t, &mut []);
            let want_e: Vec<f32> = x.iter().map(|v| v.exp()).collect();
            let want_t: Vec<f32> = x.iter().map(|v| v.tanh()).collect();
            assert_eq!(first_difference(&e, &want_e), None, "exp from {start:#x}");
            assert_eq!(first_difference(&t, &want_t), None, "tanh from {start:#x}");
        }
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
            let mut got = z.clone();
            let inv_n = (1.0 / n as f64) as f32;
            let (mut exps, mut lse) = (vec![0.0; n * k], vec![0.0; n]);
            softmax_ce_backward(&mut got, &t, k, inv_n, &mut exps, &mut lse);
            assert_eq!(first_difference(&got, &want), None, "{k} classes");
        }
    }
}
