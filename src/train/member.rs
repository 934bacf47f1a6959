//! One network's initial parameters on the host, drawn from its trial's seed.
//!
//! Layer l's weights come from stream 2l and its biases from stream 2l+1 of the trial's
//! initialization seed, so a layer's draw does not depend on the layers after it, and every
//! initializer in a replicate starts from the same random numbers (paired comparisons).

use crate::init::{self, Initializer, Layout};
use crate::model::Architecture;
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

    /// True when some hidden layer has two units with identical incoming weights, bias and
    /// outgoing weights: gradient descent can never tell them apart (the symmetry that makes
    /// zero and constant initialization fail).
    pub fn is_symmetric(&self, dims: &[usize]) -> bool {
        (1..dims.len() - 1).any(|l| {
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
            keys.sort_unstable();
            keys.windows(2).any(|w| w[0] == w[1])
        })
    }
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
        }
    }

    fn init(name: &str) -> Initializer {
        Initializer::parse(Params::new("initializer", name)).unwrap()
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
            };
            let m = Member::sample(&arch, choice, &[]).unwrap();
            assert_eq!(m.is_symmetric(&arch.dims()), symmetric, "{name}");
        }
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
}
