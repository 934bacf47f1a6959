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

pub mod features;
pub mod outputs;
pub mod within;

use std::path::Path;

use super::separation::{self, FeatureSeparation};
use super::som::{self, Som};
use crate::error::{Error, Result};
use crate::record::canonical::{write_rows, write_table};
use crate::record::schema::{
    self, MapInput, Reals, RegionRow, SeparationRow, Side, SomFitRow, SomNodeRow, TrialRow,
};
use crate::record::Manifest;
use crate::stats;

pub use outputs::Mapped;

/// The files a map writes; the first three mark a folder as mapped.
pub const FILES: [&str; 4] = [
    "som_nodes.csv",
    "som_fit.csv",
    "separation.csv",
    "regions.csv",
];

/// Largest sweep whose weight-space map is drawn at the end of a run (the map's training time
/// grows with trials × nodes; `initbench regions` maps any size on request).
pub const AUTO_MAX_TRIALS: usize = 20_000;

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
    /// The memory the map may take; `None` checks nothing.
    pub memory: Option<crate::memory::Limit>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            input: Input::Auto,
            grid: None,
            raw_order: false,
            memory: None,
        }
    }
}

/// What `regions` found (also written to `som_fit.csv`).
pub struct Regions {
    pub input: MapInput,
    pub dims: usize,
    pub som: Som,
    pub quantization_error: f64,
    pub topographic_error: f64,
    pub chi_square: Option<stats::ChiSquareTest>,
    pub nodes: Vec<som::NodeStats>,
    pub separation: Vec<FeatureSeparation>,
}

pub fn regions(dir: &Path, opts: &Options) -> Result<Regions> {
    let manifest = Manifest::read(&dir.join("manifest.json"))?;
    let budget = manifest.spec["epochs"].as_u64().unwrap_or(0) as u32;
    let inputs = features::read(dir)?;
    let records = &inputs.trials;
    if records.len() < 4 {
        return Err(Error::Input(format!(
            "{}: a map needs at least 4 trials, found {}",
            dir.display(),
            records.len()
        )));
    }
    let names = features::names();
    let feats: Vec<Vec<f64>> = records
        .iter()
        .zip(&inputs.layers)
        .map(|(t, ls)| features::features(t, ls))
        .collect();
    let same_length = records
        .iter()
        .map(|t| inputs.vectors.get(&t.trial_id).map(Vec::len))
        .collect::<Option<Vec<_>>>()
        .filter(|lens| lens.windows(2).all(|w| w[0] == w[1]));
    let input = match (opts.input, &same_length) {
        (Input::Auto, Some(_)) | (Input::Vectors, Some(_)) => MapInput::Vectors,
        (Input::Vectors, None) => {
            return Err(Error::Input(
                "--input vectors needs every trial's whole initial vector, all of one length (raise weights_max_params, or map features)".into(),
            ))
        }
        _ => MapInput::Features,
    };
    let data: Vec<Vec<f64>> = match input {
        MapInput::Vectors => records
            .iter()
            .zip(&inputs.layers)
            .map(|(t, ls)| {
                let mut v = inputs.vectors[&t.trial_id].clone();
                if !opts.raw_order {
                    let dims: Vec<(usize, usize)> =
                        ls.iter().map(|w| (w.fan_in, w.fan_out)).collect();
                    features::canonical_order(&mut v, &dims);
                }
                v
            })
            .collect(),
        MapInput::Features => feats
            .iter()
            .map(|f| {
                f.iter()
                    .map(|x| if x.is_finite() { *x } else { 0.0 })
                    .collect()
            })
            .collect(),
    };
    if let (Some(limit), Some((r, c))) = (opts.memory, opts.grid) {
        // The codebook and its training sums (dims each per node), and each trial's distance
        // to every node.
        let nodes = r as u128 * c as u128;
        let dims = data.first().map_or(0, Vec::len) as u128;
        limit.check(
            &format!(
                "a {r}x{c} map of {} trials in {dims} dimensions",
                data.len()
            ),
            8 * nodes * (3 * dims + data.len() as u128),
            "use a smaller --grid",
        )?;
    }
    let (standard, _) = som::standardize(&data);
    let seed = manifest.experiment_seed;
    let success: Vec<bool> = records.iter().map(TrialRow::converged).collect();
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
    write(dir, &found, records, &assign, &standard, budget)?;
    Ok(found)
}

