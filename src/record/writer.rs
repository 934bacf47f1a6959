//! The one writer of a run's CSV files.
//!
//! Each chunk's rows are appended and flushed the moment its training ends, curves and timings
//! first and the trial rows last: a trial counts as recorded once its `trials.csv` row is
//! complete, so a run killed at any instant loses at most the rows being written, and resume
//! (`record::resume`) drops anything after the last complete trial row. Chunks finish in any
//! order, and the run hands them over in plan order (holding early ones, a few at most); the
//! recorder notes whether rows still went out of plan order (a chunk fell far behind, or a
//! resumed folder was out of order), and if so the run ends by rewriting the files in plan
//! order (`record::canonical`).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::rows::{self, Table};
use super::schema::{
    self, CurveRow, JacobianRow, LayerRow, TimingRow, TrialRow, VectorRow, WeightRow,
};
use crate::error::{Error, Result};
use crate::plan::{Chunk, Plan};
use crate::train::jacobian::Spectrum;
use crate::train::{Member, Outcome};

/// A finished chunk: its outcomes in trial order and the seconds it took.
pub struct Finished {
    pub outcomes: Vec<Outcome>,
    /// The initial networks, for weights.csv and init_vectors.csv.
    pub members: Vec<Member>,
    /// The initial networks' Jacobian spectra, in trial order; empty unless the spec records
    /// them.
    pub jacobians: Vec<Spectrum>,
    pub seconds: f64,
}

pub struct Recorder {
    trials: Csv,
    curves: Csv,
    weights: Csv,
    vectors: Csv,
    timings: Csv,
    /// Only when the spec records layers (or Jacobians), so other runs write exactly the
    /// files they did.
    layers: Option<Csv>,
    jacobian: Option<Csv>,
    last: Option<usize>,
    in_order: bool,
}

/// One CSV file opened for appending.
pub struct Csv {
    path: PathBuf,
    w: BufWriter<File>,
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
        let mut csv = Csv {
            w: BufWriter::new(file),
            path,
        };
        if empty {
            let mut head = Table::default();
            head.header(header)?;
            csv.put(&head.bytes()?)?;
        }
        csv.flush()?;
        Ok(csv)
    }

    /// Appends rows already formatted by a [`Table`].
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.w
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))
    }

    pub fn flush(&mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

/// A finished chunk's rows, formatted for each file [`Recorder::write`] appends to.
///
/// The worker that trained the chunk formats them, so formatting runs on every thread and the
/// one writer only appends bytes (formatting, most of it floats, took longer than training
/// the seed study).
pub struct Rendered {
    trials: Vec<u8>,
    curves: Vec<u8>,
    weights: Vec<u8>,
    vectors: Vec<u8>,
    timings: Vec<u8>,
    layers: Vec<u8>,
    jacobian: Vec<u8>,
}

impl Finished {
    /// Formats the rows of chunk number `index` of `plan`.
    pub fn render(&self, plan: &Plan, index: usize, chunk: &Chunk) -> Result<Rendered> {
        let max_params = plan.spec.weights_max_params as usize;
        let labels = rows::Labels::of(plan);
        let [mut trials, mut curves, mut weights, mut vectors, mut timings, mut layers, mut jacobian] =
            std::array::from_fn(|_| Table::default());
        for (k, ((&i, o), m)) in chunk
            .trials
            .iter()
            .zip(&self.outcomes)
            .zip(&self.members)
            .enumerate()
        {
            let t = &plan.trials[i];
            rows::curve_rows(&mut curves, t, o)?;
            if plan.spec.record_layers {
                rows::layer_rows(&mut layers, t, o)?;
            }
            if let Some(s) = self.jacobians.get(k) {
                rows::jacobian_row(&mut jacobian, t, s)?;
            }
            let dims = plan.architecture(t).dims();
            rows::weight_rows(&mut weights, t, m, &dims)?;
            rows::vector_rows(&mut vectors, t, m, max_params)?;
            timings.row(&TimingRow {
                trial_id: t.id,
                chunk: index,
                chunk_trials: chunk.trials.len(),
                chunk_seconds: self.seconds,
            })?;
            rows::trial_row(&mut trials, plan, &labels, t, o)?;
        }
        Ok(Rendered {
            trials: trials.bytes()?,
            curves: curves.bytes()?,
            weights: weights.bytes()?,
            vectors: vectors.bytes()?,
            timings: timings.bytes()?,
            layers: layers.bytes()?,
            jacobian: jacobian.bytes()?,
        })
    }
}

impl Recorder {
    /// Opens the files in `dir` for appending after `last`, the plan index of the last trial
    /// already recorded; `in_order` says whether the rows already there are in plan order.
    pub fn open(dir: &Path, plan: &Plan, last: Option<usize>, in_order: bool) -> Result<Self> {
        Ok(Recorder {
            trials: Csv::append(dir.join("trials.csv"), schema::columns::<TrialRow>())?,
            curves: Csv::append(dir.join("curves.csv"), schema::columns::<CurveRow>())?,
            weights: Csv::append(dir.join("weights.csv"), schema::columns::<WeightRow>())?,
            vectors: Csv::append(dir.join("init_vectors.csv"), schema::columns::<VectorRow>())?,
            timings: Csv::append(dir.join("timings.csv"), schema::columns::<TimingRow>())?,
            layers: match plan.spec.record_layers {
                true => Some(Csv::append(
                    dir.join(super::canonical::LAYERS),
                    schema::columns::<LayerRow>(),
                )?),
                false => None,
            },
            jacobian: match plan.spec.record_jacobian {
                true => Some(Csv::append(
                    dir.join(super::canonical::JACOBIAN),
                    schema::columns::<JacobianRow>(),
                )?),
                false => None,
            },
            last,
            in_order,
        })
    }

    /// Appends the rows of `chunk`, whose trials ended in `outcomes`, and flushes; calls
    /// `written` for each trial.
    pub fn write(
        &mut self,
        chunk: &Chunk,
        outcomes: &[Outcome],
        rows: &Rendered,
        written: &mut dyn FnMut(usize, &Outcome),
    ) -> Result<()> {
        self.curves.put(&rows.curves)?;
        if let Some(layers) = &mut self.layers {
            layers.put(&rows.layers)?;
        }
        if let Some(jacobian) = &mut self.jacobian {
            jacobian.put(&rows.jacobian)?;
        }
        self.weights.put(&rows.weights)?;
        self.vectors.put(&rows.vectors)?;
        self.timings.put(&rows.timings)?;
        self.curves.flush()?;
        self.weights.flush()?;
        self.vectors.flush()?;
        self.timings.flush()?;
        if let Some(layers) = &mut self.layers {
            layers.flush()?;
        }
        if let Some(jacobian) = &mut self.jacobian {
            jacobian.flush()?;
        }
        self.trials.put(&rows.trials)?;
        for (&i, o) in chunk.trials.iter().zip(outcomes) {
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
