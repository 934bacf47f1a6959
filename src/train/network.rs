//! A population of MLPs of one shape, stacked along a leading axis, with hand-written backprop.
//!
//! Layer l holds weights [P, in, out] (Keras's kernel layout, so the forward pass is x·W) and
//! biases [P, 1, out]. Every matmul is batched over P with the same (m, n, k) for every member,
//! and candle runs a batched matmul as one gemm call per member: a member's numbers therefore
//! do not depend on how many other members share its tensors. The input is shared by all
//! members and broadcast with a zero stride, never copied.

use std::borrow::Borrow;

use candle_core::{DType, Device, Result, Tensor};

use super::member::Member;
use crate::model::{
    head::HeadPass, Activation, Architecture, Norm, Residual, Role, LAYER_NORM_EPS,
};

pub struct Population {
    pub weights: Vec<Tensor>,
    pub biases: Vec<Tensor>,
    /// Each residual block's trained multiplier α, [P, 1, 1], with
    /// `Residual::trained`; empty otherwise.
    pub scales: Vec<Tensor>,
    /// With `Residual::scalar_biases`, the scalar bias added to weight layer l's input,
    /// [P, 1, 1], at index l − 1 (every layer after the first: the branches' and the output
    /// layer); empty otherwise.
    pub shifts: Vec<Tensor>,
}

/// Everything the backward pass needs from a forward pass.
pub struct Forward {
    /// Pre-activations of the hidden layers, [P, N, width] each; empty after a lean pass
    /// ([`Population::forward_lean`]).
    pub hidden_z: Vec<Tensor>,
    /// Activations of the hidden layers.
    pub hidden_a: Vec<Tensor>,
    /// Output-layer pre-activation, [P, N, K].
    pub out_z: Tensor,
    pub head: HeadPass,
    /// Residual networks with layer normalization, per weight layer: with `Norm::Pre` the
    /// layer's normalized input (a branch's first layer, the output layer), with `Norm::Post`
    /// its normalized output (a branch's last layer). Empty for every other network and after
    /// a pass that keeps nothing.
    pub norms: Vec<Option<Normed>>,
}

/// A layer normalization's output y = (x − mean)/√(var + ε) over the width, [P, N, width],
/// and 1/√(var + ε), [P, N, 1]: what its backward pass needs.
#[derive(Clone)]
pub struct Normed {
    pub y: Tensor,
    pub inv_sd: Tensor,
}

impl Normed {
    fn of(x: &Tensor) -> Result<Normed> {
        let centred = x.broadcast_sub(&x.mean_keepdim(2)?)?;
        let inv_sd = centred
            .sqr()?
            .mean_keepdim(2)?
            .affine(1.0, LAYER_NORM_EPS)?
            .sqrt()?
            .recip()?;
        Ok(Normed {
            y: centred.broadcast_mul(&inv_sd)?,
            inv_sd,
        })
    }

    /// The gradient with respect to x from the gradient `dy` with respect to y:
    /// (dy − mean(dy) − y·mean(dy ⊙ y)) / √(var + ε), the means over the width.
    fn backward(&self, dy: &Tensor) -> Result<Tensor> {
        let m1 = dy.mean_keepdim(2)?;
        let m2 = dy.mul(&self.y)?.mean_keepdim(2)?;
        dy.broadcast_sub(&m1)?
            .sub(&self.y.broadcast_mul(&m2)?)?
            .broadcast_mul(&self.inv_sd)
    }
}

pub struct Gradients {
    pub weights: Vec<Tensor>,
    pub biases: Vec<Tensor>,
    pub scales: Vec<Tensor>,
    pub shifts: Vec<Tensor>,
}

impl Gradients {
    /// In the order of [`Population::flat`].
    pub fn flat(&self) -> Vec<Tensor> {
        let mut flat = interleave(&self.weights, &self.biases);
        flat.extend(self.scales.iter().cloned());
        flat.extend(self.shifts.iter().cloned());
        flat
    }
}

