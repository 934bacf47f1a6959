//! Trains a cohort: networks of one shape, on one data split and batch schedule, that differ
//! only in their initial weights, stacked along a population axis and run as one tensor
//! program.
//!
//! Each epoch ends with an evaluation of every member on the whole training split (and the
//! test split, when there is one). A member whose loss is not finite is recorded as diverged
//! and masked out of every later update. Members never read each other's numbers (a NaN in
//! one stays in its own slice of every tensor), so a cohort gives each member the same bits it
//! would get alone.

use candle_core::{DType, Device, Result, Tensor};

use super::dense;
use super::diagnostics;
use super::fused;
use super::member::Member;
use super::network::{Forward, Population};
use super::optim::{OptState, Optimizer};
use super::outcome::{
    Best, CurvePoint, Diagnostics, LayerPoint, Metrics, Outcome, Scores, Status, Target,
};
use super::schedule;
use crate::data::{Dataset, Split};
use crate::model::{Architecture, Scaling};

/// How a cohort trains: everything its members share.
#[derive(Clone, Debug)]
pub struct Setup {
    pub arch: Architecture,
    pub optimizer: Optimizer,
    pub epochs: u32,
    /// Rows per minibatch; `None` for full batch.
    pub batch_size: Option<usize>,
    pub target: Target,
    /// Freeze a member once it reaches the target, and stop when all are done.
    pub early_stop: bool,
    /// Seeds the minibatch order.
    pub order_seed: u64,
    /// Measure every hidden layer's activations at the curve epochs (`Outcome::layers`).
    pub record_layers: bool,
    /// Measure each member's Jacobian spectrum at initialization (`Outcome::jacobian`).
    pub record_jacobian: bool,
    /// The parametrization's learning-rate factors (its initial scale is in the members).
    pub scaling: Scaling,
}

/// One split of a data set as tensors: inputs, targets for the loss, labels for accuracy.
struct Tensors {
    x: Tensor,
    targets: Tensor,
    labels: Tensor,
    n: usize,
}

impl Tensors {
    fn new(d: &Dataset, setup: &Setup, dtype: DType, dev: &Device) -> Result<Self> {
        let head = setup.arch.head;
        let k = head.units(d.classes);
        let x = Tensor::from_slice(&d.x, (d.n, d.features), dev)?.to_dtype(dtype)?;
        let targets =
            Tensor::from_vec(head.targets(&d.y, d.classes), (d.n, k), dev)?.to_dtype(dtype)?;
        let labels = Tensor::from_slice(&d.y, (d.n, 1), dev)?;
        Ok(Tensors {
            x,
            targets,
            labels,
            n: d.n,
        })
    }

    fn rows(&self, idx: &[u32]) -> Result<(Tensor, Tensor)> {
        let i = Tensor::from_slice(idx, idx.len(), self.x.device())?;
        Ok((
            self.x.index_select(&i, 0)?,
            self.targets.index_select(&i, 0)?,
        ))
    }
}

/// Per-member bookkeeping on the host.
pub(super) struct Track {
    pub active: bool,
    pub epochs_to_target: Option<u32>,
    pub diverged_at: Option<u32>,
    pub epochs_run: u32,
    pub last: Option<Metrics>,
    pub best: Option<Best>,
    pub curve: Vec<CurvePoint>,
    pub layers: Vec<LayerPoint>,
}

impl Track {
    /// The verdict and record of a finished member.
    pub(super) fn into_outcome(self, init: Diagnostics) -> Outcome {
        let t = self;
        let status = if t.epochs_to_target.is_some() {
            Status::Converged
        } else if t.diverged_at.is_some() {
            Status::Diverged
        } else {
            Status::NotConverged
        };
        let mut curve = t.curve;
        if let (Some(last), None) = (t.last, t.diverged_at) {
            if curve.last().is_none_or(|c| c.epoch != t.epochs_run) {
                curve.push(CurvePoint {
                    epoch: t.epochs_run,
                    metrics: last,
                });
            }
        }
        Outcome {
            status,
            epochs_to_target: t.epochs_to_target,
            diverged_at: t.diverged_at,
            epochs_run: t.epochs_run,
            last: if t.diverged_at.is_some() {
                None
            } else {
                t.last
            },
            best: t.best.unwrap_or(Best {
                train_loss: f64::NAN,
                train_acc: f64::NAN,
                test_loss: None,
                test_acc: None,
            }),
            init,
            curve,
            layers: t.layers,
        }
    }
}

