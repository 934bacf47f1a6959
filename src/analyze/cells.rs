//! Per-cell tallies (a cell is every axis value but the replicate), gathered as rows are
//! written, for the short table a run prints at its end.

use std::collections::BTreeMap;

use crate::plan::{Plan, Trial};
use crate::train::{Outcome, Status};

/// The axis values of a cell, as indices into the spec's lists, in plan order.
pub type CellKey = (usize, u32, u32, usize, usize, usize, u64);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    pub n: usize,
    pub converged: usize,
    pub diverged: usize,
    /// epochs_to_target of the converged trials.
    pub epochs: Vec<u32>,
    /// Final test accuracy, or final train accuracy when there is no test split.
    pub accuracy_sum: f64,
    pub accuracy_n: usize,
}

impl Cell {
    pub fn rate(&self) -> f64 {
        self.converged as f64 / self.n as f64
    }

    /// Median epochs to target among the trials that converged (lower median).
    pub fn median_epochs(&self) -> Option<u32> {
        let mut e = self.epochs.clone();
        e.sort_unstable();
        e.get((e.len().max(1) - 1) / 2).copied()
    }

    pub fn mean_accuracy(&self) -> Option<f64> {
        (self.accuracy_n > 0).then(|| self.accuracy_sum / self.accuracy_n as f64)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Cells {
    pub cells: BTreeMap<CellKey, Cell>,
}

impl Cells {
    pub fn key(t: &Trial) -> CellKey {
        (
            t.dataset,
            t.depth,
            t.width,
            t.activation,
            t.optimizer,
            t.initializer,
            t.gain.to_bits(),
        )
    }

    pub fn add(&mut self, t: &Trial, o: &Outcome) {
        let c = self.cells.entry(Self::key(t)).or_default();
        c.n += 1;
        match o.status {
            Status::Converged => {
                c.converged += 1;
                c.epochs.extend(o.epochs_to_target);
            }
            Status::Diverged => c.diverged += 1,
            Status::NotConverged => {}
        }
        if let Some(m) = &o.last {
            c.accuracy_sum += m.test_acc.unwrap_or(m.train_acc);
            c.accuracy_n += 1;
        }
    }

    /// A plain-text table of the cells, showing only the axes that vary, at most `max_rows`
    /// rows.
    pub fn table(&self, plan: &Plan, max_rows: usize) -> String {
        let s = &plan.spec;
        let axes: [(&str, bool); 7] = [
            ("dataset", s.datasets.len() > 1),
            ("depth", s.depths.len() > 1),
            ("width", s.widths.len() > 1),
            ("activation", s.activations.len() > 1),
            ("optimizer", s.optimizers.len() > 1),
            ("initializer", true),
            ("gain", s.gains.len() > 1),
        ];
        let has_test = plan
            .trials
            .first()
            .is_some_and(|t| s.datasets[t.dataset].has_split())
            && s.test_fraction > 0.0;
        let mut header: Vec<String> = axes
            .iter()
            .filter(|a| a.1)
            .map(|a| a.0.to_string())
            .collect();
        header.extend(
            [
                "n",
                "converged",
                "diverged",
                "rate",
                "median epochs",
                if has_test { "test acc" } else { "train acc" },
            ]
            .map(String::from),
        );
        let mut rows = vec![header];
        for (k, c) in self.cells.iter().take(max_rows) {
            let values = [
                s.datasets[k.0].label(),
                k.1.to_string(),
                k.2.to_string(),
                s.activations[k.3].label(),
                s.optimizers[k.4].label(),
                s.initializers[k.5].label(),
                f64::from_bits(k.6).to_string(),
            ];
            let mut row: Vec<String> = values
                .into_iter()
                .zip(&axes)
                .filter(|(_, a)| a.1)
                .map(|(v, _)| v)
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
        let mut out = String::new();
        for (i, r) in rows.iter().enumerate() {
            let line: Vec<String> = r
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(j, (v, w))| {
                    if j < r.len() - 6 {
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
            out.push_str(&format!("… {} more cells\n", self.cells.len() - max_rows));
        }
        out
    }
}
