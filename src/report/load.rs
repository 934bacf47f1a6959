//! Reads a results folder: `trials.csv`, `curves.csv` (optional) and `manifest.json`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// How a trial ended (`status` in `trials.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Converged,
    NotConverged,
    Diverged,
}

/// One row of `trials.csv`: the columns the report uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    pub trial_id: String,
    pub dataset: String,
    pub depth: u64,
    pub width: u64,
    pub activation: String,
    pub initializer: String,
    /// The gain as written in the CSV (kept as text so it groups exactly).
    pub gain: String,
    pub optimizer: String,
    pub replicate: u64,
    pub status: Status,
    pub epochs_to_target: Option<f64>,
    pub final_train_acc: Option<f64>,
    pub final_test_acc: Option<f64>,
    /// Two hidden units started identical (`init_symmetric`); None in files without the column.
    pub init_symmetric: Option<bool>,
}

#[derive(Deserialize)]
struct TrialRow {
    trial_id: String,
    dataset: String,
    depth: u64,
    width: u64,
    activation: String,
    initializer: String,
    gain: String,
    optimizer: String,
    replicate: u64,
    status: String,
    epochs_to_target: Option<f64>,
    final_train_acc: Option<f64>,
    final_test_acc: Option<f64>,
    #[serde(default)]
    init_symmetric: Option<bool>,
}

/// One row of `curves.csv`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CurvePoint {
    pub trial_id: String,
    pub epoch: u64,
    pub train_loss: Option<f64>,
}

/// What the report needs from `manifest.json` (its `spec`, resolved by the run).
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    pub name: String,
    pub description: String,
    /// The training budget: trials that never converged are censored here.
    pub epochs: u64,
    /// None = full batch.
    pub batch_size: Option<u64>,
    pub loss: String,
    pub output_activation: String,
    pub target_train_acc: Option<f64>,
    pub target_train_loss: Option<f64>,
    pub test_fraction: Option<f64>,
    pub early_stop: bool,
    /// `running` for a run that has not finished writing its rows.
    pub state: Option<String>,
}

/// Everything read from a results folder.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    pub manifest: Manifest,
    /// In file (plan) order.
    pub trials: Vec<Trial>,
    /// Curve points by trial id, in epoch order; empty when there is no `curves.csv`.
    pub curves: HashMap<String, Vec<(u64, f64)>>,
    pub has_curves: bool,
}

pub(super) fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.kind() {
        csv::ErrorKind::Io(_) => match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::io(path, io),
            _ => unreachable!(),
        },
        _ => Error::Input(format!("{}: {e}", path.display())),
    }
}

fn read_trials(path: &Path) -> Result<Vec<Trial>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let mut trials = Vec::new();
    for row in reader.deserialize::<TrialRow>() {
        let row = row.map_err(|e| csv_error(path, e))?;
        let status = match row.status.as_str() {
            "converged" => Status::Converged,
            "not_converged" => Status::NotConverged,
            "diverged" => Status::Diverged,
            other => {
                return Err(Error::Input(format!(
                    "{}: trial {}: unknown status {other:?}",
                    path.display(),
                    row.trial_id
                )))
            }
        };
        trials.push(Trial {
            trial_id: row.trial_id,
            dataset: row.dataset,
            depth: row.depth,
            width: row.width,
            activation: row.activation,
            initializer: row.initializer,
            gain: row.gain,
            optimizer: row.optimizer,
            replicate: row.replicate,
            status,
            epochs_to_target: row.epochs_to_target,
            final_train_acc: row.final_train_acc,
            final_test_acc: row.final_test_acc,
            init_symmetric: row.init_symmetric,
        });
    }
    Ok(trials)
}

fn read_curves(path: &Path) -> Result<HashMap<String, Vec<(u64, f64)>>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let mut curves: HashMap<String, Vec<(u64, f64)>> = HashMap::new();
    for row in reader.deserialize::<CurvePoint>() {
        let row = row.map_err(|e| csv_error(path, e))?;
        if let Some(loss) = row.train_loss.filter(|l| l.is_finite()) {
            curves
                .entry(row.trial_id)
                .or_default()
                .push((row.epoch, loss));
        }
    }
    for points in curves.values_mut() {
        points.sort_by_key(|p| p.0);
    }
    Ok(curves)
}

fn read_manifest(path: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::Input(format!("{}: {e}", path.display())))?;
    let bad = |what: &str| Error::Input(format!("{}: no {what} in the manifest", path.display()));
    let spec = value.get("spec").ok_or_else(|| bad("spec"))?;
    let text_of = |key: &str| spec.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let target = spec.get("target");
    let target_of = |key: &str| target.and_then(|t| t.get(key)).and_then(|v| v.as_f64());
    Ok(Manifest {
        name: text_of("name").ok_or_else(|| bad("spec.name"))?,
        description: text_of("description").unwrap_or_default(),
        epochs: spec
            .get("epochs")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| bad("spec.epochs"))?,
        batch_size: spec.get("batch_size").and_then(|v| v.as_u64()),
        loss: text_of("loss").unwrap_or_default(),
        output_activation: text_of("output_activation").unwrap_or_default(),
        target_train_acc: target_of("train_acc"),
        target_train_loss: target_of("train_loss"),
        test_fraction: spec.get("test_fraction").and_then(|v| v.as_f64()),
        early_stop: spec
            .get("early_stop")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        state: value
            .get("state")
            .and_then(|v| v.as_str())
            .map(str::to_string),
    })
}

/// Reads `dir/trials.csv`, `dir/manifest.json` and, when present, `dir/curves.csv`.
pub fn load(dir: &Path) -> Result<Results> {
    let manifest = read_manifest(&dir.join("manifest.json"))?;
    let trials = read_trials(&dir.join("trials.csv"))?;
    if trials.is_empty() {
        return Err(Error::Input(format!(
            "{}: no trials to report",
            dir.join("trials.csv").display()
        )));
    }
    let curves_path = dir.join("curves.csv");
    let has_curves = curves_path.exists();
    let curves = if has_curves {
        read_curves(&curves_path)?
    } else {
        HashMap::new()
    };
    Ok(Results {
        manifest,
        trials,
        curves,
        has_curves,
    })
}
