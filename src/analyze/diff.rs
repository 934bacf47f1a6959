//! `initbench diff A B`: two results folders compared, trial by trial and cell by cell.
//!
//! Trials are matched by `trial_id` (which depends only on a trial's settings and
//! replicate), so "did my change move anything?" is answered row by row, naming the columns
//! of the first trial that moved. Cells are matched by their settings and compared the way
//! `comparisons.csv` compares initializers: success rate B − A with Newcombe's 95% interval and
//! Fisher's exact test, time to target with the log-rank test, accuracy with Mann–Whitney U.
//! Each test's p-values are Holm-adjusted over all the cells both folders hold; a cell is
//! flagged where an adjusted p is below 0.05.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use super::trials::{CellTrials, Setting};
use super::Folder;
use crate::error::Result;
use crate::record::check;
use crate::record::schema::{self, TrialRow};
use crate::stats;

/// Family-wise error rate of the flags.
pub const ALPHA: f64 = 0.05;

/// One cell both folders hold.
#[derive(Clone, Debug)]
pub struct CellChange {
    pub setting: Setting,
    /// (converged, trials) in A and in B.
    pub a: (u64, u64),
    pub b: (u64, u64),
    /// B's success rate minus A's, with its 95% interval.
    pub difference: Option<stats::ProportionDifference>,
    pub fisher_p_holm: f64,
    pub logrank_p_holm: Option<f64>,
    /// Which accuracy: final test accuracy, or final train accuracy without a test split.
    pub measure: &'static str,
    pub accuracy_mean: (Option<f64>, Option<f64>),
    pub mann_whitney_p_holm: Option<f64>,
}

impl CellChange {
    /// Which tests moved at the [`ALPHA`] level, after Holm's adjustment.
    pub fn flags(&self) -> Vec<&'static str> {
        let low = |p: Option<f64>| p.is_some_and(|p| p < ALPHA);
        [
            (low(Some(self.fisher_p_holm)), "success rate"),
            (low(self.logrank_p_holm), "time to target"),
            (low(self.mann_whitney_p_holm), "accuracy"),
        ]
        .into_iter()
        .filter_map(|(moved, what)| moved.then_some(what))
        .collect()
    }
}

/// One column of a trial that differs: its name and its values in A and in B.
#[derive(Clone, Debug, PartialEq)]
pub struct Changed {
    pub column: String,
    pub a: String,
    pub b: String,
}

/// How the trials of the two folders compare, row by row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialChanges {
    pub identical: usize,
    pub changed: usize,
    pub only_a: usize,
    pub only_b: usize,
    /// The first trial (in B's order) whose row differs: its id and the columns that differ.
    pub first: Option<(String, Vec<Changed>)>,
}

pub struct Diff {
    pub a: PathBuf,
    pub b: PathBuf,
    pub trials: TrialChanges,
    /// Cells both hold, in B's order.
    pub cells: Vec<CellChange>,
    pub only_a: Vec<Setting>,
    pub only_b: Vec<Setting>,
}

impl Diff {
    /// Checks both folders as wholes ([`check::check`]), then compares them.
    pub fn new(a: &Path, b: &Path) -> Result<Diff> {
        check::check(a)?;
        check::check(b)?;
        let (fa, fb) = (Folder::read(a)?, Folder::read(b)?);
        let trials = compare_trials(&a.join("trials.csv"), &b.join("trials.csv"))?;
        let (cells, only_a, only_b) = compare_cells(&fa, &fb);
        Ok(Diff {
            a: a.to_path_buf(),
            b: b.to_path_buf(),
            trials,
            cells,
            only_a,
            only_b,
        })
    }

    /// True when every trial of each folder is in the other with the same row.
    pub fn identical(&self) -> bool {
        self.trials.changed == 0 && self.trials.only_a == 0 && self.trials.only_b == 0
    }

    /// The cells where a test moved.
    pub fn flagged(&self) -> impl Iterator<Item = &CellChange> {
        self.cells.iter().filter(|c| !c.flags().is_empty())
    }
}

fn row_hash(record: &csv::StringRecord) -> u64 {
    let mut h = DefaultHasher::new();
    for field in record {
        field.hash(&mut h);
    }
    h.finish()
}

