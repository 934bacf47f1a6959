//! `jacobian.csv` (spec key `record_jacobian`) through the real binary: written only when
//! asked, every column documented, one row per trial, the same bytes on any thread count and
//! cohort size, after a resume and from merged shards; and the report's section, whose
//! measurements sit where free probability puts them.

mod common;

use std::collections::HashMap;

use common::{assert_same_bytes_every_way, column, csv, Scratch};

const SPEC: &str = r#"
name = "jac"
replicates = 3
epochs = 2
dataset = [{ name = "moons", n = 40 }]
depth = [2, 12]
width = [48]
activation = ["tanh"]
optimizer = [{ name = "sgd", lr = 0.1 }]
bias_initializer = { name = "random_normal", stddev = 0.01 }
initializer = ["orthogonal", { name = "variance_scaling", distribution = "untruncated_normal" }]
target = { train_acc = 0.9 }
"#;

#[test]
fn jacobian_csv_is_documented_deterministic_and_only_written_when_asked() {
    let s = Scratch::new("jacobian");
    s.write("off.toml", SPEC);
    s.write("on.toml", &format!("record_jacobian = true\n{SPEC}"));
    s.run(&["run", "off.toml", "--out", "off"]).ok();
    assert!(!s.path("off/jacobian.csv").exists());
    s.run(&["run", "on.toml", "--out", "a", "--threads", "1"])
        .ok();
    // Measuring the spectrum changes nothing a trial trains or writes elsewhere.
    assert_eq!(s.read("a/trials.csv"), s.read("off/trials.csv"));
    assert_eq!(s.read("a/curves.csv"), s.read("off/curves.csv"));

    let text = s.read("a/jacobian.csv");
    let (h, rows) = csv(&text);
    assert_eq!(
        h,
        ["trial_id", "layers", "points", "sv2_mean", "sv2_var", "sv_max", "q_first"]
    );
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/results.md")).unwrap();
    assert!(docs.contains("## `jacobian.csv`"));
    for c in &h {
        assert!(docs.contains(&format!("`{c}`")), "docs/results.md: {c}");
    }
    let (th, trows) = csv(&s.read("a/trials.csv"));
    assert_eq!(
        column(&h, &rows, "trial_id"),
        column(&th, &trows, "trial_id")
    );
    let depth: HashMap<&str, &str> = column(&th, &trows, "trial_id")
        .into_iter()
        .zip(column(&th, &trows, "depth"))
        .collect();
    for r in &rows {
        let layers: u32 = depth[r[0].as_str()].parse::<u32>().unwrap() - 1;
        assert_eq!(r[1], layers.to_string());
        assert_eq!(r[2], "8");
        assert!(
            r[3..].iter().all(|v| v.parse::<f64>().unwrap() > 0.0),
            "{r:?}"
        );
    }

    assert_same_bytes_every_way(&s, "on.toml", "jac", "jacobian.csv", &text, 4);
}

/// The report's table: tanh at σ_w² = 1, σ_b² = 10⁻⁴, 11 hidden-to-hidden layers. Orthogonal
/// weights keep the squared singular values far closer together than Gaussian ones, and the
/// measured mean and relative spread lie within a factor of 2 of their predictions (width 48 is far from the
/// theory's infinite width, so no closer agreement is asked for).
#[test]
fn the_report_sets_the_measured_spectrum_beside_free_probability() {
    let s = Scratch::new("jacobian-report");
    s.write("on.toml", &format!("record_jacobian = true\n{SPEC}"));
    s.run(&["run", "on.toml", "--out", "a"]).ok();
    let report = s.read("a/report.md");
    let section = report
        .split("## Jacobian spectrum at initialization")
        .nth(1)
        .expect("the report has the section");
    assert!(s.path("a/report/jacobian-spectrum.png").exists());
    assert!(s.path("a/report/jacobian-spectrum.svg").exists());
    let row = |init: &str, layers: &str| -> Vec<f64> {
        let line = section
            .lines()
            .find(|l| {
                let c: Vec<&str> = l.split('|').map(str::trim).collect();
                c.len() > 6 && c[1] == init && c[5] == layers
            })
            .unwrap_or_else(|| panic!("no row for {init} at {layers} layers:\n{section}"));
        line.split('|')
            .map(str::trim)
            .skip(7)
            .take(5)
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let orth = row("orthogonal", "11");
    let gauss = row("variance_scaling(distribution=untruncated_normal)", "11");
    // [mean, predicted mean, variance, predicted variance, max].
    let spread = |r: &[f64]| r[2] / (r[0] * r[0]);
    assert!(
        spread(&gauss) > 5.0 * spread(&orth),
        "orthogonal {orth:?}, Gaussian {gauss:?}"
    );
    // The mean, and the spread relative to it (which the mean's own sampling noise does not
    // scale), each within a factor of 2 of the prediction.
    let predicted_spread = |r: &[f64]| r[3] / (r[1] * r[1]);
    for r in [&orth, &gauss] {
        for ratio in [r[0] / r[1], spread(r) / predicted_spread(r)] {
            assert!(
                (0.5..2.0).contains(&ratio),
                "orthogonal {orth:?}, Gaussian {gauss:?}"
            );
        }
    }
}
