//! The cohort engine against the per-trial reference (candle autograd with candle-nn's losses
//! and optimizers), and divergence: a diverging network is a result, never a crash, and never
//! touches its neighbours.

use std::path::Path;

use candle_core::{DType, Device};
use initbench::plan::Plan;
use initbench::spec::Spec;
use initbench::train::{cohort, reference, Member, Outcome, Status};

fn plan(text: &str) -> Plan {
    initbench::train::setup_process();
    Plan::new(Spec::from_str(text, "test.toml", "test", Path::new(".")).unwrap()).unwrap()
}

/// Trains every cohort of `plan` in `dtype`, and every trial alone through the reference.
fn both(plan: &Plan, dtype: DType) -> Vec<(Outcome, Vec<(f64, f64)>)> {
    let mut out = Vec::new();
    for c in &plan.cohorts {
        let split = plan.split(c).unwrap();
        let setup = plan.setup(c);
        let members: Vec<Member> = c
            .trials
            .clone()
            .map(|i| plan.member(&plan.trials[i], &split).unwrap())
            .collect();
        let outcomes = cohort::train(&setup, &split, &members, dtype, &Device::Cpu).unwrap();
        for (m, o) in members.iter().zip(outcomes) {
            let r = reference::train(&setup, &split, m, dtype).unwrap();
            out.push((o, r));
        }
    }
    out
}

fn first_hit(plan: &Plan, history: &[(f64, f64)]) -> Option<u32> {
    history
        .iter()
        .position(|&(l, a)| plan.spec.target.met(l, a))
        .map(|e| e as u32)
}

