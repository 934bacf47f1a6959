//! Analysis: reads only a results folder (`trials.csv`, `manifest.json`), so it reruns
//! without retraining, and writes `summary.csv` and `comparisons.csv` beside the results.

pub mod compare;
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
