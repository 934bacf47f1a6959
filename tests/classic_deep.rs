//! Reduced versions of the classic deep-network studies (issue 6, studies 3–5): each runs the
//! real binary on a small spec and checks the direction and rough size of the published effect
//! with a statistical test over replicates, not a single run. The full studies are
//! `experiments/{glorot_bengio,he_depth,edge_of_chaos}.toml`. The specs hold out half of
//! digits (`test_fraction = 0.5`) to halve the training, and use narrower nets and fewer
//! replicates; every trial is seeded, so the outcomes are the same on every run.

mod common;

use std::collections::HashMap;

use common::{assert_same_bytes_every_way, column, csv, Scratch};
use initbench::stats::{fisher_exact, mann_whitney};

/// Trials as maps from column name to value.
fn rows_of(text: &str) -> Vec<HashMap<String, String>> {
    let (h, rows) = csv(text);
    rows.into_iter()
        .map(|r| h.iter().cloned().zip(r).collect())
        .collect()
}

/// (converged, n) of the trials matching `keep`.
fn successes(
    trials: &[HashMap<String, String>],
    keep: impl Fn(&HashMap<String, String>) -> bool,
) -> (u64, u64) {
    let sel: Vec<_> = trials.iter().filter(|t| keep(t)).collect();
    let k = sel.iter().filter(|t| t["status"] == "converged").count();
    (k as u64, sel.len() as u64)
}

/// He et al. (2015): at depth 16 a plain ReLU net trains from He's initialization and stalls
/// from Glorot's, whose signal halves in variance at every layer.
#[test]
fn he_init_trains_deep_relu_nets_where_glorot_stalls() {
    let s = Scratch::new("he");
    s.write(
        "he.toml",
        r#"
name = "he"
replicates = 8
epochs = 20
batch_size = 64
test_fraction = 0.5
dataset = ["digits"]
depth = [16]
width = [32]
activation = ["relu"]
optimizer = [{ name = "sgd", lr = 0.02 }]
initializer = ["he_normal", "glorot_normal"]
target = { train_acc = 0.5 }
"#,
    );
    s.run(&["run", "he.toml"]).ok();
    let trials = rows_of(&s.read("results/he/trials.csv"));
    let he = successes(&trials, |t| t["initializer"] == "he_normal");
    let glorot = successes(&trials, |t| t["initializer"] == "glorot_normal");
    assert_eq!((he.1, glorot.1), (8, 8));
    let p = fisher_exact([[he.0, he.1 - he.0], [glorot.0, glorot.1 - glorot.0]]).p_value;
    assert!(
        he.0 >= 6 && glorot.0 <= 1 && p < 0.01,
        "He {he:?}, Glorot {glorot:?}, Fisher p = {p}"
    );
}

