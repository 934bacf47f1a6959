//! The lists the plan crosses (data sets, initializers, depths, …) and the values inside them.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::raw::Axis;
use super::{defaults, At};
use crate::data::DatasetSpec;
use crate::error::Result;
use crate::init::Initializer;
use crate::model::{Activation, Parametrization};
use crate::params::{Params, Value};
use crate::train::Optimizer;

fn non_empty<T>(list: &Spanned<Vec<Spanned<T>>>, field: &str, at: At) -> Result<()> {
    if list.get_ref().is_empty() {
        return Err(at(
            list.span(),
            format!("{field}: the list is empty; give at least one value"),
        ));
    }
    Ok(())
}

/// An axis of named choices; labels must be distinct so every trial is unique.
pub(super) fn named_axis<T>(
    list: &Axis<toml::Value>,
    field: &str,
    default: &str,
    at: At,
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

pub(super) fn int_axis(
    list: &Axis<i64>,
    field: &str,
    default: u32,
    max: i64,
    at: At,
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

/// Gains multiply an initializer's scale, so each must be a positive finite number.
pub(super) fn gains(raw: &Axis<f64>, at: At) -> Result<Vec<f64>> {
    let Some(list) = raw else {
        return Ok(vec![defaults::GAIN]);
    };
    non_empty(list, "gain", at)?;
    let mut out = Vec::new();
    for g in list.get_ref() {
        let x = *g.get_ref();
        if !(x > 0.0 && x.is_finite()) {
            return Err(at(
                g.span(),
                format!(
                    "gain: must be > 0, got {x} (use the zeros initializer for all-zero weights)"
                ),
            ));
        }
        if out.contains(&x) {
            return Err(at(g.span(), format!("gain: {x} appears twice")));
        }
        out.push(x);
    }
    Ok(out)
}

/// Things with a stable label (used to reject duplicates on an axis).
pub(super) trait Labelled {
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
impl Labelled for Parametrization {
    fn label(&self) -> String {
        self.name().to_string()
    }
}
impl Labelled for Optimizer {
    fn label(&self) -> String {
        Optimizer::label(self)
    }
}

/// `"name"` or `{ name = "...", key = value, ... }` as [`Params`].
pub(super) fn to_params(
    what: &'static str,
    v: &toml::Value,
) -> std::result::Result<Params, String> {
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
pub(super) fn dataset(v: &toml::Value, dir: &Path) -> std::result::Result<DatasetSpec, String> {
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
