//! What the weight-space map is trained on, read from the results folder: each trial's whole
//! initial vector (`init_vectors.csv`, hidden units put in a canonical order) or its features
//! (first- and last-layer weight statistics from `weights.csv` and the diagnostics at
//! initialization from `trials.csv`), which every network has whatever its depth.

use std::collections::HashMap;
use std::path::Path;

use crate::analyze::trials;
use crate::error::{Error, Result};
use crate::record::schema::{self, TrialRow, VectorRow, WeightRow, WEIGHT_STATS};

/// The trials of a folder with their weight rows and whole initial vectors.
pub struct Inputs {
    /// `trials.csv`, in file order.
    pub trials: Vec<TrialRow>,
    /// Per trial (in `trials` order), its `weights.csv` rows by layer.
    pub layers: Vec<Vec<WeightRow>>,
    /// `init_vectors.csv`'s values by trial, in file order.
    pub vectors: HashMap<u64, Vec<f64>>,
}

/// Reads `trials.csv`, `weights.csv` and `init_vectors.csv` side by side; their errors come
/// in the order a reader taking them one after another would meet them.
pub fn read(dir: &Path) -> Result<Inputs> {
    let (trials, (layers, vectors)) = rayon::join(
        || trials::read(&existing(dir, "trials.csv")?),
        || {
            rayon::join(
                || {
                    let mut by: HashMap<u64, Vec<WeightRow>> = HashMap::new();
                    schema::read_rows(&existing(dir, "weights.csv")?, |w: WeightRow, _| {
                        by.entry(w.trial_id).or_default().push(w);
                        Ok(())
                    })?;
                    Ok::<_, Error>(by)
                },
                || {
                    let mut by: HashMap<u64, Vec<f64>> = HashMap::new();
                    schema::read_rows(&existing(dir, "init_vectors.csv")?, |v: VectorRow, _| {
                        by.entry(v.trial_id).or_default().push(v.value);
                        Ok(())
                    })?;
                    Ok::<_, Error>(by)
                },
            )
        },
    );
    let trials = trials?;
    let (mut by_trial, vectors): (HashMap<u64, Vec<WeightRow>>, _) = (layers?, vectors?);
    let layers = trials
        .iter()
        .map(|t| {
            let mut ls = by_trial.remove(&t.trial_id).ok_or_else(|| {
                Error::Input(format!(
                    "{}: no rows for trial {}",
                    dir.join("weights.csv").display(),
                    schema::trial_id(t.trial_id)
                ))
            })?;
            ls.sort_by_key(|w| w.layer);
            Ok(ls)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Inputs {
        trials,
        layers,
        vectors,
    })
}

fn existing(dir: &Path, file: &str) -> Result<std::path::PathBuf> {
    let path = dir.join(file);
    if !path.exists() {
        return Err(Error::Input(format!(
            "{}: missing; is this an initbench results folder?",
            path.display()
        )));
    }
    Ok(path)
}

/// The names of the features [`features`] computes, in order.
pub fn names() -> Vec<String> {
    let mut names = Vec::new();
    for which in ["first_layer", "last_layer"] {
        for f in WEIGHT_STATS {
            names.push(format!("{which}_{f}"));
        }
    }
    names.extend(DIAGNOSTICS.iter().map(|d| d.to_string()));
    names
}

const DIAGNOSTICS: [&str; 5] = [
    "init_loss",
    "init_grad_norm_first",
    "init_grad_norm_last",
    "init_act_std_first",
    "init_act_std_last",
];

/// The features of one trial, in [`names`] order (NaN where a diagnostic is missing);
/// `layers` in layer order.
pub fn features(t: &TrialRow, layers: &[WeightRow]) -> Vec<f64> {
    let (first, last) = (&layers[0], &layers[layers.len() - 1]);
    let mut values: Vec<f64> = first.stats().into_iter().chain(last.stats()).collect();
    let diag = [
        t.init_loss,
        t.init_grad_norm_first,
        t.init_grad_norm_last,
        t.init_act_std_first,
        t.init_act_std_last,
    ];
    values.extend(diag.map(|v| v.unwrap_or(f64::NAN)));
    values
}

/// A feature's finite values for the converged trials and for the others (not converged or
/// diverged), as the separation splits them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    pub converged: Vec<f64>,
    pub failed: Vec<f64>,
}

/// The values of feature `f` (an index into [`names`]) over every trial, split by outcome.
pub fn samples(trials: &[TrialRow], features: &[Vec<f64>], f: usize) -> Samples {
    let mut s = Samples::default();
    for (t, values) in trials.iter().zip(features) {
        let v = values[f];
        if v.is_finite() {
            if t.converged() {
                s.converged.push(v)
            } else {
                s.failed.push(v)
            }
        }
    }
    s
}

/// Puts the hidden units of each layer in a canonical order (by incoming weights, then bias)
/// so that networks that differ only by a permutation of units map to the same vector.
pub fn canonical_order(v: &mut [f64], dims: &[(usize, usize)]) {
    let mut offsets = Vec::with_capacity(dims.len());
    let mut at = 0;
    for &(i, o) in dims {
        offsets.push((at, at + i * o));
        at += i * o + o;
    }
    for l in 0..dims.len().saturating_sub(1) {
        let (fan_in, units) = dims[l];
        let (w, b) = offsets[l];
        let key = |u: usize, v: &[f64]| -> Vec<f64> {
            let mut k: Vec<f64> = (0..fan_in).map(|i| v[w + i * units + u]).collect();
            k.push(v[b + u]);
            k
        };
        let mut order: Vec<usize> = (0..units).collect();
        order.sort_by(|&a, &c| {
            key(a, v)
                .iter()
                .zip(key(c, v).iter())
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let old = v.to_vec();
        for (new, &u) in order.iter().enumerate() {
            for i in 0..fan_in {
                v[w + i * units + new] = old[w + i * units + u];
            }
            v[b + new] = old[b + u];
            let (next_w, _) = offsets[l + 1];
            let next_out = dims[l + 1].1;
            for o in 0..next_out {
                v[next_w + new * next_out + o] = old[next_w + u * next_out + o];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permuted_hidden_units_map_to_one_vector() {
        // 2-3-1 net: W0 [2,3], b0 [3], W1 [3,1], b1 [1].
        let dims = [(2, 3), (3, 1)];
        let a = vec![
            0.5, -1.0, 2.0, 0.1, 0.2, 0.3, 1.0, 2.0, 3.0, 7.0, 8.0, 9.0, 4.0,
        ];
        // The same function with units reordered (2, 0, 1).
        let perm = [2, 0, 1];
        let mut b = a.clone();
        for (new, &u) in perm.iter().enumerate() {
            b[new] = a[u];
            b[3 + new] = a[3 + u];
            b[6 + new] = a[6 + u];
            b[9 + new] = a[9 + u];
        }
        assert_ne!(a, b);
        let (mut ca, mut cb) = (a.clone(), b.clone());
        canonical_order(&mut ca, &dims);
        canonical_order(&mut cb, &dims);
        assert_eq!(ca, cb);
        // Sorted by first incoming weight: -1.0, 0.5, 2.0 → units 1, 0, 2.
        assert_eq!(&ca[..3], &[-1.0, 0.5, 2.0]);
        assert_eq!(&ca[9..12], &[8.0, 7.0, 9.0]);
        assert_eq!(ca[12], 4.0);
    }
}
