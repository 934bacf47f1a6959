//! `initbench diff A B` on real results folders: identical runs say nothing moved, a changed
//! cell is flagged with its interval and the first changed trial is named column by column,
//! different trials are counted on each side, and a folder that is not results is refused.

mod common;

use common::{csv, Scratch};

const SEED_XOR: &str = include_str!("../experiments/seed_xor.toml");

/// The seed study's folder copied to `to`, with every converged `random_uniform` trial made
/// one that never reached its target.
fn sabotage(s: &Scratch, from: &str, to: &str) -> usize {
    std::fs::create_dir_all(s.path(to)).unwrap();
    for e in std::fs::read_dir(s.path(from)).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), s.path(to).join(e.file_name())).unwrap();
        }
    }
    let (header, mut rows) = csv(&s.read(&format!("{to}/trials.csv")));
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (init, status, epochs) = (col("initializer"), col("status"), col("epochs_to_target"));
    let mut changed = 0;
    for r in &mut rows {
        if r[init].starts_with("random_uniform") && r[status] == "converged" {
            r[status] = "not_converged".into();
            r[epochs].clear();
            changed += 1;
        }
    }
    let mut w = csv::Writer::from_path(s.path(&format!("{to}/trials.csv"))).unwrap();
    w.write_record(&header).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    changed
}

#[test]
fn identical_runs_say_nothing_moved() {
    let s = Scratch::new("diff-same");
    s.write("seed_xor.toml", SEED_XOR);
    s.run(&["run", "seed_xor.toml", "--out", "a"]).ok();
    s.run(&["run", "seed_xor.toml", "--out", "b", "--threads", "1"])
        .ok();
    let out = s.run(&["diff", "a", "b"]).ok().stdout;
    assert!(
        out.contains("Trials: 700 identical, 0 changed, 0 only in A, 0 only in B."),
        "{out}"
    );
    assert!(out.contains("nothing moved"), "{out}");
    assert!(out.contains("0 of 7 moved"), "{out}");
}

#[test]
fn a_moved_cell_is_flagged_and_the_first_changed_trial_named() {
    let s = Scratch::new("diff-moved");
    s.write("seed_xor.toml", SEED_XOR);
    s.run(&["run", "seed_xor.toml", "--out", "a"]).ok();
    let changed = sabotage(&s, "a", "b");
    assert!(changed > 80, "random_uniform converged {changed} times");
    let out = s.run(&["diff", "a", "b"]).ok().stdout;
    assert!(
        out.contains(&format!(
            "{} identical, {changed} changed, 0 only in A",
            700 - changed
        )),
        "{out}"
    );
    assert!(!out.contains("nothing moved"), "{out}");
    let first = out
        .lines()
        .find(|l| l.starts_with("First changed trial"))
        .unwrap();
    assert!(
        first.contains("status converged → not_converged"),
        "{first}"
    );
    assert!(
        first.contains("epochs_to_target ") && first.contains("→ (empty)"),
        "{first}"
    );
    assert!(out.contains("1 of 7 moved"), "{out}");
    // Flagged cells come first: the table's first row is the sabotaged cell.
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("---"))
        .skip(1)
        .collect();
    let row = rows[0];
    assert!(row.starts_with("random_uniform"), "{row}");
    assert!(
        row.contains(&format!("{changed}/100")) && row.contains("0/100"),
        "{row}"
    );
    assert!(row.contains(&format!("-{changed}% (")), "{row}");
    assert!(row.ends_with("success rate, time to target"), "{row}");
    // The other six cells are unchanged, so nothing else is flagged.
    assert!(
        rows[1..].iter().all(|r| !r.contains("success rate")),
        "{out}"
    );
}

#[test]
fn other_seeds_are_other_trials_but_the_same_cells() {
    let s = Scratch::new("diff-seeds");
    s.write("a.toml", SEED_XOR);
    s.write("b.toml", &SEED_XOR.replace("\nseed = 0\n", "\nseed = 1\n"));
    s.run(&["run", "a.toml", "--out", "a"]).ok();
    s.run(&["run", "b.toml", "--out", "b"]).ok();
    let out = s.run(&["diff", "a", "b"]).ok().stdout;
    assert!(
        out.contains("0 identical, 0 changed, 700 only in A, 700 only in B"),
        "{out}"
    );
    assert!(
        out.contains("Cells: 7 in both, 0 only in A, 0 only in B."),
        "{out}"
    );
}

#[test]
fn a_folder_that_is_not_results_is_refused() {
    let s = Scratch::new("diff-bad");
    s.write("seed_xor.toml", SEED_XOR);
    s.run(&["run", "seed_xor.toml", "--out", "a"]).ok();
    std::fs::create_dir_all(s.path("empty")).unwrap();
    let r = s.run(&["diff", "a", "empty"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("manifest.json"), "{}", r.stderr);
}
