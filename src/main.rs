//! The `initbench` binary: parse arguments, run, print any error once, exit 0, 1 or 2.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Before any thread starts: see `setup_process`.
    initbench::train::setup_process();
    match initbench::cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
