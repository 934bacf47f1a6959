//! `initbench merge`: shard folders into one, byte-identical to a single-machine run.

use std::path::{Path, PathBuf};

use super::canonical::{files, summarize_list, Rows, FILES};
use super::{open_dir, schema, Manifest};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::spec::Spec;

/// Checks that `dirs` hold parts of one experiment that together cover it exactly once, then
/// writes the whole into `out` (default `results/<name>`). Returns the folder and the plan.
pub fn merge(dirs: &[PathBuf], out: Option<&Path>) -> Result<(PathBuf, Plan)> {
    if dirs.is_empty() {
        return Err(Error::Input(
            "merge: name at least one results folder".into(),
        ));
    }
    let manifests = dirs
        .iter()
        .map(|d| super::check::check(d).map(|(m, _)| m))
        .collect::<Result<Vec<_>>>()?;
    let first = &manifests[0];
    for (d, m) in dirs.iter().zip(&manifests).skip(1) {
        if m.spec_hash != first.spec_hash {
            return Err(Error::Input(format!(
                "{} and {} hold different experiments (spec_hash {}… vs {}…)",
                dirs[0].display(),
                d.display(),
                &first.spec_hash[..12.min(first.spec_hash.len())],
                &m.spec_hash[..12.min(m.spec_hash.len())]
            )));
        }
    }
    let name = first.spec["name"].as_str().unwrap_or("merged").to_string();
    let spec = Spec::from_str(
        &first.spec_toml,
        &format!("{} (spec_toml)", dirs[0].join("manifest.json").display()),
        &name,
        Path::new(&first.spec_dir),
    )?;
    let plan = Plan::new(spec)?;

    // Check everything before writing anything.
    let sources = |file: &str| dirs.iter().map(|d| d.join(file)).collect::<Vec<_>>();
    let trials = Rows::collect(&sources(FILES[0]), &plan)?;
    let mut present = vec![false; plan.trials.len()];
    for i in trials.indices() {
        present[i] = true;
    }
    let missing: Vec<String> = plan
        .trials
        .iter()
        .filter(|t| !present[t.index])
        .map(|t| schema::trial_id(t.id))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Input(format!(
            "{} of {} trials are missing from the folders given: {}",
            missing.len(),
            plan.trials.len(),
            summarize_list(&missing)
        )));
    }
    let rest_files: Vec<&str> = files(&plan.spec).skip(1).collect();
    let rest = rest_files
        .iter()
        .map(|f| Rows::collect(&sources(f), &plan))
        .collect::<Result<Vec<_>>>()?;

    let dir = out.map_or_else(
        || Path::new("results").join(&plan.spec.name),
        Path::to_path_buf,
    );
    let mut manifest = Manifest::new(
        &plan,
        first.spec_file.as_deref().map(Path::new),
        None,
        first.threads,
    );
    manifest.started = manifests
        .iter()
        .map(|m| m.started.clone())
        .min()
        .unwrap_or_default();
    manifest.finished = manifests.iter().filter_map(|m| m.finished.clone()).max();
    manifest.state = "complete".to_string();
    let (_lock, _) = open_dir(&dir, &manifest)?;
    trials.write(&dir.join(FILES[0]))?;
    for (rows, f) in rest.iter().zip(&rest_files) {
        rows.write(&dir.join(f))?;
    }
    manifest.write(&dir.join("manifest.json"))?;
    Ok((dir, plan))
}
