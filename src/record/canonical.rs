//! Putting result files in plan order, and replacing files atomically.
//!
//! Rows go to disk in plan order where the run can keep it (`run` holds chunks that finish
//! early for a while); where it could not, and when shards are merged, the files are
//! rewritten in plan order, so a resumed, multi-threaded or sharded run ends with the same
//! bytes as one uninterrupted run. Rewrites stream: the source is scanned once for
//! the byte range of each trial's rows, then the ranges are copied in plan order into a
//! temporary file that is fsynced and renamed over the original.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::schema::{parse_id, trial_id};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::spec::Spec;

/// The result files with one group of rows per trial (`trials.csv` first: it decides which
/// trials are recorded). `layers.csv` and `jacobian.csv` exist only where the spec asks for
/// them; see [`files`].
pub const FILES: [&str; 7] = [
    "trials.csv",
    "curves.csv",
    "weights.csv",
    "init_vectors.csv",
    "timings.csv",
    LAYERS,
    JACOBIAN,
];

/// Per-layer activation statistics (spec key `record_layers`).
pub const LAYERS: &str = "layers.csv";

/// The Jacobian's spectrum at initialization (spec key `record_jacobian`).
pub const JACOBIAN: &str = "jacobian.csv";

/// The files of [`FILES`] a run of `spec` writes.
pub fn files(spec: &Spec) -> impl Iterator<Item = &'static str> {
    let (layers, jacobian) = (spec.record_layers, spec.record_jacobian);
    FILES
        .into_iter()
        .filter(move |f| (layers || *f != LAYERS) && (jacobian || *f != JACOBIAN))
}

/// Writes `path` anew through `fill`: into a temporary file beside it, fsynced, then renamed
/// over it, so a reader (or a crash) sees the old file or the new one, never half of one.
pub fn replace(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    swap_in(path, true, fill)
}

/// [`replace`] without the fsync, for a file the analysis derives from the results
/// (`initbench summarize` writes it again).
pub fn replace_derived(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    swap_in(path, false, fill)
}