/// Schoenholz et al. (2017): at depth 32, tanh nets near the critical σ_w² (1.76 at
/// σ_b² = 0.05) train, and nets deep in the ordered phase (σ_w² = 0.5, predicted trainable
/// depth 6 ξ_c ≈ 7) do not. The report must recognize the grid and state the theory.
#[test]
fn tanh_nets_train_at_depth_only_near_the_edge_of_chaos() {
    let s = Scratch::new("chaos");
    s.write(
        "chaos.toml",
        r#"
name = "chaos"
replicates = 6
epochs = 16
batch_size = 64
test_fraction = 0.5
dataset = ["digits"]
depth = [4, 32]
width = [32]
activation = ["tanh"]
optimizer = [{ name = "sgd", lr = 0.05 }]
bias_initializer = { name = "random_normal", stddev = 0.22360679774997896 }
initializer = [
  { name = "variance_scaling", scale = 0.5, mode = "fan_in", distribution = "untruncated_normal" },
  { name = "variance_scaling", scale = 1.76, mode = "fan_in", distribution = "untruncated_normal" },
]
target = { train_acc = 0.5 }
"#,
    );
    s.run(&["run", "chaos.toml"]).ok();
    let trials = rows_of(&s.read("results/chaos/trials.csv"));
    let at = |scale: &str, depth: &str| {
        successes(&trials, |t| {
            t["initializer"].contains(&format!("scale={scale},")) && t["depth"] == depth
        })
    };
    let critical = at("1.76", "32");
    let ordered = at("0.5", "32");
    assert_eq!((critical.1, ordered.1), (6, 6));
    let p = fisher_exact([
        [critical.0, critical.1 - critical.0],
        [ordered.0, ordered.1 - ordered.0],
    ])
    .p_value;
    assert!(
        critical.0 >= 5 && ordered.0 <= 1 && p < 0.02,
        "critical {critical:?}, ordered {ordered:?}, Fisher p = {p}"
    );
    // Shallow nets train on both sides: the failure is depth's, not σ_w²'s alone.
    let shallow = at("0.5", "4");
    assert!(shallow.0 >= 5, "ordered phase at depth 4: {shallow:?}");

    let report = s.read("results/chaos/report.md");
    assert!(report.contains("## Edge of chaos"), "{report}");
    assert!(report.contains("σ_w² = 1.761"), "{report}");
    // 6 ξ_c at σ_w² = 0.5 from `initbench theory --activation tanh --sigma-b2 0.05`.
    assert!(report.contains("| 0.5 | 7.1 |"), "{report}");
    assert!(s.path("results/chaos/report/edge-of-chaos.png").exists());
}

/// Glorot & Bengio (2010): in a 5-layer sigmoid net from the standard initialization the top
/// hidden layer is driven towards its lower asymptote (0) while the first stays near 0.5; tanh
/// units saturate over training and softsign ones much less.
#[test]
fn sigmoid_top_layer_sinks_and_tanh_saturates_more_than_softsign() {
    let s = Scratch::new("gb");
    s.write(
        "gb.toml",
        r#"
name = "gb"
replicates = 6
epochs = 5
batch_size = 10
test_fraction = 0.5
record_layers = true
dataset = ["digits"]
depth = [5]
width = [64]
activation = ["sigmoid", "tanh", "softsign"]
optimizer = [{ name = "sgd", lr = 0.2 }]
initializer = ["torch_linear"]
target = { train_acc = 0.9 }
"#,
    );
    s.run(&["run", "gb.toml"]).ok();
    let trials = rows_of(&s.read("results/gb/trials.csv"));
    let activation: HashMap<&str, &str> = trials
        .iter()
        .map(|t| (t["trial_id"].as_str(), t["activation"].as_str()))
        .collect();
    let layers = rows_of(&s.read("results/gb/layers.csv"));
    let num = |r: &HashMap<String, String>, c: &str| r[c].parse::<f64>().unwrap();
    let values = |act: &str, epoch: &str, layer: &str, col: &str| -> Vec<f64> {
        layers
            .iter()
            .filter(|r| {
                activation[r["trial_id"].as_str()] == act
                    && r["epoch"] == epoch
                    && r["layer"] == layer
            })
            .map(|r| num(r, col))
            .collect()
    };

    let top_end = values("sigmoid", "5", "4", "act_mean");
    let first_end = values("sigmoid", "5", "0", "act_mean");
    let top_init = values("sigmoid", "0", "4", "act_mean");
    assert_eq!(top_end.len(), 6);
    let mw = mann_whitney(&first_end, &top_end).unwrap();
    let p = mw.p_exact.unwrap_or(mw.p_value);
    assert!(
        p < 0.01 && top_end.iter().all(|&m| m < 0.3) && first_end.iter().all(|&m| m > 0.45),
        "sigmoid layer means after 5 epochs: first {first_end:?}, top {top_end:?} (at init {top_init:?}), p = {p}"
    );

    // Saturation of the most saturated hidden layer after 5 epochs.
    let most = |act: &str| -> Vec<f64> {
        let mut by_trial: HashMap<&str, f64> = HashMap::new();
        for r in &layers {
            if activation[r["trial_id"].as_str()] == act && r["epoch"] == "5" {
                let e = by_trial.entry(r["trial_id"].as_str()).or_insert(0.0);
                *e = e.max(num(r, "saturated_frac"));
            }
        }
        by_trial.into_values().collect()
    };
    let (tanh, softsign) = (most("tanh"), most("softsign"));
    let mw = mann_whitney(&tanh, &softsign).unwrap();
    assert!(
        mw.p_value < 0.01 && mw.auc == 1.0 && tanh.iter().all(|&f| f > 0.005),
        "most saturated layer: tanh {tanh:?}, softsign {softsign:?}, p = {}",
        mw.p_value
    );

    // At epoch 0 the layers pool to the trial's init_saturated_frac (equal widths, so the
    // pooled fraction is the mean over layers): one definition of saturation throughout.
    for t in &trials {
        let per_layer: Vec<f64> = layers
            .iter()
            .filter(|r| r["trial_id"] == t["trial_id"] && r["epoch"] == "0")
            .map(|r| num(r, "saturated_frac"))
            .collect();
        assert_eq!(per_layer.len(), 5);
        let pooled = per_layer.iter().sum::<f64>() / 5.0;
        let init: f64 = t["init_saturated_frac"].parse().unwrap();
        assert!((pooled - init).abs() < 1e-9, "{pooled} vs {init}");
    }
    let report = s.read("results/gb/report.md");
    assert!(
        report.contains("## Hidden layers over training"),
        "{report}"
    );
    assert!(
        report.contains("Test error after the last epoch"),
        "{report}"
    );
    assert!(s.path("results/gb/report/layers-saturation.png").exists());
}

