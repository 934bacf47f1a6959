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
];

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
            _ => Vec::new(),
        };
        params::label(self.name(), &ps)
    }
}
