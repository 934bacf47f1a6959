//! Training a spec, and splitting one over a Slurm array.

use std::io::IsTerminal;
use std::path::Path;

use crate::error::{Error, Result};
use crate::plan::shard::Shard;
use crate::plan::Plan;
use crate::run::{self, Options};

use super::args::{RunArgs, SlurmArgs};
use super::{count, load_spec, print_out};

/// Far more than any machine's cores: a bound against typos such as `--threads 5000`.
const MAX_THREADS: usize = 1024;

pub(super) fn run_spec(args: RunArgs) -> Result<()> {
    let threads = match args.threads {
        Some(n) if !(1..=MAX_THREADS).contains(&n) => {
            return Err(Error::Input(format!(
                "--threads must be between 1 and {MAX_THREADS}, got {n}"
            )))
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    if args.max_cohort == Some(0) {
        return Err(Error::Input("--max-cohort must be at least 1".into()));
    }
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(Error::Input)?;
    let spec = load_spec(&args.spec)?;
    let plan = Plan::new(spec)?;
    // More threads than trials would only wait; results do not depend on the count.
    let threads = threads.min(plan.trials.len().max(1));
    eprintln!(
        "{}: {} trials in {} on {}{}",
        plan.spec.name,
        plan.trials.len(),
        count(plan.cohorts.len(), "cohort"),
        count(threads, "thread"),
        shard.map_or(String::new(), |s| format!(", shard {s}"))
    );
    let opts = Options {
        out: args.out,
        threads,
        max_cohort: args.max_cohort,
        progress: std::io::stderr().is_terminal(),
        shard,
        fresh: args.fresh,
        memory: crate::memory::Limit::new(args.max_memory)?,
    };
    let report = run::run(&plan, Some(&args.spec), &opts)?;
    let (summary, written) = run::finish(&report.dir, threads)?;
    print_out(&format!(
        "{}\n{} trials trained in {:.2} s{}. Results: {}/ (trials.csv, summary.csv, comparisons.csv, {}.xlsx, curves.csv, weights.csv, init_vectors.csv, timings.csv, {}manifest.json)\n{}\n",
        crate::analyze::summary::table(&summary.cells, 40),
        report.trained,
        report.seconds,
        if report.resumed > 0 { format!(" ({} were already recorded)", report.resumed) } else { String::new() },
        report.dir.display(),
        plan.spec.name,
        if plan.spec.record_layers { "layers.csv, " } else { "" },
        match written {
            Some(w) => format!("Report: {}", w.markdown.display()),
            None if summary.cells.is_empty() => "No report: this shard holds none of the plan's trials.".to_string(),
            None => "No figures (the spec says figures = false).".to_string(),
        }
    ));
    Ok(())
}

pub(super) fn slurm(args: &SlurmArgs) -> Result<()> {
    let plan = Plan::new(load_spec(&args.spec)?)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}-slurm", plan.spec.name)));
    let trials = u32::try_from(plan.trials.len()).unwrap_or(u32::MAX).max(1);
    let shards = match args.shards > trials {
        true => {
            eprintln!(
                "warning: --shards {} is more than the {trials} trials; writing {trials} shards",
                args.shards
            );
            trials
        }
        false => args.shards,
    };
    let req = crate::slurm::Request {
        shards,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus: args.cpus,
    };
    let scripts = crate::slurm::write(&plan, &args.spec, &req, &dir)?;
    print_out(&format!(
        "Wrote run.sbatch (an array of {} shards), merge.sbatch, shards.txt and submit.sh in {}/\nSubmit with: {}\n",
        shards,
        scripts.dir.display(),
        scripts.submit.display()
    ));
    Ok(())
}
