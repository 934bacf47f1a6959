//! From a spec to concrete work: every trial with its stable id and seeds, grouped in cohorts.
//!
//! Trials are numbered in a fixed nesting (data set, depth, width, activation, optimizer,
//! parametrization, replicate, initializer, gain — slowest to fastest), which is the row order of every output
//! file. A cohort is a run of consecutive trials that share their network shape, optimizer,
//! data split and batch order, and so can train as one tensor program. Trials of different
//! replicates share a cohort only when nothing random depends on the replicate (XOR with full
//! batches, say).
//!
//! Seeds: replicate r of an experiment with seed s has the seed [`replicate_seed`]`(s, r)` (the
//! `seed` column); weights, data generation, the split and the batch order each take their own child
//! of it. Every initializer in a replicate therefore sees the same data in the same order and
//! starts from the same random numbers, which makes comparisons between initializers paired.

pub mod shard;

use std::ops::Range;

use sha2::{Digest, Sha256};

use crate::data::{self, Dataset, DatasetSpec, Split};
use crate::error::{Error, Result};
use crate::model::{Architecture, Parametrization, Scaling};
use crate::rng;
use crate::spec::Spec;
use crate::train::{learned, InitChoice, Member, Setup};

/// One network to train.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    /// Position in the plan (the row order of the outputs).
    pub index: usize,
    /// Hash of everything that decides this trial's result; stable across runs, machines,
    /// list order in the spec, and sharding.
    pub id: u64,
    pub dataset: usize,
    pub depth: u32,
    pub width: u32,
    pub activation: usize,
    pub optimizer: usize,
    pub parametrization: usize,
    pub replicate: u32,
    pub initializer: usize,
    pub gain: f64,
    /// The replicate's seed.
    pub seed: u64,
}

impl Trial {
    pub fn id_hex(&self) -> String {
        format!("{:016x}", self.id)
    }
}

/// Consecutive trials that train together.
#[derive(Clone, Debug, PartialEq)]
pub struct Cohort {
    pub trials: Range<usize>,
    /// The replicate whose split and batch order the cohort uses.
    pub data_replicate: u32,
}

/// A data set as loaded once at planning time.
struct Loaded {
    /// `None` for generated data sets, which are drawn again for each replicate.
    data: Option<Dataset>,
    features: usize,
    classes: usize,
    /// Training rows of a split.
    n_train: usize,
    /// Does the split or batch order depend on the replicate?
    per_replicate: bool,
    /// SHA-256 of a user file's bytes.
    sha256: Option<String>,
}

pub struct Plan {
    pub spec: Spec,
    pub trials: Vec<Trial>,
    pub cohorts: Vec<Cohort>,
    loaded: Vec<Loaded>,
    /// [initializer][activation]: the factor every weight is multiplied by
    /// ([`crate::init::Initializer::critical_scale`]), once per plan rather than per trial.
    scales: Vec<Vec<f64>>,
}

/// Seed purposes, each a child of the replicate seed.
const INIT: u64 = 1;
const GENERATE: u64 = 2;
const SPLIT: u64 = 3;
const ORDER: u64 = 4;
/// Under a trial's initialization seed: the batches GradInit and MetaInit learn from.
const LEARNED: u64 = 5;

