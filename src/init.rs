//! Weight initializers: every scheme a spec can name, each with the formula it follows.
//!
//! Keras names follow Keras 3, `keras/src/initializers/{constant_initializers,
//! random_initializers}.py`; PyTorch names follow `torch/nn/init.py` and `nn.Linear.
//! reset_parameters` in `torch/nn/modules/linear.py`; `lsuv` follows Mishkin & Matas (2015).
//! Nothing is sampled by a framework: all draws come from [`crate::rng`], so a trial's weights
//! depend only on its seed. Values are f64 so tests can check orthogonality to 1e-10; callers
//! cast to f32.
//!
//! Sampling order, fixed so that results stay the same bytes: i.i.d. initializers draw
//! `fan_in·fan_out` values one after another and lay them out row-major in the layout's shape
//! (so the flat vector is the same in both layouts, only read in another shape); truncated
//! normals redraw in place; orthogonal, sparse and lsuv follow their algorithms below.
//! `fan_in` and `fan_out` are always the layer's true fans, whatever the layout, so i.i.d.
//! initializers have the same law in both layouts; only orthogonal, identity and sparse see the
//! layout's shape.

mod lsuv;
mod orthogonal;
#[cfg(test)]
mod tests;

pub use lsuv::lsuv;

use crate::params::{self, num_param, str_param, Entry, Params};
use crate::rng::{self, Rng};

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

    fn parse(p: &Params, s: &str, allowed: &[FanMode]) -> Result<Self, String> {
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

/// Keras VarianceScaling's `distribution`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    TruncatedNormal,
    UntruncatedNormal,
    Uniform,
}

impl Distribution {
    const ALL: [Distribution; 3] = [
        Distribution::TruncatedNormal,
        Distribution::UntruncatedNormal,
        Distribution::Uniform,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::TruncatedNormal => "truncated_normal",
            Distribution::UntruncatedNormal => "untruncated_normal",
            Distribution::Uniform => "uniform",
        }
    }
}

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

/// Standard deviation of a unit normal truncated to [−2, 2]. Keras divides by it so that
/// variance scaling's truncated normal ends with the intended std (VarianceScaling in
/// keras/src/initializers/random_initializers.py; recomputed from statrs in the tests).
#[allow(clippy::excessive_precision)] // Keras's literal, digit for digit, so it can be grepped.
pub const TRUNCATED_STD: f64 = 0.879_625_661_034_239_78;

// Defaults, declared once for parse, label and the catalogue (whose text a test checks).
const KERAS_STDDEV: f64 = 0.05;
const KERAS_LIMIT: f64 = 0.05;
const XAVIER_A: f64 = 0.01;
const SPARSE_SPARSITY: f64 = 0.1;
const SPARSE_STD: f64 = 0.01;
const LSUV_TOL: f64 = 0.1;
const LSUV_MAX_ITER: u32 = 10;

/// Every initializer a spec can name.
#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    Zeros,
    Ones,
    Constant {
        value: f64,
    },
    RandomNormal {
        mean: f64,
        stddev: f64,
    },
    RandomUniform {
        minval: f64,
        maxval: f64,
    },
    TruncatedNormal {
        mean: f64,
        stddev: f64,
    },
    VarianceScaling {
        scale: f64,
        mode: FanMode,
        distribution: Distribution,
    },
    GlorotUniform,
    GlorotNormal,
    HeUniform,
    HeNormal,
    LecunUniform,
    LecunNormal,
    Orthogonal,
    Identity,
    XavierUniform {
        nonlinearity: Nonlinearity,
        a: f64,
    },
    XavierNormal {
        nonlinearity: Nonlinearity,
        a: f64,
    },
    KaimingUniform {
        a: f64,
        mode: FanMode,
        nonlinearity: Nonlinearity,
    },
    KaimingNormal {
        a: f64,
        mode: FanMode,
        nonlinearity: Nonlinearity,
    },
    TorchLinear,
    Sparse {
        sparsity: f64,
        std: f64,
    },
    Lsuv {
        tol: f64,
        max_iter: u32,
    },
}

