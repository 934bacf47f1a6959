//! `report.md`: setup, findings computed from the data, the figures, the sections of
//! particular studies, and a table per cell.

use std::fmt::Write as _;

use super::catalog;
use super::figures::{format_number, Written};
use super::text::{count_ci, embed, median_ci, pct};
use super::{chaos, coordinates, isometry, layers, learning_rate, weight_space};
use crate::analyze::grid::{describe, key_value, Axis, Cell, Grid, InitStats};
use crate::analyze::{Analysis, Setup};

/// The figures drawn, per kind of [`catalog::FIGURES`] (in its order).
pub type Drawn = [Vec<Written>];

/// The figures of the kind with `prefix`.
fn of<'a>(drawn: &'a Drawn, prefix: &str) -> Vec<&'a Written> {
    catalog::FIGURES
        .iter()
        .zip(drawn)
        .filter(|(k, _)| k.prefix == prefix)
        .flat_map(|(_, figs)| figs)
        .collect()
}

/// Sections of particular studies, placed after the figures; each appears only where its
/// analysis does (layers.csv; an edge-of-chaos grid in the spec; an optimizer axis sweeping
/// the learning rate; jacobian.csv; a weight-space map).
fn studies(out: &mut String, a: &Analysis, drawn: &Drawn, figure_dir: &str) {
    if let Some(l) = &a.layers {
        let figs = [of(drawn, "layers-saturation"), of(drawn, "layers-mean")].concat();
        out.push_str(&layers::markdown(l, &figs, figure_dir));
        if let Some(c) = &l.coordinates {
            let figs = of(drawn, "coordinate-check");
            out.push_str(&coordinates::markdown(c, &figs, figure_dir));
        }
    }
    if let Some(c) = &a.chaos {
        out.push_str(&chaos::markdown(c, &of(drawn, "edge-of-chaos"), figure_dir));
    }
    if let Some(r) = &a.learning_rates {
        let figs = of(drawn, "learning-rate");
        out.push_str(&learning_rate::markdown(r, &figs, figure_dir));
    }
    if let Some(j) = &a.isometry {
        let figs = of(drawn, "jacobian-spectrum");
        out.push_str(&isometry::markdown(j, &figs, figure_dir));
    }
    if let Some(m) = &a.map {
        let figs = weight_space::Figures {
            hit_map: of(drawn, "som-hits").first().copied(),
            u_matrix: of(drawn, "som-umatrix").first().copied(),
            accuracy: of(drawn, "som-accuracy").first().copied(),
            histograms: of(drawn, "separation-histograms").first().copied(),
        };
        out.push_str(&weight_space::markdown(
            m,
            &figs,
            a.grid.acc_is_test(),
            figure_dir,
        ));
    }
}

fn setup(m: &Setup, analysis: &Grid) -> String {
    let mut s = String::new();
    let n_per: Vec<u64> = analysis
        .cells
        .iter()
        .flat_map(|c| c.inits.iter().map(|i| i.n))
        .collect();
    let reps = match (n_per.iter().min(), n_per.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("{a} replicates"),
        (Some(a), Some(b)) => format!("{a}–{b} replicates"),
        _ => "no replicates".into(),
    };
    let mut factors = vec![format!("{} initializers", analysis.initializers.len())];
    for axis in analysis.varying() {
        let v = analysis.values(axis);
        let plural = match axis {
            Axis::Depth => "depths",
            Axis::Width => "widths",
            Axis::Activation => "activations",
            Axis::Dataset => "data sets",
            Axis::Optimizer => "optimizers",
            Axis::Parametrization => "parametrizations",
            Axis::Gain => "gains",
        };
        factors.push(format!("{} {plural} ({})", v.len(), v.join(", ")));
    }
    factors.push(reps);
    let _ = write!(s, "{} trials: {}", analysis.n_trials, factors.join(" × "));
    let constants = analysis.constants(&[]);
    if !constants.is_empty() {
        let _ = write!(s, "; every trial: {constants}");
    }
    s.push_str(". ");
    let batch = match m.batch_size {
        Some(b) => format!("minibatches of {b}"),
        None => "full batch".into(),
    };
    if let Some(a) = m.branch_scale {
        let _ = write!(
            s,
            "The networks are residual: after the first hidden layer, blocks of two layers add \
             α·(φ(h·W₁ + b₁)·W₂ + b₂) to the stream h, with α {} (a depth of 1 + 2·blocks){}. ",
            if m.train_branch_scale {
                format!(
                    "a parameter of each block, trained from {}",
                    format_number(a)
                )
            } else {
                format!("= {}", format_number(a))
            },
            match m.layer_norm.as_deref() {
                Some("pre") =>
                    ", each branch reading the layer-normalized stream LN(h) and the \
                                output layer LN of the last stream",
                Some(_) => ", the stream layer-normalized after every addition",
                None => "",
            }
        );
        if m.scalar_biases {
            s.push_str(
                "Every branch layer's and the output layer's input gets a trained scalar bias \
                 that starts at 0 (Fixup's rule 3). ",
            );
        }
    }
    let _ = write!(
        s,
        "Each network trained for {} epochs ({batch}) on the {} loss with a {} output. ",
        m.epochs, m.loss, m.output_activation
    );
    let mut target = Vec::new();
    if let Some(a) = m.target_train_acc {
        target.push(format!("training accuracy ≥ {}", format_number(a)));
    }
    if let Some(l) = m.target_train_loss {
        target.push(format!("training loss ≤ {}", format_number(l)));
    }
    if !target.is_empty() {
        let _ = write!(
            s,
            "A trial counts as converged at the first epoch after which {}{}. ",
            target.join(" and "),
            if m.early_stop {
                " (it then stops training)"
            } else {
                ""
            }
        );
    }
    let _ = write!(
        s,
        "Trials that never reach it are censored at {} epochs in the time-to-target statistics \
         (Kaplan–Meier). Intervals are 95%: Wilson for success rates, Brookmeyer–Crowley for \
         median epochs.",
        m.epochs
    );
    s
}

