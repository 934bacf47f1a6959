//! `trials.csv` read back into typed rows: the analysis stage's only input besides the
//! manifest, so every analysis reruns without retraining.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// One row of `trials.csv` (the columns analysis uses).
#[derive(Clone, Debug, Deserialize)]
pub struct TrialRecord {
    pub trial_id: String,
    pub dataset: String,
    pub depth: String,
    pub width: String,
    pub activation: String,
    pub initializer: String,
    pub gain: String,
    pub optimizer: String,
    pub replicate: u32,
    pub status: String,
    pub epochs_to_target: Option<u32>,
    pub final_train_acc: Option<f64>,
    pub final_test_acc: Option<f64>,
    pub best_test_acc: Option<f64>,
    pub init_loss: Option<f64>,
    pub init_grad_norm_first: Option<f64>,
    pub init_grad_norm_last: Option<f64>,
    pub init_act_std_first: Option<f64>,
    pub init_act_std_last: Option<f64>,
}

/// The axes that name a cell (everything but the replicate), in column order.
pub const CELL_AXES: [&str; 7] = [
    "dataset",
    "depth",
    "width",
    "activation",
    "initializer",
    "gain",
    "optimizer",
];

impl TrialRecord {
    /// The cell's axis values, in [`CELL_AXES`] order, exactly as written.
    pub fn cell(&self) -> [String; 7] {
        [
            self.dataset.clone(),
            self.depth.clone(),
            self.width.clone(),
            self.activation.clone(),
            self.initializer.clone(),
            self.gain.clone(),
            self.optimizer.clone(),
        ]
    }

    pub fn converged(&self) -> bool {
        self.status == "converged"
    }

    /// Time to convergence as censored data: the epoch the target was reached, or the budget
    /// (censored) for a trial that never reached it, diverged ones included.
    pub fn survival(&self, budget: u32) -> (f64, bool) {
        match (self.converged(), self.epochs_to_target) {
            (true, Some(e)) => (e as f64, true),
            _ => (budget as f64, false),
        }
    }
}

pub fn read(trials_csv: &Path) -> Result<Vec<TrialRecord>> {
    let mut r = csv::Reader::from_path(trials_csv)
        .map_err(|e| crate::record::writer::csv_error(trials_csv, e))?;
    r.deserialize()
        .enumerate()
        .map(|(i, row)| {
            row.map_err(|e| Error::Input(format!("{}:{}: {e}", trials_csv.display(), i + 2)))
        })
        .collect()
}

/// Groups records by a key, keeping the order in which keys first appear (plan order).
pub fn group_by<'a, K: std::hash::Hash + Eq + Clone>(
    records: impl IntoIterator<Item = &'a TrialRecord>,
    key: impl Fn(&TrialRecord) -> K,
) -> Vec<(K, Vec<&'a TrialRecord>)> {
    let mut groups: Vec<(K, Vec<&'a TrialRecord>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for r in records {
        let k = key(r);
        let at = *index.entry(k.clone()).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(r);
    }
    groups
}
