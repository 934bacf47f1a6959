//! The fused kernel (small networks) against the tensor path, and its bit-for-bit promises:
//! the same result in any lane, block, cohort and instruction set.

use std::path::Path;

use candle_core::{DType, Device};
use initbench::plan::Plan;
use initbench::spec::Spec;
use initbench::train::fused::{self, kernel};
use initbench::train::{cohort, Member, Outcome};

fn plan(text: &str) -> Plan {
    initbench::train::setup_process();
    Plan::new(Spec::from_str(text, "test.toml", "test", Path::new(".")).unwrap()).unwrap()
}

fn members(p: &Plan, c: usize) -> (initbench::data::Split, Vec<Member>) {
    let cohort = &p.cohorts[c];
    let split = p.split(cohort).unwrap();
    let ms = cohort
        .trials
        .clone()
        .map(|i| p.member(&p.trials[i], &split).unwrap())
        .collect();
    (split, ms)
}

/// Every head, optimizer, kernel activation, minibatches and test splits: the kernel's
/// recorded losses follow the tensor path's to 1e-4 (relative, f32 over tens of epochs),
/// accuracies, verdicts and epochs to target agree, and so do per-layer recordings.
#[test]
fn the_kernel_follows_the_tensor_path() {
    let specs = [
        r#"dataset = ["xor"]
           activation = ["sigmoid"]
           width = [2]
           output_activation = "sigmoid"
           loss = "mse"
           optimizer = [{ name = "sgd", lr = 1.0 }]
           initializer = [{ name = "random_normal", stddev = 1.0 }, "glorot_uniform"]
           replicates = 4
           epochs = 300"#,
        r#"dataset = [{ name = "moons", n = 40 }]
           activation = ["tanh", "softsign"]
           depth = [2]
           width = [6]
           batch_size = 8
           test_fraction = 0.25
           record_layers = true
           optimizer = [{ name = "momentum", lr = 0.1, nesterov = true }]
           initializer = ["he_normal", "orthogonal"]
           epochs = 15"#,
        r#"dataset = [{ name = "blobs", n = 45 }]
           activation = ["relu", { name = "leaky_relu", slope = 0.1 }]
           width = [5]
           batch_size = 16
           optimizer = [{ name = "adam", lr = 0.01 }]
           initializer = ["kaiming_uniform", "lecun_normal"]
           gain = [1.0, 1.5]
           epochs = 12"#,
        r#"dataset = ["breast_cancer"]
           activation = ["elu", "silu"]
           depth = [2]
           width = [4]
           output_activation = "sigmoid"
           batch_size = 128
           bias_initializer = { name = "random_uniform", minval = -0.1, maxval = 0.1 }
           optimizer = [{ name = "sgd", lr = 0.05 }]
           initializer = ["xavier_normal", "truncated_normal"]
           epochs = 6"#,
        r#"dataset = ["iris"]
           activation = ["selu"]
           width = [7]
           output_activation = "linear"
           loss = "mse"
           optimizer = [{ name = "momentum", lr = 0.05 }]
           initializer = ["lsuv", "torch_linear"]
           epochs = 10"#,
        r#"dataset = [{ name = "parity", bits = 3 }]
           activation = ["linear", "tanh"]
           width = [8]
           loss = "mse"
           output_activation = "softmax"
           optimizer = [{ name = "sgd", lr = 0.5 }]
           initializer = ["variance_scaling", "sparse"]
           target = { train_acc = 1.0 }
           epochs = 25"#,
    ];
    for spec in specs {
        let p = plan(spec);
        for c in 0..p.cohorts.len() {
            let setup = p.setup(&p.cohorts[c]);
            assert!(fused::supports(&setup), "{spec}");
            let (split, ms) = members(&p, c);
            let fast = fused::train(&setup, &split, &ms).unwrap();
            let slow =
                cohort::train_tensors(&setup, &split, &ms, DType::F32, &Device::Cpu).unwrap();
            for (f, s) in fast.iter().zip(&slow) {
                assert_eq!(f.status, s.status, "{spec}");
                assert_eq!(f.epochs_to_target, s.epochs_to_target, "{spec}");
                assert_eq!(f.init, s.init, "{spec}");
                assert_eq!(f.curve.len(), s.curve.len(), "{spec}");
                assert_eq!(f.layers.len(), s.layers.len(), "{spec}");
                for (a, b) in f.layers.iter().zip(&s.layers) {
                    assert_eq!((a.epoch, a.layer), (b.epoch, b.layer));
                    assert!((a.act_mean - b.act_mean).abs() < 1e-4, "{a:?} vs {b:?}");
                    assert!((a.act_std - b.act_std).abs() < 1e-4, "{a:?} vs {b:?}");
                    assert_eq!(a.saturated_frac.is_some(), b.saturated_frac.is_some());
                }
                for (a, b) in f.curve.iter().zip(&s.curve) {
                    assert_eq!(a.epoch, b.epoch);
                    let (x, y) = (a.metrics.train_loss, b.metrics.train_loss);
                    assert!(
                        (x - y).abs() <= 1e-4 * y.abs().max(1e-2),
                        "{spec}\nepoch {}: kernel {x} vs tensors {y}",
                        a.epoch
                    );
                    assert_eq!(a.metrics.train_acc, b.metrics.train_acc, "{spec}");
                    assert_eq!(a.metrics.test_acc, b.metrics.test_acc, "{spec}");
                    if let (Some(x), Some(y)) = (a.metrics.test_loss, b.metrics.test_loss) {
                        assert!((x - y).abs() <= 1e-4 * y.abs().max(1e-2), "{spec}");
                    }
                }
            }
        }
    }
}

