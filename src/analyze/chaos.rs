//! Edge-of-chaos sweeps (Poole et al. 2016; Schoenholz et al. 2017): the measured
//! trainability over σ_w² × depth, with the mean-field prediction (`crate::theory`) drawn over
//! it and stated in `report.md`.
//!
//! A results folder is such a sweep when its spec (re-read from the manifest) crosses an
//! odd saturating activation (tanh, softsign) with at least two depths and at least two
//! weight variances σ_w², every weight initializer being fan-in variance scaling (so weights
//! have variance σ_w²/fan_in: `variance_scaling` with `mode = "fan_in"`, LeCun's and He's), and
//! the biases having one variance σ_b² throughout (zeros, or a zero-mean normal or symmetric
//! uniform). The gain multiplies weights and biases alike, so σ_w² = scale · gain² and
//! σ_b² = Var(bias) · gain². The spec's name plays no part.

use std::collections::HashMap;
use std::path::Path;

use super::grid::Tally;
use super::trials::{CellTrials, Setting};
use crate::error::Result;
use crate::model::Activation;
use crate::record::Manifest;
use crate::spec::Spec;
use crate::theory;

/// What makes a folder an edge-of-chaos sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub sigma_b2: f64,
    /// (initializer label, gain, σ_w²) for every weight setting the spec crosses.
    pub settings: Vec<(String, f64, f64)>,
    /// The odd saturating activations of the spec, as (label, activation).
    pub activations: Vec<(String, Activation)>,
}

impl Sweep {
    /// The distinct σ_w² values, ascending.
    pub fn sigma_w2(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.settings.iter().map(|s| s.2).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    }

    fn sigma_w2_of(&self, initializer: &str, gain: f64) -> Option<f64> {
        self.settings
            .iter()
            .find(|(i, g, _)| i == initializer && *g == gain)
            .map(|s| s.2)
    }
}

/// Whether `spec` is an edge-of-chaos sweep (see the module documentation).
pub fn sweep_of(spec: &Spec) -> Option<Sweep> {
    let activations: Vec<(String, Activation)> = spec
        .activations
        .iter()
        .filter(|a| matches!(a, Activation::Tanh | Activation::Softsign))
        .map(|a| (a.label(), *a))
        .collect();
    // Mean-field theory's χ₁ and length map describe plain stacks, not residual streams.
    if activations.is_empty() || spec.depths.len() < 2 || spec.residual.is_some() {
        return None;
    }
    let bias = spec.bias_initializer.bias_variance()?;
    let mut settings = Vec::new();
    let mut sigma_b2: Option<f64> = None;
    for init in &spec.initializers {
        let scale = init.fan_in_scale()?;
        for &g in &spec.gains {
            let b = bias * g * g;
            if sigma_b2.is_some_and(|s| (s - b).abs() > 1e-12 * s.max(1e-300)) {
                return None;
            }
            sigma_b2 = Some(b);
            settings.push((init.label(), g, scale * g * g));
        }
    }
    let sweep = Sweep {
        sigma_b2: sigma_b2?,
        settings,
        activations,
    };
    (sweep.sigma_w2().len() >= 2).then_some(sweep)
}

/// Re-reads the spec from the manifest of `dir` and returns the sweep it describes, if any.
pub fn detect(manifest: &Manifest, dir: &Path) -> Result<Option<Sweep>> {
    Ok(sweep_of(&spec_of(manifest, dir)?))
}

/// The spec of the run in `dir`, re-read from its manifest: the analysis needs the parsed
/// initializers and activations behind the labels `trials.csv` holds.
pub(super) fn spec_of(manifest: &Manifest, dir: &Path) -> Result<Spec> {
    let name = manifest.spec["name"].as_str().unwrap_or("experiment");
    let origin = format!("{} (spec_toml)", dir.join("manifest.json").display());
    Spec::from_str(
        &manifest.spec_toml,
        &origin,
        name,
        Path::new(&manifest.spec_dir),
    )
}

/// Mean-field predictions for one activation at the sweep's σ_b².
pub struct Prediction {
    pub critical: Option<f64>,
    /// (σ_w², 6 ξ_c) at each σ_w² of the sweep; `None` where ξ_c is undefined.
    pub at_grid: Vec<(f64, Option<f64>)>,
    /// (σ_w², 6 ξ_c) on a fine grid across the sweep's range, finite values only.
    pub curve: Vec<(f64, f64)>,
}

/// 6 ξ_c at (σ_w², σ_b²), `None` where undefined. In the ordered phase (χ₁ < 1) c* = 1 and
/// χ_c = χ₁, so ξ_c comes from the length map alone; only the chaotic phase needs c*, whose
/// two-dimensional quadratures cost a thousand times more.
fn trainable_depth(act: Activation, sigma_w2: f64, sigma_b2: f64) -> Option<f64> {
    let phi = |x: f64| act.scalar(x);
    let dphi = |x: f64| act.scalar_derivative(x);
    let q = theory::q_for_slopes(theory::q_star(&phi, sigma_w2, sigma_b2));
    let chi = theory::chi1(&dphi, q, sigma_w2);
    let xi = if chi < 1.0 {
        theory::depth_scale(chi)
    } else {
        theory::analyze(&phi, &dphi, sigma_w2, sigma_b2).xi_c
    };
    xi.ok().map(|x| 6.0 * x).filter(|d| d.is_finite())
}

