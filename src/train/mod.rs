//! Training: cohorts of networks as one tensor program, the per-trial reference, optimizers,
//! and the rules that turn a run into an outcome.

pub mod cohort;
pub mod diagnostics;
pub mod fused;
pub mod member;
pub mod network;
pub mod ops;
pub mod optim;
pub mod outcome;
pub mod reference;
pub mod schedule;

pub use cohort::Setup;
pub use member::{InitChoice, Member};
pub use optim::Optimizer;
pub use outcome::{Best, CurvePoint, Diagnostics, LayerPoint, Metrics, Outcome, Status, Target};

/// Keeps candle's matrix multiplies on the calling thread.
///
/// initbench parallelizes across cohorts, one per worker; gemm threads only slow small
/// layers down, and candle reads `RAYON_NUM_THREADS` on every matmul (when it is unset it
/// re-reads /proc/cpuinfo each time, ~40 µs a call: `../shared/CANDLE-NOTES.md`). Call before
/// any other thread starts; the worker pool's own size is set explicitly, not by this variable.
pub fn single_threaded_kernels() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("RAYON_NUM_THREADS", "1"));
}
