//! Bad input: every case exits with status 2, says what is wrong and where (file, line,
//! field), and leaves no output behind.

mod common;

use common::Scratch;

/// A small valid spec; each case replaces or appends one line.
const BASE: &str = "# A tiny spec; line 4 is the case under test.\nseed = 3\nname = \"bad\"\n";

struct Case {
    name: &'static str,
    spec: &'static str,
    /// Extra files: (relative path, contents).
    files: &'static [(&'static str, &'static str)],
    /// Fragments the error message must contain.
    expect: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case { name: "toml syntax", spec: "depth = [1\n", files: &[], expect: &["spec.toml", "line 4"] },
    Case { name: "wrong type", spec: "epochs = \"many\"\n", files: &[], expect: &["spec.toml", "line"] },
    Case { name: "unknown key", spec: "depht = [1]\n", files: &[], expect: &["unknown field `depht`", "line 4"] },
    Case { name: "unknown initializer", spec: "initializer = [\"he_norm\"]\n", files: &[], expect: &["spec.toml:4:16", "initializer", "he_norm", "he_normal"] },
    Case { name: "unknown activation", spec: "activation = [\"sigmod\"]\n", files: &[], expect: &["spec.toml:4:15", "valid names", "sigmoid"] },
    Case { name: "unknown dataset", spec: "dataset = [\"mnist\"]\n", files: &[], expect: &["spec.toml:4:12", "dataset", "mnist5k"] },
    Case { name: "unknown optimizer", spec: "optimizer = [\"rmsprop\"]\n", files: &[], expect: &["spec.toml:4:14", "adam"] },
    Case { name: "depth 0", spec: "depth = [0]\n", files: &[], expect: &["spec.toml:4:10", "depth: must be between 1"] },
    Case { name: "width 0", spec: "depth = [1]\nwidth = [0]\n", files: &[], expect: &["width: must be between 1"] },
    Case { name: "lr 0", spec: "optimizer = [{ name = \"sgd\", lr = 0.0 }]\n", files: &[], expect: &["spec.toml:4:14", "lr must be > 0"] },
    Case { name: "negative lr", spec: "optimizer = [{ name = \"adam\", lr = -1 }]\n", files: &[], expect: &["lr must be > 0"] },
    Case { name: "negative std", spec: "initializer = [{ name = \"random_normal\", stddev = -1.0 }]\n", files: &[], expect: &["spec.toml:4:16", "stddev"] },
    Case { name: "min >= max", spec: "initializer = [{ name = \"random_uniform\", minval = 1.0, maxval = 0.0 }]\n", files: &[], expect: &["minval", "maxval"] },
    Case { name: "unknown parameter", spec: "initializer = [{ name = \"glorot_uniform\", stddev = 1 }]\n", files: &[], expect: &["unknown parameter `stddev`"] },
    Case { name: "empty axis", spec: "depth = []\n", files: &[], expect: &["spec.toml:4:9", "depth: the list is empty"] },
    Case { name: "replicates 0", spec: "replicates = 0\n", files: &[], expect: &["replicates: must be between 1"] },
    Case { name: "epochs 0", spec: "epochs = 0\n", files: &[], expect: &["epochs: must be between 1"] },
    Case { name: "test fraction", spec: "test_fraction = 1.5\n", files: &[], expect: &["test_fraction: must be in [0, 1)"] },
    Case { name: "duplicate value", spec: "gain = [1.0, 1.0]\n", files: &[], expect: &["gain: 1 appears twice"] },
    Case { name: "zero gain", spec: "gain = [0.0]\n", files: &[], expect: &["gain: must be > 0"] },
    Case { name: "cross entropy on linear", spec: "output_activation = \"linear\"\n", files: &[], expect: &["cross_entropy", "sigmoid"] },
    Case { name: "empty target", spec: "target = {}\n", files: &[], expect: &["target: give train_loss"] },
    Case { name: "bad target", spec: "target = { train_acc = 1.5 }\n", files: &[], expect: &["target.train_acc"] },
    Case { name: "leaky slope", spec: "activation = [{ name = \"leaky_relu\", slope = 2 }]\n", files: &[], expect: &["slope"] },
    Case { name: "orthogonal bias", spec: "bias_initializer = \"orthogonal\"\n", files: &[], expect: &["bias_initializer"] },
    Case { name: "huge grid", spec: "replicates = 1000000\ndepth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]\n", files: &[], expect: &["more than the limit"] },
    Case { name: "too wide for memory", spec: "depth = [8]\nwidth = [65536]\n", files: &[], expect: &["needs about", "GiB", "width 65536", "--max-memory"] },
    Case { name: "missing csv", spec: "dataset = [{ csv = \"nope.csv\" }]\n", files: &[], expect: &["nope.csv"] },
    Case {
        name: "ragged csv",
        spec: "dataset = [{ csv = \"d.csv\" }]\n",
        files: &[("d.csv", "a,b,label\n1,2,0\n3,4\n5,6,1\n")],
        expect: &["d.csv", "line 3"],
    },
    Case {
        name: "non-numeric cell",
        spec: "dataset = [{ csv = \"d.csv\" }]\n",
        files: &[("d.csv", "a,b,label\n1,2,0\n3,x,1\n5,6,1\n")],
        expect: &["d.csv", "line 3", "b", "x"],
    },
    Case {
        name: "nan cell",
        spec: "dataset = [{ csv = \"d.csv\" }]\n",
        files: &[("d.csv", "a,b,label\n1,2,0\n3,4,1\nNaN,6,1\n")],
        expect: &["d.csv", "line 4", "a"],
    },
    Case {
        name: "inf cell",
        spec: "dataset = [{ csv = \"d.csv\" }]\n",
        files: &[("d.csv", "a,b,label\n1,inf,0\n3,4,1\n5,6,1\n")],
        expect: &["d.csv", "line 2", "b"],
    },
    Case {
        name: "one class",
        spec: "dataset = [{ csv = \"d.csv\" }]\n",
        files: &[("d.csv", "a,label\n1,0\n2,0\n3,0\n")],
        expect: &["d.csv", "two classes"],
    },
    Case {
        name: "missing label column",
        spec: "dataset = [{ csv = \"d.csv\", label = \"y\" }]\n",
        files: &[("d.csv", "a,label\n1,0\n2,1\n")],
        expect: &["d.csv", "y", "label"],
    },
    Case {
        name: "empty csv",
        spec: "dataset = [{ csv = \"d.csv\" }]\n",
        files: &[("d.csv", "")],
        expect: &["d.csv"],
    },
];

