//! "Main findings": the analysis's headline results in sentences, each with its statistics.

use std::fmt::Write as _;

use super::layout::{self, SweepPlan};
use super::text::{count_ci, epochs, join_and, median_ci, p_clause, pct};
use crate::analyze::grid::{Axis, InitStats};
use crate::analyze::sweeps::{self, Sweep};
use crate::analyze::Analysis;

/// The findings: 3–6 sentences on the whole grid, then a sentence per sweep line where there
/// are few enough.
pub fn sentences(a: &Analysis) -> Vec<String> {
    let mut out = overall(a);
    out.extend(along_sweeps(a));
    out
}

fn overall(a: &Analysis) -> Vec<String> {
    let mut out = Vec::new();
    let (grid, f) = (&a.grid, &a.findings);
    let pooled = &grid.pooled;
    let ranked: Vec<&InitStats> = f.ranked.iter().map(|&i| &pooled[i]).collect();
    if ranked.is_empty() {
        return out;
    }
    let cells = grid.cells.len();
    let scope = if cells > 1 {
        format!(" (pooled over all {cells} cells of the grid)")
    } else {
        String::new()
    };
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
    if let Some((a_, b_, p)) = f.top_two {
        let (a_, b_) = (&pooled[a_], &pooled[b_]);
        let verdict = if p < 0.05 {
            "a difference significant at the 5% level"
        } else {
            "not a significant difference at the 5% level"
        };
        out.push(format!(
            "The two most successful, `{}` ({}/{}) and `{}` ({}/{}), differ by {} percentage points; \
             Fisher's exact test gives {} ({verdict}).",
            a_.initializer,
            a_.converged,
            a_.n,
            b_.initializer,
            b_.converged,
            b_.n,
            pct(a_.rate() - b_.rate()),
            p_clause(p)
        ));
    }
    if let Some(&first) = f.fastest.first().filter(|_| ranked.len() > 1) {
        let (s, m) = (&pooled[first], pooled[first].median.expect("a median"));
        out.push(format!(
            "`{}` reached the target fastest: Kaplan–Meier median {} epochs{}{}.",
            s.initializer,
            epochs(m.estimate),
            match (m.lower, m.upper) {
                (None, None) => String::new(),
                (lo, hi) => format!(" (95% CI {}–{})", epochs(lo), epochs(hi)),
            },
            match f.fastest.get(1) {
                Some(&next) => format!(
                    ", against {} for `{}`",
                    epochs(pooled[next].median.and_then(|m| m.estimate)),
                    pooled[next].initializer
                ),
                None => String::new(),
            }
        ));
    }
    let clauses = deepest_clauses(a);
    if grid.values(Axis::Depth).len() > 1 && !clauses.is_empty() {
        out.push(format!(
            "Largest depth at which an initializer still converged in at least 50% of trials: {}.",
            clauses.join("; ")
        ));
    }
    // Symmetry: why constant initializers cannot learn what needs two distinct units.
    if let Some(sym) = &f.symmetry {
        let names: Vec<String> = sym.initializers.iter().map(|i| format!("`{i}`")).collect();
        let mut text = format!(
            "{} of {} trials started with two or more identical hidden units (`init_symmetric`; \
             from {}), which gradient descent cannot tell apart; {} of them converged",
            sym.symmetric,
            grid.n_trials,
            join_and(&names),
            sym.symmetric_converged
        );
        if let Some(p) = sym.fisher_p {
            let _ = write!(
                text,
                ", against {} of the {} others (Fisher's exact {})",
                sym.others_converged,
                sym.others,
                p_clause(p)
            );
        }
        text.push('.');
        out.push(text);
    }
    if let (true, Some(worst)) = (f.diverged > 0, f.most_diverged) {
        let worst = &pooled[worst];
        out.push(format!(
            "{} of {} trials diverged (the loss became NaN or infinite), most often with `{}` \
             ({}/{}).",
            f.diverged, grid.n_trials, worst.initializer, worst.diverged, worst.n
        ));
    }
    out
}

/// Most sweep sentences the findings list; a larger grid leaves them to the figures.
const MAX_SWEEP_FINDINGS: usize = 4;

/// Per sweep figure and initializer: where along the axis success peaks, how the two ends
/// compare with the peak, and where the median time to target is shortest and longest.
fn along_sweeps(a: &Analysis) -> Vec<String> {
    let plans = layout::sweep_plans(a);
    let lines: usize = plans.iter().map(|p| p.inits.len()).sum();
    if lines > MAX_SWEEP_FINDINGS {
        return Vec::new();
    }
    let mut out = Vec::new();
    for plan in &plans {
        let sweep = &a.sweeps[plan.sweep];
        for &i in &plan.inits {
            if let Some(s) = sentence(a, sweep, plan, i) {
                out.push(s);
            }
        }
    }
    out
}

fn sentence(a: &Analysis, sweep: &Sweep, plan: &SweepPlan, i: usize) -> Option<String> {
    let name = sweep.axis.name();
    let init = &a.grid.initializers[i];
    let line = &sweep.lines[i];
    let points = &line.points;
    if points.len() < sweeps::MIN_VALUES {
        return None;
    }
    let peak = &points[line.peak?];
    let scope = if plan.label.is_empty() {
        String::new()
    } else {
        format!(", {}", plan.label)
    };
    if peak.1.converged == 0 {
        let n: u64 = points.iter().map(|p| p.1.n).sum();
        return Some(format!(
            "Along {name}{scope} (`{init}`): no trial converged at any {name} (0/{n})."
        ));
    }
    let mut text = format!(
        "Along {name}{scope} (`{init}`): success peaks at {name} {} ({})",
        peak.0,
        count_ci(&peak.1)
    );
    let clauses: Vec<String> = line
        .ends
        .iter()
        .map(|&(which, end, p)| {
            let end = &points[end];
            format!(
                "at the {which} {name}, {}, {} (Fisher's exact {} against the peak)",
                end.0,
                count_ci(&end.1),
                p_clause(p)
            )
        })
        .collect();
    if !clauses.is_empty() {
        let _ = write!(text, "; {}", clauses.join("; "));
    }
    text.push('.');
    if let Some((f, s)) = line.fastest_slowest {
        let (f, s) = (&points[f], &points[s]);
        let _ = write!(
            text,
            " Median epochs to target (where at least half converged) is shortest at \
             {name} {}, {}, and longest at {name} {}, {}.",
            f.0,
            median_ci(f.1.median),
            s.0,
            median_ci(s.1.median)
        );
    }
    Some(text)
}

/// One clause per group: "relu: depth 16 (`he_normal` and `lsuv`)", "sigmoid: none at any
/// depth".
fn deepest_clauses(a: &Analysis) -> Vec<String> {
    let deepest_depth = a
        .grid
        .values(Axis::Depth)
        .iter()
        .filter_map(|d| d.parse::<u64>().ok())
        .max();
    a.findings
        .deepest
        .iter()
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
                label.clone()
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
