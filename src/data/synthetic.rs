//! Synthetic data sets: truth tables and the scikit-learn toy generators.
//!
//! `moons`, `circles` and `blobs` follow scikit-learn 1.x (`sklearn.datasets.make_moons`,
//! `make_circles`, `make_blobs`) in geometry, class sizes and noise model, so results can be
//! compared with work that used them; the numbers differ because the random source is
//! [`crate::rng`], not NumPy. Unlike sklearn the rows stay grouped by class: the split permutes
//! within each class anyway, and grouped rows make the generators easy to check.
//! Computation is in f64 and rounded to f32 once at the end.

use super::Dataset;
use crate::rng::{self, Rng};
use std::f64::consts::PI;

/// Stream number for generated data, distinct from the split's stream so that the same seed
/// may drive both without correlating them.
const DATA_STREAM: u64 = 0xda7a;

fn dataset(x: Vec<f64>, y: Vec<u32>, features: usize, classes: usize) -> Dataset {
    Dataset {
        n: y.len(),
        x: x.into_iter().map(|v| v as f32).collect(),
        y,
        features,
        classes,
    }
}

/// NumPy's `linspace(start, stop, num, endpoint)`, which sklearn uses to place the points.
fn linspace(start: f64, stop: f64, num: usize, endpoint: bool) -> impl Iterator<Item = f64> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let step = if div == 0 {
        0.0
    } else {
        (stop - start) / div as f64
    };
    (0..num).map(move |i| start + i as f64 * step)
}

/// Adds N(0, noise²) to every coordinate, row by row: sklearn's `X += generator.normal(scale=noise)`.
fn add_noise(x: &mut [f64], noise: f64, rng: &mut Rng) {
    for v in x {
        *v += noise * rng::normal(rng);
    }
}

/// Every `bits`-bit pattern as 0/1 inputs, labelled by parity. Rows count up in binary with the
/// most significant bit first, so `parity(2)` is the notebook's XOR: [0,0],[0,1],[1,0],[1,1]
/// with labels [0,1,1,0].
pub(super) fn parity(bits: u32) -> Dataset {
    let rows = 1usize << bits;
    let b = bits as usize;
    let mut x = Vec::with_capacity(rows * b);
    let mut y = Vec::with_capacity(rows);
    for i in 0..rows {
        for j in 0..b {
            x.push(((i >> (b - 1 - j)) & 1) as f64);
        }
        y.push(i.count_ones() % 2);
    }
    dataset(x, y, b, 2)
}

/// Two interleaved spirals (the benchmark of Lang & Witbrock 1988, "Learning to tell two
/// spirals apart"). Each arm is the Archimedean spiral r = θ / 3π for θ ∈ [0, 3π]
/// (1.5 turns, radius 0 to 1); class 1 is class 0 turned by π. Point i of m on an arm sits at
/// θ = 3π·√((i + ½)/m): arc length grows as θ², so the square root spaces points evenly along
/// the curve instead of crowding the centre. The arms are 1/3 apart radially. Class 0 gets
/// n/2 points (floor) and class 1 the rest, as in make_moons; then N(0, noise²) per coordinate.
pub(super) fn spirals(n: usize, noise: f64, seed: u64) -> Dataset {
    let sizes = [n / 2, n - n / 2];
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for (k, &m) in sizes.iter().enumerate() {
        for i in 0..m {
            let theta = 3.0 * PI * ((i as f64 + 0.5) / m as f64).sqrt();
            let r = theta / (3.0 * PI);
            let phase = theta + k as f64 * PI;
            x.push(r * phase.cos());
            x.push(r * phase.sin());
            y.push(k as u32);
        }
    }
    add_noise(&mut x, noise, &mut rng::stream(seed, DATA_STREAM));
    dataset(x, y, 2, 2)
}

