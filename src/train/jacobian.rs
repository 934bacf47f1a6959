//! The spectrum of a network's input–output Jacobian at initialization, the quantity
//! dynamical isometry is about (Pennington, Schoenholz & Ganguli 2017, "Resurrecting the
//! sigmoid in deep learning through dynamical isometry").
//!
//! Pennington et al. study the Jacobian J = ∂x^L/∂x^0 of a stack of L square layers. An MLP's
//! input and output layers are not square, so the Jacobian measured here is that of the
//! hidden stack from the first hidden layer's activations to the last's:
//! J = W₂D₂ W₃D₃ ⋯ W_dD_d over the depth − 1 hidden-to-hidden layers (in the row-vector form
//! x·W the code uses), D_l the diagonal of φ'(h_l) at one input. A network of depth 1 has the
//! identity for J.
//!
//! Per trial, at each of the first [`POINTS`] training rows: the squared singular values of J
//! (the eigenvalues of JᵀJ) through their first two moments, tr(JᵀJ)/N and tr((JᵀJ)²)/N, and
//! the largest by power iteration; the mean and the variance are averaged over the points. Everything is in
//! f64 from the member's own initial parameters, so the numbers do not depend on the engine
//! that trains it. Cost: (depth − 1)·N³ multiply-adds per point, N the width.

use super::member::Member;
use crate::init::affine;
use crate::model::{Activation, Architecture};

/// Input points the spectrum is pooled over.
pub const POINTS: usize = 8;
/// Power-iteration cap and relative tolerance on the largest eigenvalue of JᵀJ.
const POWER_ITER: usize = 2000;
const POWER_TOL: f64 = 1e-12;

/// The squared singular values of one network's hidden-stack Jacobian at initialization.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spectrum {
    /// Hidden-to-hidden layers J spans (depth − 1).
    pub layers: usize,
    /// Input points pooled.
    pub points: usize,
    /// Mean of the squared singular values (of JᵀJ's eigenvalues).
    pub sv2_mean: f64,
    /// Their variance over directions, averaged over the points (the spread of the spectrum
    /// at one input, which is what the theory predicts; pooling the points would add the
    /// spread of their means).
    pub sv2_var: f64,
    /// The largest singular value over the points.
    pub sv_max: f64,
    /// Mean square of the first hidden layer's pre-activations at the points: the variance
    /// the stack starts from, which the theory's length map follows.
    pub q_first: f64,
}

/// [`Spectrum`] of `member` at the first [`POINTS`] rows of `x` (row-major, `arch.inputs`
/// wide).
pub fn measure(arch: &Architecture, member: &Member, x: &[f32]) -> Spectrum {
    let rows = x.len() / arch.inputs.max(1);
    let points = rows.min(POINTS);
    let n = arch.width;
    let (mut m1, mut var, mut top, mut q) = (0.0, 0.0, 0.0f64, 0.0);
    for p in 0..points {
        let input: Vec<f64> = x[p * arch.inputs..(p + 1) * arch.inputs]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let (j, h1) = jacobian(arch, member, &input);
        q += h1.iter().map(|h| h * h).sum::<f64>() / h1.len() as f64;
        let g = gram(&j, n);
        let mean = (0..n).map(|i| g[i * n + i]).sum::<f64>() / n as f64;
        m1 += mean;
        var += g.iter().map(|v| v * v).sum::<f64>() / n as f64 - mean * mean;
        top = top.max(largest_eigenvalue(&g, n).sqrt());
    }
    Spectrum {
        layers: arch.depth.saturating_sub(1),
        points,
        sv2_mean: m1 / points as f64,
        sv2_var: var / points as f64,
        sv_max: top,
        q_first: q / points as f64,
    }
}

/// J (N × N, row-major) at one input, the product of W_l·D_l over the hidden-to-hidden
/// layers, and the first hidden layer's pre-activations.
pub(crate) fn jacobian(
    arch: &Architecture,
    member: &Member,
    input: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let dims = arch.dims();
    let n = arch.width;
    let mut j: Vec<f64> = (0..n * n)
        .map(|k| f64::from(u8::from(k / n == k % n)))
        .collect();
    let zero = vec![0.0; n];
    let mut a = input.to_vec();
    let mut first = Vec::new();
    for l in 0..arch.depth {
        let (w, b) = (&member.weights[l], &member.biases[l]);
        let h = affine(&a, 1, w, b, dims[l], dims[l + 1]);
        if l == 0 {
            first = h.clone();
        } else {
            j = affine(&j, n, w, &zero, n, n);
            scale_columns(&mut j, n, &h, arch.activation);
        }
        a = h.iter().map(|&z| arch.activation.scalar(z)).collect();
    }
    (j, first)
}

