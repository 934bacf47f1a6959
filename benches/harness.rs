//! Criterion benches of the harness's stages on the two benchmark workloads (BENCHMARKS.md):
//! W1, the seed study (700 XOR 2-2-1 networks, 2000 epochs), W2 (8 x 128 ReLU on the digits)
//! and W3 (4 x 512 ReLU on MNIST-5k). Initializer sampling; one training step at cohort sizes
//! 1, 64 and 1024 for W1 and W2; the whole W1 cohort; a W2 trial's first epoch with its
//! scoring; one network's training epoch of W2 and W3 in FLOP/s; writing W1's CSV rows.
//! Run with `cargo bench`; reports land in target/criterion/.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use initbench::data::Split;
use initbench::init::{Initializer, Layout};
use initbench::params::Params;
use initbench::plan::Plan;
use initbench::record::rows;
use initbench::run::train_chunk;
use initbench::spec::Spec;
use initbench::train::network::Population;
use initbench::train::optim::OptState;
use initbench::train::{cohort, dense, fused, Member};

fn plan_of(spec: &str, name: &str) -> Plan {
    Plan::new(Spec::from_str(spec, "bench.toml", name, Path::new(".")).unwrap()).unwrap()
}

fn seed_plan(epochs: u32) -> Plan {
    let text = include_str!("../experiments/seed_xor.toml")
        .replace("epochs = 2000", &format!("epochs = {epochs}"));
    Plan::new(Spec::from_str(&text, "seed_xor.toml", "seed_xor", Path::new(".")).unwrap()).unwrap()
}

fn sampling(c: &mut Criterion) {
    let he = Initializer::parse(Params::new("initializer", "he_normal")).unwrap();
    let orth = Initializer::parse(Params::new("initializer", "orthogonal")).unwrap();
    let mut g = c.benchmark_group("init");
    g.bench_function("he_normal 128x128", |b| {
        let mut r = initbench::rng::stream(1, 0);
        b.iter(|| he.sample(128, 128, Layout::InOut, 1.0, &mut r))
    });
    g.bench_function("orthogonal 128x128", |b| {
        let mut r = initbench::rng::stream(1, 0);
        b.iter(|| orth.sample(128, 128, Layout::InOut, 1.0, &mut r))
    });
    g.finish();
}

/// W1's training: the 700-network cohort through the fused kernel on one and on two threads
/// (its blocks run in parallel inside the op), and the same with sampling the networks. Its
/// 100 zeros-initialized networks are one start, trained once: 601 networks train.
fn training(c: &mut Criterion) {
    initbench::train::setup_process();
    let plan = seed_plan(2000);
    let chunk = plan.chunks(usize::MAX, 1, &|_| true).remove(0);
    assert_eq!(chunk.trials.len(), 700);
    let (split, members) = crowd(&plan, 700);
    let setup = plan.setup(&plan.cohorts[0]);
    let mut g = c.benchmark_group("train");
    g.sample_size(20);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(
            format!("w1 700 nets x 2000 epochs, {threads} thread(s)"),
            |b| b.iter(|| pool.install(|| fused::train(&setup, &split, &members).unwrap())),
        );
    }
    g.bench_function("w1 sample + train 700 nets, 1 thread", |b| {
        b.iter(|| train_chunk(&plan, &chunk).unwrap())
    });
    g.finish();
}

/// `size` members built from the first cohort's (repeated as needed).
fn crowd(plan: &Plan, size: usize) -> (Split, Vec<Member>) {
    let cohort = &plan.cohorts[0];
    let split = plan.split(cohort).unwrap();
    let first: Vec<Member> = cohort
        .trials
        .clone()
        .map(|i| plan.member(&plan.trials[i], &split).unwrap())
        .collect();
    let members = first.iter().cycle().take(size).cloned().collect();
    (split, members)
}

/// `members` with every repeat of an earlier start nudged in one weight, so that all of them
/// train: the fused path trains members that start alike only once.
fn distinct(mut members: Vec<Member>) -> Vec<Member> {
    let mut seen = std::collections::HashSet::new();
    for (k, m) in members.iter_mut().enumerate() {
        let bits = |m: &Member| -> Vec<u64> {
            m.weights
                .iter()
                .chain(&m.biases)
                .flatten()
                .map(|v| v.to_bits())
                .collect()
        };
        if !seen.insert(bits(m)) {
            m.weights[0][0] += 1e-3 * (k + 1) as f64;
            assert!(seen.insert(bits(m)), "nudged into another member");
        }
    }
    members
}

