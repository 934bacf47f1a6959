//! One network's initial parameters on the host, drawn from its trial's seed.
//!
//! Layer l's weights come from stream 2l and its biases from stream 2l+1 of the trial's
//! initialization seed, so a layer's draw does not depend on the layers after it, and every
//! initializer in a replicate starts from the same random numbers (paired comparisons).

use crate::init::{self, Initializer, Layout};
use crate::model::{Architecture, Role};
use crate::rng;

/// Weights in Keras's [in, out] layout, row-major, and biases, layer by layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub weights: Vec<Vec<f64>>,
    pub biases: Vec<Vec<f64>>,
}

/// What decides a member's initial parameters.
#[derive(Clone, Copy, Debug)]
pub struct InitChoice<'a> {
    pub weights: &'a Initializer,
    pub biases: &'a Initializer,
    pub gain: f64,
    pub seed: u64,
    /// Multiplies every weight after sampling: [`Initializer::critical_scale`] for
    /// critical_orthogonal, 1 for every other initializer. The caller works it out once for
    /// all the trials that share it (`Plan` does): it is a root-finding over quadratures,
    /// milliseconds a call.
    pub scale: f64,
}

impl Member {
    /// Samples a network. `batch` (row-major [rows, inputs]) feeds LSUV, the one initializer
    /// that looks at data; the others ignore it.
    pub fn sample(arch: &Architecture, choice: InitChoice, batch: &[f64]) -> Result<Self, String> {
        let dims = arch.dims();
        let mut weights = Vec::with_capacity(arch.layers());
        let mut biases = Vec::with_capacity(arch.layers());
        for l in 0..arch.layers() {
            let (fan_in, fan_out) = (dims[l], dims[l + 1]);
            let mut r = rng::stream(choice.seed, 2 * l as u64);
            weights.push(choice.weights.sample(
                fan_in,
                fan_out,
                Layout::InOut,
                choice.gain,
                &mut r,
            ));
            let mut r = rng::stream(choice.seed, 2 * l as u64 + 1);
            biases.push(
                choice
                    .biases
                    .sample_bias(fan_out, fan_in, choice.gain, &mut r)?,
            );
        }
        if choice.scale != 1.0 {
            weights
                .iter_mut()
                .flatten()
                .for_each(|w| *w *= choice.scale);
        }
        init::residual_roles(choice.weights, arch, &mut weights);
        if let Initializer::Lsuv { tol, max_iter } = *choice.weights {
            let rows = batch.len() / arch.inputs;
            let act = arch.activation;
            init::lsuv(
                &mut weights,
                &biases,
                &dims,
                batch,
                rows,
                &|x| act.scalar(x),
                choice.gain,
                tol,
                max_iter,
            );
        }
        Ok(Member { weights, biases })
    }

    /// Every parameter in one vector: layer by layer, the weights row-major ([in, out]) then
    /// the biases.
    pub fn flat(&self) -> Vec<f64> {
        self.weights
            .iter()
            .zip(&self.biases)
            .flat_map(|(w, b)| w.iter().chain(b).copied())
            .collect()
    }

    /// Summary features of layer l's weight matrix ([in, out]).
    pub fn layer_features(&self, l: usize, fan_in: usize, fan_out: usize) -> LayerFeatures {
        let w = &self.weights[l];
        let n = w.len().max(1) as f64;
        let mean = w.iter().sum::<f64>() / n;
        let var = w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        LayerFeatures {
            mean,
            std: var.sqrt(),
            max_abs: w.iter().fold(0.0, |m, x| m.max(x.abs())),
            frobenius: w.iter().map(|x| x * x).sum::<f64>().sqrt(),
            spectral: spectral_norm(w, fan_in, fan_out),
        }
    }

    /// A member from parameters in `Population::flat` order (w0, b0, w1, b1, …).
    pub fn from_flat(flat: &[f32], dims: &[usize]) -> Member {
        let mut it = flat.iter().map(|&v| v as f64);
        let mut weights = Vec::with_capacity(dims.len() - 1);
        let mut biases = Vec::with_capacity(dims.len() - 1);
        for w in dims.windows(2) {
            weights.push(it.by_ref().take(w[0] * w[1]).collect());
            biases.push(it.by_ref().take(w[1]).collect());
        }
        Member { weights, biases }
    }

