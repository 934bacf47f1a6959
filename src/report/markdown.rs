//! `report.md`: setup, findings computed from the data, the figures, and a table per cell.

use std::fmt::Write as _;

use super::analysis::{describe, key_value, Analysis, Axis, Cell, InitStats};
use super::figures::Written;
use super::load::Manifest;
use super::regions::Regions;
use crate::stats::{self, QuantileCi};

/// A proportion as a percentage for text: whole numbers, one decimal near 0 and 100 so that
/// 0.3% is not printed as 0% nor 99.7% as 100%.
pub fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p == 0.0 || p == 100.0 {
        format!("{p:.0}")
    } else if !(1.0..=99.0).contains(&p) {
        format!("{p:.1}")
    } else {
        format!("{p:.0}")
    }
}

/// "94/100, 95% CI 88–97%".
pub fn count_ci(s: &InitStats) -> String {
    match s.ci {
        Some((lo, hi)) => format!("{}/{}, 95% CI {}–{}%", s.converged, s.n, pct(lo), pct(hi)),
        None => format!("{}/{}", s.converged, s.n),
    }
}

/// A p-value for text: two significant digits, scientific below 0.001.
pub fn p_value(p: f64) -> String {
    if p >= 0.001 {
        let digits = (1 - p.log10().floor() as i32).max(2) as usize;
        let s = format!("{p:.digits$}");
        if p >= 0.9995 {
            "1".into()
        } else {
            s
        }
    } else {
        format!("{p:.1e}")
    }
}

/// "p = 0.0046", or "p < 1e-300" where the p-value underflowed to 0.
pub fn p_clause(p: f64) -> String {
    if p > 0.0 {
        format!("p = {}", p_value(p))
    } else {
        "p < 1e-300".into()
    }
}

/// A p-value standing alone in a range ("p from … to …"): as `p_value`, or "< 1e-300" where
/// it underflowed to 0.
pub fn p_bound(p: f64) -> String {
    if p > 0.0 {
        p_value(p)
    } else {
        "< 1e-300".into()
    }
}

fn epochs(x: Option<f64>) -> String {
    x.map_or("NA".into(), |v| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    })
}