/// One training step at three cohort sizes. W1: one full-batch epoch on the fused kernel,
/// with the scoring passes and the measurements at initialization that every run makes.
/// W2: one SGD step on a batch of 64 on the tensor path (forward, backward, update).
fn steps(c: &mut Criterion) {
    initbench::train::setup_process();
    let mut g = c.benchmark_group("step");
    g.sample_size(10);
    let w1 = seed_plan(1);
    for size in [1, 64, 1024] {
        let (split, members) = crowd(&w1, size);
        let members = distinct(members);
        let setup = w1.setup(&w1.cohorts[0]);
        g.bench_function(format!("w1 epoch, {size} nets"), |b| {
            b.iter(|| cohort::train(&setup, &split, &members, DType::F32, &Device::Cpu).unwrap())
        });
    }
    let w2 = plan_of(include_str!("../experiments/bench_w2.toml"), "bench_w2");
    let setup = w2.setup(&w2.cohorts[0]);
    let arch = setup.arch.clone();
    let dev = Device::Cpu;
    for size in [1, 64, 1024] {
        let (split, members) = crowd(&w2, size);
        let train = &split.train;
        let k = arch.head.units(train.classes);
        let rows = 64;
        let x = Tensor::from_slice(
            &train.x[..rows * train.features],
            (rows, train.features),
            &dev,
        )
        .unwrap();
        let t = Tensor::from_vec(
            arch.head.targets(&train.y[..rows], train.classes),
            (rows, k),
            &dev,
        )
        .unwrap()
        .to_dtype(DType::F32)
        .unwrap();
        let mut pop = Population::new(&members, &arch, DType::F32, &dev).unwrap();
        let mut opt = OptState::new(setup.optimizer, &pop.flat()).unwrap();
        let mask = Tensor::ones((size, 1, 1), DType::U8, &dev).unwrap();
        g.bench_function(format!("w2 sgd step, {size} nets"), |b| {
            b.iter(|| {
                let f = pop.forward_lean(&arch, &x, &t).unwrap();
                let grads = pop.backward(&arch, &x, &f, &t).unwrap();
                let mut flat = pop.flat();
                opt.step(&mut flat, &grads.flat(), &mask).unwrap();
                pop.set_flat(flat);
            })
        });
    }
    g.finish();
}

/// One epoch of one W2 network (22 steps, then scoring on the train and test splits).
fn w2_epoch(c: &mut Criterion) {
    initbench::train::setup_process();
    let text = include_str!("../experiments/bench_w2.toml")
        .replace("epochs = 20", "epochs = 1")
        .replace("replicates = 8", "replicates = 1");
    let plan = plan_of(&text, "bench_w2");
    let chunk = plan.chunks(usize::MAX, 1, &|_| true).remove(0);
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.bench_function("w2 one network, one epoch", |b| {
        b.iter(|| train_chunk(&plan, &chunk).unwrap())
    });
    g.finish();
}

/// One network's training epoch, the minibatch steps alone (no scoring), on the host path.
/// The throughput counts three times the forward products' FLOPs per training row (forward,
/// weight gradients, input gradients), the peers' convention, so criterion's "elem/s" are
/// FLOP/s.
fn epochs(c: &mut Criterion) {
    initbench::train::setup_process();
    let mut g = c.benchmark_group("epoch");
    g.sample_size(10);
    for (name, text) in [
        ("w2", include_str!("../experiments/bench_w2.toml")),
        ("w3", include_str!("../experiments/bench_w3.toml")),
    ] {
        let plan = plan_of(text, &format!("bench_{name}"));
        let setup = plan.setup(&plan.cohorts[0]);
        let (split, members) = crowd(&plan, 1);
        let dims = setup.arch.dims();
        let forward: usize = dims.windows(2).map(|w| 2 * w[0] * w[1]).sum();
        g.throughput(Throughput::Elements((3 * forward * split.train.n) as u64));
        let dev = Device::Cpu;
        let rows = dense::Rows::of(&split.train, setup.arch.head);
        let mut pop = Population::new(&members, &setup.arch, DType::F32, &dev).unwrap();
        let mut opt = OptState::new(setup.optimizer, &pop.flat()).unwrap();
        g.bench_function(format!("{name} one network, training epoch"), |b| {
            b.iter(|| dense::train_epoch(&setup, &rows, &mut pop, &mut opt, 1, &[true]).unwrap())
        });
    }
    g.finish();
}

