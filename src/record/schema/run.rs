//! The files a run writes: one row type each.

use serde::{Deserialize, Serialize};

use super::{id, loss, micros, opt_loss, opt_real, real, Status};

/// One row of `trials.csv`: a trial's settings, outcome and state at initialization.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRow<S = String> {
    #[serde(with = "id")]
    pub trial_id: u64,
    pub dataset: S,
    pub depth: u32,
    pub width: u32,
    pub activation: S,
    pub initializer: S,
    #[serde(serialize_with = "real")]
    pub gain: f64,
    pub optimizer: S,
    #[serde(serialize_with = "real")]
    pub lr: f64,
    pub parametrization: S,
    pub replicate: u32,
    pub seed: u64,
    pub status: Status,
    pub epochs_to_target: Option<u32>,
    pub diverged_at_epoch: Option<u32>,
    pub epochs_run: u32,
    #[serde(serialize_with = "opt_loss")]
    pub final_train_loss: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_train_acc: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub final_test_loss: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub final_test_acc: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub best_train_loss: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_train_acc: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub best_test_loss: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub best_test_acc: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub init_loss: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub init_grad_norm_first: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub init_grad_norm_last: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub init_act_std_first: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub init_act_std_last: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub init_saturated_frac: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub init_dead_frac: Option<f64>,
    pub init_symmetric: bool,
}

impl<S> TrialRow<S> {
    pub fn converged(&self) -> bool {
        self.status == Status::Converged
    }
}

impl TrialRow {
    /// The row with its text borrowed.
    pub fn as_ref(&self) -> TrialRow<&str> {
        TrialRow {
            trial_id: self.trial_id,
            dataset: &self.dataset,
            depth: self.depth,
            width: self.width,
            activation: &self.activation,
            initializer: &self.initializer,
            gain: self.gain,
            optimizer: &self.optimizer,
            lr: self.lr,
            parametrization: &self.parametrization,
            replicate: self.replicate,
            seed: self.seed,
            status: self.status,
            epochs_to_target: self.epochs_to_target,
            diverged_at_epoch: self.diverged_at_epoch,
            epochs_run: self.epochs_run,
            final_train_loss: self.final_train_loss,
            final_train_acc: self.final_train_acc,
            final_test_loss: self.final_test_loss,
            final_test_acc: self.final_test_acc,
            best_train_loss: self.best_train_loss,
            best_train_acc: self.best_train_acc,
            best_test_loss: self.best_test_loss,
            best_test_acc: self.best_test_acc,
            init_loss: self.init_loss,
            init_grad_norm_first: self.init_grad_norm_first,
            init_grad_norm_last: self.init_grad_norm_last,
            init_act_std_first: self.init_act_std_first,
            init_act_std_last: self.init_act_std_last,
            init_saturated_frac: self.init_saturated_frac,
            init_dead_frac: self.init_dead_frac,
            init_symmetric: self.init_symmetric,
        }
    }
}

/// One row of `curves.csv`: a trial's metrics at one recorded epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurveRow {
    #[serde(with = "id")]
    pub trial_id: u64,
    pub epoch: u32,
    #[serde(serialize_with = "opt_loss")]
    pub train_loss: Option<f64>,
    #[serde(serialize_with = "real")]
    pub train_acc: f64,
    #[serde(serialize_with = "opt_loss")]
    pub test_loss: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub test_acc: Option<f64>,
}

/// One row of `weights.csv`: one weight layer of a trial's initial network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightRow {
    #[serde(with = "id")]
    pub trial_id: u64,
    pub layer: usize,
    pub fan_in: usize,
    pub fan_out: usize,
    #[serde(serialize_with = "loss")]
    pub mean: f64,
    #[serde(serialize_with = "loss")]
    pub std: f64,
    #[serde(serialize_with = "loss")]
    pub max_abs: f64,
    #[serde(serialize_with = "loss")]
    pub frobenius: f64,
    #[serde(serialize_with = "loss")]
    pub spectral: f64,
}

/// The per-layer statistics of [`WeightRow`], by column name (the weight-space map's
/// features are `first_layer_<name>` and `last_layer_<name>`).
pub const WEIGHT_STATS: [&str; 5] = ["mean", "std", "max_abs", "frobenius", "spectral"];

impl WeightRow {
    /// The statistics of [`WEIGHT_STATS`], in that order.
    pub fn stats(&self) -> [f64; 5] {
        [
            self.mean,
            self.std,
            self.max_abs,
            self.frobenius,
            self.spectral,
        ]
    }
}

/// One row of `init_vectors.csv`: one parameter of a small trial's initial network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorRow {
    #[serde(with = "id")]
    pub trial_id: u64,
    pub index: usize,
    #[serde(serialize_with = "loss")]
    pub value: f64,
}

/// One row of `layers.csv`: one hidden layer of a trial at one recorded epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerRow {
    #[serde(with = "id")]
    pub trial_id: u64,
    pub epoch: u32,
    pub layer: usize,
    #[serde(serialize_with = "opt_loss")]
    pub act_mean: Option<f64>,
    #[serde(serialize_with = "opt_loss")]
    pub act_std: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub saturated_frac: Option<f64>,
}

/// One row of `jacobian.csv`: the spectrum of a trial's hidden-stack Jacobian at
/// initialization (`train::jacobian`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JacobianRow {
    #[serde(with = "id")]
    pub trial_id: u64,
    pub layers: usize,
    pub points: usize,
    #[serde(serialize_with = "opt_real")]
    pub sv2_mean: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub sv2_var: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub sv_max: Option<f64>,
    #[serde(serialize_with = "opt_real")]
    pub q_first: Option<f64>,
}

/// One row of `timings.csv`: the chunk a trial trained in and how long the chunk took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingRow {
    #[serde(with = "id")]
    pub trial_id: u64,
    pub chunk: usize,
    pub chunk_trials: usize,
    #[serde(serialize_with = "micros")]
    pub chunk_seconds: f64,
}
