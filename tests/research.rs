//! Reduced versions of the studies of current initialization research (issue 20): each runs
//! the real binary on a small spec and checks the direction and rough size of the published
//! effect with a statistical test over replicates. The full studies are `experiments/`
//! `{dynamical_isometry,zero_init,residual_depth,lr_transfer,coord_check,learned_init}.toml`;
//! docs/studies.md gives their results.

mod common;

use std::collections::HashMap;

use common::{assert_same_bytes_every_way, csv, Scratch};
use initbench::analyze::coordinates::slope;
use initbench::stats::{fisher_exact, mann_whitney};

/// Rows as maps from column name to value.
fn rows_of(text: &str) -> Vec<HashMap<String, String>> {
    let (h, rows) = csv(text);
    rows.into_iter()
        .map(|r| h.iter().cloned().zip(r).collect())
        .collect()
}

/// (converged, n) of the trials of `init`.
fn successes(trials: &[HashMap<String, String>], init: &str) -> (u64, u64) {
    let sel: Vec<_> = trials.iter().filter(|t| t["initializer"] == init).collect();
    let k = sel.iter().filter(|t| t["status"] == "converged").count();
    (k as u64, sel.len() as u64)
}

/// Pennington et al. (2017): at the critical point of tanh with q* small (σ_w² = 1,
/// σ_b² = 10⁻⁴), orthogonal weights keep the Jacobian's squared singular values together and
/// the network learns; Gaussian weights of the same variance spread them and, at depth 32,
/// do not reach the target within the budget.
#[test]
fn orthogonal_weights_at_criticality_are_isometric_and_train_faster() {
    let s = Scratch::new("isometry");
    s.write(
        "di.toml",
        r#"
name = "di"
replicates = 6
epochs = 15
batch_size = 64
test_fraction = 0.5
record_jacobian = true
dataset = ["digits"]
depth = [32]
width = [64]
activation = ["tanh"]
optimizer = [{ name = "sgd", lr = 0.01 }]
bias_initializer = { name = "random_normal", stddev = 0.01 }
initializer = ["orthogonal", { name = "variance_scaling", distribution = "untruncated_normal" }]
target = { train_acc = 0.9 }
"#,
    );
    s.run(&["run", "di.toml"]).ok();
    let trials = rows_of(&s.read("results/di/trials.csv"));
    let gaussian = "variance_scaling(distribution=untruncated_normal)";
    let orth = successes(&trials, "orthogonal");
    let gauss = successes(&trials, gaussian);
    let p = fisher_exact([[orth.0, orth.1 - orth.0], [gauss.0, gauss.1 - gauss.0]]).p_value;
    assert!(
        orth.0 >= 4 && gauss.0 <= 1 && p < 0.05,
        "orthogonal {orth:?}, Gaussian {gauss:?}, Fisher p = {p}"
    );
    // The spectrum: variance / mean² of the squared singular values, per trial.
    let init: HashMap<&str, &str> = trials
        .iter()
        .map(|t| (t["trial_id"].as_str(), t["initializer"].as_str()))
        .collect();
    let jac = rows_of(&s.read("results/di/jacobian.csv"));
    let spread = |which: &str| -> Vec<f64> {
        jac.iter()
            .filter(|r| init[r["trial_id"].as_str()] == which)
            .map(|r| {
                let m: f64 = r["sv2_mean"].parse().unwrap();
                r["sv2_var"].parse::<f64>().unwrap() / (m * m)
            })
            .collect()
    };
    let (o, g) = (spread("orthogonal"), spread(gaussian));
    let mw = mann_whitney(&o, &g).unwrap();
    let max_o = o.iter().cloned().fold(0.0, f64::max);
    let min_g = g.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(
        mw.p_value < 0.01 && 10.0 * max_o < min_g,
        "orthogonal {o:?}, Gaussian {g:?}"
    );
}

