//! Hidden layers over training, from `layers.csv` (spec key `record_layers`): the figures of
//! Glorot & Bengio (2010, "Understanding the difficulty of training deep feedforward neural
//! networks", Fig. 2–4), saturated fraction and mean activation per layer against epoch, and
//! their Table 1, test error per activation × initializer × data set.
//!
//! Replicates are averaged at each epoch. Figures come one per group of trials that share
//! everything but activation, initializer and replicate; panels are activation × initializer,
//! series are hidden layers.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::Path;

use serde::Deserialize;

use super::figures::lines::{LineFigure, Panel, Scale, Series};
use super::figures::{self, series_color, Written};
use super::load::{csv_error, Results, Trial};
use crate::error::Result;
use crate::record::canonical::LAYERS;
use crate::stats;

/// One row of `layers.csv`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct LayerRow {
    pub trial_id: String,
    pub epoch: u64,
    pub layer: usize,
    pub act_mean: Option<f64>,
    pub act_std: Option<f64>,
    pub saturated_frac: Option<f64>,
}

/// `dir/layers.csv`, or `None` when the run did not record layers.
pub fn load(dir: &Path) -> Result<Option<Vec<LayerRow>>> {
    let path = dir.join(LAYERS);
    if !path.exists() {
        return Ok(None);
    }
    let mut reader = csv::Reader::from_path(&path).map_err(|e| csv_error(&path, e))?;
    let rows = reader
        .deserialize::<LayerRow>()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| csv_error(&path, e))?;
    Ok(Some(rows))
}

/// What a figure's panels share: every axis but activation, initializer and replicate.
fn group_of(t: &Trial) -> String {
    format!(
        "{} · depth {} · width {} · {} · gain {}",
        t.dataset, t.depth, t.width, t.optimizer, t.gain
    )
}

/// One panel: (activation, initializer) and, per layer, (epoch, mean over replicates).
type PanelCurves = ((String, String), Vec<Vec<(f64, f64)>>);

/// Per group, its panels in plan order.
type Curves = Vec<(String, Vec<PanelCurves>)>;

/// Values by layer and epoch.
type ByLayer = BTreeMap<usize, BTreeMap<u64, Vec<f64>>>;

fn curves(results: &Results, rows: &[LayerRow], value: fn(&LayerRow) -> Option<f64>) -> Curves {
    let trial: HashMap<&str, &Trial> = results
        .trials
        .iter()
        .map(|t| (t.trial_id.as_str(), t))
        .collect();
    // (group, panel) → layer → epoch → values, keeping first-seen (plan) order.
    let mut order: Vec<(String, (String, String))> = Vec::new();
    let mut acc: HashMap<(String, (String, String)), ByLayer> = HashMap::new();
    for r in rows {
        let Some(t) = trial.get(r.trial_id.as_str()) else {
            continue;
        };
        let Some(v) = value(r).filter(|v| v.is_finite()) else {
            continue;
        };
        let key = (group_of(t), (t.activation.clone(), t.initializer.clone()));
        if !acc.contains_key(&key) {
            order.push(key.clone());
        }
        acc.entry(key)
            .or_default()
            .entry(r.layer)
            .or_default()
            .entry(r.epoch)
            .or_default()
            .push(v);
    }
    let mut out: Curves = Vec::new();
    for key in order {
        let layers = &acc[&key];
        let series = layers
            .values()
            .map(|by_epoch| {
                by_epoch
                    .iter()
                    .map(|(&e, vs)| (e as f64, stats::mean(vs).unwrap_or(f64::NAN)))
                    .collect()
            })
            .collect();
        match out.iter_mut().find(|(g, _)| *g == key.0) {
            Some((_, panels)) => panels.push((key.1, series)),
            None => out.push((key.0, vec![(key.1, series)])),
        }
    }
    out
}

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

/// The figures: per group, the saturated fraction (when the activations saturate) and the
/// mean activation per hidden layer against epoch.
pub fn figures(results: &Results, rows: &[LayerRow], fig_dir: &Path) -> Result<Vec<Written>> {
    let budget = results.manifest.epochs as f64;
    let sat = curves(results, rows, |r| r.saturated_frac);
    let mean = curves(results, rows, |r| r.act_mean);
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
        out.push(figures::render(
            &fig,
            fig_dir,
            &stem("layers-saturation", k, sat.len()),
        )?);
    }
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
        out.push(figures::render(
            &fig,
            fig_dir,
            &stem("layers-mean", k, mean.len()),
        )?);
    }
    Ok(out)
}

