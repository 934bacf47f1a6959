//! End-to-end tests of the report on small synthetic results folders.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::*;
use crate::stats;

/// A fresh, empty folder under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!(
        "initbench-report-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// (initializer, converged per depth out of `reps`).
struct Synthetic<'a> {
    inits: &'a [(&'a str, &'a [u64])],
    depths: &'a [u64],
    reps: u64,
    epochs: u64,
    test_split: bool,
}

fn write_results(dir: &Path, s: &Synthetic) {
    let mut trials = String::from(
        "trial_id,dataset,depth,width,activation,initializer,gain,optimizer,lr,replicate,seed,\
         status,epochs_to_target,final_train_acc,final_test_acc\n",
    );
    let mut curves = String::from("trial_id,epoch,train_loss,train_acc,test_loss,test_acc\n");
    let mut id = 0;
    for (d, depth) in s.depths.iter().enumerate() {
        for rep in 0..s.reps {
            for (init, conv) in s.inits {
                id += 1;
                let ok = rep < conv[d];
                let (status, ett) = if ok {
                    (
                        "converged",
                        format!("{}", 1 + (rep * 7 + id) % (s.epochs - 1)),
                    )
                } else {
                    ("not_converged", String::new())
                };
                let acc = if ok { 1.0 } else { 0.5 + 0.01 * rep as f64 };
                let test = if s.test_split {
                    format!("{}", acc - 0.05)
                } else {
                    String::new()
                };
                writeln!(
                    trials,
                    "t{id:016x},xor,{depth},4,relu,{init},1,sgd(lr=0.1),0.1,{rep},{rep},{status},\
                     {ett},{acc},{test}"
                )
                .unwrap();
                for epoch in [0, 1, 2, 5, 10, 20, s.epochs] {
                    let loss = 1.0 / (1.0 + epoch as f64 * (rep + 1) as f64 * 0.1);
                    writeln!(curves, "t{id:016x},{epoch},{loss},0.5,,").unwrap();
                }
            }
        }
    }
    std::fs::write(dir.join("trials.csv"), trials).unwrap();
    std::fs::write(dir.join("curves.csv"), curves).unwrap();
    let manifest = serde_json::json!({
        "spec": {
            "name": "synthetic", "description": "a synthetic test grid", "epochs": s.epochs,
            "batch_size": null, "loss": "mse", "output_activation": "sigmoid",
            "target": { "train_acc": 1.0, "train_loss": null }, "early_stop": false,
            "test_fraction": 0.2,
        },
        "state": "complete",
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
}

const INITS: &[(&str, &[u64])] = &[
    ("zeros", &[0, 0]),
    ("good_init", &[10, 8]),
    ("mid_init", &[7, 3]),
];

fn standard(name: &str) -> (Scratch, Report) {
    let dir = temp_dir(name);
    write_results(
        &dir,
        &Synthetic {
            inits: INITS,
            depths: &[1, 2],
            reps: 10,
            epochs: 50,
            test_split: true,
        },
    );
    let report = write(&dir).unwrap();
    (dir, report)
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Width and height attributes of the root `<svg>` element.
fn svg_size(svg: &str) -> (u32, u32) {
    let open = &svg[svg.find("<svg").unwrap()..];
    let open = &open[..open.find('>').unwrap()];
    let attr = |name: &str| -> u32 {
        let at = open.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        open[at..].split('"').next().unwrap().parse().unwrap()
    };
    (attr("width"), attr("height"))
}

/// Well-formed enough: one root, balanced text elements, no stray tag characters.
fn check_svg(svg: &str) {
    assert!(svg.trim_start().starts_with("<svg"), "starts with <svg");
    assert!(svg.trim_end().ends_with("</svg>"), "ends with </svg>");
    assert_eq!(svg.matches("<svg").count(), 1);
    let texts = svg.matches("<text").count();
    assert!(texts > 5);
    assert_eq!(texts, svg.matches("</text>").count());
    assert_eq!(svg.matches('<').count(), svg.matches('>').count());
}

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
        markdown::pct(hi)
    )));
    let (lo, hi) = stats::wilson(18, 20, 0.95).unwrap();
    assert!(md.contains(&format!(
        "`good_init` (18/20, 95% CI {}–{}%) converged most often",
        markdown::pct(lo),
        markdown::pct(hi)
    )));
    let p = stats::fisher_exact([[18, 2], [10, 10]]).p_value;
    assert!(md.contains(&format!(
        "`good_init` (18/20) and `mid_init` (10/20), differ by 40 percentage points; Fisher's exact \
         test gives {}",
        markdown::p_clause(p)
    )));
    // Depth sweep: good_init ≥ 50% up to depth 2, mid_init only at depth 1.
    assert!(md.contains("depth 2, the deepest tested (`good_init`)"));
    assert!(md.contains("| mid_init | 1 |"));
    // One table per cell, with the Wilson interval of each row.
    assert!(md.contains("| good_init | 10 | 8 | 0 | 80% (49–94) |"));
    assert!(md.contains("### depth 1") && md.contains("### depth 2"));
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
fn missing_or_bad_input_is_an_input_error() {
    let dir = temp_dir("missing");
    assert!(matches!(write(&dir), Err(crate::error::Error::Io { .. })));
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
    assert_eq!(markdown::pct(0.0), "0");
    assert_eq!(markdown::pct(0.003), "0.3");
    assert_eq!(markdown::pct(0.997), "99.7");
    assert_eq!(markdown::pct(0.724), "72");
    assert_eq!(markdown::p_value(0.0046), "0.0046");
    assert_eq!(markdown::p_value(0.23), "0.23");
    assert_eq!(markdown::p_value(3.2e-7), "3.2e-7");
    assert_eq!(markdown::p_value(1.0), "1");
}