/// layers.csv: written only when asked, every column documented, one row per hidden layer per
/// curve epoch, and the same bytes whatever the threads and cohort sizes (its rows then reach
/// the disk out of plan order and are put back in order at the end), after a resume, and from
/// merged shards.
#[test]
fn layers_csv_is_documented_deterministic_and_only_written_when_asked() {
    let s = Scratch::new("layers");
    let spec = r#"
name = "tiny"
replicates = 3
epochs = 12
dataset = [{ name = "moons", n = 40 }]
depth = [1, 3]
width = [4]
activation = ["tanh", "relu"]
optimizer = [{ name = "sgd", lr = 0.5 }]
initializer = ["glorot_uniform", "he_normal"]
target = { train_acc = 0.9 }
"#;
    s.write("off.toml", spec);
    s.write("on.toml", &format!("record_layers = true\n{spec}"));
    s.run(&["run", "off.toml", "--out", "off"]).ok();
    assert!(!s.path("off/layers.csv").exists());
    s.run(&["run", "on.toml", "--out", "a", "--threads", "1"])
        .ok();
    // Recording layers changes nothing else a trial writes.
    assert_eq!(s.read("a/trials.csv"), s.read("off/trials.csv"));
    assert_eq!(s.read("a/curves.csv"), s.read("off/curves.csv"));

    let text = s.read("a/layers.csv");
    let (h, rows) = csv(&text);
    assert_eq!(
        h,
        [
            "trial_id",
            "epoch",
            "layer",
            "act_mean",
            "act_std",
            "saturated_frac"
        ]
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/results.md")).unwrap();
    assert!(readme.contains("## `layers.csv`"));
    for c in &h {
        assert!(readme.contains(&format!("`{c}`")), "docs/results.md: {c}");
    }
    // 3 replicates × 2 activations × 2 initializers per depth, (1 + 3) hidden layers, 12
    // curve epochs (0..=10, then the budget, 12).
    assert_eq!(rows.len(), 3 * 2 * 2 * (1 + 3) * 12);
    let (th, trows) = csv(&s.read("a/trials.csv"));
    let relu: Vec<String> = column(&th, &trows, "activation")
        .iter()
        .zip(column(&th, &trows, "trial_id"))
        .filter(|(a, _)| **a == "relu")
        .map(|(_, id)| id.to_string())
        .collect();
    for r in &rows {
        assert_eq!(
            r[5].is_empty(),
            relu.contains(&r[0]),
            "saturation only for tanh: {r:?}"
        );
    }

    assert_same_bytes_every_way(&s, "on.toml", "tiny", "layers.csv", &text, 5);
}
