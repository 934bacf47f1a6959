//! Criterion benches of the harness's stages on the seed study (W1 in ../shared/peers):
//! initializer sampling, training the 700-network cohort, and writing its CSV rows.
//! Run with `cargo bench`; reports land in target/criterion/.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use initbench::init::{Initializer, Layout};
use initbench::params::Params;
use initbench::plan::Plan;
use initbench::record::rows;
use initbench::run::train_chunk;
use initbench::spec::Spec;

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

fn training(c: &mut Criterion) {
    initbench::train::single_threaded_kernels();
    let plan = seed_plan(2000);
    let chunk = plan.chunks(usize::MAX, &|_| true).remove(0);
    assert_eq!(chunk.trials.len(), 700);
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.bench_function("seed_xor 700 nets x 2000 epochs, one thread", |b| {
        b.iter(|| train_chunk(&plan, &chunk).unwrap())
    });
    let cohort = &plan.cohorts[0];
    let split = plan.split(cohort).unwrap();
    let setup = plan.setup(cohort);
    let members: Vec<_> = chunk
        .trials
        .iter()
        .map(|&i| plan.member(&plan.trials[i], &split).unwrap())
        .collect();
    g.bench_function("seed_xor kernel only", |b| {
        b.iter(|| initbench::train::fused::train(&setup, &split, &members).unwrap())
    });
    g.finish();
}

fn recording(c: &mut Criterion) {
    initbench::train::single_threaded_kernels();
    let plan = seed_plan(50);
    let chunk = plan.chunks(usize::MAX, &|_| true).remove(0);
    let done = train_chunk(&plan, &chunk).unwrap();
    c.bench_function("record/700 trial rows + curves to CSV", |b| {
        b.iter_batched(
            || (Vec::with_capacity(1 << 20), Vec::with_capacity(1 << 20)),
            |(a, b): (Vec<u8>, Vec<u8>)| {
                let mut trials = csv::Writer::from_writer(a);
                let mut curves = csv::Writer::from_writer(b);
                for (&i, o) in chunk.trials.iter().zip(&done.outcomes) {
                    let t = &plan.trials[i];
                    trials.write_record(rows::trial_row(&plan, t, o)).unwrap();
                    for r in rows::curve_rows(t, o) {
                        curves.write_record(r).unwrap();
                    }
                }
                (trials.into_inner().unwrap(), curves.into_inner().unwrap())
            },
            BatchSize::SmallInput,
        )
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
    targets = sampling, training, recording
}
criterion_main!(benches);
