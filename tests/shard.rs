//! Shards and merge: K of N runs partition the plan, and merging them gives the bytes of a
//! single-machine run; bad merges are refused before anything is written. The generated
//! Slurm scripts are run by hand, the way Slurm would run them.

mod common;

use common::{csv, Scratch};

const SMOKE: &str = include_str!("../experiments/smoke.toml");

/// Files a merge must reproduce byte for byte.
const MERGED: [&str; 10] = [
    "trials.csv",
    "curves.csv",
    "weights.csv",
    "init_vectors.csv",
    "summary.csv",
    "comparisons.csv",
    "som_nodes.csv",
    "regions.csv",
    "separation.csv",
    "smoke.xlsx",
];

/// A file's bytes (the workbook is not text).
fn bytes(s: &Scratch, rel: &str) -> Vec<u8> {
    std::fs::read(s.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn three_shards_merge_into_the_single_run() {
    let s = Scratch::new("shards");
    s.write("smoke.toml", SMOKE);
    s.run(&["run", "smoke.toml", "--out", "single"]).ok();
    let mut total = 0;
    for k in 1..=3 {
        let r = s
            .run(&[
                "run",
                "smoke.toml",
                "--shard",
                &format!("{k}/3"),
                "--threads",
                "1",
            ])
            .ok();
        assert!(
            r.stdout.contains(&format!("results/smoke-shard-{k}-of-3/")),
            "{}",
            r.stdout
        );
        let (_, rows) = csv(&s.read(&format!("results/smoke-shard-{k}-of-3/trials.csv")));
        assert!(!rows.is_empty(), "shard {k} got no trials");
        total += rows.len();
    }
    assert_eq!(total, 24);
    let dirs: Vec<String> = (1..=3)
        .map(|k| format!("results/smoke-shard-{k}-of-3"))
        .collect();
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(String::as_str));
    let r = s.run(&args).ok();
    assert!(r.stdout.contains("results/smoke/"), "{}", r.stdout);
    for f in MERGED {
        assert!(
            bytes(&s, &format!("results/smoke/{f}")) == bytes(&s, &format!("single/{f}")),
            "{f}"
        );
    }
    let m: serde_json::Value =
        serde_json::from_str(&s.read("results/smoke/manifest.json")).unwrap();
    assert_eq!(m["state"], "complete");
    assert!(m["shard"].is_null());
    // A shard folder cannot be resumed as another shard.
    let r = s.run(&[
        "run",
        "smoke.toml",
        "--shard",
        "2/3",
        "--out",
        "results/smoke-shard-1-of-3",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn bad_merges_are_refused_and_write_nothing() {
    let s = Scratch::new("badmerge");
    s.write("smoke.toml", SMOKE);
    for k in 1..=2 {
        s.run(&["run", "smoke.toml", "--shard", &format!("{k}/2")])
            .ok();
    }
    let a = "results/smoke-shard-1-of-2";
    let b = "results/smoke-shard-2-of-2";
    // Missing: only one of two shards.
    let r = s.run(&["merge", a, "--out", "m1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("trials are missing") && r.stderr.contains(" t"),
        "{}",
        r.stderr
    );
    // Duplicates: the same shard twice.
    let r = s.run(&["merge", a, b, a, "--out", "m2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("more than once"), "{}", r.stderr);
    // Different experiments.
    s.write("other.toml", &SMOKE.replace("epochs = 30", "epochs = 31"));
    s.run(&["run", "other.toml", "--out", "other"]).ok();
    let r = s.run(&["merge", a, "other", "--out", "m3"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("different experiments"), "{}", r.stderr);
    // Not a results folder.
    let r = s.run(&["merge", "nowhere", "--out", "m4"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    for m in ["m1", "m2", "m3", "m4"] {
        assert!(!s.path(m).exists(), "{m} was written");
    }
    s.run(&["merge", b, a, "--out", "m5"]).ok();
}

#[test]
fn the_generated_slurm_scripts_run_shards_and_merge() {
    let s = Scratch::new("slurm");
    s.write("smoke.toml", SMOKE);
    let r = s
        .run(&[
            "slurm",
            "smoke.toml",
            "--shards",
            "3",
            "--cpus",
            "1",
            "--partition",
            "debug",
            "--time",
            "0:10:00",
        ])
        .ok();
    assert!(r.stdout.contains("submit.sh"), "{}", r.stdout);
    let run = s.read("results/smoke-slurm/run.sbatch");
    let merge = s.read("results/smoke-slurm/merge.sbatch");
    let submit = s.read("results/smoke-slurm/submit.sh");
    for want in [
        "#SBATCH --array=1-3",
        "#SBATCH --partition=debug",
        "#SBATCH --time=0:10:00",
        "--shard \"${SLURM_ARRAY_TASK_ID}/3\"",
    ] {
        assert!(run.contains(want), "run.sbatch lacks {want}:\n{run}");
    }
    assert!(submit.contains("--dependency=afterok:"), "{submit}");
    let list = s.read("results/smoke-slurm/shards.txt");
    assert!(merge.contains(" merge --list "), "{merge}");
    assert_eq!(list.lines().count(), 3, "{list}");
    assert!(list.lines().all(|l| l.contains("smoke-shard-")), "{list}");
    // Run them as Slurm would: each array task with its id, then the merge.
    for k in 1..=3 {
        let st = std::process::Command::new("bash")
            .arg(s.path("results/smoke-slurm/run.sbatch"))
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .current_dir(&s.dir)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "task {k}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    }
    let st = std::process::Command::new("bash")
        .arg(s.path("results/smoke-slurm/merge.sbatch"))
        .current_dir(&s.dir)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "merge: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    s.run(&["run", "smoke.toml", "--out", "single"]).ok();
    for f in MERGED {
        assert!(
            bytes(&s, &format!("results/smoke/{f}")) == bytes(&s, &format!("single/{f}")),
            "{f}"
        );
    }
}

#[test]
fn more_shards_than_trials_give_empty_valid_shards() {
    let s = Scratch::new("empty-shards");
    s.write("smoke.toml", SMOKE);
    let trials = s.run(&["plan", "smoke.toml"]).ok();
    let n: usize = trials
        .stdout
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let shards = n + 3;
    let mut dirs = Vec::new();
    for k in 1..=shards {
        let dir = format!("s{k}");
        s.run(&[
            "run",
            "smoke.toml",
            "--shard",
            &format!("{k}/{shards}"),
            "--out",
            &dir,
        ])
        .ok();
        dirs.push(dir);
    }
    let empty = dirs
        .iter()
        .filter(|d| s.read(&format!("{d}/trials.csv")).lines().count() == 1);
    assert!(empty.count() >= 3);
    let mut args = vec!["merge", "--out", "m"];
    args.extend(dirs.iter().map(String::as_str));
    s.run(&args).ok();
    s.run(&["run", "smoke.toml", "--out", "single"]).ok();
    for f in MERGED {
        assert!(
            bytes(&s, &format!("m/{f}")) == bytes(&s, &format!("single/{f}")),
            "{f}"
        );
    }
    // `slurm` writes no more shards than trials, and says so.
    let many = (n * 10).to_string();
    let r = s.run(&["slurm", "smoke.toml", "--shards", &many]).ok();
    assert!(
        r.stderr.contains(&format!("writing {n} shards")),
        "{}",
        r.stderr
    );
    assert!(s
        .read("results/smoke-slurm/run.sbatch")
        .contains(&format!("--array=1-{n}\n")));
}

#[test]
fn slurm_values_are_checked_and_paths_quoted() {
    let s = Scratch::new("slurm-values");
    s.write("smoke.toml", SMOKE);
    for (flag, value) in [
        ("--partition", "debug\nrm -rf ~"),
        ("--partition", "a b"),
        ("--partition", ""),
        ("--time", "banana"),
        ("--time", "1:2:3:4"),
        ("--time", "2-"),
        ("--cpus", "100000"),
    ] {
        let r = s.run(&["slurm", "smoke.toml", "--shards", "2", flag, value]);
        assert_eq!(r.code, 2, "{flag} {value:?}: {}", r.stderr);
        assert!(r.stderr.contains(flag), "{flag} {value:?}: {}", r.stderr);
    }
    assert!(!s.path("results").exists());
    for time in [
        "30",
        "30:00",
        "1:00:00",
        "2-12",
        "2-12:30",
        "2-12:30:00",
        "UNLIMITED",
    ] {
        s.run(&["slurm", "smoke.toml", "--shards", "2", "--time", time])
            .ok();
    }
    // A folder whose name a shell would expand or split runs as written.
    let odd = "it's $HOME `x` dir";
    s.write(&format!("{odd}/smoke.toml"), SMOKE);
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_initbench"))
        .args(["slurm", "smoke.toml", "--shards", "2", "--cpus", "1"])
        .current_dir(s.path(odd))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    for k in 1..=2 {
        let st = std::process::Command::new("bash")
            .arg(s.path(&format!("{odd}/results/smoke-slurm/run.sbatch")))
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .current_dir(&s.dir)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "task {k}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    }
    let st = std::process::Command::new("bash")
        .arg(s.path(&format!("{odd}/results/smoke-slurm/merge.sbatch")))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "merge: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert!(s.path(&format!("{odd}/results/smoke/trials.csv")).is_file());
}
