//! The matrix initializers (orthogonal and its QR, identity, sparse) and what holds for every
//! initializer's matrix: same seed same weights, empty layers give empty matrices.

use super::*;
use crate::init::orthogonal::{householder_qr, transpose};
use crate::init::structured;

fn gram(w: &[f64], rows: usize, cols: usize, of_columns: bool) -> Vec<f64> {
    // WᵀW (cols × cols) when of_columns, else WWᵀ (rows × rows).
    let (d, len) = if of_columns {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let at = |k: usize, i: usize| {
        if of_columns {
            w[k * cols + i]
        } else {
            w[i * cols + k]
        }
    };
    let mut g = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            g[i * d + j] = (0..len).map(|k| at(k, i) * at(k, j)).sum();
        }
    }
    g
}

#[test]
fn orthogonal_is_orthogonal_in_every_shape_and_layout() {
    let o = init("orthogonal", &[]);
    for (fi, fo) in [(50, 20), (20, 50), (32, 32)] {
        for layout in [Layout::InOut, Layout::OutIn] {
            for gain in [1.0, 1.7] {
                let (rows, cols) = layout.shape(fi, fo);
                let w = o.sample(fi, fo, layout, gain, &mut rng::stream(3, 0));
                assert_eq!(w.len(), rows * cols);
                let tall = rows >= cols;
                let g = gram(&w, rows, cols, tall);
                let d = rows.min(cols);
                for i in 0..d {
                    for j in 0..d {
                        let want = if i == j { gain * gain } else { 0.0 };
                        assert!(
                            (g[i * d + j] - want).abs() < 1e-10,
                            "{fi}x{fo} {layout:?}: ({i},{j}) = {}",
                            g[i * d + j]
                        );
                    }
                }
                // Random: another seed gives another matrix, and columns differ.
                let w2 = o.sample(fi, fo, layout, gain, &mut rng::stream(4, 0));
                assert!(w.iter().zip(&w2).any(|(a, b)| (a - b).abs() > 1e-3));
                assert!((1..cols).any(|j| (0..rows).any(|r| w[r * cols + j] != w[r * cols])));
            }
        }
    }
}

#[test]
fn householder_qr_reproduces_its_input_with_a_positive_diagonal() {
    // The sign fix is what makes Q Haar (Mezzadri 2007): R's diagonal must be > 0 and QR = A.
    let (m, n) = (9, 5);
    let mut r = rng::stream(9, 0);
    let a: Vec<f64> = (0..m * n).map(|_| rng::normal(&mut r)).collect();
    let (q, rr) = householder_qr(&a, m, n);
    for i in 0..n {
        assert!(rr[i * n + i] > 0.0);
        for j in 0..i {
            assert_eq!(rr[i * n + j], 0.0);
        }
    }
    for i in 0..m {
        for j in 0..n {
            let qr: f64 = (0..n).map(|k| q[i * n + k] * rr[k * n + j]).sum();
            assert!((qr - a[i * n + j]).abs() < 1e-12);
        }
    }
    // With a positive diagonal, Q's first column is A's first column normalized.
    let norm = (0..m).map(|i| a[i * n].powi(2)).sum::<f64>().sqrt();
    assert!((0..m).all(|i| (q[i * n] - a[i * n] / norm).abs() < 1e-12));
}

#[test]
fn deterministic_initializers_are_exact() {
    let mut rng = rng::stream(1, 0);
    let eye = init("identity", &[]);
    let w = eye.sample(3, 5, Layout::InOut, 2.0, &mut rng);
    let want: Vec<f64> = (0..15)
        .map(|k| if k / 5 == k % 5 { 2.0 } else { 0.0 })
        .collect();
    assert_eq!(w, want);
    let w = eye.sample(3, 5, Layout::OutIn, 1.0, &mut rng);
    let want: Vec<f64> = (0..15)
        .map(|k| if k / 3 == k % 3 { 1.0 } else { 0.0 })
        .collect();
    assert_eq!(w, want);
    assert_eq!(
        init("zeros", &[]).sample(4, 3, Layout::InOut, 2.0, &mut rng),
        vec![0.0; 12]
    );
    assert_eq!(
        init("ones", &[]).sample(4, 3, Layout::OutIn, 2.0, &mut rng),
        vec![2.0; 12]
    );
    let c = init("constant", &[("value", num(0.3))]);
    assert_eq!(c.sample(2, 3, Layout::InOut, 2.0, &mut rng), vec![0.6; 6]);
    assert_eq!(c.sample_bias(4, 9, 2.0, &mut rng).unwrap(), vec![0.6; 4]);
    assert_eq!(
        init("ones", &[]).sample_bias(2, 9, 1.0, &mut rng).unwrap(),
        vec![1.0; 2]
    );
}

