//! How numbers are written in the CSV files: each into a small buffer on the stack
//! ([`Digits`]), since a run writes millions of them and a `String` per field would cost more
//! than the training of a small study.
//!
//! Floats get their shortest round-trip digits from `ryu` (several times faster than
//! `format!`), with Rust's rounding of exact ties, laid out as Rust's `{}` and `{:e}` lay
//! them out: the files are the same bytes as when every field went through `format!`
//! (`tests::same_bytes_as_format`).

use std::io::Write;

/// One number's text, composed on the stack. The longest a number here can take is 24 bytes
/// (`-1.2345678901234567e-308`).
#[derive(Clone, Copy)]
pub struct Digits {
    buf: [u8; 40],
    len: usize,
}

impl Digits {
    fn new() -> Digits {
        Digits {
            buf: [0; 40],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        self.extend_from_slice(&[b]);
    }

    fn extend_from_slice(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).expect("digits are ASCII")
    }
}

impl Write for Digits {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::fmt::Display for Digits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A quantity computed in the network's f32: written with the shortest digits that read back
/// to the same f32, plain (`0.0123`) from 1e-5 to 1e9 and `1.5e-7` style outside. Non-finite
/// values write nothing (an empty cell).
pub fn loss(x: f64) -> Digits {
    let mut out = Digits::new();
    if !x.is_finite() {
        return out;
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
        if !(fast
            && shortest(
                &mut out,
                ryu::Buffer::new().format_finite(v),
                v as f64,
                plain,
            ))
        {
            if plain {
                write!(out, "{v}")
            } else {
                write!(out, "{v:e}")
            }
            .expect("writing to memory");
        }
    }
    out
}

/// An exact f64 (accuracy, a fraction, a setting): shortest round-trip digits, plain from
/// 1e-5 to 1e15 (and for zero, `0` or `-0`), `3e20` style outside. Non-finite values write
/// nothing.
pub fn real(x: f64) -> Digits {
    let mut out = Digits::new();
    if !x.is_finite() {
        return out;
    }
    if x == 0.0 {
        out.extend_from_slice(if x.is_sign_negative() { b"-0" } else { b"0" });
    } else {
        let plain = (1e-5..1e15).contains(&x.abs());
        let fast = x.is_normal() && x.abs() < F64_EXACT;
        if !(fast && shortest(&mut out, ryu::Buffer::new().format_finite(x), x, plain)) {
            if plain {
                write!(out, "{x}")
            } else {
                write!(out, "{x:e}")
            }
            .expect("writing to memory");
        }
    }
    out
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
fn shortest(out: &mut Digits, ryu: &str, x: f64, plain: bool) -> bool {
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

    fn text(d: Digits) -> String {
        d.as_str().to_string()
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
        assert_eq!(text(loss(0.1f32 as f64)), "0.1");
        assert_eq!(text(loss(1.0)), "1");
        assert_eq!(text(loss(-0.0)), "0");
        assert_eq!(text(loss(1.5e-7)), "1.5e-7");
        assert_eq!(text(loss(123456.0)), "123456");
        assert_eq!(text(loss(2e9)), "2e9");
        assert_eq!(text(loss(f64::NAN)), "");
        assert_eq!(text(loss(f64::NEG_INFINITY)), "");
        assert_eq!(text(real(0.75)), "0.75");
        assert_eq!(text(real(-0.0)), "-0");
        assert_eq!(text(real(2.0 / 3.0)), "0.6666666666666666");
        // Exactly halfway between …062 and …063: ryu takes the even one, Rust the larger.
        assert_eq!(
            text(real(f64::from(f32::from_bits(0x436c_aeea)))),
            "236.68325805664063"
        );
        assert_eq!(text(real(3e20)), "3e20");
        assert_eq!(text(real(-1.25e-300)), "-1.25e-300");
        assert_eq!(text(real(1e-5)), "0.00001");
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
                assert_eq!(text(loss(x)), format_loss(x), "loss {x:e}");
                assert_eq!(text(real(x)), format_real(x), "real {x:e}");
                checked += 1;
            }
        }
        for n in 1..=200u32 {
            for k in 0..=n {
                let x = k as f64 / n as f64;
                assert_eq!(text(real(x)), format_real(x));
                assert_eq!(text(loss(x)), format_loss(x));
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
                assert_eq!(text(real(x)), format_real(x));
                assert_eq!(text(loss(x)), format_loss(x));
            }
        }
        assert_eq!(checked, 900_000);
    }
}
