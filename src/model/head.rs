//! The output layer's activation and the loss, which backprop treats as one unit.
//!
//! Losses average over samples and output units as Keras does: MSE is mean((o − t)²) over
//! both (`keras.losses.MeanSquaredError`); sigmoid cross-entropy is the mean of
//! max(z,0) − z·t + ln(1 + e^−|z|) over both (the logit form of `binary_crossentropy`);
//! softmax cross-entropy is −mean over samples of log softmax(z)_label
//! (`categorical_crossentropy`). All tensors carry the population as their first axis:
//! z is [P, N, K], targets are [N, K] and broadcast.

use candle_core::{Result, Tensor, D};

use super::activation::{sigmoid, softplus};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputActivation {
    Linear,
    Sigmoid,
    Softmax,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    Mse,
    CrossEntropy,
}

impl OutputActivation {
    pub const NAMES: &'static [&'static str] = &["linear", "sigmoid", "softmax"];

    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        match s {
            "linear" => Ok(OutputActivation::Linear),
            "sigmoid" => Ok(OutputActivation::Sigmoid),
            "softmax" => Ok(OutputActivation::Softmax),
            _ => Err(format!(
                "unknown output activation `{s}`; valid names: {}",
                Self::NAMES.join(", ")
            )),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            OutputActivation::Linear => "linear",
            OutputActivation::Sigmoid => "sigmoid",
            OutputActivation::Softmax => "softmax",
        }
    }
}

impl Loss {
    pub const NAMES: &'static [&'static str] = &["mse", "cross_entropy"];

    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        match s {
            "mse" => Ok(Loss::Mse),
            "cross_entropy" => Ok(Loss::CrossEntropy),
            _ => Err(format!(
                "unknown loss `{s}`; valid names: {}",
                Self::NAMES.join(", ")
            )),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::CrossEntropy => "cross_entropy",
        }
    }
}

/// Output activation and loss together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub activation: OutputActivation,
    pub loss: Loss,
}

/// What the head computes on a batch: outputs, per-member loss, and dL/dz.
pub struct HeadPass {
    /// o = f(z), [P, N, K].
    pub output: Tensor,
    /// Mean loss per member, [P].
    pub loss: Tensor,
}

impl Head {
    pub fn new(activation: OutputActivation, loss: Loss) -> std::result::Result<Self, String> {
        if loss == Loss::CrossEntropy && activation == OutputActivation::Linear {
            return Err(
                "loss `cross_entropy` needs output_activation `sigmoid` or `softmax`".to_string(),
            );
        }
        Ok(Head { activation, loss })
    }

    /// Output units for a data set with `classes` classes: one unit with a 0/1 target for two
    /// classes (unless softmax, which needs one unit per class), else one-hot over classes.
    pub fn units(&self, classes: usize) -> usize {
        if classes == 2 && self.activation != OutputActivation::Softmax {
            1
        } else {
            classes
        }
    }

    /// Targets as an [N, K] matrix of 0/1 for labels `y`.
    pub fn targets(&self, y: &[u32], classes: usize) -> Vec<f64> {
        let k = self.units(classes);
        let mut t = vec![0.0; y.len() * k];
        for (i, &label) in y.iter().enumerate() {
            if k == 1 {
                t[i] = label as f64;
            } else {
                t[i * k + label as usize] = 1.0;
            }
        }
        t
    }

    pub fn forward(&self, z: &Tensor, targets: &Tensor) -> Result<HeadPass> {
        let (_, n, k) = z.dims3()?;
        let per_entry = 1.0 / (n * k) as f64;
        match (self.activation, self.loss) {
            (_, Loss::Mse) => {
                let output = self.output(z)?;
                let diff = output.broadcast_sub(targets)?;
                let loss = diff.sqr()?.sum((1, 2))?.affine(per_entry, 0.0)?;
                Ok(HeadPass { output, loss })
            }
            (OutputActivation::Sigmoid, Loss::CrossEntropy) => {
                let output = sigmoid(z)?;
                let loss = softplus(z)?
                    .sub(&z.broadcast_mul(targets)?)?
                    .sum((1, 2))?
                    .affine(per_entry, 0.0)?;
                Ok(HeadPass { output, loss })
            }
            (OutputActivation::Softmax, Loss::CrossEntropy) => {
                let log_p = log_softmax(z)?;
                let loss = log_p
                    .broadcast_mul(targets)?
                    .sum((1, 2))?
                    .affine(-1.0 / n as f64, 0.0)?;
                Ok(HeadPass {
                    output: log_p.exp()?,
                    loss,
                })
            }
            (OutputActivation::Linear, Loss::CrossEntropy) => unreachable!("rejected by new"),
        }
    }

