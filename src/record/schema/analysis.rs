//! The files the analysis writes beside a run's results: one row type each. `summary.csv`
//! and `comparisons.csv` have a row per cell and per pair of initializers; the weight-space
//! map writes `som_fit.csv`, `som_nodes.csv` (followed by its prototype columns),
//! `regions.csv` and `separation.csv`.

use serde::{Deserialize, Serialize};

use super::{id, opt_real, real, Status};

/// One row of `summary.csv`: one cell (every axis but the replicate).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow<S = String> {
    pub dataset: S,
    pub depth: u32,
    pub width: u32,
    pub activation: S,
    pub initializer: S,
    #[serde(serialize_with = "real")]
    pub gain: f64,
    pub optimizer: S,
    pub parametrization: S,
    pub n: usize,
    pub converged: usize,
    pub not_converged: usize,
    pub diverged: usize,
    #[serde(serialize_with = "real")]
    pub success_rate: f64,
    #[serde(serialize_with = "opt_real")]
    pub success_rate_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub success_rate_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub median_epochs_to_target: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub median_epochs_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub median_epochs_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_test_acc_mean: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_test_acc_mean_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_test_acc_mean_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_test_acc_sd: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_test_acc_median: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_test_acc_median_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_test_acc_median_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_test_acc_mean: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_test_acc_mean_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_test_acc_mean_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_test_acc_sd: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_test_acc_median: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_test_acc_median_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_test_acc_median_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_train_acc_mean: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_train_acc_mean_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_train_acc_mean_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_train_acc_sd: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_train_acc_median: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_train_acc_median_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_train_acc_median_ci_high: Option<f64>,
}

/// One row of `comparisons.csv`: two initializers within one group of cells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow<S = String> {
    pub dataset: S,
    pub depth: u32,
    pub width: u32,
    pub activation: S,
    #[serde(serialize_with = "real")]
    pub gain: f64,
    pub optimizer: S,
    pub parametrization: S,
    pub initializer_a: S,
    pub initializer_b: S,
    pub n_a: usize,
    pub n_b: usize,
    #[serde(serialize_with = "real")]
    pub success_rate_a: f64,
    #[serde(serialize_with = "real")]
    pub success_rate_b: f64,
    #[serde(serialize_with = "real")]
    pub rate_difference: f64,
    #[serde(serialize_with = "opt_real")]
    pub rate_difference_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub rate_difference_ci_high: Option<f64>,
    #[serde(serialize_with = "real")]
    pub fisher_p: f64,
    #[serde(serialize_with = "real")]
    pub fisher_p_holm: f64,
    #[serde(serialize_with = "opt_real")]
    pub logrank_chisq: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub logrank_p: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub logrank_p_holm: Option<f64>,
    /// `final_test_acc`, or `final_train_acc` where the group has no test split.
    pub accuracy_measure: S,
    #[serde(serialize_with = "opt_real")]
    pub accuracy_auc: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub accuracy_auc_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub accuracy_auc_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub cliffs_delta: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub mann_whitney_p: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub mann_whitney_p_holm: Option<f64>,
}

/// What the weight-space map was trained on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapInput {
    /// Whole initial parameter vectors.
    Vectors,
    /// Per-layer weight statistics and the diagnostics at initialization.
    Features,
}

/// The one row of `som_fit.csv`: the map and its node × outcome test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SomFitRow {
    pub input: MapInput,
    pub dims: usize,
    pub rows: usize,
    pub cols: usize,
    #[serde(serialize_with = "real")]
    pub quantization_error: f64,
    #[serde(serialize_with = "real")]
    pub topographic_error: f64,
    /// Empty when the test is undefined (one outcome only, or one occupied node).
    #[serde(serialize_with = "opt_real")]
    pub chi_square: Option<f64>,
    pub chi_square_df: Option<u64>,
    #[serde(serialize_with = "opt_real")]
    pub chi_square_p: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub min_expected: Option<f64>,
}

/// One row of `som_nodes.csv`, before its `prototype_<k>` columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SomNodeRow {
    pub node: usize,
    pub row: usize,
    pub col: usize,
    pub hits: usize,
    pub successes: usize,
    /// Empty for a node no trial maps to.
    #[serde(serialize_with = "opt_real")]
    pub success_rate: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub success_rate_ci_low: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub success_rate_ci_high: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub median_epochs_to_target: Option<f64>,
    /// Mean final test accuracy of the node's trials (train accuracy without a test split).
    #[serde(serialize_with = "opt_real")]
    pub mean_accuracy: Option<f64>,
    #[serde(serialize_with = "real")]
    pub u_matrix: f64,
}

/// One row of `regions.csv`: the node a trial's initial weights map to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionRow {
    #[serde(with = "id")]
    pub trial_id: u64,
    pub node: usize,
    pub row: usize,
    pub col: usize,
    #[serde(serialize_with = "real")]
    pub distance: f64,
    pub status: Status,
}

/// Which side of a separation rule's threshold fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Above,
    Below,
}

/// One row of `separation.csv`, most separating feature first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeparationRow<S = String> {
    pub feature: S,
    #[serde(serialize_with = "real")]
    pub auc: f64,
    #[serde(serialize_with = "real")]
    pub auc_ci_low: f64,
    #[serde(serialize_with = "real")]
    pub auc_ci_high: f64,
    #[serde(serialize_with = "real")]
    pub mann_whitney_p: f64,
    pub n_success: usize,
    pub n_failure: usize,
    /// Empty for a feature without finite values.
    #[serde(serialize_with = "opt_real")]
    pub rule_threshold: Option<f64>,
    pub rule_fails_when: Side,
    /// Empty when the rule selects no trial.
    #[serde(serialize_with = "opt_real")]
    pub rule_failure_rate: Option<f64>,
    pub rule_selected: usize,
    #[serde(serialize_with = "real")]
    pub rule_accuracy: f64,
    /// The rule in words, e.g. "last_layer_std ≤ 0.002529: 100% fail, n = 100".
    pub rule: S,
}
