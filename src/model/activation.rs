//! Hidden-layer activations: forward on tensors, derivative for backprop, and a scalar form.
//!
//! Formulas follow Keras 3 (`keras/src/activations/activations.py`) and PyTorch (`torch.nn`):
//! sigmoid 1/(1+e^−x); tanh; relu max(0,x); leaky_relu max(x, s·x) (PyTorch's default slope
//! 0.01); elu x or α(e^x−1) (Clevert et al. 2016); selu λ·elu(x, α) with the constants of
//! Klambauer et al. 2017; gelu x·Φ(x), the exact erf form (Hendrycks & Gimpel 2016; PyTorch's
//! and Keras's default); silu x·σ(x) (Elfwing et al. 2018); softplus ln(1+e^x); softsign
//! x/(1+|x|) (Bergstra et al. 2009).
//!
//! The derivative takes both the pre-activation `z` and the activation `a = f(z)` because most
//! derivatives are cheapest in terms of `a` (sigmoid: a(1−a)).

use candle_core::{Result, Tensor};

use crate::params::{self, Entry, Params};

/// λ and α of SELU (Klambauer et al. 2017, eq. 14), as in PyTorch and Keras.
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Linear,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu { slope: f64 },
    Elu { alpha: f64 },
    Selu,
    Gelu,
    Silu,
    Softplus,
    Softsign,
}

pub const CATALOGUE: &[Entry] = &[
    Entry {
        name: "linear",
        params: "",
        about: "identity, f(x) = x",
    },
    Entry {
        name: "sigmoid",
        params: "",
        about: "1/(1+e^-x)",
    },
    Entry {
        name: "tanh",
        params: "",
        about: "hyperbolic tangent",
    },
    Entry {
        name: "relu",
        params: "",
        about: "max(0, x)",
    },
    Entry {
        name: "leaky_relu",
        params: "slope = 0.01",
        about: "max(x, slope*x), 0 <= slope < 1 (PyTorch default slope)",
    },
    Entry {
        name: "elu",
        params: "alpha = 1.0",
        about: "x if x > 0 else alpha*(e^x - 1) (Clevert et al. 2016)",
    },
    Entry {
        name: "selu",
        params: "",
        about: "1.0507*elu(x, 1.6733) (Klambauer et al. 2017)",
    },
    Entry {
        name: "gelu",
        params: "",
        about: "x*Phi(x), exact erf form (Hendrycks & Gimpel 2016)",
    },
    Entry {
        name: "silu",
        params: "",
        about: "x*sigmoid(x), a.k.a. swish (Elfwing et al. 2018)",
    },
    Entry {
        name: "softplus",
        params: "",
        about: "ln(1 + e^x)",
    },
    Entry {
        name: "softsign",
        params: "",
        about: "x/(1 + |x|) (Bergstra et al. 2009)",
    },
];

/// How a unit of this activation can stop learning at initialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Bounded on both sides (sigmoid, tanh, softsign): units saturate.
    Saturating,
    /// Flat or nearly flat for negative inputs (relu and its relatives): units die.
    Rectifier,
    /// Neither (linear).
    Other,
}

impl Activation {
    pub fn parse(mut p: Params) -> std::result::Result<Self, String> {
        let act = match p.name() {
            "linear" => Activation::Linear,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "relu" => Activation::Relu,
            "leaky_relu" => {
                let slope = p.num("slope", 0.01)?;
                if !(0.0..1.0).contains(&slope) {
                    return Err(p.error(format!("slope must be in [0, 1), got {slope}")));
                }
                Activation::LeakyRelu { slope }
            }
            "elu" => {
                let alpha = p.num("alpha", 1.0)?;
                if alpha <= 0.0 {
                    return Err(p.error(format!("alpha must be > 0, got {alpha}")));
                }
                Activation::Elu { alpha }
            }
            "selu" => Activation::Selu,
            "gelu" => Activation::Gelu,
            "silu" => Activation::Silu,
            "softplus" => Activation::Softplus,
            "softsign" => Activation::Softsign,
            _ => return Err(p.unknown(CATALOGUE)),
        };
        p.finish()?;
        Ok(act)
    }

    pub fn label(&self) -> String {
        match *self {
            Activation::LeakyRelu { slope } => {
                params::label("leaky_relu", &[params::num_param("slope", slope, 0.01)])
            }
            Activation::Elu { alpha } => {
                params::label("elu", &[params::num_param("alpha", alpha, 1.0)])
            }
            other => CATALOGUE[other.index()].name.to_string(),
        }
    }

