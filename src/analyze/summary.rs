//! `summary.csv`: one row per cell (every axis value but the replicate) with honest
//! statistics: success rate with a Wilson 95% interval; time to convergence as censored data
//! (Kaplan–Meier median epochs-to-target with its Brookmeyer–Crowley 95% interval, trials that
//! never converged censored at the budget, not dropped); final and best test accuracy as
//! mean, sd and median with percentile-bootstrap 95% intervals.

use std::path::Path;

use rayon::prelude::*;

use super::trials::{CellTrials, TrialRecord, CELL_AXES};
use crate::error::Result;
use crate::record::rows::real;
use crate::stats;

/// Bootstrap resamples per interval; the seed makes summary.csv the same bytes every time.
const RESAMPLES: usize = 2000;
const CONFIDENCE: f64 = 0.95;

/// Mean, sd and median of one accuracy measure in a cell, with bootstrap intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    pub n: usize,
    pub mean: Option<f64>,
    pub mean_ci: Option<(f64, f64)>,
    pub sd: Option<f64>,
    pub median: Option<f64>,
    pub median_ci: Option<(f64, f64)>,
}

impl Spread {
    /// The two bootstrap intervals run side by side on the current rayon pool; they have
    /// their own seeded streams, so the result does not depend on the threads.
    fn of(values: &[f64], seed: u64) -> Spread {
        let (mean_ci, median_ci) = rayon::join(
            || stats::bootstrap_mean_ci(values, RESAMPLES, CONFIDENCE, seed),
            || stats::bootstrap_median_ci(values, RESAMPLES, CONFIDENCE, seed ^ 1),
        );
        Spread {
            n: values.len(),
            mean: stats::mean(values),
            mean_ci,
            sd: stats::sd(values),
            median: stats::median(values),
            median_ci,
        }
    }

