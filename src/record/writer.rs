//! The one writer of a run's CSV files.
//!
//! Workers finish chunks in any order; the recorder holds early arrivals and writes chunks
//! strictly in plan order, flushing after each, so the files are the same bytes whatever the
//! thread count or timing, and a reader can follow them while the run goes on.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::rows;
use crate::error::{Error, Result};
use crate::plan::{Chunk, Plan};
use crate::train::Outcome;

/// A finished chunk: its outcomes in trial order and the seconds it took.
pub struct Finished {
    pub outcomes: Vec<Outcome>,
    pub seconds: f64,
}

pub struct Recorder<'a> {
    plan: &'a Plan,
    chunks: &'a [Chunk],
    trials: Csv,
    curves: Csv,
    timings: Csv,
    waiting: BTreeMap<usize, Finished>,
    next: usize,
}

struct Csv {
    path: PathBuf,
    w: csv::Writer<BufWriter<File>>,
}

impl Csv {
    fn create(path: PathBuf, header: &[&str]) -> Result<Csv> {
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut w = csv::Writer::from_writer(BufWriter::new(file));
        w.write_record(header).map_err(|e| csv_error(&path, e))?;
        Ok(Csv { path, w })
    }

    fn row(&mut self, row: &[String]) -> Result<()> {
        self.w
            .write_record(row)
            .map_err(|e| csv_error(&self.path, e))
    }

    fn flush(&mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::Other(format!("{}: {other:?}", path.display())),
    }
}

impl<'a> Recorder<'a> {
    pub fn create(dir: &Path, plan: &'a Plan, chunks: &'a [Chunk]) -> Result<Self> {
        Ok(Recorder {
            plan,
            chunks,
            trials: Csv::create(dir.join("trials.csv"), rows::TRIAL_HEADER)?,
            curves: Csv::create(dir.join("curves.csv"), rows::CURVE_HEADER)?,
            timings: Csv::create(dir.join("timings.csv"), rows::TIMING_HEADER)?,
            waiting: BTreeMap::new(),
            next: 0,
        })
    }

    /// Takes chunk `index`; writes it and every chunk after it that is ready. Calls `written`
    /// for each outcome as its row goes out.
    pub fn accept(
        &mut self,
        index: usize,
        done: Finished,
        written: &mut dyn FnMut(usize, &Outcome),
    ) -> Result<()> {
        self.waiting.insert(index, done);
        while let Some(done) = self.waiting.remove(&self.next) {
            let chunk = &self.chunks[self.next];
            for (i, o) in chunk.trials.clone().zip(&done.outcomes) {
                let t = &self.plan.trials[i];
                self.trials.row(&rows::trial_row(self.plan, t, o))?;
                for r in rows::curve_rows(t, o) {
                    self.curves.row(&r)?;
                }
                self.timings.row(&[
                    rows::trial_id(t),
                    self.next.to_string(),
                    chunk.trials.len().to_string(),
                    format!("{:.6}", done.seconds),
                ])?;
                written(i, o);
            }
            self.trials.flush()?;
            self.curves.flush()?;
            self.timings.flush()?;
            self.next += 1;
        }
        Ok(())
    }

    /// True once every chunk has been written.
    pub fn complete(&self) -> bool {
        self.next == self.chunks.len()
    }
}
