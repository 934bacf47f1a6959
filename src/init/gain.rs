//! PyTorch's `calculate_gain`: the gain a nonlinearity asks of its weights.
//!
//! The PyTorch initializers (xavier_*, kaiming_*) take a nonlinearity by name and turn it into a
//! gain with this table (torch/nn/init.py), so a spec names the nonlinearity, never the number.

/// The nonlinearities PyTorch's `calculate_gain` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nonlinearity {
    Linear,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Selu,
}

impl Nonlinearity {
    const ALL: [Nonlinearity; 12] = [
        Nonlinearity::Linear,
        Nonlinearity::Conv1d,
        Nonlinearity::Conv2d,
        Nonlinearity::Conv3d,
        Nonlinearity::ConvTranspose1d,
        Nonlinearity::ConvTranspose2d,
        Nonlinearity::ConvTranspose3d,
        Nonlinearity::Sigmoid,
        Nonlinearity::Tanh,
        Nonlinearity::Relu,
        Nonlinearity::LeakyRelu,
        Nonlinearity::Selu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Nonlinearity::Linear => "linear",
            Nonlinearity::Conv1d => "conv1d",
            Nonlinearity::Conv2d => "conv2d",
            Nonlinearity::Conv3d => "conv3d",
            Nonlinearity::ConvTranspose1d => "conv_transpose1d",
            Nonlinearity::ConvTranspose2d => "conv_transpose2d",
            Nonlinearity::ConvTranspose3d => "conv_transpose3d",
            Nonlinearity::Sigmoid => "sigmoid",
            Nonlinearity::Tanh => "tanh",
            Nonlinearity::Relu => "relu",
            Nonlinearity::LeakyRelu => "leaky_relu",
            Nonlinearity::Selu => "selu",
        }
    }

    pub fn from_name(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|n| n.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|n| n.as_str()).collect();
                format!(
                    "unknown nonlinearity `{name}`; valid names: {}",
                    names.join(", ")
                )
            })
    }

    /// `torch.nn.init.calculate_gain`: `param` is leaky_relu's negative slope (0.01 when None)
    /// and is ignored by every other nonlinearity, as in PyTorch.
    pub fn gain(self, param: Option<f64>) -> f64 {
        match self {
            Nonlinearity::Tanh => 5.0 / 3.0,
            Nonlinearity::Relu => 2f64.sqrt(),
            Nonlinearity::LeakyRelu => {
                let slope = param.unwrap_or(0.01);
                (2.0 / (1.0 + slope * slope)).sqrt()
            }
            Nonlinearity::Selu => 3.0 / 4.0,
            _ => 1.0,
        }
    }
}

/// PyTorch `torch.nn.init.calculate_gain` table (torch/nn/init.py).
pub fn calculate_gain(nonlinearity: &str, param: Option<f64>) -> Result<f64, String> {
    Ok(Nonlinearity::from_name(nonlinearity)?.gain(param))
}