/// The p × p Sylvester–Hadamard matrix by its recursion H₂ₖ = [[H, H], [H, −H]], written
/// independently of the code's popcount rule.
fn sylvester(p: usize) -> Vec<f64> {
    let mut h = vec![1.0];
    let mut n = 1;
    while n < p {
        let mut next = vec![0.0; 4 * n * n];
        for i in 0..n {
            for j in 0..n {
                let x = h[i * n + j];
                next[i * 2 * n + j] = x;
                next[i * 2 * n + j + n] = x;
                next[(i + n) * 2 * n + j] = x;
                next[(i + n) * 2 * n + j + n] = -x;
            }
        }
        h = next;
        n *= 2;
    }
    h
}

#[test]
fn zer_o_follows_the_released_algorithm_in_every_shape() {
    let z = init("zer_o", &[]);
    let mut rng = rng::stream(5, 0);
    // The [fan_out, fan_in] weight of a 2-input, 3-output layer: p = 4, H₄[:3, :2] / 2.
    let w = z.sample(2, 3, Layout::OutIn, 1.0, &mut rng);
    assert_eq!(w, vec![0.5, 0.5, 0.5, -0.5, 0.5, 0.5]);
    for (fi, fo) in [(5, 5), (9, 4), (4, 9), (3, 8), (10, 37), (1, 2), (64, 64)] {
        let (rows, cols) = (fo, fi);
        let w = z.sample(fi, fo, Layout::OutIn, 1.0, &mut rng);
        let want: Vec<f64> = if rows <= cols {
            (0..rows * cols)
                .map(|k| f64::from(u8::from(k / cols == k % cols)))
                .collect()
        } else {
            let p = (rows as f64).log2().ceil().exp2() as usize;
            let h = sylvester(p);
            (0..rows * cols)
                .map(|k| h[(k / cols) * p + k % cols] / (p as f64).sqrt())
                .collect()
        };
        assert_eq!(w, want, "{fi} -> {fo}");
        // Keras's layout holds the transpose; the gain scales every entry.
        let t = z.sample(fi, fo, Layout::InOut, 1.5, &mut rng);
        let scaled: Vec<f64> = transpose(&w, rows, cols).iter().map(|x| 1.5 * x).collect();
        assert_eq!(t, scaled, "{fi} -> {fo} InOut");
    }
    // Expanding to a power of two, the columns are orthonormal: WᵀW = I.
    let (fi, fo) = (3, 8);
    let w = z.sample(fi, fo, Layout::OutIn, 1.0, &mut rng);
    let g = gram(&w, fo, fi, true);
    for i in 0..fi {
        for j in 0..fi {
            let want = f64::from(u8::from(i == j));
            assert!((g[i * fi + j] - want).abs() < 1e-15, "({i},{j})");
        }
    }
}

