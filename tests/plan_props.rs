//! Property tests of the plan over ~200 random small specs from a seeded generator (no new
//! dependency, nothing trained): every grid point is planned exactly once with a unique id; ids
//! do not depend on the order of any list in the spec; shards partition the plan, are
//! deterministic and balanced; cohorts and chunks partition the trials.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use initbench::plan::{shard, Plan, Trial};
use initbench::rng::{self, Rng};
use initbench::spec::Spec;

const CASES: u64 = 200;
/// Keeps every plan small, so the whole file runs in a few seconds.
const MAX_TRIALS: u64 = 1500;

const DATASETS: &[&str] = &[
    "\"xor\"",
    "\"parity\"",
    "{ name = \"moons\", n = 40 }",
    "\"iris\"",
];
const INITIALIZERS: &[&str] = &[
    "\"zeros\"",
    "\"ones\"",
    "\"glorot_uniform\"",
    "\"glorot_normal\"",
    "\"he_uniform\"",
    "\"he_normal\"",
    "\"lecun_uniform\"",
    "\"lecun_normal\"",
    "\"orthogonal\"",
    "\"random_normal\"",
    "{ name = \"random_normal\", stddev = 1.0 }",
    "\"random_uniform\"",
    "{ name = \"constant\", value = 0.5 }",
    "\"truncated_normal\"",
    "\"torch_linear\"",
    "\"xavier_uniform\"",
    "{ name = \"kaiming_normal\", nonlinearity = \"relu\" }",
];
const DEPTHS: &[&str] = &["1", "2", "3", "4", "8"];
const WIDTHS: &[&str] = &["1", "2", "4", "8", "16"];
const GAINS: &[&str] = &["0.5", "1.0", "1.5", "2.0"];
const ACTIVATIONS: &[&str] = &[
    "\"relu\"",
    "\"tanh\"",
    "\"sigmoid\"",
    "\"selu\"",
    "{ name = \"leaky_relu\", slope = 0.2 }",
];
const OPTIMIZERS: &[&str] = &[
    "\"sgd\"",
    "{ name = \"sgd\", lr = 0.5 }",
    "{ name = \"adam\", lr = 0.01 }",
    "\"momentum\"",
];

/// A random spec, kept as its parts so its lists can be reordered.
#[derive(Clone, Debug)]
struct Gen {
    seed: u64,
    replicates: u32,
    batch_size: Option<u32>,
    /// (TOML key, values as TOML) for every axis.
    axes: Vec<(&'static str, Vec<&'static str>)>,
}

impl Gen {
    fn random(r: &mut Rng) -> Gen {
        let pools: [(&'static str, &[&'static str], usize); 7] = [
            ("dataset", DATASETS, 3),
            ("initializer", INITIALIZERS, 5),
            ("depth", DEPTHS, 3),
            ("width", WIDTHS, 3),
            ("gain", GAINS, 3),
            ("activation", ACTIVATIONS, 3),
            ("optimizer", OPTIMIZERS, 2),
        ];
        let mut axes = Vec::new();
        for (key, pool, most) in pools {
            // A random subset in a random order; sometimes the key is left out (the default).
            if key != "initializer" && rng::below(r, 6) == 0 {
                continue;
            }
            let k = 1 + rng::below(r, most.min(pool.len()));
            let order = rng::permutation(r, pool.len());
            axes.push((key, order[..k].iter().map(|&i| pool[i]).collect()));
        }
        let mut g = Gen {
            seed: rng::below(r, 1000) as u64,
            replicates: 1 + rng::below(r, 4) as u32,
            batch_size: match rng::below(r, 3) {
                0 => Some([2, 8, 64][rng::below(r, 3)]),
                _ => None,
            },
            axes,
        };
        while g.count() > MAX_TRIALS {
            let longest = (0..g.axes.len())
                .max_by_key(|&i| g.axes[i].1.len())
                .expect("an axis");
            g.axes[longest].1.pop();
        }
        g
    }

    fn count(&self) -> u64 {
        self.axes
            .iter()
            .map(|(_, v)| v.len() as u64)
            .product::<u64>()
            * self.replicates as u64
    }

    fn text(&self) -> String {
        let mut t = format!(
            "name = \"props\"\nseed = {}\nreplicates = {}\nepochs = 3\n",
            self.seed, self.replicates
        );
        if let Some(b) = self.batch_size {
            t.push_str(&format!("batch_size = {b}\n"));
        }
        for (key, values) in &self.axes {
            t.push_str(&format!("{key} = [{}]\n", values.join(", ")));
        }
        t
    }

    /// The same spec with every list (and the order of the keys) shuffled.
    fn shuffled(&self, r: &mut Rng) -> Gen {
        let mut g = self.clone();
        for (_, values) in &mut g.axes {
            rng::shuffle(r, values);
        }
        rng::shuffle(r, &mut g.axes);
        g
    }

    fn plan(&self) -> Plan {
        let text = self.text();
        let spec = Spec::from_str(&text, "props.toml", "props", Path::new("."))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        Plan::new(spec).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }
}

