//! The mean-field quantities gathered per (σ_w², σ_b²), and their text table.

use super::{c_star, chi1, chi_c, chi_q, depth_scale, q_for_slopes, q_star, Scale};

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
