//! Groups trials into cells (every axis but the initializer) and computes the statistics the
//! figures and the text share: success rate with its Wilson interval, the Kaplan–Meier curve of
//! epochs to target, and final accuracies.

use crate::stats::{self, QuantileCi, Survival};

use super::load::{Results, Status, Trial};

/// The axes a cell is keyed by, in plan order (the initializer is the series axis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    Dataset,
    Depth,
    Width,
    Activation,
    Optimizer,
    Gain,
}

pub const AXES: [Axis; 6] = [
    Axis::Dataset,
    Axis::Depth,
    Axis::Width,
    Axis::Activation,
    Axis::Optimizer,
    Axis::Gain,
];

impl Axis {
    pub fn name(self) -> &'static str {
        match self {
            Axis::Dataset => "dataset",
            Axis::Depth => "depth",
            Axis::Width => "width",
            Axis::Activation => "activation",
            Axis::Optimizer => "optimizer",
            Axis::Gain => "gain",
        }
    }

    fn index(self) -> usize {
        AXES.iter().position(|&a| a == self).unwrap_or(0)
    }

    pub fn value(self, trial: &Trial) -> String {
        match self {
            Axis::Dataset => trial.dataset.clone(),
            Axis::Depth => trial.depth.to_string(),
            Axis::Width => trial.width.to_string(),
            Axis::Activation => trial.activation.clone(),
            Axis::Optimizer => trial.optimizer.clone(),
            Axis::Gain => trial.gain.clone(),
        }
    }

    /// A value as a reader sees it: "depth 4", "width 64", "gain 2", or the label itself.
    pub fn describe(self, value: &str) -> String {
        match self {
            Axis::Depth | Axis::Width | Axis::Gain => format!("{} {value}", self.name()),
            _ => value.to_string(),
        }
    }
}

/// A cell's coordinates: one value per axis of [`AXES`].
pub type Key = [String; 6];

pub fn key_of(trial: &Trial) -> Key {
    AXES.map(|a| a.value(trial))
}

pub fn key_value(key: &Key, axis: Axis) -> &str {
    &key[axis.index()]
}

/// One initializer in one cell (or pooled over cells).
#[derive(Clone, Debug)]
pub struct InitStats {
    pub initializer: String,
    pub n: u64,
    pub converged: u64,
    pub diverged: u64,
    /// Wilson 95% interval of the success rate.
    pub ci: Option<(f64, f64)>,
    /// Kaplan–Meier curve of epochs to target (never-converged trials censored at the budget).
    pub survival: Option<Survival>,
    /// Median epochs to target with its 95% Brookmeyer–Crowley interval.
    pub median: Option<QuantileCi>,
    /// Final test accuracies (train accuracies when `acc_is_test` is false), finite values only.
    pub acc: Vec<f64>,
    pub acc_is_test: bool,
    pub trial_ids: Vec<String>,
}

impl InitStats {
    fn new(initializer: &str, trials: &[&Trial], budget: u64) -> Self {
        let n = trials.len() as u64;
        let converged = trials
            .iter()
            .filter(|t| t.status == Status::Converged)
            .count() as u64;
        let diverged = trials
            .iter()
            .filter(|t| t.status == Status::Diverged)
            .count() as u64;
        let times: Vec<(f64, bool)> = trials
            .iter()
            .map(|t| match (t.status, t.epochs_to_target) {
                (Status::Converged, Some(e)) => (e, true),
                _ => (budget as f64, false),
            })
            .collect();
        let survival = stats::kaplan_meier(&times);
        let median = survival.as_ref().and_then(|s| s.median_ci(0.95));
        let acc_is_test = trials.iter().any(|t| t.final_test_acc.is_some());
        let acc = trials
            .iter()
            .filter_map(|t| {
                if acc_is_test {
                    t.final_test_acc
                } else {
                    t.final_train_acc
                }
            })
            .filter(|a| a.is_finite())
            .collect();
        InitStats {
            initializer: initializer.to_string(),
            n,
            converged,
            diverged,
            ci: stats::wilson(converged, n, 0.95),
            survival,
            median,
            acc,
            acc_is_test,
            trial_ids: trials.iter().map(|t| t.trial_id.clone()).collect(),
        }
    }

    pub fn rate(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.converged as f64 / self.n as f64
        }
    }
}

/// All initializers at one point of the other axes.
#[derive(Clone, Debug)]
pub struct Cell {
    pub key: Key,
    /// In initializer order; an initializer absent from this cell is left out.
    pub inits: Vec<InitStats>,
}

impl Cell {
    pub fn get(&self, initializer: &str) -> Option<&InitStats> {
        self.inits.iter().find(|s| s.initializer == initializer)
    }
}

/// The whole results folder, grouped.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Each axis with its values: depth and width ascending, others in plan order.
    pub axes: Vec<(Axis, Vec<String>)>,
    pub initializers: Vec<String>,
    pub cells: Vec<Cell>,
    /// Per initializer, pooled over every cell.
    pub pooled: Vec<InitStats>,
    pub budget: u64,
    pub n_trials: usize,
    /// Trials that started with two identical hidden units, and the others; None when no
    /// trial did (or the column is absent).
    pub symmetry: Option<Symmetry>,
}

