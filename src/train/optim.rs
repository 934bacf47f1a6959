//! Optimizers: SGD, SGD with (Nesterov) momentum, and Adam, on population tensors.
//!
//! The update rules are PyTorch's (`torch/optim/sgd.py`, `torch/optim/adam.py`):
//! momentum keeps v ← μv + g and steps by v, or by g + μv with Nesterov;
//! Adam keeps m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g² and steps by
//! lr·m̂/(√v̂ + ε) with the bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) (Kingma & Ba 2015).
//!
//! Every parameter tensor has the population as its first axis. `mask` ([P, 1, 1], u8) switches
//! members off: a converged or diverged member keeps its parameters bit for bit, even when its
//! gradients are NaN (a select, not a multiply by zero), and no member's update depends on any
//! other's.

use candle_core::{Result, Tensor};

use crate::params::{self, Entry, Params};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    Sgd {
        lr: f64,
    },
    Momentum {
        lr: f64,
        momentum: f64,
        nesterov: bool,
    },
    Adam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
    },
}

pub const CATALOGUE: &[Entry] = &[
    Entry {
        name: "sgd",
        params: "lr = 0.1",
        about: "plain (minibatch) gradient descent",
    },
    Entry {
        name: "momentum",
        params: "lr = 0.1, momentum = 0.9, nesterov = false",
        about: "SGD with heavy-ball or Nesterov momentum (PyTorch's form)",
    },
    Entry {
        name: "adam",
        params: "lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8",
        about: "Adam with bias correction (Kingma & Ba 2015; PyTorch's defaults)",
    },
];

impl Optimizer {
    pub fn parse(mut p: Params) -> std::result::Result<Self, String> {
        let opt = match p.name() {
            "sgd" => Optimizer::Sgd {
                lr: positive(&mut p, "lr", 0.1)?,
            },
            "momentum" => {
                let lr = positive(&mut p, "lr", 0.1)?;
                let momentum = p.num("momentum", 0.9)?;
                if !(0.0..1.0).contains(&momentum) {
                    return Err(p.error(format!("momentum must be in [0, 1), got {momentum}")));
                }
                let nesterov = p.boolean("nesterov", false)?;
                Optimizer::Momentum {
                    lr,
                    momentum,
                    nesterov,
                }
            }
            "adam" => {
                let lr = positive(&mut p, "lr", 0.001)?;
                let beta1 = p.num("beta1", 0.9)?;
                let beta2 = p.num("beta2", 0.999)?;
                for (key, b) in [("beta1", beta1), ("beta2", beta2)] {
                    if !(0.0..1.0).contains(&b) {
                        return Err(p.error(format!("{key} must be in [0, 1), got {b}")));
                    }
                }
                let eps = positive(&mut p, "eps", 1e-8)?;
                Optimizer::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                }
            }
            _ => return Err(p.unknown(CATALOGUE)),
        };
        p.finish()?;
        Ok(opt)
    }

    /// Always shows lr, since it is what a reader looks for first.
    pub fn label(&self) -> String {
        match *self {
            Optimizer::Sgd { lr } => format!("sgd(lr={})", params::fmt_num(lr)),
            Optimizer::Momentum {
                lr,
                momentum,
                nesterov,
            } => {
                let mut s = format!(
                    "momentum(lr={},momentum={}",
                    params::fmt_num(lr),
                    params::fmt_num(momentum)
                );
                if nesterov {
                    s.push_str(",nesterov=true");
                }
                s.push(')');
                s
            }
            Optimizer::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                let rest = params::label(
                    "",
                    &[
                        params::num_param("beta1", beta1, 0.9),
                        params::num_param("beta2", beta2, 0.999),
                        params::num_param("eps", eps, 1e-8),
                    ],
                );
                let rest = rest.trim_start_matches('(').trim_end_matches(')');
                if rest.is_empty() {
                    format!("adam(lr={})", params::fmt_num(lr))
                } else {
                    format!("adam(lr={},{rest})", params::fmt_num(lr))
                }
            }
        }
    }

    pub fn lr(&self) -> f64 {
        match *self {
            Optimizer::Sgd { lr } | Optimizer::Momentum { lr, .. } | Optimizer::Adam { lr, .. } => {
                lr
            }
        }
    }

    /// The same rule with its learning rate times `factor` (exactly `self` when it is 1).
    pub fn scaled(mut self, factor: f64) -> Optimizer {
        match &mut self {
            Optimizer::Sgd { lr } | Optimizer::Momentum { lr, .. } | Optimizer::Adam { lr, .. } => {
                *lr *= factor
            }
        }
        self
    }

    /// Whether the steps are normalized by the gradient's size (Adam), so that a
    /// parametrization scales their learning rates differently from SGD's.
    pub fn adaptive(&self) -> bool {
        matches!(self, Optimizer::Adam { .. })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd { .. } => "sgd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Adam { .. } => "adam",
        }
    }
}