/// One minibatch step's products for W2's and W3's shapes on one thread, their operands in
/// cache: each layer's forward product, weight gradient (Aᵀ·dz) and input gradient (all but
/// the first layer's). The throughput is the products' own FLOPs (2mnk each), so
/// criterion's "elem/s" are the tiles' FLOP/s.
fn products(c: &mut Criterion) {
    let mut g = c.benchmark_group("products");
    for (name, text) in [
        ("w2", include_str!("../experiments/bench_w2.toml")),
        ("w3", include_str!("../experiments/bench_w3.toml")),
    ] {
        let plan = plan_of(text, &format!("bench_{name}"));
        let setup = plan.setup(&plan.cohorts[0]);
        let dims = setup.arch.dims();
        let n = setup.batch_size.expect("minibatches");
        let widest = *dims.iter().max().expect("layers");
        let filled = |len: usize| {
            (0..len)
                .map(|i| ((i % 17) as f32 - 8.0) / 8.0)
                .collect::<Vec<f32>>()
        };
        let weights: Vec<Vec<f32>> = dims.windows(2).map(|w| filled(w[0] * w[1])).collect();
        let (input, dz) = (filled(n * widest), filled(n * widest));
        let mut out = vec![0.0f32; widest * widest.max(n)];
        let flops: usize = dims
            .windows(2)
            .enumerate()
            .map(|(l, w)| 2 * n * w[0] * w[1] * if l == 0 { 2 } else { 3 })
            .sum();
        g.throughput(Throughput::Elements(flops as u64));
        g.bench_function(format!("{name} one step's products, 1 thread"), |b| {
            b.iter(|| {
                for (l, w) in dims.windows(2).enumerate() {
                    let (i, o) = (w[0], w[1]);
                    let plain = |k| dense::Strides { rs: k, cs: 1 };
                    dense::matmul(&input, plain(i), &weights[l], &mut out, n, o, i);
                    let at = dense::Strides { rs: 1, cs: i };
                    dense::matmul(&input, at, &dz[..n * o], &mut out, i, o, n);
                    if l > 0 {
                        // Wᵀ as the transposed copy the backward pass makes: same shape.
                        dense::matmul(&dz, plain(o), &weights[l], &mut out, n, i, o);
                    }
                }
            })
        });
    }
    g.finish();
}

fn recording(c: &mut Criterion) {
    initbench::train::setup_process();
    let plan = seed_plan(50);
    let chunk = plan.chunks(usize::MAX, 1, &|_| true).remove(0);
    let done = train_chunk(&plan, &chunk).unwrap();
    c.bench_function("record/700 trial rows + curves to CSV", |b| {
        b.iter(|| {
            let labels = rows::Labels::of(&plan);
            let (mut trials, mut curves) = (rows::Table::default(), rows::Table::default());
            for (&i, o) in chunk.trials.iter().zip(&done.outcomes) {
                let t = &plan.trials[i];
                rows::trial_row(&mut trials, &plan, &labels, t, o).unwrap();
                rows::curve_rows(&mut curves, t, o).unwrap();
            }
            (trials.bytes().unwrap(), curves.bytes().unwrap())
        })
    });
}

/// Criterion draws its plots in "sans-serif" through plotters, whose font renderer here is
/// the pure-Rust one with no system fonts: give it the DejaVu Sans the report embeds.
fn config() -> Criterion {
    use plotters::style::{register_font, FontStyle};
    static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
    static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");
    for family in ["sans-serif", "serif", "monospace"] {
        register_font(family, FontStyle::Normal, REGULAR).ok();
        register_font(family, FontStyle::Bold, BOLD).ok();
    }
    Criterion::default()
}

criterion_group! {
    name = benches;
    config = config();
    targets = sampling, steps, training, w2_epoch, epochs, products, recording
}
criterion_main!(benches);
