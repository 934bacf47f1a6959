//! The committed reference results: each fast shipped study, run again, gives every CSV in
//! `results/reference/<name>/` byte for byte (all but `timings.csv`, which holds wall times).
//!
//! A change that moves a result on purpose regenerates them in the same commit, saying why:
//! `INITBENCH_UPDATE_REFERENCE=1 cargo test --test reference`.

mod common;

use common::Scratch;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The CSV files of a results folder that a rerun must reproduce.
fn result_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".csv") && n != "timings.csv")
        .collect()
}

/// Where two files first differ: the line number (from 1) and both lines, so a failure
/// shows the trial or cell that moved.
fn first_difference(expected: &str, got: &str) -> Option<(usize, String, String)> {
    let mut e = expected.lines();
    let mut g = got.lines();
    for n in 1.. {
        match (e.next(), g.next()) {
            (None, None) => return None,
            (a, b) if a == b => {}
            (a, b) => {
                let show = |l: Option<&str>| l.unwrap_or("(end of file)").to_string();
                return Some((n, show(a), show(b)));
            }
        }
    }
    unreachable!()
}

fn check(name: &str) {
    let scratch = Scratch::new(&format!("reference-{name}"));
    let out = scratch.path(name);
    let run = Command::new(env!("CARGO_BIN_EXE_initbench"))
        .args(["run", &format!("experiments/{name}.toml"), "--out"])
        .arg(&out)
        .current_dir(ROOT)
        .output()
        .expect("the binary runs");
    assert!(
        run.status.success(),
        "initbench run experiments/{name}.toml failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let reference = Path::new(ROOT).join("results/reference").join(name);
    if std::env::var_os("INITBENCH_UPDATE_REFERENCE").is_some() {
        let _ = std::fs::remove_dir_all(&reference);
        std::fs::create_dir_all(&reference).unwrap();
        for f in result_files(&out) {
            std::fs::copy(out.join(&f), reference.join(&f)).unwrap();
        }
        return;
    }
    let (want, got) = (result_files(&reference), result_files(&out));
    assert_eq!(
        want, got,
        "{name}: the run wrote other CSV files than results/reference/{name}/ holds"
    );
    let mut moved = Vec::new();
    for f in &want {
        let expected = std::fs::read_to_string(reference.join(f)).unwrap();
        let fresh = std::fs::read_to_string(out.join(f)).unwrap();
        if let Some((line, e, g)) = first_difference(&expected, &fresh) {
            moved.push(format!(
                "{f}, line {line}:\n  reference: {e}\n  this run:  {g}"
            ));
        }
    }
    assert!(
        moved.is_empty(),
        "{name}: results moved against results/reference/{name}/ (if on purpose, rerun with \
         INITBENCH_UPDATE_REFERENCE=1 and say why in the commit):\n{}",
        moved.join("\n")
    );
}

#[test]
fn seed_xor() {
    check("seed_xor");
}

#[test]
fn symmetry() {
    check("symmetry");
}

#[test]
fn kolen_pollack() {
    check("kolen_pollack");
}

#[test]
fn som_iris() {
    check("som_iris");
}

#[test]
fn smoke() {
    check("smoke");
}

#[test]
fn a_moved_row_is_reported_with_its_line() {
    let a = "h\n1,2\n3,4\n";
    assert_eq!(first_difference(a, a), None);
    assert_eq!(
        first_difference(a, "h\n1,2\n3,5\n"),
        Some((3, "3,4".into(), "3,5".into()))
    );
    assert_eq!(
        first_difference(a, "h\n1,2\n"),
        Some((3, "3,4".into(), "(end of file)".into()))
    );
}
