//! `trials.csv` read back into typed rows: the analysis stage's only input besides the
//! manifest, so every analysis reruns without retraining.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// One row of `trials.csv` (the columns analysis uses).
#[derive(Clone, Debug, Deserialize)]
pub struct TrialRecord {
    pub trial_id: String,
    pub dataset: String,
    pub depth: String,
    pub width: String,
    pub activation: String,
    pub initializer: String,
    pub gain: String,
    pub optimizer: String,
    pub replicate: u32,
    pub status: String,
    pub epochs_to_target: Option<u32>,
    pub final_train_acc: Option<f64>,
    pub final_test_acc: Option<f64>,
    pub best_test_acc: Option<f64>,
    pub init_loss: Option<f64>,
    pub init_grad_norm_first: Option<f64>,
    pub init_grad_norm_last: Option<f64>,
    pub init_act_std_first: Option<f64>,
    pub init_act_std_last: Option<f64>,
}

/// The axes that name a cell (everything but the replicate), in column order.
pub const CELL_AXES: [&str; 7] = [
    "dataset",
    "depth",
    "width",
    "activation",
    "initializer",
    "gain",
    "optimizer",
];

impl TrialRecord {
    /// The cell's axis values, in [`CELL_AXES`] order, exactly as written.
    pub fn cell(&self) -> [String; 7] {
        [
            self.dataset.clone(),
            self.depth.clone(),
            self.width.clone(),
            self.activation.clone(),
            self.initializer.clone(),
            self.gain.clone(),
            self.optimizer.clone(),
        ]
    }

    pub fn converged(&self) -> bool {
        self.status == "converged"
    }

    /// Time to convergence as censored data: the epoch the target was reached, or the budget
    /// (censored) for a trial that never reached it, diverged ones included.
    pub fn survival(&self, budget: u32) -> (f64, bool) {
        match (self.converged(), self.epochs_to_target) {
            (true, Some(e)) => (e as f64, true),
            _ => (budget as f64, false),
        }
    }
}

/// One row of `trials.csv` borrowed from the reader's buffer: the same columns, types and
/// checks as [`TrialRecord`], without an allocation per row.
#[derive(Deserialize)]
struct TrialRow<'a> {
    #[allow(dead_code)]
    trial_id: &'a str,
    dataset: &'a str,
    depth: &'a str,
    width: &'a str,
    activation: &'a str,
    initializer: &'a str,
    gain: &'a str,
    optimizer: &'a str,
    #[allow(dead_code)]
    replicate: u32,
    status: &'a str,
    epochs_to_target: Option<u32>,
    final_train_acc: Option<f64>,
    final_test_acc: Option<f64>,
    best_test_acc: Option<f64>,
    #[allow(dead_code)]
    init_loss: Option<f64>,
    #[allow(dead_code)]
    init_grad_norm_first: Option<f64>,
    #[allow(dead_code)]
    init_grad_norm_last: Option<f64>,
    #[allow(dead_code)]
    init_act_std_first: Option<f64>,
    #[allow(dead_code)]
    init_act_std_last: Option<f64>,
}

/// What the summary and the comparisons need from one cell's trials (in plan order), kept
/// compactly so that a million trials fit in a few tens of MB: counts, each trial's time to
/// convergence, and the accuracy columns a trial has.
#[derive(Clone, Debug, PartialEq)]
pub struct CellTrials {
    /// Axis values in [`CELL_AXES`] order, exactly as written.
    pub cell: [String; 7],
    pub n: usize,
    pub converged: usize,
    pub not_converged: usize,
    pub diverged: usize,
    /// Per trial: the epoch the target was reached, for a converged trial that has one; `None`
    /// for every other trial (censored at the budget).
    pub epochs: Vec<Option<u32>>,
    /// The accuracies present, trial order kept (missing values are skipped).
    pub final_test_acc: Vec<f64>,
    pub best_test_acc: Vec<f64>,
    pub final_train_acc: Vec<f64>,
}

