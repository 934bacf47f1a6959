//! Minibatch epochs of the tensor path in f32 on the CPU, one network at a time in buffers of
//! its own: the forward and backward passes and the optimizer step as the tensor path
//! computes them, without a tensor, an allocation or a packing pass per operation. A network
//! runs its whole epoch before the next starts, so its parameters stay in cache.
//!
//! The products sum in the order candle's gemm does for depths up to 512 and every
//! elementwise operation has candle's roundings, so networks of the shipped shapes train to
//! the same bits as the tensor ops gave (the tests run both). Past a depth of 512 (the input
//! layer of MNIST's 784 pixels) gemm splits the sum in blocks that depend on the machine's
//! caches; here it is always one chain, the same on every machine.

mod elementwise;
mod libm;
mod matmul;
mod score;
mod step;

use candle_core::{Result, Tensor};

use super::diagnostics;
use super::network::Population;
use super::optim::OptState;
use super::outcome::Scores;
use super::schedule;
use super::{Metrics, Setup};
use crate::model::{Loss, OutputActivation};
use elementwise::Act;
// Public for the benches, which time the products alone.
pub use matmul::{matmul, Strides};

/// Whether [`train_epoch`] takes cohorts with this setup (f32 on the CPU is the caller's
/// check): plain networks of the activations of [`Act`], and a softmax head with
/// cross-entropy.
pub fn supports(setup: &Setup) -> bool {
    let arch = &setup.arch;
    arch.residual.is_none()
        && Act::of(arch.activation).is_some()
        && arch.head.activation == OutputActivation::Softmax
        && arch.head.loss == Loss::CrossEntropy
        && (2..=elementwise::MAX_CLASSES).contains(&arch.outputs)
}

/// The data on the host: the training split, and the test split when there is one.
pub struct Host {
    pub train: Rows,
    pub test: Option<Rows>,
}

/// One split: inputs [n, in], one-hot targets [n, K] and labels [n].
pub struct Rows {
    x: Vec<f32>,
    targets: Vec<f32>,
    labels: Vec<u32>,
    n: usize,
}

impl Rows {
    /// A data set's rows as the tensor path holds them (targets through `head`).
    pub fn of(d: &crate::data::Dataset, head: crate::model::Head) -> Self {
        Rows {
            x: d.x.clone(),
            targets: head
                .targets(&d.y, d.classes)
                .iter()
                .map(|&t| t as f32)
                .collect(),
            labels: d.y.clone(),
            n: d.n,
        }
    }
}

fn host(t: &Tensor) -> Result<Vec<f32>> {
    t.flatten_all()?.to_vec1()
}

/// Member `p`'s slice of each buffer, every buffer holding `members` equal slices.
fn member(bufs: &[Vec<f32>], p: usize, members: usize) -> Vec<&[f32]> {
    bufs.iter()
        .map(|v| {
            let size = v.len() / members;
            &v[p * size..(p + 1) * size]
        })
        .collect()
}

fn member_mut(bufs: &mut [Vec<f32>], p: usize, members: usize) -> Vec<&mut [f32]> {
    bufs.iter_mut()
        .map(|v| {
            let size = v.len() / members;
            &mut v[p * size..(p + 1) * size]
        })
        .collect()
}

/// Every active member's loss and accuracy on the whole of each split, as the tensor path's
/// `evaluate` gives them; members switched off get NaN, which nothing reads. With
/// `layers_at`, also every member's hidden-layer statistics on the training split, as
/// `diagnostics::layer_stats` gives them on the tensor path's forward pass at that epoch
/// (none for members switched off).
pub(super) fn score(
    setup: &Setup,
    data: &Host,
    pop: &Population,
    active: &[bool],
    layers_at: Option<u32>,
) -> Result<Scores> {
    let arch = &setup.arch;
    let dims = arch.dims();
    let act = Act::of(arch.activation).expect("supports() was checked");
    let weights = pop.weights.iter().map(host).collect::<Result<Vec<_>>>()?;
    let biases = pop.biases.iter().map(host).collect::<Result<Vec<_>>>()?;
    let mut buf = score::Buffers::default();
    let mut hidden = vec![Vec::new(); if layers_at.is_some() { arch.depth } else { 0 }];
    let mut out = Vec::with_capacity(active.len());
    let mut layers = layers_at.map(|_| Vec::with_capacity(active.len()));
    for (p, &on) in active.iter().enumerate() {
        let test_nan = data.test.as_ref().map(|_| f64::NAN);
        if !on {
            out.push(Metrics {
                train_loss: f64::NAN,
                train_acc: f64::NAN,
                test_loss: test_nan,
                test_acc: test_nan,
            });
            if let Some(l) = &mut layers {
                l.push(Vec::new());
            }
            continue;
        }
        let w = member(&weights, p, active.len());
        let b = member(&biases, p, active.len());
        let mut on_split = |r: &Rows, hidden: &mut [Vec<f32>]| {
            let (loss, hits) = score::softmax_ce(
                &w, &b, &dims, act, &r.x, &r.targets, &r.labels, &mut buf, hidden,
            );
            (loss as f64, hits / r.n as f64)
        };
        let (train_loss, train_acc) = on_split(&data.train, &mut hidden);
        if let (Some(l), Some(epoch)) = (&mut layers, layers_at) {
            let layers: Vec<&[f32]> = hidden.iter().map(Vec::as_slice).collect();
            l.push(diagnostics::layer_points(arch.activation, epoch, &layers));
        }
        let test = data.test.as_ref().map(|t| on_split(t, &mut []));
        out.push(Metrics {
            train_loss,
            train_acc,
            test_loss: test.map(|t| t.0),
            test_acc: test.map(|t| t.1),
        });
    }
    Ok(Scores {
        metrics: out,
        layers,
    })
}

