//! Picking up a results folder where an interrupted run, or a user, left it.
//!
//! A trial is recorded once its `trials.csv` row is complete and every other file holds
//! exactly the rows that trial writes there. Anything after the last complete line of a file
//! (a torn line from a kill mid-write) is cut off; a trial whose rows are missing or
//! duplicated in any file loses its rows everywhere and is trained again; rows of trials not
//! in `trials.csv` are dropped. So the files hold exactly the recorded trials, and the run
//! trains only the rest and ends with the bytes of an uninterrupted run.

use std::collections::{HashMap, HashSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use super::canonical::{self, JACOBIAN, LAYERS};
use super::schema::{self, csv_error, TrialRow};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::train::schedule;

/// What a folder already holds.
pub struct Existing {
    /// Per plan index: is the trial recorded?
    pub done: Vec<bool>,
    pub count: usize,
    /// Plan index of the last row in `trials.csv`.
    pub last: Option<usize>,
    /// Were the rows written in plan order?
    pub in_order: bool,
    /// Trials that had a `trials.csv` row but incomplete rows elsewhere, to train again.
    pub repaired: usize,
}

/// Reads and repairs the CSV files in `dir` for `plan`. A missing file counts as empty.
pub fn recover(dir: &Path, plan: &Plan) -> Result<Existing> {
    let mut e = Existing {
        done: vec![false; plan.trials.len()],
        count: 0,
        last: None,
        in_order: true,
        repaired: 0,
    };
    for f in canonical::FILES {
        let path = dir.join(f);
        if path.exists() && !path.is_file() {
            return Err(Error::Input(format!(
                "{}: not a regular file",
                path.display()
            )));
        }
    }
    let recorded = recorded_trials(dir, plan)?;
    // Rows each recorded trial holds in every other file, against the rows it writes there.
    let mut complete: Vec<(usize, &TrialRow)> = recorded.iter().map(|(i, r)| (*i, r)).collect();
    for f in canonical::files(&plan.spec).skip(1) {
        let counts = rows_per_trial(&dir.join(f))?;
        complete.retain(|&(i, row)| {
            let id = schema::trial_id(plan.trials[i].id);
            counts.get(&id).copied().unwrap_or(0) == expected_rows(plan, i, row, f)
        });
    }
    e.repaired = recorded.len() - complete.len();
    for &(i, _) in &complete {
        if e.last.is_some_and(|l| l > i) {
            e.in_order = false;
        }
        e.last = Some(i);
        e.done[i] = true;
        e.count += 1;
    }
    let done: HashSet<String> = complete
        .iter()
        .map(|&(i, _)| schema::trial_id(plan.trials[i].id))
        .collect();
    for f in canonical::FILES {
        keep_rows_of(&dir.join(f), &done)?;
    }
    Ok(e)
}

/// The complete rows of `dir/trials.csv` with their plan indices, in file order; empty when
/// the file is missing. A row that is not in the plan, or recorded twice, is an error.
fn recorded_trials(dir: &Path, plan: &Plan) -> Result<Vec<(usize, TrialRow)>> {
    let trials = dir.join("trials.csv");
    if !trials.exists() {
        return Ok(Vec::new());
    }
    cut_torn_tail(&trials)?;
    let index = plan.index_of();
    let mut reader = csv::Reader::from_path(&trials).map_err(|err| csv_error(&trials, err))?;
    let header = reader.headers().map_err(|err| csv_error(&trials, err))?;
    if header
        .iter()
        .ne(schema::columns::<TrialRow>().iter().copied())
    {
        return Err(Error::Input(format!(
            "{}: its columns differ from this version's; use a new --out folder",
            trials.display()
        )));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (line, row) in reader.deserialize::<TrialRow>().enumerate() {
        let row = row.map_err(|err| csv_error(&trials, err))?;
        let line = line + 2;
        let id = schema::trial_id(row.trial_id);
        let i = index.get(&row.trial_id).copied().ok_or_else(|| {
            Error::Input(format!(
                "{}:{line}: trial `{id}` is not in this spec's plan",
                trials.display()
            ))
        })?;
        if !seen.insert(i) {
            return Err(Error::Input(format!(
                "{}:{line}: trial `{id}` is recorded twice",
                trials.display()
            )));
        }
        out.push((i, row));
    }
    Ok(out)
}

/// Complete rows per trial id (the first field) in `path`, after its header; cuts a torn
/// last line off first.
fn rows_per_trial(path: &Path) -> Result<HashMap<String, usize>> {
    let mut counts = HashMap::new();
    if !path.exists() {
        return Ok(counts);
    }
    cut_torn_tail(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    for line in bytes.split(|&b| b == b'\n').skip(1) {
        if line.is_empty() {
            continue;
        }
        let id = line.split(|&b| b == b',').next().unwrap_or_default();
        let id = String::from_utf8_lossy(id).into_owned();
        *counts.entry(id).or_default() += 1;
    }
    Ok(counts)
}

/// The rows trial `i`, which ended as `row` says, writes to `file` (see `record::rows`):
/// one per weight layer; one per parameter of a network small enough for
/// `init_vectors.csv`; one timing; one curve point per curve epoch it was still training at
/// (the epoch it diverged at excluded) and its last epoch; one per hidden layer at each of
/// those curve epochs but the appended last one; one Jacobian spectrum.
pub(super) fn expected_rows(plan: &Plan, i: usize, row: &TrialRow, file: &str) -> usize {
    let arch = plan.architecture(&plan.trials[i]);
    // diverged_at_epoch, not the status: a trial that met its target and diverged afterwards
    // is `converged` and its curve stops before the divergence all the same.
    let (observed, curve) = schedule::curve_points(
        plan.spec.epochs,
        row.epochs_run,
        row.diverged_at_epoch.is_some(),
    );
    match file {
        "weights.csv" => arch.layers(),
        "init_vectors.csv" => match arch.parameters() <= plan.spec.weights_max_params as usize {
            true => arch.parameters(),
            false => 0,
        },
        "timings.csv" => 1,
        "curves.csv" => curve,
        LAYERS => observed * arch.depth,
        JACOBIAN => 1,
        other => unreachable!("{other} is not a per-trial file"),
    }
}

/// Truncates `path` after its last newline.
fn cut_torn_tail(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    if keep < bytes.len() {
        let f = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        f.set_len(keep as u64).map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

/// Keeps the header and the complete rows whose first field is in `ids`; rewrites the file
/// (atomically) only when something goes.
fn keep_rows_of(path: &Path, ids: &HashSet<String>) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let mut kept = Vec::with_capacity(complete);
    for (n, line) in bytes[..complete]
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
    {
        let id = line.split(|&b| b == b',').next().unwrap_or_default();
        if n == 0 || ids.contains(std::str::from_utf8(id).unwrap_or_default()) {
            kept.extend_from_slice(line);
        }
    }
    if kept.len() != bytes.len() {
        super::canonical::replace(path, |w| w.write_all(&kept))?;
    }
    Ok(())
}
