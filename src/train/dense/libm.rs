//! glibc 2.36's `expf` and `tanhf` (with the `expm1f` it calls), operation for operation,
//! written without branches so that a loop over a slice of them vectorizes. The platform's
//! libm computes one element per call; these give its bits sixteen lanes at a time, where
//! [`matches_platform`] finds that they do.
//!
//! `expf` is Szabolcs Nagy's (glibc's `e_expf.c`) as x86-64 glibc runs it on a CPU with FMA:
//! the multiply-adds fused, in double precision, from a table of 2^(i/32). `expm1f` and
//! `tanhf` are fdlibm's (`s_expm1f.c`, `s_tanhf.c`), in single precision without fused
//! operations. Each C branch is computed for every lane and the lane's own result selected,
//! so the roundings are the C code's; constants are given by their bits.

// expf: e^x = 2^(k/32) · 2^(r/32) with k/32 + r/32 = x/ln 2, from the table and a cubic.
const INVLN2N: f64 = f64::from_bits(0x4047_1547_652b_82fe); // 0x1.71547652b82fep+5
const SHIFT: f64 = f64::from_bits(0x4338_0000_0000_0000); // 0x1.8p52
const C0: f64 = f64::from_bits(0x3ebc_6af8_4b91_2394);
const C1: f64 = f64::from_bits(0x3f2e_bfce_50fa_c4f3);
const C2: f64 = f64::from_bits(0x3f96_2e42_ff0c_52d6);
const T: [u64; 32] = [
    0x3ff0000000000000,
    0x3fefd9b0d3158574,
    0x3fefb5586cf9890f,
    0x3fef9301d0125b51,
    0x3fef72b83c7d517b,
    0x3fef54873168b9aa,
    0x3fef387a6e756238,
    0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715,
    0x3feef1a7373aa9cb,
    0x3feedea64c123422,
    0x3feece086061892d,
    0x3feebfdad5362a27,
    0x3feeb42b569d4f82,
    0x3feeab07dd485429,
    0x3feea47eb03a5585,
    0x3feea09e667f3bcd,
    0x3fee9f75e8ec5f74,
    0x3feea11473eb0187,
    0x3feea589994cce13,
    0x3feeace5422aa0db,
    0x3feeb737b0cdc5e5,
    0x3feec49182a3f090,
    0x3feed503b23e255d,
    0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47,
    0x3fef199bdd85529c,
    0x3fef3720dcef9069,
    0x3fef5818dcfba487,
    0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da,
    0x3fefd0765b6e4540,
];
const OFLOW: f32 = f32::from_bits(0x42b1_7217); // 0x1.62e42ep6
const UFLOW: f32 = f32::from_bits(0xc2cf_f1b4); // -0x1.9fe368p6
const MAY_UFLOW: f32 = f32::from_bits(0xc2ce_8ecf); // -0x1.9d1d9ep6

/// e^x.
#[inline(always)]
pub fn expf(x: f32) -> f32 {
    let xd = x as f64;
    let kds = INVLN2N.mul_add(xd, SHIFT);
    let ki = kds.to_bits();
    let kd = kds - SHIFT;
    let r = INVLN2N.mul_add(xd, -kd);
    let s = f64::from_bits(T[(ki % 32) as usize].wrapping_add(ki << 47));
    let z = C0.mul_add(r, C1);
    let r2 = r * r;
    let y = C2.mul_add(r, 1.0);
    let y = z.mul_add(r2, y);
    let main = (y * s) as f32;
    let abstop = (x.to_bits() >> 20) & 0x7ff;
    let tiny = f32::from_bits(0x1a20_0000); // 0x1.4p-75
    let special = if x == f32::NEG_INFINITY {
        0.0
    } else if abstop >= 0x7f8 {
        x + x
    } else if x > OFLOW {
        f32::INFINITY
    } else if x < UFLOW {
        0.0
    } else if x < MAY_UFLOW {
        tiny * tiny
    } else {
        main
    };
    if abstop >= 0x42b {
        special
    } else {
        main
    }
}

// expm1f: x = k ln 2 + r with ln 2 in two parts, a rational approximation on r.
const LN2_HI: f32 = f32::from_bits(0x3f31_7180);
const LN2_LO: f32 = f32::from_bits(0x3717_f7d1);
const INVLN2: f32 = f32::from_bits(0x3fb8_aa3b);
const Q1: f32 = f32::from_bits(0xbd08_8889);
const Q2: f32 = f32::from_bits(0x3ad0_0d01);
const Q3: f32 = f32::from_bits(0xb8a6_70cd);
const Q4: f32 = f32::from_bits(0x3686_7e54);
const Q5: f32 = f32::from_bits(0xb457_edbb);

/// y · 2^k by its exponent bits, as C's `SET_FLOAT_WORD(y, i + (k << 23))`.
#[inline(always)]
fn with_exponent_plus(y: f32, k: i32) -> f32 {
    f32::from_bits(y.to_bits().wrapping_add((k as u32) << 23))
}

