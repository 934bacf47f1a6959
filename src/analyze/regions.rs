//! `initbench regions`: which regions of initial-weight space train, after Adam, Karras &
//! Vrahatis (2008). Reads only the results folder (`trials.csv`, `weights.csv`,
//! `init_vectors.csv`, `manifest.json`).
//!
//! Each trial becomes a vector: its whole initial parameter vector when every network was
//! small enough to have one recorded (with hidden units put in a canonical order, since
//! permuting a layer's units gives the same function: units are sorted by their incoming
//! weights, then bias), otherwise a fixed set of features (first- and last-layer weight
//! statistics and the at-initialization diagnostics), which exist for every depth. The vectors
//! are standardized and mapped with a Kohonen SOM; each node gets its trials' success rate
//! (Wilson interval), Kaplan–Meier median epochs-to-target and mean accuracy, and a χ² test
//! asks whether outcome depends on the node. Separately, every feature is scored by how well
//! it alone separates success from failure (AUC) and its best single threshold rule.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::separation::{self, FeatureSeparation};
use super::som::{self, Som};
use super::trials::{self, TrialRecord};
use crate::error::{Error, Result};
use crate::record::canonical::write_table;
use crate::record::rows::real;
use crate::record::Manifest;
use crate::stats;

/// What the map is trained on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Whole vectors when every trial has one of the same length, else features.
    Auto,
    Vectors,
    Features,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub input: Input,
    /// Map size; chosen from the data when `None`.
    pub grid: Option<(usize, usize)>,
    /// Keep hidden units in their recorded order instead of the canonical one.
    pub raw_order: bool,
}

/// What `regions` found (also written to `som_fit.csv`).
pub struct Regions {
    pub input: Input,
    pub dims: usize,
    pub som: Som,
    pub quantization_error: f64,
    pub topographic_error: f64,
    pub chi_square: Option<stats::ChiSquareTest>,
    pub nodes: Vec<som::NodeStats>,
    pub separation: Vec<FeatureSeparation>,
}

/// One layer's row of `weights.csv` (its trial is the key it is filed under).
struct WeightRow {
    layer: usize,
    fan_in: usize,
    fan_out: usize,
    mean: f64,
    std: f64,
    max_abs: f64,
    frobenius: f64,
    spectral: f64,
}

/// A row of `weights.csv` as read, borrowed from the reader's buffer.
#[derive(Deserialize)]
struct WeightLine<'a> {
    trial_id: &'a str,
    layer: usize,
    fan_in: usize,
    fan_out: usize,
    mean: f64,
    std: f64,
    max_abs: f64,
    frobenius: f64,
    spectral: f64,
}

/// A row of `init_vectors.csv` as read.
#[derive(Deserialize)]
struct VectorLine<'a> {
    trial_id: &'a str,
    value: f64,
}

/// Reads `path` row by row, handing each record (with the header) to `each`, without an
/// allocation per row. Errors name the file and line.
fn read_rows(
    path: &Path,
    mut each: impl FnMut(&csv::StringRecord, &csv::StringRecord) -> csv::Result<()>,
) -> Result<()> {
    if !path.exists() {
        return Err(Error::Input(format!(
            "{}: missing; is this an initbench results folder?",
            path.display()
        )));
    }
    let mut r =
        csv::Reader::from_path(path).map_err(|e| crate::record::writer::csv_error(path, e))?;
    let at = |i: usize, e: csv::Error| Error::Input(format!("{}:{}: {e}", path.display(), i + 2));
    let headers = r.headers().map_err(|e| at(0, e))?.clone();
    let mut record = csv::StringRecord::new();
    for i in 0.. {
        match r.read_record(&mut record) {
            Ok(true) => each(&record, &headers).map_err(|e| at(i, e))?,
            Ok(false) => break,
            Err(e) => return Err(at(i, e)),
        }
    }
    Ok(())
}

/// Files `value` under `trial`, allocating the key only for a trial's first row.
/// weights.csv's rows by trial.
fn read_layers(dir: &Path) -> Result<HashMap<String, Vec<WeightRow>>> {
    let mut layers: HashMap<String, Vec<WeightRow>> = HashMap::new();
    read_rows(&dir.join("weights.csv"), |record, headers| {
        let w: WeightLine = record.deserialize(Some(headers))?;
        let row = WeightRow {
            layer: w.layer,
            fan_in: w.fan_in,
            fan_out: w.fan_out,
            mean: w.mean,
            std: w.std,
            max_abs: w.max_abs,
            frobenius: w.frobenius,
            spectral: w.spectral,
        };
        file(&mut layers, w.trial_id, row);
        Ok(())
    })?;
    Ok(layers)
}

