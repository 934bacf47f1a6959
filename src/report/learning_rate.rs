//! The "Learning rate" section of `report.md` and its figure, from
//! [`crate::analyze::learning_rate`]: per panel, the median final training loss against the
//! learning rate, one line per width and initializer, and where each line is lowest.

use std::fmt::Write;

use super::catalog::Planned;
use super::figures::lines::{LineFigure, Panel, Scale, Series};
use super::figures::{format_number, series_color, Written};
use super::text::embed;
use crate::analyze::learning_rate::{LearningRates, LrLine};
use crate::analyze::Analysis;

fn line_label(l: &LrLine, one_init: bool) -> String {
    match one_init {
        true => format!("width {}", l.width),
        false => format!("{} · width {}", l.initializer, l.width),
    }
}

fn single_initializer(lr: &LearningRates) -> bool {
    let mut inits = lr
        .panels
        .iter()
        .flat_map(|p| &p.lines)
        .map(|l| &l.initializer);
    let first = inits.next();
    inits.all(|i| Some(i) == first)
}

/// The figure: one panel per [`crate::analyze::learning_rate::LrPanel`].
pub fn figure(a: &Analysis) -> Vec<Planned> {
    let Some(lr) = &a.learning_rates else {
        return Vec::new();
    };
    let one_init = single_initializer(lr);
    let mut keys: Vec<String> = Vec::new();
    let (mut yhi, mut xlo, mut xhi) = (0.0f64, f64::INFINITY, 0.0f64);
    let mut panels = Vec::new();
    for p in &lr.panels {
        let mut series = Vec::new();
        for l in &p.lines {
            let key = line_label(l, one_init);
            let k = keys.iter().position(|x| *x == key).unwrap_or_else(|| {
                keys.push(key);
                keys.len() - 1
            });
            // A learning rate with no finite median breaks the line there.
            let mut run: Vec<(f64, f64)> = Vec::new();
            for q in &l.points {
                xlo = xlo.min(q.lr);
                xhi = xhi.max(q.lr);
                if q.median_loss.is_finite() && q.median_loss > 0.0 {
                    yhi = yhi.max(q.median_loss);
                    run.push((q.lr, q.median_loss));
                } else if !run.is_empty() {
                    series.push(Series {
                        color: series_color(k),
                        points: std::mem::take(&mut run),
                    });
                }
            }
            if !run.is_empty() {
                series.push(Series {
                    color: series_color(k),
                    points: run,
                });
            }
        }
        panels.push(Panel {
            caption: p.caption.clone(),
            series,
        });
    }
    if !(yhi > 0.0 && xhi > xlo) {
        return Vec::new();
    }
    let fig = LineFigure {
        title: "Final training loss against the learning rate".into(),
        subtitle: "median over replicates · a break where half or more diverged".into(),
        x_desc: "learning rate".into(),
        y_desc: "final training loss".into(),
        x: Scale {
            lo: xlo,
            hi: xhi,
            log: true,
            percent: false,
        },
        // Linear, as Tensor Programs V draws it: the minima are what the figure is for.
        y: Scale {
            lo: 0.0,
            hi: yhi * 1.05,
            log: false,
            percent: false,
        },
        panels,
        legend: keys
            .into_iter()
            .enumerate()
            .map(|(k, key)| (key, series_color(k)))
            .collect(),
    };
    vec![Planned::new("learning-rate".into(), fig)]
}

/// 2^k for a whole octave, the number otherwise.
fn rate(lr: f64) -> String {
    let k = lr.log2();
    match k == k.round() && k.abs() < 64.0 {
        true => format!("{} (2^{k})", format_number(lr)),
        false => format_number(lr),
    }
}

fn octaves(v: f64) -> String {
    format!("{v:+}")
}

/// "## Learning rate": each line's best rate with its interval, each panel's move of the best
/// rate across widths, and the figure.
pub fn markdown(lr: &LearningRates, figures: &[&Written], figure_dir: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Learning rate\n");
    let _ = writeln!(
        out,
        "The median final training loss of each cell's replicates against its learning rate (a \
         diverged trial counts as +∞). A line's best rate is its lowest median; its 95% \
         interval, in octaves (log₂ of the rate), is a percentile bootstrap over the \
         replicates of every point. Tensor Programs V (Yang et al. 2022) finds that the best \
         rate moves with the width under the standard parametrization and stays put under \
         muP.\n"
    );
    let one_init = single_initializer(lr);
    let _ = writeln!(
        out,
        "| panel | line | best learning rate | 95% interval (log₂) | median loss there | \
         diverged there |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
    for p in &lr.panels {
        for l in &p.lines {
            let (best, loss, div) = match l.best {
                Some(b) => {
                    let q = &l.points[b];
                    (
                        rate(q.lr),
                        format!("{:.4}", q.median_loss),
                        format!("{}/{}", q.diverged, q.n),
                    )
                }
                None => ("–".into(), "–".into(), "–".into()),
            };
            let ci = l
                .best_ci
                .map_or("–".into(), |(lo, hi)| format!("[{lo}, {hi}]"));
            let _ = writeln!(
                out,
                "| {} | {} | {best} | {ci} | {loss} | {div} |",
                p.caption,
                line_label(l, one_init)
            );
        }
    }
    let _ = writeln!(out);
    for p in &lr.panels {
        if let Some(sh) = &p.shift {
            let ci = sh.ci.map_or(String::new(), |(lo, hi)| {
                format!(" (95% interval {} to {})", octaves(lo), octaves(hi))
            });
            let head = match p.caption.is_empty() {
                true => String::new(),
                false => format!("{}: ", p.caption),
            };
            let _ = writeln!(
                out,
                "- {head}from width {} to {} the best learning rate moves {} octaves{ci}.",
                sh.from,
                sh.to,
                octaves(sh.octaves)
            );
        }
    }
    let _ = writeln!(out);
    for fig in figures {
        embed(&mut out, fig, figure_dir);
    }
    out
}