/// Trials matched by id. A's rows are held as hashes (a million trials take tens of MB);
/// the first changed trial's two rows are read again to name the columns that differ.
fn compare_trials(a: &Path, b: &Path) -> Result<TrialChanges> {
    let columns = schema::columns::<TrialRow>();
    let mut rows_a: HashMap<String, u64> = HashMap::new();
    schema::read_records(a, columns, |r, _, _| {
        rows_a.insert(r[0].to_string(), row_hash(r));
        Ok(())
    })?;
    let mut out = TrialChanges::default();
    let mut seen = 0;
    let mut first = None;
    schema::read_records(b, columns, |r, _, _| {
        match rows_a.get(&r[0]) {
            None => out.only_b += 1,
            Some(&h) => {
                seen += 1;
                if h == row_hash(r) {
                    out.identical += 1;
                } else {
                    out.changed += 1;
                    first.get_or_insert_with(|| r[0].to_string());
                }
            }
        }
        Ok(())
    })?;
    out.only_a = rows_a.len() - seen;
    if let Some(id) = first {
        let row = |path: &Path| -> Result<csv::StringRecord> {
            let mut found = None;
            schema::read_records(path, columns, |r, _, _| {
                if found.is_none() && r[0] == id {
                    found = Some(r.clone());
                }
                Ok(())
            })?;
            Ok(found.unwrap_or_default())
        };
        let (ra, rb) = (row(a)?, row(b)?);
        let moved = columns
            .iter()
            .zip(ra.iter().zip(rb.iter()))
            .filter(|(_, (x, y))| x != y)
            .map(|(c, (x, y))| Changed {
                column: c.to_string(),
                a: x.to_string(),
                b: y.to_string(),
            })
            .collect();
        out.first = Some((id, moved));
    }
    Ok(out)
}

/// Cells matched by their settings; the p-values of each test are Holm-adjusted over the
/// matched cells where the test could run.
fn compare_cells(a: &Folder, b: &Folder) -> (Vec<CellChange>, Vec<Setting>, Vec<Setting>) {
    let key = |c: &CellTrials| c.setting.values();
    let in_a: HashMap<[String; 8], &CellTrials> = a.cells.iter().map(|c| (key(c), c)).collect();
    let in_b: HashMap<[String; 8], &CellTrials> = b.cells.iter().map(|c| (key(c), c)).collect();
    let only_a = a
        .cells
        .iter()
        .filter(|c| !in_b.contains_key(&key(c)))
        .map(|c| c.setting.clone())
        .collect();
    let only_b = b
        .cells
        .iter()
        .filter(|c| !in_a.contains_key(&key(c)))
        .map(|c| c.setting.clone())
        .collect();
    let pairs: Vec<(&CellTrials, &CellTrials)> = b
        .cells
        .iter()
        .filter_map(|cb| in_a.get(&key(cb)).map(|ca| (*ca, cb)))
        .collect();
    let mut fisher = Vec::new();
    let mut logrank = Vec::new();
    let mut mann_whitney = Vec::new();
    let mut cells = Vec::new();
    for (ca, cb) in &pairs {
        let test = !ca.final_test_acc.is_empty() || !cb.final_test_acc.is_empty();
        let (xa, na) = (ca.converged as u64, ca.n as u64);
        let (xb, nb) = (cb.converged as u64, cb.n as u64);
        fisher.push(stats::fisher_exact([[xa, na - xa], [xb, nb - xb]]).p_value);
        logrank.push(
            stats::log_rank(&ca.survival(a.budget()), &cb.survival(b.budget())).map(|l| l.p_value),
        );
        let (acc_a, acc_b) = (ca.accuracy_of(test), cb.accuracy_of(test));
        mann_whitney.push(stats::mann_whitney(acc_a, acc_b).map(|m| m.p_value));
        cells.push(CellChange {
            setting: cb.setting.clone(),
            a: (xa, na),
            b: (xb, nb),
            difference: stats::proportion_difference(xb, nb, xa, na, 0.95),
            fisher_p_holm: f64::NAN,
            logrank_p_holm: None,
            measure: if test {
                "final_test_acc"
            } else {
                "final_train_acc"
            },
            accuracy_mean: (stats::mean(acc_a), stats::mean(acc_b)),
            mann_whitney_p_holm: None,
        });
    }
    for (c, p) in cells.iter_mut().zip(stats::holm(&fisher)) {
        c.fisher_p_holm = p;
    }
    for (c, p) in cells.iter_mut().zip(stats::holm_present(&logrank)) {
        c.logrank_p_holm = p;
    }
    for (c, p) in cells.iter_mut().zip(stats::holm_present(&mann_whitney)) {
        c.mann_whitney_p_holm = p;
    }
    (cells, only_a, only_b)
}
