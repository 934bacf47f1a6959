//! How numbers are written in the CSV files, into a byte buffer rather than a `String` per
//! field: writing (most of it floats) once took longer than training the seed study.
//!
//! Floats get their shortest round-trip digits from `ryu` (several times faster than
//! `format!`), with Rust's rounding of exact ties, laid out as Rust's `{}` and `{:e}` lay
//! them out: the files are the same bytes as when every field went through `format!`
//! (`tests::same_bytes_as_format`; when this was written, a one-off check also compared
//! every positive finite f32 and 3·10^8 random f64s).

use std::io::Write;

/// A quantity computed in the network's f32: written with the shortest digits that read back
/// to the same f32, plain (`0.0123`) from 1e-5 to 1e9 and `1.5e-7` style outside. Non-finite
/// values write nothing (an empty cell).
pub fn loss(out: &mut Vec<u8>, x: f64) {
    if !x.is_finite() {
        return;
    }
    let v = x as f32;
    if v == 0.0 {
        out.push(b'0');
    } else if v.is_infinite() {
        // A finite f64 beyond f32's range (no network computes one).
        out.extend_from_slice(if v > 0.0 { b"inf" } else { b"-inf" });
    } else {
        let plain = (1e-5..1e9).contains(&v.abs());
        let fast = v.is_normal() && v.abs() < F32_EXACT;
        if !(fast && shortest(out, ryu::Buffer::new().format_finite(v), v as f64, plain)) {
            if plain {
                write!(out, "{v}")
            } else {
                write!(out, "{v:e}")
            }
            .expect("writing to memory");
        }
    }
}

/// An exact f64 (accuracy, a fraction, a setting): shortest round-trip digits, plain from
/// 1e-5 to 1e15 (and for zero, `0` or `-0`), `3e20` style outside. Non-finite values write
/// nothing.
pub fn real(out: &mut Vec<u8>, x: f64) {
    if !x.is_finite() {
        return;
    }
    if x == 0.0 {
        out.extend_from_slice(if x.is_sign_negative() { b"-0" } else { b"0" });
    } else {
        let plain = (1e-5..1e15).contains(&x.abs());
        let fast = x.is_normal() && x.abs() < F64_EXACT;
        if !(fast && shortest(out, ryu::Buffer::new().format_finite(x), x, plain)) {
            if plain {
                write!(out, "{x}")
            } else {
                write!(out, "{x:e}")
            }
            .expect("writing to memory");
        }
    }
}