/// Every name with its parameters and defaults, for `initbench list` and unknown-name errors.
pub const CATALOGUE: &[Entry] = &[
    Entry { name: "zeros", params: "", about: "all 0 (Keras Zeros)" },
    Entry { name: "ones", params: "", about: "all 1 (Keras Ones)" },
    Entry { name: "constant", params: "value=0", about: "all `value` (Keras Constant)" },
    Entry {
        name: "random_normal",
        params: "mean=0, stddev=0.05",
        about: "N(mean, stddev²) (Keras RandomNormal)",
    },
    Entry {
        name: "random_uniform",
        params: "minval=-0.05, maxval=0.05",
        about: "U[minval, maxval) (Keras RandomUniform)",
    },
    Entry {
        name: "truncated_normal",
        params: "mean=0, stddev=0.05",
        about: "N(mean, stddev²) redrawn outside mean ± 2·stddev, no rescaling (Keras TruncatedNormal)",
    },
    Entry {
        name: "variance_scaling",
        params: "scale=1, mode=fan_in, distribution=truncated_normal",
        about: "std sqrt(scale/n), n from mode; truncated, untruncated normal or uniform (Keras VarianceScaling)",
    },
    Entry {
        name: "glorot_uniform",
        params: "",
        about: "U(±sqrt(6/(fan_in+fan_out))) (Keras GlorotUniform; Glorot & Bengio 2010)",
    },
    Entry {
        name: "glorot_normal",
        params: "",
        about: "truncated normal, std sqrt(2/(fan_in+fan_out)) (Keras GlorotNormal)",
    },
    Entry {
        name: "he_uniform",
        params: "",
        about: "U(±sqrt(6/fan_in)) (Keras HeUniform; He et al. 2015)",
    },
    Entry {
        name: "he_normal",
        params: "",
        about: "truncated normal, std sqrt(2/fan_in) (Keras HeNormal)",
    },
    Entry {
        name: "lecun_uniform",
        params: "",
        about: "U(±sqrt(3/fan_in)) (Keras LecunUniform; LeCun et al. 1998)",
    },
    Entry {
        name: "lecun_normal",
        params: "",
        about: "truncated normal, std sqrt(1/fan_in) (Keras LecunNormal)",
    },
    Entry {
        name: "orthogonal",
        params: "",
        about: "Q of the QR of a Gaussian matrix, sign-fixed (Keras Orthogonal, torch orthogonal_; Saxe et al. 2014)",
    },
    Entry { name: "identity", params: "", about: "eye(rows, cols) (Keras Identity)" },
    Entry {
        name: "xavier_uniform",
        params: "nonlinearity=linear, a=0.01",
        about: "U(±g·sqrt(6/(fan_in+fan_out))), g = calculate_gain (torch xavier_uniform_)",
    },
    Entry {
        name: "xavier_normal",
        params: "nonlinearity=linear, a=0.01",
        about: "N(0, (g·sqrt(2/(fan_in+fan_out)))²) (torch xavier_normal_)",
    },
    Entry {
        name: "kaiming_uniform",
        params: "a=0, mode=fan_in, nonlinearity=leaky_relu",
        about: "U(±g·sqrt(3/fan)) (torch kaiming_uniform_; He et al. 2015)",
    },
    Entry {
        name: "kaiming_normal",
        params: "a=0, mode=fan_in, nonlinearity=leaky_relu",
        about: "N(0, (g/sqrt(fan))²) (torch kaiming_normal_)",
    },
    Entry {
        name: "torch_linear",
        params: "",
        about: "weight and bias U(±1/sqrt(fan_in)) (torch nn.Linear default)",
    },
    Entry {
        name: "sparse",
        params: "sparsity=0.1, std=0.01",
        about: "N(0, std²), ceil(sparsity·fan_out) zeros per input column (torch sparse_; Martens 2010)",
    },
    Entry {
        name: "lsuv",
        params: "tol=0.1, max_iter=10",
        about: "orthogonal, then rescaled layer by layer to pre-activation variance gain² (Mishkin & Matas 2015)",
    },
];

/// The law of one i.i.d. weight, before the gain.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Law {
    Const(f64),
    Normal {
        mean: f64,
        sd: f64,
    },
    /// N(mean, sd²) redrawn outside mean ± 2·sd; `sd` is the parent normal's.
    Truncated {
        mean: f64,
        sd: f64,
    },
    /// U[lo, hi); a point mass at `lo` when hi ≤ lo (torch_linear's bias when fan_in = 0).
    Uniform {
        lo: f64,
        hi: f64,
    },
}