/// e^x − 1 for the arguments [`tanhf`] gives it, whose results it keeps: −2|v| for |v| < 1,
/// in (−2, 0], and 2|v| for 1 ≤ |v| < 22, in [2, 44). The power of two k that the reduction
/// takes out is then 0, −1, −2 or −3 below zero and 3 to 63 above, so the C's branches for
/// k = 1 and k = 128 and its special values (NaN, infinities, overflow, e^x − 1 = −1) are
/// left out: every lane computes every branch, and these would be work for nothing. Other
/// arguments give a result `tanhf` replaces.
///
/// Its three stages, [`reduce`], [`rational`] and [`assemble`], are functions of their own
/// so that [`tanhf_in_place`] can run each over a block before the next.
#[inline(always)]
fn expm1f_for_tanh(x: f32) -> f32 {
    let (xr, c, k) = reduce(x);
    let (at_0, e) = rational(xr, c);
    assemble(x, xr, k, at_0, e)
}

/// x = k ln 2 + xr + c, with c the correction for xr's rounding; k = 0 and x itself below
/// ln 2 / 2.
#[inline(always)]
fn reduce(x: f32) -> (f32, f32, i32) {
    let bits = x.to_bits();
    let neg = bits >> 31 != 0;
    let hx = bits & 0x7fff_ffff;
    let half = if neg { -0.5f32 } else { 0.5 };
    // C's float-to-int truncation, in floats: k is small, so its integer comes from the bits
    // of k + 1.5 · 2²³ and the loop vectorizes.
    let k_any = (INVLN2 * x + half).trunc();
    let t = if hx < 0x3f85_1592 { half + half } else { k_any };
    let k_red = ((t + 12_582_912.0).to_bits() as i32).wrapping_sub(0x4b40_0000);
    let hi = x - t * LN2_HI;
    let lo = t * LN2_LO;
    let xr_red = hi - lo;
    let c_red = (hi - xr_red) - lo;
    if hx > 0x3eb1_7218 {
        (xr_red, c_red, k_red)
    } else {
        (x, 0.0, 0)
    }
}

/// e^xr − 1 on the reduced argument: the result where k = 0, and the error term e the other
/// branches build theirs from.
#[inline(always)]
fn rational(xr: f32, c: f32) -> (f32, f32) {
    let hfx = 0.5 * xr;
    let hxs = xr * hfx;
    let r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
    let tt = 3.0 - r1 * hfx;
    let e = hxs * ((r1 - tt) / (6.0 - xr * tt));
    let at_0 = xr - (xr * e - hxs);
    (at_0, (xr * (e - c) - c) - hxs)
}

/// 2^k (e^xr − 1) + 2^k − 1, by k's branch.
#[inline(always)]
fn assemble(x: f32, xr: f32, k: i32, at_0: f32, e: f32) -> f32 {
    let at_minus_1 = 0.5 * (xr - e) - 0.5;
    let far = with_exponent_plus(1.0 - (e - xr), k) - 1.0;
    let t = f32::from_bits(0x3f80_0000u32.wrapping_sub(0x0100_0000u32.wrapping_shr(k as u32)));
    let below_23 = with_exponent_plus(t - (e - xr), k);
    let t = f32::from_bits((0x7f_i32.wrapping_sub(k) as u32) << 23);
    let from_23 = with_exponent_plus((xr - (e + t)) + 1.0, k);
    let reduced = if k == 0 {
        at_0
    } else if k == -1 {
        at_minus_1
    } else if k <= -2 || k > 56 {
        far
    } else if k < 23 {
        below_23
    } else {
        from_23
    };
    // Below 2⁻²⁵ the C returns x before reducing (and k = 0 only there and below ln 2 / 2).
    if k == 0 && x.to_bits() & 0x7fff_ffff < 0x3300_0000 {
        x
    } else {
        reduced
    }
}

/// tanh x: from e^(2|x|) − 1 when |x| ≥ 1, from e^(−2|x|) − 1 below.
#[inline(always)]
pub fn tanhf(x: f32) -> f32 {
    tanh_from(x, expm1f_for_tanh(tanh_arg(x)))
}

/// The argument of tanhf's e^y − 1: 2|x| from 1, −2|x| below.
#[inline(always)]
fn tanh_arg(x: f32) -> f32 {
    let ax = x.abs();
    if ax.to_bits() >= 0x3f80_0000 {
        2.0 * ax
    } else {
        -2.0 * ax
    }
}

/// tanh x from t = e^y − 1 at y = [`tanh_arg`]`(x)`.
#[inline(always)]
fn tanh_from(x: f32, t: f32) -> f32 {
    let jx = x.to_bits();
    let ix = jx & 0x7fff_ffff;
    let from_1 = ix >= 0x3f80_0000;
    // 1 − 2/(t + 2) or −t/(t + 2): one division for both.
    let q = if from_1 { 2.0 } else { -t } / (t + 2.0);
    let z = if from_1 { 1.0 - q } else { q };
    let z = if ix >= 0x41b0_0000 { 1.0 - 1e-30 } else { z };
    let signed = if jx >> 31 == 0 { z } else { -z };
    // The C's 1/x ± 1 for NaN and ±∞ without its division: ±∞ take the |x| ≥ 22 branch's
    // ±1 as well, and a NaN stays a NaN.
    if ix > 0x7f80_0000 {
        x + x
    } else if ix < 0x2400_0000 {
        x * (1.0 + x)
    } else {
        signed
    }
}

