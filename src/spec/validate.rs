//! From the raw mirror to a typed [`Spec`]: each setting checked against its range, with the
//! error placed at the value's span.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::axes::{dataset, gains, int_axis, named_axis, to_params};
use super::raw::{Raw, RawTarget};
use super::{defaults, At, Spec};
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::model::{Activation, Head, Loss, Norm, OutputActivation, Parametrization, Residual};
use crate::params::Params;
use crate::train::{Optimizer, Target};

pub(super) fn validate(raw: Raw, default_name: &str, dir: &Path, at: At) -> Result<Spec> {
    let int = |v: &Option<Spanned<i64>>, field: &str, default: u64, min: i64, max: i64| {
        let Some(v) = v else { return Ok(default) };
        let x = *v.get_ref();
        if x < min || x > max {
            return Err(at(
                v.span(),
                format!("{field}: must be between {min} and {max}, got {x}"),
            ));
        }
        Ok(x as u64)
    };
    let name = name(&raw.name, default_name, at)?;
    let seed = int(&raw.seed, "seed", defaults::SEED, 0, i64::MAX)?;
    let replicates = int(
        &raw.replicates,
        "replicates",
        defaults::REPLICATES as u64,
        1,
        1_000_000,
    )? as u32;
    let epochs = int(
        &raw.epochs,
        "epochs",
        defaults::EPOCHS as u64,
        1,
        10_000_000,
    )? as u32;
    let batch_size = match &raw.batch_size {
        Some(_) => Some(int(&raw.batch_size, "batch_size", 0, 1, u32::MAX as i64)? as u32),
        None => None,
    };
    let weights_max_params = int(
        &raw.weights_max_params,
        "weights_max_params",
        defaults::WEIGHTS_MAX_PARAMS as u64,
        0,
        100_000,
    )? as u32;
    let test_fraction = match &raw.test_fraction {
        Some(f) => {
            let x = *f.get_ref();
            if !(0.0..1.0).contains(&x) {
                return Err(at(
                    f.span(),
                    format!("test_fraction: must be in [0, 1), got {x}"),
                ));
            }
            x
        }
        None => defaults::TEST_FRACTION,
    };
    let head = head(&raw, at)?;
    let bias_initializer = bias_initializer(&raw.bias_initializer, at)?;
    let target = match &raw.target {
        Some(t) => target(t, at)?,
        None => Target {
            train_loss: None,
            train_acc: Some(defaults::TARGET_TRAIN_ACC),
        },
    };

    let datasets = named_axis(&raw.dataset, "dataset", defaults::DATASET, at, |v| {
        dataset(v, dir)
    })?;
    let initializers = named_axis(
        &raw.initializer,
        "initializer",
        defaults::INITIALIZER,
        at,
        |v| Initializer::parse(to_params("initializer", v)?),
    )?;
    let activations = named_axis(
        &raw.activation,
        "activation",
        defaults::ACTIVATION,
        at,
        |v| Activation::parse(to_params("activation", v)?),
    )?;
    // Known now rather than when the first trial samples its weights: nothing is written.
    for init in &initializers {
        for act in &activations {
            if let Err(e) = init.critical_scale(*act, &bias_initializer) {
                let span = raw.initializer.as_ref().map_or(0..0, |s| s.span());
                return Err(at(span, format!("initializer: {e}")));
            }
        }
    }
    let optimizers = named_axis(&raw.optimizer, "optimizer", defaults::OPTIMIZER, at, |v| {
        Optimizer::parse(to_params("optimizer", v)?)
    })?;
    let parametrizations = named_axis(
        &raw.parametrization,
        "parametrization",
        defaults::PARAMETRIZATION,
        at,
        |v| match v {
            toml::Value::String(s) => Parametrization::parse(s),
            other => Err(format!(
                "expected a parametrization name, got a {}",
                other.type_str()
            )),
        },
    )?;
    let base_width = base_width(&raw, &parametrizations, at)?;
    let depths = int_axis(&raw.depth, "depth", defaults::DEPTH, 1024, at)?;
    let widths = int_axis(&raw.width, "width", defaults::WIDTH, 65_536, at)?;
    let gains = gains(&raw.gain, at)?;
    let record_jacobian = raw.record_jacobian.unwrap_or(defaults::RECORD_JACOBIAN);
    let residual = residual(&raw, &depths, &initializers, record_jacobian, at)?;
    let spec = Spec {
        name,
        description: raw.description.unwrap_or_default(),
        seed,
        replicates,
        epochs,
        batch_size,
        test_fraction,
        head,
        bias_initializer,
        target,
        early_stop: raw.early_stop.unwrap_or(defaults::EARLY_STOP),
        figures: raw.figures.unwrap_or(defaults::FIGURES),
        weights_max_params,
        record_layers: raw.record_layers.unwrap_or(defaults::RECORD_LAYERS),
        record_jacobian,
        residual,
        datasets,
        initializers,
        depths,
        widths,
        activations,
        gains,
        optimizers,
        parametrizations,
        base_width,
        text: String::new(),
        dir: PathBuf::new(),
    };
    let n = spec.trial_count();
    if n > defaults::MAX_TRIALS {
        return Err(Error::Input(format!(
            "the grid has {n} trials, more than the limit of {}; shorten an axis or split the study",
            defaults::MAX_TRIALS
        )));
    }
    Ok(spec)
}

