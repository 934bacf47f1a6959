//! `manifest.json`: what a results folder holds and how it was made.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::plan::shard::Shard;
use crate::plan::Plan;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub initbench_version: String,
    /// The commit the binary was built from, when the build could tell.
    pub git_commit: Option<String>,
    /// SHA-256 of the resolved spec's JSON (with `data_sha256`, the SHA-256 of each user data
    /// file): equal hashes mean equal experiments.
    pub spec_hash: String,
    pub spec_file: Option<String>,
    pub spec: serde_json::Value,
    /// The spec as written, and the folder its relative paths start from.
    pub spec_toml: String,
    pub spec_dir: String,
    /// `K/N` when this folder holds one shard of a sharded run.
    pub shard: Option<String>,
    pub experiment_seed: u64,
    /// Seed of each replicate, in order (the `seed` column of trials.csv).
    pub replicate_seeds: Vec<u64>,
    pub trials: usize,
    pub cohorts: usize,
    pub threads: usize,
    pub started: String,
    pub finished: Option<String>,
    /// `running` while trials train, `complete` once every row is written.
    pub state: String,
}

impl Manifest {
    pub fn new(
        plan: &Plan,
        spec_file: Option<&Path>,
        shard: Option<Shard>,
        threads: usize,
    ) -> Self {
        let mut spec = plan.spec.to_json();
        // Only with user files, so the resolved spec (and hash) of every other spec stays as
        // it was and their folders still resume.
        let data = plan.data_hashes();
        if !data.is_empty() {
            spec["data_sha256"] = serde_json::json!(data);
        }
        let mut replicate_seeds: Vec<u64> = plan.trials.iter().map(|t| t.seed).collect();
        replicate_seeds.dedup();
        replicate_seeds.truncate(plan.spec.replicates as usize);
        Manifest {
            initbench_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: option_env!("INITBENCH_GIT_COMMIT")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            spec_hash: spec_hash(&spec),
            spec_file: spec_file.map(|p| p.display().to_string()),
            spec,
            spec_toml: plan.spec.text.clone(),
            spec_dir: std::path::absolute(&plan.spec.dir)
                .unwrap_or_else(|_| plan.spec.dir.clone())
                .display()
                .to_string(),
            shard: shard.map(|s| s.to_string()),
            experiment_seed: plan.spec.seed,
            replicate_seeds,
            trials: plan.trials.len(),
            cohorts: plan.cohorts.len(),
            threads,
            started: now_utc(),
            finished: None,
            state: "running".to_string(),
        }
    }

    pub fn read(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            // A folder that is not a results folder is the user's mistake, not a failure.
            if e.kind() == std::io::ErrorKind::NotFound {
                let dir = path.parent().unwrap_or(Path::new("."));
                Error::Input(format!(
                    "{}: no manifest.json; not an initbench results folder",
                    dir.display()
                ))
            } else {
                Error::io(path, e)
            }
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::Input(format!(
                "{}: not an initbench manifest: {e}",
                path.display()
            ))
        })
    }

    /// Writes to a temporary file and renames it over the old one, so a reader never sees
    /// half a manifest.
    pub fn write(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("json.tmp");
        let mut text = serde_json::to_string_pretty(self).expect("serializable");
        text.push('\n');
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }
}

pub fn spec_hash(spec: &serde_json::Value) -> String {
    let digest = Sha256::digest(spec.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The current time as `YYYY-MM-DDThh:mm:ssZ`.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Civil date from days since 1970 (Howard Hinnant's `civil_from_days`).
fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        // `date -u -d @1796027523` → Mon Nov 30 08:32:03 UTC 2026
        assert_eq!(format_utc(1_796_027_523), "2026-11-30T08:32:03Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
    }
}
