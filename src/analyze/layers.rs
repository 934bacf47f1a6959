//! Hidden layers over training, from `layers.csv` (spec key `record_layers`): per group of
//! trials that share everything but activation, initializer and replicate, each hidden
//! layer's saturated fraction and mean activation against epoch, averaged over replicates
//! (Glorot & Bengio 2010, "Understanding the difficulty of training deep feedforward neural
//! networks", Fig. 2–4), and their Table 1: test error per activation × initializer × data
//! set.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::trials::{CellTrials, Setting};
use crate::error::Result;
use crate::record::canonical::LAYERS;
use crate::record::schema::{self, LayerRow};
use crate::stats;

/// One panel: (activation, initializer) and, per layer, (epoch, mean over replicates).
pub type PanelCurves = ((String, String), Vec<Vec<(f64, f64)>>);

/// Per group (its label), its panels in plan order.
pub type Curves = Vec<(String, Vec<PanelCurves>)>;

/// What `layers.csv` shows.
#[derive(Clone, Debug)]
pub struct Layers {
    pub saturation: Curves,
    pub mean: Curves,
    /// The top hidden layer's saturated fraction at the first and the last recorded epoch,
    /// as `(group, activation, initializer, at first, at last)`.
    pub top_saturation: Vec<(String, String, String, f64, f64)>,
    pub test_error: TestError,
    /// Each layer's size against the width, where the run swept the width.
    pub coordinates: Option<super::coordinates::Coordinates>,
}

/// Test error (1 − final test accuracy, %) over replicates: rows "activation | initializer |
/// depth | width | optimizer", columns data sets, each cell (mean, sd, n).
#[derive(Clone, Debug, Default)]
pub struct TestError {
    pub datasets: Vec<String>,
    pub rows: Vec<(String, Vec<Option<MeanSd>>)>,
}

/// (mean, sd, n) of one cell's replicates.
pub type MeanSd = (f64, f64, usize);

/// `dir/layers.csv` analysed, or `None` when the run did not record layers.
pub fn analyze(dir: &Path, cells: &[CellTrials]) -> Result<Option<Layers>> {
    let path = dir.join(LAYERS);
    if !path.exists() {
        return Ok(None);
    }
    let rows: Vec<LayerRow> = schema::read_all(&path)?;
    let trial: HashMap<u64, &Setting> = cells
        .iter()
        .flat_map(|c| c.ids.iter().map(move |&id| (id, &c.setting)))
        .collect();
    let saturation = curves(&trial, &rows, |r| r.saturated_frac);
    let mut top_saturation = Vec::new();
    for (group, panels) in &saturation {
        for ((act, init), series) in panels {
            let Some(top) = series.last() else { continue };
            if let (Some(first), Some(last)) = (top.first(), top.last()) {
                top_saturation.push((group.clone(), act.clone(), init.clone(), first.1, last.1));
            }
        }
    }
    Ok(Some(Layers {
        mean: curves(&trial, &rows, |r| r.act_mean),
        saturation,
        top_saturation,
        test_error: test_error(cells),
        coordinates: super::coordinates::analyze(&trial, &rows),
    }))
}

/// What a figure's panels share: every axis but activation, initializer and replicate.
fn group_of(s: &Setting) -> String {
    let mut out = format!(
        "{} · depth {} · width {} · {} · gain {}",
        s.dataset,
        s.depth,
        s.width,
        s.optimizer,
        s.gain_text()
    );
    if s.parametrization != "standard" {
        out.push_str(&format!(" · {}", s.parametrization));
    }
    out
}

/// Values by layer and epoch.
type ByLayer = BTreeMap<usize, BTreeMap<u32, Vec<f64>>>;

fn curves(
    trial: &HashMap<u64, &Setting>,
    rows: &[LayerRow],
    value: fn(&LayerRow) -> Option<f64>,
) -> Curves {
    // (group, panel) → layer → epoch → values, keeping first-seen (plan) order.
    let mut order: Vec<(String, (String, String))> = Vec::new();
    let mut acc: HashMap<(String, (String, String)), ByLayer> = HashMap::new();
    for r in rows {
        let Some(s) = trial.get(&r.trial_id) else {
            continue;
        };
        let Some(v) = value(r).filter(|v| v.is_finite()) else {
            continue;
        };
        let key = (group_of(s), (s.activation.clone(), s.initializer.clone()));
        if !acc.contains_key(&key) {
            order.push(key.clone());
        }
        acc.entry(key)
            .or_default()
            .entry(r.layer)
            .or_default()
            .entry(r.epoch)
            .or_default()
            .push(v);
    }
    let mut out: Curves = Vec::new();
    for key in order {
        let layers = &acc[&key];
        let series = layers
            .values()
            .map(|by_epoch| {
                by_epoch
                    .iter()
                    .map(|(&e, vs)| (e as f64, stats::mean(vs).unwrap_or(f64::NAN)))
                    .collect()
            })
            .collect();
        match out.iter_mut().find(|(g, _)| *g == key.0) {
            Some((_, panels)) => panels.push((key.1, series)),
            None => out.push((key.0, vec![(key.1, series)])),
        }
    }
    out
}

fn test_error(cells: &[CellTrials]) -> TestError {
    let mut datasets: Vec<String> = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut values: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for c in cells.iter().filter(|c| !c.final_test_acc.is_empty()) {
        let s = &c.setting;
        if !datasets.contains(&s.dataset) {
            datasets.push(s.dataset.clone());
        }
        let row = format!(
            "{} | {} | {} | {} | {}",
            s.activation, s.initializer, s.depth, s.width, s.optimizer
        );
        if !rows.contains(&row) {
            rows.push(row.clone());
        }
        values
            .entry((row, s.dataset.clone()))
            .or_default()
            .extend(c.final_test_acc.iter().map(|acc| 100.0 * (1.0 - acc)));
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let cells = datasets
                .iter()
                .map(|d| {
                    let v = values.get(&(row.clone(), d.clone()))?;
                    let m = stats::mean(v).unwrap_or(f64::NAN);
                    Some((m, stats::sd(v).unwrap_or(0.0), v.len()))
                })
                .collect();
            (row, cells)
        })
        .collect();
    TestError { datasets, rows }
}
