//! Arbitrary bytes as the files of a results folder, into every folder reader: `check` (what
//! `summarize`, `report`, `regions` and `merge` run first), the analysis and the report.
//! Nothing may panic; a bad folder is an error.
//!
//! From the repository root (see spec.rs):
//!   RUSTC_BOOTSTRAP=1 cargo fuzz run folder -- -max_total_time=60
//! The input is split at 0xFF bytes into trials.csv, curves.csv and weights.csv of a folder
//! that a tiny real run wrote once.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use initbench::analyze::{Analysis, Folder, Summary};
use initbench::plan::Plan;
use initbench::record::check;
use initbench::run::{self, Options};
use initbench::spec::Spec;
use libfuzzer_sys::fuzz_target;

const SPEC: &str = "name = \"fuzz\"\nseed = 1\nreplicates = 2\nepochs = 20\nfigures = true\n\
                    dataset = [\"xor\"]\nwidth = [2]\ninitializer = [\"zeros\", \"he_normal\"]\n";

/// A finished folder of the tiny spec, written once per process.
fn template() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("initbench-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let spec = Spec::from_str(SPEC, "fuzz.toml", "fuzz", Path::new(".")).unwrap();
        let plan = Plan::new(spec).unwrap();
        let opts = Options {
            out: Some(dir.join("good")),
            threads: 1,
            ..Options::default()
        };
        run::run(&plan, None, &opts).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let base = template();
    let dir = base.join("case");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in std::fs::read_dir(base.join("good")).unwrap() {
        let f = f.unwrap();
        if f.path().is_file() {
            std::fs::copy(f.path(), dir.join(f.file_name())).unwrap();
        }
    }
    for (name, bytes) in ["trials.csv", "curves.csv", "weights.csv"]
        .into_iter()
        .zip(data.split(|&b| b == 0xFF))
    {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let checked = check::check(&dir).is_ok();
    // The readers behind the check must not panic on what it lets through, nor on what it
    // refuses (the report's own tests read folders without checking them).
    if let Ok(folder) = Folder::read(&dir) {
        let _ = Summary::new(&folder);
        if checked {
            if let Ok(analysis) = Analysis::new(&folder) {
                let _ = initbench::report::render(&dir, &analysis);
            }
        }
    }
});
