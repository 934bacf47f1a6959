//! An epoch's scores on a whole split (mean loss and correct predictions) for one network on
//! the host, with the bits of `Head::forward` and `Head::correct` on the tensor path's
//! forward pass: the same products and roundings, and the loss summed in the blocks candle's
//! row sum uses.

use super::elementwise::{self, Act};
use super::matmul::{matmul, Strides};

/// Rows scored at a time: their activations stay in cache between layers.
const BLOCK: usize = 256;

/// Mean cross-entropy of a softmax head and the number of rows whose largest output is at
/// their label, for the network of weights `w` and biases `b` (per layer, `dims` their
/// sizes) on `x` [n, in] with one-hot `targets` [n, K] and `labels` [n]. With `hidden` one
/// buffer a hidden layer, each takes its layer's activations [n, width]; empty, none are kept.
#[allow(clippy::too_many_arguments)]
pub fn softmax_ce(
    w: &[&[f32]],
    b: &[&[f32]],
    dims: &[usize],
    act: Act,
    x: &[f32],
    targets: &[f32],
    labels: &[u32],
    buf: &mut Buffers,
    hidden: &mut [Vec<f32>],
) -> (f32, f64) {
    let n = labels.len();
    let layers = dims.len() - 1;
    let k = dims[layers];
    let widest = *dims[1..].iter().max().expect("layers");
    buf.terms.resize(n * k, 0.0);
    buf.a.resize(BLOCK * widest, 0.0);
    buf.z.resize(BLOCK * widest, 0.0);
    buf.lse.resize(BLOCK, 0.0);
    for (h, &w) in hidden.iter_mut().zip(&dims[1..]) {
        h.resize(n * w, 0.0);
    }
    let mut correct = 0.0f64;
    for r0 in (0..n).step_by(BLOCK) {
        let m = BLOCK.min(n - r0);
        for l in 0..layers {
            let (i, o) = (dims[l], dims[l + 1]);
            let input = if l == 0 {
                &x[r0 * i..(r0 + m) * i]
            } else {
                &buf.a[..m * i]
            };
            matmul(
                input,
                Strides { rs: i, cs: 1 },
                w[l],
                &mut buf.z[..m * o],
                m,
                o,
                i,
            );
            let z = &mut buf.z[..m * o];
            if l + 1 == layers {
                for row in z.chunks_exact_mut(o) {
                    for (v, &bj) in row.iter_mut().zip(b[l]) {
                        *v += bj;
                    }
                }
            } else {
                // The input is spent: its storage takes this layer's activations.
                elementwise::bias_act(act, z, b[l], &mut buf.a[..m * o], &mut []);
                if let Some(h) = hidden.get_mut(l) {
                    h[r0 * o..(r0 + m) * o].copy_from_slice(&buf.a[..m * o]);
                }
            }
        }
        // The exponentials go to the spent activations.
        let log_p = &mut buf.z[..m * k];
        elementwise::log_softmax(log_p, k, &mut buf.a[..m * k], &mut buf.lse[..m]);
        let rows = r0 * k..(r0 + m) * k;
        for ((term, &lp), &y) in buf.terms[rows.clone()]
            .iter_mut()
            .zip(&*log_p)
            .zip(&targets[rows])
        {
            *term = lp * y;
        }
        let outputs = log_p;
        elementwise::exp_in_place(outputs);
        for (r, or) in outputs.chunks_exact(k).enumerate() {
            // argmax over the outputs exp(log p): the first of the largest.
            let (mut best, mut at) = (f32::NAN, 0usize);
            for (j, &o) in or.iter().enumerate() {
                if j == 0 || best < o {
                    best = o;
                    at = j;
                }
            }
            correct += (at as u32 == labels[r0 + r]) as u8 as f64;
        }
    }
    let inv_n = (-1.0 / n as f64) as f32;
    (row_sum(&buf.terms) * inv_n + 0.0, correct)
}

/// Scratch reused from network to network.
#[derive(Default)]
pub struct Buffers {
    a: Vec<f32>,
    z: Vec<f32>,
    terms: Vec<f32>,
    lse: Vec<f32>,
}

/// candle's sum of a contiguous row: with AVX2, four 8-lane accumulators over blocks of 32,
/// folded pairwise and across lanes, then the tail added in order; without, in order.
fn row_sum(v: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    let blocked = is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    let blocked = false;
    if !blocked {
        let mut s = 0.0f32;
        for &x in v {
            s += x;
        }
        return s;
    }
    let np = v.len() & !31;
    let mut acc = [[0.0f32; 8]; 4];
    for block in v[..np].chunks_exact(32) {
        for (j, a) in acc.iter_mut().enumerate() {
            for (l, s) in a.iter_mut().enumerate() {
                *s += block[8 * j + l];
            }
        }
    }
    let x: [f32; 8] = std::array::from_fn(|l| (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]));
    let t: [f32; 4] = std::array::from_fn(|l| x[l] + x[l + 4]);
    let mut s = (t[0] + t[1]) + (t[2] + t[3]);
    for &x in &v[np..] {
        s += x;
    }
    s
}
