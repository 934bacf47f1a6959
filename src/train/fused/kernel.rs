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

#[inline(always)]
fn forward<const L: usize>(pr: &Problem, p: &[V<L>], x: &[f32], w: &mut Work<L>) {
    let lay = &w.lay;
    let dims = &pr.dims;
    let depth = dims.len() - 2;
    for l in 0..=depth {
        let (fan_in, fan_out) = (dims[l], dims[l + 1]);
        let wl = &p[lay.w[l]..lay.w[l] + fan_in * fan_out];
        let bl = &p[lay.b[l]..lay.b[l] + fan_out];
        let (before, here) =
            w.a.split_at_mut(if l < depth { lay.unit[l] } else { lay.units });
        for j in 0..fan_out {
            let mut acc = bl[j];
            if l == 0 {
                for (i, &xi) in x.iter().enumerate() {
                    let wij = &wl[i * fan_out + j];
                    for q in 0..L {
                        acc[q] = wij[q].mul_add(xi, acc[q]);
                    }
                }
            } else {
                let prev = &before[lay.unit[l - 1]..lay.unit[l - 1] + fan_in];
                for (i, hi) in prev.iter().enumerate() {
                    let wij = &wl[i * fan_out + j];
                    for q in 0..L {
                        acc[q] = wij[q].mul_add(hi[q], acc[q]);
                    }
                }
            }
            if l < depth {
                w.z[lay.unit[l] + j] = acc;
                activate(pr.act, &acc, &mut here[j]);
            } else {
                w.out[j] = acc;
            }
        }
    }
}

/// Applies `$f` to every lane (the match on the activation stays outside the lane loops,
/// or they would not vectorize).
macro_rules! lanes {
    ($out:expr, |$q:ident| $f:expr) => {
        for $q in 0..L {
            $out[$q] = $f;
        }
    };
}

/// a = f(z), lane by lane over slices of equal length: one network-unit's vector, or a
/// group of rows' units at once, whose independent exp chains the processor overlaps.
#[inline(always)]
pub(super) fn activate(act: Act, z: &[f32], a: &mut [f32]) {
    let z = &z[..a.len()];
    macro_rules! each {
        (|$z:ident| $f:expr) => {
            for (a, &$z) in a.iter_mut().zip(z) {
                *a = $f;
            }
        };
    }
    match act {
        Act::Linear => a.copy_from_slice(z),
        Act::Sigmoid => each!(|z| math::sigmoid(z)),
        Act::Tanh => each!(|z| math::tanh(z)),
        Act::Relu => each!(|z| if z > 0.0 { z } else { 0.0 }),
        Act::LeakyRelu(s) => each!(|z| if z > 0.0 { z } else { s * z }),
        Act::Elu(alpha) => each!(|z| {
            let neg = alpha * (math::exp(z) - 1.0);
            if z > 0.0 {
                z
            } else {
                neg
            }
        }),
        Act::Selu(lambda, alpha) => each!(|z| {
            let neg = (lambda * alpha) * (math::exp(z) - 1.0);
            if z > 0.0 {
                lambda * z
            } else {
                neg
            }
        }),
        Act::Silu => each!(|z| z * math::sigmoid(z)),
        Act::Softsign => each!(|z| z / (1.0 + z.abs())),
    }
}

/// d = f'(z), given z and a = f(z).
#[inline(always)]
pub(super) fn derivative<const L: usize>(act: Act, z: &V<L>, a: &V<L>, d: &mut V<L>) {
    match act {
        Act::Linear => *d = [1.0; L],
        Act::Sigmoid => lanes!(d, |q| a[q] * (1.0 - a[q])),
        Act::Tanh => lanes!(d, |q| a[q].mul_add(-a[q], 1.0)),
        Act::Relu => lanes!(d, |q| if z[q] > 0.0 { 1.0 } else { 0.0 }),
        Act::LeakyRelu(s) => lanes!(d, |q| if z[q] > 0.0 { 1.0 } else { s }),
        Act::Elu(alpha) => lanes!(d, |q| if z[q] > 0.0 { 1.0 } else { a[q] + alpha }),
        Act::Selu(lambda, alpha) => {
            lanes!(d, |q| if z[q] > 0.0 {
                lambda
            } else {
                a[q] + lambda * alpha
            })
        }
        Act::Silu => lanes!(d, |q| {
            let s = math::sigmoid(z[q]);
            s * z[q].mul_add(1.0 - s, 1.0)
        }),
        Act::Softsign => lanes!(d, |q| {
            let t = 1.0 + z[q].abs();
            1.0 / (t * t)
        }),
    }
}

