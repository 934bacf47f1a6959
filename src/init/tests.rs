//! Tests for the initializers, in the spirit of PyTorch's `TestNNInit` (test/test_nn.py /
//! test/nn/test_init.py) and Keras's `initializers_test.py`, but with power: every i.i.d.
//! initializer is KS-tested on ≥ 10,000 samples in both layouts against its formula, written
//! out again here rather than read from the code under test, and the tests show that a 5%
//! error in scale, a fan mixup and a missing truncation are all rejected.

use super::orthogonal::{householder_qr, transpose};
use super::*;
use crate::params::Value;
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

type Formula = fn(f64, f64) -> Expect;

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

/// Every i.i.d. initializer with its law as a function of (fan_in, fan_out), from the sources
/// named in init.rs.
fn iid_cases() -> Vec<(Initializer, Formula)> {
    vec![
        (
            init("random_normal", &[("mean", num(0.3)), ("stddev", num(0.2))]),
            |_, _| Expect::Normal { mean: 0.3, sd: 0.2 },
        ),
        (init("random_normal", &[]), |_, _| normal0(0.05)),
        (
            init(
                "random_uniform",
                &[("minval", num(-0.2)), ("maxval", num(0.5))],
            ),
            |_, _| Expect::Uniform { lo: -0.2, hi: 0.5 },
        ),
        (init("random_uniform", &[]), |_, _| sym(0.05)),
        (
            init(
                "truncated_normal",
                &[("mean", num(0.1)), ("stddev", num(0.3))],
            ),
            |_, _| Expect::Truncated { mean: 0.1, sd: 0.3 },
        ),
        (init("truncated_normal", &[]), |_, _| Expect::Truncated {
            mean: 0.0,
            sd: 0.05,
        }),
        (init("variance_scaling", &[]), |fi, _| {
            trunc0((1.0 / fi).sqrt())
        }),
        (
            init(
                "variance_scaling",
                &[
                    ("scale", num(2.5)),
                    ("mode", s("fan_out")),
                    ("distribution", s("untruncated_normal")),
                ],
            ),
            |_, fo| normal0((2.5 / fo).sqrt()),
        ),
        (
            init(
                "variance_scaling",
                &[
                    ("scale", num(0.5)),
                    ("mode", s("fan_avg")),
                    ("distribution", s("uniform")),
                ],
            ),
            |fi, fo| sym((3.0 * 0.5 / ((fi + fo) / 2.0)).sqrt()),
        ),
        (
            init("variance_scaling", &[("mode", s("fan_out"))]),
            |_, fo| trunc0((1.0 / fo).sqrt()),
        ),
        (
            init(
                "variance_scaling",
                &[("scale", num(3.0)), ("mode", s("fan_avg"))],
            ),
            |fi, fo| trunc0((6.0 / (fi + fo)).sqrt()),
        ),
        (
            init("variance_scaling", &[("distribution", s("uniform"))]),
            |fi, _| sym((3.0 / fi).sqrt()),
        ),
        (init("glorot_uniform", &[]), |fi, fo| {
            sym((6.0 / (fi + fo)).sqrt())
        }),
        (init("glorot_normal", &[]), |fi, fo| {
            trunc0((2.0 / (fi + fo)).sqrt())
        }),
        (init("he_uniform", &[]), |fi, _| sym((6.0 / fi).sqrt())),
        (init("he_normal", &[]), |fi, _| trunc0((2.0 / fi).sqrt())),
        (init("lecun_uniform", &[]), |fi, _| sym((3.0 / fi).sqrt())),
        (init("lecun_normal", &[]), |fi, _| trunc0((1.0 / fi).sqrt())),
        (init("xavier_uniform", &[]), |fi, fo| {
            sym((6.0 / (fi + fo)).sqrt())
        }),
        (
            init("xavier_uniform", &[("nonlinearity", s("tanh"))]),
            |fi, fo| sym(5.0 / 3.0 * (6.0 / (fi + fo)).sqrt()),
        ),
        (init("xavier_normal", &[]), |fi, fo| {
            normal0((2.0 / (fi + fo)).sqrt())
        }),
        (
            init("xavier_normal", &[("nonlinearity", s("relu"))]),
            |fi, fo| normal0(2f64.sqrt() * (2.0 / (fi + fo)).sqrt()),
        ),
        // a = 0 with leaky_relu is gain √2: bound √2·√(3/fan) = √(6/fan).
        (init("kaiming_uniform", &[]), |fi, _| sym((6.0 / fi).sqrt())),
        (
            init(
                "kaiming_uniform",
                &[("mode", s("fan_out")), ("a", num(0.2))],
            ),
            |_, fo| sym((2.0 / 1.04f64).sqrt() * (3.0 / fo).sqrt()),
        ),
        (init("kaiming_normal", &[]), |fi, _| {
            normal0(2f64.sqrt() / fi.sqrt())
        }),
        (
            init(
                "kaiming_normal",
                &[("mode", s("fan_out")), ("nonlinearity", s("tanh"))],
            ),
            |_, fo| normal0(5.0 / 3.0 / fo.sqrt()),
        ),
        (init("torch_linear", &[]), |fi, _| sym(1.0 / fi.sqrt())),
    ]
}

