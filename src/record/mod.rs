//! Recording: the CSV rows, the single writer that owns them, the manifest, and what keeps a
//! results folder whole across kills, resumes and shards.

pub mod canonical;
pub mod check;
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

/// Empties a results folder for `--fresh`: only one that holds an initbench manifest (so a
/// mistyped `--out` cannot delete someone's folder), and only while no other run holds its lock.
pub fn clear_dir(dir: &Path) -> Result<()> {
    if !dir.join("manifest.json").is_file() {
        return Ok(());
    }
    let _lock = lock::Lock::acquire(dir)?;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if entry.file_name() == lock::NAME {
            continue;
        }
        let path = entry.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// Names the user data file whose content differs between two manifests of the same spec.
fn changed_data(old: &Manifest, new: &Manifest) -> Option<String> {
    let without = |m: &Manifest| {
        let mut s = m.spec.clone();
        s.as_object_mut().map(|o| o.remove("data_sha256"));
        s
    };
    if without(old) != without(new) {
        return None;
    }
    let hashes = |m: &Manifest| m.spec.get("data_sha256").cloned().unwrap_or_default();
    let (before, now) = (hashes(old), hashes(new));
    let now = now.as_object()?;
    now.iter().find_map(|(path, hash)| {
        let was = before.get(path).and_then(|h| h.as_str());
        let hash = hash.as_str().unwrap_or_default();
        (was != Some(hash)).then(|| match was {
            Some(was) => format!(
                "data file `{path}` has changed (sha256 {}… then, {}… now)",
                &was[..12.min(was.len())],
                &hash[..12.min(hash.len())]
            ),
            None => format!("data file `{path}` was not hashed"),
        })
    })
}

/// Takes `dir` for a run or merge described by `manifest`: creates it, takes its lock, and only
/// then judges what it holds ([`prepare_dir`]), so that no other starter can be between
/// creating its files and writing its manifest while this one looks. Returns the lock and the
/// manifest already there, if any.
pub fn open_dir(dir: &Path, manifest: &Manifest) -> Result<(lock::Lock, Option<Manifest>)> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Input(format!(
            "{}: the results path exists and is not a folder",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let lock = lock::Lock::acquire(dir)?;
    let old = prepare_dir(dir, manifest)?;
    Ok((lock, old))
}

/// Judges a folder [`open_dir`] holds the lock of, for a run described by `manifest`, and
/// returns the manifest already there, if any. A folder holding results of another spec (or another shard) is refused rather than
/// overwritten; one holding this spec's results is resumed.
fn prepare_dir(dir: &Path, manifest: &Manifest) -> Result<Option<Manifest>> {
    let path = dir.join("manifest.json");
    if path.exists() {
        let old = Manifest::read(&path)?;
        if old.spec_hash != manifest.spec_hash {
            if let Some(changed) = changed_data(&old, manifest) {
                return Err(Error::Input(format!(
                    "{}: {changed} since these results were recorded; restore it, pass --out to write elsewhere, or pass --fresh to discard these results and start again",
                    dir.display()
                )));
            }
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
    Ok(None)
}
