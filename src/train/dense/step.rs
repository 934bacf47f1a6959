//! The optimizers' updates on one network's parameters, element by element, with the
//! roundings of `optim::OptState::step`'s candle ops (each `affine(m, a)` is `v * m + a`,
//! its constants cast to f32 one by one).

use crate::train::Optimizer;

/// The f32 constants of one step.
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    Sgd {
        lr: f32,
    },
    Momentum {
        lr: f32,
        momentum: f32,
        nesterov: bool,
    },
    Adam {
        beta1: f32,
        one_minus_beta1: f32,
        beta2: f32,
        one_minus_beta2: f32,
        inv_c2: f32,
        lr_c1: f32,
        eps: f32,
    },
}

impl Rule {
    /// The rule of step number `t` (counted from 1, as `OptState` counts them).
    pub fn new(opt: Optimizer, t: u32) -> Rule {
        match opt {
            Optimizer::Sgd { lr } => Rule::Sgd { lr: lr as f32 },
            Optimizer::Momentum {
                lr,
                momentum,
                nesterov,
            } => Rule::Momentum {
                lr: lr as f32,
                momentum: momentum as f32,
                nesterov,
            },
            Optimizer::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                let c1 = 1.0 - beta1.powi(t as i32);
                let c2 = 1.0 - beta2.powi(t as i32);
                Rule::Adam {
                    beta1: beta1 as f32,
                    one_minus_beta1: (1.0 - beta1) as f32,
                    beta2: beta2 as f32,
                    one_minus_beta2: (1.0 - beta2) as f32,
                    inv_c2: (1.0 / c2) as f32,
                    lr_c1: (lr / c1) as f32,
                    eps: eps as f32,
                }
            }
        }
    }

    /// Moves `w` by its gradient `g`; `first` and `second` are the optimizer's moments for
    /// these parameters (empty where the rule keeps none).
    pub fn apply(self, w: &mut [f32], g: &[f32], first: &mut [f32], second: &mut [f32]) {
        // The loops vectorize (square roots and divisions included, exact in every lane) when
        // compiled for the wider instruction sets.
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU has AVX-512F.
                return unsafe { self.apply_avx512(w, g, first, second) };
            }
            if is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                return unsafe { self.apply_avx2(w, g, first, second) };
            }
        }
        self.apply_any(w, g, first, second)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn apply_avx512(self, w: &mut [f32], g: &[f32], first: &mut [f32], second: &mut [f32]) {
        self.apply_any(w, g, first, second)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn apply_avx2(self, w: &mut [f32], g: &[f32], first: &mut [f32], second: &mut [f32]) {
        self.apply_any(w, g, first, second)
    }

    #[inline(always)]
    fn apply_any(self, w: &mut [f32], g: &[f32], first: &mut [f32], second: &mut [f32]) {
        match self {
            Rule::Sgd { lr } => {
                for (w, &g) in w.iter_mut().zip(g) {
                    *w -= g * lr + 0.0;
                }
            }
            Rule::Momentum {
                lr,
                momentum,
                nesterov,
            } => {
                for ((w, &g), v) in w.iter_mut().zip(g).zip(first) {
                    *v = (*v * momentum + 0.0) + g;
                    let d = if nesterov {
                        g + (*v * momentum + 0.0)
                    } else {
                        *v
                    };
                    *w -= d * lr + 0.0;
                }
            }
            Rule::Adam {
                beta1,
                one_minus_beta1,
                beta2,
                one_minus_beta2,
                inv_c2,
                lr_c1,
                eps,
            } => {
                for (((w, &g), m), v) in w.iter_mut().zip(g).zip(first).zip(second) {
                    *m = (*m * beta1 + 0.0) + (g * one_minus_beta1 + 0.0);
                    *v = (*v * beta2 + 0.0) + ((g * g) * one_minus_beta2 + 0.0);
                    let denom = (*v * inv_c2 + 0.0).sqrt() * 1.0 + eps;
                    *w -= (*m * lr_c1 + 0.0) / denom;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::optim::OptState;
    use candle_core::{Device, Tensor};

    #[test]
    fn every_optimizer_has_the_tensor_steps_bits() {
        let dev = Device::Cpu;
        let n = 257;
        let w0: Vec<f32> = (0..n)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 13.0)
            .collect();
        let grads: Vec<Vec<f32>> = (0..5)
            .map(|s| {
                (0..n)
                    .map(|i| ((i * 53 + s * 17) % 89) as f32 / 7.0 - 6.0)
                    .collect()
            })
            .collect();
        for opt in [
            Optimizer::Sgd { lr: 0.05 },
            Optimizer::Momentum {
                lr: 0.1,
                momentum: 0.9,
                nesterov: false,
            },
            Optimizer::Momentum {
                lr: 0.01,
                momentum: 0.5,
                nesterov: true,
            },
            Optimizer::Adam {
                lr: 1e-3,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
        ] {
            let mut p = vec![Tensor::from_slice(&w0, (1, 1, n), &dev).unwrap()];
            let mut state = OptState::new(opt, &p).unwrap();
            // A member switched off takes the masked path; its partner the in-place one.
            let mask = Tensor::new(&[[[1u8]]], &dev).unwrap();
            let mut w = w0.clone();
            let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
            for (t, g) in grads.iter().enumerate() {
                let gt = Tensor::from_slice(g, (1, 1, n), &dev).unwrap();
                state.step(&mut p, &[gt], &mask).unwrap();
                Rule::new(opt, t as u32 + 1).apply(&mut w, g, &mut m, &mut v);
                let want: Vec<f32> = p[0].flatten_all().unwrap().to_vec1().unwrap();
                let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&w), bits(&want), "{opt:?} step {}", t + 1);
            }
        }
    }
}