#[test]
fn every_bad_input_exits_2_names_the_problem_and_writes_nothing() {
    for case in CASES {
        let s = Scratch::new("bad");
        s.write("spec.toml", &format!("{BASE}{}", case.spec));
        for (path, text) in case.files {
            s.write(path, text);
        }
        let r = s.run(&["run", "spec.toml"]);
        assert_eq!(
            r.code, 2,
            "{}: exit {}\nstderr: {}",
            case.name, r.code, r.stderr
        );
        for frag in case.expect {
            assert!(
                r.stderr.contains(frag),
                "{}: `{frag}` not in:\n{}",
                case.name,
                r.stderr
            );
        }
        // A plan that parses is announced before its error.
        assert!(
            r.stderr.starts_with("error: ") || r.stderr.contains(" thread\nerror: "),
            "{}: {}",
            case.name,
            r.stderr
        );
        assert!(
            !s.path("results").exists(),
            "{}: left output behind",
            case.name
        );
    }
    assert!(CASES.len() >= 30);
}

#[test]
fn a_missing_spec_file_is_bad_input() {
    let s = Scratch::new("missing");
    let r = s.run(&["run", "nowhere.toml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nowhere.toml"), "{}", r.stderr);
}

#[test]
fn unusable_output_folders_are_refused_and_left_alone() {
    let s = Scratch::new("out");
    s.write("spec.toml", BASE);
    // A file where the results folder should be.
    s.write("taken", "precious");
    let r = s.run(&["run", "spec.toml", "--out", "taken"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a folder"), "{}", r.stderr);
    assert_eq!(s.read("taken"), "precious");
    // A folder holding another spec's results.
    s.run(&["run", "spec.toml", "--out", "res"]).ok();
    let before = s.read("res/trials.csv");
    s.write("other.toml", "epochs = 3\nwidth = [2]\n");
    let r = s.run(&["run", "other.toml", "--out", "res"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("different spec"), "{}", r.stderr);
    assert_eq!(s.read("res/trials.csv"), before);
    // A folder with unrelated files.
    s.write("mine/notes.txt", "keep");
    let r = s.run(&["run", "spec.toml", "--out", "mine"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(s.read("mine/notes.txt"), "keep");
}

#[test]
fn bad_flags_are_usage_errors() {
    let s = Scratch::new("flags");
    s.write("spec.toml", BASE);
    for args in [
        &["run", "spec.toml", "--threads", "0"][..],
        &["run", "spec.toml", "--max-cohort", "0"],
        &["run", "spec.toml", "--threads", "two"],
        &["run", "spec.toml", "--threads", "5000"],
        &[
            "sample",
            "he_normal",
            "--fan-in",
            "2",
            "--fan-out",
            "3",
            "--gain",
            "nan",
        ],
        &[
            "sample",
            "he_normal",
            "--fan-in",
            "2",
            "--fan-out",
            "3",
            "--gain",
            "inf",
        ],
        &[
            "sample",
            "he_normal",
            "--fan-in",
            "2",
            "--fan-out",
            "3",
            "--gain",
            "0",
        ],
        &[
            "sample",
            "he_normal",
            "--fan-in",
            "2",
            "--fan-out",
            "3",
            "--gain=-1",
        ],
        &[
            "sample",
            "orthogonal",
            "--fan-in",
            "1000000",
            "--fan-out",
            "1000000",
        ],
        &["run", "spec.toml", "--max-memory", "0.000000001"],
        &["run", "spec.toml", "--max-memory", "0"],
        &["frobnicate"],
        &["sample", "he_normal", "--fan-in", "0", "--fan-out", "3"],
        &["sample", "he_nurmal", "--fan-in", "2", "--fan-out", "3"],
        &[
            "sample",
            "he_normal",
            "--fan-in",
            "2",
            "--fan-out",
            "3",
            "--layout",
            "sideways",
        ],
    ] {
        let r = s.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty());
    }
    assert!(!s.path("results").exists());
}

#[test]
fn a_grid_too_large_to_count_is_refused_not_a_crash() {
    // Found by the fuzz target (fuzz/regressions/trial-count-overflow.toml): the product of
    // the axis lengths overflowed 64 bits.
    let s = Scratch::new("overflow");
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/trial-count-overflow.toml"
    ))
    .unwrap();
    s.write("spec.toml", &spec);
    let r = s.run(&["plan", "spec.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("more than the limit"), "{}", r.stderr);
}

#[test]
fn reading_a_folder_that_holds_no_results_is_bad_input() {
    let s = Scratch::new("nofolder");
    s.write("empty/notes.txt", "not results");
    for dir in ["nowhere", "empty"] {
        for cmd in ["summarize", "report", "regions"] {
            let r = s.run(&[cmd, dir]);
            assert_eq!(r.code, 2, "{cmd} {dir}: {}", r.stderr);
            assert!(
                r.stderr.contains("no manifest.json"),
                "{cmd} {dir}: {}",
                r.stderr
            );
        }
    }
    assert!(!s.path("nowhere").exists());
    assert_eq!(s.read("empty/notes.txt"), "not results");
}

#[test]
fn a_name_too_long_for_a_folder_is_refused_before_anything_is_written() {
    let s = Scratch::new("longname");
    let long = "a".repeat(300);
    s.write("spec.toml", &format!("name = \"{long}\"\n"));
    let r = s.run(&["run", "spec.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("spec.toml:1"), "{}", r.stderr);
    assert!(r.stderr.contains("more than 100"), "{}", r.stderr);
    // The file's own name stands in for a missing `name`.
    let stem = "b".repeat(120);
    s.write(&format!("{stem}.toml"), "epochs = 3\n");
    let r = s.run(&["run", &format!("{stem}.toml")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("shorter `name`"), "{}", r.stderr);
    assert!(!s.path("results").exists());
}
