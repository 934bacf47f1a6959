//! The networks initbench trains: fully connected MLPs, described by their shape.

pub mod activation;
pub mod head;

pub use activation::{Activation, Family};
pub use head::{Head, Loss, OutputActivation};

/// An MLP's shape: `depth` hidden layers of `width` units, then the output layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Architecture {
    pub inputs: usize,
    pub depth: usize,
    pub width: usize,
    pub outputs: usize,
    pub activation: Activation,
    pub head: Head,
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
        };
        assert_eq!(arch.dims(), vec![2, 2, 1]);
        assert_eq!(arch.layers(), 2);
        assert_eq!(arch.parameters(), 9);
    }
}
