//! The command line: a thin layer that parses flags and calls the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::init::{Initializer, Layout};
use crate::params::{Params, Value};
use crate::plan::shard::Shard;
use crate::plan::Plan;
use crate::run::{self, Options};
use crate::spec::Spec;

/// The experiment `cargo run --release` runs, shipped inside the binary too so it runs from
/// anywhere.
pub const DEFAULT_SPEC: &str = "experiments/seed_xor.toml";
const DEFAULT_SPEC_TEXT: &str = include_str!("../experiments/seed_xor.toml");

#[derive(Parser, Debug)]
#[command(
    name = "initbench",
    version,
    about = "Measure how the initial weights of a neural network decide whether it trains",
    long_about = "Measure how the initial weights of a neural network decide whether it trains.\n\nWith no command, runs experiments/seed_xor.toml (the seed notebook's XOR study)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
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
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Merged folder [default: results/<spec name>]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write Slurm scripts that run a spec as an array of shards and merge them
    Slurm(SlurmArgs),
    /// Write summary.csv and comparisons.csv for a results folder (no training)
    Summarize {
        /// Results folder
        dir: PathBuf,
    },
    /// Map which regions of initial-weight space train, with a self-organizing map (no training)
    Regions(RegionsArgs),
    /// Mean-field theory of deep random networks: q*, χ₁, c*, depth scales, the critical σ_w²
    Theory(TheoryArgs),
    /// Draw the figures and write report.md for a results folder (no training)
    Report {
        /// Results folder
        dir: PathBuf,
    },
}

#[derive(Args, Debug)]
struct RegionsArgs {
    /// Results folder
    dir: PathBuf,
    /// What to map: whole initial vectors (small nets), per-layer features, or auto
    #[arg(long, default_value = "auto", value_parser = ["auto", "vectors", "features"])]
    input: String,
    /// Map size as ROWSxCOLS [default: from the data]
    #[arg(long)]
    grid: Option<String>,
    /// Keep hidden units in their recorded order (default: a canonical order that removes
    /// permutation symmetry)
    #[arg(long)]
    raw_order: bool,
}

#[derive(Args, Debug)]
struct TheoryArgs {
    /// Hidden activation (see `initbench list`)
    #[arg(long)]
    activation: String,
    /// An activation parameter, e.g. --param slope=0.1 (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Bias variance σ_b²
    #[arg(long, default_value_t = 0.0)]
    sigma_b2: f64,
    /// Weight variances σ_w² for the table [default: 0.5, 0.75, …, 4]
    #[arg(long, value_delimiter = ',')]
    sigma_w2: Vec<f64>,
}

#[derive(Args, Debug)]
struct SlurmArgs {
    /// Experiment spec (TOML)
    spec: PathBuf,
    /// Array tasks, one shard each
    #[arg(long)]
    shards: u32,
    /// Slurm partition
    #[arg(long)]
    partition: Option<String>,
    /// Time limit per task, in Slurm's format (e.g. 2:00:00)
    #[arg(long)]
    time: Option<String>,
    /// CPUs per task (initbench uses them all)
    #[arg(long, default_value_t = 2)]
    cpus: u32,
    /// Folder for the scripts and the job logs [default: results/<spec name>-slurm]
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Experiment spec (TOML)
    #[arg(default_value = DEFAULT_SPEC)]
    spec: PathBuf,
    /// Results folder [default: results/<spec name>]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores]
    #[arg(long)]
    threads: Option<usize>,
    /// Most networks trained together in one tensor program (results do not depend on it)
    #[arg(long)]
    max_cohort: Option<usize>,
    /// Run only shard K of N (1 ≤ K ≤ N), e.g. --shard 2/4; merge the shards with `merge`
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
}

#[derive(Args, Debug)]
struct SampleArgs {
    /// Initializer name (see `initbench list`)
    name: String,
    /// Inputs of the layer
    #[arg(long)]
    fan_in: usize,
    /// Outputs of the layer
    #[arg(long)]
    fan_out: usize,
    /// Multiplies every sample
    #[arg(long, default_value_t = 1.0)]
    gain: f64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How many values [default: one matrix, fan_in × fan_out]
    #[arg(long)]
    n: Option<usize>,
    /// Matrix layout: in-out (Keras kernel) or out-in (PyTorch weight)
    #[arg(long, default_value = "in-out")]
    layout: String,
    /// An initializer parameter, e.g. --param stddev=1 (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
}

/// Parses the command line and runs it.
pub fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => run_spec(RunArgs {
            spec: PathBuf::from(DEFAULT_SPEC),
            out: None,
            threads: None,
            max_cohort: None,
            shard: None,
        }),
        Some(Command::Run(args)) => run_spec(args),
        Some(Command::Plan { spec }) => plan(&spec),
        Some(Command::List) => {
            list();
            Ok(())
        }
        Some(Command::Sample(args)) => sample(&args),
        Some(Command::Merge { dirs, out }) => {
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
            let summary = run::summarize(&dir, threads)?;
            print_out(&format!(
                "{}\nWrote {}/summary.csv ({} cells) and comparisons.csv ({} pairs)\n",
                crate::analyze::summary::table(&summary.cells, 40),
                dir.display(),
                summary.cells.len(),
                summary.comparisons.len()
            ));
            Ok(())
        }
        Some(Command::Slurm(args)) => slurm(&args),
        Some(Command::Regions(args)) => regions(&args),
        Some(Command::Theory(args)) => theory(&args),
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