    fn index(&self) -> usize {
        match self {
            Activation::Linear => 0,
            Activation::Sigmoid => 1,
            Activation::Tanh => 2,
            Activation::Relu => 3,
            Activation::LeakyRelu { .. } => 4,
            Activation::Elu { .. } => 5,
            Activation::Selu => 6,
            Activation::Gelu => 7,
            Activation::Silu => 8,
            Activation::Softplus => 9,
            Activation::Softsign => 10,
        }
    }

    pub fn family(&self) -> Family {
        match self {
            Activation::Sigmoid | Activation::Tanh | Activation::Softsign => Family::Saturating,
            Activation::Linear => Family::Other,
            _ => Family::Rectifier,
        }
    }

    /// σ_w² on the critical line χ₁ = 1 at bias variance σ_b² (mean-field theory,
    /// [`crate::theory::critical_sigma_w2`]); `None` where there is none in [0.01, 100].
    pub fn critical_sigma_w2(&self, sigma_b2: f64) -> Option<f64> {
        crate::theory::critical_sigma_w2(
            &|x| self.scalar(x),
            &|x| self.scalar_derivative(x),
            sigma_b2,
        )
    }

    /// The activation of a tensor of pre-activations.
    pub fn forward(&self, z: &Tensor) -> Result<Tensor> {
        match *self {
            Activation::Linear => Ok(z.clone()),
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.relu(),
            Activation::LeakyRelu { slope } => z.maximum(&z.affine(slope, 0.0)?),
            Activation::Elu { alpha } => elu(z, alpha),
            Activation::Selu => elu(z, SELU_ALPHA)?.affine(SELU_LAMBDA, 0.0),
            // x·Φ(x) from erf rather than candle's `gelu_erf`, whose backward pass rounds
            // 1/√(2π) to 0.398942: the reference path differentiates this expression exactly.
            Activation::Gelu => z.mul(
                &z.affine(std::f64::consts::FRAC_1_SQRT_2, 0.0)?
                    .erf()?
                    .affine(0.5, 0.5)?,
            ),
            Activation::Silu => z.mul(&sigmoid(z)?),
            Activation::Softplus => softplus(z),
            Activation::Softsign => z.div(&z.abs()?.affine(1.0, 1.0)?),
        }
    }

    /// f'(z), given z and a = f(z).
    pub fn derivative(&self, z: &Tensor, a: &Tensor) -> Result<Tensor> {
        match *self {
            Activation::Linear => z.ones_like(),
            // a(1 - a)
            Activation::Sigmoid => a.mul(&a.affine(-1.0, 1.0)?),
            // 1 - a²
            Activation::Tanh => a.sqr()?.affine(-1.0, 1.0),
            Activation::Relu => positive(z),
            Activation::LeakyRelu { slope } => positive(z)?.affine(1.0 - slope, slope),
            // x > 0: 1; else α e^x = a + α
            Activation::Elu { alpha } => {
                let p = positive(z)?;
                let neg = a.affine(1.0, alpha)?;
                p.add(&p.affine(-1.0, 1.0)?.mul(&neg)?)
            }
            // x > 0: λ; else λ α e^x = a + λα
            Activation::Selu => {
                let p = positive(z)?;
                let neg = a.affine(1.0, SELU_LAMBDA * SELU_ALPHA)?;
                p.affine(SELU_LAMBDA, 0.0)?
                    .add(&p.affine(-1.0, 1.0)?.mul(&neg)?)
            }
            // Φ(x) + x φ(x)
            Activation::Gelu => {
                let cdf = z
                    .affine(std::f64::consts::FRAC_1_SQRT_2, 0.0)?
                    .erf()?
                    .affine(0.5, 0.5)?;
                let pdf = z
                    .sqr()?
                    .affine(-0.5, 0.0)?
                    .exp()?
                    .affine(1.0 / (2.0 * std::f64::consts::PI).sqrt(), 0.0)?;
                cdf.add(&z.mul(&pdf)?)
            }
            // σ(x)(1 + x(1 − σ(x)))
            Activation::Silu => {
                let s = sigmoid(z)?;
                s.mul(&z.mul(&s.affine(-1.0, 1.0)?)?.affine(1.0, 1.0)?)
            }
            Activation::Softplus => sigmoid(z),
            // 1/(1 + |x|)²
            Activation::Softsign => z.abs()?.affine(1.0, 1.0)?.sqr()?.recip(),
        }
    }