#[test]
fn idinit_repeats_the_identity_along_the_longer_side() {
    let id = init("idinit", &[("tau", num(0.5))]);
    let mut rng = rng::stream(5, 0);
    // 3 inputs, 5 outputs, [fan_out, fan_in]: rows 3 and 4 repeat rows 0 and 1.
    let w = id.sample(3, 5, Layout::OutIn, 1.0, &mut rng);
    #[rustfmt::skip]
    let want = vec![
        0.5, 0.0, 0.0,
        0.0, 0.5, 0.0,
        0.0, 0.0, 0.5,
        0.5, 0.0, 0.0,
        0.0, 0.5, 0.0,
    ];
    assert_eq!(w, want);
    // 5 inputs, 3 outputs: columns 3 and 4 repeat columns 0 and 1.
    let w = id.sample(5, 3, Layout::OutIn, 2.0, &mut rng);
    #[rustfmt::skip]
    let want = vec![
        1.0, 0.0, 0.0, 1.0, 0.0,
        0.0, 1.0, 0.0, 0.0, 1.0,
        0.0, 0.0, 1.0, 0.0, 0.0,
    ];
    assert_eq!(w, want);
    assert_eq!(
        id.sample(5, 3, Layout::InOut, 2.0, &mut rng),
        transpose(&want, 3, 5)
    );
    // Square: τ·I. No row or column of any shape is empty.
    let sq = init("idinit", &[]).sample(4, 4, Layout::InOut, 1.0, &mut rng);
    assert_eq!(sq, structured::identity(4, 4));
    for (fi, fo) in [(7, 3), (3, 7), (16, 6)] {
        let w = id.sample(fi, fo, Layout::OutIn, 1.0, &mut rng);
        assert!((0..fo).all(|r| (0..fi).any(|c| w[r * fi + c] != 0.0)));
        assert!((0..fi).all(|c| (0..fo).any(|r| w[r * fi + c] != 0.0)));
    }
}

#[test]
fn sparse_zeros_exactly_ceil_sparsity_rows_per_column() {
    let sp = init("sparse", &[("sparsity", num(0.3)), ("std", num(0.2))]);
    let (fi, fo) = (40, 25); // torch view [fan_out, fan_in] = 25 × 40; ceil(0.3·25) = 8
    let mut nonzero = Vec::new();
    let mut seed = 0;
    while nonzero.len() < 10_000 {
        seed += 1;
        let w = sp.sample(fi, fo, Layout::OutIn, 1.0, &mut rng::stream(seed, 0));
        for c in 0..fi {
            let zeros = (0..fo).filter(|&r| w[r * fi + c] == 0.0).count();
            assert_eq!(zeros, 8, "column {c}");
        }
        let t = sp.sample(fi, fo, Layout::InOut, 1.0, &mut rng::stream(seed, 0));
        assert_eq!(t, transpose(&w, fo, fi));
        nonzero.extend(w.into_iter().filter(|&x| x != 0.0));
    }
    check(&nonzero, normal0(0.2), "sparse nonzeros");
    // Zero columns are not all in the same rows (the permutation is random per column).
    let w = sp.sample(fi, fo, Layout::OutIn, 1.0, &mut rng::stream(99, 0));
    let pattern = |c: usize| (0..fo).map(|r| w[r * fi + c] == 0.0).collect::<Vec<_>>();
    assert!((1..fi).any(|c| pattern(c) != pattern(0)));
}

#[test]
fn same_seed_same_weights_other_stream_other_weights() {
    for e in CATALOGUE {
        let i = init(e.name, &[]);
        let a = i.sample(12, 7, Layout::InOut, 1.0, &mut rng::stream(42, 3));
        let b = i.sample(12, 7, Layout::InOut, 1.0, &mut rng::stream(42, 3));
        assert_eq!(a, b, "{}", e.name);
        let c = i.sample(12, 7, Layout::InOut, 1.0, &mut rng::stream(42, 4));
        let fixed = ["zeros", "ones", "constant", "identity", "zer_o", "idinit"].contains(&e.name);
        assert_eq!(a == c, fixed, "{}", e.name);
    }
}

#[test]
fn empty_layers_give_empty_matrices() {
    let mut rng = rng::stream(0, 0);
    for e in CATALOGUE {
        let i = init(e.name, &[]);
        assert!(
            i.sample(0, 5, Layout::InOut, 1.0, &mut rng).is_empty(),
            "{}",
            e.name
        );
        assert!(
            i.sample(5, 0, Layout::OutIn, 1.0, &mut rng).is_empty(),
            "{}",
            e.name
        );
    }
}