/// One epoch of minibatch steps for the members that are `active`, in the schedule's order
/// for `epoch`; the others keep their parameters. `pop` and `opt` move on as
/// [`super::cohort`]'s tensor epoch moves them.
pub fn train_epoch(
    setup: &Setup,
    rows: &Rows,
    pop: &mut Population,
    opt: &mut OptState,
    epoch: u32,
    active: &[bool],
) -> Result<()> {
    let arch = &setup.arch;
    let dims = arch.dims();
    let layers = arch.layers();
    let batches = schedule::batches(rows.n, setup.batch_size, setup.order_seed, epoch);
    let act = Act::of(arch.activation).expect("supports() was checked");

    let mut weights = pop.weights.iter().map(host).collect::<Result<Vec<_>>>()?;
    let mut biases = pop.biases.iter().map(host).collect::<Result<Vec<_>>>()?;
    let (optimizers, t0, first, second) = opt.parts_mut();
    let mut first = first.iter().map(host).collect::<Result<Vec<_>>>()?;
    let mut second = second.iter().map(host).collect::<Result<Vec<_>>>()?;

    let batch = batches.iter().map(Vec::len).max().unwrap_or(0);
    let mut ws = Workspace::new(&dims, batch, act.needs_z());
    let mut rules = Vec::with_capacity(optimizers.len());
    for (p, _) in active.iter().enumerate().filter(|(_, &on)| on) {
        // Member p's slices of every layer and moment, in `Population::flat`'s order.
        let members = active.len();
        let mut net = Net {
            w: member_mut(&mut weights, p, members),
            b: member_mut(&mut biases, p, members),
            first: member_mut(&mut first, p, members),
            second: member_mut(&mut second, p, members),
        };
        for (i, idx) in batches.iter().enumerate() {
            let t = *t0 + i as u32 + 1;
            rules.clear();
            rules.extend(optimizers.iter().map(|&o| step::Rule::new(o, t)));
            ws.gather(rows, idx, dims[0], *dims.last().expect("layers"));
            ws.forward(&net, &dims, act);
            ws.backward(&net, &dims, act);
            net.step(&ws, &rules);
        }
    }
    *t0 += batches.len() as u32;

    let dev = pop.weights[0].device().clone();
    let size = pop.size();
    for l in 0..layers {
        let (i, o) = (dims[l], dims[l + 1]);
        pop.weights[l] = Tensor::from_vec(std::mem::take(&mut weights[l]), (size, i, o), &dev)?;
        pop.biases[l] = Tensor::from_vec(std::mem::take(&mut biases[l]), (size, 1, o), &dev)?;
    }
    let (_, _, first_t, second_t) = opt.parts_mut();
    for (t, v) in first_t.iter_mut().zip(first) {
        let shape = t.shape().clone();
        *t = Tensor::from_vec(v, shape, &dev)?;
    }
    for (t, v) in second_t.iter_mut().zip(second) {
        let shape = t.shape().clone();
        *t = Tensor::from_vec(v, shape, &dev)?;
    }
    Ok(())
}

/// One member's parameters and optimizer moments, borrowed from the cohort's.
struct Net<'a> {
    w: Vec<&'a mut [f32]>,
    b: Vec<&'a mut [f32]>,
    /// Per parameter tensor (w0, b0, w1, …); empty when the optimizer keeps none.
    first: Vec<&'a mut [f32]>,
    second: Vec<&'a mut [f32]>,
}

impl Net<'_> {
    /// `rules[i]` moves parameter tensor i (w0, b0, w1, …).
    fn step(&mut self, ws: &Workspace, rules: &[step::Rule]) {
        for l in 0..self.w.len() {
            for (i, p, g) in [
                (2 * l, &mut *self.w[l], &ws.gw[l]),
                (2 * l + 1, &mut *self.b[l], &ws.gb[l]),
            ] {
                let m = self.first.get_mut(i).map_or(&mut [][..], |m| &mut **m);
                let v = self.second.get_mut(i).map_or(&mut [][..], |v| &mut **v);
                rules[i].apply(p, g, m, v);
            }
        }
    }
}

