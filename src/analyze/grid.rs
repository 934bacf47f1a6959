//! The grid the report is laid out on: cells keyed by every axis but the initializer, each
//! holding one [`InitStats`] per initializer (success rate with its Wilson interval, the
//! Kaplan–Meier curve of epochs to target, final accuracies), and the same pooled over cells.

use std::collections::HashMap;

use super::trials::{CellTrials, Setting};
use crate::stats::{self, BoxStats, QuantileCi, Survival};

/// The axes a grid cell is keyed by, in plan order (the initializer is the series axis).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Axis {
    Dataset,
    Depth,
    Width,
    Activation,
    Optimizer,
    Parametrization,
    Gain,
}

pub const AXES: [Axis; 7] = [
    Axis::Dataset,
    Axis::Depth,
    Axis::Width,
    Axis::Activation,
    Axis::Optimizer,
    Axis::Parametrization,
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
            Axis::Parametrization => "parametrization",
            Axis::Gain => "gain",
        }
    }

    fn index(self) -> usize {
        AXES.iter().position(|&a| a == self).unwrap_or(0)
    }

    /// The value of this axis in `s`, as `trials.csv` writes it.
    pub fn value(self, s: &Setting) -> String {
        match self {
            Axis::Dataset => s.dataset.clone(),
            Axis::Depth => s.depth.to_string(),
            Axis::Width => s.width.to_string(),
            Axis::Activation => s.activation.clone(),
            Axis::Optimizer => s.optimizer.clone(),
            Axis::Parametrization => s.parametrization.clone(),
            Axis::Gain => s.gain_text(),
        }
    }

    /// Whether the axis's values are numbers (a sweep can be drawn along it).
    pub fn numeric(self) -> bool {
        matches!(self, Axis::Depth | Axis::Width | Axis::Gain)
    }

    /// A value as a reader sees it: "depth 4", "width 64", "gain 2", "mup parametrization", or
    /// the label itself.
    pub fn describe(self, value: &str) -> String {
        match self {
            Axis::Depth | Axis::Width | Axis::Gain => format!("{} {value}", self.name()),
            Axis::Parametrization => format!("{value} parametrization"),
            _ => value.to_string(),
        }
    }
}

/// A cell's coordinates: one value per axis of [`AXES`].
pub type Key = [String; 7];

pub fn key_of(s: &Setting) -> Key {
    AXES.map(|a| a.value(s))
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
    pub acc_mean: Option<f64>,
    pub acc_median: Option<f64>,
    /// Tukey's box of `acc`.
    pub acc_box: Option<BoxStats>,
    /// The cells of [`super::Folder::cells`] whose trials these are.
    pub cells: Vec<usize>,
    /// (epoch, median training loss) over these trials, from `curves.csv` (empty without it).
    pub loss_curve: Vec<(f64, f64)>,
}