impl CellTrials {
    fn new(cell: [String; 7]) -> CellTrials {
        CellTrials {
            cell,
            n: 0,
            converged: 0,
            not_converged: 0,
            diverged: 0,
            epochs: Vec::new(),
            final_test_acc: Vec::new(),
            best_test_acc: Vec::new(),
            final_train_acc: Vec::new(),
        }
    }

    fn push(
        &mut self,
        status: &str,
        epochs_to_target: Option<u32>,
        final_train: Option<f64>,
        final_test: Option<f64>,
        best_test: Option<f64>,
    ) {
        self.n += 1;
        let converged = status == "converged";
        self.converged += usize::from(converged);
        self.not_converged += usize::from(status == "not_converged");
        self.diverged += usize::from(status == "diverged");
        self.epochs.push(epochs_to_target.filter(|_| converged));
        self.final_test_acc.extend(final_test);
        self.best_test_acc.extend(best_test);
        self.final_train_acc.extend(final_train);
    }

    /// Every trial's time to convergence as censored data, as [`TrialRecord::survival`].
    pub fn survival(&self, budget: u32) -> Vec<(f64, bool)> {
        self.epochs
            .iter()
            .map(|e| match e {
                Some(e) => (*e as f64, true),
                None => (budget as f64, false),
            })
            .collect()
    }

    /// The cell's trials grouped from records (cells in the order they first appear).
    pub fn from_records(records: &[TrialRecord]) -> Vec<CellTrials> {
        group_by(records, TrialRecord::cell)
            .into_iter()
            .map(|(cell, rows)| {
                let mut c = CellTrials::new(cell);
                for r in rows {
                    c.push(
                        &r.status,
                        r.epochs_to_target,
                        r.final_train_acc,
                        r.final_test_acc,
                        r.best_test_acc,
                    );
                }
                c
            })
            .collect()
    }
}

/// Reads `trials.csv` row by row into per-cell [`CellTrials`], cells in the order they first
/// appear (plan order): the same result as [`CellTrials::from_records`] on [`read`]'s records,
/// and the same errors, without holding the rows.
pub fn read_cells(trials_csv: &Path) -> Result<Vec<CellTrials>> {
    let mut r = csv::Reader::from_path(trials_csv)
        .map_err(|e| crate::record::writer::csv_error(trials_csv, e))?;
    let at =
        |i: usize, e: csv::Error| Error::Input(format!("{}:{}: {e}", trials_csv.display(), i + 2));
    let headers = r.headers().map_err(|e| at(0, e))?.clone();
    let mut record = csv::StringRecord::new();
    let mut cells: Vec<CellTrials> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut key = String::new();
    for i in 0.. {
        match r.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(at(i, e)),
        }
        let row: TrialRow = record.deserialize(Some(&headers)).map_err(|e| at(i, e))?;
        let axes = [
            row.dataset,
            row.depth,
            row.width,
            row.activation,
            row.initializer,
            row.gain,
            row.optimizer,
        ];
        // Length-prefixed, so that distinct cells never share a key.
        key.clear();
        for a in axes {
            key.push_str(&a.len().to_string());
            key.push(':');
            key.push_str(a);
        }
        let at = match index.get(key.as_str()) {
            Some(&at) => at,
            None => {
                index.insert(key.clone(), cells.len());
                cells.push(CellTrials::new(axes.map(str::to_string)));
                cells.len() - 1
            }
        };
        cells[at].push(
            row.status,
            row.epochs_to_target,
            row.final_train_acc,
            row.final_test_acc,
            row.best_test_acc,
        );
    }
    Ok(cells)
}

pub fn read(trials_csv: &Path) -> Result<Vec<TrialRecord>> {
    let mut r = csv::Reader::from_path(trials_csv)
        .map_err(|e| crate::record::writer::csv_error(trials_csv, e))?;
    r.deserialize()
        .enumerate()
        .map(|(i, row)| {
            row.map_err(|e| Error::Input(format!("{}:{}: {e}", trials_csv.display(), i + 2)))
        })
        .collect()
}

