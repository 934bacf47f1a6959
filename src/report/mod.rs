//! The report stage: figures (SVG and PNG) and `report.md` from a finished results folder.
//!
//! [`write`] reads `trials.csv`, `curves.csv` and `manifest.json` (and the regions outputs with
//! `weights.csv` when present; it never trains) and
//! writes `report.md` beside them, embedding the figures it draws into `report/`:
//!
//! - `sweep-<axis>*.svg|png`: success rate and median epochs to target against a numeric axis
//!   (gain, depth or width) with three or more values, one series per initializer, each point
//!   with its 95% interval;
//! - `heatmap*.svg|png`: success rate, initializer × depth, one panel per activation, each
//!   cell labelled with its rate and Wilson 95% interval;
//! - `survival*.svg|png`: fraction converged by epoch (1 − Kaplan–Meier), one panel per cell;
//! - `accuracy*.svg|png`: final test accuracy box plots (training accuracy without a test split);
//! - `curves*.svg|png`: median training loss by epoch;
//! - when `initbench regions` has mapped the folder (`som_nodes.csv`, `som_fit.csv`,
//!   `separation.csv`), `som-hits.svg|png` (the map's nodes coloured by success rate, with
//!   their hit counts), `som-umatrix.svg|png` (distance between neighbouring prototypes),
//!   `som-accuracy.svg|png` (the nodes coloured by their trials' mean final accuracy) and
//!   `separation-histograms.svg|png` (the best separating features by outcome), in a
//!   "Weight-space map" section of `report.md`.
//!
//! Text is drawn with DejaVu Sans embedded in the binary through plotters' pure-Rust
//! `ab_glyph` renderer, so no system font or font library is needed.

pub mod analysis;
pub mod chaos;
pub mod figures;
pub mod font;
pub mod layers;
pub mod layout;
pub mod load;
pub mod markdown;
pub mod regions;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use figures::Written;

/// Folder, beside `report.md`, that holds the figures.
pub const FIGURE_DIR: &str = "report";

/// File-name prefixes of the figures this module writes (older ones are removed on rewrite).
const PREFIXES: [&str; 12] = [
    "sweep",
    "heatmap",
    "layers-saturation",
    "layers-mean",
    "edge-of-chaos",
    "survival",
    "accuracy",
    "curves",
    "som-hits",
    "som-umatrix",
    "separation-histograms",
    "som-accuracy",
];

/// What [`write`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// `dir/report.md`.
    pub markdown: PathBuf,
    /// Every figure, each as an SVG and a PNG under `dir/report/`.
    pub figures: Vec<Written>,
}

impl Report {
    /// Every file written: report.md, then each figure's SVG and PNG.
    pub fn files(&self) -> Vec<PathBuf> {
        std::iter::once(self.markdown.clone())
            .chain(
                self.figures
                    .iter()
                    .flat_map(|f| [f.svg.clone(), f.png.clone()]),
            )
            .collect()
    }
}

