//! Named choices with parameters: `"he_normal"` or `{ name = "random_normal", stddev = 1.0 }`.
//!
//! Initializers, activations, optimizers and data sets are all written this way in a spec. The
//! spec reader turns either form into a [`Params`]; each module then takes out the parameters it
//! knows with [`Params::num`] and friends and calls [`Params::finish`], which rejects the rest.
//! Errors are plain sentences; the spec reader adds the file, line and column.

use std::collections::BTreeMap;
use std::fmt::Write;

/// One parameter value as written in the spec.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Num(f64),
    Str(String),
    Bool(bool),
}

/// A name and the parameters given with it, consumed as they are read.
#[derive(Clone, Debug)]
pub struct Params {
    what: &'static str,
    name: String,
    values: BTreeMap<String, Value>,
    known: Vec<&'static str>,
}

/// One row of `initbench list`: a name, its parameters with defaults, and what it is.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub name: &'static str,
    pub params: &'static str,
    pub about: &'static str,
}

impl Params {
    /// `what` names the kind of thing ("initializer", "activation", ...) for error messages.
    pub fn new(what: &'static str, name: impl Into<String>) -> Self {
        Params {
            what,
            name: name.into(),
            values: BTreeMap::new(),
            known: Vec::new(),
        }
    }

    /// Adds a parameter (used by the spec reader and by tests).
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.values.insert(key.to_string(), value);
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn what(&self) -> &'static str {
        self.what
    }

    /// An error that names the thing being read, e.g. "initializer `constant`: ...".
    pub fn error(&self, message: impl std::fmt::Display) -> String {
        format!("{} `{}`: {message}", self.what, self.name)
    }

    /// An unknown name: suggests the nearest valid one and lists them all.
    pub fn unknown(&self, valid: &[Entry]) -> String {
        let names: Vec<&str> = valid.iter().map(|e| e.name).collect();
        let nearest = names
            .iter()
            .map(|n| (edit_distance(n, &self.name), *n))
            .min()
            .filter(|(d, _)| *d <= 2)
            .map(|(_, n)| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        format!(
            "unknown {} `{}`{nearest}; valid names: {}",
            self.what,
            self.name,
            names.join(", ")
        )
    }

    fn take(&mut self, key: &'static str) -> Option<Value> {
        self.known.push(key);
        self.values.remove(key)
    }

    /// A number, or `default` when absent. Must be finite.
    pub fn num(&mut self, key: &'static str, default: f64) -> Result<f64, String> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::Num(x)) if x.is_finite() => Ok(x),
            Some(Value::Num(x)) => Err(self.error(format!("{key} must be finite, got {x}"))),
            Some(other) => Err(self.error(format!("{key} must be a number, got {other:?}"))),
        }
    }

    /// A whole number ≥ `min`, or `default` when absent.
    pub fn int(&mut self, key: &'static str, default: u64, min: u64) -> Result<u64, String> {
        let x = self.num(key, default as f64)?;
        if x.fract() != 0.0 || x < min as f64 || x > u32::MAX as f64 {
            return Err(self.error(format!("{key} must be a whole number ≥ {min}, got {x}")));
        }
        Ok(x as u64)
    }

    /// A string, or `default` when absent.
    pub fn string(&mut self, key: &'static str, default: &str) -> Result<String, String> {
        match self.take(key) {
            None => Ok(default.to_string()),
            Some(Value::Str(s)) => Ok(s),
            Some(other) => Err(self.error(format!("{key} must be a string, got {other:?}"))),
        }
    }

    /// A required string.
    pub fn required_string(&mut self, key: &'static str) -> Result<String, String> {
        match self.take(key) {
            None => Err(self.error(format!("{key} is required"))),
            Some(Value::Str(s)) => Ok(s),
            Some(other) => Err(self.error(format!("{key} must be a string, got {other:?}"))),
        }
    }

    /// A boolean, or `default` when absent.
    pub fn boolean(&mut self, key: &'static str, default: bool) -> Result<bool, String> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(b),
            Some(other) => Err(self.error(format!("{key} must be true or false, got {other:?}"))),
        }
    }

    /// Rejects parameters that were given but never read.
    pub fn finish(self) -> Result<(), String> {
        if let Some(key) = self.values.keys().next() {
            let known = if self.known.is_empty() {
                "it takes no parameters".to_string()
            } else {
                format!("its parameters are: {}", self.known.join(", "))
            };
            return Err(self.error(format!("unknown parameter `{key}`; {known}")));
        }
        Ok(())
    }
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Formats a label such as `random_normal(mean=0,stddev=1)`: the name alone when every
/// parameter has its default, else the name and the parameters that differ.
pub fn label(name: &str, params: &[(&str, String, bool)]) -> String {
    let shown: Vec<_> = params.iter().filter(|(_, _, default)| !default).collect();
    if shown.is_empty() {
        return name.to_string();
    }
    let mut s = format!("{name}(");
    for (i, (key, value, _)) in shown.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{key}={value}");
    }
    s.push(')');
    s
}

