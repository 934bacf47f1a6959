//! The seed notebook's network in AVX2 registers: one hidden layer of sigmoid units and one
//! sigmoid output under MSE.
//!
//! [`tiny`](super::tiny) writes its loops over `[f32; L]` lanes and leaves the vectors to the
//! compiler, which keeps a block's parameters, activations and gradient in arrays in memory,
//! so on a 2-2-1 network much of the work is loads, stores and copies. Here each value is an
//! `__m256` of 8 networks and a piece is two of them: a group of rows goes forward with its
//! sigmoids back to back (independent chains the processor overlaps), and each parameter's
//! gradient is summed over the group's rows in one register rather than in memory row by
//! row. Full-batch gradient descent, the seed study's, runs its whole epoch loop here too
//! (`full_batch_sgd`); BENCHMARKS.md has the W1 figures. The operations, and their order, are
//! exactly those of the general engine (`kernel`, and `math`'s exp), so a network gets the
//! same bits on either (`tests::same_bits_as_the_general_engine`).

// Loops index several arrays in lockstep by unit; index loops keep that plain.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;

use super::kernel::{self, Act, Data, Engine, Lane, Opt, Out, Pass, Problem, Tracks, V};

/// Rows that go forward together, as in `tiny`.
const GROUP: usize = 4;

/// `body` for each row `k` of a group, written out. The compiler keeps a group's row loops as
/// loops (too long to unroll by its own measure), with each row's values in stack arrays
/// indexed at run time; written out, the rows are scheduled together and their values live
/// in registers, with the same bits.
macro_rules! each_row {
    ($k:ident, $body:block) => {{
        const _: () = assert!(GROUP == 4);
        {
            let $k = 0usize;
            $body
        }
        {
            let $k = 1usize;
            $body
        }
        {
            let $k = 2usize;
            $body
        }
        {
            let $k = 3usize;
            $body
        }
    }};
}

/// Whether a block of this problem trains here (given AVX2 and FMA): one hidden layer of
/// sigmoid units and a single sigmoid output under MSE, any optimizer, batch and split.
pub fn applies(pr: &Problem) -> bool {
    pr.dims.len() == 3 && pr.dims[2] == 1 && pr.act == Act::Sigmoid && pr.out == Out::SigmoidMse
}

/// Trains one block of `L` networks in pieces of `W` = 8·`N` networks (`N` vectors
/// interleaved).
///
/// # Safety
/// The processor must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn train<
    const L: usize,
    const W: usize,
    const N: usize,
    const I: usize,
    const H: usize,
    const P: usize,
>(
    pr: &Problem,
    params: &mut [V<L>],
) -> Vec<Lane> {
    assert!(applies(pr) && pr.dims == [I, H, 1] && params.len() == P);
    assert!(W == 8 * N && L.is_multiple_of(W));
    let mut lanes = Vec::with_capacity(L);
    for piece in 0..L / W {
        let lanes_of = piece * W..(piece + 1) * W;
        let mut p: [V<W>; P] =
            std::array::from_fn(|j| params[j][lanes_of.clone()].try_into().expect("W lanes"));
        match (pr.opt, pr.batch) {
            (Opt::Sgd { lr }, b) if b.is_none_or(|b| b >= pr.train.n) => {
                lanes.extend(full_batch_sgd::<W, N, I, H, P>(pr, lr, &mut p));
            }
            _ => {
                let mut e = Registers::<W, N, I, H, P> {
                    m: kernel::Moments::new(),
                };
                lanes.extend(kernel::epochs(pr, &mut e, &mut p));
            }
        }
        for j in 0..P {
            params[j][lanes_of.clone()].copy_from_slice(&p[j]);
        }
    }
    lanes
}

/// A piece's gradient and optimizer moments.
struct Registers<const W: usize, const N: usize, const I: usize, const H: usize, const P: usize> {
    m: kernel::Moments<W, P>,
}

