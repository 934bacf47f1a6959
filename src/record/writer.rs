//! The one writer of a run's CSV files.
//!
//! Each chunk's rows are appended and flushed the moment its training ends, curves and timings
//! first and the trial rows last: a trial counts as recorded once its `trials.csv` row is
//! complete, so a run killed at any instant loses at most the rows being written, and resume
//! (`record::resume`) drops anything after the last complete trial row. Chunks finish in any
//! order; the recorder notes whether rows went out in plan order, and if not the run ends by
//! rewriting the files in plan order (`record::canonical`).

use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::rows;
use crate::error::{Error, Result};
use crate::plan::{Chunk, Plan};
use crate::train::{Member, Outcome};

/// A finished chunk: its outcomes in trial order and the seconds it took.
pub struct Finished {
    pub outcomes: Vec<Outcome>,
    /// The initial networks, for weights.csv and init_vectors.csv.
    pub members: Vec<Member>,
    pub seconds: f64,
}

pub struct Recorder<'a> {
    plan: &'a Plan,
    trials: Csv,
    curves: Csv,
    weights: Csv,
    vectors: Csv,
    timings: Csv,
    /// Only when the spec records layers, so other runs write exactly the files they did.
    layers: Option<Csv>,
    last: Option<usize>,
    in_order: bool,
}

/// One CSV file opened for appending.
pub struct Csv {
    path: PathBuf,
    w: csv::Writer<BufWriter<File>>,
}

impl Csv {
    /// Opens `path` for appending, writing `header` first when the file is new or empty.
    pub fn append(path: PathBuf, header: &[&str]) -> Result<Csv> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let empty = file.metadata().map_err(|e| Error::io(&path, e))?.len() == 0;
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(BufWriter::new(file));
        if empty {
            w.write_record(header).map_err(|e| csv_error(&path, e))?;
        }
        let mut csv = Csv { path, w };
        csv.flush()?;
        Ok(csv)
    }

    pub fn row(&mut self, row: &[String]) -> Result<()> {
        self.w
            .write_record(row)
            .map_err(|e| csv_error(&self.path, e))
    }

    pub fn flush(&mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

pub fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::Other(format!("{}: {other:?}", path.display())),
    }
}

impl<'a> Recorder<'a> {
    /// Opens the files in `dir` for appending after `last`, the plan index of the last trial
    /// already recorded; `in_order` says whether the rows already there are in plan order.
    pub fn open(dir: &Path, plan: &'a Plan, last: Option<usize>, in_order: bool) -> Result<Self> {
        Ok(Recorder {
            plan,
            trials: Csv::append(dir.join("trials.csv"), rows::TRIAL_HEADER)?,
            curves: Csv::append(dir.join("curves.csv"), rows::CURVE_HEADER)?,
            weights: Csv::append(dir.join("weights.csv"), rows::WEIGHT_HEADER)?,
            vectors: Csv::append(dir.join("init_vectors.csv"), rows::VECTOR_HEADER)?,
            timings: Csv::append(dir.join("timings.csv"), rows::TIMING_HEADER)?,
            layers: match plan.spec.record_layers {
                true => Some(Csv::append(
                    dir.join(super::canonical::LAYERS),
                    rows::LAYER_HEADER,
                )?),
                false => None,
            },
            last,
            in_order,
        })
    }

    /// Appends chunk number `index` and flushes; calls `written` for each trial.
    pub fn write(
        &mut self,
        index: usize,
        chunk: &Chunk,
        done: &Finished,
        written: &mut dyn FnMut(usize, &Outcome),
    ) -> Result<()> {
        let pairs = || chunk.trials.iter().zip(&done.outcomes);
        let max_params = self.plan.spec.weights_max_params as usize;
        for ((&i, o), m) in pairs().zip(&done.members) {
            let t = &self.plan.trials[i];
            for r in rows::curve_rows(t, o) {
                self.curves.row(&r)?;
            }
            if let Some(layers) = &mut self.layers {
                for r in rows::layer_rows(t, o) {
                    layers.row(&r)?;
                }
            }
            let dims = self.plan.architecture(t).dims();
            for r in rows::weight_rows(t, m, &dims) {
                self.weights.row(&r)?;
            }
            for r in rows::vector_rows(t, m, max_params) {
                self.vectors.row(&r)?;
            }
            self.timings.row(&[
                rows::trial_id(&self.plan.trials[i]),
                index.to_string(),
                chunk.trials.len().to_string(),
                format!("{:.6}", done.seconds),
            ])?;
        }
        self.curves.flush()?;
        self.weights.flush()?;
        self.vectors.flush()?;
        self.timings.flush()?;
        if let Some(layers) = &mut self.layers {
            layers.flush()?;
        }
        for (&i, o) in pairs() {
            self.trials
                .row(&rows::trial_row(self.plan, &self.plan.trials[i], o))?;
            if self.last.is_some_and(|l| l > i) {
                self.in_order = false;
            }
            self.last = Some(i);
            written(i, o);
        }
        self.trials.flush()
    }

    /// Whether every row so far went out in plan order.
    pub fn in_order(&self) -> bool {
        self.in_order
    }
}