impl Population {
    pub fn new(
        members: &[impl Borrow<Member>],
        arch: &Architecture,
        dtype: DType,
        dev: &Device,
    ) -> Result<Self> {
        let dims = arch.dims();
        let p = members.len();
        let mut weights = Vec::with_capacity(arch.layers());
        let mut biases = Vec::with_capacity(arch.layers());
        for l in 0..arch.layers() {
            let (fan_in, fan_out) = (dims[l], dims[l + 1]);
            let w: Vec<f64> = members
                .iter()
                .flat_map(|m| m.borrow().weights[l].iter().copied())
                .collect();
            let b: Vec<f64> = members
                .iter()
                .flat_map(|m| m.borrow().biases[l].iter().copied())
                .collect();
            weights.push(Tensor::from_vec(w, (p, fan_in, fan_out), dev)?.to_dtype(dtype)?);
            biases.push(Tensor::from_vec(b, (p, 1, fan_out), dev)?.to_dtype(dtype)?);
        }
        let scales = match arch.residual {
            Some(r) if r.trained => (0..arch.blocks())
                .map(|_| Tensor::full(r.scale, (p, 1, 1), dev)?.to_dtype(dtype))
                .collect::<Result<_>>()?,
            _ => Vec::new(),
        };
        let shifts = match arch.residual {
            Some(r) if r.scalar_biases => (1..arch.layers())
                .map(|_| Tensor::zeros((p, 1, 1), dtype, dev))
                .collect::<Result<_>>()?,
            _ => Vec::new(),
        };
        Ok(Population {
            weights,
            biases,
            scales,
            shifts,
        })
    }

    /// A copy with storage of its own: an in-place step on either leaves the other as it was.
    pub fn deep_copy(&self) -> Result<Self> {
        let copy = |ts: &[Tensor]| ts.iter().map(|t| t.copy()).collect::<Result<Vec<_>>>();
        Ok(Population {
            weights: copy(&self.weights)?,
            biases: copy(&self.biases)?,
            scales: copy(&self.scales)?,
            shifts: copy(&self.shifts)?,
        })
    }

    pub fn size(&self) -> usize {
        self.weights[0].dims()[0]
    }

    /// Parameters in a fixed order (w0, b0, w1, b1, …, then the blocks' trained multipliers,
    /// then the scalar biases) for the optimizer.
    pub fn flat(&self) -> Vec<Tensor> {
        let mut flat = interleave(&self.weights, &self.biases);
        flat.extend(self.scales.iter().cloned());
        flat.extend(self.shifts.iter().cloned());
        flat
    }

    pub fn set_flat(&mut self, flat: Vec<Tensor>) {
        let mut it = flat.into_iter();
        for l in 0..self.weights.len() {
            self.weights[l] = it.next().expect("weight");
            self.biases[l] = it.next().expect("bias");
        }
        for s in self.scales.iter_mut() {
            *s = it.next().expect("multiplier");
        }
        for s in self.shifts.iter_mut() {
            *s = it.next().expect("scalar bias");
        }
    }

    /// Layer `l`'s input plus its scalar bias, where it has one.
    fn shifted(&self, input: Tensor, l: usize) -> Result<Tensor> {
        match l.checked_sub(1).and_then(|i| self.shifts.get(i)) {
            Some(c) => input.broadcast_add(c),
            None => Ok(input),
        }
    }

    /// Residual block `l`'s branch (its last layer's output `z`) times its multiplier.
    fn branch(&self, z: &Tensor, l: usize, r: Residual) -> Result<Tensor> {
        match self.scales.get(block_of(l)) {
            Some(alpha) => z.broadcast_mul(alpha),
            None => scaled(z, r.scale),
        }
    }

    /// Runs the population on inputs `x` [N, in] and scores the outputs against `targets` [N, K].
    pub fn forward(&self, arch: &Architecture, x: &Tensor, targets: &Tensor) -> Result<Forward> {
        self.run_forward(arch, x, targets, false, true)
    }

