//! Commands that look at a spec, the theory or a results folder without training.

use std::path::Path;

use crate::error::{Error, Result};
use crate::params::{Params, Value};
use crate::plan::Plan;

use super::args::{RegionsArgs, TheoryArgs};
use super::{count, load_spec, print_out};

pub(super) fn regions(args: &RegionsArgs) -> Result<()> {
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
        memory: crate::memory::Limit::new(args.max_memory)?,
    };
    crate::record::check::check(&args.dir)?;
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

pub(super) fn theory(args: &TheoryArgs) -> Result<()> {
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

pub(super) fn plan(path: &Path) -> Result<()> {
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

pub(super) fn list() {
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