/// "754 (672–995)", "not reached (1500–NA)".
pub fn median_ci(m: Option<QuantileCi>) -> String {
    match m {
        None => "–".into(),
        Some(q) => {
            let est = q.estimate.map_or("not reached".into(), |e| epochs(Some(e)));
            if q.lower.is_none() && q.upper.is_none() {
                est
            } else {
                format!("{est} ({}–{})", epochs(q.lower), epochs(q.upper))
            }
        }
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

/// Initializers ranked by success rate, best first (spec order breaks ties).
fn ranked(stats: &[InitStats]) -> Vec<&InitStats> {
    let mut r: Vec<&InitStats> = stats.iter().filter(|s| s.n > 0).collect();
    r.sort_by(|a, b| b.rate().total_cmp(&a.rate()));
    r
}

/// The findings: 3–6 sentences, each with its statistics, computed from the data.
pub fn findings(analysis: &Analysis, depth_clauses: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let pooled = &analysis.pooled;
    let ranked = ranked(pooled);
    if ranked.is_empty() {
        return out;
    }
    let cells = analysis.cells.len();
    let scope = if cells > 1 {
        format!(" (pooled over all {cells} cells of the grid)")
    } else {
        String::new()
    };
    // Best.
    let top = ranked[0].rate();
    let best: Vec<&InitStats> = ranked.iter().copied().filter(|s| s.rate() == top).collect();
    let list = |v: &[&InitStats]| -> Vec<String> {
        v.iter()
            .map(|s| format!("`{}` ({})", s.initializer, count_ci(s)))
            .collect()
    };
    if ranked.len() == 1 {
        // One initializer: nothing to rank, so just its tally.
        let only = ranked[0];
        out.push(format!(
            "`{}` converged in {}/{} trials, 95% CI {}{scope}.",
            only.initializer,
            only.converged,
            only.n,
            only.ci
                .map_or("–".into(), |(lo, hi)| format!("{}–{}%", pct(lo), pct(hi)))
        ));
    } else if best.len() == ranked.len() {
        out.push(format!(
            "Every initializer converged equally often{scope}: {}.",
            join_and(&list(&best))
        ));
    } else {
        let verb = if top == 1.0 {
            "converged in every trial"
        } else {
            "converged most often"
        };
        out.push(format!("{} {verb}{scope}.", join_and(&list(&best))));
        // Worst.
        let bottom = ranked[ranked.len() - 1].rate();
        let worst: Vec<&InitStats> = ranked
            .iter()
            .copied()
            .filter(|s| s.rate() == bottom)
            .collect();
        let verb = if bottom == 0.0 {
            "never converged"
        } else {
            "converged least often"
        };
        out.push(format!("{} {verb}.", join_and(&list(&worst))));
    }
    // The best two compared.
    if ranked.len() >= 2 {
        let (a, b) = (ranked[0], ranked[1]);
        let f = stats::fisher_exact([
            [a.converged, a.n - a.converged],
            [b.converged, b.n - b.converged],
        ]);
        let verdict = if f.p_value < 0.05 {
            "a difference significant at the 5% level"
        } else {
            "not a significant difference at the 5% level"
        };
        out.push(format!(
            "The two most successful, `{}` ({}/{}) and `{}` ({}/{}), differ by {} percentage points; \
             Fisher's exact test gives {} ({verdict}).",
            a.initializer,
            a.converged,
            a.n,
            b.initializer,
            b.converged,
            b.n,
            pct(a.rate() - b.rate()),
            p_clause(f.p_value)
        ));
    }
    // Speed.
    let mut fastest: Vec<(&InitStats, QuantileCi, f64)> = pooled
        .iter()
        .filter_map(|s| {
            let m = s.median?;
            Some((s, m, m.estimate?))
        })
        .collect();
    fastest.sort_by(|x, y| x.2.total_cmp(&y.2));
    if let Some((s, m, _)) = fastest.first().filter(|_| ranked.len() > 1) {
        out.push(format!(
            "`{}` reached the target fastest: Kaplan–Meier median {} epochs{}{}.",
            s.initializer,
            epochs(m.estimate),
            match (m.lower, m.upper) {
                (None, None) => String::new(),
                (lo, hi) => format!(" (95% CI {}–{})", epochs(lo), epochs(hi)),
            },
            if fastest.len() > 1 {
                format!(
                    ", against {} for `{}`",
                    epochs(fastest[1].1.estimate),
                    fastest[1].0.initializer
                )
            } else {
                String::new()
            }
        ));
    }
    // Depth.
    if analysis.values(Axis::Depth).len() > 1 && !depth_clauses.is_empty() {
        out.push(format!(
            "Largest depth at which an initializer still converged in at least 50% of trials: {}.",
            depth_clauses.join("; ")
        ));
    }
    // Symmetry: why constant initializers cannot learn what needs two distinct units.
    if let Some(sym) = &analysis.symmetry {
        let names: Vec<String> = sym.initializers.iter().map(|i| format!("`{i}`")).collect();
        let mut text = format!(
            "{} of {} trials started with two or more identical hidden units (`init_symmetric`; \
             from {}), which gradient descent cannot tell apart; {} of them converged",
            sym.symmetric,
            analysis.n_trials,
            join_and(&names),
            sym.symmetric_converged
        );
        if sym.others > 0 {
            let f = stats::fisher_exact([
                [
                    sym.symmetric_converged,
                    sym.symmetric - sym.symmetric_converged,
                ],
                [sym.others_converged, sym.others - sym.others_converged],
            ]);
            let _ = write!(
                text,
                ", against {} of the {} others (Fisher's exact {})",
                sym.others_converged,
                sym.others,
                p_clause(f.p_value)
            );
        }
        text.push('.');
        out.push(text);
    }
    // Divergence.
    let diverged: u64 = pooled.iter().map(|s| s.diverged).sum();
    if diverged > 0 {
        let worst = pooled.iter().max_by_key(|s| s.diverged).expect("non-empty");
        out.push(format!(
            "{diverged} of {} trials diverged (the loss became NaN or infinite), most often with `{}` \
             ({}/{}).",
            analysis.n_trials, worst.initializer, worst.diverged, worst.n
        ));
    }
    out
}

/// Most sweep sentences the findings list; a larger grid leaves them to the figures.
const MAX_SWEEP_FINDINGS: usize = 4;

/// Per sweep figure and initializer: where along the axis success peaks, how the two ends
/// compare with the peak (Fisher's exact test), and where the median time to target is
/// shortest and longest.
pub fn sweep_findings(analysis: &Analysis) -> Vec<String> {
    let plans = super::layout::sweep_plans(analysis);
    let lines: usize = plans.iter().map(|p| p.inits.len()).sum();
    if lines > MAX_SWEEP_FINDINGS {
        return Vec::new();
    }
    let mut out = Vec::new();
    for plan in &plans {
        let name = plan.axis.name();
        let values = analysis.values(plan.axis);
        for &i in &plan.inits {
            let init = &analysis.initializers[i];
            let points: Vec<(&String, &InitStats)> = values
                .iter()
                .filter_map(|v| {
                    let mut at = plan.fixed.clone();
                    at.push((plan.axis, v.clone()));
                    let s = analysis
                        .cells_where(&at)
                        .into_iter()
                        .find_map(|c| c.get(init))?;
                    Some((v, s))
                })
                .collect();
            if points.len() < super::layout::MIN_SWEEP_VALUES {
                continue;
            }
            // The first of equal peaks, so ties resolve to the smaller value.
            let peak = points
                .iter()
                .fold(None::<&(&String, &InitStats)>, |best, p| match best {
                    Some(b) if b.1.rate() >= p.1.rate() => Some(b),
                    _ => Some(p),
                })
                .expect("at least three points");
            let scope = if plan.label.is_empty() {
                String::new()
            } else {
                format!(", {}", plan.label)
            };
            if peak.1.converged == 0 {
                let n: u64 = points.iter().map(|p| p.1.n).sum();
                out.push(format!(
                    "Along {name}{scope} (`{init}`): no trial converged at any {name} (0/{n})."
                ));
                continue;
            }
            let mut text = format!(
                "Along {name}{scope} (`{init}`): success peaks at {name} {} ({})",
                peak.0,
                count_ci(peak.1)
            );
            let ends = [points[0], points[points.len() - 1]];
            let mut clauses = Vec::new();
            for (which, end) in ["smallest", "largest"].iter().zip(ends) {
                if end.0 == peak.0 {
                    continue;
                }
                let f = stats::fisher_exact([
                    [peak.1.converged, peak.1.n - peak.1.converged],
                    [end.1.converged, end.1.n - end.1.converged],
                ]);
                clauses.push(format!(
                    "at the {which} {name}, {}, {} (Fisher's exact {} against the peak)",
                    end.0,
                    count_ci(end.1),
                    p_clause(f.p_value)
                ));
            }
            if !clauses.is_empty() {
                let _ = write!(text, "; {}", clauses.join("; "));
            }
            text.push('.');
            let medians: Vec<(&String, QuantileCi, f64)> = points
                .iter()
                .filter_map(|(v, s)| {
                    let m = s.median?;
                    Some((*v, m, m.estimate?))
                })
                .collect();
            let fastest = medians.iter().min_by(|a, b| a.2.total_cmp(&b.2));
            let slowest = medians.iter().max_by(|a, b| a.2.total_cmp(&b.2));
            if let (Some(f), Some(sl)) = (fastest, slowest) {
                if f.0 != sl.0 {
                    let _ = write!(
                        text,
                        " Median epochs to target (where at least half converged) is shortest at \
                         {name} {}, {}, and longest at {name} {}, {}.",
                        f.0,
                        median_ci(Some(f.1)),
                        sl.0,
                        median_ci(Some(sl.1))
                    );
                }
            }
            out.push(text);
        }
    }
    out
}

/// (initializer, the largest depth with ≥ 50% converged, if any) for each initializer.
pub type Deepest = Vec<(String, Option<u64>)>;

/// Per initializer, the largest depth with ≥ 50% converged in each group of the other
/// varying axes (depth excluded): (group label, [(initializer, deepest depth or None)]).
pub fn deepest(analysis: &Analysis) -> Vec<(String, Deepest)> {
    let others: Vec<Axis> = analysis
        .varying()
        .into_iter()
        .filter(|a| *a != Axis::Depth)
        .collect();
    super::analysis::combinations(analysis, &others)
        .into_iter()
        .map(|combo| {
            let label = describe(&combo);
            let cells = analysis.cells_where(&combo);
            let per_init = analysis
                .initializers
                .iter()
                .map(|init| {
                    let depth = cells
                        .iter()
                        .filter_map(|c| {
                            let s = c.get(init)?;
                            (s.n > 0 && 2 * s.converged >= s.n)
                                .then(|| key_value(&c.key, Axis::Depth).parse::<u64>().ok())
                                .flatten()
                        })
                        .max();
                    (init.clone(), depth)
                })
                .collect();
            (label, per_init)
        })
        .collect()
}

/// One clause per group: "relu: 16 (he_normal, lsuv)", "sigmoid: none".
pub fn deepest_clauses(analysis: &Analysis) -> Vec<String> {
    let deepest_depth = analysis
        .values(Axis::Depth)
        .iter()
        .filter_map(|d| d.parse::<u64>().ok())
        .max();
    deepest(analysis)
        .into_iter()
        .map(|(label, per_init)| {
            let best = per_init.iter().filter_map(|(_, d)| *d).max();
            let who: Vec<String> = per_init
                .iter()
                .filter(|(_, d)| d.is_some() && *d == best)
                .map(|(i, _)| format!("`{i}`"))
                .collect();
            let name = if label.is_empty() {
                "all".to_string()
            } else {
                label
            };
            match best {
                None => format!("{name}: none at any depth"),
                Some(d) => format!(
                    "{name}: depth {d}{} ({})",
                    if Some(d) == deepest_depth {
                        ", the deepest tested"
                    } else {
                        ""
                    },
                    join_and(&who)
                ),
            }
        })
        .collect()
}

fn setup(m: &Manifest, analysis: &Analysis) -> String {
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
            Axis::Gain => "gains",
        };
        factors.push(format!("{} {plural} ({})", v.len(), v.join(", ")));
    }
    factors.push(reps);
    let _ = write!(s, "{} trials: {}", analysis.n_trials, factors.join(" × "));
    let constants = super::layout::constants(analysis, &[]);
    if !constants.is_empty() {
        let _ = write!(s, "; every trial: {constants}");
    }
    s.push_str(". ");
    let batch = match m.batch_size {
        Some(b) => format!("minibatches of {b}"),
        None => "full batch".into(),
    };
    let _ = write!(
        s,
        "Each network trained for {} epochs ({batch}) on the {} loss with a {} output. ",
        m.epochs, m.loss, m.output_activation
    );
    let mut target = Vec::new();
    if let Some(a) = m.target_train_acc {
        target.push(format!(
            "training accuracy ≥ {}",
            super::figures::format_number(a)
        ));
    }
    if let Some(l) = m.target_train_loss {
        target.push(format!(
            "training loss ≤ {}",
            super::figures::format_number(l)
        ));
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

/// Which accuracy the tables and box plots use.
fn acc_name(analysis: &Analysis) -> &'static str {
    if analysis.pooled.iter().any(|s| s.acc_is_test) {
        "test"
    } else {
        "train"
    }
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
            f3(stats::mean(&s.acc)),
            f3(stats::median(&s.acc)),
        );
    }
    let r = ranked(&cell.inits);
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