/// Reads the results folder `dir` and writes `dir/report.md` and `dir/report/*.{svg,png}`.
///
/// Bad or missing input files are [`Error::Input`]; failing to write is [`Error::Io`].
pub fn write(dir: &Path) -> Result<Report> {
    let results = load::load(dir)?;
    let analysis = analysis::Analysis::new(&results);
    let fig_dir = dir.join(FIGURE_DIR);
    std::fs::create_dir_all(&fig_dir).map_err(|e| Error::io(&fig_dir, e))?;

    let cell_plans = layout::cell_plans(&analysis);
    let panel_axes: Vec<analysis::Axis> = cell_plans
        .iter()
        .flat_map(|p| p.panel_axis)
        .chain(
            cell_plans
                .iter()
                .flat_map(|p| p.fixed.iter().map(|(a, _)| *a)),
        )
        .collect();
    let constants = layout::constants(&analysis, &panel_axes);

    let sweep_plans = layout::sweep_plans(&analysis);
    let swept: Vec<analysis::Axis> = sweep_plans.iter().map(|p| p.axis).collect();
    let mut sweeps = Vec::new();
    for plan in &sweep_plans {
        let sweep_constants = layout::constants(&analysis, &[plan.axis]);
        let fig = figures::sweep::build(&analysis, plan, &sweep_constants);
        sweeps.push(figures::render(
            &fig,
            &fig_dir,
            &format!("{}{}", figures::sweep::stem(plan.axis), plan.suffix),
        )?);
    }
    let mut heatmaps = Vec::new();
    let single_depth = analysis.values(analysis::Axis::Depth).len() == 1;
    for plan in layout::heatmap_plans(&analysis) {
        // A one-column heatmap per value of a swept axis repeats the sweep figure's points.
        if single_depth && plan.fixed.iter().any(|(a, _)| swept.contains(a)) {
            continue;
        }
        let heat_constants = layout::constants(&analysis, &[analysis::Axis::Activation]);
        let fig = figures::heatmap::build(&analysis, &plan, &heat_constants);
        heatmaps.push(figures::render(
            &fig,
            &fig_dir,
            &format!("heatmap{}", plan.suffix),
        )?);
    }
    let mut survival = Vec::new();
    let mut accuracy = Vec::new();
    let mut curves = Vec::new();
    for plan in &cell_plans {
        let fig = figures::survival::build(&analysis, plan, &constants);
        survival.push(figures::render(
            &fig,
            &fig_dir,
            &format!("survival{}", plan.suffix),
        )?);
        let fig = figures::boxplot::build(&analysis, plan, &constants);
        accuracy.push(figures::render(
            &fig,
            &fig_dir,
            &format!("accuracy{}", plan.suffix),
        )?);
        if results.has_curves {
            let fig = figures::curves::build(&results, &analysis, plan, &constants);
            curves.push(figures::render(
                &fig,
                &fig_dir,
                &format!("curves{}", plan.suffix),
            )?);
        }
    }

    let acc_text = if analysis.pooled.iter().any(|s| s.acc_is_test) {
        "Final test accuracy per initializer (box: quartiles and median; whiskers reach the \
         furthest trial within 1.5 IQR; dots are the trials beyond)."
    } else {
        "Final training accuracy per initializer: these runs have no test split (box: quartiles \
         and median; whiskers reach the furthest trial within 1.5 IQR; dots are the trials \
         beyond)."
    };
    let sections = [
        markdown::Section {
            heading: "Outcome along the sweep",
            text: format!(
                "Success rate (Wilson 95% interval) and Kaplan–Meier median epochs to target \
                 (Brookmeyer–Crowley 95% interval, censored at {} epochs; no point where fewer \
                 than half converged, a bar without an upper bound reaches the top) at each \
                 value of a numeric axis with {} or more values.",
                analysis.budget,
                layout::MIN_SWEEP_VALUES
            ),
            figures: &sweeps,
        },
        markdown::Section {
            heading: "Success rate",
            text: "Share of trials that reached the target within the budget; each cell gives \
                   the rate and its Wilson 95% interval."
                .into(),
            figures: &heatmaps,
        },
        markdown::Section {
            heading: "Time to target",
            text: format!(
                "Fraction of trials converged by each epoch (1 − Kaplan–Meier; trials that never \
                 reached the target are censored at {} epochs).",
                analysis.budget
            ),
            figures: &survival,
        },
        markdown::Section {
            heading: "Accuracy",
            text: acc_text.into(),
            figures: &accuracy,
        },
        markdown::Section {
            heading: "Training curves",
            text: "Median training loss over each initializer's replicates at every recorded \
                   epoch (log scale)."
                .into(),
            figures: &curves,
        },
    ];
    // Sections of particular studies, placed after the figures; each appears only where its
    // inputs do (layers.csv; an edge-of-chaos grid in the spec).
    let mut studies = String::new();
    let mut study_figures = Vec::new();
    if let Some(rows) = layers::load(dir)? {
        let figs = layers::figures(&results, &rows, &fig_dir)?;
        studies.push_str(&layers::markdown(&results, &rows, &figs, FIGURE_DIR));
        study_figures.extend(figs);
    }
    if let Some(sweep) = chaos::detect(dir)? {
        let theory = chaos::predictions(&sweep);
        let figs = chaos::figures(&results, &sweep, &theory, &fig_dir)?;
        studies.push_str(&chaos::markdown(
            &results, &sweep, &theory, &figs, FIGURE_DIR,
        ));
        study_figures.extend(figs);
    }
    let mut region_figures = Vec::new();
    if let Some(found) = regions::load(dir)? {
        let acc_is_test = analysis.pooled.iter().any(|s| s.acc_is_test);
        let figs = weight_space_figures(dir, &fig_dir, &found, acc_is_test)?;
        let within = regions::within_settings(dir, &results.trials)?;
        studies.push_str(&markdown::weight_space(
            &found,
            &figs,
            within.as_ref(),
            FIGURE_DIR,
        ));
        region_figures.extend([figs.hit_map, figs.u_matrix]);
        region_figures.extend(figs.accuracy.clone());
        region_figures.extend(figs.histograms);
    }
    let text = markdown::render(
        &results.manifest,
        &analysis,
        &sections,
        (!studies.is_empty()).then_some(studies.as_str()),
        FIGURE_DIR,
    );
    let md_path = dir.join("report.md");
    std::fs::write(&md_path, text).map_err(|e| Error::io(&md_path, e))?;

    let figures: Vec<Written> = [
        sweeps,
        heatmaps,
        survival,
        accuracy,
        curves,
        study_figures,
        region_figures,
    ]
    .concat();
    remove_stale(&fig_dir, &figures)?;
    Ok(Report {
        markdown: md_path,
        figures,
    })
}

