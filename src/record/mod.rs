//! Recording: the CSV rows, the single writer that owns them, the manifest, and what keeps a
//! results folder whole across kills, resumes and shards.

pub mod canonical;
pub mod lock;
pub mod manifest;
pub mod merge;
pub mod numbers;
pub mod resume;
pub mod rows;
pub mod schema;
pub mod writer;

use std::path::Path;

pub use manifest::Manifest;
pub use writer::{Finished, Recorder, Rendered};

use crate::error::{Error, Result};

/// Makes `dir` ready for a run described by `manifest` and returns the manifest already there,
/// if any. A folder holding results of another spec (or another shard) is refused rather than
/// overwritten; one holding this spec's results is resumed.
pub fn prepare_dir(dir: &Path, manifest: &Manifest) -> Result<Option<Manifest>> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Input(format!(
            "{}: the results path exists and is not a folder",
            dir.display()
        )));
    }
    let path = dir.join("manifest.json");
    if path.exists() {
        let old = Manifest::read(&path)?;
        if old.spec_hash != manifest.spec_hash {
            return Err(Error::Input(format!(
                "{} holds results of a different spec (spec_hash {}…); pass --out to write elsewhere, or delete the folder",
                dir.display(),
                &old.spec_hash[..12.min(old.spec_hash.len())]
            )));
        }
        if old.shard != manifest.shard {
            return Err(Error::Input(format!(
                "{} holds shard {} of this spec, not {}; pass --out to write elsewhere",
                dir.display(),
                old.shard.as_deref().unwrap_or("(all)"),
                manifest.shard.as_deref().unwrap_or("(all)")
            )));
        }
        return Ok(Some(old));
    }
    if dir.is_dir() {
        let foreign = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok())
            .any(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name != lock::NAME && !name.ends_with(".tmp")
            });
        if foreign {
            return Err(Error::Input(format!(
                "{}: the folder is not empty and holds no initbench manifest; choose another --out",
                dir.display()
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    Ok(None)
}