/// A member's batch, activations and gradients, reused from batch to batch and member to
/// member.
struct Workspace {
    rows: usize,
    /// The batch's targets [rows, K].
    targets: Vec<f32>,
    /// acts[0] the batch's inputs, acts[l] the activations of hidden layer l, [rows, width].
    acts: Vec<Vec<f32>>,
    /// Pre-activations of the hidden layers (zs[l] for acts[l]), when the derivative needs
    /// them.
    zs: Vec<Vec<f32>>,
    /// dL/dz of the layer being differentiated, and dL/da of the layer below.
    dz: Vec<f32>,
    da: Vec<f32>,
    /// A weight matrix transposed, for dz · Wᵀ.
    wt: Vec<f32>,
    gw: Vec<Vec<f32>>,
    gb: Vec<Vec<f32>>,
    /// Each row's log-sum of exponentials in the head.
    lse: Vec<f32>,
}

impl Workspace {
    fn new(dims: &[usize], batch: usize, keep_z: bool) -> Self {
        let layers = dims.len() - 1;
        let widest = *dims.iter().max().expect("layers");
        Workspace {
            rows: 0,
            targets: vec![0.0; batch * dims[layers]],
            acts: dims[..layers]
                .iter()
                .map(|&d| vec![0.0; batch * d])
                .collect(),
            zs: dims[..layers]
                .iter()
                .enumerate()
                .map(|(l, &d)| vec![0.0; if keep_z && l > 0 { batch * d } else { 0 }])
                .collect(),
            dz: vec![0.0; batch * widest],
            da: vec![0.0; batch * widest],
            wt: vec![0.0; dims.windows(2).map(|w| w[0] * w[1]).max().unwrap_or(0)],
            gw: dims.windows(2).map(|w| vec![0.0; w[0] * w[1]]).collect(),
            gb: dims[1..].iter().map(|&d| vec![0.0; d]).collect(),
            lse: vec![0.0; batch],
        }
    }

    fn gather(&mut self, rows: &Rows, idx: &[u32], inputs: usize, k: usize) {
        self.rows = idx.len();
        for (r, &i) in idx.iter().enumerate() {
            let i = i as usize;
            self.acts[0][r * inputs..(r + 1) * inputs]
                .copy_from_slice(&rows.x[i * inputs..(i + 1) * inputs]);
            self.targets[r * k..(r + 1) * k].copy_from_slice(&rows.targets[i * k..(i + 1) * k]);
        }
    }

    /// The hidden layers' activations and the head's dL/dz (in `dz`).
    fn forward(&mut self, net: &Net, dims: &[usize], act: Act) {
        let n = self.rows;
        let layers = dims.len() - 1;
        for l in 0..layers {
            let (i, o) = (dims[l], dims[l + 1]);
            let (below, above) = self.acts.split_at_mut(l + 1);
            let input = &below[l][..n * i];
            let b = &*net.b[l];
            if l + 1 == layers {
                let out = &mut self.dz[..n * o];
                matmul(input, Strides { rs: i, cs: 1 }, net.w[l], out, n, o, i);
                for row in out.chunks_exact_mut(o) {
                    for (v, &bj) in row.iter_mut().zip(b) {
                        *v += bj;
                    }
                }
            } else {
                // The product goes to the scratch `da`, the activations to the layer's own.
                let z = &mut self.da[..n * o];
                matmul(input, Strides { rs: i, cs: 1 }, net.w[l], z, n, o, i);
                elementwise::bias_act(act, z, b, &mut above[0][..n * o], &mut self.zs[l + 1]);
            }
        }
        let k = dims[layers];
        let inv_n = (1.0 / n as f64) as f32;
        // `da` is free until the backward pass.
        elementwise::softmax_ce_backward(
            &mut self.dz[..n * k],
            &self.targets[..n * k],
            k,
            inv_n,
            &mut self.da[..n * k],
            &mut self.lse[..n],
        );
    }

