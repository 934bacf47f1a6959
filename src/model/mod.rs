//! The networks initbench trains: fully connected MLPs, described by their shape.

pub mod activation;
pub mod head;
pub mod parametrization;

pub use activation::{Activation, Family};
pub use head::{Head, Loss, OutputActivation};
pub use parametrization::{Parametrization, Scaling};

/// An MLP's shape: `depth` hidden layers of `width` units, then the output layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Architecture {
    pub inputs: usize,
    pub depth: usize,
    pub width: usize,
    pub outputs: usize,
    pub activation: Activation,
    pub head: Head,
    /// `Some` when the hidden layers after the first form residual blocks.
    pub residual: Option<Residual>,
}

/// Residual blocks of two layers: h ← h + α·(φ(h·W₁ + b₁)·W₂ + b₂), the "full residual"
/// form of Yang & Schoenholz (2017) and the basic block of Zhang et al.'s Fixup (2019) without
/// normalization. The first hidden layer (φ(x·W₀ + b₀), inputs to width) starts the stream,
/// so a residual network's depth is 1 + 2·blocks, and the parameters are laid out as a plain
/// network's of the same depth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Residual {
    /// α, the branch multiplier, or with `trained` its starting value.
    pub scale: f64,
    pub norm: Norm,
    /// Whether each block has its own α, a parameter trained with the others (SkipInit, De &
    /// Smith 2020; ReZero, Bachlechner et al. 2020, with α starting at 0).
    pub trained: bool,
    /// Whether the input of every branch layer and of the output layer gets a trained scalar
    /// bias, starting at 0 (Fixup's rule 3, Zhang et al. 2019).
    pub scalar_biases: bool,
}

/// Where residual blocks normalize (layer normalization over the width, without a learned
/// gain or shift: PyTorch's `LayerNorm(width, elementwise_affine = False)`, ε = 1e-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    None,
    /// h ← h + α·branch(LN(h)), and LN before the output layer (Xiong et al. 2020's Pre-LN).
    Pre,
    /// h ← LN(h + α·branch(h)) (the original Transformer's Post-LN).
    Post,
}

impl Norm {
    pub fn parse(s: &str) -> Result<Norm, String> {
        match s {
            "pre" => Ok(Norm::Pre),
            "post" => Ok(Norm::Post),
            other => Err(format!(
                "`{other}` is not a placement: use \"pre\" or \"post\""
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Norm::None => "none",
            Norm::Pre => "pre",
            Norm::Post => "post",
        }
    }
}

/// PyTorch's default `LayerNorm` ε.
pub const LAYER_NORM_EPS: f64 = 1e-5;

/// What a weight layer is in its network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// φ(h·W + b), feeding the next layer: every hidden layer of a plain network, and the
    /// first of a residual one.
    Hidden,
    /// A residual branch's first layer, φ(h·W + b).
    BranchIn,
    /// A residual branch's last layer, u·W + b without an activation, added to the stream ×α.
    BranchOut,
    Output,
}

impl Architecture {
    /// Layer sizes from input to output: [inputs, width, …, width, outputs].
    pub fn dims(&self) -> Vec<usize> {
        let mut d = vec![self.inputs];
        d.extend(std::iter::repeat_n(self.width, self.depth));
        d.push(self.outputs);
        d
    }

    /// Number of weight layers (hidden layers + output layer).
    pub fn layers(&self) -> usize {
        self.depth + 1
    }

    /// Residual blocks (0 for a plain network).
    pub fn blocks(&self) -> usize {
        match self.residual {
            Some(_) => (self.depth - 1) / 2,
            None => 0,
        }
    }

    /// What weight layer `l` (0 = the first hidden layer, `depth` = the output layer) does.
    pub fn role(&self, l: usize) -> Role {
        if l == self.depth {
            Role::Output
        } else if self.residual.is_none() || l == 0 {
            Role::Hidden
        } else if l % 2 == 1 {
            Role::BranchIn
        } else {
            Role::BranchOut
        }
    }

    /// Weights and biases in one network.
    pub fn parameters(&self) -> usize {
        self.dims().windows(2).map(|w| w[0] * w[1] + w[1]).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_network_has_nine_parameters() {
        let arch = Architecture {
            inputs: 2,
            depth: 1,
            width: 2,
            outputs: 1,
            activation: Activation::Sigmoid,
            head: Head::new(OutputActivation::Sigmoid, Loss::Mse).unwrap(),
            residual: None,
        };
        assert_eq!(arch.dims(), vec![2, 2, 1]);
        assert_eq!(arch.layers(), 2);
        assert_eq!(arch.parameters(), 9);
    }

    #[test]
    fn residual_layers_pair_into_blocks_after_the_first() {
        let mut arch = Architecture {
            inputs: 3,
            depth: 5,
            width: 4,
            outputs: 2,
            activation: Activation::Relu,
            head: Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap(),
            residual: Some(Residual {
                scale: 1.0,
                norm: Norm::None,
                trained: false,
                scalar_biases: false,
            }),
        };
        let roles: Vec<Role> = (0..arch.layers()).map(|l| arch.role(l)).collect();
        use Role::*;
        assert_eq!(
            roles,
            [Hidden, BranchIn, BranchOut, BranchIn, BranchOut, Output]
        );
        assert_eq!(arch.blocks(), 2);
        arch.residual = None;
        assert_eq!(arch.blocks(), 0);
        assert!((0..5).all(|l| arch.role(l) == Hidden));
    }
}