impl<const W: usize, const N: usize, const I: usize, const H: usize, const P: usize> Engine<W>
    for Registers<W, N, I, H, P>
{
    #[inline(always)]
    fn pass(&mut self, _: &Problem, p: &[V<W>], d: &Data, rows: &[u32], backward: bool) -> Pass<W> {
        assert!(W == 8 * N && p.len() == P && d.x.len() >= d.n * I && d.t.len() >= d.n);
        assert!(rows.iter().all(|&r| (r as usize) < d.n));
        let mut out = Pass::<W>::new();
        // SAFETY: `train`, the only caller, runs with AVX2 and FMA; the asserts above bound
        // every read and write below.
        unsafe {
            pass::<N, I, H, P>(
                p.as_flattened().as_ptr(),
                d,
                rows,
                backward.then_some(self.m.grads.as_flattened_mut().as_mut_ptr()),
                out.loss.as_mut_ptr(),
                out.hits.as_mut_ptr(),
            )
        };
        out
    }

    #[inline(always)]
    fn step(&mut self, pr: &Problem, p: &mut [V<W>], mask: &[bool; W], step: u32) {
        self.m.step(pr, p, mask, step);
    }
}

/// `kernel::epochs` for full-batch gradient descent (the seed study's training), in one loop:
/// a step, a pass, and the epoch's scores, with the parameters, gradient, loss and right
/// rows in registers and stack slots of this frame rather than in arrays handed between
/// the shared loop's parts. An epoch in which nothing happens (every lane trains, none
/// diverges or first meets the target, no curve point, no test split) only folds its
/// scores into the best and last, and those are handed to `kernel::observe`'s arrays
/// before any other epoch, which `kernel::observe` itself scores. The same operations in
/// the same order as `kernel::epochs` with the SGD step, so the same bits
/// (`tests::same_bits_as_the_general_engine`).
#[inline(always)]
unsafe fn full_batch_sgd<
    const W: usize,
    const N: usize,
    const I: usize,
    const H: usize,
    const P: usize,
>(
    pr: &Problem,
    lr: f32,
    params: &mut [V<W>; P],
) -> Vec<Lane> {
    let zero = _mm256_setzero_ps();
    let all = (1i32 << 8) - 1;
    let mut tr = Tracks::<W>::new(pr);
    let rows: Vec<u32> = (0..pr.train.n as u32).collect();
    let test_rows: Vec<u32> = (0..pr.test.as_ref().map_or(0, |d| d.n as u32)).collect();
    let neg_lr = _mm256_set1_ps(-lr);
    let scale = _mm256_set1_ps(kernel::train_scale(pr));
    let (bound_loss, bound_hits) = (_mm256_set1_ps(tr.bounds.0), _mm256_set1_ps(tr.bounds.1));
    let inf = _mm256_set1_ps(f32::INFINITY);
    let sign = _mm256_set1_ps(-0.0);
    let vec = |a: &V<W>, v: usize| _mm256_loadu_ps(a.as_ptr().add(v * 8));
    let mut p: [[__m256; N]; P] =
        std::array::from_fn(|j| std::array::from_fn(|v| vec(&params[j], v)));
    let mut g = [[zero; N]; P];
    let (mut l, mut h) = ([zero; N], [zero; N]);
    // The best and last scores, kept here through quiet epochs; `pending` while `tr` lacks
    // some.
    let mut best_loss: [__m256; N] = std::array::from_fn(|v| vec(&tr.best[0], v));
    let mut best_hits: [__m256; N] = std::array::from_fn(|v| vec(&tr.best[1], v));
    let (mut last_loss, mut last_hits) = ([zero; N], [zero; N]);
    let mut reached = [zero; N];
    let mut pending = false;
    let mut all_active = true;
    let arrays = |x: &[__m256; N]| -> V<W> {
        let mut out = [0.0f32; W];
        for v in 0..N {
            _mm256_storeu_ps(out.as_mut_ptr().add(v * 8), x[v]);
        }
        out
    };
    for epoch in 0..=pr.epochs {
        if epoch > 0 {
            if !all_active && !tr.active.iter().any(|&a| a) {
                break;
            }
            // `kernel::update`'s SGD step: p − lr·g on the active lanes.
            if all_active {
                for j in 0..P {
                    for v in 0..N {
                        p[j][v] = _mm256_fmadd_ps(neg_lr, g[j][v], p[j][v]);
                    }
                }
            } else {
                let stopped = lanes_set::<W, N>(&tr.active.map(|a| !a));
                for j in 0..P {
                    for v in 0..N {
                        let new = _mm256_fmadd_ps(neg_lr, g[j][v], p[j][v]);
                        p[j][v] = _mm256_blendv_ps(new, p[j][v], stopped[v]);
                    }
                }
            }
        }
        pass::<N, I, H, P>(
            p.as_ptr().cast(),
            &pr.train,
            &rows,
            Some(g.as_mut_ptr().cast()),
            l.as_mut_ptr().cast(),
            h.as_mut_ptr().cast(),
        );
        // Quiet: every lane active, each loss finite, none meeting the target for the first
        // time, no curve point and no test split to score.
        let mut quiet = all_active && pr.test.is_none() && !pr.on_curve[epoch as usize];
        let mut loss = [zero; N];
        for v in 0..N {
            loss[v] = _mm256_mul_ps(l[v], scale);
            let finite = _mm256_cmp_ps::<_CMP_LT_OQ>(_mm256_andnot_ps(sign, loss[v]), inf);
            let met = _mm256_and_ps(
                _mm256_cmp_ps::<_CMP_LE_OQ>(loss[v], bound_loss),
                _mm256_cmp_ps::<_CMP_GE_OQ>(h[v], bound_hits),
            );
            let first = _mm256_andnot_ps(reached[v], met);
            quiet &= _mm256_movemask_ps(finite) == all && _mm256_movemask_ps(first) == 0;
        }
        if quiet {
            for v in 0..N {
                best_loss[v] = _mm256_min_ps(loss[v], best_loss[v]);
                best_hits[v] = _mm256_max_ps(h[v], best_hits[v]);
                (last_loss[v], last_hits[v]) = (loss[v], h[v]);
            }
            pending = true;
            continue;
        }
        if std::mem::take(&mut pending) {
            sync(
                &mut tr,
                &arrays(&best_loss),
                &arrays(&best_hits),
                &arrays(&last_loss),
                &arrays(&last_hits),
                epoch - 1,
            );
        }
        for j in 0..P {
            params[j] = arrays(&p[j]);
        }
        let train = Pass {
            loss: arrays(&l),
            hits: arrays(&h),
        };
        let test = pr.test.as_ref().map(|d| {
            let mut out = Pass::<W>::new();
            pass::<N, I, H, P>(
                p.as_ptr().cast(),
                d,
                &test_rows,
                None,
                out.loss.as_mut_ptr(),
                out.hits.as_mut_ptr(),
            );
            out
        });
        kernel::observe(pr, &mut tr, epoch, &train, test.as_ref(), params);
        all_active = tr.active.iter().all(|&a| a);
        for v in 0..N {
            best_loss[v] = vec(&tr.best[0], v);
            best_hits[v] = vec(&tr.best[1], v);
        }
        reached = lanes_set::<W, N>(&tr.reached);
    }
    if pending {
        sync(
            &mut tr,
            &arrays(&best_loss),
            &arrays(&best_hits),
            &arrays(&last_loss),
            &arrays(&last_hits),
            pr.epochs,
        );
    }
    for j in 0..P {
        params[j] = arrays(&p[j]);
    }
    kernel::finish(pr, tr)
}