/// Scores one row's output pre-activations `z` against its targets `t` and label `y`:
/// leaves the outputs in `o` and dLoss/dz of the batch mean (`nb` rows) in `delta`. With
/// `ready`, a sigmoid-MSE head's outputs are already in `o` (computed for several rows at
/// once by the caller).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn head<const L: usize>(
    out: Out,
    z: &[V<L>],
    o: &mut [V<L>],
    delta: &mut [V<L>],
    t: &[f32],
    y: u32,
    nb: f32,
    acc: &mut Pass<L>,
    ready: bool,
) {
    let k = z.len();
    let per_entry = 1.0 / (nb * k as f32);
    match out {
        Out::LinearMse | Out::SigmoidMse => {
            let sig = out == Out::SigmoidMse;
            for j in 0..k {
                let (zj, tj) = (z[j], t[j]);
                let oj = &mut o[j];
                if sig {
                    if !ready {
                        activate(Act::Sigmoid, &zj, oj);
                    }
                } else {
                    *oj = zj;
                }
                let oj = *oj;
                let dj = &mut delta[j];
                for q in 0..L {
                    let diff = oj[q] - tj;
                    acc.loss[q] = diff.mul_add(diff, acc.loss[q]);
                    dj[q] = (2.0 * per_entry) * diff;
                }
                if sig {
                    lanes!(dj, |q| dj[q] * (oj[q] * (1.0 - oj[q])));
                }
            }
            count_hits(o, t, y, &mut acc.hits);
        }
        Out::SigmoidCe => {
            for j in 0..k {
                let (zj, tj) = (z[j], t[j]);
                let dj = &mut delta[j];
                let oj = &mut o[j];
                for q in 0..L {
                    let z = zj[q];
                    let e = math::exp(-z.abs());
                    // softplus(z) − z·t, with softplus(z) = max(z, 0) + ln(1 + e^−|z|).
                    let l = z.max(0.0) + math::ln(1.0 + e) - z * tj;
                    acc.loss[q] += l;
                    oj[q] = math::sigmoid(z);
                    dj[q] = per_entry * (oj[q] - tj);
                }
            }
            count_hits(o, t, y, &mut acc.hits);
        }
        Out::SoftmaxCe | Out::SoftmaxMse => {
            let mut m = z[0];
            for zj in &z[1..k] {
                for q in 0..L {
                    m[q] = m[q].max(zj[q]);
                }
            }
            let mut s = [0.0; L];
            for j in 0..k {
                let (zj, ej) = (z[j], &mut o[j]);
                for q in 0..L {
                    ej[q] = math::exp(zj[q] - m[q]);
                    s[q] += ej[q];
                }
            }
            // o now holds e^(z − max); turn it into the softmax.
            for j in 0..k {
                let ej = &mut o[j];
                for q in 0..L {
                    ej[q] /= s[q];
                }
            }
            if out == Out::SoftmaxCe {
                let zy = z[y as usize];
                for q in 0..L {
                    acc.loss[q] += (m[q] + math::ln(s[q])) - zy[q];
                }
                for j in 0..k {
                    let (oj, dj) = (o[j], &mut delta[j]);
                    for q in 0..L {
                        dj[q] = (oj[q] - t[j]) * (1.0 / nb);
                    }
                }
            } else {
                let mut dot = [0.0; L];
                for j in 0..k {
                    let (oj, dj) = (o[j], &mut delta[j]);
                    for q in 0..L {
                        let diff = oj[q] - t[j];
                        acc.loss[q] = diff.mul_add(diff, acc.loss[q]);
                        dj[q] = (2.0 * per_entry) * diff;
                        dot[q] = dj[q].mul_add(oj[q], dot[q]);
                    }
                }
                for j in 0..k {
                    let (oj, dj) = (o[j], &mut delta[j]);
                    for q in 0..L {
                        dj[q] = oj[q] * (dj[q] - dot[q]);
                    }
                }
            }
            count_argmax(o, y, &mut acc.hits);
        }
    }
}

