//! LSUV: every layer reaches the target variance, and the loop stops where it must.

use super::*;
use crate::init::lsuv;

fn tanh(x: f64) -> f64 {
    x.tanh()
}

fn relu(x: f64) -> f64 {
    x.max(0.0)
}

#[test]
fn lsuv_brings_every_layer_to_the_target_variance() {
    let dims = [16, 32, 24, 4];
    let n = 256;
    let mut r = rng::stream(77, 0);
    let x: Vec<f64> = (0..n * dims[0])
        .map(|_| 3.0 * rng::normal(&mut r))
        .collect();
    let ls = init("lsuv", &[("tol", num(0.01))]);
    let Initializer::Lsuv { tol, max_iter } = ls else {
        panic!()
    };
    for (act, gain) in [
        (tanh as fn(f64) -> f64, 5.0 / 3.0),
        (relu, 2f64.sqrt()),
        (tanh, 1.0),
    ] {
        let mut ws: Vec<Vec<f64>> = (0..3)
            .map(|l| ls.sample(dims[l], dims[l + 1], Layout::InOut, gain, &mut r))
            .collect();
        let bs: Vec<Vec<f64>> = (0..3)
            .map(|l| {
                (0..dims[l + 1])
                    .map(|_| 0.1 * rng::normal(&mut r))
                    .collect()
            })
            .collect();
        let used = lsuv(&mut ws, &bs, &dims, &x, n, &act, gain, tol, max_iter);
        assert_eq!(used.len(), 3);
        assert!(
            used.iter().all(|&u| (1..=max_iter).contains(&u)),
            "{used:?}"
        );
        // Recompute the pre-activations independently of lsuv's own loop.
        let mut h = x.clone();
        for l in 0..3 {
            let b = lsuv::affine(&h, n, &ws[l], &bs[l], dims[l], dims[l + 1]);
            let v = lsuv::variance(&b);
            assert!(
                (v - gain * gain).abs() < tol,
                "layer {l}: var {v} vs {}",
                gain * gain
            );
            h = b.into_iter().map(act).collect();
        }
    }
}

#[test]
fn lsuv_stops_at_max_iter_and_leaves_dead_layers_alone() {
    let dims = [8, 8];
    let n = 32;
    let mut r = rng::stream(78, 0);
    let x: Vec<f64> = (0..n * 8).map(|_| rng::normal(&mut r)).collect();
    let w0 = init("lsuv", &[]).sample(8, 8, Layout::InOut, 1.0, &mut r);
    // A bias whose own variance (≈ 4) exceeds the target 1 cannot be scaled away.
    let big: Vec<f64> = (0..8)
        .map(|k| if k % 2 == 0 { 2.0 } else { -2.0 })
        .collect();
    let mut ws = vec![w0.clone()];
    assert_eq!(
        lsuv(&mut ws, &[big], &dims, &x, n, &tanh, 1.0, 0.1, 3),
        vec![3]
    );
    // All-zero input and bias: Var(B) = 0, nothing to rescale.
    let mut ws = vec![w0.clone()];
    let zeros = vec![0.0; n * 8];
    assert_eq!(
        lsuv(
            &mut ws,
            &[vec![0.0; 8]],
            &dims,
            &zeros,
            n,
            &tanh,
            1.0,
            0.1,
            10
        ),
        vec![0]
    );
    assert_eq!(ws[0], w0);
}
