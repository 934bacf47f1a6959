//! The coordinate check of muP (Yang et al. 2022, Tensor Programs V, §D; microsoft/mup's
//! `get_coord_data`): how large each hidden layer's activations are against the width, at
//! initialization and after the first epoch of training. A parametrization whose updates are
//! the right size keeps every layer's size flat in the width; one whose updates grow with the
//! width shows it as lines that climb. From `layers.csv` (`record_layers`): per group of trials
//! that share everything but width and replicate, per hidden layer, the mean over replicates of
//! the activations' standard deviation, and the slope of its logarithm against the width's
//! (0 is flat; 0.5 grows as √width), before and after the epoch, and of their ratio.

use std::collections::{BTreeMap, HashMap};

use super::trials::Setting;
use crate::record::schema::LayerRow;

/// Fewest widths a group needs.
pub const MIN_WIDTHS: usize = super::sweeps::MIN_VALUES;

#[derive(Clone, Debug, PartialEq)]
pub struct Coordinates {
    /// The epoch after initialization the check reads (the first recorded one).
    pub epoch: u32,
    pub groups: Vec<CoordGroup>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CoordGroup {
    /// What sets the group apart from the others (everything but the width, for a single
    /// group), as a caption.
    pub label: String,
    /// Per hidden layer (0-based), in order.
    pub layers: Vec<CoordLayer>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CoordLayer {
    pub layer: usize,
    /// (width, mean activation sd at initialization, after the check's epoch), widths
    /// ascending; NaN where no replicate recorded a finite value.
    pub points: Vec<(u32, f64, f64)>,
    /// Least-squares slope of log sd against log width, at initialization and after the epoch.
    pub slope_init: Option<f64>,
    pub slope_trained: Option<f64>,
    /// The slope of log(sd after the epoch / sd at initialization): how training changed the
    /// size with the width, without the initial draw's noise.
    pub slope_change: Option<f64>,
}

/// What a group's trials share but the width, part by part.
fn parts_of(s: &Setting) -> Vec<String> {
    vec![
        s.dataset.clone(),
        format!("depth {}", s.depth),
        s.activation.clone(),
        s.initializer.clone(),
        format!("gain {}", s.gain_text()),
        s.optimizer.clone(),
        format!("{} parametrization", s.parametrization),
    ]
}

/// Each group's parts cut to those that differ between groups (all of them for a single
/// group), joined into a caption.
fn captions(parts: &[Vec<String>]) -> Vec<String> {
    let differs = |j: usize| parts.len() < 2 || parts.iter().any(|p| p[j] != parts[0][j]);
    let keep: Vec<usize> = (0..parts.first().map_or(0, Vec::len))
        .filter(|&j| differs(j))
        .collect();
    parts
        .iter()
        .map(|p| {
            keep.iter()
                .map(|&j| p[j].as_str())
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .collect()
}

/// The check, when some group has [`MIN_WIDTHS`] widths and an epoch after 0 was recorded.
pub fn analyze(trial: &HashMap<u64, &Setting>, rows: &[LayerRow]) -> Option<Coordinates> {
    let epoch = rows.iter().map(|r| r.epoch).filter(|&e| e > 0).min()?;
    // Per group (in plan order): layer → width → (values at 0, values at `epoch`). A trial's
    // group is worked out at its first row.
    type Values = (Vec<f64>, Vec<f64>);
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut acc: Vec<BTreeMap<usize, BTreeMap<u32, Values>>> = Vec::new();
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    let mut group_of: HashMap<u64, usize> = HashMap::new();
    for r in rows.iter().filter(|r| r.epoch == 0 || r.epoch == epoch) {
        let (Some(s), Some(v)) = (trial.get(&r.trial_id), r.act_std) else {
            continue;
        };
        if !v.is_finite() {
            continue;
        }
        let g = *group_of.entry(r.trial_id).or_insert_with(|| {
            let key = parts_of(s);
            *index.entry(key.clone()).or_insert_with(|| {
                parts.push(key);
                acc.push(BTreeMap::new());
                acc.len() - 1
            })
        });
        let slot = acc[g]
            .entry(r.layer)
            .or_default()
            .entry(s.width)
            .or_default();
        match r.epoch {
            0 => slot.0.push(v),
            _ => slot.1.push(v),
        }
    }
    let mean = |v: &[f64]| crate::stats::mean(v).unwrap_or(f64::NAN);
    let kept: Vec<usize> = (0..acc.len())
        .filter(|&g| acc[g].values().map(BTreeMap::len).max().unwrap_or(0) >= MIN_WIDTHS)
        .collect();
    let kept_parts: Vec<Vec<String>> = kept.iter().map(|&g| parts[g].clone()).collect();
    let groups: Vec<CoordGroup> = kept
        .iter()
        .zip(captions(&kept_parts))
        .map(|(&g, label)| {
            let layers = acc[g]
                .iter()
                .map(|(&layer, by_width)| {
                    let points: Vec<(u32, f64, f64)> = by_width
                        .iter()
                        .map(|(&w, (a, b))| (w, mean(a), mean(b)))
                        .collect();
                    CoordLayer {
                        layer,
                        slope_init: slope(points.iter().map(|p| (p.0, p.1))),
                        slope_trained: slope(points.iter().map(|p| (p.0, p.2))),
                        slope_change: slope(points.iter().map(|p| (p.0, p.2 / p.1))),
                        points,
                    }
                })
                .collect();
            CoordGroup { label, layers }
        })
        .collect();
    (!groups.is_empty()).then_some(Coordinates { epoch, groups })
}

/// Least-squares slope of ln y against ln x over the positive finite points; None with fewer
/// than two distinct x.
pub fn slope(points: impl Iterator<Item = (u32, f64)>) -> Option<f64> {
    let pts: Vec<(f64, f64)> = points
        .filter(|&(_, y)| y.is_finite() && y > 0.0)
        .map(|(x, y)| ((x as f64).ln(), y.ln()))
        .collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (pts.len() >= 2 && sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slope_is_the_power_of_the_width() {
        let sqrt = [16u32, 64, 256].map(|w| (w, 3.0 * (w as f64).sqrt()));
        assert!((slope(sqrt.into_iter()).unwrap() - 0.5).abs() < 1e-12);
        let flat = [16u32, 64, 256].map(|w| (w, 0.7));
        assert!(slope(flat.into_iter()).unwrap().abs() < 1e-12);
        assert_eq!(slope([(16u32, 1.0), (16, 2.0)].into_iter()), None);
        assert_eq!(slope([(16u32, 1.0), (64, f64::NAN)].into_iter()), None);
    }
}