impl Plan {
    /// Loads and checks every data set, then expands the grid. Fails (as bad input) before
    /// anything is written if a data set cannot be used.
    pub fn new(spec: Spec) -> Result<Plan> {
        let mut loaded = Vec::with_capacity(spec.datasets.len());
        for ds in &spec.datasets {
            loaded.push(load(&spec, ds)?);
        }
        let common = common_hasher(&spec);
        let mut trials = Vec::with_capacity(spec.trial_count() as usize);
        let mut cohorts = Vec::new();
        for (d, ds) in spec.datasets.iter().enumerate() {
            for &depth in &spec.depths {
                for &width in &spec.widths {
                    for a in 0..spec.activations.len() {
                        for (o, pz) in (0..spec.optimizers.len())
                            .flat_map(|o| (0..spec.parametrizations.len()).map(move |pz| (o, pz)))
                        {
                            for replicate in 0..spec.replicates {
                                let seed = replicate_seed(spec.seed, replicate);
                                let start = trials.len();
                                for i in 0..spec.initializers.len() {
                                    for &gain in &spec.gains {
                                        let mut t = Trial {
                                            index: trials.len(),
                                            id: 0,
                                            dataset: d,
                                            depth,
                                            width,
                                            activation: a,
                                            optimizer: o,
                                            parametrization: pz,
                                            replicate,
                                            initializer: i,
                                            gain,
                                            seed,
                                        };
                                        t.id = trial_id(&common, &spec, ds, &t);
                                        trials.push(t);
                                    }
                                }
                                let end = trials.len();
                                match cohorts.last_mut() {
                                    Some(Cohort { trials: r, .. })
                                        if !loaded[d].per_replicate && replicate > 0 =>
                                    {
                                        r.end = end
                                    }
                                    _ => cohorts.push(Cohort {
                                        trials: start..end,
                                        data_replicate: replicate,
                                    }),
                                }
                            }
                        }
                    }
                }
            }
        }
        let scales = spec
            .initializers
            .iter()
            .map(|i| {
                spec.activations
                    .iter()
                    .map(|&a| i.critical_scale(a, &spec.bias_initializer))
                    .collect::<std::result::Result<Vec<f64>, String>>()
            })
            .collect::<std::result::Result<_, _>>()
            .map_err(Error::Input)?;
        Ok(Plan {
            spec,
            trials,
            cohorts,
            loaded,
            scales,
        })
    }