/// In f64 the two paths compute the same function in a different order: every recorded
/// train loss agrees to 1e-9 (relative), across heads, activations, optimizers, minibatches,
/// depths and initializers.
#[test]
fn cohorts_match_the_reference_in_f64() {
    let specs = [
        // The seed notebook's net.
        r#"dataset = ["xor"]
           activation = ["sigmoid"]
           width = [2]
           output_activation = "sigmoid"
           loss = "mse"
           optimizer = [{ name = "sgd", lr = 1.0 }]
           initializer = [{ name = "random_normal", stddev = 1.0 }, "glorot_uniform"]
           replicates = 2
           epochs = 60"#,
        // Softmax cross-entropy, Nesterov momentum, minibatches, a test split.
        r#"dataset = [{ name = "moons", n = 40 }]
           activation = ["tanh", "softsign"]
           depth = [2]
           width = [6]
           batch_size = 8
           optimizer = [{ name = "momentum", lr = 0.1, nesterov = true }]
           initializer = ["he_normal", "orthogonal"]
           epochs = 15"#,
        // Three classes, Adam, rectifiers, gain.
        r#"dataset = [{ name = "blobs", n = 45 }]
           activation = ["relu", { name = "leaky_relu", slope = 0.1 }, "gelu"]
           width = [5]
           batch_size = 16
           optimizer = [{ name = "adam", lr = 0.01 }]
           initializer = ["kaiming_uniform", "lecun_normal"]
           gain = [1.0, 1.5]
           epochs = 12"#,
        // Two classes with a sigmoid cross-entropy head; ELU, SiLU; biases drawn too.
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
        // Linear output with MSE; SELU, softplus; heavy-ball momentum; LSUV.
        r#"dataset = ["iris"]
           activation = ["selu", "softplus"]
           width = [7]
           output_activation = "linear"
           loss = "mse"
           optimizer = [{ name = "momentum", lr = 0.05 }]
           initializer = ["lsuv", "torch_linear"]
           epochs = 10"#,
        // Softmax with MSE on parity.
        r#"dataset = [{ name = "parity", bits = 3 }]
           activation = ["linear", "tanh"]
           width = [8]
           loss = "mse"
           output_activation = "softmax"
           optimizer = [{ name = "sgd", lr = 0.5 }]
           initializer = ["variance_scaling", "sparse"]
           epochs = 25"#,
        // Residual blocks, scaled and not, from every residual initializer.
        r#"dataset = [{ name = "blobs", n = 45 }]
           activation = ["tanh", "relu"]
           depth = [3, 5]
           width = [6]
           residual = true
           branch_scale = 0.5
           batch_size = 16
           optimizer = [{ name = "adam", lr = 0.01 }]
           initializer = ["he_normal", "fixup", "zero_branch"]
           epochs = 8"#,
        r#"dataset = ["iris"]
           activation = ["gelu"]
           depth = [3]
           width = [5]
           residual = true
           optimizer = [{ name = "momentum", lr = 0.05 }]
           initializer = ["glorot_uniform", "fixup"]
           epochs = 8"#,
        // Layer normalization before and after the blocks.
        r#"dataset = [{ name = "blobs", n = 45 }]
           activation = ["tanh", "relu"]
           depth = [5]
           width = [6]
           residual = true
           layer_norm = "pre"
           batch_size = 16
           optimizer = [{ name = "adam", lr = 0.01 }]
           initializer = ["he_normal", "zero_branch"]
           epochs = 8"#,
        r#"dataset = ["iris"]
           activation = ["selu"]
           depth = [3]
           width = [5]
           residual = true
           layer_norm = "post"
           branch_scale = 0.5
           optimizer = [{ name = "sgd", lr = 0.1 }]
           initializer = ["lecun_normal", "fixup"]
           epochs = 8"#,
        // Trained branch multipliers: from 0 (ReZero) with every rule, and from 0.5 with
        // Post-LN and Fixup's scalar biases.
        r#"dataset = [{ name = "blobs", n = 45 }]
           activation = ["tanh", "relu"]
           depth = [5]
           width = [6]
           residual = true
           train_branch_scale = true
           branch_scale = 0
           batch_size = 16
           optimizer = [{ name = "sgd", lr = 0.1 }, { name = "momentum", lr = 0.05 }, { name = "adam", lr = 0.01 }]
           initializer = ["he_normal"]
           epochs = 8"#,
        r#"dataset = ["iris"]
           activation = ["gelu"]
           depth = [3]
           width = [5]
           residual = true
           train_branch_scale = true
           branch_scale = 0.5
           scalar_biases = true
           layer_norm = "post"
           optimizer = [{ name = "sgd", lr = 0.1 }]
           initializer = ["lecun_normal", "fixup"]
           epochs = 8"#,
        // Fixup's scalar biases alone, with Pre-LN.
        r#"dataset = [{ name = "blobs", n = 45 }]
           activation = ["relu"]
           depth = [5]
           width = [6]
           residual = true
           scalar_biases = true
           layer_norm = "pre"
           batch_size = 16
           optimizer = [{ name = "momentum", lr = 0.05 }, { name = "adam", lr = 0.01 }]
           initializer = ["fixup", "he_normal"]
           epochs = 8"#,
        // Narrow ReLU layers: some rows switch every unit off, so the next layer sees z = 0
        // exactly, where the two paths must agree that relu'(0) = 0.
        r#"dataset = [{ name = "blobs", n = 45 }]
           activation = ["relu"]
           depth = [2]
           width = [3]
           batch_size = 16
           optimizer = [{ name = "sgd", lr = 0.1 }]
           initializer = ["he_normal"]
           epochs = 8"#,
        // The ntk and mup parametrizations off their base width (m = 2 and 3/2), against
        // their multiplier form. Adam's ε is made negligible: the two forms' gradients differ
        // in size, so a real ε weighs differently in each.
        r#"dataset = [{ name = "blobs", n = 45 }]
           activation = ["tanh", "relu"]
           depth = [2]
           width = [8, 6]
           parametrization = ["standard", "ntk", "mup"]
           base_width = 4
           batch_size = 16
           optimizer = [{ name = "sgd", lr = 0.1 }, { name = "adam", lr = 0.01, eps = 1e-30 }]
           initializer = ["he_normal"]
           epochs = 8"#,
        r#"dataset = ["iris"]
           activation = ["gelu"]
           depth = [3]
           width = [10]
           residual = true
           parametrization = ["ntk", "mup"]
           base_width = 5
           optimizer = [{ name = "momentum", lr = 0.05 }, { name = "adam", lr = 0.01, eps = 1e-30 }]
           initializer = ["glorot_uniform"]
           epochs = 8"#,
    ];
    for spec in specs {
        let p = plan(spec);
        for (o, r) in both(&p, DType::F64) {
            assert!(!o.curve.is_empty());
            for c in &o.curve {
                let (want, acc) = r[c.epoch as usize];
                let got = c.metrics.train_loss;
                assert!(
                    (got - want).abs() <= 1e-9 * want.abs().max(1e-3),
                    "{spec}\nepoch {}: cohort {got} vs reference {want}",
                    c.epoch
                );
                assert_eq!(c.metrics.train_acc, acc, "{spec}\nepoch {}", c.epoch);
            }
            assert_eq!(o.epochs_to_target, first_hit(&p, &r), "{spec}");
        }
    }
}

