//! Runs the real `initbench` binary in a scratch folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh, empty folder under the target directory, removed when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Runs `initbench ARGS` with this folder as the working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_initbench"))
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("the binary runs");
        Run::from(out)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Parses a CSV file into its header and rows.
pub fn csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The column named `name` of a parsed CSV.
pub fn column<'a>(header: &[String], rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let j = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    rows.iter().map(|r| r[j].as_str()).collect()
}

/// `file` of spec `spec` (whose name is `name`) comes out as `text` whatever the run: on two
/// threads with one-trial cohorts (its rows then reach the disk out of plan order and are put
/// back at the end), resumed after the last `cut` trial rows were lost (their rows in `file`
/// are then orphans that the resume drops), and as two merged shards.
pub fn assert_same_bytes_every_way(
    s: &Scratch,
    spec: &str,
    name: &str,
    file: &str,
    text: &str,
    cut: usize,
) {
    s.run(&[
        "run",
        spec,
        "--out",
        "b",
        "--threads",
        "2",
        "--max-cohort",
        "1",
    ])
    .ok();
    assert_eq!(
        s.read(&format!("b/{file}")),
        text,
        "2 threads, 1-trial cohorts"
    );
    let trials = s.read("b/trials.csv");
    let kept: Vec<&str> = trials.lines().collect();
    std::fs::write(
        s.path("b/trials.csv"),
        kept[..kept.len() - cut].join("\n") + "\n",
    )
    .unwrap();
    s.run(&["run", spec, "--out", "b"]).ok();
    assert_eq!(s.read(&format!("b/{file}")), text, "resumed");
    assert_eq!(s.read("b/trials.csv"), trials, "resumed");
    for k in ["1/2", "2/2"] {
        s.run(&["run", spec, "--shard", k]).ok();
    }
    let shard = |k: usize| format!("results/{name}-shard-{k}-of-2");
    s.run(&["merge", &shard(1), &shard(2), "--out", "merged"])
        .ok();
    assert_eq!(s.read(&format!("merged/{file}")), text, "merged shards");
}