    /// True when some hidden layer has two units with identical incoming weights, bias and
    /// outgoing weights: gradient descent can never tell them apart (the symmetry that makes
    /// zero and constant initialization fail).
    ///
    /// In a residual network that holds for a branch's hidden units as for a plain layer's.
    /// The stream's units are tied to every block by the skips, so two of them are the same
    /// only when they are alike in every layer that reads or writes the stream: the first
    /// layer's incoming weights and bias, each block's outgoing weights into its branch and
    /// incoming weights and bias from it, and the output layer's weights.
    pub fn is_symmetric(&self, arch: &Architecture) -> bool {
        let dims = arch.dims();
        let residual = arch.residual.is_some();
        // Hidden layer l is the output of weight layer l − 1.
        let plain_layers = (1..dims.len() - 1)
            .filter(|&l| !residual || arch.role(l - 1) == Role::BranchIn)
            .any(|l| self.layer_symmetric(l, &dims));
        plain_layers || (residual && self.stream_symmetric(arch))
    }

    fn layer_symmetric(&self, l: usize, dims: &[usize]) -> bool {
        let (fan_in, width, fan_out) = (dims[l - 1], dims[l], dims[l + 1]);
        let w_in = &self.weights[l - 1];
        let w_out = &self.weights[l];
        let mut keys: Vec<Vec<u64>> = (0..width)
            .map(|u| {
                let mut k = Vec::with_capacity(fan_in + fan_out + 1);
                k.extend((0..fan_in).map(|i| w_in[i * width + u].to_bits()));
                k.push(self.biases[l - 1][u].to_bits());
                k.extend((0..fan_out).map(|o| w_out[u * fan_out + o].to_bits()));
                k
            })
            .collect();
        has_twins(&mut keys)
    }

    fn stream_symmetric(&self, arch: &Architecture) -> bool {
        let dims = arch.dims();
        let width = arch.width;
        let mut keys: Vec<Vec<u64>> = (0..width)
            .map(|u| {
                let mut k = Vec::new();
                for l in 0..arch.layers() {
                    let w = &self.weights[l];
                    let (fan_in, fan_out) = (dims[l], dims[l + 1]);
                    let column = (0..fan_in).map(|i| w[i * fan_out + u].to_bits());
                    let row = (0..fan_out).map(|o| w[u * fan_out + o].to_bits());
                    match arch.role(l) {
                        Role::Hidden | Role::BranchOut => {
                            k.extend(column);
                            k.push(self.biases[l][u].to_bits());
                        }
                        Role::BranchIn | Role::Output => k.extend(row),
                    }
                }
                k
            })
            .collect();
        has_twins(&mut keys)
    }
}

fn has_twins(keys: &mut [Vec<u64>]) -> bool {
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

/// Per-layer summary of initial weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerFeatures {
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    pub max_abs: f64,
    pub frobenius: f64,
    /// Largest singular value.
    pub spectral: f64,
}

/// Largest singular value of the row-major [rows, cols] matrix `w`, by power iteration on
/// WᵀW from a fixed start (deterministic; 200 iterations reach 1e-9 relative on the matrices
/// initbench builds unless the top two singular values nearly coincide).
fn spectral_norm(w: &[f64], rows: usize, cols: usize) -> f64 {
    if w.iter().all(|&x| x == 0.0) {
        return 0.0;
    }
    let mut v: Vec<f64> = (0..cols)
        .map(|j| 1.0 + (j as f64 * 0.618_033_988_75).fract())
        .collect();
    // Wᵀ, so that u = W v is, like next = Wᵀ u, a sum of scaled rows.
    let mut wt = vec![0.0; rows * cols];
    for (i, row) in w.chunks_exact(cols).enumerate() {
        for (j, &x) in row.iter().enumerate() {
            wt[j * rows + i] = x;
        }
    }
    let mut u = vec![0.0; rows];
    let mut next = vec![0.0; cols];
    let mut sigma = 0.0;
    for _ in 0..200 {
        scaled_rows_sum(&wt, &v, &mut u);
        scaled_rows_sum(w, &u, &mut next);
        let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        next.iter_mut().for_each(|x| *x /= norm);
        sigma = norm.sqrt();
        // At a fixed point every further iteration gives these same bits.
        if next.iter().zip(&v).all(|(a, b)| a.to_bits() == b.to_bits()) {
            break;
        }
        std::mem::swap(&mut v, &mut next);
    }
    sigma
}