    /// dL/dz for the mean loss of each member, [P, N, K].
    pub fn backward(&self, z: &Tensor, pass: &HeadPass, targets: &Tensor) -> Result<Tensor> {
        let (_, n, k) = z.dims3()?;
        let o = &pass.output;
        let diff = o.broadcast_sub(targets)?;
        match self.loss {
            Loss::Mse => {
                let g = diff.affine(2.0 / (n * k) as f64, 0.0)?;
                match self.activation {
                    OutputActivation::Linear => Ok(g),
                    OutputActivation::Sigmoid => g.mul(&o.mul(&o.affine(-1.0, 1.0)?)?),
                    // Softmax Jacobian-vector product: o ⊙ (g − Σ_k g_k o_k).
                    OutputActivation::Softmax => {
                        let dot = g.mul(o)?.sum_keepdim(2)?;
                        o.mul(&g.broadcast_sub(&dot)?)
                    }
                }
            }
            Loss::CrossEntropy => match self.activation {
                OutputActivation::Sigmoid => diff.affine(1.0 / (n * k) as f64, 0.0),
                OutputActivation::Softmax => diff.affine(1.0 / n as f64, 0.0),
                OutputActivation::Linear => unreachable!("rejected by new"),
            },
        }
    }

    /// o = f(z) alone.
    pub fn output(&self, z: &Tensor) -> Result<Tensor> {
        match self.activation {
            OutputActivation::Linear => Ok(z.clone()),
            OutputActivation::Sigmoid => sigmoid(z),
            OutputActivation::Softmax => log_softmax(z)?.exp(),
        }
    }

    /// Number of correctly classified samples per member, [P] as f64 on the host. One unit:
    /// o > 0.5 means class 1; several: the arg-max (first on ties, so all-equal outputs are
    /// never right by accident more than a constant guess is).
    pub fn correct(&self, output: &Tensor, labels: &Tensor) -> Result<Vec<f64>> {
        let (_, _, k) = output.dims3()?;
        let hits = if k == 1 {
            let pred = output.gt(&output.ones_like()?.affine(0.5, 0.0)?)?;
            pred.to_dtype(candle_core::DType::U32)?
                .broadcast_eq(labels)?
        } else {
            output.argmax_keepdim(2)?.broadcast_eq(labels)?
        };
        hits.to_dtype(candle_core::DType::F64)?
            .sum((1, 2))?
            .to_vec1::<f64>()
    }
}

