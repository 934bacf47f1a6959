//! Analysis: reads only a results folder (`trials.csv`, `manifest.json`), so it reruns
//! without retraining, and writes `summary.csv` and `comparisons.csv` beside the results.

pub mod compare;
pub mod regions;
pub mod separation;
pub mod som;
pub mod summary;
pub mod trials;

use std::path::Path;

use crate::error::Result;
use crate::record::Manifest;

/// What `summarize` produced.
pub struct Summarized {
    pub cells: Vec<summary::CellSummary>,
    pub comparisons: Vec<compare::Comparison>,
}

/// Largest sweep whose weight-space map is drawn at the end of a run (the map's training time
/// grows with trials × nodes; `initbench regions` maps any size on request).
pub const AUTO_REGIONS_MAX_TRIALS: usize = 20_000;

/// Everything a finished run ends with: the summary, the weight-space map (for sweeps of at
/// least 4 and at most [`AUTO_REGIONS_MAX_TRIALS`] trials) and, unless the spec says
/// `figures = false`, the report.
pub fn finish(dir: &Path) -> Result<(Summarized, Option<crate::report::Report>)> {
    let summary = summarize(dir)?;
    let trials: usize = summary.cells.iter().map(|c| c.n).sum();
    if (4..=AUTO_REGIONS_MAX_TRIALS).contains(&trials) {
        let opts = regions::Options {
            input: regions::Input::Auto,
            grid: None,
            raw_order: false,
        };
        regions::regions(dir, &opts)?;
    }
    let manifest = Manifest::read(&dir.join("manifest.json"))?;
    if manifest.spec["figures"].as_bool() == Some(false) {
        return Ok((summary, None));
    }
    let report = crate::report::write(dir)?;
    Ok((summary, Some(report)))
}

/// Writes `summary.csv` and `comparisons.csv` for the results in `dir`.
pub fn summarize(dir: &Path) -> Result<Summarized> {
    let manifest = Manifest::read(&dir.join("manifest.json"))?;
    let budget = manifest.spec["epochs"].as_u64().unwrap_or(0) as u32;
    let records = trials::read(&dir.join("trials.csv"))?;
    let cells = summary::summarize(&records, budget, manifest.experiment_seed);
    summary::write_csv(&dir.join("summary.csv"), &cells)?;
    let comparisons = compare::compare(&records, budget);
    compare::write_csv(&dir.join("comparisons.csv"), &comparisons)?;
    Ok(Summarized { cells, comparisons })
}
