//! The kernel for the smallest networks, shaped at compile time: one hidden layer of a few
//! units, as in XOR and the weight-space studies (2-2-1, 2-4-1, 4-4-3, …).
//!
//! [`kernel`](super::kernel)'s engine loops over layers and units whose counts it learns at
//! run time, so every parameter, activation and gradient goes through memory, and on a 2-2-1
//! network those loops cost more than the arithmetic. Here the shape is a type parameter: the
//! loops unroll, a block's parameters and gradients are locals the compiler keeps in
//! registers, and a block is one or two vectors of networks. The arithmetic is the same
//! operations in the same order as the general engine's, sharing its scoring, optimizer
//! steps and epoch loop, so a network gets the same bits on either engine
//! (`tests::same_bits_as_the_general_engine`). On AVX2, sigmoid networks with one
//! sigmoid-MSE output (the seed study's) go on to `super::avx2`, which holds the pass
//! in registers.

// Loops index several arrays in lockstep by lane or unit; index loops keep that plain.
#![allow(clippy::needless_range_loop)]

#[cfg(target_arch = "x86_64")]
use super::avx2;
use super::kernel::{self, Act, Data, Engine, Lane, Out, Pass, Problem, V};

/// Networks per block in cohorts of more than `kernel::SMALL`: four AVX2 vectors (or two
/// AVX-512 ones) of independent networks, so the processor overlaps four chains of dependent
/// operations (the exp polynomial's above all). On the seed study 32 measured fastest of 8,
/// 16, 32 and 64.
pub const WIDE: usize = 32;

/// Rows that go forward together (`Tiny::pass`): the seed study's four XOR rows are one
/// group.
const GROUP: usize = 4;

/// Trains one block of `L` networks of a shape this module is built for.
pub type BlockFn<const L: usize> = fn(&Problem, &mut [V<L>]) -> Vec<Lane>;

/// The shapes built here: input, hidden and output units (the seed study's 2-2-1, and the
/// XOR, parity, moons and iris networks of the shipped studies).
macro_rules! shapes {
    ($m:ident, $dims:expr, $(($i:literal, $h:literal, $o:literal)),* $(,)?) => {
        match $dims {
            $([$i, $h, $o] => Some($m::<L, $i, $h, $o, { $i * $h + $h + $h * $o + $o }>),)*
            _ => None,
        }
    };
}

/// The compile-time-shaped kernel for `dims`, if it is built for that shape.
pub fn find<const L: usize>(dims: &[usize]) -> Option<BlockFn<L>> {
    let f: Option<BlockFn<L>> = shapes!(
        train,
        dims,
        (2, 2, 1),
        (2, 4, 1),
        (3, 4, 1),
        (2, 8, 1),
        (4, 4, 3),
    );
    f
}

/// Like [`find`], on a named instruction set from `kernel::instruction_sets` (for tests).
pub fn find_on<const L: usize>(
    isa: &'static str,
    dims: &[usize],
) -> Option<impl Fn(&Problem, &mut [V<L>]) -> Vec<Lane>> {
    type OnFn<const L: usize> = fn(&str, &Problem, &mut [V<L>]) -> Vec<Lane>;
    let f: Option<OnFn<L>> = shapes!(
        train_on,
        dims,
        (2, 2, 1),
        (2, 4, 1),
        (3, 4, 1),
        (2, 8, 1),
        (4, 4, 3),
    );
    f.map(|f| move |pr: &Problem, p: &mut [V<L>]| f(isa, pr, p))
}

fn train<const L: usize, const I: usize, const H: usize, const O: usize, const P: usize>(
    pr: &Problem,
    p: &mut [V<L>],
) -> Vec<Lane> {
    let isa = kernel::instruction_sets()[0];
    train_on::<L, I, H, O, P>(isa, pr, p)
}

