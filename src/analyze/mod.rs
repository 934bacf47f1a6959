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
/// `figures = false`, the report. The summary and the map are independent and run side by
/// side on `threads` threads (the summary's cells in parallel too); every result is the same
/// on any number of threads.
pub fn finish(dir: &Path, threads: usize) -> Result<(Summarized, Option<crate::report::Report>)> {
    let manifest = Manifest::read(&dir.join("manifest.json"))?;
    let cells = trials::read_cells(&dir.join("trials.csv"))?;
    let trials: usize = cells.iter().map(|c| c.n).sum();
    let (summary, mapped) = pool(threads)?.install(|| {
        rayon::join(
            || summarize_cells(dir, &cells, &manifest),
            || {
                if (4..=AUTO_REGIONS_MAX_TRIALS).contains(&trials) {
                    let opts = regions::Options {
                        input: regions::Input::Auto,
                        grid: None,
                        raw_order: false,
                    };
                    regions::regions(dir, &opts).map(|_| ())
                } else {
                    Ok(())
                }
            },
        )
    });
    let summary = summary?;
    mapped?;
    drop(cells);
    if manifest.spec["figures"].as_bool() == Some(false) {
        return Ok((summary, None));
    }
    let report = crate::report::write(dir)?;
    Ok((summary, Some(report)))
}

/// Writes `summary.csv` and `comparisons.csv` for the results in `dir`, reading `trials.csv`
/// one row at a time (a cell keeps only its counts, times and accuracies), on `threads`
/// threads (the same results on any number).
pub fn summarize(dir: &Path, threads: usize) -> Result<Summarized> {
    let manifest = Manifest::read(&dir.join("manifest.json"))?;
    let cells = trials::read_cells(&dir.join("trials.csv"))?;
    pool(threads)?.install(|| summarize_cells(dir, &cells, &manifest))
}

/// The analysis's own threads: the process-wide rayon pool has one thread, since the binary
/// sets `RAYON_NUM_THREADS=1` for candle's kernels (`train::setup_process`).
fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("initbench-analysis-{i}"))
        .build()
        .map_err(|e| crate::error::Error::Other(format!("cannot start threads: {e}")))
}

fn summarize_cells(
    dir: &Path,
    cells: &[trials::CellTrials],
    manifest: &Manifest,
) -> Result<Summarized> {
    let budget = manifest.spec["epochs"].as_u64().unwrap_or(0) as u32;
    let (summary, comparisons) = rayon::join(
        || summary::summarize_cells(cells, budget, manifest.experiment_seed),
        || compare::compare_cells(cells, budget),
    );
    summary::write_csv(&dir.join("summary.csv"), &summary)?;
    compare::write_csv(&dir.join("comparisons.csv"), &comparisons)?;
    Ok(Summarized {
        cells: summary,
        comparisons,
    })
}