impl InitStats {
    fn new(initializer: &str, cells: &[(usize, &CellTrials)], budget: u32) -> Self {
        let sum = |f: fn(&CellTrials) -> usize| cells.iter().map(|(_, c)| f(c) as u64).sum();
        let n: u64 = sum(|c| c.n);
        let converged: u64 = sum(|c| c.converged);
        let times: Vec<(f64, bool)> = cells.iter().flat_map(|(_, c)| c.survival(budget)).collect();
        let survival = stats::kaplan_meier(&times);
        let median = survival.as_ref().and_then(|s| s.median_ci(0.95));
        let acc_is_test = cells.iter().any(|(_, c)| c.accuracy().1);
        let acc: Vec<f64> = cells
            .iter()
            .flat_map(|(_, c)| {
                if acc_is_test {
                    &c.final_test_acc
                } else {
                    &c.final_train_acc
                }
            })
            .copied()
            .filter(|a| a.is_finite())
            .collect();
        InitStats {
            initializer: initializer.to_string(),
            n,
            converged,
            diverged: sum(|c| c.diverged),
            ci: stats::wilson(converged, n, 0.95),
            survival,
            median,
            acc_mean: stats::mean(&acc),
            acc_median: stats::median(&acc),
            acc_box: BoxStats::new(&acc),
            acc,
            acc_is_test,
            cells: cells.iter().map(|(i, _)| *i).collect(),
            loss_curve: Vec::new(),
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

/// Converged of n, with the Wilson 95% interval of the rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tally {
    pub converged: u64,
    pub n: u64,
    pub ci: Option<(f64, f64)>,
}

impl Tally {
    pub fn new(converged: u64, n: u64) -> Tally {
        Tally {
            converged,
            n,
            ci: stats::wilson(converged, n, 0.95),
        }
    }

    pub fn rate(&self) -> f64 {
        self.converged as f64 / self.n.max(1) as f64
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

/// The whole results folder on its grid.
#[derive(Clone, Debug)]
pub struct Grid {
    /// Each axis with its values: depth and width ascending, others in plan order.
    pub axes: Vec<(Axis, Vec<String>)>,
    pub initializers: Vec<String>,
    pub cells: Vec<Cell>,
    /// Per initializer, pooled over every cell.
    pub pooled: Vec<InitStats>,
    pub n_trials: usize,
    /// The training budget: trials that never converged are censored here.
    pub budget: u64,
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

impl Grid {
    /// `cells` in plan order (as [`super::trials::read_cells`] reads them).
    pub fn new(cells: &[CellTrials], budget: u32) -> Self {
        let keys_of: Vec<Key> = cells.iter().map(|c| key_of(&c.setting)).collect();
        let initializers = distinct(cells.iter().map(|c| c.setting.initializer.as_str()));
        let axes: Vec<(Axis, Vec<String>)> = AXES
            .iter()
            .map(|&axis| {
                let mut values = distinct(keys_of.iter().map(|k| key_value(k, axis)));
                if matches!(axis, Axis::Depth | Axis::Width) {
                    values.sort_by_key(|v| v.parse::<u64>().unwrap_or(u64::MAX));
                }
                (axis, values)
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut keys: Vec<Key> = keys_of
            .iter()
            .filter(|k| seen.insert(*k))
            .cloned()
            .collect();
        let rank = |k: &Key| -> Vec<usize> {
            axes.iter()
                .map(|(a, vals)| vals.iter().position(|v| v == key_value(k, *a)).unwrap_or(0))
                .collect()
        };
        keys.sort_by_key(|k| rank(k));
        // Cells by (key, initializer) and by initializer, in plan order.
        let mut by_key: HashMap<(&Key, &str), Vec<(usize, &CellTrials)>> = HashMap::new();
        let mut by_init: HashMap<&str, Vec<(usize, &CellTrials)>> = HashMap::new();
        for (i, (c, k)) in cells.iter().zip(&keys_of).enumerate() {
            let init = c.setting.initializer.as_str();
            by_key.entry((k, init)).or_default().push((i, c));
            by_init.entry(init).or_default().push((i, c));
        }
        let cells_out = keys
            .into_iter()
            .map(|key| {
                let inits = initializers
                    .iter()
                    .filter_map(|init| {
                        let cs = by_key.get(&(&key, init.as_str()))?;
                        Some(InitStats::new(init, cs, budget))
                    })
                    .collect();
                Cell { key, inits }
            })
            .collect();
        let pooled = initializers
            .iter()
            .map(|init| InitStats::new(init, &by_init[init.as_str()], budget))
            .collect();
        Grid {
            axes,
            initializers,
            cells: cells_out,
            pooled,
            n_trials: cells.iter().map(|c| c.n).sum(),
            budget: u64::from(budget),
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

    /// The trials of `init` in the cells matching `at`, pooled; None where there are none.
    pub fn tally(&self, at: &[(Axis, String)], init: &str) -> Option<Tally> {
        let (mut converged, mut n) = (0, 0);
        for c in self.cells_where(at) {
            if let Some(s) = c.get(init) {
                converged += s.converged;
                n += s.n;
            }
        }
        (n > 0).then(|| Tally::new(converged, n))
    }

    /// Whether any trial has a test split (the accuracy every table and box plot shows is
    /// then the test accuracy).
    pub fn acc_is_test(&self) -> bool {
        self.pooled.iter().any(|s| s.acc_is_test)
    }

    /// Every combination of the given axes' values that has trials, in order (one empty
    /// combination for no axes).
    pub fn combinations(&self, axes: &[Axis]) -> Vec<Vec<(Axis, String)>> {
        let mut combos: Vec<Vec<(Axis, String)>> = vec![Vec::new()];
        for &axis in axes {
            let mut next = Vec::new();
            for combo in &combos {
                for v in self.values(axis) {
                    let mut c = combo.clone();
                    c.push((axis, v.clone()));
                    next.push(c);
                }
            }
            combos = next;
        }
        // A merged or partial grid may be ragged.
        combos.retain(|c| !self.cells_where(c).is_empty());
        combos
    }

    /// The settings every trial shares, e.g. "xor, depth 1, width 2, sigmoid, sgd(lr=1),
    /// gain 1", leaving out the axes in `skip`.
    pub fn constants(&self, skip: &[Axis]) -> String {
        self.axes
            .iter()
            .filter(|(a, v)| v.len() == 1 && !skip.contains(a))
            // The standard parametrization goes without saying.
            .filter(|(a, v)| !(*a == Axis::Parametrization && v[0] == "standard"))
            .map(|(a, v)| a.describe(&v[0]))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// "relu, depth 4" for a combination; "" for none.
pub fn describe(combo: &[(Axis, String)]) -> String {
    combo
        .iter()
        .map(|(a, v)| a.describe(v))
        .collect::<Vec<_>>()
        .join(", ")
}