const SHAPES: [(usize, usize, f64); 3] = [(20, 50, 1.0), (50, 20, 1.0), (64, 64, 1.7)];

#[test]
fn every_iid_initializer_follows_its_formula_in_both_layouts() {
    let mut seed = 100;
    for (i, formula) in iid_cases() {
        for (fi, fo, gain) in SHAPES {
            for layout in [Layout::InOut, Layout::OutIn] {
                seed += 1;
                let xs = draw(&i, fi, fo, layout, gain, seed, 10_000);
                let e = formula(fi as f64, fo as f64).scaled(gain);
                check(
                    &xs,
                    e,
                    &format!("{} {fi}x{fo} {layout:?} gain {gain}", i.label()),
                );
            }
        }
    }
}

#[test]
fn iid_initializers_also_fill_biases_by_the_keras_1d_rule() {
    // Keras compute_fans: a 1-D shape (units,) has fan_in = fan_out = units. torch_linear uses
    // the layer's fan_in instead (nn.Linear.reset_parameters).
    let mut seed = 900;
    for (i, formula) in iid_cases() {
        seed += 1;
        let (units, fan_in) = (30, 47);
        let mut rng = rng::stream(seed, 0);
        let mut xs = Vec::new();
        while xs.len() < 10_000 {
            xs.extend(i.sample_bias(units, fan_in, 1.3, &mut rng).unwrap());
        }
        let e = match i {
            Initializer::TorchLinear => formula(fan_in as f64, units as f64),
            _ => formula(units as f64, units as f64),
        };
        check(&xs, e.scaled(1.3), &format!("bias {}", i.label()));
    }
}

/// Draws `n` samples and returns the KS p-value against a (deliberately) different law.
fn p_against(i: &Initializer, fi: usize, fo: usize, e: Expect, n: usize) -> f64 {
    let xs = draw(i, fi, fo, Layout::InOut, 1.0, 7, n);
    ks_one_sample(&xs, |x| e.cdf(x)).p_value
}

