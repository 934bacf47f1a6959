//! Nothing lost: a run killed at any moment resumes to the same bytes as an uninterrupted
//! run; torn lines are dropped; one writer per folder; write failures are clear errors.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Scratch;

/// Many small chunks (with --max-cohort 2), so kills land between and inside writes.
const SPEC: &str = r#"
name = "resume"
seed = 5
replicates = 3
epochs = 400
batch_size = 16
figures = false
dataset = [{ name = "moons", n = 48 }, "xor"]
depth = [1, 2]
width = [6]
activation = ["tanh"]
initializer = ["zeros", "glorot_uniform", "he_normal", "lecun_normal"]
target = { train_acc = 0.9 }
"#;

fn run_args(out: &str) -> Vec<String> {
    [
        "run",
        "spec.toml",
        "--threads",
        "2",
        "--max-cohort",
        "2",
        "--out",
        out,
    ]
    .map(String::from)
    .to_vec()
}

fn files_equal(s: &Scratch, a: &str, b: &str) {
    for f in ["trials.csv", "curves.csv"] {
        let (x, y) = (s.read(&format!("{a}/{f}")), s.read(&format!("{b}/{f}")));
        assert!(x == y, "{f} differs between {a} and {b}");
    }
}

#[test]
fn killed_runs_resume_to_the_same_bytes() {
    let s = Scratch::new("kill");
    s.write("spec.toml", SPEC);
    let t0 = Instant::now();
    s.run(
        &run_args("full")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
    .ok();
    let full = t0.elapsed();
    // Kill points spread over the whole run, SIGKILL and SIGTERM alternately, from a fixed
    // sequence so a failure can be replayed.
    let mut r = initbench::rng::stream(2024, 0);
    let mut interrupted = 0;
    for k in 0..20 {
        let out = format!("k{k}");
        let delay = full.mul_f64(initbench::rng::uniform(&mut r) * 1.1);
        let mut child = Command::new(env!("CARGO_BIN_EXE_initbench"))
            .args(run_args(&out))
            .current_dir(&s.dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let signal = if k % 2 == 0 { "KILL" } else { "TERM" };
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status();
        let _ = child.wait();
        // A stale lock is taken over; a second resume must change nothing.
        let first = s.run(
            &run_args(&out)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert_eq!(
            first.code, 0,
            "kill {k} ({signal} after {delay:?}): {}",
            first.stderr
        );
        interrupted += usize::from(!first.stdout.contains(" 0 trials trained"));
        files_equal(&s, "full", &out);
        let again = s
            .run(
                &run_args(&out)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .ok();
        assert!(
            again.stdout.contains("0 trials trained"),
            "{}",
            again.stdout
        );
        files_equal(&s, "full", &out);
    }
    // Most kills must land while the run was still training, not after it ended.
    assert!(
        interrupted >= 12,
        "only {interrupted} of 20 kills interrupted a run"
    );
}

#[test]
fn torn_lines_and_orphan_curves_are_dropped_on_resume() {
    let s = Scratch::new("torn");
    s.write("spec.toml", SPEC);
    let args = run_args("a");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    s.run(&args).ok();
    let trials = s.read("a/trials.csv");
    let curves = s.read("a/curves.csv");
    // Keep the header and ten trials, then half a row; curves of trial 11 without its row.
    let lines: Vec<&str> = trials.lines().collect();
    let mut torn = lines[..11].join("\n");
    torn.push('\n');
    torn.push_str(&lines[11][..lines[11].len() / 2]);
    std::fs::write(s.path("a/trials.csv"), torn).unwrap();
    let kept_ids: Vec<&str> = lines[1..11].iter().map(|l| &l[..17]).collect();
    let next_id = &lines[11][..17];
    let mut c: String = curves
        .lines()
        .filter(|l| {
            l.starts_with("trial_id") || kept_ids.contains(&&l[..17]) || l.starts_with(next_id)
        })
        .map(|l| format!("{l}\n"))
        .collect();
    c.push_str("t00");
    std::fs::write(s.path("a/curves.csv"), c).unwrap();
    let r = s.run(&args).ok();
    assert!(
        r.stderr.contains("10 trials already recorded"),
        "{}",
        r.stderr
    );
    assert_eq!(s.read("a/trials.csv"), trials);
    assert_eq!(s.read("a/curves.csv"), curves);
}

/// A finished folder with a file deleted, rows removed or a row duplicated: the rerun trains
/// the trials those rows belong to again and ends with the bytes of the untouched run.
#[test]
fn missing_or_extra_rows_in_any_file_are_trained_again() {
    let s = Scratch::new("repair");
    s.write("spec.toml", SPEC);
    let files = [
        "trials.csv",
        "curves.csv",
        "weights.csv",
        "init_vectors.csv",
    ];
    let args = run_args("a");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    s.run(&args).ok();
    let want: Vec<String> = files.iter().map(|f| s.read(&format!("a/{f}"))).collect();
    let n = want[0].lines().count() - 1;
    let drop_lines = |f: &str, lines: std::ops::Range<usize>| {
        let text = s.read(&format!("a/{f}"));
        let kept: String = text
            .lines()
            .enumerate()
            .filter(|(i, _)| !lines.contains(i))
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        std::fs::write(s.path(&format!("a/{f}")), kept).unwrap();
    };
    type Damage<'a> = (&'a str, Box<dyn Fn() + 'a>, &'a str);
    let cases: Vec<Damage> = vec![
        (
            "trials.csv deleted",
            Box::new(|| std::fs::remove_file(s.path("a/trials.csv")).unwrap()),
            "",
        ),
        (
            "curves.csv deleted",
            Box::new(|| std::fs::remove_file(s.path("a/curves.csv")).unwrap()),
            "had missing or extra rows",
        ),
        (
            "weight rows removed",
            Box::new(|| drop_lines("weights.csv", 3..8)),
            "had missing or extra rows",
        ),
        (
            "an init-vector row doubled",
            Box::new(|| {
                let text = s.read("a/init_vectors.csv");
                let row = text.lines().nth(5).unwrap().to_string();
                std::fs::write(s.path("a/init_vectors.csv"), format!("{text}{row}\n")).unwrap();
            }),
            "1 recorded trials had missing or extra rows",
        ),
    ];
    for (what, damage, says) in cases {
        damage();
        let r = s.run(&args).ok();
        assert!(r.stderr.contains(says), "{what}: {}", r.stderr);
        for (f, want) in files.iter().zip(&want) {
            assert!(&s.read(&format!("a/{f}")) == want, "{what}: {f} differs");
        }
        // A complete folder trains nothing.
        let r = s.run(&args).ok();
        assert!(
            r.stderr
                .contains(&format!("{n} trials already recorded, 0 to train")),
            "{what}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_second_writer_is_refused() {
    let s = Scratch::new("lock");
    s.write("spec.toml", &SPEC.replace("epochs = 400", "epochs = 5000"));
    let args = run_args("a");
    let mut child = Command::new(env!("CARGO_BIN_EXE_initbench"))
        .args(&args)
        .current_dir(&s.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.path("a/initbench.lock").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let r = s.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("another initbench run"), "{}", r.stderr);
    // The killed holder left its lock; the next run takes it over and says so.
    let r = s
        .run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    assert!(r.stderr.contains("stale lock"), "{}", r.stderr);
    // An empty or garbled lock names nobody to wait for: it is taken over.
    for junk in ["", "not a lock"] {
        s.write("a/initbench.lock", junk);
        let r = s
            .run(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .ok();
        assert!(r.stderr.contains("names no process"), "{}", r.stderr);
    }
}

#[test]
fn simultaneous_starts_leave_one_writer_and_whole_files() {
    let s = Scratch::new("race");
    s.write("spec.toml", SPEC);
    s.run(&["run", "spec.toml", "--out", "single"]).ok();
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(s.path("a"));
        let children: Vec<_> = (0..5)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_initbench"))
                    .args(run_args("a"))
                    .current_dir(&s.dir)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            // Never a half-written lock, never a takeover of a live one.
            assert!(!err.contains("names no process"), "{err}");
            assert!(
                out.status.success() || err.contains("another initbench run"),
                "{err}"
            );
        }
        s.run(&run_args("a").iter().map(String::as_str).collect::<Vec<_>>())
            .ok();
        files_equal(&s, "single", "a");
    }
}

#[test]
fn write_failures_are_clear_errors_that_keep_what_was_written() {
    let s = Scratch::new("full");
    s.write("spec.toml", SPEC);
    for out in ["full", "a"] {
        let args = run_args(out);
        s.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .ok();
    }
    // Lose the first five trials, so the resumed run appends them after the others and must
    // end with a rewrite in plan order; that rewrite then meets a full disk.
    let trials = s.read("a/trials.csv");
    let lines: Vec<&str> = trials.lines().collect();
    let mut rest = vec![lines[0]];
    rest.extend(&lines[6..]);
    std::fs::write(s.path("a/trials.csv"), format!("{}\n", rest.join("\n"))).unwrap();
    std::os::unix::fs::symlink("/dev/full", s.path("a/trials.csv.tmp")).unwrap();
    let args = run_args("a");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = s.run(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("trials.csv") && r.stderr.contains("No space left"),
        "{}",
        r.stderr
    );
    // Every row is still there and whole, in the order written.
    let mut got: Vec<String> = s.read("a/trials.csv").lines().map(String::from).collect();
    let mut want: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    // With room again, the next run finishes the job: nothing to train, files in order.
    let r = s.run(&args).ok();
    assert!(r.stdout.contains("0 trials trained"), "{}", r.stdout);
    files_equal(&s, "full", "a");
    // A folder that cannot be created.
    let r = s.run(&[
        "run",
        "spec.toml",
        "--out",
        "/proc/initbench-cannot-write-here",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("/proc/initbench-cannot-write-here"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_changed_data_file_is_refused_or_started_afresh() {
    let s = Scratch::new("data-change");
    let rows = |flip: bool| {
        let mut t = String::from("a,b,label\n");
        for i in 0..24 {
            let (a, b) = ((i % 5) as f64, (i % 7) as f64);
            let y = ((a + b > 5.0) != flip) as u8;
            t.push_str(&format!("{a},{b},{y}\n"));
        }
        t
    };
    s.write("d.csv", &rows(false));
    s.write(
        "spec.toml",
        "name = \"data\"\nepochs = 5\nfigures = false\ndataset = [{ csv = \"d.csv\" }]\ninitializer = [\"zeros\", \"he_normal\"]\n",
    );
    s.run(&["run", "spec.toml", "--out", "a"]).ok();
    let manifest = s.read("a/manifest.json");
    assert!(manifest.contains("\"data_sha256\""), "{manifest}");
    let trials = s.read("a/trials.csv");

    // The same bytes resume (nothing to train); edited bytes are refused, naming the file.
    s.run(&["run", "spec.toml", "--out", "a"]).ok();
    s.write("d.csv", &rows(true));
    let r = s.run(&["run", "spec.toml", "--out", "a"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("d.csv")
            && r.stderr.contains("has changed")
            && r.stderr.contains("--fresh"),
        "{}",
        r.stderr
    );
    assert_eq!(
        s.read("a/trials.csv"),
        trials,
        "a refused run leaves the folder alone"
    );

    // --fresh trains everything again on the new data: the bytes of a run in a new folder.
    s.run(&["run", "spec.toml", "--out", "a", "--fresh"]).ok();
    s.run(&["run", "spec.toml", "--out", "b"]).ok();
    files_equal(&s, "a", "b");
    assert_ne!(s.read("a/trials.csv"), trials);
}

#[test]
fn readers_refuse_a_damaged_folder_naming_the_file_and_line() {
    let s = Scratch::new("check");
    s.write("spec.toml", SPEC);
    let args = run_args("good");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    s.run(&args).ok();
    let trials = s.read("good/trials.csv");
    let lines: Vec<&str> = trials.lines().collect();
    let status = lines[0].split(',').position(|c| c == "status").unwrap();
    let with_line = |n: usize, line: &str| -> String {
        let mut l = lines.clone();
        l[n] = line;
        l.iter().map(|l| format!("{l}\n")).collect()
    };
    let mut bad_status: Vec<&str> = lines[2].split(',').collect();
    bad_status[status] = "convergd";
    let bad_status = bad_status.join(",");
    let unknown = format!("t0000000000000000{}", &lines[1][17..]);
    let torn = &lines[2][..lines[2].len() / 2];
    let curves = s.read("good/curves.csv");
    let mut fewer_curves: Vec<&str> = curves.lines().collect();
    fewer_curves.remove(4);
    let fewer_curves: String = fewer_curves.iter().map(|l| format!("{l}\n")).collect();
    let cases: Vec<(&str, &str, String, &[&str])> = vec![
        (
            "a trial row twice",
            "trials.csv",
            format!("{trials}{}\n", lines[5]),
            &["trials.csv:50", "recorded twice (line 6 too)"],
        ),
        (
            "an unknown trial id",
            "trials.csv",
            with_line(1, &unknown),
            &[
                "trials.csv:2",
                "t0000000000000000",
                "not in this folder's plan",
            ],
        ),
        (
            "an unknown status",
            "trials.csv",
            with_line(2, &bad_status),
            &["trials.csv:3", "convergd"],
        ),
        (
            "a torn row",
            "trials.csv",
            with_line(2, torn),
            &["trials.csv:3", "fields where the header has"],
        ),
        (
            "a cut-off last row",
            "trials.csv",
            trials.trim_end().to_string(),
            &["trials.csv:49", "cut off"],
        ),
        (
            "a missing trial",
            "trials.csv",
            lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 7)
                .map(|(_, l)| format!("{l}\n"))
                .collect(),
            &[
                "trials.csv",
                "says complete but 1 planned trial(s) have no row",
            ],
        ),
        (
            "missing curve rows",
            "curves.csv",
            fewer_curves,
            &["curves.csv", "rows where it writes"],
        ),
        (
            "a curve of no trial",
            "curves.csv",
            format!(
                "{curves}t0000000000000001{}\n",
                &curves.lines().nth(1).unwrap()[17..]
            ),
            &[
                "curves.csv:",
                "t0000000000000001",
                "not in this folder's plan",
            ],
        ),
    ];
    for (what, file, text, says) in cases {
        let _ = std::fs::remove_dir_all(s.path("d"));
        for f in std::fs::read_dir(s.path("good")).unwrap() {
            let f = f.unwrap();
            if f.path().is_file() {
                std::fs::create_dir_all(s.path("d")).unwrap();
                std::fs::copy(f.path(), s.path("d").join(f.file_name())).unwrap();
            }
        }
        std::fs::write(s.path(&format!("d/{file}")), &text).unwrap();
        for cmd in ["summarize", "report", "regions"] {
            let r = s.run(&[cmd, "d"]);
            assert_eq!(r.code, 2, "{what}, {cmd}: {}", r.stderr);
            for part in says {
                assert!(
                    r.stderr.contains(part),
                    "{what}, {cmd}: no `{part}` in {}",
                    r.stderr
                );
            }
            assert!(!r.stderr.contains("UnequalLengths"), "{}", r.stderr);
            assert_eq!(
                s.read(&format!("d/{file}")),
                text,
                "{what}: {cmd} changed {file}"
            );
        }
        if what == "a torn row" {
            // `run` reads the same row the same way.
            let r = s.run(&["run", "spec.toml", "--out", "d"]);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(
                r.stderr.contains("trials.csv:3: the row has"),
                "{}",
                r.stderr
            );
        }
    }
    // A map too large for memory is refused before it is allocated.
    let r = s.run(&["regions", "good", "--grid", "100000x100000"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("use a smaller --grid"), "{}", r.stderr);
    // The undamaged folder passes every reader.
    for cmd in ["summarize", "report", "regions"] {
        s.run(&[cmd, "good"]).ok();
    }
}
