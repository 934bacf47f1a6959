//! Recording: the CSV rows, the single writer that owns them, and the manifest.

pub mod manifest;
pub mod rows;
pub mod writer;

use std::path::Path;

pub use manifest::Manifest;
pub use writer::{Finished, Recorder};

use crate::error::{Error, Result};

/// Makes `dir` ready for a run whose spec hashes to `spec_hash`. A folder holding results of
/// another spec is refused rather than overwritten; one holding this spec's results is run
/// again (a rerun writes the same bytes).
pub fn prepare_dir(dir: &Path, spec_hash: &str) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Input(format!(
            "{}: the results path exists and is not a folder",
            dir.display()
        )));
    }
    let manifest = dir.join("manifest.json");
    if manifest.exists() {
        let old = Manifest::read(&manifest)?;
        if old.spec_hash != spec_hash {
            return Err(Error::Input(format!(
                "{} holds results of a different spec (spec_hash {}…); pass --out to write elsewhere, or delete the folder",
                dir.display(),
                &old.spec_hash[..12.min(old.spec_hash.len())]
            )));
        }
    } else if dir.is_dir()
        && std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::Input(format!(
            "{}: the folder is not empty and holds no initbench manifest; choose another --out",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}
