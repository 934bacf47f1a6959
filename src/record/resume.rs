//! Picking up a results folder where an interrupted run left it.
//!
//! A trial is recorded once its `trials.csv` row is complete. Anything after the last
//! complete row (a torn line from a kill mid-write) is cut off, and the curve and timing rows
//! of trials that have no trial row yet are dropped, so the files hold exactly the recorded
//! trials and the run trains only the rest.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use super::schema::{self, csv_error, TrialRow};
use crate::error::{Error, Result};
use crate::plan::Plan;

/// What a folder already holds.
pub struct Existing {
    /// Per plan index: is the trial recorded?
    pub done: Vec<bool>,
    pub count: usize,
    /// Plan index of the last row in `trials.csv`.
    pub last: Option<usize>,
    /// Were the rows written in plan order?
    pub in_order: bool,
}

/// Reads and repairs the CSV files in `dir` for `plan`. A missing file counts as empty.
pub fn recover(dir: &Path, plan: &Plan) -> Result<Existing> {
    let mut e = Existing {
        done: vec![false; plan.trials.len()],
        count: 0,
        last: None,
        in_order: true,
    };
    for f in super::canonical::FILES {
        let path = dir.join(f);
        if path.exists() && !path.is_file() {
            return Err(Error::Input(format!(
                "{}: not a regular file",
                path.display()
            )));
        }
    }
    let trials = dir.join("trials.csv");
    if !trials.exists() {
        return Ok(e);
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
    let mut ids = HashSet::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|err| csv_error(&trials, err))?;
        let line = line + 2;
        let id = record.get(0).unwrap_or_default();
        let i = schema::parse_id(id)
            .and_then(|id| index.get(&id).copied())
            .ok_or_else(|| {
                Error::Input(format!(
                    "{}:{line}: trial `{id}` is not in this spec's plan",
                    trials.display()
                ))
            })?;
        if !ids.insert(i) {
            return Err(Error::Input(format!(
                "{}:{line}: trial `{id}` is recorded twice",
                trials.display()
            )));
        }
        if e.last.is_some_and(|l| l > i) {
            e.in_order = false;
        }
        e.last = Some(i);
        e.done[i] = true;
        e.count += 1;
    }
    let done: HashSet<String> = ids
        .iter()
        .map(|&i| schema::trial_id(plan.trials[i].id))
        .collect();
    for f in &super::canonical::FILES[1..] {
        keep_rows_of(&dir.join(f), &done)?;
    }
    Ok(e)
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