    /// [`Population::forward_lean`] that keeps no hidden layer at all (`hidden_z` and
    /// `hidden_a` are empty): for scoring, where only the head counts. Each layer's output is
    /// freed as soon as the next one is computed.
    pub fn forward_head_only(
        &self,
        arch: &Architecture,
        x: &Tensor,
        targets: &Tensor,
    ) -> Result<Forward> {
        self.run_forward(arch, x, targets, arch.activation == Activation::Relu, false)
    }

    /// [`Population::forward`] for training and scoring: the same numbers, but with ReLU the
    /// bias and the activation are one pass and the pre-activations are not kept
    /// (`hidden_z` is then empty; [`Population::backward`] needs only the activations).
    pub fn forward_lean(
        &self,
        arch: &Architecture,
        x: &Tensor,
        targets: &Tensor,
    ) -> Result<Forward> {
        self.run_forward(arch, x, targets, arch.activation == Activation::Relu, true)
    }

    fn run_forward(
        &self,
        arch: &Architecture,
        x: &Tensor,
        targets: &Tensor,
        fused_relu: bool,
        keep: bool,
    ) -> Result<Forward> {
        if let Some(r) = arch.residual {
            return self.forward_residual(arch, x, targets, r, keep);
        }
        let (n, inputs) = x.dims2()?;
        let p = self.size();
        let mut hidden_z = Vec::with_capacity(arch.depth);
        let mut hidden_a = Vec::with_capacity(arch.depth);
        let mut h = x.broadcast_as((p, n, inputs))?;
        for l in 0..arch.depth {
            let hw = h.matmul(&self.weights[l])?;
            let a = if fused_relu {
                super::ops::add_bias_relu(&hw, &self.biases[l])?
            } else {
                let z = super::ops::add_bias(&hw, &self.biases[l])?;
                let a = arch.activation.forward(&z)?;
                if keep {
                    hidden_z.push(z);
                }
                a
            };
            if keep {
                hidden_a.push(a.clone());
            }
            h = a;
        }
        let out_z = super::ops::add_bias(
            &h.matmul(&self.weights[arch.depth])?,
            &self.biases[arch.depth],
        )?;
        let head = arch.head.forward(&out_z, targets)?;
        Ok(Forward {
            hidden_z,
            hidden_a,
            out_z,
            head,
            norms: Vec::new(),
        })
    }

    /// [`Population::run_forward`] for residual blocks ([`crate::model::Residual`]). A branch's
    /// last layer keeps its affine output u·W + b as its `hidden_z` and the stream after the
    /// addition (and Post-LN) as its `hidden_a`, so layer l's input is `hidden_a[l − 1]` as
    /// in a plain network, or with Pre-LN its normalization (`norms[l]`).
    fn forward_residual(
        &self,
        arch: &Architecture,
        x: &Tensor,
        targets: &Tensor,
        r: Residual,
        keep: bool,
    ) -> Result<Forward> {
        let (n, inputs) = x.dims2()?;
        let p = self.size();
        let mut hidden_z = Vec::with_capacity(arch.depth);
        let mut hidden_a = Vec::with_capacity(arch.depth);
        let mut norms = vec![None; if keep { arch.layers() } else { 0 }];
        let mut keep_norm = |l: usize, nd: &Normed| {
            if keep {
                norms[l] = Some(nd.clone());
            }
        };
        let mut h = x.broadcast_as((p, n, inputs))?;
        let mut stream = h.clone();
        for l in 0..arch.depth {
            let input = match (r.norm, arch.role(l)) {
                (Norm::Pre, Role::BranchIn) => {
                    let nd = Normed::of(&h)?;
                    keep_norm(l, &nd);
                    nd.y
                }
                _ => h,
            };
            let input = self.shifted(input, l)?;
            let z = super::ops::add_bias(&input.matmul(&self.weights[l])?, &self.biases[l])?;
            let a = match arch.role(l) {
                Role::BranchOut => {
                    let sum = (&stream + self.branch(&z, l, r)?)?;
                    stream = if r.norm == Norm::Post {
                        let nd = Normed::of(&sum)?;
                        keep_norm(l, &nd);
                        nd.y
                    } else {
                        sum
                    };
                    stream.clone()
                }
                role => {
                    let a = arch.activation.forward(&z)?;
                    if role == Role::Hidden {
                        stream = a.clone();
                    }
                    a
                }
            };
            if keep {
                hidden_z.push(z);
                hidden_a.push(a.clone());
            }
            h = a;
        }
        if r.norm == Norm::Pre {
            let nd = Normed::of(&h)?;
            keep_norm(arch.depth, &nd);
            h = nd.y;
        }
        let h = self.shifted(h, arch.depth)?;
        let out_z = super::ops::add_bias(
            &h.matmul(&self.weights[arch.depth])?,
            &self.biases[arch.depth],
        )?;
        let head = arch.head.forward(&out_z, targets)?;
        Ok(Forward {
            hidden_z,
            hidden_a,
            out_z,
            head,
            norms,
        })
    }

