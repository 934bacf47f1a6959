//! `initbench sample`: draw one initial weight matrix and print its moments.

use std::io::Write;

use crate::error::{Error, Result};
use crate::init::{Initializer, Layout};
use crate::params::{Params, Value};

use super::args::SampleArgs;

pub(super) fn sample(args: &SampleArgs) -> Result<()> {
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
    // The same rule as a spec's `gain` axis.
    if !(args.gain > 0.0 && args.gain.is_finite()) {
        return Err(Error::Input(format!(
            "--gain: must be > 0 and finite, got {} (use the zeros initializer for all-zero weights)",
            args.gain
        )));
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
            "`{}` depends on data; `sample` prints its data-free start only through `{}`",
            init.label(),
            match init.base() {
                Initializer::Lsuv { .. } => "orthogonal".to_string(),
                base => base.label(),
            }
        )));
    }
    if init == Initializer::CriticalOrthogonal {
        return Err(Error::Input(
            "`critical_orthogonal` is scaled for a network's activation and biases; `sample` \
             prints its unscaled start through `orthogonal` (`initbench theory` gives the \
             critical σ_w²)"
                .into(),
        ));
    }
    if init.needs_residual() {
        return Err(Error::Input(format!(
            "`{}` sets each layer by its place in a residual network; `sample` prints the law \
             of its drawn layers through `{}`",
            init.label(),
            if init == Initializer::Fixup {
                "kaiming_normal(nonlinearity=relu)"
            } else {
                "he_normal"
            }
        )));
    }
    // One matrix of f64 at a time; an orthogonal one is factorized, which takes about two
    // more of its size.
    let matrix_bytes = 8 * args.fan_in as u128 * args.fan_out as u128;
    let copies = if matches!(init, Initializer::Orthogonal) {
        3
    } else {
        1
    };
    if let Some(limit) = crate::memory::Limit::new(args.max_memory)? {
        limit.check(
            &format!(
                "a {} × {} matrix of {}",
                args.fan_in,
                args.fan_out,
                init.label()
            ),
            copies * matrix_bytes,
            "use a smaller --fan-in or --fan-out",
        )?;
    }
    let n = args.n.unwrap_or(args.fan_in.saturating_mul(args.fan_out));
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