fn write(
    dir: &Path,
    r: &Regions,
    records: &[TrialRow],
    assign: &[usize],
    data: &[Vec<f64>],
    budget: u32,
) -> Result<()> {
    let u = r.som.u_matrix();
    let mut header: Vec<String> = schema::columns::<SomNodeRow>()
        .iter()
        .map(|c| c.to_string())
        .collect();
    header.extend((0..r.dims).map(|k| format!("prototype_{k}")));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = r.nodes.iter().map(|n| {
        let (row, col) = r.som.position(n.node);
        let members: Vec<&TrialRow> = records
            .iter()
            .zip(assign)
            .filter(|(_, &a)| a == n.node)
            .map(|(t, _)| t)
            .collect();
        let times: Vec<(f64, bool)> = members
            .iter()
            .map(|t| match (t.converged(), t.epochs_to_target) {
                (true, Some(e)) => (e as f64, true),
                _ => (budget as f64, false),
            })
            .collect();
        let median = stats::kaplan_meier(&times).and_then(|k| k.median());
        let acc: Vec<f64> = members
            .iter()
            .filter_map(|t| t.final_test_acc.or(t.final_train_acc))
            .collect();
        let node = SomNodeRow {
            node: n.node,
            row,
            col,
            hits: n.hits,
            successes: n.successes,
            success_rate: n.success_rate,
            success_rate_ci_low: n.ci.map(|c| c.0),
            success_rate_ci_high: n.ci.map(|c| c.1),
            median_epochs_to_target: median,
            mean_accuracy: stats::mean(&acc),
            u_matrix: u[n.node],
        };
        (node, Reals(&r.som.prototypes[n.node]))
    });
    write_table(&dir.join(FILES[0]), &header, rows)?;
    let rows = records.iter().zip(assign).zip(data).map(|((t, &a), x)| {
        let (row, col) = r.som.position(a);
        let distance: f64 = x
            .iter()
            .zip(&r.som.prototypes[a])
            .map(|(p, q)| (p - q).powi(2))
            .sum::<f64>()
            .sqrt();
        RegionRow {
            trial_id: t.trial_id,
            node: a,
            row,
            col,
            distance,
            status: t.status,
        }
    });
    write_rows(&dir.join("regions.csv"), rows)?;
    let rows = r.separation.iter().map(|s| SeparationRow {
        feature: s.feature.clone(),
        auc: s.auc,
        auc_ci_low: s.auc_ci.0,
        auc_ci_high: s.auc_ci.1,
        mann_whitney_p: s.p_value,
        n_success: s.n_success,
        n_failure: s.n_failure,
        rule_threshold: schema::finite(s.rule.threshold),
        rule_fails_when: if s.rule.above {
            Side::Above
        } else {
            Side::Below
        },
        rule_failure_rate: schema::finite(s.rule.failure_rate),
        rule_selected: s.rule.selected,
        rule_accuracy: s.rule.accuracy,
        rule: s.describe(),
    });
    write_rows(&dir.join("separation.csv"), rows)?;
    let chi = r.chi_square.as_ref();
    let fit = SomFitRow {
        input: r.input,
        dims: r.dims,
        rows: r.som.rows,
        cols: r.som.cols,
        quantization_error: r.quantization_error,
        topographic_error: r.topographic_error,
        chi_square: chi.map(|c| c.statistic),
        chi_square_df: chi.map(|c| c.df),
        chi_square_p: chi.map(|c| c.p_value),
        min_expected: chi.map(|c| c.min_expected),
    };
    write_rows(&dir.join("som_fit.csv"), [fit])
}