    fn columns(&self, out: &mut Vec<String>) {
        let o = |x: Option<f64>| x.map(real).unwrap_or_default();
        out.push(o(self.mean));
        out.push(o(self.mean_ci.map(|c| c.0)));
        out.push(o(self.mean_ci.map(|c| c.1)));
        out.push(o(self.sd));
        out.push(o(self.median));
        out.push(o(self.median_ci.map(|c| c.0)));
        out.push(o(self.median_ci.map(|c| c.1)));
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct CellSummary {
    /// Axis values in [`CELL_AXES`] order.
    pub cell: [String; 7],
    pub n: usize,
    pub converged: usize,
    pub not_converged: usize,
    pub diverged: usize,
    pub rate_ci: Option<(f64, f64)>,
    pub median_epochs: Option<stats::QuantileCi>,
    pub final_test_acc: Spread,
    pub best_test_acc: Spread,
    pub final_train_acc: Spread,
}

impl CellSummary {
    pub fn rate(&self) -> f64 {
        self.converged as f64 / self.n as f64
    }
}

pub const HEADER_STATS: &[&str] = &[
    "n",
    "converged",
    "not_converged",
    "diverged",
    "success_rate",
    "success_rate_ci_low",
    "success_rate_ci_high",
    "median_epochs_to_target",
    "median_epochs_ci_low",
    "median_epochs_ci_high",
];

const SPREADS: [&str; 3] = ["final_test_acc", "best_test_acc", "final_train_acc"];
const SPREAD_STATS: [&str; 7] = [
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "sd",
    "median",
    "median_ci_low",
    "median_ci_high",
];

pub fn header() -> Vec<String> {
    let mut h: Vec<String> = CELL_AXES.iter().map(|s| s.to_string()).collect();
    h.extend(HEADER_STATS.iter().map(|s| s.to_string()));
    for m in SPREADS {
        h.extend(SPREAD_STATS.iter().map(|s| format!("{m}_{s}")));
    }
    h
}

/// One summary per cell, in plan order. `budget` is the epoch budget (censoring time);
/// `seed` seeds the bootstrap.
pub fn summarize(records: &[TrialRecord], budget: u32, seed: u64) -> Vec<CellSummary> {
    summarize_cells(&CellTrials::from_records(records), budget, seed)
}

/// [`summarize`] from cells already grouped ([`super::trials::read_cells`]). Cells are
/// summarized in parallel on the current rayon pool; cell `i`'s bootstrap streams derive from
/// (`seed`, `i`) alone, so the result is the same on any number of threads.
pub fn summarize_cells(cells: &[CellTrials], budget: u32, seed: u64) -> Vec<CellSummary> {
    cells
        .par_iter()
        .enumerate()
        .map(|(i, c)| {
            let km = stats::kaplan_meier(&c.survival(budget));
            let s = crate::rng::derive(seed, i as u64);
            let (final_test_acc, (best_test_acc, final_train_acc)) = rayon::join(
                || Spread::of(&c.final_test_acc, s),
                || {
                    rayon::join(
                        || Spread::of(&c.best_test_acc, s ^ 2),
                        || Spread::of(&c.final_train_acc, s ^ 4),
                    )
                },
            );
            CellSummary {
                cell: c.cell.clone(),
                n: c.n,
                converged: c.converged,
                not_converged: c.not_converged,
                diverged: c.diverged,
                rate_ci: stats::wilson(c.converged as u64, c.n as u64, CONFIDENCE),
                median_epochs: km.and_then(|k| k.median_ci(CONFIDENCE)),
                final_test_acc,
                best_test_acc,
                final_train_acc,
            }
        })
        .collect()
}

pub fn write_csv(path: &Path, cells: &[CellSummary]) -> Result<()> {
    let header = header();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let o = |x: Option<f64>| x.map(real).unwrap_or_default();
    let rows = cells.iter().map(|c| {
        let mut row: Vec<String> = c.cell.to_vec();
        row.push(c.n.to_string());
        row.push(c.converged.to_string());
        row.push(c.not_converged.to_string());
        row.push(c.diverged.to_string());
        row.push(real(c.rate()));
        row.push(o(c.rate_ci.map(|r| r.0)));
        row.push(o(c.rate_ci.map(|r| r.1)));
        let m = c.median_epochs.as_ref();
        row.push(o(m.and_then(|m| m.estimate)));
        row.push(o(m.and_then(|m| m.lower)));
        row.push(o(m.and_then(|m| m.upper)));
        c.final_test_acc.columns(&mut row);
        c.best_test_acc.columns(&mut row);
        c.final_train_acc.columns(&mut row);
        row
    });
    crate::record::canonical::write_table(path, &header, rows)
}

/// The summary as a plain-text table, showing only the axes that vary (the initializer
/// always), at most `max_rows` rows.
pub fn table(cells: &[CellSummary], max_rows: usize) -> String {
    let Some(first) = cells.first() else {
        return "no trials\n".to_string();
    };
    let varies: Vec<bool> = (0..CELL_AXES.len())
        .map(|j| CELL_AXES[j] == "initializer" || cells.iter().any(|c| c.cell[j] != first.cell[j]))
        .collect();
    let test = cells.iter().any(|c| c.final_test_acc.n > 0);
    let mut header: Vec<String> = CELL_AXES
        .iter()
        .zip(&varies)
        .filter(|(_, v)| **v)
        .map(|(a, _)| a.to_string())
        .collect();
    let stats_cols = [
        "n",
        "converged",
        "diverged",
        "success (95% CI)",
        "median epochs (95% CI)",
        if test { "test acc" } else { "train acc" },
    ];
    header.extend(stats_cols.map(String::from));
    let mut rows = vec![header];
    for c in cells.iter().take(max_rows) {
        let mut row: Vec<String> = c
            .cell
            .iter()
            .zip(&varies)
            .filter(|(_, v)| **v)
            .map(|(k, _)| k.clone())
            .collect();
        row.push(c.n.to_string());
        row.push(c.converged.to_string());
        row.push(c.diverged.to_string());
        row.push(match c.rate_ci {
            Some((lo, hi)) => format!(
                "{:.0}% ({:.0}–{:.0})",
                100.0 * c.rate(),
                100.0 * lo,
                100.0 * hi
            ),
            None => "-".to_string(),
        });
        row.push(
            match c
                .median_epochs
                .as_ref()
                .and_then(|m| m.estimate.map(|e| (e, m)))
            {
                Some((e, m)) => {
                    let b = |x: Option<f64>| x.map_or("NA".to_string(), |v| format!("{v:.0}"));
                    format!("{e:.0} ({}–{})", b(m.lower), b(m.upper))
                }
                None => "-".to_string(),
            },
        );
        let acc = if test {
            &c.final_test_acc
        } else {
            &c.final_train_acc
        };
        row.push(acc.mean.map_or("-".to_string(), |a| format!("{a:.3}")));
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    let numeric_from = rows[0].len() - stats_cols.len();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(j, (v, w))| {
                let pad = w - v.chars().count();
                if j < numeric_from {
                    format!("{v}{}", " ".repeat(pad))
                } else {
                    format!("{}{v}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    if cells.len() > max_rows {
        out.push_str(&format!(
            "… {} more cells in summary.csv\n",
            cells.len() - max_rows
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(init: &str, status: &str, epochs: Option<u32>, acc: Option<f64>) -> TrialRecord {
        TrialRecord {
            trial_id: "t0".into(),
            dataset: "xor".into(),
            depth: "1".into(),
            width: "2".into(),
            activation: "sigmoid".into(),
            initializer: init.into(),
            gain: "1".into(),
            optimizer: "sgd(lr=1)".into(),
            replicate: 0,
            status: status.into(),
            epochs_to_target: epochs,
            final_train_acc: acc,
            final_test_acc: None,
            best_test_acc: None,
            init_loss: None,
            init_grad_norm_first: None,
            init_grad_norm_last: None,
            init_act_std_first: None,
            init_act_std_last: None,
        }
    }

    #[test]
    fn counts_rates_and_censored_medians() {
        // Four of ten converge at epochs 10, 20, 30, 40: fewer than half, so the Kaplan–Meier
        // median is undefined even though the four have a median of 25 (dropping censored
        // trials would report 25 and mislead).
        let mut rs: Vec<TrialRecord> = [10, 20, 30, 40]
            .iter()
            .map(|&e| record("a", "converged", Some(e), Some(1.0)))
            .collect();
        rs.extend((0..5).map(|_| record("a", "not_converged", None, Some(0.5))));
        rs.push(record("a", "diverged", None, None));
        // Six of ten converge at epochs 1..6: S steps to exactly 0.5 at epoch 5 and stays
        // there until 6, so the median is the midpoint 5.5, as R's survfit reports it.
        rs.extend((1..=6).map(|e| record("b", "converged", Some(e), Some(1.0))));
        rs.extend((0..4).map(|_| record("b", "not_converged", None, Some(0.75))));
        let cells = summarize(&rs, 100, 7);
        assert_eq!(cells.len(), 2);
        let a = &cells[0];
        assert_eq!(
            (a.n, a.converged, a.not_converged, a.diverged),
            (10, 4, 5, 1)
        );
        assert!(a
            .median_epochs
            .as_ref()
            .is_none_or(|m| m.estimate.is_none()));
        let (lo, hi) = a.rate_ci.unwrap();
        // Wilson 95% for 4/10: (0.1682, 0.6873).
        assert!(
            (lo - 0.1682).abs() < 1e-4 && (hi - 0.6873).abs() < 1e-4,
            "{lo} {hi}"
        );
        // Accuracy statistics skip the diverged trial (no final metrics).
        assert_eq!(a.final_train_acc.n, 9);
        let b = &cells[1];
        assert_eq!(b.median_epochs.as_ref().unwrap().estimate, Some(5.5));
        assert_eq!(summarize(&rs, 100, 7), cells, "deterministic");
        let t = table(&cells, 10);
        assert!(
            t.contains("40% (17–69)") && t.contains("60% (31–83)"),
            "{t}"
        );
    }
}
