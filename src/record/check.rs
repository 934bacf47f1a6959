//! Checking a results folder as a whole before anything reads it for analysis.
//!
//! `summarize`, `report`, `regions` and `merge` trust nothing piecemeal: the folder's
//! manifest is planned again, and every file must hold exactly the rows its recorded trials
//! write (see [`resume`](super::resume), which repairs what this refuses). A folder that
//! says it is complete must hold every trial of its plan (or of its shard). Nothing is
//! changed; every error names the file and, where there is one, the line.

use std::collections::HashMap;
use std::path::Path;

use super::canonical::{self, summarize_list};
use super::schema::{self, TrialRow};
use super::{resume, Manifest};
use crate::error::{Error, Result};
use crate::plan::{shard, Plan};
use crate::spec::Spec;

/// What to do about what a resume repairs (cut-off rows, missing rows, missing trials); rows
/// that no run writes (a trial twice, an unknown trial or value) are the user's to fix.
const FIX: &str = "run `initbench run` on its spec with --out pointing here to repair it";

/// The plan `dir`'s manifest describes, after checking every results file against it.
pub fn check(dir: &Path) -> Result<(Manifest, Plan)> {
    let manifest = Manifest::read(&dir.join("manifest.json"))?;
    let plan = plan_of(dir, &manifest)?;
    let trials = dir.join(canonical::FILES[0]);
    if !trials.is_file() {
        return Err(Error::Input(format!(
            "{}: missing; {FIX}",
            trials.display()
        )));
    }
    let recorded = recorded(&trials, &plan)?;
    for f in canonical::files(&plan.spec).skip(1) {
        let path = dir.join(f);
        let counts = match path.is_file() {
            true => rows_per_trial(&path, &plan)?,
            false if recorded.is_empty() => HashMap::new(),
            false => return Err(Error::Input(format!("{}: missing; {FIX}", path.display()))),
        };
        for (i, row, line) in &recorded {
            let want = resume::expected_rows(&plan, *i, row, f);
            let have = counts.get(&plan.trials[*i].id).copied().unwrap_or(0);
            if have != want {
                return Err(Error::Input(format!(
                    "{}: trial `{}` ({}:{line}) has {have} rows where it writes {want}; {FIX}",
                    path.display(),
                    schema::trial_id(plan.trials[*i].id),
                    trials.display(),
                )));
            }
        }
    }
    if manifest.state == "complete" {
        let wanted = shard_of(&manifest, &plan)?;
        let mut present = vec![false; plan.trials.len()];
        for (i, _, _) in &recorded {
            present[*i] = true;
        }
        let missing: Vec<String> = plan
            .trials
            .iter()
            .filter(|t| !present[t.index] && wanted(t.index))
            .map(|t| schema::trial_id(t.id))
            .collect();
        if !missing.is_empty() {
            return Err(Error::Input(format!(
                "{}: the manifest says complete but {} planned trial(s) have no row: {}; {FIX}",
                trials.display(),
                missing.len(),
                summarize_list(&missing)
            )));
        }
    }
    Ok((manifest, plan))
}

/// The plan of the spec recorded in `manifest`, as `merge` and `run` build it.
fn plan_of(dir: &Path, manifest: &Manifest) -> Result<Plan> {
    let name = manifest.spec["name"].as_str().unwrap_or("results");
    let spec = Spec::from_str(
        &manifest.spec_toml,
        &format!("{} (spec_toml)", dir.join("manifest.json").display()),
        name,
        Path::new(&manifest.spec_dir),
    )?;
    Plan::new(spec)
}

/// Which trials the folder holds when complete: all, or those of its shard.
fn shard_of(manifest: &Manifest, plan: &Plan) -> Result<Box<dyn Fn(usize) -> bool>> {
    let Some(tag) = manifest.shard.as_deref() else {
        return Ok(Box::new(|_| true));
    };
    let s = shard::Shard::parse(tag).map_err(Error::Input)?;
    let of = shard::assign(plan, s.n);
    Ok(Box::new(move |i| of[i] == s.k))
}

/// The rows of `trials.csv`: each in the plan, each once, with its plan index and line.
fn recorded(path: &Path, plan: &Plan) -> Result<Vec<(usize, TrialRow, u64)>> {
    refuse_torn_tail(path)?;
    let index = plan.index_of();
    let mut first = HashMap::new();
    let mut out = Vec::new();
    schema::read_rows(path, |row: TrialRow, line| {
        let id = schema::trial_id(row.trial_id);
        let i = *index.get(&row.trial_id).ok_or_else(|| {
            schema::at_line(
                path,
                line,
                format!("trial `{id}` is not in this folder's plan"),
            )
        })?;
        if let Some(was) = first.insert(i, line) {
            return Err(schema::at_line(
                path,
                line,
                format!("trial `{id}` is recorded twice (line {was} too)"),
            ));
        }
        out.push((i, row, line));
        Ok(())
    })?;
    Ok(out)
}

/// Rows per trial id in a per-trial file; an id the plan does not hold is an error at its
/// line.
fn rows_per_trial(path: &Path, plan: &Plan) -> Result<HashMap<u64, usize>> {
    refuse_torn_tail(path)?;
    let index = plan.index_of();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut counts = HashMap::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let text = line.split(|&b| b == b',').next().unwrap_or_default();
        let text = String::from_utf8_lossy(text);
        match schema::parse_id(&text).filter(|id| index.contains_key(id)) {
            Some(id) => *counts.entry(id).or_default() += 1,
            None => {
                return Err(schema::at_line(
                    path,
                    n as u64 + 1,
                    format!("trial `{text}` is not in this folder's plan"),
                ))
            }
        }
    }
    Ok(counts)
}

/// A file whose last line has no newline was cut off mid-write.
fn refuse_torn_tail(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.last().is_some_and(|&b| b != b'\n') {
        let line = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        return Err(schema::at_line(
            path,
            line,
            format!("the last row is cut off (an interrupted write); {FIX}"),
        ));
    }
    Ok(())
}