fn run_spec(args: RunArgs) -> Result<()> {
    let threads = match args.threads {
        Some(0) => return Err(Error::Input("--threads must be at least 1".into())),
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
    };
    let report = run::run(&plan, Some(&args.spec), &opts)?;
    let (summary, written) = run::finish(&report.dir, threads)?;
    print_out(&format!(
        "{}\n{} trials trained in {:.2} s{}. Results: {}/ (trials.csv, summary.csv, comparisons.csv, curves.csv, weights.csv, init_vectors.csv, timings.csv, {}manifest.json)\n{}\n",
        crate::analyze::summary::table(&summary.cells, 40),
        report.trained,
        report.seconds,
        if report.resumed > 0 { format!(" ({} were already recorded)", report.resumed) } else { String::new() },
        report.dir.display(),
        if plan.spec.record_layers { "layers.csv, " } else { "" },
        match written {
            Some(w) => format!("Report: {}", w.markdown.display()),
            None => "No figures (the spec says figures = false).".to_string(),
        }
    ));
    Ok(())
}

fn regions(args: &RegionsArgs) -> Result<()> {
    use crate::analyze::regions::{self, Input};
    let grid = match &args.grid {
        None => None,
        Some(g) => {
            let parsed = g
                .split_once('x')
                .and_then(|(r, c)| Some((r.parse::<usize>().ok()?, c.parse::<usize>().ok()?)))
                .filter(|&(r, c)| r >= 1 && c >= 1 && r * c >= 2);
            Some(parsed.ok_or_else(|| {
                Error::Input(format!("--grid: expected ROWSxCOLS, e.g. 6x8, got `{g}`"))
            })?)
        }
    };
    let input = match args.input.as_str() {
        "vectors" => Input::Vectors,
        "features" => Input::Features,
        _ => Input::Auto,
    };
    let opts = regions::Options {
        input,
        grid,
        raw_order: args.raw_order,
    };
    let r = regions::regions(&args.dir, &opts)?;
    let mut text = format!(
        "Mapped {} trials ({} of {} dimensions) on a {}x{} SOM: quantization error {:.3}, topographic error {:.3}\n",
        r.nodes.iter().map(|n| n.hits).sum::<usize>(),
        if r.input == crate::record::schema::MapInput::Vectors { "initial weight vectors" } else { "features" },
        r.dims,
        r.som.rows,
        r.som.cols,
        r.quantization_error,
        r.topographic_error
    );
    if let Some(c) = &r.chi_square {
        text.push_str(&format!(
            "node × outcome: χ² = {:.1}, df = {}, p = {:.3e} (smallest expected count {:.1})\n",
            c.statistic, c.df, c.p_value, c.min_expected
        ));
    }
    text.push_str("features that separate success from failure (AUC, best single rule):\n");
    for s in r.separation.iter().take(5) {
        text.push_str(&format!("  {}\n", s.describe()));
    }
    text.push_str(&format!(
        "Wrote som_nodes.csv, regions.csv, separation.csv and som_fit.csv in {}/\n",
        args.dir.display()
    ));
    print_out(&text);
    Ok(())
}

fn theory(args: &TheoryArgs) -> Result<()> {
    let mut p = Params::new("activation", args.activation.clone());
    for kv in &args.params {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Error::Input(format!("--param: expected KEY=VALUE, got `{kv}`")))?;
        let value = v
            .parse::<f64>()
            .map(Value::Num)
            .map_err(|_| Error::Input(format!("--param {k}: expected a number, got `{v}`")))?;
        p = p.with(k, value);
    }
    let act = crate::model::Activation::parse(p).map_err(Error::Input)?;
    if !(args.sigma_b2 >= 0.0 && args.sigma_b2.is_finite()) {
        return Err(Error::Input(format!(
            "--sigma-b2 must be ≥ 0, got {}",
            args.sigma_b2
        )));
    }
    if let Some(bad) = args.sigma_w2.iter().find(|w| !(**w > 0.0 && w.is_finite())) {
        return Err(Error::Input(format!(
            "--sigma-w2 values must be > 0, got {bad}"
        )));
    }
    let grid = if args.sigma_w2.is_empty() {
        crate::theory::default_sigma_w2_grid()
    } else {
        args.sigma_w2.clone()
    };
    let phi = |x: f64| act.scalar(x);
    let dphi = |x: f64| act.scalar_derivative(x);
    let rows = crate::theory::table(&phi, &dphi, args.sigma_b2, &grid);
    let critical = crate::theory::critical_sigma_w2(&phi, &dphi, args.sigma_b2);
    print_out(&format!(
        "{}, σ_b² = {} (Poole et al. 2016; Schoenholz et al. 2017)\n{}critical σ_w² (χ₁ = 1): {}\n",
        act.label(),
        args.sigma_b2,
        crate::theory::format_table(&rows),
        critical.map_or("none in [0.01, 100]".to_string(), |c| format!("{c:.6}"))
    ));
    Ok(())
}