/// An integer in decimal.
pub fn int(out: &mut Vec<u8>, v: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Below 2^24 (f32) and 2^53 (f64) the values halfway to a float's neighbours have more
/// decimal digits than the float itself, so whether the shortest digits may land on them,
/// which `ryu` allows and Rust does not, never matters. Larger values take `format!`.
const F32_EXACT: f32 = 16_777_216.0;
const F64_EXACT: f64 = 9_007_199_254_740_992.0;

/// Writes `x` as Rust's `{}` (`plain`) or `{:e}` would from `ryu`'s rendering of it (`-`,
/// digits with an optional point, an optional `e` exponent), whose shortest digits are
/// Rust's but for one case: when `x` lies exactly halfway between the two closest candidates
/// of that length, `ryu` takes the even one and Rust the larger. `x` is the float's exact
/// value. Returns false, having written nothing, if the digits do not fit the buffer.
fn shortest(out: &mut Vec<u8>, ryu: &str, x: f64, plain: bool) -> bool {
    let s = ryu.as_bytes();
    // The significant digits, and where the decimal point falls among them: the value is
    // 0.d₁d₂… × 10^point.
    let mut digits = [b'0'; 20];
    let (mut n, mut point, mut seen_point) = (0, 0i32, false);
    let negative = s.first() == Some(&b'-');
    for (i, &c) in s.iter().enumerate().skip(usize::from(negative)) {
        match c {
            b'.' => seen_point = true,
            b'e' => {
                point += parse_exp(&s[i + 1..]);
                break;
            }
            _ => {
                point += i32::from(!seen_point);
                if n == 0 && c == b'0' {
                    // A leading zero (`0.00123`): not a significant digit.
                    point -= 1;
                } else if n == digits.len() {
                    return false;
                } else {
                    digits[n] = c;
                    n += 1;
                }
            }
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    // Shortest digits never end in 0, so a tie rounded down to even ends in 2, 4, 6 or 8 and
    // rounding it up carries nowhere.
    if digits[n - 1] % 2 == 0 && halfway_above(x.abs(), &digits[..n], point - n as i32) {
        digits[n - 1] += 1;
    }
    let digits = &digits[..n];
    // Composed on the stack and appended once.
    let mut buf = [0u8; 64];
    let mut len = 0;
    let mut put = |bytes: &[u8]| -> bool {
        let end = len + bytes.len();
        if end > buf.len() {
            return false;
        }
        buf[len..end].copy_from_slice(bytes);
        len = end;
        true
    };
    let zeros = [b'0'; 32];
    let mut exp = itoa::Buffer::new();
    let exp = exp.format(point - 1).as_bytes();
    let fits = put(if negative { b"-" } else { b"" })
        && if !plain {
            put(&digits[..1])
                && (n == 1 || (put(b".") && put(&digits[1..])))
                && put(b"e")
                && put(exp)
        } else if point <= 0 {
            (-point) as usize <= zeros.len()
                && put(b"0.")
                && put(&zeros[..(-point) as usize])
                && put(digits)
        } else if point as usize >= n {
            point as usize - n <= zeros.len() && put(digits) && put(&zeros[..point as usize - n])
        } else {
            put(&digits[..point as usize]) && put(b".") && put(&digits[point as usize..])
        };
    if fits {
        out.extend_from_slice(&buf[..len]);
    }
    fits
}

/// Whether `x` (normal, positive) is exactly (D + ½)·10^k, D being the decimal `digits`:
/// 2x = (2D + 1)·2^k·5^k. With x = m·2^e, m odd, the powers of 2 agree only if e + 1 = k
/// (2D + 1 is odd), and then m = (2D + 1)·5^k for k ≥ 0, or m·5^−k = 2D + 1 for k < 0.
fn halfway_above(x: f64, digits: &[u8], k: i32) -> bool {
    let bits = x.to_bits();
    let m = (bits & ((1 << 52) - 1)) | (1 << 52);
    let zeros = m.trailing_zeros();
    let (m, e) = (
        m >> zeros,
        ((bits >> 52) & 0x7ff) as i32 - 1075 + zeros as i32,
    );
    if e + 1 != k || k.unsigned_abs() as usize >= POW5.len() {
        return false;
    }
    let d = digits
        .iter()
        .fold(0u64, |d, &c| d * 10 + u64::from(c - b'0'));
    let (odd, p) = (
        2 * u128::from(d) + 1,
        u128::from(POW5[k.unsigned_abs() as usize]),
    );
    if k >= 0 {
        u128::from(m) == odd * p
    } else {
        u128::from(m) * p == odd
    }
}

/// 5^0 … 5^27, the powers of 5 that fit a u64.
const POW5: [u64; 28] = {
    let mut p = [1u64; 28];
    let mut i = 1;
    while i < 28 {
        p[i] = p[i - 1] * 5;
        i += 1;
    }
    p
};

fn parse_exp(s: &[u8]) -> i32 {
    let (sign, s) = match s.split_first() {
        Some((b'-', rest)) => (-1, rest),
        _ => (1, s),
    };
    sign * s.iter().fold(0i32, |e, &c| e * 10 + i32::from(c - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;
    use rand_core::RngCore;

    fn text(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    /// What every field was before: `format!`.
    fn format_loss(x: f64) -> String {
        if !x.is_finite() {
            return String::new();
        }
        let v = x as f32;
        if v == 0.0 {
            "0".to_string()
        } else if (1e-5..1e9).contains(&v.abs()) {
            format!("{v}")
        } else {
            format!("{v:e}")
        }
    }

    fn format_real(x: f64) -> String {
        if !x.is_finite() {
            String::new()
        } else if x == 0.0 || (1e-5..1e15).contains(&x.abs()) {
            format!("{x}")
        } else {
            format!("{x:e}")
        }
    }

    #[test]
    fn examples() {
        assert_eq!(text(|o| loss(o, 0.1f32 as f64)), "0.1");
        assert_eq!(text(|o| loss(o, 1.0)), "1");
        assert_eq!(text(|o| loss(o, -0.0)), "0");
        assert_eq!(text(|o| loss(o, 1.5e-7)), "1.5e-7");
        assert_eq!(text(|o| loss(o, 123456.0)), "123456");
        assert_eq!(text(|o| loss(o, 2e9)), "2e9");
        assert_eq!(text(|o| loss(o, f64::NAN)), "");
        assert_eq!(text(|o| loss(o, f64::NEG_INFINITY)), "");
        assert_eq!(text(|o| real(o, 0.75)), "0.75");
        assert_eq!(text(|o| real(o, -0.0)), "-0");
        assert_eq!(text(|o| real(o, 2.0 / 3.0)), "0.6666666666666666");
        // Exactly halfway between …062 and …063: ryu takes the even one, Rust the larger.
        assert_eq!(
            text(|o| real(o, f64::from(f32::from_bits(0x436c_aeea)))),
            "236.68325805664063"
        );
        assert_eq!(text(|o| real(o, 3e20)), "3e20");
        assert_eq!(text(|o| real(o, -1.25e-300)), "-1.25e-300");
        assert_eq!(text(|o| real(o, 1e-5)), "0.00001");
        assert_eq!(text(|o| int(o, 0u32)), "0");
        assert_eq!(text(|o| int(o, u64::MAX)), "18446744073709551615");
    }

    /// The same text as `format!` for floats across every binade and sign, at random bit
    /// patterns (which reach every layout: plain with leading zeros, with a point, with
    /// trailing zeros, and exponent form both ways), and at the round decimals training
    /// produces (accuracies k/n, and values with few digits).
    #[test]
    fn same_bytes_as_format() {
        let mut rng = rng::stream(42, 0);
        let mut checked = 0;
        for _ in 0..300_000 {
            let bits = rng.next_u64();
            let x32 = f32::from_bits(bits as u32) as f64;
            let x64 = f64::from_bits(bits);
            // Doubles near the range the CSVs see, whatever their exponent bits were.
            let near = f64::from_bits(
                (bits & 0x800f_ffff_ffff_ffff) | (0x3f0u64 + (bits >> 52) % 0x60) << 52,
            );
            for x in [x32, x64, near] {
                assert_eq!(text(|o| loss(o, x)), format_loss(x), "loss {x:e}");
                assert_eq!(text(|o| real(o, x)), format_real(x), "real {x:e}");
                checked += 1;
            }
        }
        for n in 1..=200u32 {
            for k in 0..=n {
                let x = k as f64 / n as f64;
                assert_eq!(text(|o| real(o, x)), format_real(x));
                assert_eq!(text(|o| loss(o, x)), format_loss(x));
            }
        }
        for x in [
            1e-5,
            1e9,
            1e15,
            999999940.0,
            1e-5 * 0.999,
            1e15 * 0.999_999_999_999_99,
            100.0,
            1e22,
        ] {
            for x in [x, -x] {
                assert_eq!(text(|o| real(o, x)), format_real(x));
                assert_eq!(text(|o| loss(o, x)), format_loss(x));
            }
        }
        assert_eq!(checked, 900_000);
    }
}