#[test]
fn ks_rejects_a_five_percent_scale_error_in_every_family() {
    // 100,000 samples: at a 5% scale error D ≈ 0.012 (normal) to 0.024 (uniform), so
    // λ ≈ 3.8..7.6, far past Q_KS⁻¹(1e-4) ≈ 2.2. The same samples pass at the right scale.
    let n = 100_000;
    let (fi, fo) = (64, 64);
    let xn = init("xavier_normal", &[]);
    let sd = (2.0 / 128f64).sqrt();
    assert!(p_against(&xn, fi, fo, normal0(sd), n) > ALPHA);
    assert!(p_against(&xn, fi, fo, normal0(sd * 1.05), n) < ALPHA);
    let hu = init("he_uniform", &[]);
    let b = (6.0 / 64f64).sqrt();
    assert!(p_against(&hu, fi, fo, sym(b), n) > ALPHA);
    assert!(p_against(&hu, fi, fo, sym(b * 1.05), n) < ALPHA);
    let hn = init("he_normal", &[]);
    let st = (2.0 / 64f64).sqrt();
    assert!(p_against(&hn, fi, fo, trunc0(st), n) > ALPHA);
    assert!(p_against(&hn, fi, fo, trunc0(st * 1.05), n) < ALPHA);
    assert!(p_against(&hn, fi, fo, trunc0(st / 1.05), n) < ALPHA);
}

#[test]
fn ks_tells_truncated_from_untruncated_at_the_same_std() {
    let n = 100_000;
    let st = (2.0 / 64f64).sqrt();
    // Keras he_normal is truncated with final std st: an untruncated N(0, st²) must fail...
    let hn = init("he_normal", &[]);
    assert!(p_against(&hn, 64, 64, normal0(st), n) < ALPHA);
    // ...and so must the untruncated variant against the truncated law, and its tails exceed
    // ±2 of the parent sd.
    let un = init(
        "variance_scaling",
        &[
            ("scale", num(2.0)),
            ("distribution", s("untruncated_normal")),
        ],
    );
    assert!(p_against(&un, 64, 64, trunc0(st), n) < ALPHA);
    assert!(p_against(&un, 64, 64, normal0(st), n) > ALPHA);
    // Keras's truncated_normal has no correction: its final std is 0.88·stddev, not stddev.
    let tn = init("truncated_normal", &[("stddev", num(1.0))]);
    let xs = draw(&tn, 100, 100, Layout::InOut, 1.0, 8, n);
    let v = xs.iter().map(|x| x * x).sum::<f64>() / n as f64;
    assert!((v.sqrt() - K).abs() < 0.01, "{}", v.sqrt());
    assert!(ks_one_sample(&xs, |x| normal_cdf(x, 0.0, K)).p_value < ALPHA);
}

#[test]
fn ks_catches_a_fan_in_fan_out_mixup() {
    for layout in [Layout::InOut, Layout::OutIn] {
        let (fi, fo) = (10, 90);
        let he = init("he_normal", &[]);
        let xs = draw(&he, fi, fo, layout, 1.0, 21, 10_000);
        let right = trunc0((2.0 / fi as f64).sqrt());
        let wrong = trunc0((2.0 / fo as f64).sqrt());
        assert!(ks_one_sample(&xs, |x| right.cdf(x)).p_value > ALPHA);
        assert!(ks_one_sample(&xs, |x| wrong.cdf(x)).p_value < ALPHA);
        // The same He scale keyed to fan_out through variance_scaling.
        let vs = init(
            "variance_scaling",
            &[("scale", num(2.0)), ("mode", s("fan_out"))],
        );
        let xs = draw(&vs, fi, fo, layout, 1.0, 22, 10_000);
        assert!(ks_one_sample(&xs, |x| wrong.cdf(x)).p_value > ALPHA);
        assert!(ks_one_sample(&xs, |x| right.cdf(x)).p_value < ALPHA);
        // kaiming mode=fan_out reads fan_out, not the layout's row count.
        let kn = init("kaiming_normal", &[("mode", s("fan_out"))]);
        let xs = draw(&kn, fi, fo, layout, 1.0, 23, 10_000);
        let sd_out = normal0(2f64.sqrt() / (fo as f64).sqrt());
        let sd_in = normal0(2f64.sqrt() / (fi as f64).sqrt());
        assert!(ks_one_sample(&xs, |x| sd_out.cdf(x)).p_value > ALPHA);
        assert!(ks_one_sample(&xs, |x| sd_in.cdf(x)).p_value < ALPHA);
    }
}

