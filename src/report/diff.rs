//! `initbench diff`'s text: what [`Diff`] found, trials first (did anything move at all?),
//! then the cells, flagged ones first.

use crate::analyze::diff::{CellChange, Diff, ALPHA};
use crate::analyze::summary::{aligned, varying, varying_only};
use crate::analyze::trials::{Setting, SETTING_AXES};

use super::text::p_value;

/// Most cells the table shows; every flagged cell is shown even past it.
const MAX_ROWS: usize = 40;
/// Most columns named for the first changed trial.
const MAX_COLUMNS: usize = 8;

pub fn text(d: &Diff) -> String {
    let t = &d.trials;
    let mut out = format!(
        "A: {}\nB: {}\n\nTrials: {} identical, {} changed, {} only in A, {} only in B.\n",
        d.a.display(),
        d.b.display(),
        t.identical,
        t.changed,
        t.only_a,
        t.only_b
    );
    if d.identical() {
        out.push_str("Every trial has the same row in both: nothing moved.\n");
    }
    if let Some((id, columns)) = &t.first {
        let shown: Vec<String> = columns
            .iter()
            .take(MAX_COLUMNS)
            .map(|c| format!("{} {} → {}", c.column, blank(&c.a), blank(&c.b)))
            .collect();
        let more = columns.len().saturating_sub(MAX_COLUMNS);
        out.push_str(&format!(
            "First changed trial, {id}: {}{}.\n",
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more columns")
            } else {
                String::new()
            }
        ));
    }
    out.push_str(&format!(
        "\nCells: {} in both, {} only in A, {} only in B.\n",
        d.cells.len(),
        d.only_a.len(),
        d.only_b.len()
    ));
    for (side, cells) in [("A", &d.only_a), ("B", &d.only_b)] {
        for s in cells.iter().take(10) {
            out.push_str(&format!("  only in {side}: {}\n", describe(s)));
        }
        if cells.len() > 10 {
            out.push_str(&format!("  … {} more only in {side}\n", cells.len() - 10));
        }
    }
    if d.cells.is_empty() {
        return out;
    }
    let flagged = d.flagged().count();
    out.push_str(&format!(
        "{flagged} of {} moved: a Holm-adjusted p below {ALPHA} over the cells in both, for \
         the success rate (Fisher's exact test), the time to target (log-rank) or the accuracy \
         (Mann–Whitney). B − A is B's success rate minus A's, with its 95% interval.\n\n",
        d.cells.len()
    ));
    out.push_str(&table(d));
    out
}

fn blank(v: &str) -> &str {
    if v.is_empty() {
        "(empty)"
    } else {
        v
    }
}

fn describe(s: &Setting) -> String {
    SETTING_AXES
        .iter()
        .zip(s.values())
        .map(|(a, v)| format!("{a}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Flagged cells first, then the rest, in B's order within each; at most [`MAX_ROWS`]
/// unless more are flagged.
fn table(d: &Diff) -> String {
    let mut shown: Vec<&CellChange> = d.flagged().collect();
    let rest = d.cells.iter().filter(|c| c.flags().is_empty());
    let room = MAX_ROWS.saturating_sub(shown.len());
    shown.extend(rest.take(room));
    let values: Vec<[String; 8]> = d.cells.iter().map(|c| c.setting.values()).collect();
    let varies = varying(&values);
    let measure = d.cells[0]
        .measure
        .trim_start_matches("final_")
        .replace('_', " ");
    let mut header = varying_only(&SETTING_AXES, &varies);
    let stats = [
        "A converged".to_string(),
        "B converged".to_string(),
        "B − A (95% CI)".to_string(),
        "p rate".to_string(),
        "p time".to_string(),
        format!("A {measure}"),
        format!("B {measure}"),
        "p acc".to_string(),
        "moved".to_string(),
    ];
    // Every column but the settings and the last ("moved") holds numbers.
    let numeric = header.len()..header.len() + stats.len() - 1;
    header.extend(stats);
    let mut rows = vec![header];
    for c in &shown {
        let mut row = varying_only(&c.setting.values(), &varies);
        let opt_p = |p: Option<f64>| p.map_or("-".to_string(), p_value);
        let acc = |a: Option<f64>| a.map_or("-".to_string(), |a| format!("{a:.3}"));
        row.extend([
            format!("{}/{}", c.a.0, c.a.1),
            format!("{}/{}", c.b.0, c.b.1),
            c.difference.map_or("-".to_string(), |d| {
                format!(
                    "{:+.0}% ({:+.0} to {:+.0})",
                    100.0 * d.difference,
                    100.0 * d.lower,
                    100.0 * d.upper
                )
            }),
            p_value(c.fisher_p_holm),
            opt_p(c.logrank_p_holm),
            acc(c.accuracy_mean.0),
            acc(c.accuracy_mean.1),
            opt_p(c.mann_whitney_p_holm),
            c.flags().join(", "),
        ]);
        rows.push(row);
    }
    let mut out = aligned(&rows, numeric);
    let hidden = d.cells.len() - shown.len();
    if hidden > 0 {
        out.push_str(&format!("… {hidden} more cells, none of them moved\n"));
    }
    out
}
