//! The plain path: one network at a time with candle's autograd, candle-nn's losses and
//! optimizers, and no population axis.
//!
//! It shares only the hidden activations and the batch order with the cohort engine: not its
//! backprop, its loss code, its optimizers (except momentum, which candle-nn lacks), its
//! batching or its form of the parametrizations. Tests check that the engine trains each
//! member as this loop would.
//!
//! The engine writes ntk and mup as factors on the standard parametrization's initial weights
//! and learning rates ([`crate::model::parametrization`]). Here they take the form their
//! authors' code gives them: weights multiplied in the forward pass, with one learning rate
//! per parameter group. NTK: each layer whose fan-in is the width computes (h·w)/√m + b
//! with one learning rate. muP, as microsoft/mup's `MuReadout` with `MuSGD` or `MuAdam`: the
//! output layer computes (h/m)·w + b, its w drawn √m times the standard size, and the learning
//! rates are grouped by how a tensor's shape grows with the width: tensors with one growing
//! dimension (input weights, hidden biases, output weights) ×m under SGD, unchanged under
//! Adam; hidden weights (both dimensions growing) unchanged under SGD, ÷m under Adam; the
//! output bias unchanged.

use candle_core::{DType, Device, Result, Tensor, Var};
use candle_nn::Optimizer as _;

use super::autograd;
use super::cohort::Setup;
use super::member::Member;
use super::optim::{OptState, Optimizer};
use super::schedule;
use crate::data::Split;
use crate::model::Parametrization;

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
    let (mult, mut lr_factors) = multiplier_form(setup);
    let mut vars = Vec::new();
    for l in 0..arch.layers() {
        let raw: Vec<f64> = member.weights[l].iter().map(|w| w / mult[l]).collect();
        let w = Tensor::from_vec(raw, (dims[l], dims[l + 1]), &dev)?;
        let b = Tensor::from_slice(&member.biases[l], dims[l + 1], &dev)?;
        vars.push(Var::from_tensor(&w.to_dtype(dtype)?)?);
        vars.push(Var::from_tensor(&b.to_dtype(dtype)?)?);
    }
    if let Some(r) = arch.residual.filter(|r| r.trained) {
        for _ in 0..arch.blocks() {
            let alpha = Tensor::full(r.scale, 1, &dev)?.to_dtype(dtype)?;
            vars.push(Var::from_tensor(&alpha)?);
            lr_factors.push(1.0);
        }
    }
    if arch.residual.is_some_and(|r| r.scalar_biases) {
        for _ in 1..arch.layers() {
            vars.push(Var::from_tensor(&Tensor::zeros(1, dtype, &dev)?)?);
            lr_factors.push(1.0);
        }
    }
    let params = || -> Vec<Tensor> { vars.iter().map(|v| v.as_tensor().clone()).collect() };
    let logits = |x: &Tensor| autograd::logits(arch, &params(), &mult, x);
    let loss_of = |z: &Tensor, t: &Tensor, y: &Tensor| autograd::loss(head, z, t, y);
    let measure = || -> Result<(f64, f64)> {
        let z = logits(&x)?;
        let l: f64 = loss_of(&z, &t, &labels)?
            .to_dtype(DType::F64)?
            .to_scalar()?;
        let out = head.output(&z.unsqueeze(0)?)?;
        let ok = head.correct(&out, &labels.unsqueeze(1)?)?[0];
        Ok((l, ok / d.n as f64))
    };

    let mut step = Stepper::new(setup.optimizer, &vars, &lr_factors)?;
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

/// Per weight layer the forward multiplier on h·w, and per parameter tensor (w₀, b₀, w₁, …)
/// the factor on the learning rate, of the module doc's multiplier form.
fn multiplier_form(setup: &Setup) -> (Vec<f64>, Vec<f64>) {
    let layers = setup.arch.layers();
    let m = setup.scaling.width_mult;
    let mut mult = vec![1.0; layers];
    let mut lr = vec![1.0; 2 * layers];
    match setup.scaling.parametrization {
        Parametrization::Standard => {}
        Parametrization::Ntk => mult[1..].iter_mut().for_each(|x| *x = 1.0 / m.sqrt()),
        Parametrization::Mup => {
            mult[layers - 1] = 1.0 / m;
            let adam = setup.optimizer.adaptive();
            for l in 0..layers {
                let (input, output) = (l == 0, l + 1 == layers);
                // One growing dimension ("vector-like"): the input weights, the output weights,
                // every hidden bias. Two: the hidden weights. None: the output bias.
                let vector_like = input || output;
                lr[2 * l] = match (vector_like, adam) {
                    (true, false) => m,
                    (false, true) => 1.0 / m,
                    _ => 1.0,
                };
                lr[2 * l + 1] = if output || adam { 1.0 } else { m };
            }
        }
    }
    (mult, lr)
}

/// candle-nn's SGD and AdamW (with no weight decay, which is Adam), one per parameter tensor
/// for its own learning rate, or initbench's momentum.
enum Stepper {
    Sgd(Vec<candle_nn::SGD>),
    Adam(Vec<candle_nn::AdamW>),
    Momentum(OptState),
}

impl Stepper {
    fn new(opt: Optimizer, vars: &[Var], lr_factors: &[f64]) -> Result<Self> {
        let each = vars.iter().zip(lr_factors);
        Ok(match opt {
            Optimizer::Sgd { lr } => Stepper::Sgd(
                each.map(|(v, f)| candle_nn::SGD::new(vec![v.clone()], lr * f))
                    .collect::<Result<_>>()?,
            ),
            Optimizer::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => Stepper::Adam(
                each.map(|(v, f)| {
                    let p = candle_nn::ParamsAdamW {
                        lr: lr * f,
                        beta1,
                        beta2,
                        eps,
                        weight_decay: 0.0,
                    };
                    candle_nn::AdamW::new(vec![v.clone()], p)
                })
                .collect::<Result<_>>()?,
            ),
            Optimizer::Momentum { .. } => {
                let params: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
                Stepper::Momentum(OptState::new(opt, &params)?.with_lr_factors(lr_factors.to_vec()))
            }
        })
    }

    fn step(&mut self, loss: &Tensor, vars: &[Var]) -> Result<()> {
        match self {
            Stepper::Sgd(each) => {
                let grads = loss.backward()?;
                each.iter_mut().try_for_each(|o| o.step(&grads))
            }
            Stepper::Adam(each) => {
                let grads = loss.backward()?;
                each.iter_mut().try_for_each(|o| o.step(&grads))
            }
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
