//! What `report.md` states, and the errors bad input gives.

use super::*;
use crate::stats;

#[test]
fn markdown_embeds_figures_and_states_counts() {
    let (_dir, report) = standard("markdown");
    let md = std::fs::read_to_string(&report.markdown).unwrap();
    assert!(md.starts_with("# synthetic: initbench report"));
    assert!(md.contains("a synthetic test grid"));
    assert!(md.contains("50 epochs"));
    for (init, _) in INITS {
        assert!(md.contains(init), "mentions {init}");
    }
    for fig in &report.figures {
        for p in [&fig.png, &fig.svg] {
            let name = p.file_name().unwrap().to_string_lossy();
            assert!(md.contains(&format!("](report/{name})")), "embeds {name}");
        }
    }
    // Pooled counts: zeros 0/20, good_init 18/20, mid_init 10/20.
    let (_, hi) = stats::wilson(0, 20, 0.95).unwrap();
    assert!(md.contains(&format!(
        "`zeros` (0/20, 95% CI 0–{}%) never converged",
        text::pct(hi)
    )));
    let (lo, hi) = stats::wilson(18, 20, 0.95).unwrap();
    assert!(md.contains(&format!(
        "`good_init` (18/20, 95% CI {}–{}%) converged most often",
        text::pct(lo),
        text::pct(hi)
    )));
    let p = stats::fisher_exact([[18, 2], [10, 10]]).p_value;
    assert!(md.contains(&format!(
        "`good_init` (18/20) and `mid_init` (10/20), differ by 40 percentage points; Fisher's exact \
         test gives {}",
        text::p_clause(p)
    )));
    // Depth sweep: good_init ≥ 50% up to depth 2, mid_init only at depth 1.
    assert!(md.contains("depth 2, the deepest tested (`good_init`)"));
    assert!(md.contains("| mid_init | 1 |"));
    // One table per cell, with the Wilson interval of each row.
    assert!(md.contains("| good_init | 10 | 8 | 0 | 80% (49–94) |"));
    assert!(md.contains("### depth 1") && md.contains("### depth 2"));
}

#[test]
fn missing_or_bad_input_is_an_input_error() {
    let dir = temp_dir("missing");
    assert!(
        matches!(write(&dir), Err(crate::error::Error::Input(m)) if m.contains("no manifest.json"))
    );
    let (dir, _) = standard("bad");
    std::fs::write(dir.join("manifest.json"), "{}").unwrap();
    assert!(matches!(write(&dir), Err(crate::error::Error::Input(_))));
    let (dir, _) = standard("badstatus");
    let t = std::fs::read_to_string(dir.join("trials.csv")).unwrap();
    std::fs::write(
        dir.join("trials.csv"),
        t.replacen("not_converged", "exploded", 1),
    )
    .unwrap();
    assert!(matches!(write(&dir), Err(crate::error::Error::Input(_))));
}

#[test]
fn text_formats() {
    assert_eq!(text::pct(0.0), "0");
    assert_eq!(text::pct(0.003), "0.3");
    assert_eq!(text::pct(0.997), "99.7");
    assert_eq!(text::pct(0.724), "72");
    assert_eq!(text::p_value(0.0046), "0.0046");
    assert_eq!(text::p_value(0.23), "0.23");
    assert_eq!(text::p_value(3.2e-7), "3.2e-7");
    assert_eq!(text::p_value(1.0), "1");
}
