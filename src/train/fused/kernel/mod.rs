//! The fused training kernel: a block of `L` networks trained for the whole run in one
//! call, structure of arrays (parameter j of every network in the block lies in one
//! `[f32; L]`), one training row at a time.
//!
//! Every loop ends in a loop over lanes with no dependence between lanes, so it compiles to
//! vector instructions; the networks' own loops (units, rows, epochs) stay scalar. The same
//! source is compiled three times (AVX-512, AVX2 + FMA, and the baseline) and the best the
//! processor has is chosen at run time, since a default build targets SSE2 only. Lanes never
//! mix, the math is only IEEE multiply, add, fused multiply-add, divide and selects, and no
//! reduction crosses lanes, so a network gets the same bits in every lane, block, chunk and
//! instruction set.

// Loops index several arrays in lockstep by lane or unit; index loops keep that plain.
#![allow(clippy::needless_range_loop)]

mod backward;
mod forward;
mod observe;

pub(super) use backward::update;
use backward::*;
use forward::*;
pub(super) use forward::{activate, derivative, head};
use observe::*;
pub(super) use observe::{finish, observe, train_scale};

use super::math;
use crate::train::outcome::{CurvePoint, Metrics};
use crate::train::schedule;

/// Block widths the kernel is built for: wide blocks amortize the per-row loop overhead over
/// more networks, narrow ones waste less on padding in small cohorts. A lane's numbers do
/// not depend on the width.
pub const WIDE: usize = 64;
pub const NARROW: usize = 16;
/// One AVX2 vector: cohorts of a few networks (one replicate's initializers) are common.
pub const SMALL: usize = 8;

/// One parameter (or unit) of every network in a block.
pub type V<const L: usize> = [f32; L];

/// Hidden activations the kernel implements (the others train on the tensor path).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    Linear,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu(f32),
    Elu(f32),
    /// λ and α.
    Selu(f32, f32),
    Silu,
    Softsign,
}

/// Output activation and loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Out {
    LinearMse,
    SigmoidMse,
    SoftmaxMse,
    SigmoidCe,
    SoftmaxCe,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Opt {
    Sgd {
        lr: f32,
    },
    Momentum {
        lr: f32,
        momentum: f32,
        nesterov: bool,
    },
    Adam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f32,
    },
}

/// One split of the data, shared by every lane.
pub struct Data<'a> {
    /// Row-major [n, inputs].
    pub x: &'a [f32],
    /// Row-major [n, outputs], the loss's targets.
    pub t: &'a [f32],
    pub y: &'a [u32],
    pub n: usize,
}

/// Everything a block's training run depends on.
pub struct Problem<'a> {
    /// Layer sizes, input to output, with at least one hidden layer.
    pub dims: Vec<usize>,
    pub act: Act,
    pub out: Out,
    pub opt: Opt,
    pub epochs: u32,
    /// Rows per minibatch; `None` for full batch.
    pub batch: Option<usize>,
    pub order_seed: u64,
    /// Target bounds (+∞ loss and −∞ accuracy when absent).
    pub target_loss: f64,
    pub target_acc: f64,
    pub early_stop: bool,
    pub train: Data<'a>,
    pub test: Option<Data<'a>>,
    /// Indexed by epoch: record a curve point.
    pub on_curve: Vec<bool>,
    /// Keep each lane's parameters at its curve points (for measurements made afterwards).
    pub snapshots: bool,
}

/// What one lane's run produced, in the tensor path's terms.
#[derive(Clone, Debug, Default)]
pub struct Lane {
    pub epochs_to_target: Option<u32>,
    pub diverged_at: Option<u32>,
    pub epochs_run: u32,
    pub last: Option<Metrics>,
    /// Best train loss, train accuracy, test loss, test accuracy (None before any epoch).
    pub best: Option<Metrics>,
    pub curve: Vec<CurvePoint>,
    /// With `Problem::snapshots`: the parameters at each curve point, in `Population::flat`
    /// order.
    pub snapshots: Vec<Vec<f32>>,
}

/// Offsets of each layer's weights ([in, out], row-major) and biases in the parameter list,
/// in the order of `Population::flat` (w0, b0, w1, b1, …).
struct Layout {
    w: Vec<usize>,
    b: Vec<usize>,
    /// Offset of hidden layer l's units in the activation arrays.
    unit: Vec<usize>,
    params: usize,
    units: usize,
}

impl Layout {
    fn new(dims: &[usize]) -> Self {
        let (mut w, mut b, mut unit) = (Vec::new(), Vec::new(), Vec::new());
        let (mut at, mut units) = (0, 0);
        for l in 0..dims.len() - 1 {
            w.push(at);
            at += dims[l] * dims[l + 1];
            b.push(at);
            at += dims[l + 1];
            if l + 2 < dims.len() {
                unit.push(units);
                units += dims[l + 1];
            }
        }
        Layout {
            w,
            b,
            unit,
            params: at,
            units,
        }
    }
}

