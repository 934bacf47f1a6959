//! Custom candle ops for the tensor path's hottest elementwise work, where candle's generic
//! ops would make several passes and allocations (../shared/CANDLE-NOTES.md: the ReLU mask
//! alone cost ~16 µs a layer). Each gives the same bits as the ops it replaces.

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

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

/// da · ReLU'(z), for tensors of the same shape.
pub fn relu_backward(da: &Tensor, z: &Tensor) -> Result<Tensor> {
    if da.shape() != z.shape() {
        candle_core::bail!("relu backward: shapes {:?} and {:?}", da.shape(), z.shape());
    }
    da.contiguous()?
        .apply_op2_no_bwd(&z.contiguous()?, &ReluBackward)
}

/// z + b for z [P, N, K] and b [P, 1, K], in one pass: candle's broadcast along an inner axis
/// walks the broadcast index per element, 13× a same-shape add.
struct AddBias;

impl CustomOp2 for AddBias {
    fn name(&self) -> &'static str {
        "initbench-add-bias"
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
        ) -> Vec<T> {
            let mut out = Vec::with_capacity(z.len());
            for (zp, bp) in z.chunks(n * k).zip(b.chunks(k)) {
                for row in zp.chunks(k) {
                    out.extend(row.iter().zip(bp).map(|(&x, &y)| x + y));
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
            (CpuStorage::F32(z), CpuStorage::F32(b)) => {
                CpuStorage::F32(run(&z[z0..z1], &b[b0..b1], n, k))
            }
            (CpuStorage::F64(z), CpuStorage::F64(b)) => {
                CpuStorage::F64(run(&z[z0..z1], &b[b0..b1], n, k))
            }
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
    z.contiguous()?.apply_op2_no_bwd(&b.contiguous()?, &AddBias)
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
}
