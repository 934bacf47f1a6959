//! The command line: a thin layer that parses flags and calls the library. [`args`] holds
//! the grammar; each command's handler sits with its kind: training ([`train`]), looking at
//! specs and theory ([`inspect`]), drawing initial weights ([`sample`]).

mod args;
mod inspect;
mod sample;
mod train;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;

use self::args::{Cli, Command, RunArgs};
use crate::error::{Error, Result};
use crate::run;
use crate::spec::Spec;

/// The experiment `cargo run --release` runs, shipped inside the binary too so it runs from
/// anywhere.
pub const DEFAULT_SPEC: &str = "experiments/seed_xor.toml";
const DEFAULT_SPEC_TEXT: &str = include_str!("../../experiments/seed_xor.toml");

/// Parses the command line and runs it.
pub fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => train::run_spec(RunArgs {
            spec: PathBuf::from(DEFAULT_SPEC),
            out: None,
            threads: None,
            max_cohort: None,
            shard: None,
            fresh: false,
            max_memory: None,
        }),
        Some(Command::Run(args)) => train::run_spec(args),
        Some(Command::Plan { spec }) => inspect::plan(&spec),
        Some(Command::List) => {
            inspect::list();
            Ok(())
        }
        Some(Command::Sample(args)) => sample::sample(&args),
        Some(Command::Merge {
            mut dirs,
            list,
            out,
        }) => {
            if let Some(list) = list {
                let text = std::fs::read_to_string(&list)
                    .map_err(|e| Error::Input(format!("--list {}: {e}", list.display())))?;
                dirs.extend(text.lines().filter(|l| !l.is_empty()).map(PathBuf::from));
            }
            let (dir, _) = crate::record::merge::merge(&dirs, out.as_deref())?;
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let (summary, _) = run::finish(&dir, threads)?;
            print_out(&format!(
                "{}\nMerged {} folders into {}/\n",
                crate::analyze::summary::table(&summary.cells, 40),
                dirs.len(),
                dir.display()
            ));
            Ok(())
        }
        Some(Command::Summarize { dir }) => {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let (summary, book) = run::summarize(&dir, threads)?;
            print_out(&format!(
                "{}\nWrote {}/summary.csv ({} cells), comparisons.csv ({} pairs) and {}\n",
                crate::analyze::summary::table(&summary.cells, 40),
                dir.display(),
                summary.cells.len(),
                summary.comparisons.len(),
                book.file_name().unwrap_or_default().to_string_lossy()
            ));
            Ok(())
        }
        Some(Command::Slurm(args)) => train::slurm(&args),
        Some(Command::Regions(args)) => inspect::regions(&args),
        Some(Command::Theory(args)) => inspect::theory(&args),
        Some(Command::Diff { a, b }) => {
            let diff = crate::analyze::diff::Diff::new(&a, &b)?;
            print_out(&crate::report::diff::text(&diff));
            Ok(())
        }
        Some(Command::Report { dir }) => {
            let report = run::report(&dir)?;
            print_out(&format!(
                "Wrote {} with {} figures (SVG and PNG) in {}/\n",
                report.markdown.display(),
                report.figures.len(),
                dir.join(crate::report::FIGURE_DIR).display()
            ));
            Ok(())
        }
    }
}

fn load_spec(path: &Path) -> Result<Spec> {
    if path == Path::new(DEFAULT_SPEC) && !path.exists() {
        return Spec::from_str(DEFAULT_SPEC_TEXT, DEFAULT_SPEC, "seed_xor", Path::new("."));
    }
    Spec::from_file(path)
}

/// "1 cohort", "3 cohorts".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print_out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