#[test]
fn underflowed_p_values_print_as_a_bound() {
    assert_eq!(markdown::p_clause(0.0046), "p = 0.0046");
    assert_eq!(markdown::p_clause(0.0), "p < 1e-300");
    assert_eq!(markdown::p_bound(3.2e-7), "3.2e-7");
    assert_eq!(markdown::p_bound(0.0), "< 1e-300");
    // The node × outcome test on the map (hit map and report findings) underflows on large
    // studies; it must not print "p = 0.0e0".
    let dir = with_regions("p_underflow");
    let mut found = regions::load(&dir).unwrap().unwrap();
    found.fit.chi_square_p = Some(0.0);
    let text = crate::report::figures::som::chi_square_text(&found).unwrap();
    assert!(text.ends_with(", p < 1e-300"), "{text}");
    assert!(!text.contains("0.0e0"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// The weight-space section (outputs of `initbench regions`).

/// Adds what `initbench regions` would have written, by hand: a 2 × 3 map (one empty node,
/// two nodes ≥ 90% success holding 20 trials, two ≤ 10% holding 30), five ranked features,
/// and the inputs their values come from: an `init_loss` column in trials.csv (0.2 when
/// converged, 0.3 otherwise, one failure left empty) and weights.csv (layers 0..=depth;
/// first-layer std 1 when converged, else 0; max_abs = 10 + layer).
fn write_regions(dir: &Path) {
    let trials = std::fs::read_to_string(dir.join("trials.csv")).unwrap();
    let mut lines = trials.lines();
    let mut out = format!("{},init_loss\n", lines.next().unwrap());
    let mut weights =
        String::from("trial_id,layer,fan_in,fan_out,mean,std,max_abs,frobenius,spectral\n");
    let mut left_empty = false;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let (id, depth, ok) = (f[0], f[2].parse::<u64>().unwrap(), f[11] == "converged");
        let loss = if ok {
            "0.2"
        } else if !left_empty {
            left_empty = true;
            ""
        } else {
            "0.3"
        };
        writeln!(out, "{line},{loss}").unwrap();
        for layer in 0..=depth {
            let std = if ok { 1.0 } else { 0.0 };
            let max_abs = 10 + layer;
            writeln!(weights, "{id},{layer},4,4,0.01,{std},{max_abs},1,1").unwrap();
        }
    }
    std::fs::write(dir.join("trials.csv"), out).unwrap();
    std::fs::write(dir.join("weights.csv"), weights).unwrap();
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
    let got = regions::samples(
        &dir,
        &[
            "first_layer_std",
            "last_layer_max_abs",
            "init_loss",
            "init_grad_norm_first",
            "no_such_feature",
            "first_layer_bogus",
        ],
    )
    .unwrap();
    // 28 of the 60 trials converged (zeros 0, good_init 18, mid_init 10).
    let std = got[0].as_ref().unwrap();
    assert_eq!((std.converged.len(), std.failed.len()), (28, 32));
    assert!(std.converged.iter().all(|&v| v == 1.0) && std.failed.iter().all(|&v| v == 0.0));
    // The last layer is each trial's highest: layer 1 at depth 1, layer 2 at depth 2.
    let last = got[1].as_ref().unwrap();
    let all: Vec<f64> = last.converged.iter().chain(&last.failed).copied().collect();
    assert_eq!(all.len(), 60);
    assert_eq!(all.iter().filter(|&&v| v == 11.0).count(), 30);
    assert_eq!(all.iter().filter(|&&v| v == 12.0).count(), 30);
    // Empty cells are skipped; a column the file lacks gives no values.
    let loss = got[2].as_ref().unwrap();
    assert_eq!((loss.converged.len(), loss.failed.len()), (28, 31));
    assert_eq!(got[3], Some(regions::Samples::default()));
    assert_eq!(got[4], None);
    assert_eq!(got[5], None);
}

#[test]
fn histogram_bins_cover_the_pooled_range() {
    use figures::histogram::{counts, edges};
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
    for f in regions::FILES {
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
fn node_outcome_test_within_settings_sums_the_defined_tables() {
    let dir = temp_dir("within");
    use load::{Status, Trial};
    let trial = |id: usize, depth: u64, converged: bool| Trial {
        trial_id: format!("t{id:016x}"),
        dataset: "xor".into(),
        depth,
        width: 2,
        activation: "sigmoid".into(),
        initializer: "random_uniform".into(),
        gain: "1".into(),
        optimizer: "sgd(lr=1)".into(),
        replicate: id as u64,
        status: if converged {
            Status::Converged
        } else {
            Status::NotConverged
        },
        epochs_to_target: None,
        final_train_acc: None,
        final_test_acc: None,
        init_symmetric: Some(false),
    };
    let mut trials = Vec::new();
    let mut regions_csv = String::from("trial_id,node,row,col,distance,status\n");
    let mut add = |depth: u64, node: usize, converged: bool| {
        let t = trial(trials.len(), depth, converged);
        writeln!(regions_csv, "{},{node},0,{node},0.1,x", t.trial_id).unwrap();
        trials.push(t);
    };
    // Depth 1: node 0 always converges, node 1 never: χ² = 20, df = 1.
    // Depth 2: both nodes half and half: χ² = 0, df = 1.
    // Depth 4: every trial converges, so its test is undefined and left out.
    for i in 0..10 {
        add(1, 0, true);
        add(1, 1, false);
        add(2, 0, i < 5);
        add(2, 1, i < 5);
        add(4, i % 2, true);
    }
    std::fs::write(dir.join("regions.csv"), regions_csv).unwrap();
    let w = regions::within_settings(&dir, &trials).unwrap().unwrap();
    assert_eq!((w.settings, w.tested, w.df), (3, 2, 2));
    assert!((w.statistic - 20.0).abs() < 1e-9, "{}", w.statistic);
    // χ² with 2 df: upper tail exp(−x/2).
    assert!((w.p_value - (-10f64).exp()).abs() < 1e-12, "{}", w.p_value);
    assert!((w.p_max - 1.0).abs() < 1e-9);
    // No regions.csv, no test.
    std::fs::remove_file(dir.join("regions.csv")).unwrap();
    assert!(regions::within_settings(&dir, &trials).unwrap().is_none());
}
