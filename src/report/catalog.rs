//! Every figure the report draws, in one list ([`FIGURES`]), in the order `report.md` shows
//! them. A figure is added here: its file-name prefix, the section of "## Figures" it
//! appears under (or none, for the figures a study's section of `report.md` places itself),
//! and the function that builds its drawings from the analysis.

use std::path::Path;

use super::figures::{self, boxplot, curves, heatmap, survival, sweep, Figure, Written};
use super::{chaos, coordinates, isometry, layers, layout, learning_rate, weight_space};
use crate::analyze::grid::Axis;
use crate::analyze::sweeps;
use crate::analyze::Analysis;
use crate::error::Result;

/// One kind of figure.
pub struct Kind {
    /// Every file of this kind is `<prefix>*.svg` and `<prefix>*.png`.
    pub prefix: &'static str,
    /// Its subsection of "## Figures"; None for a figure a study's section embeds.
    pub section: Option<Section>,
    /// The drawings of this kind the analysis calls for (none, one, or one per panel group).
    pub build: fn(&Analysis) -> Vec<Planned>,
}

/// A subsection of "## Figures": a heading and a paragraph above its figures.
pub struct Section {
    pub heading: &'static str,
    pub text: fn(&Analysis) -> String,
}

pub const FIGURES: &[Kind] = &[
    Kind {
        prefix: "sweep",
        section: Some(Section {
            heading: "Outcome along the sweep",
            text: sweep_text,
        }),
        build: sweeps,
    },
    Kind {
        prefix: "heatmap",
        section: Some(Section {
            heading: "Success rate",
            text: |_| {
                "Share of trials that reached the target within the budget; each cell gives \
                 the rate and its Wilson 95% interval."
                    .into()
            },
        }),
        build: heatmaps,
    },
    Kind {
        prefix: "survival",
        section: Some(Section {
            heading: "Time to target",
            text: |a| {
                format!(
                    "Fraction of trials converged by each epoch (1 − Kaplan–Meier; trials that \
                     never reached the target are censored at {} epochs).",
                    a.grid.budget
                )
            },
        }),
        build: |a| {
            per_cell(a, "survival", |a, p, c| {
                Box::new(survival::build(&a.grid, p, c))
            })
        },
    },
    Kind {
        prefix: "accuracy",
        section: Some(Section {
            heading: "Accuracy",
            text: accuracy_text,
        }),
        build: |a| {
            per_cell(a, "accuracy", |a, p, c| {
                Box::new(boxplot::build(&a.grid, p, c))
            })
        },
    },
    Kind {
        prefix: "curves",
        section: Some(Section {
            heading: "Training curves",
            text: |_| {
                "Median training loss over each initializer's replicates at every recorded \
                 epoch (log scale)."
                    .into()
            },
        }),
        build: |a| match a.has_curves {
            true => per_cell(a, "curves", |a, p, c| {
                Box::new(curves::build(&a.grid, p, c))
            }),
            false => Vec::new(),
        },
    },
    Kind {
        prefix: "layers-saturation",
        section: None,
        build: layers::saturation,
    },
    Kind {
        prefix: "layers-mean",
        section: None,
        build: layers::mean,
    },
    Kind {
        prefix: "edge-of-chaos",
        section: None,
        build: chaos::figure,
    },
    Kind {
        prefix: "coordinate-check",
        section: None,
        build: coordinates::figure,
    },
    Kind {
        prefix: "learning-rate",
        section: None,
        build: learning_rate::figure,
    },
    Kind {
        prefix: "jacobian-spectrum",
        section: None,
        build: isometry::figure,
    },
    Kind {
        prefix: "som-hits",
        section: None,
        build: weight_space::hit_map,
    },
    Kind {
        prefix: "som-umatrix",
        section: None,
        build: weight_space::u_matrix,
    },
    Kind {
        prefix: "som-accuracy",
        section: None,
        build: weight_space::accuracy_map,
    },
    Kind {
        prefix: "separation-histograms",
        section: None,
        build: weight_space::histograms,
    },
];

