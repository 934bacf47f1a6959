//! Analysis: every statistic and every detection step, from a results folder only
//! (`manifest.json`, `trials.csv` and the files beside it), so it reruns without retraining.
//!
//! A [`Folder`] reads `trials.csv` once into cells. From them come the [`Summary`]
//! (`summary.csv` and `comparisons.csv`), and the [`Analysis`] the report renders: the grid of
//! per-initializer statistics, the headline findings, the sweeps along numeric axes, the
//! training curves, the hidden layers over training, an edge-of-chaos overlay, and the
//! weight-space map (`regions`, which writes its own files).

pub mod chaos;
pub mod compare;
pub mod coordinates;
pub mod curves;
pub mod diff;
pub mod findings;
pub mod grid;
pub mod isometry;
pub mod layers;
pub mod learning_rate;
pub mod regions;
pub mod separation;
pub mod som;
pub mod summary;
pub mod sweeps;
pub mod trials;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::record::Manifest;

/// A results folder as the analysis reads it.
pub struct Folder {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// `trials.csv` by cell, in plan order.
    pub cells: Vec<trials::CellTrials>,
}

impl Folder {
    pub fn read(dir: &Path) -> Result<Folder> {
        let manifest = Manifest::read(&dir.join("manifest.json"))?;
        let cells = trials::read_cells(&dir.join("trials.csv"))?;
        Ok(Folder {
            dir: dir.to_path_buf(),
            manifest,
            cells,
        })
    }

    /// The training budget: trials that never converged are censored here.
    pub fn budget(&self) -> u32 {
        self.manifest.spec["epochs"].as_u64().unwrap_or(0) as u32
    }

    pub fn trials(&self) -> usize {
        self.cells.iter().map(|c| c.n).sum()
    }
}

/// `summary.csv` and `comparisons.csv`.
pub struct Summary {
    pub cells: Vec<summary::CellSummary>,
    pub comparisons: Vec<compare::Comparison>,
}

impl Summary {
    /// The summary of `folder`, on the current rayon pool (the same on any number of
    /// threads).
    pub fn new(folder: &Folder) -> Summary {
        let budget = folder.budget();
        let (cells, comparisons) = rayon::join(
            || summary::summarize_cells(&folder.cells, budget, folder.manifest.experiment_seed),
            || compare::compare_cells(&folder.cells, budget),
        );
        Summary { cells, comparisons }
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        summary::write_csv(&dir.join("summary.csv"), &self.cells)?;
        compare::write_csv(&dir.join("comparisons.csv"), &self.comparisons)
    }
}

/// How the experiment was run, from its manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    pub name: String,
    pub description: String,
    pub epochs: u32,
    /// None = full batch.
    pub batch_size: Option<u64>,
    pub loss: String,
    pub output_activation: String,
    pub target_train_acc: Option<f64>,
    pub target_train_loss: Option<f64>,
    pub early_stop: bool,
    /// The branch multiplier α when the networks are residual (`residual = true`).
    pub branch_scale: Option<f64>,
    /// Whether each block's α is trained (starting at `branch_scale`).
    pub train_branch_scale: bool,
    /// Whether branch and output layers' inputs get Fixup's trained scalar biases.
    pub scalar_biases: bool,
    /// `pre` or `post` when the residual blocks are layer-normalized.
    pub layer_norm: Option<String>,
    /// `running` for a run that has not finished writing its rows.
    pub state: String,
}

impl Setup {
    fn of(m: &Manifest) -> Setup {
        let spec = &m.spec;
        let text = |key: &str| spec[key].as_str().unwrap_or_default().to_string();
        Setup {
            name: text("name"),
            description: text("description"),
            epochs: spec["epochs"].as_u64().unwrap_or(0) as u32,
            batch_size: spec["batch_size"].as_u64(),
            loss: text("loss"),
            output_activation: text("output_activation"),
            target_train_acc: spec["target"]["train_acc"].as_f64(),
            target_train_loss: spec["target"]["train_loss"].as_f64(),
            early_stop: spec["early_stop"].as_bool().unwrap_or(false),
            branch_scale: spec["branch_scale"].as_f64(),
            train_branch_scale: spec["train_branch_scale"].as_bool().unwrap_or(false),
            scalar_biases: spec["scalar_biases"].as_bool().unwrap_or(false),
            layer_norm: spec["layer_norm"].as_str().map(str::to_string),
            state: m.state.clone(),
        }
    }
}

/// Everything the report shows, computed once.
pub struct Analysis {
    pub setup: Setup,
    pub grid: grid::Grid,
    pub findings: findings::Findings,
    pub sweeps: Vec<sweeps::Sweep>,
    /// The final training loss against the learning rate, when the optimizer axis sweeps it.
    pub learning_rates: Option<learning_rate::LearningRates>,
    /// Whether the folder has `curves.csv` (each grid statistic then has its loss curve).
    pub has_curves: bool,
    pub layers: Option<layers::Layers>,
    pub chaos: Option<chaos::Chaos>,
    /// The Jacobian's spectrum at initialization, when the run recorded it.
    pub isometry: Option<isometry::Isometry>,
    /// The weight-space map, when `initbench regions` (or the run) made one.
    pub map: Option<regions::Mapped>,
}

impl Analysis {
    pub fn new(folder: &Folder) -> Result<Analysis> {
        let dir = &folder.dir;
        if folder.cells.is_empty() {
            return Err(Error::Input(format!(
                "{}: no trials to report",
                dir.join("trials.csv").display()
            )));
        }
        let mut grid = grid::Grid::new(&folder.cells, folder.budget());
        let curves_path = dir.join("curves.csv");
        let has_curves = curves_path.exists();
        if has_curves {
            let curves = curves::read(&curves_path)?;
            for s in grid.cells.iter_mut().flat_map(|c| c.inits.iter_mut()) {
                let ids = s.cells.iter().flat_map(|&i| &folder.cells[i].ids);
                s.loss_curve = curves::median_curve(&curves, ids);
            }
        }
        Ok(Analysis {
            setup: Setup::of(&folder.manifest),
            findings: findings::Findings::new(&grid, &folder.cells),
            sweeps: sweeps::sweeps(&grid),
            learning_rates: learning_rate::analyze(&folder.cells, folder.manifest.experiment_seed),
            has_curves,
            layers: layers::analyze(dir, &folder.cells)?,
            chaos: chaos::analyze(&folder.manifest, dir, &folder.cells)?,
            isometry: isometry::analyze(&folder.manifest, dir, &folder.cells)?,
            map: regions::outputs::load(dir, &folder.cells)?,
            grid,
        })
    }
}

/// The analysis's own threads: the process-wide rayon pool has one thread, since the binary
/// sets `RAYON_NUM_THREADS=1` for candle's kernels (`train::setup_process`).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("initbench-analysis-{i}"))
        .build()
        .map_err(|e| Error::Other(format!("cannot start threads: {e}")))
}
