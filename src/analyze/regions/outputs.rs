//! A map already made, read back from what [`super::regions`] wrote (`som_fit.csv`,
//! `som_nodes.csv`, `separation.csv`, `regions.csv`), with what the report adds to it: the
//! node × outcome test within each setting and the values of the separating features.

use std::path::Path;

use super::features::{self, Samples};
use super::within::{self, WithinSettings};
use super::FILES;
use crate::analyze::trials::CellTrials;
use crate::error::{Error, Result};
use crate::record::schema::{self, RegionRow, SeparationRow, SomFitRow, SomNodeRow};

/// A mapped folder's map.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapped {
    pub fit: SomFitRow,
    pub nodes: Vec<SomNodeRow>,
    /// Most separating feature first.
    pub separation: Vec<SeparationRow>,
    /// The node × outcome test within each setting; None for a single setting or where no
    /// setting's test is defined.
    pub within: Option<WithinSettings>,
    /// Per row of `separation`, the feature's values by outcome (None for a feature the
    /// results do not hold).
    pub samples: Vec<Option<Samples>>,
    pub nodes_summary: NodeSummary,
}

/// Success at or above this in a node counts as a "good" region, at or below `LOW_RATE` as a
/// "bad" one.
pub const HIGH_RATE: f64 = 0.9;
pub const LOW_RATE: f64 = 0.1;

/// Nodes with fewer trials than this have no mean accuracy to show: a mean over one or two
/// trials says little about a region.
pub const MIN_ACCURACY_HITS: usize = 3;

/// The map's nodes in a few numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSummary {
    /// Nodes that hold trials, and those that hold none.
    pub occupied: usize,
    pub empty: usize,
    /// (nodes, their trials) succeeding in at least [`HIGH_RATE`] and at most [`LOW_RATE`].
    pub high: (usize, usize),
    pub low: (usize, usize),
    /// The lowest and highest mean accuracy over the nodes with at least
    /// [`MIN_ACCURACY_HITS`] trials, and how many such nodes; None where none has one.
    pub accuracy_range: Option<(f64, f64, usize)>,
    /// The trials' mean accuracy (node means weighted by hits) in nodes where at least half
    /// converged and in the others, each with its trials; None unless both kinds exist.
    pub accuracy_by_outcome: Option<((f64, u64), (f64, u64))>,
}

impl NodeSummary {
    fn new(nodes: &[SomNodeRow]) -> NodeSummary {
        let occupied: Vec<&SomNodeRow> = nodes.iter().filter(|n| n.hits > 0).collect();
        let tally = |keep: &dyn Fn(f64) -> bool| -> (usize, usize) {
            let sel: Vec<_> = occupied
                .iter()
                .filter(|n| n.success_rate.is_some_and(keep))
                .collect();
            (sel.len(), sel.iter().map(|n| n.hits).sum())
        };
        let accuracy = |n: &SomNodeRow| n.mean_accuracy.filter(|a| a.is_finite());
        let shown: Vec<f64> = nodes
            .iter()
            .filter(|n| n.hits >= MIN_ACCURACY_HITS)
            .filter_map(accuracy)
            .collect();
        let lo = shown.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = shown.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let region_mean = |keep: &dyn Fn(f64) -> bool| -> Option<(f64, u64)> {
            let (sum, hits) = nodes
                .iter()
                .filter(|n| n.success_rate.is_some_and(keep))
                .filter_map(|n| Some((accuracy(n)?, n.hits as u64)))
                .fold((0.0, 0u64), |(s, h), (a, n)| (s + a * n as f64, h + n));
            (hits > 0).then(|| (sum / hits as f64, hits))
        };
        NodeSummary {
            occupied: occupied.len(),
            empty: nodes.len() - occupied.len(),
            high: tally(&|r| r >= HIGH_RATE),
            low: tally(&|r| r <= LOW_RATE),
            accuracy_range: lo.is_finite().then_some((lo, hi, shown.len())),
            accuracy_by_outcome: region_mean(&|r| r >= 0.5).zip(region_mean(&|r| r < 0.5)),
        }
    }
}

impl Mapped {
    /// Trials mapped (the sum of the nodes' hits).
    pub fn trials(&self) -> usize {
        self.nodes.iter().map(|n| n.hits).sum()
    }
}

/// The map of `dir`, whose trials are `cells`: `None` when the folder has not been mapped;
/// an input error when only some of the map's files are there or one is malformed.
pub fn load(dir: &Path, cells: &[CellTrials]) -> Result<Option<Mapped>> {
    let marks = &FILES[..3];
    let present: Vec<bool> = marks.iter().map(|f| dir.join(f).exists()).collect();
    if present.iter().all(|p| !p) {
        return Ok(None);
    }
    if let Some(i) = present.iter().position(|p| !p) {
        return Err(Error::Input(format!(
            "{}: missing beside the other `initbench regions` outputs; run `initbench regions {}` \
             again",
            dir.join(marks[i]).display(),
            dir.display()
        )));
    }
    let fit_path = dir.join("som_fit.csv");
    let fit = schema::read_all::<SomFitRow>(&fit_path)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Input(format!("{}: no row", fit_path.display())))?;
    let nodes_path = dir.join("som_nodes.csv");
    let nodes: Vec<SomNodeRow> = schema::read_all(&nodes_path)?;
    if nodes.len() != fit.rows * fit.cols
        || nodes.iter().any(|n| n.row >= fit.rows || n.col >= fit.cols)
    {
        return Err(Error::Input(format!(
            "{}: does not hold the {}×{} map of som_fit.csv",
            nodes_path.display(),
            fit.rows,
            fit.cols
        )));
    }
    let separation: Vec<SeparationRow> = schema::read_all(&dir.join("separation.csv"))?;
    let regions_path = dir.join("regions.csv");
    let within = if regions_path.exists() {
        let rows: Vec<RegionRow> = schema::read_all(&regions_path)?;
        within::test(&rows, cells)
    } else {
        None
    };
    let samples = feature_samples(dir, &separation)?;
    Ok(Some(Mapped {
        nodes_summary: NodeSummary::new(&nodes),
        fit,
        nodes,
        separation,
        within,
        samples,
    }))
}

/// The values of each separating feature, from the same inputs the map read.
fn feature_samples(dir: &Path, separation: &[SeparationRow]) -> Result<Vec<Option<Samples>>> {
    if separation.is_empty() {
        return Ok(Vec::new());
    }
    let inputs = features::read(dir)?;
    let values: Vec<Vec<f64>> = inputs
        .trials
        .iter()
        .zip(&inputs.layers)
        .map(|(t, ls)| features::features(t, ls))
        .collect();
    let names = features::names();
    Ok(separation
        .iter()
        .map(|s| {
            let f = names.iter().position(|n| *n == s.feature)?;
            Some(features::samples(&inputs.trials, &values, f))
        })
        .collect())
}
