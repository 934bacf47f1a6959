//! Which figures to draw and what each panel holds, from the axes that vary.

use super::figures::MAX_SERIES;
use crate::analyze::grid::{describe, Axis, Grid};
use crate::analyze::Analysis;

/// Most panels in one figure of line or box panels (two rows of three).
pub const MAX_PANELS: usize = 6;
/// Most activation panels in one heatmap figure (two by two).
pub const MAX_HEATMAP_PANELS: usize = 4;

/// One figure: the axis values it fixes, its panels, and the initializers it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Values fixed for the whole figure (only the axes that vary across the experiment).
    pub fixed: Vec<(Axis, String)>,
    /// The axis that changes from panel to panel, if any.
    pub panel_axis: Option<Axis>,
    /// Each panel's values of the varying axes (the figure's fixed values included).
    pub panels: Vec<Vec<(Axis, String)>>,
    /// Indices into `Analysis::initializers`.
    pub inits: Vec<usize>,
    /// File-name suffix, e.g. "-relu" or "-relu-part2"; "" for a single figure.
    pub suffix: String,
    /// "relu" or "relu (part 2 of 2)", for titles; "" for a single figure.
    pub label: String,
}

/// Splits 0..n into at most MAX_SERIES-sized, near-equal consecutive chunks.
pub fn init_chunks(n: usize) -> Vec<Vec<usize>> {
    let parts = n.div_ceil(MAX_SERIES).max(1);
    let per = n.div_ceil(parts);
    (0..n)
        .collect::<Vec<_>>()
        .chunks(per.max(1))
        .map(<[usize]>::to_vec)
        .collect()
}

pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn plans(
    grid: &Grid,
    panel_axis: Option<Axis>,
    figure_axes: &[Axis],
    max_panels: usize,
) -> Vec<Plan> {
    let mut out = Vec::new();
    let chunks = init_chunks(grid.initializers.len());
    for fixed in grid.combinations(figure_axes) {
        let panels: Vec<Vec<(Axis, String)>> = match panel_axis {
            Some(axis) => grid
                .values(axis)
                .iter()
                .map(|v| {
                    let mut p = fixed.clone();
                    p.push((axis, v.clone()));
                    p
                })
                .filter(|p| !grid.cells_where(p).is_empty())
                .collect(),
            None => vec![fixed.clone()],
        };
        let panel_chunks: Vec<Vec<Vec<(Axis, String)>>> =
            panels.chunks(max_panels).map(<[_]>::to_vec).collect();
        let parts = panel_chunks.len() * chunks.len();
        let mut part = 0;
        for panels in &panel_chunks {
            for inits in &chunks {
                part += 1;
                let base = describe(&fixed);
                let mut suffix = if base.is_empty() {
                    String::new()
                } else {
                    format!("-{}", slug(&base))
                };
                let mut label = base;
                if parts > 1 {
                    suffix.push_str(&format!("-part{part}"));
                    let p = format!("part {part} of {parts}");
                    label = if label.is_empty() {
                        p
                    } else {
                        format!("{label} ({p})")
                    };
                }
                out.push(Plan {
                    fixed: fixed.clone(),
                    panel_axis,
                    panels: panels.clone(),
                    inits: inits.clone(),
                    suffix,
                    label,
                });
            }
        }
    }
    out
}

/// Figures of per-cell panels (survival, accuracy, curves): panels along depth when it varies
/// (else activation, else the first varying axis); one figure per value of the other varying
/// axes.
pub fn cell_plans(grid: &Grid) -> Vec<Plan> {
    let varying = grid.varying();
    let panel_axis = [Axis::Depth, Axis::Activation]
        .into_iter()
        .find(|a| varying.contains(a))
        .or_else(|| varying.first().copied());
    let figure_axes: Vec<Axis> = varying
        .iter()
        .copied()
        .filter(|a| Some(*a) != panel_axis)
        .collect();
    plans(grid, panel_axis, &figure_axes, MAX_PANELS)
}

/// Heatmap figures: one panel per activation, one figure per value of the other varying axes
/// except depth (the heatmaps' columns).
pub fn heatmap_plans(grid: &Grid) -> Vec<Plan> {
    let figure_axes: Vec<Axis> = grid
        .varying()
        .into_iter()
        .filter(|a| !matches!(a, Axis::Depth | Axis::Activation))
        .collect();
    plans(
        grid,
        Some(Axis::Activation),
        &figure_axes,
        MAX_HEATMAP_PANELS,
    )
}

/// One figure of outcome against a numeric axis: a sweep of the analysis and the
/// initializers it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlan {
    /// Index into [`Analysis::sweeps`].
    pub sweep: usize,
    pub axis: Axis,
    pub xs: Vec<f64>,
    pub fixed: Vec<(Axis, String)>,
    pub inits: Vec<usize>,
    /// File-name suffix after `sweep-<axis>`, e.g. "-tanh"; "" for a single figure.
    pub suffix: String,
    pub label: String,
}

/// Sweep figures: one per sweep of the analysis, its initializers split over figures of at
/// most [`MAX_SERIES`] series.
pub fn sweep_plans(a: &Analysis) -> Vec<SweepPlan> {
    let mut out = Vec::new();
    let chunks = init_chunks(a.grid.initializers.len());
    for (k, sweep) in a.sweeps.iter().enumerate() {
        for (c, inits) in chunks.iter().enumerate() {
            let base = describe(&sweep.fixed);
            let mut suffix = if base.is_empty() {
                String::new()
            } else {
                format!("-{}", slug(&base))
            };
            let mut label = base;
            if chunks.len() > 1 {
                suffix.push_str(&format!("-part{}", c + 1));
                let p = format!("part {} of {}", c + 1, chunks.len());
                label = if label.is_empty() {
                    p
                } else {
                    format!("{label} ({p})")
                };
            }
            out.push(SweepPlan {
                sweep: k,
                axis: sweep.axis,
                xs: sweep.xs.clone(),
                fixed: sweep.fixed.clone(),
                inits: inits.clone(),
                suffix,
                label,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_balanced_and_bounded() {
        assert_eq!(init_chunks(7), vec![(0..7).collect::<Vec<_>>()]);
        let c = init_chunks(13);
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|x| x.len() <= MAX_SERIES && x.len() >= 6));
        assert_eq!(init_chunks(24).len(), 2);
        assert_eq!(init_chunks(25).len(), 3);
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("relu, depth 4"), "relu-depth-4");
        assert_eq!(slug("sgd(lr=0.05)"), "sgd-lr-0.05");
    }
}