    /// Every layer's gradients, from the head's dL/dz down.
    fn backward(&mut self, net: &Net, dims: &[usize], act: Act) {
        let n = self.rows;
        for l in (0..dims.len() - 1).rev() {
            let (i, o) = (dims[l], dims[l + 1]);
            let input = &self.acts[l][..n * i];
            let dz = &self.dz[..n * o];
            matmul(
                input,
                Strides { rs: 1, cs: i },
                dz,
                &mut self.gw[l],
                i,
                o,
                n,
            );
            let gb = &mut self.gb[l];
            gb.fill(0.0);
            for row in dz.chunks_exact(o) {
                for (s, &d) in gb.iter_mut().zip(row) {
                    *s += d;
                }
            }
            if l == 0 {
                break;
            }
            let w = &*net.w[l];
            let wt = &mut self.wt[..i * o];
            matmul::transpose(w, wt, i, o);
            matmul(
                dz,
                Strides { rs: o, cs: 1 },
                wt,
                &mut self.da[..n * i],
                n,
                i,
                o,
            );
            elementwise::act_backward(
                act,
                &self.da[..n * i],
                &self.acts[l][..n * i],
                &self.zs[l],
                &mut self.dz[..n * i],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use candle_core::{DType, Device};

    use crate::plan::Plan;
    use crate::spec::Spec;
    use crate::train::cohort::train_tensors_on;
    use crate::train::{Member, Outcome, Status};

    /// Every cohort of `spec` trained with the host epochs and with tensor ops.
    fn both(spec: &str) -> Vec<(Outcome, Outcome)> {
        crate::train::setup_process();
        let plan = Plan::new(Spec::from_str(spec, "t.toml", "t", Path::new(".")).unwrap()).unwrap();
        let mut out = Vec::new();
        for c in &plan.cohorts {
            let split = plan.split(c).unwrap();
            let setup = plan.setup(c);
            assert!(super::supports(&setup), "{:?}", setup.arch);
            let members: Vec<Member> = c
                .trials
                .clone()
                .map(|i| plan.member(&plan.trials[i], &split).unwrap())
                .collect();
            let cpu = Device::Cpu;
            let host = train_tensors_on(&setup, &split, &members, DType::F32, &cpu, true);
            let ops = train_tensors_on(&setup, &split, &members, DType::F32, &cpu, false);
            out.extend(host.unwrap().into_iter().zip(ops.unwrap()));
        }
        out
    }

    /// Bits, not tolerances: every activation the host takes, every optimizer, batches with
    /// a short last one, widths off the tiles' edges, members that diverge or stop early
    /// while others train on, layer statistics.
    #[test]
    fn host_epochs_give_the_tensor_ops_bits() {
        // Shapes where gemm runs its microkernel (every product has more than 256 outputs
        // and a depth over 2); below that it has special paths that sum in other orders.
        let specs = [
            r#"dataset = [{ name = "blobs", n = 400, classes = 10, features = 20, std = 4 }]
               activation = ["relu"]
               depth = [3]
               width = [40]
               batch_size = 48
               early_stop = true
               record_layers = true
               target = { train_acc = 0.9 }
               optimizer = [{ name = "sgd", lr = 0.5 }]
               initializer = ["he_normal", "random_normal", "glorot_uniform"]
               gain = [0.25, 1.0, 4.0]
               epochs = 25"#,
            r#"dataset = [{ name = "blobs", n = 400, classes = 10, features = 20, std = 4 }]
               activation = ["tanh", "sigmoid", "selu", "softsign", "linear"]
               depth = [2]
               width = [33]
               batch_size = 48
               test_fraction = 0.2
               record_layers = true
               optimizer = [{ name = "momentum", lr = 0.1, nesterov = true }, { name = "sgd", lr = 0.3 }]
               initializer = ["glorot_uniform", "orthogonal"]
               epochs = 6"#,
            r#"dataset = [{ name = "blobs", n = 400, classes = 10, features = 20, std = 4 }]
               activation = [{ name = "leaky_relu", slope = 0.1 }, { name = "elu", alpha = 0.5 }, "silu"]
               depth = [2]
               width = [40]
               batch_size = 48
               bias_initializer = { name = "random_normal", stddev = 0.1 }
               optimizer = [{ name = "adam", lr = 0.01 }, { name = "momentum", lr = 0.05 }]
               initializer = ["kaiming_uniform", "lecun_normal"]
               epochs = 5"#,
            // A learning rate per tensor.
            r#"dataset = [{ name = "blobs", n = 400, classes = 10, features = 20, std = 4 }]
               activation = ["relu"]
               depth = [2]
               width = [40]
               parametrization = ["ntk", "mup"]
               base_width = 16
               batch_size = 48
               optimizer = [{ name = "adam", lr = 0.01 }, { name = "momentum", lr = 0.05 }, { name = "sgd", lr = 0.2 }]
               initializer = ["he_normal"]
               epochs = 5"#,
        ];
        for spec in specs {
            let pairs = both(spec);
            let stopped = pairs
                .iter()
                .filter(|(h, _)| h.status != Status::NotConverged)
                .count();
            for (host, ops) in &pairs {
                assert_eq!(host, ops, "{spec}");
                assert_eq!(!host.layers.is_empty(), spec.contains("record_layers"));
            }
            if spec.contains("early_stop") {
                assert!(
                    stopped > 0 && stopped < pairs.len(),
                    "{stopped}/{}",
                    pairs.len()
                );
            }
        }
    }
}
