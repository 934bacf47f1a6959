//! Numbers and lists as `report.md` writes them in sentences and tables.

use std::fmt::Write as _;

use super::figures::Written;
use crate::analyze::grid::InitStats;
use crate::stats::QuantileCi;

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

/// Epochs: whole, or with one decimal (a median between two epochs).
pub fn epochs(x: Option<f64>) -> String {
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

/// "a", "a and b", "a, b, and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

/// Markdown that embeds a figure: the PNG, then a link to the SVG, both relative to
/// `report.md` (the figures sit in `figure_dir`).
pub fn embed(out: &mut String, fig: &Written, figure_dir: &str) {
    let name = |p: &std::path::Path| {
        format!(
            "{figure_dir}/{}",
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
