//! Initializers that learn a network's starting scale from its loss: GradInit (Zhu et al.
//! 2021) and MetaInit (Dauphin & Schoenholz 2019).
//!
//! Both start from another initializer's draw (their `base`) and learn one scalar per
//! parameter tensor, the way the authors' code does: the weights keep their base draw's
//! direction and only its size moves. They need gradients of the training loss, and
//! MetaInit also Hessian-vector products, at sampling time, which the cohort engine does
//! not give; they are taken here from candle's autograd on one network in f64
//! ([`super::autograd`]), and Hessian-vector products as a central difference of two such
//! gradients. Rows come from the training split in seeded batches, so the result depends only
//! on the trial's seed.

mod gradinit;
mod metainit;

pub use gradinit::{derivative, gradinit, Derivative, GradInitFit, Settings as GradInitSettings};
pub use metainit::{gradient_quotient, metainit, MetaInitFit, Settings as MetaInitSettings};

use candle_core::{DType, Device, Result, Tensor, Var};

use super::autograd;
use super::member::Member;
use super::optim::Optimizer;
use crate::data::Dataset;
use crate::init::Initializer;
use crate::model::Architecture;
use crate::rng;

/// Every parameter tensor of a network, w₀, b₀, w₁, b₁, … (weights row-major [in, out]).
pub type Tensors = Vec<Vec<f64>>;

/// Runs `init`'s learning on a member drawn from its base, in place; does nothing for an
/// initializer that does not learn.
pub fn fit(
    init: &Initializer,
    arch: &Architecture,
    member: &mut Member,
    data: &Dataset,
    optimizer: Optimizer,
    seed: u64,
) -> Result<()> {
    let theta = match init {
        Initializer::GradInit { .. } | Initializer::MetaInit { .. } => to_tensors(member),
        _ => return Ok(()),
    };
    let problem = Problem::new(arch, data)?;
    let fitted = match *init {
        Initializer::GradInit {
            iters,
            lr,
            gamma,
            min_scale,
            batch,
            ..
        } => {
            let p = gradinit::Settings {
                iters,
                lr,
                gamma,
                min_scale,
                batch: batch as usize,
            };
            gradinit(&problem, &theta, optimizer, &p, seed)?.theta
        }
        Initializer::MetaInit {
            steps,
            lr,
            momentum,
            batch,
            ..
        } => {
            let p = metainit::Settings {
                steps,
                lr,
                momentum,
                batch: batch as usize,
            };
            metainit(&problem, &theta, &p, seed)?.theta
        }
        _ => unreachable!("matched above"),
    };
    for (l, (w, b)) in member
        .weights
        .iter_mut()
        .zip(member.biases.iter_mut())
        .enumerate()
    {
        *w = fitted[2 * l].clone();
        *b = fitted[2 * l + 1].clone();
    }
    Ok(())
}

fn to_tensors(m: &Member) -> Tensors {
    m.weights
        .iter()
        .zip(&m.biases)
        .flat_map(|(w, b)| [w.clone(), b.clone()])
        .collect()
}

/// One network's training loss on chosen rows, with its gradient.
pub struct Problem<'a> {
    arch: &'a Architecture,
    x: Tensor,
    t: Tensor,
    labels: Tensor,
    n: usize,
}

/// Rows of the training split, ready for the forward pass.
pub struct Batch {
    x: Tensor,
    t: Tensor,
    labels: Tensor,
}

impl<'a> Problem<'a> {
    pub fn new(arch: &'a Architecture, d: &Dataset) -> Result<Self> {
        let dev = Device::Cpu;
        let k = arch.head.units(d.classes);
        let x = Tensor::from_slice(&d.x, (d.n, d.features), &dev)?.to_dtype(DType::F64)?;
        let t = Tensor::from_vec(arch.head.targets(&d.y, d.classes), (d.n, k), &dev)?;
        let labels = Tensor::from_slice(&d.y, d.n, &dev)?;
        Ok(Problem {
            arch,
            x,
            t,
            labels,
            n: d.n,
        })
    }

    /// Seeded batches of `size` rows of the training split.
    fn draws(&self, size: usize, seed: u64) -> Draws {
        Draws::new(self.n, size, seed)
    }

    /// The rows `rows` of the training split.
    pub fn batch(&self, rows: &[u32]) -> Result<Batch> {
        let idx = Tensor::from_slice(rows, rows.len(), self.x.device())?;
        Ok(Batch {
            x: self.x.index_select(&idx, 0)?,
            t: self.t.index_select(&idx, 0)?,
            labels: self.labels.index_select(&idx, 0)?,
        })
    }

    /// The loss at `theta` on `batch`.
    pub fn loss(&self, theta: &Tensors, batch: &Batch) -> Result<f64> {
        let params = self.tensors(theta)?;
        self.loss_of(&params, batch, None)?.to_scalar()
    }

    /// The loss at `theta` on `batch` and its gradient, tensor by tensor.
    pub fn gradient(&self, theta: &Tensors, batch: &Batch) -> Result<(f64, Tensors)> {
        self.gradient_on(theta, batch, None)
    }