fn positive(p: &mut Params, key: &'static str, default: f64) -> std::result::Result<f64, String> {
    let x = p.num(key, default)?;
    if x <= 0.0 {
        return Err(p.error(format!("{key} must be > 0, got {x}")));
    }
    Ok(x)
}

/// An optimizer's running state for a list of parameter tensors. A clone is a snapshot: the
/// state's tensors are replaced at each step, never written in place.
#[derive(Clone)]
pub struct OptState {
    opt: Optimizer,
    /// Per parameter tensor, the factor on the learning rate (a parametrization's; all 1
    /// unless [`OptState::with_lr_factors`] set them).
    lr_factors: Vec<f64>,
    step: u32,
    first: Vec<Tensor>,
    second: Vec<Tensor>,
}

impl OptState {
    pub fn new(opt: Optimizer, params: &[Tensor]) -> Result<Self> {
        let zeros = |on: bool| -> Result<Vec<Tensor>> {
            if on {
                params.iter().map(|p| p.zeros_like()).collect()
            } else {
                Ok(Vec::new())
            }
        };
        let (first, second) = match opt {
            Optimizer::Sgd { .. } => (zeros(false)?, zeros(false)?),
            Optimizer::Momentum { .. } => (zeros(true)?, zeros(false)?),
            Optimizer::Adam { .. } => (zeros(true)?, zeros(true)?),
        };
        Ok(OptState {
            opt,
            lr_factors: vec![1.0; params.len()],
            step: 0,
            first,
            second,
        })
    }

    /// The state with tensor i's learning rate multiplied by `factors[i]`.
    pub fn with_lr_factors(mut self, factors: Vec<f64>) -> Self {
        assert_eq!(
            factors.len(),
            self.lr_factors.len(),
            "one factor per tensor"
        );
        self.lr_factors = factors;
        self
    }

    /// One step: `params[i] -= update(grads[i])`, only where `mask` is 1. `mask` is u8 and
    /// broadcasts against every parameter tensor ([P, 1, 1] for [P, rows, cols] parameters).
    /// Plain SGD with every member on writes into the parameters' storage (tensors that share
    /// it see the step); the other rules replace the tensors in `params`.
    /// The rule of each parameter tensor (its learning-rate factor applied), the steps taken
    /// so far and the moments (per parameter tensor, empty where the rule keeps none), for an
    /// epoch trained outside the tensors (`train::dense`).
    pub(super) fn parts_mut(
        &mut self,
    ) -> (Vec<Optimizer>, &mut u32, &mut Vec<Tensor>, &mut Vec<Tensor>) {
        let rules = self
            .lr_factors
            .iter()
            .map(|&f| self.opt.scaled(f))
            .collect();
        (rules, &mut self.step, &mut self.first, &mut self.second)
    }