pub fn predict(act: Activation, sweep: &Sweep) -> Prediction {
    let phi = |x: f64| act.scalar(x);
    let dphi = |x: f64| act.scalar_derivative(x);
    let b = sweep.sigma_b2;
    let critical = theory::critical_sigma_w2(&phi, &dphi, b);
    let grid = sweep.sigma_w2();
    let (lo, hi) = (grid[0], grid[grid.len() - 1]);
    // Dense where the curve is cheap (ordered side); on the chaotic side a few points,
    // geometrically closer together towards the critical point where the curve is steep.
    let split = critical.unwrap_or(hi).clamp(lo, hi);
    const ORDERED: usize = 120;
    const CHAOTIC: usize = 12;
    let mut xs: Vec<f64> = (0..=ORDERED)
        .map(|k| lo + (split - lo) * k as f64 / ORDERED as f64)
        .collect();
    if split < hi {
        xs.extend(
            (1..=CHAOTIC).map(|k| split + (hi - split) * (k as f64 / CHAOTIC as f64).powi(2)),
        );
    }
    Prediction {
        critical,
        at_grid: grid
            .iter()
            .map(|&w| (w, trainable_depth(act, w, b)))
            .collect(),
        curve: xs
            .into_iter()
            .filter_map(|w| Some((w, trainable_depth(act, w, b)?)))
            .collect(),
    }
}

/// Panels: one per combination of activation and the other varying settings.
fn panel_key(s: &Setting) -> String {
    format!(
        "{} · {} · width {} · {}",
        s.activation, s.dataset, s.width, s.optimizer
    )
}

/// The measured grid of one panel and the theory for its activation.
#[derive(Clone, Debug)]
pub struct Panel {
    /// "tanh · digits · width 64 · sgd(lr=0.01)".
    pub caption: String,
    pub activation: String,
    /// Per depth (ascending), per σ_w² (ascending): the trials there.
    pub cells: Vec<Vec<Option<Tally>>>,
    /// Per σ_w²: the deepest depth with at least half converged.
    pub deepest: Vec<Option<u32>>,
}

/// A folder's edge-of-chaos sweep: the trainability measured on σ_w² × depth, and the
/// mean-field prediction beside it.
pub struct Chaos {
    pub sweep: Sweep,
    pub sigma_w2: Vec<f64>,
    pub depths: Vec<u32>,
    /// The theory per activation of the sweep, as (label, prediction).
    pub predictions: Vec<(String, Prediction)>,
    /// In plan order.
    pub panels: Vec<Panel>,
}

impl Chaos {
    pub fn prediction(&self, activation: &str) -> &Prediction {
        self.predictions
            .iter()
            .find(|(l, _)| l == activation)
            .map(|p| &p.1)
            .expect("every panel has a sweep activation")
    }
}

/// The sweep of `dir`'s spec, measured on `cells`; `None` when the folder is not one.
pub fn analyze(manifest: &Manifest, dir: &Path, cells: &[CellTrials]) -> Result<Option<Chaos>> {
    let Some(sweep) = detect(manifest, dir)? else {
        return Ok(None);
    };
    let sigma_w2 = sweep.sigma_w2();
    let mut depths: Vec<u32> = cells.iter().map(|c| c.setting.depth).collect();
    depths.sort_unstable();
    depths.dedup();
    // (converged, n) per panel, depth and σ_w², panels in plan order.
    type Tallies = HashMap<(u32, u64), (u64, u64)>;
    let mut counts: Vec<(String, String, Tallies)> = Vec::new();
    for c in cells {
        let s = &c.setting;
        if !sweep.activations.iter().any(|(l, _)| *l == s.activation) {
            continue;
        }
        let Some(w) = sweep.sigma_w2_of(&s.initializer, s.gain) else {
            continue;
        };
        let key = panel_key(s);
        let i = match counts.iter().position(|(k, _, _)| *k == key) {
            Some(i) => i,
            None => {
                counts.push((key, s.activation.clone(), HashMap::new()));
                counts.len() - 1
            }
        };
        let t = counts[i].2.entry((s.depth, w.to_bits())).or_default();
        t.0 += c.converged as u64;
        t.1 += c.n as u64;
    }
    let panels = counts
        .into_iter()
        .map(|(caption, activation, c)| Panel {
            caption,
            activation,
            cells: depths
                .iter()
                .map(|&d| {
                    sigma_w2
                        .iter()
                        .map(|w| c.get(&(d, w.to_bits())).map(|&(k, n)| Tally::new(k, n)))
                        .collect()
                })
                .collect(),
            deepest: sigma_w2
                .iter()
                .map(|w| {
                    depths
                        .iter()
                        .copied()
                        .filter(|&d| {
                            c.get(&(d, w.to_bits()))
                                .is_some_and(|&(k, n)| n > 0 && 2 * k >= n)
                        })
                        .max()
                })
                .collect(),
        })
        .collect();
    Ok(Some(Chaos {
        predictions: predictions(&sweep),
        sigma_w2,
        depths,
        panels,
        sweep,
    }))
}