/// `residual`, `branch_scale` and `layer_norm`, checked against the depths, initializers and
/// diagnostics they constrain.
/// The width the parametrizations are relative to: needed by ntk and mup, refused without
/// them (it would change nothing).
fn base_width(raw: &Raw, parametrizations: &[Parametrization], at: At) -> Result<Option<u32>> {
    let scaled = parametrizations
        .iter()
        .find(|&&p| p != Parametrization::Standard);
    match (&raw.base_width, scaled) {
        (None, None) => Ok(None),
        (None, Some(p)) => Err(at(
            raw.parametrization.as_ref().map_or(0..0, |s| s.span()),
            format!(
                "parametrization: `{}` scales the initialization and learning rates with the \
                 width relative to a base width; set `base_width` (the width at which it \
                 equals the standard parametrization)",
                p.name()
            ),
        )),
        (Some(b), None) => Err(at(
            b.span(),
            "base_width: only the ntk and mup parametrizations use it; add one to \
             `parametrization` or remove it"
                .to_string(),
        )),
        (Some(b), Some(_)) => {
            let x = *b.get_ref();
            if !(1..=65_536).contains(&x) {
                return Err(at(
                    b.span(),
                    format!("base_width: must be between 1 and 65536, got {x}"),
                ));
            }
            Ok(Some(x as u32))
        }
    }
}

fn residual(
    raw: &Raw,
    depths: &[u32],
    initializers: &[Initializer],
    record_jacobian: bool,
    at: At,
) -> Result<Option<Residual>> {
    let init_span = || raw.initializer.as_ref().map_or(0..0, |s| s.span());
    let on = raw.residual.as_ref().is_some_and(|r| *r.get_ref());
    if !on {
        if let Some(s) = &raw.branch_scale {
            return Err(at(
                s.span(),
                "branch_scale: scales residual branches; set `residual = true` or remove it"
                    .to_string(),
            ));
        }
        if let Some(s) = &raw.layer_norm {
            return Err(at(
                s.span(),
                "layer_norm: normalizes residual blocks; set `residual = true` or remove it"
                    .to_string(),
            ));
        }
        if let Some(s) = &raw.train_branch_scale {
            return Err(at(
                s.span(),
                "train_branch_scale: trains residual branches' multipliers; set \
                 `residual = true` or remove it"
                    .to_string(),
            ));
        }
        if let Some(s) = &raw.scalar_biases {
            return Err(at(
                s.span(),
                "scalar_biases: adds Fixup's scalar biases to residual blocks; set \
                 `residual = true` or remove it"
                    .to_string(),
            ));
        }
        if let Some(i) = initializers.iter().find(|i| i.needs_residual()) {
            return Err(at(
                init_span(),
                format!(
                    "initializer: `{}` initializes residual branches; set `residual = true`",
                    i.name()
                ),
            ));
        }
        return Ok(None);
    }
    let on_span = raw.residual.as_ref().map_or(0..0, |s| s.span());
    let trained = raw
        .train_branch_scale
        .as_ref()
        .is_some_and(|t| *t.get_ref());
    let scale = match &raw.branch_scale {
        // A trained multiplier may start at 0 (ReZero); a fixed one at 0 would cut every branch.
        Some(s)
            if !(s.get_ref().is_finite()
                && (*s.get_ref() > 0.0 || trained && *s.get_ref() == 0.0)) =>
        {
            let rule = if trained {
                "the trained multipliers' start must be a finite number ≥ 0"
            } else {
                "must be a positive finite number (a multiplier that starts at 0 must be \
                 trained: `train_branch_scale = true`)"
            };
            return Err(at(
                s.span(),
                format!("branch_scale: {rule}, got {}", s.get_ref()),
            ));
        }
        Some(s) => *s.get_ref(),
        None => defaults::BRANCH_SCALE,
    };
    if let Some(d) = depths.iter().find(|&&d| d < 3 || d % 2 == 0) {
        let span = raw.depth.as_ref().map_or(on_span.clone(), |s| s.span());
        return Err(at(
            span,
            format!(
                "depth: {d} with `residual = true`; a residual network is one hidden layer and \
                 then blocks of two, so its depth is odd and at least 3 (1 + 2·blocks)"
            ),
        ));
    }
    if let Some(i) = initializers
        .iter()
        .find(|i| matches!(i, Initializer::Lsuv { .. }))
    {
        return Err(at(
            init_span(),
            format!(
                "initializer: `{}` scales a plain network layer by layer and is not defined for \
                 residual blocks",
                i.name()
            ),
        ));
    }
    if record_jacobian {
        return Err(at(
            on_span,
            "residual: record_jacobian measures a plain network's hidden stack; it is not \
             defined for residual blocks"
                .to_string(),
        ));
    }
    let norm = match &raw.layer_norm {
        Some(s) => {
            Norm::parse(s.get_ref()).map_err(|e| at(s.span(), format!("layer_norm: {e}")))?
        }
        None => Norm::None,
    };
    Ok(Some(Residual {
        scale,
        norm,
        trained,
        scalar_biases: raw.scalar_biases.as_ref().is_some_and(|s| *s.get_ref()),
    }))
}