impl Law {
    fn draw(self, rng: &mut Rng) -> f64 {
        match self {
            Law::Const(v) => v,
            Law::Normal { mean, sd } => mean + sd * rng::normal(rng),
            Law::Truncated { mean, sd } => loop {
                // Rejection, as TF's truncated_normal: P(accept) = 0.954, so ~1.05 draws each.
                let z = rng::normal(rng);
                if z.abs() <= 2.0 {
                    return mean + sd * z;
                }
            },
            Law::Uniform { lo, hi } => {
                if hi <= lo {
                    return lo;
                }
                loop {
                    // Rounding can land lo + (hi−lo)·u on hi itself; redraw to keep [lo, hi).
                    let x = lo + (hi - lo) * rng::uniform(rng);
                    if x < hi {
                        return x;
                    }
                }
            }
        }
    }
}

/// What `sample` has to do for an initializer at given fans.
enum Kind {
    Iid(Law),
    Orthogonal,
    Identity,
    Sparse { sparsity: f64, std: f64 },
}

fn variance_scaling(scale: f64, mode: FanMode, dist: Distribution, fi: usize, fo: usize) -> Law {
    let var = scale / mode.fan(fi, fo);
    match dist {
        Distribution::TruncatedNormal => Law::Truncated {
            mean: 0.0,
            sd: var.sqrt() / TRUNCATED_STD,
        },
        Distribution::UntruncatedNormal => Law::Normal {
            mean: 0.0,
            sd: var.sqrt(),
        },
        Distribution::Uniform => {
            let limit = (3.0 * var).sqrt();
            Law::Uniform {
                lo: -limit,
                hi: limit,
            }
        }
    }
}

fn symmetric_uniform(bound: f64) -> Law {
    Law::Uniform {
        lo: -bound,
        hi: bound,
    }
}

fn positive(p: &mut Params, key: &'static str, default: f64) -> Result<f64, String> {
    let x = p.num(key, default)?;
    if x <= 0.0 {
        return Err(p.error(format!("{key} must be positive, got {x}")));
    }
    Ok(x)
}

fn nonlinearity(p: &mut Params, default: &str) -> Result<Nonlinearity, String> {
    let s = p.string("nonlinearity", default)?;
    Nonlinearity::from_name(&s).map_err(|e| p.error(e))
}

impl Initializer {
    /// Reads a name and its parameters; rejects unknown names (listing the valid ones),
    /// impossible values (naming the parameter and why) and unknown parameters.
    pub fn parse(mut p: Params) -> Result<Self, String> {
        use Initializer as I;
        let name = p.name().to_string();
        let init = match name.as_str() {
            "zeros" => I::Zeros,
            "ones" => I::Ones,
            "constant" => I::Constant {
                value: p.num("value", 0.0)?,
            },
            "random_normal" => I::RandomNormal {
                mean: p.num("mean", 0.0)?,
                stddev: positive(&mut p, "stddev", KERAS_STDDEV)?,
            },
            "truncated_normal" => I::TruncatedNormal {
                mean: p.num("mean", 0.0)?,
                stddev: positive(&mut p, "stddev", KERAS_STDDEV)?,
            },
            "random_uniform" => {
                let minval = p.num("minval", -KERAS_LIMIT)?;
                let maxval = p.num("maxval", KERAS_LIMIT)?;
                if minval >= maxval {
                    return Err(p.error(format!(
                        "minval must be less than maxval, got minval={minval}, maxval={maxval}"
                    )));
                }
                I::RandomUniform { minval, maxval }
            }
            "variance_scaling" => {
                let scale = positive(&mut p, "scale", 1.0)?;
                let mode = p.string("mode", "fan_in")?;
                let mode = FanMode::parse(
                    &p,
                    &mode,
                    &[FanMode::FanIn, FanMode::FanOut, FanMode::FanAvg],
                )?;
                let dist = p.string("distribution", "truncated_normal")?;
                let Some(distribution) = Distribution::ALL.into_iter().find(|d| d.as_str() == dist)
                else {
                    let names: Vec<&str> = Distribution::ALL.iter().map(|d| d.as_str()).collect();
                    return Err(p.error(format!(
                        "distribution must be one of {}, got `{dist}`",
                        names.join(", ")
                    )));
                };
                I::VarianceScaling {
                    scale,
                    mode,
                    distribution,
                }
            }
            "glorot_uniform" => I::GlorotUniform,
            "glorot_normal" => I::GlorotNormal,
            "he_uniform" => I::HeUniform,
            "he_normal" => I::HeNormal,
            "lecun_uniform" => I::LecunUniform,
            "lecun_normal" => I::LecunNormal,
            "orthogonal" => I::Orthogonal,
            "identity" => I::Identity,
            "xavier_uniform" | "xavier_normal" => {
                let nonlinearity = nonlinearity(&mut p, "linear")?;
                let a = p.num("a", XAVIER_A)?;
                if name == "xavier_uniform" {
                    I::XavierUniform { nonlinearity, a }
                } else {
                    I::XavierNormal { nonlinearity, a }
                }
            }
            "kaiming_uniform" | "kaiming_normal" => {
                let a = p.num("a", 0.0)?;
                let mode = p.string("mode", "fan_in")?;
                let mode = FanMode::parse(&p, &mode, &[FanMode::FanIn, FanMode::FanOut])?;
                let nonlinearity = nonlinearity(&mut p, "leaky_relu")?;
                if name == "kaiming_uniform" {
                    I::KaimingUniform {
                        a,
                        mode,
                        nonlinearity,
                    }
                } else {
                    I::KaimingNormal {
                        a,
                        mode,
                        nonlinearity,
                    }
                }
            }
            "torch_linear" => I::TorchLinear,
            "sparse" => {
                let sparsity = p.num("sparsity", SPARSE_SPARSITY)?;
                if !(0.0..1.0).contains(&sparsity) {
                    return Err(p.error(format!(
                        "sparsity must be in [0, 1), got {sparsity}; 1 would zero every weight"
                    )));
                }
                I::Sparse {
                    sparsity,
                    std: positive(&mut p, "std", SPARSE_STD)?,
                }
            }
            "lsuv" => I::Lsuv {
                tol: positive(&mut p, "tol", LSUV_TOL)?,
                max_iter: p.int("max_iter", LSUV_MAX_ITER as u64, 1)? as u32,
            },
            _ => return Err(p.unknown(CATALOGUE)),
        };
        p.finish()?;
        Ok(init)
    }

