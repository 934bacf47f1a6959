//! A row forward through a block's networks: layers, activations and their derivatives, and
//! the loss head that scores the outputs.

// Loops index several arrays in lockstep by lane or unit; index loops keep that plain.
#![allow(clippy::needless_range_loop)]

use super::*;

#[inline(always)]
pub(super) fn forward<const L: usize>(pr: &Problem, p: &[V<L>], x: &[f32], w: &mut Work<L>) {
    let lay = &w.lay;
    let dims = &pr.dims;
    let depth = dims.len() - 2;
    for l in 0..=depth {
        let (fan_in, fan_out) = (dims[l], dims[l + 1]);
        let wl = &p[lay.w[l]..lay.w[l] + fan_in * fan_out];
        let bl = &p[lay.b[l]..lay.b[l] + fan_out];
        let (before, here) =
            w.a.split_at_mut(if l < depth { lay.unit[l] } else { lay.units });
        for j in 0..fan_out {
            let mut acc = bl[j];
            if l == 0 {
                for (i, &xi) in x.iter().enumerate() {
                    let wij = &wl[i * fan_out + j];
                    for q in 0..L {
                        acc[q] = wij[q].mul_add(xi, acc[q]);
                    }
                }
            } else {
                let prev = &before[lay.unit[l - 1]..lay.unit[l - 1] + fan_in];
                for (i, hi) in prev.iter().enumerate() {
                    let wij = &wl[i * fan_out + j];
                    for q in 0..L {
                        acc[q] = wij[q].mul_add(hi[q], acc[q]);
                    }
                }
            }
            if l < depth {
                w.z[lay.unit[l] + j] = acc;
                activate(pr.act, &acc, &mut here[j]);
            } else {
                w.out[j] = acc;
            }
        }
    }
}

/// Applies `$f` to every lane (the match on the activation stays outside the lane loops,
/// or they would not vectorize).
macro_rules! lanes {
    ($out:expr, |$q:ident| $f:expr) => {
        for $q in 0..L {
            $out[$q] = $f;
        }
    };
}

/// a = f(z), lane by lane over slices of equal length: one network-unit's vector, or a
/// group of rows' units at once, whose independent exp chains the processor overlaps.
#[inline(always)]
pub(in crate::train::fused) fn activate(act: Act, z: &[f32], a: &mut [f32]) {
    let z = &z[..a.len()];
    macro_rules! each {
        (|$z:ident| $f:expr) => {
            for (a, &$z) in a.iter_mut().zip(z) {
                *a = $f;
            }
        };
    }
    match act {
        Act::Linear => a.copy_from_slice(z),
        Act::Sigmoid => each!(|z| math::sigmoid(z)),
        Act::Tanh => each!(|z| math::tanh(z)),
        Act::Relu => each!(|z| if z > 0.0 { z } else { 0.0 }),
        Act::LeakyRelu(s) => each!(|z| if z > 0.0 { z } else { s * z }),
        Act::Elu(alpha) => each!(|z| {
            let neg = alpha * (math::exp(z) - 1.0);
            if z > 0.0 {
                z
            } else {
                neg
            }
        }),
        Act::Selu(lambda, alpha) => each!(|z| {
            let neg = (lambda * alpha) * (math::exp(z) - 1.0);
            if z > 0.0 {
                lambda * z
            } else {
                neg
            }
        }),
        Act::Silu => each!(|z| z * math::sigmoid(z)),
        Act::Softsign => each!(|z| z / (1.0 + z.abs())),
    }
}

/// d = f'(z), given z and a = f(z).
#[inline(always)]
pub(in crate::train::fused) fn derivative<const L: usize>(
    act: Act,
    z: &V<L>,
    a: &V<L>,
    d: &mut V<L>,
) {
    match act {
        Act::Linear => *d = [1.0; L],
        Act::Sigmoid => lanes!(d, |q| a[q] * (1.0 - a[q])),
        Act::Tanh => lanes!(d, |q| a[q].mul_add(-a[q], 1.0)),
        Act::Relu => lanes!(d, |q| if z[q] > 0.0 { 1.0 } else { 0.0 }),
        Act::LeakyRelu(s) => lanes!(d, |q| if z[q] > 0.0 { 1.0 } else { s }),
        Act::Elu(alpha) => lanes!(d, |q| if z[q] > 0.0 { 1.0 } else { a[q] + alpha }),
        Act::Selu(lambda, alpha) => {
            lanes!(d, |q| if z[q] > 0.0 {
                lambda
            } else {
                a[q] + lambda * alpha
            })
        }
        Act::Silu => lanes!(d, |q| {
            let s = math::sigmoid(z[q]);
            s * z[q].mul_add(1.0 - s, 1.0)
        }),
        Act::Softsign => lanes!(d, |q| {
            let t = 1.0 + z[q].abs();
            1.0 / (t * t)
        }),
    }
}

