//! Layer-sequential unit-variance rescaling (Mishkin & Matas 2015, "All you need is a good
//! init", ICLR 2016, Algorithm 1).
//!
//! The weights already hold an orthogonal start (from `Initializer::Lsuv.sample`); each layer
//! in turn is divided by the standard deviation of its output on a data batch until that
//! variance is within `tol` of the target. The target is gain² rather than the paper's 1 so the
//! spec's gain axis means the same thing for lsuv as for every other initializer.

/// Runs LSUV in place on an MLP and returns the number of rescalings used per layer.
///
/// `weights[l]` is layer l's [dims[l], dims[l+1]] matrix in the InOut layout, `biases[l]` its
/// bias (not rescaled, as in the paper); `x` is a row-major [n, dims[0]] batch; `act` is
/// applied after every layer except the last. For each layer, B = h·W + b on the batch, and
/// while |Var(B) − gain²| ≥ tol and fewer than `max_iter` rescalings were made,
/// W ← W / sqrt(Var(B)/gain²). Var is over all n·dims[l+1] entries of B, with divisor
/// n·dims[l+1] (numpy's `var`, which the authors' code uses). A layer whose Var(B) is 0 or not
/// finite (an all-zero batch, a dead layer) is left alone: no rescaling could fix it.
///
/// # Panics
/// If the shapes disagree: `dims` must have one more entry than `weights`, and every matrix,
/// bias and the batch must have the sizes `dims` and `n` imply. These come from the trainer,
/// not from a spec, so a mismatch is a bug.
#[allow(clippy::too_many_arguments)]
pub fn lsuv(
    weights: &mut [Vec<f64>],
    biases: &[Vec<f64>],
    dims: &[usize],
    x: &[f64],
    n: usize,
    act: &dyn Fn(f64) -> f64,
    gain: f64,
    tol: f64,
    max_iter: u32,
) -> Vec<u32> {
    let layers = weights.len();
    assert!(
        dims.len() == layers + 1 && biases.len() == layers,
        "lsuv: {layers} weight matrices need {} dims and {layers} biases, got {} and {}",
        layers + 1,
        dims.len(),
        biases.len()
    );
    assert_eq!(x.len(), n * dims[0], "lsuv: batch is not [n, dims[0]]");
    let target = gain * gain;
    let mut h = x.to_vec();
    let mut used = Vec::with_capacity(layers);
    for l in 0..layers {
        let (fi, fo) = (dims[l], dims[l + 1]);
        assert_eq!(weights[l].len(), fi * fo, "lsuv: layer {l} weight size");
        assert_eq!(biases[l].len(), fo, "lsuv: layer {l} bias size");
        let mut b = affine(&h, n, &weights[l], &biases[l], fi, fo);
        let mut iters = 0;
        loop {
            let var = variance(&b);
            if !(var > 0.0 && var.is_finite()) || (var - target).abs() < tol || iters >= max_iter {
                break;
            }
            let s = (var / target).sqrt();
            weights[l].iter_mut().for_each(|w| *w /= s);
            iters += 1;
            b = affine(&h, n, &weights[l], &biases[l], fi, fo);
        }
        used.push(iters);
        if l + 1 < layers {
            h = b.into_iter().map(act).collect();
        }
    }
    used
}

/// h·W + b for h [n, fi] and W [fi, fo], row-major.
pub(crate) fn affine(h: &[f64], n: usize, w: &[f64], b: &[f64], fi: usize, fo: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n * fo);
    for r in 0..n {
        let mut row = b.to_vec();
        for (k, &hk) in h[r * fi..(r + 1) * fi].iter().enumerate() {
            for (o, &wk) in row.iter_mut().zip(&w[k * fo..(k + 1) * fo]) {
                *o += hk * wk;
            }
        }
        out.extend(row);
    }
    out
}

/// Population variance (divisor len); 0 for an empty slice.
pub(super) fn variance(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64
}
