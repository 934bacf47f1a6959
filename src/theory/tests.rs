use std::f64::consts::PI;

use super::*;

fn tanh(x: f64) -> f64 {
    x.tanh()
}
fn dtanh(x: f64) -> f64 {
    1.0 - x.tanh().powi(2)
}
fn relu(x: f64) -> f64 {
    x.max(0.0)
}
fn drelu(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else {
        0.0
    }
}

/// Standard normal samples: SplitMix64 and Box–Muller (independent of the quadrature).
fn normals(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u1, u2) = (uniform(), uniform());
            (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
        })
        .collect()
}

fn mean(xs: impl Iterator<Item = f64>, n: usize) -> f64 {
    xs.sum::<f64>() / n as f64
}

#[test]
fn quadrature_matches_closed_forms() {
    // Normal moments E[z²] = 1, E[z⁴] = 3; characteristic function E[cos z] = e^{-1/2}.
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(gauss_expect(&|_| 1.0), 1.0));
    assert!(close(gauss_expect(&|z| z * z), 1.0));
    assert!(close(gauss_expect(&|z| z.powi(4)), 3.0));
    assert!(close(gauss_expect(&|z| z.cos()), (-0.5f64).exp()));
    // Pairs: E[u₁u₂] = q c, E[u₁²u₂²] = q²(1 + 2c²).
    let (q, c) = (1.7, 0.3);
    assert!((gauss_expect_pair(q, c, &|a, b| a * b) - q * c).abs() < 1e-12);
    let m22 = gauss_expect_pair(q, c, &|a, b| a * a * b * b);
    assert!((m22 - q * q * (1.0 + 2.0 * c * c)).abs() < 1e-11);
    // Integrands kinked at 0: E[relu(z)] = 1/√(2π), E[relu(z)²] = 1/2, E[|z|³] = 2√(2/π).
    assert!(close(gauss_expect(&relu), 1.0 / (2.0 * PI).sqrt()));
    assert!(close(gauss_expect(&|z| relu(z).powi(2)), 0.5));
    assert!(close(
        gauss_expect(&|z| z.abs().powi(3)),
        2.0 * (2.0 / PI).sqrt()
    ));
    // Relu pairs, the arc-cosine kernels (Cho & Saul 2009): with θ = arccos c,
    // E[relu(u₁)relu(u₂)] = q (sin θ + (π − θ) cos θ)/(2π), E[1{u₁>0}1{u₂>0}] = (π − θ)/(2π).
    for (q, c) in [
        (1.0, 0.0),
        (2.5, 0.4),
        (0.7, -0.8),
        (1.3, 0.9999),
        (1.3, 0.999_999),
        (1.0, 1.0 - 1e-9),
    ] {
        let t: f64 = f64::acos(c);
        let k1 = q * (t.sin() + (PI - t) * c) / (2.0 * PI);
        let k0 = (PI - t) / (2.0 * PI);
        let e1 = gauss_expect_pair(q, c, &|a, b| relu(a) * relu(b));
        let e0 = gauss_expect_pair(q, c, &|a, b| drelu(a) * drelu(b));
        assert!(
            (e1 - k1).abs() < 1e-12 && (e0 - k0).abs() < 1e-12,
            "{q} {c}"
        );
    }
}

#[test]
fn quadrature_matches_monte_carlo() {
    let n = 1_000_000;
    let zs = normals(n, 1);
    let mc = mean(zs.iter().map(|z| (2.0 * z).tanh().powi(2)), n);
    let quad = gauss_expect(&|z| (2.0 * z).tanh().powi(2));
    println!("E[tanh(2z)^2]: quadrature {quad:.6}, Monte Carlo {mc:.6}");
    assert!((quad - mc).abs() < 3e-3);
}

#[test]
fn central_difference_derivative() {
    for x in [-3.0, -0.2, 0.0, 0.7, 40.0] {
        assert!((derivative(&tanh, x) - dtanh(x)).abs() < 1e-9);
    }
    assert!((derivative(&|x: f64| x.exp(), 2.0) - 2f64.exp()).abs() < 1e-8);
}

#[test]
fn relu_critical_point_is_he_init() {
    // σ_b² = 0: E[relu'(√q z)²] = P(z > 0) = 1/2 for every q, so χ₁ = σ_w²/2 and the
    // critical point is σ_w² = 2 (He et al. 2015). q* collapses below it, diverges above.
    for w in [0.5, 1.9, 2.1, 4.0] {
        let q = q_for_slopes(q_star(&relu, w, 0.0));
        assert!((chi1(&drelu, q, w) - w / 2.0).abs() < 1e-14);
    }
    assert_eq!(q_star(&relu, 1.5, 0.0), Some(0.0));
    assert_eq!(q_star(&relu, 2.5, 0.0), None);
    let w = critical_sigma_w2(&relu, &drelu, 0.0).unwrap();
    assert!((w - 2.0).abs() < 1e-8, "{w}");
}