fn train_on<const L: usize, const I: usize, const H: usize, const O: usize, const P: usize>(
    isa: &str,
    pr: &Problem,
    p: &mut [V<L>],
) -> Vec<Lane> {
    assert!(
        kernel::instruction_sets().contains(&isa),
        "{isa} is not available"
    );
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: checked available above.
        "avx512" => unsafe { run_avx512::<L, I, H, O, P>(pr, p) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        "avx2" => unsafe { run_avx2::<L, I, H, O, P>(pr, p) },
        _ => run::<L, I, H, O, P>(pr, p),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
unsafe fn run_avx512<
    const L: usize,
    const I: usize,
    const H: usize,
    const O: usize,
    const P: usize,
>(
    pr: &Problem,
    p: &mut [V<L>],
) -> Vec<Lane> {
    run::<L, I, H, O, P>(pr, p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<
    const L: usize,
    const I: usize,
    const H: usize,
    const O: usize,
    const P: usize,
>(
    pr: &Problem,
    p: &mut [V<L>],
) -> Vec<Lane> {
    // Two vectors of networks interleaved measured fastest on the seed study (against one
    // and four): enough independent chains to hide latency without spilling registers.
    if O == 1 && avx2::applies(pr) {
        return if L.is_multiple_of(16) {
            avx2::train::<L, 16, 2, I, H, P>(pr, p)
        } else {
            avx2::train::<L, 8, 1, I, H, P>(pr, p)
        };
    }
    run::<L, I, H, O, P>(pr, p)
}

#[inline(always)]
fn run<const L: usize, const I: usize, const H: usize, const O: usize, const P: usize>(
    pr: &Problem,
    params: &mut [V<L>],
) -> Vec<Lane> {
    assert_eq!(pr.dims, [I, H, O]);
    let mut p: [V<L>; P] = params.try_into().expect("one block's parameters");
    let mut e = Tiny::<L, I, H, O, P> {
        m: kernel::Moments::new(),
    };
    let lanes = kernel::epochs(pr, &mut e, &mut p);
    params.copy_from_slice(&p);
    lanes
}

/// A block's gradient and optimizer moments, in `Population::flat` order: w0 ([I, H]), b0,
/// w1 ([H, O]), b1.
struct Tiny<const L: usize, const I: usize, const H: usize, const O: usize, const P: usize> {
    m: kernel::Moments<L, P>,
}

impl<const L: usize, const I: usize, const H: usize, const O: usize, const P: usize> Engine<L>
    for Tiny<L, I, H, O, P>
{
    #[inline(always)]
    fn pass(
        &mut self,
        pr: &Problem,
        p: &[V<L>],
        d: &Data,
        rows: &[u32],
        backward: bool,
    ) -> Pass<L> {
        let p: &[V<L>; P] = p.try_into().expect("one block's parameters");
        let (w0, b0) = (0, I * H);
        let (w1, b1) = (b0 + H, b0 + H + H * O);
        // The gradient accumulates in place: a block of 32 networks' gradient is 36 vectors,
        // more than the registers. (Accumulating one vector of networks at a time in registers
        // measured slower: fewer independent chains to overlap.)
        let g = &mut self.m.grads;
        if backward {
            *g = [[0.0f32; L]; P];
        }
        let mut out = Pass::new();
        let nb = rows.len() as f32;
        // A group's rows go forward together: each layer's activation then runs over all their
        // units in one loop, whose iterations are independent chains of the exp polynomial that
        // the processor overlaps; row by row, it waited on each chain's latency. The gradient
        // still accumulates row after row, in the general engine's order.
        let ready = pr.out == Out::SigmoidMse;
        for group in rows.chunks(GROUP) {
            // The last group may be short; it repeats its last row to fill the arrays, which
            // are then written whole, and the compiler drops their zeroing.
            let m = group.len();
            let mut z = [[[0.0f32; L]; H]; GROUP];
            for k in 0..GROUP {
                let r = group[k.min(m - 1)];
                let x = &d.x[r as usize * I..][..I];
                for j in 0..H {
                    let mut acc = p[b0 + j];
                    for i in 0..I {
                        let wij = &p[w0 + i * H + j];
                        for q in 0..L {
                            acc[q] = wij[q].mul_add(x[i], acc[q]);
                        }
                    }
                    z[k][j] = acc;
                }
            }
            let mut a = [[[0.0f32; L]; H]; GROUP];
            kernel::activate(
                pr.act,
                z.as_flattened().as_flattened(),
                a.as_flattened_mut().as_flattened_mut(),
            );
            let mut zo = [[[0.0f32; L]; O]; GROUP];
            for k in 0..GROUP {
                for j in 0..O {
                    let mut acc = p[b1 + j];
                    for i in 0..H {
                        let wij = &p[w1 + i * O + j];
                        for q in 0..L {
                            acc[q] = wij[q].mul_add(a[k][i][q], acc[q]);
                        }
                    }
                    zo[k][j] = acc;
                }
            }
            let mut o = [[[0.0f32; L]; O]; GROUP];
            if ready {
                kernel::activate(
                    Act::Sigmoid,
                    zo.as_flattened().as_flattened(),
                    o.as_flattened_mut().as_flattened_mut(),
                );
            }
            for (k, &r) in group.iter().enumerate() {
                let r = r as usize;
                let x: &[f32; I] = d.x[r * I..][..I].try_into().expect("I inputs");
                let t = &d.t[r * O..][..O];
                let (z, a) = (&z[k], &a[k]);
                let mut dout = [[0.0f32; L]; O];
                kernel::head(
                    pr.out, &zo[k], &mut o[k], &mut dout, t, d.y[r], nb, &mut out, ready,
                );
                if !backward {
                    continue;
                }

                for j in 0..O {
                    for q in 0..L {
                        g[b1 + j][q] += dout[j][q];
                    }
                }
                let mut dh = [[0.0f32; L]; H];
                for i in 0..H {
                    let h = a[i];
                    let mut back = [0.0f32; L];
                    for j in 0..O {
                        let dj = dout[j];
                        let wij = &p[w1 + i * O + j];
                        let gij = &mut g[w1 + i * O + j];
                        for q in 0..L {
                            gij[q] = dj[q].mul_add(h[q], gij[q]);
                            back[q] = wij[q].mul_add(dj[q], back[q]);
                        }
                    }
                    kernel::derivative(pr.act, &z[i], &a[i], &mut dh[i]);
                    for q in 0..L {
                        dh[i][q] *= back[q];
                    }
                }
                for j in 0..H {
                    for q in 0..L {
                        g[b0 + j][q] += dh[j][q];
                    }
                }
                for i in 0..I {
                    for j in 0..H {
                        let gij = &mut g[w0 + i * H + j];
                        for q in 0..L {
                            gij[q] = dh[j][q].mul_add(x[i], gij[q]);
                        }
                    }
                }
            }
        }
        out
    }

    #[inline(always)]
    fn step(&mut self, pr: &Problem, p: &mut [V<L>], mask: &[bool; L], step: u32) {
        self.m.step(pr, p, mask, step);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::fused::kernel::Opt;

    /// A small data set with `i` inputs and `o` targets per row (one-hot over `o` classes,
    /// or one 0/1 target), deterministic.
    fn data(n: usize, i: usize, o: usize, salt: usize) -> (Vec<f32>, Vec<f32>, Vec<u32>) {
        let x = (0..n * i)
            .map(|k| (((k + salt) * 37 % 17) as f32 - 8.0) / 5.0)
            .collect();
        let y: Vec<u32> = (0..n).map(|r| ((r + salt) % o.max(2)) as u32).collect();
        let t = y
            .iter()
            .flat_map(|&c| {
                (0..o).map(move |j| {
                    if o == 1 {
                        c as f32
                    } else {
                        f32::from(u8::from(j as u32 == c))
                    }
                })
            })
            .collect();
        (x, t, y)
    }

    fn bits<const L: usize>(p: &[V<L>]) -> Vec<u32> {
        p.iter().flatten().map(|v| v.to_bits()).collect()
    }

    /// Every shape built here, with every activation, head and optimizer family, full batch
    /// and minibatches, a test split, curves and snapshots: the compile-time-shaped kernel
    /// leaves the same parameters and the same per-lane results, bit for bit, as the general
    /// engine, on every instruction set this processor runs, in blocks of either width.
    #[test]
    fn same_bits_as_the_general_engine() {
        assert_eq!(
            check::<{ kernel::SMALL }>() + check::<WIDE>(),
            2 * 5 * 9 * kernel::instruction_sets().len()
        );
    }

    /// Runs every case at block width `L`; returns the number of cases.
    fn check<const L: usize>() -> usize {
        let acts = [
            Act::Sigmoid,
            Act::Tanh,
            Act::Relu,
            Act::LeakyRelu(0.1),
            Act::Elu(1.0),
            Act::Selu(1.0507, 1.6733),
            Act::Silu,
            Act::Softsign,
            Act::Linear,
        ];
        let opts = [
            Opt::Sgd { lr: 0.5 },
            Opt::Momentum {
                lr: 0.1,
                momentum: 0.9,
                nesterov: true,
            },
            Opt::Adam {
                lr: 0.05,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
        ];
        let mut cases = 0;
        for (s, dims) in [[2, 2, 1], [2, 4, 1], [3, 4, 1], [2, 8, 1], [4, 4, 3]]
            .iter()
            .enumerate()
        {
            let (i, o) = (dims[0], dims[2]);
            let outs: &[Out] = if o == 1 {
                &[Out::SigmoidMse, Out::SigmoidCe, Out::LinearMse]
            } else {
                &[Out::SoftmaxCe, Out::SoftmaxMse, Out::SigmoidMse]
            };
            let (x, t, y) = data(7, i, o, s);
            let (tx, tt, ty) = data(5, i, o, s + 3);
            let n_params = kernel::parameters(dims);
            for (a, act) in acts.iter().enumerate() {
                let out = outs[a % outs.len()];
                let opt = opts[a % opts.len()];
                let batch = if a % 2 == 0 { None } else { Some(3) };
                let problem = Problem {
                    dims: dims.to_vec(),
                    act: *act,
                    out,
                    opt,
                    epochs: 25,
                    batch,
                    order_seed: 11,
                    target_loss: 0.2,
                    target_acc: 0.8,
                    early_stop: a % 3 == 0,
                    train: Data {
                        x: &x,
                        t: &t,
                        y: &y,
                        n: 7,
                    },
                    test: Some(Data {
                        x: &tx,
                        t: &tt,
                        y: &ty,
                        n: 5,
                    }),
                    on_curve: (0..=25).map(|e| e % 4 == 0 || e == 25).collect(),
                    snapshots: true,
                };
                let start: Vec<V<L>> = (0..n_params)
                    .map(|j| {
                        std::array::from_fn(|q| (((j * 31 + q * 7 + a) % 23) as f32 - 11.0) / 9.0)
                    })
                    .collect();
                let mut general = start.clone();
                let want = format!("{:?}", kernel::train_block(&problem, &mut general));
                for isa in kernel::instruction_sets() {
                    let mut p = start.clone();
                    let f = find_on::<L>(isa, dims).expect("shape is built");
                    let got = format!("{:?}", f(&problem, &mut p));
                    assert_eq!(
                        bits(&p),
                        bits(&general),
                        "{dims:?} {act:?} {out:?} on {isa}"
                    );
                    assert_eq!(got, want, "{dims:?} {act:?} {out:?} on {isa}");
                    cases += 1;
                }
            }
        }
        cases
    }

    #[test]
    fn only_the_shapes_built_here_are_found() {
        assert!(find::<WIDE>(&[2, 2, 1]).is_some());
        assert!(find::<WIDE>(&[4, 4, 3]).is_some());
        assert!(find::<WIDE>(&[2, 3, 1]).is_none());
        assert!(find::<WIDE>(&[2, 2, 2, 1]).is_none());
    }
}
