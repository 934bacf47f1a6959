//! The command line's grammar: every command and flag, with the help text clap prints.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::DEFAULT_SPEC;

#[derive(Parser, Debug)]
#[command(
    name = "initbench",
    version,
    about = "Measure how the initial weights of a neural network decide whether it trains",
    long_about = "Measure how the initial weights of a neural network decide whether it trains.\n\nWith no command, runs experiments/seed_xor.toml (the seed notebook's XOR study)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub(super) command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Train every trial of a spec and write trials.csv, curves.csv, timings.csv, manifest.json
    Run(RunArgs),
    /// Show how many trials and cohorts a spec expands to, without training
    Plan {
        /// Experiment spec (TOML)
        spec: PathBuf,
    },
    /// List the initializers, activations, optimizers and data sets, with their parameters
    List,
    /// Print samples of an initializer, one per line
    Sample(SampleArgs),
    /// Merge shard folders into one, identical to a single-machine run
    Merge {
        /// Shard folders (results/<name>-shard-K-of-N)
        #[arg(required_unless_present = "list")]
        dirs: Vec<PathBuf>,
        /// A file naming the shard folders, one per line (what `slurm`'s merge step passes, so
        /// thousands of shards never exceed the system's argument limit)
        #[arg(long)]
        list: Option<PathBuf>,
        /// Merged folder [default: results/<spec name>]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write Slurm scripts that run a spec as an array of shards and merge them
    Slurm(SlurmArgs),
    /// Write summary.csv, comparisons.csv and the workbook (<name>.xlsx) for a results folder
    /// (no training)
    Summarize {
        /// Results folder
        dir: PathBuf,
    },
    /// Map which regions of initial-weight space train, with a self-organizing map (no training)
    Regions(RegionsArgs),
    /// Mean-field theory of deep random networks: q*, χ₁, c*, depth scales, the critical σ_w²
    Theory(TheoryArgs),
    /// Compare two results folders trial by trial and cell by cell (success rate, time to
    /// target, accuracy), flagging the cells that moved
    Diff {
        /// The first results folder (A)
        a: PathBuf,
        /// The second results folder (B)
        b: PathBuf,
    },
    /// Draw the figures and write report.md for a results folder (no training)
    Report {
        /// Results folder
        dir: PathBuf,
    },
}

#[derive(Args, Debug)]
pub(super) struct RegionsArgs {
    /// Results folder
    pub(super) dir: PathBuf,
    /// What to map: whole initial vectors (small nets), per-layer features, or auto
    #[arg(long, default_value = "auto", value_parser = ["auto", "vectors", "features"])]
    pub(super) input: String,
    /// Map size as ROWSxCOLS [default: from the data]
    #[arg(long)]
    pub(super) grid: Option<String>,
    /// Keep hidden units in their recorded order (default: a canonical order that removes
    /// permutation symmetry)
    #[arg(long)]
    pub(super) raw_order: bool,
    /// Memory the work may take, in GiB [default: what the system reports available]
    #[arg(long, value_name = "GIB")]
    pub(super) max_memory: Option<f64>,
}

#[derive(Args, Debug)]
pub(super) struct TheoryArgs {
    /// Hidden activation (see `initbench list`)
    #[arg(long)]
    pub(super) activation: String,
    /// An activation parameter, e.g. --param slope=0.1 (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub(super) params: Vec<String>,
    /// Bias variance σ_b²
    #[arg(long, default_value_t = 0.0)]
    pub(super) sigma_b2: f64,
    /// Weight variances σ_w² for the table [default: 0.5, 0.75, …, 4]
    #[arg(long, value_delimiter = ',')]
    pub(super) sigma_w2: Vec<f64>,
}

#[derive(Args, Debug)]
pub(super) struct SlurmArgs {
    /// Experiment spec (TOML)
    pub(super) spec: PathBuf,
    /// Array tasks, one shard each
    #[arg(long)]
    pub(super) shards: u32,
    /// Slurm partition
    #[arg(long)]
    pub(super) partition: Option<String>,
    /// Time limit per task, in Slurm's format (e.g. 2:00:00)
    #[arg(long)]
    pub(super) time: Option<String>,
    /// CPUs per task (initbench uses them all)
    #[arg(long, default_value_t = 2)]
    pub(super) cpus: u32,
    /// Folder for the scripts and the job logs [default: results/<spec name>-slurm]
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// Experiment spec (TOML)
    #[arg(default_value = DEFAULT_SPEC)]
    pub(super) spec: PathBuf,
    /// Results folder [default: results/<spec name>]
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    /// Worker threads [default: all cores]
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// Most networks trained together in one tensor program (results do not depend on it)
    #[arg(long)]
    pub(super) max_cohort: Option<usize>,
    /// Run only shard K of N (1 ≤ K ≤ N), e.g. --shard 2/4; merge the shards with `merge`
    #[arg(long, value_name = "K/N")]
    pub(super) shard: Option<String>,
    /// Discard the results already in the folder (e.g. after a data file changed) and train
    /// every trial again
    #[arg(long)]
    pub(super) fresh: bool,
    /// Memory the work may take, in GiB [default: what the system reports available]
    #[arg(long, value_name = "GIB")]
    pub(super) max_memory: Option<f64>,
}

#[derive(Args, Debug)]
pub(super) struct SampleArgs {
    /// Initializer name (see `initbench list`)
    pub(super) name: String,
    /// Inputs of the layer
    #[arg(long)]
    pub(super) fan_in: usize,
    /// Outputs of the layer
    #[arg(long)]
    pub(super) fan_out: usize,
    /// Multiplies every sample
    #[arg(long, default_value_t = 1.0)]
    pub(super) gain: f64,
    #[arg(long, default_value_t = 0)]
    pub(super) seed: u64,
    /// How many values [default: one matrix, fan_in × fan_out]
    #[arg(long)]
    pub(super) n: Option<usize>,
    /// Matrix layout: in-out (Keras kernel) or out-in (PyTorch weight)
    #[arg(long, default_value = "in-out")]
    pub(super) layout: String,
    /// An initializer parameter, e.g. --param stddev=1 (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub(super) params: Vec<String>,
    /// Memory the work may take, in GiB [default: what the system reports available]
    #[arg(long, value_name = "GIB")]
    pub(super) max_memory: Option<f64>,
}