#[test]
fn tanh_critical_point_without_bias_is_one() {
    // σ_b² = 0: q* = 0 for σ_w² ≤ 1, where χ₁ = σ_w² tanh'(0)² = σ_w² (Poole et al. 2016).
    assert_eq!(q_star(&tanh, 0.8, 0.0), Some(0.0));
    assert!((chi1(&dtanh, q_for_slopes(Some(0.0)), 0.8) - 0.8).abs() < 1e-14);
    let w = critical_sigma_w2(&tanh, &dtanh, 0.0).unwrap();
    assert!((w - 1.0).abs() < 1e-6, "{w}");
    // With the central-difference fallback too.
    // With the central-difference fallback too. χ₁ − 1 ≈ (σ_w² − 1)²/3 just above 1 (flat
    // there), so the fallback's ~1e-10 error in χ₁ moves the root by ~2e-5.
    let w = critical_sigma_w2(&tanh, &|x| derivative(&tanh, x), 0.0).unwrap();
    assert!((w - 1.0).abs() < 1e-4, "{w}");
}

#[test]
fn linear_chi1_is_sigma_w2() {
    let id = |x: f64| x;
    let one = |_: f64| 1.0;
    for q in [1e-3, 0.5, 1.0, 17.0] {
        assert!((chi1(&one, q, 1.3) - 1.3).abs() < 1e-14);
        assert!((chi1(&|x| derivative(&id, x), q, 1.3) - 1.3).abs() < 1e-9);
    }
    // q = σ_w² q + σ_b²: q* = σ_b²/(1 − σ_w²) below 1, divergent at and above 1 (σ_b² > 0).
    let q = q_star(&id, 0.5, 0.1).unwrap();
    assert!((q - 0.2).abs() < 1e-12, "{q}");
    assert_eq!(q_star(&id, 1.0, 0.1), None);
    assert_eq!(q_star(&id, 2.0, 0.1), None);
}

#[test]
fn tanh_critical_point_with_bias_matches_monte_carlo() {
    let w = critical_sigma_w2(&tanh, &dtanh, 0.05).unwrap();
    println!("tanh, sigma_b2 = 0.05: critical sigma_w2 = {w:.10}");
    // Poole et al. 2016, Fig. 2 (tanh, σ_b² = 0.05): the transition near σ_w² ≈ 1.76.
    assert!(1.7 < w && w < 1.85, "{w}");
    // Independent check: q* and χ₁ at this σ_w² by Monte Carlo (10⁶ samples).
    let n = 1_000_000;
    let zs = normals(n, 7);
    let mut q = 1.0;
    for _ in 0..200 {
        let s = f64::sqrt(q);
        q = w * mean(zs.iter().map(|z| (s * z).tanh().powi(2)), n) + 0.05;
    }
    let s = q.sqrt();
    let chi = w * mean(zs.iter().map(|z| dtanh(s * z).powi(2)), n);
    println!("Monte Carlo: q* = {q:.5}, chi1 = {chi:.5}");
    assert!((chi - 1.0).abs() < 0.01, "{chi}");
}

#[test]
fn c_star_is_one_when_ordered_and_below_one_when_chaotic() {
    let row = analyze(&tanh, &dtanh, 1.2, 0.05);
    assert!(row.chi1 < 1.0);
    assert_eq!(row.c_star, 1.0);
    assert_eq!(row.chi_c, row.chi1);
    let row = analyze(&tanh, &dtanh, 3.0, 0.05);
    assert!(row.chi1 > 1.0);
    assert!(row.c_star < 0.9, "{}", row.c_star);
    // c* is a fixed point, and a stable one.
    let q = row.q_star.unwrap();
    let c = correlation_map(&tanh, q, row.c_star, 3.0, 0.05);
    assert!((c - row.c_star).abs() < 1e-11);
    assert!(row.chi_c < 1.0);
    // Against Monte Carlo: the correlation map at c* by sampling (tolerance ~5 SE).
    let n = 1_000_000;
    let (z1, z2) = (normals(n, 11), normals(n, 12));
    let (s, cs) = (q.sqrt(), row.c_star);
    let sn = (1.0 - cs * cs).sqrt();
    let e = mean(
        z1.iter()
            .zip(&z2)
            .map(|(a, b)| (s * a).tanh() * (s * (cs * a + sn * b)).tanh()),
        n,
    );
    assert!(((3.0 * e + 0.05) / q - cs).abs() < 3e-3);
}

