//! Median training loss by epoch over the trials of each grid cell and initializer, from
//! `curves.csv`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::Result;
use crate::record::schema::{self, CurveRow};
use crate::stats;

/// Each trial's finite training losses, (epoch, loss) in epoch order.
pub type Curves = HashMap<u64, Vec<(u32, f64)>>;

/// `curves.csv`'s training losses by trial.
pub fn read(path: &Path) -> Result<Curves> {
    let mut curves: Curves = HashMap::new();
    schema::read_rows(path, |row: CurveRow, _| {
        if let Some(loss) = row.train_loss.filter(|l| l.is_finite()) {
            curves
                .entry(row.trial_id)
                .or_default()
                .push((row.epoch, loss));
        }
        Ok(())
    })?;
    for points in curves.values_mut() {
        points.sort_by_key(|p| p.0);
    }
    Ok(curves)
}

/// (epoch, median training loss) over `trials` at each epoch any of them recorded.
pub fn median_curve<'a>(curves: &Curves, trials: impl Iterator<Item = &'a u64>) -> Vec<(f64, f64)> {
    let mut by_epoch: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for id in trials {
        for &(epoch, loss) in curves.get(id).map_or(&[][..], |v| v.as_slice()) {
            by_epoch.entry(epoch).or_default().push(loss);
        }
    }
    by_epoch
        .into_iter()
        .filter_map(|(e, losses)| Some((e as f64, stats::median(&losses)?)))
        .collect()
}
