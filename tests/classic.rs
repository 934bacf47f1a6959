//! Reduced versions of the classic studies in `experiments/` (issue 6: symmetry, Kolen &
//! Pollack, the weight-space map): the real binary on a small spec, and a statistical test of
//! the direction and rough size of each effect, not a single run's outcome.

mod common;

use std::collections::HashMap;

use common::{column, csv, Scratch};
use initbench::stats;

/// trials.csv as maps from column name to value, one per row.
fn trials(s: &Scratch, dir: &str) -> Vec<HashMap<String, String>> {
    let (header, rows) = csv(&s.read(&format!("{dir}/trials.csv")));
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn converged(rows: &[&HashMap<String, String>]) -> u64 {
    rows.iter().filter(|r| r["status"] == "converged").count() as u64
}

fn fisher(a: &[&HashMap<String, String>], b: &[&HashMap<String, String>]) -> f64 {
    let (ca, cb) = (converged(a), converged(b));
    stats::fisher_exact([[ca, a.len() as u64 - ca], [cb, b.len() as u64 - cb]]).p_value
}

/// Symmetry (experiments/symmetry.toml, reduced): zero and constant starts are flagged
/// symmetric and never learn XOR or 3-bit parity; a random start is not flagged and does.
#[test]
fn constant_initialization_never_breaks_symmetry() {
    let s = Scratch::new("classic-symmetry");
    s.write(
        "symmetry.toml",
        r#"
name = "symmetry"
seed = 3
replicates = 20
epochs = 1500
dataset = ["xor", { name = "parity", bits = 3 }]
depth = [1]
width = [4]
activation = ["tanh"]
output_activation = "sigmoid"
loss = "cross_entropy"
optimizer = [{ name = "sgd", lr = 0.5 }]
bias_initializer = "zeros"
initializer = ["zeros", "ones", { name = "constant", value = 0.1 }, "glorot_uniform"]
target = { train_acc = 1.0 }
"#,
    );
    s.run(&["run", "symmetry.toml", "--threads", "2"]).ok();
    let rows = trials(&s, "results/symmetry");
    assert_eq!(rows.len(), 2 * 4 * 20);
    let constant: Vec<_> = rows
        .iter()
        .filter(|r| r["initializer"] != "glorot_uniform")
        .collect();
    let random: Vec<_> = rows
        .iter()
        .filter(|r| r["initializer"] == "glorot_uniform")
        .collect();
    // The flag says why: every constant start has identical hidden units, no random one does.
    assert!(constant.iter().all(|r| r["init_symmetric"] == "true"));
    assert!(random.iter().all(|r| r["init_symmetric"] == "false"));
    assert_eq!(converged(&constant), 0, "a constant start learned a task");
    // Three bits is parity's default, so its label carries no parameter.
    for dataset in ["xor", "parity"] {
        let here: Vec<_> = random
            .iter()
            .copied()
            .filter(|r| r["dataset"] == dataset)
            .collect();
        assert_eq!(here.len(), 20, "{dataset}");
        // Wilson lower bound: the random start learns this task in most replicates.
        let (lo, _) = stats::wilson(converged(&here), here.len() as u64, 0.95).unwrap();
        assert!(lo > 0.6, "{dataset}: {}/{}", converged(&here), here.len());
    }
    let p = fisher(&constant, &random);
    eprintln!(
        "symmetry: constant {}/{}, random {}/{}, Fisher p = {p:.2e}",
        converged(&constant),
        constant.len(),
        converged(&random),
        random.len()
    );
    assert!(p < 1e-10, "Fisher p = {p}");
    let md = s.read("results/symmetry/report.md");
    assert!(
        md.contains("120 of 160 trials started with two or more identical hidden units"),
        "the report states the symmetric starts:\n{md}"
    );
}

/// Kolen & Pollack (experiments/kolen_pollack.toml, reduced): XOR 2-2-1 from U(-r, r). Large r
/// fails far more often than small r, and small r, near the flat region around zero, is
/// slower than moderate r.
#[test]
fn xor_convergence_depends_on_the_initial_weight_range() {
    let s = Scratch::new("classic-kolen-pollack");
    s.write(
        "kp.toml",
        r#"
name = "kp"
seed = 1
replicates = 60
epochs = 8000
dataset = ["xor"]
depth = [1]
width = [2]
activation = ["sigmoid"]
output_activation = "sigmoid"
loss = "mse"
optimizer = [{ name = "sgd", lr = 1.0 }]
initializer = [{ name = "random_uniform", minval = -1.0, maxval = 1.0 }]
bias_initializer = { name = "random_uniform", minval = -1.0, maxval = 1.0 }
gain = [0.35, 1.5, 10.0]
target = { train_acc = 1.0 }
"#,
    );
    s.run(&["run", "kp.toml", "--threads", "2"]).ok();
    let rows = trials(&s, "results/kp");
    let at = |g: &str| -> Vec<&HashMap<String, String>> {
        rows.iter().filter(|r| r["gain"] == g).collect()
    };
    let (small, moderate, large) = (at("0.35"), at("1.5"), at("10"));
    assert_eq!((small.len(), moderate.len(), large.len()), (60, 60, 60));
    // Every weight and bias lies within ±r (the recorded max_abs of each layer).
    let (wh, wrows) = csv(&s.read("results/kp/weights.csv"));
    let max_abs: f64 = column(&wh, &wrows, "max_abs")
        .iter()
        .map(|v| v.parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    assert!(max_abs <= 10.0 && max_abs > 5.0, "max |w| = {max_abs}");

    let (cs, cl) = (converged(&small), converged(&large));
    assert!(cs >= 2 * cl + 20, "r = 0.35: {cs}/60, r = 10: {cl}/60");
    let p = fisher(&small, &large);
    assert!(p < 1e-6, "Fisher p = {p}");

    let epochs = |rows: &[&HashMap<String, String>]| -> Vec<f64> {
        rows.iter()
            .filter(|r| r["status"] == "converged")
            .map(|r| r["epochs_to_target"].parse().unwrap())
            .collect()
    };
    let (es, em) = (epochs(&small), epochs(&moderate));
    let mw = stats::mann_whitney(&es, &em).unwrap();
    eprintln!(
        "kolen-pollack: r = 0.35 {cs}/60, r = 10 {cl}/60, Fisher p = {p:.2e}; epochs r = 0.35 vs \
         1.5: AUC {:.3}, p = {:.2e}",
        mw.auc, mw.p_value
    );
    // AUC = P(a small-r run takes longer than a moderate-r one).
    assert!(
        mw.auc > 0.75 && mw.p_value < 1e-6,
        "AUC {} p {}",
        mw.auc,
        mw.p_value
    );

    // The report draws the sweep and states it.
    assert!(s.path("results/kp/report/sweep-gain.png").exists());
    assert!(s.path("results/kp/report/sweep-gain.svg").exists());
    let md = s.read("results/kp/report.md");
    assert!(md.contains("Along gain (`random_uniform(minval=-1,maxval=1)`): success peaks at gain"));
    assert!(md.contains("](report/sweep-gain.png)"));
    assert!(
        !md.contains("heatmap-gain"),
        "no one-column heatmap per gain"
    );
}

/// The weight-space map (experiments/som_iris.toml, reduced): on a small map of iris
/// networks' initial vectors, outcome depends on the node, and the trials in the nodes that
/// mostly converge generalize better than those in the nodes that mostly fail.
#[test]
fn weight_space_map_separates_converging_and_generalizing_regions() {
    let s = Scratch::new("classic-som");
    s.write(
        "som.toml",
        r#"
name = "som"
seed = 2
replicates = 60
epochs = 300
test_fraction = 0.3
dataset = ["iris"]
depth = [1]
width = [4]
activation = ["sigmoid"]
output_activation = "softmax"
loss = "cross_entropy"
optimizer = [{ name = "sgd", lr = 0.5 }]
initializer = [{ name = "random_uniform", minval = -1.0, maxval = 1.0 }]
bias_initializer = { name = "random_uniform", minval = -1.0, maxval = 1.0 }
gain = [0.5, 10.0]
target = { train_acc = 0.95 }
"#,
    );
    s.run(&["run", "som.toml", "--threads", "2"]).ok();
    // A 3 × 3 map keeps the expected counts of the χ² test large.
    s.run(&["regions", "results/som", "--grid", "3x3"]).ok();
    let (fh, frows) = csv(&s.read("results/som/som_fit.csv"));
    assert_eq!(column(&fh, &frows, "input"), ["vectors"]);
    assert_eq!(column(&fh, &frows, "dims"), ["35"]);
    let p: f64 = column(&fh, &frows, "chi_square_p")[0].parse().unwrap();
    assert!(p < 1e-6, "node × outcome χ² p = {p}");

    let rows = trials(&s, "results/som");
    let by_id: HashMap<&str, &HashMap<String, String>> =
        rows.iter().map(|r| (r["trial_id"].as_str(), r)).collect();
    let (rh, rrows) = csv(&s.read("results/som/regions.csv"));
    let ids = column(&rh, &rrows, "trial_id");
    let nodes = column(&rh, &rrows, "node");
    let mut per_node: HashMap<&str, Vec<&HashMap<String, String>>> = HashMap::new();
    for (id, node) in ids.iter().zip(&nodes) {
        per_node.entry(node).or_default().push(by_id[id]);
    }
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for members in per_node.values() {
        let rate = converged(members) as f64 / members.len() as f64;
        let acc = members
            .iter()
            .map(|r| r["final_test_acc"].parse::<f64>().unwrap());
        if rate >= 0.5 {
            good.extend(acc);
        } else {
            bad.extend(acc);
        }
    }
    assert!(
        good.len() >= 20 && bad.len() >= 20,
        "{} / {}",
        good.len(),
        bad.len()
    );
    let mw = stats::mann_whitney(&good, &bad).unwrap();
    eprintln!(
        "som: χ² p = {p:.2e}; test acc, converging vs failing nodes ({} vs {} trials): AUC {:.3}, \
         p = {:.2e}",
        good.len(),
        bad.len(),
        mw.auc,
        mw.p_value
    );
    assert!(
        mw.auc > 0.65 && mw.p_value < 1e-3,
        "test accuracy, converging vs failing nodes: AUC {} p {}",
        mw.auc,
        mw.p_value
    );

    s.run(&["report", "results/som"]).ok();
    assert!(s.path("results/som/report/som-accuracy.png").exists());
    let md = s.read("results/som/report.md");
    assert!(md.contains("Which regions generalize: the mean final test accuracy"));
    // Two gains, so the report also asks whether the node matters within one gain.
    assert!(md.contains("node × outcome χ² summed over the"), "{md}");
}