fn stem(prefix: &str, k: usize, n: usize) -> String {
    if n <= 1 {
        prefix.to_string()
    } else {
        format!("{prefix}-{}", k + 1)
    }
}

/// The top hidden layer's saturated fraction at the first and the last recorded epoch, per
/// group and panel, as `(group, activation, initializer, at first, at last)`.
pub fn top_layer_saturation(
    results: &Results,
    rows: &[LayerRow],
) -> Vec<(String, String, String, f64, f64)> {
    let mut out = Vec::new();
    for (group, panels) in curves(results, rows, |r| r.saturated_frac) {
        for ((act, init), series) in panels {
            let Some(top) = series.last() else { continue };
            if let (Some(first), Some(last)) = (top.first(), top.last()) {
                out.push((group.clone(), act, init, first.1, last.1));
            }
        }
    }
    out
}

/// "## Hidden layers over training": the saturation findings, Glorot & Bengio's test-error
/// table, and the figures.
pub fn markdown(
    results: &Results,
    rows: &[LayerRow],
    figures: &[Written],
    report_dir_name: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Hidden layers over training\n");
    let _ = writeln!(
        out,
        "From `layers.csv`: each hidden layer's activations over the training split at the \
         recorded epochs (Glorot & Bengio 2010, Fig. 2–4). A (unit, sample) pair is saturated \
         within 1% of an asymptote (sigmoid below 0.01 or above 0.99, tanh and softsign beyond \
         ±0.99).\n"
    );
    let top = top_layer_saturation(results, rows);
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
        for (group, act, init, first, last) in &top {
            let _ = writeln!(
                out,
                "| {group} | {act} | {init} | {}% | {}% |",
                super::markdown::pct(*first),
                super::markdown::pct(*last)
            );
        }
        out.push('\n');
    }
    out.push_str(&test_error_table(results));
    for fig in figures {
        let name = |p: &Path| {
            format!(
                "{report_dir_name}/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )
        };
        let _ = writeln!(
            out,
            "![{}]({})\n\n[SVG]({})\n",
            fig.title,
            name(&fig.png),
            name(&fig.svg)
        );
    }
    out
}

/// Test error (1 − final test accuracy, %) as mean ± sd over replicates: rows activation ×
/// initializer (and any other varying setting), columns data sets, as Glorot & Bengio's
/// Table 1. Empty without a test split.
pub fn test_error_table(results: &Results) -> String {
    let mut datasets: Vec<&str> = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut cells: HashMap<(String, &str), Vec<f64>> = HashMap::new();
    for t in &results.trials {
        let Some(acc) = t.final_test_acc else {
            continue;
        };
        if !datasets.contains(&t.dataset.as_str()) {
            datasets.push(&t.dataset);
        }
        let row = format!(
            "{} | {} | {} | {} | {}",
            t.activation, t.initializer, t.depth, t.width, t.optimizer
        );
        if !rows.contains(&row) {
            rows.push(row.clone());
        }
        cells
            .entry((row, t.dataset.as_str()))
            .or_default()
            .push(100.0 * (1.0 - acc));
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Test error after the last epoch, % (mean ± sd over replicates, n):\n"
    );
    let _ = writeln!(
        out,
        "| activation | initializer | depth | width | optimizer | {} |",
        datasets.join(" | ")
    );
    let _ = writeln!(
        out,
        "|---|---|---:|---:|---|{}",
        "---:|".repeat(datasets.len())
    );
    for row in &rows {
        let values: Vec<String> = datasets
            .iter()
            .map(|d| match cells.get(&(row.clone(), *d)) {
                Some(v) => {
                    let m = stats::mean(v).unwrap_or(f64::NAN);
                    let sd = stats::sd(v).unwrap_or(0.0);
                    format!("{m:.1} ± {sd:.1} (n = {})", v.len())
                }
                None => "–".into(),
            })
            .collect();
        let _ = writeln!(out, "| {row} | {} |", values.join(" | "));
    }
    out.push('\n');
    out
}