/// A network trained in a crowd, alone, or in another lane of another block gets the same
/// bits: the kernel's lanes never mix.
#[test]
fn a_network_gets_the_same_bits_in_any_lane() {
    let p = plan(
        r#"dataset = [{ name = "spirals", n = 60 }]
           activation = ["tanh"]
           depth = [2]
           width = [6]
           batch_size = 16
           test_fraction = 0.25
           optimizer = [{ name = "sgd", lr = 0.3 }]
           initializer = ["he_normal", "glorot_uniform", "random_normal"]
           replicates = 12
           early_stop = true
           target = { train_acc = 0.7 }
           epochs = 40"#,
    );
    // Replicates of a minibatch spec train apart (their batch orders differ), so take one
    // replicate's cohort and reshuffle its members.
    let (split, ms) = members(&p, 0);
    let setup = p.setup(&p.cohorts[0]);
    let crowd = fused::train(&setup, &split, &ms).unwrap();
    let reversed: Vec<Member> = ms.iter().rev().cloned().collect();
    let back: Vec<Outcome> = fused::train(&setup, &split, &reversed)
        .unwrap()
        .into_iter()
        .rev()
        .collect();
    assert_eq!(crowd, back);
    // The crowd trains in a small block; now lane 17 of a narrow block, and lane 6 of the
    // second wide block.
    assert!(ms.len() <= kernel::SMALL);
    for before in [17, kernel::WIDE + 6] {
        let mut padded: Vec<Member> = std::iter::repeat_n(ms[1].clone(), before).collect();
        padded.push(ms[0].clone());
        let last = fused::train(&setup, &split, &padded)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(last, crowd[0], "after {before}");
    }
}

/// The AVX-512, AVX2 and baseline builds of the kernel give the same bits (those this
/// processor runs: on the project's x86-64 machines, AVX2 and the baseline at least).
#[test]
fn every_instruction_set_gives_the_same_bits() {
    let isas = kernel::instruction_sets();
    if isas.len() < 2 {
        eprintln!("only the baseline kernel runs here: nothing to compare");
    }
    let x: Vec<f32> = (0..24)
        .map(|i| ((i * 37 % 17) as f32 - 8.0) / 5.0)
        .collect();
    let y: Vec<u32> = (0..8).map(|i| i % 3).collect();
    let t: Vec<f32> = y
        .iter()
        .flat_map(|&c| (0..3).map(move |j| f32::from(u8::from(j == c))))
        .collect();
    let dims = vec![3, 5, 4, 3];
    let n_params = kernel::parameters(&dims);
    let start: Vec<kernel::V<16>> = (0..n_params)
        .map(|j| std::array::from_fn(|q| (((j * 31 + q * 7) % 23) as f32 - 11.0) / 9.0))
        .collect();
    for (act, out) in [
        (kernel::Act::Tanh, kernel::Out::SoftmaxCe),
        (kernel::Act::Elu(1.0), kernel::Out::SigmoidMse),
        (kernel::Act::Silu, kernel::Out::SoftmaxMse),
        (kernel::Act::Sigmoid, kernel::Out::SigmoidCe),
    ] {
        let problem = kernel::Problem {
            dims: dims.clone(),
            act,
            out,
            opt: kernel::Opt::Adam {
                lr: 0.05,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
            epochs: 30,
            batch: Some(3),
            order_seed: 4,
            target_loss: f64::INFINITY,
            target_acc: 0.9,
            early_stop: false,
            train: kernel::Data {
                x: &x,
                t: &t,
                y: &y,
                n: 8,
            },
            test: None,
            on_curve: vec![true; 31],
            snapshots: false,
        };
        let runs: Vec<(Vec<kernel::V<16>>, String)> = isas
            .iter()
            .map(|isa| {
                let mut p = start.clone();
                let lanes = kernel::train_block_on(isa, &problem, &mut p);
                (p, format!("{lanes:?}"))
            })
            .collect();
        for (isa, r) in isas.iter().zip(&runs) {
            let bits = |v: &[kernel::V<16>]| -> Vec<u32> {
                v.iter().flatten().map(|x| x.to_bits()).collect()
            };
            assert_eq!(bits(&r.0), bits(&runs[0].0), "{isa} vs {}", isas[0]);
            assert_eq!(r.1, runs[0].1, "{isa}");
        }
    }
}

/// Members that start from the same parameters (here the zeros initializer's, four times,
/// and one glorot network twice) are trained once and share the result, which is the one
/// each gets trained alone.
#[test]
fn members_that_start_alike_get_what_each_gets_alone() {
    let p = plan(
        r#"dataset = ["xor"]
           activation = ["sigmoid"]
           width = [2]
           output_activation = "sigmoid"
           loss = "mse"
           optimizer = [{ name = "sgd", lr = 1.0 }]
           initializer = ["zeros", "glorot_uniform"]
           replicates = 4
           target = { train_acc = 1.0 }
           epochs = 200"#,
    );
    let (split, mut ms) = members(&p, 0);
    let setup = p.setup(&p.cohorts[0]);
    assert_eq!(ms.len(), 8);
    ms.push(ms[1].clone());
    let together = fused::train(&setup, &split, &ms).unwrap();
    for (m, got) in ms.iter().zip(&together) {
        let alone = fused::train(&setup, &split, std::slice::from_ref(m))
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(*got, alone);
    }
    let zeros: Vec<&Outcome> = ms
        .iter()
        .zip(&together)
        .filter(|(m, _)| m.weights.iter().flatten().all(|&w| w == 0.0))
        .map(|(_, o)| o)
        .collect();
    assert_eq!(zeros.len(), 4);
}