/// sklearn `make_circles(n_samples=n, noise, factor)`: n/2 (floor) points on the unit circle
/// (class 0) and the rest on the circle of radius `factor` (class 1), each at
/// `linspace(0, 2π, endpoint=False)`; then N(0, noise²) per coordinate.
pub(super) fn circles(n: usize, noise: f64, factor: f64, seed: u64) -> Dataset {
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for (class, count, radius) in [(0, n_out, 1.0), (1, n_in, factor)] {
        for t in linspace(0.0, 2.0 * PI, count, false) {
            x.push(radius * t.cos());
            x.push(radius * t.sin());
            y.push(class);
        }
    }
    add_noise(&mut x, noise, &mut rng::stream(seed, DATA_STREAM));
    dataset(x, y, 2, 2)
}

/// sklearn `make_moons(n_samples=n, noise)`: n/2 (floor) points (cos t, sin t) (class 0) and
/// the rest (1 − cos t, 1 − sin t − 0.5) (class 1), t = `linspace(0, π)` with both ends; then
/// N(0, noise²) per coordinate.
pub(super) fn moons(n: usize, noise: f64, seed: u64) -> Dataset {
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for t in linspace(0.0, PI, n_out, true) {
        x.push(t.cos());
        x.push(t.sin());
        y.push(0);
    }
    for t in linspace(0.0, PI, n_in, true) {
        x.push(1.0 - t.cos());
        x.push(1.0 - t.sin() - 0.5);
        y.push(1);
    }
    add_noise(&mut x, noise, &mut rng::stream(seed, DATA_STREAM));
    dataset(x, y, 2, 2)
}