/// A trial's grid point by the labels of its axis values, so it survives reordering.
type Point = (String, u32, u32, String, String, u32, String, u64);

fn point(p: &Plan, t: &Trial) -> Point {
    let s = &p.spec;
    (
        s.datasets[t.dataset].label(),
        t.depth,
        t.width,
        s.activations[t.activation].label(),
        s.optimizers[t.optimizer].label(),
        t.replicate,
        s.initializers[t.initializer].label(),
        t.gain.to_bits(),
    )
}

/// Every grid point of the spec, from its axes (not from the plan).
fn grid(p: &Plan) -> HashSet<Point> {
    let s = &p.spec;
    let mut out = HashSet::new();
    for d in &s.datasets {
        for &depth in &s.depths {
            for &width in &s.widths {
                for a in &s.activations {
                    for o in &s.optimizers {
                        for r in 0..s.replicates {
                            for i in &s.initializers {
                                for &g in &s.gains {
                                    out.insert((
                                        d.label(),
                                        depth,
                                        width,
                                        a.label(),
                                        o.label(),
                                        r,
                                        i.label(),
                                        g.to_bits(),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

fn check(case: u64, g: &Gen) {
    let ctx = format!("case {case}:\n{}", g.text());
    let p = g.plan();
    let n = p.trials.len();

    // (a) every grid point exactly once, as many trials as the spec counts
    assert_eq!(n as u64, p.spec.trial_count(), "{ctx}");
    assert_eq!(n as u64, g.count(), "{ctx}");
    let points: Vec<Point> = p.trials.iter().map(|t| point(&p, t)).collect();
    let distinct: HashSet<Point> = points.iter().cloned().collect();
    assert_eq!(distinct.len(), n, "a grid point appears twice\n{ctx}");
    assert_eq!(distinct, grid(&p), "{ctx}");
    assert!(
        p.trials.iter().enumerate().all(|(i, t)| t.index == i),
        "{ctx}"
    );

    // (b) unique ids
    let ids: HashSet<u64> = p.trials.iter().map(|t| t.id).collect();
    assert_eq!(ids.len(), n, "duplicate trial ids\n{ctx}");

    // (c) reordering every list keeps each grid point's id
    let by_point: HashMap<Point, u64> = points
        .iter()
        .cloned()
        .zip(p.trials.iter().map(|t| t.id))
        .collect();
    let mut r = rng::stream(case, 1);
    for _ in 0..2 {
        let h = g.shuffled(&mut r);
        let q = h.plan();
        let other: HashMap<Point, u64> = q.trials.iter().map(|t| (point(&q, t), t.id)).collect();
        assert_eq!(by_point, other, "{ctx}\nreordered:\n{}", h.text());
        assert_eq!(q.index_of().len(), n, "{ctx}");
    }

    // (e) cohorts: contiguous, non-empty, covering 0..n, one network shape and optimizer each
    let mut next = 0;
    for c in &p.cohorts {
        assert_eq!(c.trials.start, next, "cohorts not contiguous\n{ctx}");
        assert!(c.trials.end > c.trials.start, "empty cohort\n{ctx}");
        next = c.trials.end;
        let first = &p.trials[c.trials.start];
        assert_eq!(c.data_replicate, first.replicate, "{ctx}");
        for t in &p.trials[c.trials.clone()] {
            assert_eq!(
                (t.dataset, t.depth, t.width, t.activation, t.optimizer),
                (
                    first.dataset,
                    first.depth,
                    first.width,
                    first.activation,
                    first.optimizer
                ),
                "cohort {:?} mixes networks\n{ctx}",
                c.trials
            );
        }
    }
    assert_eq!(next, n, "cohorts do not cover the plan\n{ctx}");

    // (d) shards: each trial in exactly one of 1..=N, deterministic, balanced to within one unit
    let unit_costs: Vec<u128> = p
        .cohorts
        .iter()
        .flat_map(|c| {
            let r = c.trials.clone();
            r.clone()
                .step_by(shard::UNIT)
                .map(move |s| s..(s + shard::UNIT).min(r.end))
        })
        .map(|u| u.map(|i| p.cost(&p.trials[i])).sum())
        .collect();
    let biggest_unit = unit_costs.iter().copied().max().expect("a unit");
    for shards in [1u32, 2, 3, 5] {
        let s = shard::assign(&p, shards);
        assert_eq!(s.len(), n, "{ctx}");
        assert!(
            s.iter().all(|k| (1..=shards).contains(k)),
            "N={shards}\n{ctx}"
        );
        assert_eq!(
            s,
            shard::assign(&p, shards),
            "N={shards}: not deterministic\n{ctx}"
        );
        let mut load = vec![0u128; shards as usize];
        for t in &p.trials {
            load[s[t.index] as usize - 1] += p.cost(t);
        }
        let (lo, hi) = (load.iter().min().unwrap(), load.iter().max().unwrap());
        assert!(
            hi - lo <= biggest_unit,
            "N={shards}: loads {load:?}, unit ≤ {biggest_unit}\n{ctx}"
        );
        // A cohort no bigger than a unit is never split between shards.
        for c in p.cohorts.iter().filter(|c| c.trials.len() <= shard::UNIT) {
            assert!(
                c.trials.clone().all(|i| s[i] == s[c.trials.start]),
                "N={shards}\n{ctx}"
            );
        }
        if shards == 1 {
            assert!(s.iter().all(|&k| k == 1));
        }
    }

    // (f) chunks partition each cohort, in order, in near-equal pieces of at most k, in whole
    // units but each cohort's last
    for (k, unit) in [(1usize, 1usize), (3, 1), (1000, 1), (8, 4), (64, 32)] {
        let chunks = p.chunks(k, unit, &|_| true);
        let mut per_cohort: Vec<Vec<usize>> = vec![Vec::new(); p.cohorts.len()];
        let mut sizes: Vec<Vec<usize>> = vec![Vec::new(); p.cohorts.len()];
        let mut last_cohort = 0;
        for ch in &chunks {
            assert!(
                ch.cohort >= last_cohort,
                "chunks out of cohort order\n{ctx}"
            );
            last_cohort = ch.cohort;
            assert!(
                !ch.trials.is_empty() && ch.trials.len() <= k,
                "k={k}\n{ctx}"
            );
            per_cohort[ch.cohort].extend(&ch.trials);
            sizes[ch.cohort].push(ch.trials.len());
        }
        for (c, cohort) in p.cohorts.iter().enumerate() {
            assert_eq!(
                per_cohort[c],
                cohort.trials.clone().collect::<Vec<_>>(),
                "k={k}, cohort {c}\n{ctx}"
            );
            let (lo, hi) = (
                sizes[c].iter().min().unwrap(),
                sizes[c].iter().max().unwrap(),
            );
            let whole = &sizes[c][..sizes[c].len() - 1];
            assert!(
                whole.iter().all(|s| s % unit == 0),
                "k={k}, unit={unit}: a chunk in part units {:?}\n{ctx}",
                sizes[c]
            );
            assert!(
                hi - lo < 2 * unit,
                "k={k}, unit={unit}: uneven chunks {:?}\n{ctx}",
                sizes[c]
            );
        }
    }
}

#[test]
fn random_specs_plan_shard_and_chunk_consistently() {
    let mut trials = 0;
    let mut with_minibatches = 0;
    let mut cohorts = 0;
    for case in 0..CASES {
        let g = Gen::random(&mut rng::stream(0x5eed_91a2, case));
        check(case, &g);
        trials += g.count();
        with_minibatches += usize::from(g.batch_size.is_some());
        cohorts += g.plan().cohorts.len();
    }
    eprintln!(
        "{CASES} specs: {trials} trials in {cohorts} cohorts, {with_minibatches} with minibatches"
    );
    // A few XOR specs with many full-batch replicates: their replicates share one cohort,
    // longer than a shard unit, so units cut cohorts and shards may split them.
    for case in CASES..CASES + 5 {
        let mut r = rng::stream(0x5eed_91a2, case);
        let mut g = Gen::random(&mut r);
        g.axes
            .retain(|(key, _)| !matches!(*key, "dataset" | "depth" | "width" | "initializer"));
        g.axes.push(("dataset", vec!["\"xor\""]));
        g.axes.push(("initializer", INITIALIZERS[..5].to_vec()));
        g.batch_size = None;
        g.replicates = 100 + rng::below(&mut r, 200) as u32;
        let p = g.plan();
        assert!(
            p.cohorts.iter().any(|c| c.trials.len() > shard::UNIT),
            "{}",
            g.text()
        );
        check(case, &g);
    }
    // The generator really varies: several hundred trials per spec on average, some minibatched.
    assert!(trials > CASES * 20, "{trials}");
    assert!(with_minibatches > 20, "{with_minibatches}");
}