/// Each lane of `set` as a mask vector: all ones where set, zeros elsewhere.
#[inline(always)]
unsafe fn lanes_set<const W: usize, const N: usize>(set: &[bool; W]) -> [__m256; N] {
    std::array::from_fn(|v| {
        let bits: [i32; 8] = std::array::from_fn(|q| -i32::from(set[v * 8 + q]));
        _mm256_castsi256_ps(_mm256_loadu_si256(bits.as_ptr().cast()))
    })
}

/// Brings `kernel::observe`'s arrays up to date after quiet epochs, the last of them `epoch`:
/// what its `keep` leaves after scoring them one by one with every lane live, no test split.
fn sync<const W: usize>(
    tr: &mut Tracks<W>,
    best_loss: &V<W>,
    best_hits: &V<W>,
    last_loss: &V<W>,
    last_hits: &V<W>,
    epoch: u32,
) {
    tr.run = [epoch; W];
    tr.last = [*last_loss, *last_hits, [0.0; W], [0.0; W]];
    tr.best[0] = *best_loss;
    tr.best[1] = *best_hits;
    for q in 0..W {
        tr.best[2][q] = tr.best[2][q].min(0.0);
        tr.best[3][q] = tr.best[3][q].max(0.0);
    }
    tr.seen = [true; W];
}

/// Reads vector `v` of parameter `j` (each parameter is `N` vectors of 8).
#[inline(always)]
unsafe fn load<const N: usize>(p: *const f32, j: usize, v: usize) -> __m256 {
    _mm256_loadu_ps(p.add((j * N + v) * 8))
}