fn slurm(args: &SlurmArgs) -> Result<()> {
    let plan = Plan::new(load_spec(&args.spec)?)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}-slurm", plan.spec.name)));
    let req = crate::slurm::Request {
        shards: args.shards,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus: args.cpus,
    };
    let scripts = crate::slurm::write(&plan, &args.spec, &req, &dir)?;
    print_out(&format!(
        "Wrote run.sbatch (an array of {} shards), merge.sbatch and submit.sh in {}/\nSubmit with: {}\n",
        args.shards,
        scripts.dir.display(),
        scripts.submit.display()
    ));
    Ok(())
}

/// "1 cohort", "3 cohorts".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn plan(path: &Path) -> Result<()> {
    let plan = Plan::new(load_spec(path)?)?;
    let s = &plan.spec;
    let largest = plan
        .cohorts
        .iter()
        .map(|c| c.trials.len())
        .max()
        .unwrap_or(0);
    let mut text = format!(
        "{}: {} trials in {} (largest {largest})\n",
        s.name,
        plan.trials.len(),
        count(plan.cohorts.len(), "cohort")
    );
    let axes = [
        (
            "dataset",
            s.datasets.iter().map(|d| d.label()).collect::<Vec<_>>(),
        ),
        ("depth", s.depths.iter().map(|d| d.to_string()).collect()),
        ("width", s.widths.iter().map(|d| d.to_string()).collect()),
        (
            "activation",
            s.activations.iter().map(|a| a.label()).collect(),
        ),
        (
            "optimizer",
            s.optimizers.iter().map(|o| o.label()).collect(),
        ),
        (
            "initializer",
            s.initializers.iter().map(|i| i.label()).collect(),
        ),
        ("gain", s.gains.iter().map(|g| g.to_string()).collect()),
    ];
    for (name, values) in axes {
        text.push_str(&format!(
            "  {name:<12} {:>4}  {}\n",
            values.len(),
            values.join(", ")
        ));
    }
    text.push_str(&format!("  {:<12} {:>4}\n", "replicates", s.replicates));
    let batch = s.batch_size.map_or("full".to_string(), |b| b.to_string());
    text.push_str(&format!("  epochs {}, batch {batch}\n", s.epochs));
    print_out(&text);
    Ok(())
}

fn list() {
    let sections: [(&str, &[crate::params::Entry]); 4] = [
        ("initializers", crate::init::CATALOGUE),
        ("activations", crate::model::activation::CATALOGUE),
        ("optimizers", crate::train::optim::CATALOGUE),
        ("datasets", crate::data::CATALOGUE),
    ];
    let mut text = String::new();
    for (title, entries) in sections {
        text.push_str(&format!("{title}:\n"));
        for e in entries {
            let params = if e.params.is_empty() {
                String::new()
            } else {
                format!(" {{ {} }}", e.params)
            };
            text.push_str(&format!("  {}{params}\n      {}\n", e.name, e.about));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "output activations: {}\nlosses: {}\n",
        crate::model::OutputActivation::NAMES.join(", "),
        crate::model::Loss::NAMES.join(", ")
    ));
    print_out(&text);
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print_out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn sample(args: &SampleArgs) -> Result<()> {
    let layout = match args.layout.as_str() {
        "in-out" => Layout::InOut,
        "out-in" => Layout::OutIn,
        other => {
            return Err(Error::Input(format!(
                "--layout: expected in-out or out-in, got `{other}`"
            )))
        }
    };
    if args.fan_in == 0 || args.fan_out == 0 {
        return Err(Error::Input(
            "--fan-in and --fan-out must be at least 1".into(),
        ));
    }
    let mut p = Params::new("initializer", args.name.clone());
    for kv in &args.params {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Error::Input(format!("--param: expected KEY=VALUE, got `{kv}`")))?;
        let value = match v {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => v
                .parse::<f64>()
                .map(Value::Num)
                .unwrap_or(Value::Str(v.to_string())),
        };
        p = p.with(k, value);
    }
    let init = Initializer::parse(p).map_err(Error::Input)?;
    if init.is_data_dependent() {
        return Err(Error::Input(format!(
            "`{}` depends on data; `sample` prints its data-free start (orthogonal) only through `orthogonal`",
            init.label()
        )));
    }
    let n = args.n.unwrap_or(args.fan_in * args.fan_out);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut written = 0usize;
    let mut matrix = 0u64;
    while written < n {
        let mut r = crate::rng::stream(args.seed, matrix);
        for v in init.sample(args.fan_in, args.fan_out, layout, args.gain, &mut r) {
            if written == n {
                break;
            }
            if writeln!(out, "{v}").is_err() {
                return Ok(()); // the reader went away (e.g. `| head`)
            }
            written += 1;
        }
        matrix += 1;
    }
    let _ = out.flush();
    Ok(())
}