    /// The same function on one number (for LSUV on the host and for tests).
    pub fn scalar(&self, x: f64) -> f64 {
        match *self {
            Activation::Linear => x,
            Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Activation::Tanh => x.tanh(),
            Activation::Relu => x.max(0.0),
            Activation::LeakyRelu { slope } => x.max(slope * x),
            Activation::Elu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x.exp_m1()
                }
            }
            Activation::Selu => SELU_LAMBDA * Activation::Elu { alpha: SELU_ALPHA }.scalar(x),
            Activation::Gelu => 0.5 * x * (1.0 + erf(x * std::f64::consts::FRAC_1_SQRT_2)),
            Activation::Silu => x / (1.0 + (-x).exp()),
            Activation::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            Activation::Softsign => x / (1.0 + x.abs()),
        }
    }
}

impl Activation {
    /// f'(x) on one number, exact (for the mean-field calculator in `theory`). At a kink
    /// (x = 0 for the rectifiers) it takes the right-hand slope.
    pub fn scalar_derivative(&self, x: f64) -> f64 {
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        match *self {
            Activation::Linear => 1.0,
            Activation::Sigmoid => sig(x) * (1.0 - sig(x)),
            Activation::Tanh => 1.0 - x.tanh().powi(2),
            Activation::Relu => f64::from(u8::from(x >= 0.0)),
            Activation::LeakyRelu { slope } => {
                if x >= 0.0 {
                    1.0
                } else {
                    slope
                }
            }
            Activation::Elu { alpha } => {
                if x >= 0.0 {
                    1.0
                } else {
                    alpha * x.exp()
                }
            }
            Activation::Selu => SELU_LAMBDA * if x >= 0.0 { 1.0 } else { SELU_ALPHA * x.exp() },
            Activation::Gelu => {
                let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
                0.5 * (1.0 + erf(x * std::f64::consts::FRAC_1_SQRT_2)) + x * pdf
            }
            Activation::Silu => sig(x) * (1.0 + x * (1.0 - sig(x))),
            Activation::Softplus => sig(x),
            Activation::Softsign => 1.0 / (1.0 + x.abs()).powi(2),
        }
    }
}

/// 1/(1 + e^−x). Written out (candle's tensor has no sigmoid) and used by every path, so the
/// cohort engine and the per-trial reference compute the same function.
pub fn sigmoid(z: &Tensor) -> Result<Tensor> {
    z.neg()?.exp()?.affine(1.0, 1.0)?.recip()
}

/// ln(1 + e^x) without overflow: max(x, 0) + ln(1 + e^−|x|).
pub fn softplus(z: &Tensor) -> Result<Tensor> {
    let tail = z.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
    z.relu()?.add(&tail)
}

/// x for x > 0, α(e^x − 1) otherwise; built from differentiable ops so autograd can follow it.
fn elu(z: &Tensor, alpha: f64) -> Result<Tensor> {
    let p = positive(z)?;
    // e^min(x,0) keeps the unused branch finite for large x.
    let neg = z.minimum(&z.zeros_like()?)?.exp()?.affine(alpha, -alpha)?;
    p.mul(z)?.add(&p.affine(-1.0, 1.0)?.mul(&neg)?)
}

/// 1 where x > 0, else 0, in x's dtype.
fn positive(z: &Tensor) -> Result<Tensor> {
    z.gt(&z.zeros_like()?)?.to_dtype(z.dtype())
}

