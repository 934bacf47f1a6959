//! Tests for the initializers, in the spirit of PyTorch's `TestNNInit` (test/test_nn.py /
//! test/nn/test_init.py) and Keras's `initializers_test.py`, but with power: every i.i.d.
//! initializer is KS-tested on ≥ 10,000 samples in both layouts against its formula, written
//! out again here rather than read from the code under test, and the tests show that a 5%
//! error in scale, a fan mixup and a missing truncation are all rejected.
//!
//! This file holds what every test file shares: building an initializer from a name, the law a
//! test expects, and the KS-and-moments check; the tests themselves are split by what they test.

mod laws;
mod matrices;
mod parsing;
mod rescale;

use super::*;
use crate::params::{Params, Value};
use crate::rng;
use crate::stats::{
    ks_one_sample, normal_cdf, truncated_normal_cdf, truncated_normal_mean_var, uniform_cdf,
};

const ALPHA: f64 = 1e-4;
const K: f64 = TRUNCATED_STD;

fn init(name: &str, ps: &[(&str, Value)]) -> Initializer {
    let mut p = Params::new("initializer", name);
    for (k, v) in ps {
        p = p.with(k, v.clone());
    }
    Initializer::parse(p).unwrap_or_else(|e| panic!("{e}"))
}

fn num(x: f64) -> Value {
    Value::Num(x)
}

fn s(x: &str) -> Value {
    Value::Str(x.to_string())
}

/// The law a test expects, after the gain.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Normal {
        mean: f64,
        sd: f64,
    },
    Uniform {
        lo: f64,
        hi: f64,
    },
    /// Parent N(mean, sd²) cut at mean ± 2·sd.
    Truncated {
        mean: f64,
        sd: f64,
    },
}

impl Expect {
    fn scaled(self, g: f64) -> Self {
        match self {
            Expect::Normal { mean, sd } => Expect::Normal {
                mean: mean * g,
                sd: sd * g,
            },
            Expect::Uniform { lo, hi } => Expect::Uniform {
                lo: lo * g,
                hi: hi * g,
            },
            Expect::Truncated { mean, sd } => Expect::Truncated {
                mean: mean * g,
                sd: sd * g,
            },
        }
    }

    fn cdf(self, x: f64) -> f64 {
        match self {
            Expect::Normal { mean, sd } => normal_cdf(x, mean, sd),
            Expect::Uniform { lo, hi } => uniform_cdf(x, lo, hi),
            Expect::Truncated { mean, sd } => {
                truncated_normal_cdf(x, mean, sd, mean - 2.0 * sd, mean + 2.0 * sd)
            }
        }
    }

    /// Mean, variance and fourth central moment.
    fn moments(self) -> (f64, f64, f64) {
        match self {
            Expect::Normal { mean, sd } => (mean, sd * sd, 3.0 * sd.powi(4)),
            Expect::Uniform { lo, hi } => {
                let w = hi - lo;
                ((lo + hi) / 2.0, w * w / 12.0, w.powi(4) / 80.0)
            }
            Expect::Truncated { mean, sd } => {
                let (_, var) = truncated_normal_mean_var(0.0, 1.0, -2.0, 2.0);
                // E[Z⁴] on [−a, a] by parts: 3·E[Z²] − 2a³φ(a)/(2Φ(a) − 1), a = 2.
                let phi = (-2.0f64).exp() / std::f64::consts::TAU.sqrt();
                let z = 2.0 * normal_cdf(2.0, 0.0, 1.0) - 1.0;
                let m4 = 3.0 * var - 2.0 * 8.0 * phi / z;
                (mean, var * sd * sd, m4 * sd.powi(4))
            }
        }
    }
}

/// KS at p > 1e-4, mean and variance within 5 standard errors, and the support.
fn check(xs: &[f64], e: Expect, what: &str) {
    assert!(xs.len() >= 10_000, "{what}: only {} samples", xs.len());
    let ks = ks_one_sample(xs, |x| e.cdf(x));
    assert!(ks.p_value > ALPHA, "{what}: KS {ks:?} against {e:?}");
    let n = xs.len() as f64;
    let (mu, var, m4) = e.moments();
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    assert!(
        (m - mu).abs() < 5.0 * (var / n).sqrt(),
        "{what}: mean {m} vs {mu}"
    );
    let se_var = ((m4 - var * var) / n).sqrt();
    assert!((v - var).abs() < 5.0 * se_var, "{what}: var {v} vs {var}");
    match e {
        Expect::Uniform { lo, hi } => {
            assert!(
                xs.iter().all(|&x| lo <= x && x < hi),
                "{what}: outside [lo, hi)"
            )
        }
        Expect::Truncated { mean, sd } => assert!(
            xs.iter()
                .all(|&x| (x - mean).abs() <= 2.0 * sd * (1.0 + 1e-12)),
            "{what}: outside mean ± 2sd"
        ),
        Expect::Normal { .. } => {}
    }
}

/// Whole matrices from one stream until there are at least `at_least` values.
fn draw(
    i: &Initializer,
    fi: usize,
    fo: usize,
    layout: Layout,
    gain: f64,
    seed: u64,
    at_least: usize,
) -> Vec<f64> {
    let mut rng = rng::stream(seed, 0);
    let mut xs = Vec::with_capacity(at_least + fi * fo);
    while xs.len() < at_least {
        let w = i.sample(fi, fo, layout, gain, &mut rng);
        assert_eq!(w.len(), fi * fo);
        xs.extend(w);
    }
    xs
}

fn sym(b: f64) -> Expect {
    Expect::Uniform { lo: -b, hi: b }
}

fn normal0(sd: f64) -> Expect {
    Expect::Normal { mean: 0.0, sd }
}

/// A Keras variance-scaling truncated normal whose *final* std is `std`.
fn trunc0(std: f64) -> Expect {
    Expect::Truncated {
        mean: 0.0,
        sd: std / K,
    }
}
