//! Experiment specs: TOML in, a validated [`Spec`] out. The only module that reads spec files.
//!
//! Reading happens in two stages, as in ripgrep's flag parsing: serde reads the file into a
//! raw mirror of its text (unknown keys rejected, every value keeping its position), then
//! [`validate`] checks values and builds the typed spec. Every error names the file, line and
//! column, and the field. Defaults are declared once, in [`defaults`].

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::data::DatasetSpec;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::model::{Activation, Head, Loss, OutputActivation};
use crate::params::{Params, Value};
use crate::train::{Optimizer, Target};

/// Every default in one place, with why.
pub mod defaults {
    /// The experiment seed; all randomness derives from it.
    pub const SEED: u64 = 0;
    /// Independent repetitions of every grid point.
    pub const REPLICATES: u32 = 1;
    /// Training budget per trial.
    pub const EPOCHS: u32 = 100;
    /// Share of each class held out for testing (truth-table data sets have no test split).
    pub const TEST_FRACTION: f64 = 0.2;
    /// Cross-entropy with softmax outputs: today's standard classifier head.
    pub const LOSS: &str = "cross_entropy";
    pub const OUTPUT_ACTIVATION: &str = "softmax";
    /// Biases start at zero in both Keras and most studies.
    pub const BIAS_INITIALIZER: &str = "zeros";
    /// Trained means every training example classified correctly.
    pub const TARGET_TRAIN_ACC: f64 = 1.0;
    /// Train for the whole budget, so final metrics are comparable across trials.
    pub const EARLY_STOP: bool = false;
    pub const FIGURES: bool = true;
    /// Networks with at most this many parameters get their whole initial weight vector
    /// recorded (weights.csv), for weight-space maps; larger ones only per-layer features.
    pub const WEIGHTS_MAX_PARAMS: u32 = 64;
    /// Per-layer activation statistics over training (layers.csv) cost a pass over every
    /// hidden layer at each curve epoch, and most studies do not need them.
    pub const RECORD_LAYERS: bool = false;
    /// Axes: a single 16-unit ReLU layer, Glorot-initialized, SGD at 0.1, on XOR.
    pub const DATASET: &str = "xor";
    pub const INITIALIZER: &str = "glorot_uniform";
    pub const DEPTH: u32 = 1;
    pub const WIDTH: u32 = 16;
    pub const ACTIVATION: &str = "relu";
    pub const OPTIMIZER: &str = "sgd";
    pub const GAIN: f64 = 1.0;
    /// Plans larger than this are refused: a typo in a list should not start a week of work.
    pub const MAX_TRIALS: u64 = 10_000_000;
}

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
    pub datasets: Vec<DatasetSpec>,
    pub initializers: Vec<Initializer>,
    pub depths: Vec<u32>,
    pub widths: Vec<u32>,
    pub activations: Vec<Activation>,
    pub gains: Vec<f64>,
    pub optimizers: Vec<Optimizer>,
    /// The spec's text and the folder relative data paths start from, kept so a results
    /// folder can be re-planned (to resume or merge shards) from its manifest alone.
    pub text: String,
    pub dir: PathBuf,
}