    /// The SHA-256 of each user data file, keyed by its path: what the manifest records and
    /// the spec hash covers, so results never mix two versions of a file.
    pub fn data_hashes(&self) -> std::collections::BTreeMap<String, String> {
        self.spec
            .datasets
            .iter()
            .zip(&self.loaded)
            .filter_map(|(ds, l)| match (ds, &l.sha256) {
                (DatasetSpec::Csv { path, .. }, Some(h)) => {
                    Some((path.display().to_string(), h.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// The trials for which `wanted` holds, cohort by cohort, cut into chunks of at most
    /// `max` (a multiple of `unit`) of near-equal sizes in whole units, all but each cohort's
    /// last: the fused kernel trains blocks of `unit` networks, so a chunk of any other size
    /// pads a block. Results do not depend on the chunking; it only balances work across
    /// threads and bounds memory.
    pub fn chunks(&self, max: usize, unit: usize, wanted: &dyn Fn(usize) -> bool) -> Vec<Chunk> {
        let unit = unit.max(1);
        let max_units = (max / unit).max(1);
        let mut out = Vec::new();
        for (c, cohort) in self.cohorts.iter().enumerate() {
            let trials: Vec<usize> = cohort.trials.clone().filter(|&i| wanted(i)).collect();
            let units = trials.len().div_ceil(unit);
            let pieces = units.div_ceil(max_units);
            let mut start = 0;
            for k in 0..pieces {
                let size = (units / pieces + usize::from(k < units % pieces)) * unit;
                let end = (start + size).min(trials.len());
                out.push(Chunk {
                    cohort: c,
                    trials: trials[start..end].to_vec(),
                });
                start = end;
            }
        }
        out
    }

    /// A trial's relative cost, for balancing shards: parameters × training rows × epochs
    /// (forward and backward passes are proportional to it).
    pub fn cost(&self, t: &Trial) -> u128 {
        let arch = self.architecture(t);
        arch.parameters() as u128
            * self.loaded[t.dataset].n_train as u128
            * self.spec.epochs as u128
    }

    /// About the most memory one network of trial `t` takes while it trains, in bytes, for
    /// [`memory`](crate::memory) checks: f32 weights, gradients, the initial copy and two
    /// optimizer moments (6 × parameters), the activations, pre-activations and deltas of a
    /// minibatch through every layer, and two layers' activations over all rows for evaluation.
    pub fn network_bytes(&self, t: &Trial) -> u128 {
        let arch = self.architecture(t);
        let n_train = self.loaded[t.dataset].n_train as u128;
        let rows = (n_train as f64 / (1.0 - self.spec.test_fraction)).ceil() as u128;
        let batch = self
            .spec
            .batch_size
            .map_or(n_train, |b| (b as u128).min(n_train));
        let units = (arch.inputs + arch.depth * arch.width + arch.outputs) as u128;
        let widest = arch.inputs.max(arch.width).max(arch.outputs) as u128;
        4 * (6 * arch.parameters() as u128 + 3 * batch * units + 2 * rows * widest)
    }

    /// Plan index of every trial id.
    pub fn index_of(&self) -> std::collections::HashMap<u64, usize> {
        self.trials.iter().map(|t| (t.id, t.index)).collect()
    }

    /// The data a cohort trains and tests on.
    pub fn split(&self, cohort: &Cohort) -> Result<Split> {
        let first = &self.trials[cohort.trials.start];
        let ds = &self.spec.datasets[first.dataset];
        let seed = replicate_seed(self.spec.seed, cohort.data_replicate);
        let generated;
        let data = match &self.loaded[first.dataset].data {
            Some(d) => d,
            None => {
                generated = ds
                    .load(rng::derive(seed, GENERATE))
                    .map_err(|e| Error::Input(e.to_string()))?;
                &generated
            }
        };
        data::split(ds, data, self.spec.test_fraction, rng::derive(seed, SPLIT))
            .map_err(|e| Error::Input(e.to_string()))
    }

    /// The network shape of a trial.
    pub fn architecture(&self, t: &Trial) -> Architecture {
        let l = &self.loaded[t.dataset];
        Architecture {
            inputs: l.features,
            depth: t.depth as usize,
            width: t.width as usize,
            outputs: self.spec.head.units(l.classes),
            activation: self.spec.activations[t.activation],
            head: self.spec.head,
            residual: self.spec.residual,
        }
    }

    /// How a cohort trains.
    pub fn setup(&self, cohort: &Cohort) -> Setup {
        let first = &self.trials[cohort.trials.start];
        let seed = replicate_seed(self.spec.seed, cohort.data_replicate);
        Setup {
            arch: self.architecture(first),
            optimizer: self.spec.optimizers[first.optimizer],
            epochs: self.spec.epochs,
            batch_size: self.spec.batch_size.map(|b| b as usize),
            target: self.spec.target,
            early_stop: self.spec.early_stop,
            order_seed: rng::derive(seed, ORDER),
            record_layers: self.spec.record_layers,
            record_jacobian: self.spec.record_jacobian,
            scaling: self.scaling(first),
        }
    }

    /// A trial's parametrization at its width.
    pub fn scaling(&self, t: &Trial) -> Scaling {
        let parametrization = self.spec.parametrizations[t.parametrization];
        match self.spec.base_width {
            Some(base) if parametrization != Parametrization::Standard => Scaling {
                parametrization,
                width_mult: t.width as f64 / base as f64,
            },
            _ => Scaling::STANDARD,
        }
    }

    /// A trial's initial network. `split` is its cohort's data (LSUV looks at the first
    /// minibatch's worth of training rows, GradInit and MetaInit at seeded batches of them).
    pub fn member(&self, t: &Trial, split: &Split) -> Result<Member> {
        let arch = self.architecture(t);
        let train = &split.train;
        let rows = self
            .spec
            .batch_size
            .map_or(train.n, |b| (b as usize).min(train.n));
        let batch: Vec<f64> = train.x[..rows * train.features]
            .iter()
            .map(|&v| v as f64)
            .collect();
        let choice = InitChoice {
            weights: &self.spec.initializers[t.initializer],
            biases: &self.spec.bias_initializer,
            gain: t.gain,
            seed: rng::derive(t.seed, INIT),
            scale: self.scales[t.initializer][t.activation],
        };
        let mut member = Member::sample(&arch, choice, &batch).map_err(Error::Input)?;
        learned::fit(
            choice.weights,
            &arch,
            &mut member,
            train,
            self.spec.optimizers[t.optimizer],
            rng::derive(choice.seed, LEARNED),
        )?;
        // After LSUV, GradInit and MetaInit, whose layers are the standard parametrization's.
        let scaling = self.scaling(t);
        let layers = arch.layers();
        for (l, w) in member.weights.iter_mut().enumerate() {
            let f = scaling.init_factor(l, layers);
            if f != 1.0 {
                w.iter_mut().for_each(|x| *x *= f);
            }
        }
        Ok(member)
    }
}

/// A piece of a cohort, the unit of work of one thread: plan indices, ascending.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    pub cohort: usize,
    pub trials: Vec<usize>,
}

/// Replicate `r`'s seed: 48 bits, so spreadsheets (15 significant digits) keep it exact.
pub fn replicate_seed(experiment_seed: u64, r: u32) -> u64 {
    rng::derive(experiment_seed, r as u64) & ((1 << 48) - 1)
}

fn load(spec: &Spec, ds: &DatasetSpec) -> Result<Loaded> {
    let seed0 = replicate_seed(spec.seed, 0);
    let (data, sha256) = ds
        .load_hashed(rng::derive(seed0, GENERATE))
        .map_err(|e| Error::Input(e.to_string()))?;
    // Split once now so that unusable data fails before any output exists.
    let split = data::split(ds, &data, spec.test_fraction, rng::derive(seed0, SPLIT))
        .map_err(|e| Error::Input(format!("dataset {}: {e}", ds.label())))?;
    let minibatch = spec
        .batch_size
        .is_some_and(|b| (b as usize) < split.train.n);
    let per_replicate = ds.is_random() || (ds.has_split() && spec.test_fraction > 0.0) || minibatch;
    Ok(Loaded {
        n_train: split.train.n,
        features: data.features,
        classes: data.classes,
        data: if ds.is_random() { None } else { Some(data) },
        per_replicate,
        sha256,
    })
}

/// A hasher already fed with the settings every trial shares.
fn common_hasher(spec: &Spec) -> Sha256 {
    let mut h = Sha256::new();
    let common = format!(
        "initbench-trial-v1\nseed={}\nepochs={}\nbatch_size={}\ntest_fraction={}\nloss={}\noutput_activation={}\nbias_initializer={}\ntarget_train_loss={:?}\ntarget_train_acc={:?}\nearly_stop={}\n",
        spec.seed,
        spec.epochs,
        spec.batch_size.map_or("full".to_string(), |b| b.to_string()),
        spec.test_fraction,
        spec.head.loss.name(),
        spec.head.activation.name(),
        spec.bias_initializer.label(),
        spec.target.train_loss,
        spec.target.train_acc,
        spec.early_stop,
    );
    h.update(common.as_bytes());
    // Only for residual networks, so every plain spec's ids stay what they were.
    if let Some(r) = spec.residual {
        h.update(
            format!(
                "residual=true\nbranch_scale={}\nlayer_norm={}\n",
                r.scale,
                r.norm.name()
            )
            .as_bytes(),
        );
        if r.trained {
            h.update(b"train_branch_scale=true\n");
        }
        if r.scalar_biases {
            h.update(b"scalar_biases=true\n");
        }
    }
    h
}

fn trial_id(common: &Sha256, spec: &Spec, ds: &DatasetSpec, t: &Trial) -> u64 {
    let mut h = common.clone();
    let own = format!(
        "dataset={}\ndepth={}\nwidth={}\nactivation={}\noptimizer={}\nreplicate={}\ninitializer={}\ngain={}\n",
        ds.label(),
        t.depth,
        t.width,
        spec.activations[t.activation].label(),
        spec.optimizers[t.optimizer].label(),
        t.replicate,
        spec.initializers[t.initializer].label(),
        t.gain,
    );
    h.update(own.as_bytes());
    // Only away from the standard parametrization, so every earlier spec's ids stay the same.
    let pz = spec.parametrizations[t.parametrization];
    if pz != Parametrization::Standard {
        let base = spec.base_width.expect("validated: set with ntk or mup");
        h.update(format!("parametrization={}\nbase_width={base}\n", pz.name()).as_bytes());
    }
    let digest = h.finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::Path;

    fn plan(text: &str) -> Plan {
        Plan::new(Spec::from_str(text, "t.toml", "t", Path::new(".")).unwrap()).unwrap()
    }

    #[test]
    fn residual_settings_are_part_of_the_trial_id() {
        let ids = |extra: &str| -> Vec<u64> {
            plan(&format!(
                "depth = [3]\ninitializer = [\"he_normal\"]\n{extra}"
            ))
            .trials
            .iter()
            .map(|t| t.id)
            .collect()
        };
        let all = [
            ids(""),
            ids("residual = true\n"),
            ids("residual = true\nbranch_scale = 0.5\n"),
            ids("residual = true\nlayer_norm = \"pre\"\n"),
            ids("residual = true\nlayer_norm = \"post\"\n"),
            ids("residual = true\ntrain_branch_scale = true\n"),
            ids("residual = true\nscalar_biases = true\n"),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(ids("residual = false\n"), all[0]);
        assert_eq!(ids("residual = true\ntrain_branch_scale = false\n"), all[1]);
    }

    #[test]
    fn parametrizations_scale_the_output_layer_and_keep_the_standard_ids() {
        let p = plan(
            "dataset = [\"iris\"]\ndepth = [2]\nwidth = [8, 2]\ninitializer = [\"he_normal\"]\n\
             parametrization = [\"standard\", \"ntk\", \"mup\"]\nbase_width = 2\n",
        );
        assert_eq!(p.trials.len(), 6);
        let standard = plan(
            "dataset = [\"iris\"]\ndepth = [2]\nwidth = [8, 2]\ninitializer = [\"he_normal\"]\n",
        );
        let ids = |p: &Plan, pz: usize| -> Vec<u64> {
            p.trials
                .iter()
                .filter(|t| t.parametrization == pz)
                .map(|t| t.id)
                .collect()
        };
        assert_eq!(ids(&p, 0), ids(&standard, 0));
        let all: HashSet<u64> = p.trials.iter().map(|t| t.id).collect();
        assert_eq!(all.len(), 6);
        // Nesting: the parametrization varies slower than the replicate, faster than width.
        let order: Vec<(u32, usize)> = p
            .trials
            .iter()
            .map(|t| (t.width, t.parametrization))
            .collect();
        assert_eq!(order, [(8, 0), (8, 1), (8, 2), (2, 0), (2, 1), (2, 2)]);
        let c = &p.cohorts[0];
        let split = p.split(c).unwrap();
        let member = |i: usize| p.member(&p.trials[i], &split).unwrap();
        let (sp, ntk, mup) = (member(0), member(1), member(2));
        assert_eq!(ntk, sp);
        // m = 8 / 2: the output layer is 1/√4 of the standard one, exactly; the rest is equal.
        assert_eq!(mup.weights[..2], sp.weights[..2]);
        let half: Vec<f64> = sp.weights[2].iter().map(|w| w * 0.5).collect();
        assert_eq!(mup.weights[2], half);
        assert_eq!(mup.biases, sp.biases);
        // At the base width every parametrization is the standard one.
        assert_eq!(member(5), member(3));
        assert!(p.setup(&p.cohorts[5]).scaling.is_identity());
        assert_eq!(p.setup(&p.cohorts[2]).scaling.width_mult, 4.0);
    }

    #[test]
    fn every_grid_point_once_with_unique_ids() {
        let p = plan("replicates = 3\ndepth = [1, 2]\ninitializer = [\"zeros\", \"he_normal\"]\ngain = [1.0, 2.0]\n");
        assert_eq!(p.trials.len(), 3 * 2 * 2 * 2);
        let ids: HashSet<u64> = p.trials.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), p.trials.len());
        let points: HashSet<(u32, u32, usize, u64)> = p
            .trials
            .iter()
            .map(|t| (t.depth, t.replicate, t.initializer, t.gain.to_bits()))
            .collect();
        assert_eq!(points.len(), p.trials.len());
        assert!(p.trials.iter().enumerate().all(|(i, t)| t.index == i));
    }

    #[test]
    fn ids_do_not_depend_on_list_order() {
        let a = plan("depth = [1, 2]\ninitializer = [\"zeros\", \"he_normal\"]\n");
        let b = plan("depth = [2, 1]\ninitializer = [\"he_normal\", \"zeros\"]\n");
        let ia: HashSet<u64> = a.trials.iter().map(|t| t.id).collect();
        let ib: HashSet<u64> = b.trials.iter().map(|t| t.id).collect();
        assert_eq!(ia, ib);
        let c = plan("depth = [1, 2]\ninitializer = [\"zeros\", \"he_normal\"]\nepochs = 7\n");
        assert!(c.trials.iter().all(|t| !ia.contains(&t.id)));
    }

    #[test]
    fn xor_replicates_share_a_cohort_but_minibatches_split_them() {
        let p =
            plan("dataset = [\"xor\"]\nreplicates = 5\ninitializer = [\"zeros\", \"he_normal\"]\n");
        assert_eq!(p.cohorts.len(), 1);
        assert_eq!(p.cohorts[0].trials, 0..10);
        let p = plan("dataset = [\"xor\"]\nreplicates = 5\nbatch_size = 2\n");
        assert_eq!(p.cohorts.len(), 5);
        let p = plan("dataset = [\"moons\"]\nreplicates = 2\ndepth = [1, 3]\n");
        assert_eq!(p.cohorts.len(), 4);
    }

    #[test]
    fn chunks_partition_each_cohort() {
        let p = plan("replicates = 7\ninitializer = [\"zeros\", \"he_normal\", \"ones\"]\n");
        let chunks = p.chunks(4, 1, &|_| true);
        assert!(chunks
            .iter()
            .all(|c| c.trials.len() <= 4 && !c.trials.is_empty()));
        let covered: Vec<usize> = chunks.iter().flat_map(|c| c.trials.clone()).collect();
        let odd = p.chunks(4, 1, &|i| i % 2 == 1);
        let covered_odd: Vec<usize> = odd.iter().flat_map(|c| c.trials.clone()).collect();
        assert_eq!(
            covered_odd,
            (0..21).filter(|i| i % 2 == 1).collect::<Vec<_>>()
        );
        assert_eq!(covered, (0..21).collect::<Vec<_>>());
        let sizes: Vec<usize> = chunks.iter().map(|c| c.trials.len()).collect();
        assert_eq!(sizes, vec![4, 4, 4, 3, 3, 3]);
        // In whole units of 2 but the cohort's last: 21 trials are 11 units.
        let sizes: Vec<usize> = p
            .chunks(4, 2, &|_| true)
            .iter()
            .map(|c| c.trials.len())
            .collect();
        assert_eq!(sizes, vec![4, 4, 4, 4, 4, 1]);
        let sizes: Vec<usize> = p
            .chunks(6, 2, &|_| true)
            .iter()
            .map(|c| c.trials.len())
            .collect();
        assert_eq!(sizes, vec![6, 6, 6, 3]);
    }

    #[test]
    fn seeds_follow_the_replicate_only() {
        let p = plan("replicates = 2\ninitializer = [\"zeros\", \"he_normal\"]\n");
        assert_eq!(p.trials[0].seed, p.trials[1].seed);
        assert_ne!(p.trials[0].seed, p.trials[2].seed);
    }
}