    pub fn step(&mut self, params: &mut [Tensor], grads: &[Tensor], mask: &Tensor) -> Result<()> {
        self.step += 1;
        // Most steps move every member: then the select would pick every new value anyway.
        let all = mask.min_all()?.to_scalar::<u8>()? == 1;
        for (i, (p, g)) in params.iter_mut().zip(grads).enumerate() {
            let opt = self.opt.scaled(self.lr_factors[i]);
            if let (Optimizer::Sgd { lr }, true, true) = (opt, all, p.is_contiguous()) {
                // The same bits as `p.sub(&g.affine(lr, 0.0))` below, in one pass and without
                // a new tensor.
                super::ops::sgd_step_in_place(p, g, lr)?;
                continue;
            }
            let delta = match opt {
                Optimizer::Sgd { lr } => g.affine(lr, 0.0)?,
                Optimizer::Momentum {
                    lr,
                    momentum,
                    nesterov,
                } => {
                    let v = self.first[i].affine(momentum, 0.0)?.add(g)?;
                    let d = if nesterov {
                        g.add(&v.affine(momentum, 0.0)?)?
                    } else {
                        v.clone()
                    };
                    self.first[i] = v;
                    d.affine(lr, 0.0)?
                }
                Optimizer::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                } => {
                    let m = self.first[i]
                        .affine(beta1, 0.0)?
                        .add(&g.affine(1.0 - beta1, 0.0)?)?;
                    let v = self.second[i]
                        .affine(beta2, 0.0)?
                        .add(&g.sqr()?.affine(1.0 - beta2, 0.0)?)?;
                    let c1 = 1.0 - beta1.powi(self.step as i32);
                    let c2 = 1.0 - beta2.powi(self.step as i32);
                    let denom = v.affine(1.0 / c2, 0.0)?.sqrt()?.affine(1.0, eps)?;
                    let d = m.affine(lr / c1, 0.0)?.div(&denom)?;
                    self.first[i] = m;
                    self.second[i] = v;
                    d
                }
            };
            *p = if all {
                p.sub(&delta)?
            } else {
                mask.broadcast_as(p.shape())?
                    .where_cond(&p.sub(&delta)?, p)?
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Value;
    use candle_core::Device;

    fn run(opt: Optimizer, grads: &[f64]) -> Vec<f64> {
        let dev = Device::Cpu;
        let mut p = vec![Tensor::new(&[[[1.0f64]]], &dev).unwrap()];
        let mask = Tensor::new(&[[[1u8]]], &dev).unwrap();
        let mut state = OptState::new(opt, &p).unwrap();
        let mut out = Vec::new();
        for &g in grads {
            let g = Tensor::new(&[[[g]]], &dev).unwrap();
            state.step(&mut p, &[g], &mask).unwrap();
            out.push(p[0].flatten_all().unwrap().to_vec1::<f64>().unwrap()[0]);
        }
        out
    }

    #[test]
    fn updates_match_hand_computed_steps() {
        // SGD: 1 − 0.1·0.5 = 0.95, then 0.95 − 0.1·(−1) = 1.05.
        let got = run(Optimizer::Sgd { lr: 0.1 }, &[0.5, -1.0]);
        assert!((got[0] - 0.95).abs() < 1e-15 && (got[1] - 1.05).abs() < 1e-15);
        // Momentum 0.9: v = 0.5 → p = 0.95; v = 0.45 − 1 = −0.55 → p = 1.005.
        let m = Optimizer::Momentum {
            lr: 0.1,
            momentum: 0.9,
            nesterov: false,
        };
        let got = run(m, &[0.5, -1.0]);
        assert!((got[0] - 0.95).abs() < 1e-15 && (got[1] - 1.005).abs() < 1e-12);
        // Nesterov: step by g + μv: 0.5 + 0.45 → p = 0.905; v = −0.55, −1 − 0.495 → p = 1.0545.
        let n = Optimizer::Momentum {
            lr: 0.1,
            momentum: 0.9,
            nesterov: true,
        };
        let got = run(n, &[0.5, -1.0]);
        assert!((got[0] - 0.905).abs() < 1e-12 && (got[1] - 1.0545).abs() < 1e-12);
        // Adam's first step is lr·sign(g) (up to ε): m̂ = g, v̂ = g².
        let a = Optimizer::Adam {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        let got = run(a, &[0.5]);
        assert!((got[0] - (1.0 - 0.01 * 0.5 / (0.5 + 1e-8))).abs() < 1e-15);
    }

    #[test]
    fn adam_follows_the_published_recurrence() {
        // Algorithm 1 of Kingma & Ba (2015), as torch.optim.Adam implements it, written out
        // in scalars for three steps.
        let a = Optimizer::Adam {
            lr: 0.1,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        let got = run(a, &[0.5, -1.0, 2.0]);
        let (mut p, mut m, mut v) = (1.0f64, 0.0f64, 0.0f64);
        for (t, g) in [0.5f64, -1.0, 2.0].iter().enumerate() {
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            let mh = m / (1.0 - 0.9f64.powi(t as i32 + 1));
            let vh = v / (1.0 - 0.999f64.powi(t as i32 + 1));
            p -= 0.1 * mh / (vh.sqrt() + 1e-8);
            assert!((got[t] - p).abs() < 1e-12, "step {t}: {} vs {p}", got[t]);
        }
    }

    #[test]
    fn each_tensor_steps_at_its_own_rate() {
        let dev = Device::Cpu;
        let one = || Tensor::new(&[[[1.0f64]]], &dev).unwrap();
        let mask = Tensor::new(&[[[1u8]]], &dev).unwrap();
        for opt in [
            Optimizer::Sgd { lr: 0.1 },
            Optimizer::Adam {
                lr: 0.1,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
        ] {
            let mut p = vec![one(), one()];
            let mut state = OptState::new(opt, &p)
                .unwrap()
                .with_lr_factors(vec![1.0, 0.25]);
            let g = Tensor::new(&[[[0.5f64]]], &dev).unwrap();
            state.step(&mut p, &[g.clone(), g], &mask).unwrap();
            let moved: Vec<f64> = p
                .iter()
                .map(|t| 1.0 - t.flatten_all().unwrap().to_vec1::<f64>().unwrap()[0])
                .collect();
            assert!(
                (moved[1] - moved[0] * 0.25).abs() < 1e-15,
                "{opt:?}: {moved:?}"
            );
            assert_eq!(run(opt, &[0.5])[0], 1.0 - moved[0]);
        }
    }

    #[test]
    fn masked_members_do_not_move_even_with_nan_gradients() {
        let dev = Device::Cpu;
        let mut p = vec![Tensor::new(&[[[1.0f64]], [[2.0]]], &dev).unwrap()];
        let g = Tensor::new(&[[[1.0f64]], [[f64::NAN]]], &dev).unwrap();
        let mask = Tensor::new(&[[[1u8]], [[0]]], &dev).unwrap();
        let mut state = OptState::new(Optimizer::Sgd { lr: 0.5 }, &p).unwrap();
        state.step(&mut p, &[g], &mask).unwrap();
        let v: Vec<f64> = p[0].flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(v, vec![0.5, 2.0]);
    }

    #[test]
    fn parse_validates_and_labels() {
        let p = Params::new("optimizer", "sgd").with("lr", Value::Num(-1.0));
        assert!(Optimizer::parse(p).unwrap_err().contains("lr must be > 0"));
        let p = Params::new("optimizer", "adam");
        assert_eq!(Optimizer::parse(p).unwrap().label(), "adam(lr=0.001)");
        let p = Params::new("optimizer", "momentum")
            .with("lr", Value::Num(0.05))
            .with("nesterov", Value::Bool(true));
        assert_eq!(
            Optimizer::parse(p).unwrap().label(),
            "momentum(lr=0.05,momentum=0.9,nesterov=true)"
        );
        let p = Params::new("optimizer", "rmsprop");
        assert!(Optimizer::parse(p)
            .unwrap_err()
            .contains("valid names: sgd, momentum, adam"));
    }
}
