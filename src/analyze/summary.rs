//! `summary.csv`: one row per cell (every axis value but the replicate) with honest
//! statistics: success rate with a Wilson 95% interval; time to convergence as censored data
//! (Kaplan–Meier median epochs-to-target with its Brookmeyer–Crowley 95% interval, trials that
//! never converged censored at the budget, not dropped); final and best test accuracy as
//! mean, sd and median with percentile-bootstrap 95% intervals.

use std::path::Path;

use rayon::prelude::*;

use super::trials::{CellTrials, Setting, SETTING_AXES};
use crate::error::Result;
use crate::record::schema::SummaryRow;
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
}

#[derive(Clone, Debug, PartialEq)]
pub struct CellSummary {
    pub setting: Setting,
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

/// One summary per cell, in plan order; `budget` is the epoch budget (censoring time) and
/// `seed` seeds the bootstrap. Cells are summarized in parallel on the current rayon pool;
/// cell `i`'s bootstrap streams derive from (`seed`, `i`) alone, so the result is the same on
/// any number of threads.
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
                setting: c.setting.clone(),
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

impl CellSummary {
    /// The cell's row of `summary.csv`.
    pub fn row(&self) -> SummaryRow<&str> {
        let s = &self.setting;
        let m = self.median_epochs.as_ref();
        let (ft, bt, fr) = (
            &self.final_test_acc,
            &self.best_test_acc,
            &self.final_train_acc,
        );
        SummaryRow {
            dataset: &s.dataset,
            depth: s.depth,
            width: s.width,
            activation: &s.activation,
            initializer: &s.initializer,
            gain: s.gain,
            optimizer: &s.optimizer,
            parametrization: &s.parametrization,
            n: self.n,
            converged: self.converged,
            not_converged: self.not_converged,
            diverged: self.diverged,
            success_rate: self.rate(),
            success_rate_ci_low: self.rate_ci.map(|r| r.0),
            success_rate_ci_high: self.rate_ci.map(|r| r.1),
            median_epochs_to_target: m.and_then(|m| m.estimate),
            median_epochs_ci_low: m.and_then(|m| m.lower),
            median_epochs_ci_high: m.and_then(|m| m.upper),
            final_test_acc_mean: ft.mean,
            final_test_acc_mean_ci_low: ft.mean_ci.map(|c| c.0),
            final_test_acc_mean_ci_high: ft.mean_ci.map(|c| c.1),
            final_test_acc_sd: ft.sd,
            final_test_acc_median: ft.median,
            final_test_acc_median_ci_low: ft.median_ci.map(|c| c.0),
            final_test_acc_median_ci_high: ft.median_ci.map(|c| c.1),
            best_test_acc_mean: bt.mean,
            best_test_acc_mean_ci_low: bt.mean_ci.map(|c| c.0),
            best_test_acc_mean_ci_high: bt.mean_ci.map(|c| c.1),
            best_test_acc_sd: bt.sd,
            best_test_acc_median: bt.median,
            best_test_acc_median_ci_low: bt.median_ci.map(|c| c.0),
            best_test_acc_median_ci_high: bt.median_ci.map(|c| c.1),
            final_train_acc_mean: fr.mean,
            final_train_acc_mean_ci_low: fr.mean_ci.map(|c| c.0),
            final_train_acc_mean_ci_high: fr.mean_ci.map(|c| c.1),
            final_train_acc_sd: fr.sd,
            final_train_acc_median: fr.median,
            final_train_acc_median_ci_low: fr.median_ci.map(|c| c.0),
            final_train_acc_median_ci_high: fr.median_ci.map(|c| c.1),
        }
    }
}

pub fn write_csv(path: &Path, cells: &[CellSummary]) -> Result<()> {
    crate::record::canonical::write_rows(path, cells.iter().map(CellSummary::row))
}

/// The summary as a plain-text table, showing only the axes that vary (the initializer
/// always), at most `max_rows` rows.
pub fn table(cells: &[CellSummary], max_rows: usize) -> String {
    if cells.is_empty() {
        return "no trials\n".to_string();
    }
    let values: Vec<[String; 8]> = cells.iter().map(|c| c.setting.values()).collect();
    let varies = varying(&values);
    let test = cells.iter().any(|c| c.final_test_acc.n > 0);
    let mut header = varying_only(&SETTING_AXES, &varies);
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
    for (c, values) in cells.iter().zip(&values).take(max_rows) {
        let mut row = varying_only(values, &varies);
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
    let numeric = rows[0].len() - stats_cols.len()..rows[0].len();
    let mut out = aligned(&rows, numeric);
    if cells.len() > max_rows {
        out.push_str(&format!(
            "… {} more cells in summary.csv\n",
            cells.len() - max_rows
        ));
    }
    out
}

/// Which of the [`SETTING_AXES`] take more than one value among `values` (the initializer
/// always counts): the columns a table of cells shows.
pub fn varying(values: &[[String; 8]]) -> Vec<bool> {
    (0..SETTING_AXES.len())
        .map(|j| SETTING_AXES[j] == "initializer" || values.iter().any(|v| v[j] != values[0][j]))
        .collect()
}

/// The entries of `items` (axis names or a cell's values) whose axis varies.
pub fn varying_only<S: AsRef<str>>(items: &[S], varies: &[bool]) -> Vec<String> {
    items
        .iter()
        .zip(varies)
        .filter(|(_, v)| **v)
        .map(|(k, _)| k.as_ref().to_string())
        .collect()
}

/// `rows` (the first the header) as a plain-text table: the columns in `numeric`
/// right-aligned, the others left-aligned, a rule under the header.
pub fn aligned(rows: &[Vec<String>], numeric: std::ops::Range<usize>) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(j, (v, w))| {
                let pad = w - v.chars().count();
                if !numeric.contains(&j) {
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::analyze::trials::{cells_of, test_row as record};
    use crate::record::schema::{Status, TrialRow};

    fn summarize(rows: &[TrialRow], budget: u32, seed: u64) -> Vec<CellSummary> {
        summarize_cells(&cells_of(rows), budget, seed)
    }

    #[test]
    fn counts_rates_and_censored_medians() {
        // Four of ten converge at epochs 10, 20, 30, 40: fewer than half, so the Kaplan–Meier
        // median is undefined even though the four have a median of 25 (dropping censored
        // trials would report 25 and mislead).
        let mut rs: Vec<TrialRow> = [10, 20, 30, 40]
            .iter()
            .map(|&e| record("a", Status::Converged, Some(e), Some(1.0)))
            .collect();
        rs.extend((0..5).map(|_| record("a", Status::NotConverged, None, Some(0.5))));
        rs.push(record("a", Status::Diverged, None, None));
        // Six of ten converge at epochs 1..6: S steps to exactly 0.5 at epoch 5 and stays
        // there until 6, so the median is the midpoint 5.5, as R's survfit reports it.
        rs.extend((1..=6).map(|e| record("b", Status::Converged, Some(e), Some(1.0))));
        rs.extend((0..4).map(|_| record("b", Status::NotConverged, None, Some(0.75))));
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
