//! Outcome along a numeric axis (gain, depth or width) with three or more values, for each
//! combination of the other varying axes and each initializer: where success peaks, how the
//! two ends compare with the peak (Fisher's exact test), and where the median time to target
//! is shortest and longest.

use super::grid::{Axis, Grid, InitStats};
use crate::stats;

/// Fewest values a numeric axis needs before it counts as a sweep: with two, the heatmap and
/// survival panels already show the contrast.
pub const MIN_VALUES: usize = 3;

/// One sweep: an axis, the values of the other varying axes it holds fixed, and a line per
/// initializer.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub axis: Axis,
    /// The axis's values as numbers, in the grid's order.
    pub xs: Vec<f64>,
    pub fixed: Vec<(Axis, String)>,
    /// One per initializer of the grid, in its order.
    pub lines: Vec<Line>,
}

/// One initializer along the axis.
#[derive(Clone, Debug)]
pub struct Line {
    /// Index into [`Grid::initializers`].
    pub init: usize,
    /// (axis value, its statistics) where the initializer has trials, in axis order.
    pub points: Vec<(String, InitStats)>,
    /// The first of the highest success rates (ties go to the smaller value).
    pub peak: Option<usize>,
    /// The smallest and the largest value where they are not the peak: ("smallest" or
    /// "largest", point, Fisher's exact p against the peak).
    pub ends: Vec<(&'static str, usize, f64)>,
    /// The points of the shortest and the longest median epochs to target, where they differ.
    pub fastest_slowest: Option<(usize, usize)>,
}

/// Every sweep of the grid: per numeric axis with at least [`MIN_VALUES`] values, per
/// combination of the other varying axes.
pub fn sweeps(grid: &Grid) -> Vec<Sweep> {
    let varying = grid.varying();
    let mut out = Vec::new();
    for axis in [Axis::Gain, Axis::Depth, Axis::Width] {
        let values = grid.values(axis);
        let xs: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
        let Some(xs) = xs.filter(|_| values.len() >= MIN_VALUES) else {
            continue;
        };
        let others: Vec<Axis> = varying.iter().copied().filter(|a| *a != axis).collect();
        for fixed in grid.combinations(&others) {
            let lines = (0..grid.initializers.len())
                .map(|i| line(grid, axis, &fixed, i))
                .collect();
            out.push(Sweep {
                axis,
                xs: xs.clone(),
                fixed,
                lines,
            });
        }
    }
    out
}

fn line(grid: &Grid, axis: Axis, fixed: &[(Axis, String)], init: usize) -> Line {
    let name = &grid.initializers[init];
    let points: Vec<(String, InitStats)> = grid
        .values(axis)
        .iter()
        .filter_map(|v| {
            let mut at = fixed.to_vec();
            at.push((axis, v.clone()));
            let s = grid
                .cells_where(&at)
                .into_iter()
                .find_map(|c| c.get(name))?;
            Some((v.clone(), s.clone()))
        })
        .collect();
    let peak = (0..points.len()).fold(None::<usize>, |best, p| match best {
        Some(b) if points[b].1.rate() >= points[p].1.rate() => Some(b),
        _ => Some(p),
    });
    let mut ends = Vec::new();
    if let Some(peak) = peak {
        let top = &points[peak].1;
        for (which, end) in [("smallest", 0), ("largest", points.len() - 1)] {
            if points[end].0 == points[peak].0 {
                continue;
            }
            let e = &points[end].1;
            let f = stats::fisher_exact([
                [top.converged, top.n - top.converged],
                [e.converged, e.n - e.converged],
            ]);
            ends.push((which, end, f.p_value));
        }
    }
    let medians: Vec<(usize, f64)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, (_, s))| Some((i, s.median?.estimate?)))
        .collect();
    let fastest = medians.iter().min_by(|a, b| a.1.total_cmp(&b.1));
    let slowest = medians.iter().max_by(|a, b| a.1.total_cmp(&b.1));
    let fastest_slowest = match (fastest, slowest) {
        (Some(f), Some(s)) if points[f.0].0 != points[s.0].0 => Some((f.0, s.0)),
        _ => None,
    };
    Line {
        init,
        points,
        peak,
        ends,
        fastest_slowest,
    }
}