/// out = Σ_r coef[r] · m[r, ..] for m of `coef.len()` rows of `out.len()`, each entry's sum
/// in row order from −0 (as `Iterator::sum` starts), a multiply and an add each term: the
/// bits of summing each entry on its own, with every entry of a row advancing together.
fn scaled_rows_sum(m: &[f64], coef: &[f64], out: &mut [f64]) {
    #[inline(always)]
    fn any(m: &[f64], coef: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|x| *x = -0.0);
        for (row, &c) in m.chunks_exact(out.len()).zip(coef) {
            for (o, &x) in out.iter_mut().zip(row) {
                *o += x * c;
            }
        }
    }
    // The wider vectors change no bit: Rust never fuses the multiply and the add.
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        unsafe fn avx512(m: &[f64], coef: &[f64], out: &mut [f64]) {
            any(m, coef, out)
        }
        #[target_feature(enable = "avx2")]
        unsafe fn avx2(m: &[f64], coef: &[f64], out: &mut [f64]) {
            any(m, coef, out)
        }
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F.
            return unsafe { avx512(m, coef, out) };
        }
        if is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { avx2(m, coef, out) };
        }
    }
    any(m, coef, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, Head, Loss, OutputActivation};
    use crate::params::Params;

    fn xor_arch() -> Architecture {
        Architecture {
            inputs: 2,
            depth: 1,
            width: 2,
            outputs: 1,
            activation: Activation::Sigmoid,
            head: Head::new(OutputActivation::Sigmoid, Loss::Mse).unwrap(),
            residual: None,
        }
    }

    fn init(name: &str) -> Initializer {
        Initializer::parse(Params::new("initializer", name)).unwrap()
    }

    #[test]
    fn critical_orthogonal_puts_every_layer_on_the_critical_line() {
        // tanh at σ_b² = 0.05: σ_w² = 1.760955 (edge_of_chaos.toml); linear at σ_b² = 0: 1;
        // relu at σ_b² = 0: 2, He's variance. WᵀW of a square layer is σ_w²·gain²·I.
        let bias = Initializer::parse(
            Params::new("initializer", "random_normal")
                .with("stddev", crate::params::Value::Num(0.05f64.sqrt())),
        )
        .unwrap();
        let zeros = init("zeros");
        let w = init("critical_orthogonal");
        for (act, b, want) in [
            (Activation::Tanh, &bias, 1.760955),
            (Activation::Linear, &zeros, 1.0),
            (Activation::Relu, &zeros, 2.0),
        ] {
            let arch = Architecture {
                inputs: 6,
                depth: 3,
                width: 6,
                outputs: 6,
                activation: act,
                head: Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap(),
                residual: None,
            };
            for gain in [1.0, 1.5] {
                let choice = InitChoice {
                    weights: &w,
                    biases: b,
                    gain,
                    seed: 4,
                    scale: w.critical_scale(act, b).unwrap(),
                };
                let m = Member::sample(&arch, choice, &[]).unwrap();
                for l in 0..arch.layers() {
                    let wl = &m.weights[l];
                    for i in 0..6 {
                        for j in 0..6 {
                            let g: f64 = (0..6).map(|r| wl[r * 6 + i] * wl[r * 6 + j]).sum();
                            let target = if i == j { want * gain * gain } else { 0.0 };
                            assert!((g - target).abs() < 1e-6, "{act:?} layer {l}: {g}");
                        }
                    }
                }
            }
        }
        // Biases without one variance have no critical point to aim at.
        let torch = init("torch_linear");
        let err = w.critical_scale(Activation::Tanh, &torch).unwrap_err();
        assert!(
            err.contains("critical_orthogonal") && err.contains("torch_linear"),
            "{err}"
        );
    }

    /// Fixup (Zhang et al. 2019, rules 1 and 2) and zero_branch, layer by layer, with KS tests
    /// that the drawn layers follow their laws and would catch a missing L^(−1/2).
    #[test]
    fn residual_initializers_follow_their_rules_by_layer_role() {
        use crate::model::{Residual, Role};
        use crate::stats::ks::ks_one_sample;
        use statrs::distribution::{ContinuousCDF, Normal};
        let arch = Architecture {
            inputs: 20,
            depth: 9,
            width: 128,
            outputs: 10,
            activation: Activation::Relu,
            head: Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap(),
            residual: Some(Residual {
                scale: 1.0,
                norm: crate::model::Norm::None,
                trained: false,
                scalar_biases: false,
            }),
        };
        let zeros = init("zeros");
        let sample = |name: &str| {
            let w = init(name);
            let choice = InitChoice {
                weights: &w,
                biases: &zeros,
                gain: 1.0,
                seed: 11,
                scale: 1.0,
            };
            Member::sample(&arch, choice, &[]).unwrap()
        };
        let ks = |xs: &[f64], sd: f64| {
            let n = Normal::new(0.0, sd).unwrap();
            ks_one_sample(xs, |x| n.cdf(x)).p_value
        };
        let fixup = sample("fixup");
        let of = |role: Role| -> Vec<f64> {
            (0..arch.layers())
                .filter(|&l| arch.role(l) == role)
                .flat_map(|l| fixup.weights[l].clone())
                .collect()
        };
        // Four blocks: the branches' first layers at sqrt(2/128)·4^(-1/2).
        let branch_in = of(Role::BranchIn);
        assert_eq!(branch_in.len(), 4 * 128 * 128);
        assert!(ks(&branch_in, (2.0f64 / 128.0).sqrt() / 2.0) > 1e-3);
        assert!(ks(&branch_in, (2.0f64 / 128.0).sqrt()) < 1e-9);
        assert!(ks(&of(Role::Hidden), (2.0f64 / 20.0).sqrt()) > 1e-3);
        assert!(of(Role::BranchOut).iter().all(|&w| w == 0.0));
        assert!(of(Role::Output).iter().all(|&w| w == 0.0));
        // Zero layers do not make Fixup's stream symmetric: the skips keep its units apart.
        assert!(!fixup.is_symmetric(&arch));
        let mut twins = fixup.clone();
        for l in 0..arch.layers() {
            let (fan_in, fan_out) = (arch.dims()[l], arch.dims()[l + 1]);
            match arch.role(l) {
                // Stream units 0 and 1 alike wherever the stream is read or written.
                Role::Hidden => (0..fan_in).for_each(|i| {
                    twins.weights[l][i * fan_out + 1] = twins.weights[l][i * fan_out]
                }),
                Role::BranchIn => {
                    let row: Vec<f64> = twins.weights[l][..fan_out].to_vec();
                    twins.weights[l][fan_out..2 * fan_out].copy_from_slice(&row);
                }
                _ => {}
            }
        }
        assert!(twins.is_symmetric(&arch));
        // A branch's hidden units are a plain layer's: twin two of the first branch's.
        let mut branch = fixup.clone();
        let (w1, w2) = (128, 128);
        (0..w1).for_each(|i| branch.weights[1][i * w2 + 1] = branch.weights[1][i * w2]);
        assert!(branch.is_symmetric(&arch));
        // zero_branch is he_normal's draw with the branches' last layers zeroed.
        let zb = sample("zero_branch");
        let he = sample("he_normal");
        for l in 0..arch.layers() {
            if arch.role(l) == Role::BranchOut {
                assert!(zb.weights[l].iter().all(|&w| w == 0.0), "layer {l}");
                assert!(he.weights[l].iter().any(|&w| w != 0.0), "layer {l}");
            } else {
                assert_eq!(zb.weights[l], he.weights[l], "layer {l}");
            }
        }
    }

    #[test]
    fn zeros_and_constants_are_symmetric_random_is_not() {
        let arch = xor_arch();
        let zeros = init("zeros");
        for (name, symmetric) in [("zeros", true), ("ones", true), ("glorot_uniform", false)] {
            let w = init(name);
            let choice = InitChoice {
                weights: &w,
                biases: &zeros,
                gain: 1.0,
                seed: 3,
                scale: 1.0,
            };
            let m = Member::sample(&arch, choice, &[]).unwrap();
            assert_eq!(m.is_symmetric(&arch), symmetric, "{name}");
        }
    }

    #[test]
    fn layer_features_match_hand_computation() {
        // [[3, 0], [0, -4]]: singular values 4 and 3.
        let m = Member {
            weights: vec![vec![3.0, 0.0, 0.0, -4.0]],
            biases: vec![vec![0.0, 0.0]],
        };
        let f = m.layer_features(0, 2, 2);
        assert!((f.spectral - 4.0).abs() < 1e-9, "{}", f.spectral);
        assert_eq!(f.max_abs, 4.0);
        assert_eq!(f.frobenius, 5.0);
        assert_eq!(f.mean, -0.25);
        // A rank-one 2×3 matrix u vᵀ has spectral norm |u|·|v|.
        let (u, v) = ([1.0, 2.0], [2.0, -1.0, 2.0]);
        let w: Vec<f64> = u
            .iter()
            .flat_map(|a| v.iter().map(move |b| a * b))
            .collect();
        let m = Member {
            weights: vec![w],
            biases: vec![vec![0.0; 3]],
        };
        let s = m.layer_features(0, 2, 3).spectral;
        assert!((s - 5f64.sqrt() * 3.0).abs() < 1e-9, "{s}");
        assert_eq!(m.flat().len(), 9);
    }

    #[test]
    fn same_seed_same_weights_and_layers_are_independent_of_depth() {
        let mut arch = xor_arch();
        let he = init("he_normal");
        let zeros = init("zeros");
        let c = InitChoice {
            weights: &he,
            biases: &zeros,
            gain: 1.0,
            seed: 11,
            scale: 1.0,
        };
        let a = Member::sample(&arch, c, &[]).unwrap();
        assert_eq!(a, Member::sample(&arch, c, &[]).unwrap());
        arch.depth = 3;
        let deep = Member::sample(&arch, c, &[]).unwrap();
        assert_eq!(a.weights[0], deep.weights[0]);
        // Gain multiplies every weight.
        let c2 = InitChoice { gain: 2.0, ..c };
        arch.depth = 1;
        let b = Member::sample(&arch, c2, &[]).unwrap();
        for (x, y) in a.weights[0].iter().zip(&b.weights[0]) {
            assert_eq!(2.0 * x, *y);
        }
    }
    /// The power iteration as first written, one sum per entry.
    fn spectral_norm_plain(w: &[f64], rows: usize, cols: usize) -> f64 {
        if w.iter().all(|&x| x == 0.0) {
            return 0.0;
        }
        let mut v: Vec<f64> = (0..cols)
            .map(|j| 1.0 + (j as f64 * 0.618_033_988_75).fract())
            .collect();
        let mut sigma = 0.0;
        for _ in 0..200 {
            let u: Vec<f64> = (0..rows)
                .map(|i| (0..cols).map(|j| w[i * cols + j] * v[j]).sum())
                .collect();
            let mut next: Vec<f64> = (0..cols)
                .map(|j| (0..rows).map(|i| w[i * cols + j] * u[i]).sum())
                .collect();
            let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm == 0.0 {
                return 0.0;
            }
            next.iter_mut().for_each(|x| *x /= norm);
            sigma = norm.sqrt();
            v = next;
        }
        sigma
    }

    #[test]
    fn spectral_norm_gives_the_bits_of_one_sum_per_entry() {
        let mut r = rng::stream(7, 0);
        for (rows, cols) in [
            (128, 128),
            (64, 128),
            (128, 10),
            (13, 7),
            (1, 5),
            (9, 1),
            (2, 2),
            (300, 203),
            (203, 300),
        ] {
            let w: Vec<f64> = (0..rows * cols).map(|_| rng::normal(&mut r)).collect();
            assert_eq!(
                spectral_norm(&w, rows, cols).to_bits(),
                spectral_norm_plain(&w, rows, cols).to_bits(),
                "{rows}x{cols}"
            );
            // Rank one, with zero rows and columns.
            let mut z = vec![0.0; rows * cols];
            z[0] = -1.5;
            z[rows * cols - 1] = 0.25;
            assert_eq!(
                spectral_norm(&z, rows, cols).to_bits(),
                spectral_norm_plain(&z, rows, cols).to_bits(),
                "{rows}x{cols} sparse"
            );
        }
    }
}
