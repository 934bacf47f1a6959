//! The plain path: one network at a time with candle's autograd, candle-nn's losses and
//! optimizers, and no population axis.
//!
//! It shares only the hidden activations and the batch order with the cohort engine: not its
//! backprop, its loss code, its optimizers (except momentum, which candle-nn lacks) or its
//! batching. Tests check that the engine trains each member as this loop would.

use candle_core::{DType, Device, Result, Tensor, Var};
use candle_nn::{loss, ops, Optimizer as _};

use super::cohort::Setup;
use super::member::Member;
use super::optim::{OptState, Optimizer};
use super::schedule;
use crate::data::Split;
use crate::model::{Loss, Norm, OutputActivation, Role, LAYER_NORM_EPS};

/// Train loss and accuracy after each epoch (index 0 = at initialization), up to and
/// including the first non-finite loss.
pub fn train(
    setup: &Setup,
    split: &Split,
    member: &Member,
    dtype: DType,
) -> Result<Vec<(f64, f64)>> {
    let dev = Device::Cpu;
    let arch = &setup.arch;
    let head = arch.head;
    let dims = arch.dims();
    let d = &split.train;
    let k = head.units(d.classes);
    let x = Tensor::from_slice(&d.x, (d.n, d.features), &dev)?.to_dtype(dtype)?;
    let t = Tensor::from_vec(head.targets(&d.y, d.classes), (d.n, k), &dev)?.to_dtype(dtype)?;
    let labels = Tensor::from_slice(&d.y, d.n, &dev)?;
    let mut vars = Vec::new();
    for l in 0..arch.layers() {
        let w = Tensor::from_slice(&member.weights[l], (dims[l], dims[l + 1]), &dev)?;
        let b = Tensor::from_slice(&member.biases[l], dims[l + 1], &dev)?;
        vars.push(Var::from_tensor(&w.to_dtype(dtype)?)?);
        vars.push(Var::from_tensor(&b.to_dtype(dtype)?)?);
    }
    let logits = |x: &Tensor| -> Result<Tensor> {
        // Layer normalization over the width written out in candle ops, for autograd.
        let layer_norm = |x: &Tensor| -> Result<Tensor> {
            let centred = x.broadcast_sub(&x.mean_keepdim(1)?)?;
            let sd = (centred.sqr()?.mean_keepdim(1)? + LAYER_NORM_EPS)?.sqrt()?;
            centred.broadcast_div(&sd)
        };
        let norm = arch.residual.map_or(Norm::None, |r| r.norm);
        let mut h = x.clone();
        let mut stream = h.clone();
        for l in 0..arch.layers() {
            let pre = norm == Norm::Pre && matches!(arch.role(l), Role::BranchIn | Role::Output);
            if pre {
                h = layer_norm(&h)?;
            }
            let z = h
                .matmul(vars[2 * l].as_tensor())?
                .broadcast_add(vars[2 * l + 1].as_tensor())?;
            h = match arch.role(l) {
                Role::Output => z,
                Role::BranchOut => {
                    let scale = arch.residual.map_or(1.0, |r| r.scale);
                    stream = (&stream + (z * scale)?)?;
                    if norm == Norm::Post {
                        stream = layer_norm(&stream)?;
                    }
                    stream.clone()
                }
                Role::Hidden => {
                    stream = arch.activation.forward(&z)?;
                    stream.clone()
                }
                Role::BranchIn => arch.activation.forward(&z)?,
            };
        }
        Ok(h)
    };
    // candle-nn's own definitions of each loss.
    let loss_of = |z: &Tensor, t: &Tensor, y: &Tensor| -> Result<Tensor> {
        match (head.activation, head.loss) {
            (OutputActivation::Linear, Loss::Mse) => loss::mse(z, t),
            (OutputActivation::Sigmoid, Loss::Mse) => loss::mse(&ops::sigmoid(z)?, t),
            (OutputActivation::Softmax, Loss::Mse) => loss::mse(&ops::softmax(z, 1)?, t),
            (OutputActivation::Sigmoid, Loss::CrossEntropy) => {
                loss::binary_cross_entropy_with_logit(z, t)
            }
            (OutputActivation::Softmax, Loss::CrossEntropy) => loss::cross_entropy(z, y),
            (OutputActivation::Linear, Loss::CrossEntropy) => unreachable!("rejected by Head::new"),
        }
    };
    let measure = || -> Result<(f64, f64)> {
        let z = logits(&x)?;
        let l: f64 = loss_of(&z, &t, &labels)?
            .to_dtype(DType::F64)?
            .to_scalar()?;
        let out = head.output(&z.unsqueeze(0)?)?;
        let ok = head.correct(&out, &labels.unsqueeze(1)?)?[0];
        Ok((l, ok / d.n as f64))
    };

    let mut step = Stepper::new(setup.optimizer, &vars)?;
    let mut history = vec![measure()?];
    for epoch in 1..=setup.epochs {
        if !history.last().expect("non-empty").0.is_finite() {
            break;
        }
        for rows in schedule::batches(d.n, setup.batch_size, setup.order_seed, epoch) {
            let idx = Tensor::from_slice(&rows, rows.len(), &dev)?;
            let z = logits(&x.index_select(&idx, 0)?)?;
            let l = loss_of(
                &z,
                &t.index_select(&idx, 0)?,
                &labels.index_select(&idx, 0)?,
            )?;
            step.step(&l, &vars)?;
        }
        history.push(measure()?);
    }
    Ok(history)
}

/// candle-nn's SGD and AdamW (with no weight decay, which is Adam), or initbench's momentum.
enum Stepper {
    Sgd(candle_nn::SGD),
    Adam(candle_nn::AdamW),
    Momentum(OptState),
}

impl Stepper {
    fn new(opt: Optimizer, vars: &[Var]) -> Result<Self> {
        Ok(match opt {
            Optimizer::Sgd { lr } => Stepper::Sgd(candle_nn::SGD::new(vars.to_vec(), lr)?),
            Optimizer::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                let p = candle_nn::ParamsAdamW {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    weight_decay: 0.0,
                };
                Stepper::Adam(candle_nn::AdamW::new(vars.to_vec(), p)?)
            }
            Optimizer::Momentum { .. } => {
                let params: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
                Stepper::Momentum(OptState::new(opt, &params)?)
            }
        })
    }

    fn step(&mut self, loss: &Tensor, vars: &[Var]) -> Result<()> {
        match self {
            Stepper::Sgd(o) => o.backward_step(loss),
            Stepper::Adam(o) => o.backward_step(loss),
            Stepper::Momentum(o) => {
                let grads = loss.backward()?;
                let mut g = Vec::with_capacity(vars.len());
                for v in vars {
                    g.push(match grads.get(v) {
                        Some(g) => g.clone(),
                        None => v.zeros_like()?,
                    });
                }
                let mut p: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().detach()).collect();
                let on = Tensor::new(&[1u8], loss.device())?;
                o.step(&mut p, &g, &on)?;
                for (v, new) in vars.iter().zip(p) {
                    v.set(&new)?;
                }
                Ok(())
            }
        }
    }
}