/// J·D for D = diag(φ'(h)).
fn scale_columns(j: &mut [f64], n: usize, h: &[f64], act: Activation) {
    let d: Vec<f64> = h.iter().map(|&z| act.scalar_derivative(z)).collect();
    for row in j.chunks_exact_mut(n) {
        row.iter_mut().zip(&d).for_each(|(x, &dk)| *x *= dk);
    }
}

/// JᵀJ (N × N).
fn gram(j: &[f64], n: usize) -> Vec<f64> {
    let mut g = vec![0.0; n * n];
    for r in 0..n {
        let row = &j[r * n..(r + 1) * n];
        for (a, &ja) in row.iter().enumerate() {
            let ga = &mut g[a * n..(a + 1) * n];
            ga.iter_mut().zip(row).for_each(|(g, &jb)| *g += ja * jb);
        }
    }
    g
}

/// The largest eigenvalue of a symmetric positive semi-definite G by power iteration from a
/// fixed start (so the result is the same bytes on every run), stopping once the Rayleigh
/// quotient moves by less than [`POWER_TOL`] relative.
fn largest_eigenvalue(g: &[f64], n: usize) -> f64 {
    // Not the all-ones vector alone: it is orthogonal to the top eigenvector of some
    // structured matrices (a Hadamard block's second column, say).
    let mut v: Vec<f64> = (0..n)
        .map(|i| 1.0 + (i as f64 + 1.0).sqrt().fract())
        .collect();
    let zero = vec![0.0; n];
    let mut lambda = 0.0;
    for _ in 0..POWER_ITER {
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return if norm == 0.0 { 0.0 } else { f64::INFINITY };
        }
        v.iter_mut().for_each(|x| *x /= norm);
        let w = affine(&v, 1, g, &zero, n, n);
        let next: f64 = v.iter().zip(&w).map(|(a, b)| a * b).sum();
        v = w;
        if (next - lambda).abs() <= POWER_TOL * next.abs() {
            return next;
        }
        lambda = next;
    }
    lambda
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Initializer;
    use crate::model::{Head, Loss, OutputActivation};
    use crate::params::Params;
    use crate::train::InitChoice;

    fn arch(depth: usize, width: usize, act: Activation) -> Architecture {
        Architecture {
            inputs: 5,
            depth,
            width,
            outputs: 3,
            activation: act,
            head: Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap(),
            residual: None,
        }
    }

    fn member(arch: &Architecture, init: &str, gain: f64, seed: u64) -> Member {
        let w = Initializer::parse(Params::new("initializer", init)).unwrap();
        let b = Initializer::parse(Params::new("initializer", "random_normal")).unwrap();
        let choice = InitChoice {
            weights: &w,
            biases: &b,
            gain,
            seed,
            scale: 1.0,
        };
        Member::sample(arch, choice, &[]).unwrap()
    }

    fn inputs(rows: usize, cols: usize) -> Vec<f32> {
        (0..rows * cols)
            .map(|k| ((k * 7919 % 23) as f32 - 11.0) / 7.0)
            .collect()
    }

    /// The hidden stack's activations from the first hidden layer on, as a function of the
    /// first hidden layer's activations.
    fn stack(arch: &Architecture, m: &Member, a1: &[f64]) -> Vec<f64> {
        let n = arch.width;
        let mut a = a1.to_vec();
        for l in 1..arch.depth {
            let h = affine(&a, 1, &m.weights[l], &m.biases[l], n, n);
            a = h.iter().map(|&z| arch.activation.scalar(z)).collect();
        }
        a
    }

    #[test]
    fn jacobian_matches_central_differences() {
        for act in [Activation::Tanh, Activation::Sigmoid] {
            let arch = arch(4, 6, act);
            let m = member(&arch, "glorot_normal", 1.3, 11);
            let x: Vec<f64> = inputs(1, 5).iter().map(|&v| f64::from(v)).collect();
            let (j, h1) = jacobian(&arch, &m, &x);
            assert_eq!(h1, affine(&x, 1, &m.weights[0], &m.biases[0], 5, 6));
            let a1: Vec<f64> = affine(&x, 1, &m.weights[0], &m.biases[0], 5, 6)
                .iter()
                .map(|&z| act.scalar(z))
                .collect();
            let h = 1e-6;
            for i in 0..6 {
                let (mut up, mut down) = (a1.clone(), a1.clone());
                up[i] += h;
                down[i] -= h;
                let (fu, fd) = (stack(&arch, &m, &up), stack(&arch, &m, &down));
                for k in 0..6 {
                    let fd_ik = (fu[k] - fd[k]) / (2.0 * h);
                    // Row i of J is ∂a^L/∂a¹_i in the row-vector form.
                    assert!(
                        (j[i * 6 + k] - fd_ik).abs() < 1e-7 * (1.0 + fd_ik.abs()),
                        "{act:?} ({i},{k}): {} vs {fd_ik}",
                        j[i * 6 + k]
                    );
                }
            }
        }
    }

    #[test]
    fn a_linear_orthogonal_stack_is_an_isometry() {
        let arch = arch(6, 16, Activation::Linear);
        let s = measure(&arch, &member(&arch, "orthogonal", 1.0, 3), &inputs(10, 5));
        assert_eq!((s.layers, s.points), (5, POINTS));
        assert!((s.sv2_mean - 1.0).abs() < 1e-12, "{s:?}");
        assert!(s.sv2_var.abs() < 1e-12, "{s:?}");
        assert!((s.sv_max - 1.0).abs() < 1e-9, "{s:?}");
        // Depth 1: J is the identity.
        let one = arch_with_depth(1);
        let s = measure(&one, &member(&one, "he_normal", 1.0, 3), &inputs(3, 5));
        assert_eq!(
            (s.layers, s.points, s.sv2_mean, s.sv2_var),
            (0, 3, 1.0, 0.0)
        );
    }

    fn arch_with_depth(depth: usize) -> Architecture {
        arch(depth, 8, Activation::Relu)
    }

    #[test]
    fn the_moments_and_the_top_agree_with_an_explicit_spectrum() {
        // A 2-layer linear stack: J = W₂ itself, whose JᵀJ spectrum a dense symmetric
        // eigen-solve (Jacobi rotations) gives independently.
        let arch = arch(2, 7, Activation::Linear);
        let m = member(&arch, "glorot_normal", 1.0, 5);
        let s = measure(&arch, &m, &inputs(1, 5));
        let g = gram(&m.weights[1], 7);
        let eig = jacobi_eigenvalues(g, 7);
        let mean = eig.iter().sum::<f64>() / 7.0;
        let var = eig.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / 7.0;
        let top = eig.iter().cloned().fold(0.0, f64::max).sqrt();
        assert!((s.sv2_mean - mean).abs() < 1e-12 * mean);
        assert!(
            (s.sv2_var - var).abs() < 1e-10 * var,
            "{} vs {var}",
            s.sv2_var
        );
        assert!((s.sv_max - top).abs() < 1e-9 * top, "{} vs {top}", s.sv_max);
    }

    fn jacobi_eigenvalues(mut a: Vec<f64>, n: usize) -> Vec<f64> {
        for _ in 0..100 {
            let off: f64 = (0..n * n)
                .filter(|k| k / n != k % n)
                .map(|k| a[k] * a[k])
                .sum();
            if off < 1e-30 {
                break;
            }
            for p in 0..n {
                for q in p + 1..n {
                    if a[p * n + q].abs() < 1e-300 {
                        continue;
                    }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * a[p * n + q]);
                    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                    let t = if theta == 0.0 { 1.0 } else { t };
                    let c = 1.0 / (t * t + 1.0).sqrt();
                    let s = t * c;
                    for k in 0..n {
                        let (akp, akq) = (a[k * n + p], a[k * n + q]);
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for k in 0..n {
                        let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                }
            }
        }
        (0..n).map(|i| a[i * n + i]).collect()
    }

    #[test]
    fn a_deep_linear_gaussian_stack_spreads_as_free_probability_says() {
        // Products of L Ginibre matrices with variance 1/N: the squared singular values have
        // mean 1 and variance L (Fuss–Catalan moments: E[λ²] = L + 1) as N grows; at N = 96 the
        // finite-size correction is a few percent. Orthogonal weights keep variance 0.
        let arch = arch(5, 96, Activation::Linear);
        let (mut mean, mut var) = (0.0, 0.0);
        let seeds = 6;
        for seed in 0..seeds {
            let vs = "variance_scaling";
            let w = Initializer::parse(Params::new("initializer", vs).with(
                "distribution",
                crate::params::Value::Str("untruncated_normal".into()),
            ))
            .unwrap();
            let b = Initializer::Zeros;
            let choice = InitChoice {
                weights: &w,
                biases: &b,
                gain: 1.0,
                seed,
                scale: 1.0,
            };
            let m = Member::sample(&arch, choice, &[]).unwrap();
            let s = measure(&arch, &m, &inputs(1, 5));
            mean += s.sv2_mean / seeds as f64;
            var += s.sv2_var / seeds as f64;
        }
        assert!((mean - 1.0).abs() < 0.08, "mean {mean}");
        assert!((var - 4.0).abs() < 0.6, "variance {var} for L = 4");
    }
}