/// Outcome by the at-initialization symmetry flag (`init_symmetric`).
#[derive(Clone, Debug, PartialEq)]
pub struct Symmetry {
    /// Initializers with at least one symmetric trial, in initializer order.
    pub initializers: Vec<String>,
    pub symmetric: u64,
    pub symmetric_converged: u64,
    pub others: u64,
    pub others_converged: u64,
}

impl Symmetry {
    fn new(trials: &[Trial], initializers: &[String]) -> Option<Symmetry> {
        let flagged: Vec<&Trial> = trials
            .iter()
            .filter(|t| t.init_symmetric == Some(true))
            .collect();
        if flagged.is_empty() {
            return None;
        }
        let converged =
            |ts: &[&Trial]| ts.iter().filter(|t| t.status == Status::Converged).count() as u64;
        let others: Vec<&Trial> = trials
            .iter()
            .filter(|t| t.init_symmetric == Some(false))
            .collect();
        Some(Symmetry {
            initializers: initializers
                .iter()
                .filter(|i| flagged.iter().any(|t| &t.initializer == *i))
                .cloned()
                .collect(),
            symmetric: flagged.len() as u64,
            symmetric_converged: converged(&flagged),
            others: others.len() as u64,
            others_converged: converged(&others),
        })
    }
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.iter().any(|o| o == item) {
            out.push(item.to_string());
        }
    }
    out
}

impl Analysis {
    pub fn new(results: &Results) -> Self {
        let trials = &results.trials;
        let budget = results.manifest.epochs;
        let initializers = distinct(trials.iter().map(|t| t.initializer.as_str()));
        let axes: Vec<(Axis, Vec<String>)> = AXES
            .iter()
            .map(|&axis| {
                let values: Vec<String> = trials.iter().map(|t| axis.value(t)).collect();
                let mut values = distinct(values.iter().map(String::as_str));
                if matches!(axis, Axis::Depth | Axis::Width) {
                    values.sort_by_key(|v| v.parse::<u64>().unwrap_or(u64::MAX));
                }
                (axis, values)
            })
            .collect();
        let mut keys: Vec<Key> = Vec::new();
        for t in trials {
            let k = key_of(t);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let rank = |k: &Key| -> Vec<usize> {
            axes.iter()
                .map(|(a, vals)| vals.iter().position(|v| v == key_value(k, *a)).unwrap_or(0))
                .collect()
        };
        keys.sort_by_key(|k| rank(k));
        let cells = keys
            .into_iter()
            .map(|key| {
                let inits = initializers
                    .iter()
                    .filter_map(|init| {
                        let ts: Vec<&Trial> = trials
                            .iter()
                            .filter(|t| &t.initializer == init && key_of(t) == key)
                            .collect();
                        (!ts.is_empty()).then(|| InitStats::new(init, &ts, budget))
                    })
                    .collect();
                Cell { key, inits }
            })
            .collect();
        let pooled = initializers
            .iter()
            .map(|init| {
                let ts: Vec<&Trial> = trials.iter().filter(|t| &t.initializer == init).collect();
                InitStats::new(init, &ts, budget)
            })
            .collect();
        let symmetry = Symmetry::new(trials, &initializers);
        Analysis {
            axes,
            initializers,
            cells,
            pooled,
            budget,
            n_trials: trials.len(),
            symmetry,
        }
    }

    pub fn values(&self, axis: Axis) -> &[String] {
        &self
            .axes
            .iter()
            .find(|(a, _)| *a == axis)
            .expect("every axis is listed")
            .1
    }

    /// Axes with more than one value, in plan order.
    pub fn varying(&self) -> Vec<Axis> {
        self.axes
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(a, _)| *a)
            .collect()
    }

    /// The cells whose key matches `fixed` on the given axes.
    pub fn cells_where(&self, fixed: &[(Axis, String)]) -> Vec<&Cell> {
        self.cells
            .iter()
            .filter(|c| fixed.iter().all(|(a, v)| key_value(&c.key, *a) == v))
            .collect()
    }

    /// Pools every trial matching `fixed` per initializer (e.g. all depths of one activation).
    pub fn pool_where(&self, results: &Results, fixed: &[(Axis, String)]) -> Vec<InitStats> {
        self.initializers
            .iter()
            .filter_map(|init| {
                let ts: Vec<&Trial> = results
                    .trials
                    .iter()
                    .filter(|t| {
                        &t.initializer == init && fixed.iter().all(|(a, v)| &a.value(t) == v)
                    })
                    .collect();
                (!ts.is_empty()).then(|| InitStats::new(init, &ts, self.budget))
            })
            .collect()
    }
}

/// Every combination of the given axes' values, in order (one empty combination for no axes).
pub fn combinations(analysis: &Analysis, axes: &[Axis]) -> Vec<Vec<(Axis, String)>> {
    let mut combos: Vec<Vec<(Axis, String)>> = vec![Vec::new()];
    for &axis in axes {
        let mut next = Vec::new();
        for combo in &combos {
            for v in analysis.values(axis) {
                let mut c = combo.clone();
                c.push((axis, v.clone()));
                next.push(c);
            }
        }
        combos = next;
    }
    // Keep only combinations that have trials (a merged or partial grid may be ragged).
    combos.retain(|c| !analysis.cells_where(c).is_empty());
    combos
}

/// "relu, depth 4" for a combination; "" for none.
pub fn describe(combo: &[(Axis, String)]) -> String {
    combo
        .iter()
        .map(|(a, v)| a.describe(v))
        .collect::<Vec<_>>()
        .join(", ")
}
