//! Shards and merge: K of N runs partition the plan, and merging them gives the bytes of a
//! single-machine run; bad merges are refused before anything is written. The generated
//! Slurm scripts are run by hand, the way Slurm would run them.

mod common;

use common::{csv, Scratch};

const SMOKE: &str = include_str!("../experiments/smoke.toml");

/// Files a merge must reproduce byte for byte.
const MERGED: [&str; 9] = [
    "trials.csv",
    "curves.csv",
    "weights.csv",
    "init_vectors.csv",
    "summary.csv",
    "comparisons.csv",
    "som_nodes.csv",
    "regions.csv",
    "separation.csv",
];

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
            s.read(&format!("results/smoke/{f}")) == s.read(&format!("single/{f}")),
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
    assert!(
        merge.contains(" merge ") && merge.contains("smoke-shard-3-of-3"),
        "{merge}"
    );
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
            s.read(&format!("results/smoke/{f}")) == s.read(&format!("single/{f}")),
            "{f}"
        );
    }
}
