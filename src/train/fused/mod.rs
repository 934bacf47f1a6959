//! The fused path for small networks: a cohort's whole training run as one candle op.
//!
//! Networks of a few dozen units a layer are too small for matrix multiplies to pay: with
//! the population as a batch dimension, candle spends its time dispatching tiny ops, whose
//! fixed cost per call dwarfs their arithmetic (BENCHMARKS.md has the figures). Here the
//! parameters live in one candle tensor shaped [parameters, members] (the population on the
//! contiguous axis) and a custom in-place op trains it for every epoch at once, blocks of
//! members in parallel. Wider networks go to the tensor path, where gemm
//! wins.
//!
//! Which path a cohort takes depends only on its setup, never on how many members share
//! it, so results still depend only on the spec and the seed.

#[cfg(target_arch = "x86_64")]
mod avx2;
pub mod kernel;
pub mod math;
pub mod tiny;

use std::collections::HashMap;
use std::sync::Mutex;

use candle_core::{CpuStorage, DType, Device, InplaceOp1, Layout, Result, Tensor};
use rayon::prelude::*;

use super::cohort::{Setup, Track};
use super::diagnostics;
use super::member::Member;
use super::network::Population;
use super::optim::Optimizer;
use super::outcome::{Best, Diagnostics, LayerPoint, Outcome};
use super::schedule;
use crate::data::{Dataset, Split};
use crate::model::{Activation, Loss, OutputActivation};
use kernel::{Act, Data, Lane, Opt, Out, Problem, NARROW, SMALL, V, WIDE};

/// Largest network the kernel takes. Each training row streams every parameter of a block
/// (and its gradient) through the cache; past a few thousand parameters gemm over rows is
/// faster.
pub const MAX_PARAMETERS: usize = 2048;

/// Whether cohorts with this setup train on the fused kernel: plain networks with one
/// learning rate for every tensor (residual ones, and parametrizations away from their base
/// width, take the tensor path).
pub fn supports(setup: &Setup) -> bool {
    let arch = &setup.arch;
    arch.depth >= 1
        && arch.residual.is_none()
        && setup.scaling.is_identity()
        && arch.parameters() <= MAX_PARAMETERS
        && act(arch.activation).is_some()
}

fn act(a: Activation) -> Option<Act> {
    use crate::model::activation::{SELU_ALPHA, SELU_LAMBDA};
    Some(match a {
        Activation::Linear => Act::Linear,
        Activation::Sigmoid => Act::Sigmoid,
        Activation::Tanh => Act::Tanh,
        Activation::Relu => Act::Relu,
        Activation::LeakyRelu { slope } => Act::LeakyRelu(slope as f32),
        Activation::Elu { alpha } => Act::Elu(alpha as f32),
        Activation::Selu => Act::Selu(SELU_LAMBDA as f32, SELU_ALPHA as f32),
        Activation::Silu => Act::Silu,
        Activation::Softsign => Act::Softsign,
        Activation::Gelu | Activation::Softplus => return None,
    })
}

fn out(activation: OutputActivation, loss: Loss) -> Out {
    match (activation, loss) {
        (OutputActivation::Linear, Loss::Mse) => Out::LinearMse,
        (OutputActivation::Sigmoid, Loss::Mse) => Out::SigmoidMse,
        (OutputActivation::Softmax, Loss::Mse) => Out::SoftmaxMse,
        (OutputActivation::Sigmoid, Loss::CrossEntropy) => Out::SigmoidCe,
        (OutputActivation::Softmax, Loss::CrossEntropy) => Out::SoftmaxCe,
        (OutputActivation::Linear, Loss::CrossEntropy) => unreachable!("rejected by Head::new"),
    }
}

fn opt(o: Optimizer) -> Opt {
    match o {
        Optimizer::Sgd { lr } => Opt::Sgd { lr: lr as f32 },
        Optimizer::Momentum {
            lr,
            momentum,
            nesterov,
        } => Opt::Momentum {
            lr: lr as f32,
            momentum: momentum as f32,
            nesterov,
        },
        Optimizer::Adam {
            lr,
            beta1,
            beta2,
            eps,
        } => Opt::Adam {
            lr,
            beta1,
            beta2,
            eps: eps as f32,
        },
    }
}

/// A data split in the kernel's form.
struct Owned {
    x: Vec<f32>,
    t: Vec<f32>,
    y: Vec<u32>,
    n: usize,
}

impl Owned {
    fn new(d: &Dataset, setup: &Setup) -> Self {
        let t = setup.arch.head.targets(&d.y, d.classes);
        Owned {
            x: d.x.clone(),
            t: t.into_iter().map(|v| v as f32).collect(),
            y: d.y.clone(),
            n: d.n,
        }
    }

    fn data(&self) -> Data<'_> {
        Data {
            x: &self.x,
            t: &self.t,
            y: &self.y,
            n: self.n,
        }
    }
}

/// The in-place op: trains the [parameters, members] tensor it is applied to.
struct FusedRun<'a> {
    problem: Problem<'a>,
    /// Networks per block: [`WIDE`], [`NARROW`] or [`SMALL`], or [`tiny::WIDE`] on the
    /// compile-time-shaped kernel (which takes [`SMALL`] blocks too).
    width: usize,
    lanes: Mutex<Vec<Lane>>,
}

