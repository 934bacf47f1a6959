//! A whole run: plan → train (in parallel) → record, with progress, a manifest, resume and
//! shards; then [`finish`]: analyze → report.
//!
//! Worker threads take chunks in plan order from a shared counter, train them, format their
//! rows, and send them to the calling thread, the only one that writes files, which puts
//! them back in plan order. A folder that already holds part of this experiment is resumed:
//! recorded trials are skipped, and every file ends in plan order, so the bytes match an
//! uninterrupted run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use candle_core::{DType, Device};

use crate::analyze::{self, regions, Analysis, Folder, Summary};
use crate::error::{Error, Result};
use crate::memory;
use crate::plan::shard::{self, Shard};
use crate::plan::{Chunk, Plan};
use crate::record::{self, canonical, resume, Finished, Manifest, Recorder, Rendered};
use crate::report::workbook::{self, Book};
use crate::train::{self, cohort, jacobian, Outcome};

/// How to run a plan (none of it changes the results).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Results folder; `results/<name>` (or `results/<name>-shard-K-of-N`) when `None`.
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Most networks trained together in one chunk; `None` picks a size that keeps every
    /// thread busy.
    pub max_cohort: Option<usize>,
    /// Draw a progress bar (only on a terminal).
    pub progress: bool,
    /// Run only this shard of the plan.
    pub shard: Option<Shard>,
    /// Delete the results already in the folder first.
    pub fresh: bool,
    /// The memory the run may take; `None` checks nothing.
    pub memory: Option<memory::Limit>,
}

/// What a finished run reports back.
pub struct Report {
    pub dir: PathBuf,
    /// Trials found already recorded, and trials trained now.
    pub resumed: usize,
    pub trained: usize,
    pub seconds: f64,
}

/// Largest chunk the automatic choice makes: bounds memory on wide cohorts.
const MAX_AUTO_CHUNK: usize = 1024;

/// The folder a run writes when no `--out` is given.
pub fn default_dir(plan: &Plan, shard: Option<Shard>) -> PathBuf {
    let name = match shard {
        Some(s) => format!("{}-{}", plan.spec.name, s.tag()),
        None => plan.spec.name.clone(),
    };
    Path::new("results").join(name)
}