#[test]
fn q_star_is_a_fixed_point() {
    for (w, b) in [(1.2, 0.05), (3.0, 0.05), (1.76, 0.05), (2.0, 0.3)] {
        let q = q_star(&tanh, w, b).unwrap();
        assert!(
            (length_map(&tanh, q, w, b) - q).abs() < 1e-10 * q,
            "{w} {b}"
        );
    }
}

#[test]
fn xi_c_grows_towards_criticality() {
    let crit = critical_sigma_w2(&tanh, &dtanh, 0.05).unwrap();
    let xi = |w: f64| analyze(&tanh, &dtanh, w, 0.05).xi_c.unwrap();
    let below = [crit - 0.6, crit - 0.3, crit - 0.1, crit - 0.01];
    let above = [crit + 1.5, crit + 0.6, crit + 0.1, crit + 0.01];
    for side in [below, above] {
        let xs: Vec<f64> = side.iter().map(|&w| xi(w)).collect();
        println!("xi_c: {xs:?}");
        assert!(xs.windows(2).all(|p| p[0] < p[1]), "{xs:?}");
    }
    assert!(xi(crit - 0.01) > 50.0 && xi(crit + 0.01) > 50.0);
    // Ordered side: ξ_c = −1/ln χ₁ exactly.
    let row = analyze(&tanh, &dtanh, 1.2, 0.05);
    assert_eq!(row.xi_c, Ok(-1.0 / row.chi1.ln()));
    assert_eq!(row.trainable_depth, Ok(6.0 * row.xi_c.clone().unwrap()));
}

#[test]
fn depth_scale_edge_cases() {
    assert_eq!(depth_scale(1.0), Ok(f64::INFINITY));
    assert!((depth_scale((-0.5f64).exp()).unwrap() - 2.0).abs() < 1e-12);
    assert!(depth_scale(1.5).is_err());
    assert!(depth_scale(0.0).is_err());
    assert!(depth_scale(f64::NAN).is_err());
}

#[test]
fn table_over_default_grid() {
    let grid = default_sigma_w2_grid();
    assert_eq!(grid.len(), 15);
    assert_eq!((grid[0], grid[14]), (0.5, 4.0));
    let rows = table(&tanh, &dtanh, 0.05, &grid);
    println!("{}", format_table(&rows));
    assert_eq!(rows.len(), 15);
    assert!(rows.iter().all(|r| r.q_star.is_some_and(|q| q > 0.0)));
    // χ₁ increases along the grid and crosses 1 once.
    assert!(rows.windows(2).all(|p| p[0].chi1 < p[1].chi1));
    assert_eq!(rows.iter().filter(|r| r.chi1 > 1.0).count(), 9);
    // Linear φ with σ_b² > 0 diverges from σ_w² = 1 on.
    let rows = table(&|x| x, &|_| 1.0, 0.05, &[0.5, 1.0]);
    assert!(rows[0].q_star.is_some() && rows[1].q_star.is_none());
    assert!(rows[1].xi_q.is_err());
}

/// E[f(√q z)] for an f that vanishes beyond |u| = 40, by composite Simpson on
/// [−40/√q, 40/√q] with 200,000 intervals: a reference independent of the panel rule.
fn simpson_near_zero(q: f64, f: &dyn Fn(f64) -> f64) -> f64 {
    let (half, n) = (40.0 / q.sqrt(), 200_000);
    let h = 2.0 * half / n as f64;
    let g = |z: f64| f(q.sqrt() * z) * (-0.5 * z * z).exp() / (2.0 * PI).sqrt();
    let inner: f64 = (1..n)
        .map(|i| {
            let z = -half + i as f64 * h;
            g(z) * if i % 2 == 1 { 4.0 } else { 2.0 }
        })
        .sum();
    (g(-half) + g(half) + inner) * h / 3.0
}

