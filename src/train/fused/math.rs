//! exp, ln and tanh in f32 from multiplies, fused multiply-adds and bit operations only, so
//! that a loop over lanes compiles to vector instructions (a libm `expf` call per lane keeps
//! the loop scalar, several times slower). The same code runs
//! on every instruction set, and IEEE multiply, add, fma and divide are exact to the bit, so
//! a lane gets the same bits whichever vector width (or scalar fallback) computes it.
//!
//! The polynomials are Cephes's (`expf.c`, `logf.c`, `tanhf.c`), accurate to about 1 ulp
//! over their ranges; tests compare them with f64 libm.

/// ln 2 split into a part exact in f32 and a remainder (Cody–Waite reduction).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;

/// 1.5 · 2^23 + 127: adding it to a float below 2^22 in size rounds that float to an integer
/// and leaves the integer plus the exponent bias in the low mantissa bits.
const ROUND_BIASED: f32 = 12_583_039.0;

/// e^x. Overflows to +∞ from 88.38 (a little below f32's own limit of 88.72, where the
/// result would need a 2^128 scale) and underflows to 0 below −87.68; NaN stays NaN.
///
/// x = n ln 2 + r with n = round(x log2 e) and |r| ≤ ln 2 / 2; e^r is Cephes's polynomial and
/// 2^n is built in the exponent bits. The saturations fall out of the clamp: n = 128 makes
/// 2^n the bits of +∞ and n = −127 those of 0, so no compare-and-select follows, and a NaN
/// passes the clamp (its compares are false) and every operation after it.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let xc = if x < -88.0 { -88.0 } else { x };
    let xc = if xc > 88.8 { 88.8 } else { xc };
    let t = xc.mul_add(std::f32::consts::LOG2_E, ROUND_BIASED);
    let n = t - ROUND_BIASED;
    let r = n.mul_add(-LN2_LO, n.mul_add(-LN2_HI, xc));
    let r2 = r * r;
    let mut p = 1.987_569_1e-4f32;
    p = p.mul_add(r, 1.398_2e-3);
    p = p.mul_add(r, 8.333_452e-3);
    p = p.mul_add(r, 4.166_579_6e-2);
    p = p.mul_add(r, 1.666_666_5e-1);
    p = p.mul_add(r, 0.5);
    let y = p.mul_add(r2, r) + 1.0;
    // The low bits of t hold n + 127 in [0, 255]; shifted into the exponent field they are
    // 2^n (0 for n = −127, +∞ for n = 128).
    y * f32::from_bits(t.to_bits() << 23)
}

/// ln x for x > 0 (the kernel only takes logs of sums of exponentials, which are ≥ 1);
/// ln ∞ = ∞ and NaN stays NaN.
#[inline(always)]
pub fn ln(x: f32) -> f32 {
    let bits = x.to_bits();
    // x = m · 2^e with m in [0.5, 1).
    let mut e = ((bits >> 23) & 0xff) as i32 - 126;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000);
    let small = m < std::f32::consts::FRAC_1_SQRT_2;
    e -= i32::from(small);
    m = if small { m + m - 1.0 } else { m - 1.0 };
    let z = m * m;
    let mut p = 7.037_683_6e-2f32;
    p = p.mul_add(m, -1.151_461e-1);
    p = p.mul_add(m, 1.167_699_9e-1);
    p = p.mul_add(m, -1.242_014_1e-1);
    p = p.mul_add(m, 1.424_932_3e-1);
    p = p.mul_add(m, -1.666_805_8e-1);
    p = p.mul_add(m, 2.000_071_4e-1);
    p = p.mul_add(m, -2.499_999_4e-1);
    p = p.mul_add(m, 3.333_333e-1);
    let ef = e as f32;
    let y = (p * m) * z;
    let y = ef.mul_add(LN2_LO, y);
    let y = z.mul_add(-0.5, y);
    let y = ef.mul_add(LN2_HI, m + y);
    let y = if x == f32::INFINITY { x } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// tanh x: an odd polynomial near 0, where 1 − 2/(e^2x + 1) would lose digits, and that
/// form beyond.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let ax = x.abs();
    let z = x * x;
    let mut p = -5.704_988_7e-3f32;
    p = p.mul_add(z, 2.063_909e-2);
    p = p.mul_add(z, -5.373_971_6e-2);
    p = p.mul_add(z, 1.333_144_2e-1);
    p = p.mul_add(z, -3.333_328e-1);
    let near = (p * z).mul_add(x, x);
    let far = 1.0 - 2.0 / (exp(ax + ax) + 1.0);
    let far = if x < 0.0 { -far } else { far };
    if ax < 0.625 {
        near
    } else {
        far
    }
}

/// 1 / (1 + e^−x).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Error in units of the f32 spacing at the true value.
    fn ulps(got: f32, want: f64) -> f64 {
        let spacing = (want.abs() as f32).max(f32::MIN_POSITIVE);
        let ulp = (f32::from_bits(spacing.to_bits() + 1) - spacing) as f64;
        (got as f64 - want).abs() / ulp
    }

    fn grid(lo: f32, hi: f32, n: usize) -> impl Iterator<Item = f32> {
        (0..=n).map(move |i| lo + (hi - lo) * i as f32 / n as f32)
    }

    #[test]
    fn exp_is_within_two_ulps_of_libm() {
        let worst = grid(-87.3, 88.37, 400_000)
            .map(|x| ulps(exp(x), (x as f64).exp()))
            .fold(0.0, f64::max);
        assert!(worst <= 2.0, "{worst} ulps");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(100.0), f32::INFINITY);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(-100.0), 0.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert!(exp(f32::NAN).is_nan());
        // The saturation edges, where 2^n leaves the normal range.
        assert!(exp(88.37).is_finite());
        assert_eq!(exp(88.38), f32::INFINITY);
        let tiny = exp(-87.5);
        assert!(tiny > 0.0 && (tiny as f64 / (-87.5f64).exp() - 1.0).abs() < 1e-5);
        assert_eq!(exp(-87.7), 0.0);
    }

    #[test]
    fn ln_is_within_two_ulps_of_libm() {
        let worst = grid(1e-3, 50.0, 200_000)
            .chain(grid(1.0, 1e30, 200_000))
            .map(|x| ulps(ln(x), (x as f64).ln()))
            .fold(0.0, f64::max);
        assert!(worst <= 2.0, "{worst} ulps");
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(f32::INFINITY), f32::INFINITY);
        assert!(ln(f32::NAN).is_nan());
    }

    #[test]
    fn tanh_and_sigmoid_are_close_to_libm() {
        for x in grid(-20.0, 20.0, 200_000) {
            let t = (x as f64).tanh();
            assert!(
                (tanh(x) as f64 - t).abs() <= 2.5e-7 * t.abs().max(1e-3),
                "tanh({x}) = {} vs {t}",
                tanh(x)
            );
            let s = 1.0 / (1.0 + (-(x as f64)).exp());
            assert!(ulps(sigmoid(x), s) <= 4.0, "sigmoid({x})");
        }
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(tanh(50.0), 1.0);
        assert_eq!(tanh(-50.0), -1.0);
        assert!(tanh(f32::NAN).is_nan());
        assert_eq!(sigmoid(-200.0), 0.0);
        assert_eq!(sigmoid(200.0), 1.0);
    }
}