/// Longest name: the results folder adds `-shard-K-of-N` or `-slurm` to it, and a folder
/// name must stay under the file systems' 255 bytes.
pub const MAX_NAME: usize = 100;

/// The name becomes the results folder's name, so it is kept to portable characters and a
/// length every file system takes.
fn name(raw: &Option<Spanned<String>>, default_name: &str, at: At) -> Result<String> {
    let Some(n) = raw else {
        if default_name.len() > MAX_NAME {
            return Err(at(
                0..0,
                format!("name: the spec's file name is {} bytes long, more than {MAX_NAME}; give a shorter `name`", default_name.len()),
            ));
        }
        return Ok(default_name.to_string());
    };
    let s = n.get_ref();
    if s.len() > MAX_NAME {
        return Err(at(
            n.span(),
            format!(
                "name: {} characters, more than {MAX_NAME} (it names the results folder)",
                s.len()
            ),
        ));
    }
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !ok || s.starts_with('.') {
        return Err(at(
            n.span(),
            format!("name: `{s}` must be non-empty and use only letters, digits, '-', '_' and '.' (it names the results folder)"),
        ));
    }
    Ok(s.clone())
}

/// Loss and output activation, checked as a pair; an error points at whichever was given.
fn head(raw: &Raw, at: At) -> Result<Head> {
    let word = |v: &Option<Spanned<String>>, default: &str| -> (String, std::ops::Range<usize>) {
        match v {
            Some(s) => (s.get_ref().clone(), s.span()),
            None => (default.to_string(), 0..0),
        }
    };
    let (loss, loss_span) = word(&raw.loss, defaults::LOSS);
    let loss = Loss::parse(&loss).map_err(|e| at(loss_span.clone(), format!("loss: {e}")))?;
    let (out, out_span) = word(&raw.output_activation, defaults::OUTPUT_ACTIVATION);
    let out = OutputActivation::parse(&out)
        .map_err(|e| at(out_span.clone(), format!("output_activation: {e}")))?;
    Head::new(out, loss).map_err(|e| {
        let span = if raw.output_activation.is_some() {
            out_span
        } else {
            loss_span
        };
        at(span, e)
    })
}

fn bias_initializer(raw: &Option<Spanned<toml::Value>>, at: At) -> Result<Initializer> {
    let Some(v) = raw else {
        return Ok(
            Initializer::parse(Params::new("initializer", defaults::BIAS_INITIALIZER))
                .expect("default parses"),
        );
    };
    let p = to_params("initializer", v.get_ref())
        .map_err(|e| at(v.span(), format!("bias_initializer: {e}")))?;
    let init = Initializer::parse(p).map_err(|e| at(v.span(), format!("bias_initializer: {e}")))?;
    init.check_bias()
        .map_err(|e| at(v.span(), format!("bias_initializer: {e}")))?;
    Ok(init)
}

fn target(t: &Spanned<RawTarget>, at: At) -> Result<Target> {
    let rt = t.get_ref();
    let train_loss = match &rt.train_loss {
        Some(v) if *v.get_ref() < 0.0 || !v.get_ref().is_finite() => {
            return Err(at(
                v.span(),
                format!("target.train_loss: must be ≥ 0, got {}", v.get_ref()),
            ));
        }
        v => v.as_ref().map(|v| *v.get_ref()),
    };
    let train_acc = match &rt.train_acc {
        Some(v) if !(*v.get_ref() > 0.0 && *v.get_ref() <= 1.0) => {
            return Err(at(
                v.span(),
                format!("target.train_acc: must be in (0, 1], got {}", v.get_ref()),
            ));
        }
        v => v.as_ref().map(|v| *v.get_ref()),
    };
    if train_loss.is_none() && train_acc.is_none() {
        return Err(at(
            t.span(),
            "target: give train_loss, train_acc or both".to_string(),
        ));
    }
    Ok(Target {
        train_loss,
        train_acc,
    })
}
