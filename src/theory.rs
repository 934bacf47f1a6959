//! Mean-field theory of signal propagation in deep random networks.
//!
//! Follows Poole et al. 2016, "Exponential expressivity in deep neural networks through
//! transient chaos", and Schoenholz et al. 2017, "Deep information propagation". A layer is
//! h = W φ(h_prev) + b with W_ij ~ N(0, σ_w²/N) and b_i ~ N(0, σ_b²); in the wide limit the
//! pre-activations are Gaussian and their second moments obey deterministic maps:
//!
//! * length map  q ↦ σ_w² E[φ(√q z)²] + σ_b², with fixed point q*;
//! * χ₁ = σ_w² E[φ'(√q* z)²], the slope of the correlation map at c = 1 (ordered phase χ₁ < 1,
//!   chaotic phase χ₁ > 1, critical line χ₁ = 1);
//! * correlation map c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / q*, u₁ = √q* z₁,
//!   u₂ = √q* (c z₁ + √(1−c²) z₂), with fixed point c*;
//! * depth scales (Schoenholz et al. 2017, eqs. 9–10): ξ_q⁻¹ = −ln(σ_w² E[φ'² + φφ'']) at q*,
//!   ξ_c⁻¹ = −ln χ_c with χ_c = σ_w² E[φ'(u₁)φ'(u₂)] at c*; networks train up to a depth of
//!   about 6 ξ_c (their empirical bound).
//!
//! The activation comes in as plain closures (φ and φ'), so this module depends on nothing else
//! in the crate. [`derivative`] is a central-difference φ' for callers without an exact one;
//! φ'' is always the central difference of the φ' passed in.
//!
//! Gaussian expectations use composite Gauss–Legendre quadrature on z ∈ [−10, 10] (the tail
//! beyond carries probability 1.5e-23), [`PANEL_ORDER`] nodes per panel of width ≤ 1, split at
//! z = 0 and, for pairs, at u₂ = 0, so that a kink of φ at 0 (relu, leaky_relu, elu, selu)
//! falls on panel edges and costs no accuracy. Smooth integrands and those kinked only at 0
//! come out to ~1e-15 (tests: E[z⁴] = 3, E[cos z] = e^{−1/2}, E[relu(z)] = 1/√(2π), the
//! arc-cosine kernel of relu pairs). Steep activations lose accuracy only at very large q
//! (tanh(√q z) with q ≳ 100: poles 1.6/√q from the real axis). Gauss–Hermite was tried first
//! and dropped: at 160 nodes it is off by 1e-3 on E[relu(z)].
//!
//! Activations with a kink anywhere but 0 would converge only algebraically.

use std::f64::consts::PI;
use std::sync::OnceLock;

/// Gauss–Legendre nodes per panel.
pub const PANEL_ORDER: usize = 12;
/// Integration range in z (standard deviations).
const RANGE: f64 = 10.0;

/// Relative tolerance on q* and on the fixed-point iterations.
const TOL: f64 = 1e-12;
/// Length-map iterations from q = 1 before switching to bracketing.
const MAX_ITER: usize = 500;
/// q at which a collapsing length map is declared to have q* = 0, and the q that stands in for
/// the q → 0⁺ limit in χ₁ and the correlation map.
const Q_ZERO: f64 = 1e-200;
/// q above which a growing length map is declared divergent, and the q that stands in for the
/// q → ∞ limit.
const Q_INF: f64 = 1e150;