/// init_vectors.csv's values by trial, in file order.
fn read_vectors(dir: &Path) -> Result<HashMap<String, Vec<f64>>> {
    let mut vecs: HashMap<String, Vec<f64>> = HashMap::new();
    read_rows(&dir.join("init_vectors.csv"), |record, headers| {
        let v: VectorLine = record.deserialize(Some(headers))?;
        file(&mut vecs, v.trial_id, v.value);
        Ok(())
    })?;
    Ok(vecs)
}

fn file<V>(by_trial: &mut HashMap<String, Vec<V>>, trial: &str, value: V) {
    match by_trial.get_mut(trial) {
        Some(v) => v.push(value),
        None => {
            by_trial.insert(trial.to_string(), vec![value]);
        }
    }
}

const LAYER_FEATURES: [&str; 5] = ["mean", "std", "max_abs", "frobenius", "spectral"];

/// Features every network has, whatever its depth, with their names.
fn features(t: &TrialRecord, layers: &[&WeightRow]) -> (Vec<String>, Vec<f64>) {
    let mut names = Vec::new();
    let mut values = Vec::new();
    let (first, last) = (layers[0], layers[layers.len() - 1]);
    for (which, l) in [("first_layer", first), ("last_layer", last)] {
        let v = [l.mean, l.std, l.max_abs, l.frobenius, l.spectral];
        for (f, x) in LAYER_FEATURES.iter().zip(v) {
            names.push(format!("{which}_{f}"));
            values.push(x);
        }
    }
    let diag = [
        ("init_loss", t.init_loss),
        ("init_grad_norm_first", t.init_grad_norm_first),
        ("init_grad_norm_last", t.init_grad_norm_last),
        ("init_act_std_first", t.init_act_std_first),
        ("init_act_std_last", t.init_act_std_last),
    ];
    for (name, v) in diag {
        names.push(name.to_string());
        values.push(v.unwrap_or(f64::NAN));
    }
    (names, values)
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

pub fn regions(dir: &Path, opts: &Options) -> Result<Regions> {
    let manifest = Manifest::read(&dir.join("manifest.json"))?;
    let budget = manifest.spec["epochs"].as_u64().unwrap_or(0) as u32;
    // The three files are read side by side; their errors come in the order a reader taking
    // them one after another would meet them.
    let (records, (layers, vecs)) = rayon::join(
        || trials::read(&dir.join("trials.csv")),
        || rayon::join(|| read_layers(dir), || read_vectors(dir)),
    );
    let records = records?;
    if records.len() < 4 {
        return Err(Error::Input(format!(
            "{}: a map needs at least 4 trials, found {}",
            dir.display(),
            records.len()
        )));
    }
    let (layers, vecs) = (layers?, vecs?);
    let mut names = Vec::new();
    let mut feats = Vec::with_capacity(records.len());
    for t in &records {
        let mut ls: Vec<&WeightRow> = layers
            .get(t.trial_id.as_str())
            .map(|ls| ls.iter().collect())
            .ok_or_else(|| {
                Error::Input(format!("weights.csv has no rows for trial {}", t.trial_id))
            })?;
        ls.sort_by_key(|w| w.layer);
        let (n, f) = features(t, &ls);
        names = n;
        feats.push(f);
    }
    let same_length = records
        .iter()
        .map(|t| vecs.get(t.trial_id.as_str()).map(Vec::len))
        .collect::<Option<Vec<_>>>()
        .filter(|lens| lens.windows(2).all(|w| w[0] == w[1]));
    let input = match (opts.input, &same_length) {
        (Input::Auto, Some(_)) | (Input::Vectors, Some(_)) => Input::Vectors,
        (Input::Vectors, None) => {
            return Err(Error::Input(
                "--input vectors needs every trial's whole initial vector, all of one length (raise weights_max_params, or map features)".into(),
            ))
        }
        _ => Input::Features,
    };
    let data: Vec<Vec<f64>> = match input {
        Input::Vectors => records
            .iter()
            .map(|t| {
                let mut v = vecs[t.trial_id.as_str()].clone();
                if !opts.raw_order {
                    let mut ls: Vec<&WeightRow> = layers[t.trial_id.as_str()].iter().collect();
                    ls.sort_by_key(|w| w.layer);
                    let dims: Vec<(usize, usize)> =
                        ls.iter().map(|w| (w.fan_in, w.fan_out)).collect();
                    canonical_order(&mut v, &dims);
                }
                v
            })
            .collect(),
        _ => feats
            .iter()
            .map(|f| {
                f.iter()
                    .map(|x| if x.is_finite() { *x } else { 0.0 })
                    .collect()
            })
            .collect(),
    };
    let (standard, _) = som::standardize(&data);
    let seed = manifest.experiment_seed;
    let success: Vec<bool> = records.iter().map(TrialRecord::converged).collect();
    // The separation reads the features, not the map, so it runs beside the map's training.
    let ((map, (assign, quantization_error, topographic_error)), separation) = rayon::join(
        || {
            let (_, map) = Som::train_shaped(&standard, opts.grid, seed);
            let fit = map.fit_measures(&standard);
            (map, fit)
        },
        || separation::separate(&names, &feats, &success),
    );
    let nodes = som::node_table(&assign, map.nodes(), &success);
    let chi_square = som::node_outcome_test(&assign, map.nodes(), &success);
    let found = Regions {
        input,
        dims: standard[0].len(),
        quantization_error,
        topographic_error,
        chi_square,
        nodes,
        separation,
        som: map,
    };
    write(dir, &found, &records, &assign, &standard, budget)?;
    Ok(found)
}

fn write(
    dir: &Path,
    r: &Regions,
    records: &[TrialRecord],
    assign: &[usize],
    data: &[Vec<f64>],
    budget: u32,
) -> Result<()> {
    let o = |x: Option<f64>| x.map(real).unwrap_or_default();
    let u = r.som.u_matrix();
    let mut header = vec![
        "node",
        "row",
        "col",
        "hits",
        "successes",
        "success_rate",
        "success_rate_ci_low",
        "success_rate_ci_high",
        "median_epochs_to_target",
        "mean_accuracy",
        "u_matrix",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    header.extend((0..r.dims).map(|k| format!("prototype_{k}")));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = r.nodes.iter().map(|n| {
        let (row, col) = r.som.position(n.node);
        let members: Vec<&TrialRecord> = records
            .iter()
            .zip(assign)
            .filter(|(_, &a)| a == n.node)
            .map(|(t, _)| t)
            .collect();
        let times: Vec<(f64, bool)> = members.iter().map(|t| t.survival(budget)).collect();
        let median = stats::kaplan_meier(&times).and_then(|k| k.median());
        let acc: Vec<f64> = members
            .iter()
            .filter_map(|t| t.final_test_acc.or(t.final_train_acc))
            .collect();
        let mut v = vec![
            n.node.to_string(),
            row.to_string(),
            col.to_string(),
            n.hits.to_string(),
            n.successes.to_string(),
            o(n.success_rate),
            o(n.ci.map(|c| c.0)),
            o(n.ci.map(|c| c.1)),
            o(median),
            o(stats::mean(&acc)),
            real(u[n.node]),
        ];
        v.extend(r.som.prototypes[n.node].iter().map(|x| real(*x)));
        v
    });
    write_table(&dir.join("som_nodes.csv"), &header_refs, rows)?;
    let rows = records.iter().zip(assign).zip(data).map(|((t, &a), x)| {
        let (row, col) = r.som.position(a);
        let d: f64 = x
            .iter()
            .zip(&r.som.prototypes[a])
            .map(|(p, q)| (p - q).powi(2))
            .sum::<f64>()
            .sqrt();
        vec![
            t.trial_id.clone(),
            a.to_string(),
            row.to_string(),
            col.to_string(),
            real(d),
            t.status.clone(),
        ]
    });
    write_table(
        &dir.join("regions.csv"),
        &["trial_id", "node", "row", "col", "distance", "status"],
        rows,
    )?;
    let rows = r.separation.iter().map(|s| {
        vec![
            s.feature.clone(),
            real(s.auc),
            real(s.auc_ci.0),
            real(s.auc_ci.1),
            real(s.p_value),
            s.n_success.to_string(),
            s.n_failure.to_string(),
            real(s.rule.threshold),
            if s.rule.above { "above" } else { "below" }.to_string(),
            real(s.rule.failure_rate),
            s.rule.selected.to_string(),
            real(s.rule.accuracy),
            s.describe(),
        ]
    });
    write_table(
        &dir.join("separation.csv"),
        &[
            "feature",
            "auc",
            "auc_ci_low",
            "auc_ci_high",
            "mann_whitney_p",
            "n_success",
            "n_failure",
            "rule_threshold",
            "rule_fails_when",
            "rule_failure_rate",
            "rule_selected",
            "rule_accuracy",
            "rule",
        ],
        rows,
    )?;
    let chi = r.chi_square.as_ref();
    let fit = vec![
        match r.input {
            Input::Vectors => "vectors",
            _ => "features",
        }
        .to_string(),
        r.dims.to_string(),
        r.som.rows.to_string(),
        r.som.cols.to_string(),
        real(r.quantization_error),
        real(r.topographic_error),
        o(chi.map(|c| c.statistic)),
        chi.map(|c| c.df.to_string()).unwrap_or_default(),
        o(chi.map(|c| c.p_value)),
        o(chi.map(|c| c.min_expected)),
    ];
    write_table(
        &dir.join("som_fit.csv"),
        &[
            "input",
            "dims",
            "rows",
            "cols",
            "quantization_error",
            "topographic_error",
            "chi_square",
            "chi_square_df",
            "chi_square_p",
            "min_expected",
        ],
        std::iter::once(fit),
    )
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