#[test]
fn exact_constants() {
    // Keras's correction, recomputed from the truncated-normal variance (statrs).
    let (_, v) = truncated_normal_mean_var(0.0, 1.0, -2.0, 2.0);
    assert!((v.sqrt() - TRUNCATED_STD).abs() < 1e-12);
    // calculate_gain's table, torch/nn/init.py docstring.
    for name in [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
    ] {
        assert_eq!(calculate_gain(name, None).unwrap(), 1.0, "{name}");
    }
    assert_eq!(calculate_gain("tanh", None).unwrap(), 5.0 / 3.0);
    assert_eq!(calculate_gain("relu", None).unwrap(), 2f64.sqrt());
    assert_eq!(calculate_gain("selu", None).unwrap(), 0.75);
    assert_eq!(
        calculate_gain("leaky_relu", None).unwrap(),
        (2.0 / 1.0001f64).sqrt()
    );
    assert_eq!(
        calculate_gain("leaky_relu", Some(0.0)).unwrap(),
        2f64.sqrt()
    );
    assert!(
        (calculate_gain("leaky_relu", Some(0.2)).unwrap() - 1.386_750_490_563_073).abs() < 1e-15
    );
    let err = calculate_gain("gelu", None).unwrap_err();
    assert!(
        err.contains("gelu") && err.contains("leaky_relu") && err.contains("selu"),
        "{err}"
    );

    // Scales at fans (20, 50), evaluated by hand with Python's math module:
    // sqrt(2/70) = 0.1690308509457033, sqrt(2)/sqrt(20) = 0.31622776601683794,
    // sqrt(6/20) = 0.5477225575051661, 1/sqrt(20) = 0.22360679774997896.
    let law = |name: &str, ps: &[(&str, Value)]| match init(name, ps).kind(20, 50) {
        Kind::Iid(l) => l,
        _ => panic!("{name} is not i.i.d."),
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-15;
    let Law::Normal { sd, .. } = law("xavier_normal", &[]) else {
        panic!()
    };
    assert!(close(sd, 0.169_030_850_945_703_3));
    let Law::Normal { sd, .. } = law("kaiming_normal", &[]) else {
        panic!()
    };
    assert!(close(sd, 0.316_227_766_016_837_94));
    let Law::Uniform { hi, .. } = law("kaiming_uniform", &[]) else {
        panic!()
    };
    assert!(close(hi, 0.547_722_557_505_166_1));
    let Law::Uniform { lo, hi } = law("torch_linear", &[]) else {
        panic!()
    };
    assert!(close(hi, 0.223_606_797_749_978_96) && lo == -hi);
    // nn.Linear's default is kaiming_uniform_(a=√5): the same bound, up to rounding.
    let Law::Uniform { hi: k5, .. } = law("kaiming_uniform", &[("a", num(5f64.sqrt()))]) else {
        panic!()
    };
    assert!((k5 - hi).abs() < 1e-15, "{k5} vs {hi}");
}

#[test]
fn torch_linear_bias_uses_the_layer_fan_in() {
    let i = init("torch_linear", &[]);
    let mut rng = rng::stream(5, 0);
    let b = i.sample_bias(10_000, 37, 1.0, &mut rng).unwrap();
    let bound = 1.0 / 37f64.sqrt();
    assert!(b.iter().all(|x| x.abs() < bound));
    assert!(b.iter().any(|x| x.abs() > 0.99 * bound));
    // fan_in = 0: PyTorch sets the bound to 0.
    assert_eq!(i.sample_bias(3, 0, 1.0, &mut rng).unwrap(), vec![0.0; 3]);
}

fn gram(w: &[f64], rows: usize, cols: usize, of_columns: bool) -> Vec<f64> {
    // WᵀW (cols × cols) when of_columns, else WWᵀ (rows × rows).
    let (d, len) = if of_columns {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let at = |k: usize, i: usize| {
        if of_columns {
            w[k * cols + i]
        } else {
            w[i * cols + k]
        }
    };
    let mut g = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            g[i * d + j] = (0..len).map(|k| at(k, i) * at(k, j)).sum();
        }
    }
    g
}