/// Adds 1 to each lane that classifies the row right: a single output on the target's side
/// of 0.5, or the first largest of several on the label.
#[inline(always)]
fn count_hits<const L: usize>(o: &[V<L>], t: &[f32], y: u32, hits: &mut V<L>) {
    if o.len() == 1 {
        let want = t[0] > 0.5;
        for q in 0..L {
            hits[q] += f32::from(u8::from((o[0][q] > 0.5) == want));
        }
    } else {
        count_argmax(o, y, hits);
    }
}

#[inline(always)]
fn count_argmax<const L: usize>(o: &[V<L>], y: u32, hits: &mut V<L>) {
    let mut best = o[0];
    let mut arg = [0u32; L];
    for (j, oj) in o.iter().enumerate().skip(1) {
        for q in 0..L {
            let more = oj[q] > best[q];
            best[q] = if more { oj[q] } else { best[q] };
            arg[q] = if more { j as u32 } else { arg[q] };
        }
    }
    for q in 0..L {
        hits[q] += f32::from(u8::from(arg[q] == y));
    }
}

/// Adds one row's gradient to `w.grads`, from dLoss/dz of the output layer in `w.delta`.
#[inline(always)]
fn backprop<const L: usize>(pr: &Problem, p: &[V<L>], x: &[f32], w: &mut Work<L>) {
    let lay = &w.lay;
    let dims = &pr.dims;
    let depth = dims.len() - 2;
    for l in (0..=depth).rev() {
        let (fan_in, fan_out) = (dims[l], dims[l + 1]);
        let gw = lay.w[l];
        let gb = lay.b[l];
        for j in 0..fan_out {
            let (dj, g) = (w.delta[j], &mut w.grads[gb + j]);
            for q in 0..L {
                g[q] += dj[q];
            }
        }
        if l == 0 {
            for (i, &xi) in x.iter().enumerate() {
                for j in 0..fan_out {
                    let (dj, g) = (w.delta[j], &mut w.grads[gw + i * fan_out + j]);
                    for q in 0..L {
                        g[q] = dj[q].mul_add(xi, g[q]);
                    }
                }
            }
            break;
        }
        let off = lay.unit[l - 1];
        for i in 0..fan_in {
            let h = w.a[off + i];
            let mut back = [0.0; L];
            for j in 0..fan_out {
                let dj = w.delta[j];
                let g = &mut w.grads[gw + i * fan_out + j];
                let wij = &p[gw + i * fan_out + j];
                for q in 0..L {
                    g[q] = dj[q].mul_add(h[q], g[q]);
                    back[q] = wij[q].mul_add(dj[q], back[q]);
                }
            }
            let d = &mut w.delta_prev[i];
            derivative(pr.act, &w.z[off + i], &w.a[off + i], d);
            for q in 0..L {
                d[q] *= back[q];
            }
        }
        std::mem::swap(&mut w.delta, &mut w.delta_prev);
    }
}

/// One optimizer step along `grads` on the lanes in `mask`, with the optimizer's moments in
/// `first` and `second`; the other lanes keep their parameters bit for bit.
#[inline(always)]
pub(super) fn update<const L: usize>(
    opt: Opt,
    p: &mut [V<L>],
    grads: &[V<L>],
    first: &mut [V<L>],
    second: &mut [V<L>],
    mask: &[bool; L],
    step: u32,
) {
    // With a mask the compiler stores through masked vector stores, which AMD processors
    // run microcoded (a seventh of a 2-2-1 epoch); while every lane trains, as in most
    // epochs, a constant mask folds away and the stores are plain.
    if mask.iter().all(|&m| m) {
        step_lanes(opt, p, grads, first, second, &[true; L], step);
    } else {
        step_lanes(opt, p, grads, first, second, mask, step);
    }
}

