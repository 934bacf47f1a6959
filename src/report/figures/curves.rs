//! Median training loss against epoch per initializer (median over a cell's replicates at each
//! recorded epoch, `analyze::curves`).

use super::lines::{LineFigure, Panel, Scale, Series};
use super::series_color;
use super::survival::{caption, use_log_x};
use crate::analyze::grid::Grid;
use crate::report::layout::Plan;

pub fn build(grid: &Grid, plan: &Plan, constants: &str) -> LineFigure {
    let log_x = use_log_x(grid.budget);
    let budget = grid.budget.max(1) as f64;
    let panels: Vec<Panel> = plan
        .panels
        .iter()
        .map(|values| {
            let cell = grid.cells_where(values).into_iter().next();
            let series = plan
                .inits
                .iter()
                .filter_map(|&i| {
                    let stats = cell?.get(&grid.initializers[i])?;
                    let points: Vec<(f64, f64)> = stats
                        .loss_curve
                        .iter()
                        .copied()
                        .filter(|&(e, l)| l > 0.0 && (!log_x || e >= 1.0))
                        .collect();
                    (!points.is_empty()).then(|| Series {
                        color: series_color(i),
                        points,
                    })
                })
                .collect();
            Panel {
                caption: caption(plan, values),
                series,
            }
        })
        .collect();
    let ys = panels
        .iter()
        .flat_map(|p| p.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo / 1.5, hi * 1.5)
    } else {
        (1e-3, 1.0)
    };
    let mut title = "Median training loss by epoch".to_string();
    if !plan.label.is_empty() {
        title = format!("{title}: {}", plan.label);
    }
    let mut subtitle = "median over replicates".to_string();
    if log_x {
        subtitle.push_str("; epoch 0 is off the log axis");
    }
    if !constants.is_empty() {
        subtitle = format!("{constants} · {subtitle}");
    }
    LineFigure {
        title,
        subtitle,
        x_desc: if log_x {
            "epoch (log scale)".into()
        } else {
            "epoch".into()
        },
        y_desc: "training loss (log scale)".into(),
        x: Scale {
            lo: if log_x { 1.0 } else { 0.0 },
            hi: budget,
            log: log_x,
            percent: false,
        },
        y: Scale {
            lo,
            hi,
            log: true,
            percent: false,
        },
        panels,
        legend: plan
            .inits
            .iter()
            .map(|&i| (grid.initializers[i].clone(), series_color(i)))
            .collect(),
    }
}