fn cell_table(out: &mut String, cell: &Cell, acc: &str) {
    let _ = writeln!(
        out,
        "| initializer | n | converged | diverged | success (95% CI) | median epochs to target (95% CI) | mean final {acc} acc | median final {acc} acc |"
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for s in &cell.inits {
        let ci = s.ci.map_or("–".into(), |(lo, hi)| {
            format!("{}% ({}–{})", pct(s.rate()), pct(lo), pct(hi))
        });
        let f3 = |x: Option<f64>| x.map_or("–".into(), |v| format!("{v:.3}"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            s.initializer.replace('|', "\\|"),
            s.n,
            s.converged,
            s.diverged,
            ci,
            median_ci(s.median),
            f3(s.acc_mean),
            f3(s.acc_median),
        );
    }
    let mut r: Vec<&InitStats> = cell.inits.iter().filter(|s| s.n > 0).collect();
    r.sort_by(|a, b| b.rate().total_cmp(&a.rate()));
    if let (Some(best), Some(worst)) = (r.first(), r.last()) {
        out.push('\n');
        if best.rate() == worst.rate() {
            let _ = writeln!(
                out,
                "All initializers converged equally often here ({}/{} each at most).",
                best.converged, best.n
            );
        } else {
            let _ = writeln!(
                out,
                "Best: `{}` ({}). Worst: `{}` ({}).",
                best.initializer,
                count_ci(best),
                worst.initializer,
                count_ci(worst)
            );
        }
    }
}

/// The whole report; `after_figures` (sections of particular studies and the weight-space
/// map) goes between the figures and the per-cell results.
pub fn document(a: &Analysis, drawn: &Drawn, figure_dir: &str) -> String {
    let (m, analysis) = (&a.setup, &a.grid);
    let mut out = String::new();
    let _ = writeln!(out, "# {}: initbench report\n", m.name);
    if !m.description.is_empty() {
        let _ = writeln!(out, "{}\n", m.description);
    }
    if m.state != "complete" {
        let _ = writeln!(
            out,
            "> **Incomplete run** (manifest state: `{}`): the figures and tables cover the trials \
             written so far.\n",
            m.state
        );
    }
    let _ = writeln!(out, "## Setup\n\n{}\n", setup(m, analysis));
    let _ = writeln!(out, "## Main findings\n");
    for f in super::findings::sentences(a) {
        let _ = writeln!(out, "- {f}");
    }
    out.push('\n');
    if analysis.values(Axis::Depth).len() > 1 {
        let table = &a.findings.deepest;
        let _ = writeln!(
            out,
            "Largest depth at which each initializer converged in at least 50% of trials \
             (– = at no depth tested):\n"
        );
        let groups: Vec<String> = table
            .iter()
            .map(|(l, _)| {
                if l.is_empty() {
                    "all".into()
                } else {
                    l.clone()
                }
            })
            .collect();
        let _ = writeln!(out, "| initializer | {} |", groups.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(groups.len()));
        for (i, init) in analysis.initializers.iter().enumerate() {
            let cells: Vec<String> = table
                .iter()
                .map(|(_, per)| per[i].1.map_or("–".into(), |d| d.to_string()))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} |",
                init.replace('|', "\\|"),
                cells.join(" | ")
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Figures\n");
    for (kind, figures) in catalog::FIGURES.iter().zip(drawn) {
        let Some(section) = &kind.section else {
            continue;
        };
        if figures.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {}\n\n{}\n", section.heading, (section.text)(a));
        for fig in figures {
            embed(&mut out, fig, figure_dir);
        }
    }
    studies(&mut out, a, drawn, figure_dir);
    let _ = writeln!(out, "## Results by cell\n");
    let acc = if analysis.acc_is_test() {
        "test"
    } else {
        "train"
    };
    if acc == "train" {
        let _ = writeln!(
            out,
            "There is no test split, so the accuracy columns are final training accuracies.\n"
        );
    }
    let varying: Vec<Axis> = analysis.varying().into_iter().collect();
    let fold = analysis.cells.len() > 4;
    for cell in &analysis.cells {
        let label: Vec<(Axis, String)> = varying
            .iter()
            .map(|a| (*a, key_value(&cell.key, *a).to_string()))
            .collect();
        let label = if label.is_empty() {
            analysis.constants(&[])
        } else {
            describe(&label)
        };
        let mut body = String::new();
        cell_table(&mut body, cell, acc);
        if fold {
            let _ = writeln!(
                out,
                "<details><summary>{}</summary>\n\n{}\n</details>\n",
                label, body
            );
        } else {
            let _ = writeln!(out, "### {label}\n\n{body}");
        }
    }
    out
}
