//! How a weight matrix is laid out and which of its fans sets the scale.
//!
//! Keras and PyTorch store a dense layer's weight transposed from each other, and their
//! variance-scaling formulas divide by fan_in, fan_out or their mean; both choices are small
//! enums here, shared by the parser, the formulas and the samplers.

use crate::params::Params;

/// Which matrix layout a weight is sampled in; decides how fans are read and, for orthogonal,
/// identity and sparse, which shape the algorithm sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Keras Dense kernel: [fan_in, fan_out] row-major.
    InOut,
    /// PyTorch nn.Linear weight: [fan_out, fan_in] row-major.
    OutIn,
}

impl Layout {
    /// (rows, cols) of a layer's weight matrix in this layout.
    pub fn shape(self, fan_in: usize, fan_out: usize) -> (usize, usize) {
        match self {
            Layout::InOut => (fan_in, fan_out),
            Layout::OutIn => (fan_out, fan_in),
        }
    }
}

/// Which fan sets the scale (Keras `mode`, PyTorch kaiming `mode`; PyTorch has no `fan_avg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    FanIn,
    FanOut,
    FanAvg,
}

impl FanMode {
    pub fn as_str(self) -> &'static str {
        match self {
            FanMode::FanIn => "fan_in",
            FanMode::FanOut => "fan_out",
            FanMode::FanAvg => "fan_avg",
        }
    }

    /// The n that variance is divided by. Keras clamps it with `max(1.0, n)` so that an empty
    /// dimension cannot divide by zero; PyTorch never sees n = 0 on a non-empty tensor, so the
    /// clamp changes nothing there.
    pub fn fan(self, fan_in: usize, fan_out: usize) -> f64 {
        let n = match self {
            FanMode::FanIn => fan_in as f64,
            FanMode::FanOut => fan_out as f64,
            FanMode::FanAvg => (fan_in + fan_out) as f64 / 2.0,
        };
        n.max(1.0)
    }

    pub(super) fn parse(p: &Params, s: &str, allowed: &[FanMode]) -> Result<Self, String> {
        match allowed.iter().find(|m| m.as_str() == s) {
            Some(&m) => Ok(m),
            None => {
                let names: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
                Err(p.error(format!(
                    "mode must be one of {}, got `{s}`",
                    names.join(", ")
                )))
            }
        }
    }
}