    /// Gradients of each member's mean loss with respect to its own parameters.
    pub fn backward(
        &self,
        arch: &Architecture,
        x: &Tensor,
        fwd: &Forward,
        targets: &Tensor,
    ) -> Result<Gradients> {
        if let Some(r) = arch.residual {
            return self.backward_residual(arch, x, fwd, targets, r);
        }
        let (n, inputs) = x.dims2()?;
        let p = self.size();
        let layers = arch.layers();
        let mut gw = vec![None; layers];
        let mut gb = vec![None; layers];
        let mut dz = arch.head.backward(&fwd.out_z, &fwd.head, targets)?;
        for l in (0..layers).rev() {
            let input_t = if l == 0 {
                x.t()?.broadcast_as((p, inputs, n))?
            } else {
                fwd.hidden_a[l - 1].transpose(1, 2)?
            };
            gw[l] = Some(input_t.matmul(&dz)?);
            gb[l] = Some(super::ops::sum_rows(&dz)?);
            if l > 0 {
                let da = dz.matmul(&self.weights[l].transpose(1, 2)?)?;
                dz = if arch.activation == Activation::Relu {
                    super::ops::relu_backward(&da, &fwd.hidden_a[l - 1])?
                } else {
                    let d = arch
                        .activation
                        .derivative(&fwd.hidden_z[l - 1], &fwd.hidden_a[l - 1])?;
                    da.mul(&d)?
                };
            }
        }
        Ok(Gradients {
            weights: gw.into_iter().map(|g| g.expect("set above")).collect(),
            biases: gb.into_iter().map(|g| g.expect("set above")).collect(),
            scales: Vec::new(),
            shifts: Vec::new(),
        })
    }