/// [`replace`], fsyncing the new file first only when `durable`: where the file holds the
/// only copy of its rows, a power cut between the rename and the data reaching the disk
/// could lose them.
fn swap_in(
    path: &Path,
    durable: bool,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    // `<file>.tmp`: `trials.csv.tmp`, `seed_xor.xlsx.tmp`.
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp)?);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        if durable {
            file.sync_all()?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Writes a whole table of `T` rows atomically, for the analysis's tables. They are not
/// fsynced: `initbench summarize` and `initbench regions` rebuild them from the results.
pub fn write_rows<'de, T: Serialize + Deserialize<'de>>(
    path: &Path,
    rows: impl IntoIterator<Item = T>,
) -> Result<()> {
    write_table(path, super::schema::columns::<T>(), rows)
}

/// [`write_rows`] with the header given (a table whose rows end in a variable number of
/// columns).
pub fn write_table<R: Serialize>(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<()> {
    // The header is written here: csv's own would come from the first row, and a table
    // without rows would have none.
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let err = |e: csv::Error| Error::Other(format!("{}: {e}", path.display()));
    w.write_record(header).map_err(err)?;
    for row in rows {
        w.serialize(row).map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    swap_in(path, false, |f| f.write_all(&bytes))
}

/// Where one trial's rows sit in a file.
struct Group {
    index: usize,
    source: usize,
    start: u64,
    len: u64,
}

/// Scans `path`: its header line and the byte range of each run of rows of one trial.
fn groups(
    path: &Path,
    source: usize,
    index: &HashMap<u64, usize>,
    out: &mut Vec<Group>,
) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut r = BufReader::new(file);
    let mut header = Vec::new();
    r.read_until(b'\n', &mut header)
        .map_err(|e| Error::io(path, e))?;
    let mut pos = header.len() as u64;
    let mut line = Vec::new();
    let mut n = 1;
    loop {
        line.clear();
        let len = r
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io(path, e))? as u64;
        if len == 0 {
            break;
        }
        n += 1;
        let id_text = std::str::from_utf8(line.split(|&b| b == b',').next().unwrap_or_default())
            .unwrap_or("");
        let i = parse_id(id_text)
            .and_then(|id| index.get(&id).copied())
            .ok_or_else(|| {
                Error::Input(format!(
                    "{}:{n}: trial `{id_text}` is not in the plan",
                    path.display()
                ))
            })?;
        match out.last_mut() {
            Some(g) if g.index == i && g.source == source && g.start + g.len == pos => g.len += len,
            _ => out.push(Group {
                index: i,
                source,
                start: pos,
                len,
            }),
        }
        pos += len;
    }
    Ok(header)
}

/// The rows of one or more files of the same kind, in plan order.
pub struct Rows {
    sources: Vec<PathBuf>,
    header: Vec<u8>,
    groups: Vec<Group>,
}

impl Rows {
    /// Scans `sources`; a trial whose rows appear in two places is an error.
    pub fn collect(sources: &[PathBuf], plan: &Plan) -> Result<Rows> {
        let index = plan.index_of();
        let mut all = Vec::new();
        let mut header = Vec::new();
        for (s, path) in sources.iter().enumerate() {
            let h = groups(path, s, &index, &mut all)?;
            if s == 0 {
                header = h;
            } else if h != header {
                return Err(Error::Input(format!(
                    "{}: its header differs from {}",
                    path.display(),
                    sources[0].display()
                )));
            }
        }
        all.sort_by_key(|g| (g.index, g.source, g.start));
        let dup: Vec<String> = all
            .windows(2)
            .filter(|w| w[0].index == w[1].index)
            .map(|w| trial_id(plan.trials[w[0].index].id))
            .collect();
        if !dup.is_empty() {
            let name = sources[0]
                .file_name()
                .map(|f| f.to_string_lossy().into_owned());
            return Err(Error::Input(format!(
                "{} trial(s) appear more than once in {}: {}",
                dup.len(),
                name.unwrap_or_default(),
                summarize_list(&dup)
            )));
        }
        Ok(Rows {
            sources: sources.to_vec(),
            header,
            groups: all,
        })
    }

    /// Plan indices present, ascending.
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.groups.iter().map(|g| g.index)
    }

    /// Writes the header and every row, in plan order, to `dest` (atomically).
    pub fn write(&self, dest: &Path) -> Result<()> {
        let mut files = self
            .sources
            .iter()
            .map(|p| File::open(p).map_err(|e| Error::io(p, e)))
            .collect::<Result<Vec<_>>>()?;
        replace(dest, |w| {
            w.write_all(&self.header)?;
            let mut buf = Vec::new();
            for g in &self.groups {
                let f = &mut files[g.source];
                f.seek(SeekFrom::Start(g.start))?;
                buf.resize(g.len as usize, 0);
                f.read_exact(&mut buf)?;
                w.write_all(&buf)?;
            }
            Ok(())
        })
    }
}

/// Rewrites the result files of `dir` in plan order, `trials.csv` last: a resume decides from
/// `trials.csv` alone whether the rows are in order, so a run killed between two of these
/// rewrites must leave it out of order for the resume to rewrite the rest again.
pub fn canonicalize(dir: &Path, plan: &Plan) -> Result<()> {
    let mut order: Vec<&str> = files(&plan.spec).collect();
    order.rotate_left(1);
    for f in order {
        let path = dir.join(f);
        Rows::collect(std::slice::from_ref(&path), plan)?.write(&path)?;
    }
    Ok(())
}

/// The first few items of a long list, and how many more.
pub fn summarize_list(items: &[String]) -> String {
    const SHOWN: usize = 10;
    let head = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        format!("{head}, … ({} more)", items.len() - SHOWN)
    } else {
        head
    }
}
