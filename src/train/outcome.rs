//! What training one network produces, and the rules that turn metrics into a verdict.

/// When a trial counts as trained: every given bound must hold on the training split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// Train loss ≤ this.
    pub train_loss: Option<f64>,
    /// Train accuracy ≥ this.
    pub train_acc: Option<f64>,
}

impl Target {
    pub fn met(&self, train_loss: f64, train_acc: f64) -> bool {
        self.train_loss.is_none_or(|x| train_loss <= x)
            && self.train_acc.is_none_or(|a| train_acc >= a)
    }
}

/// How a trial ended; `trials.csv` writes it in snake case (`not_converged`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Reached the target within the epoch budget.
    Converged,
    /// Ran out of epochs first.
    NotConverged,
    /// The loss became NaN or infinite before the target was reached.
    Diverged,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Converged => "converged",
            Status::NotConverged => "not_converged",
            Status::Diverged => "diverged",
        }
    }
}

/// Loss and accuracy at one epoch; test values are `None` when there is no test split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    pub train_loss: f64,
    pub train_acc: f64,
    pub test_loss: Option<f64>,
    pub test_acc: Option<f64>,
}

/// The best value of each metric seen at any epoch (lowest loss, highest accuracy).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Best {
    pub train_loss: f64,
    pub train_acc: f64,
    pub test_loss: Option<f64>,
    pub test_acc: Option<f64>,
}

impl Best {
    pub fn new(m: &Metrics) -> Self {
        Best {
            train_loss: m.train_loss,
            train_acc: m.train_acc,
            test_loss: m.test_loss,
            test_acc: m.test_acc,
        }
    }

    pub fn update(&mut self, m: &Metrics) {
        self.train_loss = self.train_loss.min(m.train_loss);
        self.train_acc = self.train_acc.max(m.train_acc);
        self.test_loss = max_opt(self.test_loss.map(|x| -x), m.test_loss.map(|x| -x)).map(|x| -x);
        self.test_acc = max_opt(self.test_acc, m.test_acc);
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Measurements of the network as initialized, on the whole training split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diagnostics {
    pub loss: f64,
    /// Frobenius norm of dLoss/dW for the first and the last (output) layer.
    pub grad_norm_first: f64,
    pub grad_norm_last: f64,
    /// Standard deviation of the activations of the first and the last hidden layer, over
    /// units and samples.
    pub act_std_first: f64,
    pub act_std_last: f64,
    /// Saturating activations only: the fraction of (hidden unit, sample) pairs within 1% of
    /// an asymptote (sigmoid below 0.01 or above 0.99; tanh and softsign beyond ±0.99).
    pub saturated_frac: Option<f64>,
    /// Rectifier family only: the fraction of hidden units whose pre-activation is ≤ 0 on
    /// every training sample.
    pub dead_frac: Option<f64>,
    /// Some hidden layer holds two units that gradient descent can never tell apart.
    pub symmetric: bool,
}

/// A point of a training curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    pub epoch: u32,
    pub metrics: Metrics,
}

/// One epoch's scores of a population: every member's metrics and, at the epochs that record
/// them, every member's layer statistics (none for members no longer training).
pub(super) struct Scores {
    pub metrics: Vec<Metrics>,
    pub layers: Option<Vec<Vec<LayerPoint>>>,
}

/// One hidden layer's activations at one epoch, over units and training samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerPoint {
    pub epoch: u32,
    /// Hidden layer, 0 = first.
    pub layer: usize,
    pub act_mean: f64,
    /// Population standard deviation.
    pub act_std: f64,
    /// As [`Diagnostics::saturated_frac`], for this layer alone; `None` for activations
    /// without asymptotes.
    pub saturated_frac: Option<f64>,
}

/// Everything one trial's training produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// First epoch (0 = at initialization) after which the target held.
    pub epochs_to_target: Option<u32>,
    /// Epoch whose loss was first non-finite.
    pub diverged_at: Option<u32>,
    /// Epochs actually trained (fewer than the budget after divergence or an early stop).
    pub epochs_run: u32,
    /// Metrics after the last epoch trained; `None` when the run diverged.
    pub last: Option<Metrics>,
    pub best: Best,
    pub init: Diagnostics,
    pub curve: Vec<CurvePoint>,
    /// Per hidden layer at the curve epochs; empty unless the setup records layers.
    pub layers: Vec<LayerPoint>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_requires_every_bound_given() {
        let both = Target {
            train_loss: Some(0.1),
            train_acc: Some(1.0),
        };
        assert!(both.met(0.05, 1.0));
        assert!(!both.met(0.2, 1.0));
        assert!(!both.met(0.05, 0.75));
        let acc = Target {
            train_loss: None,
            train_acc: Some(0.9),
        };
        assert!(acc.met(5.0, 0.95));
    }

    #[test]
    fn best_tracks_lowest_loss_and_highest_accuracy() {
        let m = |l, a, tl| Metrics {
            train_loss: l,
            train_acc: a,
            test_loss: tl,
            test_acc: tl,
        };
        let mut b = Best::new(&m(1.0, 0.5, Some(0.7)));
        b.update(&m(0.5, 0.4, Some(0.9)));
        b.update(&m(0.8, 0.9, Some(0.2)));
        assert_eq!((b.train_loss, b.train_acc), (0.5, 0.9));
        assert_eq!((b.test_loss, b.test_acc), (Some(0.2), Some(0.9)));
    }
}