    /// [`Problem::gradient`] with the activations' sides fixed ([`autograd::logits_on`]).
    fn gradient_on(
        &self,
        theta: &Tensors,
        batch: &Batch,
        sides: Option<&[Tensor]>,
    ) -> Result<(f64, Tensors)> {
        let vars = self
            .tensors(theta)?
            .iter()
            .map(Var::from_tensor)
            .collect::<Result<Vec<_>>>()?;
        let params: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
        let loss = self.loss_of(&params, batch, sides)?;
        let grads = loss.backward()?;
        let mut out = Vec::with_capacity(vars.len());
        for (v, p) in vars.iter().zip(theta) {
            out.push(match grads.get(v) {
                Some(g) => g.flatten_all()?.to_vec1::<f64>()?,
                None => vec![0.0; p.len()],
            });
        }
        Ok((loss.to_scalar()?, out))
    }

    /// H·v, the Hessian of the loss on `batch` at `theta` times `v`, as the central difference
    /// (∇L(θ + εv) − ∇L(θ − εv)) / 2ε with ‖εv‖ = 10⁻⁵·max(‖θ‖, 1): in f64 both its error
    /// terms, ε² from the third derivative and 10⁻¹⁶/ε from rounding, stay near 10⁻¹⁰ of the
    /// result. Both gradients keep every unit on the side of its activation's kink it is on at
    /// θ, so H is the Hessian autograd's double backward gives (zero curvature at a ReLU's
    /// kink), not a jump in the gradient divided by ε.
    pub fn hvp(&self, theta: &Tensors, v: &Tensors, batch: &Batch) -> Result<Tensors> {
        let nv = norm(v);
        if nv == 0.0 {
            return Ok(v.iter().map(|t| vec![0.0; t.len()]).collect());
        }
        let eps = 1e-5 * norm(theta).max(1.0) / nv;
        let mult = vec![1.0; self.arch.layers()];
        let sides = autograd::sides(self.arch, &self.tensors(theta)?, &mult, &batch.x)?;
        let (_, up) = self.gradient_on(&axpy(theta, eps, v), batch, Some(&sides))?;
        let (_, down) = self.gradient_on(&axpy(theta, -eps, v), batch, Some(&sides))?;
        Ok(up
            .iter()
            .zip(&down)
            .map(|(u, d)| {
                u.iter()
                    .zip(d)
                    .map(|(u, d)| (u - d) / (2.0 * eps))
                    .collect()
            })
            .collect())
    }

    fn tensors(&self, theta: &Tensors) -> Result<Vec<Tensor>> {
        let dims = self.arch.dims();
        let dev = self.x.device();
        let mut out = Vec::with_capacity(theta.len());
        for l in 0..self.arch.layers() {
            out.push(Tensor::from_slice(
                &theta[2 * l],
                (dims[l], dims[l + 1]),
                dev,
            )?);
            out.push(Tensor::from_slice(&theta[2 * l + 1], dims[l + 1], dev)?);
        }
        // Trained branch multipliers and scalar biases at their start: GradInit and MetaInit
        // scale the layers.
        if let Some(r) = self.arch.residual {
            if r.trained {
                for _ in 0..self.arch.blocks() {
                    out.push(Tensor::full(r.scale, 1, dev)?);
                }
            }
            if r.scalar_biases {
                for _ in 1..self.arch.layers() {
                    out.push(Tensor::zeros(1, DType::F64, dev)?);
                }
            }
        }
        Ok(out)
    }

    fn loss_of(&self, params: &[Tensor], b: &Batch, sides: Option<&[Tensor]>) -> Result<Tensor> {
        let mult = vec![1.0; self.arch.layers()];
        let z = match sides {
            Some(s) => autograd::logits_on(self.arch, params, &mult, &b.x, s)?,
            None => autograd::logits(self.arch, params, &mult, &b.x)?,
        };
        autograd::loss(self.arch.head, &z, &b.t, &b.labels)
    }
}

/// Batches of `size` training rows, one seeded permutation of the rows after another (a
/// permutation's rows that cannot fill a batch are skipped), as a shuffled data loader gives.
struct Draws {
    n: usize,
    size: usize,
    seed: u64,
    pass: u64,
    order: Vec<usize>,
    at: usize,
}

impl Draws {
    fn new(n: usize, size: usize, seed: u64) -> Draws {
        let size = size.clamp(1, n);
        Draws {
            n,
            size,
            seed,
            pass: 0,
            order: Vec::new(),
            at: n,
        }
    }

    fn next(&mut self) -> Vec<u32> {
        if self.at + self.size > self.order.len() {
            self.order = rng::permutation(&mut rng::stream(self.seed, self.pass), self.n);
            self.pass += 1;
            self.at = 0;
        }
        let rows = self.order[self.at..self.at + self.size]
            .iter()
            .map(|&i| i as u32)
            .collect();
        self.at += self.size;
        rows
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

fn norm(v: &Tensors) -> f64 {
    v.iter().map(|t| dot(t, t)).sum::<f64>().sqrt()
}

/// θ + a·v.
fn axpy(theta: &Tensors, a: f64, v: &Tensors) -> Tensors {
    theta
        .iter()
        .zip(v)
        .map(|(t, v)| t.iter().zip(v).map(|(t, v)| t + a * v).collect())
        .collect()
}

#[cfg(test)]
mod tests;
