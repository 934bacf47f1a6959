//! Every default in one place, with why.

/// The experiment seed; all randomness derives from it.
pub const SEED: u64 = 0;
/// Independent repetitions of every grid point.
pub const REPLICATES: u32 = 1;
/// Training budget per trial.
pub const EPOCHS: u32 = 100;
/// Share of each class held out for testing (truth-table data sets have no test split).
pub const TEST_FRACTION: f64 = 0.2;
/// Cross-entropy with softmax outputs: today's standard classifier head.
pub const LOSS: &str = "cross_entropy";
pub const OUTPUT_ACTIVATION: &str = "softmax";
/// Biases start at zero in both Keras and most studies.
pub const BIAS_INITIALIZER: &str = "zeros";
/// Trained means every training example classified correctly.
pub const TARGET_TRAIN_ACC: f64 = 1.0;
/// Train for the whole budget, so final metrics are comparable across trials.
pub const EARLY_STOP: bool = false;
pub const FIGURES: bool = true;
/// Networks with at most this many parameters get their whole initial weight vector
/// recorded (weights.csv), for weight-space maps; larger ones only per-layer features.
pub const WEIGHTS_MAX_PARAMS: u32 = 64;
/// Per-layer activation statistics over training (layers.csv) cost a pass over every
/// hidden layer at each curve epoch, and most studies do not need them.
pub const RECORD_LAYERS: bool = false;
/// The Jacobian's spectrum at initialization (jacobian.csv) costs depth · width³ per input
/// point, more than training a small network, so it is asked for.
pub const RECORD_JACOBIAN: bool = false;
/// A residual branch adds to the stream at full size unless the spec scales it.
pub const BRANCH_SCALE: f64 = 1.0;
/// Axes: a single 16-unit ReLU layer, Glorot-initialized, SGD at 0.1, on XOR.
pub const DATASET: &str = "xor";
pub const INITIALIZER: &str = "glorot_uniform";
pub const DEPTH: u32 = 1;
pub const WIDTH: u32 = 16;
pub const ACTIVATION: &str = "relu";
pub const OPTIMIZER: &str = "sgd";
pub const GAIN: f64 = 1.0;
/// Every framework's layers: the scale and learning rate do not change with width.
pub const PARAMETRIZATION: &str = "standard";
/// Plans larger than this are refused: a typo in a list should not start a week of work.
pub const MAX_TRIALS: u64 = 10_000_000;
