use super::*;
use crate::model::{Activation, Head, Loss, OutputActivation};
use crate::rng;

fn arch(depth: usize, width: usize, act: Activation, head: Head) -> Architecture {
    Architecture {
        inputs: 3,
        depth,
        width,
        outputs: 4,
        activation: act,
        head,
        residual: None,
    }
}

fn softmax_ce() -> Head {
    Head::new(OutputActivation::Softmax, Loss::CrossEntropy).unwrap()
}

/// n rows of 3 standard-normal features, labels from a fixed rule plus noise over 4 classes.
fn data(n: usize, seed: u64) -> Dataset {
    let mut r = rng::stream(seed, 0);
    let x: Vec<f32> = (0..3 * n).map(|_| rng::normal(&mut r) as f32).collect();
    let y = (0..n)
        .map(|i| {
            let s = x[3 * i] + 0.5 * x[3 * i + 1] + 0.3 * rng::normal(&mut r) as f32;
            ((s + 2.0).clamp(0.0, 3.99)) as u32
        })
        .collect();
    Dataset {
        x,
        y,
        n,
        features: 3,
        classes: 4,
    }
}

/// Gaussian weights of standard deviation gain·sqrt(2/fan_in) and zero biases.
fn gaussian(a: &Architecture, gain: f64, seed: u64) -> Tensors {
    let dims = a.dims();
    let mut r = rng::stream(seed, 1);
    let mut out = Vec::new();
    for w in dims.windows(2) {
        let sd = gain * (2.0 / w[0] as f64).sqrt();
        out.push((0..w[0] * w[1]).map(|_| sd * rng::normal(&mut r)).collect());
        out.push(vec![0.0; w[1]]);
    }
    out
}

fn all_rows(n: usize) -> Vec<u32> {
    (0..n as u32).collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-12)
}

/// The squared error on linear outputs is quadratic in the output layer, with Hessian
/// (2/(n·k))·[h 1]ᵀ[h 1] there: H·v on that block checked against the formula, h computed
/// here from the weights.
#[test]
fn hessian_vector_products_match_the_output_layers_exact_hessian() {
    let head = Head::new(OutputActivation::Linear, Loss::Mse).unwrap();
    let a = arch(1, 5, Activation::Tanh, head);
    let d = data(40, 1);
    let p = Problem::new(&a, &d).unwrap();
    let mut theta = gaussian(&a, 1.0, 2);
    theta[1] = vec![0.1, -0.2, 0.3, 0.0, 0.05];
    let mut r = rng::stream(3, 0);
    let mut v: Tensors = theta.iter().map(|t| vec![0.0; t.len()]).collect();
    v[2] = (0..20).map(|_| rng::normal(&mut r)).collect();
    v[3] = (0..4).map(|_| rng::normal(&mut r)).collect();
    let batch = p.batch(&all_rows(d.n)).unwrap();
    let hv = p.hvp(&theta, &v, &batch).unwrap();

    let (n, k, w) = (d.n, 4, 5);
    let h: Vec<f64> = (0..n)
        .flat_map(|i| {
            let theta = &theta;
            let x = &d.x;
            (0..w).map(move |u| {
                let z: f64 = (0..3)
                    .map(|f| x[3 * i + f] as f64 * theta[0][f * w + u])
                    .sum::<f64>()
                    + theta[1][u];
                z.tanh()
            })
        })
        .collect();
    // e = h·V + 1·uᵀ, [n, k].
    let e: Vec<f64> = (0..n * k)
        .map(|ik| {
            let (i, o) = (ik / k, ik % k);
            (0..w).map(|u| h[i * w + u] * v[2][u * k + o]).sum::<f64>() + v[3][o]
        })
        .collect();
    let c = 2.0 / (n * k) as f64;
    for u in 0..w {
        for o in 0..k {
            let want = c * (0..n).map(|i| h[i * w + u] * e[i * k + o]).sum::<f64>();
            assert!(close(hv[2][u * k + o], want, 1e-7), "W₁[{u},{o}]");
        }
    }
    for o in 0..k {
        let want = c * (0..n).map(|i| e[i * k + o]).sum::<f64>();
        assert!(close(hv[3][o], want, 1e-7), "b₁[{o}]");
    }
}