/// Zhao et al. (2022): ZerO's deterministic start trains a 24-layer ReLU network that He's
/// random initialization does not bring to the target in the same budget, and all zeros never
/// trains. ZerO's initial weights are the same in every replicate.
#[test]
fn zero_trains_deep_relu_nets_from_a_deterministic_start() {
    let s = Scratch::new("zero");
    s.write(
        "zr.toml",
        r#"
name = "zr"
replicates = 8
epochs = 15
batch_size = 64
test_fraction = 0.5
dataset = ["digits"]
depth = [24]
width = [32]
activation = ["relu"]
optimizer = [{ name = "sgd", lr = 0.05 }]
initializer = ["zer_o", "he_normal", "zeros"]
target = { train_acc = 0.9 }
"#,
    );
    s.run(&["run", "zr.toml"]).ok();
    let trials = rows_of(&s.read("results/zr/trials.csv"));
    let zero = successes(&trials, "zer_o");
    let he = successes(&trials, "he_normal");
    let zeros = successes(&trials, "zeros");
    let p = fisher_exact([[zero.0, zero.1 - zero.0], [he.0, he.1 - he.0]]).p_value;
    assert!(
        zero.0 >= 6 && he.0 <= 1 && zeros.0 == 0 && p < 0.01,
        "ZerO {zero:?}, He {he:?}, zeros {zeros:?}, Fisher p = {p}"
    );
    // Deterministic: every replicate's ZerO network has the same per-layer weight features.
    let init: HashMap<&str, &str> = trials
        .iter()
        .map(|t| (t["trial_id"].as_str(), t["initializer"].as_str()))
        .collect();
    let weights = rows_of(&s.read("results/zr/weights.csv"));
    let features = |which: &str| -> Vec<Vec<String>> {
        let mut by_trial: HashMap<&str, Vec<String>> = HashMap::new();
        for r in weights
            .iter()
            .filter(|r| init[r["trial_id"].as_str()] == which)
        {
            let row = by_trial.entry(r["trial_id"].as_str()).or_default();
            row.extend(["mean", "std", "max_abs"].map(|c| r[c].clone()));
        }
        by_trial.into_values().collect()
    };
    let z = features("zer_o");
    assert_eq!(z.len(), 8);
    assert!(z.iter().all(|f| *f == z[0]));
    let h = features("he_normal");
    assert!(h.iter().any(|f| *f != h[0]));
}

/// Zhang et al. (2019), De & Smith (2020): a deep residual MLP without normalization trains
/// from Fixup's start and from zero branches, and fails from He's, whose stream doubles its
/// variance at every block. The residual path's results are the same bytes on any threads,
/// cohorts, resume or shards. The same He branches behind ReZero's trained multipliers
/// (from 0) train too.
#[test]
fn fixup_and_zero_branches_train_deep_residual_nets_where_he_fails() {
    let s = Scratch::new("residual");
    s.write(
        "rd.toml",
        r#"
name = "rd"
replicates = 6
epochs = 15
batch_size = 32
test_fraction = 0.5
dataset = ["digits"]
residual = true
depth = [33]
width = [32]
activation = ["relu"]
optimizer = [{ name = "sgd", lr = 0.05 }]
initializer = ["fixup", "zero_branch", "he_normal"]
target = { train_acc = 0.9 }
"#,
    );
    s.run(&["run", "rd.toml"]).ok();
    let text = s.read("results/rd/trials.csv");
    let trials = rows_of(&text);
    let fixup = successes(&trials, "fixup");
    let zero = successes(&trials, "zero_branch");
    let he = successes(&trials, "he_normal");
    for (name, ok) in [("fixup", fixup), ("zero_branch", zero)] {
        let p = fisher_exact([[ok.0, ok.1 - ok.0], [he.0, he.1 - he.0]]).p_value;
        assert!(
            ok.0 >= 5 && he.0 <= 1 && p < 0.05,
            "{name} {ok:?}, He {he:?}, Fisher p = {p}"
        );
    }
    assert_same_bytes_every_way(&s, "rd.toml", "rd", "trials.csv", &text, 3);

    // ReZero (Bachlechner et al. 2020): the same He branches behind a trained α per block
    // that starts at 0 train where the fixed α = 1 fails.
    s.write(
        "rz.toml",
        &s.read("rd.toml")
            .replace("name = \"rd\"", "name = \"rz\"")
            .replace(
                "residual = true",
                "residual = true\ntrain_branch_scale = true\nbranch_scale = 0",
            )
            .replace(
                "initializer = [\"fixup\", \"zero_branch\", \"he_normal\"]",
                "initializer = [\"he_normal\"]",
            ),
    );
    s.run(&["run", "rz.toml"]).ok();
    let rezero = successes(&rows_of(&s.read("results/rz/trials.csv")), "he_normal");
    let p = fisher_exact([[rezero.0, rezero.1 - rezero.0], [he.0, he.1 - he.0]]).p_value;
    assert!(
        rezero.1 == 6 && rezero.0 >= 5 && p < 0.05,
        "ReZero {rezero:?}, He {he:?}, Fisher p = {p}"
    );
    let text = s.read("results/rz/trials.csv");
    for folder in ["b", "merged"] {
        std::fs::remove_dir_all(s.path(folder)).unwrap();
    }
    assert_same_bytes_every_way(&s, "rz.toml", "rz", "trials.csv", &text, 2);
}