#[test]
fn orthogonal_is_orthogonal_in_every_shape_and_layout() {
    let o = init("orthogonal", &[]);
    for (fi, fo) in [(50, 20), (20, 50), (32, 32)] {
        for layout in [Layout::InOut, Layout::OutIn] {
            for gain in [1.0, 1.7] {
                let (rows, cols) = layout.shape(fi, fo);
                let w = o.sample(fi, fo, layout, gain, &mut rng::stream(3, 0));
                assert_eq!(w.len(), rows * cols);
                let tall = rows >= cols;
                let g = gram(&w, rows, cols, tall);
                let d = rows.min(cols);
                for i in 0..d {
                    for j in 0..d {
                        let want = if i == j { gain * gain } else { 0.0 };
                        assert!(
                            (g[i * d + j] - want).abs() < 1e-10,
                            "{fi}x{fo} {layout:?}: ({i},{j}) = {}",
                            g[i * d + j]
                        );
                    }
                }
                // Random: another seed gives another matrix, and columns differ.
                let w2 = o.sample(fi, fo, layout, gain, &mut rng::stream(4, 0));
                assert!(w.iter().zip(&w2).any(|(a, b)| (a - b).abs() > 1e-3));
                assert!((1..cols).any(|j| (0..rows).any(|r| w[r * cols + j] != w[r * cols])));
            }
        }
    }
}

#[test]
fn householder_qr_reproduces_its_input_with_a_positive_diagonal() {
    // The sign fix is what makes Q Haar (Mezzadri 2007): R's diagonal must be > 0 and QR = A.
    let (m, n) = (9, 5);
    let mut r = rng::stream(9, 0);
    let a: Vec<f64> = (0..m * n).map(|_| rng::normal(&mut r)).collect();
    let (q, rr) = householder_qr(&a, m, n);
    for i in 0..n {
        assert!(rr[i * n + i] > 0.0);
        for j in 0..i {
            assert_eq!(rr[i * n + j], 0.0);
        }
    }
    for i in 0..m {
        for j in 0..n {
            let qr: f64 = (0..n).map(|k| q[i * n + k] * rr[k * n + j]).sum();
            assert!((qr - a[i * n + j]).abs() < 1e-12);
        }
    }
    // With a positive diagonal, Q's first column is A's first column normalized.
    let norm = (0..m).map(|i| a[i * n].powi(2)).sum::<f64>().sqrt();
    assert!((0..m).all(|i| (q[i * n] - a[i * n] / norm).abs() < 1e-12));
}

#[test]
fn deterministic_initializers_are_exact() {
    let mut rng = rng::stream(1, 0);
    let eye = init("identity", &[]);
    let w = eye.sample(3, 5, Layout::InOut, 2.0, &mut rng);
    let want: Vec<f64> = (0..15)
        .map(|k| if k / 5 == k % 5 { 2.0 } else { 0.0 })
        .collect();
    assert_eq!(w, want);
    let w = eye.sample(3, 5, Layout::OutIn, 1.0, &mut rng);
    let want: Vec<f64> = (0..15)
        .map(|k| if k / 3 == k % 3 { 1.0 } else { 0.0 })
        .collect();
    assert_eq!(w, want);
    assert_eq!(
        init("zeros", &[]).sample(4, 3, Layout::InOut, 2.0, &mut rng),
        vec![0.0; 12]
    );
    assert_eq!(
        init("ones", &[]).sample(4, 3, Layout::OutIn, 2.0, &mut rng),
        vec![2.0; 12]
    );
    let c = init("constant", &[("value", num(0.3))]);
    assert_eq!(c.sample(2, 3, Layout::InOut, 2.0, &mut rng), vec![0.6; 6]);
    assert_eq!(c.sample_bias(4, 9, 2.0, &mut rng).unwrap(), vec![0.6; 4]);
    assert_eq!(
        init("ones", &[]).sample_bias(2, 9, 1.0, &mut rng).unwrap(),
        vec![1.0; 2]
    );
}

