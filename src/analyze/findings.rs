//! The headline results the report states first: the initializers ranked by success, the two
//! best compared (Fisher's exact test), the fastest to the target, the deepest depth each
//! initializer still trains at, the symmetric starts and the divergences.

use super::grid::{describe, key_value, Axis, Grid};
use super::trials::CellTrials;
use crate::stats;

/// Trials that started with two or more identical hidden units (`init_symmetric`), against
/// the others.
#[derive(Clone, Debug, PartialEq)]
pub struct Symmetry {
    /// Initializers with at least one symmetric trial, in initializer order.
    pub initializers: Vec<String>,
    pub symmetric: u64,
    pub symmetric_converged: u64,
    pub others: u64,
    pub others_converged: u64,
    /// Fisher's exact test of symmetric against the others (None without others).
    pub fisher_p: Option<f64>,
}

impl Symmetry {
    fn new(cells: &[CellTrials], initializers: &[String]) -> Option<Symmetry> {
        let sum = |f: &dyn Fn(&CellTrials) -> usize| cells.iter().map(|c| f(c) as u64).sum();
        let symmetric: u64 = sum(&|c| c.symmetric);
        if symmetric == 0 {
            return None;
        }
        let symmetric_converged = sum(&|c| c.symmetric_converged);
        let others = sum(&|c| c.n - c.symmetric);
        let others_converged = sum(&|c| c.converged - c.symmetric_converged);
        let fisher_p = (others > 0).then(|| {
            stats::fisher_exact([
                [symmetric_converged, symmetric - symmetric_converged],
                [others_converged, others - others_converged],
            ])
            .p_value
        });
        Some(Symmetry {
            initializers: initializers
                .iter()
                .filter(|i| {
                    cells
                        .iter()
                        .any(|c| c.symmetric > 0 && &c.setting.initializer == *i)
                })
                .cloned()
                .collect(),
            symmetric,
            symmetric_converged,
            others,
            others_converged,
            fisher_p,
        })
    }
}

/// Per initializer, the largest depth with at least half its trials converged, in each group
/// of the other varying axes: (group label, [(initializer, depth or None)]).
pub type Deepest = Vec<(String, Vec<(String, Option<u64>)>)>;

/// Indices below are into [`Grid::pooled`].
#[derive(Clone, Debug)]
pub struct Findings {
    /// Initializers with trials, best success rate first (spec order breaks ties).
    pub ranked: Vec<usize>,
    /// The two most successful and Fisher's exact p of their difference.
    pub top_two: Option<(usize, usize, f64)>,
    /// Initializers with a Kaplan–Meier median epochs to target, fastest first.
    pub fastest: Vec<usize>,
    /// Empty unless depth varies.
    pub deepest: Deepest,
    pub symmetry: Option<Symmetry>,
    pub diverged: u64,
    /// The initializer that diverged most often (the first of equals).
    pub most_diverged: Option<usize>,
}

impl Findings {
    pub fn new(grid: &Grid, cells: &[CellTrials]) -> Findings {
        let pooled = &grid.pooled;
        let mut ranked: Vec<usize> = (0..pooled.len()).filter(|&i| pooled[i].n > 0).collect();
        ranked.sort_by(|&a, &b| pooled[b].rate().total_cmp(&pooled[a].rate()));
        let top_two = match ranked[..] {
            [a, b, ..] => {
                let (a_, b_) = (&pooled[a], &pooled[b]);
                let f = stats::fisher_exact([
                    [a_.converged, a_.n - a_.converged],
                    [b_.converged, b_.n - b_.converged],
                ]);
                Some((a, b, f.p_value))
            }
            _ => None,
        };
        let mut fastest: Vec<(usize, f64)> = (0..pooled.len())
            .filter_map(|i| Some((i, pooled[i].median?.estimate?)))
            .collect();
        fastest.sort_by(|x, y| x.1.total_cmp(&y.1));
        let diverged = pooled.iter().map(|s| s.diverged).sum();
        // The last of equal maxima, as `Iterator::max_by_key` picks it.
        let most_diverged = (0..pooled.len()).max_by_key(|&i| pooled[i].diverged);
        Findings {
            ranked,
            top_two,
            fastest: fastest.into_iter().map(|f| f.0).collect(),
            deepest: if grid.values(Axis::Depth).len() > 1 {
                deepest(grid)
            } else {
                Vec::new()
            },
            symmetry: Symmetry::new(cells, &grid.initializers),
            diverged,
            most_diverged,
        }
    }
}

fn deepest(grid: &Grid) -> Deepest {
    let others: Vec<Axis> = grid
        .varying()
        .into_iter()
        .filter(|a| *a != Axis::Depth)
        .collect();
    grid.combinations(&others)
        .into_iter()
        .map(|combo| {
            let cells = grid.cells_where(&combo);
            let per_init = grid
                .initializers
                .iter()
                .map(|init| {
                    let depth = cells
                        .iter()
                        .filter_map(|c| {
                            let s = c.get(init)?;
                            (s.n > 0 && 2 * s.converged >= s.n)
                                .then(|| key_value(&c.key, Axis::Depth).parse::<u64>().ok())
                                .flatten()
                        })
                        .max();
                    (init.clone(), depth)
                })
                .collect();
            (describe(&combo), per_init)
        })
        .collect()
}