/// Groups records by a key, keeping the order in which keys first appear (plan order).
pub fn group_by<'a, K: std::hash::Hash + Eq + Clone>(
    records: impl IntoIterator<Item = &'a TrialRecord>,
    key: impl Fn(&TrialRecord) -> K,
) -> Vec<(K, Vec<&'a TrialRecord>)> {
    let mut groups: Vec<(K, Vec<&'a TrialRecord>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for r in records {
        let k = key(r);
        let at = *index.entry(k.clone()).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(r);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "trial_id,dataset,depth,width,activation,initializer,gain,optimizer,lr,replicate,seed,status,epochs_to_target,diverged_at_epoch,epochs_run,final_train_loss,final_train_acc,final_test_loss,final_test_acc,best_train_loss,best_train_acc,best_test_loss,best_test_acc,init_loss,init_grad_norm_first,init_grad_norm_last,init_act_std_first,init_act_std_last,init_saturated_frac,init_dead_frac,init_symmetric";

    fn write(name: &str, rows: &[String]) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("initbench-trials-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("trials.csv");
        let mut text = format!("{HEADER}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn streamed_cells_equal_cells_grouped_from_records() {
        // Interleaved cells (two data sets, quoted optimizer, a gain whose text is a prefix of
        // another's), every status, missing epochs and accuracies.
        let mut rows = Vec::new();
        for rep in 0..5u32 {
            for (ds, gain) in [("xor", "1"), ("moons", "1"), ("xor", "10"), ("xor", "1.0")] {
                for init in ["zeros", "he_normal"] {
                    let k = rep as usize + ds.len() + gain.len() + init.len();
                    let status = ["converged", "not_converged", "diverged"][k % 3];
                    let epochs = if status == "converged" {
                        format!("{}", 3 + k)
                    } else {
                        String::new()
                    };
                    let test = if ds == "moons" {
                        format!("0.{}", 5 + k % 4)
                    } else {
                        String::new()
                    };
                    let train = if status == "diverged" {
                        String::new()
                    } else {
                        format!("0.{}", 25 * (k % 4))
                    };
                    rows.push(format!(
                        "t{rep}{k},{ds},1,2,tanh,{init},{gain},\"sgd(lr=0.5,momentum=0)\",0.5,{rep},7,{status},{epochs},,30,0.1,{train},0.2,{test},0.1,{train},0.2,{test},0.7,0.1,0.1,0.3,0.3,0,,false"
                    ));
                }
            }
        }
        // A converged trial without epochs counts as censored, like a record's survival.
        rows.push("tx,xor,1,2,tanh,zeros,1,\"sgd(lr=0.5,momentum=0)\",0.5,9,7,converged,,,30,0.1,1,0.2,,0.1,1,0.2,,0.7,0.1,0.1,0.3,0.3,0,,false".into());
        let path = write("cells", &rows);
        let streamed = read_cells(&path).unwrap();
        let records = read(&path).unwrap();
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
        assert_eq!(streamed, CellTrials::from_records(&records));
        assert_eq!(streamed.len(), 8);
        assert_eq!(streamed.iter().map(|c| c.n).sum::<usize>(), rows.len());
        for c in &streamed {
            let members: Vec<&TrialRecord> =
                records.iter().filter(|r| r.cell() == c.cell).collect();
            let times: Vec<(f64, bool)> = members.iter().map(|r| r.survival(50)).collect();
            assert_eq!(c.survival(50), times);
        }
        // A bad value is reported at the same line, in the same words, by both readers.
        rows[3] = rows[3]
            .replace(",0.5,3,7,", ",0.5,x,7,")
            .replace(",0.5,0,7,", ",0.5,x,7,");
        let path = write("bad", &rows);
        let (a, b) = (read_cells(&path).unwrap_err(), read(&path).unwrap_err());
        assert_eq!(a.to_string(), b.to_string());
        assert!(a.to_string().contains("trials.csv:5:"), "{a}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
