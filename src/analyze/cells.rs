//! Per-cell tallies read back from `trials.csv` (a cell is every axis value but the
//! replicate), for the short table a run prints at its end. Like all analysis it reads only
//! the results folder, so it works the same on a fresh, resumed or merged run.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The axis columns that name a cell, in the order they appear in `trials.csv`.
const AXES: [&str; 7] = [
    "dataset",
    "depth",
    "width",
    "activation",
    "optimizer",
    "initializer",
    "gain",
];

#[derive(Deserialize)]
struct Row {
    dataset: String,
    depth: String,
    width: String,
    activation: String,
    optimizer: String,
    initializer: String,
    gain: String,
    status: String,
    epochs_to_target: Option<u32>,
    final_train_acc: Option<f64>,
    final_test_acc: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    /// The cell's value on each of [`AXES`].
    pub key: Vec<String>,
    pub n: usize,
    pub converged: usize,
    pub diverged: usize,
    /// epochs_to_target of the trials that converged.
    pub epochs: Vec<u32>,
    /// Final test accuracy, or final train accuracy when there is no test split.
    pub accuracy_sum: f64,
    pub accuracy_n: usize,
    pub test: bool,
}

impl Cell {
    pub fn rate(&self) -> f64 {
        self.converged as f64 / self.n as f64
    }

    /// Median epochs to target among the trials that converged (the lower middle value).
    pub fn median_epochs(&self) -> Option<u32> {
        let mut e = self.epochs.clone();
        e.sort_unstable();
        (!e.is_empty()).then(|| e[(e.len() - 1) / 2])
    }

    pub fn mean_accuracy(&self) -> Option<f64> {
        (self.accuracy_n > 0).then(|| self.accuracy_sum / self.accuracy_n as f64)
    }
}

/// Cells in the order they first appear (plan order).
#[derive(Clone, Debug, Default)]
pub struct Cells {
    pub cells: Vec<Cell>,
}

impl Cells {
    pub fn read(trials_csv: &Path) -> Result<Cells> {
        let mut r = csv::Reader::from_path(trials_csv)
            .map_err(|e| crate::record::writer::csv_error(trials_csv, e))?;
        let mut cells: Vec<Cell> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for row in r.deserialize::<Row>() {
            let row = row.map_err(|e| Error::Other(format!("{}: {e}", trials_csv.display())))?;
            let key = vec![
                row.dataset,
                row.depth,
                row.width,
                row.activation,
                row.optimizer,
                row.initializer,
                row.gain,
            ];
            let at = *index.entry(key.clone()).or_insert_with(|| {
                cells.push(Cell {
                    key,
                    ..Cell::default()
                });
                cells.len() - 1
            });
            let c = &mut cells[at];
            c.n += 1;
            match row.status.as_str() {
                "converged" => {
                    c.converged += 1;
                    c.epochs.extend(row.epochs_to_target);
                }
                "diverged" => c.diverged += 1,
                _ => {}
            }
            if let Some(a) = row.final_test_acc.or(row.final_train_acc) {
                c.accuracy_sum += a;
                c.accuracy_n += 1;
                c.test |= row.final_test_acc.is_some();
            }
        }
        Ok(Cells { cells })
    }

    /// A plain-text table showing only the axes that vary, at most `max_rows` rows.
    pub fn table(&self, max_rows: usize) -> String {
        let varies: Vec<bool> = (0..AXES.len())
            .map(|j| {
                AXES[j] == "initializer"
                    || self.cells.iter().any(|c| c.key[j] != self.cells[0].key[j])
            })
            .collect();
        let test = self.cells.iter().any(|c| c.test);
        let acc = if test { "test acc" } else { "train acc" };
        let mut header: Vec<String> = AXES
            .iter()
            .zip(&varies)
            .filter(|(_, v)| **v)
            .map(|(a, _)| a.to_string())
            .collect();
        let stats = ["n", "converged", "diverged", "rate", "median epochs", acc];
        header.extend(stats.map(String::from));
        let mut rows = vec![header];
        for c in self.cells.iter().take(max_rows) {
            let mut row: Vec<String> = c
                .key
                .iter()
                .zip(&varies)
                .filter(|(_, v)| **v)
                .map(|(k, _)| k.clone())
                .collect();
            row.push(c.n.to_string());
            row.push(c.converged.to_string());
            row.push(c.diverged.to_string());
            row.push(format!("{:.0}%", 100.0 * c.rate()));
            row.push(c.median_epochs().map_or("-".to_string(), |e| e.to_string()));
            row.push(
                c.mean_accuracy()
                    .map_or("-".to_string(), |a| format!("{a:.3}")),
            );
            rows.push(row);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
            .collect();
        let numeric_from = rows[0].len() - stats.len();
        let mut out = String::new();
        for (i, r) in rows.iter().enumerate() {
            let line: Vec<String> = r
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(j, (v, w))| {
                    if j < numeric_from {
                        format!("{v:<w$}")
                    } else {
                        format!("{v:>w$}")
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
        if self.cells.len() > max_rows {
            out.push_str(&format!(
                "… {} more cells in trials.csv\n",
                self.cells.len() - max_rows
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_lower_middle_value() {
        let c = |e: Vec<u32>| Cell {
            epochs: e,
            ..Cell::default()
        };
        assert_eq!(c(vec![]).median_epochs(), None);
        assert_eq!(c(vec![5]).median_epochs(), Some(5));
        assert_eq!(c(vec![9, 1, 5]).median_epochs(), Some(5));
        assert_eq!(c(vec![4, 1, 9, 7]).median_epochs(), Some(4));
    }
}
