//! The "Edge of chaos" section of `report.md` and its figure, from [`crate::analyze::chaos`]:
//! the measured trainability over σ_w² × depth with the mean-field critical point and
//! trainable depth drawn over it, and the theory beside the deepest depth trained.

use std::fmt::Write;

use super::catalog::Planned;
use super::figures::chaos::{ChaosFigure, ChaosPanel};
use super::figures::{self, Written};
use super::text::embed;
use crate::analyze::chaos::Chaos;
use crate::analyze::Analysis;

pub fn figure(a: &Analysis) -> Vec<Planned> {
    let Some(chaos) = &a.chaos else {
        return Vec::new();
    };
    let panels = chaos
        .panels
        .iter()
        .map(|p| {
            let theory = chaos.prediction(&p.activation);
            ChaosPanel {
                caption: p.caption.clone(),
                cells: p.cells.clone(),
                critical: theory.critical,
                trainable_depth: theory.curve.clone(),
            }
        })
        .collect();
    let fig = ChaosFigure {
        title: "Trainability at the edge of chaos".into(),
        subtitle: format!(
            "σ_b² = {} · cell: % converged [Wilson 95% CI] · lines: mean-field theory",
            figures::format_number(chaos.sweep.sigma_b2)
        ),
        sigma_w2: chaos.sigma_w2.clone(),
        depths: chaos.depths.iter().map(|&d| d as f64).collect(),
        panels,
    };
    vec![Planned::new("edge-of-chaos".into(), fig)]
}

/// "## Edge of chaos": the theory's critical point and trainable depths, the measured deepest
/// trainable depth per σ_w², and the figure.
pub fn markdown(chaos: &Chaos, figures: &[&Written], figure_dir: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Edge of chaos\n");
    let fmt = |x: f64| format!("{x:.3}");
    let sigma_b2 = figures::format_number(chaos.sweep.sigma_b2);
    for p in &chaos.panels {
        let theory = chaos.prediction(&p.activation);
        let act = &p.activation;
        let _ = writeln!(out, "### {}\n", p.caption);
        match theory.critical {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "Mean-field theory (Poole et al. 2016; Schoenholz et al. 2017) puts the \
                     critical point of {act} at σ_b² = {sigma_b2} at **σ_w² = {}** (χ₁ = 1): \
                     ordered below, chaotic above. Signals propagate through about ξ_c layers, \
                     and networks up to about 6 ξ_c layers deep are predicted to train.\n",
                    fmt(s)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "Mean-field theory finds no critical σ_w² in [0.01, 100] for {act} at \
                     σ_b² = {sigma_b2}.\n"
                );
            }
        }
        let _ = writeln!(
            out,
            "| σ_w² | predicted trainable depth 6 ξ_c | deepest depth with ≥ 50% converged |"
        );
        let _ = writeln!(out, "|---:|---:|---:|");
        for ((w, d), measured) in theory.at_grid.iter().zip(&p.deepest) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                figures::format_number(*w),
                d.map_or("∞".to_string(), |d| format!("{d:.1}")),
                measured.map_or("–".to_string(), |d| d.to_string())
            );
        }
        out.push('\n');
    }
    for fig in figures {
        embed(&mut out, fig, figure_dir);
    }
    out
}
