//! Reads what `initbench regions` wrote (`som_nodes.csv`, `som_fit.csv`, `separation.csv`),
//! and the per-trial values of the features `separation.csv` ranks (from `weights.csv` and
//! `trials.csv`), for the weight-space figures.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::analysis::{key_of, Key};
use super::load::{csv_error, Status, Trial};
use crate::error::{Error, Result};
use crate::stats;

/// The files that mark a folder as mapped by `initbench regions`.
pub const FILES: [&str; 3] = ["som_nodes.csv", "som_fit.csv", "separation.csv"];

/// `som_fit.csv`: the map and the node × outcome test.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SomFit {
    /// `vectors` (whole initial parameter vectors) or `features`.
    pub input: String,
    pub dims: usize,
    pub rows: usize,
    pub cols: usize,
    pub quantization_error: f64,
    pub topographic_error: f64,
    /// Empty when the test is undefined (one outcome only, or one occupied node).
    pub chi_square: Option<f64>,
    pub chi_square_df: Option<u64>,
    pub chi_square_p: Option<f64>,
    pub min_expected: Option<f64>,
}

/// One row of `som_nodes.csv` (the prototype columns are not needed).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Node {
    pub row: usize,
    pub col: usize,
    pub hits: u64,
    pub successes: u64,
    /// Empty for a node no trial maps to.
    pub success_rate: Option<f64>,
    /// Mean final test accuracy of the node's trials (train accuracy without a test split).
    #[serde(default)]
    pub mean_accuracy: Option<f64>,
    pub u_matrix: f64,
}

/// One row of `separation.csv`, most separating first.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Separation {
    pub feature: String,
    pub auc: f64,
    pub auc_ci_low: f64,
    pub auc_ci_high: f64,
    pub mann_whitney_p: f64,
    pub n_success: u64,
    pub n_failure: u64,
    /// e.g. "last_layer_std ≤ 0.002529: 100% fail, n = 100".
    pub rule: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Regions {
    pub fit: SomFit,
    pub nodes: Vec<Node>,
    pub separation: Vec<Separation>,
}

impl Regions {
    /// Trials mapped (the sum of the nodes' hits).
    pub fn trials(&self) -> u64 {
        self.nodes.iter().map(|n| n.hits).sum()
    }
}

fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.map_err(|e| Error::Input(format!("{}:{}: {e}", path.display(), i + 2))))
        .collect()
}

/// The regions outputs of `dir`: `None` when it has none of them; an input error when only
/// some are there or one is malformed.
pub fn load(dir: &Path) -> Result<Option<Regions>> {
    let present: Vec<bool> = FILES.iter().map(|f| dir.join(f).exists()).collect();
    if present.iter().all(|p| !p) {
        return Ok(None);
    }
    if let Some(i) = present.iter().position(|p| !p) {
        return Err(Error::Input(format!(
            "{}: missing beside the other `initbench regions` outputs; run `initbench regions {}` \
             again",
            dir.join(FILES[i]).display(),
            dir.display()
        )));
    }
    let fit_path = dir.join("som_fit.csv");
    let fit = read::<SomFit>(&fit_path)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Input(format!("{}: no row", fit_path.display())))?;
    let nodes: Vec<Node> = read(&dir.join("som_nodes.csv"))?;
    let nodes_path = dir.join("som_nodes.csv");
    if nodes.len() != fit.rows * fit.cols
        || nodes.iter().any(|n| n.row >= fit.rows || n.col >= fit.cols)
    {
        return Err(Error::Input(format!(
            "{}: does not hold the {}×{} map of som_fit.csv",
            nodes_path.display(),
            fit.rows,
            fit.cols
        )));
    }
    let separation = read(&dir.join("separation.csv"))?;
    Ok(Some(Regions {
        fit,
        nodes,
        separation,
    }))
}

/// A feature's finite values for the converged trials and for the others (not converged or
/// diverged), as `separation.csv` splits them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    pub converged: Vec<f64>,
    pub failed: Vec<f64>,
}

#[derive(Deserialize)]
struct TrialRow {
    trial_id: String,
    status: String,
    init_loss: Option<f64>,
    init_grad_norm_first: Option<f64>,
    init_grad_norm_last: Option<f64>,
    init_act_std_first: Option<f64>,
    init_act_std_last: Option<f64>,
}

impl TrialRow {
    fn init(&self, name: &str) -> Option<Option<f64>> {
        Some(match name {
            "init_loss" => self.init_loss,
            "init_grad_norm_first" => self.init_grad_norm_first,
            "init_grad_norm_last" => self.init_grad_norm_last,
            "init_act_std_first" => self.init_act_std_first,
            "init_act_std_last" => self.init_act_std_last,
            _ => return None,
        })
    }
}

#[derive(Clone, Deserialize)]
struct WeightRow {
    trial_id: String,
    layer: usize,
    mean: f64,
    std: f64,
    max_abs: f64,
    frobenius: f64,
    spectral: f64,
}

impl WeightRow {
    fn stat(&self, name: &str) -> Option<f64> {
        Some(match name {
            "mean" => self.mean,
            "std" => self.std,
            "max_abs" => self.max_abs,
            "frobenius" => self.frobenius,
            "spectral" => self.spectral,
            _ => return None,
        })
    }
}

