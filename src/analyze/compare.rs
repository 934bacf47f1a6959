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

use super::trials::{CellTrials, TrialRecord};
use crate::error::Result;
use crate::record::rows::real;
use crate::stats;

const GROUP_AXES: [&str; 6] = [
    "dataset",
    "depth",
    "width",
    "activation",
    "gain",
    "optimizer",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub group: [String; 6],
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

pub fn header() -> Vec<&'static str> {
    let mut h = GROUP_AXES.to_vec();
    h.extend([
        "initializer_a",
        "initializer_b",
        "n_a",
        "n_b",
        "success_rate_a",
        "success_rate_b",
        "rate_difference",
        "rate_difference_ci_low",
        "rate_difference_ci_high",
        "fisher_p",
        "fisher_p_holm",
        "logrank_chisq",
        "logrank_p",
        "logrank_p_holm",
        "accuracy_measure",
        "accuracy_auc",
        "accuracy_auc_ci_low",
        "accuracy_auc_ci_high",
        "cliffs_delta",
        "mann_whitney_p",
        "mann_whitney_p_holm",
    ]);
    h
}

/// Every pair of initializers in every group, in plan order.
pub fn compare(records: &[TrialRecord], budget: u32) -> Vec<Comparison> {
    compare_cells(&CellTrials::from_records(records), budget)
}

/// [`compare`] from cells already grouped ([`super::trials::read_cells`], plan order): a
/// group's initializers are its cells in order, which is the order the initializers first
/// appear among the group's trials.
pub fn compare_cells(cells: &[CellTrials], budget: u32) -> Vec<Comparison> {
    let group_key = |c: &CellTrials| -> [String; 6] {
        let k = &c.cell;
        [
            k[0].clone(),
            k[1].clone(),
            k[2].clone(),
            k[3].clone(),
            k[5].clone(),
            k[6].clone(),
        ]
    };
    let mut groups: Vec<([String; 6], Vec<&CellTrials>)> = Vec::new();
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
    for (group, inits) in groups {
        let test = inits.iter().any(|c| !c.final_test_acc.is_empty());
        let measure = if test {
            "final_test_acc"
        } else {
            "final_train_acc"
        };
        fn acc(c: &CellTrials, test: bool) -> &[f64] {
            if test {
                &c.final_test_acc
            } else {
                &c.final_train_acc
            }
        }
        let start = out.len();
        let times: Vec<Vec<(f64, bool)>> = inits.iter().map(|c| c.survival(budget)).collect();
        for i in 0..inits.len() {
            for j in i + 1..inits.len() {
                let (ra, rb) = (inits[i], inits[j]);
                let (ca, cb) = (ra.converged as u64, rb.converged as u64);
                let (na, nb) = (ra.n as u64, rb.n as u64);
                let fisher = stats::fisher_exact([[ca, na - ca], [cb, nb - cb]]);
                out.push(Comparison {
                    group: group.clone(),
                    a: ra.cell[4].clone(),
                    b: rb.cell[4].clone(),
                    n: (ra.n, rb.n),
                    rates: (ca as f64 / na as f64, cb as f64 / nb as f64),
                    difference: stats::proportion_difference(ca, na, cb, nb, 0.95),
                    fisher_p: fisher.p_value,
                    fisher_p_holm: f64::NAN,
                    logrank: stats::log_rank(&times[i], &times[j]),
                    logrank_p_holm: None,
                    measure,
                    mann_whitney: stats::mann_whitney(acc(ra, test), acc(rb, test)),
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
    let family = |ps: Vec<Option<f64>>| -> Vec<Option<f64>> {
        let present: Vec<f64> = ps.iter().flatten().copied().collect();
        let mut adjusted = stats::holm(&present).into_iter();
        ps.iter().map(|p| p.and_then(|_| adjusted.next())).collect()
    };
    let lr = family(
        group
            .iter()
            .map(|c| c.logrank.as_ref().map(|l| l.p_value))
            .collect(),
    );
    let mw = family(
        group
            .iter()
            .map(|c| c.mann_whitney.as_ref().map(|m| m.p_value))
            .collect(),
    );
    for ((c, l), m) in group.iter_mut().zip(lr).zip(mw) {
        c.logrank_p_holm = l;
        c.mann_whitney_p_holm = m;
    }
}

pub fn rows(comparisons: &[Comparison]) -> impl Iterator<Item = Vec<String>> + '_ {
    let o = |x: Option<f64>| x.map(real).unwrap_or_default();
    comparisons.iter().map(move |c| {
        let mut row = c.group.to_vec();
        let mw = c.mann_whitney.as_ref();
        let ci = mw.and_then(|m| m.auc_ci(0.95));
        row.extend([
            c.a.clone(),
            c.b.clone(),
            c.n.0.to_string(),
            c.n.1.to_string(),
            real(c.rates.0),
            real(c.rates.1),
            real(c.rates.0 - c.rates.1),
            o(c.difference.as_ref().map(|d| d.lower)),
            o(c.difference.as_ref().map(|d| d.upper)),
            real(c.fisher_p),
            real(c.fisher_p_holm),
            o(c.logrank.as_ref().map(|l| l.statistic)),
            o(c.logrank.as_ref().map(|l| l.p_value)),
            o(c.logrank_p_holm),
            c.measure.to_string(),
            o(mw.map(|m| m.auc)),
            o(ci.map(|c| c.0)),
            o(ci.map(|c| c.1)),
            o(mw.map(|m| m.cliffs_delta())),
            o(mw.map(|m| m.p_value)),
            o(c.mann_whitney_p_holm),
        ]);
        row
    })
}

pub fn write_csv(path: &Path, comparisons: &[Comparison]) -> Result<()> {
    crate::record::canonical::write_table(path, &header(), rows(comparisons))
}
