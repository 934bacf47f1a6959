//! Seeded random streams and the few distributions built on them.
//!
//! Every random number in initbench comes from here, so that a trial's result depends only on
//! its seeds. candle's own CPU generator cannot be seeded, so all
//! sampling happens on the host. The transforms below are written out rather than taken from
//! `rand_distr`, whose algorithms may change between releases: results must stay the same bytes
//! for as long as this code does.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The generator behind every stream: ChaCha with 8 rounds (fast, and its output for a given
/// key and stream is fixed by the algorithm, not by a crate version).
pub type Rng = ChaCha8Rng;

/// SplitMix64's finalizer: a bijective mix of 64 bits (Steele, Lea & Flood 2014).
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Derives a child seed from a parent seed and a tag (replicate number, purpose, layer...).
pub fn derive(seed: u64, tag: u64) -> u64 {
    splitmix(splitmix(seed) ^ tag.wrapping_mul(0xd6e8_feb8_6659_fd93))
}

/// An independent stream for `(seed, stream)`. Different stream numbers never overlap.
pub fn stream(seed: u64, stream: u64) -> Rng {
    let mut key = [0u8; 32];
    let mut z = seed;
    for chunk in key.chunks_mut(8) {
        z = splitmix(z);
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    let mut rng = Rng::from_seed(key);
    rng.set_stream(stream);
    rng
}

/// Uniform on [0, 1) with 53 random bits.
pub fn uniform(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform on the open interval (0, 1): never 0, so it is safe under `ln`.
pub fn uniform_open(rng: &mut Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal by the Box–Muller transform (Box & Muller 1958), one value per call.
pub fn normal(rng: &mut Rng) -> f64 {
    let u1 = uniform_open(rng);
    let u2 = uniform(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Uniform integer in `0..n` without modulo bias (Lemire 2019, with rejection).
pub fn below(rng: &mut Rng, n: usize) -> usize {
    Below::new(n).draw(rng)
}

/// [`below`] for a fixed `n`, with its rejection threshold (a division) computed once: the
/// same draws from the same stream.
#[derive(Clone, Copy, Debug)]
pub struct Below {
    n: u64,
    threshold: u64,
}

impl Below {
    pub fn new(n: usize) -> Below {
        assert!(n > 0, "below(0)");
        let n = n as u64;
        Below {
            n,
            threshold: n.wrapping_neg() % n,
        }
    }

    #[inline]
    pub fn draw(&self, rng: &mut Rng) -> usize {
        loop {
            let m = (rng.next_u64() as u128) * (self.n as u128);
            if (m as u64) >= self.threshold {
                return (m >> 64) as usize;
            }
        }
    }

    /// Fills `out` with the draws that as many calls of [`Below::draw`] would make, leaving
    /// the stream where they would: the words come from the generator in bulk (the bytes of
    /// consecutive 64-bit outputs, as `next_u64` returns them), which halves the cost of a
    /// draw in the bootstrap.
    pub fn fill(&self, rng: &mut Rng, out: &mut [usize]) {
        let mut bytes = [0u8; 8 * 64];
        let mut i = 0;
        while i < out.len() {
            // No more words than draws still wanted, each taking at least one, so the stream
            // never runs ahead.
            let words = (out.len() - i).min(64);
            rng.fill_bytes(&mut bytes[..8 * words]);
            for word in bytes[..8 * words].chunks_exact(8) {
                let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
                let m = (w as u128) * (self.n as u128);
                if (m as u64) >= self.threshold {
                    out[i] = (m >> 64) as usize;
                    i += 1;
                }
            }
        }
    }
}

/// Fisher–Yates shuffle in place.
pub fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, below(rng, i + 1));
    }
}

/// A uniformly random permutation of `0..n`.
pub fn permutation(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    shuffle(rng, &mut p);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_makes_the_draws_of_draw() {
        // 3·2^62 rejects a quarter of the words, so rejections fall inside and at the ends
        // of the bulk batches.
        for n in [1usize, 7, 100, 142_858, 3 << 62] {
            for len in [0, 1, 63, 64, 65, 200] {
                let below = Below::new(n);
                let (mut a, mut b) = (stream(5, 1), stream(5, 1));
                let one: Vec<usize> = (0..len).map(|_| below.draw(&mut a)).collect();
                let mut bulk = vec![0; len];
                below.fill(&mut b, &mut bulk);
                assert_eq!(one, bulk, "n {n} len {len}");
                assert_eq!(
                    a.next_u64(),
                    b.next_u64(),
                    "n {n} len {len}: stream position"
                );
            }
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| stream(7, 0).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(stream(7, 0).next_u64(), stream(7, 1).next_u64());
        assert_ne!(stream(7, 0).next_u64(), stream(8, 0).next_u64());
        assert_ne!(derive(1, 2), derive(2, 1));
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut rng = stream(1, 0);
        let n = 200_000;
        let u: Vec<f64> = (0..n).map(|_| uniform(&mut rng)).collect();
        assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean = u.iter().sum::<f64>() / n as f64;
        // Standard error of the mean is sqrt(1/12/n) = 6.5e-4; allow 5 of them.
        assert!((mean - 0.5).abs() < 5.0 * 6.5e-4, "mean {mean}");
        let z: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
        let m = z.iter().sum::<f64>() / n as f64;
        let v = z.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!(m.abs() < 5.0 * (1.0 / n as f64).sqrt(), "mean {m}");
        // sd of the sample variance of a normal is sqrt(2/n) = 3.2e-3.
        assert!((v - 1.0).abs() < 5.0 * 3.2e-3, "var {v}");
    }

    #[test]
    fn below_is_unbiased_and_in_range() {
        let mut rng = stream(3, 0);
        let mut counts = [0usize; 3];
        for _ in 0..30_000 {
            counts[below(&mut rng, 3)] += 1;
        }
        for c in counts {
            assert!((c as i64 - 10_000).abs() < 400, "{counts:?}");
        }
        let p = permutation(&mut rng, 100);
        let mut sorted = p.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(p, sorted);
    }
}
