//! Custom candle ops for the tensor path's hottest elementwise work, where candle's generic
//! ops would make several passes over the data and an allocation per op (a ReLU mask, for one,
//! is a comparison, a conversion and a multiply). Each gives the same bits as the ops it
//! replaces.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, InplaceOp2, Layout, Result, Shape, Tensor};

/// `da · f'(z)` for ReLU: da where z > 0, else da · 0, as `da.mul(&(z > 0) as dtype)`
/// computes it (so −0 and NaN come out the same) in one pass.
struct ReluBackward;

impl CustomOp2 for ReluBackward {
    fn name(&self) -> &'static str {
        "initbench-relu-backward"
    }

    fn cpu_fwd(
        &self,
        da: &CpuStorage,
        da_l: &Layout,
        z: &CpuStorage,
        z_l: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        fn run<T: Copy + PartialOrd + std::ops::Mul<Output = T>>(
            da: &[T],
            z: &[T],
            zero: T,
            one: T,
        ) -> Vec<T> {
            da.iter()
                .zip(z)
                .map(|(&d, &z)| d * if z > zero { one } else { zero })
                .collect()
        }
        let (Some((a0, a1)), Some((z0, z1))) =
            (da_l.contiguous_offsets(), z_l.contiguous_offsets())
        else {
            candle_core::bail!("relu backward needs contiguous tensors");
        };
        let out = match (da, z) {
            (CpuStorage::F32(d), CpuStorage::F32(z)) => {
                CpuStorage::F32(run(&d[a0..a1], &z[z0..z1], 0.0, 1.0))
            }
            (CpuStorage::F64(d), CpuStorage::F64(z)) => {
                CpuStorage::F64(run(&d[a0..a1], &z[z0..z1], 0.0, 1.0))
            }
            _ => candle_core::bail!("relu backward takes f32 or f64 tensors of one dtype"),
        };
        Ok((out, da_l.shape().clone()))
    }
}

/// da · ReLU'(z), for tensors of the same shape. `z` may also be the activations ReLU(z) =
/// max(z, 0): they are > 0 exactly where z is (a NaN z gives 0), so the result is the same.
pub fn relu_backward(da: &Tensor, z: &Tensor) -> Result<Tensor> {
    if da.shape() != z.shape() {
        candle_core::bail!("relu backward: shapes {:?} and {:?}", da.shape(), z.shape());
    }
    da.contiguous()?
        .apply_op2_no_bwd(&z.contiguous()?, &ReluBackward)
}

/// z + b for z [P, N, K] and b [P, 1, K], in one pass: candle's broadcast along an inner axis
/// walks the broadcast index per element, many times the cost of a same-shape add.
/// With `relu`, the sum goes through max(·, 0) as candle's ReLU does.
struct AddBias {
    relu: bool,
}

impl CustomOp2 for AddBias {
    fn name(&self) -> &'static str {
        if self.relu {
            "initbench-add-bias-relu"
        } else {
            "initbench-add-bias"
        }
    }

    fn cpu_fwd(
        &self,
        z: &CpuStorage,
        z_l: &Layout,
        b: &CpuStorage,
        b_l: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        fn run<T: Copy + std::ops::Add<Output = T>>(
            z: &[T],
            b: &[T],
            n: usize,
            k: usize,
            f: impl Fn(T) -> T,
        ) -> Vec<T> {
            let mut out = Vec::with_capacity(z.len());
            for (zp, bp) in z.chunks(n * k).zip(b.chunks(k)) {
                for row in zp.chunks(k) {
                    out.extend(row.iter().zip(bp).map(|(&x, &y)| f(x + y)));
                }
            }
            out
        }
        let (Some((z0, z1)), Some((b0, b1))) = (z_l.contiguous_offsets(), b_l.contiguous_offsets())
        else {
            candle_core::bail!("add bias needs contiguous tensors");
        };
        let (_, n, k) = z_l.shape().dims3()?;
        let out = match (z, b) {
            (CpuStorage::F32(z), CpuStorage::F32(b)) => CpuStorage::F32(if self.relu {
                run(&z[z0..z1], &b[b0..b1], n, k, |v| v.max(0.0))
            } else {
                run(&z[z0..z1], &b[b0..b1], n, k, |v| v)
            }),
            (CpuStorage::F64(z), CpuStorage::F64(b)) => CpuStorage::F64(if self.relu {
                run(&z[z0..z1], &b[b0..b1], n, k, |v| v.max(0.0))
            } else {
                run(&z[z0..z1], &b[b0..b1], n, k, |v| v)
            }),
            _ => candle_core::bail!("add bias takes f32 or f64 tensors of one dtype"),
        };
        Ok((out, z_l.shape().clone()))
    }
}