/// `math::exp(−z)`, operation for operation up to sign, without the sign flip: the clamp's
/// bounds are mirrored, and the two multiply-adds that take −z become `fnmadd` and `fnmsub`
/// of z, whose exact results (before the one rounding) are the same numbers, so the bits are
/// `math::exp`'s (`tests::exp_of_minus_is_math_exp_of_the_negation`). One operation fewer a
/// sigmoid: the epoch is bound by how many floating-point operations it issues.
#[inline(always)]
unsafe fn exp_neg(z: __m256) -> __m256 {
    let s = _mm256_set1_ps;
    // −clamp(−z, −88, 88.8) = clamp(z, −88.8, 88). min(a, b) is a < b ? a : b and max(a, b)
    // is a > b ? a : b, so a NaN z passes both, as it passes `math::exp`'s clamp.
    let yc = _mm256_max_ps(s(-88.8), _mm256_min_ps(s(88.0), z));
    // (−yc)·log2 e + bias.
    let t = _mm256_fnmadd_ps(yc, s(std::f32::consts::LOG2_E), s(12_583_039.0));
    let n = _mm256_sub_ps(t, s(12_583_039.0));
    // n·(−ln2_hi) + (−yc).
    let r = _mm256_fmadd_ps(
        n,
        s(2.121_944_4e-4),
        _mm256_fnmsub_ps(n, s(0.693_359_4), yc),
    );
    let r2 = _mm256_mul_ps(r, r);
    let mut p = s(1.987_569_1e-4);
    p = _mm256_fmadd_ps(p, r, s(1.398_2e-3));
    p = _mm256_fmadd_ps(p, r, s(8.333_452e-3));
    p = _mm256_fmadd_ps(p, r, s(4.166_579_6e-2));
    p = _mm256_fmadd_ps(p, r, s(1.666_666_5e-1));
    p = _mm256_fmadd_ps(p, r, s(0.5));
    let y = _mm256_add_ps(_mm256_fmadd_ps(p, r2, r), s(1.0));
    let scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
    _mm256_mul_ps(y, scale)
}

/// `math::sigmoid`: 1 / (1 + e^−z).
#[inline(always)]
unsafe fn sigmoid(z: __m256) -> __m256 {
    let one = _mm256_set1_ps(1.0);
    _mm256_div_ps(one, _mm256_add_ps(one, exp_neg(z)))
}