/// A figure to draw, and the file stem to draw it to.
pub struct Planned {
    pub stem: String,
    figure: Box<dyn Render>,
}

impl Planned {
    pub fn new(stem: String, figure: impl Figure + 'static) -> Planned {
        Planned {
            stem,
            figure: Box::new(figure),
        }
    }

    /// Draws it into `dir/<stem>.svg` and `.png`.
    pub fn render(&self, dir: &Path) -> Result<Written> {
        self.figure.render(dir, &self.stem)
    }
}

/// [`Figure`] behind a pointer: its drawing method is generic over the backend, so the list
/// holds figures through this.
trait Render {
    fn render(&self, dir: &Path, stem: &str) -> Result<Written>;
}

impl<F: Figure> Render for F {
    fn render(&self, dir: &Path, stem: &str) -> Result<Written> {
        figures::render(self, dir, stem)
    }
}

fn sweep_text(a: &Analysis) -> String {
    format!(
        "Success rate (Wilson 95% interval) and Kaplan–Meier median epochs to target \
         (Brookmeyer–Crowley 95% interval, censored at {} epochs; no point where fewer \
         than half converged, a bar without an upper bound reaches the top) at each \
         value of a numeric axis with {} or more values.",
        a.grid.budget,
        sweeps::MIN_VALUES
    )
}

fn accuracy_text(a: &Analysis) -> String {
    if a.grid.acc_is_test() {
        "Final test accuracy per initializer (box: quartiles and median; whiskers reach the \
         furthest trial within 1.5 IQR; dots are the trials beyond)."
    } else {
        "Final training accuracy per initializer: these runs have no test split (box: quartiles \
         and median; whiskers reach the furthest trial within 1.5 IQR; dots are the trials \
         beyond)."
    }
    .into()
}

fn sweeps(a: &Analysis) -> Vec<Planned> {
    layout::sweep_plans(a)
        .iter()
        .map(|plan| {
            let constants = a.grid.constants(&[plan.axis]);
            Planned::new(
                format!("{}{}", sweep::stem(plan.axis), plan.suffix),
                sweep::build(&a.grid, plan, &constants),
            )
        })
        .collect()
}

fn heatmaps(a: &Analysis) -> Vec<Planned> {
    let grid = &a.grid;
    let swept: Vec<Axis> = a.sweeps.iter().map(|s| s.axis).collect();
    let single_depth = grid.values(Axis::Depth).len() == 1;
    layout::heatmap_plans(grid)
        .into_iter()
        // A one-column heatmap per value of a swept axis repeats the sweep figure's points.
        .filter(|plan| !(single_depth && plan.fixed.iter().any(|(a, _)| swept.contains(a))))
        .map(|plan| {
            let constants = grid.constants(&[Axis::Activation]);
            Planned::new(
                format!("heatmap{}", plan.suffix),
                heatmap::build(grid, &plan, &constants),
            )
        })
        .collect()
}

type Build = fn(&Analysis, &layout::Plan, &str) -> Box<dyn Render>;

/// One figure per plan of per-cell panels, with the settings every trial shares but the
/// panels' and figures' axes as its constants.
fn per_cell(a: &Analysis, prefix: &str, build: Build) -> Vec<Planned> {
    let plans = layout::cell_plans(&a.grid);
    let axes: Vec<Axis> = plans
        .iter()
        .flat_map(|p| p.panel_axis)
        .chain(plans.iter().flat_map(|p| p.fixed.iter().map(|(a, _)| *a)))
        .collect();
    let constants = a.grid.constants(&axes);
    plans
        .iter()
        .map(|plan| Planned {
            stem: format!("{prefix}{}", plan.suffix),
            figure: build(a, plan, &constants),
        })
        .collect()
}