/// z [P, N, K] + b [P, 1, K], as `z.broadcast_add(b)` computes it.
pub fn add_bias(z: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (p, _, k) = z.dims3()?;
    if b.dims3()? != (p, 1, k) {
        candle_core::bail!("add bias: shapes {:?} and {:?}", z.shape(), b.shape());
    }
    z.contiguous()?
        .apply_op2_no_bwd(&b.contiguous()?, &AddBias { relu: false })
}

/// ReLU(z + b) for z [P, N, K] and b [P, 1, K] in one pass, as
/// `z.broadcast_add(b)?.relu()` computes it (`max(z + b, 0)`).
pub fn add_bias_relu(z: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (p, _, k) = z.dims3()?;
    if b.dims3()? != (p, 1, k) {
        candle_core::bail!("add bias: shapes {:?} and {:?}", z.shape(), b.shape());
    }
    z.contiguous()?
        .apply_op2_no_bwd(&b.contiguous()?, &AddBias { relu: true })
}

/// Column sums of dz [P, N, K] over its rows, [P, 1, K], as `dz.sum_keepdim(1)` computes
/// them: every sum starts from zero and adds the rows in order. candle's reduction over an
/// inner axis divides two indices per element; this is one pass down each member's rows.
struct SumRows;

impl CustomOp1 for SumRows {
    fn name(&self) -> &'static str {
        "initbench-sum-rows"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        fn run<T: Copy + std::ops::AddAssign>(
            src: &[T],
            p: usize,
            n: usize,
            k: usize,
            zero: T,
        ) -> Vec<T> {
            let mut out = vec![zero; p * k];
            if n * k == 0 {
                return out;
            }
            for (sums, rows) in out.chunks_exact_mut(k).zip(src.chunks_exact(n * k)) {
                for row in rows.chunks_exact(k) {
                    for (acc, &x) in sums.iter_mut().zip(row) {
                        *acc += x;
                    }
                }
            }
            out
        }
        let Some((o0, o1)) = l.contiguous_offsets() else {
            candle_core::bail!("sum rows needs a contiguous tensor");
        };
        let (p, n, k) = l.shape().dims3()?;
        let out = match s {
            CpuStorage::F32(v) => CpuStorage::F32(run(&v[o0..o1], p, n, k, 0.0)),
            CpuStorage::F64(v) => CpuStorage::F64(run(&v[o0..o1], p, n, k, 0.0)),
            _ => candle_core::bail!("sum rows takes an f32 or f64 tensor"),
        };
        Ok((out, Shape::from((p, 1, k))))
    }
}

/// dz [P, N, K] summed over N, [P, 1, K], as `dz.sum_keepdim(1)` computes it.
pub fn sum_rows(dz: &Tensor) -> Result<Tensor> {
    dz.dims3()?;
    dz.contiguous()?.apply_op1_no_bwd(&SumRows)
}

/// p ← p − (g·lr + 0), in place, as `p.sub(&g.affine(lr, 0.0))` computes it (candle's affine
/// is `v * mul + add` in the tensor's dtype, without a fused multiply-add).
struct SgdStep {
    lr: f64,
}

impl InplaceOp2 for SgdStep {
    fn name(&self) -> &'static str {
        "initbench-sgd-step"
    }

    fn cpu_fwd(
        &self,
        p: &mut CpuStorage,
        p_l: &Layout,
        g: &CpuStorage,
        g_l: &Layout,
    ) -> Result<()> {
        fn run<T>(p: &mut [T], g: &[T], lr: T, zero: T)
        where
            T: Copy
                + std::ops::Mul<Output = T>
                + std::ops::Add<Output = T>
                + std::ops::Sub<Output = T>,
        {
            for (w, &d) in p.iter_mut().zip(g) {
                *w = *w - (d * lr + zero);
            }
        }
        let (Some((p0, p1)), Some((g0, g1))) = (p_l.contiguous_offsets(), g_l.contiguous_offsets())
        else {
            candle_core::bail!("sgd step needs contiguous tensors");
        };
        if p1 - p0 != g1 - g0 {
            candle_core::bail!("sgd step: {} parameters, {} gradients", p1 - p0, g1 - g0);
        }
        match (p, g) {
            (CpuStorage::F32(p), CpuStorage::F32(g)) => {
                run(&mut p[p0..p1], &g[g0..g1], self.lr as f32, 0.0)
            }
            (CpuStorage::F64(p), CpuStorage::F64(g)) => {
                run(&mut p[p0..p1], &g[g0..g1], self.lr, 0.0)
            }
            _ => candle_core::bail!("sgd step takes f32 or f64 tensors of one dtype"),
        }
        Ok(())
    }
}