/// Trains `members` and returns one outcome per member, in order: small networks in f32 on
/// the CPU with the fused kernel, the rest with tensor ops.
pub fn train(
    setup: &Setup,
    split: &Split,
    members: &[Member],
    dtype: DType,
    dev: &Device,
) -> Result<Vec<Outcome>> {
    if dtype == DType::F32 && dev.is_cpu() && fused::supports(setup) {
        return fused::train(setup, split, members);
    }
    train_tensors(setup, split, members, dtype, dev)
}

/// [`train`] with candle tensor ops, whatever the network's size (minibatch epochs in f32 on
/// the CPU run on the host, `dense`, where it takes the setup).
pub fn train_tensors(
    setup: &Setup,
    split: &Split,
    members: &[Member],
    dtype: DType,
    dev: &Device,
) -> Result<Vec<Outcome>> {
    train_tensors_on(setup, split, members, dtype, dev, true)
}

pub(super) fn train_tensors_on(
    setup: &Setup,
    split: &Split,
    members: &[Member],
    dtype: DType,
    dev: &Device,
    dense_ok: bool,
) -> Result<Vec<Outcome>> {
    let arch = &setup.arch;
    let train = Tensors::new(&split.train, setup, dtype, dev)?;
    let test = match &split.test {
        Some(t) => Some(Tensors::new(t, setup, dtype, dev)?),
        None => None,
    };
    let p = members.len();
    let mut pop = Population::new(members, arch, dtype, dev)?;
    let mut factors = setup
        .scaling
        .lr_factors(arch.layers(), setup.optimizer.adaptive());
    // Trained branch multipliers and scalar biases are scalars: no dimension grows with the
    // width.
    factors.resize(factors.len() + pop.scales.len() + pop.shifts.len(), 1.0);
    let mut opt = OptState::new(setup.optimizer, &pop.flat())?.with_lr_factors(factors);
    let curve_epochs = schedule::curve_epochs(setup.epochs);
    let full_batch = setup.batch_size.is_none_or(|b| b >= train.n);
    let mut tracks: Vec<Track> = (0..p)
        .map(|_| Track {
            active: true,
            epochs_to_target: None,
            diverged_at: None,
            epochs_run: 0,
            last: None,
            best: None,
            curve: Vec::new(),
            layers: Vec::new(),
        })
        .collect();

    let mut fwd = pop.forward(arch, &train.x, &train.targets)?;
    let grads0 = pop.backward(arch, &train.x, &fwd, &train.targets)?;
    let init = diagnostics::measure(arch, &fwd, &grads0, members)?;
    let metrics = evaluate(&pop, arch, &fwd, &train, test.as_ref())?;
    observe(setup, 0, &metrics, &mut tracks, curve_epochs.contains(&0));
    record_layers(setup, 0, &fwd, &mut tracks, curve_epochs.contains(&0))?;
    let mut pending_grads = Some(grads0);

    if full_batch {
        for epoch in 1..=setup.epochs {
            if tracks.iter().all(|t| !t.active) {
                break;
            }
            let mask = mask_tensor(&tracks, dev)?;
            let g = match pending_grads.take() {
                Some(g) => g,
                None => pop.backward(arch, &train.x, &fwd, &train.targets)?,
            };
            step(&mut pop, &mut opt, &g.flat(), &mask)?;
            fwd = pop.forward(arch, &train.x, &train.targets)?;
            let metrics = evaluate(&pop, arch, &fwd, &train, test.as_ref())?;
            observe(
                setup,
                epoch,
                &metrics,
                &mut tracks,
                curve_epochs.contains(&epoch),
            );
            record_layers(
                setup,
                epoch,
                &fwd,
                &mut tracks,
                curve_epochs.contains(&epoch),
            )?;
        }
    } else {
        drop((fwd, pending_grads));
        let host = if dense_ok && dtype == DType::F32 && dev.is_cpu() && dense::supports(setup) {
            Some(dense::Host {
                train: dense::Rows::of(&split.train, arch.head),
                test: split.test.as_ref().map(|t| dense::Rows::of(t, arch.head)),
            })
        } else {
            None
        };
        minibatch_epochs(
            setup,
            &train,
            host.as_ref(),
            test.as_ref(),
            pop,
            opt,
            &mut tracks,
            dev,
        )?;
    }

    Ok(tracks
        .into_iter()
        .zip(init)
        .map(|(t, init)| t.into_outcome(init))
        .collect())
}

