//! End-to-end tests of the report on small synthetic results folders.

mod figures;
mod markdown;
mod weight_space;

use std::path::{Path, PathBuf};

use super::*;
use crate::analyze::trials::test_row;
use crate::analyze::{Analysis, Folder};
use crate::record::schema::{self, Status, TrialRow, WeightRow};

/// A fresh, empty folder under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!(
        "initbench-report-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// The analysis of `dir`, rendered.
fn write(dir: &Path) -> crate::error::Result<Report> {
    render(dir, &Analysis::new(&Folder::read(dir)?)?)
}

/// (initializer, converged per depth out of `reps`).
struct Synthetic<'a> {
    inits: &'a [(&'a str, &'a [u64])],
    depths: &'a [u32],
    reps: u32,
    epochs: u32,
    test_split: bool,
}

fn trial_row(id: u64, depth: u32, init: &str, rep: u32) -> TrialRow {
    TrialRow {
        trial_id: id,
        depth,
        width: 4,
        activation: "relu".into(),
        optimizer: "sgd(lr=0.1)".into(),
        lr: 0.1,
        parametrization: "standard".into(),
        replicate: rep,
        seed: u64::from(rep),
        epochs_run: 0,
        ..test_row(init, Status::NotConverged, None, None)
    }
}

fn write_csv<T: serde::Serialize>(path: &Path, header: &[&str], rows: &[T]) {
    crate::record::canonical::write_table(path, header, rows).unwrap();
}

fn write_trials(dir: &Path, rows: &[TrialRow]) {
    write_csv(&dir.join("trials.csv"), schema::columns::<TrialRow>(), rows);
}

fn read_trials(dir: &Path) -> Vec<TrialRow> {
    schema::read_all(&dir.join("trials.csv")).unwrap()
}

fn write_results(dir: &Path, s: &Synthetic) {
    let mut trials = Vec::new();
    let mut curves = Vec::new();
    let mut id = 0u64;
    for (d, &depth) in s.depths.iter().enumerate() {
        for rep in 0..s.reps {
            for (init, conv) in s.inits {
                id += 1;
                let ok = u64::from(rep) < conv[d];
                let mut t = trial_row(id, depth, init, rep);
                if ok {
                    t.status = Status::Converged;
                    t.epochs_to_target =
                        Some(1 + ((u64::from(rep) * 7 + id) % u64::from(s.epochs - 1)) as u32);
                }
                let acc = if ok { 1.0 } else { 0.5 + 0.01 * rep as f64 };
                t.final_train_acc = Some(acc);
                t.final_test_acc = s.test_split.then_some(acc - 0.05);
                trials.push(t);
                for epoch in [0, 1, 2, 5, 10, 20, s.epochs] {
                    let loss = 1.0 / (1.0 + epoch as f64 * (rep + 1) as f64 * 0.1);
                    curves.push(schema::CurveRow {
                        trial_id: id,
                        epoch,
                        train_loss: Some(loss),
                        train_acc: 0.5,
                        test_loss: None,
                        test_acc: None,
                    });
                }
            }
        }
    }
    write_trials(dir, &trials);
    write_csv::<schema::VectorRow>(
        &dir.join("init_vectors.csv"),
        schema::columns::<schema::VectorRow>(),
        &[],
    );
    write_csv(
        &dir.join("curves.csv"),
        schema::columns::<schema::CurveRow>(),
        &curves,
    );
    let manifest = serde_json::json!({
        "initbench_version": "0", "git_commit": null, "spec_hash": "0", "spec_file": null,
        "spec": {
            "name": "synthetic", "description": "a synthetic test grid", "epochs": s.epochs,
            "batch_size": null, "loss": "mse", "output_activation": "sigmoid",
            "target": { "train_acc": 1.0, "train_loss": null }, "early_stop": false,
            "test_fraction": 0.2,
        },
        "spec_toml": "", "spec_dir": ".", "shard": null, "experiment_seed": 0,
        "replicate_seeds": [], "trials": trials.len(), "cohorts": 1, "threads": 1,
        "started": "", "finished": null, "state": "complete",
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
}

/// Gives every trial of `dir` one row per weight layer (layers 0..=depth) in weights.csv,
/// each from `f(trial, layer)`.
fn write_weights(dir: &Path, f: impl Fn(&TrialRow, usize) -> WeightRow) {
    let rows: Vec<WeightRow> = read_trials(dir)
        .iter()
        .flat_map(|t| (0..=t.depth as usize).map(|l| f(t, l)).collect::<Vec<_>>())
        .collect();
    write_csv(
        &dir.join("weights.csv"),
        schema::columns::<WeightRow>(),
        &rows,
    );
}

const INITS: &[(&str, &[u64])] = &[
    ("zeros", &[0, 0]),
    ("good_init", &[10, 8]),
    ("mid_init", &[7, 3]),
];

fn standard(name: &str) -> (Scratch, Report) {
    let dir = temp_dir(name);
    write_results(
        &dir,
        &Synthetic {
            inits: INITS,
            depths: &[1, 2],
            reps: 10,
            epochs: 50,
            test_split: true,
        },
    );
    let report = write(&dir).unwrap();
    (dir, report)
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Width and height attributes of the root `<svg>` element.
fn svg_size(svg: &str) -> (u32, u32) {
    let open = &svg[svg.find("<svg").unwrap()..];
    let open = &open[..open.find('>').unwrap()];
    let attr = |name: &str| -> u32 {
        let at = open.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        open[at..].split('"').next().unwrap().parse().unwrap()
    };
    (attr("width"), attr("height"))
}

/// Well-formed enough: one root, balanced text elements, no stray tag characters.
fn check_svg(svg: &str) {
    assert!(svg.trim_start().starts_with("<svg"), "starts with <svg");
    assert!(svg.trim_end().ends_with("</svg>"), "ends with </svg>");
    assert_eq!(svg.matches("<svg").count(), 1);
    let texts = svg.matches("<text").count();
    assert!(texts > 5);
    assert_eq!(texts, svg.matches("</text>").count());
    assert_eq!(svg.matches('<').count(), svg.matches('>').count());
}