    /// [`Population::backward`] through residual blocks: the stream's gradient reaches a block's
    /// input both through the branch and past it, and through the layer normalizations.
    fn backward_residual(
        &self,
        arch: &Architecture,
        x: &Tensor,
        fwd: &Forward,
        targets: &Tensor,
        r: Residual,
    ) -> Result<Gradients> {
        let (n, inputs) = x.dims2()?;
        let p = self.size();
        let layers = arch.layers();
        let mut gw = vec![None; layers];
        let mut gb = vec![None; layers];
        let mut gs = vec![None; self.scales.len()];
        let mut gc = vec![None; self.shifts.len()];
        let norm = |l: usize| fwd.norms.get(l).and_then(Option::as_ref);
        // Layer l's input, transposed: a Pre-LN layer's normalized input, else the previous
        // layer's output, plus its scalar bias.
        let input_t = |l: usize| -> Result<Tensor> {
            if l == 0 {
                return x.t()?.broadcast_as((p, inputs, n));
            }
            let input = match (r.norm, norm(l)) {
                (Norm::Pre, Some(nd)) => nd.y.clone(),
                _ => fwd.hidden_a[l - 1].clone(),
            };
            self.shifted(input, l)?.transpose(1, 2)
        };
        // The gradient with respect to what fed layer l, through its Pre-LN normalization; on
        // the way, its scalar bias's gradient, the sum of the gradient at its input.
        let mut back = |dz: &Tensor, l: usize| -> Result<Tensor> {
            let d = dz.matmul(&self.weights[l].transpose(1, 2)?)?;
            if let Some(g) = gc.get_mut(l - 1) {
                *g = Some(d.sum_keepdim(2)?.sum_keepdim(1)?);
            }
            match (r.norm, norm(l)) {
                (Norm::Pre, Some(nd)) => nd.backward(&d),
                _ => Ok(d),
            }
        };
        let dz = arch.head.backward(&fwd.out_z, &fwd.head, targets)?;
        gw[arch.depth] = Some(input_t(arch.depth)?.matmul(&dz)?);
        gb[arch.depth] = Some(super::ops::sum_rows(&dz)?);
        // The gradient with respect to the stream, and to a branch's hidden units.
        let mut stream = back(&dz, arch.depth)?;
        let mut branch = stream.clone();
        for l in (0..arch.depth).rev() {
            let dz = match arch.role(l) {
                Role::BranchOut => {
                    if let (Norm::Post, Some(nd)) = (r.norm, norm(l)) {
                        stream = nd.backward(&stream)?;
                    }
                    if let Some(g) = gs.get_mut(block_of(l)) {
                        // ∂L/∂α = Σ over rows and units of ∂L/∂(stream) ⊙ z.
                        let dz = stream.mul(&fwd.hidden_z[l])?;
                        *g = Some(dz.sum_keepdim(2)?.sum_keepdim(1)?);
                    }
                    self.branch(&stream, l, r)?
                }
                role => {
                    let g = if role == Role::BranchIn {
                        &branch
                    } else {
                        &stream
                    };
                    let d = arch
                        .activation
                        .derivative(&fwd.hidden_z[l], &fwd.hidden_a[l])?;
                    g.mul(&d)?
                }
            };
            gw[l] = Some(input_t(l)?.matmul(&dz)?);
            gb[l] = Some(super::ops::sum_rows(&dz)?);
            if l > 0 {
                match arch.role(l) {
                    Role::BranchOut => branch = back(&dz, l)?,
                    _ => stream = (&stream + back(&dz, l)?)?,
                }
            }
        }
        Ok(Gradients {
            weights: gw.into_iter().map(|g| g.expect("set above")).collect(),
            biases: gb.into_iter().map(|g| g.expect("set above")).collect(),
            scales: gs.into_iter().map(|g| g.expect("set above")).collect(),
            shifts: gc.into_iter().map(|g| g.expect("set above")).collect(),
        })
    }
}

/// The residual block whose branch ends at weight layer `l` (layers 2, 4, … end blocks 0, 1, …).
fn block_of(l: usize) -> usize {
    (l - 1) / 2
}

/// α·t, without a pass over t when α = 1.
fn scaled(t: &Tensor, alpha: f64) -> Result<Tensor> {
    if alpha == 1.0 {
        Ok(t.clone())
    } else {
        t.affine(alpha, 0.0)
    }
}

