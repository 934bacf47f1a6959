//! The "Hidden layers over training" section of `report.md` and its figures, from
//! [`crate::analyze::layers`]: saturated fraction and mean activation per hidden layer
//! against epoch (Glorot & Bengio 2010, Fig. 2–4), one figure per group of trials that share
//! everything but activation, initializer and replicate; panels are activation ×
//! initializer, series are hidden layers; and their Table 1, test error per activation ×
//! initializer × data set.

use std::fmt::Write;

use super::catalog::Planned;
use super::figures::lines::{LineFigure, Panel, Scale, Series};
use super::figures::{series_color, Written};
use super::text::{embed, pct};
use crate::analyze::layers::{Layers, PanelCurves, TestError};
use crate::analyze::Analysis;

fn layer_legend(n: usize) -> Vec<(String, plotters::style::RGBColor)> {
    (0..n)
        .map(|l| (format!("hidden layer {}", l + 1), series_color(l)))
        .collect()
}

fn line_figure(
    title: &str,
    group: &str,
    y_desc: &str,
    y: Scale,
    budget: f64,
    panels: &[PanelCurves],
) -> LineFigure {
    let layers = panels.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    LineFigure {
        title: title.to_string(),
        subtitle: format!("{group} · mean over replicates at each recorded epoch"),
        x_desc: "epoch".into(),
        y_desc: y_desc.into(),
        x: Scale {
            lo: 0.0,
            hi: budget.max(1.0),
            log: false,
            percent: false,
        },
        y,
        panels: panels
            .iter()
            .map(|((act, init), series)| Panel {
                caption: format!("{act} · {init}"),
                series: series
                    .iter()
                    .enumerate()
                    .map(|(l, points)| Series {
                        color: series_color(l),
                        points: points.clone(),
                    })
                    .collect(),
            })
            .collect(),
        legend: layer_legend(layers),
    }
}

/// Per group, the saturated fraction of each hidden layer against epoch.
pub fn saturation(a: &Analysis) -> Vec<Planned> {
    let Some(layers) = &a.layers else {
        return Vec::new();
    };
    let budget = f64::from(a.setup.epochs);
    let sat = &layers.saturation;
    let mut out = Vec::new();
    for (k, (group, panels)) in sat.iter().enumerate() {
        let y = Scale {
            lo: 0.0,
            hi: 1.0,
            log: false,
            percent: true,
        };
        let fig = line_figure(
            "Saturated units per hidden layer",
            group,
            "saturated (unit, sample) pairs",
            y,
            budget,
            panels,
        );
        out.push(Planned::new(stem("layers-saturation", k, sat.len()), fig));
    }
    out
}

/// Per group, the mean activation per hidden layer against epoch.
pub fn mean(a: &Analysis) -> Vec<Planned> {
    let Some(layers) = &a.layers else {
        return Vec::new();
    };
    let budget = f64::from(a.setup.epochs);
    let mean = &layers.mean;
    let mut out = Vec::new();
    for (k, (group, panels)) in mean.iter().enumerate() {
        let ys = panels
            .iter()
            .flat_map(|(_, s)| s.iter().flatten().map(|p| p.1));
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
        let pad = ((hi - lo) * 0.05).max(1e-3);
        let y = Scale {
            lo: lo - pad,
            hi: hi + pad,
            log: false,
            percent: false,
        };
        let fig = line_figure(
            "Mean activation per hidden layer",
            group,
            "mean activation",
            y,
            budget,
            panels,
        );
        out.push(Planned::new(stem("layers-mean", k, mean.len()), fig));
    }
    out
}

fn stem(prefix: &str, k: usize, n: usize) -> String {
    if n <= 1 {
        prefix.to_string()
    } else {
        format!("{prefix}-{}", k + 1)
    }
}

/// "## Hidden layers over training": the saturation findings, Glorot & Bengio's test-error
/// table, and the figures.
pub fn markdown(layers: &Layers, figures: &[&Written], figure_dir: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Hidden layers over training\n");
    let _ = writeln!(
        out,
        "From `layers.csv`: each hidden layer's activations over the training split at the \
         recorded epochs (Glorot & Bengio 2010, Fig. 2–4). A (unit, sample) pair is saturated \
         within 1% of an asymptote (sigmoid below 0.01 or above 0.99, tanh and softsign beyond \
         ±0.99).\n"
    );
    let top = &layers.top_saturation;
    if !top.is_empty() {
        let _ = writeln!(
            out,
            "Top hidden layer, saturated fraction at initialization and after the last epoch \
             (mean over replicates):\n"
        );
        let _ = writeln!(
            out,
            "| group | activation | initializer | at init | at end |"
        );
        let _ = writeln!(out, "|---|---|---|---:|---:|");
        for (group, act, init, first, last) in top {
            let _ = writeln!(
                out,
                "| {group} | {act} | {init} | {}% | {}% |",
                pct(*first),
                pct(*last)
            );
        }
        out.push('\n');
    }
    test_error_table(&mut out, &layers.test_error);
    for fig in figures {
        embed(&mut out, fig, figure_dir);
    }
    out
}

/// Test error (1 − final test accuracy, %) as mean ± sd over replicates: rows activation ×
/// initializer (and any other varying setting), columns data sets, as Glorot & Bengio's
/// Table 1. Nothing without a test split.
fn test_error_table(out: &mut String, t: &TestError) {
    if t.rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Test error after the last epoch, % (mean ± sd over replicates, n):\n"
    );
    let _ = writeln!(
        out,
        "| activation | initializer | depth | width | optimizer | {} |",
        t.datasets.join(" | ")
    );
    let _ = writeln!(
        out,
        "|---|---|---:|---:|---|{}",
        "---:|".repeat(t.datasets.len())
    );
    for (row, cells) in &t.rows {
        let values: Vec<String> = cells
            .iter()
            .map(|c| match c {
                Some((m, sd, n)) => format!("{m:.1} ± {sd:.1} (n = {n})"),
                None => "–".into(),
            })
            .collect();
        let _ = writeln!(out, "| {row} | {} |", values.join(" | "));
    }
    out.push('\n');
}