#[inline(always)]
fn step_lanes<const L: usize>(
    opt: Opt,
    p: &mut [V<L>],
    grads: &[V<L>],
    first: &mut [V<L>],
    second: &mut [V<L>],
    mask: &[bool; L],
    step: u32,
) {
    match opt {
        Opt::Sgd { lr } => {
            for (pj, gj) in p.iter_mut().zip(grads) {
                for q in 0..L {
                    let new = (-lr).mul_add(gj[q], pj[q]);
                    pj[q] = if mask[q] { new } else { pj[q] };
                }
            }
        }
        Opt::Momentum {
            lr,
            momentum,
            nesterov,
        } => {
            for ((pj, gj), vj) in p.iter_mut().zip(grads).zip(first.iter_mut()) {
                for q in 0..L {
                    let v = momentum.mul_add(vj[q], gj[q]);
                    vj[q] = v;
                    let d = if nesterov {
                        momentum.mul_add(v, gj[q])
                    } else {
                        v
                    };
                    let new = (-lr).mul_add(d, pj[q]);
                    pj[q] = if mask[q] { new } else { pj[q] };
                }
            }
        }
        Opt::Adam {
            lr,
            beta1,
            beta2,
            eps,
        } => {
            let c1 = 1.0 - beta1.powi(step as i32);
            let c2 = 1.0 - beta2.powi(step as i32);
            let (b1, b2) = (beta1 as f32, beta2 as f32);
            let (step_size, inv_c2) = ((lr / c1) as f32, (1.0 / c2) as f32);
            for (((pj, gj), mj), vj) in p
                .iter_mut()
                .zip(grads)
                .zip(first.iter_mut())
                .zip(second.iter_mut())
            {
                for q in 0..L {
                    let g = gj[q];
                    let m = b1.mul_add(mj[q], (1.0 - b1) * g);
                    let v = b2.mul_add(vj[q], (1.0 - b2) * (g * g));
                    mj[q] = m;
                    vj[q] = v;
                    let new = pj[q] - (step_size * m) / ((v * inv_c2).sqrt() + eps);
                    pj[q] = if mask[q] { new } else { pj[q] };
                }
            }
        }
    }
}

/// The factor that turns a pass's summed train loss into the epoch's mean loss.
pub(super) fn train_scale(pr: &Problem) -> f32 {
    let n = pr.train.n as f32;
    let k = pr.dims[pr.dims.len() - 1] as f32;
    match pr.out {
        Out::SoftmaxCe => 1.0 / n,
        _ => 1.0 / (n * k),
    }
}

/// Applies one epoch's scores to the active lanes, as `cohort::observe` does.
#[inline(always)]
pub(super) fn observe<const L: usize>(
    pr: &Problem,
    tr: &mut Tracks<L>,
    epoch: u32,
    train: &Pass<L>,
    test: Option<&Pass<L>>,
    p: &[V<L>],
) {
    let k = pr.dims[pr.dims.len() - 1] as f32;
    let train_scale = train_scale(pr);
    let (n_test, test_scale) = match &pr.test {
        Some(d) => {
            let nt = d.n as f32;
            (
                nt,
                match pr.out {
                    Out::SoftmaxCe => 1.0 / nt,
                    _ => 1.0 / (nt * k),
                },
            )
        }
        None => (1.0, 1.0),
    };
    let bounds = tr.bounds;
    // Plain loops over lanes, each simple enough that it compiles to vector instructions at
    // every block width (one loop doing all of this stayed scalar at 16 lanes).
    let mut vals = [[0.0; L]; 4];
    for q in 0..L {
        vals[0][q] = train.loss[q] * train_scale;
        vals[1][q] = train.hits[q];
    }
    if let Some(t) = test {
        for q in 0..L {
            vals[2][q] = t.loss[q] * test_scale;
            vals[3][q] = t.hits[q];
        }
    }
    let mut live = [false; L];
    let mut met = [false; L];
    let mut event = 0u8;
    for q in 0..L {
        let ok = vals[0][q].is_finite() & vals[2][q].is_finite();
        live[q] = tr.active[q] & ok;
        met[q] = (vals[0][q] <= bounds.0) & (vals[1][q] >= bounds.1);
        event |= u8::from(tr.active[q] & (!ok | (met[q] & !tr.reached[q])));
    }
    let event = event != 0;
    // As in `update`: while every lane is live, constant masks keep the stores plain.
    if live.iter().all(|&l| l) {
        keep(tr, epoch, &vals, &[true; L], &[true; L]);
    } else {
        let active = tr.active;
        keep(tr, epoch, &vals, &live, &active);
    }
    let metrics = |q: usize| Metrics {
        train_loss: vals[0][q] as f64,
        train_acc: vals[1][q] as f64 / pr.train.n as f64,
        test_loss: test.map(|_| vals[2][q] as f64),
        test_acc: test.map(|_| vals[3][q] as f64 / n_test as f64),
    };
    if pr.on_curve[epoch as usize] {
        for q in (0..L).filter(|&q| live[q]) {
            tr.lanes[q].curve.push(CurvePoint {
                epoch,
                metrics: metrics(q),
            });
            if pr.snapshots {
                tr.lanes[q].snapshots.push(p.iter().map(|v| v[q]).collect());
            }
        }
    }
    if event {
        for q in 0..L {
            if !tr.active[q] {
                continue;
            }
            if !live[q] {
                tr.lanes[q].diverged_at = Some(epoch);
                tr.active[q] = false;
            } else if met[q] && !tr.reached[q] {
                tr.reached[q] = true;
                tr.lanes[q].epochs_to_target = Some(epoch);
                if pr.early_stop {
                    tr.active[q] = false;
                }
            }
        }
    }
}