/// Central-difference derivative, step h = 1e-5·max(1, |x|) (error ~1e-10 for smooth f).
/// At a kink it returns the mean of the one-sided slopes (relu'(0) = 0.5): pass an exact
/// derivative for activations with a kink where it matters (relu with q* = 0 or σ_b² = 0).
pub fn derivative(f: &dyn Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-5 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Gauss–Legendre nodes and weights on [−1, 1] of order [`PANEL_ORDER`] (Newton's method on
/// the Legendre recurrence, computed once).
fn legendre() -> &'static [(f64, f64)] {
    static RULE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    RULE.get_or_init(|| {
        let n = PANEL_ORDER;
        let nf = n as f64;
        let mut rule = Vec::with_capacity(n);
        for i in 0..n {
            let mut x = (PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for j in 2..=n {
                    let jf = j as f64;
                    let p2 = ((2.0 * jf - 1.0) * x * p1 - (jf - 1.0) * p0) / jf;
                    p0 = p1;
                    p1 = p2;
                }
                dp = nf * (x * p1 - p0) / (x * x - 1.0);
                let step = p1 / dp;
                x -= step;
                if step.abs() < 1e-16 {
                    break;
                }
            }
            rule.push((x, 2.0 / ((1.0 - x * x) * dp * dp)));
        }
        rule
    })
}

/// ∫ₐᵇ g(z) φ(z) dz, φ the standard normal density, by composite Gauss–Legendre on panels of
/// width ≤ 1 (a ≤ b).
fn segment(a: f64, b: f64, g: &dyn Fn(f64) -> f64) -> f64 {
    let panels = (b - a).ceil().max(1.0) as usize;
    let width = (b - a) / panels as f64;
    let norm = 1.0 / (2.0 * PI).sqrt();
    let mut total = 0.0;
    for p in 0..panels {
        let mid = a + width * (p as f64 + 0.5);
        for &(x, w) in legendre() {
            let z = mid + 0.5 * width * x;
            total += 0.5 * width * w * norm * (-0.5 * z * z).exp() * g(z);
        }
    }
    total
}

/// E[g(z)], z ~ N(0, 1): composite Gauss–Legendre on [−RANGE, 0] and [0, RANGE].
pub fn gauss_expect(g: &dyn Fn(f64) -> f64) -> f64 {
    segment(-RANGE, 0.0, g) + segment(0.0, RANGE, g)
}

/// E[g(u₁, u₂)] with u₁ = √q z₁, u₂ = √q (c z₁ + √(1−c²) z₂), z₁, z₂ iid N(0, 1): the pair
/// of pre-activations with variance q and correlation c (|c| ≤ 1). The outer integral over z₁
/// splits at z₁ = 0, the inner one over z₂ at u₂ = 0, so a kink of φ at 0 lies on panel edges.
pub fn gauss_expect_pair(q: f64, c: f64, g: &dyn Fn(f64, f64) -> f64) -> f64 {
    let sq = q.sqrt();
    let s = (1.0 - c * c).max(0.0).sqrt();
    let outer = |z1: f64| {
        let u1 = sq * z1;
        if s == 0.0 {
            return g(u1, sq * c * z1);
        }
        let inner = |z2: f64| g(u1, sq * (c * z1 + s * z2));
        let split = (-c * z1 / s).clamp(-RANGE, RANGE);
        segment(-RANGE, split, &inner) + segment(split, RANGE, &inner)
    };
    // Near |c| = 1 the inner integral varies on the scale s in z₁: geometric panels
    // s, 2s, 4s, … up to 1 resolve it.
    let mut edges = vec![0.0];
    let mut e = s;
    while s > 0.0 && e < 1.0 {
        edges.push(e);
        e *= 2.0;
    }
    edges.push(RANGE);
    edges
        .windows(2)
        .map(|w| segment(w[0], w[1], &outer) + segment(-w[1], -w[0], &outer))
        .sum()
}

/// One step of the length map: σ_w² E[φ(√q z)²] + σ_b².
pub fn length_map(phi: &dyn Fn(f64) -> f64, q: f64, sigma_w2: f64, sigma_b2: f64) -> f64 {
    let sq = q.sqrt();
    sigma_w2 * gauss_expect(&|z| phi(sq * z).powi(2)) + sigma_b2
}

/// Fixed point q* of the length map reached from q = 1.
///
/// `Some(q)` with q > 0 at a proper fixed point, `Some(0.0)` when the map collapses to 0
/// (σ_b² = 0 and φ(0) = 0 in the ordered phase), `None` when q grows without bound (e.g.
/// linear φ with σ_w² ≥ 1 and σ_b² > 0, or relu with σ_w² > 2 and σ_b² = 0).
///
/// Iterates from q = 1 (at most 500 steps, relative tolerance 1e-12); if that has not
/// converged (slow, near-critical maps), the iteration being monotone, it brackets the
/// fixed point beyond the last iterate and bisects to the same tolerance. This assumes
/// F(q) − q changes sign once in that bracket, as it does for the usual activations.
pub fn q_star(phi: &dyn Fn(f64) -> f64, sigma_w2: f64, sigma_b2: f64) -> Option<f64> {
    let map = |q: f64| length_map(phi, q, sigma_w2, sigma_b2);
    let mut q = 1.0;
    for _ in 0..MAX_ITER {
        let next = map(q);
        if !next.is_finite() || next > Q_INF {
            return None;
        }
        if next < Q_ZERO {
            return Some(0.0);
        }
        if (next - q).abs() <= TOL * next {
            return Some(next);
        }
        q = next;
    }
    let h = |q: f64| map(q) - q;
    let (mut lo, mut hi) = if h(q) < 0.0 {
        // Decreasing towards the fixed point: it lies in [0, q] (h(0) = σ_w² φ(0)² + σ_b² ≥ 0).
        (0.0, q)
    } else {
        let mut hi = 2.0 * q;
        // Relative slack: F(q) − q loses σ_b² to rounding at large q (linear φ, σ_w² = 1).
        while h(hi) >= -TOL * hi {
            hi *= 2.0;
            if hi > Q_INF {
                return None;
            }
        }
        (q, hi)
    };
    while hi - lo > TOL * hi {
        if hi < Q_ZERO {
            return Some(0.0);
        }
        let mid = 0.5 * (lo + hi);
        if h(mid) >= 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// The q at which to evaluate slopes for a fixed point as reported by [`q_star`]: q* itself,
/// or a stand-in for the limit q → 0⁺ (collapse) or q → ∞ (divergence). For positively
/// homogeneous φ (linear, relu, leaky_relu) and σ_b² = 0 the slopes do not depend on q.
pub fn q_for_slopes(q_star: Option<f64>) -> f64 {
    match q_star {
        None => Q_INF,
        Some(q) if q < Q_ZERO => Q_ZERO,
        Some(q) => q,
    }
}

/// χ₁ = σ_w² E[φ'(√q z)²].
pub fn chi1(dphi: &dyn Fn(f64) -> f64, q: f64, sigma_w2: f64) -> f64 {
    let sq = q.sqrt();
    sigma_w2 * gauss_expect(&|z| dphi(sq * z).powi(2))
}

/// Slope of the length map at q: σ_w² E[φ'(√q z)² + φ(√q z) φ''(√q z)], φ'' the central
/// difference of `dphi`.
pub fn chi_q(phi: &dyn Fn(f64) -> f64, dphi: &dyn Fn(f64) -> f64, q: f64, sigma_w2: f64) -> f64 {
    let sq = q.sqrt();
    sigma_w2
        * gauss_expect(&|z| {
            let u = sq * z;
            dphi(u).powi(2) + phi(u) * derivative(dphi, u)
        })
}

/// One step of the correlation map at variance q:
/// (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / (σ_w² E[φ(u₁)²] + σ_b²). At q = q* the denominator is q*, so
/// this is Poole et al.'s map; normalizing by the next layer's length instead of q* keeps it
/// well defined (and exactly 1 at c = 1) in the q → 0 and q → ∞ limits.
pub fn correlation_map(
    phi: &dyn Fn(f64) -> f64,
    q: f64,
    c: f64,
    sigma_w2: f64,
    sigma_b2: f64,
) -> f64 {
    let num = sigma_w2 * gauss_expect_pair(q, c, &|a, b| phi(a) * phi(b)) + sigma_b2;
    num / length_map(phi, q, sigma_w2, sigma_b2)
}

/// Fixed point c* of the correlation map that iteration from c = 0 reaches: the smallest
/// c in [0, 1] where c ↦ f(c) − c crosses from positive to non-positive (f(0) ≥ c = 0 always,
/// and the map is increasing, so iteration from 0 climbs to exactly that point). Found by a scan
/// (c = k/32, then 1 − 2⁻ᵐ for m = 6..=30) and bisection to 1e-13; 1 when there is no crossing
/// (the ordered phase).
pub fn c_star(phi: &dyn Fn(f64) -> f64, q: f64, sigma_w2: f64, sigma_b2: f64) -> f64 {
    let g = |c: f64| correlation_map(phi, q, c, sigma_w2, sigma_b2) - c;
    let grid = (0..32)
        .map(|k| k as f64 / 32.0)
        .chain((6..=30).map(|m| 1.0 - 0.5f64.powi(m)));
    let mut prev = 0.0;
    for (k, c) in grid.enumerate() {
        let value = g(c);
        if value <= 0.0 {
            if k == 0 {
                return 0.0;
            }
            let (mut lo, mut hi) = (prev, c);
            while hi - lo > 1e-13 {
                let mid = 0.5 * (lo + hi);
                if g(mid) > 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return 0.5 * (lo + hi);
        }
        prev = c;
    }
    1.0
}

/// χ_c = σ_w² E[φ'(u₁)φ'(u₂)] at variance q and correlation c (the slope of the correlation
/// map at its fixed point); at c = 1 it is χ₁.
pub fn chi_c(dphi: &dyn Fn(f64) -> f64, q: f64, c: f64, sigma_w2: f64) -> f64 {
    if c >= 1.0 {
        return chi1(dphi, q, sigma_w2);
    }
    sigma_w2 * gauss_expect_pair(q, c, &|a, b| dphi(a) * dphi(b))
}

/// A depth scale: `Ok(ξ)` (∞ at criticality) or `Err(reason)` when −1/ln χ is undefined.
pub type Scale = Result<f64, String>;

/// ξ = −1/ln χ for a slope χ of a map at its fixed point: finite for 0 < χ < 1, ∞ for χ = 1
/// (within 1e-12), undefined otherwise.
pub fn depth_scale(chi: f64) -> Scale {
    if !chi.is_finite() || chi <= 0.0 {
        Err(format!("slope {chi} is not in (0, 1]"))
    } else if (chi - 1.0).abs() <= 1e-12 {
        Ok(f64::INFINITY)
    } else if chi < 1.0 {
        Ok(-1.0 / chi.ln())
    } else {
        Err(format!("slope {chi:.6} > 1: the fixed point is unstable"))
    }
}

/// σ_w² on the critical line χ₁(σ_w², σ_b²) = 1 for the given σ_b², by bisection on
/// [0.01, 100] to 1e-10. χ₁ is taken at q* (or its q → 0⁺ / q → ∞ limit when q* collapses
/// or diverges). `None` when χ₁ − 1 has the same sign at both ends.
pub fn critical_sigma_w2(
    phi: &dyn Fn(f64) -> f64,
    dphi: &dyn Fn(f64) -> f64,
    sigma_b2: f64,
) -> Option<f64> {
    let f = |w: f64| chi1(dphi, q_for_slopes(q_star(phi, w, sigma_b2)), w) - 1.0;
    let (mut lo, mut hi) = (0.01, 100.0);
    let (f_lo, f_hi) = (f(lo), f(hi));
    if f_lo == 0.0 {
        return Some(lo);
    }
    if f_hi == 0.0 {
        return Some(hi);
    }
    if (f_lo < 0.0) == (f_hi < 0.0) {
        return None;
    }
    while hi - lo > 1e-10 {
        let mid = 0.5 * (lo + hi);
        let v = f(mid);
        if v == 0.0 {
            return Some(mid);
        }
        if (v < 0.0) == (f_lo < 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// The mean-field quantities at one (σ_w², σ_b²).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub sigma_w2: f64,
    pub sigma_b2: f64,
    /// See [`q_star`]: `Some(0.0)` collapse, `None` divergence.
    pub q_star: Option<f64>,
    /// χ₁ at q* (or its limit).
    pub chi1: f64,
    /// See [`c_star`].
    pub c_star: f64,
    /// χ_c at c*.
    pub chi_c: f64,
    pub xi_q: Scale,
    pub xi_c: Scale,
    /// 6 ξ_c (Schoenholz et al. 2017's empirical bound on the trainable depth).
    pub trainable_depth: Scale,
}

/// All of [`Row`] at one (σ_w², σ_b²).
pub fn analyze(
    phi: &dyn Fn(f64) -> f64,
    dphi: &dyn Fn(f64) -> f64,
    sigma_w2: f64,
    sigma_b2: f64,
) -> Row {
    let qs = q_star(phi, sigma_w2, sigma_b2);
    let q = q_for_slopes(qs);
    let c = c_star(phi, q, sigma_w2, sigma_b2);
    let chi_c = chi_c(dphi, q, c, sigma_w2);
    let xi_q = match qs {
        None => Err("q* diverges".to_string()),
        Some(_) => depth_scale(chi_q(phi, dphi, q, sigma_w2)),
    };
    let xi_c = depth_scale(chi_c);
    Row {
        sigma_w2,
        sigma_b2,
        q_star: qs,
        chi1: chi1(dphi, q, sigma_w2),
        c_star: c,
        chi_c,
        xi_q,
        trainable_depth: xi_c.clone().map(|x| 6.0 * x),
        xi_c,
    }
}

/// One [`Row`] per σ_w².
pub fn table(
    phi: &dyn Fn(f64) -> f64,
    dphi: &dyn Fn(f64) -> f64,
    sigma_b2: f64,
    sigma_w2_values: &[f64],
) -> Vec<Row> {
    sigma_w2_values
        .iter()
        .map(|&w| analyze(phi, dphi, w, sigma_b2))
        .collect()
}

/// The default σ_w² grid: 0.5, 0.75, …, 4.
pub fn default_sigma_w2_grid() -> Vec<f64> {
    (0..=14).map(|k| 0.5 + 0.25 * k as f64).collect()
}

/// The rows as an aligned text table (undefined entries as "-", divergent as "inf").
pub fn format_table(rows: &[Row]) -> String {
    let scale = |s: &Scale| match s {
        Ok(v) if v.is_infinite() => "inf".to_string(),
        Ok(v) => format!("{v:.2}"),
        Err(_) => "-".to_string(),
    };
    let mut out = format!(
        "{:>8} {:>8} {:>12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}\n",
        "sigma_w2", "sigma_b2", "q*", "chi1", "c*", "chi_c", "xi_q", "xi_c", "6*xi_c"
    );
    for r in rows {
        let q = match r.q_star {
            Some(q) => format!("{q:.6}"),
            None => "inf".to_string(),
        };
        out.push_str(&format!(
            "{:>8.3} {:>8.3} {:>12} {:>9.5} {:>9.6} {:>9.5} {:>9} {:>9} {:>10}\n",
            r.sigma_w2,
            r.sigma_b2,
            q,
            r.chi1,
            r.c_star,
            r.chi_c,
            scale(&r.xi_q),
            scale(&r.xi_c),
            scale(&r.trainable_depth)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
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
}