/// Epochs 1 to `setup.epochs` of minibatch training. Evaluating the parameters an epoch ends
/// with and training the next epoch from them are independent, so they run side by side
/// (`rayon::join`: a worker with nothing else to do takes one; otherwise this thread runs
/// both): the next epoch trains on the assumption that the same members stay active, and is
/// trained again from a copy of the parameters when the evaluation switches one off. Every
/// number is computed as it would be one after the other.
#[allow(clippy::too_many_arguments)]
fn minibatch_epochs(
    setup: &Setup,
    train: &Tensors,
    host: Option<&dense::Host>,
    test: Option<&Tensors>,
    mut pop: Population,
    mut opt: OptState,
    tracks: &mut [Track],
    dev: &Device,
) -> Result<()> {
    let arch = &setup.arch;
    let curve_epochs = schedule::curve_epochs(setup.epochs);
    let mut active: Vec<bool> = tracks.iter().map(|t| t.active).collect();
    if setup.epochs == 0 || !active.contains(&true) {
        return Ok(());
    }
    let mut mask = mask_of(&active, dev)?;
    train_epoch(setup, train, host, &mut pop, &mut opt, 1, &active, &mask)?;
    for epoch in 1..=setup.epochs {
        // `pop` holds the parameters after `epoch`; `done` keeps them while `pop` moves on.
        let done = pop.deep_copy()?;
        let opt_done = opt.clone();
        let next = (epoch < setup.epochs).then_some(epoch + 1);
        let mut run_next = || match next {
            Some(e) => train_epoch(setup, train, host, &mut pop, &mut opt, e, &active, &mask),
            None => Ok(()),
        };
        // Layer statistics are taken at the curve's epochs only.
        let on_curve = curve_epochs.contains(&epoch);
        let layers_at = (setup.record_layers && on_curve).then_some(epoch);
        let score = || -> Result<Scores> {
            if let Some(data) = host {
                return dense::score(setup, data, &done, &active, layers_at);
            }
            let fwd = if layers_at.is_some() {
                done.forward_lean(arch, &train.x, &train.targets)?
            } else {
                done.forward_head_only(arch, &train.x, &train.targets)?
            };
            let metrics = evaluate(&done, arch, &fwd, train, test)?;
            let layers = layers_at
                .map(|e| diagnostics::layer_stats(arch.activation, e, &fwd))
                .transpose()?;
            Ok(Scores { metrics, layers })
        };
        let (scored, trained) = if rayon::current_thread_index().is_some() {
            rayon::join(score, run_next)
        } else {
            (score(), run_next())
        };
        trained?;
        let Scores { metrics, layers } = scored?;
        observe(setup, epoch, &metrics, tracks, on_curve);
        if let Some(stats) = layers {
            keep_layers(epoch, stats, tracks);
        }
        let now: Vec<bool> = tracks.iter().map(|t| t.active).collect();
        let Some(e) = next else { break };
        if !now.contains(&true) {
            break;
        }
        if now != active {
            active = now;
            mask = mask_of(&active, dev)?;
            pop = done;
            opt = opt_done;
            train_epoch(setup, train, host, &mut pop, &mut opt, e, &active, &mask)?;
        }
    }
    Ok(())
}