type Axis<T> = Option<Spanned<Vec<Spanned<T>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<Spanned<String>>,
    description: Option<String>,
    seed: Option<Spanned<i64>>,
    replicates: Option<Spanned<i64>>,
    epochs: Option<Spanned<i64>>,
    batch_size: Option<Spanned<i64>>,
    test_fraction: Option<Spanned<f64>>,
    loss: Option<Spanned<String>>,
    output_activation: Option<Spanned<String>>,
    bias_initializer: Option<Spanned<toml::Value>>,
    target: Option<Spanned<RawTarget>>,
    early_stop: Option<bool>,
    figures: Option<bool>,
    weights_max_params: Option<Spanned<i64>>,
    record_layers: Option<bool>,
    dataset: Axis<toml::Value>,
    initializer: Axis<toml::Value>,
    depth: Axis<i64>,
    width: Axis<i64>,
    activation: Axis<toml::Value>,
    gain: Axis<f64>,
    optimizer: Axis<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    train_loss: Option<Spanned<f64>>,
    train_acc: Option<Spanned<f64>>,
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
        let raw: Raw = toml::from_str(text).map_err(|e| Error::Input(format!("{origin}: {e}")))?;
        let at = |span: std::ops::Range<usize>, msg: String| {
            let (line, col) = line_col(text, span.start);
            Error::Input(format!("{origin}:{line}:{col}: {msg}"))
        };
        let mut spec = validate(raw, default_name, dir, &at)?;
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
        json
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn validate(
    raw: Raw,
    default_name: &str,
    dir: &Path,
    at: &dyn Fn(std::ops::Range<usize>, String) -> Error,
) -> Result<Spec> {
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
    let name = match &raw.name {
        Some(n) => {
            let s = n.get_ref();
            let ok = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !ok || s.starts_with('.') {
                return Err(at(
                    n.span(),
                    format!("name: `{s}` must be non-empty and use only letters, digits, '-', '_' and '.' (it names the results folder)"),
                ));
            }
            s.clone()
        }
        None => default_name.to_string(),
    };
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
    let head = Head::new(out, loss).map_err(|e| {
        let span = if raw.output_activation.is_some() {
            out_span
        } else {
            loss_span
        };
        at(span, e)
    })?;
    let bias_initializer = match &raw.bias_initializer {
        Some(v) => {
            let p = to_params("initializer", v.get_ref())
                .map_err(|e| at(v.span(), format!("bias_initializer: {e}")))?;
            let init = Initializer::parse(p)
                .map_err(|e| at(v.span(), format!("bias_initializer: {e}")))?;
            init.check_bias()
                .map_err(|e| at(v.span(), format!("bias_initializer: {e}")))?;
            init
        }
        None => Initializer::parse(Params::new("initializer", defaults::BIAS_INITIALIZER))
            .expect("default parses"),
    };
    let target = match &raw.target {
        Some(t) => {
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
            Target {
                train_loss,
                train_acc,
            }
        }
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
    let optimizers = named_axis(&raw.optimizer, "optimizer", defaults::OPTIMIZER, at, |v| {
        Optimizer::parse(to_params("optimizer", v)?)
    })?;
    let depths = int_axis(&raw.depth, "depth", defaults::DEPTH, 1024, at)?;
    let widths = int_axis(&raw.width, "width", defaults::WIDTH, 65_536, at)?;
    let gains = match &raw.gain {
        None => vec![defaults::GAIN],
        Some(list) => {
            non_empty(list, "gain", at)?;
            let mut out = Vec::new();
            for g in list.get_ref() {
                let x = *g.get_ref();
                if !(x > 0.0 && x.is_finite()) {
                    return Err(at(g.span(), format!("gain: must be > 0, got {x} (use the zeros initializer for all-zero weights)")));
                }
                if out.contains(&x) {
                    return Err(at(g.span(), format!("gain: {x} appears twice")));
                }
                out.push(x);
            }
            out
        }
    };
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
        datasets,
        initializers,
        depths,
        widths,
        activations,
        gains,
        optimizers,
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

fn non_empty<T>(
    list: &Spanned<Vec<Spanned<T>>>,
    field: &str,
    at: &dyn Fn(std::ops::Range<usize>, String) -> Error,
) -> Result<()> {
    if list.get_ref().is_empty() {
        return Err(at(
            list.span(),
            format!("{field}: the list is empty; give at least one value"),
        ));
    }
    Ok(())
}

/// An axis of named choices; labels must be distinct so every trial is unique.
fn named_axis<T>(
    list: &Axis<toml::Value>,
    field: &str,
    default: &str,
    at: &dyn Fn(std::ops::Range<usize>, String) -> Error,
    parse: impl Fn(&toml::Value) -> std::result::Result<T, String>,
) -> Result<Vec<T>>
where
    T: Labelled,
{
    let Some(list) = list else {
        return Ok(vec![
            parse(&toml::Value::String(default.to_string())).expect("default parses")
        ]);
    };
    non_empty(list, field, at)?;
    let mut out: Vec<T> = Vec::new();
    for v in list.get_ref() {
        let item = parse(v.get_ref()).map_err(|e| at(v.span(), format!("{field}: {e}")))?;
        if out.iter().any(|o| o.label() == item.label()) {
            return Err(at(
                v.span(),
                format!("{field}: `{}` appears twice", item.label()),
            ));
        }
        out.push(item);
    }
    Ok(out)
}

fn int_axis(
    list: &Axis<i64>,
    field: &str,
    default: u32,
    max: i64,
    at: &dyn Fn(std::ops::Range<usize>, String) -> Error,
) -> Result<Vec<u32>> {
    let Some(list) = list else {
        return Ok(vec![default]);
    };
    non_empty(list, field, at)?;
    let mut out = Vec::new();
    for v in list.get_ref() {
        let x = *v.get_ref();
        if x < 1 || x > max {
            return Err(at(
                v.span(),
                format!("{field}: must be between 1 and {max}, got {x}"),
            ));
        }
        if out.contains(&(x as u32)) {
            return Err(at(v.span(), format!("{field}: {x} appears twice")));
        }
        out.push(x as u32);
    }
    Ok(out)
}

/// Things with a stable label (used to reject duplicates on an axis).
trait Labelled {
    fn label(&self) -> String;
}

impl Labelled for DatasetSpec {
    fn label(&self) -> String {
        DatasetSpec::label(self)
    }
}
impl Labelled for Initializer {
    fn label(&self) -> String {
        Initializer::label(self)
    }
}
impl Labelled for Activation {
    fn label(&self) -> String {
        Activation::label(self)
    }
}
impl Labelled for Optimizer {
    fn label(&self) -> String {
        Optimizer::label(self)
    }
}

/// `"name"` or `{ name = "...", key = value, ... }` as [`Params`].
fn to_params(what: &'static str, v: &toml::Value) -> std::result::Result<Params, String> {
    match v {
        toml::Value::String(s) => Ok(Params::new(what, s.clone())),
        toml::Value::Table(t) => {
            let name = match t.get("name") {
                Some(toml::Value::String(s)) => s.clone(),
                Some(_) => return Err("`name` must be a string".to_string()),
                None => return Err(format!("a {what} table needs a `name` key")),
            };
            let mut p = Params::new(what, name);
            for (key, value) in t.iter().filter(|(k, _)| k.as_str() != "name") {
                let value = match value {
                    toml::Value::Integer(i) => Value::Num(*i as f64),
                    toml::Value::Float(f) => Value::Num(*f),
                    toml::Value::String(s) => Value::Str(s.clone()),
                    toml::Value::Boolean(b) => Value::Bool(*b),
                    other => {
                        return Err(p.error(format!(
                            "parameter `{key}` must be a number, string or boolean, got a {}",
                            other.type_str()
                        )))
                    }
                };
                p = p.with(key, value);
            }
            Ok(p)
        }
        other => Err(format!(
            "expected a {what} name or a table with `name`, got a {}",
            other.type_str()
        )),
    }
}

/// A data set: a built-in name, a table with `name`, or `{ csv = "path", label = "column" }`.
fn dataset(v: &toml::Value, dir: &Path) -> std::result::Result<DatasetSpec, String> {
    if let toml::Value::Table(t) = v {
        if let Some(path) = t.get("csv") {
            let toml::Value::String(path) = path else {
                return Err("`csv` must be a path string".to_string());
            };
            let label = match t.get("label") {
                Some(toml::Value::String(s)) => s.clone(),
                Some(_) => return Err("`label` must be a column name".to_string()),
                None => "label".to_string(),
            };
            if let Some(k) = t.keys().find(|k| *k != "csv" && *k != "label") {
                return Err(format!(
                    "unknown key `{k}` in a csv data set; its keys are: csv, label"
                ));
            }
            let mut full = PathBuf::from(path);
            if full.is_relative() {
                full = dir.join(full);
            }
            return Ok(DatasetSpec::Csv { path: full, label });
        }
    }
    DatasetSpec::parse(to_params("dataset", v)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Spec> {
        Spec::from_str(text, "t.toml", "t", Path::new("specs"))
    }

    fn err(text: &str) -> String {
        match parse(text) {
            Err(Error::Input(m)) => m,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_fill_an_empty_spec() {
        let s = parse("").unwrap();
        assert_eq!(s.name, "t");
        assert_eq!(s.epochs, defaults::EPOCHS);
        assert_eq!(s.depths, vec![1]);
        assert_eq!(s.trial_count(), 1);
        assert_eq!(s.target.train_acc, Some(1.0));
        assert_eq!(s.batch_size, None);
    }

    #[test]
    fn reads_axes_and_tables() {
        let s = parse(
            r#"
            name = "x"
            replicates = 3
            depth = [1, 2]
            initializer = ["zeros", { name = "random_normal", stddev = 1 }]
            dataset = ["xor", { csv = "data/my.csv", label = "y" }]
            optimizer = [{ name = "sgd", lr = 1.0 }]
            target = { train_loss = 0.01 }
            "#,
        )
        .unwrap();
        assert_eq!(s.trial_count(), 3 * 2 * 2 * 2);
        assert_eq!(s.initializers[1].label(), "random_normal(stddev=1)");
        assert_eq!(
            s.datasets[1],
            DatasetSpec::Csv {
                path: PathBuf::from("specs/data/my.csv"),
                label: "y".into()
            }
        );
        assert_eq!(
            s.target,
            Target {
                train_loss: Some(0.01),
                train_acc: None
            }
        );
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let m = err("epochs = 10\ndepth = [1, 0]\n");
        assert!(
            m.starts_with("t.toml:2:13: depth: must be between 1"),
            "{m}"
        );
        let m = err("depth = []\n");
        assert!(m.contains("t.toml:1:9: depth: the list is empty"), "{m}");
        let m = err("activation = [\"relu\", \"sigmoud\"]\n");
        assert!(
            m.contains("t.toml:1:23: activation: unknown activation `sigmoud`"),
            "{m}"
        );
        assert!(m.contains("sigmoid"), "{m}");
        let m = err("optimizer = [{ name = \"sgd\", lr = 0 }]\n");
        assert!(
            m.contains("t.toml:1:14: optimizer: optimizer `sgd`: lr must be > 0"),
            "{m}"
        );
        let m = err("depht = [1]\n");
        assert!(
            m.contains("unknown field `depht`") && m.contains("line 1"),
            "{m}"
        );
        let m = err("epochs = \"many\"\n");
        assert!(m.contains("line 1") && m.contains("t.toml"), "{m}");
        let m = err("depth = [1, 1]\n");
        assert!(m.contains("depth: 1 appears twice"), "{m}");
        let m = err("loss = \"cross_entropy\"\noutput_activation = \"linear\"\n");
        assert!(
            m.contains("t.toml:2:21:") && m.contains("cross_entropy"),
            "{m}"
        );
        let m = err("replicates = 0\n");
        assert!(m.contains("replicates: must be between 1"), "{m}");
        let m = err("target = {}\n");
        assert!(m.contains("target: give train_loss"), "{m}");
        let m = err("depth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nwidth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nreplicates = 1000000\n");
        assert!(m.contains("more than the limit"), "{m}");
        let m = err("name = \"../evil\"\n");
        assert!(m.contains("name:"), "{m}");
        let m = err("depth = [1\n");
        assert!(m.contains("t.toml") && m.contains("line 1"), "{m}");
    }

    #[test]
    fn json_is_stable_and_complete() {
        let a = parse("depth = [2]\n").unwrap().to_json();
        let b = parse("# a comment\ndepth = [ 2 ]\n").unwrap().to_json();
        assert_eq!(a, b);
        assert_eq!(a["depth"], serde_json::json!([2]));
        assert_eq!(a["loss"], "cross_entropy");
        assert!(a.get("record_layers").is_none());
        let c = parse("depth = [2]\nrecord_layers = true\n").unwrap();
        assert!(c.record_layers);
        assert_eq!(c.to_json()["record_layers"], true);
        assert_ne!(c.to_json(), a);
    }
}