/// Records an epoch's scores `vals` (train loss and hits, test loss and hits) as the last and
/// best of the `live` lanes, and the epoch as the last run of the `active` ones.
#[inline(always)]
fn keep<const L: usize>(
    tr: &mut Tracks<L>,
    epoch: u32,
    vals: &[V<L>; 4],
    live: &[bool; L],
    active: &[bool; L],
) {
    for q in 0..L {
        tr.run[q] = if active[q] { epoch } else { tr.run[q] };
        for (s, v) in vals.iter().enumerate() {
            tr.last[s][q] = if live[q] { v[q] } else { tr.last[s][q] };
        }
        tr.best[0][q] = if live[q] {
            tr.best[0][q].min(vals[0][q])
        } else {
            tr.best[0][q]
        };
        tr.best[1][q] = if live[q] {
            tr.best[1][q].max(vals[1][q])
        } else {
            tr.best[1][q]
        };
        tr.best[2][q] = if live[q] {
            tr.best[2][q].min(vals[2][q])
        } else {
            tr.best[2][q]
        };
        tr.best[3][q] = if live[q] {
            tr.best[3][q].max(vals[3][q])
        } else {
            tr.best[3][q]
        };
        tr.seen[q] |= live[q];
    }
}

/// The target as f32 bounds on a lane's loss and count of right rows, exactly equivalent to
/// `Target::met` on the f64 metrics: the largest f32 loss whose f64 value is ≤ the bound, and
/// the fewest rows whose fraction is ≥ the accuracy bound.
fn f32_bounds(pr: &Problem) -> (f32, f32) {
    let mut loss = pr.target_loss as f32;
    if loss as f64 > pr.target_loss {
        loss = f32::from_bits(if loss > 0.0 {
            loss.to_bits() - 1
        } else {
            loss.to_bits() + 1
        });
    }
    if pr.target_loss.is_nan() {
        loss = f32::NEG_INFINITY;
    }
    let n = pr.train.n;
    let rows = (0..=n)
        .find(|&c| c as f64 / n as f64 >= pr.target_acc)
        .map_or(f32::INFINITY, |c| c as f32);
    (loss, rows)
}

pub(super) fn finish<const L: usize>(pr: &Problem, tr: Tracks<L>) -> Vec<Lane> {
    let n = pr.train.n as f64;
    let n_test = pr.test.as_ref().map_or(1.0, |d| d.n as f64);
    let has_test = pr.test.is_some();
    let m = |v: &[V<L>; 4], q: usize| Metrics {
        train_loss: v[0][q] as f64,
        train_acc: v[1][q] as f64 / n,
        test_loss: has_test.then_some(v[2][q] as f64),
        test_acc: has_test.then_some(v[3][q] as f64 / n_test),
    };
    let mut lanes = tr.lanes;
    for (q, lane) in lanes.iter_mut().enumerate() {
        lane.epochs_run = tr.run[q];
        if tr.seen[q] {
            lane.last = Some(m(&tr.last, q));
            lane.best = Some(m(&tr.best, q));
        }
    }
    lanes
}