/// The theory for each activation of the sweep, computed once.
fn predictions(sweep: &Sweep) -> Vec<(String, Prediction)> {
    sweep
        .activations
        .iter()
        .map(|(label, act)| (label.clone(), predict(*act, sweep)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        Spec::from_str(text, "t.toml", "t", Path::new(".")).unwrap()
    }

    const VS: &str = r#"{ name = "variance_scaling", mode = "fan_in", distribution = "untruncated_normal", scale = "#;

    #[test]
    fn a_tanh_sigma_w2_by_depth_grid_is_a_sweep_whatever_its_name() {
        let s = spec(&format!(
            "name = \"anything\"\nactivation = [\"tanh\", \"relu\"]\ndepth = [2, 8]\n\
             bias_initializer = {{ name = \"random_normal\", stddev = 0.5 }}\n\
             initializer = [{VS}1.0 }}, {VS}2.0 }}]\n"
        ));
        let sw = sweep_of(&s).expect("a sweep");
        assert_eq!(sw.sigma_w2(), vec![1.0, 2.0]);
        assert_eq!(sw.sigma_b2, 0.25);
        assert_eq!(sw.activations.len(), 1);
        // The gain axis also varies σ_w² (and, with zero biases, leaves σ_b² alone).
        let g = spec("activation = [\"tanh\"]\ndepth = [2, 8]\ninitializer = [\"lecun_normal\"]\ngain = [1.0, 2.0]\n");
        assert_eq!(sweep_of(&g).unwrap().sigma_w2(), vec![1.0, 4.0]);
    }

    #[test]
    fn other_grids_are_not_sweeps() {
        let base = format!("depth = [2, 8]\ninitializer = [{VS}1.0 }}, {VS}2.0 }}]\n");
        assert!(sweep_of(&spec(&format!("activation = [\"tanh\"]\n{base}"))).is_some());
        // No tanh-family activation; one depth; a non-fan-in initializer; one σ_w².
        assert!(sweep_of(&spec(&format!("activation = [\"relu\"]\n{base}"))).is_none());
        let one_depth = base.replace("[2, 8]", "[8]");
        assert!(sweep_of(&spec(&format!("activation = [\"tanh\"]\n{one_depth}"))).is_none());
        let glorot = "activation = [\"tanh\"]\ndepth = [2, 8]\ninitializer = [\"glorot_normal\", \"lecun_normal\"]\n";
        assert!(sweep_of(&spec(glorot)).is_none());
        let single = "activation = [\"tanh\"]\ndepth = [2, 8]\ninitializer = [\"lecun_normal\"]\n";
        assert!(sweep_of(&spec(single)).is_none());
        // A gain axis with random biases varies σ_b² too: no single critical point.
        let biased = "activation = [\"tanh\"]\ndepth = [2, 8]\ninitializer = [\"lecun_normal\"]\n\
                      gain = [1.0, 2.0]\nbias_initializer = { name = \"random_normal\", stddev = 0.1 }\n";
        assert!(sweep_of(&spec(biased)).is_none());
    }

    #[test]
    fn prediction_matches_the_theory_table() {
        // `initbench theory --activation tanh --sigma-b2 0.05`: critical 1.760955; 6 ξ_c 7.15
        // at σ_w² = 0.5, 21.76 at 1 (ordered) and 41.88 at 4 (chaotic).
        assert!((trainable_depth(Activation::Tanh, 1.0, 0.05).unwrap() - 21.76).abs() < 0.01);
        assert!((trainable_depth(Activation::Tanh, 4.0, 0.05).unwrap() - 41.88).abs() < 0.01);
        let s = spec(&format!(
            "activation = [\"tanh\"]\ndepth = [2, 8]\n\
             bias_initializer = {{ name = \"random_normal\", stddev = 0.22360679774997896 }}\n\
             initializer = [{VS}0.5 }}, {VS}1.5 }}]\n"
        ));
        let p = predict(Activation::Tanh, &sweep_of(&s).unwrap());
        assert!((p.critical.unwrap() - 1.760955).abs() < 1e-5);
        assert!((p.at_grid[0].1.unwrap() - 7.15).abs() < 0.01);
        // Ordered side: the trainable depth grows towards the critical point.
        assert_eq!(p.curve.len(), 121);
        assert!(p.curve.windows(2).all(|w| w[1].1 > w[0].1));
    }
}
