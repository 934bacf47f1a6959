//! A whole run: plan → train (in parallel) → record, with progress and a manifest.
//!
//! Worker threads take chunks in plan order from a shared counter, train them, and send the
//! outcomes to the calling thread, which is the only one that writes files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use candle_core::{DType, Device};

use crate::analyze::cells::Cells;
use crate::error::{Error, Result};
use crate::plan::{Chunk, Plan};
use crate::record::{self, Finished, Manifest, Recorder};
use crate::train::{self, cohort};

/// How to run a plan (none of it changes the results).
#[derive(Clone, Debug)]
pub struct Options {
    /// Results folder; `results/<name>` when `None`.
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Most networks trained together in one chunk; `None` picks a size that keeps every
    /// thread busy.
    pub max_cohort: Option<usize>,
    /// Draw a progress bar (only on a terminal).
    pub progress: bool,
}

/// What a finished run reports back.
pub struct Report {
    pub dir: PathBuf,
    pub cells: Cells,
    pub seconds: f64,
}

/// Largest chunk the automatic choice makes: bounds memory on wide cohorts.
const MAX_AUTO_CHUNK: usize = 1024;

/// Runs `plan`, writing its results; `spec_file` is recorded in the manifest.
pub fn run(plan: &Plan, spec_file: Option<&Path>, opts: &Options) -> Result<Report> {
    train::single_threaded_kernels();
    let started = Instant::now();
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&plan.spec.name));
    let mut manifest = Manifest::new(plan, spec_file, opts.threads);
    record::prepare_dir(&dir, &manifest.spec_hash)?;
    manifest.write(&dir.join("manifest.json"))?;

    let chunk_size = opts.max_cohort.unwrap_or_else(|| {
        // About four chunks per thread, so threads stay busy until the end.
        let target = plan.trials.len().div_ceil(4 * opts.threads.max(1));
        target.clamp(16, MAX_AUTO_CHUNK)
    });
    let chunks = plan.chunks(chunk_size);
    let mut recorder = Recorder::create(&dir, plan, &chunks)?;
    let bar = progress_bar(plan.trials.len(), opts.progress);
    let mut cells = Cells::default();
    let mut converged = 0usize;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .thread_name(|i| format!("initbench-{i}"))
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Result<Finished>)>();
    let outcome = std::thread::scope(|scope| -> Result<()> {
        let (next, stop, chunks) = (&next, &stop, &chunks);
        scope.spawn(move || {
            pool.broadcast(|_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= chunks.len() || stop.load(Ordering::Relaxed) {
                    break;
                }
                if tx.send((i, train_chunk(plan, &chunks[i]))).is_err() {
                    break;
                }
            });
        });
        for (i, done) in rx {
            let done = match done {
                Ok(d) => d,
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            };
            let result = recorder.accept(i, done, &mut |t, o| {
                cells.add(&plan.trials[t], o);
                converged += usize::from(o.status == train::Status::Converged);
                bar.inc(1);
            });
            if let Err(e) = result {
                stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
            bar.set_message(format!("{converged} converged"));
        }
        Ok(())
    });
    bar.finish_and_clear();
    outcome?;
    if !recorder.complete() {
        return Err(Error::Other(
            "the workers stopped before every trial was trained".into(),
        ));
    }
    manifest.finished = Some(record::manifest::now_utc());
    manifest.state = "complete".to_string();
    manifest.write(&dir.join("manifest.json"))?;
    Ok(Report {
        dir,
        cells,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Samples a chunk's networks and trains them as one population.
pub fn train_chunk(plan: &Plan, chunk: &Chunk) -> Result<Finished> {
    let t0 = Instant::now();
    let cohort = &plan.cohorts[chunk.cohort];
    let split = plan.split(cohort)?;
    let setup = plan.setup(cohort);
    let members = chunk
        .trials
        .clone()
        .map(|i| plan.member(&plan.trials[i], &split))
        .collect::<Result<Vec<_>>>()?;
    let outcomes = cohort::train(&setup, &split, &members, DType::F32, &Device::Cpu)?;
    Ok(Finished {
        outcomes,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

fn progress_bar(total: usize, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    // Draws on stderr only when it is a terminal; otherwise indicatif stays silent.
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} trials  {msg}  elapsed {elapsed}  eta {eta}",
        )
        .expect("valid template"),
    );
    bar
}