impl FusedRun<'_> {
    /// Trains `data` ([parameters, members], row-major) in blocks of `L` members with
    /// `block`.
    fn blocks<const L: usize>(
        &self,
        data: &mut [f32],
        params: usize,
        members: usize,
        block: impl Fn(&Problem, &mut [V<L>]) -> Vec<Lane> + Sync,
    ) {
        let gather = |b: usize| -> Vec<V<L>> {
            (0..params)
                .map(|j| {
                    let mut v = [0.0; L];
                    v.copy_from_slice(&data[j * members + b * L..][..L]);
                    v
                })
                .collect()
        };
        let starts: Vec<Vec<V<L>>> = (0..members / L).map(gather).collect();
        // Blocks are independent, so they may run on any thread in any order.
        let done: Vec<(Vec<V<L>>, Vec<Lane>)> = starts
            .into_par_iter()
            .map(|mut p| {
                let lanes = block(&self.problem, &mut p);
                (p, lanes)
            })
            .collect();
        let mut lanes = Vec::with_capacity(members);
        for (b, (p, l)) in done.into_iter().enumerate() {
            for (j, v) in p.iter().enumerate() {
                data[j * members + b * L..][..L].copy_from_slice(v);
            }
            lanes.extend(l);
        }
        *self.lanes.lock().expect("not poisoned") = lanes;
    }
}

impl InplaceOp1 for FusedRun<'_> {
    fn name(&self) -> &'static str {
        "initbench-fused-training"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let CpuStorage::F32(all) = storage else {
            candle_core::bail!("the fused kernel trains f32 parameters");
        };
        let (params, members) = layout.shape().dims2()?;
        if !layout.is_contiguous() || members % self.width != 0 {
            candle_core::bail!(
                "the fused kernel needs a contiguous [parameters, k·{}] tensor",
                self.width
            );
        }
        let data = &mut all[layout.start_offset()..layout.start_offset() + params * members];
        let dims = &self.problem.dims;
        match self.width {
            tiny::WIDE => {
                let f = tiny::find::<{ tiny::WIDE }>(dims).expect("chosen for its shape");
                self.blocks::<{ tiny::WIDE }>(data, params, members, f)
            }
            WIDE => self.blocks::<WIDE>(data, params, members, kernel::train_block),
            NARROW => self.blocks::<NARROW>(data, params, members, kernel::train_block),
            _ => match tiny::find::<SMALL>(dims) {
                Some(f) => self.blocks::<SMALL>(data, params, members, f),
                None => self.blocks::<SMALL>(data, params, members, kernel::train_block),
            },
        }
        Ok(())
    }
}

/// Trains `members` on the fused kernel; same contract as `cohort::train`.
pub fn train(setup: &Setup, split: &Split, members: &[Member]) -> Result<Vec<Outcome>> {
    let arch = &setup.arch;
    let dev = Device::Cpu;
    // Members that start from the same f32 parameters (zeros, constants, an initializer
    // that ignores its seed) train and measure identically, lane for lane: each distinct
    // start is trained and measured once, and every member gets its start's results.
    let starts: Vec<Vec<f32>> = members
        .iter()
        .map(|m| {
            m.weights
                .iter()
                .zip(&m.biases)
                .flat_map(|(w, b)| w.iter().chain(b).map(|&v| v as f32))
                .collect()
        })
        .collect();
    let (distinct, start_of) = distinct_starts(&starts);
    let unique: Vec<&Member> = distinct.iter().map(|&m| &members[m]).collect();
    let unique_starts: Vec<&[f32]> = distinct.iter().map(|&m| starts[m].as_slice()).collect();
    // The measurements at initialization come from the tensor path's first pass. They take
    // one thread while the kernel's blocks take the others (done first, they were a sixth
    // of the seed study's training on two threads).
    let measure = || -> Result<_> {
        let train = &split.train;
        let k = arch.head.units(train.classes);
        let x = Tensor::from_slice(&train.x, (train.n, train.features), &dev)?;
        let t = Tensor::from_vec(
            arch.head.targets(&train.y, train.classes),
            (train.n, k),
            &dev,
        )?
        .to_dtype(DType::F32)?;
        // A member's measurements depend on its parameters alone (one gemm call per
        // member), so they are the same measured among the distinct starts.
        let pop = Population::new(&unique, arch, DType::F32, &dev)?;
        let fwd = pop.forward(arch, &x, &t)?;
        let grads = pop.backward(arch, &x, &fwd, &t)?;
        diagnostics::measure(arch, &fwd, &grads, &unique)
    };
    let (init, lanes) = rayon::join(measure, || kernel_lanes(setup, split, &unique_starts));
    let (init, lanes) = (init?, lanes?);
    let layers = if setup.record_layers {
        layer_points(setup, split, &lanes)?
    } else {
        vec![Vec::new(); lanes.len()]
    };
    Ok(start_of
        .iter()
        .zip(members)
        .map(|(&d, member)| {
            let (lane, layers) = (lanes[d].clone(), layers[d].clone());
            // Symmetry is read off the member's own (f64) parameters, which members sharing
            // an f32 start need not share.
            let init = Diagnostics {
                symmetric: member.is_symmetric(arch),
                ..init[d]
            };
            Track {
                active: false,
                epochs_to_target: lane.epochs_to_target,
                diverged_at: lane.diverged_at,
                epochs_run: lane.epochs_run,
                last: lane.last,
                best: lane.best.as_ref().map(Best::new),
                curve: lane.curve,
                layers,
            }
            .into_outcome(init)
        })
        .collect())
}

