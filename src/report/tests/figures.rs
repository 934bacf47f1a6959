//! The figures each kind of grid gets, and their files.

use super::*;
use crate::stats;

#[test]
fn writes_figures_and_markdown() {
    let (dir, report) = standard("files");
    assert_eq!(report.markdown, dir.join("report.md"));
    // Depth varies and nothing else does: one figure of each kind.
    assert_eq!(report.figures.len(), 4);
    assert_eq!(report.files().len(), 9);
    for f in report.files() {
        assert!(f.exists(), "{} written", f.display());
    }
    let expect = [
        (
            "heatmap",
            &[
                "Success rate by initializer and depth",
                "depth (hidden layers)",
            ][..],
        ),
        (
            "survival",
            &[
                "Fraction of trials converged by epoch",
                "trials converged (%)",
                "epoch",
            ][..],
        ),
        (
            "accuracy",
            &["Final test accuracy", "final test accuracy (%)"][..],
        ),
        (
            "curves",
            &["Median training loss by epoch", "training loss (log scale)"][..],
        ),
    ];
    for (fig, (stem, texts)) in report.figures.iter().zip(expect) {
        assert_eq!(fig.svg, dir.join(FIGURE_DIR).join(format!("{stem}.svg")));
        let svg = std::fs::read_to_string(&fig.svg).unwrap();
        check_svg(&svg);
        for t in texts {
            assert!(svg.contains(t), "{stem}.svg contains {t:?}");
        }
        for (init, _) in INITS {
            assert!(svg.contains(init), "{stem}.svg names {init}");
        }
        assert!(
            svg.contains("DejaVu Sans"),
            "{stem}.svg uses the embedded family"
        );
        let png = std::fs::read(&fig.png).unwrap();
        let size = png_size(&png);
        assert_eq!(
            size,
            svg_size(&svg),
            "{stem}: PNG and SVG have the same size"
        );
        assert!(size.0 >= 600 && size.1 >= 360, "{stem}: {size:?}");
    }
    // The heatmap labels each cell with its rate and Wilson interval: mid_init at depth 1 is 7/10.
    let heat = std::fs::read_to_string(&report.figures[0].svg).unwrap();
    let (lo, hi) = stats::wilson(7, 10, 0.95).unwrap();
    assert!(heat.contains("70%"));
    assert!(heat.contains(&format!("[{:.0},{:.0}]", lo * 100.0, hi * 100.0)));
}

#[test]
fn train_accuracy_fallback_and_log_axis() {
    let dir = temp_dir("fallback");
    write_results(
        &dir,
        &Synthetic {
            inits: &[("a", &[3]), ("b", &[1])],
            depths: &[3],
            reps: 4,
            epochs: 500,
            test_split: false,
        },
    );
    let report = write(&dir).unwrap();
    let svg = |stem: &str| {
        std::fs::read_to_string(dir.join(FIGURE_DIR).join(format!("{stem}.svg"))).unwrap()
    };
    assert!(svg("accuracy").contains("Final training accuracy (no test split)"));
    assert!(svg("survival").contains("epoch (log scale)"));
    assert!(svg("curves").contains("epoch (log scale)"));
    let md = std::fs::read_to_string(&report.markdown).unwrap();
    assert!(md.contains("no test split"));
    // The single cell is named by its constant settings.
    assert!(md.contains("### xor, depth 3, width 4, relu, sgd(lr=0.1), gain 1"));
}

#[test]
fn stale_figures_are_removed_and_others_kept() {
    let (dir, _) = standard("stale");
    let figs = dir.join(FIGURE_DIR);
    std::fs::write(figs.join("survival-old.png"), b"x").unwrap();
    std::fs::write(figs.join("notes.txt"), b"keep").unwrap();
    write(&dir).unwrap();
    assert!(!figs.join("survival-old.png").exists());
    assert!(figs.join("notes.txt").exists());
}

#[test]
fn many_initializers_are_split_over_figures() {
    let dir = temp_dir("split");
    let names: Vec<String> = (0..14).map(|i| format!("init{i:02}")).collect();
    let inits: Vec<(&str, &[u64])> = names.iter().map(|n| (n.as_str(), &[1u64][..])).collect();
    write_results(
        &dir,
        &Synthetic {
            inits: &inits,
            depths: &[1],
            reps: 2,
            epochs: 10,
            test_split: true,
        },
    );
    let report = write(&dir).unwrap();
    let stems: Vec<String> = report
        .figures
        .iter()
        .map(|f| f.svg.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(stems.contains(&"survival-part1".to_string()));
    assert!(stems.contains(&"survival-part2".to_string()));
    let md = std::fs::read_to_string(&report.markdown).unwrap();
    for n in &names {
        assert!(md.contains(n.as_str()));
    }
}

#[test]
fn a_numeric_axis_with_three_values_gets_a_sweep_figure_and_sentence() {
    let dir = temp_dir("sweep");
    write_results(
        &dir,
        &Synthetic {
            inits: &[("good_init", &[10, 9, 2]), ("zeros", &[0, 0, 0])],
            depths: &[1, 2, 4],
            reps: 10,
            epochs: 50,
            test_split: false,
        },
    );
    let report = write(&dir).unwrap();
    let first = &report.figures[0];
    assert_eq!(first.svg.file_stem().unwrap(), "sweep-depth");
    let svg = std::fs::read_to_string(&first.svg).unwrap();
    check_svg(&svg);
    assert_eq!(
        png_size(&std::fs::read(&first.png).unwrap()),
        svg_size(&svg)
    );
    for text in [
        "Success rate and time to target vs depth",
        "success rate",
        "median epochs to target",
        "good_init",
    ] {
        assert!(svg.contains(text), "sweep figure shows {text:?}");
    }
    // Depth is on the sweep's x axis and still the heatmap's columns: the heatmap stays.
    assert!(report
        .figures
        .iter()
        .any(|f| f.svg.file_stem().unwrap() == "heatmap"));
    let md = std::fs::read_to_string(&report.markdown).unwrap();
    assert!(md.contains("### Outcome along the sweep"));
    assert!(md.contains("](report/sweep-depth.png)"));
    // 10/10 at depth 1 against 2/10 at depth 4: Fisher's exact p = 0.0007145 (the two-sided
    // hypergeometric sum, by hand: C(12,10)·C(8,0)/C(20,10) + C(12,2)·C(8,8)/C(20,10)).
    assert!(
        md.contains(
            "Along depth (`good_init`): success peaks at depth 1 (10/10, 95% CI 72–100%); at the \
             largest depth, 4, 2/10, 95% CI 6–51% (Fisher's exact p = 7.1e-4 against the peak)."
        ),
        "{md}"
    );
    // Never converging has no peak.
    assert!(md.contains("Along depth (`zeros`): no trial converged at any depth (0/30)."));
}

#[test]
fn histogram_bins_cover_the_pooled_range() {
    use crate::report::figures::histogram::{counts, edges};
    let e = edges(&[0.0, 2.0, 1.0], 20);
    assert_eq!(e.len(), 21);
    assert_eq!((e[0], e[20]), (0.0, 2.0));
    let c = counts(&[0.0, 0.05, 0.1, 1.0, 2.0], &e);
    assert_eq!(c.iter().sum::<u64>(), 5);
    assert_eq!((c[0], c[1], c[10], c[19]), (2, 1, 1, 1));
    // A constant feature still gets a range, its values in one bin.
    let e = edges(&[3.0, 3.0], 20);
    assert!(e[0] < 3.0 && e[20] > 3.0);
    assert_eq!(counts(&[3.0, 3.0], &e).iter().sum::<u64>(), 2);
}