/// The quotient assembled from its definition, (g − H·g)/(g + ε·s) − 1 with H·g the limit of
/// (g(θ) − g(θ − t·g))/t, here a one-sided difference of two gradients at t = 10⁻⁴ (the
/// quotient's own H·g is a central difference at a far smaller step), on tanh and ReLU nets,
/// the ReLUs held on their sides at θ.
#[test]
fn the_gradient_quotient_follows_its_definition() {
    let d = data(60, 4);
    for act in [Activation::Tanh, Activation::Relu] {
        let a = arch(2, 6, act, softmax_ce());
        let p = Problem::new(&a, &d).unwrap();
        let batch = p.batch(&all_rows(d.n)).unwrap();
        let theta = gaussian(&a, 1.0, 5);
        let (_, g) = p.gradient(&theta, &batch).unwrap();
        let t = 1e-4;
        let mult = vec![1.0; a.layers()];
        let params = p.tensors(&theta).unwrap();
        let sides = autograd::sides(&a, &params, &mult, &batch.x).unwrap();
        let (_, after) = p
            .gradient_on(&axpy(&theta, -t, &g), &batch, Some(&sides))
            .unwrap();
        let (mut sum, mut count) = (0.0, 0);
        for (g, a) in g.iter().flatten().zip(after.iter().flatten()) {
            let hg = (g - a) / t;
            let s = if *g >= 0.0 { 1.0 } else { -1.0 };
            sum += ((g - hg) / (g + 1e-5 * s) - 1.0).abs();
            count += 1;
        }
        let want = sum / count as f64;
        let gq = gradient_quotient(&p, &theta, &batch).unwrap();
        assert!(close(gq, want, 1e-3), "{act:?}: GQ {gq} vs {want}");
        assert!(gq > 0.1, "{act:?}: GQ {gq}");
    }
}

/// GradInit's derivative with respect to each scale, in both branches and for both norms,
/// against central differences of the quantity it differentiates: ‖g(α⊙θ⁰)‖ₚ, or the loss
/// after the optimizer's step with the step's direction held fixed, divided by η.
#[test]
fn gradinit_derivatives_match_finite_differences_of_their_objectives() {
    let a = arch(2, 5, Activation::Tanh, softmax_ce());
    let d = data(48, 6);
    let p = Problem::new(&a, &d).unwrap();
    let theta0 = gaussian(&a, 1.0, 7);
    let mut theta0 = theta0;
    theta0[3] = vec![0.05, -0.1, 0.02, 0.0, 0.1];
    let scales = vec![1.1, 1.0, 0.8, 1.3, 1.2, 1.0];
    let first = p.batch(&all_rows(24)).unwrap();
    let second_rows: Vec<u32> = (12..36).collect();
    let sgd = Optimizer::Sgd { lr: 0.3 };
    let adam = Optimizer::Adam {
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };
    for opt in [sgd, adam] {
        let l1 = opt.adaptive();
        let norm_p = |t: &Tensors| -> f64 {
            let (_, g) = p.gradient(t, &first).unwrap();
            if l1 {
                g.iter().flatten().map(|x| x.abs()).sum()
            } else {
                norm(&g)
            }
        };
        for (gamma, constrained) in [(1e-9, true), (1e9, false)] {
            let mut second = || p.batch(&second_rows);
            let got = derivative(&p, &theta0, &scales, opt, gamma, &first, &mut second).unwrap();
            assert_eq!(got.constrained, constrained);
            let theta = gradinit::scaled(&theta0, &scales);
            let (_, g) = p.gradient(&theta, &first).unwrap();
            let q: Tensors = if l1 {
                g.iter()
                    .map(|t| t.iter().map(|x| x.signum()).collect())
                    .collect()
            } else {
                let n = norm(&g);
                g.iter()
                    .map(|t| t.iter().map(|x| x / n).collect())
                    .collect()
            };
            let eta = opt.lr();
            let second = p.batch(&second_rows).unwrap();
            let f = |s: &[f64]| -> f64 {
                let t = gradinit::scaled(&theta0, s);
                if constrained {
                    norm_p(&t)
                } else {
                    p.loss(&axpy(&t, -eta, &q), &second).unwrap() / eta
                }
            };
            for j in [0, 2, 3, 4] {
                let h = 1e-5;
                let (mut up, mut down) = (scales.clone(), scales.clone());
                up[j] += h;
                down[j] -= h;
                let want = (f(&up) - f(&down)) / (2.0 * h);
                assert!(
                    close(got.d[j], want, 1e-5),
                    "{} γ={gamma} tensor {j}: {} vs {want}",
                    opt.label(),
                    got.d[j]
                );
            }
        }
    }
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
}

/// Zhu et al.'s constraint: from a start whose gradient norm is far above γ (He's Gaussian
/// × 2 on 6 ReLU layers), GradInit's steps bring it under γ and it stays near; every tensor
/// keeps its base draw's direction (the hidden layers' scaled down), and zero biases stay
/// zero.
#[test]
fn gradinit_brings_an_exploding_gradient_under_gamma_by_rescaling_only() {
    let a = arch(6, 16, Activation::Relu, softmax_ce());
    let d = data(256, 8);
    let p = Problem::new(&a, &d).unwrap();
    let theta0 = gaussian(&a, 2.0, 9);
    let s = GradInitSettings {
        iters: 60,
        lr: 0.05,
        gamma: 1.0,
        min_scale: 0.01,
        batch: 32,
    };
    let fit = gradinit(&p, &theta0, Optimizer::Sgd { lr: 0.1 }, &s, 10).unwrap();
    let g = &fit.grad_norms;
    assert!(g[0] > 20.0, "start ‖g‖ = {}", g[0]);
    let tail = &g[g.len() - 20..];
    assert!(
        tail.iter().filter(|&&x| x <= 1.5).count() >= 15,
        "last gradient norms {tail:?}"
    );
    assert!(fit.scales[..2 * a.depth]
        .iter()
        .step_by(2)
        .all(|&s| s < 1.0));
    for (j, (t, t0)) in fit.theta.iter().zip(&theta0).enumerate() {
        if j % 2 == 0 {
            assert!(cosine(t, t0) > 1.0 - 1e-12, "tensor {j} turned");
            assert!(fit.scales[j] >= 0.01, "{:?}", fit.scales);
        } else {
            assert!(t.iter().all(|&b| b == 0.0));
        }
    }
}