/// Runs `plan` (or resumes it), writing its results; `spec_file` goes in the manifest.
pub fn run(plan: &Plan, spec_file: Option<&Path>, opts: &Options) -> Result<Report> {
    train::setup_process();
    let started = Instant::now();
    let threads = opts.threads.max(1);
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| default_dir(plan, opts.shard));
    let fits = networks_that_fit(plan, threads, opts)?;
    let mut manifest = Manifest::new(plan, spec_file, opts.shard, threads);
    if opts.fresh {
        record::clear_dir(&dir)?;
    }
    let (_lock, old) = record::open_dir(&dir, &manifest)?;
    if let Some(old) = old {
        manifest.started = old.started;
    }
    let existing = resume::recover(&dir, plan)?;
    manifest.write(&dir.join("manifest.json"))?;

    let selected: Vec<bool> = match opts.shard {
        Some(s) => shard::assign(plan, s.n)
            .into_iter()
            .map(|k| k == s.k)
            .collect(),
        None => vec![true; plan.trials.len()],
    };
    let wanted = |i: usize| selected[i] && !existing.done[i];
    let todo = (0..plan.trials.len()).filter(|&i| wanted(i)).count();
    if existing.count > 0 {
        eprintln!(
            "resuming {}: {} trials already recorded, {todo} to train",
            dir.display(),
            existing.count
        );
    }
    if existing.repaired > 0 {
        eprintln!(
            "{}: {} recorded trials had missing or extra rows in the other files; they train again",
            dir.display(),
            existing.repaired
        );
    }
    // About four chunks per thread, so threads stay busy until the end, in whole blocks of
    // the fused kernel where that is more than one block, so little goes to padding (the
    // general kernel's wide blocks are two of the shaped kernel's).
    let block = train::fused::tiny::WIDE;
    let (chunk_size, unit) = match opts.max_cohort {
        Some(max) => (max, 1),
        None => {
            let size = todo.div_ceil(4 * threads).clamp(16, MAX_AUTO_CHUNK);
            if size > block {
                (size.div_ceil(block) * block, block)
            } else {
                (size, 1)
            }
        }
    };
    // Fewer networks per chunk where they would not fit in memory side by side.
    let (chunk_size, unit) = match fits {
        Some(fits) if opts.max_cohort.is_none() && fits < chunk_size => {
            (fits, if fits >= unit { unit } else { 1 })
        }
        _ => (chunk_size, unit),
    };
    let chunks = plan.chunks(chunk_size, unit, &wanted);
    let mut recorder = Recorder::open(&dir, plan, existing.last, existing.in_order)?;
    let bar = progress_bar(todo, opts.progress);
    let mut converged = 0usize;
    let mut write = |i: usize, (outcomes, rows): (Vec<Outcome>, Rendered)| -> Result<()> {
        recorder.write(&chunks[i], &outcomes, &rows, &mut |_, o| {
            converged += usize::from(o.status == train::Status::Converged);
            bar.inc(1);
        })?;
        bar.set_message(format!("{converged} converged"));
        Ok(())
    };
    let mut order = Reorder::new(2 * threads);
    let trained = train_all(plan, &chunks, threads, |i, done| {
        order
            .push(i, done)
            .into_iter()
            .try_for_each(|(k, done)| write(k, done))
    });
    // After an error, what is held is still complete results: keep them.
    for (k, done) in order.rest() {
        write(k, done)?;
    }
    trained?;
    bar.finish_and_clear();
    if !recorder.in_order() {
        canonical::canonicalize(&dir, plan)?;
    }
    manifest.finished = Some(record::manifest::now_utc());
    manifest.state = "complete".to_string();
    manifest.write(&dir.join("manifest.json"))?;
    Ok(Report {
        dir,
        resumed: existing.count,
        trained: todo,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The most networks one chunk may hold so that `threads` chunks fit in memory side by side
/// (`None`: no limit known). Refuses, before anything is written, a plan whose largest
/// networks do not fit even one per thread, or whose `--max-cohort` chunks do not.
fn networks_that_fit(plan: &Plan, threads: usize, opts: &Options) -> Result<Option<usize>> {
    let Some(limit) = opts.memory else {
        return Ok(None);
    };
    let Some((cohort, net)) = plan
        .cohorts
        .iter()
        .map(|c| (c, plan.network_bytes(&plan.trials[c.trials.start])))
        .max_by_key(|&(_, b)| b)
    else {
        return Ok(None);
    };
    let first = &plan.trials[cohort.trials.start];
    let what = |n: usize| {
        format!(
            "training {} at once ({}, depth {}, width {})",
            count(n, "network"),
            memory::gib(net) + " each",
            first.depth,
            first.width
        )
    };
    let advice = match threads > 1 {
        true => "use fewer --threads, a smaller width or depth, or a smaller batch_size",
        false => "use a smaller width or depth, or a smaller batch_size",
    };
    limit.check(&what(threads), net * threads as u128, advice)?;
    if let Some(max) = opts.max_cohort {
        let widest = plan
            .cohorts
            .iter()
            .map(|c| c.trials.len())
            .max()
            .unwrap_or(1);
        let n = threads * max.min(widest);
        limit.check(&what(n), net * n as u128, "use a smaller --max-cohort")?;
    }
    let fits = limit.bytes as u128 / (net.max(1) * threads as u128);
    Ok(Some(fits.min(usize::MAX as u128) as usize))
}

fn count(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// Everything a finished run ends with: the summary and the workbook, the weight-space map
/// (for sweeps of at least 4 and at most [`regions::AUTO_MAX_TRIALS`] trials) and, unless the
/// spec says `figures = false` or the folder holds no trials, the report. The summary with the
/// workbook and the map with the report are independent (the report needs the map, not the
/// summary) and run side by side on `threads` threads, as do the summary's cells and the
/// workbook's trials sheet; every result is the same on any number of threads.
pub fn finish(dir: &Path, threads: usize) -> Result<(Summary, Option<crate::report::Report>)> {
    let folder = Folder::read(dir)?;
    let trials = folder.trials();
    // An empty shard (more shards than work) is a valid, empty result: nothing to draw.
    let figures = folder.manifest.spec["figures"].as_bool() != Some(false) && trials > 0;
    let (summary, report) = analyze::pool(threads)?.install(|| {
        rayon::join(
            || -> Result<Summary> {
                // The workbook's trials sheet needs only trials.csv: it fills beside the
                // summary's cells.
                let (summary, book) = rayon::join(
                    || {
                        let summary = Summary::new(&folder);
                        summary.write(dir).map(|_| summary)
                    },
                    || {
                        let mut book = Book::new(dir, experiment(&folder), workbook::MAX_ROWS)?;
                        book.trials().map(|_| book)
                    },
                );
                let (summary, mut book) = (summary?, book?);
                book.summary()?;
                book.save()?;
                Ok(summary)
            },
            || -> Result<Option<crate::report::Report>> {
                if (4..=regions::AUTO_MAX_TRIALS).contains(&trials) {
                    regions::regions(dir, &regions::Options::default())?;
                }
                match figures {
                    true => crate::report::render(dir, &Analysis::new(&folder)?).map(Some),
                    false => Ok(None),
                }
            },
        )
    });
    Ok((summary?, report?))
}

/// `initbench summarize`: checks the folder as a whole ([`record::check`]), then writes
/// `summary.csv`, `comparisons.csv` and the workbook for the results in `dir` on `threads`
/// threads (the same results on any number); returns the summary and the workbook's path.
pub fn summarize(dir: &Path, threads: usize) -> Result<(Summary, PathBuf)> {
    record::check::check(dir)?;
    let folder = Folder::read(dir)?;
    let summary = analyze::pool(threads)?.install(|| Summary::new(&folder));
    summary.write(dir)?;
    let book = workbook::write(dir, experiment(&folder))?;
    Ok((summary, book))
}

/// The experiment's name, which names its workbook.
fn experiment(folder: &Folder) -> &str {
    folder.manifest.spec["name"].as_str().unwrap_or("results")
}

/// `initbench report`: checks the folder as a whole, then renders the report of the results
/// in `dir` from what is there (the map too, if one was made); nothing else is rewritten.
pub fn report(dir: &Path) -> Result<crate::report::Report> {
    record::check::check(dir)?;
    let folder = Folder::read(dir)?;
    crate::report::render(dir, &Analysis::new(&folder)?)
}

/// Puts chunks that finish out of order back in plan order for the writer: it holds one
/// that comes early until those before it are written, so the files come out in plan order
/// and need no rewrite at the end (which cost time and, on a million trials, memory). It
/// holds `hold` at most: past that (a slow chunk far behind) it lets the earliest it holds
/// go, and the run ends with the plan-order rewrite instead.
struct Reorder<T> {
    hold: usize,
    held: BTreeMap<usize, T>,
    /// Chunks let go before `next`.
    ahead: BTreeSet<usize>,
    /// The first chunk not yet let go.
    next: usize,
}

impl<T> Reorder<T> {
    fn new(hold: usize) -> Self {
        Reorder {
            hold,
            held: BTreeMap::new(),
            ahead: BTreeSet::new(),
            next: 0,
        }
    }

    /// Takes chunk `i`; returns the chunks to write now, in the order to write them.
    fn push(&mut self, i: usize, item: T) -> Vec<(usize, T)> {
        self.held.insert(i, item);
        let mut out = Vec::new();
        while let Some(&k) = self.held.keys().next() {
            if k != self.next && self.held.len() <= self.hold {
                break;
            }
            out.push((k, self.held.remove(&k).expect("held")));
            self.ahead.insert(k);
            while self.ahead.remove(&self.next) {
                self.next += 1;
            }
        }
        out
    }

    /// What is still held, in plan order.
    fn rest(self) -> impl Iterator<Item = (usize, T)> {
        self.held.into_iter()
    }
}

/// Trains `chunks` on `threads` workers, which also format their rows, and hands each
/// chunk's outcomes and rows to `take` on this thread, in the order they finish. Stops at the
/// first error.
fn train_all(
    plan: &Plan,
    chunks: &[Chunk],
    threads: usize,
    mut take: impl FnMut(usize, (Vec<Outcome>, Rendered)) -> Result<()>,
) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("initbench-{i}"))
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Bounded, so that workers wait for the writer rather than piling finished chunks up in
    // memory when training outruns the disk.
    let (tx, rx) = mpsc::sync_channel::<(usize, Result<(Vec<Outcome>, Rendered)>)>(threads);
    std::thread::scope(|scope| {
        let (next, stop) = (&next, &stop);
        scope.spawn(move || {
            pool.broadcast(|_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= chunks.len() || stop.load(Ordering::Relaxed) {
                    break;
                }
                let done = train_chunk(plan, &chunks[i]).and_then(|d| {
                    let rows = d.render(plan, i, &chunks[i])?;
                    // The writer needs no more than each trial's status; the rest of the
                    // chunk is in `rows`, and chunks waiting for the writer stay small.
                    let mut outcomes = d.outcomes;
                    for o in &mut outcomes {
                        o.curve = Vec::new();
                        o.layers = Vec::new();
                    }
                    Ok((outcomes, rows))
                });
                if tx.send((i, done)).is_err() {
                    break;
                }
            });
        });
        let mut received = 0;
        for (i, done) in rx {
            if let Err(e) = done.and_then(|d| take(i, d)) {
                stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
            received += 1;
        }
        if received < chunks.len() {
            return Err(Error::Other(
                "the workers stopped before every trial was trained".into(),
            ));
        }
        Ok(())
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
        .iter()
        .map(|&i| plan.member(&plan.trials[i], &split))
        .collect::<Result<Vec<_>>>()?;
    let outcomes = cohort::train(&setup, &split, &members, DType::F32, &Device::Cpu)?;
    let seconds = t0.elapsed().as_secs_f64();
    // Measured after the clock stops: chunk_seconds times training alone.
    let jacobians = match setup.record_jacobian {
        true => members
            .iter()
            .map(|m| jacobian::measure(&setup.arch, m, &split.train.x))
            .collect(),
        false => Vec::new(),
    };
    Ok(Finished {
        outcomes,
        members,
        jacobians,
        seconds,
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

#[cfg(test)]
mod tests {
    use super::Reorder;

    fn keys(v: Vec<(usize, char)>) -> Vec<usize> {
        v.into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn chunks_go_out_in_plan_order() {
        let mut r = Reorder::new(2);
        assert_eq!(keys(r.push(1, 'b')), Vec::<usize>::new());
        assert_eq!(keys(r.push(2, 'c')), Vec::<usize>::new());
        assert_eq!(keys(r.push(0, 'a')), vec![0, 1, 2]);
        assert_eq!(keys(r.push(3, 'd')), vec![3]);
        assert_eq!(r.rest().count(), 0);
    }

    #[test]
    fn past_the_hold_the_earliest_goes_out_of_order() {
        let mut r = Reorder::new(2);
        assert!(r.push(1, 'b').is_empty());
        assert!(r.push(2, 'c').is_empty());
        // Chunk 0 is slow: a third held chunk lets 1 go.
        assert_eq!(keys(r.push(3, 'd')), vec![1]);
        assert_eq!(keys(r.push(0, 'a')), vec![0, 2, 3]);
        assert_eq!(keys(r.push(4, 'e')), vec![4]);
        let mut r = Reorder::new(1);
        assert!(r.push(2, 'c').is_empty());
        assert_eq!(keys(r.push(3, 'd')), vec![2]);
        assert_eq!(keys(r.rest().collect()), vec![3]);
    }
}