/// In f32, over the whole 2000-epoch seed study (a tenth of its replicates), the two paths
/// reach the same verdict, at the same epoch, for every trial, and end within 1e-3 of each
/// other's loss (relative, or absolute below 1e-3).
#[test]
fn the_seed_study_gets_the_same_verdicts_from_both_paths_in_f32() {
    let spec =
        include_str!("../experiments/seed_xor.toml").replace("replicates = 100", "replicates = 10");
    let p = plan(&spec);
    assert_eq!(p.trials.len(), 70);
    for (o, r) in both(&p, DType::F32) {
        assert_eq!(o.epochs_to_target, first_hit(&p, &r));
        let last = o.last.unwrap().train_loss;
        let want = r.last().unwrap().0;
        assert!(
            (last - want).abs() <= 1e-3 * want.max(1.0),
            "{last} vs {want}"
        );
    }
}

/// Learning rates that blow up: every member either diverges or not, as it would alone, and
/// the survivors' numbers are the same bits as when trained alone.
#[test]
fn a_diverging_member_is_recorded_and_poisons_nobody() {
    let p = plan(
        r#"dataset = [{ name = "moons", n = 60 }]
           activation = ["relu"]
           depth = [3]
           width = [8]
           optimizer = [{ name = "sgd", lr = 40.0 }]
           initializer = ["he_normal", "random_normal", "zeros", "glorot_uniform"]
           gain = [0.5, 1.0, 4.0]
           replicates = 1
           epochs = 40"#,
    );
    let c = &p.cohorts[0];
    let split = p.split(c).unwrap();
    let setup = p.setup(c);
    let members: Vec<Member> = c
        .trials
        .clone()
        .map(|i| p.member(&p.trials[i], &split).unwrap())
        .collect();
    let crowd = cohort::train(&setup, &split, &members, DType::F32, &Device::Cpu).unwrap();
    let diverged = crowd
        .iter()
        .filter(|o| o.status == Status::Diverged)
        .count();
    assert!(
        diverged > 0 && diverged < crowd.len(),
        "want a mix, got {diverged}/{}",
        crowd.len()
    );
    for (m, o) in members.iter().zip(&crowd) {
        let alone = cohort::train(
            &setup,
            &split,
            std::slice::from_ref(m),
            DType::F32,
            &Device::Cpu,
        )
        .unwrap();
        assert_eq!(&alone[0], o);
        if o.status == Status::Diverged {
            assert!(o.diverged_at.is_some() && o.last.is_none());
            assert!(o.epochs_run == o.diverged_at.unwrap());
            assert!(o.curve.iter().all(|c| c.metrics.train_loss.is_finite()));
        }
    }
}

/// Inside a worker pool the minibatch path scores each epoch beside the next epoch's training,
/// and trains that epoch again when the scoring switches members off (diverged, or stopped
/// early at the target): every outcome is the same bits as when all of it runs in order.
#[test]
fn epochs_scored_beside_the_next_one_give_the_same_bits() {
    let p = plan(
        r#"dataset = [{ name = "moons", n = 120 }]
           activation = ["relu"]
           depth = [2]
           width = [16]
           batch_size = 16
           early_stop = true
           target = { train_acc = 0.9 }
           optimizer = [{ name = "sgd", lr = 2.0 }]
           initializer = ["he_normal", "random_normal", "glorot_uniform"]
           gain = [0.25, 1.0, 4.0]
           replicates = 2
           epochs = 30"#,
    );
    let c = &p.cohorts[0];
    let split = p.split(c).unwrap();
    let setup = p.setup(c);
    let members: Vec<Member> = c
        .trials
        .clone()
        .map(|i| p.member(&p.trials[i], &split).unwrap())
        .collect();
    let in_order =
        cohort::train_tensors(&setup, &split, &members, DType::F32, &Device::Cpu).unwrap();
    let stopped_early = in_order
        .iter()
        .filter(|o| o.status != Status::NotConverged && o.epochs_run < 30)
        .count();
    assert!(
        stopped_early > 0 && stopped_early < in_order.len(),
        "want members that stop while others go on, got {stopped_early}/{}",
        in_order.len()
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let beside = pool
        .install(|| cohort::train_tensors(&setup, &split, &members, DType::F32, &Device::Cpu))
        .unwrap();
    assert_eq!(in_order, beside);
    for (m, o) in members.iter().zip(&in_order) {
        let alone = pool
            .install(|| {
                cohort::train_tensors(
                    &setup,
                    &split,
                    std::slice::from_ref(m),
                    DType::F32,
                    &Device::Cpu,
                )
            })
            .unwrap();
        assert_eq!(&alone[0], o);
    }
}