pub fn parameters(dims: &[usize]) -> usize {
    Layout::new(dims).params
}

/// Per-lane bookkeeping, as arrays so the per-epoch part vectorizes; the rare events
/// (divergence, reaching the target, a curve epoch) take a scalar path.
pub(super) struct Tracks<const L: usize> {
    pub active: [bool; L],
    pub reached: [bool; L],
    pub seen: [bool; L],
    pub run: [u32; L],
    /// [`f32_bounds`].
    pub bounds: (f32, f32),
    /// Train loss, train right rows, test loss, test right rows.
    pub best: [V<L>; 4],
    pub last: [V<L>; 4],
    lanes: Vec<Lane>,
}

impl<const L: usize> Tracks<L> {
    pub(super) fn new(pr: &Problem) -> Self {
        let points = pr.on_curve.iter().filter(|&&c| c).count();
        Tracks {
            active: [true; L],
            reached: [false; L],
            seen: [false; L],
            run: [0; L],
            bounds: f32_bounds(pr),
            best: [[f32::INFINITY; L], [-1.0; L], [f32::INFINITY; L], [-1.0; L]],
            last: [[0.0; L]; 4],
            lanes: (0..L)
                .map(|_| Lane {
                    curve: Vec::with_capacity(points),
                    ..Lane::default()
                })
                .collect(),
        }
    }
}

/// Trains one block: `params` holds the initial parameters (one `V<L>` per parameter) and
/// receives the final ones.
pub fn train_block<const L: usize>(pr: &Problem, params: &mut [V<L>]) -> Vec<Lane> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the features were detected on this processor.
            return unsafe { block_avx512(pr, params) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: as above.
            return unsafe { block_avx2(pr, params) };
        }
    }
    block_impl(pr, params)
}

/// The instruction sets this processor can run the kernel with, best first (for tests).
pub fn instruction_sets() -> Vec<&'static str> {
    let mut out = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            out.push("avx512");
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            out.push("avx2");
        }
    }
    out.push("baseline");
    out
}

