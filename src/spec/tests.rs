use super::*;

fn parse(text: &str) -> Result<Spec> {
    Spec::from_str(text, "t.toml", "t", Path::new("specs"))
}

fn err(text: &str) -> String {
    match parse(text) {
        Err(Error::Input(m)) => m,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn defaults_fill_an_empty_spec() {
    let s = parse("").unwrap();
    assert_eq!(s.name, "t");
    assert_eq!(s.epochs, defaults::EPOCHS);
    assert_eq!(s.depths, vec![1]);
    assert_eq!(s.trial_count(), 1);
    assert_eq!(s.target.train_acc, Some(1.0));
    assert_eq!(s.batch_size, None);
}

#[test]
fn reads_axes_and_tables() {
    let s = parse(
        r#"
        name = "x"
        replicates = 3
        depth = [1, 2]
        initializer = ["zeros", { name = "random_normal", stddev = 1 }]
        dataset = ["xor", { csv = "data/my.csv", label = "y" }]
        optimizer = [{ name = "sgd", lr = 1.0 }]
        target = { train_loss = 0.01 }
        "#,
    )
    .unwrap();
    assert_eq!(s.trial_count(), 3 * 2 * 2 * 2);
    assert_eq!(s.initializers[1].label(), "random_normal(stddev=1)");
    assert_eq!(
        s.datasets[1],
        DatasetSpec::Csv {
            path: PathBuf::from("specs/data/my.csv"),
            label: "y".into()
        }
    );
    assert_eq!(
        s.target,
        Target {
            train_loss: Some(0.01),
            train_acc: None
        }
    );
}

#[test]
fn errors_name_the_line_and_the_field() {
    let m = err("epochs = 10\ndepth = [1, 0]\n");
    assert!(
        m.starts_with("t.toml:2:13: depth: must be between 1"),
        "{m}"
    );
    let m = err("depth = []\n");
    assert!(m.contains("t.toml:1:9: depth: the list is empty"), "{m}");
    let m = err("activation = [\"relu\", \"sigmoud\"]\n");
    assert!(
        m.contains("t.toml:1:23: activation: unknown activation `sigmoud`"),
        "{m}"
    );
    assert!(m.contains("sigmoid"), "{m}");
    let m = err("optimizer = [{ name = \"sgd\", lr = 0 }]\n");
    assert!(
        m.contains("t.toml:1:14: optimizer: optimizer `sgd`: lr must be > 0"),
        "{m}"
    );
    let m = err("depht = [1]\n");
    assert!(
        m.contains("unknown field `depht`") && m.contains("line 1"),
        "{m}"
    );
    let m = err("epochs = \"many\"\n");
    assert!(m.contains("line 1") && m.contains("t.toml"), "{m}");
    let m = err("depth = [1, 1]\n");
    assert!(m.contains("depth: 1 appears twice"), "{m}");
    let m = err("loss = \"cross_entropy\"\noutput_activation = \"linear\"\n");
    assert!(
        m.contains("t.toml:2:21:") && m.contains("cross_entropy"),
        "{m}"
    );
    let m = err("replicates = 0\n");
    assert!(m.contains("replicates: must be between 1"), "{m}");
    let m = err("target = {}\n");
    assert!(m.contains("target: give train_loss"), "{m}");
    let m = err("depth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nwidth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nreplicates = 1000000\n");
    assert!(m.contains("more than the limit"), "{m}");
    let m = err("name = \"../evil\"\n");
    assert!(m.contains("name:"), "{m}");
    let m = err("depth = [1\n");
    assert!(m.contains("t.toml") && m.contains("line 1"), "{m}");
}

#[test]
fn json_is_stable_and_complete() {
    let a = parse("depth = [2]\n").unwrap().to_json();
    let b = parse("# a comment\ndepth = [ 2 ]\n").unwrap().to_json();
    assert_eq!(a, b);
    assert_eq!(a["depth"], serde_json::json!([2]));
    assert_eq!(a["loss"], "cross_entropy");
    assert!(a.get("record_layers").is_none());
    let c = parse("depth = [2]\nrecord_layers = true\n").unwrap();
    assert!(c.record_layers);
    assert_eq!(c.to_json()["record_layers"], true);
    assert_ne!(c.to_json(), a);
    assert!(a.get("record_jacobian").is_none());
    let j = parse("depth = [2]\nrecord_jacobian = true\n").unwrap();
    assert!(j.record_jacobian && !j.record_layers);
    assert_eq!(j.to_json()["record_jacobian"], true);
    assert_ne!(j.to_json(), c.to_json());
}

#[test]
fn critical_orthogonal_needs_biases_of_one_variance() {
    let ok = parse("initializer = [\"critical_orthogonal\"]\nactivation = [\"tanh\"]\n");
    assert!(ok.is_ok(), "{:?}", ok.err());
    let m = parse(
        "activation = [\"tanh\"]\ninitializer = [\"critical_orthogonal\"]\n\
         bias_initializer = \"torch_linear\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        m.contains("t.toml:2:") && m.contains("initializer:") && m.contains("torch_linear"),
        "{m}"
    );
}

#[test]
fn residual_networks_are_odd_depths_with_their_initializers() {
    let s = parse("residual = true\ndepth = [3, 9]\nbranch_scale = 0.25\n").unwrap();
    use crate::model::{Norm, Residual};
    assert_eq!(
        s.residual,
        Some(Residual {
            scale: 0.25,
            norm: Norm::None,
            trained: false,
            scalar_biases: false,
        })
    );
    assert!(s.to_json().get("layer_norm").is_none());
    let n = parse("residual = true\ndepth = [3]\nlayer_norm = \"pre\"\n").unwrap();
    assert_eq!(n.residual.unwrap().norm, Norm::Pre);
    assert_eq!(n.to_json()["layer_norm"], "pre");
    let m = err("residual = true\ndepth = [3]\nlayer_norm = \"middle\"\n");
    assert!(
        m.starts_with("t.toml:3:14: layer_norm:") && m.contains("middle"),
        "{m}"
    );
    let m = err("depth = [3]\nlayer_norm = \"post\"\n");
    assert!(
        m.starts_with("t.toml:2:14: layer_norm:") && m.contains("residual = true"),
        "{m}"
    );
    assert_eq!(s.to_json()["residual"], true);
    assert_eq!(s.to_json()["branch_scale"], 0.25);
    let plain = parse("depth = [3, 9]\n").unwrap();
    assert!(plain.residual.is_none() && plain.to_json().get("residual").is_none());
    let d = parse("residual = true\ndepth = [3]\n").unwrap();
    assert_eq!(d.residual.unwrap().scale, defaults::BRANCH_SCALE);
    let m = err("residual = true\ndepth = [3, 8]\n");
    assert!(
        m.starts_with("t.toml:2:9: depth: 8") && m.contains("odd"),
        "{m}"
    );
    let m = err("residual = true\n");
    assert!(m.contains("t.toml:1:") && m.contains("depth: 1"), "{m}");
    let m = err("depth = [3]\nbranch_scale = 0.5\n");
    assert!(m.starts_with("t.toml:2:16: branch_scale:"), "{m}");
    let m = err("residual = true\ndepth = [3]\nbranch_scale = 0\n");
    assert!(
        m.contains("t.toml:3:") && m.contains("positive") && m.contains("train_branch_scale"),
        "{m}"
    );
    let z = parse("residual = true\ndepth = [3]\nbranch_scale = 0\ntrain_branch_scale = true\n")
        .unwrap();
    let r = z.residual.unwrap();
    assert!(r.trained && r.scale == 0.0);
    assert_eq!(z.to_json()["train_branch_scale"], true);
    assert!(s.to_json().get("train_branch_scale").is_none());
    let m = err("residual = true\ndepth = [3]\nbranch_scale = -1\ntrain_branch_scale = true\n");
    assert!(m.contains("t.toml:3:") && m.contains("≥ 0"), "{m}");
    let f = parse("residual = true\ndepth = [3]\nscalar_biases = true\n").unwrap();
    assert!(f.residual.unwrap().scalar_biases);
    assert_eq!(f.to_json()["scalar_biases"], true);
    assert!(s.to_json().get("scalar_biases").is_none());
    let m = err("depth = [3]\nscalar_biases = true\n");
    assert!(
        m.starts_with("t.toml:2:") && m.contains("scalar_biases") && m.contains("residual"),
        "{m}"
    );
    let m = err("depth = [3]\ntrain_branch_scale = true\n");
    assert!(
        m.starts_with("t.toml:2:") && m.contains("train_branch_scale") && m.contains("residual"),
        "{m}"
    );
    let m = err("depth = [3]\ninitializer = [\"he_normal\", \"fixup\"]\n");
    assert!(
        m.starts_with("t.toml:2:") && m.contains("`fixup`") && m.contains("residual = true"),
        "{m}"
    );
    let m = err("residual = true\ndepth = [3]\ninitializer = [\"lsuv\"]\n");
    assert!(m.starts_with("t.toml:3:") && m.contains("lsuv"), "{m}");
    let m = err("residual = true\ndepth = [3]\nrecord_jacobian = true\n");
    assert!(
        m.starts_with("t.toml:1:") && m.contains("record_jacobian"),
        "{m}"
    );
}

#[test]
fn parametrizations_need_a_base_width_and_only_they_take_one() {
    let s = parse("width = [8, 32]\nparametrization = [\"standard\", \"mup\"]\nbase_width = 8\n")
        .unwrap();
    assert_eq!(s.trial_count(), 4);
    assert_eq!(s.base_width, Some(8));
    let j = s.to_json();
    assert_eq!(j["parametrization"], serde_json::json!(["standard", "mup"]));
    assert_eq!(j["base_width"], 8);
    // Naming the default changes nothing, not even the spec's hash.
    let plain = parse("width = [8]\n").unwrap().to_json();
    assert_eq!(
        parse("width = [8]\nparametrization = [\"standard\"]\n")
            .unwrap()
            .to_json(),
        plain
    );
    assert!(plain.get("parametrization").is_none());
    let m = err("width = [8]\nparametrization = [\"ntk\"]\n");
    assert!(
        m.starts_with("t.toml:2:19: parametrization: `ntk`") && m.contains("set `base_width`"),
        "{m}"
    );
    let m = err("base_width = 8\n");
    assert!(
        m.starts_with("t.toml:1:14: base_width: only the ntk and mup"),
        "{m}"
    );
    let m = err("parametrization = [\"mup\"]\nbase_width = 0\n");
    assert!(
        m.contains("t.toml:2:14: base_width: must be between 1"),
        "{m}"
    );
    let m = err("parametrization = [\"mup\", \"sp\"]\nbase_width = 4\n");
    assert!(
        m.contains("t.toml:1:27: parametrization: unknown parametrization `sp`"),
        "{m}"
    );
    let m = err("parametrization = [\"mup\", \"mup\"]\nbase_width = 4\n");
    assert!(m.contains("parametrization: `mup` appears twice"), "{m}");
    let m = err("parametrization = [1]\nbase_width = 4\n");
    assert!(m.contains("expected a parametrization name"), "{m}");
}