/// `p.sub(&g.affine(lr, 0.0))`, written into `p`'s own storage (every tensor that shares it
/// sees the new values). `p` must be contiguous and own its storage alone.
pub fn sgd_step_in_place(p: &Tensor, g: &Tensor, lr: f64) -> Result<()> {
    if p.shape() != g.shape() || !p.is_contiguous() {
        candle_core::bail!("sgd step: shapes {:?} and {:?}", p.shape(), g.shape());
    }
    p.inplace_op2(&g.contiguous()?, &SgdStep { lr })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn relu_backward_gives_the_bits_of_the_ops_it_replaces() {
        let dev = Device::Cpu;
        let da = Tensor::new(&[1.5f32, -2.0, 3.0, -0.5, f32::NAN, 7.0], &dev).unwrap();
        let z = Tensor::new(&[0.1f32, 0.2, -1.0, -0.0, 1.0, 0.0], &dev).unwrap();
        let fast: Vec<f32> = relu_backward(&da, &z).unwrap().to_vec1().unwrap();
        let mask = z
            .gt(&z.zeros_like().unwrap())
            .unwrap()
            .to_dtype(candle_core::DType::F32)
            .unwrap();
        let slow: Vec<f32> = da.mul(&mask).unwrap().to_vec1().unwrap();
        assert_eq!(
            fast.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            slow.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(fast[3].to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn add_bias_matches_broadcast_add() {
        let dev = Device::Cpu;
        let z = Tensor::arange(0f64, 24.0, &dev)
            .unwrap()
            .affine(0.37, -2.0)
            .unwrap()
            .reshape((2, 3, 4))
            .unwrap();
        let b = Tensor::arange(0f64, 8.0, &dev)
            .unwrap()
            .affine(-1.3, 0.1)
            .unwrap()
            .reshape((2, 1, 4))
            .unwrap();
        let fast: Vec<f64> = add_bias(&z, &b)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let slow: Vec<f64> = z
            .broadcast_add(&b)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(fast, slow);
    }
    #[test]
    fn sum_rows_matches_sum_keepdim() {
        let dev = Device::Cpu;
        for dims in [(1usize, 64usize, 128usize), (3, 29, 10), (2, 1, 5)] {
            let n = dims.0 * dims.1 * dims.2;
            let z = Tensor::arange(0f32, n as f32, &dev)
                .unwrap()
                .affine(0.731, -3.3)
                .unwrap()
                .sin()
                .unwrap()
                .affine(1e3, 0.0)
                .unwrap()
                .reshape(dims)
                .unwrap();
            let fast = sum_rows(&z).unwrap();
            let slow = z.sum_keepdim(1).unwrap();
            assert_eq!(fast.dims(), slow.dims());
            let a: Vec<f32> = fast.flatten_all().unwrap().to_vec1().unwrap();
            let b: Vec<f32> = slow.flatten_all().unwrap().to_vec1().unwrap();
            assert_eq!(
                a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn sgd_step_matches_affine_then_sub() {
        let dev = Device::Cpu;
        let p0 = [1.5f32, -0.0, 0.0, 3.25, -7.0, f32::NAN];
        let g0 = [0.3f32, 0.0, -0.0, -1e-30, f32::INFINITY, 1.0];
        let p = Tensor::new(&p0, &dev).unwrap();
        let g = Tensor::new(&g0, &dev).unwrap();
        let want: Vec<f32> = p
            .sub(&g.affine(0.05, 0.0).unwrap())
            .unwrap()
            .to_vec1()
            .unwrap();
        let q = Tensor::new(&p0, &dev).unwrap();
        sgd_step_in_place(&q, &g, 0.05).unwrap();
        let got: Vec<f32> = q.to_vec1().unwrap();
        assert_eq!(
            got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
    #[test]
    fn add_bias_relu_matches_broadcast_add_then_relu() {
        let dev = Device::Cpu;
        let z = Tensor::new(
            &[
                [[1.0f32, -2.0, f32::NAN], [0.5, -0.0, 3.0]],
                [[-1.0, 2.0, 0.0], [f32::INFINITY, -7.0, 0.25]],
            ],
            &dev,
        )
        .unwrap();
        let b = Tensor::new(&[[[0.5f32, 2.0, -0.0]], [[1.0, -2.0, -0.0]]], &dev).unwrap();
        let fast: Vec<f32> = add_bias_relu(&z, &b)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let slow: Vec<f32> = z
            .broadcast_add(&b)
            .unwrap()
            .relu()
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(
            fast.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            slow.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        // The backward mask is the same from the activations as from the pre-activations.
        let pre = z.broadcast_add(&b).unwrap();
        let da = Tensor::new(
            &[
                [[1.5f32, -2.0, 3.0], [-0.5, 4.0, 7.0]],
                [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
            ],
            &dev,
        )
        .unwrap();
        let act = add_bias_relu(&z, &b).unwrap();
        let from_z: Vec<f32> = relu_backward(&da, &pre)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let from_a: Vec<f32> = relu_backward(&da, &act)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(
            from_z.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            from_a.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
}