/// The SOM hit map, the U-matrix and the histograms of the best separating features.
fn weight_space_figures(
    dir: &Path,
    fig_dir: &Path,
    found: &regions::Regions,
    acc_is_test: bool,
) -> Result<markdown::WeightSpaceFigures> {
    let hit_map = figures::render(&figures::som::hit_map(found), fig_dir, "som-hits")?;
    let u_matrix = figures::render(&figures::som::u_matrix(found), fig_dir, "som-umatrix")?;
    let accuracy = figures::som::accuracy_map(found, acc_is_test)
        .map(|fig| figures::render(&fig, fig_dir, "som-accuracy"))
        .transpose()?;
    // The most separating features whose values can be read back, in separation.csv's order.
    let names: Vec<&str> = found
        .separation
        .iter()
        .map(|s| s.feature.as_str())
        .collect();
    let samples = regions::samples(dir, &names)?;
    let shown: Vec<(&regions::Separation, regions::Samples)> = found
        .separation
        .iter()
        .zip(samples)
        .filter_map(|(sep, s)| Some((sep, s?)))
        .filter(|(_, s)| !s.converged.is_empty() || !s.failed.is_empty())
        .take(figures::histogram::TOP)
        .collect();
    let histograms = if shown.is_empty() {
        None
    } else {
        Some(figures::render(
            &figures::histogram::build(&shown),
            fig_dir,
            "separation-histograms",
        )?)
    };
    Ok(markdown::WeightSpaceFigures {
        hit_map,
        u_matrix,
        accuracy,
        accuracy_is_test: acc_is_test,
        histograms,
    })
}

/// Removes figures an earlier report wrote that this one did not (its own prefixes only).
fn remove_stale(fig_dir: &Path, written: &[Written]) -> Result<()> {
    let entries = std::fs::read_dir(fig_dir).map_err(|e| Error::io(fig_dir, e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = PREFIXES.iter().any(|p| name.starts_with(p))
            && (name.ends_with(".svg") || name.ends_with(".png"));
        let kept = written.iter().any(|w| w.svg == path || w.png == path);
        if ours && !kept {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
