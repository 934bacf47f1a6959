//! `comparisons.csv`: within each group of cells that differ only in the initializer, every
//! pair of initializers, compared three ways:
//! - success rate: difference with Newcombe's hybrid-score 95% interval, Fisher's exact test;
//! - time to convergence: log-rank test (Mantel–Haenszel, as R's `survdiff`), with trials that
//!   never converged censored at the budget;
//! - accuracy: Mann–Whitney U, with the AUC P(a > b) and Cliff's delta as effect sizes.
//!
//! p-values are Holm-adjusted within each group, separately for each test (a group of k
//! initializers makes k(k−1)/2 comparisons per test).

use std::path::Path;

use super::trials::{CellTrials, Setting};
use crate::error::Result;
use crate::record::schema::ComparisonRow;
use crate::stats;

#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The group's settings (its initializer is `a`'s).
    pub group: Setting,
    pub a: String,
    pub b: String,
    pub n: (usize, usize),
    pub rates: (f64, f64),
    pub difference: Option<stats::ProportionDifference>,
    pub fisher_p: f64,
    pub fisher_p_holm: f64,
    pub logrank: Option<stats::LogRank>,
    pub logrank_p_holm: Option<f64>,
    /// Which accuracy was compared: final test accuracy, or final train accuracy when there
    /// is no test split.
    pub measure: &'static str,
    pub mann_whitney: Option<stats::MannWhitney>,
    pub mann_whitney_p_holm: Option<f64>,
}

/// Every pair of initializers in every group, from cells in plan order
/// ([`super::trials::read_cells`]): a group's initializers are its cells in order, which is
/// the order the initializers first appear among the group's trials.
pub fn compare_cells(cells: &[CellTrials], budget: u32) -> Vec<Comparison> {
    let group_key = |c: &CellTrials| -> [String; 7] {
        let [dataset, depth, width, activation, _, gain, optimizer, parametrization] =
            c.setting.values();
        [
            dataset,
            depth,
            width,
            activation,
            gain,
            optimizer,
            parametrization,
        ]
    };
    let mut groups: Vec<([String; 7], Vec<&CellTrials>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for c in cells {
        let k = group_key(c);
        let at = *index.entry(k.clone()).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(c);
    }
    let mut out = Vec::new();
    for (_, inits) in groups {
        let test = inits.iter().any(|c| !c.final_test_acc.is_empty());
        let measure = if test {
            "final_test_acc"
        } else {
            "final_train_acc"
        };
        let start = out.len();
        let times: Vec<Vec<(f64, bool)>> = inits.iter().map(|c| c.survival(budget)).collect();
        for i in 0..inits.len() {
            for j in i + 1..inits.len() {
                let (ra, rb) = (inits[i], inits[j]);
                let (ca, cb) = (ra.converged as u64, rb.converged as u64);
                let (na, nb) = (ra.n as u64, rb.n as u64);
                let fisher = stats::fisher_exact([[ca, na - ca], [cb, nb - cb]]);
                out.push(Comparison {
                    group: ra.setting.clone(),
                    a: ra.setting.initializer.clone(),
                    b: rb.setting.initializer.clone(),
                    n: (ra.n, rb.n),
                    rates: (ca as f64 / na as f64, cb as f64 / nb as f64),
                    difference: stats::proportion_difference(ca, na, cb, nb, 0.95),
                    fisher_p: fisher.p_value,
                    fisher_p_holm: f64::NAN,
                    logrank: stats::log_rank(&times[i], &times[j]),
                    logrank_p_holm: None,
                    measure,
                    mann_whitney: stats::mann_whitney(ra.accuracy_of(test), rb.accuracy_of(test)),
                    mann_whitney_p_holm: None,
                });
            }
        }
        adjust(&mut out[start..]);
    }
    out
}

/// Holm within one group, for each test separately (tests that could not run are left out
/// of the family).
fn adjust(group: &mut [Comparison]) {
    let fisher: Vec<f64> = group.iter().map(|c| c.fisher_p).collect();
    for (c, p) in group.iter_mut().zip(stats::holm(&fisher)) {
        c.fisher_p_holm = p;
    }
    let lr = stats::holm_present(
        &group
            .iter()
            .map(|c| c.logrank.as_ref().map(|l| l.p_value))
            .collect::<Vec<_>>(),
    );
    let mw = stats::holm_present(
        &group
            .iter()
            .map(|c| c.mann_whitney.as_ref().map(|m| m.p_value))
            .collect::<Vec<_>>(),
    );
    for ((c, l), m) in group.iter_mut().zip(lr).zip(mw) {
        c.logrank_p_holm = l;
        c.mann_whitney_p_holm = m;
    }
}

impl Comparison {
    /// The pair's row of `comparisons.csv`.
    pub fn row(&self) -> ComparisonRow<&str> {
        let g = &self.group;
        let mw = self.mann_whitney.as_ref();
        let ci = mw.and_then(|m| m.auc_ci(0.95));
        let d = self.difference.as_ref();
        let lr = self.logrank.as_ref();
        ComparisonRow {
            dataset: &g.dataset,
            depth: g.depth,
            width: g.width,
            activation: &g.activation,
            gain: g.gain,
            optimizer: &g.optimizer,
            parametrization: &g.parametrization,
            initializer_a: &self.a,
            initializer_b: &self.b,
            n_a: self.n.0,
            n_b: self.n.1,
            success_rate_a: self.rates.0,
            success_rate_b: self.rates.1,
            rate_difference: self.rates.0 - self.rates.1,
            rate_difference_ci_low: d.map(|d| d.lower),
            rate_difference_ci_high: d.map(|d| d.upper),
            fisher_p: self.fisher_p,
            fisher_p_holm: self.fisher_p_holm,
            logrank_chisq: lr.map(|l| l.statistic),
            logrank_p: lr.map(|l| l.p_value),
            logrank_p_holm: self.logrank_p_holm,
            accuracy_measure: self.measure,
            accuracy_auc: mw.map(|m| m.auc),
            accuracy_auc_ci_low: ci.map(|c| c.0),
            accuracy_auc_ci_high: ci.map(|c| c.1),
            cliffs_delta: mw.map(|m| m.cliffs_delta()),
            mann_whitney_p: mw.map(|m| m.p_value),
            mann_whitney_p_holm: self.mann_whitney_p_holm,
        }
    }
}

pub fn write_csv(path: &Path, comparisons: &[Comparison]) -> Result<()> {
    crate::record::canonical::write_rows(path, comparisons.iter().map(Comparison::row))
}
