//! The weight-space section, from outputs of `initbench regions` written by hand.

use std::fmt::Write as _;

use super::*;

#[test]
fn underflowed_p_values_print_as_a_bound() {
    assert_eq!(text::p_clause(0.0046), "p = 0.0046");
    assert_eq!(text::p_clause(0.0), "p < 1e-300");
    assert_eq!(text::p_bound(3.2e-7), "3.2e-7");
    assert_eq!(text::p_bound(0.0), "< 1e-300");
    // The node × outcome test on the map (hit map and report findings) underflows on large
    // studies; it must not print "p = 0.0e0".
    let dir = with_regions("p_underflow");
    let mut found = Analysis::new(&Folder::read(&dir).unwrap())
        .unwrap()
        .map
        .unwrap();
    found.fit.chi_square_p = Some(0.0);
    let text = crate::report::figures::som::chi_square_text(&found).unwrap();
    assert!(text.ends_with(", p < 1e-300"), "{text}");
    assert!(!text.contains("0.0e0"), "{text}");
}

/// Adds what `initbench regions` would have written, by hand: a 2 × 3 map (one empty node,
/// two nodes ≥ 90% success holding 20 trials, two ≤ 10% holding 30), five ranked features,
/// and the inputs their values come from: an `init_loss` column in trials.csv (0.2 when
/// converged, 0.3 otherwise, one failure left empty) and weights.csv (layers 0..=depth;
/// first-layer std 1 when converged, else 0; max_abs = 10 + layer).
fn write_regions(dir: &Path) {
    let mut trials = read_trials(dir);
    let mut left_empty = false;
    for t in &mut trials {
        t.init_loss = if t.converged() {
            Some(0.2)
        } else if !left_empty {
            left_empty = true;
            None
        } else {
            Some(0.3)
        };
    }
    write_trials(dir, &trials);
    write_weights(dir, |t, layer| WeightRow {
        trial_id: t.trial_id,
        layer,
        fan_in: 4,
        fan_out: 4,
        mean: 0.01,
        std: if t.converged() { 1.0 } else { 0.0 },
        max_abs: 10.0 + layer as f64,
        frobenius: 1.0,
        spectral: 1.0,
    });
    std::fs::write(
        dir.join("som_fit.csv"),
        "input,dims,rows,cols,quantization_error,topographic_error,chi_square,chi_square_df,\
         chi_square_p,min_expected\nvectors,9,2,3,0.5,0.25,15.5,5,0.0084,2.5\n",
    )
    .unwrap();
    let mut nodes = String::from(
        "node,row,col,hits,successes,success_rate,success_rate_ci_low,success_rate_ci_high,\
         median_epochs_to_target,mean_accuracy,u_matrix,prototype_0\n",
    );
    for (node, hits, successes, u) in [
        (0, 10, 10, 0.5),
        (1, 10, 9, 0.75),
        (2, 0, 0, 1.5),
        (3, 20, 2, 1.0),
        (4, 10, 0, 0.25),
        (5, 5, 3, 2.0),
    ] {
        let rate = if hits > 0 {
            format!("{}", successes as f64 / hits as f64)
        } else {
            String::new()
        };
        writeln!(
            nodes,
            "{node},{},{},{hits},{successes},{rate},,,,,{u},0.1",
            node / 3,
            node % 3
        )
        .unwrap();
    }
    std::fs::write(dir.join("som_nodes.csv"), nodes).unwrap();
    let mut sep = String::from(
        "feature,auc,auc_ci_low,auc_ci_high,mann_whitney_p,n_success,n_failure,rule_threshold,\
         rule_fails_when,rule_failure_rate,rule_selected,rule_accuracy,rule\n",
    );
    for (feature, auc, lo, hi, rule) in [
        (
            "first_layer_std",
            0.95,
            0.9,
            0.99,
            "first_layer_std ≤ 0: 100% fail, n = 32",
        ),
        (
            "init_loss",
            0.2,
            0.1,
            0.3,
            "init_loss > 0.25: 100% fail, n = 31",
        ),
        (
            "last_layer_max_abs",
            0.7,
            0.55,
            0.85,
            "last_layer_max_abs ≤ 11: 60% fail, n = 30",
        ),
        (
            "first_layer_mean",
            0.6,
            0.45,
            0.75,
            "first_layer_mean > 0.01: 53% fail, n = 60",
        ),
        (
            "init_grad_norm_first",
            0.55,
            0.4,
            0.7,
            "init_grad_norm_first > 1: 50% fail, n = 2",
        ),
        (
            "no_such_feature",
            0.5,
            0.4,
            0.6,
            "no_such_feature > 1: 50% fail, n = 2",
        ),
    ] {
        writeln!(
            sep,
            "{feature},{auc},{lo},{hi},0.01,28,32,0,below,1,32,0.9,\"{rule}\""
        )
        .unwrap();
    }
    std::fs::write(dir.join("separation.csv"), sep).unwrap();
}