fn interleave(w: &[Tensor], b: &[Tensor]) -> Vec<Tensor> {
    w.iter()
        .zip(b)
        .flat_map(|(w, b)| [w.clone(), b.clone()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, Head, Loss, Norm, OutputActivation, Residual};
    use crate::rng;

    fn arch(activation: Activation, head: Head, depth: usize) -> Architecture {
        Architecture {
            inputs: 3,
            depth,
            width: 4,
            outputs: head.units(3),
            activation,
            head,
            residual: None,
        }
    }

    fn random_member(arch: &Architecture, seed: u64) -> Member {
        let dims = arch.dims();
        let mut r = rng::stream(seed, 0);
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for l in 0..arch.layers() {
            weights.push(
                (0..dims[l] * dims[l + 1])
                    .map(|_| rng::normal(&mut r) * 0.8)
                    .collect(),
            );
            biases.push(
                (0..dims[l + 1])
                    .map(|_| rng::normal(&mut r) * 0.3)
                    .collect(),
            );
        }
        Member { weights, biases }
    }

    /// Trained branch multipliers (SkipInit, ReZero) and Fixup's scalar biases: every
    /// parameter's gradient, the scalars' included, against a central difference of the
    /// member's loss, with each member's scalars its own (one α at 0, as ReZero starts),
    /// without and with layer normalization.
    #[test]
    fn trained_scalars_match_finite_differences() {
        let dev = Device::Cpu;
        let n = 6;
        let mut r = rng::stream(98, 0);
        let xs: Vec<f64> = (0..n * 3).map(|_| rng::normal(&mut r)).collect();
        let x = Tensor::from_vec(xs, (n, 3), &dev).unwrap();
        let labels = [0u32, 2, 1, 1, 0, 2];
        let head = Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap();
        let t = Tensor::from_vec(head.targets(&labels, 3), (n, 3), &dev).unwrap();
        // Per scalar tensor, member 0's and member 1's value: two α's, then five biases.
        let alphas = vec![[0.0, 0.7], [0.4, -0.3]];
        let biases = vec![
            [0.2, -0.1],
            [0.0, 0.3],
            [-0.25, 0.1],
            [0.15, 0.05],
            [0.1, -0.2],
        ];
        for (act, norm, trained, scalar_biases) in [
            (Activation::Tanh, Norm::None, true, false),
            (Activation::Relu, Norm::None, true, true),
            (Activation::Gelu, Norm::Post, false, true),
            (Activation::Tanh, Norm::Pre, true, true),
        ] {
            let arch = Architecture {
                residual: Some(Residual {
                    scale: 0.5,
                    norm,
                    trained,
                    scalar_biases,
                }),
                ..arch(act, head, 5)
            };
            let members = vec![random_member(&arch, 7), random_member(&arch, 8)];
            let tensor = |v: &[f64; 2]| Tensor::from_vec(v.to_vec(), (2, 1, 1), &dev).unwrap();
            // The scalars, α's first: what `pop` holds after `with`.
            let mut scalars: Vec<[f64; 2]> = Vec::new();
            if trained {
                scalars.extend(&alphas);
            }
            if scalar_biases {
                scalars.extend(&biases);
            }
            let with = |sc: &[[f64; 2]], ms: &[Member]| -> Population {
                let mut pop = Population::new(ms, &arch, DType::F64, &dev).unwrap();
                let k = pop.scales.len();
                assert_eq!(k + pop.shifts.len(), sc.len());
                pop.scales = sc[..k].iter().map(tensor).collect();
                pop.shifts = sc[k..].iter().map(tensor).collect();
                pop
            };
            let loss = |sc: &[[f64; 2]], ms: &[Member]| -> Vec<f64> {
                let pop = with(sc, ms);
                pop.forward(&arch, &x, &t)
                    .unwrap()
                    .head
                    .loss
                    .to_vec1()
                    .unwrap()
            };
            let pop = with(&scalars, &members);
            let fwd = pop.forward(&arch, &x, &t).unwrap();
            let grads = pop.backward(&arch, &x, &fwd, &t).unwrap();
            let got: Vec<&Tensor> = grads.scales.iter().chain(&grads.shifts).collect();
            let h = 1e-6;
            let mut moved = 0;
            for m in 0..2 {
                for (j, g) in got.iter().enumerate() {
                    let g: f64 = g
                        .get(m)
                        .unwrap()
                        .flatten_all()
                        .unwrap()
                        .to_vec1::<f64>()
                        .unwrap()[0];
                    let (mut up, mut down) = (scalars.clone(), scalars.clone());
                    up[j][m] += h;
                    down[j][m] -= h;
                    let fd = (loss(&up, &members)[m] - loss(&down, &members)[m]) / (2.0 * h);
                    assert!(
                        (g - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                        "{act:?} {norm:?} member {m} scalar {j}: {g} vs {fd}"
                    );
                    // Only a block whose α is 0 passes no gradient to its scalar biases.
                    moved += usize::from(fd.abs() > 1e-6);
                }
                for l in 0..arch.layers() {
                    let gw: Vec<f64> = grads.weights[l]
                        .get(m)
                        .unwrap()
                        .flatten_all()
                        .unwrap()
                        .to_vec1()
                        .unwrap();
                    for (j, g) in gw.iter().enumerate().step_by(3) {
                        let mut up = members.clone();
                        up[m].weights[l][j] += h;
                        let mut down = members.clone();
                        down[m].weights[l][j] -= h;
                        let fd = (loss(&scalars, &up)[m] - loss(&scalars, &down)[m]) / (2.0 * h);
                        assert!(
                            (g - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                            "{act:?} {norm:?} member {m} W{l}[{j}]: {g} vs {fd}"
                        );
                    }
                }
            }
            let zero_alpha = if trained && scalar_biases { 2 } else { 0 };
            assert_eq!(moved, 2 * got.len() - zero_alpha, "{act:?} {norm:?}");
        }
    }

    /// Checks every parameter's gradient against a central difference of the member's loss,
    /// in f64, for every activation and head, with two members so cross-talk would show.
    #[test]
    fn gradients_match_finite_differences() {
        let dev = Device::Cpu;
        let n = 5;
        let mut r = rng::stream(99, 0);
        let xs: Vec<f64> = (0..n * 3).map(|_| rng::normal(&mut r)).collect();
        let labels = [0u32, 2, 1, 1, 0];
        let x = Tensor::from_vec(xs, (n, 3), &dev).unwrap();
        let heads = [
            Head::new(OutputActivation::Sigmoid, Loss::Mse).unwrap(),
            Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap(),
            Head::new(OutputActivation::Sigmoid, Loss::CrossEntropy).unwrap(),
            Head::new(OutputActivation::Linear, Loss::Mse).unwrap(),
        ];
        let acts = [
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Relu,
            Activation::LeakyRelu { slope: 0.05 },
            Activation::Elu { alpha: 1.0 },
            Activation::Selu,
            Activation::Gelu,
            Activation::Silu,
            Activation::Softplus,
            Activation::Softsign,
            Activation::Linear,
        ];
        // Plain networks of depth 1 to 3 for every activation, then residual ones of one and
        // two blocks, scaled and not.
        let residual = [
            (Activation::Tanh, 3, 1.0, Norm::None),
            (Activation::Relu, 5, 0.5, Norm::None),
            (Activation::Gelu, 5, 1.0, Norm::None),
            (Activation::Sigmoid, 3, 2.0, Norm::None),
            (Activation::Tanh, 5, 0.5, Norm::Pre),
            (Activation::Relu, 3, 1.0, Norm::Pre),
            (Activation::Tanh, 5, 1.0, Norm::Post),
            (Activation::Elu { alpha: 1.0 }, 3, 2.0, Norm::Post),
        ];
        let cases = acts
            .iter()
            .enumerate()
            .map(|(i, act)| (*act, 1 + i % 3, None))
            .chain(residual.iter().map(|&(act, depth, scale, norm)| {
                (
                    act,
                    depth,
                    Some(Residual {
                        scale,
                        norm,
                        trained: false,
                        scalar_biases: false,
                    }),
                )
            }));
        for (i, (act, depth, res)) in cases.enumerate() {
            let head = heads[i % heads.len()];
            let arch = Architecture {
                residual: res,
                ..arch(act, head, depth)
            };
            let act = &act;
            let k = head.units(3);
            let t = Tensor::from_vec(head.targets(&labels, 3), (n, k), &dev).unwrap();
            let members = vec![
                random_member(&arch, i as u64),
                random_member(&arch, 100 + i as u64),
            ];
            let pop = Population::new(&members, &arch, DType::F64, &dev).unwrap();
            let fwd = pop.forward(&arch, &x, &t).unwrap();
            let grads = pop.backward(&arch, &x, &fwd, &t).unwrap();
            let loss_of = |ms: &[Member]| -> Vec<f64> {
                let pop = Population::new(ms, &arch, DType::F64, &dev).unwrap();
                pop.forward(&arch, &x, &t)
                    .unwrap()
                    .head
                    .loss
                    .to_vec1()
                    .unwrap()
            };
            let h = 1e-6;
            for (m, _) in members.iter().enumerate() {
                for l in 0..arch.layers() {
                    let gw: Vec<f64> = grads.weights[l]
                        .get(m)
                        .unwrap()
                        .flatten_all()
                        .unwrap()
                        .to_vec1()
                        .unwrap();
                    let gb: Vec<f64> = grads.biases[l]
                        .get(m)
                        .unwrap()
                        .flatten_all()
                        .unwrap()
                        .to_vec1()
                        .unwrap();
                    for (j, g) in gw.iter().enumerate() {
                        let mut up = members.clone();
                        up[m].weights[l][j] += h;
                        let mut down = members.clone();
                        down[m].weights[l][j] -= h;
                        let fd = (loss_of(&up)[m] - loss_of(&down)[m]) / (2.0 * h);
                        assert!(
                            (g - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                            "{act:?} {res:?} {head:?} member {m} W{l}[{j}]: {g} vs {fd}"
                        );
                    }
                    for (j, g) in gb.iter().enumerate() {
                        let mut up = members.clone();
                        up[m].biases[l][j] += h;
                        let mut down = members.clone();
                        down[m].biases[l][j] -= h;
                        let fd = (loss_of(&up)[m] - loss_of(&down)[m]) / (2.0 * h);
                        assert!(
                            (g - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                            "{act:?} {res:?} {head:?} member {m} b{l}[{j}]: {g} vs {fd}"
                        );
                    }
                }
            }
        }
    }

    /// A member's forward pass and gradients are the same bits alone as in a crowd.
    #[test]
    fn members_are_independent_of_their_cohort() {
        let dev = Device::Cpu;
        let head = Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap();
        let arch = arch(Activation::Tanh, head, 2);
        let n = 7;
        let mut r = rng::stream(5, 0);
        let xs: Vec<f64> = (0..n * 3).map(|_| rng::normal(&mut r)).collect();
        let x = Tensor::from_vec(xs, (n, 3), &dev)
            .unwrap()
            .to_dtype(DType::F32)
            .unwrap();
        let labels = [0u32, 1, 2, 0, 1, 2, 0];
        let t = Tensor::from_vec(head.targets(&labels, 3), (n, 3), &dev)
            .unwrap()
            .to_dtype(DType::F32)
            .unwrap();
        let members: Vec<Member> = (0..5).map(|s| random_member(&arch, s)).collect();
        let crowd = Population::new(&members, &arch, DType::F32, &dev).unwrap();
        let fwd = crowd.forward(&arch, &x, &t).unwrap();
        let g = crowd.backward(&arch, &x, &fwd, &t).unwrap();
        for (m, member) in members.iter().enumerate() {
            let alone =
                Population::new(std::slice::from_ref(member), &arch, DType::F32, &dev).unwrap();
            let f1 = alone.forward(&arch, &x, &t).unwrap();
            let g1 = alone.backward(&arch, &x, &f1, &t).unwrap();
            let a: Vec<f32> = f1.head.loss.to_vec1().unwrap();
            let b: Vec<f32> = fwd.head.loss.to_vec1().unwrap();
            assert_eq!(a[0].to_bits(), b[m].to_bits());
            for l in 0..arch.layers() {
                let a: Vec<f32> = g1.weights[l].flatten_all().unwrap().to_vec1().unwrap();
                let b: Vec<f32> = g.weights[l]
                    .get(m)
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1()
                    .unwrap();
                assert!(
                    a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "layer {l}"
                );
            }
        }
    }
}