/// sklearn `make_blobs(n_samples=n, centers=classes, n_features=features, cluster_std=std)`:
/// centers uniform in the default `center_box` [−10, 10]^features, n // classes points per
/// class with the first n % classes classes one larger, each point N(center, std²) per
/// coordinate. Returns the centers too (row-major `[classes, features]`) for the tests.
pub(super) fn blobs(
    n: usize,
    classes: usize,
    features: usize,
    std: f64,
    seed: u64,
) -> (Dataset, Vec<f64>) {
    let mut rng = rng::stream(seed, DATA_STREAM);
    let centers: Vec<f64> = (0..classes * features)
        .map(|_| -10.0 + 20.0 * rng::uniform(&mut rng))
        .collect();
    let mut x = Vec::with_capacity(n * features);
    let mut y = Vec::with_capacity(n);
    for c in 0..classes {
        let count = n / classes + usize::from(c < n % classes);
        let center = &centers[c * features..(c + 1) * features];
        for _ in 0..count {
            x.extend(center.iter().map(|&m| m + std * rng::normal(&mut rng)));
            y.push(c as u32);
        }
    }
    (dataset(x, y, features, classes), centers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(d: &Dataset) -> Vec<usize> {
        let mut c = vec![0; d.classes];
        for &y in &d.y {
            c[y as usize] += 1;
        }
        c
    }

    fn check_shape(d: &Dataset, n: usize, features: usize, classes: usize) {
        assert_eq!((d.n, d.features, d.classes), (n, features, classes));
        assert_eq!(d.x.len(), n * features);
        assert_eq!(d.y.len(), n);
        assert!(d.y.iter().all(|&y| (y as usize) < classes));
        assert!(d.x.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn parity_is_the_truth_table_and_xor_matches_the_notebook() {
        let xor = parity(2);
        assert_eq!(xor.x, vec![0., 0., 0., 1., 1., 0., 1., 1.]);
        assert_eq!(xor.y, vec![0, 1, 1, 0]);
        check_shape(&xor, 4, 2, 2);
        let p = parity(5);
        check_shape(&p, 32, 5, 2);
        for i in 0..p.n {
            let row = &p.x[i * 5..(i + 1) * 5];
            let ones = row.iter().filter(|&&b| b == 1.0).count();
            assert!(row.iter().all(|&b| b == 0.0 || b == 1.0));
            assert_eq!(p.y[i] as usize, ones % 2);
        }
        // All patterns distinct.
        let mut rows: Vec<&[f32]> = p.x.chunks(5).collect();
        rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
        rows.dedup();
        assert_eq!(rows.len(), 32);
    }

    #[test]
    fn generators_have_their_shapes_and_depend_only_on_the_seed() {
        type Generator = fn(u64) -> Dataset;
        let gens: [(Generator, usize, usize); 4] = [
            (|s| moons(201, 0.1, s), 2, 2),
            (|s| circles(201, 0.05, 0.5, s), 2, 2),
            (|s| spirals(201, 0.1, s), 2, 2),
            (|s| blobs(201, 4, 3, 1.0, s).0, 3, 4),
        ];
        for (gen, features, classes) in gens {
            let a = gen(1);
            check_shape(&a, 201, features, classes);
            assert_eq!(a, gen(1));
            assert_ne!(a.x, gen(2).x);
            let c = counts(&a);
            assert!(
                c.iter().max().unwrap() - c.iter().min().unwrap() <= 1,
                "{c:?}"
            );
        }
        // Class sizes as in sklearn: the second class of moons/circles takes the odd point,
        // the first classes of blobs take the remainder.
        assert_eq!(counts(&moons(201, 0.1, 0)), vec![100, 101]);
        assert_eq!(counts(&blobs(202, 4, 2, 1.0, 0).0), vec![51, 51, 50, 50]);
    }

    #[test]
    fn noiseless_moons_and_circles_lie_on_their_curves() {
        let m = moons(100, 0.0, 9);
        assert_eq!(
            m,
            moons(100, 0.0, 10),
            "noise 0 must not depend on the seed"
        );
        for (i, p) in m.x.chunks(2).enumerate() {
            let (x, y) = (p[0] as f64, p[1] as f64);
            let (cx, cy) = if m.y[i] == 0 { (0.0, 0.0) } else { (1.0, 0.5) };
            let r = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            assert!((r - 1.0).abs() < 1e-6, "row {i}: radius {r}");
            // Outer moon is the upper half circle, inner the lower one.
            if m.y[i] == 0 {
                assert!(y >= 0.0);
            } else {
                assert!(y <= 0.5 + 1e-7);
            }
        }
        // Ends of the arcs exactly where linspace(0, π) puts them.
        assert_eq!(&m.x[0..2], &[1.0, 0.0]);
        assert_eq!(m.x[98], -1.0);
        assert_eq!(&m.x[100..102], &[0.0, 0.5]);
        assert_eq!(m.x[198], 2.0);

        let c = circles(100, 0.0, 0.3, 1);
        for (i, p) in c.x.chunks(2).enumerate() {
            let r = (p[0] as f64).hypot(p[1] as f64);
            let want = if c.y[i] == 0 { 1.0 } else { 0.3 };
            assert!((r - want).abs() < 1e-6, "row {i}: radius {r}");
        }
        // endpoint=False: the first point is at angle 0 and none repeats it at 2π.
        assert_eq!(&c.x[0..2], &[1.0, 0.0]);
        assert_eq!(&c.x[100..102], &[0.3, 0.0]);
        let angle = (c.x[99] as f64).atan2(c.x[98] as f64);
        assert!((angle + 2.0 * PI / 50.0).abs() < 1e-6, "{angle}");
    }

    #[test]
    fn noiseless_spirals_are_two_arms_turned_by_pi() {
        let s = spirals(100, 0.0, 3);
        for i in 0..50 {
            let a = &s.x[2 * i..2 * i + 2];
            let b = &s.x[2 * (50 + i)..2 * (50 + i) + 2];
            assert!((a[0] + b[0]).abs() < 1e-6 && (a[1] + b[1]).abs() < 1e-6);
            let r = (a[0] as f64).hypot(a[1] as f64);
            assert!(r > 0.0 && r < 1.0);
        }
    }

    #[test]
    fn blob_means_are_near_their_centers() {
        let (d, centers) = blobs(3000, 3, 2, 1.0, 5);
        assert!(centers.iter().all(|c| (-10.0..10.0).contains(c)));
        for c in 0..3 {
            let rows: Vec<&[f32]> = (0..d.n)
                .filter(|&i| d.y[i] == c as u32)
                .map(|i| &d.x[2 * i..2 * i + 2])
                .collect();
            for f in 0..2 {
                let mean = rows.iter().map(|r| r[f] as f64).sum::<f64>() / rows.len() as f64;
                // Standard error 1/√1000 ≈ 0.032; allow 5 of them.
                assert!(
                    (mean - centers[2 * c + f]).abs() < 0.16,
                    "{mean} vs {centers:?}"
                );
            }
        }
    }
}