/// `train_block` on a named instruction set from [`instruction_sets`].
pub fn train_block_on<const L: usize>(isa: &str, pr: &Problem, params: &mut [V<L>]) -> Vec<Lane> {
    assert!(instruction_sets().contains(&isa), "{isa} is not available");
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: checked available above.
        "avx512" => unsafe { block_avx512(pr, params) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        "avx2" => unsafe { block_avx2(pr, params) },
        _ => block_impl(pr, params),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
unsafe fn block_avx512<const L: usize>(pr: &Problem, params: &mut [V<L>]) -> Vec<Lane> {
    block_impl(pr, params)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn block_avx2<const L: usize>(pr: &Problem, params: &mut [V<L>]) -> Vec<Lane> {
    block_impl(pr, params)
}

/// A block's passes over training rows and its optimizer steps. The epoch loop, the scoring
/// and the bookkeeping ([`epochs`]) are shared by the runtime-shaped engine here ([`Work`])
/// and the compile-time-shaped ones for the smallest networks (`super::tiny`), which keep a
/// block's whole state in registers.
pub(super) trait Engine<const L: usize> {
    /// Forward (and, with `backward`, the batch-mean gradient) over `rows` of `d`.
    fn pass(&mut self, pr: &Problem, p: &[V<L>], d: &Data, rows: &[u32], backward: bool)
        -> Pass<L>;
    /// One optimizer step along the last pass's gradient, on the lanes in `mask`.
    fn step(&mut self, pr: &Problem, p: &mut [V<L>], mask: &[bool; L], step: u32);
}

/// A block's gradient and optimizer moments as fixed arrays, for engines shaped at compile
/// time (`P` parameters).
pub(super) struct Moments<const L: usize, const P: usize> {
    pub grads: [V<L>; P],
    first: [V<L>; P],
    second: [V<L>; P],
}

impl<const L: usize, const P: usize> Moments<L, P> {
    pub(super) fn new() -> Self {
        Moments {
            grads: [[0.0; L]; P],
            first: [[0.0; L]; P],
            second: [[0.0; L]; P],
        }
    }

    /// [`Engine::step`] along `grads`.
    #[inline(always)]
    pub(super) fn step(&mut self, pr: &Problem, p: &mut [V<L>], mask: &[bool; L], step: u32) {
        let p: &mut [V<L>; P] = p.try_into().expect("one block's parameters");
        update(
            pr.opt,
            p,
            &self.grads,
            &mut self.first,
            &mut self.second,
            mask,
            step,
        );
    }
}

/// Scratch space for one block of any shape.
struct Work<const L: usize> {
    lay: Layout,
    grads: Vec<V<L>>,
    first: Vec<V<L>>,
    second: Vec<V<L>>,
    z: Vec<V<L>>,
    a: Vec<V<L>>,
    out: Vec<V<L>>,
    delta: Vec<V<L>>,
    delta_prev: Vec<V<L>>,
}

/// Sum of per-row losses and count of correct rows, per lane.
pub(super) struct Pass<const L: usize> {
    pub loss: V<L>,
    pub hits: V<L>,
}

impl<const L: usize> Pass<L> {
    pub(super) fn new() -> Self {
        Pass {
            loss: [0.0; L],
            hits: [0.0; L],
        }
    }
}

impl<const L: usize> Engine<L> for Work<L> {
    #[inline(always)]
    fn pass(
        &mut self,
        pr: &Problem,
        p: &[V<L>],
        d: &Data,
        rows: &[u32],
        backward: bool,
    ) -> Pass<L> {
        pass(pr, p, self, d, rows, backward)
    }

    #[inline(always)]
    fn step(&mut self, pr: &Problem, p: &mut [V<L>], mask: &[bool; L], step: u32) {
        update(
            pr.opt,
            p,
            &self.grads,
            &mut self.first,
            &mut self.second,
            mask,
            step,
        );
    }
}

#[inline(always)]
fn block_impl<const L: usize>(pr: &Problem, p: &mut [V<L>]) -> Vec<Lane> {
    let lay = Layout::new(&pr.dims);
    assert_eq!(p.len(), lay.params);
    let widest = *pr.dims.iter().max().expect("layers");
    let mut w = Work {
        grads: vec![[0.0; L]; lay.params],
        first: vec![[0.0; L]; lay.params],
        second: vec![[0.0; L]; lay.params],
        z: vec![[0.0; L]; lay.units],
        a: vec![[0.0; L]; lay.units],
        out: vec![[0.0; L]; pr.dims[pr.dims.len() - 1]],
        delta: vec![[0.0; L]; widest],
        delta_prev: vec![[0.0; L]; widest],
        lay,
    };
    epochs(pr, &mut w, p)
}

/// Trains a block for the whole run with engine `e`: the epoch loop every engine shares.
#[inline(always)]
pub(super) fn epochs<const L: usize, E: Engine<L>>(
    pr: &Problem,
    e: &mut E,
    p: &mut [V<L>],
) -> Vec<Lane> {
    let mut tr = Tracks::new(pr);
    let n = pr.train.n;
    let full_batch = pr.batch.is_none_or(|b| b >= n);
    let all_rows: Vec<u32> = (0..n as u32).collect();
    let test_rows: Vec<u32> = (0..pr.test.as_ref().map_or(0, |d| d.n as u32)).collect();

    // Epoch 0 is the network as initialized; in full batch the pass that scores epoch e
    // also computes the gradient that epoch e + 1 steps along.
    let mut train = e.pass(pr, p, &pr.train, &all_rows, full_batch);
    let mut test = pr
        .test
        .as_ref()
        .map(|d| e.pass(pr, p, d, &test_rows, false));
    observe(pr, &mut tr, 0, &train, test.as_ref(), p);
    let mut step_count = 0u32;
    for epoch in 1..=pr.epochs {
        if !tr.active.iter().any(|&a| a) {
            break;
        }
        let mask = tr.active;
        if full_batch {
            step_count += 1;
            e.step(pr, p, &mask, step_count);
        } else {
            for rows in schedule::batches(n, pr.batch, pr.order_seed, epoch) {
                e.pass(pr, p, &pr.train, &rows, true);
                step_count += 1;
                e.step(pr, p, &mask, step_count);
            }
        }
        let grads_next = full_batch && epoch < pr.epochs;
        train = e.pass(pr, p, &pr.train, &all_rows, grads_next);
        test = pr
            .test
            .as_ref()
            .map(|d| e.pass(pr, p, d, &test_rows, false));
        observe(pr, &mut tr, epoch, &train, test.as_ref(), p);
    }
    finish(pr, tr)
}

/// Forward (and, with `backward`, gradient accumulation into `w.grads`) over `rows` of `d`.
#[inline(always)]
fn pass<const L: usize>(
    pr: &Problem,
    p: &[V<L>],
    w: &mut Work<L>,
    d: &Data,
    rows: &[u32],
    backward: bool,
) -> Pass<L> {
    let inputs = pr.dims[0];
    let k = pr.dims[pr.dims.len() - 1];
    if backward {
        w.grads.fill([0.0; L]);
    }
    let mut out = Pass::new();
    let nb = rows.len() as f32;
    for &r in rows {
        let r = r as usize;
        let x = &d.x[r * inputs..(r + 1) * inputs];
        let t = &d.t[r * k..(r + 1) * k];
        forward(pr, p, x, w);
        head(
            pr.out,
            &w.out[..k],
            &mut w.delta_prev[..k],
            &mut w.delta[..k],
            t,
            d.y[r],
            nb,
            &mut out,
            false,
        );
        if backward {
            backprop(pr, p, x, w);
        }
    }
    out
}