/// The figures of one kind, in the order written.
pub struct Section<'a> {
    pub heading: &'a str,
    pub text: String,
    pub figures: &'a [Written],
}

/// Markdown that embeds a figure: the PNG, then a link to the SVG.
fn embed(out: &mut String, fig: &Written, report_dir_name: &str) {
    let name = |p: &std::path::Path| {
        format!(
            "{report_dir_name}/{}",
            p.file_name().unwrap_or_default().to_string_lossy()
        )
    };
    let _ = writeln!(
        out,
        "![{}]({})\n\n[SVG]({})\n",
        fig.title.replace(['[', ']'], ""),
        name(&fig.png),
        name(&fig.svg)
    );
}

/// The figures of the weight-space section (`initbench regions` outputs).
pub struct WeightSpaceFigures {
    pub hit_map: Written,
    pub u_matrix: Written,
    /// None when no node has a mean accuracy.
    pub accuracy: Option<Written>,
    /// The accuracy is the test split's (else the training split's).
    pub accuracy_is_test: bool,
    /// None when no separation feature could be drawn.
    pub histograms: Option<Written>,
}

/// Success at or above this in a node counts as a "good" region, at or below `LOW_RATE` as a
/// "bad" one.
pub const HIGH_RATE: f64 = 0.9;
pub const LOW_RATE: f64 = 0.1;