fn with_regions(name: &str) -> Scratch {
    let (dir, _) = standard(name);
    write_regions(&dir);
    dir
}

#[test]
fn feature_values_come_from_weights_and_trials() {
    let dir = with_regions("samples");
    let map = Analysis::new(&Folder::read(&dir).unwrap())
        .unwrap()
        .map
        .unwrap();
    let names: Vec<&str> = map.separation.iter().map(|s| s.feature.as_str()).collect();
    assert_eq!(
        names,
        [
            "first_layer_std",
            "init_loss",
            "last_layer_max_abs",
            "first_layer_mean",
            "init_grad_norm_first",
            "no_such_feature"
        ]
    );
    let got = |i: usize| map.samples[i].clone();
    // 28 of the 60 trials converged (zeros 0, good_init 18, mid_init 10).
    let std = got(0).unwrap();
    assert_eq!((std.converged.len(), std.failed.len()), (28, 32));
    assert!(std.converged.iter().all(|&v| v == 1.0) && std.failed.iter().all(|&v| v == 0.0));
    // The last layer is each trial's highest: layer 1 at depth 1, layer 2 at depth 2.
    let last = got(2).unwrap();
    let all: Vec<f64> = last.converged.iter().chain(&last.failed).copied().collect();
    assert_eq!(all.len(), 60);
    assert_eq!(all.iter().filter(|&&v| v == 11.0).count(), 30);
    assert_eq!(all.iter().filter(|&&v| v == 12.0).count(), 30);
    // Empty cells are skipped; a feature the results do not hold gives no values.
    let loss = got(1).unwrap();
    assert_eq!((loss.converged.len(), loss.failed.len()), (28, 31));
    assert_eq!(got(4), Some(Default::default()));
    assert_eq!(got(5), None);
}

