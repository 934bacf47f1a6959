//! The "Coordinate check" section of `report.md` and its figure, from
//! [`crate::analyze::coordinates`]: each hidden layer's activation size against the width, at
//! initialization (light) and after the first epoch (dark), one panel per group.

use std::fmt::Write;

use super::catalog::Planned;
use super::figures::lines::{LineFigure, Panel, Scale, Series};
use super::figures::{lighter, series_color, Written};
use super::text::embed;
use crate::analyze::coordinates::Coordinates;
use crate::analyze::Analysis;

pub fn figure(a: &Analysis) -> Vec<Planned> {
    let Some(c) = a.layers.as_ref().and_then(|l| l.coordinates.as_ref()) else {
        return Vec::new();
    };
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let all = c
        .groups
        .iter()
        .flat_map(|g| &g.layers)
        .flat_map(|l| &l.points);
    let (mut xlo, mut xhi, mut ylo, mut yhi) = (f64::INFINITY, 0.0f64, f64::INFINITY, 0.0f64);
    for &(w, y0, y1) in all {
        xlo = xlo.min(w as f64);
        xhi = xhi.max(w as f64);
        for y in [y0, y1].into_iter().filter(|&y| positive(y)) {
            ylo = ylo.min(y);
            yhi = yhi.max(y);
        }
    }
    if !(ylo.is_finite() && xhi > xlo) {
        return Vec::new();
    }
    let layers = c.groups.iter().map(|g| g.layers.len()).max().unwrap_or(0);
    let series = |pts: &[(u32, f64, f64)], pick: fn(&(u32, f64, f64)) -> f64| -> Vec<(f64, f64)> {
        pts.iter()
            .filter(|p| positive(pick(p)))
            .map(|p| (p.0 as f64, pick(p)))
            .collect()
    };
    let fig = LineFigure {
        title: "Coordinate check: activation size against width".into(),
        subtitle: format!(
            "mean over replicates of each hidden layer's sd · at initialization (light), after \
             epoch {} (dark)",
            c.epoch
        ),
        x_desc: "width".into(),
        y_desc: "activation sd".into(),
        x: Scale {
            lo: xlo,
            hi: xhi,
            log: true,
            percent: false,
        },
        y: Scale {
            lo: ylo / 2.0,
            hi: yhi * 2.0,
            log: true,
            percent: false,
        },
        panels: c
            .groups
            .iter()
            .map(|g| Panel {
                caption: g.label.clone(),
                series: g
                    .layers
                    .iter()
                    .flat_map(|l| {
                        let color = series_color(l.layer);
                        [
                            Series {
                                color: lighter(color),
                                points: series(&l.points, |p| p.1),
                            },
                            Series {
                                color,
                                points: series(&l.points, |p| p.2),
                            },
                        ]
                    })
                    .collect(),
            })
            .collect(),
        legend: (0..layers)
            .map(|l| (format!("hidden layer {}", l + 1), series_color(l)))
            .collect(),
    };
    vec![Planned::new("coordinate-check".into(), fig)]
}

/// "## Coordinate check": the slopes and the figure.
pub fn markdown(c: &Coordinates, figures: &[&Written], figure_dir: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Coordinate check\n");
    let _ = writeln!(
        out,
        "Each hidden layer's activation size (the standard deviation in `layers.csv`, mean \
         over replicates) against the width, at initialization and after epoch {}: the \
         coordinate check of Tensor Programs V (Yang et al. 2022). The slope is that of log sd \
         against log width, by least squares: 0 keeps the size as the network widens, 0.5 \
         grows it as √width; the slope of the change is that of log(sd after / sd at \
         initialization), which the initial draws' noise does not enter. Under muP every slope should stay near 0 after training; under \
         the standard parametrization updates grow with the width.\n",
        c.epoch
    );
    let _ = writeln!(
        out,
        "| group | layer | slope at initialization | after epoch {} | of the change |",
        c.epoch
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    let f = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.2}"));
    for g in &c.groups {
        for l in &g.layers {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                g.label,
                l.layer + 1,
                f(l.slope_init),
                f(l.slope_trained),
                f(l.slope_change)
            );
        }
    }
    let _ = writeln!(out);
    for fig in figures {
        embed(&mut out, fig, figure_dir);
    }
    out
}