/// log softmax over the last axis, shifted by the max for stability.
fn log_softmax(z: &Tensor) -> Result<Tensor> {
    let max = z.max_keepdim(D::Minus1)?;
    let shifted = z.broadcast_sub(&max)?;
    let lse = shifted.exp()?.sum_keepdim(D::Minus1)?.log()?;
    shifted.broadcast_sub(&lse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    fn heads() -> Vec<Head> {
        vec![
            Head::new(OutputActivation::Linear, Loss::Mse).unwrap(),
            Head::new(OutputActivation::Sigmoid, Loss::Mse).unwrap(),
            Head::new(OutputActivation::Softmax, Loss::Mse).unwrap(),
            Head::new(OutputActivation::Sigmoid, Loss::CrossEntropy).unwrap(),
            Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap(),
        ]
    }

    #[test]
    fn rejects_cross_entropy_on_a_linear_output() {
        assert!(Head::new(OutputActivation::Linear, Loss::CrossEntropy).is_err());
    }

    #[test]
    fn loss_values_match_hand_computation() {
        let dev = Device::Cpu;
        // One member, two samples, one unit, logits 0 and 2, targets 1 and 0.
        let z = Tensor::new(&[[[0.0f64], [2.0]]], &dev).unwrap();
        let t = Tensor::new(&[[1.0f64], [0.0]], &dev).unwrap();
        let s2 = 1.0 / (1.0 + (-2.0f64).exp());
        let mse = Head::new(OutputActivation::Sigmoid, Loss::Mse).unwrap();
        let l: Vec<f64> = mse.forward(&z, &t).unwrap().loss.to_vec1().unwrap();
        assert!((l[0] - (0.25 + s2 * s2) / 2.0).abs() < 1e-12);
        let bce = Head::new(OutputActivation::Sigmoid, Loss::CrossEntropy).unwrap();
        let l: Vec<f64> = bce.forward(&z, &t).unwrap().loss.to_vec1().unwrap();
        let want = (-(0.5f64).ln() - (1.0 - s2).ln()) / 2.0;
        assert!((l[0] - want).abs() < 1e-12, "{} vs {want}", l[0]);
        // Softmax CE on one sample with logits (1, 2, 3), label 2: −ln(e³/(e+e²+e³)).
        let z = Tensor::new(&[[[1.0f64, 2.0, 3.0]]], &dev).unwrap();
        let t = Tensor::new(&[[0.0f64, 0.0, 1.0]], &dev).unwrap();
        let ce = Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap();
        let l: Vec<f64> = ce.forward(&z, &t).unwrap().loss.to_vec1().unwrap();
        let e = std::f64::consts::E;
        let want = -(e.powi(3) / (e + e * e + e.powi(3))).ln();
        assert!((l[0] - want).abs() < 1e-12);
    }

    #[test]
    fn backward_matches_finite_differences() {
        let dev = Device::Cpu;
        let z0: Vec<f64> = (0..2 * 3 * 3)
            .map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.4)
            .collect();
        let labels = [2u32, 0, 1];
        for head in heads() {
            let classes = 3;
            let k = head.units(classes);
            let zs: Vec<f64> = z0[..2 * 3 * k].to_vec();
            let t = Tensor::from_vec(head.targets(&labels, classes), (3, k), &dev).unwrap();
            let z = Tensor::from_vec(zs.clone(), (2, 3, k), &dev).unwrap();
            let pass = head.forward(&z, &t).unwrap();
            let g: Vec<f64> = head
                .backward(&z, &pass, &t)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let loss_at = |v: &[f64]| -> Vec<f64> {
                let z = Tensor::from_vec(v.to_vec(), (2, 3, k), &dev).unwrap();
                head.forward(&z, &t).unwrap().loss.to_vec1().unwrap()
            };
            let h = 1e-6;
            for i in 0..zs.len() {
                let member = i / (3 * k);
                let mut up = zs.clone();
                up[i] += h;
                let mut down = zs.clone();
                down[i] -= h;
                let fd = (loss_at(&up)[member] - loss_at(&down)[member]) / (2.0 * h);
                assert!(
                    (g[i] - fd).abs() < 1e-8,
                    "{head:?} entry {i}: {} vs {fd}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn counts_correct_predictions() {
        let dev = Device::Cpu;
        let head = Head::new(OutputActivation::Sigmoid, Loss::Mse).unwrap();
        let o = Tensor::new(&[[[0.2f32], [0.7], [0.5], [0.9]]], &dev).unwrap();
        let labels = Tensor::new(&[[0u32], [1], [1], [0]], &dev).unwrap();
        assert_eq!(head.correct(&o, &labels).unwrap(), vec![2.0]);
        let head = Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap();
        let o = Tensor::new(
            &[[[0.1f32, 0.9], [0.5, 0.5]], [[0.6, 0.4], [0.3, 0.7]]],
            &dev,
        )
        .unwrap();
        let labels = Tensor::new(&[[1u32], [0]], &dev).unwrap();
        assert_eq!(head.correct(&o, &labels).unwrap(), vec![2.0, 0.0]);
        assert_eq!(o.dtype(), DType::F32);
    }
}
