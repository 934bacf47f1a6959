//! `trials.csv` read once, row by row, into cells: the trials that share every setting but
//! the replicate. Every table, test and figure of the analysis starts from these.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Result;
use crate::record::numbers;
use crate::record::schema::{self, Status, TrialRow};

/// The settings that name a cell: every axis but the replicate.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub dataset: String,
    pub depth: u32,
    pub width: u32,
    pub activation: String,
    pub initializer: String,
    pub gain: f64,
    pub optimizer: String,
    pub parametrization: String,
}

/// The columns of a [`Setting`], in `trials.csv`'s order.
pub const SETTING_AXES: [&str; 8] = [
    "dataset",
    "depth",
    "width",
    "activation",
    "initializer",
    "gain",
    "optimizer",
    "parametrization",
];

impl Setting {
    /// The values in [`SETTING_AXES`] order, as `trials.csv` writes them.
    pub fn values(&self) -> [String; 8] {
        [
            self.dataset.clone(),
            self.depth.to_string(),
            self.width.to_string(),
            self.activation.clone(),
            self.initializer.clone(),
            self.gain_text(),
            self.optimizer.clone(),
            self.parametrization.clone(),
        ]
    }

    /// The gain as `trials.csv` writes it.
    pub fn gain_text(&self) -> String {
        numbers::real(self.gain).as_str().to_string()
    }
}

/// What the analysis keeps of one cell's trials (in plan order), compactly, so that a million
/// trials fit in a few tens of MB: counts, and per trial its id, status and time to target,
/// and the accuracies present.
#[derive(Clone, Debug, PartialEq)]
pub struct CellTrials {
    pub setting: Setting,
    pub n: usize,
    pub converged: usize,
    pub not_converged: usize,
    pub diverged: usize,
    /// Trials that started with two or more identical hidden units, and how many of those
    /// converged.
    pub symmetric: usize,
    pub symmetric_converged: usize,
    pub ids: Vec<u64>,
    pub statuses: Vec<Status>,
    /// Per trial: the epoch the target was reached, for a converged trial that has one; `None`
    /// for every other trial (censored at the budget).
    pub epochs: Vec<Option<u32>>,
    /// The accuracies present, trial order kept (missing values are skipped).
    pub final_test_acc: Vec<f64>,
    pub best_test_acc: Vec<f64>,
    pub final_train_acc: Vec<f64>,
    /// The learning rate every trial of the cell trains with (`lr`).
    pub lr: f64,
    /// Per trial, in plan order: the final training loss, +∞ for a diverged trial.
    pub final_train_loss: Vec<f64>,
}

impl CellTrials {
    fn new(row: &TrialRow<&str>) -> CellTrials {
        CellTrials {
            setting: Setting {
                dataset: row.dataset.to_string(),
                depth: row.depth,
                width: row.width,
                activation: row.activation.to_string(),
                initializer: row.initializer.to_string(),
                gain: row.gain,
                optimizer: row.optimizer.to_string(),
                parametrization: row.parametrization.to_string(),
            },
            n: 0,
            converged: 0,
            not_converged: 0,
            diverged: 0,
            symmetric: 0,
            symmetric_converged: 0,
            ids: Vec::new(),
            statuses: Vec::new(),
            epochs: Vec::new(),
            final_test_acc: Vec::new(),
            best_test_acc: Vec::new(),
            final_train_acc: Vec::new(),
            lr: row.lr,
            final_train_loss: Vec::new(),
        }
    }

    fn push(&mut self, row: &TrialRow<&str>) {
        self.n += 1;
        let converged = row.converged();
        self.converged += usize::from(converged);
        self.not_converged += usize::from(row.status == Status::NotConverged);
        self.diverged += usize::from(row.status == Status::Diverged);
        self.symmetric += usize::from(row.init_symmetric);
        self.symmetric_converged += usize::from(row.init_symmetric && converged);
        self.ids.push(row.trial_id);
        self.statuses.push(row.status);
        self.epochs.push(row.epochs_to_target.filter(|_| converged));
        self.final_test_acc.extend(row.final_test_acc);
        self.best_test_acc.extend(row.best_test_acc);
        self.final_train_acc.extend(row.final_train_acc);
        self.final_train_loss.push(match row.status {
            Status::Diverged => f64::INFINITY,
            _ => row.final_train_loss.unwrap_or(f64::INFINITY),
        });
    }

    /// Every trial's time to convergence as censored data: the epoch the target was reached,
    /// or the budget (censored) for a trial that never reached it, diverged ones included.
    pub fn survival(&self, budget: u32) -> Vec<(f64, bool)> {
        self.epochs
            .iter()
            .map(|e| match e {
                Some(e) => (*e as f64, true),
                None => (budget as f64, false),
            })
            .collect()
    }

    /// The accuracies the report and the tests compare: final test accuracy where the cell
    /// has a test split, else final training accuracy.
    pub fn accuracy(&self) -> (&[f64], bool) {
        let test = !self.final_test_acc.is_empty();
        (self.accuracy_of(test), test)
    }

    /// Final test accuracies if `test`, else final training accuracies: for comparing cells
    /// on the same measure when only some of them have a test split.
    pub fn accuracy_of(&self, test: bool) -> &[f64] {
        if test {
            &self.final_test_acc
        } else {
            &self.final_train_acc
        }
    }
}

/// Trials grouped into cells as they come, cells in the order they first appear.
#[derive(Default)]
struct Cells {
    cells: Vec<CellTrials>,
    index: HashMap<String, usize>,
    key: String,
}

