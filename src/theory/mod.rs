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
//! Expectations are computed in [`quadrature`]; [`table`] gathers them per (σ_w², σ_b²).

mod quadrature;
mod table;

pub use quadrature::{gauss_expect, gauss_expect_pair, gauss_expect_steep, PANEL_ORDER};
pub use table::{analyze, default_sigma_w2_grid, format_table, table, Row};

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

/// One step of the length map: σ_w² E[φ(√q z)²] + σ_b².
pub fn length_map(phi: &dyn Fn(f64) -> f64, q: f64, sigma_w2: f64, sigma_b2: f64) -> f64 {
    let sq = q.sqrt();
    sigma_w2 * gauss_expect_steep(1.0 / sq, &|z| phi(sq * z).powi(2)) + sigma_b2
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

/// The q that stands in for q → ∞ in the slopes of a divergent length map. The quadratures
/// resolve φ on the scale 1/√q, at a cost that grows with log q in each of the pair's two
/// levels: at Q_INF (1e150) `initbench theory --activation relu` took 4 minutes, at 1e12 it
/// takes 10 s. Activations that diverge are rectifiers or grow linearly, whose
/// maps at q = 1e12 are within about 1/√q = 1e-6 of the limit (exactly it for the positively
/// homogeneous ones).
const Q_SLOPES_INF: f64 = 1e12;

/// The q at which to evaluate slopes for a fixed point as reported by [`q_star`]: q* itself,
/// or a stand-in for the limit q → 0⁺ (collapse) or q → ∞ (divergence). For positively
/// homogeneous φ (linear, relu, leaky_relu) and σ_b² = 0 the slopes do not depend on q.
pub fn q_for_slopes(q_star: Option<f64>) -> f64 {
    match q_star {
        None => Q_SLOPES_INF,
        Some(q) if q < Q_ZERO => Q_ZERO,
        Some(q) => q,
    }
}

/// χ₁ = σ_w² E[φ'(√q z)²].
pub fn chi1(dphi: &dyn Fn(f64) -> f64, q: f64, sigma_w2: f64) -> f64 {
    let sq = q.sqrt();
    sigma_w2 * gauss_expect_steep(1.0 / sq, &|z| dphi(sq * z).powi(2))
}

/// Slope of the length map at q: σ_w² E[φ'(√q z)² + φ(√q z) φ''(√q z)], φ'' the central
/// difference of `dphi`.
pub fn chi_q(phi: &dyn Fn(f64) -> f64, dphi: &dyn Fn(f64) -> f64, q: f64, sigma_w2: f64) -> f64 {
    let sq = q.sqrt();
    sigma_w2
        * gauss_expect_steep(1.0 / sq, &|z| {
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

/// The first two moments of the squared singular values of the Jacobian of `layers` square
/// layers, by free probability (Pennington, Schoenholz & Ganguli 2017, §2.3–2.4): the
/// S-transforms of the factors D_l² and W_lᵀW_l multiply, so
/// mean = Π_l σ_w² μ₁(q_l) and variance / mean² = Σ_l (μ₂(q_l)/μ₁(q_l)² − 1 − s₁), with
/// μ_k(q) = E[φ'(√q z)^2k] and s₁ the first coefficient of WᵀW's normalized S-transform: −1
/// for i.i.d. weights (Gaussian or any law of finite variance: Marchenko–Pastur), 0 for
/// orthogonal ones. q_l follows the length map from `q_in`, the variance of the
/// pre-activations that feed the first of the layers. Started at the fixed point q*, q_l = q*
/// throughout and this is the paper's mean χ₁^L and variance χ₁^2L · L (μ₂/μ₁² − 1 − s₁).
/// Returns (mean, variance).
pub fn jacobian_moments(
    phi: &dyn Fn(f64) -> f64,
    dphi: &dyn Fn(f64) -> f64,
    (sigma_w2, sigma_b2): (f64, f64),
    q_in: f64,
    layers: usize,
    s1: f64,
) -> (f64, f64) {
    let (mut q, mut mean, mut spread) = (q_in, 1.0, 0.0);
    for _ in 0..layers {
        q = length_map(phi, q, sigma_w2, sigma_b2).clamp(Q_ZERO, Q_INF);
        let sq = q.sqrt();
        let mu1 = gauss_expect_steep(1.0 / sq, &|z| dphi(sq * z).powi(2));
        let mu2 = gauss_expect_steep(1.0 / sq, &|z| dphi(sq * z).powi(4));
        mean *= sigma_w2 * mu1;
        spread += mu2 / (mu1 * mu1) - 1.0 - s1;
    }
    (mean, mean * mean * spread)
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

#[cfg(test)]
mod tests;