/// Yang et al. (2022), Tensor Programs V: the best learning rate across widths. Reduced from
/// experiments/lr_transfer.toml to widths 32 and 256 (m = 8) and two epochs. What is checked is
/// what the full study measured (docs/studies.md): under muP the best rate stays within an
/// octave; under the NTK parametrization, which divides the hidden and output layers' rates by
/// m, it moves up, its bootstrap interval clear of zero. Trials train the same bytes on any
/// schedule (a smaller spec, since the check reruns it four times).
#[test]
fn the_best_learning_rate_stays_put_under_mup_and_moves_under_ntk() {
    let s = Scratch::new("lr-transfer");
    let rates: Vec<String> = (-4..=1)
        .map(|k| format!("{{ name = \"sgd\", lr = {} }}", 2f64.powi(k)))
        .collect();
    s.write(
        "lt.toml",
        &format!(
            r#"
name = "lt"
replicates = 3
epochs = 2
batch_size = 64
dataset = ["mnist5k"]
depth = [2]
width = [32, 256]
activation = ["relu"]
initializer = ["he_normal"]
parametrization = ["ntk", "mup"]
base_width = 32
optimizer = [{}]
target = {{ train_acc = 0.95 }}
"#,
            rates.join(", ")
        ),
    );
    s.run(&["run", "lt.toml"]).ok();
    let folder = initbench::analyze::Folder::read(&s.path("results/lt")).unwrap();
    let lr = initbench::analyze::learning_rate::analyze(&folder.cells, 0).expect("a sweep");
    let shift = |caption: &str| {
        let p = lr.panels.iter().find(|p| p.caption == caption).unwrap();
        let sh = p.shift.clone().unwrap();
        assert_eq!((sh.from, sh.to), (32, 256));
        (sh.octaves, sh.ci.unwrap())
    };
    let (mup, mup_ci) = shift("mup parametrization");
    let (ntk, ntk_ci) = shift("ntk parametrization");
    assert!(mup.abs() <= 1.0, "muP moved {mup} octaves ({mup_ci:?})");
    assert!(
        ntk >= 1.0 && ntk_ci.0 > 0.0,
        "NTK moved {ntk} octaves ({ntk_ci:?})"
    );
    let report = s.read("results/lt/report.md");
    assert!(report.contains("## Learning rate") && report.contains("learning-rate.png"));

    s.write(
        "small.toml",
        r#"
name = "small"
replicates = 2
epochs = 3
batch_size = 32
dataset = ["digits"]
depth = [2]
width = [16, 48]
activation = ["relu"]
parametrization = ["standard", "ntk", "mup"]
base_width = 16
optimizer = [{ name = "sgd", lr = 0.1 }, { name = "adam", lr = 0.01 }]
initializer = ["he_normal"]
target = { train_acc = 0.9 }
"#,
    );
    s.run(&["run", "small.toml"]).ok();
    let text = s.read("results/small/trials.csv");
    assert_same_bytes_every_way(&s, "small.toml", "small", "trials.csv", &text, 5);
}

