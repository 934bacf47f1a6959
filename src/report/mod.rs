//! The report stage: renders an [`Analysis`] as figures (SVG and PNG, under `report/`) and
//! `report.md`, and the analysis's tables and the trials as a workbook ([`workbook`]). It
//! computes no statistic: everything it shows comes from `analyze`.
//!
//! The figures are listed in [`catalog::FIGURES`]: sweeps along a numeric axis, success-rate
//! heatmaps, time to target, accuracy box plots, training curves, and the figures of
//! particular studies (hidden layers over training, the edge-of-chaos overlay, the
//! weight-space map). Text is drawn with DejaVu Sans embedded in the binary through
//! plotters' pure-Rust `ab_glyph` renderer, so no system font or font library is needed.

pub mod catalog;
pub mod chaos;
pub mod coordinates;
pub mod diff;
pub mod figures;
pub mod findings;
pub mod font;
pub mod isometry;
pub mod layers;
pub mod layout;
pub mod learning_rate;
pub mod markdown;
pub mod text;
pub mod weight_space;
pub mod workbook;

use std::path::{Path, PathBuf};

use crate::analyze::Analysis;
use crate::error::{Error, Result};

pub use figures::Written;

/// Folder, beside `report.md`, that holds the figures.
pub const FIGURE_DIR: &str = "report";

/// What [`render`] wrote.
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

/// Writes `dir/report.md` and `dir/report/*.{svg,png}` for the analysis of the results in
/// `dir`, and removes the figures an earlier report drew that this one does not.
pub fn render(dir: &Path, analysis: &Analysis) -> Result<Report> {
    let fig_dir = dir.join(FIGURE_DIR);
    std::fs::create_dir_all(&fig_dir).map_err(|e| Error::io(&fig_dir, e))?;
    let drawn = catalog::FIGURES
        .iter()
        .map(|kind| {
            (kind.build)(analysis)
                .iter()
                .map(|p| p.render(&fig_dir))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    let text = markdown::document(analysis, &drawn, FIGURE_DIR);
    let md_path = dir.join("report.md");
    std::fs::write(&md_path, text).map_err(|e| Error::io(&md_path, e))?;
    let figures: Vec<Written> = drawn.concat();
    remove_stale(&fig_dir, &figures)?;
    Ok(Report {
        markdown: md_path,
        figures,
    })
}

/// Removes figures an earlier report wrote that this one did not (its own prefixes only).
fn remove_stale(fig_dir: &Path, written: &[Written]) -> Result<()> {
    let entries = std::fs::read_dir(fig_dir).map_err(|e| Error::io(fig_dir, e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = catalog::FIGURES.iter().any(|k| name.starts_with(k.prefix))
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