/// "## Weight-space map": the map's fit, the χ² test of node × outcome, the share of nodes
/// that nearly always or nearly never train, the best separating rules, and the figures.
pub fn weight_space(
    regions: &Regions,
    figures: &WeightSpaceFigures,
    within: Option<&super::regions::WithinSettings>,
    report_dir_name: &str,
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
        super::figures::som::describe_input(regions),
        f.rows,
        f.cols,
        f.quantization_error,
        f.topographic_error
    );
    match super::figures::som::chi_square_text(regions) {
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
                        super::figures::format_number(e)
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
    if let Some(w) = within {
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
    let occupied: Vec<_> = regions.nodes.iter().filter(|n| n.hits > 0).collect();
    let tally = |keep: &dyn Fn(f64) -> bool| -> (usize, u64) {
        let sel: Vec<_> = occupied
            .iter()
            .filter(|n| n.success_rate.is_some_and(keep))
            .collect();
        (sel.len(), sel.iter().map(|n| n.hits).sum())
    };
    let (high, high_hits) = tally(&|r| r >= HIGH_RATE);
    let (low, low_hits) = tally(&|r| r <= LOW_RATE);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let _ = writeln!(
        out,
        " Of the {} nodes that hold trials ({} empty), {high} node{} succeed in ≥ {}% of their \
         trials ({high_hits} trials in all) and {low} node{} in ≤ {}% ({low_hits} trials).\n",
        occupied.len(),
        regions.nodes.len() - occupied.len(),
        plural(high),
        pct(HIGH_RATE),
        plural(low),
        pct(LOW_RATE),
    );
    embed(&mut out, &figures.hit_map, report_dir_name);
    embed(&mut out, &figures.u_matrix, report_dir_name);
    if let Some(acc) = &figures.accuracy {
        let shown: Vec<(f64, u64)> = regions
            .nodes
            .iter()
            .filter(|n| n.hits >= super::figures::som::MIN_ACCURACY_HITS)
            .filter_map(|n| Some((n.mean_accuracy.filter(|a| a.is_finite())?, n.hits)))
            .collect();
        let lo = shown.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
        let hi = shown.iter().map(|s| s.0).fold(f64::NEG_INFINITY, f64::max);
        if lo.is_finite() {
            let _ = write!(
                out,
                "{}: the mean final {} accuracy of each node's trials ranges from {lo:.3} to \
                 {hi:.3} over the {} nodes with at least {} trials.",
                if figures.accuracy_is_test {
                    "Which regions generalize"
                } else {
                    "Accuracy by region (there is no test split, so this is training accuracy)"
                },
                if figures.accuracy_is_test {
                    "test"
                } else {
                    "training"
                },
                shown.len(),
                super::figures::som::MIN_ACCURACY_HITS
            );
            // Node means weighted by hits: the trials' mean accuracy in each kind of region.
            let region_mean = |keep: &dyn Fn(f64) -> bool| -> Option<(f64, u64)> {
                let (sum, hits) = regions
                    .nodes
                    .iter()
                    .filter(|n| n.success_rate.is_some_and(keep))
                    .filter_map(|n| Some((n.mean_accuracy.filter(|a| a.is_finite())?, n.hits)))
                    .fold((0.0, 0u64), |(s, h), (a, n)| (s + a * n as f64, h + n));
                (hits > 0).then(|| (sum / hits as f64, hits))
            };
            if let (Some((good, gn)), Some((bad, bn))) =
                (region_mean(&|r| r >= 0.5), region_mean(&|r| r < 0.5))
            {
                let _ = write!(
                    out,
                    " Trials in nodes where at least half converged average {good:.3} ({gn} \
                     trials), those in the other nodes {bad:.3} ({bn} trials)."
                );
            }
            out.push_str("\n\n");
        }
        embed(&mut out, acc, report_dir_name);
    }
    if !regions.separation.is_empty() {
        let _ = writeln!(
            out,
            "Single features that best separate converged from not-converged trials \
             (`separation.csv`; AUC = the probability that a converged trial's value exceeds \
             a not-converged one's, 0.5 = no separation), each with its best threshold rule:\n"
        );
        for s in regions.separation.iter().take(3) {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                s.rule,
                super::figures::histogram::auc_text(s)
            );
        }
        out.push('\n');
    }
    if let Some(h) = &figures.histograms {
        embed(&mut out, h, report_dir_name);
    }
    out
}