/// The coordinate check (Tensor Programs V; experiments/coord_check.toml reduced to widths
/// 64, 256 and 1024 and 4 replicates): per replicate, the slope of log(activation sd after one
/// epoch / at initialization) against log width in the middle hidden layer. Measured in the
/// full check (docs/studies.md): under muP it stays near 0, under the standard
/// parametrization it falls with the width. Every standard replicate lies below every muP
/// one (Mann–Whitney), and the report draws the check.
#[test]
fn the_coordinate_check_is_flat_under_mup_and_not_under_the_standard_parametrization() {
    let s = Scratch::new("coord-check");
    s.write(
        "cc.toml",
        r#"
name = "cc"
replicates = 4
epochs = 1
batch_size = 64
record_layers = true
dataset = ["digits"]
depth = [3]
width = [64, 256, 1024]
activation = ["relu"]
initializer = ["he_normal"]
parametrization = ["standard", "mup"]
base_width = 64
optimizer = [{ name = "sgd", lr = 0.1 }]
target = { train_acc = 0.9 }
"#,
    );
    s.run(&["run", "cc.toml"]).ok();
    let trials = rows_of(&s.read("results/cc/trials.csv"));
    let of: HashMap<&str, (f64, &str, &str)> = trials
        .iter()
        .map(|t| {
            let w: f64 = t["width"].parse().unwrap();
            (
                t["trial_id"].as_str(),
                (w, t["parametrization"].as_str(), t["replicate"].as_str()),
            )
        })
        .collect();
    // (parametrization, replicate, epoch, width) → the middle layer's activation sd.
    let mut sd: HashMap<(String, String, String, u32), f64> = HashMap::new();
    for r in rows_of(&s.read("results/cc/layers.csv")) {
        if r["layer"] != "1" {
            continue;
        }
        let (w, p, rep) = of[r["trial_id"].as_str()];
        let v: f64 = r["act_std"].parse().unwrap();
        sd.insert((p.into(), rep.into(), r["epoch"].clone(), w as u32), v);
    }
    let slopes = |p: &str| -> Vec<f64> {
        (0..4)
            .map(|rep| {
                let ratios = [64u32, 256, 1024].map(|w| {
                    let at = |e: &str| sd[&(p.to_string(), rep.to_string(), e.to_string(), w)];
                    (w, at("1") / at("0"))
                });
                slope(ratios.into_iter()).unwrap()
            })
            .collect()
    };
    let (sp, mup) = (slopes("standard"), slopes("mup"));
    let mw = mann_whitney(&sp, &mup).unwrap();
    let median = |v: &[f64]| initbench::stats::median(v).unwrap();
    assert!(
        mw.p_exact.unwrap_or(mw.p_value) < 0.05 && median(&sp) < -0.1 && median(&mup).abs() < 0.1,
        "standard {sp:?}, muP {mup:?}, Mann–Whitney p = {}",
        mw.p_value
    );
    let report = s.read("results/cc/report.md");
    assert!(report.contains("## Coordinate check") && report.contains("coordinate-check.png"));
}

/// Zhu et al. (2021), GradInit: learned scales make a badly scaled start train. Reduced from
/// experiments/learned_init.toml to 10 × 32 ReLU layers and 4 replicates at gains 0.5 (the
/// signal vanishes) and 1.5 (it explodes): every GradInit network ends below every He network
/// in training loss (Mann–Whitney; a diverged trial counts as +∞). GradInit and MetaInit give
/// the same bytes on any schedule.
#[test]
fn gradinit_trains_badly_scaled_starts_that_he_cannot() {
    let s = Scratch::new("learned");
    s.write(
        "li.toml",
        r#"
name = "li"
replicates = 4
epochs = 15
batch_size = 32
test_fraction = 0.5
dataset = ["digits"]
depth = [10]
width = [32]
activation = ["relu"]
optimizer = [{ name = "sgd", lr = 0.05 }]
initializer = ["he_normal", "gradinit"]
gain = [0.5, 1.5]
target = { train_acc = 0.9 }
"#,
    );
    s.run(&["run", "li.toml"]).ok();
    let trials = rows_of(&s.read("results/li/trials.csv"));
    let losses = |init: &str| -> Vec<f64> {
        trials
            .iter()
            .filter(|t| t["initializer"] == init)
            .map(|t| t["final_train_loss"].parse().unwrap_or(f64::INFINITY))
            .collect()
    };
    let (learned, he) = (losses("gradinit"), losses("he_normal"));
    let worst = learned.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let best_he = he.iter().cloned().fold(f64::INFINITY, f64::min);
    let p = mann_whitney(&learned, &he).unwrap().p_value;
    assert!(
        worst < best_he && p < 0.001,
        "GradInit {learned:?}, He {he:?}, Mann–Whitney p = {p}"
    );

    s.write(
        "tiny.toml",
        r#"
name = "tiny"
replicates = 2
epochs = 2
batch_size = 16
dataset = [{ name = "blobs", n = 60 }]
depth = [3]
width = [8]
activation = ["relu", "tanh"]
optimizer = [{ name = "sgd", lr = 0.1 }, { name = "adam", lr = 0.01 }]
initializer = [{ name = "gradinit", iters = 6, batch = 8 }, { name = "metainit", steps = 3, batch = 16 }]
target = { train_acc = 0.9 }
"#,
    );
    s.run(&["run", "tiny.toml"]).ok();
    let text = s.read("results/tiny/trials.csv");
    assert_same_bytes_every_way(&s, "tiny.toml", "tiny", "trials.csv", &text, 4);
}
