//! The analysis of two fixed results folders, byte for byte: `tests/fixtures/analysis/*` holds
//! a run's results files (`trials.csv`, `curves.csv`, `weights.csv`, `init_vectors.csv`,
//! `timings.csv`, `manifest.json`, with `figures` set to false so no report is drawn; a whole
//! folder, since `summarize` checks it as one) and the
//! `summary.csv`, `comparisons.csv` and weight-space map files that the row-at-a-time
//! analysis wrote from them before it streamed (`smoke`: the smoke spec, features input;
//! `kp_tiny`: `spec.toml`, a small Kolen & Pollack sweep, whole-vector input). Any change to
//! a statistic, the bootstrap streams, the map or the formatting shows here, as does any
//! dependence on the number of threads.

mod common;

use std::path::Path;

use common::Scratch;

const INPUTS: [&str; 6] = [
    "trials.csv",
    "curves.csv",
    "weights.csv",
    "init_vectors.csv",
    "timings.csv",
    "manifest.json",
];
const OUTPUTS: [&str; 6] = [
    "summary.csv",
    "comparisons.csv",
    "som_nodes.csv",
    "regions.csv",
    "separation.csv",
    "som_fit.csv",
];

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/analysis")
        .join(name)
}

fn check(name: &str) {
    for threads in [1, 3] {
        let s = Scratch::new(&format!("golden-{name}"));
        for f in INPUTS {
            std::fs::copy(fixture(name).join(f), s.path(f)).unwrap();
        }
        let (summary, report) = initbench::run::finish(&s.dir, threads).unwrap();
        assert!(report.is_none());
        assert!(!summary.cells.is_empty());
        for f in OUTPUTS {
            let expected = std::fs::read(fixture(name).join(f)).unwrap();
            let got = std::fs::read(s.path(f)).unwrap_or_default();
            assert!(
                got == expected,
                "{name}/{f} on {threads} threads differs from the fixture:\n{}",
                String::from_utf8_lossy(&got)
            );
        }
        // `initbench summarize` rewrites the same bytes.
        initbench::run::summarize(&s.dir, 2).unwrap();
        for f in &OUTPUTS[..2] {
            assert_eq!(
                std::fs::read(s.path(f)).unwrap(),
                std::fs::read(fixture(name).join(f)).unwrap(),
                "{name}/{f} from summarize"
            );
        }
    }
}

#[test]
fn smoke_analysis_is_byte_identical() {
    check("smoke");
}

#[test]
fn vector_map_analysis_is_byte_identical() {
    check("kp_tiny");
}