/// Forward, and with `grads` the batch-mean gradient, over `rows` of `d` for a piece of
/// `N` vectors of networks with parameters at `p` (`Population::flat` order: w0 [I, H], b0,
/// w1 [H, 1], b1): the general engine's pass with a sigmoid hidden layer and a sigmoid-MSE
/// head. Writes each lane's summed loss and right rows to `loss` and `hits`.
#[inline(always)]
unsafe fn pass<const N: usize, const I: usize, const H: usize, const P: usize>(
    p: *const f32,
    d: &Data,
    rows: &[u32],
    grads: Option<*mut f32>,
    loss: *mut f32,
    hits: *mut f32,
) {
    let (w0, b0, w1, b1) = (0, I * H, I * H + H, I * H + 2 * H);
    let zero = _mm256_setzero_ps();
    let one = _mm256_set1_ps(1.0);
    let half = _mm256_set1_ps(0.5);
    // The head's dLoss/do factor, as `kernel::head` forms it for one output.
    let nb = rows.len() as f32;
    let per_entry = 1.0 / (nb * 1.0);
    let scale = _mm256_set1_ps(2.0 * per_entry);
    let mut g = [[zero; N]; P];
    let mut l = [zero; N];
    let mut h = [zero; N];
    // Rows go forward a group at a time, each layer's sigmoids over the whole group, so the
    // processor overlaps their chains of dependent operations (row by row it waited on
    // them); the gradient then accumulates row after row, in the general engine's order.
    for group in rows.chunks(GROUP) {
        let m = group.len();
        let mut x = [[zero; I]; GROUP];
        let mut a = [[[zero; N]; H]; GROUP];
        let mut o = [[zero; N]; GROUP];
        // A short last group repeats its last row in the unused slots, computed and ignored.
        // The group's sigmoids are independent of one another, so the processor overlaps
        // them as they come.
        each_row!(k, {
            let r = group[k.min(m - 1)] as usize;
            for i in 0..I {
                x[k][i] = _mm256_set1_ps(*d.x.get_unchecked(r * I + i));
            }
            for j in 0..H {
                for v in 0..N {
                    let mut acc = load::<N>(p, b0 + j, v);
                    for i in 0..I {
                        acc = _mm256_fmadd_ps(load::<N>(p, w0 + i * H + j, v), x[k][i], acc);
                    }
                    a[k][j][v] = sigmoid(acc);
                }
            }
        });
        each_row!(k, {
            for v in 0..N {
                let mut zo = load::<N>(p, b1, v);
                for i in 0..H {
                    zo = _mm256_fmadd_ps(load::<N>(p, w1 + i, v), a[k][i][v], zo);
                }
                o[k][v] = sigmoid(zo);
            }
        });
        // Each row's error signals, then the gradient: every parameter's sum runs over the
        // group's rows in row order, as the general engine's does, but in a register.
        let mut dout = [[zero; N]; GROUP];
        let mut dh = [[[zero; N]; H]; GROUP];
        // (A macro rather than a closure: a closure does not inherit `target_feature`.)
        macro_rules! back {
            ($k:expr) => {{
                let k = $k;
                let t = *d.t.get_unchecked(group[k] as usize);
                let tv = _mm256_set1_ps(t);
                for v in 0..N {
                    let o = o[k][v];
                    let diff = _mm256_sub_ps(o, tv);
                    l[v] = _mm256_fmadd_ps(diff, diff, l[v]);
                    dout[k][v] = _mm256_mul_ps(
                        _mm256_mul_ps(scale, diff),
                        _mm256_mul_ps(o, _mm256_sub_ps(one, o)),
                    );
                    // `kernel::count_hits`: (o > 0.5) == (t > 0.5), and a NaN output is never
                    // above.
                    let right = if t > 0.5 {
                        _mm256_cmp_ps::<_CMP_GT_OQ>(o, half)
                    } else {
                        _mm256_cmp_ps::<_CMP_NGT_UQ>(o, half)
                    };
                    h[v] = _mm256_add_ps(h[v], _mm256_and_ps(right, one));
                    for i in 0..H {
                        let ai = a[k][i][v];
                        let back = _mm256_fmadd_ps(load::<N>(p, w1 + i, v), dout[k][v], zero);
                        dh[k][i][v] =
                            _mm256_mul_ps(_mm256_mul_ps(ai, _mm256_sub_ps(one, ai)), back);
                    }
                }
            }};
        }
        if m == GROUP {
            each_row!(k, { back!(k) });
        } else {
            for k in 0..m {
                back!(k);
            }
        }
        if grads.is_none() {
            continue;
        }
        let rows = Rows {
            x: &x,
            a: &a,
            dout: &dout,
            dh: &dh,
        };
        // A whole group's loops unroll with the row count known.
        if m == GROUP {
            rows.add::<P>(&mut g, 0..GROUP);
        } else {
            rows.add::<P>(&mut g, 0..m);
        }
    }
    for v in 0..N {
        _mm256_storeu_ps(loss.add(v * 8), l[v]);
        _mm256_storeu_ps(hits.add(v * 8), h[v]);
    }
    if let Some(out) = grads {
        for j in 0..P {
            for v in 0..N {
                _mm256_storeu_ps(out.add((j * N + v) * 8), g[j][v]);
            }
        }
    }
}

/// A group's inputs, hidden activations and error signals, from which its rows add to the
/// gradient.
struct Rows<'a, const N: usize, const I: usize, const H: usize> {
    x: &'a [[__m256; I]; GROUP],
    a: &'a [[[__m256; N]; H]; GROUP],
    dout: &'a [[__m256; N]; GROUP],
    dh: &'a [[[__m256; N]; H]; GROUP],
}

