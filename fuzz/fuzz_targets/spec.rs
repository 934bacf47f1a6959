//! Arbitrary text into the spec parser, and what parses into the planner: nothing may panic.
//!
//! From the repository root (cargo install cargo-fuzz; RUSTC_BOOTSTRAP=1 lets it work on stable):
//!   RUSTC_BOOTSTRAP=1 cargo fuzz run spec -- -max_total_time=60
//!   RUSTC_BOOTSTRAP=1 cargo fuzz run spec fuzz/regressions/*   # replay saved crashes
//! Regression inputs can exceed libFuzzer's default -max_len of 4096 bytes (the trial-count
//! overflow needs ~18 KB), so fuzzing with a larger -max_len reaches more of the grid limits.
#![no_main]

use std::path::Path;

use initbench::data::DatasetSpec;
use initbench::plan::Plan;
use initbench::spec::Spec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = Spec::from_str(text, "fuzz.toml", "fuzz", Path::new(".")) else {
        return;
    };
    // Planning loads every data set: skip files on disk and grids too big to expand quickly.
    if spec.trial_count() > 10_000
        || spec
            .datasets
            .iter()
            .any(|d| matches!(d, DatasetSpec::Csv { .. }))
    {
        return;
    }
    let _ = Plan::new(spec);
});