/// [`tanhf`] of every element, in place, a block at a time: each stage runs over the whole
/// block before the next. One element's tanhf is a chain of some forty dependent operations
/// and two divisions, longer than the out-of-order window lets a loop over whole tanhfs
/// overlap; short loops over independent elements keep the vector units busy instead. The
/// operations, and so the bits, are [`tanhf`]'s.
#[inline(always)]
pub fn tanhf_in_place(v: &mut [f32]) {
    const B: usize = 256;
    let (mut arg, mut xr, mut c, mut k) = ([0f32; B], [0f32; B], [0f32; B], [0i32; B]);
    let (mut at_0, mut e) = ([0f32; B], [0f32; B]);
    for block in v.chunks_mut(B) {
        let n = block.len();
        let (arg, xr, c, k) = (&mut arg[..n], &mut xr[..n], &mut c[..n], &mut k[..n]);
        let (at_0, e) = (&mut at_0[..n], &mut e[..n]);
        for ((((x, y), r), cr), kr) in block
            .iter()
            .zip(&mut *arg)
            .zip(&mut *xr)
            .zip(&mut *c)
            .zip(&mut *k)
        {
            *y = tanh_arg(*x);
            (*r, *cr, *kr) = reduce(*y);
        }
        for (((r, cr), a0), er) in xr.iter().zip(&*c).zip(&mut *at_0).zip(&mut *e) {
            (*a0, *er) = rational(*r, *cr);
        }
        for (((((x, y), r), kr), a0), er) in block
            .iter_mut()
            .zip(&*arg)
            .zip(&*xr)
            .zip(&*k)
            .zip(&*at_0)
            .zip(&*e)
        {
            *x = tanh_from(*x, assemble(*y, *r, *kr, *a0, *er));
        }
    }
}

/// Whether these functions give the platform libm's bits (`f32::exp`, `f32::tanh`), checked
/// once per process on every 2¹⁶th bit pattern and a fine grid over where activations live:
/// another libm (a glibc with correctly rounded functions, say) differs on many of them, and
/// the dense path then calls it element by element instead.
pub fn matches_platform() -> bool {
    static MATCHES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MATCHES.get_or_init(|| probe().all(|x| same(expf(x), x.exp()) && same(tanhf(x), x.tanh())))
}

/// The probe's inputs: every 65 537th bit pattern (so every exponent, both signs, NaNs and
/// infinities), and −30 to 30 in steps of 1/64.
fn probe() -> impl Iterator<Item = f32> {
    (0..=u32::MAX / 65_537)
        .map(|i| f32::from_bits(i * 65_537))
        .chain((-1920..=1920).map(|i| i as f32 / 64.0))
}

/// The same bits, or both NaN: which NaN an operation passes on is the compiler's choice.
fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The glibc these functions copy, where the platform's libm is glibc.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn is_glibc_2_36() -> bool {
        extern "C" {
            fn gnu_get_libc_version() -> *const std::ffi::c_char;
        }
        // SAFETY: glibc returns a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(gnu_get_libc_version()) };
        v.to_bytes() == b"2.36"
    }

    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    fn is_glibc_2_36() -> bool {
        false
    }

    fn first_difference(
        f: fn(f32) -> f32,
        libm: fn(f32) -> f32,
        xs: impl Iterator<Item = f32>,
    ) -> Option<(f32, f32, f32)> {
        xs.map(|x| (x, f(x), libm(x)))
            .find(|&(_, a, b)| !same(a, b))
    }

    /// Every 251st bit pattern (17 million inputs: each exponent, both signs, the special
    /// values) and the range activations see in steps of 2⁻¹². `elementwise`'s ignored test runs
    /// all 2³² through the vectorized loops.
    fn sample() -> impl Iterator<Item = f32> {
        (0..=u32::MAX / 251)
            .map(|i| f32::from_bits(i * 251))
            .chain((-163_840..=163_840).map(|i| i as f32 / 4096.0))
    }

    #[test]
    fn they_give_glibcs_bits() {
        if !is_glibc_2_36() {
            // Another libm: the probe decides, and must agree with a larger sample.
            let agree = first_difference(expf, f32::exp, sample()).is_none()
                && first_difference(tanhf, f32::tanh, sample()).is_none();
            assert_eq!(matches_platform(), agree);
            return;
        }
        assert!(matches_platform());
        assert_eq!(first_difference(expf, f32::exp, sample()), None, "expf");
        // expm1f on the arguments tanhf gives it: (−2, 0] and [2, 44).
        let for_tanh = sample().filter(|x| (-2.0 < *x && *x <= 0.0) || (2.0..44.0).contains(x));
        assert_eq!(
            first_difference(expm1f_for_tanh, f32::exp_m1, for_tanh),
            None,
            "expm1f"
        );
        assert_eq!(first_difference(tanhf, f32::tanh, sample()), None, "tanhf");
    }
}