/// One epoch of minibatch steps, in the schedule's order for `epoch`: on the host, one
/// network at a time (`dense`), where it takes the setup and `host` holds the rows; else
/// with tensor ops over the whole population.
#[allow(clippy::too_many_arguments)]
fn train_epoch(
    setup: &Setup,
    train: &Tensors,
    host: Option<&dense::Host>,
    pop: &mut Population,
    opt: &mut OptState,
    epoch: u32,
    active: &[bool],
    mask: &Tensor,
) -> Result<()> {
    if let Some(data) = host {
        return dense::train_epoch(setup, &data.train, pop, opt, epoch, active);
    }
    let arch = &setup.arch;
    for rows in schedule::batches(train.n, setup.batch_size, setup.order_seed, epoch) {
        let (xb, tb) = train.rows(&rows)?;
        let f = pop.forward_lean(arch, &xb, &tb)?;
        let g = pop.backward(arch, &xb, &f, &tb)?;
        step(pop, opt, &g.flat(), mask)?;
    }
    Ok(())
}

fn step(pop: &mut Population, opt: &mut OptState, grads: &[Tensor], mask: &Tensor) -> Result<()> {
    let mut flat = pop.flat();
    opt.step(&mut flat, grads, mask)?;
    pop.set_flat(flat);
    Ok(())
}

/// Train (from the forward pass already made) and test metrics for every member.
fn evaluate(
    pop: &Population,
    arch: &Architecture,
    fwd: &Forward,
    train: &Tensors,
    test: Option<&Tensors>,
) -> Result<Vec<Metrics>> {
    let train_loss = to_f64(&fwd.head.loss)?;
    let train_ok = arch.head.correct(&fwd.head.output, &train.labels)?;
    let (test_loss, test_ok) = match test {
        Some(t) => {
            let f = pop.forward_head_only(arch, &t.x, &t.targets)?;
            (
                Some(to_f64(&f.head.loss)?),
                Some(arch.head.correct(&f.head.output, &t.labels)?),
            )
        }
        None => (None, None),
    };
    let n_test = test.map_or(1, |t| t.n) as f64;
    Ok((0..train_loss.len())
        .map(|i| Metrics {
            train_loss: train_loss[i],
            train_acc: train_ok[i] / train.n as f64,
            test_loss: test_loss.as_ref().map(|l| l[i]),
            test_acc: test_ok.as_ref().map(|c| c[i] / n_test),
        })
        .collect())
}

/// Applies one epoch's metrics to the active members.
fn observe(setup: &Setup, epoch: u32, metrics: &[Metrics], tracks: &mut [Track], on_curve: bool) {
    for (t, m) in tracks.iter_mut().zip(metrics) {
        if !t.active {
            continue;
        }
        t.epochs_run = epoch;
        if !m.train_loss.is_finite() || m.test_loss.is_some_and(|l| !l.is_finite()) {
            t.diverged_at = Some(epoch);
            t.active = false;
            continue;
        }
        t.last = Some(*m);
        match &mut t.best {
            Some(b) => b.update(m),
            None => t.best = Some(Best::new(m)),
        }
        if on_curve {
            t.curve.push(CurvePoint { epoch, metrics: *m });
        }
        if t.epochs_to_target.is_none() && setup.target.met(m.train_loss, m.train_acc) {
            t.epochs_to_target = Some(epoch);
            if setup.early_stop {
                t.active = false;
            }
        }
    }
}

/// Per-layer activation statistics of the members still training, when the setup asks for
/// them at this epoch.
fn record_layers(
    setup: &Setup,
    epoch: u32,
    fwd: &Forward,
    tracks: &mut [Track],
    on_curve: bool,
) -> Result<()> {
    if setup.record_layers && on_curve {
        let stats = diagnostics::layer_stats(setup.arch.activation, epoch, fwd)?;
        keep_layers(epoch, stats, tracks);
    }
    Ok(())
}

