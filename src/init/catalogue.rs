//! The names a spec can give: the catalogue, parsing a name and its parameters into an
//! [`Initializer`], and the stable label that goes back out.
//!
//! Parsing, labels and the catalogue's text all read the same default constants, so a default
//! is stated once; a test checks that the catalogue's text parses to the defaults.

use super::{Distribution, FanMode, Initializer, Nonlinearity};
use crate::params::{self, num_param, str_param, Entry, Params};

// Defaults, declared once for parse, label and the catalogue (whose text a test checks).
const KERAS_STDDEV: f64 = 0.05;
const KERAS_LIMIT: f64 = 0.05;
const XAVIER_A: f64 = 0.01;
const SPARSE_SPARSITY: f64 = 0.1;
const SPARSE_STD: f64 = 0.01;
const LSUV_TOL: f64 = 0.1;
const LSUV_MAX_ITER: u32 = 10;
const IDINIT_TAU: f64 = 1.0;
// GradInit: the authors' CIFAR script (launch/run_gradinit.sh) runs 390 iterations, τ = 1e-2,
// γ = 1, min_scale 0.01 on batches of 128; initbench runs fewer, smaller iterations by default
// because an MLP study samples hundreds of networks.
const LEARNED_BASE: &str = "he_normal";
const GRADINIT_ITERS: u32 = 100;
const GRADINIT_LR: f64 = 0.01;
const GRADINIT_GAMMA: f64 = 1.0;
const GRADINIT_MIN_SCALE: f64 = 0.01;
const LEARNED_BATCH: u32 = 64;
// MetaInit: Algorithm 1's lr = 0.1, momentum = 0.9; fewer steps than its 500 by default.
const METAINIT_STEPS: u32 = 100;
const METAINIT_LR: f64 = 0.1;
const METAINIT_MOMENTUM: f64 = 0.9;

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
    Entry {
        name: "critical_orthogonal",
        params: "",
        about: "orthogonal × σ_w, σ_w² the activation's critical point χ₁ = 1 at the biases' variance: dynamical isometry (Pennington et al. 2017)",
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
    Entry {
        name: "zer_o",
        params: "",
        about: "deterministic: identity, partial identity, or a Hadamard block / sqrt(2^ceil(log2 fan_out)) where fan_out > fan_in (ZerO; Zhao et al. 2022)",
    },
    Entry {
        name: "idinit",
        params: "tau=1",
        about: "deterministic: tau where row ≡ column mod min(fan_out, fan_in), a padded identity (IDInit; Pan et al. 2025)",
    },
    Entry {
        name: "fixup",
        params: "",
        about: "residual networks: N(0, 2/fan_in), branch first layers × blocks^(-1/2), branch last layers and the output layer zero (Fixup; Zhang et al. 2019)",
    },
    Entry {
        name: "zero_branch",
        params: "",
        about: "residual networks: he_normal, each branch's last layer zero so every block starts as the identity (SkipInit, ReZero's start)",
    },
    Entry {
        name: "gradinit",
        params: "base=he_normal, iters=100, lr=0.01, gamma=1, min_scale=0.01, batch=64",
        about: "base's draw, one scale per tensor learned so the optimizer's first step lowers the loss with ‖g‖ ≤ gamma (GradInit; Zhu et al. 2021)",
    },
    Entry {
        name: "metainit",
        params: "base=he_normal, steps=100, lr=0.1, momentum=0.9, batch=64",
        about: "base's draw, each weight matrix's norm tuned by sign descent on the gradient quotient (MetaInit; Dauphin & Schoenholz 2019)",
    },
];

fn positive(p: &mut Params, key: &'static str, default: f64) -> Result<f64, String> {
    let x = p.num(key, default)?;
    if x <= 0.0 {
        return Err(p.error(format!("{key} must be positive, got {x}")));
    }
    Ok(x)
}

/// A learned initializer's `base`: the name of an initializer that draws without data, with
/// its default parameters.
fn base(p: &mut Params) -> Result<Box<Initializer>, String> {
    let name = p.string("base", LEARNED_BASE)?;
    let base = Initializer::parse(Params::new("initializer", name.as_str()))
        .map_err(|e| p.error(format!("base: {e}")))?;
    if base.is_data_dependent() {
        return Err(p.error(format!(
            "base: `{name}` depends on data itself; name an initializer that draws without it"
        )));
    }
    Ok(Box::new(base))
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
            "critical_orthogonal" => I::CriticalOrthogonal,
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
            "zer_o" => I::ZerO,
            "fixup" => I::Fixup,
            "zero_branch" => I::ZeroBranch,
            "idinit" => I::IdInit {
                tau: positive(&mut p, "tau", IDINIT_TAU)?,
            },
            "gradinit" => I::GradInit {
                base: base(&mut p)?,
                iters: p.int("iters", GRADINIT_ITERS as u64, 1)? as u32,
                lr: positive(&mut p, "lr", GRADINIT_LR)?,
                gamma: positive(&mut p, "gamma", GRADINIT_GAMMA)?,
                min_scale: positive(&mut p, "min_scale", GRADINIT_MIN_SCALE)?,
                batch: p.int("batch", LEARNED_BATCH as u64, 1)? as u32,
            },
            "metainit" => I::MetaInit {
                base: base(&mut p)?,
                steps: p.int("steps", METAINIT_STEPS as u64, 1)? as u32,
                lr: positive(&mut p, "lr", METAINIT_LR)?,
                momentum: p.num("momentum", METAINIT_MOMENTUM)?,
                batch: p.int("batch", LEARNED_BATCH as u64, 1)? as u32,
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
            I::CriticalOrthogonal => "critical_orthogonal",
            I::Identity => "identity",
            I::XavierUniform { .. } => "xavier_uniform",
            I::XavierNormal { .. } => "xavier_normal",
            I::KaimingUniform { .. } => "kaiming_uniform",
            I::KaimingNormal { .. } => "kaiming_normal",
            I::TorchLinear => "torch_linear",
            I::Sparse { .. } => "sparse",
            I::Lsuv { .. } => "lsuv",
            I::ZerO => "zer_o",
            I::IdInit { .. } => "idinit",
            I::Fixup => "fixup",
            I::ZeroBranch => "zero_branch",
            I::GradInit { .. } => "gradinit",
            I::MetaInit { .. } => "metainit",
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
            I::IdInit { tau } => vec![num_param("tau", *tau, IDINIT_TAU)],
            I::GradInit {
                base,
                iters,
                lr,
                gamma,
                min_scale,
                batch,
            } => vec![
                str_param("base", &base.label(), LEARNED_BASE),
                num_param("iters", *iters as f64, GRADINIT_ITERS as f64),
                num_param("lr", *lr, GRADINIT_LR),
                num_param("gamma", *gamma, GRADINIT_GAMMA),
                num_param("min_scale", *min_scale, GRADINIT_MIN_SCALE),
                num_param("batch", *batch as f64, LEARNED_BATCH as f64),
            ],
            I::MetaInit {
                base,
                steps,
                lr,
                momentum,
                batch,
            } => vec![
                str_param("base", &base.label(), LEARNED_BASE),
                num_param("steps", *steps as f64, METAINIT_STEPS as f64),
                num_param("lr", *lr, METAINIT_LR),
                num_param("momentum", *momentum, METAINIT_MOMENTUM),
                num_param("batch", *batch as f64, LEARNED_BATCH as f64),
            ],
            _ => Vec::new(),
        };
        params::label(self.name(), &ps)
    }
}