/// The kernel's lane for each start (parameters in `Population::flat` order).
fn kernel_lanes(setup: &Setup, split: &Split, starts: &[&[f32]]) -> Result<Vec<Lane>> {
    let arch = &setup.arch;
    let dev = Device::Cpu;
    let dims = arch.dims();
    let n_params = kernel::parameters(&dims);
    let tiny = tiny::find::<{ tiny::WIDE }>(&dims).is_some();
    let width = match starts.len() {
        n if n <= SMALL => SMALL,
        _ if tiny => tiny::WIDE,
        n if n >= WIDE => WIDE,
        _ => NARROW,
    };
    let padded = starts.len().div_ceil(width) * width;
    // [parameters, starts]; padding members are zeros and their results are dropped.
    let mut flat = vec![0f32; n_params * padded];
    for (m, s) in starts.iter().enumerate() {
        for (j, &v) in s.iter().enumerate() {
            flat[j * padded + m] = v;
        }
    }
    let params = Tensor::from_vec(flat, (n_params, padded), &dev)?;

    let train = Owned::new(&split.train, setup);
    let test = split.test.as_ref().map(|d| Owned::new(d, setup));
    let mut on_curve = vec![false; setup.epochs as usize + 1];
    for e in schedule::curve_epochs(setup.epochs) {
        on_curve[e as usize] = true;
    }
    let (target_loss, target_acc) = (
        setup.target.train_loss.unwrap_or(f64::INFINITY),
        setup.target.train_acc.unwrap_or(f64::NEG_INFINITY),
    );
    let run = FusedRun {
        problem: Problem {
            dims,
            act: act(arch.activation).expect("checked by supports"),
            out: out(arch.head.activation, arch.head.loss),
            opt: opt(setup.optimizer),
            epochs: setup.epochs,
            batch: setup.batch_size,
            order_seed: setup.order_seed,
            target_loss,
            target_acc,
            early_stop: setup.early_stop,
            train: train.data(),
            test: test.as_ref().map(Owned::data),
            on_curve,
            snapshots: setup.record_layers,
        },
        width,
        lanes: Mutex::new(Vec::new()),
    };
    params.inplace_op1(&run)?;
    let mut trained = run.lanes.into_inner().expect("not poisoned");
    trained.truncate(starts.len());
    Ok(trained)
}

/// The first member of each distinct start (bit for bit), in member order, and for each
/// member the index of its start among those.
fn distinct_starts(starts: &[Vec<f32>]) -> (Vec<usize>, Vec<usize>) {
    let mut first: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut distinct = Vec::new();
    let start_of = starts
        .iter()
        .enumerate()
        .map(|(m, s)| {
            let bits = s.iter().map(|v| v.to_bits()).collect();
            *first.entry(bits).or_insert_with(|| {
                distinct.push(m);
                distinct.len() - 1
            })
        })
        .collect();
    (distinct, start_of)
}

/// Per-layer activation statistics at each lane's curve points, measured as the tensor path
/// measures them (`diagnostics::layer_stats`), from the parameters the kernel kept.
fn layer_points(setup: &Setup, split: &Split, lanes: &[Lane]) -> Result<Vec<Vec<LayerPoint>>> {
    let arch = &setup.arch;
    let dims = arch.dims();
    let dev = Device::Cpu;
    let train = &split.train;
    let k = arch.head.units(train.classes);
    let x = Tensor::from_slice(&train.x, (train.n, train.features), &dev)?;
    let t = Tensor::from_vec(
        arch.head.targets(&train.y, train.classes),
        (train.n, k),
        &dev,
    )?
    .to_dtype(DType::F32)?;
    let mut out = Vec::with_capacity(lanes.len());
    for lane in lanes {
        let snaps: Vec<Member> = lane
            .snapshots
            .iter()
            .map(|flat| Member::from_flat(flat, &dims))
            .collect();
        if snaps.is_empty() {
            out.push(Vec::new());
            continue;
        }
        let pop = Population::new(&snaps, arch, DType::F32, &dev)?;
        let fwd = pop.forward(arch, &x, &t)?;
        let stats = diagnostics::layer_stats(arch.activation, 0, &fwd)?;
        out.push(
            stats
                .into_iter()
                .zip(&lane.curve)
                .flat_map(|(per_layer, point)| {
                    per_layer.into_iter().map(move |l| LayerPoint {
                        epoch: point.epoch,
                        ..l
                    })
                })
                .collect(),
        );
    }
    Ok(out)
}