/// `first_layer_std` → (false, "std"); `last_layer_max_abs` → (true, "max_abs").
fn layer_feature(name: &str) -> Option<(bool, &str)> {
    if let Some(stat) = name.strip_prefix("first_layer_") {
        Some((false, stat))
    } else {
        name.strip_prefix("last_layer_").map(|stat| (true, stat))
    }
}

/// The values of each of `features` (in order) over the trials of `dir`; `None` for a name
/// that is neither a `first_layer_*`/`last_layer_*` weight statistic (layer 0 and each
/// trial's highest layer of `weights.csv`) nor an `init_*` column of `trials.csv`.
pub fn samples(dir: &Path, features: &[&str]) -> Result<Vec<Option<Samples>>> {
    let trials: Vec<TrialRow> = read(&dir.join("trials.csv"))?;
    let needs_weights = features.iter().any(|f| layer_feature(f).is_some());
    // Layer 0 and the highest layer of each trial.
    let mut first: HashMap<String, WeightRow> = HashMap::new();
    let mut last: HashMap<String, WeightRow> = HashMap::new();
    if needs_weights {
        for row in read::<WeightRow>(&dir.join("weights.csv"))? {
            if row.layer == 0 {
                first.insert(row.trial_id.clone(), row.clone());
            }
            if last.get(&row.trial_id).is_none_or(|l| row.layer >= l.layer) {
                last.insert(row.trial_id.clone(), row);
            }
        }
    }
    Ok(features
        .iter()
        .map(|&name| {
            let value = |t: &TrialRow| -> Option<Option<f64>> {
                if let Some(v) = t.init(name) {
                    return Some(v);
                }
                let (is_last, stat) = layer_feature(name)?;
                if !WeightRow::known(stat) {
                    return None;
                }
                let rows = if is_last { &last } else { &first };
                Some(rows.get(&t.trial_id).and_then(|r| r.stat(stat)))
            };
            let mut s = Samples::default();
            for t in &trials {
                match value(t)? {
                    Some(v) if v.is_finite() => {
                        if t.status == "converged" {
                            s.converged.push(v)
                        } else {
                            s.failed.push(v)
                        }
                    }
                    _ => {}
                }
            }
            Some(s)
        })
        .collect())
}

impl WeightRow {
    fn known(stat: &str) -> bool {
        matches!(stat, "mean" | "std" | "max_abs" | "frobenius" | "spectral")
    }
}

/// Node × outcome χ² tests within each setting (every axis value and the initializer held
/// fixed), summed. The map's overall test mixes two things: settings that differ (a gain of
/// 10 against 0.3) land in different regions and train differently. Within one setting only
/// the random draw differs, so this asks whether the region of the draw itself matters; the
/// sum of independent χ² statistics is χ² with the summed degrees of freedom.
#[derive(Clone, Debug, PartialEq)]
pub struct WithinSettings {
    /// Settings in the folder, and those where the test is defined (both outcomes and two or
    /// more occupied nodes).
    pub settings: usize,
    pub tested: usize,
    pub statistic: f64,
    pub df: u64,
    pub p_value: f64,
    /// The smallest and largest per-setting p-values.
    pub p_min: f64,
    pub p_max: f64,
}

#[derive(Deserialize)]
struct RegionRow {
    trial_id: String,
    node: usize,
}

/// The within-setting test from `regions.csv` and the trials; None when the folder has no
/// `regions.csv`, holds a single setting, or no setting has a defined test.
pub fn within_settings(dir: &Path, trials: &[Trial]) -> Result<Option<WithinSettings>> {
    let path = dir.join("regions.csv");
    if !path.exists() {
        return Ok(None);
    }
    let rows: Vec<RegionRow> = read(&path)?;
    let node_of: HashMap<&str, usize> =
        rows.iter().map(|r| (r.trial_id.as_str(), r.node)).collect();
    // Setting → node → [converged, not].
    let mut tables: BTreeMap<(Key, &str), BTreeMap<usize, [u64; 2]>> = BTreeMap::new();
    for t in trials {
        let Some(&node) = node_of.get(t.trial_id.as_str()) else {
            continue;
        };
        let counts = tables
            .entry((key_of(t), t.initializer.as_str()))
            .or_default()
            .entry(node)
            .or_default();
        counts[usize::from(t.status != Status::Converged)] += 1;
    }
    if tables.len() < 2 {
        return Ok(None);
    }
    let tests: Vec<stats::ChiSquareTest> = tables
        .values()
        .filter_map(|nodes| {
            let table: Vec<Vec<u64>> = nodes.values().map(|c| c.to_vec()).collect();
            stats::chi_square_independence(&table)
        })
        .collect();
    if tests.is_empty() {
        return Ok(None);
    }
    let statistic: f64 = tests.iter().map(|t| t.statistic).sum();
    let df: u64 = tests.iter().map(|t| t.df).sum();
    let ps = tests.iter().map(|t| t.p_value);
    Ok(Some(WithinSettings {
        settings: tables.len(),
        tested: tests.len(),
        statistic,
        df,
        p_value: stats::chi_square_upper(statistic, df as f64),
        p_min: ps.clone().fold(f64::INFINITY, f64::min),
        p_max: ps.fold(f64::NEG_INFINITY, f64::max),
    }))
}
