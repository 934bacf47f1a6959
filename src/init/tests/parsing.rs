//! Names, parameters and labels: which initializers may fill biases, what parsing rejects, and
//! labels that round-trip with the catalogue's defaults.

use super::*;

#[test]
fn bias_rules() {
    let matrix_only = [
        "orthogonal",
        "critical_orthogonal",
        "identity",
        "sparse",
        "lsuv",
        "zer_o",
        "idinit",
        "fixup",
        "zero_branch",
        "gradinit",
        "metainit",
    ];
    for name in matrix_only {
        let i = init(name, &[]);
        let err = i.check_bias().unwrap_err();
        assert!(err.contains(name) && err.contains("bias"), "{err}");
        assert!(i.sample_bias(3, 3, 1.0, &mut rng::stream(0, 0)).is_err());
    }
    for e in CATALOGUE {
        let i = init(e.name, &[]);
        let bias_ok = !matrix_only.contains(&e.name);
        assert_eq!(i.check_bias().is_ok(), bias_ok, "{}", e.name);
        let learned = ["lsuv", "gradinit", "metainit"];
        assert_eq!(i.is_data_dependent(), learned.contains(&e.name));
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
            "gradinit",
            vec![("base", s("lsuv"))],
            vec!["base", "lsuv", "depends on data"],
        ),
        (
            "metainit",
            vec![("base", s("he_nromal"))],
            vec!["base", "he_nromal", "he_normal"],
        ),
        (
            "gradinit",
            vec![("gamma", num(0.0))],
            vec!["gamma", "positive"],
        ),
        ("metainit", vec![("steps", num(0.0))], vec!["steps", "≥ 1"]),
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
        init(
            "gradinit",
            &[("base", s("glorot_normal")), ("iters", num(20.0))],
        ),
        init("metainit", &[("lr", num(0.05)), ("batch", num(32.0))]),
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