/// Scores one row's output pre-activations `z` against its targets `t` and label `y`:
/// leaves the outputs in `o` and dLoss/dz of the batch mean (`nb` rows) in `delta`. With
/// `ready`, a sigmoid-MSE head's outputs are already in `o` (computed for several rows at
/// once by the caller).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(in crate::train::fused) fn head<const L: usize>(
    out: Out,
    z: &[V<L>],
    o: &mut [V<L>],
    delta: &mut [V<L>],
    t: &[f32],
    y: u32,
    nb: f32,
    acc: &mut Pass<L>,
    ready: bool,
) {
    let k = z.len();
    let per_entry = 1.0 / (nb * k as f32);
    match out {
        Out::LinearMse | Out::SigmoidMse => {
            let sig = out == Out::SigmoidMse;
            for j in 0..k {
                let (zj, tj) = (z[j], t[j]);
                let oj = &mut o[j];
                if sig {
                    if !ready {
                        activate(Act::Sigmoid, &zj, oj);
                    }
                } else {
                    *oj = zj;
                }
                let oj = *oj;
                let dj = &mut delta[j];
                for q in 0..L {
                    let diff = oj[q] - tj;
                    acc.loss[q] = diff.mul_add(diff, acc.loss[q]);
                    dj[q] = (2.0 * per_entry) * diff;
                }
                if sig {
                    lanes!(dj, |q| dj[q] * (oj[q] * (1.0 - oj[q])));
                }
            }
            count_hits(o, t, y, &mut acc.hits);
        }
        Out::SigmoidCe => {
            for j in 0..k {
                let (zj, tj) = (z[j], t[j]);
                let dj = &mut delta[j];
                let oj = &mut o[j];
                for q in 0..L {
                    let z = zj[q];
                    let e = math::exp(-z.abs());
                    // softplus(z) − z·t, with softplus(z) = max(z, 0) + ln(1 + e^−|z|).
                    let l = z.max(0.0) + math::ln(1.0 + e) - z * tj;
                    acc.loss[q] += l;
                    oj[q] = math::sigmoid(z);
                    dj[q] = per_entry * (oj[q] - tj);
                }
            }
            count_hits(o, t, y, &mut acc.hits);
        }
        Out::SoftmaxCe | Out::SoftmaxMse => {
            let mut m = z[0];
            for zj in &z[1..k] {
                for q in 0..L {
                    m[q] = m[q].max(zj[q]);
                }
            }
            let mut s = [0.0; L];
            for j in 0..k {
                let (zj, ej) = (z[j], &mut o[j]);
                for q in 0..L {
                    ej[q] = math::exp(zj[q] - m[q]);
                    s[q] += ej[q];
                }
            }
            // o now holds e^(z − max); turn it into the softmax.
            for j in 0..k {
                let ej = &mut o[j];
                for q in 0..L {
                    ej[q] /= s[q];
                }
            }
            if out == Out::SoftmaxCe {
                let zy = z[y as usize];
                for q in 0..L {
                    acc.loss[q] += (m[q] + math::ln(s[q])) - zy[q];
                }
                for j in 0..k {
                    let (oj, dj) = (o[j], &mut delta[j]);
                    for q in 0..L {
                        dj[q] = (oj[q] - t[j]) * (1.0 / nb);
                    }
                }
            } else {
                let mut dot = [0.0; L];
                for j in 0..k {
                    let (oj, dj) = (o[j], &mut delta[j]);
                    for q in 0..L {
                        let diff = oj[q] - t[j];
                        acc.loss[q] = diff.mul_add(diff, acc.loss[q]);
                        dj[q] = (2.0 * per_entry) * diff;
                        dot[q] = dj[q].mul_add(oj[q], dot[q]);
                    }
                }
                for j in 0..k {
                    let (oj, dj) = (o[j], &mut delta[j]);
                    for q in 0..L {
                        dj[q] = oj[q] * (dj[q] - dot[q]);
                    }
                }
            }
            count_argmax(o, y, &mut acc.hits);
        }
    }
}

/// Adds 1 to each lane that classifies the row right: a single output on the target's side
/// of 0.5, or the first largest of several on the label.
#[inline(always)]
pub(super) fn count_hits<const L: usize>(o: &[V<L>], t: &[f32], y: u32, hits: &mut V<L>) {
    if o.len() == 1 {
        let want = t[0] > 0.5;
        for q in 0..L {
            hits[q] += f32::from(u8::from((o[0][q] > 0.5) == want));
        }
    } else {
        count_argmax(o, y, hits);
    }
}

#[inline(always)]
pub(super) fn count_argmax<const L: usize>(o: &[V<L>], y: u32, hits: &mut V<L>) {
    let mut best = o[0];
    let mut arg = [0u32; L];
    for (j, oj) in o.iter().enumerate().skip(1) {
        for q in 0..L {
            let more = oj[q] > best[q];
            best[q] = if more { oj[q] } else { best[q] };
            arg[q] = if more { j as u32 } else { arg[q] };
        }
    }
    for q in 0..L {
        hits[q] += f32::from(u8::from(arg[q] == y));
    }
}
