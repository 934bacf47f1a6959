//! Training: cohorts of networks as one tensor program, the per-trial reference, optimizers,
//! and the rules that turn a run into an outcome.

pub mod autograd;
pub mod cohort;
pub mod dense;
pub mod diagnostics;
pub mod fused;
pub mod jacobian;
pub mod learned;
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

/// Sets the process up for training; call before any other thread starts. Two settings:
///
/// - **candle's matrix multiplies stay on the calling thread** (`RAYON_NUM_THREADS=1`).
///   initbench parallelizes across cohorts, one per worker; gemm threads only slow small
///   layers down, and candle reads `RAYON_NUM_THREADS` on every matmul (when it is unset it
///   re-reads /proc/cpuinfo each time, which costs more than a small matmul). The
///   worker pool's own size is set explicitly, not by this variable.
/// - **Memory a chunk frees stays in the process for the next** (glibc only). A chunk's
///   results, its curves above all, are a few MB freed once they are written, and glibc hands
///   free memory above 128 KB back to the system, so every chunk would fault its pages in
///   again, a noticeable share of a small study's time, worse on two threads, whose faults
///   wait on each other. Up to 32 MB a
///   thread's arena is kept; the peak memory is unchanged, since what is kept is reused.
pub fn setup_process() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::env::set_var("RAYON_NUM_THREADS", "1");
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            const KEEP: libc::c_int = 32 << 20;
            // SAFETY: mallopt only sets allocator parameters; called before other threads
            // start. Setting either also stops glibc from moving the thresholds itself.
            unsafe {
                libc::mallopt(libc::M_TRIM_THRESHOLD, KEEP);
                libc::mallopt(libc::M_MMAP_THRESHOLD, KEEP);
            }
        }
    });
}