/// erf from musl's libm (< 1 ulp), as accurate as candle's own `gelu_erf`.
fn erf(x: f64) -> f64 {
    libm::erf(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    pub(crate) fn all() -> Vec<Activation> {
        vec![
            Activation::Linear,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Relu,
            Activation::LeakyRelu { slope: 0.1 },
            Activation::Elu { alpha: 0.7 },
            Activation::Selu,
            Activation::Gelu,
            Activation::Silu,
            Activation::Softplus,
            Activation::Softsign,
        ]
    }

    /// Points that avoid the kinks at 0 (derivatives are checked by finite differences).
    const XS: [f64; 10] = [-6.0, -2.5, -1.0, -0.3, -0.01, 0.02, 0.4, 1.3, 3.0, 7.5];

    #[test]
    fn tensor_forward_matches_the_scalar_formula() {
        let z = Tensor::new(&XS, &Device::Cpu).unwrap();
        for act in all() {
            let got: Vec<f64> = act.forward(&z).unwrap().to_vec1().unwrap();
            for (x, y) in XS.iter().zip(got) {
                let want = act.scalar(*x);
                assert!((y - want).abs() < 1e-12, "{act:?} at {x}: {y} vs {want}");
            }
        }
    }

    #[test]
    fn scalar_forms_match_published_values() {
        // Reference values: sigmoid(1) = 1/(1+e^-1); gelu(1) = Φ(1) = 0.841344746...;
        // selu(-1) = λα(e^-1 - 1) (Klambauer et al. 2017); softplus(0) = ln 2.
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(
            Activation::Sigmoid.scalar(1.0),
            0.731_058_578_630_004_9
        ));
        assert!(close(Activation::Gelu.scalar(1.0), 0.841_344_746_068_542_9));
        assert!(close(
            Activation::Selu.scalar(-1.0),
            SELU_LAMBDA * SELU_ALPHA * ((-1.0f64).exp() - 1.0)
        ));
        assert!(close(
            Activation::Softplus.scalar(0.0),
            std::f64::consts::LN_2
        ));
        assert!(close(Activation::Softsign.scalar(3.0), 0.75));
        assert!(close(
            Activation::LeakyRelu { slope: 0.1 }.scalar(-2.0),
            -0.2
        ));
        assert!(close(
            Activation::Silu.scalar(2.0),
            2.0 / (1.0 + (-2.0f64).exp())
        ));
        // Large inputs stay finite.
        assert!(Activation::Softplus.scalar(800.0) == 800.0);
        let z = Tensor::new(&[-800.0f64, 800.0], &Device::Cpu).unwrap();
        for act in all() {
            let y: Vec<f64> = act.forward(&z).unwrap().to_vec1().unwrap();
            assert!(y.iter().all(|v| v.is_finite()), "{act:?}: {y:?}");
        }
    }

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        let z = Tensor::new(&XS, &Device::Cpu).unwrap();
        for act in all() {
            let a = act.forward(&z).unwrap();
            let d: Vec<f64> = act.derivative(&z, &a).unwrap().to_vec1().unwrap();
            for (x, got) in XS.iter().zip(d) {
                let want = (act.scalar(x + h) - act.scalar(x - h)) / (2.0 * h);
                assert!(
                    (got - want).abs() < 1e-7 * (1.0 + want.abs()),
                    "{act:?} at {x}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn scalar_derivatives_match_central_differences() {
        let h = 1e-6;
        for act in all() {
            for x in XS {
                let fd = (act.scalar(x + h) - act.scalar(x - h)) / (2.0 * h);
                let d = act.scalar_derivative(x);
                assert!(
                    (d - fd).abs() < 1e-7 * (1.0 + fd.abs()),
                    "{act:?} at {x}: {d} vs {fd}"
                );
            }
        }
    }

    #[test]
    fn works_in_f32_too() {
        let z = Tensor::new(&[-1.0f32, 0.5], &Device::Cpu).unwrap();
        for act in all() {
            let a = act.forward(&z).unwrap();
            assert_eq!(a.dtype(), DType::F32);
            assert_eq!(act.derivative(&z, &a).unwrap().dtype(), DType::F32);
        }
    }

    #[test]
    fn parse_and_label() {
        let p = Params::new("activation", "leaky_relu").with("slope", params::Value::Num(0.2));
        let a = Activation::parse(p).unwrap();
        assert_eq!(a, Activation::LeakyRelu { slope: 0.2 });
        assert_eq!(a.label(), "leaky_relu(slope=0.2)");
        let a = Activation::parse(Params::new("activation", "leaky_relu")).unwrap();
        assert_eq!(a.label(), "leaky_relu");
        for e in CATALOGUE {
            let a = Activation::parse(Params::new("activation", e.name)).unwrap();
            assert_eq!(a.label(), e.name);
        }
        let err = Activation::parse(Params::new("activation", "sigmod")).unwrap_err();
        assert!(err.contains("unknown activation `sigmod`") && err.contains("sigmoid"));
        let p = Params::new("activation", "elu").with("alpha", params::Value::Num(-1.0));
        assert!(Activation::parse(p)
            .unwrap_err()
            .contains("alpha must be > 0"));
    }
}