#[test]
fn sparse_zeros_exactly_ceil_sparsity_rows_per_column() {
    let sp = init("sparse", &[("sparsity", num(0.3)), ("std", num(0.2))]);
    let (fi, fo) = (40, 25); // torch view [fan_out, fan_in] = 25 × 40; ceil(0.3·25) = 8
    let mut nonzero = Vec::new();
    let mut seed = 0;
    while nonzero.len() < 10_000 {
        seed += 1;
        let w = sp.sample(fi, fo, Layout::OutIn, 1.0, &mut rng::stream(seed, 0));
        for c in 0..fi {
            let zeros = (0..fo).filter(|&r| w[r * fi + c] == 0.0).count();
            assert_eq!(zeros, 8, "column {c}");
        }
        let t = sp.sample(fi, fo, Layout::InOut, 1.0, &mut rng::stream(seed, 0));
        assert_eq!(t, transpose(&w, fo, fi));
        nonzero.extend(w.into_iter().filter(|&x| x != 0.0));
    }
    check(&nonzero, normal0(0.2), "sparse nonzeros");
    // Zero columns are not all in the same rows (the permutation is random per column).
    let w = sp.sample(fi, fo, Layout::OutIn, 1.0, &mut rng::stream(99, 0));
    let pattern = |c: usize| (0..fo).map(|r| w[r * fi + c] == 0.0).collect::<Vec<_>>();
    assert!((1..fi).any(|c| pattern(c) != pattern(0)));
}

#[test]
fn same_seed_same_weights_other_stream_other_weights() {
    for e in CATALOGUE {
        let i = init(e.name, &[]);
        let a = i.sample(12, 7, Layout::InOut, 1.0, &mut rng::stream(42, 3));
        let b = i.sample(12, 7, Layout::InOut, 1.0, &mut rng::stream(42, 3));
        assert_eq!(a, b, "{}", e.name);
        let c = i.sample(12, 7, Layout::InOut, 1.0, &mut rng::stream(42, 4));
        let fixed = ["zeros", "ones", "constant", "identity"].contains(&e.name);
        assert_eq!(a == c, fixed, "{}", e.name);
    }
}

fn tanh(x: f64) -> f64 {
    x.tanh()
}

fn relu(x: f64) -> f64 {
    x.max(0.0)
}

#[test]
fn lsuv_brings_every_layer_to_the_target_variance() {
    let dims = [16, 32, 24, 4];
    let n = 256;
    let mut r = rng::stream(77, 0);
    let x: Vec<f64> = (0..n * dims[0])
        .map(|_| 3.0 * rng::normal(&mut r))
        .collect();
    let ls = init("lsuv", &[("tol", num(0.01))]);
    let Initializer::Lsuv { tol, max_iter } = ls else {
        panic!()
    };
    for (act, gain) in [
        (tanh as fn(f64) -> f64, 5.0 / 3.0),
        (relu, 2f64.sqrt()),
        (tanh, 1.0),
    ] {
        let mut ws: Vec<Vec<f64>> = (0..3)
            .map(|l| ls.sample(dims[l], dims[l + 1], Layout::InOut, gain, &mut r))
            .collect();
        let bs: Vec<Vec<f64>> = (0..3)
            .map(|l| {
                (0..dims[l + 1])
                    .map(|_| 0.1 * rng::normal(&mut r))
                    .collect()
            })
            .collect();
        let used = lsuv(&mut ws, &bs, &dims, &x, n, &act, gain, tol, max_iter);
        assert_eq!(used.len(), 3);
        assert!(
            used.iter().all(|&u| (1..=max_iter).contains(&u)),
            "{used:?}"
        );
        // Recompute the pre-activations independently of lsuv's own loop.
        let mut h = x.clone();
        for l in 0..3 {
            let b = lsuv::affine(&h, n, &ws[l], &bs[l], dims[l], dims[l + 1]);
            let v = lsuv::variance(&b);
            assert!(
                (v - gain * gain).abs() < tol,
                "layer {l}: var {v} vs {}",
                gain * gain
            );
            h = b.into_iter().map(act).collect();
        }
    }
}