impl Cells {
    fn push(&mut self, row: &TrialRow<&str>) {
        // Length-prefixed, so that distinct cells never share a key.
        let key = &mut self.key;
        key.clear();
        for a in [
            row.dataset,
            row.activation,
            row.initializer,
            row.optimizer,
            row.parametrization,
        ] {
            key.push_str(&a.len().to_string());
            key.push(':');
            key.push_str(a);
        }
        for n in [
            u64::from(row.depth),
            u64::from(row.width),
            row.gain.to_bits(),
        ] {
            key.push_str(&n.to_string());
            key.push(':');
        }
        let at = match self.index.get(key.as_str()) {
            Some(&at) => at,
            None => {
                self.index.insert(key.clone(), self.cells.len());
                self.cells.push(CellTrials::new(row));
                self.cells.len() - 1
            }
        };
        self.cells[at].push(row);
    }
}

/// Reads `trials.csv` row by row into cells, in the order cells first appear (plan order),
/// without an allocation per row.
pub fn read_cells(trials_csv: &Path) -> Result<Vec<CellTrials>> {
    let mut cells = Cells::default();
    schema::read_records(
        trials_csv,
        schema::columns::<TrialRow>(),
        |record, headers, _| {
            let row: TrialRow<&str> = record
                .deserialize(Some(headers))
                .map_err(|e| schema::csv_error(trials_csv, e))?;
            cells.push(&row);
            Ok(())
        },
    )?;
    Ok(cells.cells)
}

/// Rows already read, grouped as [`read_cells`] groups them.
pub fn cells_of(rows: &[TrialRow]) -> Vec<CellTrials> {
    let mut cells = Cells::default();
    for r in rows {
        cells.push(&r.as_ref());
    }
    cells.cells
}

/// Every row of `trials.csv`, in file order.
pub fn read(trials_csv: &Path) -> Result<Vec<TrialRow>> {
    schema::read_all(trials_csv)
}

/// A trial row for tests: one xor 2-unit sigmoid setting, `init`, and the given outcome.
#[cfg(test)]
pub(crate) fn test_row(
    init: &str,
    status: Status,
    epochs: Option<u32>,
    train_acc: Option<f64>,
) -> TrialRow {
    TrialRow {
        trial_id: 0,
        dataset: "xor".into(),
        depth: 1,
        width: 2,
        activation: "sigmoid".into(),
        initializer: init.into(),
        gain: 1.0,
        optimizer: "sgd(lr=1)".into(),
        lr: 1.0,
        parametrization: "standard".into(),
        replicate: 0,
        seed: 0,
        status,
        epochs_to_target: epochs,
        diverged_at_epoch: None,
        epochs_run: 100,
        final_train_loss: None,
        final_train_acc: train_acc,
        final_test_loss: None,
        final_test_acc: None,
        best_train_loss: None,
        best_train_acc: None,
        best_test_loss: None,
        best_test_acc: None,
        init_loss: None,
        init_grad_norm_first: None,
        init_grad_norm_last: None,
        init_act_std_first: None,
        init_act_std_last: None,
        init_saturated_frac: None,
        init_dead_frac: None,
        init_symmetric: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "trial_id,dataset,depth,width,activation,initializer,gain,optimizer,lr,parametrization,replicate,seed,status,epochs_to_target,diverged_at_epoch,epochs_run,final_train_loss,final_train_acc,final_test_loss,final_test_acc,best_train_loss,best_train_acc,best_test_loss,best_test_acc,init_loss,init_grad_norm_first,init_grad_norm_last,init_act_std_first,init_act_std_last,init_saturated_frac,init_dead_frac,init_symmetric";

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
    fn cells_group_trials_in_plan_order_with_their_counts() {
        // Interleaved cells (two data sets, quoted optimizer, gains 1 and 10), every status,
        // missing epochs and accuracies.
        let mut rows = Vec::new();
        let mut n = 0u64;
        for rep in 0..5u32 {
            for (ds, gain) in [("xor", "1"), ("moons", "1"), ("xor", "10")] {
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
                    n += 1;
                    rows.push(format!(
                        "t{n:016x},{ds},1,2,tanh,{init},{gain},\"sgd(lr=0.5,momentum=0)\",0.5,standard,{rep},7,{status},{epochs},,30,0.1,{train},0.2,{test},0.1,{train},0.2,{test},0.7,0.1,0.1,0.3,0.3,0,,{}",
                        init == "zeros"
                    ));
                }
            }
        }
        let path = write("cells", &rows);
        let cells = read_cells(&path).unwrap();
        let records = read(&path).unwrap();
        assert_eq!(cells_of(&records), cells);
        assert_eq!(cells.len(), 6);
        assert_eq!(cells.iter().map(|c| c.n).sum::<usize>(), rows.len());
        for c in &cells {
            let members: Vec<&TrialRow> = records
                .iter()
                .filter(|r| {
                    r.dataset == c.setting.dataset
                        && r.gain == c.setting.gain
                        && r.initializer == c.setting.initializer
                })
                .collect();
            assert_eq!(
                c.ids,
                members.iter().map(|r| r.trial_id).collect::<Vec<_>>()
            );
            assert_eq!(
                c.converged,
                members.iter().filter(|r| r.converged()).count()
            );
            assert_eq!(
                c.symmetric,
                if c.setting.initializer == "zeros" {
                    5
                } else {
                    0
                }
            );
            let test: Vec<f64> = members.iter().filter_map(|r| r.final_test_acc).collect();
            assert_eq!(c.final_test_acc, test);
        }
        // A bad value is reported at its line, in the same words, by both readers.
        rows[3] = rows[3]
            .replacen(",0.5,", ",0.5,x,", 1)
            .replacen(",x,0,", ",x,", 1);
        let path = write("bad", &rows);
        let (a, b) = (read_cells(&path).unwrap_err(), read(&path).unwrap_err());
        assert_eq!(a.to_string(), b.to_string());
        assert!(a.to_string().contains("trials.csv:5:"), "{a}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
