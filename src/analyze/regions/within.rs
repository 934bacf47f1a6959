//! Node × outcome χ² tests within each setting (every axis value and the initializer held
//! fixed), summed. The map's overall test mixes two things: settings that differ (a gain of
//! 10 against 0.3) land in different regions and train differently. Within one setting only
//! the random draw differs, so this asks whether the region of the draw itself matters; the
//! sum of independent χ² statistics is χ² with the summed degrees of freedom.

use std::collections::{BTreeMap, HashMap};

use crate::analyze::grid::{key_of, Key};
use crate::analyze::trials::CellTrials;
use crate::record::schema::{RegionRow, Status};
use crate::stats;

#[derive(Clone, Debug, PartialEq)]
pub struct WithinSettings {
    /// Settings in the folder, and those where the test is defined (both outcomes and two or
    /// more occupied nodes).
    pub settings: usize,
    pub tested: usize,
    pub statistic: f64,
    pub df: u64,
    pub p_value: f64,
    /// The smallest and largest per-setting p-values.
    pub p_min: f64,
    pub p_max: f64,
}

/// The test from the map's assignments (`regions.csv`) and the trials' cells; None for a
/// single setting or where no setting's test is defined.
pub fn test(rows: &[RegionRow], cells: &[CellTrials]) -> Option<WithinSettings> {
    let node_of: HashMap<u64, usize> = rows.iter().map(|r| (r.trial_id, r.node)).collect();
    // Setting → node → [converged, not], settings in their sorted order so the sum is taken
    // in a fixed order.
    let mut tables: BTreeMap<(Key, &str), BTreeMap<usize, [u64; 2]>> = BTreeMap::new();
    for c in cells {
        for (id, status) in c.ids.iter().zip(&c.statuses) {
            let Some(&node) = node_of.get(id) else {
                continue;
            };
            let counts = tables
                .entry((key_of(&c.setting), c.setting.initializer.as_str()))
                .or_default()
                .entry(node)
                .or_default();
            counts[usize::from(*status != Status::Converged)] += 1;
        }
    }
    if tables.len() < 2 {
        return None;
    }
    let tests: Vec<stats::ChiSquareTest> = tables
        .values()
        .filter_map(|nodes| {
            let table: Vec<Vec<u64>> = nodes.values().map(|c| c.to_vec()).collect();
            stats::chi_square_independence(&table)
        })
        .collect();
    if tests.is_empty() {
        return None;
    }
    let statistic: f64 = tests.iter().map(|t| t.statistic).sum();
    let df: u64 = tests.iter().map(|t| t.df).sum();
    let ps = tests.iter().map(|t| t.p_value);
    Some(WithinSettings {
        settings: tables.len(),
        tested: tests.len(),
        statistic,
        df,
        p_value: stats::chi_square_upper(statistic, df as f64),
        p_min: ps.clone().fold(f64::INFINITY, f64::min),
        p_max: ps.fold(f64::NEG_INFINITY, f64::max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::trials::{cells_of, test_row};

    #[test]
    fn the_tests_of_settings_where_one_is_defined_are_summed() {
        let mut trials = Vec::new();
        let mut regions = Vec::new();
        let mut add = |depth: u32, node: usize, converged: bool| {
            let status = if converged {
                Status::Converged
            } else {
                Status::NotConverged
            };
            let mut t = test_row("random_uniform", status, None, None);
            t.trial_id = trials.len() as u64;
            t.depth = depth;
            regions.push(RegionRow {
                trial_id: t.trial_id,
                node,
                row: 0,
                col: node,
                distance: 0.1,
                status,
            });
            trials.push(t);
        };
        // Depth 1: node 0 always converges, node 1 never: χ² = 20, df = 1.
        // Depth 2: both nodes half and half: χ² = 0, df = 1.
        // Depth 4: every trial converges, so its test is undefined and left out.
        for i in 0..10 {
            add(1, 0, true);
            add(1, 1, false);
            add(2, 0, i < 5);
            add(2, 1, i < 5);
            add(4, i % 2, true);
        }
        let cells = cells_of(&trials);
        let w = test(&regions, &cells).unwrap();
        assert_eq!((w.settings, w.tested, w.df), (3, 2, 2));
        assert!((w.statistic - 20.0).abs() < 1e-9, "{}", w.statistic);
        // χ² with 2 df: upper tail exp(−x/2).
        assert!((w.p_value - (-10f64).exp()).abs() < 1e-12, "{}", w.p_value);
        assert!((w.p_max - 1.0).abs() < 1e-9);
        // A single setting has nothing to sum.
        let one: Vec<_> = trials.iter().filter(|t| t.depth == 1).cloned().collect();
        assert!(test(&regions, &cells_of(&one)).is_none());
    }
}