/// Keeps each member's layer statistics of `epoch` if it is still training: a member that
/// has just diverged or stopped gets none, as its curve gets no point.
fn keep_layers(epoch: u32, stats: Vec<Vec<LayerPoint>>, tracks: &mut [Track]) {
    for (t, per_layer) in tracks.iter_mut().zip(stats) {
        if t.epochs_run == epoch && t.diverged_at.is_none() {
            t.layers.extend(per_layer);
        }
    }
}

fn mask_tensor(tracks: &[Track], dev: &Device) -> Result<Tensor> {
    let active: Vec<bool> = tracks.iter().map(|t| t.active).collect();
    mask_of(&active, dev)
}

fn mask_of(active: &[bool], dev: &Device) -> Result<Tensor> {
    let m: Vec<u8> = active.iter().map(|&a| a as u8).collect();
    Tensor::from_vec(m, (active.len(), 1, 1), dev)
}

fn to_f64(t: &Tensor) -> Result<Vec<f64>> {
    t.to_dtype(DType::F64)?.to_vec1()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, Head, Loss, OutputActivation};

    /// The curve a member records is as long as `schedule::curve_points` says, which is what
    /// resume and merge check a folder's rows against, also for a member that met its target
    /// and diverged afterwards.
    #[test]
    fn curves_are_as_long_as_the_schedule_says() {
        let setup = Setup {
            arch: Architecture {
                inputs: 2,
                depth: 1,
                width: 2,
                outputs: 1,
                activation: Activation::Tanh,
                head: Head::new(OutputActivation::Sigmoid, Loss::Mse).unwrap(),
                residual: None,
            },
            optimizer: Optimizer::Sgd { lr: 0.1 },
            epochs: 15,
            batch_size: None,
            target: Target {
                train_loss: None,
                train_acc: Some(0.9),
            },
            early_stop: false,
            order_seed: 0,
            record_layers: false,
            record_jacobian: false,
            scaling: Scaling::STANDARD,
        };
        let fine = |acc: f64| Metrics {
            train_loss: 1.0 - acc,
            train_acc: acc,
            test_loss: None,
            test_acc: None,
        };
        let nan = Metrics {
            train_loss: f64::NAN,
            ..fine(0.0)
        };
        let curve = schedule::curve_epochs(setup.epochs);
        // (first epoch at the target, epoch of divergence): converged then diverged off and on
        // the curve, diverged only, converged only, neither.
        for (hit, blow) in [
            (Some(3), Some(12)),
            (Some(3), Some(13)),
            (None, Some(11)),
            (Some(5), None),
            (None, None),
        ] {
            let mut tracks = vec![Track {
                active: true,
                epochs_to_target: None,
                diverged_at: None,
                epochs_run: 0,
                last: None,
                best: None,
                curve: Vec::new(),
                layers: Vec::new(),
            }];
            for epoch in 0..=setup.epochs {
                if !tracks[0].active {
                    break;
                }
                let m = match (hit, blow) {
                    (_, Some(b)) if epoch >= b => nan,
                    (Some(h), _) if epoch >= h => fine(0.95),
                    _ => fine(0.5),
                };
                observe(&setup, epoch, &[m], &mut tracks, curve.contains(&epoch));
            }
            let t = tracks.pop().unwrap();
            let init = Diagnostics {
                loss: 0.5,
                grad_norm_first: 0.0,
                grad_norm_last: 0.0,
                act_std_first: 0.0,
                act_std_last: 0.0,
                saturated_frac: None,
                dead_frac: None,
                symmetric: false,
            };
            let o = t.into_outcome(init);
            let (_, want) =
                schedule::curve_points(setup.epochs, o.epochs_run, o.diverged_at.is_some());
            assert_eq!(o.curve.len(), want, "{hit:?} {blow:?}");
            assert_eq!(o.diverged_at, blow, "{hit:?} {blow:?}");
        }
    }
}