#[test]
fn lsuv_stops_at_max_iter_and_leaves_dead_layers_alone() {
    let dims = [8, 8];
    let n = 32;
    let mut r = rng::stream(78, 0);
    let x: Vec<f64> = (0..n * 8).map(|_| rng::normal(&mut r)).collect();
    let w0 = init("lsuv", &[]).sample(8, 8, Layout::InOut, 1.0, &mut r);
    // A bias whose own variance (≈ 4) exceeds the target 1 cannot be scaled away.
    let big: Vec<f64> = (0..8)
        .map(|k| if k % 2 == 0 { 2.0 } else { -2.0 })
        .collect();
    let mut ws = vec![w0.clone()];
    assert_eq!(
        lsuv(&mut ws, &[big], &dims, &x, n, &tanh, 1.0, 0.1, 3),
        vec![3]
    );
    // All-zero input and bias: Var(B) = 0, nothing to rescale.
    let mut ws = vec![w0.clone()];
    let zeros = vec![0.0; n * 8];
    assert_eq!(
        lsuv(
            &mut ws,
            &[vec![0.0; 8]],
            &dims,
            &zeros,
            n,
            &tanh,
            1.0,
            0.1,
            10
        ),
        vec![0]
    );
    assert_eq!(ws[0], w0);
}

#[test]
fn bias_rules() {
    for name in ["orthogonal", "identity", "sparse", "lsuv"] {
        let i = init(name, &[]);
        let err = i.check_bias().unwrap_err();
        assert!(err.contains(name) && err.contains("bias"), "{err}");
        assert!(i.sample_bias(3, 3, 1.0, &mut rng::stream(0, 0)).is_err());
    }
    for e in CATALOGUE {
        let i = init(e.name, &[]);
        let bias_ok = !["orthogonal", "identity", "sparse", "lsuv"].contains(&e.name);
        assert_eq!(i.check_bias().is_ok(), bias_ok, "{}", e.name);
        assert_eq!(i.is_data_dependent(), e.name == "lsuv");
    }
}

fn parse_err(name: &str, ps: &[(&str, Value)]) -> String {
    let mut p = Params::new("initializer", name);
    for (k, v) in ps {
        p = p.with(k, v.clone());
    }
    Initializer::parse(p).unwrap_err()
}

