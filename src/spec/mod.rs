//! Experiment specs: TOML in, a validated [`Spec`] out. The only module that reads spec files.
//!
//! Reading happens in two stages, as in ripgrep's flag parsing: serde reads the file into a
//! raw mirror of its text ([`raw`]: unknown keys rejected, every value keeping its position),
//! then [`validate`] checks values and builds the typed spec, with [`axes`] reading the lists
//! the plan crosses. Every error names the file, line and column, and the field. Defaults are
//! declared once, in [`defaults`].

mod axes;
pub mod defaults;
mod raw;
mod validate;

use std::path::{Path, PathBuf};

use crate::data::DatasetSpec;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::model::{Activation, Head, Norm, Parametrization, Residual};
use crate::train::{Optimizer, Target};

/// Builds the error for a span of the spec text: `origin:line:col: message`.
type At<'a> = &'a dyn Fn(std::ops::Range<usize>, String) -> Error;

/// A validated experiment: fixed settings plus the axes the plan crosses.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub replicates: u32,
    pub epochs: u32,
    /// `None` means full batch.
    pub batch_size: Option<u32>,
    pub test_fraction: f64,
    pub head: Head,
    pub bias_initializer: Initializer,
    pub target: Target,
    pub early_stop: bool,
    /// Draw the report's figures (and write report.md) when the run ends; the CSVs are
    /// written either way.
    pub figures: bool,
    /// Record the full initial weight vector of networks with at most this many parameters.
    pub weights_max_params: u32,
    /// Write layers.csv: each hidden layer's activation mean, spread and saturation at the
    /// curve epochs.
    pub record_layers: bool,
    /// Write jacobian.csv: the spectrum of each network's hidden-to-hidden Jacobian at
    /// initialization.
    pub record_jacobian: bool,
    /// `Some` when the hidden layers after the first form residual blocks (`residual = true`).
    pub residual: Option<Residual>,
    pub datasets: Vec<DatasetSpec>,
    pub initializers: Vec<Initializer>,
    pub depths: Vec<u32>,
    pub widths: Vec<u32>,
    pub activations: Vec<Activation>,
    pub gains: Vec<f64>,
    pub optimizers: Vec<Optimizer>,
    pub parametrizations: Vec<Parametrization>,
    /// The width at which ntk and mup equal the standard parametrization; `Some` exactly
    /// when `parametrizations` holds one of them.
    pub base_width: Option<u32>,
    /// The spec's text and the folder relative data paths start from, kept so a results
    /// folder can be re-planned (to resume or merge shards) from its manifest alone.
    pub text: String,
    pub dir: PathBuf,
}

impl Spec {
    /// Reads and validates a spec file. Relative data paths resolve against its folder.
    pub fn from_file(path: &Path) -> Result<Spec> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Input(format!("{}: cannot read the spec: {e}", path.display())))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "experiment".to_string());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Spec::from_str(&text, &path.display().to_string(), &stem, &dir)
    }

    /// Validates spec text. `origin` names it in errors, `default_name` is used when the spec
    /// has no `name`, and `dir` anchors relative CSV paths.
    pub fn from_str(text: &str, origin: &str, default_name: &str, dir: &Path) -> Result<Spec> {
        let raw: raw::Raw =
            toml::from_str(text).map_err(|e| Error::Input(format!("{origin}: {e}")))?;
        let at = |span: std::ops::Range<usize>, msg: String| {
            let (line, col) = line_col(text, span.start);
            Error::Input(format!("{origin}:{line}:{col}: {msg}"))
        };
        let mut spec = validate::validate(raw, default_name, dir, &at)?;
        spec.text = text.to_string();
        spec.dir = dir.to_path_buf();
        Ok(spec)
    }

    /// Trials the plan will hold (saturating: a grid too large to count is refused anyway).
    pub fn trial_count(&self) -> u64 {
        [
            self.datasets.len(),
            self.initializers.len(),
            self.depths.len(),
            self.widths.len(),
            self.activations.len(),
            self.gains.len(),
            self.optimizers.len(),
            self.parametrizations.len(),
            self.replicates as usize,
        ]
        .iter()
        .fold(1u64, |acc, &n| acc.saturating_mul(n as u64))
    }

    /// The resolved spec as JSON, every default filled in: saved in the manifest and hashed.
    pub fn to_json(&self) -> serde_json::Value {
        let labels = |v: Vec<String>| serde_json::Value::from(v);
        let mut json = serde_json::json!({
            "name": self.name,
            "description": self.description,
            "seed": self.seed,
            "replicates": self.replicates,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "test_fraction": self.test_fraction,
            "loss": self.head.loss.name(),
            "output_activation": self.head.activation.name(),
            "bias_initializer": self.bias_initializer.label(),
            "target": { "train_loss": self.target.train_loss, "train_acc": self.target.train_acc },
            "early_stop": self.early_stop,
            "figures": self.figures,
            "weights_max_params": self.weights_max_params,
            "dataset": labels(self.datasets.iter().map(|d| d.label()).collect()),
            "initializer": labels(self.initializers.iter().map(|i| i.label()).collect()),
            "depth": self.depths,
            "width": self.widths,
            "activation": labels(self.activations.iter().map(|a| a.label()).collect()),
            "gain": self.gains,
            "optimizer": labels(self.optimizers.iter().map(|o| o.label()).collect()),
        });
        // Only when on: the resolved spec (and so the spec hash) of every spec written before
        // the key existed stays the same, and their results folders still resume.
        if self.record_layers {
            json["record_layers"] = true.into();
        }
        if self.record_jacobian {
            json["record_jacobian"] = true.into();
        }
        if let Some(b) = self.base_width {
            json["parametrization"] = labels(
                self.parametrizations
                    .iter()
                    .map(|p| p.name().into())
                    .collect(),
            );
            json["base_width"] = b.into();
        }
        if let Some(r) = self.residual {
            json["residual"] = true.into();
            json["branch_scale"] = r.scale.into();
            if r.trained {
                json["train_branch_scale"] = true.into();
            }
            if r.scalar_biases {
                json["scalar_biases"] = true.into();
            }
            if r.norm != Norm::None {
                json["layer_norm"] = r.norm.name().into();
            }
        }
        json
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests;