/// The whole report; `after_figures` (sections of particular studies and the weight-space
/// map) goes between the figures and the per-cell results.
pub fn render(
    m: &Manifest,
    analysis: &Analysis,
    sections: &[Section],
    after_figures: Option<&str>,
    report_dir_name: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: initbench report\n", m.name);
    if !m.description.is_empty() {
        let _ = writeln!(out, "{}\n", m.description);
    }
    if m.state.as_deref().is_some_and(|s| s != "complete") {
        let _ = writeln!(
            out,
            "> **Incomplete run** (manifest state: `{}`): the figures and tables cover the trials \
             written so far.\n",
            m.state.as_deref().unwrap_or_default()
        );
    }
    let _ = writeln!(out, "## Setup\n\n{}\n", setup(m, analysis));
    let _ = writeln!(out, "## Main findings\n");
    let mut all = findings(analysis, &deepest_clauses(analysis));
    all.extend(sweep_findings(analysis));
    for f in all {
        let _ = writeln!(out, "- {f}");
    }
    out.push('\n');
    if analysis.values(Axis::Depth).len() > 1 {
        let table = deepest(analysis);
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
    for section in sections {
        if section.figures.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {}\n\n{}\n", section.heading, section.text);
        for fig in section.figures {
            embed(&mut out, fig, report_dir_name);
        }
    }
    if let Some(text) = after_figures {
        out.push_str(text);
    }
    let _ = writeln!(out, "## Results by cell\n");
    let acc = acc_name(analysis);
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
            super::layout::constants(analysis, &[])
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
