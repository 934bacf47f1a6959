//! Fraction of trials converged by each epoch: 1 − the Kaplan–Meier curve, with trials that
//! never reached the target censored at the epoch budget.

use super::lines::{LineFigure, Panel, Scale, Series};
use super::series_color;
use crate::analyze::grid::{describe, Grid};
use crate::report::layout::Plan;
use crate::stats::Survival;

/// x from which the curve is drawn: 0, or 1 on a log axis.
pub fn use_log_x(budget: u64) -> bool {
    budget > 100
}

/// The step curve 1 − S(t) from `x0` to the end of follow-up `end`.
pub fn steps(s: &Survival, x0: f64, end: f64) -> Vec<(f64, f64)> {
    let f = |t: f64| 1.0 - s.survival_at(t).unwrap_or(1.0);
    let mut prev = f(x0);
    let mut pts = vec![(x0, prev)];
    for step in s.steps.iter().filter(|st| st.time > x0) {
        let now = 1.0 - step.survival;
        pts.push((step.time, prev));
        pts.push((step.time, now));
        prev = now;
    }
    pts.push((end.max(x0), prev));
    pts
}

pub fn build(grid: &Grid, plan: &Plan, constants: &str) -> LineFigure {
    let budget = grid.budget.max(1) as f64;
    let log = use_log_x(grid.budget);
    let x0 = if log { 1.0 } else { 0.0 };
    let panels = plan
        .panels
        .iter()
        .map(|values| {
            let cell = grid.cells_where(values).into_iter().next();
            let series = plan
                .inits
                .iter()
                .filter_map(|&i| {
                    let stats = cell?.get(&grid.initializers[i])?;
                    let s = stats.survival.as_ref()?;
                    Some(Series {
                        color: series_color(i),
                        points: steps(s, x0, budget),
                    })
                })
                .collect();
            Panel {
                caption: caption(plan, values),
                series,
            }
        })
        .collect();
    let mut title = "Fraction of trials converged by epoch".to_string();
    if !plan.label.is_empty() {
        title = format!("{title}: {}", plan.label);
    }
    let mut subtitle = format!("1 − Kaplan–Meier, censored at {} epochs", grid.budget);
    if !constants.is_empty() {
        subtitle = format!("{constants} · {subtitle}");
    }
    LineFigure {
        title,
        subtitle,
        x_desc: if log {
            "epoch (log scale)".into()
        } else {
            "epoch".into()
        },
        y_desc: "trials converged (%)".into(),
        x: Scale {
            lo: x0,
            hi: budget,
            log,
            percent: false,
        },
        y: Scale {
            lo: 0.0,
            hi: 1.0,
            log: false,
            percent: true,
        },
        panels,
        legend: plan
            .inits
            .iter()
            .map(|&i| (grid.initializers[i].clone(), series_color(i)))
            .collect(),
    }
}

/// A panel's caption: the value of the panel axis ("depth 4"), or "" with a single panel.
pub fn caption(plan: &Plan, values: &[(crate::analyze::grid::Axis, String)]) -> String {
    match plan.panel_axis {
        Some(axis) => describe(
            &values
                .iter()
                .filter(|(a, _)| *a == axis)
                .cloned()
                .collect::<Vec<_>>(),
        ),
        None => String::new(),
    }
}