#[test]
fn weight_space_section_and_figures() {
    let dir = with_regions("regions");
    let report = write(&dir).unwrap();
    // Four figures as before, then the hit map, the U-matrix and the histograms.
    assert_eq!(report.figures.len(), 7);
    let stems: Vec<String> = report.figures[4..]
        .iter()
        .map(|f| f.svg.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(stems, ["som-hits", "som-umatrix", "separation-histograms"]);
    for fig in &report.figures[4..] {
        let svg = std::fs::read_to_string(&fig.svg).unwrap();
        check_svg(&svg);
        assert_eq!(png_size(&std::fs::read(&fig.png).unwrap()), svg_size(&svg));
    }
    let svg = |i: usize| std::fs::read_to_string(&report.figures[i].svg).unwrap();
    let hits = svg(4);
    for text in [
        "Weight-space map: success rate per node",
        "55 trials",
        "whole initial parameter vectors (9 dims, standardized)",
        "2 × 3 nodes",
        "quantization error 0.500",
        "topographic error 0.250",
        "χ² = 15.5, df = 5, p = 0.0084",
        "\n20\n",
        "no trials",
    ] {
        assert!(hits.contains(text), "hit map shows {text:?}");
    }
    let u = svg(5);
    assert!(u.contains("U-matrix (distance between neighbouring nodes)"));
    assert!(
        u.contains("\n0.25\n") && u.contains("\n2\n"),
        "colour bar spans the U range"
    );
    let hist = svg(6);
    for text in [
        "first_layer_std: AUC 0.950 (95% CI 0.900–0.990)",
        "first_layer_std ≤ 0: 100% fail, n = 32",
        "init_loss: AUC 0.200 (95% CI 0.100–0.300)",
        "last_layer_max_abs: AUC 0.700",
        "first_layer_mean: AUC 0.600",
        "first_layer_mean &gt; 0.01: 53% fail, n = 60",
        "converged (n = 28)",
        "not converged or diverged (n = 32)",
    ] {
        assert!(hist.contains(text), "histograms show {text:?}");
    }
    assert!(!hist.contains("init_grad_norm_first"), "top 4 only");

    let md = std::fs::read_to_string(&report.markdown).unwrap();
    let section = &md[md.find("## Weight-space map").expect("section")..];
    let section = &section[..section.find("## Results by cell").unwrap()];
    for text in [
        "onto a 2 × 3 self-organizing map (quantization error 0.500, topographic error 0.250)",
        "χ² test of node × outcome, χ² = 15.5, df = 5, p = 0.0084",
        "smallest expected count is 2.5",
        "Of the 5 nodes that hold trials (1 empty), 2 nodes succeed in ≥ 90% of their trials \
         (20 trials in all) and 2 nodes in ≤ 10% (30 trials).",
        "- `first_layer_std ≤ 0: 100% fail, n = 32`: AUC 0.950 (95% CI 0.900–0.990)\n\
         - `init_loss > 0.25: 100% fail, n = 31`: AUC 0.200 (95% CI 0.100–0.300)\n\
         - `last_layer_max_abs ≤ 11: 60% fail, n = 30`: AUC 0.700 (95% CI 0.550–0.850)\n\n",
        "](report/som-hits.png)",
        "](report/som-umatrix.png)",
        "](report/separation-histograms.png)",
        "[SVG](report/separation-histograms.svg)",
    ] {
        assert!(section.contains(text), "section states {text:?}");
    }
    assert!(!section.contains("first_layer_mean"), "three rules listed");

    // Without the regions files the section and its figures go away on the next report.
    for f in &crate::analyze::regions::FILES[..3] {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    let report = write(&dir).unwrap();
    assert_eq!(report.figures.len(), 4);
    assert!(!dir.join(FIGURE_DIR).join("som-hits.png").exists());
    assert!(!dir
        .join(FIGURE_DIR)
        .join("separation-histograms.svg")
        .exists());
    assert!(!std::fs::read_to_string(&report.markdown)
        .unwrap()
        .contains("Weight-space"));
}

#[test]
fn no_regions_files_no_section() {
    let (dir, report) = standard("noregions");
    assert_eq!(report.figures.len(), 4);
    let md = std::fs::read_to_string(&report.markdown).unwrap();
    assert!(!md.contains("Weight-space map"));
    assert!(!md.contains("som-hits"));
    assert!(!dir.join(FIGURE_DIR).join("som-hits.svg").exists());
}

#[test]
fn partial_regions_outputs_are_an_input_error() {
    let dir = with_regions("partial");
    std::fs::remove_file(dir.join("som_fit.csv")).unwrap();
    match write(&dir) {
        Err(crate::error::Error::Input(m)) => assert!(m.contains("som_fit.csv"), "{m}"),
        other => panic!("expected an input error, got {other:?}"),
    }
    let dir = with_regions("badnodes");
    let nodes = std::fs::read_to_string(dir.join("som_nodes.csv")).unwrap();
    let short: String = nodes.lines().take(4).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("som_nodes.csv"), short).unwrap();
    assert!(matches!(write(&dir), Err(crate::error::Error::Input(_))));
}
