//! Every i.i.d. initializer against its published formula, and the KS test's power to tell a
//! wrong scale, a fan mixup or a missing truncation; plus the exact constants the formulas use.

use super::*;
use crate::init::formula::Kind;
use crate::init::law::Law;

type Formula = fn(f64, f64) -> Expect;

/// Every i.i.d. initializer with its law as a function of (fan_in, fan_out), from the sources
/// named in the catalogue.
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
