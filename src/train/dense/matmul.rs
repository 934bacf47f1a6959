//! C = A·B for one network's layer, each element one chain of fused multiply-adds over k in
//! order, starting from +0: the order in which the gemm crate's microkernels sum when k fits
//! one of its depth blocks (k ≤ 512), so for those shapes a product here has the bits of
//! candle's matmul. A is read through strides (a transposed view costs nothing); B and C are
//! row-major. With AVX2 the tile is six rows by sixteen columns: twelve accumulators, the
//! two loads of B's row and six broadcasts of A feeding twelve FMAs a step of k; with
//! AVX-512, eight rows by 32 columns. The depth goes in blocks of 256, each block carrying
//! its sums on from C, which holds them exactly, so that B's column panel (256 rows of the
//! tile's width) stays in L1 while every row block passes over it; for a wide B the panel
//! is first copied to contiguous storage (`packs`).

/// A's layout: element (i, p) at `a[i * rs + p * cs]`.
#[derive(Clone, Copy, Debug)]
pub struct Strides {
    pub rs: usize,
    pub cs: usize,
}

/// c[m × n] = a[m × k] · b[k × n] (b row-major with `n` columns).
pub fn matmul(a: &[f32], s: Strides, b: &[f32], c: &mut [f32], m: usize, n: usize, k: usize) {
    assert!(c.len() >= m * n && b.len() >= k * n);
    if m > 0 && k > 0 {
        assert!(a.len() > (m - 1) * s.rs + (k - 1) * s.cs);
    }
    #[cfg(target_arch = "x86_64")]
    if avx512() {
        // SAFETY: as below, with AVX-512F.
        unsafe { avx512::matmul(a, s, b, c, m, n, k) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA, and every index below stays within the lengths
        // asserted above.
        unsafe { avx2::matmul(a, s, b, c, m, n, k) };
        return;
    }
    scalar(a, s, b, c, 0, m, 0, n, n, k);
}

/// t[c × r] = wᵀ for w[r × c] row-major: blocks of 8 × 8 through AVX2's shuffles, and the
/// edges (or every element, without AVX2) one at a time.
pub fn transpose(w: &[f32], t: &mut [f32], r: usize, c: usize) {
    let (w, t) = (&w[..r * c], &mut t[..r * c]);
    let (mut r8, mut c8) = (0, 0);
    #[cfg(target_arch = "x86_64")]
    if avx2_fma() {
        (r8, c8) = (r / 8 * 8, c / 8 * 8);
        // SAFETY: the CPU has AVX2; every block lies within the first r8 rows and c8
        // columns of both matrices, whose lengths are r·c.
        unsafe { avx2::transpose(w.as_ptr(), t.as_mut_ptr(), r, c, r8, c8) };
    }
    for i in 0..r {
        let j0 = if i < r8 { c8 } else { 0 };
        for j in j0..c {
            t[j * r + i] = w[i * c + j];
        }
    }
}

/// The depth of one pass over B's panel.
#[cfg(target_arch = "x86_64")]
const KC: usize = 256;

/// Whether B's panels are copied into a contiguous buffer first. Rows of B a power of two
/// of 1 KiB or more apart fall into a few sets of the caches, so an unpacked panel of a wide
/// B is read from beyond L2 by every row block; a copy costs a panel's loads once for the
/// m/MR row blocks that read it. Narrower B (W2's 128 columns) runs as fast either way.
#[cfg(target_arch = "x86_64")]
fn packs(m: usize, n: usize) -> bool {
    n >= 256 && m >= 16
}

/// A packed panel's storage, in cache lines, kept by each thread from call to call.
#[cfg(target_arch = "x86_64")]
#[derive(Default)]
struct Panel(Vec<Line>);

#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
#[repr(align(64))]
struct Line(#[allow(dead_code)] [f32; 16]); // read and written through pointers

#[cfg(target_arch = "x86_64")]
impl Panel {
    /// Room for `floats` values, aligned to a cache line.
    fn reserve(&mut self, floats: usize) -> *mut f32 {
        let lines = floats.div_ceil(16).max(1);
        if self.0.len() < lines {
            self.0.resize(lines, Line([0.0; 16]));
        }
        self.0.as_mut_ptr().cast()
    }
}

#[cfg(target_arch = "x86_64")]
thread_local! {
    static PANEL: std::cell::RefCell<Panel> = std::cell::RefCell::new(Panel::default());
}

#[cfg(target_arch = "x86_64")]
fn avx512() -> bool {
    use std::sync::OnceLock;
    static YES: OnceLock<bool> = OnceLock::new();
    *YES.get_or_init(|| is_x86_feature_detected!("avx512f"))
}

#[cfg(target_arch = "x86_64")]
fn avx2_fma() -> bool {
    use std::sync::OnceLock;
    static YES: OnceLock<bool> = OnceLock::new();
    *YES.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
}

/// Rows `i0..i1` and columns `j0..j1` of C, one element at a time: `mul_add` is the same
/// single rounding as a vector lane's FMA, so the tiles' edges match their insides. Inlined
/// into the AVX2 path, where `mul_add` is an instruction rather than a libm call.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn scalar(
    a: &[f32],
    s: Strides,
    b: &[f32],
    c: &mut [f32],
    i0: usize,
    i1: usize,
    j0: usize,
    j1: usize,
    n: usize,
    k: usize,
) {
    for i in i0..i1 {
        for j in j0..j1 {
            let mut acc = 0.0f32;
            for p in 0..k {
                acc = a[i * s.rs + p * s.cs].mul_add(b[p * n + j], acc);
            }
            c[i * n + j] = acc;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Strides;
    use std::arch::x86_64::*;

    const MR: usize = 6;

    /// The blocks of rows 0..r8 and columns 0..c8 of `transpose`, eight by eight.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn transpose(
        w: *const f32,
        t: *mut f32,
        r: usize,
        c: usize,
        r8: usize,
        c8: usize,
    ) {
        // Column blocks outside, so that the stores run along t's rows.
        for j0 in (0..c8).step_by(8) {
            for i0 in (0..r8).step_by(8) {
                let mut x = [_mm256_setzero_ps(); 8];
                for (q, v) in x.iter_mut().enumerate() {
                    *v = _mm256_loadu_ps(w.add((i0 + q) * c + j0));
                }
                // Pairs of rows interleaved, then pairs of pairs, then the halves swapped.
                let p = [
                    _mm256_unpacklo_ps(x[0], x[1]),
                    _mm256_unpackhi_ps(x[0], x[1]),
                    _mm256_unpacklo_ps(x[2], x[3]),
                    _mm256_unpackhi_ps(x[2], x[3]),
                    _mm256_unpacklo_ps(x[4], x[5]),
                    _mm256_unpackhi_ps(x[4], x[5]),
                    _mm256_unpacklo_ps(x[6], x[7]),
                    _mm256_unpackhi_ps(x[6], x[7]),
                ];
                let q = [
                    _mm256_shuffle_ps::<0x44>(p[0], p[2]),
                    _mm256_shuffle_ps::<0xEE>(p[0], p[2]),
                    _mm256_shuffle_ps::<0x44>(p[1], p[3]),
                    _mm256_shuffle_ps::<0xEE>(p[1], p[3]),
                    _mm256_shuffle_ps::<0x44>(p[4], p[6]),
                    _mm256_shuffle_ps::<0xEE>(p[4], p[6]),
                    _mm256_shuffle_ps::<0x44>(p[5], p[7]),
                    _mm256_shuffle_ps::<0xEE>(p[5], p[7]),
                ];
                for k in 0..4 {
                    let low = _mm256_permute2f128_ps::<0x20>(q[k], q[k + 4]);
                    let high = _mm256_permute2f128_ps::<0x31>(q[k], q[k + 4]);
                    _mm256_storeu_ps(t.add((j0 + k) * r + i0), low);
                    _mm256_storeu_ps(t.add((j0 + k + 4) * r + i0), high);
                }
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn matmul(
        a: &[f32],
        s: Strides,
        b: &[f32],
        c: &mut [f32],
        m: usize,
        n: usize,
        k: usize,
    ) {
        super::PANEL.with_borrow_mut(|panel| {
            let panels = n / 16;
            let pack = super::packs(m, n);
            let pp = if pack {
                panel.reserve(16 * super::KC.min(k) * panels)
            } else {
                std::ptr::null_mut()
            };
            let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
            let mut p0 = 0;
            while p0 < k || p0 == 0 {
                let kb = super::KC.min(k - p0);
                let ab = ap.add(p0 * s.cs);
                let first = p0 == 0;
                if pack {
                    // B[p0..p0+kb, ..16·panels] as panels of kb rows of 16, read row by row
                    // so that the reads stream.
                    for q in 0..kb {
                        let src = bp.add((p0 + q) * n);
                        for t in 0..panels {
                            let (from, to) = (src.add(16 * t), pp.add((t * kb + q) * 16));
                            _mm256_store_ps(to, _mm256_loadu_ps(from));
                            _mm256_store_ps(to.add(8), _mm256_loadu_ps(from.add(8)));
                        }
                    }
                }
                for t in 0..panels {
                    let j = 16 * t;
                    let bb = if pack {
                        (pp.add(t * kb * 16) as *const f32, 16)
                    } else {
                        (bp.add(p0 * n + j), n)
                    };
                    rows::<2>(ab, s, bb, cp, m, n, kb, j, first);
                }
                let j = 16 * panels;
                if j + 8 <= n {
                    rows::<1>(ab, s, (bp.add(p0 * n + j), n), cp, m, n, kb, j, first);
                }
                p0 += kb.max(1);
            }
        });
        // The last columns, each element's whole chain at once.
        let j = n / 8 * 8;
        if j < n {
            super::scalar(a, s, b, c, 0, m, j, n, n, k);
        }
    }

    /// Every row block of the V·8 columns from `j`; `b` is B's rows p0.. at columns j..
    /// with their stride.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn rows<const V: usize>(
        a: *const f32,
        s: Strides,
        b: (*const f32, usize),
        c: *mut f32,
        m: usize,
        n: usize,
        k: usize,
        j: usize,
        first: bool,
    ) {
        let mut i = 0;
        while i + MR <= m {
            tile::<MR, V>(a, s, b, c, n, k, i, j, first);
            i += MR;
        }
        match m - i {
            0 => {}
            1 => tile::<1, V>(a, s, b, c, n, k, i, j, first),
            2 => tile::<2, V>(a, s, b, c, n, k, i, j, first),
            3 => tile::<3, V>(a, s, b, c, n, k, i, j, first),
            4 => tile::<4, V>(a, s, b, c, n, k, i, j, first),
            _ => tile::<5, V>(a, s, b, c, n, k, i, j, first),
        }
    }

    /// C[i..i+R, j..j+8V], held in R·V registers over the k steps, from zero or, when not
    /// `first`, from C's values.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile<const R: usize, const V: usize>(
        a: *const f32,
        s: Strides,
        (b, bs): (*const f32, usize),
        c: *mut f32,
        n: usize,
        k: usize,
        i: usize,
        j: usize,
        first: bool,
    ) {
        let mut acc = [[_mm256_setzero_ps(); V]; R];
        if !first {
            for (r, row) in acc.iter_mut().enumerate() {
                for (v, y) in row.iter_mut().enumerate() {
                    *y = _mm256_loadu_ps(c.add((i + r) * n + j + 8 * v));
                }
            }
        }
        // One pointer a row, so that the broadcasts do not wait on a chain of additions.
        let mut rows = [a; R];
        for (r, p) in rows.iter_mut().enumerate() {
            *p = a.add((i + r) * s.rs);
        }
        let mut brow = b;
        for _ in 0..k {
            let mut bv = [_mm256_setzero_ps(); V];
            for (v, x) in bv.iter_mut().enumerate() {
                *x = _mm256_loadu_ps(brow.add(8 * v));
            }
            for (row, p) in acc.iter_mut().zip(rows.iter_mut()) {
                let x = _mm256_broadcast_ss(&**p);
                *p = p.add(s.cs);
                for (v, y) in row.iter_mut().enumerate() {
                    *y = _mm256_fmadd_ps(x, bv[v], *y);
                }
            }
            brow = brow.add(bs);
        }
        for (r, row) in acc.iter().enumerate() {
            for (v, y) in row.iter().enumerate() {
                _mm256_storeu_ps(c.add((i + r) * n + j + 8 * v), *y);
            }
        }
    }
}

/// The same tiles in 16-lane registers: eight rows by 32 columns, and a masked register for
/// the last columns. Lanes are independent, so the width changes no bit.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::Strides;
    use std::arch::x86_64::*;

    const MR: usize = 8;

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn matmul(
        a: &[f32],
        s: Strides,
        b: &[f32],
        c: &mut [f32],
        m: usize,
        n: usize,
        k: usize,
    ) {
        let lanes = |w: usize| if w >= 16 { u16::MAX } else { (1u16 << w) - 1 };
        let panels = n.div_ceil(32);
        super::PANEL.with_borrow_mut(|panel| {
            let pack = super::packs(m, n);
            let pp = if pack {
                panel.reserve(32 * super::KC.min(k) * panels)
            } else {
                std::ptr::null_mut()
            };
            let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
            let mut p0 = 0;
            while p0 < k || p0 == 0 {
                let kb = super::KC.min(k - p0);
                let ab = ap.add(p0 * s.cs);
                let first = p0 == 0;
                if pack {
                    // B[p0..p0+kb] as panels of kb rows of 32 columns (past n, zeros), read
                    // row by row so that the reads stream.
                    for q in 0..kb {
                        let src = bp.add((p0 + q) * n);
                        for t in 0..panels {
                            let w = (n - 32 * t).min(32);
                            let (lo, hi) = (lanes(w), lanes(w.saturating_sub(16)));
                            let (from, to) = (src.add(32 * t), pp.add((t * kb + q) * 32));
                            _mm512_store_ps(to, _mm512_maskz_loadu_ps(lo, from));
                            _mm512_store_ps(to.add(16), _mm512_maskz_loadu_ps(hi, from.add(16)));
                        }
                    }
                }
                for t in 0..panels {
                    let j = 32 * t;
                    let w = (n - j).min(32);
                    let (lo, hi) = (lanes(w), lanes(w.saturating_sub(16)));
                    let bb = if pack {
                        (pp.add(t * kb * 32) as *const f32, 32)
                    } else {
                        (bp.add(p0 * n + j), n)
                    };
                    if w > 16 {
                        rows::<2>(ab, s, bb, cp, m, n, kb, j, hi, first);
                    } else {
                        rows::<1>(ab, s, bb, cp, m, n, kb, j, lo, first);
                    }
                }
                p0 += kb.max(1);
            }
        })
    }

    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn rows<const V: usize>(
        a: *const f32,
        s: Strides,
        b: (*const f32, usize),
        c: *mut f32,
        m: usize,
        n: usize,
        k: usize,
        j: usize,
        mask: u16,
        first: bool,
    ) {
        let mut i = 0;
        while i + MR <= m {
            tile::<MR, V>(a, s, b, c, n, k, i, j, mask, first);
            i += MR;
        }
        match m - i {
            0 => {}
            1 => tile::<1, V>(a, s, b, c, n, k, i, j, mask, first),
            2 => tile::<2, V>(a, s, b, c, n, k, i, j, mask, first),
            3 => tile::<3, V>(a, s, b, c, n, k, i, j, mask, first),
            4 => tile::<4, V>(a, s, b, c, n, k, i, j, mask, first),
            5 => tile::<5, V>(a, s, b, c, n, k, i, j, mask, first),
            6 => tile::<6, V>(a, s, b, c, n, k, i, j, mask, first),
            _ => tile::<7, V>(a, s, b, c, n, k, i, j, mask, first),
        }
    }

    /// C[i..i+R, j..j+16V] (the last register only the lanes of `mask`) from B's rows `b`
    /// with their stride, a packed panel's or B's own, from zero or, when not `first`,
    /// from C's values.
    #[target_feature(enable = "avx512f")]
    #[inline]
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile<const R: usize, const V: usize>(
        a: *const f32,
        s: Strides,
        (b, bs): (*const f32, usize),
        c: *mut f32,
        n: usize,
        k: usize,
        i: usize,
        j: usize,
        mask: u16,
        first: bool,
    ) {
        let mut acc = [[_mm512_setzero_ps(); V]; R];
        if !first {
            for (r, row) in acc.iter_mut().enumerate() {
                for (v, y) in row.iter_mut().enumerate() {
                    let at = c.add((i + r) * n + j + 16 * v);
                    *y = if v + 1 == V {
                        _mm512_maskz_loadu_ps(mask, at)
                    } else {
                        _mm512_loadu_ps(at)
                    };
                }
            }
        }
        let mut rows = [a; R];
        for (r, p) in rows.iter_mut().enumerate() {
            *p = a.add((i + r) * s.rs);
        }
        let mut brow = b;
        for _ in 0..k {
            let mut bv = [_mm512_setzero_ps(); V];
            for (v, x) in bv.iter_mut().enumerate() {
                *x = if v + 1 == V {
                    _mm512_maskz_loadu_ps(mask, brow.add(16 * v))
                } else {
                    _mm512_loadu_ps(brow.add(16 * v))
                };
            }
            for (row, p) in acc.iter_mut().zip(rows.iter_mut()) {
                let x = _mm512_set1_ps(**p);
                *p = p.add(s.cs);
                for (v, y) in row.iter_mut().enumerate() {
                    *y = _mm512_fmadd_ps(x, bv[v], *y);
                }
            }
            brow = brow.add(bs);
        }
        for (r, row) in acc.iter().enumerate() {
            for (v, y) in row.iter().enumerate() {
                let out = c.add((i + r) * n + j + 16 * v);
                if v + 1 == V {
                    _mm512_mask_storeu_ps(out, mask, *y);
                } else {
                    _mm512_storeu_ps(out, *y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    fn values(len: usize, seed: u32) -> Vec<f32> {
        // Mixed signs and magnitudes, so that the order of the sum shows in the bits.
        (0..len as u32)
            .map(|i| {
                let h = (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)) >> 8;
                let x = (h % 20_000) as f32 / 10_000.0 - 1.0;
                x * if h.is_multiple_of(7) { 9.0 } else { 1.0 }
            })
            .collect()
    }

    /// The first index where the bits differ, with both values, so a failure stays readable.
    /// NaNs count as equal: which operand's payload an instruction passes on is the
    /// compiler's choice, and a NaN is a NaN to every reader of the results.
    fn first_difference(a: &[f32], b: &[f32]) -> Option<(usize, f32, f32)> {
        assert_eq!(a.len(), b.len());
        (0..a.len())
            .find(|&i| a[i].to_bits() != b[i].to_bits() && !(a[i].is_nan() && b[i].is_nan()))
            .map(|i| (i, a[i], b[i]))
    }

    /// candle's matmul of the same operands, a transposed A as a transposed view.
    fn candle(a: &[f32], at: bool, b: &[f32], m: usize, n: usize, k: usize) -> Vec<f32> {
        let dev = Device::Cpu;
        let a = if at {
            Tensor::from_slice(a, (k, m), &dev).unwrap().t().unwrap()
        } else {
            Tensor::from_slice(a, (m, k), &dev).unwrap()
        };
        let b = Tensor::from_slice(b, (k, n), &dev).unwrap();
        a.matmul(&b)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap()
    }

    #[test]
    fn the_bits_of_candles_matmul_for_the_shapes_training_uses() {
        // Forward (rows × in · in × out), weight gradients (Aᵀ: in × rows · rows × out) and
        // input gradients, for widths around the tile's edges and batch tails. Beyond a depth
        // of 512, gemm splits k into blocks whose size it derives from the L1 cache (one
        // block of 784 on a 48 KiB L1, two of 392 on a 32 KiB one) and rounds where they
        // meet, so there the products agree to rounding only; k ≤ 512 is one block
        // everywhere.
        for &(m, n, k) in &[
            (64, 128, 64),
            (64, 128, 128),
            (29, 128, 128),
            (64, 10, 128),
            (64, 64, 64),
            (13, 64, 64),
            (64, 40, 17),
            (7, 23, 300),
            (64, 512, 512),
            (128, 512, 784),
        ] {
            for at in [false, true] {
                let a = values(m * k, 1);
                let b = values(k * n, 2);
                let s = if at {
                    Strides { rs: 1, cs: m }
                } else {
                    Strides { rs: k, cs: 1 }
                };
                let mut c = vec![f32::NAN; m * n];
                matmul(&a, s, &b, &mut c, m, n, k);
                let want = candle(&a, at, &b, m, n, k);
                if k <= 512 {
                    assert_eq!(
                        first_difference(&c, &want),
                        None,
                        "{m}×{k}·{k}×{n}, Aᵀ {at}"
                    );
                } else {
                    // Both are within k·ε·Σ|a||b| of the exact sum.
                    let abs = |v: &[f32]| v.iter().map(|x| x.abs()).collect::<Vec<_>>();
                    let bound = candle(&abs(&a), at, &abs(&b), m, n, k);
                    for ((x, y), s) in c.iter().zip(&want).zip(&bound) {
                        let tol = 2.0 * k as f32 * f32::EPSILON * s;
                        assert!((x - y).abs() <= tol, "{m}×{k}·{k}×{n}: {x} vs {y}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_scalar_path_gives_the_vector_paths_bits() {
        // Narrow and wide B (packed panels, a last panel part full), one depth block and
        // three, A plain and transposed.
        for (m, n, k) in [
            (11, 37, 600),
            (40, 300, 600),
            (29, 520, 300),
            (16, 256, 257),
        ] {
            for at in [false, true] {
                let a = values(m * k, 3);
                let b = values(k * n, 4);
                let s = if at {
                    Strides { rs: 1, cs: m }
                } else {
                    Strides { rs: k, cs: 1 }
                };
                let mut fast = vec![0.0; m * n];
                let mut slow = vec![0.0; m * n];
                matmul(&a, s, &b, &mut fast, m, n, k);
                scalar(&a, s, &b, &mut slow, 0, m, 0, n, n, k);
                assert_eq!(first_difference(&fast, &slow), None, "{m}×{k}·{k}×{n}");
                #[cfg(target_arch = "x86_64")]
                if avx2_fma() {
                    let mut mid = vec![0.0; m * n];
                    // SAFETY: the CPU has AVX2 and FMA; the lengths are those matmul asserts.
                    unsafe { avx2::matmul(&a, s, &b, &mut mid, m, n, k) };
                    assert_eq!(first_difference(&mid, &slow), None, "AVX2 {m}×{k}·{k}×{n}");
                }
            }
        }
    }

    #[test]
    fn transpose_swaps_rows_and_columns() {
        for (r, c) in [(1, 1), (8, 8), (13, 29), (128, 10), (64, 128)] {
            let w = values(r * c, 7);
            let mut t = vec![0.0; r * c];
            transpose(&w, &mut t, r, c);
            for i in 0..r {
                for j in 0..c {
                    assert_eq!(t[j * r + i].to_bits(), w[i * c + j].to_bits());
                }
            }
        }
    }

    #[test]
    fn nan_stays_in_its_own_row_and_column() {
        let (m, n, k) = (8, 24, 5);
        let mut a = values(m * k, 5);
        a[3 * k + 2] = f32::NAN;
        let b = values(k * n, 6);
        let mut c = vec![0.0; m * n];
        matmul(&a, Strides { rs: k, cs: 1 }, &b, &mut c, m, n, k);
        for i in 0..m {
            for j in 0..n {
                assert_eq!(c[i * n + j].is_nan(), i == 3, "({i}, {j})");
            }
        }
    }
}
