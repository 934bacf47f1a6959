//! The "Weight-space map" section of `report.md` and its figures, from the map
//! `initbench regions` made ([`crate::analyze::regions::Mapped`]): the nodes coloured by
//! success rate with their hit counts, the U-matrix (distance between neighbouring
//! prototypes), the nodes coloured by their trials' mean final accuracy, and the histograms
//! of the best separating features by outcome.

use std::fmt::Write as _;

use super::catalog::Planned;
use super::figures::{format_number, histogram, som, Written};
use super::text::{embed, p_bound, p_clause, pct};
use crate::analyze::regions::outputs::{HIGH_RATE, LOW_RATE, MIN_ACCURACY_HITS};
use crate::analyze::regions::Mapped;
use crate::analyze::Analysis;

pub fn hit_map(a: &Analysis) -> Vec<Planned> {
    a.map
        .iter()
        .map(|m| Planned::new("som-hits".into(), som::hit_map(m)))
        .collect()
}

pub fn u_matrix(a: &Analysis) -> Vec<Planned> {
    a.map
        .iter()
        .map(|m| Planned::new("som-umatrix".into(), som::u_matrix(m)))
        .collect()
}

pub fn accuracy_map(a: &Analysis) -> Vec<Planned> {
    a.map
        .iter()
        .filter_map(|m| som::accuracy_map(m, a.grid.acc_is_test()))
        .map(|fig| Planned::new("som-accuracy".into(), fig))
        .collect()
}

/// The most separating features whose values the results hold, in `separation.csv`'s order.
pub fn histograms(a: &Analysis) -> Vec<Planned> {
    let Some(m) = &a.map else {
        return Vec::new();
    };
    let shown: Vec<_> = m
        .separation
        .iter()
        .zip(&m.samples)
        .filter_map(|(sep, s)| Some((sep, s.clone()?)))
        .filter(|(_, s)| !s.converged.is_empty() || !s.failed.is_empty())
        .take(histogram::TOP)
        .collect();
    if shown.is_empty() {
        return Vec::new();
    }
    vec![Planned::new(
        "separation-histograms".into(),
        histogram::build(&shown),
    )]
}

/// The section's figures, as drawn.
pub struct Figures<'a> {
    pub hit_map: Option<&'a Written>,
    pub u_matrix: Option<&'a Written>,
    /// None when no node has a mean accuracy.
    pub accuracy: Option<&'a Written>,
    /// None when no separation feature could be drawn.
    pub histograms: Option<&'a Written>,
}

/// "## Weight-space map": the map's fit, the χ² test of node × outcome, the share of nodes
/// that nearly always or nearly never train, the best separating rules, and the figures.
pub fn markdown(
    regions: &Mapped,
    figures: &Figures,
    acc_is_test: bool,
    figure_dir: &str,
) -> String {
    let mut out = String::new();
    let f = &regions.fit;
    let _ = writeln!(
        out,
        "## Weight-space map
"
    );
    let _ = write!(
        out,
        "`initbench regions` mapped the {} trials' initial weights ({}) onto a {} × {} \
         self-organizing map (quantization error {:.3}, topographic error {:.3}). ",
        regions.trials(),
        som::describe_input(regions),
        f.rows,
        f.cols,
        f.quantization_error,
        f.topographic_error
    );
    match som::chi_square_text(regions) {
        Some(chi) => {
            let p = f.chi_square_p.unwrap_or(1.0);
            let verdict = if p < 0.05 {
                "Whether a trial converges depends on the node its initial weights map to"
            } else {
                "The node a trial maps to is not significantly associated with whether it \
                 converges"
            };
            let _ = write!(out, "{verdict}: χ² test of node × outcome, {chi}");
            match f.min_expected {
                Some(e) if e < 5.0 => {
                    let _ = write!(
                        out,
                        " (the smallest expected count is {}, under 5, so the χ² p-value is \
                         approximate).",
                        format_number(e)
                    );
                }
                _ => out.push('.'),
            }
        }
        None => out.push_str(
            "The χ² test of node × outcome is undefined here (a single outcome, or a single \
             occupied node).",
        ),
    }
    if let Some(w) = &regions.within {
        let verdict = if w.p_value < 0.05 {
            "the node still predicts the outcome"
        } else {
            "the node does not significantly predict the outcome"
        };
        let _ = write!(
            out,
            " Within each setting (every axis value and the initializer held fixed, so only the \
             random draw differs), {verdict}: node × outcome χ² summed over the {} of {} \
             settings where it is defined, χ² = {:.1}, df = {}, {} (per setting, p from {} to \
             {}).",
            w.tested,
            w.settings,
            w.statistic,
            w.df,
            p_clause(w.p_value),
            p_bound(w.p_min),
            p_bound(w.p_max)
        );
    }
    let n = &regions.nodes_summary;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let _ = writeln!(
        out,
        " Of the {} nodes that hold trials ({} empty), {} node{} succeed in ≥ {}% of their \
         trials ({} trials in all) and {} node{} in ≤ {}% ({} trials).\n",
        n.occupied,
        n.empty,
        n.high.0,
        plural(n.high.0),
        pct(HIGH_RATE),
        n.high.1,
        n.low.0,
        plural(n.low.0),
        pct(LOW_RATE),
        n.low.1,
    );
    for fig in figures.hit_map.into_iter().chain(figures.u_matrix) {
        embed(&mut out, fig, figure_dir);
    }
    if let Some(acc) = figures.accuracy {
        if let Some((lo, hi, nodes)) = n.accuracy_range {
            let _ = write!(
                out,
                "{}: the mean final {} accuracy of each node's trials ranges from {lo:.3} to \
                 {hi:.3} over the {nodes} nodes with at least {MIN_ACCURACY_HITS} trials.",
                if acc_is_test {
                    "Which regions generalize"
                } else {
                    "Accuracy by region (there is no test split, so this is training accuracy)"
                },
                if acc_is_test { "test" } else { "training" },
            );
            if let Some(((good, gn), (bad, bn))) = n.accuracy_by_outcome {
                let _ = write!(
                    out,
                    " Trials in nodes where at least half converged average {good:.3} ({gn} \
                     trials), those in the other nodes {bad:.3} ({bn} trials)."
                );
            }
            out.push_str("\n\n");
        }
        embed(&mut out, acc, figure_dir);
    }
    if !regions.separation.is_empty() {
        let _ = writeln!(
            out,
            "Single features that best separate converged from not-converged trials \
             (`separation.csv`; AUC = the probability that a converged trial's value exceeds \
             a not-converged one's, 0.5 = no separation), each with its best threshold rule:\n"
        );
        for s in regions.separation.iter().take(3) {
            let _ = writeln!(out, "- `{}`: {}", s.rule, histogram::auc_text(s));
        }
        out.push('\n');
    }
    if let Some(h) = figures.histograms {
        embed(&mut out, h, figure_dir);
    }
    out
}