impl<const N: usize, const I: usize, const H: usize> Rows<'_, N, I, H> {
    /// Adds rows `ks` to the gradient `g`, each parameter's sum in row order as the general
    /// engine adds them (parameters in `Population::flat` order).
    #[inline(always)]
    unsafe fn add<const P: usize>(&self, g: &mut [[__m256; N]; P], ks: std::ops::Range<usize>) {
        let (w0, b0, w1, b1) = (0, I * H, I * H + H, I * H + 2 * H);
        for v in 0..N {
            let mut acc = g[b1][v];
            for k in ks.clone() {
                acc = _mm256_add_ps(acc, self.dout[k][v]);
            }
            g[b1][v] = acc;
            for i in 0..H {
                let mut acc = g[w1 + i][v];
                for k in ks.clone() {
                    acc = _mm256_fmadd_ps(self.dout[k][v], self.a[k][i][v], acc);
                }
                g[w1 + i][v] = acc;
            }
            for j in 0..H {
                let mut acc = g[b0 + j][v];
                for k in ks.clone() {
                    acc = _mm256_add_ps(acc, self.dh[k][j][v]);
                }
                g[b0 + j][v] = acc;
            }
            for i in 0..I {
                for j in 0..H {
                    let w = w0 + i * H + j;
                    let mut acc = g[w][v];
                    for k in ks.clone() {
                        acc = _mm256_fmadd_ps(self.dh[k][j][v], self.x[k][i], acc);
                    }
                    g[w][v] = acc;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::fused::kernel::Opt;

    fn bits<const L: usize>(p: &[V<L>]) -> Vec<u32> {
        p.iter().flatten().map(|v| v.to_bits()).collect()
    }

    /// Runs one problem of shape I-H-1 on the general engine (AVX2 build) and here, in blocks
    /// of 32 (pieces of two vectors) and of 8 (one vector): the same parameters and the same
    /// per-lane results, bit for bit.
    fn compare<const I: usize, const H: usize, const P: usize>(pr: &Problem) {
        let n_params = kernel::parameters(&pr.dims);
        assert_eq!(n_params, P);
        // Lane 5 starts from a NaN and lane 9 from an infinity, so some lanes diverge.
        let start: Vec<V<32>> = (0..P)
            .map(|j| {
                std::array::from_fn(|q| match (j, q) {
                    (0, 5) => f32::NAN,
                    (1, 9) => f32::INFINITY,
                    _ => (((j * 31 + q * 7) % 23) as f32 - 11.0) / 4.0,
                })
            })
            .collect();
        let mut general = start.clone();
        let want = format!("{:?}", kernel::train_block_on("avx2", pr, &mut general));
        let mut here = start.clone();
        // SAFETY: the caller checked AVX2 and FMA.
        let got = format!("{:?}", unsafe {
            train::<32, 16, 2, I, H, P>(pr, &mut here)
        });
        assert_eq!(bits(&here), bits(&general), "{:?} {:?}", pr.dims, pr.opt);
        assert_eq!(got, want, "{:?} {:?}", pr.dims, pr.opt);

        let narrow: Vec<V<8>> = start
            .iter()
            .map(|v| v[8..16].try_into().expect("8 lanes"))
            .collect();
        let mut general = narrow.clone();
        let want = format!("{:?}", kernel::train_block_on("avx2", pr, &mut general));
        let mut here = narrow;
        // SAFETY: as above.
        let got = format!("{:?}", unsafe { train::<8, 8, 1, I, H, P>(pr, &mut here) });
        assert_eq!(
            bits(&here),
            bits(&general),
            "{:?} {:?} narrow",
            pr.dims,
            pr.opt
        );
        assert_eq!(got, want, "{:?} {:?} narrow", pr.dims, pr.opt);
    }

    /// Every shape `tiny` builds with one output, every optimizer family, full batch and
    /// minibatches (7 rows: a whole group and a short one), with and without a test split,
    /// early stopping, curves (ending on a curve point or not) and snapshots, and lanes that
    /// diverge.
    #[test]
    fn same_bits_as_the_general_engine() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            eprintln!("no AVX2 here: nothing to compare");
            return;
        }
        let opts = [
            Opt::Sgd { lr: 12.0 },
            Opt::Momentum {
                lr: 0.3,
                momentum: 0.9,
                nesterov: false,
            },
            Opt::Adam {
                lr: 0.05,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
        ];
        let mut cases = 0;
        for (s, dims) in [[2, 2, 1], [2, 4, 1], [3, 4, 1], [2, 8, 1]]
            .into_iter()
            .enumerate()
        {
            let i = dims[0];
            let x: Vec<f32> = (0..7 * i)
                .map(|k| (((k + s) * 37 % 17) as f32 - 8.0) / 5.0)
                .collect();
            let y: Vec<u32> = (0..7).map(|r| ((r * 5 + s) % 3 % 2) as u32).collect();
            let t: Vec<f32> = y.iter().map(|&c| c as f32).collect();
            let tx: Vec<f32> = (0..5 * i)
                .map(|k| ((k * 11 % 7) as f32 - 3.0) / 2.0)
                .collect();
            let ty: Vec<u32> = (0..5).map(|r| (r % 2) as u32).collect();
            let tt: Vec<f32> = ty.iter().map(|&c| c as f32).collect();
            for (c, &opt) in opts.iter().enumerate() {
                // Full batch without and with a test split (gradient descent trains those in
                // `full_batch_sgd`), and minibatches with one.
                for (b, batch) in [None, None, Some(3)].into_iter().enumerate() {
                    let problem = Problem {
                        dims: dims.to_vec(),
                        act: Act::Sigmoid,
                        out: Out::SigmoidMse,
                        opt,
                        epochs: 30,
                        batch,
                        order_seed: 7,
                        target_loss: 0.15,
                        target_acc: 0.8,
                        early_stop: (c + b) % 2 == 0,
                        train: Data {
                            x: &x,
                            t: &t,
                            y: &y,
                            n: 7,
                        },
                        test: (b > 0).then_some(Data {
                            x: &tx,
                            t: &tt,
                            y: &ty,
                            n: 5,
                        }),
                        // Without the last epoch once, so that the run can end quiet.
                        on_curve: (0..=30).map(|e| e % 7 == 0 || (b > 0 && e == 30)).collect(),
                        snapshots: (c + b) % 2 == 1,
                    };
                    match dims {
                        [2, 2, 1] => compare::<2, 2, 9>(&problem),
                        [2, 4, 1] => compare::<2, 4, 17>(&problem),
                        [3, 4, 1] => compare::<3, 4, 21>(&problem),
                        _ => compare::<2, 8, 33>(&problem),
                    }
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 4 * 3 * 3);
    }

    /// `exp_neg` against `math::exp` of the negation, bit for bit, on every 241st f32 bit
    /// pattern (both signs, every exponent: zeros, subnormals, the clamp's edges, infinities
    /// and NaNs among them) and on the values around the clamp's bounds.
    #[test]
    fn exp_of_minus_is_math_exp_of_the_negation() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            eprintln!("no AVX2 here: nothing to compare");
            return;
        }
        let edges = [-88.8f32, -88.0, 88.0, 88.8, 87.68, -88.38, 88.38, 0.0, -0.0];
        let near = edges.iter().flat_map(|&e| {
            let b = e.to_bits();
            (0..64u32).flat_map(move |d| [b.wrapping_add(d), b.wrapping_sub(d)])
        });
        let xs: Vec<f32> = (0..u32::MAX / 241)
            .map(|i| i * 241)
            .chain(near)
            .map(f32::from_bits)
            .collect();
        let mut checked = 0usize;
        for chunk in xs.chunks_exact(8) {
            let mut got = [0.0f32; 8];
            // SAFETY: AVX2 and FMA checked above; `chunk` and `got` hold 8 floats.
            unsafe {
                let z = _mm256_loadu_ps(chunk.as_ptr());
                _mm256_storeu_ps(got.as_mut_ptr(), exp_neg(z));
            }
            for (x, g) in chunk.iter().zip(got) {
                let want = crate::train::fused::math::exp(-x);
                assert!(
                    g.to_bits() == want.to_bits() || (g.is_nan() && want.is_nan()),
                    "exp(-{x:e}): {g:e} against {want:e}"
                );
                checked += 1;
            }
        }
        assert!(checked > 17_000_000);
    }

    #[test]
    fn only_sigmoid_nets_with_one_sigmoid_mse_output_train_here() {
        let (x, t, y) = ([0.0f32; 2], [0.0f32; 1], [0u32; 1]);
        let mut pr = Problem {
            dims: vec![2, 2, 1],
            act: Act::Sigmoid,
            out: Out::SigmoidMse,
            opt: Opt::Sgd { lr: 1.0 },
            epochs: 1,
            batch: None,
            order_seed: 0,
            target_loss: 0.0,
            target_acc: 1.0,
            early_stop: false,
            train: Data {
                x: &x,
                t: &t,
                y: &y,
                n: 1,
            },
            test: None,
            on_curve: vec![false; 2],
            snapshots: false,
        };
        assert!(applies(&pr));
        pr.act = Act::Tanh;
        assert!(!applies(&pr));
        pr.act = Act::Sigmoid;
        pr.out = Out::SigmoidCe;
        assert!(!applies(&pr));
        pr.out = Out::SigmoidMse;
        pr.dims = vec![2, 2, 2];
        assert!(!applies(&pr));
        pr.dims = vec![2, 2, 2, 1];
        assert!(!applies(&pr));
    }
}