    /// The name as written in specs.
    pub fn name(&self) -> &'static str {
        use Initializer as I;
        match self {
            I::Zeros => "zeros",
            I::Ones => "ones",
            I::Constant { .. } => "constant",
            I::RandomNormal { .. } => "random_normal",
            I::RandomUniform { .. } => "random_uniform",
            I::TruncatedNormal { .. } => "truncated_normal",
            I::VarianceScaling { .. } => "variance_scaling",
            I::GlorotUniform => "glorot_uniform",
            I::GlorotNormal => "glorot_normal",
            I::HeUniform => "he_uniform",
            I::HeNormal => "he_normal",
            I::LecunUniform => "lecun_uniform",
            I::LecunNormal => "lecun_normal",
            I::Orthogonal => "orthogonal",
            I::Identity => "identity",
            I::XavierUniform { .. } => "xavier_uniform",
            I::XavierNormal { .. } => "xavier_normal",
            I::KaimingUniform { .. } => "kaiming_uniform",
            I::KaimingNormal { .. } => "kaiming_normal",
            I::TorchLinear => "torch_linear",
            I::Sparse { .. } => "sparse",
            I::Lsuv { .. } => "lsuv",
        }
    }

    /// "name" when every parameter has its default, else "name(k=v,...)". Stable: it goes into
    /// CSV files and trial-id hashes.
    pub fn label(&self) -> String {
        use Initializer as I;
        let ps = match self {
            I::Constant { value } => vec![num_param("value", *value, 0.0)],
            I::RandomNormal { mean, stddev } | I::TruncatedNormal { mean, stddev } => vec![
                num_param("mean", *mean, 0.0),
                num_param("stddev", *stddev, KERAS_STDDEV),
            ],
            I::RandomUniform { minval, maxval } => vec![
                num_param("minval", *minval, -KERAS_LIMIT),
                num_param("maxval", *maxval, KERAS_LIMIT),
            ],
            I::VarianceScaling {
                scale,
                mode,
                distribution,
            } => vec![
                num_param("scale", *scale, 1.0),
                str_param("mode", mode.as_str(), "fan_in"),
                str_param("distribution", distribution.as_str(), "truncated_normal"),
            ],
            I::XavierUniform { nonlinearity, a } | I::XavierNormal { nonlinearity, a } => vec![
                str_param("nonlinearity", nonlinearity.as_str(), "linear"),
                num_param("a", *a, XAVIER_A),
            ],
            I::KaimingUniform {
                a,
                mode,
                nonlinearity,
            }
            | I::KaimingNormal {
                a,
                mode,
                nonlinearity,
            } => vec![
                num_param("a", *a, 0.0),
                str_param("mode", mode.as_str(), "fan_in"),
                str_param("nonlinearity", nonlinearity.as_str(), "leaky_relu"),
            ],
            I::Sparse { sparsity, std } => vec![
                num_param("sparsity", *sparsity, SPARSE_SPARSITY),
                num_param("std", *std, SPARSE_STD),
            ],
            I::Lsuv { tol, max_iter } => vec![
                num_param("tol", *tol, LSUV_TOL),
                num_param("max_iter", *max_iter as f64, LSUV_MAX_ITER as f64),
            ],
            _ => Vec::new(),
        };
        params::label(self.name(), &ps)
    }

    fn kind(&self, fan_in: usize, fan_out: usize) -> Kind {
        use Distribution::{TruncatedNormal as Tn, Uniform as Un};
        use FanMode::{FanAvg, FanIn};
        use Initializer as I;
        let vs =
            |scale, mode, dist| Kind::Iid(variance_scaling(scale, mode, dist, fan_in, fan_out));
        match *self {
            I::Zeros => Kind::Iid(Law::Const(0.0)),
            I::Ones => Kind::Iid(Law::Const(1.0)),
            I::Constant { value } => Kind::Iid(Law::Const(value)),
            I::RandomNormal { mean, stddev } => Kind::Iid(Law::Normal { mean, sd: stddev }),
            I::TruncatedNormal { mean, stddev } => Kind::Iid(Law::Truncated { mean, sd: stddev }),
            I::RandomUniform { minval, maxval } => Kind::Iid(Law::Uniform {
                lo: minval,
                hi: maxval,
            }),
            I::VarianceScaling {
                scale,
                mode,
                distribution,
            } => vs(scale, mode, distribution),
            // The six shorthands are VarianceScaling presets in keras/src/initializers/
            // random_initializers.py (GlorotUniform etc. call super().__init__(scale=..., ...)).
            I::GlorotUniform => vs(1.0, FanAvg, Un),
            I::GlorotNormal => vs(1.0, FanAvg, Tn),
            I::HeUniform => vs(2.0, FanIn, Un),
            I::HeNormal => vs(2.0, FanIn, Tn),
            I::LecunUniform => vs(1.0, FanIn, Un),
            I::LecunNormal => vs(1.0, FanIn, Tn),
            I::Orthogonal | I::Lsuv { .. } => Kind::Orthogonal,
            I::Identity => Kind::Identity,
            // torch xavier_uniform_: a = gain·sqrt(6/(fan_in+fan_out)); xavier_normal_:
            // std = gain·sqrt(2/(fan_in+fan_out)). PyTorch takes the gain itself; a spec names
            // the nonlinearity and calculate_gain turns it into one.
            I::XavierUniform { nonlinearity, a } => {
                let fans = FanAvg.fan(fan_in, fan_out) * 2.0;
                Kind::Iid(symmetric_uniform(
                    nonlinearity.gain(Some(a)) * (6.0 / fans).sqrt(),
                ))
            }
            I::XavierNormal { nonlinearity, a } => {
                let fans = FanAvg.fan(fan_in, fan_out) * 2.0;
                Kind::Iid(Law::Normal {
                    mean: 0.0,
                    sd: nonlinearity.gain(Some(a)) * (2.0 / fans).sqrt(),
                })
            }
            // torch kaiming_uniform_: std = gain/sqrt(fan), bound = sqrt(3)·std;
            // kaiming_normal_: N(0, std²).
            I::KaimingUniform {
                a,
                mode,
                nonlinearity,
            } => {
                let std = nonlinearity.gain(Some(a)) / mode.fan(fan_in, fan_out).sqrt();
                Kind::Iid(symmetric_uniform(3f64.sqrt() * std))
            }
            I::KaimingNormal {
                a,
                mode,
                nonlinearity,
            } => Kind::Iid(Law::Normal {
                mean: 0.0,
                sd: nonlinearity.gain(Some(a)) / mode.fan(fan_in, fan_out).sqrt(),
            }),
            // nn.Linear.reset_parameters: kaiming_uniform_(a=√5) on the weight, which works out
            // to 1/sqrt(fan_in); the bias uses 1/sqrt(fan_in) if fan_in > 0 else 0.
            I::TorchLinear => Kind::Iid(symmetric_uniform(if fan_in > 0 {
                1.0 / (fan_in as f64).sqrt()
            } else {
                0.0
            })),
            I::Sparse { sparsity, std } => Kind::Sparse { sparsity, std },
        }
    }

    /// A fan_in × fan_out weight matrix, row-major in `layout`'s shape, every value multiplied
    /// by `gain` — except lsuv, whose orthogonal start is returned at gain 1 because LSUV's
    /// target variance gain² sets the scale afterwards (see [`lsuv`]).
    pub fn sample(
        &self,
        fan_in: usize,
        fan_out: usize,
        layout: Layout,
        gain: f64,
        rng: &mut Rng,
    ) -> Vec<f64> {
        let (rows, cols) = layout.shape(fan_in, fan_out);
        let gain = if self.is_data_dependent() { 1.0 } else { gain };
        let mut w = match self.kind(fan_in, fan_out) {
            Kind::Iid(law) => (0..rows * cols).map(|_| law.draw(rng)).collect(),
            Kind::Orthogonal => orthogonal::orthogonal(rows, cols, rng),
            Kind::Identity => {
                // Keras Identity: ops.eye(*shape), ones on the main diagonal even if not square.
                let mut w = vec![0.0; rows * cols];
                for i in 0..rows.min(cols) {
                    w[i * cols + i] = 1.0;
                }
                w
            }
            Kind::Sparse { sparsity, std } => sparse(fan_in, fan_out, layout, sparsity, std, rng),
        };
        if gain != 1.0 {
            w.iter_mut().for_each(|x| *x *= gain);
        }
        w
    }

    /// Whether this initializer can fill a bias vector; orthogonal, identity, sparse and lsuv
    /// are defined only for matrices (Keras and PyTorch both refuse 1-D tensors for them).
    pub fn check_bias(&self) -> Result<(), String> {
        match self {
            Initializer::Orthogonal
            | Initializer::Identity
            | Initializer::Sparse { .. }
            | Initializer::Lsuv { .. } => Err(format!(
                "initializer `{}` is defined only for weight matrices and cannot initialize a \
                 bias; use zeros, a constant or an i.i.d. initializer for biases",
                self.name()
            )),
            _ => Ok(()),
        }
    }

    /// A bias of `units` values for a layer with `fan_in` inputs, every value × `gain`.
    ///
    /// Fans follow Keras's rule for 1-D shapes (`compute_fans`: fan_in = fan_out = units), also
    /// for the PyTorch formulas, which refuse 1-D tensors themselves; torch_linear instead uses
    /// the layer's fan_in, as nn.Linear does.
    pub fn sample_bias(
        &self,
        units: usize,
        fan_in: usize,
        gain: f64,
        rng: &mut Rng,
    ) -> Result<Vec<f64>, String> {
        self.check_bias()?;
        let (fi, fo) = match self {
            Initializer::TorchLinear => (fan_in, units),
            _ => (units, units),
        };
        match self.kind(fi, fo) {
            Kind::Iid(law) => Ok((0..units).map(|_| gain * law.draw(rng)).collect()),
            // check_bias has already refused every non-i.i.d. kind.
            _ => Err(format!(
                "initializer `{}` cannot initialize a bias",
                self.name()
            )),
        }
    }

    /// True for lsuv: it needs a data batch, so the trainer samples its orthogonal start with
    /// [`Initializer::sample`] and then calls [`lsuv`].
    pub fn is_data_dependent(&self) -> bool {
        matches!(self, Initializer::Lsuv { .. })
    }
}

/// torch.nn.init.sparse_ on the [fan_out, fan_in] weight: N(0, std²) everywhere, then in each
/// column the first ceil(sparsity·rows) rows of a fresh random permutation set to zero. The
/// normals are drawn first (row-major), then one permutation per column, as torch does.
fn sparse(
    fan_in: usize,
    fan_out: usize,
    layout: Layout,
    sparsity: f64,
    std: f64,
    rng: &mut Rng,
) -> Vec<f64> {
    let (rows, cols) = (fan_out, fan_in);
    let mut w: Vec<f64> = (0..rows * cols).map(|_| std * rng::normal(rng)).collect();
    let zeros = ((sparsity * rows as f64).ceil() as usize).min(rows);
    for c in 0..cols {
        let perm = rng::permutation(rng, rows);
        for &r in &perm[..zeros] {
            w[r * cols + c] = 0.0;
        }
    }
    match layout {
        Layout::OutIn => w,
        Layout::InOut => orthogonal::transpose(&w, rows, cols),
    }
}