/// One numeric parameter for [`label`]: shown unless it equals its default.
pub fn num_param(key: &'static str, value: f64, default: f64) -> (&'static str, String, bool) {
    (key, fmt_num(value), value == default)
}

/// One string parameter for [`label`]: shown unless it equals its default.
pub fn str_param(key: &'static str, value: &str, default: &str) -> (&'static str, String, bool) {
    (key, value.to_string(), value == default)
}

/// Shortest form of a number that reads back to the same value (`1`, `0.05`, `1e-8`).
pub fn fmt_num(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e15) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_defaults_and_values_and_rejects_leftovers() {
        let mut p = Params::new("initializer", "random_normal").with("stddev", Value::Num(1.0));
        assert_eq!(p.num("mean", 0.0).unwrap(), 0.0);
        assert_eq!(p.num("stddev", 0.05).unwrap(), 1.0);
        p.finish().unwrap();

        let mut p = Params::new("initializer", "zeros").with("stdev", Value::Num(1.0));
        let _ = p.num("stddev", 0.05);
        let err = p.finish().unwrap_err();
        assert!(err.contains("unknown parameter `stdev`"), "{err}");
        assert!(err.contains("stddev"), "{err}");
    }

    #[test]
    fn type_errors_name_the_key() {
        let mut p = Params::new("optimizer", "sgd").with("lr", Value::Str("fast".into()));
        let err = p.num("lr", 0.1).unwrap_err();
        assert!(
            err.contains("optimizer `sgd`: lr must be a number"),
            "{err}"
        );
        let mut p = Params::new("dataset", "parity").with("bits", Value::Num(2.5));
        assert!(p.int("bits", 2, 2).unwrap_err().contains("whole number"));
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let valid = [
            Entry {
                name: "he_normal",
                params: "",
                about: "",
            },
            Entry {
                name: "zeros",
                params: "",
                about: "",
            },
        ];
        let e = Params::new("initializer", "he_norml").unknown(&valid);
        assert!(
            e.contains("did you mean `he_normal`?") && e.contains("zeros"),
            "{e}"
        );
        let e = Params::new("initializer", "banana").unknown(&valid);
        assert!(!e.contains("did you mean"), "{e}");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn labels_show_only_non_defaults() {
        assert_eq!(label("sgd", &[num_param("lr", 0.1, 0.1)]), "sgd");
        assert_eq!(
            label(
                "random_normal",
                &[num_param("mean", 0.0, 0.0), num_param("stddev", 1.0, 0.05)]
            ),
            "random_normal(stddev=1)"
        );
        assert_eq!(fmt_num(1e-8), "1e-8");
        assert_eq!(fmt_num(0.05), "0.05");
        assert_eq!(fmt_num(-2.0), "-2");
    }
}