/// Dauphin & Schoenholz's claim: MetaInit repairs a badly scaled start. From He's Gaussian
/// × 2 on 6 ReLU layers (an exploding start, GQ in the thousands) the quotient falls by more
/// than 10× and every hidden weight matrix shrinks; only norms change.
#[test]
fn metainit_lowers_the_gradient_quotient_of_an_exploding_start_by_shrinking_norms() {
    let a = arch(6, 16, Activation::Relu, softmax_ce());
    let d = data(128, 11);
    let p = Problem::new(&a, &d).unwrap();
    let theta0 = gaussian(&a, 2.0, 12);
    let s = MetaInitSettings {
        steps: 30,
        lr: 0.1,
        momentum: 0.9,
        batch: 64,
    };
    let fit = metainit(&p, &theta0, &s, 13).unwrap();
    let q = &fit.quotients;
    let last = q[q.len() - 5..]
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    assert!(q[0] > 100.0 && last < q[0] / 10.0, "GQ {q:?}");
    for l in 1..a.layers() - 1 {
        let (t, t0) = (&fit.theta[2 * l], &theta0[2 * l]);
        assert!(dot(t, t) < dot(t0, t0), "layer {l} did not shrink");
        assert!(cosine(t, t0) > 1.0 - 1e-12);
        assert_eq!(fit.theta[2 * l + 1], theta0[2 * l + 1]);
    }
}

/// On a residual network whose branches start at zero (zero_branch's start), both schemes
/// leave the zero layers zero (they have no direction to scale) and rescale the others.
#[test]
fn zeroed_branches_stay_zero_on_residual_networks() {
    use crate::model::{Norm, Residual, Role};
    let mut a = arch(5, 8, Activation::Relu, softmax_ce());
    a.residual = Some(Residual {
        scale: 1.0,
        norm: Norm::None,
        trained: false,
        scalar_biases: false,
    });
    let d = data(64, 14);
    let p = Problem::new(&a, &d).unwrap();
    let mut theta0 = gaussian(&a, 1.0, 15);
    for l in 0..a.layers() {
        if a.role(l) == Role::BranchOut {
            theta0[2 * l].iter_mut().for_each(|w| *w = 0.0);
        }
    }
    let gi = GradInitSettings {
        iters: 8,
        lr: 0.05,
        gamma: 1.0,
        min_scale: 0.01,
        batch: 16,
    };
    let mi = MetaInitSettings {
        steps: 4,
        lr: 0.1,
        momentum: 0.9,
        batch: 32,
    };
    let fits = [
        gradinit(&p, &theta0, Optimizer::Sgd { lr: 0.1 }, &gi, 16)
            .unwrap()
            .theta,
        metainit(&p, &theta0, &mi, 17).unwrap().theta,
    ];
    for theta in fits {
        for l in 0..a.layers() {
            let (t, t0) = (&theta[2 * l], &theta0[2 * l]);
            if a.role(l) == Role::BranchOut {
                assert!(t.iter().all(|&w| w == 0.0), "layer {l}");
            } else {
                assert!(cosine(t, t0) > 1.0 - 1e-12, "layer {l}");
            }
        }
    }
}

/// A start whose loss overflows even in f64 gives GradInit no derivative: it leaves every
/// scale at 1 rather than filling the network with NaN, and MetaInit leaves the norms.
#[test]
fn an_overflowing_start_is_left_as_drawn() {
    let a = arch(3, 8, Activation::Relu, softmax_ce());
    let d = data(64, 18);
    let p = Problem::new(&a, &d).unwrap();
    let theta0: Tensors = gaussian(&a, 1.0, 19)
        .into_iter()
        .map(|t| t.into_iter().map(|x| x * 1e120).collect())
        .collect();
    let s = GradInitSettings {
        iters: 5,
        lr: 0.05,
        gamma: 1.0,
        min_scale: 0.01,
        batch: 16,
    };
    let fit = gradinit(&p, &theta0, Optimizer::Sgd { lr: 0.1 }, &s, 20).unwrap();
    assert!(fit.scales.iter().all(|&s| s == 1.0), "{:?}", fit.scales);
    assert_eq!(fit.theta, theta0);
    let m = MetaInitSettings {
        steps: 2,
        lr: 0.1,
        momentum: 0.9,
        batch: 16,
    };
    assert_eq!(metainit(&p, &theta0, &m, 21).unwrap().theta, theta0);
}