#[test]
fn parse_rejects_unknown_names_and_impossible_values() {
    let err = parse_err("he_nromal", &[]);
    assert!(
        err.contains("he_nromal") && err.contains("he_normal") && err.contains("lsuv"),
        "{err}"
    );
    for (name, ps, words) in [
        (
            "random_normal",
            vec![("stddev", num(0.0))],
            vec!["stddev", "positive"],
        ),
        (
            "truncated_normal",
            vec![("stddev", num(-1.0))],
            vec!["stddev", "positive"],
        ),
        (
            "random_uniform",
            vec![("minval", num(1.0)), ("maxval", num(1.0))],
            vec!["minval", "maxval"],
        ),
        (
            "sparse",
            vec![("sparsity", num(1.0))],
            vec!["sparsity", "[0, 1)"],
        ),
        ("sparse", vec![("sparsity", num(-0.1))], vec!["sparsity"]),
        ("sparse", vec![("std", num(0.0))], vec!["std", "positive"]),
        (
            "variance_scaling",
            vec![("scale", num(0.0))],
            vec!["scale", "positive"],
        ),
        (
            "variance_scaling",
            vec![("mode", s("fan_sum"))],
            vec!["mode", "fan_in, fan_out, fan_avg", "fan_sum"],
        ),
        (
            "variance_scaling",
            vec![("distribution", s("normal"))],
            vec![
                "distribution",
                "truncated_normal, untruncated_normal, uniform",
            ],
        ),
        (
            "kaiming_normal",
            vec![("mode", s("fan_avg"))],
            vec!["mode", "fan_in, fan_out"],
        ),
        (
            "xavier_uniform",
            vec![("nonlinearity", s("gelu"))],
            vec!["gelu", "tanh", "relu"],
        ),
        ("lsuv", vec![("tol", num(0.0))], vec!["tol", "positive"]),
        (
            "lsuv",
            vec![("max_iter", num(0.0))],
            vec!["max_iter", "≥ 1"],
        ),
        (
            "zeros",
            vec![("value", num(1.0))],
            vec!["unknown parameter `value`"],
        ),
        (
            "he_normal",
            vec![("scale", num(2.0))],
            vec!["unknown parameter `scale`"],
        ),
    ] {
        let err = parse_err(name, &ps);
        assert!(err.contains(name), "{err}");
        for w in words {
            assert!(err.contains(w), "{name}: `{w}` missing from: {err}");
        }
    }
}

/// Reads "name(k=v,...)" back into Params, numbers where they parse.
fn params_from_label(label: &str) -> Params {
    let (name, rest) = label.split_once('(').unwrap_or((label, ""));
    let mut p = Params::new("initializer", name);
    for kv in rest
        .trim_end_matches(')')
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let (k, v) = kv.trim().split_once('=').unwrap();
        p = p.with(k, v.parse().map(Value::Num).unwrap_or_else(|_| s(v)));
    }
    p
}

#[test]
fn labels_round_trip_and_defaults_are_bare_names() {
    for e in CATALOGUE {
        let i = init(e.name, &[]);
        assert_eq!(i.label(), e.name);
        // The catalogue's parameter text states the defaults the code uses.
        let written = if e.params.is_empty() {
            e.name.to_string()
        } else {
            format!("{}({})", e.name, e.params)
        };
        assert_eq!(
            Initializer::parse(params_from_label(&written)).unwrap(),
            i,
            "{}",
            e.name
        );
    }
    for i in [
        init("constant", &[("value", num(-1.5))]),
        init("random_normal", &[("stddev", num(1e-8))]),
        init("random_uniform", &[("minval", num(-1.0))]),
        init(
            "variance_scaling",
            &[("mode", s("fan_avg")), ("distribution", s("uniform"))],
        ),
        init(
            "kaiming_uniform",
            &[("a", num(5f64.sqrt())), ("nonlinearity", s("relu"))],
        ),
        init("xavier_normal", &[("nonlinearity", s("tanh"))]),
        init("sparse", &[("sparsity", num(0.25))]),
        init("lsuv", &[("max_iter", num(3.0)), ("tol", num(0.05))]),
    ] {
        let l = i.label();
        assert!(l.contains('('), "{l}");
        assert_eq!(Initializer::parse(params_from_label(&l)).unwrap(), i, "{l}");
    }
    assert_eq!(
        init("random_normal", &[("stddev", num(1.0))]).label(),
        "random_normal(stddev=1)"
    );
    assert_eq!(
        init("kaiming_normal", &[("mode", s("fan_out"))]).label(),
        "kaiming_normal(mode=fan_out)"
    );
}

#[test]
fn empty_layers_give_empty_matrices() {
    let mut rng = rng::stream(0, 0);
    for e in CATALOGUE {
        let i = init(e.name, &[]);
        assert!(
            i.sample(0, 5, Layout::InOut, 1.0, &mut rng).is_empty(),
            "{}",
            e.name
        );
        assert!(
            i.sample(5, 0, Layout::OutIn, 1.0, &mut rng).is_empty(),
            "{}",
            e.name
        );
    }
}
