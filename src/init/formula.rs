//! What each initializer draws at given fans: its published formula, written as a [`Kind`].
//!
//! One `match` over every initializer turns Keras's variance scaling (and its Glorot, He and
//! LeCun presets), Keras's plain normal, uniform and truncated normal, and PyTorch's xavier,
//! kaiming and nn.Linear formulas into the law of one weight; orthogonal, identity, sparse, ZerO
//! and IDInit, which are not i.i.d., are named here and sampled by their own algorithms.

use super::law::Law;
use super::{FanMode, Initializer};

/// Keras VarianceScaling's `distribution`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    TruncatedNormal,
    UntruncatedNormal,
    Uniform,
}

impl Distribution {
    pub(super) const ALL: [Distribution; 3] = [
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

/// Standard deviation of a unit normal truncated to [−2, 2]. Keras divides by it so that
/// variance scaling's truncated normal ends with the intended std (VarianceScaling in
/// keras/src/initializers/random_initializers.py; recomputed from statrs in the tests).
#[allow(clippy::excessive_precision)] // Keras's literal, digit for digit, so it can be grepped.
pub const TRUNCATED_STD: f64 = 0.879_625_661_034_239_78;

/// What `sample` has to do for an initializer at given fans.
pub(super) enum Kind {
    Iid(Law),
    Orthogonal,
    Identity,
    Sparse { sparsity: f64, std: f64 },
    ZerO,
    IdInit { tau: f64 },
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

impl Initializer {
    pub(super) fn kind(&self, fan_in: usize, fan_out: usize) -> Kind {
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
            I::HeNormal | I::ZeroBranch => vs(2.0, FanIn, Tn),
            I::LecunUniform => vs(1.0, FanIn, Un),
            I::LecunNormal => vs(1.0, FanIn, Tn),
            I::Orthogonal | I::CriticalOrthogonal | I::Lsuv { .. } => Kind::Orthogonal,
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
            I::ZerO => Kind::ZerO,
            I::IdInit { tau } => Kind::IdInit { tau },
            // The released code's nn.init.normal_(std = sqrt(2 / fan)) for every layer it does
            // not zero (hongyi-zhang/Fixup, fixup_resnet_cifar.py); square layers have one fan.
            I::Fixup => Kind::Iid(Law::Normal {
                mean: 0.0,
                sd: (2.0 / fan_in as f64).sqrt(),
            }),
            I::GradInit { ref base, .. } | I::MetaInit { ref base, .. } => {
                base.kind(fan_in, fan_out)
            }
        }
    }
    /// Weight variance × fan_in for a fan-in variance-scaling initializer (Keras
    /// `variance_scaling` with `mode = "fan_in"`, LeCun's, He's): the σ_w² of mean-field
    /// theory at gain 1. `None` for every other initializer.
    pub fn fan_in_scale(&self) -> Option<f64> {
        match *self {
            Initializer::VarianceScaling {
                scale,
                mode: FanMode::FanIn,
                ..
            } => Some(scale),
            Initializer::LecunNormal | Initializer::LecunUniform => Some(1.0),
            Initializer::HeNormal | Initializer::HeUniform => Some(2.0),
            _ => None,
        }
    }

    /// The variance of a bias drawn by this initializer (before the gain), when it is
    /// zero-mean i.i.d.: the σ_b² of mean-field theory at gain 1.
    pub fn bias_variance(&self) -> Option<f64> {
        match *self {
            Initializer::Zeros => Some(0.0),
            Initializer::Constant { value: 0.0 } => Some(0.0),
            Initializer::RandomNormal { mean: 0.0, stddev } => Some(stddev * stddev),
            Initializer::RandomUniform { minval, maxval } if minval == -maxval => {
                Some(maxval * maxval / 3.0)
            }
            _ => None,
        }
    }
}
