//! The "Jacobian spectrum at initialization" section of `report.md` and its figure, from
//! [`crate::analyze::isometry`]: per activation and width, the relative spread of the squared
//! singular values (variance / mean², which does not depend on the overall scale χ₁^L)
//! against the layers the Jacobian spans, measured (one line per initializer and gain) and as
//! free probability predicts it (a line of the same colour, lighter).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::catalog::Planned;
use super::figures::lines::{LineFigure, Panel, Scale, Series};
use super::figures::{format_number, lighter, series_color, Written};
use super::text::embed;
use crate::analyze::isometry::Isometry;
use crate::analyze::Analysis;

/// (layers, measured relative spread, predicted relative spread) of one cell.
type Point = (f64, f64, Option<f64>);

/// The figure, when the spectrum spans at least two depths somewhere.
pub fn figure(a: &Analysis) -> Vec<Planned> {
    let Some(iso) = &a.isometry else {
        return Vec::new();
    };
    // Series keys in the cells' (plan) order.
    let mut keys: Vec<String> = Vec::new();
    let mut panels: BTreeMap<(String, u32), BTreeMap<usize, Vec<Point>>> = BTreeMap::new();
    for c in &iso.cells {
        let key = format!(
            "{} · gain {}",
            c.setting.initializer,
            format_number(c.setting.gain)
        );
        let k = match keys.iter().position(|x| *x == key) {
            Some(k) => k,
            None => {
                keys.push(key);
                keys.len() - 1
            }
        };
        panels
            .entry((c.setting.activation.clone(), c.setting.width))
            .or_default()
            .entry(k)
            .or_default()
            .push((
                c.layers as f64,
                c.sv2_var / (c.sv2_mean * c.sv2_mean),
                c.predicted.map(|p| p.sv2_var / (p.sv2_mean * p.sv2_mean)),
            ));
    }
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let ys: Vec<f64> = panels
        .values()
        .flat_map(|s| s.values().flatten())
        .flat_map(|&(_, m, p)| [Some(m), p].into_iter().flatten())
        .filter(|&v| positive(v))
        .collect();
    let xs: Vec<f64> = panels
        .values()
        .flat_map(|s| s.values().flatten().map(|p| p.0))
        .collect();
    let distinct = |v: &[f64]| v.iter().any(|&x| x != v[0]);
    if ys.is_empty() || !distinct(&xs) {
        return Vec::new();
    }
    let (lo, hi) = ys.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &y| {
        (lo.min(y), hi.max(y))
    });
    let (xlo, xhi) = xs.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
        (lo.min(x), hi.max(x))
    });
    let line = |pts: &[Point], pick: fn(&Point) -> Option<f64>| {
        let mut v: Vec<(f64, f64)> = pts
            .iter()
            .filter_map(|p| pick(p).filter(|&y| positive(y)).map(|y| (p.0, y)))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v.dedup_by(|a, b| a.0 == b.0);
        v
    };
    let fig = LineFigure {
        title: "Relative spread of the Jacobian's squared singular values".into(),
        subtitle: "at initialization · mean over trials (dark), free probability (light)".into(),
        x_desc: "hidden-to-hidden layers in the Jacobian".into(),
        y_desc: "variance / mean² of squared singular values".into(),
        x: Scale {
            lo: xlo,
            hi: xhi,
            log: false,
            percent: false,
        },
        y: Scale {
            lo: lo / 2.0,
            hi: hi * 2.0,
            log: true,
            percent: false,
        },
        panels: panels
            .iter()
            .map(|((act, width), series)| Panel {
                caption: format!("{act} · width {width}"),
                series: series
                    .iter()
                    .flat_map(|(&k, pts)| {
                        [
                            Series {
                                color: lighter(series_color(k)),
                                points: line(pts, |p| p.2),
                            },
                            Series {
                                color: series_color(k),
                                points: line(pts, |p| Some(p.1)),
                            },
                        ]
                    })
                    .collect(),
            })
            .collect(),
        legend: keys
            .into_iter()
            .enumerate()
            .map(|(k, key)| (key, series_color(k)))
            .collect(),
    };
    vec![Planned::new("jacobian-spectrum".into(), fig)]
}

/// "## Jacobian spectrum at initialization": what was measured, the table against the
/// prediction, and the figure.
pub fn markdown(iso: &Isometry, figures: &[&Written], figure_dir: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Jacobian spectrum at initialization\n");
    let _ = writeln!(
        out,
        "The Jacobian J of the hidden stack, from the first hidden layer's activations to \
         the last's, at each network's first training rows (`jacobian.csv`). Dynamical \
         isometry (Pennington, Schoenholz & Ganguli 2017) is every squared singular value of J \
         near 1: mean 1 and variance 0. Free probability predicts the mean Π σ_w² μ₁(q_l) and \
         the variance mean² · Σ (μ₂(q_l)/μ₁(q_l)² − 1 − s₁) over the layers, μ_k(q) = \
         E[φ'(√q z)^2k], with q_l following the mean-field length map from the first hidden \
         layer's measured pre-activation variance, and s₁ = 0 for orthogonal and −1 for \
         i.i.d. weights (at the fixed point q*: χ₁^L and χ₁^2L · L (μ₂/μ₁² − 1 − s₁)); \"–\" \
         where the cell's initializer or biases have no such prediction.\n"
    );
    let _ = writeln!(
        out,
        "| initializer | gain | activation | width | layers | n | mean s² | predicted | \
         var s² | predicted | median max s |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let g = |v: f64| match v.is_finite() {
        true => format!("{v:.3e}"),
        false => "–".into(),
    };
    for c in &iso.cells {
        let s = &c.setting;
        let (pm, pv) = match c.predicted {
            Some(p) => (g(p.sv2_mean), g(p.sv2_var)),
            None => ("–".into(), "–".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {pm} | {} | {pv} | {} |",
            s.initializer,
            format_number(s.gain),
            s.activation,
            s.width,
            c.layers,
            c.n,
            g(c.sv2_mean),
            g(c.sv2_var),
            g(c.sv_max),
        );
    }
    let _ = writeln!(out);
    for fig in figures {
        embed(&mut out, fig, figure_dir);
    }
    out
}