#[test]
fn steep_activations_stay_accurate_at_large_q() {
    // Found by a hostile review: at q = 10⁶ the unit panels missed sech⁴(√q z) entirely
    // (χ₁ = 0 for tanh at σ_w² = 10⁶, where it is ≈ 532).
    let sech2 = |u: f64| 1.0 / u.cosh().powi(2);
    for q in [1e2f64, 1e4, 1e6, 1e8] {
        let w = 1.0 / q.sqrt();
        let exact = simpson_near_zero(q, &|u| dtanh(u).powi(2));
        let quad = gauss_expect_steep(w, &|z| dtanh(q.sqrt() * z).powi(2));
        assert!(
            (quad / exact - 1.0).abs() < 1e-10,
            "q = {q}: {quad} vs {exact}"
        );
        // E[tanh²] = 1 − E[sech²]: the length map's integrand, ~1 away from 0.
        let exact = 1.0 - simpson_near_zero(q, &sech2);
        let quad = gauss_expect_steep(w, &|z| tanh(q.sqrt() * z).powi(2));
        assert!(
            (quad / exact - 1.0).abs() < 1e-12,
            "q = {q}: {quad} vs {exact}"
        );
        // Uncorrelated pairs factor: E[φ(u₁)² φ(u₂)²] = E[φ²]².
        let pair = gauss_expect_pair(q, 0.0, &|a, b| tanh(a).powi(2) * tanh(b).powi(2));
        assert!(
            (pair / (exact * exact) - 1.0).abs() < 1e-10,
            "q = {q}: pair {pair}"
        );
    }
    // χ₁ of tanh at σ_w² = 10⁶ (σ_b² = 0.05): σ_w² E[φ'²] ≈ σ_w² (4/3)/√(2π q*) for large q*.
    let q = q_star(&tanh, 1e6, 0.05).unwrap();
    let chi = chi1(&dtanh, q, 1e6);
    let asymptote = 1e6 * (4.0 / 3.0) / (2.0 * PI * q).sqrt();
    assert!(
        (chi / asymptote - 1.0).abs() < 1e-3,
        "χ₁ = {chi}, asymptote {asymptote}"
    );
}

#[test]
fn jacobian_moments_have_the_closed_forms_of_linear_and_relu_networks() {
    let lin = |x: f64| x;
    let one = |_: f64| 1.0;
    // Linear, σ_w² = 1: mean 1; variance L for Gaussian weights (Fuss–Catalan), 0 orthogonal.
    let (m, v) = jacobian_moments(&lin, &one, (1.0, 0.0), 1.0, 7, -1.0);
    assert!((m - 1.0).abs() < 1e-12 && (v - 7.0).abs() < 1e-9, "{m} {v}");
    let (m, v) = jacobian_moments(&lin, &one, (1.0, 0.0), 1.0, 7, 0.0);
    assert!((m - 1.0).abs() < 1e-12 && v.abs() < 1e-9, "{m} {v}");
    // Linear off criticality: mean σ_w^2L, variance mean²·L.
    let (m, v) = jacobian_moments(&lin, &one, (0.5, 0.0), 1.0, 4, -1.0);
    assert!((m - 0.0625).abs() < 1e-12 && (v - 4.0 * 0.0625f64.powi(2)).abs() < 1e-12);
    // ReLU at σ_w² = 2, σ_b² = 0: μ₁ = μ₂ = 1/2, so variance 2L Gaussian and L orthogonal
    // (Pennington et al. 2017: orthogonal weights cannot make a ReLU network isometric).
    let (m, v) = jacobian_moments(&relu, &drelu, (2.0, 0.0), 1.0, 10, -1.0);
    assert!((m - 1.0).abs() < 1e-9 && (v - 20.0).abs() < 1e-6, "{m} {v}");
    let (_, v) = jacobian_moments(&relu, &drelu, (2.0, 0.0), 1.0, 10, 0.0);
    assert!((v - 10.0).abs() < 1e-6, "{v}");
    // tanh at criticality with small σ_b²: q* is small, φ' ≈ 1, so orthogonal weights come
    // close to isometry while Gaussian ones spread by about L.
    // Started at q*, the mean is χ₁^L = 1 on the critical line.
    let w = critical_sigma_w2(&tanh, &dtanh, 1e-4).unwrap();
    let q = q_star(&tanh, w, 1e-4).unwrap();
    let (m, v_orth) = jacobian_moments(&tanh, &dtanh, (w, 1e-4), q, 50, 0.0);
    let (_, v_gauss) = jacobian_moments(&tanh, &dtanh, (w, 1e-4), q, 50, -1.0);
    assert!((m - 1.0).abs() < 1e-6, "{m}");
    assert!(
        v_orth < 1.0 && (v_gauss - 50.0 - v_orth).abs() < 1e-6,
        "{v_orth} {v_gauss}"
    );
    // Started above q*, the first layers are more saturated than at q*: the mean falls below
    // 1, and each layer's spread μ₂/μ₁² − 1 is larger than at q*.
    let (m_hi, v_hi) = jacobian_moments(&tanh, &dtanh, (w, 1e-4), 1.0, 50, 0.0);
    assert!(m_hi < 0.9 && v_hi / (m_hi * m_hi) > v_orth, "{m_hi} {v_hi}");
}
