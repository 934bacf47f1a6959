//! A row's gradient back through a block's networks, and the optimizer step on the lanes
//! still training.

// Loops index several arrays in lockstep by lane or unit; index loops keep that plain.
#![allow(clippy::needless_range_loop)]

use super::*;

/// Adds one row's gradient to `w.grads`, from dLoss/dz of the output layer in `w.delta`.
#[inline(always)]
pub(super) fn backprop<const L: usize>(pr: &Problem, p: &[V<L>], x: &[f32], w: &mut Work<L>) {
    let lay = &w.lay;
    let dims = &pr.dims;
    let depth = dims.len() - 2;
    for l in (0..=depth).rev() {
        let (fan_in, fan_out) = (dims[l], dims[l + 1]);
        let gw = lay.w[l];
        let gb = lay.b[l];
        for j in 0..fan_out {
            let (dj, g) = (w.delta[j], &mut w.grads[gb + j]);
            for q in 0..L {
                g[q] += dj[q];
            }
        }
        if l == 0 {
            for (i, &xi) in x.iter().enumerate() {
                for j in 0..fan_out {
                    let (dj, g) = (w.delta[j], &mut w.grads[gw + i * fan_out + j]);
                    for q in 0..L {
                        g[q] = dj[q].mul_add(xi, g[q]);
                    }
                }
            }
            break;
        }
        let off = lay.unit[l - 1];
        for i in 0..fan_in {
            let h = w.a[off + i];
            let mut back = [0.0; L];
            for j in 0..fan_out {
                let dj = w.delta[j];
                let g = &mut w.grads[gw + i * fan_out + j];
                let wij = &p[gw + i * fan_out + j];
                for q in 0..L {
                    g[q] = dj[q].mul_add(h[q], g[q]);
                    back[q] = wij[q].mul_add(dj[q], back[q]);
                }
            }
            let d = &mut w.delta_prev[i];
            derivative(pr.act, &w.z[off + i], &w.a[off + i], d);
            for q in 0..L {
                d[q] *= back[q];
            }
        }
        std::mem::swap(&mut w.delta, &mut w.delta_prev);
    }
}

/// One optimizer step along `grads` on the lanes in `mask`, with the optimizer's moments in
/// `first` and `second`; the other lanes keep their parameters bit for bit.
#[inline(always)]
pub(in crate::train::fused) fn update<const L: usize>(
    opt: Opt,
    p: &mut [V<L>],
    grads: &[V<L>],
    first: &mut [V<L>],
    second: &mut [V<L>],
    mask: &[bool; L],
    step: u32,
) {
    // With a mask the compiler stores through masked vector stores, which AMD processors
    // run microcoded (a seventh of a 2-2-1 epoch); while every lane trains, as in most
    // epochs, a constant mask folds away and the stores are plain.
    if mask.iter().all(|&m| m) {
        step_lanes(opt, p, grads, first, second, &[true; L], step);
    } else {
        step_lanes(opt, p, grads, first, second, mask, step);
    }
}

#[inline(always)]
pub(super) fn step_lanes<const L: usize>(
    opt: Opt,
    p: &mut [V<L>],
    grads: &[V<L>],
    first: &mut [V<L>],
    second: &mut [V<L>],
    mask: &[bool; L],
    step: u32,
) {
    match opt {
        Opt::Sgd { lr } => {
            for (pj, gj) in p.iter_mut().zip(grads) {
                for q in 0..L {
                    let new = (-lr).mul_add(gj[q], pj[q]);
                    pj[q] = if mask[q] { new } else { pj[q] };
                }
            }
        }
        Opt::Momentum {
            lr,
            momentum,
            nesterov,
        } => {
            for ((pj, gj), vj) in p.iter_mut().zip(grads).zip(first.iter_mut()) {
                for q in 0..L {
                    let v = momentum.mul_add(vj[q], gj[q]);
                    vj[q] = v;
                    let d = if nesterov {
                        momentum.mul_add(v, gj[q])
                    } else {
                        v
                    };
                    let new = (-lr).mul_add(d, pj[q]);
                    pj[q] = if mask[q] { new } else { pj[q] };
                }
            }
        }
        Opt::Adam {
            lr,
            beta1,
            beta2,
            eps,
        } => {
            let c1 = 1.0 - beta1.powi(step as i32);
            let c2 = 1.0 - beta2.powi(step as i32);
            let (b1, b2) = (beta1 as f32, beta2 as f32);
            let (step_size, inv_c2) = ((lr / c1) as f32, (1.0 / c2) as f32);
            for (((pj, gj), mj), vj) in p
                .iter_mut()
                .zip(grads)
                .zip(first.iter_mut())
                .zip(second.iter_mut())
            {
                for q in 0..L {
                    let g = gj[q];
                    let m = b1.mul_add(mj[q], (1.0 - b1) * g);
                    let v = b2.mul_add(vj[q], (1.0 - b2) * (g * g));
                    mj[q] = m;
                    vj[q] = v;
                    let new = pj[q] - (step_size * m) / ((v * inv_c2).sqrt() + eps);
                    pj[q] = if mask[q] { new } else { pj[q] };
                }
            }
        }
    }
}
